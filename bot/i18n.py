"""Every sentence the bot says about its answers, in English and French, and dates per language.

Composition names a phrase by key with its parameters (`Phrase`); renderers look it up here in
the reader's language. Dates are written with Babel ("31 October 2023", "31 octobre 2023").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from functools import lru_cache
from typing import Literal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from bot.models import PartialDate, Phrase

Lang = Literal["en", "fr"]
LANGS: tuple[Lang, ...] = ("en", "fr")

CATALOGUE: dict[str, dict[Lang, str]] = {
    # Declining
    "dont-know": {
        "en": "I don't know: nothing in my sources answers that for sure.",
        "fr": "Je ne sais pas : rien dans mes sources n'y répond avec certitude.",
    },
    "dont-know-words": {
        "en": "I don't know: my sources say nothing about {words}.",
        "fr": "Je ne sais pas : mes sources ne disent rien de {words}.",
    },
    "dont-know-about": {
        "en": "I don't know about {names}: none of my sources is about it.",
        "fr": "Je ne sais rien de {names} : aucune de mes sources n'en traite.",
    },
    "dont-know-together": {
        "en": "I don't know: none of my sources is about {names} together.",
        "fr": "Je ne sais pas : aucune de mes sources ne traite de {names} ensemble.",
    },
    "other-mission": {
        "en": "I only know about MINUSMA, the UN mission in Mali; {names} is another mission.",
        "fr": "Je ne connais que la MINUSMA, la mission de l'ONU au Mali ; {names} est une "
              "autre mission.",
    },
    "no-figure": {
        "en": "I don't know: my sources give no such figure.",
        "fr": "Je ne sais pas : mes sources ne donnent pas ce chiffre.",
    },
    "no-figure-for": {
        "en": "I don't know: my sources give no such figure for {period}.",
        "fr": "Je ne sais pas : mes sources ne donnent pas ce chiffre pour {period}.",
    },
    # Choosing
    "which-one": {"en": "Which one do you mean?", "fr": "Lequel voulez-vous dire ?"},
    "after-the-end": {
        "en": "MINUSMA's mandate ended on 30 June 2023, the mission closed on 31 December 2023 "
              "and its liquidation ended in November 2024: nothing of it happened after that.",
        "fr": "Le mandat de la MINUSMA a pris fin le 30 juin 2023, la mission a fermé le "
              "31 décembre 2023 et sa liquidation s'est achevée en novembre 2024 : plus rien "
              "ne s'est passé après.",
    },
    "did-you-mean": {"en": "Did you mean this?", "fr": "Vouliez-vous dire ceci ?"},
    "did-you-mean-this": {"en": "Did you mean {topic}?", "fr": "Vouliez-vous dire {topic} ?"},
    "which-one-about": {
        "en": "{about}: {count} possible answers. Which one do you mean?",
        "fr": "{about} : {count} réponses possibles. Laquelle voulez-vous dire ?",
    },
    "which-one-count": {
        "en": "{count} possible answers. Which one do you mean?",
        "fr": "{count} réponses possibles. Laquelle voulez-vous dire ?",
    },
    # Conversations
    "read-as": {"en": "Read as: {question}", "fr": "Compris comme : {question}"},
    "asked": {"en": "Asked: {question}", "fr": "Question : {question}"},
    "inline-ask-private": {
        "en": "Ask me this in a private chat",
        "fr": "Me poser cette question en privé",
    },
    # Small talk and junk
    "ask-me": {
        "en": "Ask me a question about MINUSMA, the UN mission in Mali (2013-2023).",
        "fr": "Posez-moi une question sur la MINUSMA, la mission de l'ONU au Mali (2013-2023).",
    },
    "hello": {
        "en": "Hello! I answer questions about MINUSMA, the UN peacekeeping mission in Mali "
              "(2013-2023), with sources. For example:",
        "fr": "Bonjour ! Je réponds aux questions sur la MINUSMA, la mission de maintien de la "
              "paix de l'ONU au Mali (2013-2023), sources à l'appui. Par exemple :",
    },
    "thanks": {
        "en": "You're welcome! Ask me anything else about MINUSMA.",
        "fr": "Avec plaisir ! Posez-moi d'autres questions sur la MINUSMA.",
    },
    "junk": {
        "en": "I answer questions about MINUSMA, the UN mission in Mali (2013-2023): dates, "
              "places, people and figures, in English or French. For example:",
        "fr": "Je réponds aux questions sur la MINUSMA, la mission de l'ONU au Mali "
              "(2013-2023) : dates, lieux, personnes et chiffres, en français ou en anglais. "
              "Par exemple :",
    },
    # Lists
    "on-one": {"en": "{date}: 1 event", "fr": "{date} : 1 événement"},
    "on-many": {"en": "{date}: {count} events", "fr": "{date} : {count} événements"},
    "after-one": {"en": "After {date}: 1 event", "fr": "Après {date} : 1 événement"},
    "after-many": {"en": "After {date}: {count} events",
                   "fr": "Après {date} : {count} événements"},
    "before-one": {"en": "Before {date}: 1 event", "fr": "Avant {date} : 1 événement"},
    "before-many": {"en": "Before {date}: {count} events",
                    "fr": "Avant {date} : {count} événements"},
    "about-many": {"en": "{label}: {count} events", "fr": "{label} : {count} événements"},
    "about-date-many": {"en": "{label}, {date}: {count} events",
                        "fr": "{label}, {date} : {count} événements"},
    "no-event-on-day": {"en": "I don't know of any event on {date}.",
                        "fr": "Je ne connais aucun événement le {date}."},
    "no-event-on-month": {"en": "I don't know of any event in {date}.",
                          "fr": "Je ne connais aucun événement en {date}."},
    "no-event-on-year": {"en": "I don't know of any event in {date}.",
                         "fr": "Je ne connais aucun événement en {date}."},
    "no-event-after": {"en": "I don't know of any event after {date}.",
                       "fr": "Je ne connais aucun événement après {date}."},
    "no-event-before": {"en": "I don't know of any event before {date}.",
                        "fr": "Je ne connais aucun événement avant {date}."},
    "narrow-year": {
        "en": "Ask about one month of it, or add a place.",
        "fr": "Demandez un mois précis, ou ajoutez un lieu.",
    },
    "narrow-month": {
        "en": "Ask about one day of it, or add a place.",
        "fr": "Demandez un jour précis, ou ajoutez un lieu.",
    },
    "narrow-any": {
        "en": "Add a place or a topic to narrow it down.",
        "fr": "Ajoutez un lieu ou un sujet pour préciser.",
    },
    "withdrawal-timeline": {
        "en": "The withdrawal, step by step ({count} events)",
        "fr": "Le retrait, étape par étape ({count} événements)",
    },
    # Comparisons and derivations
    "same-day": {"en": "They happened on the same day.", "fr": "C'était le même jour."},
    "order": {"en": "First: {first}; then {rest}.", "fr": "D'abord : {first} ; puis {rest}."},
    "then": {"en": ", then ", "fr": ", puis "},
    "successor": {
        "en": "{other} succeeded {person} as {role}.",
        "fr": "{other} a succédé à {person} comme {role}.",
    },
    "predecessor": {
        "en": "{other} preceded {person} as {role}.",
        "fr": "{other} a précédé {person} comme {role}.",
    },
    "successor-acting": {
        "en": "{other} (acting), then {next}, succeeded {person} as {role}.",
        "fr": "{other} (par intérim), puis {next}, ont succédé à {person} comme {role}.",
    },
    "predecessor-acting": {
        "en": "{other}, then {next} (acting), preceded {person} as {role}.",
        "fr": "{other}, puis {next} (par intérim), ont précédé {person} comme {role}.",
    },
    "no-successor": {
        "en": "{person} was the last {role} in my sources.",
        "fr": "{person} est le dernier {role} dans mes sources.",
    },
    "no-predecessor": {
        "en": "{person} was the first {role} in my sources.",
        "fr": "{person} est le premier {role} dans mes sources.",
    },
    "described-person": {
        "en": "{name} ({country}): {role}, in office from {first}.",
        "fr": "{name} ({country}) : {role}, en fonction à partir du {first}.",
    },
    "holder-when": {
        "en": "{names}: {role} on {date}, when: {event}.",
        "fr": "{names} : {role} le {date}, date de : {event_fr}.",
    },
    "holder": {
        "en": "{names}: {role} in {period}.",
        "fr": "{names} : {role} en {period}.",
    },
    "first-holder": {"en": "The first {role}: {name}.", "fr": "Premier {role} : {name}."},
    "last-holder": {"en": "The last {role}: {name}.", "fr": "Dernier {role} : {name}."},
    "first-of": {
        "en": "The first of {count} in my sources:",
        "fr": "Le premier des {count} dans mes sources :",
    },
    "last-of": {
        "en": "The latest of {count} in my sources:",
        "fr": "Le plus récent des {count} dans mes sources :",
    },
    "most": {
        "en": "The largest figure among {count} in my sources: {value}.",
        "fr": "Le chiffre le plus élevé parmi {count} dans mes sources : {value}.",
    },
    "most-killed": {
        "en": "The deadliest of {count} with a toll in my sources: {value} killed.",
        "fr": "Le plus meurtrier des {count} dont mes sources donnent le bilan : {value} morts.",
    },
    "most-troops": {
        "en": "The largest of {count} with a figure in my sources: {value}.",
        "fr": "Le plus important des {count} chiffrés dans mes sources : {value}.",
    },
    "most-budget": {
        "en": "The largest of {count} budgets in my sources: ${value}.",
        "fr": "Le plus élevé des {count} budgets de mes sources : {value} $.",
    },
    "year-total": {"en": "In {period}: {values}.", "fr": "En {period} : {values}."},
    "first-camp": {
        "en": "The first of the mission's {count} sites{where} to close: {name}, {date}.",
        "fr": "Le premier des {count} sites de la mission{where_fr} à fermer : {name_fr}, "
              "{date}.",
    },
    "last-camp": {
        "en": "The last of the mission's {count} sites{where} to close: {name}, {date}.",
        "fr": "Le dernier des {count} sites de la mission{where_fr} à fermer : {name_fr}, "
              "{date}.",
    },
    "holder-count": {
        "en": "{count} people were appointed {role}: {names}.",
        "fr": "{count} personnes ont été nommées {role} : {names}.",
    },
    "holder-count-acting": {
        "en": "{count} people were appointed {role}: {names}; acting in between: {acting}.",
        "fr": "{count} personnes ont été nommées {role} : {names} ; par intérim entre-temps : "
              "{acting}.",
    },
    "nth-holder": {
        "en": "The {rank} {role} (of {total} appointed): {name}.",
        "fr": "{rank} {role} nommé (sur {total}) : {name}.",
    },
    "camp-rank": {
        "en": "{name}: the {rank} of the mission's {total} sites to close, on {first}.",
        "fr": "{name_fr} : le {rank} des {total} sites de la mission à fermer, le {first}.",
    },
    "camp-rank-tied": {
        "en": "{name}: the {rank} or {rank_last} of the mission's {total} sites to close, on "
              "{first}, the same day as {others}.",
        "fr": "{name_fr} : le {rank} ou {rank_last} des {total} sites de la mission à fermer, "
              "le {first}, le même jour que {others_fr}.",
    },
    "camps-count": {
        "en": "Sites{where}{when}: {count} of the mission's {total} ({names}).",
        "fr": "Sites{where_fr}{when_fr} : {count} des {total} de la mission ({names_fr}).",
    },
    "figure": {"en": "{measure}: {value} ({who}).", "fr": "{measure} : {value} ({who})."},
    "figure-in": {"en": "{measure} in {period}: {value} ({who}).",
                  "fr": "{measure} en {period} : {value} ({who})."},
    "count-in-text": {"en": "{value} ({what}), as the entry states it.",
                      "fr": "{value} ({what}), comme l'indique la fiche."},
    "figure-plain": {"en": "{measure}: {value}.", "fr": "{measure} : {value}."},
    "figure-plain-in": {"en": "{measure} in {period}: {value}.",
                        "fr": "{measure} en {period} : {value}."},
    "nationality": {"en": "{person}'s country: {country}.",
                    "fr": "Pays d'origine de {person} : {country}."},
    "tenure-length": {
        "en": "{person}: {role} for {length}, from {first} to {last}.",
        "fr": "{person} : {role} pendant {length}, du {first} au {last}.",
    },
    "lasted-days": {
        "en": "{days} days, from {first} to {last}: {event}.",
        "fr": "{days} jours, du {first} au {last} : {event_fr}.",
    },
    "lasted-months": {
        "en": "{length}, from {first} to {last}: {event}.",
        "fr": "{length}, du {first} au {last} : {event_fr}.",
    },
    "tenure-days": {
        "en": "{person}: {role} for {days} days, from {first} to {last}.",
        "fr": "{person} : {role} pendant {days} jours, du {first} au {last}.",
    },
    "days-between": {
        "en": "{days} days between {first} and {last}.",
        "fr": "{days} jours entre le {first} et le {last}.",
    },
    "resolution-named": {"en": "Resolution {number}.", "fr": "Résolution {number}."},
    "series": {"en": "{measure}, year by year: {values}.",
               "fr": "{measure}, année par année : {values}."},
    "year-totals": {
        "en": "In {period}: {values}, depending on the source and what it counts.",
        "fr": "En {period} : {values}, selon la source et ce qu'elle compte.",
    },
    # Rendering
    "dated": {"en": "{when}: {title}", "fr": "{when} : {title}"},
    "sources": {"en": "Sources", "fr": "Sources"},
    "see-also": {"en": "See also", "fr": "Voir aussi"},
    "closest": {"en": "Closest topics", "fr": "Sujets les plus proches"},
    "differ": {"en": "Sources differ:", "fr": "Les sources divergent :"},
    "differ-count": {"en": "Sources differ: {count} accounts below.",
                     "fr": "Les sources divergent : {count} versions ci-dessous."},
    "secondary": {
        "en": "Reported by a secondary source only.",
        "fr": "Rapporté par une source secondaire uniquement.",
    },
    "more": {"en": "… and {count} more.", "fr": "… et {count} de plus."},
    "confidence": {"en": "(confidence {value})", "fr": "(confiance {value})"},
    # The chat interface
    "help": {
        "en": "<b>I answer questions about MINUSMA</b>, the UN peacekeeping mission in Mali "
              "(2013 to 31 December 2023), and cite my sources.\n\n"
              "Ask in your own words, in English or French, for example:\n"
              "• When did MINUSMA leave Kidal?\n"
              "• Which closed first, Ansongo or Sévaré?\n"
              "• What happened in December 2023?\n\n"
              "In a group, write /ask followed by your question, mention me, or reply to one "
              "of my messages. In any chat, type my username and a few words to share an "
              "answer.\n\n/timeline shows the withdrawal step by step; /sources lists what "
              "I know from.",
        "fr": "<b>Je réponds aux questions sur la MINUSMA</b>, la mission de maintien de la "
              "paix de l'ONU au Mali (2013 au 31 décembre 2023), en citant mes sources.\n\n"
              "Posez votre question avec vos mots, en français ou en anglais, par exemple :\n"
              "• Quand la MINUSMA a-t-elle quitté Kidal ?\n"
              "• Combien de Casques bleus sont morts au Mali ?\n"
              "• Que s'est-il passé en décembre 2023 ?\n\n"
              "Dans un groupe, écrivez /ask suivi de votre question, mentionnez-moi ou "
              "répondez à l'un de mes messages. Dans n'importe quelle discussion, tapez mon "
              "nom d'utilisateur et quelques mots pour partager une réponse.\n\n"
              "/timeline montre le retrait étape par étape ; /sources liste mes sources.",
    },
    "ask-usage": {
        "en": "Write your question after /ask, for example: /ask When did MINUSMA leave Kidal?",
        "fr": "Écrivez votre question après /ask, par exemple : "
              "/ask Quand la MINUSMA a-t-elle quitté Kidal ?",
    },
    "too-fast": {
        "en": "You are sending questions faster than I can answer, so I skipped some. "
              "Ask again in a moment.",
        "fr": "Vous envoyez des questions plus vite que je ne peux répondre : j'en ai "
              "laissé de côté. Reposez-les dans un instant.",
    },
    "topic-gone": {
        "en": "That topic is no longer in my knowledge.",
        "fr": "Ce sujet ne fait plus partie de mes connaissances.",
    },
    "inline-no-match": {
        "en": "No match: ask me in a private chat",
        "fr": "Aucun résultat : demandez-moi en privé",
    },
    "sources-count": {"en": "{count} sources", "fr": "{count} sources"},
    "console-intro": {
        "en": "MINUSMA facts bot: {events} events, {faq} FAQ entries, {sources} sources.\n"
              "Ask a question (English or French). /timeline shows the withdrawal (and draws "
              "it), /map draws the camps; /quit leaves.",
        "fr": "Bot des faits de la MINUSMA : {events} événements, {faq} entrées de FAQ, "
              "{sources} sources.\nPosez une question (en français ou en anglais). /timeline "
              "montre le retrait (et le dessine), /map dessine les camps ; /quit pour quitter.",
    },
    "unknown-command": {
        "en": "I don't know that command. Ask your question in words, or see /help.",
        "fr": "Je ne connais pas cette commande. Posez votre question avec des mots, ou "
              "voyez /help.",
    },
    "text-only": {
        "en": "I can only read text. Write your question about MINUSMA in words.",
        "fr": "Je ne lis que du texte. Écrivez votre question sur la MINUSMA avec des mots.",
    },
    "button-stale": {
        "en": "This button no longer works. Ask your question again.",
        "fr": "Ce bouton ne fonctionne plus. Reposez votre question.",
    },
    "list-expired": {
        "en": "This list is no longer in my memory. Ask again to see it.",
        "fr": "Cette liste n'est plus en mémoire. Reposez la question pour la revoir.",
    },
    "group-intro": {
        "en": "Hello! I answer questions about MINUSMA, the UN mission in Mali (2013-2023), "
              "with sources. Write /ask and your question, mention @{bot}, or reply to one of "
              "my messages.",
        "fr": "Bonjour ! Je réponds aux questions sur la MINUSMA, la mission de l'ONU au Mali "
              "(2013-2023), sources à l'appui. Écrivez /ask et votre question, mentionnez "
              "@{bot}, ou répondez à l'un de mes messages.",
    },
    # The command menu and the bot's profile (Telegram's limits: 256, 512 and 120 characters)
    "cmd-start": {"en": "What I know, with examples", "fr": "Ce que je sais, avec des exemples"},
    "cmd-ask": {"en": "Ask a question (in groups)", "fr": "Poser une question (en groupe)"},
    "cmd-timeline": {"en": "The mission and its withdrawal, in a picture",
                     "fr": "La mission et son retrait, en image"},
    "cmd-sources": {"en": "Every source I cite", "fr": "Toutes les sources que je cite"},
    "cmd-map": {"en": "Map of the camps and when they closed",
                "fr": "Carte des camps et de leur fermeture"},
    "cmd-help": {"en": "How to ask", "fr": "Comment poser une question"},
    "helpful": {"en": "👍 Helpful", "fr": "👍 Utile"},
    "not-helpful": {"en": "👎 Not helpful", "fr": "👎 Pas utile"},
    "bot-description": {
        "en": "I answer questions about MINUSMA, the UN peacekeeping mission in Mali (2013 to "
              "31 December 2023), in English or French, and cite my sources: title, "
              "publisher, date and link. Ask, for example: When did MINUSMA leave Kidal?",
        "fr": "Je réponds aux questions sur la MINUSMA, la mission de maintien de la paix de "
              "l'ONU au Mali (2013 au 31 décembre 2023), en français ou en anglais, en citant "
              "mes sources : titre, éditeur, date et lien. Demandez par exemple : Quand la "
              "MINUSMA a-t-elle quitté Kidal ?",
    },
    "bot-short-description": {
        "en": "Cited facts about MINUSMA, the UN mission in Mali (2013-2023).",
        "fr": "Des faits sourcés sur la MINUSMA, la mission de l'ONU au Mali (2013-2023).",
    },
    # Curators
    "reload-denied": {
        "en": "Sorry, only the bot's curators can reload its knowledge.",
        "fr": "Désolé, seuls les curateurs du bot peuvent recharger ses connaissances.",
    },
    "reloaded": {
        "en": "<b>Reloaded</b> in {ms} ms: {sources} sources, {events} events, "
              "{faq} FAQ entries.",
        "fr": "<b>Rechargé</b> en {ms} ms : {sources} sources, {events} événements, "
              "{faq} entrées de FAQ.",
    },
    "reload-failed": {
        "en": "<b>Reload failed: {count} problem(s).</b> I am still serving the previous "
              "knowledge.",
        "fr": "<b>Échec du rechargement : {count} problème(s).</b> Je continue de servir les "
              "connaissances précédentes.",
    },
    "problems-more": {
        "en": "… and {count} more problem(s); run <code>python -m bot check</code>.",
        "fr": "… et {count} autre(s) problème(s) ; lancez <code>python -m bot check</code>.",
    },
    "started-stale": {
        "en": "I started on the index built at {built}: the knowledge files have {count} "
              "problem(s). Fix them and /reload.",
        "fr": "J'ai démarré sur l'index construit le {built} : les fichiers de connaissances "
              "ont {count} problème(s). Corrigez-les puis /reload.",
    },
    "started-last-good": {
        "en": "I started on the last good copy of the index (built at {built}): the index "
              "was damaged and the knowledge files have {count} problem(s). Fix them and "
              "/reload.",
        "fr": "J'ai démarré sur la dernière copie saine de l'index (construite le {built}) : "
              "l'index était endommagé et les fichiers de connaissances ont {count} "
              "problème(s). Corrigez-les puis /reload.",
    },
    "healed-rebuilt": {
        "en": "The index was damaged ({reason}); I rebuilt it from the knowledge files and "
              "am answering again.",
        "fr": "L'index était endommagé ({reason}) ; je l'ai reconstruit à partir des fichiers "
              "de connaissances et je réponds de nouveau.",
    },
    "healed-last-good": {
        "en": "The index was damaged ({reason}); the knowledge files have problems, so I "
              "restored the last good copy and am answering again. Fix them and /reload.",
        "fr": "L'index était endommagé ({reason}) ; les fichiers de connaissances ont des "
              "problèmes, j'ai donc restauré la dernière copie saine et je réponds de "
              "nouveau. Corrigez-les puis /reload.",
    },
    "heal-failed": {
        "en": "The index is damaged ({reason}) and could not be rebuilt ({error}). Fix the "
              "knowledge files and /reload.",
        "fr": "L'index est endommagé ({reason}) et n'a pas pu être reconstruit ({error}). "
              "Corrigez les fichiers de connaissances puis /reload.",
    },
    # Pictures
    "picture-timeline-title": {
        "en": "MINUSMA, 2013-2024: heads of mission, mandates and the withdrawal",
        "fr": "La MINUSMA, 2013-2024 : chefs de mission, mandats et retrait",
    },
    "picture-withdrawal": {"en": "The withdrawal", "fr": "Le retrait"},
    "picture-heads": {"en": "Heads of mission", "fr": "Chefs de la mission"},
    "picture-resolutions": {"en": "Security Council resolutions on the mandate",
                            "fr": "Résolutions du Conseil de sécurité sur le mandat"},
    "picture-timeline-note": {
        "en": "The decade is compressed on the left, the withdrawal stretched on the right. "
              "Dates from the bot's cited sources (/sources).",
        "fr": "La décennie est resserrée à gauche, le retrait étiré à droite. Dates tirées des "
              "sources citées par le bot (/sources).",
    },
    "picture-map-title": {"en": "MINUSMA's camps and when they closed",
                          "fr": "Les camps de la MINUSMA et leur date de fermeture"},
    "picture-map-note": {
        "en": "Outlines: Natural Earth (public domain). Positions are town centres.",
        "fr": "Contours : Natural Earth (domaine public). Positions : centres des localités.",
    },
    "picture-closed-on": {"en": "Closed on", "fr": "Fermé le"},
    "picture-timeline-caption": {
        "en": "MINUSMA's decade and its withdrawal. The {count} camps, as they closed:",
        "fr": "La décennie de la MINUSMA et son retrait. Les {count} camps, dans l'ordre de "
              "fermeture :",
    },
    "picture-map-caption": {
        "en": "Map of MINUSMA's {count} camps, coloured by closure date:",
        "fr": "Carte des {count} camps de la MINUSMA, colorés selon la date de fermeture :",
    },
    "picture-sources": {"en": "Dates from: {publishers}.",
                        "fr": "Dates tirées de : {publishers}."},
    "picture-written": {"en": "Picture: {path}", "fr": "Image : {path}"},
    "as-list": {"en": "📋 As a list", "fr": "📋 En liste"},
    "as-map": {"en": "🗺 Map of the camps", "fr": "🗺 Carte des camps"},
    "as-timeline": {"en": "📈 The decade on a time axis", "fr": "📈 La décennie sur un axe"},
    "admin-only": {
        "en": "Sorry, this command is for the bot's curators.",
        "fr": "Désolé, cette commande est réservée aux curateurs du bot.",
    },
    "log-off": {
        "en": "The question log is turned off (BOT_LOG_PATH=off).",
        "fr": "Le journal des questions est désactivé (BOT_LOG_PATH=off).",
    },
    "feedback-thanks": {"en": "Thank you, noted.", "fr": "Merci, c'est noté."},
    "stats-head": {
        "en": "<b>Questions</b>: {today} today, {week} in 7 days, {total} in all",
        "fr": "<b>Questions</b> : {today} aujourd'hui, {week} en 7 jours, {total} en tout",
    },
    "stats-outcomes": {
        "en": "Answered {answered}, declined {declined}, choices offered {choice}",
        "fr": "Répondues {answered}, déclinées {declined}, choix proposés {choice}",
    },
    "stats-askers": {"en": "Distinct askers: {count}", "fr": "Personnes distinctes : {count}"},
    "stats-feedback": {"en": "Feedback: 👍 {up} · 👎 {down}", "fr": "Avis : 👍 {up} · 👎 {down}"},
    "stats-latency": {
        "en": "Answer time over 7 days: p50 {p50} ms, p95 {p95} ms",
        "fr": "Temps de réponse sur 7 jours : p50 {p50} ms, p95 {p95} ms",
    },
    "stats-top": {"en": "<b>Most given answers</b>", "fr": "<b>Réponses les plus données</b>"},
    "unanswered-head": {
        "en": "<b>Most asked questions I declined</b>",
        "fr": "<b>Questions déclinées les plus posées</b>",
    },
    "unanswered-none": {"en": "No declined questions in the log.",
                        "fr": "Aucune question déclinée dans le journal."},
    "export-caption": {"en": "The question log: {count} questions.",
                       "fr": "Le journal des questions : {count} questions."},
    "export-partial": {
        "en": "The question log: the {count} most recent of {total} questions (CSV, gzip, "
              "newest first; Telegram takes 50 MB at most). All of them on the server: "
              "<code>python -m bot report</code> or <code>sqlite-utils</code> on questions.sqlite.",
        "fr": "Le journal des questions : les {count} plus récentes de {total} questions (CSV, "
              "gzip, les plus récentes d'abord ; Telegram accepte 50 Mo au plus). Toutes sur le "
              "serveur : <code>python -m bot report</code> ou <code>sqlite-utils</code> sur "
              "questions.sqlite.",
    },
    "export-too-large": {
        "en": "The export is too large for Telegram; read the log on the server "
              "(<code>python -m bot report</code>).",
        "fr": "L'export est trop gros pour Telegram ; lisez le journal sur le serveur "
              "(<code>python -m bot report</code>).",
    },
    "failed": {
        "en": "Sorry, something went wrong while answering. Please try again.",
        "fr": "Désolé, un problème est survenu pendant la réponse. Veuillez réessayer.",
    },
}

ROLE_NAMES: dict[str, dict[Lang, str]] = {
    "head-of-mission": {"en": "head of mission", "fr": "chef de la mission"},
    "deputy-head-of-mission": {"en": "deputy head of mission", "fr": "chef adjoint de la mission"},
    "deputy-head-coordinator": {
        "en": "deputy head of mission and UN resident and humanitarian coordinator",
        "fr": "chef adjoint de la mission et coordonnateur résident et humanitaire de l'ONU"},
    "force-commander": {"en": "force commander", "fr": "commandant de la force"},
    "deputy-force-commander": {"en": "deputy force commander",
                               "fr": "commandant adjoint de la force"},
    "police-commissioner": {"en": "police commissioner", "fr": "chef de la police"},
}
_DATE_PATTERNS: dict[str, str] = {"day": "d MMMM y", "month": "LLLL y", "year": "y"}


_DATE_PARAMS = ("date", "period", "first", "last")
_QUOTED_PARAMS = ("names", "words")
_ISO = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def say(phrase: Phrase, lang: Lang = "en") -> str:
    """A phrase in the reader's language, its parameters filled in: ISO dates in `date` and
    `period` are written out, numbers in `value` grouped, roles named, per language."""
    args = phrase.args()
    for name in _DATE_PARAMS:
        if name in args and _ISO.match(args[name]):
            args[name] = human_date(args[name], lang)
    if "value" in args:
        with contextlib.suppress(ValueError):
            args["value"] = number(float(args["value"]), lang)
    if "values" in args:  # "7 / 21", "2014: 28; 2015: 11 / 25": each count, not the years
        args["values"] = _COUNTS.sub(lambda m: number(float(m[1]), lang), args["values"])
        if lang == "fr":
            args["values"] = args["values"].replace(": ", " : ").replace("; ", " ; ")
    for name in ("rank", "rank_last"):
        if name in args:
            args[name] = ordinal(int(args[name]), lang)
    if "role" in args:
        args["role"] = role_name(args["role"], lang)
    if "country" in args:
        args["country"] = country_name(args["country"], lang)
    if "months" in args:
        args["length"] = human_length(int(args["months"]), lang)
    if "measure" in args:
        args["measure"] = measure_name(args["measure"], lang)
    if lang == "fr":
        for name in _QUOTED_PARAMS:  # the user's words, quoted as French quotes them
            if name in args:
                args[name] = args[name].replace("“", "« ").replace("”", " »")
    texts = CATALOGUE[phrase.key]
    return texts.get(lang, texts["en"]).format(**args)


# What a figure counts (`what` in the knowledge), as a headline names it.
MEASURE_NAMES: dict[str, dict[Lang, str]] = {
    "killed": {"en": "Killed", "fr": "Tués"},
    "fatalities": {"en": "Deaths", "fr": "Morts"},
    "wounded": {"en": "Wounded", "fr": "Blessés"},
    "missing": {"en": "Missing", "fr": "Disparus"},
    "military-ceiling": {"en": "Military ceiling", "fr": "Plafond militaire"},
    "police-ceiling": {"en": "Police ceiling", "fr": "Plafond de police"},
    "troops": {"en": "Troops", "fr": "Militaires"},
    "police": {"en": "Police", "fr": "Policiers"},
    "civilian-staff": {"en": "Civilian staff", "fr": "Personnel civil"},
    "personnel": {"en": "Personnel", "fr": "Personnel"},
    "budget-usd": {"en": "Budget (US dollars)", "fr": "Budget (dollars américains)"},
    "camps": {"en": "Camps", "fr": "Camps"},
    "contributing-countries": {"en": "Contributing countries", "fr": "Pays contributeurs"},
    "displaced": {"en": "Displaced", "fr": "Déplacés"},
}


def measure_name(what: str, lang: Lang = "en") -> str:
    names = MEASURE_NAMES.get(what)
    return names[lang] if names else what.replace("-", " ")


@lru_cache(maxsize=1)
def _territory_codes() -> dict[str, str]:
    return {name.casefold(): code for code, name in Locale("en").territories.items()}


def country_name(name: str, lang: Lang = "en") -> str:
    """A country named in the knowledge (in English), in the reader's language."""
    code = _territory_codes().get(name.casefold())
    if code is None or lang == "en":
        return name
    return str(Locale(lang).territories.get(code, name))


