"""What the knowledge covers: events per year and kind, FAQ entries, sources, the Security
Council's resolutions, the mission's leaders, the countries its events name, and the gaps a
curator should fill.

`python -m bot stats` prints it; the knowledge README quotes it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.knowledge import KnowledgeBase
from bot.models import Event, FaqEntry
from bot.publishers import KIND_ORDER
from bot.tables import table

# The resolutions that created, renewed and ended the mission's mandate.
MANDATE_RESOLUTIONS = (2100, 2164, 2227, 2295, 2364, 2423, 2480, 2531, 2584, 2640, 2690)
YEARS = range(2013, 2025)
MIN_EVENTS_PER_YEAR = 15
LEADING_ROLES = ("head-of-mission", "force-commander")
# Events naming a country other than Mali, per country: mostly the contingents' stories, so a
# curator sees at once which of them is thin.
COUNTRIES_SHOWN = 30
HOST = "Mali"
# At most this share of citations may rest on aggregators (reposts, mirrors, blogs).
MAX_AGGREGATOR_SHARE = 0.10
UNKNOWN_KIND = "unknown"  # a source whose host has no [[publisher]]


@dataclass(frozen=True)
class Coverage:
    counts: dict[str, int]
    per_year: dict[int, int]
    per_year_by_day: dict[int, int]
    per_kind: dict[str, int]
    verification: dict[str, int]
    publishers: list[tuple[str, int]]
    resolutions: list[Event]
    leaders: list[tuple[str, str, str, str, bool]]  # role, person, nationality, from, acting
    countries: list[tuple[str, int, str, str]]  # country, events, first and last event day
    thin_years: list[int]
    missing_resolutions: list[int]
    # Citations (an entry citing a source, once per entry) per publisher kind, in KIND_ORDER.
    citations_by_kind: dict[str, int] = field(default_factory=dict)
    aggregator_only: list[str] = field(default_factory=list)  # entries citing nothing better
    reprints: int = 0  # sources naming the organisation whose text they reprint

    @property
    def aggregator_share(self) -> float:
        total = sum(self.citations_by_kind.values())
        return self.citations_by_kind.get("aggregator", 0) / total if total else 0.0


def cited_ids(entry: Event | FaqEntry) -> list[str]:
    """The sources an entry cites, each once, its versions' included."""
    return list(dict.fromkeys((*entry.sources, *(s for v in entry.versions for s in v.sources))))


def citation_mix(kb: KnowledgeBase) -> tuple[dict[str, int], list[str]]:
    """Citations per publisher kind, and the entries whose every source is an aggregator."""
    counts: dict[str, int] = dict.fromkeys(KIND_ORDER, 0)
    alone = []
    for entry in kb.entries():
        kinds = [kb.sources[s].publisher_kind or UNKNOWN_KIND
                 for s in cited_ids(entry) if s in kb.sources]
        for kind in kinds:
            counts[kind] = counts.get(kind, 0) + 1
        if kinds and all(k == "aggregator" for k in kinds):
            alone.append(entry.id)
    return counts, alone


def coverage(kb: KnowledgeBase) -> Coverage:
    per_year = Counter(e.date.year for e in kb.events)
    by_day = Counter(e.date.year for e in kb.events if e.date.precision == "day")
    first_in_role: dict[tuple[str, str], Event] = {}
    for event in kb.events:  # sorted by date
        if event.role in LEADING_ROLES and event.people:
            first_in_role.setdefault((event.role, event.people[0]), event)
    leaders = [(role, person, ", ".join(e.countries), e.date.iso, e.acting)
               for (role, person), e in first_in_role.items()]
    leaders.sort(key=lambda row: (row[0], row[3]))
    resolutions: dict[int, Event] = {}
    for event in kb.events:
        if event.resolution and event.kind == "mandate":
            resolutions.setdefault(event.resolution, event)
    by_country: dict[str, list[Event]] = {}
    for event in kb.events:
        for country in event.countries:
            if country != HOST:
                by_country.setdefault(country, []).append(event)
    countries = sorted(((c, len(es), es[0].date.iso, es[-1].date.iso)
                        for c, es in by_country.items()), key=lambda row: (-row[1], row[0]))
    mix, alone = citation_mix(kb)
    return Coverage(
        counts=kb.counts(),
        per_year=dict(sorted(per_year.items())),
        per_year_by_day=dict(by_day),
        per_kind=dict(Counter(e.kind for e in kb.events).most_common()),
        verification=dict(Counter(e.verification for e in kb.entries()).most_common()),
        publishers=Counter(s.publisher for s in kb.sources.values()).most_common(15),
        resolutions=[resolutions[n] for n in sorted(resolutions)],
        leaders=leaders,
        countries=countries[:COUNTRIES_SHOWN],
        thin_years=[y for y in YEARS if per_year.get(y, 0) < MIN_EVENTS_PER_YEAR],
        missing_resolutions=[n for n in MANDATE_RESOLUTIONS if n not in resolutions],
        citations_by_kind=mix,
        aggregator_only=alone,
        reprints=sum(1 for s in kb.sources.values() if s.original),
    )


