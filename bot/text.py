"""Text normalisation shared by the index and the questions, so both sides fold alike.

Folding removes case, accents (Sévaré = Sevare), punctuation and invisible characters; terms are
folded tokens with a light plural strip, with curated aliases mapped onto one canonical term and
stop words dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import simplemma

# Zero-width and bidi controls: users paste them from other apps, and they would split words.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_NON_WORD = re.compile(r"[^0-9a-z]+")
MAX_QUESTION_CHARS = 1000  # enough for any real question; bounds the work a huge paste costs

STOPWORDS = frozenset(
    """
    a about after again against all also am an and any are as at be been before being both but by
    can could did do does doing done during each for from further had has have having he her here
    hers him his how i if in into is it its itself just me more most my no nor not now of off on
    once only or other our out over own please same she should so some such than that the their
    them then there these they this those through to too under until up very was we were what
    whats when where which while who whom why will with would you your yours tell know want like
    ever happen happened happens occur occurred take took get got give gave say said show much
    many exactly approximately roughly around date day time year years one ones thing things
    de du des le la les l d un une et ou en au aux est sont etait ete quand quel quelle quels
    quelles qui que quoi comment combien pourquoi il elle ils elles ce cet cette ces son sa
    ses leur leurs par pour sur dans avec sans t s n y ne pas plus qu c j m te se nous vous
    est-ce estce fait faire eu avoir etre svp stp mon ma mes moi toi lui dit ya
    came come comes coming went go goes gone make made event news happening passe
    lequel laquelle lesquels ont avait avaient fut sera ai avons avez lieu
    comme lors pendant tout toute tous toutes aussi entre selon vers chez sous donc mais car ni
    si deja celui celle ceux celles dont cela ceci ici quelque quelques chaque autre
    autres meme memes tres trop peu alors puis ainsi notre nos votre vos
    contre pres aupres parmi autour
    jour jours mois annee annees heure
    total overall altogether cumulative cumulatif cumule combientieme
    """.split()
)
# Everyday words that carry little of a question's topic: verbs of asking and doing, adverbs,
# vague nouns. When the knowledge base lacks one of these, the question may still be about
# something we know ("take control of Kidal"); any other unknown word is a topic we lack.
WEAK_WORDS = frozenset(
    """
    ask asked asking request requested control controlled remove removed removal tear tore torn
    step stepped officially official really actually finally exactly still pull pulled put
    bring brought keep kept let move moved hold held carry carried become became need needed
    decide decided allow allowed order ordered manage managed state stated announce announced
    report reported confirm confirmed lose lost win won hand send sent use used call called
    name named known whole entire main major role part area city town village place country
    big biggest largest large small long short early late soon recent recently ago last
    first second third next previous former new old later earlier final begin end run ran
    finish finished stop stopped try tried help helped happen mean means meaning
    demander demande demandee retirer enlever prendre pris prise controle vraiment
    officiellement finalement exactement encore toujours descendu baisse perdu perdre grand
    grande pays ville region nom appele mettre mis tenir tenu devenir devenu passer
    number numbers nombre numero amount montant figure figures chiffre chiffres count
    """.split()
)


@lru_cache(maxsize=1)
def everyday_words() -> frozenset[str]:
    """Everyday English and French words, folded (see scripts/make_everyday_words.py): a word
    the knowledge never uses is phrasing if it is one of these, and likely a name if not."""
    path = Path(__file__).with_name("data") / "everyday_words.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


@lru_cache(maxsize=16_384)
def lemmas(word: str) -> tuple[str, ...]:
    """The English and French dictionary forms of a word as typed, folded like terms:
    "remplacé" gives "remplacer", "died" gives "die". Accents are kept until the lemmatiser has
    read the word, since French inflections hide in them ("tués", "fermée")."""
    word = word.casefold()[:64]
    found = []
    for lang in ("en", "fr"):
        lemma = tokens(simplemma.lemmatize(word, lang=lang))
        if len(lemma) == 1 and lemma[0] not in found:
            found.append(lemma[0])
    return tuple(found)


@lru_cache(maxsize=16_384)
def in_dictionary(word: str) -> bool:
    """Whether a word as typed is an English or French word (inflected or not) rather than a
    name or an abbreviation: the lemmatiser's dictionaries, or the everyday words."""
    lowered = word.casefold()[:64]
    return (any(simplemma.is_known(lowered, lang=lang) for lang in ("en", "fr"))
            or any(t in everyday_words() for t in tokens(lowered)))


def visible(text: str) -> str:
    """The text without invisible characters and surrounding blanks."""
    return _INVISIBLE.sub("", text).strip()


