"""A question suite generated from the knowledge itself, including questions the bot must refuse.

Positive questions come from templates over each entry's own subjects (English and French; when,
where, who, how many, what happened; with each spelling of its place); each expects one of the
entries the template fits. Negative questions swap the subject for something the knowledge has no
entry about: towns of Mali where the mission had no base, other UN missions, attributes it never
recorded, years without a figure, resolutions and people it does not hold. A generated question
is judged right, declined or wrong; "wrong" (a cited answer that is not the expected one, or any
cited answer to a question that must be refused) is the bug this suite exists to catch.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from bot.concepts import CAMP_CLOSING_KINDS, LEAVING_KINDS, SCOPE_WORDS, WITHDRAWAL_KINDS
from bot.i18n import human_date, role_name
from bot.knowledge import KnowledgeBase
from bot.models import Answer, Camp, Event
from bot.render import render_plain
from bot.store import alias_map, entry_subjects, known_entities
from bot.text import fold, terms

Verdict = Literal["right", "chose", "declined", "wrong"]
ATTACK_KINDS = ("attack",)
# Things MINUSMA had or did that the knowledge never counts.
ABSENT_ATTRIBUTES = ("helicopters", "armoured vehicles", "drones", "schools", "wells",
                     "hospitals", "doctors", "dogs", "tanks", "interpreters")
SPECIFIC_SOURCE = 3  # a source cited by this few entries backs one fact, not an overview
OTHER_PEOPLE = ("Nicholas Haysom", "Bintou Keita", "Parfait Onanga-Anyanga",
                "Valentine Rugwabiza", "Jean Arnault")


@dataclass(frozen=True)
class Generated:
    text: str
    template: str
    expect_ids: frozenset[str] = frozenset()  # any of these entries is a right answer
    expect: tuple[str, ...] = ()  # or: every one of these strings appears in the answer
    # or: an answer backed by one of these documents (the specific sources of the FAQ entry a
    # question was written for: a dated event from the same source answers it as well)
    expect_sources: frozenset[str] = frozenset()
    # or: an answer worked out from the knowledge's dates (a first, last, successor) that names
    # one of these people in its first line (a FAQ listing every holder of an office)
    expect_people: frozenset[str] = frozenset()

    @property
    def positive(self) -> bool:
        return bool(self.expect_ids or self.expect)


def judge(question: Generated, answer: Answer) -> Verdict:
    shown = {item.doc_id for item in answer.items}
    if not question.positive:
        return "wrong" if answer.is_answer else "declined"
    if answer.is_answer:
        if shown & question.expect_ids:
            return "right"
        text = render_plain(answer).casefold()
        if question.expect and all(e.casefold() in text for e in question.expect):
            return "right"
        cited = {c.source_id for item in answer.items[:1] for c in item.citations}
        if cited & question.expect_sources:
            return "right"
        if answer.kind == "derived" and answer.headline is not None:
            first_line = " ".join(v for _, v in answer.headline.params)
            if any(name in first_line for name in question.expect_people):
                return "right"
        return "wrong"
    if answer.kind == "choice" and {c.doc_id for c in answer.choices} & question.expect_ids:
        # Where the knowledge itself holds several entries fitting the question, asking
        # "which one?" is the right answer; otherwise it is a missed answer, counted apart.
        return "right" if len(question.expect_ids) > 1 else "chose"
    return "declined"


def _variants(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Every spelling of each aliased name, keyed by its folded canonical form."""
    found: dict[str, list[str]] = {}
    for alias in kb.aliases:
        if alias.kind in ("place", "person", "country", "organisation"):
            names = [alias.canonical, *alias.variants]
            found[fold(alias.canonical)] = list(dict.fromkeys(names))
    return found