def role_name(role: str, lang: Lang = "en") -> str:
    names = ROLE_NAMES.get(role)
    return names[lang] if names else role.replace("-", " ")


def human_date(value: PartialDate | str, lang: Lang = "en") -> str:
    """A date as a reader writes it, no more precise than it is known ("1er mai 2023")."""
    date = value if isinstance(value, PartialDate) else PartialDate.parse(value)
    day = dt.date(date.year, date.month or 1, date.day or 1)
    written = format_date(day, _DATE_PATTERNS[date.precision], locale=lang)
    if lang == "fr" and date.precision == "day" and day.day == 1:
        written = "1er" + written[1:]
    return written


def human_span(first: PartialDate | str, last: PartialDate | str | None, lang: Lang = "en") -> str:
    """A period: "1–3 February 2014", "July 2013 to October 2014"; in French "du 1er au
    3 février 2014", "de juillet 2013 à octobre 2014"."""
    start = first if isinstance(first, PartialDate) else PartialDate.parse(first)
    if last is None or str(last) == str(first):
        return human_date(start, lang)
    end = last if isinstance(last, PartialDate) else PartialDate.parse(last)
    same_month = (start.precision == end.precision == "day" and start.year == end.year
                  and start.month == end.month)
    if lang == "en":
        if same_month:
            return f"{start.day}–{human_date(end, lang)}"
        return f"{human_date(start, lang)} to {human_date(end, lang)}"
    first_day = "1er" if start.day == 1 else str(start.day)
    if same_month:
        return f"du {first_day} au {human_date(end, lang)}"
    a, b = human_date(start, lang), human_date(end, lang)
    if start.precision == "day":
        return f"du {a} au {b}"
    de = "d'" if a[:1] in "aeiouéèêAEIOU" else "de "
    return f"{de}{a} à {b}"


