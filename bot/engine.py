"""The answer engine: one object that turns a question into an `Answer`.

It reads one index (`Store`), reads questions with the concepts of `bot/concepts.py`
(`Lexicon`), ranks entries (`Ranker`), works out small derived facts (`derive`), settles every
ranked question with one decision (`decide`: answer, did you mean, which one, decline) and
composes the answer (`compose`). It never imports Telegram; adapters (console, Telegram,
benchmarks) call `ask`, `answer`, `topic`, `timeline`, `suggest`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from bot import compose, decide, derive
from bot.camps import CampAnswers
from bot.concepts import (
    BETWEEN,
    CAMP_CLOSING_KINDS,
    DURATION,
    ERA_END,
    IN_DAYS,
    LASTING,
    MOST_BY_TOPIC,
    MOST_PHRASES,
    NATIONALITY,
    NTH,
    ORDINAL_ASK,
    RENEWAL,
    ROLE_WORDS,
    SCOPE_WORDS,
    SUPERLATIVE_WORDS,
    THANKS,
    TOPICS,
    WHEN_CLAUSE,
    WITHDRAWAL_KINDS,
    role_family,
)
from bot.dates import DateSpan
from bot.decide import CONFIDENT, RELATED_MARGIN
from bot.i18n import plain_number
from bot.knowledge import KnowledgeBase, KnowledgeError, Problem, load_knowledge
from bot.models import Answer, Match, PartialDate, Phrase, Topic
from bot.query import Entity, Lexicon, Question, comparison_halves
from bot.rank import EXACT_PHRASING, Candidate, Ranker
from bot.store import (
    Doc,
    FigureRow,
    Span,
    Store,
    Tenure,
    build_index,
    knowledge_fingerprint,
    read_meta,
    restore_last_good,
    verify_index,
)
from bot.text import WEAK_WORDS, fold, terms, tokens

MAX_TIMELINE_ITEMS = 12  # items of a list shown at once where there is no paging (console)
MAX_PAGED_ITEMS = 500  # items of a list an adapter with paging gets (Telegram)
# A curated FAQ phrasing this close to the question answers it, rather than a derivation.
CURATED_PHRASING = 0.85
@dataclass(frozen=True)
class EngineInfo:
    counts: dict[str, int]
    built_at: str
    fingerprint: str


def _span(span: DateSpan) -> Span:
    return (span.first, span.last, span.precision)


class Engine:
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.store = Store(db_path)
        self.lexicon = Lexicon(self.store)
        # The decision's settings: those in force, unless a fitting run tries others.
        self.thresholds = decide.IN_FORCE
        self.ranker = Ranker(self.store, self.lexicon)
        self.sources = self.store.sources()
        self.tenures = self.store.tenures()
        self.camps = CampAnswers(self.store, self.sources)
        meta = self.store.meta()
        self.info = EngineInfo(json.loads(meta.get("counts", "{}")), meta.get("built_at", ""),
                               meta.get("fingerprint", ""))
        self._featured = [compose.topic_for(d)
                          for d in self.store.docs(self.store.featured_ids())]

    def close(self) -> None:
        self.store.close()

    # --- questions ------------------------------------------------------------------------

    def ask(self, question: str, *, list_limit: int = MAX_TIMELINE_ITEMS) -> Answer:
        """The answer to a question; a list (events of a month, of a place) holds at most
        `list_limit` items, and says how many more it matched."""
        return self.answer(self.lexicon.parse(question), list_limit=list_limit)

    def answer(self, q: Question, *, list_limit: int = MAX_TIMELINE_ITEMS) -> Answer:
        if q.intent == "empty":
            return compose.smalltalk(q, "ask-me", self._featured[:5])
        if q.intent == "junk":
            return compose.smalltalk(q, "junk", self._featured[:5])
        if q.intent == "smalltalk":
            thanked = any(t in THANKS for t in fold(q.raw).split())
            return compose.smalltalk(q, "thanks" if thanked else "hello", self._featured[:5])
        if q.dates and all(s.first > ERA_END for s in q.dates):
            # A renewal in 2025, a camp in 2026: the mission was over; say so, not "no idea".
            return compose.decline(q, [], self._featured, Phrase.of("after-the-end"))
        if (q.dates and self._mandate_end is not None and "end" not in q.topics
                and ("mandate" in q.topics or RENEWAL.search(q.folded))
                and all(s.first > self._mandate_end for s in q.dates)):
            # "The 2024 mandate": the last one ran to 30 June 2023 (the resolutions say so).
            return compose.decline(q, [], self._featured, Phrase.of("after-the-end"))
        if any(e.kind == "mission" for e in q.entities):
            # Another mission: nothing here is about it, so no topic is close.
            return compose.decline(q, [], self._featured)
        if q.missing:
            return compose.decline(q, self._closest(q), self._featured)
        if q.intent == "dates":
            return self._on_dates(q, list_limit)
        if q.intent == "order":
            compared = self._compare(q)
            if compared is not None:
                return compared
        described = self._described_person(q)
        if described is not None:
            # "The Tunisian who ran the mission": the one holder of that office from there.
            named = self.lexicon.parse(f"{q.raw} ({described.name})")
            if q.answer_type == "who" and named.relation is None:
                return self._person_named(q, described)
            q = named
        ranked = self.ranker.rank(q)
        if q.intent == "listing" and not self._curated(q, ranked):
            return self._listing(q, list_limit)
        worked_out = self._derive(q, ranked)
        if worked_out is not None:
            return worked_out
        return self._decide(q, ranked)

    def topic(self, doc_id: str) -> Answer | None:
        """The full answer for one entry, as when a user picks a suggested topic."""
        doc = self.store.doc(doc_id)
        if doc is None:
            return None
        return Answer("fact", doc.title, 1.0, None, (compose.item_for(doc, self.sources),))

    def suggest(self, question: str, limit: int = 10) -> list[tuple[Topic, Answer]]:
        """Ranked answers for an inline query: only entries the engine is sure of."""
        q = self.lexicon.parse(question)
        if q.intent in ("smalltalk", "empty", "junk") or q.missing:
            return []
        if q.intent == "dates":
            docs = self.store.on_dates([_span(s) for s in q.dates], limit, q.direction)
        else:
            docs = [c.doc for c in self.ranker.rank(q, limit)
                    if c.score >= CONFIDENT and c.subject_ok]
        return [(compose.topic_for(d), self._single(d)) for d in docs[:limit]]

    def timeline(self, kinds: tuple[str, ...] = WITHDRAWAL_KINDS,
                 since: str = "2023-06-01") -> Answer:
        """The withdrawal chronology: every closure and handover in date order."""
        docs = self.store.events_of_kinds(kinds, since)
        return compose.timeline(None, Phrase.of("withdrawal-timeline", count=len(docs)), docs,
                                self.sources)

    def featured(self) -> list[Topic]:
        return list(self._featured)

    # --- routes ------------------------------------------------------------------------

    def _single(self, doc: Doc) -> Answer:
        return Answer("fact", doc.title, 1.0, None, (compose.item_for(doc, self.sources),))

    def _closest(self, q: Question) -> list[Candidate]:
        return self.ranker.rank(q, limit=5)

    def _words_of(self, text: str) -> set[str]:
        """A sentence's terms as a question's are read (folded, de-pluralised, aliased)."""
        return set(terms(text, self.lexicon.aliases))

    def _decide(self, q: Question, ranked: list[Candidate]) -> Answer:
        ranked = self.camps.before_steps(q, ranked)
        decision = decide.choose(q, ranked, df=self.lexicon.df, n_docs=self.lexicon.n_docs,
                                 thresholds=self.thresholds)
        if decision.kind == "answer":
            first_line = self._first_line(q, decision.best.doc)
            if first_line is None and decision.best.counted:
                value, word = decision.best.counted.split(" ", 1)
                first_line = Phrase.of("count-in-text", value=value, what=word)
            return compose.fact(q, decision.best, ranked, self.sources, first_line,
                                words_of=self._words_of)
        if decision.kind == "which-one":
            return compose.choice(q, decision.options, ranked)
        if decision.kind == "did-you-mean":
            return compose.did_you_mean(q, decision.best, ranked)
        return compose.decline(q, ranked, self._featured)

    def _first_line(self, q: Question, doc: Doc) -> Phrase | None:
        """What the question asks for, as the answer's first line, where the entry's own
        headline may not say it: the number of the measure asked ("how many"), the number of
        the resolution ("which resolution")."""
        if q.asks_resolution:
            numbers = [s.split()[1] for s in doc.subjects if s.startswith("resolution ")]
            if numbers and numbers[0] not in doc.headline:
                return Phrase.of("resolution-named", number=numbers[0])
            return None
        if q.answer_type != "how_many":
            return None
        wanted = derive.who_asked(tokens(q.raw))
        figures = [f for f in self.ranker.figures.get(doc.id, ())
                   if self.ranker.figure_fits(q, f)
                   and (wanted is None or derive.counts_civilians(f) in (wanted, None))]
        countries = {e.phrase.replace(" ", "_") for e in q.entities if e.kind == "country"}
        # The contingent named first; then, for a question without a date, the widest
        # period ("in total": 276 since 2013 before 26 in 2022).
        figures.sort(key=lambda f: (not (countries and countries <= set(f.countries.split())),
                                    f.first if not q.dates else "", f.last > f.first))
        if not figures:
            return None
        found = figures[0]
        who = found.who or (doc.main_subject or "")
        key = "figure" if who else "figure-plain"
        if found.year is not None:
            return Phrase.of(f"{key}-in", measure=found.what, value=found.value, who=who,
                             period=str(found.year))
        return Phrase.of(key, measure=found.what, value=found.value, who=who)

    def _on_dates(self, q: Question, limit: int) -> Answer:
        spans = [_span(s) for s in q.dates]
        docs = self.store.on_dates(spans, limit, q.direction)
        span = q.dates[0]
        where = f"on-{span.precision}" if q.direction == "on" else q.direction
        if not docs:
            topics = [compose.topic_for(d) for d in self.store.nearest_dated(span.first)]
            return Answer("unknown", q.raw, 0.0, Phrase.of(f"no-event-{where}",
                                                           date=span.date.iso),
                          topics=tuple(topics))
        total = self.store.count_on_dates(spans, q.direction)
        if total == 1:
            # One event that day: what happened, told in full, not a list of one title.
            return Answer("fact", q.raw, 1.0, None, (compose.item_for(docs[0], self.sources),),
                          matches=(Match(docs[0].id, docs[0].kind, docs[0].title, 1.0,
                                         docs[0].date, ("on the date asked",)),))
        key = "on" if q.direction == "on" else q.direction
        headline = Phrase.of(f"{key}-{'one' if total == 1 else 'many'}", date=span.date.iso,
                             count=total)
        precision = span.precision if q.direction == "on" else ""
        narrow = Phrase.of(f"narrow-{precision}" if precision in ("year", "month")
                           else "narrow-any")
        return compose.timeline(q, headline, docs, self.sources, total - len(docs), narrow)

    def _listing(self, q: Question, limit: int) -> Answer:
        """Everything the knowledge holds about one named thing, in date order."""
        entities = q.hard_entities or q.entities
        ids: set[str] | None = None
        for entity in entities:
            found = set(self.store.with_subject(entity.phrase, limit=10_000))
            ids = found if ids is None else ids & found
        docs = [d for d in self.store.docs(sorted(ids or ())) if d.kind == "event"]
        if q.dates:
            docs = [d for d in docs if any(d.overlaps(s.first, s.last) for s in q.dates)]
            if any(s.precision == "day" for s in q.dates):
                # Asked about a day: what is known to that day, before what a month or a
                # year merely includes.
                docs = [d for d in docs if d.precision == "day"] or docs
        docs.sort(key=lambda d: (d.date_lo or "", d.id))
        if not docs:
            return compose.decline(q, self._closest(q), self._featured)
        if len(docs) == 1:
            return Answer("fact", q.raw, 1.0, None, (compose.item_for(docs[0], self.sources),))
        label = " ".join(e.typed for e in entities)
        label = label[:1].upper() + label[1:]
        if q.dates:
            headline = Phrase.of("about-date-many", label=label, date=q.dates[0].date.iso,
                                 count=len(docs))
        else:
            headline = Phrase.of("about-many", label=label, count=len(docs))
        shown = docs[:limit]
        return compose.timeline(q, headline, shown, self.sources, len(docs) - len(shown),
                                Phrase.of("narrow-any"))

    def _compare(self, q: Question) -> Answer | None:
        """Two dated events in order: each half of the question is answered on its own."""
        halves = comparison_halves(q.raw)
        if halves is None:
            return None
        found = self._two_people(halves) or self._two_events(halves)
        return compose.comparison(q, found, self.sources) if found else None

    def _two_people(self, halves: tuple[str, str]) -> list[Candidate] | None:
        """Two people compared ("who was head of mission first, Annadif or Hamdi?"): each by
        the entry that opens their time in office, from the dates of appointments."""
        found: list[Candidate] = []
        for text in halves:
            people = [e for e in self.lexicon.parse(text).entities if e.kind == "person"]
            if len(people) != 1:
                return None
            line = [h for role in derive.roles_of(self.tenures, people[0].phrase)
                    for h in derive.holders(self.tenures, role) if h.person == people[0].phrase]
            if not line:
                return None
            first = min(line, key=lambda h: h.first)
            found.extend(Candidate(d, 1.0) for d in self.store.docs(first.doc_ids[:1]))
        return found if len(found) == 2 and found[0].id != found[1].id else None

    def _two_events(self, halves: tuple[str, str]) -> list[Candidate] | None:
        """The event each half of a question names, each found on its own."""
        parsed = [self.lexicon.parse(text) for text in halves]
        # A bare name ("... before Tessalit?") takes the other half's topic words.
        words = [[t.text for t in p.terms if t.text not in SCOPE_WORDS
                  and not any(t.text in e.phrase.split() for e in p.entities)] for p in parsed]
        found: list[Candidate] = []
        created = sorted(TOPICS["creation"].triggers)[0]
        for i, (text, sub) in enumerate(zip(halves, parsed, strict=True)):
            if not words[0] and not words[1] and all(
                    e.kind == "organisation" for e in sub.entities) and sub.terms:
                # The mission or a force named bare ("Serval or MINUSMA?") dates from its
                # start; a bare place ("Kidal or Tessalit?") from the mission leaving it.
                sub = self.lexicon.parse(f"{text} {created}")
            elif not words[i] and words[1 - i]:
                sub = self.lexicon.parse(f"{text} {' '.join(words[1 - i])}")
            best = next((c for c in self.ranker.rank(sub, limit=20)
                         if c.doc.kind == "event" and c.subject_ok), None)
            if best is None or best.score < CONFIDENT or any(best.id == f.id for f in found):
                return None
            found.append(best)
        return found

    # --- derivations -----------------------------------------------------------------------

    def _derive(self, q: Question, ranked: list[Candidate]) -> Answer | None:
        people = [e for e in q.entities if e.kind == "person"]
        if q.unknown:
            return None  # a name the knowledge lacks ("the DRC"): nothing to work out from
        if q.role and self._elsewhere(q):
            # "Who commanded EUTM Mali?": another organisation's office, not the mission's.
            q = replace(q, role=None)
        if (ranked and ranked[0].doc.kind == "faq" and ranked[0].score >= CONFIDENT
                and ranked[0].similarity >= EXACT_PHRASING):
            return None  # a question a curator wrote for one entry, word for word
        if (q.role and not people and q.superlative in ("first", "last") and not q.dates
                and q.answer_type in ("who", None) and self._bare(q)):
            # "Who was the first head of MINUSMA?": one person, even where an overview lists
            # them all.
            found = derive.end_holder(self.tenures, q.role, q.superlative)
            return self._holder_answer(q, found, f"{q.superlative}-holder")
        if q.series and q.measures and not q.dates and not [
                e for e in q.hard_entities if e.kind != "country"]:
            # "Killed each year": the series, even where an overview gives the total.
            found = derive.series(self._contingent_figures(q), q.measures,
                                  derive.who_asked(tokens(q.raw)))
            if found is not None:
                values = "; ".join(f"{year}: {' / '.join(plain_number(v) for v in vals)}"
                                   for year, vals in found.years)
                measure = "fatalities" if "fatalities" in q.measures else sorted(q.measures)[0]
                headline = Phrase.of("series", measure=measure, values=values)
                return compose.derived(q, found, headline, self.store.docs(found.doc_ids),
                                       self.sources)
        if self._curated(q, ranked):
            return None  # a curated answer to this very question
        if DURATION.search(q.folded):
            lasted = self._duration(q, people)
            if lasted is not None:
                return lasted
            if BETWEEN.search(q.raw):
                # "How many days between A and B?" asks a count no overview states.
                return compose.decline(q, ranked, self._featured)
        if people and NATIONALITY.search(q.folded):
            person = people[0].phrase
            found = derive.nationality(self.store.docs(self.store.with_subject(person)),
                                       person)
            if found is not None:
                headline = Phrase.of("nationality", person=found.name, country=found.country)
                return compose.derived(q, found, headline, self.store.docs(found.doc_ids),
                                       self.sources)
        if q.relation and people:
            # Only the dates of appointments say who came before or after whom.
            return (self._neighbour(q, people[0].phrase, q.relation)
                    or compose.decline(q, ranked, self._featured))
        if q.role and not people and q.answer_type == "who":
            clause = WHEN_CLAUSE.search(q.folded)
            if clause is not None:
                held = self._holder_when(q, clause[1])
                if held is not None:
                    return held
        if q.role and not people and not q.dates:
            counted = self._role_count_or_nth(q)
            if counted is not None:
                return counted
        if q.role and not people and q.answer_type in ("who", None) and self._bare(q):
            if q.superlative in ("first", "last") and not q.dates:
                found = derive.end_holder(self.tenures, q.role, q.superlative)
                return self._holder_answer(q, found, f"{q.superlative}-holder")
            if q.dates and q.answer_type == "who":
                found = derive.holder_at(self.tenures, q.role, q.dates[0])
                return self._holder_answer(q, found, "holder")
        places = [e for e in q.hard_entities if e.kind != "country"]
        if ORDINAL_ASK.search(q.folded) and people:
            ranked_person = self._person_rank(q, people[0].phrase)
            if ranked_person is not None:
                return ranked_person
        if ORDINAL_ASK.search(q.folded) and places:
            ranked_camp = self.camps.rank(q, places[0].phrase)
            if ranked_camp is not None:
                return ranked_camp
        if q.answer_type == "how_many" and "camps" in q.measures and (places or q.dates):
            return self.camps.count(q)
        if q.answer_type == "how_many" and q.measures and q.dates and not places:
            total = derive.year_total(self._contingent_figures(q), q.measures, q.dates[0],
                                      derive.who_asked(tokens(q.raw)))
            if total is not None and total.values:
                docs = self.store.docs(total.doc_ids)
                key = "year-total" if len(total.values) == 1 else "year-totals"
                values = " / ".join(plain_number(v) for v in total.values)
                headline = Phrase.of(key, period=q.dates[0].date.iso, values=values)
                return compose.derived(q, total, headline, docs, self.sources)
            return None
        if q.superlative == "most":
            return self._most(q)
        if q.superlative in ("first", "last") and q.defining_kinds and not q.role:
            return self._first_or_last(q, q.superlative)
        return None

    def _duration(self, q: Question, people: list[Entity]) -> Answer | None:
        """How long: between two events the question names, or a person's time in office."""
        between = BETWEEN.search(q.raw)
        if between is not None:
            found = self._two_events((between[1], between[2]))
            if not found:
                return None
            first, last = sorted((c.doc for c in found), key=lambda d: d.date_lo or "")
            if not (first.date_lo and last.date_lo):
                return None
            span = derive.Derived("duration", (first.id, last.id),
                                  span=(first.date_lo, last.date_lo))
            headline = Phrase.of("days-between",
                                 days=derive.days_between(first.date_lo, last.date_lo),
                                 first=first.date_lo, last=last.date_lo)
            return compose.derived(q, span, headline, [first, last], self.sources)
        if not people:
            return self._lasted(q)
        result = derive.tenure_length(self.tenures, people[0].phrase, q.role)
        if result is None:
            return None
        this = result.holders[0]
        start, end = result.span
        if IN_DAYS.search(q.folded):
            headline = Phrase.of("tenure-days", person=this.label(), role=result.role,
                                 days=derive.days_between(start, end), first=start, last=end)
        else:
            headline = Phrase.of("tenure-length", person=this.label(), role=result.role,
                                 months=derive.months_between(start, end), first=start,
                                 last=end)
        return compose.derived(q, result, headline, self.store.docs(result.doc_ids),
                               self.sources)

    def _lasted(self, q: Question) -> Answer | None:
        """How long something that lasted went on: the event the question names, sure and
        known with its last day (an operation, a phase, a visit)."""
        # The thing that lasted, asked without "how long" (which reads as "how many").
        sub = self.lexicon.parse(LASTING.sub(" ", DURATION.sub(" ", q.folded)))
        ranked = self.ranker.rank(sub, limit=10)
        # The best entry that lasted, sure and about as good as the best of all (an overview
        # of the liquidation ranks beside the event that spans it).
        best = next((c for c in ranked if c.doc.kind == "event" and c.subject_ok
                     and c.score >= max(CONFIDENT, ranked[0].score - RELATED_MARGIN)
                     and getattr(c.doc.entry, "end_date", None) is not None), None)
        doc = best.doc if best is not None else None
        if doc is None or not doc.date_lo or not doc.date_hi or doc.date_hi <= doc.date_lo:
            return None
        first, last = doc.date_lo, doc.date_hi
        found = derive.Derived("duration", (doc.id,), span=(first, last))
        days = derive.days_between(first, last) + 1  # both days count: 1-3 February is 3
        months = derive.months_between(first, last)
        entry = doc.entry
        title_fr = getattr(entry, "title_fr", None) or doc.headline
        if months < 2:
            headline = Phrase.of("lasted-days", event=doc.headline, event_fr=title_fr,
                                 days=days, first=first, last=last)
        else:
            headline = Phrase.of("lasted-months", event=doc.headline, event_fr=title_fr,
                                 months=months, first=first, last=last)
        return compose.derived(q, found, headline, [doc], self.sources)

    def _contingent_figures(self, q: Question) -> list[FigureRow]:
        """The figures for the mission, or for the contingent the question names."""
        named = {e.phrase.replace(" ", "_") for e in q.entities if e.kind == "country"}
        return [f for f in self.ranker.all_figures
                if set(f.countries.split()) == named
                or (named and named <= set(f.countries.split()))]

    def _bare(self, q: Question) -> bool:
        """Whether a question about an office asks nothing but the office and its period
        ("who was force commander in 2019?", not "who led the 2018 *independent review*?")."""
        return not [t for t in q.terms if t.known and t.text not in ROLE_WORDS
                    and t.text not in SCOPE_WORDS and t.text not in WEAK_WORDS
                    and t.text not in SUPERLATIVE_WORDS and t.text not in q.entity_words]

    @staticmethod
    def _curated(q: Question, ranked: Sequence[Candidate]) -> bool:
        """Whether the best candidate is a FAQ entry written for this very question."""
        if not ranked or ranked[0].doc.kind != "faq" or ranked[0].score < CONFIDENT:
            return False
        similarity = ranked[0].similarity
        return similarity >= EXACT_PHRASING or (similarity >= CURATED_PHRASING
                                                 and not q.dates)

    def _neighbour(self, q: Question, person: str, relation: str) -> Answer | None:
        found = derive.neighbour(self.tenures, person, q.role, relation)
        if found is None:
            return None
        role = found.role
        if found.kind.startswith("no-"):
            headline = Phrase.of(found.kind, person=found.holders[0].label(), role=role)
        else:
            this, *others = found.holders
            if len(others) == 1:
                headline = Phrase.of(relation, other=others[0].label(), person=this.label(),
                                     role=role)
            else:  # an acting holder in between, then the next one appointed
                near, far = (others[0], others[-1]) if relation == "successor" else (
                    others[-1], others[0])
                headline = Phrase.of(f"{relation}-acting", other=near.name, next=far.name,
                                     person=this.label(), role=role)
        docs = self.store.docs(found.doc_ids)
        return compose.derived(q, found, headline, docs, self.sources)

    def _described_person(self, q: Question) -> Tenure | None:
        """A question naming an office and a nationality but no person ("how long did the
        Rwandan general command the force?"), read with the one holder of that office from
        that country named, when there is exactly one."""
        countries = [e for e in q.entities if e.kind == "country"]
        if (q.role is None or len(countries) != 1 or q.dates
                or any(e.kind == "person" for e in q.entities)):
            return None
        country = countries[0].phrase.replace(" ", "_")
        posts = role_family(q.role)
        found = {t.person: t for t in self.tenures if t.role in posts
                 and country in self._tenure_countries.get(t.doc_id, ())}
        return next(iter(found.values())) if len(found) == 1 else None

    def _person_named(self, q: Question, tenure: Tenure) -> Answer:
        """Who the one holder of an office from a country was, with their time in it."""
        line = [h for post in role_family(tenure.role) for h in derive.holders(self.tenures,
                                                                             post)
                if h.person == tenure.person]
        holder = line[0]
        found = derive.Derived("holder", holder.doc_ids[:2], (holder,), tenure.role)
        countries = [c for d in self.store.docs(holder.doc_ids) for c in d.entry.countries]
        headline = Phrase.of("described-person", name=holder.label(), role=tenure.role,
                             country=countries[0] if countries else "", first=holder.took_office)
        return compose.derived(q, found, headline, self.store.docs(found.doc_ids), self.sources)

    @functools.cached_property
    def _tenure_countries(self) -> dict[str, tuple[str, ...]]:
        """Each office-holding entry's countries (folded): where its holder came from."""
        docs = self.store.docs(t.doc_id for t in self.tenures)
        return {d.id: tuple(d.countries.split()) for d in docs}

    def _elsewhere(self, q: Question) -> bool:
        """Whether a question about an office names another organisation, or a country no
        holder of the mission's offices came from (the UN force in Cyprus)."""
        # What the office is asked of, not the moment a "when" clause names ("who was head
        # of mission when Mikado FM was launched?").
        said = set(WHEN_CLAUSE.sub(" ", q.folded).split())
        named = [e for e in q.entities if set(e.phrase.split()) <= said]
        if any(e.kind == "organisation" and e.phrase not in SCOPE_WORDS for e in named):
            return True
        return any(e.kind == "country" and e.phrase not in self._office_countries
                   for e in named)

    @functools.cached_property
    def _mandate_end(self) -> dt.date | None:
        """The last day any resolution ran the mandate to."""
        ends = [end.first_day() for d in self.store.events_of_kinds(("mandate",), limit=100_000)
                if (end := getattr(d.entry, "mandate_until", None)) is not None]
        return max(ends, default=None)

    @functools.cached_property
    def _office_countries(self) -> frozenset[str]:
        """The countries of the mission's office holders, as questions name them."""
        return frozenset(c.replace("_", " ") for countries in self._tenure_countries.values()
                         for c in countries)

    def _role_count_or_nth(self, q: Question) -> Answer | None:
        """How many people held an office ("how many heads of mission?"), or its n-th holder
        ("the second force commander")."""
        assert q.role is not None
        if q.answer_type == "how_many":
            found = derive.holder_count(self.tenures, q.role)
            if found is None or found.value is None:
                return None
            line = [h for h in found.holders if not h.acting]
            acting = [h for h in found.holders if h.acting]
            key = "holder-count-acting" if acting else "holder-count"
            headline = Phrase.of(key, count=len(line), role=q.role,
                                 names=", ".join(h.name for h in line),
                                 acting=", ".join(h.name for h in acting))
            return compose.derived(q, found, headline, self.store.docs(found.doc_ids),
                                   self.sources)
        n = next((NTH[t] for t in q.folded.split() if t in NTH), None)
        if n is None or q.answer_type not in ("who", None):
            return None
        found = derive.nth_holder(self.tenures, q.role, n)
        if found is None:
            return None
        headline = Phrase.of("nth-holder", rank=n, role=q.role, name=found.holders[0].name,
                             total=found.compared)
        return compose.derived(q, found, headline, self.store.docs(found.doc_ids), self.sources)

    def _person_rank(self, q: Question, person: str) -> Answer | None:
        """Where a person came among those appointed to their office ("Wane est le
        combientième chef de la MINUSMA ?"): the 4th of 4."""
        found = derive.rank_among_appointed(self.tenures, person, q.role)
        if found is None or found.value is None:
            return None
        headline = Phrase.of("nth-holder", rank=int(found.value), role=found.role,
                             name=found.holders[0].name, total=found.compared)
        return compose.derived(q, found, headline, self.store.docs(found.doc_ids), self.sources)

    def _holder_when(self, q: Question, clause: str) -> Answer | None:
        """Who held an office at the moment a clause names ("when Mikado FM was launched"):
        the event it names, found on its own and sure, gives the day."""
        assert q.role is not None
        sub = self.lexicon.parse(clause)
        content = [t for t in sub.terms if t.known and t.text not in SCOPE_WORDS]
        if not (sub.entities or sub.dates or len(content) >= 2):
            return None  # "when the mission wound up" names no event of its own
        best = next((c for c in self.ranker.rank(sub, limit=10)
                     if c.doc.kind == "event" and c.subject_ok and c.doc.role is None), None)
        if (best is None or best.score < CONFIDENT or best.coverage < decide.COVER
                or not best.doc.date or not best.doc.date_lo):
            return None
        day = PartialDate.parse(best.doc.date)
        span = DateSpan(day, day.first_day(), day.first_day())
        found = derive.holder_at(self.tenures, q.role, span)
        if found is None:
            return None
        entry = best.doc.entry
        headline = Phrase.of("holder-when", names=", ".join(h.label() for h in found.holders),
                             role=q.role, date=best.doc.date, event=best.doc.headline,
                             event_fr=getattr(entry, "title_fr", None) or best.doc.headline)
        docs = self.store.docs((*found.doc_ids, best.doc.id))
        return compose.derived(q, found, headline, docs, self.sources)

    def _holder_answer(self, q: Question, found: derive.Derived | None, key: str
                       ) -> Answer | None:
        if found is None:
            return None
        names = ", ".join(h.label() for h in found.holders)
        role = found.role
        if key == "holder":
            headline = Phrase.of(key, names=names, role=role, period=q.dates[0].date.iso)
        else:
            headline = Phrase.of(key, name=names, role=role)
        return compose.derived(q, found, headline, self.store.docs(found.doc_ids), self.sources)

    def _scoped_docs(self, q: Question, docs: Sequence[Doc]) -> list[Doc]:
        """The entries among `docs` about every named thing of the question, in its dates, and
        saying its other words ("camp" in "which camp closed first?")."""
        kept = [d for d in docs if all(e.phrase in d.subjects for e in q.hard_entities)
                # "the last Barkhane soldiers": an organisation named is what it is about too
                and all(e.phrase in d.subjects or set(e.phrase.split()) <= d.key_terms
                        for e in q.entities if not e.hard)]
        # What the entry is (its title, subjects, tags), not what it mentions: a hangar handed
        # over "at the camp" is not a camp.
        words = q.other_words
        kept = [d for d in kept if all(w in d.key_terms for w in words)]
        if q.dates:
            kept = [d for d in kept if any(d.overlaps(s.first, s.last) for s in q.dates)]
        if q.kinds:
            kept = [d for d in kept if d.event_kind in q.kinds or d.kind == "faq"]
        return kept

    def _most(self, q: Question) -> Answer | None:
        measures = q.measures or next(
            (MOST_BY_TOPIC[t] for t in q.topics if t in MOST_BY_TOPIC), frozenset())
        if not measures:
            return None
        if "troops" in measures:
            # The most troops are a count of soldiers, never a ceiling nor all personnel.
            measures = frozenset({"troops"})
        figures = [f for f in self.ranker.all_figures if f.what in measures]
        if measures & {"killed", "wounded"}:
            # Attacks on the mission are compared on the mission's own toll, unless the
            # question asks about civilians.
            civilians = "people" in q.texts
            figures = [f for f in figures if derive.counts_civilians(f) == civilians]
        docs = self._scoped_docs(q, self.store.docs(f.doc_id for f in figures))
        docs = [d for d in docs if d.kind == "event"]
        found = derive.largest(figures, measures, {d.id for d in docs})
        if found is None or found.value is None:
            return None
        key = next((k for k, m in MOST_PHRASES.items() if measures & m), "most")
        headline = Phrase.of(key, count=found.compared, value=found.value)
        return compose.derived(q, found, headline, self.store.docs(found.doc_ids), self.sources)

    def _first_or_last(self, q: Question, which: str) -> Answer | None:
        kinds = q.defining_kinds
        if not kinds:
            return None
        if self.camps and set(kinds) <= set(CAMP_CLOSING_KINDS):
            camp = self.camps.first_or_last(q, which)
            if camp is not None:
                return camp
        if ("mandate" in kinds and RENEWAL.search(q.folded)
                and not [e for e in q.entities if e.kind != "resolution"]):
            # "The last renewal": among the resolutions that extended the mandate, whatever
            # else the question says of why it was the last.
            docs = derive.renewals(self.store.events_of_kinds(("mandate",), limit=100_000))
            docs = [d for d in docs if not q.dates
                    or any(d.overlaps(s.first, s.last) for s in q.dates)]
        else:
            docs = self._scoped_docs(q, self.store.events_of_kinds(kinds, limit=100_000))
        found = derive.first_or_last(docs, which)
        if found is None:
            return None
        headline = Phrase.of(f"{which}-of", count=found.compared)
        return compose.derived(q, found, headline, self.store.docs(found.doc_ids), self.sources)

