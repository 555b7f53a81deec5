"""Small steps over the knowledge: facts no single entry states but its dates and figures give.

Each derivation returns the entries it rests on, so the answer cites their sources: who came
before or after whom in an office (from the dates of appointments), who held an office at a
date, the first or last of a kind, the largest figure of a kind (compared over the knowledge's
own figures, never a text's "the deadliest at the time"), and a year's own total.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from bot.concepts import CIVILIANS, MISSION_PEOPLE, role_family
from bot.dates import DateSpan
from bot.store import Doc, FigureRow, Tenure
from bot.text import terms


@dataclass(frozen=True)
class Holder:
    """One person's time in an office: named on their first dated entry in that role, in
    office from the day they took it up (where the knowledge says, else that first day) to the
    day they left (where it says)."""

    person: str
    name: str
    role: str
    first: str
    acting: bool
    doc_ids: tuple[str, ...]
    start: tuple[str, str] = ("", "")  # the day they took up the office, and its entry
    end: tuple[str, str] = ("", "")  # the day they left it, and its entry

    @property
    def took_office(self) -> str:
        return self.start[0] or self.first

    @property
    def start_doc(self) -> str:
        return self.start[1] or self.doc_ids[0]

    def label(self) -> str:
        return f"{self.name} (acting)" if self.acting else self.name


@dataclass(frozen=True)
class Derived:
    """A worked-out fact: what it says, and the entries (in order) it is worked out from."""

    kind: str  # successor, predecessor, holder, first, last, most, year-total
    doc_ids: tuple[str, ...]
    holders: tuple[Holder, ...] = ()
    role: str = ""
    value: float | None = None
    compared: int = 0  # how many entries a superlative was taken over
    values: tuple[float, ...] = ()  # every figure found, where counts differ
    years: tuple[tuple[int, tuple[float, ...]], ...] = ()  # a series: each year's values
    country: str = ""  # a person's nationality
    name: str = ""  # the person, as the knowledge writes the name
    span: tuple[str, str] = ("", "")  # a duration's first and last day, ISO


_MISSION_TOLL = ("peacekeeper", "minusma", "un personnel", "un police", "contractor", "casque")


def counts_civilians(figure: FigureRow) -> bool | None:
    """Whether a toll counts civilians (True), the mission's own people (False), or someone
    else (None: soldiers of Mali, attackers, armed groups)."""
    who = figure.who.casefold()
    if any(word in who for word in _MISSION_TOLL):
        return False
    if "civilian" in who or "people" in who or "villager" in who:
        return True
    return None


def who_asked(words: Iterable[str]) -> bool | None:
    """Whether a question asks about civilians (True), the mission's own people (False), or
    does not say (None), in the sense of `counts_civilians`; `words` are its tokens as typed
    (the aliases make "civilians" and "people" one term)."""
    said = set(words)
    if said & CIVILIANS:
        return True
    if said & MISSION_PEOPLE:
        return False
    return None


def holders(tenures: Iterable[Tenure], role: str) -> list[Holder]:
    """The people who held a role, in the order they took it up."""
    by_person: dict[str, list[Tenure]] = {}
    for tenure in tenures:
        if tenure.role == role:
            by_person.setdefault(tenure.person, []).append(tenure)
    found = []
    for person, rows in by_person.items():
        rows.sort(key=lambda t: (t.first, t.doc_id))
        starts = [(r.first, r.doc_id) for r in rows if r.step == "start"]
        ends = [(r.first, r.doc_id) for r in rows if r.step == "end"]
        found.append(Holder(person, rows[0].name, role, rows[0].first,
                            all(r.acting for r in rows), tuple(r.doc_id for r in rows),
                            starts[0] if starts else ("", ""), ends[-1] if ends else ("", "")))
    found.sort(key=lambda h: (h.first, h.person))
    return found


def roles_of(tenures: Iterable[Tenure], person: str) -> list[str]:
    return list(dict.fromkeys(t.role for t in tenures if t.person == person))


def _posts_of(tenures: Sequence[Tenure], person: str, role: str | None) -> list[str]:
    """The person's offices, within the family of the role asked: a deputy head's own post."""
    held = roles_of(tenures, person)
    if role is None:
        return held
    return [r for r in role_family(role) if r in held] or [role]


def places_in_line(tenures: Sequence[Tenure], person: str, role: str | None
                   ) -> Iterator[tuple[str, list[Holder], int]]:
    """Each of the person's offices (within the family of the role asked), with its holders
    in order and the person's place among them."""
    for office in _posts_of(tenures, person, role):
        line = holders(tenures, office)
        index = next((i for i, h in enumerate(line) if h.person == person), None)
        if index is not None:
            yield office, line, index


