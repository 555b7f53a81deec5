"""One decision over ranked candidates: answer, "did you mean …?", "which one?", or decline.

Every question that reaches the ranked candidates (rather than a worked-out fact, a date
listing or a comparison) is settled here, and only here:

- **answer** the best candidate when it clears `CONFIDENT`, or the lower `SAFE` when it is
  plainly the thing asked: about every named place, person, country and resolution of the
  question as its main subject, of a kind that fits the question's concept, able to give the
  answer type asked, and well ahead of the next candidate about something else;
- **which one?** when two to four candidates as good as each other are about different named
  things, or are distinct events of one kind for a question asking one fact;
- **did you mean …?** when one candidate stands out without clearing the bar: one button in
  Telegram, one line in the console;
- **decline** otherwise, with the closest topics.

The thresholds are fitted on the development question set by `python -m benchmarks.fit`, which
prints precision and recall per outcome for each setting; the values below are its choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.concepts import SCOPE_WORDS, TOPICS
from bot.query import Question
from bot.rank import Candidate, counted_in_text

# Fitted by `python -m benchmarks.fit` on benchmarks/sets/dev.toml (see README, Accuracy).
CONFIDENT = 0.7  # any candidate at or above this answers
SAFE = 0.5  # a candidate plainly about what the question names answers from here
AHEAD = 0.45  # a candidate this good and clearly ahead of the next answers too
DID_YOU_MEAN = 0.35  # one candidate this good, clearly ahead, is offered back (not fitted)
LEAD = 0.1  # how far ahead of the next candidate "clearly ahead" is
COVER = 0.6  # and how much of the question (by weight) it covers, for the lower bars
SUGGEST_FLOOR = 0.3  # weaker candidates are noise, not "closest topics"
CHOICE_MARGIN = 0.05  # candidates this close about different subjects: ask "which one?"
RELATED_MARGIN = 0.15  # see-also topics scored this close to the answer
MAX_CHOICES = 4
WORDING_MARGIN = 0.1  # a rival worded this much further from the question is no rival
# A one-word question about a noun this common fits too many entries to pick one.
VAGUE_SHARE = 0.02

Kind = Literal["answer", "did-you-mean", "which-one", "decline"]


@dataclass(frozen=True)
class Decision:
    kind: Kind
    options: tuple[Candidate, ...] = ()  # the answer, the one suggestion, or the choices

    @property
    def best(self) -> Candidate:
        return self.options[0]


@dataclass(frozen=True)
class Thresholds:
    """The decision's settings, fitted on the development set; the defaults are in force."""

    confident: float = CONFIDENT
    safe: float = SAFE
    ahead: float = AHEAD
    did_you_mean: float = DID_YOU_MEAN
    lead: float = LEAD
    choice_margin: float = CHOICE_MARGIN
    cover: float = COVER


IN_FORCE = Thresholds()


def choose(q: Question, ranked: Sequence[Candidate], *, df: dict[str, int], n_docs: int,
           thresholds: Thresholds = IN_FORCE) -> Decision:
    """The decision for a question over its ranked candidates."""
    if not ranked:
        return Decision("decline")
    best = ranked[0]
    if q.hard_entities and "names it on the side" in best.notes:
        # An entry about what the question names, close behind one naming it on the side,
        # is the answer (the Mopti attack, not one near Douentza in the Mopti region).
        main = next((c for c in ranked[1:] if c.main and c.subject_ok
                     and best.score - c.score <= CHOICE_MARGIN), None)
        if main is not None:
            ranked = [main, *(c for c in ranked if c is not main)]
            best = main
    if uncounted(q, best) or (f"gives no {q.answer_type} answer" in best.notes and (
            q.answer_type in ("when", "how_many"))):
        # No date for "when", no number for "how many": whatever its score, not the answer.
        return Decision("decline", tuple(ranked))
    clear = (best.subject_ok and not q.unknown and not _doubts(best)
             and best.coverage >= thresholds.cover and _lead(best, ranked) >= thresholds.lead)
    bar = thresholds.confident
    if best.coverage >= thresholds.cover and plainly_asked(q, best, ranked, thresholds.lead):
        bar = thresholds.safe
    elif clear:
        bar = min(bar, thresholds.ahead)
    if best.score < bar:
        if best.score >= thresholds.did_you_mean and clear:
            return Decision("did-you-mean", (best,))
        return Decision("decline", tuple(ranked))
    if vague(q, best, df, n_docs):
        options = [c for c in ranked if c.score >= SUGGEST_FLOOR]
        if len(options) >= 2:
            return Decision("which-one", tuple(options[:MAX_CHOICES]))
    last = last_of_several(q, [c for c in ranked if c.score >= bar])
    if last is not None:
        # Several closings of the one place asked about: the mission left it with the last.
        return Decision("answer", (last,))
    found = rivals(q, best, ranked, bar, thresholds.choice_margin)
    if found:
        return Decision("which-one", (best, *found[: MAX_CHOICES - 1]))
    return Decision("answer", (best,))


