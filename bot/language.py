"""Which language to answer in: the question's own, the asker's Telegram language as the
tie-breaker, English by default.

A question names places and people that read the same in both languages ("Kidal ?"), so only
words that belong to one language count: function words and question words.
"""

from __future__ import annotations

import re

from bot.i18n import Lang

_FRENCH = frozenset("""
le la les l un une des du de d au aux et ou est sont était étaient été ont avait eu en
quand combien qui quoi quel quelle quels quelles où pourquoi comment que qu ce cette ces
dans sur avec pour par pas ne n se s il elle ils elles y t je j m vous nous
depuis après avant pendant entre chez lors c
casques bleus soldats morts tués blessés retrait quitté fermé fermeture ville
chef chefs attaque attaques mandat fin début merci bonjour bonsoir salut svp
""".split())
_ENGLISH = frozenset("""
the of and to in on at by for with from is are was were be been has have had did does do
when how many much who whom whose what which where why tell about
leave left leaving closed close closure killed died dead wounded peacekeepers withdrawal
withdraw city town first last head heads attack attacks mandate end start begin
thanks thank hello hi please
""".split())
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
# A lower-case word with a French letter: "résolution", not a name like "Sévaré".
_FRENCH_WORD = re.compile(r"(?<![^\W\d_])[a-zàâçèéêëîïôûùüÿœæ]*[àâçèéêëîïôûùüÿœæ]")


def detect(text: str) -> Lang | None:
    """The language the text is written in, or None when its words do not tell."""
    lowered = text.casefold().replace("’", "'")
    words = [w for part in _WORD.findall(lowered.replace("'", " ")) for w in (part,
             *part.split("-"))]
    french = sum(w in _FRENCH for w in words)
    english = sum(w in _ENGLISH for w in words)
    if french == english == 0 and _FRENCH_WORD.search(text):
        french = 1
    if french > english:
        return "fr"
    if english > french:
        return "en"
    return None


def reply_language(text: str, user_language: str | None = None) -> Lang:
    """The question's language; if it does not tell, the user's, else English."""
    found = detect(text)
    if found is not None:
        return found
    if user_language and user_language.casefold().startswith("fr"):
        return "fr"
    return "en"
