"""Ranking knowledge entries against an understood question, by subject first.

A candidate's score starts from how much of the question it covers (each term weighted by its
rarity, more when the term is in what the entry *is* than in what it says) and how close the
wording is to its title or FAQ phrasings. Then the question's structure decides:

- every place, person, country or resolution the question names must be among the entry's
  subjects; an entry that only mentions it in passing is held below the confidence threshold;
- an entry of another kind than the question's topic (an attack for "when did they leave?")
  loses ground;
- an entry that cannot give the answer asked for (a date for "when", a person for "who", a
  number of the asked kind and period for "how many") loses ground;
- a date in the question favours entries dated then and pushes others down.

The weights are the named constants below; the threshold itself lives in `compose`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.concepts import (
    CIRCUMSTANCE_UNITS,
    NAMED_TO_OFFICE,
    PERSON_OFFICES,
    PROPOSAL_WORDS,
    SCOPE_WORDS,
    TOOK_OFFICE,
    TOPICS,
    role_family,
)
from bot.dates import DateSpan
from bot.query import Lexicon, Question
from bot.store import Doc, FigureRow, Store
from bot.text import WEAK_WORDS, fold, tokens

COVERAGE_SHARE = 0.8  # of the base score: the question's terms the entry covers, by rarity
SIMILARITY_SHARE = 0.2  # of the base score: wording close to the entry's title or phrasings
KEY_WEIGHT = 1.0  # a term found in what the entry is (title, subjects, tags, kind)
BODY_WEIGHT = 0.7  # a term found only in what the entry says (summary, answer)
SUBJECT_MISSING = 0.55  # a named place/person/country/resolution the entry is not about
SIDE_SUBJECT = 0.8  # the entry is about what the question names only on the side (Tessalit's
# closure, in the Kidal region, for "when did MINUSMA leave Kidal?")
UNNAMED_SUBJECT = 0.8  # the entry is above all about an organisation the question never names
# (the mission's radio, for "when did the mission end?")
KIND_MISMATCH = 0.75  # the entry's kind cannot answer the question's topic (a politics event for
# "when did MINUSMA leave Algiers?")
PRIMARY_KIND_GAIN = 0.04  # the entry is the topic's first kind (a camp closure for "leave")
TYPE_MISMATCH = 0.6  # the entry cannot give the answer asked: a date, or a number of the asked
# kind and period
SOFT_TYPE_MISMATCH = 0.8  # nor a person or a place, which its text may still name
FAQ_PHRASING_MATCH = 0.9  # a FAQ phrased like this very question answers it whatever its type
FAQ_WHEN_MATCH = 0.7  # a FAQ answers "when" only if phrased about as the question is
TOOK_OFFICE_GAIN = 0.3  # an entry marking the start of a tenure, for "when did X take office?"
NAMED_NOT_IN_OFFICE = 0.85  # an appointment announced, for the same question
ROLE_MISMATCH = 0.75  # "who was force commander" answered by a head of mission's entry
DATE_MATCH_GAIN = 0.1  # share of the remaining distance to 1 gained by a matching date
DAY_MATCH_GAIN = 0.3  # ... by an event on the very day asked
DATE_MISMATCH = 0.5
DATE_PARTIAL = 0.8  # an event known only to a period that straddles the asked one
# A FAQ entry (no date of its own) for a question naming a date: the more precise the date,
# the likelier an event of that day is the answer.
FAQ_DATED = {"day": 0.7, "month": 0.8, "year": 0.85}
FAQ_BESIDE_EVENT = 0.9  # an overview, for "when" about a concept that events are
FAQ_FOR_EVENTS = 0.7  # and further, when it asks what happened then
BARE_NAME_CLOSURE_GAIN = 0.05  # a bare place name asks about the mission leaving it
PRECISE_WHEN_GAIN = 0.02  # "when" prefers an event known to the day
EXACT_PHRASING = 0.97  # a question this close to one of a FAQ's own phrasings is that question
EXACT_PHRASING_GAIN = 0.05
LONE_WORD_ELSEWHERE = 0.6  # a one-word topic that is not what the entry is about ("population"
# in one phrasing of the protection-of-civilians FAQ, for "what is the population of Mali?")
RECALL = 60
DATED_RECALL = 30  # events of the day or month a question names
PEOPLE_KINDS = frozenset({"appointment", "leadership"})
# Kinds whose entries, when they name countries, tell one country's story: a contingent's, or
# a national force's (France's Barkhane beside the UN force).
NATIONAL_KINDS = frozenset({"contingent", "withdrawal", "personnel", "operation"})
# Tolls: a year's total is never answered by one incident's count, nor the reverse.
PERIOD_TOTALS = frozenset({"killed", "wounded", "missing", "fatalities"})
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# A count in a headline: digits that are not a year ("49", "1,306", "$590 million").
_COUNT = re.compile(r"(?<![\d/])(?!(?:19|20)\d\d\b)\d[\d,.]*\b")


_FITS = {"apart": 0, "partial": 1, "covers": 2, "inside": 3}


@functools.lru_cache(maxsize=4096)
def _kind_terms(topics: tuple[str, ...], kind: str | None) -> frozenset[str]:
    # Asked for every candidate of every question, with few distinct topics and kinds.
    found: set[str] = set()
    for name in topics:
        topic = TOPICS[name]
        found |= {w for w in topic.triggers if kind in topic.covered_by(w)}
        if kind in topic.kinds:
            found |= topic.objects
    return frozenset(found)


def _is_yearly(figure: FigureRow) -> bool:
    """A figure for one calendar year: one the entry gives a year (the store spans it over
    that year), or one whose entry is dated to a whole year."""
    return (figure.first[:4] == figure.last[:4]
            and figure.first.endswith("-01-01") and figure.last.endswith("-12-31"))


def _is_total(figure: FigureRow) -> bool:
    return figure.what == "fatalities" or figure.kind == "casualties"


def _date_fit(doc: Doc, span: DateSpan) -> str:
    """How an event's dates sit against an asked period: inside it, covering it (something
    ongoing), straddling it in part, or apart."""
    if not doc.overlaps(span.first, span.last):
        return "apart"
    lo, hi = span.first.isoformat(), span.last.isoformat()
    if lo <= (doc.date_lo or "") and (doc.date_hi or "") <= hi:
        return "inside"
    if (doc.date_lo or "") <= lo and hi <= (doc.date_hi or ""):
        return "covers"
    return "partial"


def _mandate_until(q: Question, doc: Doc) -> dt.date | None:
    """The day a resolution ran the mandate to, when the question asks for a mandate "until"
    a day (not the day it was adopted)."""
    if (q.direction != "before" or doc.event_kind != "mandate" or "mandate" not in q.topics
            or not q.dates or q.dates[0].precision != "day"):
        return None
    until = getattr(doc.entry, "mandate_until", None)
    return until.first_day() if until is not None else None


def _proposed(figure: FigureRow) -> bool:
    return bool(PROPOSAL_WORDS & set(fold(figure.who).split()))


REPORT_LOOKBACK_DAYS = 400  # how long before its publication a report's findings may lie


def _reports_on(doc: Doc, span: DateSpan) -> bool:
    """Whether an asked period lies in the year or so before a report came out."""
    if not doc.date_lo:
        return False
    published = dt.date.fromisoformat(doc.date_lo[:10])
    return span.last < published and (published - span.last).days <= REPORT_LOOKBACK_DAYS


def _period_fit(figure: FigureRow, span: DateSpan) -> str:
    """How a figure's own period (a budget year) sits against an asked period."""
    lo, hi = span.first.isoformat(), span.last.isoformat()
    if figure.last < lo or hi < figure.first:
        return "apart"
    if lo <= figure.first and figure.last <= hi:
        return "inside"
    return "covers" if figure.first <= lo and hi <= figure.last else "partial"