# A count inside a list of values: not a year that labels the next count ("2014: 28").
_COUNTS = re.compile(r"(?<![\d.,])(\d+(?:\.\d+)?)(?![\d.:])")


def human_length(months: int, lang: Lang = "en") -> str:
    """A length of time in years and months, with the months in all when it passes a year
    (people ask in either): "1 year and 6 months (18 months)", "5 ans et 3 mois (63 mois)"."""
    years, rest = divmod(months, 12)
    words = {"en": (("year", "years"), ("month", "months"), " and "),
             "fr": (("an", "ans"), ("mois", "mois"), " et ")}[lang]
    parts = [f"{n} {words[i][n != 1]}" for i, n in enumerate((years, rest)) if n]
    written = words[2].join(parts) or f"0 {words[1][1]}"
    return f"{written} ({months} {words[1][1]})" if years and rest else written


def ordinal(n: int, lang: Lang = "en") -> str:
    """1st, 2nd, 3rd, 11th, 22nd; in French 1er, 2e."""
    if lang == "fr":
        return "1er" if n == 1 else f"{n}e"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plain_number(value: float) -> str:
    """A number as digits only, for a phrase that `say` writes out per language."""
    return str(int(value)) if value == int(value) else str(value)


def number(value: float, lang: Lang = "en") -> str:
    return format_decimal(int(value) if value == int(value) else value, locale=lang)