class _Builder:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.aliases = alias_map(kb)
        entities = known_entities(kb, self.aliases)
        self.subjects = {e.id: entry_subjects(e, self.aliases, entities)
                         for e in kb.entries()}
        self.variants = _variants(kb)
        self.out: list[Generated] = []
        # Entries sharing a template's key are all right answers to it.
        self.by_place_kind: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.by_place_kind_year: dict[tuple[str, str, int], set[str]] = defaultdict(set)
        # Every place an event names, not only its first: "the 2016 attack on Mopti" fits an
        # ambush in the Mopti region whose first place is a town of it.
        self.by_any_place_kind_year: dict[tuple[str, str, int], set[str]] = defaultdict(set)
        self.by_day: dict[str, set[str]] = defaultdict(set)
        self.kinds = {e.id: e.kind for e in kb.events}
        for event in kb.events:
            main = self._main_place(event)
            group = self._group(event.kind)
            if main:
                self.by_place_kind[(main, group)].add(event.id)
                self.by_place_kind_year[(main, group, event.date.year)].add(event.id)
            for place in event.places:
                self.by_any_place_kind_year[(fold(place), group, event.date.year)].add(event.id)
            if event.date.precision == "day":
                self.by_day[event.date.iso].add(event.id)

    @staticmethod
    def _group(kind: str) -> str:
        if kind in LEAVING_KINDS:
            return "closure"
        if kind in ATTACK_KINDS:
            return "attack"
        return kind

    def _main_place(self, event: Event) -> str | None:
        return fold(event.places[0]) if event.places else None

    def add(self, text: str, template: str, ids: Iterable[str] = (),
            expect: Iterable[str] = (), sources: Iterable[str] = (),
            people: Iterable[str] = ()) -> None:
        self.out.append(Generated(text, template, frozenset(ids), tuple(expect),
                                  frozenset(sources), frozenset(people)))

    def spellings(self, name: str) -> list[str]:
        return self.variants.get(fold(name), [name])[:3]

    # --- positives ------------------------------------------------------------------

    def events(self) -> None:
        for event in self.kb.events:
            group = self._group(event.kind)
            place = event.places[0] if event.places else None
            if place and fold(place) in SCOPE_WORDS:
                place = None  # "when did MINUSMA leave Mali?" is about the mission, not a place
            key = fold(place) if place else None
            if (place and group == "closure" and event.date.precision == "day"
                    and event.kind in WITHDRAWAL_KINDS):
                ids = set(self.by_place_kind[(fold(place), group)])
                # Leaving a place is also the closing of its camp (knowledge/camps.toml): the
                # camp of that town or region, or the one an earlier handover there was part of.
                ids |= self._camp_closings(fold(place), ids)
                for spelling in self.spellings(place):
                    self.add(f"When did MINUSMA leave {spelling}?", "when-leave-place", ids)
                    self.add(f"Quand la MINUSMA a-t-elle quitté {spelling} ?",
                             "fr-when-leave-place", ids)
                if event.kind in CAMP_CLOSING_KINDS and not self.kb.camps:
                    camps = {i for i in ids if self.kinds[i] in CAMP_CLOSING_KINDS}
                    self.add(f"When was the {place} camp handed over?", "when-handover-place",
                             camps)
            if place and group == "attack":
                ids = self.by_any_place_kind_year[(key, group, event.date.year)]  # type: ignore[index]
                self.add(f"When was the attack on {place} in {event.date.year}?",
                         "when-attack-place-year", ids)
                self.add(f"Quand a eu lieu l'attaque de {place} en {event.date.year} ?",
                         "fr-when-attack-place-year", ids)
                killed = [f for f in event.figures if f.what == "killed"]
                if killed and len(ids) == 1:
                    value = f"{int(killed[0].value):,}"
                    self.add(f"How many people were killed in the {event.date.year} attack on "
                             f"{place}?", "how-many-killed-place-year", ids, [value])
            if place and event.date.precision == "day":
                day = human_date(event.date)
                ids = {i for i in self.by_day[event.date.iso]
                       if fold(place) in self.subjects[i] or i == event.id}
                self.add(f"What happened in {place} on {day}?", "what-place-day", ids)
            if event.date.precision == "day":
                self.add(f"What happened on {human_date(event.date)}?", "what-day",
                         self.by_day[event.date.iso])
                self.add(f"Que s'est-il passé le {human_date(event.date, 'fr')} ?",
                         "fr-what-day", self.by_day[event.date.iso])
            if event.resolution is not None:
                # The resolution's events and any overview written about it.
                same = {e.id for e in self.kb.entries() if e.resolution == event.resolution}
                self.add(f"When was resolution {event.resolution} adopted?",
                         "when-resolution", same)
                self.add(f"Quand la résolution {event.resolution} a-t-elle été adoptée ?",
                         "fr-when-resolution", same)
                self.add(f"What did resolution {event.resolution} decide?",
                         "what-resolution", same)
            if event.role and event.people:
                person = event.people[0]
                same = {e.id for e in self.kb.events
                        if e.role == event.role and e.people[:1] == (person,)}
                self.add(f"When did {person} become {role_name(event.role)}?",
                         "when-person-role", same)

    def _camp_closings(self, key: str, ids: set[str]) -> set[str]:
        """The camp closing that means leaving a place: the camp of that town, else the last
        camp of that region to close, and any camp an earlier handover in `ids` was part of."""
        events = {e.id: e for e in self.kb.events}
        found = {c.closed_by for c in self.kb.camps if set(c.steps) & ids}
        town = [c for c in self.kb.camps if fold(c.place) == key]
        region = sorted((c for c in self.kb.camps if fold(c.region) == key),
                        key=lambda c: events[c.closed_by].date.first_day())
        if town:
            found |= {c.closed_by for c in town}
        elif region:
            found.add(region[-1].closed_by)
        return found

    def orders(self) -> None:
        """"Which closed first, A or B?" over pairs of camp closures on different days; right
        when the answer puts the earlier one first."""
        closing = {c.closed_by for c in self.kb.camps}
        closures = sorted((e for e in self.kb.events if e.places and e.date.precision == "day"
                           and (e.id in closing if closing else e.kind == "camp-closure")),
                          key=lambda e: e.date.iso)
        places = {fold(e.places[0]) for e in closures}
        if len(places) < len(closures):
            return  # a place closed twice: "which closed first" would not name one event
        for first, later in zip(closures, closures[2:], strict=False):
            if first.date == later.date:
                continue
            expect = [f"First: {first.title}"]
            self.add(f"Which closed first, {later.places[0]} or {first.places[0]}?",
                     "order-closures", expect=expect)
            self.add(f"Lequel a fermé en premier, {first.places[0]} ou {later.places[0]} ?",
                     "fr-order-closures", expect=expect)

    def camps(self) -> None:
        """What the declared camps answer: when each was handed over, and per region how many
        there were and which closed first and last (right when the first line says so; the
        judge reads answers in English, whatever the question's language)."""
        events = {e.id: e for e in self.kb.events}
        ordered = sorted(self.kb.camps, key=lambda c: (events[c.closed_by].date.first_day(),
                                                       c.place))
        regions: dict[str, list[Camp]] = defaultdict(list)
        for camp in ordered:
            regions[camp.region].append(camp)
            self.add(f"When was the {camp.place} camp handed over?", "when-handover-place",
                     {camp.closed_by})
        for region, camps in regions.items():
            if len(camps) < 2:
                continue
            count = len(camps)
            self.add(f"How many camps did MINUSMA have in the {region} region?",
                     "how-many-camps-region", expect=[f"{count} of the mission's"])
            self.add(f"Combien de camps la MINUSMA avait-elle dans la région de {region} ?",
                     "fr-how-many-camps-region", expect=[f"{count} of the mission's"])
            self.add(f"Which was the last camp to close in the {region} region?",
                     "last-camp-region", expect=[camps[-1].name])
            self.add(f"Quel a été le premier camp fermé dans la région de {region} ?",
                     "fr-first-camp-region", expect=[camps[0].name])

    def successions(self) -> None:
        first: dict[tuple[str, str], tuple[str, str]] = {}
        for event in self.kb.events:
            if event.role and event.people:
                key = (event.role, event.people[0])
                day = event.date.first_day().isoformat()
                if key not in first or day < first[key][0]:
                    first[key] = (day, event.id)
        lines: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for (role, person), (day, _) in first.items():
            lines[role].append((day, person))
        for role, holders in lines.items():
            holders.sort()
            for (_, before), (_, after) in pairwise(holders):
                surname = after.split()[-1]
                self.add(f"Who succeeded {before} as {role_name(role)}?", "who-successor",
                         expect=[surname])
                self.add(f"Who came before {after} as {role_name(role)}?", "who-predecessor",
                         expect=[before.split()[-1]])

    def faqs(self) -> None:
        cited = Counter(s for e in self.kb.entries() for s in e.sources)
        for faq in self.kb.faqs:
            specific = {s for s in faq.sources if cited[s] <= SPECIFIC_SOURCE}
            for phrasing in faq.questions:
                self.add(phrasing.rstrip(" ?").lower(), "faq-lowercase", {faq.id},
                         sources=specific, people=faq.people)
                for place in faq.places[:1]:
                    for spelling in self.spellings(place)[1:2]:
                        if place in phrasing:
                            self.add(phrasing.replace(place, spelling), "faq-alias", {faq.id})

    # --- negatives ----------------------------------------------------------------------

    def swaps(self) -> None:
        subjects = Counter(s for found in self.subjects.values() for s in found)
        unbased = [a.canonical for a in self.kb.aliases if a.kind == "place"
                   and subjects[" ".join(terms(a.canonical, self.aliases))] == 0]
        missions = [a.canonical for a in self.kb.aliases if a.kind == "mission"]
        for town in unbased:
            self.add(f"When did MINUSMA leave {town}?", "swap-town-leave")
            self.add(f"Quand la MINUSMA a-t-elle quitté {town} ?", "swap-town-fr")
            self.add(f"When was the attack on {town}?", "swap-town-attack")
            self.add(f"How many peacekeepers were killed in {town}?", "swap-town-killed")
        for mission in missions:
            self.add(f"When did {mission} close its last camp?", "swap-mission-close")
            self.add(f"Who led {mission}?", "swap-mission-who")
            self.add(f"Quand la {mission} a-t-elle été créée ?", "swap-mission-fr")
        places = sorted({e.places[0] for e in self.kb.events if e.places})
        for thing in ABSENT_ATTRIBUTES:
            self.add(f"How many {thing} did MINUSMA have?", "swap-attribute")
            for place in places[:: max(1, len(places) // 6)]:
                self.add(f"How many {thing} did MINUSMA have in {place}?",
                         "swap-attribute-place")
        counted = {f.year or (e.date.year if isinstance(e, Event) else None)
                   for e in self.kb.entries() for f in e.figures
                   if f.what == "fatalities"}
        for year in range(2013, 2024):
            if year not in counted:
                self.add(f"How many peacekeepers died in {year}?", "swap-year-toll")
        held = {e.resolution for e in self.kb.events if e.resolution}
        for number in (2071, 2099, 2150, 2200, 2300, 2450, 2500, 2600, 2700, 2719):
            if number not in held:
                self.add(f"When was resolution {number} adopted?", "swap-resolution")
        known = {fold(p) for e in self.kb.entries() for p in e.people}
        known |= {fold(a.canonical) for a in self.kb.aliases if a.kind == "person"}
        for person in OTHER_PEOPLE:
            if fold(person) in known or fold(person).split()[-1] in known:
                continue  # the knowledge came to hold them
            self.add(f"When was {person} appointed head of mission?", "swap-person")
            self.add(f"Who succeeded {person}?", "swap-person-successor")


def generate(kb: KnowledgeBase) -> list[Generated]:
    builder = _Builder(kb)
    builder.events()
    builder.orders()
    builder.camps()
    builder.successions()
    builder.faqs()
    builder.swaps()
    unique: dict[str, Generated] = {}
    for question in builder.out:
        unique.setdefault(question.text, question)
    return list(unique.values())


def run(ask: Callable[[str], Answer], questions: Iterable[Generated]
        ) -> list[tuple[Generated, Answer, Verdict]]:
    results = []
    for question in questions:
        answer = ask(question.text)
        results.append((question, answer, judge(question, answer)))
    return results


def table(results: Iterable[tuple[Generated, Answer, Verdict]]) -> dict[str, Counter[str]]:
    """Verdicts per template, plus the positive and negative halves and the whole suite."""
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for question, _, verdict in results:
        half = "positive" if question.positive else "negative"
        for key in (question.template, f"all {half}", "all"):
            rows[key][verdict] += 1
    return dict(rows)