TEXT_COUNT_WINDOW = 2  # words after a number in an entry's text where what it counts is named
COUNT_WINDOW = 3  # terms after a number where the thing it counts is named
_MONEY_WORDS = frozenset({"million", "billion", "milliard"})
_ASKS_MONEY = re.compile(r"\bhow much\b|\bcombien\b|\$|\bbudget\b|\bcost\b|\bcout\b")


def counted_in_text(q: Question, doc: Doc) -> bool:
    """Whether an entry's headline counts what a "how many" question asks, where no concept
    measures it ("200 MINUSMA trucks", or a sum of money for "how much"). A figure written in
    the headline answers as a structured one does; one deep in a summary counts something on
    the way, not the thing asked."""
    if q.measures or not (q.hard_entities or q.dates):
        # A measure the concepts know (troops, killed) is read from structured figures; a
        # general count ("how many helicopters?") needs one too.
        return False
    return headline_counts(q, doc)


def headline_counts(q: Question, doc: Doc) -> bool:
    """Whether a number in an entry's headline is followed closely by a word of the question
    ("49 Ivorian soldiers" for "how many Ivorian soldiers", not "over 30 rockets ... a
    peacekeeper" for "how many peacekeepers"), or is a sum of money for "how much"."""
    asked = {t.text for t in q.terms if t.known and t.text not in SCOPE_WORDS
             and t.text not in q.entity_words and t.text not in WEAK_WORDS}
    words = doc.title_terms.split()
    money = bool(_ASKS_MONEY.search(q.folded))
    for i, word in enumerate(words):
        if not word.isdigit() or (len(word) == 4 and word[:2] in ("19", "20")):
            continue
        after = words[i + 1 : i + 1 + COUNT_WINDOW]
        if asked & set(after) or (money and after[:1] and after[0] in _MONEY_WORDS):
            return True
    return False


