"""Understanding a question: its entities, dates, topic, the answer it wants, its weighted terms.

The `Lexicon` holds what the knowledge base knows about words (vocabulary and rarity, aliases,
spellings, entities); `Lexicon.parse` turns one question into a `Question` that ranking and
composition read. Nothing here touches SQL: the lexicon is built once from a `Store`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

from rapidfuzz import fuzz, process

from bot.concepts import (
    AFTER_WORDS,
    BEFORE_WORDS,
    COUNTED_PEOPLE,
    DURATION,
    FIRST,
    GENERIC_WORDS,
    GREETINGS,
    HAPPEN_WORDS,
    HOW_MANY,
    LAST,
    MEASURES,
    MISSION_PEOPLE,
    MOST,
    ORDER_WORDS,
    PASSIVE,
    PREDECESSOR_WORDS,
    REPLACE_VERB,
    ROLES,
    SCOPE_WORDS,
    SERIES,
    SHORTHAND,
    SMALLTALK_WORDS,
    SUCCESSOR_WORDS,
    SUPERLATIVE_WORDS,
    TOLL_WORDS,
    TOPICS,
    TYPE_WORDS,
    WHEN_PHRASE,
    WHERE,
    AnswerType,
)
from bot.dates import DateSpan, find_dates
from bot.store import Store
from bot.text import (
    MAX_QUESTION_CHARS,
    STOPWORDS,
    WEAK_WORDS,
    AliasMap,
    everyday_words,
    fold,
    in_dictionary,
    lemmas,
    longest_phrases,
    name_like_words,
    terms,
    territory_words,
    tokens,
    visible,
)

Intent = Literal["lookup", "dates", "order", "listing", "smalltalk", "junk", "empty"]
Relation = Literal["predecessor", "successor"]
Superlative = Literal["first", "last", "most"]
Direction = Literal["on", "after", "before"]

MAX_TERMS = 32  # a pasted essay is cut to its first terms; no real question has more
# How close (rapidfuzz ratio) a word must be to a known one to be read as its misspelling: one
# slip in a long word, none but a dropped or doubled letter in a short one ("drones" must not
# become "drove").
TYPO_MIN_SCORE = {5: 88.0, 7: 83.0}
TYPO_MIN_SCORE_LONG = 80.0
SWAP_CERTAINTY = 0.85  # two neighbouring letters typed the wrong way round
INFLECTION_CERTAINTY = 0.95  # the same word with another ending (its lemma)
# Everyday words ("asked", "officially") say little about which entry answers: they weigh half
# of a common term, and a quarter when no entry uses them at all.
WEAK_SHARE = 0.5
UNKNOWN_WEAK_SHARE = 0.25
INCIDENTAL_DF = 3  # entries using an everyday word, at most, for it to count as incidental
# Entities whose absence from an entry's subjects rules the entry out. Organisations and plain
# terms ("Security Council", "convoy") only add to a match: too many entries involve them.
HARD_ENTITY_KINDS = frozenset({"place", "person", "country", "resolution", "mission"})
RESOLUTION_NUMBERS = range(1000, 3000)  # Security Council resolutions on Mali: 2071 to 2690
# "in 2099", "en 2099", "since 2099": a number read as a year, never as a resolution.
_YEAR_CONTEXT = re.compile(
    r"\b(?:in|en|of|since|depuis|after|apres|before|avant|until|year|annee|by|from|to|au|"
    r"jusqu en|d ici)\s+\x00\d{4}\b")

# Code: statements of SQL or a programming language, markup. A question that merely ends in
# ";", ";)", "<3", "$" or "--" is still a question; only text that is code through and through is
# treated as junk.
_CODE_STATEMENT = re.compile(
    r"\bselect\s+(?:\*|[\w.]+(?:\s*,\s*[\w.]+)*)\s+from\b|\binsert\s+into\b|\bdelete\s+from\b|\bdrop\s+table\b|"
    r"\bunion\s+(?:all\s+)?select\b|\bupdate\s+\w+\s+set\b|"
    r"^\s*(?:import|def|function|var|const|let|class)\s+\w+\s*[=({:;]|<\s*/?\s*(?:script|"
    r"html|body|div|img|iframe)\b|\b(?:or|and)\s+\d+\s*=\s*\d+", re.IGNORECASE)
_CODE_CHARS = re.compile(r"[;{}<>=*|$`\\()\[\]]")
# Symbols and marks an emoji is made of (with its variation selector and joiner).
_EMOJI_CATEGORIES = frozenset({"So", "Sk", "Mn", "Cf", "Cs"})
_EMOTICON = re.compile(r"\s*(?:[:;=xX8]-?[)(DPp3*|/]+|<3+|\^_?\^|o/|\\o/)(?:\s*[!.]*)?\s*")
_SHORTHAND = re.compile(
    r"(?<![\w'-])(?:" + "|".join(re.escape(w) for w in SHORTHAND) + r")(?![\w'-])",
    re.IGNORECASE)
_TRAILING_EMOTICONS = re.compile(
    r"(?:(?<=\s)|(?<=[?!.,]))(?:[:;=][-']?[)(DPp3*|/\]\[]+|<3+|\^_?\^|[xX]D)(?:\s*[!.?]*)\s*$")
CODE_SHARE = 0.15  # of a text's visible characters: above this, code characters make it code


def is_code(text: str) -> bool:
    """Whether a text is code (SQL, a program, markup) rather than a question with a stray
    character or emoticon."""
    if _CODE_STATEMENT.search(text):
        return True
    shown = [ch for ch in text if not ch.isspace()]
    return bool(shown) and len(_CODE_CHARS.findall(text)) / len(shown) > CODE_SHARE


@dataclass(frozen=True)
class Term:
    text: str
    weight: float
    known: bool
    certainty: float = 1.0  # below 1 when the term is a spelling correction
    typed: str = ""
    name: bool = False  # unknown, and written like a name or in no dictionary of EN or FR


@dataclass(frozen=True)
class Entity:
    """Something the question names: a place, a person, a country, a resolution, a mission."""

    phrase: str  # folded, as entries' subjects are stored: "kidal", "resolution 2100"
    kind: str
    typed: str  # as the user wrote it, for "I don't know about ..."
    subjects: int  # how many entries have it as a subject
    # Named as the one who said it ("according to Wane", "selon Wane"), not as what the
    # question is about: it never rules an entry out.
    cited: bool = False
    # Named as an end of a road ("the IED between Douentza and Sévaré"): where something
    # happened on the way, which entries name in passing; it never rules an entry out either.
    route: bool = False

    @property
    def hard(self) -> bool:
        return self.kind in HARD_ENTITY_KINDS and not self.cited and not self.route


@dataclass
class Question:
    raw: str
    terms: list[Term]
    entities: list[Entity]
    dates: list[DateSpan]
    intent: Intent
    answer_type: AnswerType | None = None
    topics: tuple[str, ...] = ()
    measures: frozenset[str] = frozenset()
    role: str | None = None
    relation: Relation | None = None
    superlative: Superlative | None = None
    direction: Direction = "on"
    asks_events: bool = False
    series: bool = False  # a figure year by year ("killed each year")
    numbers: tuple[int, ...] = ()
    unknown: list[str] = field(default_factory=list)
    # Every term in the order asked, order words ("first") included: what a FAQ phrasing is
    # compared with.
    wording: list[str] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [t.text for t in self.terms]

    @cached_property
    def folded(self) -> str:
        return fold(self.raw)

    @property
    def asks_resolution(self) -> bool:
        """"Which resolution ...?": the answer is a resolution's number."""
        return self.answer_type == "which" and "resolution" in self.wording

    # Cached: ranking asks these of every candidate, and a question's topics are fixed at parse.
    @cached_property
    def kinds(self) -> tuple[str, ...]:
        """The event kinds the question's topics call for, best first."""
        found: list[str] = []
        for topic in self.topics:
            found.extend(k for k in TOPICS[topic].kinds if k not in found)
        return tuple(found)

    @property
    def defining_kinds(self) -> tuple[str, ...]:
        """The kinds that are the question's topics by definition, as narrowly as its words
        say (a camp closure for "closed"): what a first or last is taken among."""
        words = set(self.wording)
        found: list[str] = []
        for topic in self.topics:
            found.extend(k for k in TOPICS[topic].kinds_for(words) if k not in found)
        return tuple(found)

    @cached_property
    def other_words(self) -> list[str]:
        """The question's words beyond its names, dates and concept ("phase" in "the last
        camp closed in phase one"): what an entry must itself say to be what was asked."""
        triggers = {w for t in self.topics for w in TOPICS[t].triggers}
        return [t.text for t in self.terms if t.known and t.text not in SCOPE_WORDS
                and t.text not in triggers and t.text not in self.entity_words
                and t.text not in WEAK_WORDS and t.text not in SUPERLATIVE_WORDS
                and t.text not in MISSION_PEOPLE and t.text not in TYPE_WORDS]

    @cached_property
    def strict(self) -> bool:
        """Whether the question's topics rule out entries of other kinds."""
        return any(TOPICS[t].strict for t in self.topics)

    @cached_property
    def compared_text(self) -> str:
        """What an entry's title or phrasing is compared with: the terms in the order asked,
        then the dates as numbers (a phrasing keeps its "... in 2015")."""
        return " ".join([*self.wording, *(s.date.iso.replace("-", " ") for s in self.dates)])

    @cached_property
    def names_only(self) -> bool:
        """Whether every term is part of a name: a bare "Kidal" rather than a question."""
        return bool(self.terms) and all(t.text in self.entity_words for t in self.terms)

    @cached_property
    def hard_entities(self) -> list[Entity]:
        return [e for e in self.entities if e.hard]

    @cached_property
    def entity_words(self) -> frozenset[str]:
        """The terms that make up the question's named things."""
        return frozenset(w for e in self.entities for w in e.phrase.split())

    @property
    def missing(self) -> list[Entity]:
        """Entities the knowledge has no entry about."""
        return [e for e in self.entities if e.hard and e.subjects == 0]