def last_of_several(q: Question, options: Sequence[Candidate]) -> Candidate | None:
    """Where the question's concept happens once to a place ("when did MINUSMA leave Gao?")
    and the best options are several such happenings of the place it names, the last."""
    kinds = {k for t in q.topics for k in TOPICS[t].latest_wins}
    places = {e.phrase for e in q.hard_entities}
    if not kinds or not places or not options:
        return None
    same = [c for c in options if c.doc.main_subject in places and c.doc.event_kind in kinds]
    if len(same) < 2 or options[0] not in same:
        return None
    return max(same, key=lambda c: c.doc.date_lo or "")


def uncounted(q: Question, best: Candidate) -> bool:
    """"How many" of something no concept measures ("drones", "schools"), answered by an entry
    that is not about it: its other numbers are not the count asked."""
    if (q.answer_type != "how_many" or q.measures or counted_in_text(q, best.doc)
            or best.counted):
        return False
    asked = [t.text for t in q.terms if t.known and t.text not in SCOPE_WORDS
             and t.text not in q.entity_words and t.weight > 0]
    return any(w not in best.doc.key_terms for w in asked)


# What ranking notes against a candidate (bot/rank.py): another kind, type, subject or date.
_DOUBTS = ("gives no", "a ", "about ", "date differs", "date overlaps", "not about")


def _doubts(best: Candidate) -> bool:
    """Whether ranking held anything against the candidate."""
    return any(note.startswith(_DOUBTS) for note in best.notes)


def _lead(best: Candidate, ranked: Sequence[Candidate]) -> float:
    """How far the best candidate is ahead of the next one about something else: an entry
    about the same resolution, or the same happening told again, backs it up rather than
    competes with it (the overview of the 2022 abstentions beside resolution 2640)."""
    others = [c for c in ranked[1:] if not _same_thing(best, c)]
    return best.score - (others[0].score if others else 0.0)


def _same_thing(a: Candidate, b: Candidate) -> bool:
    resolutions = {s for s in a.doc.subjects if s.startswith("resolution ")}
    if resolutions & b.doc.subjects:
        return True
    return (a.doc.kind == b.doc.kind == "event" and a.doc.date == b.doc.date
            and a.doc.main_subject == b.doc.main_subject)


def plainly_asked(q: Question, best: Candidate, ranked: Sequence[Candidate],
                  lead: float) -> bool:
    """Whether the best candidate is plainly the thing asked: the question names something
    (a place, a person, a country, a resolution) and the entry is about all of it, has it as
    its main subject, is an event of a kind the question's concept calls for, gives the answer type
    asked, leaves no name of the question unknown, and is clearly ahead."""
    if not q.hard_entities or not best.subject_ok or not best.main or q.unknown:
        return False
    if _doubts(best):
        return False
    # The question names a concept (leaving, an attack, a mandate...) and the entry is one.
    if not q.kinds or best.doc.kind != "event" or best.doc.event_kind not in q.kinds:
        return False
    return _lead(best, ranked) >= lead


def vague(q: Question, best: Candidate, df: dict[str, int], n_docs: int) -> bool:
    """A lone common noun ("attack", "camp") with nothing to tell its entries apart, and no
    overview (FAQ) about it."""
    content = [t for t in q.terms if t.text not in SCOPE_WORDS]
    if len(content) != 1 or q.entities or q.dates or q.answer_type:
        return False
    if best.doc.kind == "faq" and content[0].text in best.doc.key_terms:
        return False
    term = content[0]
    return term.known and df.get(term.text, 0) >= max(3, VAGUE_SHARE * n_docs)


def _distinct(q: Question, a: Candidate, b: Candidate) -> bool:
    """Two candidates a reader must choose between.

    When the question names nothing that tells them apart, two events about different named
    things ("the camp was handed over": which camp?); when it asks for one fact (a date, a
    person, a number), two events of the same kind on different dates (two attacks on Kidal).
    An overview (FAQ) beside an event, or an entry about what the question names beside one
    merely touching it, is never a choice.
    """
    if a.doc.kind != "event" or b.doc.kind != "event" or a.main != b.main:
        return False
    if (not q.entities and a.doc.subjects and b.doc.subjects
            and a.doc.main_subject != b.doc.main_subject):
        return True
    single_fact = q.answer_type in ("when", "who", "how_many", "where", "which")
    return single_fact and a.doc.event_kind == b.doc.event_kind and a.doc.date != b.doc.date


def rivals(q: Question, best: Candidate, ranked: Sequence[Candidate],
           bar: float = CONFIDENT, margin: float = CHOICE_MARGIN) -> list[Candidate]:
    """Candidates as good as the best one that the reader must tell apart."""
    return [c for c in ranked[1:] if c.score >= bar
            and best.score - c.score <= margin
            # A rival covers the question about as well: not one lacking a word the best has
            # ("9 ... ambush" against an attack with neither).
            and c.coverage >= best.coverage - margin
            # nor, when the question names something, one worded much further from it (scores
            # near 1 are capped alike); a question naming nothing cannot tell camps apart
            and (not (q.entities or q.dates) or c.similarity >= best.similarity - WORDING_MARGIN)
            and _distinct(q, best, c)]


def related(best: Candidate, ranked: Sequence[Candidate]) -> list[Candidate]:
    """See-also candidates: confident ones scored close to the answer."""
    return [c for c in ranked[1:4]
            if c.score >= max(CONFIDENT, best.score - RELATED_MARGIN) and c.id != best.id]