@dataclass
class Candidate:
    doc: Doc
    score: float
    coverage: float = 0.0
    similarity: float = 0.0
    subject_ok: bool = True
    main: bool = False  # the question names the entry's main subject
    notes: list[str] = field(default_factory=list)
    # For "how many" of something no concept measures: the count its text states, with the
    # word counted right after it ("37 hectare"), when the question names that word.
    counted: str = ""

    @property
    def id(self) -> str:
        return self.doc.id


class Ranker:
    """Scores entries of one index; built once per engine, cheap per question."""

    def __init__(self, store: Store, lexicon: Lexicon) -> None:
        self.store = store
        self.lexicon = lexicon
        self._last_lone: tuple[Question | None, str | None] = (None, None)
        # Every FAQ phrasing's terms, by position, and the entry each belongs to.
        self.faq_choices: dict[int, str] = {}
        self.faq_of: dict[int, str] = {}
        self.faq_wording: dict[str, list[str]] = defaultdict(list)
        self.faq_phrasings: dict[str, list[str]] = defaultdict(list)
        # What its phrasings ask for: "why did Mali ask MINUSMA to leave?" is not "when".
        self.faq_types: dict[str, set[str | None]] = defaultdict(set)
        for i, row in enumerate(store.faq_phrasings()):
            self.faq_choices[i] = row.terms
            self.faq_of[i] = row.faq_id
            self.faq_wording[row.faq_id].append(fold(row.question))
            self.faq_phrasings[row.faq_id].append(row.terms)
            self.faq_types[row.faq_id].add(Lexicon.answer_type_of(row.question))
        self.all_figures = store.figures()
        self.figures: dict[str, list[FigureRow]] = defaultdict(list)
        for figure in self.all_figures:
            self.figures[figure.doc_id].append(figure)
        # Recall on terms found in fewer entries than this; common terms only rank. A term in a
        # quarter of a small base ("MINUSMA", "peacekeepers") recalls nothing in particular
        # and makes FTS rank most rows.
        self.selective_cap = min(max(1000, lexicon.n_docs // 50),
                                 max(RECALL, lexicon.n_docs // 4))

    # --- recall --------------------------------------------------------------------------

    def _fts(self, q: Question) -> list[str]:
        words = [t.text for t in q.terms if t.known]
        selective = [w for w in words if self.lexicon.df.get(w, 0) <= self.selective_cap]
        if selective:
            return self.store.search(selective, RECALL)
        # Only common words: ranking every entry holding them would cost more than it tells
        # (FAQ phrasings and named subjects recall the likely answers); take some unranked.
        return self.store.search(words, RECALL, every=True, ranked=False)

    def _faq_recall(self, text: str, limit: int = 5) -> list[str]:
        """FAQ entries with a phrasing close to the question, whatever FTS recalled."""
        if not text or not self.faq_choices:
            return []
        found = process.extract(
            # Both sides are folded terms already, so rapidfuzz's own preprocessing is skipped.
            text, self.faq_choices, scorer=fuzz.token_sort_ratio, processor=None,
            limit=limit * 3, score_cutoff=40,
        )
        return list(dict.fromkeys(self.faq_of[key] for _, _, key in found))

    def recall(self, q: Question) -> list[Doc]:
        ids: list[str] = []
        for entity in q.hard_entities:
            ids.extend(self.store.with_subject(entity.phrase))
        precise = [(s.first, s.last, s.precision) for s in q.dates if s.precision != "year"]
        if precise:  # the events of the very day or month asked
            ids.extend(d.id for d in self.store.on_dates(precise, DATED_RECALL))
        ids.extend(self._fts(q))
        ids.extend(self._faq_recall(" ".join(q.texts)))
        return self.store.docs(ids)

    # --- scoring -------------------------------------------------------------------------

    @staticmethod
    def kind_terms(q: Question, doc: Doc) -> frozenset[str]:
        """The question's topic words that the entry's kind stands for; and the words of
        taking up an office, for an entry that marks the start of a tenure."""
        found = _kind_terms(q.topics, doc.event_kind)
        if doc.role and getattr(doc.entry, "tenure", None) == "start":
            taking = TOOK_OFFICE.search(q.folded)
            if taking is not None:
                found = found | {t.text for t in q.terms if t.text in taking[0].split()
                                 or t.text in ("depuis", "since")}
        return found

    def _similarity(self, q: Question, doc: Doc) -> float:
        text = q.compared_text
        if doc.kind == "faq":
            phrasings = self.faq_phrasings.get(doc.id, [])
            if not phrasings:
                return 0.0
            # Content terms first; the actual wording tells apart phrasings with the same terms.
            by_terms = max(fuzz.token_sort_ratio(text, p, processor=None) for p in phrasings)
            wording = q.folded
            by_words = max(fuzz.ratio(wording, w, processor=None)
                           for w in self.faq_wording[doc.id])
            return (0.8 * by_terms + 0.2 * by_words) / 100
        return fuzz.token_sort_ratio(text, doc.title_terms, processor=None) / 100

    def score(self, q: Question, doc: Doc) -> Candidate:
        total = matched = 0.0
        # An entry's kind says what it is: a handover answers "leave" though it never says so.
        by_kind = self.kind_terms(q, doc)
        for term in q.terms:
            total += term.weight
            if term.text in doc.key_terms or term.text in by_kind:
                matched += term.weight * KEY_WEIGHT * term.certainty
            elif term.text in doc.text_terms:
                matched += term.weight * BODY_WEIGHT * term.certainty
        coverage = matched / total if total else 0.0
        similarity = self._similarity(q, doc)
        base = COVERAGE_SHARE * coverage + SIMILARITY_SHARE * similarity
        found = Candidate(doc, base, coverage, similarity)
        self._lone_word(q, found)
        self._subjects(q, found)
        self._kind(q, found)
        self._answer_type(q, found)
        self._dates(q, found)
        if doc.kind == "faq" and similarity >= EXACT_PHRASING and self._asks_alike(q, doc):
            # The question is one a curator wrote for this entry, dates and all: only a named
            # thing it is not about still counts against it.
            found.score = base + EXACT_PHRASING_GAIN
            found.notes = ["its own phrasing"]
            self._subjects(q, found, hard_only=True)
        found.score = max(0.0, min(found.score, 1.0))
        return found

    def _asks_alike(self, q: Question, doc: Doc) -> bool:
        """Whether a FAQ entry's phrasings ask for the question's answer type (a "why" entry
        phrased like the question does not answer its "when")."""
        return q.answer_type is None or q.answer_type in self.faq_types[doc.id]

    def _lone_word(self, q: Question, c: Candidate) -> None:
        word = self._lone(q)
        if word is not None and word not in c.doc.about_terms:
            c.score *= LONE_WORD_ELSEWHERE
            c.notes.append(f"not about {word}")

    def _lone(self, q: Question) -> str | None:
        """The one topic word of a question that names nothing else ("population")."""
        # Asked for every candidate: the last question's answer is kept (holding the question
        # itself, so that identity cannot be reused by another). One tuple, read once, so that
        # a question answered in another thread meanwhile cannot mix the two.
        last = self._last_lone
        if last[0] is not q:
            last = (q, self._find_lone(q))
            self._last_lone = last
        return last[1]

    def _find_lone(self, q: Question) -> str | None:
        if q.entities or q.answer_type not in (None, "what", "which"):
            return None
        content = [t for t in q.terms if t.known and t.text not in SCOPE_WORDS
                   and t.weight > self.lexicon.common_weight]
        return content[0].text if len(content) == 1 else None

    def _subjects(self, q: Question, c: Candidate, *, hard_only: bool = False) -> None:
        absent = [e for e in q.hard_entities if e.phrase not in c.doc.subjects]
        if absent:
            c.subject_ok = False
            c.score *= SUBJECT_MISSING
            c.notes.append("not about " + ", ".join(e.typed for e in absent))
            return
        # A country is often named as an adjective ("Nigerien peacekeepers killed"): an entry of
        # the kind asked with it among its subjects is about it, whichever place comes first.
        if any(e.phrase == c.doc.main_subject for e in q.hard_entities) or (
                q.hard_entities and all(e.kind == "country" for e in q.hard_entities)
                and c.doc.event_kind in q.kinds):
            c.main = True
        if hard_only:
            return
        if q.hard_entities and not c.main:
            c.score *= SIDE_SUBJECT
            c.notes.append("names it on the side")
        main = c.doc.main_subject
        if (main and self.lexicon.entities.get(main, ("", 0))[0] == "organisation"
                and all(e.phrase != main for e in q.entities)):
            c.score *= UNNAMED_SUBJECT
            c.notes.append(f"about {main}")
        elif (c.doc.countries and c.doc.event_kind in NATIONAL_KINDS
                and not any(e.kind == "country"
                            or (e.kind == "organisation" and e.phrase in c.doc.subjects)
                            for e in q.entities)):
            # A national force's story answers for the mission only if the country, or the
            # force itself ("Serval", "Takuba"), is named.
            c.score *= UNNAMED_SUBJECT
            c.notes.append("about one contingent")

    def _kind(self, q: Question, c: Candidate) -> None:
        kind = c.doc.event_kind
        if q.names_only and kind == "camp-closure" and len(q.hard_entities) == 1:
            # A bare place name is not a question: there, the mission leaving it is the story.
            c.score += BARE_NAME_CLOSURE_GAIN
        wanted = q.kinds
        if (wanted and q.strict and q.answer_type == "when" and c.doc.kind == "faq"
                and c.similarity < FAQ_PHRASING_MATCH):
            # "When did MINUSMA leave Bamako?": the event of leaving, before an overview of
            # the place that mentions it.
            c.score *= FAQ_BESIDE_EVENT
            c.notes.append("an overview")
        if not wanted or kind is None:
            return
        # A change of command answers "when did ... leave?" only about a person the question
        # names, never about the mission leaving a place.
        about_people = kind in PEOPLE_KINDS and "leadership" not in q.topics
        if about_people and not any(e.kind == "person" for e in q.entities):
            wanted = tuple(k for k in wanted if k not in PEOPLE_KINDS)
        if kind not in wanted and q.strict and not self._about_something_else(q):
            c.score *= KIND_MISMATCH
            c.notes.append(f"a {kind}, not a {wanted[0]}")
        elif kind == wanted[0]:
            c.score += PRIMARY_KIND_GAIN * (1 - c.score)

    @staticmethod
    def _about_something_else(q: Question) -> bool:
        """Whether a question about leaving or closing is about something other than the
        mission's sites: a named force, radio or country's contingent ("when did Mikado FM
        close?", "when did Sweden's parliament approve the withdrawal?"), whose entries are of
        any kind. Places and the mission itself keep the concept's kinds."""
        if "closure" not in q.topics:
            return False
        named = [e for e in q.entities if e.phrase not in SCOPE_WORDS]
        return bool(named) and all(e.kind in ("organisation", "country") for e in named)

    def _answer_type(self, q: Question, c: Candidate) -> None:
        doc = c.doc
        if doc.role and TOOK_OFFICE.search(q.folded):
            # "When did Deconinck take office?": the day he took command, not his naming.
            if getattr(doc.entry, "tenure", None) == "start":
                c.score += TOOK_OFFICE_GAIN * (1 - c.score)
                c.notes.append("took office")
            elif doc.event_kind == "appointment":
                c.score *= NAMED_NOT_IN_OFFICE
                c.notes.append("named, not yet in office")
        elif (doc.role and NAMED_TO_OFFICE.search(q.folded)
              and getattr(doc.entry, "tenure", None) == "start"):
            # "Matthijssen appointment month": the announcement, not the change of command.
            c.score *= NAMED_NOT_IN_OFFICE
            c.notes.append("took office, not named")
        if q.role and doc.role and doc.role not in role_family(q.role):
            c.score *= ROLE_MISMATCH
            c.notes.append(f"about a {doc.role}")
        fits = True
        if q.answer_type == "when":
            # A dated event answers "when"; an overview only when it is phrased for it.
            fits = doc.kind == "event" or (bool(_YEAR.search(doc.headline))
                                           and c.similarity >= FAQ_WHEN_MATCH)
            if doc.kind == "event" and doc.precision == "day":
                c.score += PRECISE_WHEN_GAIN
        elif q.answer_type == "who":
            # Someone, or a country or an organisation ("who abstained?", "who claimed it?"),
            # other than the ones the question names ("the president of France" is not France).
            named = {e.phrase for e in q.entities}
            someone = doc.has_people or doc.role is not None
            if PERSON_OFFICES & set(q.folded.split()):
                fits = someone  # "who is the president of ...?" asks for a person
            else:
                fits = (someone or doc.event_kind in ("appointment", "leadership")
                        or any(c.replace("_", " ") not in named for c in doc.countries.split())
                        or any(self.lexicon.entities.get(s, ("", 0))[0] == "organisation"
                               and s not in named for s in doc.subjects))
        elif q.answer_type == "where":
            fits = doc.has_places
        elif q.asks_resolution:
            # "Which resolution ...?": an entry about a resolution names its number.
            fits = any(s.startswith("resolution ") for s in doc.subjects)
        elif q.answer_type == "how_many":
            fits = (any(self.figure_fits(q, f) for f in self.figures.get(doc.id, ()))
                    or self._states_the_number(q, doc) or counted_in_text(q, doc))
            if not fits and not q.measures and (q.hard_entities or q.dates):
                c.counted = self._count_in_context(q, doc)
                fits = bool(c.counted)
        if not fits and not (doc.kind == "faq" and c.similarity >= FAQ_PHRASING_MATCH
                             and self._asks_alike(q, doc)):
            soft = q.answer_type in ("who", "where")
            c.score *= SOFT_TYPE_MISMATCH if soft else TYPE_MISMATCH
            c.notes.append(f"gives no {q.answer_type} answer")

    def _count_in_context(self, q: Question, doc: Doc) -> str:
        """A count the entry's own text gives of exactly the word asked ("a 37-hectare camp"
        for "how many hectares?"): the number and that word, or "". The word must follow the
        number closely, so a number counting something else on the way does not answer."""
        entry = doc.entry
        text = str(getattr(entry, "summary", None) or getattr(entry, "answer", ""))
        asked = {t.text for t in q.terms if t.known and t.text not in SCOPE_WORDS
                 and t.text not in q.entity_words and t.text not in WEAK_WORDS
                 and t.text not in CIRCUMSTANCE_UNITS}
        # Word by word as written, stop words kept: "37 hectares", "a 37-hectare camp", not
        # "four times a day, and mission helicopters".
        words = tokens(text)
        for i, word in enumerate(words):
            if not word.isdigit() or (len(word) == 4 and word[:2] in ("19", "20")):
                continue
            after = words[i + 1 : i + 1 + TEXT_COUNT_WINDOW]
            hit = next((w for w in after if w in asked), None)
            if hit is not None:
                return f"{word} {hit}"
        return ""

    def _states_the_number(self, q: Question, doc: Doc) -> bool:
        """An entry whose own headline states a count ("49 Ivorian soldiers arrested") answers
        "how many" about exactly what it covers, when the question pins a subject (a named
        thing or a date); never a general count ("how many helicopters did MINUSMA have?")."""
        if not (q.hard_entities or q.dates) or not _COUNT.search(doc.headline):
            return False
        if q.measures & PERIOD_TOTALS and not q.hard_entities:
            return False  # a toll for a period needs a figure for that period
        if q.dates and not any(_date_fit(doc, s) == "inside" for s in q.dates):
            return False  # an undated overview, or a count from another period
        content = [t.text for t in q.terms if t.text not in SCOPE_WORDS
                   and t.text not in q.entity_words and t.text not in WEAK_WORDS]
        return (all(w in doc.key_terms or w in doc.text_terms for w in content)
                and headline_counts(q, doc))

    def figure_fits(self, q: Question, figure: FigureRow) -> bool:
        """Whether a figure answers "how many" for the question's measure and period.

        A yearly question without a named place wants the year's own total, never one
        incident's toll nor a total over another period; a question without a date wants a
        figure that is not one year's.
        """
        if figure.what not in q.measures:
            return False
        if q.dates:
            span = q.dates[0]
            first, last = span.first.isoformat(), span.last.isoformat()
            if not q.hard_entities and figure.what in PERIOD_TOTALS:
                # A period's total is a "fatalities" figure, or a toll in an entry about
                # casualties; a dated attack's toll is that attack's alone.
                return (_is_total(figure) and ((figure.first, figure.last) == (first, last) or (
                    figure.year is not None and span.precision == "year"
                    and figure.year == span.first.year))) or (
                    # A month or a day is narrow enough for one attack's toll to be asked.
                    span.precision != "year" and first <= figure.first
                    and figure.last <= last)
            return first <= figure.first and figure.last <= last
        if figure.what in PERIOD_TOTALS and all(e.kind == "country" for e in q.hard_entities):
            # Without a date or a named place, a toll is a total (the whole mission's, one
            # contingent's or one cause's), never one attack's nor one year's.
            return _is_total(figure) and not _is_yearly(figure)
        return True

    def _dates(self, q: Question, c: Candidate) -> None:
        if not q.dates:
            return
        doc = c.doc
        periods = [f for f in self.figures.get(doc.id, ()) if f.period]
        until = _mandate_until(q, doc)
        if until is not None:
            # "Extended until 30 June 2023 by which resolution?": the day the mandate ran to.
            fit = "inside" if any(s.first <= until <= s.last for s in q.dates) else "apart"
        elif periods:
            # A budget is dated by the year it funds, not the day it was approved; a sum only
            # requested or advised is that year's budget in part, unless one was asked for.
            fit = max((_period_fit(f, span) for f in periods for span in q.dates),
                      key=_FITS.__getitem__)
            asked = bool(PROPOSAL_WORDS & set(q.folded.split()))
            if fit == "inside" and all(_proposed(f) != asked for f in periods):
                fit = "partial"
        elif doc.kind == "event":
            fit = max((_date_fit(doc, span) for span in q.dates), key=_FITS.__getitem__)
            if fit == "apart" and doc.event_kind == "report" and any(
                    _reports_on(doc, span) for span in q.dates):
                # A report tells of what happened before it came out ("Ogossagou, February
                # 2020": the findings published in March).
                fit = "partial"
        else:
            fit = ""
        if fit:
            if fit == "inside":
                gain = DAY_MATCH_GAIN if q.dates[0].precision == "day" else DATE_MATCH_GAIN
                c.score += gain * (1 - c.score)
                c.notes.append("date matches")
            elif fit == "partial":
                c.score *= DATE_PARTIAL
                c.notes.append("date overlaps in part")
            elif fit == "apart":
                c.score *= DATE_MISMATCH
                c.notes.append("date differs")
        elif not (q.answer_type == "how_many"
                  and any(self.figure_fits(q, f) for f in self.figures.get(doc.id, ()))):
            c.score *= FAQ_DATED[q.dates[0].precision]
            if q.asks_events:  # "what happened ... in July 2022?" asks for an event
                c.score *= FAQ_FOR_EVENTS

    def rank(self, q: Question, limit: int = 10, docs: Iterable[Doc] | None = None
             ) -> list[Candidate]:
        pool = self.recall(q) if docs is None else list(docs)
        scored = [self.score(q, doc) for doc in pool]
        # Scores are capped at 1, so the wording breaks ties between equally covering entries.
        scored.sort(key=lambda c: (-c.score, -c.similarity, c.doc.date_lo or "", c.id))
        return scored[:limit]