_RAW_WORD = re.compile(r"[^\W_]+")


_ACCORDING_TO = re.compile(r"\b(?:according to|selon|d apres|as counted by|as said by|"
                           r"in the words of)\s+(?:\w+\s+){0,2}$")


def _cited(flat: str, entity: Entity) -> bool:
    """Whether the question names a person as the source of a figure ("according to Wane")."""
    where = _position(flat, entity)
    return (entity.kind == "person" and where is not None
            and bool(_ACCORDING_TO.search(flat[:where])))


_ROUTE = re.compile(r"\b(?:between|entre|road from|route de|axe)\s+(?:\w+\s+){0,1}?$")


def _on_a_route(flat: str, entity: Entity) -> bool:
    """Whether a place is named as an end of a road: "between Douentza and Sévaré", "entre
    Douentza et Sévaré", "the road from Tessalit to Gao"."""
    where = _position(flat, entity)
    if where is None:
        return False
    before = flat[:where]
    if _ROUTE.search(before):
        return True
    # The second end: "... between A and B", "... from A to B"
    return bool(re.search(r"\b(?:between|entre)\s+\w+(?:\s+\w+)?\s+(?:and|et)\s+$", before)
                or re.search(r"\b(?:road|route) from\s+\w+(?:\s+\w+)?\s+to\s+$", before))