@dataclass(frozen=True)
class Opened:
    """An engine, and how it was opened: on an index matching the knowledge ("current"), or,
    the knowledge being broken, on the index it had ("stale") or its last good copy
    ("last-good"); `problems` are then the knowledge's problems."""

    engine: Engine
    state: Literal["current", "stale", "last-good"] = "current"
    problems: tuple[Problem, ...] = ()

    @property
    def built_at(self) -> str:
        return self.engine.info.built_at


def open_engine(knowledge_dir: Path, db_path: Path, *, rebuild: bool = False) -> Engine:
    """An engine over an index that matches the knowledge files, building one if needed (also
    when the index is missing or fails its check).

    Raises KnowledgeError (with every problem) when the files do not validate.
    """
    fingerprint = knowledge_fingerprint(knowledge_dir) if knowledge_dir.is_dir() else ""
    meta = read_meta(db_path)
    if (rebuild or meta.get("fingerprint") != fingerprint or not fingerprint
            or verify_index(db_path) is not None):
        kb = load_knowledge(knowledge_dir)
        build_index(kb, db_path, fingerprint)
    return Engine(db_path)


def open_resilient(knowledge_dir: Path, db_path: Path) -> Opened:
    """Like `open_engine`, but a bot keeps serving when it can: with broken knowledge files it
    starts on the index it has, or on the last good copy, and says so.

    Raises KnowledgeError only when the knowledge is broken and no usable index exists.
    """
    try:
        return Opened(open_engine(knowledge_dir, db_path))
    except KnowledgeError as exc:
        problems = tuple(exc.problems)
        if verify_index(db_path) is None:
            return Opened(Engine(db_path), "stale", problems)
        if restore_last_good(db_path):
            return Opened(Engine(db_path), "last-good", problems)
        raise


def heal(knowledge_dir: Path, db_path: Path) -> tuple[Engine, str]:
    """A fresh engine after the index was found damaged: rebuilt from the knowledge, else
    restored from the last good copy. Returns the engine and how ("rebuilt", "last-good");
    raises the knowledge's problems when neither way works."""
    try:
        kb = load_knowledge(knowledge_dir)
    except KnowledgeError:
        if restore_last_good(db_path):
            return Engine(db_path), "last-good"
        raise
    build_index(kb, db_path, knowledge_fingerprint(knowledge_dir))
    return Engine(db_path), "rebuilt"


def rebuild(knowledge_dir: Path, db_path: Path) -> tuple[KnowledgeBase, Engine]:
    kb = load_knowledge(knowledge_dir)
    build_index(kb, db_path, knowledge_fingerprint(knowledge_dir))
    return kb, Engine(db_path)