# A thousands separator inside a number ("13,289", "11 200" with a no-break space, as French
# writes it): removed, so that "13289" in a question meets "13,289" in an entry.
_THOUSANDS = re.compile(r"(?<=\d)[,\u00a0\u202f](?=\d{3}(?!\d))")


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free text with single spaces; numbers whole."""
    text = _THOUSANDS.sub("", text[: MAX_QUESTION_CHARS * 4])
    text = unicodedata.normalize("NFKD", _INVISIBLE.sub("", text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return _NON_WORD.sub(" ", text).strip()


def light_fold(text: str) -> str:
    """Lower-case and accent-free, but keeping punctuation (dates need their dashes and slashes)."""
    text = unicodedata.normalize("NFKD", _INVISIBLE.sub("", text[: MAX_QUESTION_CHARS * 4]))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def stem(token: str) -> str:
    """Strip a plural ending, the only inflection worth undoing before aliases do the rest."""
    if len(token) > 4 and not token.isdigit():
        if token.endswith("ies"):
            return token[:-3] + "y"
        if token.endswith("s") and not token.endswith(("ss", "us", "is")):
            return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    return [stem(t) for t in fold(text).split()]


@dataclass
class AliasMap:
    """Maps every variant phrase (as a token sequence) onto its canonical term sequence."""

    _phrases: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    # The lengths of the phrases starting with each word, longest first: trying only those
    # keeps reading linear however long the longest variant is.
    _sizes: dict[str, list[int]] = field(default_factory=dict)
    places: set[str] = field(default_factory=set)

    def add(self, canonical: str, variants: Iterable[str], *, place: bool = False) -> None:
        target = tuple(tokens(canonical))
        if not target:
            return
        for phrase in (canonical, *variants):
            key = tuple(tokens(phrase))
            # A multi-word canonical maps to itself, so that "Mikado FM" is read whole rather
            # than as the variant "Mikado" (meaning "Mikado FM") followed by a stray "FM".
            if key and (key != target or len(key) > 1):
                self._phrases[key] = target
                sizes = self._sizes.setdefault(key[0], [])
                if len(key) not in sizes:
                    sizes.append(len(key))
                    sizes.sort(reverse=True)
        if place:
            self.places.add(" ".join(target))

    def apply(self, toks: Sequence[str]) -> list[str]:
        return [term for term, _ in self.trace(toks)]

    def trace(self, toks: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
        """Each resulting term with the tokens it came from."""
        out: list[tuple[str, tuple[str, ...]]] = []
        i = 0
        while i < len(toks):
            for size in self._sizes.get(toks[i], ()):
                phrase = tuple(toks[i : i + size])
                target = self._phrases.get(phrase) if len(phrase) == size else None
                if target is not None:
                    out.extend((term, phrase) for term in target)
                    i += size
                    break
            else:
                out.append((toks[i], (toks[i],)))
                i += 1
        return out


def longest_phrases(words: Sequence[str], known: Container[str],
                    longest: int) -> Iterator[tuple[int, int, str]]:
    """(start, size, phrase) of the known phrases in `words`, left to right, the longest first
    at each place and never overlapping: "gao camp" is read whole before "gao"."""
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + size])
            if phrase in known:
                yield i, size, phrase
                i += size
                break
        else:
            i += 1


_WORD = re.compile(r"\w+")


# English numbers as words, 0 to 19 and the tens from 20: read in an entry's text ("four
# peacekeepers were wounded", bot/textfigures.py) and in an answer by the judge.
ENGLISH_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve "
                 "thirteen fourteen fifteen sixteen seventeen eighteen nineteen").split()
ENGLISH_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


@lru_cache(maxsize=1)
def territory_words() -> frozenset[str]:
    """Folded one-word names of the world's countries and territories, in English and French
    (Babel's CLDR data): "cyprus", "chypre", "somalia". Typed in lower case they are still
    names, so a question about one the knowledge never mentions is not about the mission."""
    from babel import Locale

    found: set[str] = set()
    for lang in ("en", "fr"):
        for name in Locale(lang).territories.values():
            words = fold(name).split()
            if len(words) == 1 and len(words[0]) > 3:
                found.add(stem(words[0]))
    return frozenset(found)


def name_like_words(text: str) -> set[str]:
    """Folded terms of the words written like names: capitalised after the first word, or in
    capitals ("UNMISS", "Juba"). A question's unknown name is a strong sign it is off topic."""
    names = set()
    for position, word in enumerate(_WORD.findall(text[:MAX_QUESTION_CHARS])):
        capitalised = word[:1].isupper() and position > 0
        if capitalised or (len(word) > 1 and word.isupper()):
            names.update(tokens(word))
    return names


def terms(text: str, aliases: AliasMap | None = None) -> list[str]:
    """The content terms of a text: folded, de-pluralised, aliased, without stop words."""
    toks = tokens(text)
    if aliases is not None:
        toks = aliases.apply(toks)
    return [t for t in toks if t not in STOPWORDS]