def _position(flat: str, entity: Entity) -> int | None:
    """Where a named thing stands in the folded question, by any word of its name as typed."""
    for word in fold(entity.typed).split():
        found = re.search(rf"\b{re.escape(word)}\b", flat)
        if found:
            return found.start()
    return None


def as_typed(question: str, folded: str) -> str:
    """The words of `question` that fold to `folded`, as the user wrote them ("Ségou" for
    "segou"), so a reply never names a word the user did not type."""
    wanted = folded.split()
    if not wanted:
        return folded
    words = [(m.start(), m.end(), tokens(m.group())) for m in _RAW_WORD.finditer(question)]
    flat = [(start, end, t) for start, end, toks in words for t in toks]
    for i in range(len(flat) - len(wanted) + 1):
        if [t for _, _, t in flat[i : i + len(wanted)]] == wanted:
            return question[flat[i][0] : flat[i + len(wanted) - 1][1]]
    return folded


_OR_SPLIT = re.compile(r"\s(?:or|ou)\s", re.IGNORECASE)
_THEN_SPLIT = re.compile(r"\s(?:before|after|avant|après|apres)\s", re.IGNORECASE)
# A yes/no question: "Did Kidal close before Tessalit?", "Est-ce que Kidal a fermé avant ..."
_YES_NO = re.compile(r"^\s*(?:did|was|were|is|has|had|do|does|est-ce|a-t-|le |la |les )",
                     re.IGNORECASE)