def _figure(event: Event, what: str) -> str:
    found = [f for f in event.figures if f.what == what]
    return f"{int(found[0].value):,}" if found else "-"


def report(cover: Coverage) -> str:
    """The coverage as markdown tables."""
    c = cover.counts
    parts = [f"# Knowledge coverage\n\n{c['events']} events, {c['faq']} FAQ entries, "
             f"{c['sources']} sources, {c['aliases']} aliases."]
    parts.append("## Events per year\n\n" + table(
        ["year", "events", "known to the day"],
        [[str(y), str(n), str(cover.per_year_by_day.get(y, 0))]
         for y, n in cover.per_year.items()]))
    parts.append("## Events per kind\n\n" + table(
        ["kind", "events"], [[k, str(n)] for k, n in cover.per_kind.items()]))
    parts.append("## How entries are verified\n\n" + table(
        ["verification", "entries"], [[k, str(n)] for k, n in cover.verification.items()]))
    parts.append("## Sources per publisher (the 15 most cited)\n\n" + table(
        ["publisher", "sources"], [[p, str(n)] for p, n in cover.publishers]))
    total = sum(cover.citations_by_kind.values())
    parts.append("## Citations per publisher kind\n\n" + table(
        ["kind", "citations", "share"],
        [[k, str(n), f"{n / total:.0%}" if total else "-"]
         for k, n in cover.citations_by_kind.items()]
        + [["all", str(total), "100%" if total else "-"]])
        + f"\n\n{cover.reprints} sources name the organisation whose text they reprint.")
    parts.append("## Security Council resolutions\n\n" + table(
        ["resolution", "adopted", "mandate until", "military ceiling", "police ceiling"],
        [[str(e.resolution), e.date.iso, e.mandate_until.iso if e.mandate_until else "-",
          _figure(e, "military-ceiling"), _figure(e, "police-ceiling")]
         for e in cover.resolutions]))
    parts.append("## Heads of mission and force commanders\n\n" + table(
        ["role", "person", "nationality", "first dated entry", "acting"],
        [[role, person, nationality or "-", start, "yes" if acting else ""]
         for role, person, nationality, start, acting in cover.leaders]))
    parts.append(f"## Countries named by events (the {COUNTRIES_SHOWN} most named, Mali aside)\n\n"
                 + table(["country", "events", "first", "last"],
                         [[c, str(n), first, last] for c, n, first, last in cover.countries]))
    gaps = []
    if cover.thin_years:
        gaps.append(f"- years with fewer than {MIN_EVENTS_PER_YEAR} events: "
                    + ", ".join(map(str, cover.thin_years)))
    if cover.missing_resolutions:
        gaps.append("- mandate resolutions without an entry: "
                    + ", ".join(map(str, cover.missing_resolutions)))
    if cover.aggregator_share > MAX_AGGREGATOR_SHARE:
        gaps.append(f"- {cover.aggregator_share:.0%} of citations rest on aggregators (at most "
                    f"{MAX_AGGREGATOR_SHARE:.0%}): cite the UN or a major outlet instead")
    if cover.citations_by_kind.get(UNKNOWN_KIND):
        gaps.append(f"- {cover.citations_by_kind[UNKNOWN_KIND]} citations of sources without "
                    "a [[publisher]]")
    if cover.aggregator_only:
        gaps.append("- entries citing aggregators only: " + ", ".join(cover.aggregator_only))
    parts.append("## Gaps\n\n" + ("\n".join(gaps) if gaps else "None found."))
    return "\n\n".join(parts)