def rank_among_appointed(tenures: Sequence[Tenure], person: str, role: str | None
                         ) -> Derived | None:
    """Where a person came among those appointed to their office (acting ones aside)."""
    for office in ([role] if role else roles_of(tenures, person)):
        line = appointed(tenures, office)
        index = next((i for i, h in enumerate(line) if h.person == person), None)
        if index is not None:
            return Derived("nth", line[index].doc_ids[:2], (line[index],), office,
                           value=index + 1, compared=len(line))
    return None


def neighbour(tenures: Sequence[Tenure], person: str, role: str | None,
              direction: str) -> Derived | None:
    """Who held the person's office just before (predecessor) or after (successor) them."""
    for office, line, index in places_in_line(tenures, person, role):
        step = 1 if direction == "successor" else -1
        other = index + step
        if not 0 <= other < len(line):
            return Derived(f"no-{direction}", line[index].doc_ids, (line[index],), office)
        # An acting holder stands in between: the next one appointed is named too, since that
        # is whom people mean by "who replaced Koenders?" ("Akodjènou (acting), then Hamdi").
        others = [line[other]]
        while others[-1].acting and 0 <= other + step < len(line):
            other += step
            others.append(line[other])
        ids = [i for h in others for i in h.doc_ids] + list(line[index].doc_ids)
        return Derived(direction, tuple(dict.fromkeys(ids)), (line[index], *others), office)
    return None


def holder_at(tenures: Sequence[Tenure], role: str, span: DateSpan) -> Derived | None:
    """Whoever held a role (each post of its family) during a span: the last to take it up
    before the span (unless they had left by then), and anyone who took it up during it."""
    first, last = span.first.isoformat(), span.last.isoformat()
    found: list[Holder] = []
    for post in role_family(role):
        line = holders(tenures, post)
        before = sorted((h for h in line if h.took_office < first), key=lambda h: h.took_office)
        # The last to take it up before the span, unless they had left by then.
        if before and not (before[-1].end[0] and before[-1].end[0] < first):
            found.append(before[-1])
        found.extend(h for h in line if first <= h.took_office <= last)
    if not found:
        return None
    return Derived("holder", tuple(i for h in found for i in h.doc_ids[:1]), tuple(found), role)


def end_holder(tenures: Sequence[Tenure], role: str, which: str) -> Derived | None:
    """The first or last person to hold a role (in each post of its family), acting or not."""
    chosen: list[Holder] = []
    for post in role_family(role):
        line = holders(tenures, post)
        if not line:
            continue
        ordered = line if which == "first" else line[::-1]
        # The first or last one appointed, named first; an acting holder beyond them too.
        appointed = next((h for h in ordered if not h.acting), ordered[0])
        chosen.extend([appointed, *(h for h in ordered[: ordered.index(appointed)])])
    if not chosen:
        return None
    return Derived(which, tuple(i for h in chosen for i in h.doc_ids[:2]), tuple(chosen), role)


def appointed(tenures: Sequence[Tenure], role: str) -> list[Holder]:
    """The people appointed to a role (each post of its family), in order, acting ones aside."""
    return sorted((h for post in role_family(role) for h in holders(tenures, post)
                   if not h.acting), key=lambda h: (h.took_office, h.person))


def nth_holder(tenures: Sequence[Tenure], role: str, n: int) -> Derived | None:
    """The n-th person appointed to a role ("the second head of mission")."""
    line = appointed(tenures, role)
    if not 1 <= n <= len(line):
        return None
    chosen = line[n - 1]
    return Derived("nth", chosen.doc_ids[:2], (chosen,), role, value=n, compared=len(line))


def holder_count(tenures: Sequence[Tenure], role: str) -> Derived | None:
    """How many people held a role: those appointed, with the acting ones counted apart."""
    line = appointed(tenures, role)
    acting = [h for post in role_family(role) for h in holders(tenures, post) if h.acting]
    if not line:
        return None
    ids = tuple(i for h in line for i in h.doc_ids[:1])
    return Derived("count", ids, (*line, *acting), role, value=len(line),
                   values=(float(len(acting)),))


def first_or_last(docs: Sequence[Doc], which: str) -> Derived | None:
    """The earliest or latest of the dated entries given."""
    dated = sorted((d for d in docs if d.date_lo), key=lambda d: (d.date_lo or "", d.id))
    if not dated:
        return None
    chosen = dated[0] if which == "first" else dated[-1]
    same_day = [d for d in dated if d.date_lo == chosen.date_lo]
    return Derived(which, tuple(d.id for d in same_day), compared=len(dated))


def renewals(docs: Sequence[Doc]) -> list[Doc]:
    """The resolutions that renewed a mandate, in order: each runs it to a later date than
    every resolution before it (the one that ends it runs it to no later date)."""
    found: list[Doc] = []
    until = ""
    for doc in sorted(docs, key=lambda d: (d.date_lo or "", d.id)):
        entry = doc.entry
        end = getattr(entry, "mandate_until", None)
        if end is not None and end.iso > until:
            found.append(doc)
            until = end.iso
    return found