_COMPARE_LEAD = re.compile(
    r"^\s*(?:which|what|lequel|laquelle|quel|quelle|qu'est-ce qui)\b[^,:]*?"
    r"(?:first|earlier|sooner|premier|premiere|d'abord|en premier)\s*[,:]?\s*",
    re.IGNORECASE)


def comparison_halves(question: str) -> tuple[str, str] | None:
    """The two things a question compares ("which came first, A or B?", "did A happen before
    B?"), as two questions of their own; None when it compares nothing."""
    parts = _OR_SPLIT.split(question, maxsplit=1)
    if len(parts) != 2 and _YES_NO.match(question):
        parts = _THEN_SPLIT.split(question, maxsplit=1)
    if len(parts) != 2:
        return None
    first, second = (_COMPARE_LEAD.sub("", parts[0]).strip(" ,:?"), parts[1].strip(" ,:?"))
    # Each half names something: "la Suède quitte la MINUSMA avant quelle date ?" asks a date.
    if not terms(first) or not terms(second):
        return None
    return first, second


class Lexicon:
    """What the knowledge base knows about words, read once from an index."""

    def __init__(self, store: Store) -> None:
        # The lemmatiser loads its two dictionaries on first use: here, not on a user's question.
        in_dictionary("warm")
        self.n_docs = store.doc_count()
        self.df = store.vocabulary()
        self.aliases = AliasMap()
        groups: dict[tuple[str, str], list[str]] = {}
        for row in store.aliases():
            groups.setdefault((row.canonical, row.kind), []).append(row.variant)
        for (canonical, kind), variants in groups.items():
            self.aliases.add(canonical, variants, place=kind == "place")
        # Misspellings are corrected towards any known word: an indexed term, or a one-word
        # alias variant (so "clsoure" finds "closure", which means "closed").
        self.spellings: dict[str, str] = {}
        alias_words: set[str] = set()
        # The terms curated aliases stand for are topic words, never incidental phrasing.
        self.curated: set[str] = set()
        for (canonical, _kind), variants in groups.items():
            target = terms(canonical, self.aliases)
            self.curated.update(target)
            alias_words.update(tokens(canonical))
            for variant in variants:
                words = tokens(variant)
                alias_words.update(words)
                if len(words) == 1 and len(target) == 1:
                    self.spellings[words[0]] = target[0]
        # Words of multi-word aliases ("casques bleus") must not be "corrected" into others.
        self.spellings.update({w: w for w in alias_words if w not in self.spellings})
        self.spellings.update({t: t for t in self.df})
        # A misspelt question word ("wich", "qaund") is still a question word, not a name.
        for word in STOPWORDS:
            self.spellings.setdefault(word, word)
        self.entities: dict[str, tuple[str, int]] = {}
        for (canonical, kind), _ in groups.items():
            if kind in ("place", "person", "country", "organisation", "mission"):
                phrase = " ".join(terms(canonical, self.aliases))
                if phrase and phrase not in SCOPE_WORDS:
                    self.entities[phrase] = (kind, 0)
        for phrase, (kind, count) in store.subject_counts().items():
            if phrase not in SCOPE_WORDS:
                known_kind = self.entities.get(phrase, (kind, 0))[0]
                self.entities[phrase] = (known_kind, count)
        self.entity_keys = {phrase: phrase for phrase in self.entities}
        self._add_surnames()
        self._longest_entity = max((len(p.split()) for p in self.entity_keys), default=1)
        self.people = {p for p, (k, _) in self.entities.items() if k == "person"}
        # A word we have never seen weighs like the rarest term when it looks like a name
        # ("Juba", "UNMISS"): a question about something else must not pass on its common
        # words. A plain lower-case word ("ask", "control") weighs like a fairly common term,
        # so that a paraphrase is not sunk by its verb.
        self.unknown_weight = math.log(1 + (self.n_docs + 1) / 0.5) + 0.5
        self.common_weight = math.log(1 + (self.n_docs + 1) / (0.1 * self.n_docs + 0.5))
        # Scope words weigh at most like a term in every other entry, as they do in the real base.
        self.scope_weight = math.log(1 + (self.n_docs + 1) / (0.5 * self.n_docs + 0.5))

    def _add_surnames(self) -> None:
        """A person is often named by surname alone: "Annadif", "Gressly"."""
        by_last: dict[str, set[str]] = {}
        for phrase, (kind, _) in self.entities.items():
            words = phrase.split()
            if kind == "person" and len(words) > 1 and len(words[-1]) >= 4:
                by_last.setdefault(words[-1], set()).add(phrase)
        for last, phrases in by_last.items():
            if len(phrases) == 1 and last not in self.entities and last not in STOPWORDS:
                self.entity_keys[last] = next(iter(phrases))

    def idf(self, term: str) -> float:
        df = self.df.get(term)
        if df is None:
            return self.unknown_weight
        return math.log(1 + (self.n_docs + 1) / (df + 0.5))

    def _spell(self, token: str) -> tuple[str, float] | None:
        """The known word a misspelt token stands for, with how sure we are."""
        if len(token) < 4 or token.isdigit():
            return None
        cutoff = next((score for size, score in TYPO_MIN_SCORE.items() if len(token) <= size),
                      TYPO_MIN_SCORE_LONG)
        best = process.extractOne(
            token, self.spellings.keys(), scorer=fuzz.ratio, processor=None,
            score_cutoff=cutoff,
        )
        if best is None:
            swapped = self._swap_of(token)
            return (swapped, SWAP_CERTAINTY) if swapped else None
        return self.spellings[best[0]], best[1] / 100

    def _inflection_of(self, token: str, forms: tuple[str, ...]) -> str | None:
        """The known word an unknown inflected word comes from ("attacked", "died",
        "remplacé"): its English or French lemma, when the knowledge uses that."""
        if token in self.spellings or len(token) < 3:
            return None
        return next((f for f in forms if f != token and f in self.spellings), None)

    def _swap_of(self, token: str) -> str | None:
        """The known word this one is with two neighbouring letters swapped ("colse")."""
        for i in range(len(token) - 1):
            candidate = token[:i] + token[i + 1] + token[i] + token[i + 2 :]
            if candidate in self.spellings:
                return self.spellings[candidate]
        return None

    def _is_known(self, token: str) -> bool:
        """Words never "corrected": known to the knowledge, or everyday words in their own
        right ("decide" is not a misspelt "decade")."""
        return (token in self.spellings or token in STOPWORDS or token in GREETINGS
                or token in WEAK_WORDS or token in everyday_words())

    def _entity(self, key: str, typed: str) -> Entity:
        phrase = self.entity_keys[key]
        kind, count = self.entities[phrase]
        return Entity(phrase, kind, typed, count)

    def _find_entities(self, question: str, words: list[tuple[str, str]]) -> list[Entity]:
        """The longest entity phrases in the question's terms, left to right."""
        found: list[Entity] = []
        folded = [w for w, _ in words]
        for start, size, phrase in longest_phrases(folded, self.entity_keys,
                                                   self._longest_entity):
            # Terms of one alias share what was typed ("ban ki moon" three times over).
            typed = " ".join(dict.fromkeys(t for _, t in words[start : start + size]))
            found.append(self._entity(phrase, as_typed(question, typed)))
        return list({e.phrase: e for e in found}.values())

    def parse(self, question: str) -> Question:
        question = question[:MAX_QUESTION_CHARS]
        # A closing emoticon (";)", "<3", ":-)") is tone, not part of the question.
        question = _TRAILING_EMOTICONS.sub("", question) or question
        # Shorthand is read in the visible text: a zero-width space must not make "Qu" a "u".
        question = _SHORTHAND.sub(lambda m: SHORTHAND[m[0].casefold()], visible(question))
        dates, rest = find_dates(question)
        raw_tokens = fold(question).split()
        if not raw_tokens:
            shown = visible(question)
            if shown and (_EMOTICON.fullmatch(shown) or (
                    any(unicodedata.category(ch) in ("So", "Sk") for ch in shown)
                    and all(unicodedata.category(ch) in _EMOJI_CATEGORIES or not ch.isalnum()
                            for ch in shown))):
                return Question(question, [], [], [], "smalltalk")  # "👍", "🙏", ":)", "<3"
            return Question(question, [], [], [], "junk" if shown else "empty")
        # Letters folding leaves none of ("1Æ") say nothing either: a bare number is no topic.
        if not any(ch.isalpha() for ch in "".join(raw_tokens)) or is_code(question):
            numbers = tuple(int(t) for t in raw_tokens if t.isdigit() and len(t) <= 6)
            return Question(question, [], [], dates, "junk", numbers=numbers)
        flat = " ".join(raw_tokens)
        names = name_like_words(question)
        # Spelling is fixed word by word before aliases, so that a corrected word can still
        # take part in a multi-word alias ("liquidaton phase" -> "liquidation").
        corrected: list[str] = []
        certainty: dict[str, float] = {}
        typed_as: dict[str, str] = {}
        forms = {tok: lemmas(m.group()) for m in _RAW_WORD.finditer(rest[:MAX_QUESTION_CHARS])
                 for tok in tokens(m.group())}
        for token in tokens(rest)[: MAX_TERMS * 2]:
            original = token
            base = self._inflection_of(token, forms.get(token, ()))
            if base is not None:
                certainty[base] = min(certainty.get(base, 1.0), INFLECTION_CERTAINTY)
                token = base
            elif not self._is_known(token):
                fixed = self._spell(token)
                if fixed is not None:
                    certainty[fixed[0]] = min(certainty.get(fixed[0], 1.0), fixed[1])
                    token = fixed[0]
            typed_as.setdefault(token, original)
            corrected.append(token)
        traced = [(t, src) for t, src in self.aliases.trace(corrected) if t not in STOPWORDS]
        words = [t for t, _ in traced][:MAX_TERMS]
        typed_words = [(t, " ".join(typed_as.get(s, s) for s in src)) for t, src in traced]
        # An everyday word stays weak under the term it stands for: "at the end" must not weigh
        # like the rare "ended", nor "who ran" like "head of mission".
        typed_weak: dict[str, bool] = {}
        for term, src in traced:
            typed_weak[term] = typed_weak.get(term, True) and len(src) == 1 and src[0] in WEAK_WORDS
        entities = [replace(e, cited=True) if _cited(flat, e) else e
                    for e in self._find_entities(question, typed_words[:MAX_TERMS])]
        entities = [replace(e, route=True) if e.kind == "place" and _on_a_route(flat, e) else e
                    for e in entities]
        numbers = tuple(int(w) for w in words if w.isdigit() and len(w) <= 6)
        known_resolutions = {e.phrase for e in entities if e.kind == "resolution"}
        for number in numbers:
            phrase = f"resolution {number}"
            if (number in RESOLUTION_NUMBERS and phrase not in known_resolutions
                    and not _YEAR_CONTEXT.search(f" {fold(question)} ".replace(
                        str(number), f"\0{number}"))):
                count = self.entities.get(phrase, ("resolution", 0))[1]
                # Named as the user wrote it: a bare number is not "resolution N" to them.
                typed = phrase if "resol" in fold(question) else str(number)
                entities.append(Entity(phrase, "resolution", typed, count))
        query_terms: list[Term] = []
        order = (any(t in ORDER_WORDS for t in raw_tokens)
                 and comparison_halves(question) is not None)
        for word in dict.fromkeys(words):
            if word in ORDER_WORDS or (word in GREETINGS and word not in self.df):
                continue
            if word in self.df:
                weight = self.idf(word)
                if word in WEAK_WORDS or typed_weak[word]:
                    weight = WEAK_SHARE * min(weight, self.common_weight)
                elif (word in everyday_words() and self.df[word] <= INCIDENTAL_DF
                      and word not in self.curated):
                    # An everyday word a few entries happen to use ("change", "fiscal") is
                    # phrasing, not a rare topic.
                    weight = min(weight, self.common_weight)
                if word in SCOPE_WORDS:
                    weight = min(weight, self.scope_weight)
                query_terms.append(Term(word, weight, True, certainty.get(word, 1.0), word))
            else:
                # A word no entry uses: a curated filler word ("officially") counts little, any
                # other everyday word ("change", "weather") like a common term, and anything
                # else (a name: "UNMISS", "Juba") like the rarest term, so that a question
                # about something the knowledge lacks cannot pass on its other words.
                typed = as_typed(question, typed_as.get(word, word))
                dictionary = in_dictionary(typed)
                if word in names:
                    weight = self.unknown_weight
                elif word in WEAK_WORDS:
                    weight = UNKNOWN_WEAK_SHARE * self.common_weight
                elif dictionary:
                    weight = self.common_weight
                else:
                    weight = self.unknown_weight
                if word in SCOPE_WORDS:
                    weight = self.scope_weight
                name = word in names or not dictionary or word in territory_words()
                if name:
                    weight = max(weight, self.unknown_weight)
                query_terms.append(Term(word, weight, False, typed=typed, name=name))
        canon = set(words)
        if any(e.kind == "resolution" for e in entities):
            # A named resolution is the subject; the word itself says nothing of the kind of
            # entry (a resolution on sanctions or the G5 Sahel force is not a mandate).
            canon.discard("resolution")
        topics = tuple(name for name, topic in TOPICS.items() if canon & topic.triggers)
        answer_type = self._answer_type(question, raw_tokens, flat)
        series = bool(SERIES.search(flat))
        if answer_type is None and (dates or series) and canon & TOLL_WORDS:
            answer_type = "how_many"
        measures: frozenset[str] = frozenset()
        entity_words = {w for e in entities for w in e.phrase.split()}
        if answer_type == "how_many":
            measures = next((m for triggers, m in MEASURES if canon & triggers), frozenset())
            counted = self._counted_word(flat, entity_words)
            if (counted is not None and counted in self.df and counted not in SCOPE_WORDS
                    and counted not in COUNTED_PEOPLE
                    and not any(counted in triggers for triggers, _ in MEASURES)):
                # "How many hectares was the Gao camp?" counts hectares, not camps.
                measures = frozenset()
        role = next((r for need, r in ROLES if set(need) <= canon), None)
        # Only what looks like a name may be "unknown": an ordinary word of either language,
        # inflected or not, is phrasing the knowledge happens not to use.
        unknown = [t.typed for t in query_terms if not t.known and t.text not in entity_words
                   and t.name]
        q = Question(question, query_terms, entities, dates, "lookup", answer_type, topics,
                     measures, role, numbers=numbers, unknown=unknown, wording=words,
                     asks_events=any(t in HAPPEN_WORDS for t in raw_tokens), series=series)
        # Read on the corrected words too: "who suceeded Kazura" is a succession.
        q.relation = self._relation(" ".join(corrected), q) or self._relation(flat, q)
        q.superlative = self._superlative(flat)
        if any(t in AFTER_WORDS for t in raw_tokens):
            q.direction = "after"
        elif any(t in BEFORE_WORDS for t in raw_tokens):
            q.direction = "before"
        q.intent = self._intent(q, raw_tokens, order)
        return q

    def _counted_word(self, flat: str, entity_words: set[str]) -> str | None:
        """The noun a "how many" question counts: the first content word after "how many",
        "combien de" or "number of" that names no place, person or country ("hectares")."""
        found = HOW_MANY.search(flat)
        if found is None:
            return None
        following = terms(" ".join(flat[found.end():].split()[:6]), self.aliases)
        return next((t for t in following if t not in entity_words), None)

    @staticmethod
    def answer_type_of(question: str) -> AnswerType | None:
        """The answer type a question asks for, from its words alone."""
        flat = fold(question)
        return Lexicon._answer_type(question, flat.split(), flat)

    @staticmethod
    def _answer_type(question: str, raw_tokens: list[str], flat: str) -> AnswerType | None:
        if DURATION.search(flat):
            return None  # "how many years did it last?" asks a length, which no figure counts
        if HOW_MANY.search(flat):
            return "how_many"
        if WHEN_PHRASE.search(flat):
            return "when"
        # "où" folds to "ou" ("or"), so where-questions are found in the unfolded text.
        if WHERE.search(question.casefold()):
            return "where"
        for token in raw_tokens[:6]:
            if token in TYPE_WORDS:
                return TYPE_WORDS[token]
        # French often asks at the end: "c'était quand ?", "il est parti où ?"
        for token in raw_tokens[-2:]:
            if token in ("quand", "when"):
                return "when"
        return None

    @staticmethod
    def _relation(flat: str, q: Question) -> Relation | None:
        people = [e for e in q.entities if e.kind == "person"]
        if not people or q.answer_type not in ("who", None):
            return None
        verb = REPLACE_VERB.search(flat)
        if verb is not None:
            where = _position(flat, people[0])
            if where is None or where > verb.start():
                return "successor"
            return "successor" if PASSIVE.search(flat[: verb.start()]) else "predecessor"
        if PREDECESSOR_WORDS.search(flat):
            return "predecessor"
        if SUCCESSOR_WORDS.search(flat):
            return "successor"
        return None

    @staticmethod
    def _superlative(flat: str) -> Superlative | None:
        if MOST.search(flat):
            return "most"
        if FIRST.search(flat):
            return "first"
        if LAST.search(flat):
            return "last"
        return None

    @staticmethod
    def _intent(q: Question, raw_tokens: list[str], order: bool) -> Intent:
        if order and q.relation is None:
            return "order"
        # "What happened on 5 September 2017?", "what did the Council decide on ...?"
        soft = {w for e in q.entities if not e.hard for w in e.phrase.split()}
        if q.dates and all(t.text in GENERIC_WORDS or t.text in WEAK_WORDS or t.text in soft
                           for t in q.terms):
            return "dates"
        if not q.terms and not q.dates:
            return "smalltalk" if any(t in GREETINGS for t in raw_tokens) else "empty"
        if (not q.entities and not q.dates and any(t in GREETINGS for t in raw_tokens)
                and all(t in GREETINGS or t in STOPWORDS or t in SMALLTALK_WORDS
                        for t in raw_tokens)):
            return "smalltalk"
        # "thanks a lot", "hello there": a greeting with nothing the knowledge knows.
        if (raw_tokens[0] in GREETINGS and not q.entities and not q.dates
                and all(t.text in GREETINGS or not t.known for t in q.terms)):
            return "smalltalk"
        content = [t for t in q.terms if t.text not in SCOPE_WORDS]
        if (q.asks_events and q.entities and not q.topics and q.answer_type in ("what", None)
                and all(t.text in q.entity_words or t.text in GENERIC_WORDS for t in content)):
            return "listing"
        if (q.asks_events and q.entities and q.answer_type in ("what", None)
                and any(s.precision == "day" for s in q.dates)):
            # "What happened at Bamako airport on 10 July 2022?": a place and a day pin it;
            # what else is said describes what is listed.
            return "listing"
        return "lookup"