def largest(figures: Iterable[FigureRow], measures: frozenset[str],
            allowed: set[str] | None = None) -> Derived | None:
    """The entry (or entries, on a tie) with the largest figure of a kind."""
    rows = [f for f in figures if f.what in measures and (allowed is None or f.doc_id in allowed)]
    if not rows:
        return None
    best = max(f.value for f in rows)
    winners = tuple(dict.fromkeys(f.doc_id for f in rows if f.value == best))
    compared = len({f.doc_id for f in rows})
    return Derived("most", winners, value=best, compared=compared)


def year_total(figures: Iterable[FigureRow], measures: frozenset[str],
               span: DateSpan, civilians: bool | None = None) -> Derived | None:
    """A total the knowledge states for exactly the asked year (or period); of the mission's
    own people or of civilians when the question says which (`who_asked`)."""
    first, last = span.first.isoformat(), span.last.isoformat()
    rows = [f for f in figures if f.what in measures
            # a year's toll: the mission's deaths, or a civilian toll counted over the year
            and (f.what == "fatalities" or (civilians is True and counts_civilians(f)))
            and ((f.first, f.last) == (first, last)
                 or (f.year is not None and span.precision == "year"
                     and f.year == span.first.year))
            and (civilians is None or counts_civilians(f) in (civilians, None))]
    if not rows:
        return None
    values = tuple(sorted({f.value for f in rows}))
    return Derived("year-total", tuple(dict.fromkeys(f.doc_id for f in rows)),
                   value=values[0], values=values)


def series(figures: Iterable[FigureRow], measures: frozenset[str],
           civilians: bool | None = None) -> Derived | None:
    """A toll year by year: every calendar year's own total the knowledge states, each year
    with every value its sources give; the entries holding the most years cited first."""
    by_year: dict[int, set[float]] = {}
    holders: dict[str, set[int]] = {}
    for f in figures:
        if f.what not in measures or f.what != "fatalities" or not _calendar_year(f):
            continue
        if civilians is not None and counts_civilians(f) not in (civilians, None):
            continue
        year = int(f.first[:4])
        by_year.setdefault(year, set()).add(f.value)
        holders.setdefault(f.doc_id, set()).add(year)
    if len(by_year) < 2:
        return None
    ranked = sorted(holders, key=lambda d: (-len(holders[d]), d))
    years = tuple(sorted(by_year))
    return Derived("series", tuple(ranked[:3]), compared=len(years),
                   values=tuple(v for y in years for v in sorted(by_year[y])),
                   years=tuple((y, tuple(sorted(by_year[y]))) for y in years))


def _calendar_year(figure: FigureRow) -> bool:
    return (figure.first[:4] == figure.last[:4] and figure.first.endswith("-01-01")
            and figure.last.endswith("-12-31"))


def nationality(docs: Sequence[Doc], person: str) -> Derived | None:
    """Where a person came from: the country given by an entry about their own office (the
    person named first, with a role), earliest first."""
    wanted = set(person.split())
    for doc in sorted(docs, key=lambda d: (d.date_lo or "", d.id)):
        entry = doc.entry
        if (doc.role and entry.people and entry.countries
                and wanted <= set(terms(entry.people[0]))):
            return Derived("nationality", (doc.id,), country=entry.countries[0],
                           name=entry.people[0])
    return None


def tenure_length(tenures: Sequence[Tenure], person: str, role: str | None) -> Derived | None:
    """How long a person held an office: from taking it up to leaving it, or else to the next
    holder's taking it up."""
    for office, line, index in places_in_line(tenures, person, role):
        this = line[index]
        following = line[index + 1] if index + 1 < len(line) else None
        shown: tuple[Holder, ...]
        if this.end[0]:
            (end, end_doc), shown = this.end, (this,)
        elif following is not None:
            end, end_doc, shown = following.took_office, following.start_doc, (this, following)
        else:
            continue
        return Derived("duration", (this.start_doc, end_doc), shown, office,
                       span=(this.took_office, end))
    return None


def months_between(first: str, last: str) -> int:
    """Months between two ISO dates, to the nearest whole month (17 months and 21 days is
    18 months, as people count a tour of duty)."""
    a, b = sorted((dt.date.fromisoformat(first[:10]), dt.date.fromisoformat(last[:10])))
    months = (b.year - a.year) * 12 + b.month - a.month
    if b.day < a.day:
        months -= 1
        days = (b - _add_months(a, months)).days
    else:
        days = b.day - a.day
    return months + (1 if days >= 15 else 0)


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def days_between(first: str, last: str) -> int:
    """Days between two ISO dates."""
    a, b = sorted((dt.date.fromisoformat(first[:10]), dt.date.fromisoformat(last[:10])))
    return (b - a).days
