"""The domain's values: knowledge entries (validated by pydantic) and the engine's results.

Knowledge entries are pydantic dataclasses so that one declaration both documents a field and
validates it; everything here is frozen so an index can share them freely between requests.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)
from pydantic.dataclasses import dataclass as pydantic_dataclass

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

Precision = Literal["day", "month", "year"]
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class PartialDate:
    """A date known to the day, the month or only the year ("2023-11-18", "2023-11", "2023")."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, value: object) -> PartialDate:
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.datetime):
            raise ValueError("a date must not carry a time of day")
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        if not isinstance(value, str):
            raise ValueError("a date is YYYY-MM-DD, YYYY-MM or YYYY")
        m = _PARTIAL_DATE.match(value.strip())
        if not m:
            raise ValueError(f"{value!r} is not a date of the form YYYY-MM-DD, YYYY-MM or YYYY")
        year, month, day = (int(g) if g else None for g in m.groups())
        assert year is not None
        if month is not None and not 1 <= month <= 12:
            raise ValueError(f"{value!r} has no such month")
        if day is not None:
            assert month is not None
            dt.date(year, month, day)  # raises ValueError for 31 June and the like
        return cls(year, month, day)

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    @property
    def iso(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        if self.day is not None:
            return self.first_day()
        if self.month is None:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def human(self) -> str:
        if self.month is None:
            return str(self.year)
        if self.day is None:
            return f"{MONTHS[self.month - 1]} {self.year}"
        return f"{self.day} {MONTHS[self.month - 1]} {self.year}"

    def __str__(self) -> str:
        return self.iso


def _as_partial_date(value: Any) -> PartialDate:
    return PartialDate.parse(value)


DateField = Annotated[
    PartialDate,
    BeforeValidator(_as_partial_date),
    PlainSerializer(lambda d: d.iso, return_type=str),
]
EntryId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)]
Text = Annotated[str, Field(min_length=1), AfterValidator(str.strip)]
Url = Annotated[str, Field(pattern=r"^https?://\S+$")]
# A headline is read on its own (an inline result shared into another chat, the first line of
# an answer), so it never opens on a pronoun whose subject the reader cannot see.
_LEADING_PRONOUN = re.compile(
    r"^(?:it|its|they|their|he|she|his|her|il|elle|ils|elles|sa|son|ses|leur|leurs)\b",
    re.IGNORECASE)


def _stands_alone(text: str) -> str:
    if _LEADING_PRONOUN.match(text):
        raise ValueError(f"opens on a pronoun ({text.split()[0]!r}): name what it is about")
    return text


Headline = Annotated[Text, AfterValidator(_stands_alone)]


def _non_empty(items: tuple[str, ...]) -> tuple[str, ...]:
    if not items:
        raise ValueError("must list at least one")
    return items


NonEmptyIds = Annotated[tuple[EntryId, ...], AfterValidator(_non_empty)]
NonEmptyTexts = Annotated[tuple[Text, ...], AfterValidator(_non_empty)]

EventKind = Literal[
    "camp-closure",
    "handover",
    "withdrawal",
    "attack",
    "casualties",
    "mandate",
    "appointment",
    "leadership",
    "personnel",
    "budget",
    "statement",
    "operation",
    "incident",
    "milestone",
    "report",
    "award",
    "politics",
    "contingent",
]
Verification = Literal["un", "news", "secondary"]
AliasKind = Literal["place", "term", "person", "organisation", "country", "mission"]
# Offices whose holders follow one another, so "who came before X?" can be worked out from dates.
Role = Literal[
    "head-of-mission",
    "deputy-head-of-mission",
    "deputy-head-coordinator",
    "force-commander",
    "deputy-force-commander",
    "police-commissioner",
]
# What a figure counts. "killed"/"wounded"/"missing" are one event's toll; "fatalities" are the
# mission's own deaths over a period (a year, or the whole mission).
FigureKind = Literal[
    "killed",
    "wounded",
    "missing",
    "fatalities",
    "military-ceiling",
    "police-ceiling",
    "troops",
    "police",
    "civilian-staff",
    "personnel",
    "budget-usd",
    "camps",
    "contributing-countries",
    "displaced",
]
# Who publishes a source, from the most to the least trusted: the UN, its missions and
# governments; international agencies and newspapers of record; established Malian and African
# outlets; reposts, mirrors, blogs and digests.
PublisherKind = Literal["primary", "major", "regional", "aggregator"]
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
MAX_EVIDENCE_WORDS = 25
# The years the bot covers: the 2012 crisis that led to the mission, to the 2024 liquidation.
ERA = (2012, 2024)

_STRICT = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _short_quote(text: str) -> str:
    words = len(text.split())
    if words > MAX_EVIDENCE_WORDS:
        raise ValueError(f"a quote is at most {MAX_EVIDENCE_WORDS} words (this one has {words})")
    return text


Quote = Annotated[Text, AfterValidator(_short_quote)]


@pydantic_dataclass(config=_STRICT)
class Source:
    """A document a fact comes from."""

    id: EntryId
    title: Text
    publisher: Text
    date: DateField
    url: Url
    language: Literal["en", "fr", "de", "sw", "other"] = "en"
    # Verbatim extracts (at most 25 words each) backing the facts that cite this source, so a
    # curator can check every claim without re-reading the whole document.
    evidence: tuple[Quote, ...] = ()
    # The organisation whose text the page reprints ("AFP"), shown as "AFP, via <publisher>".
    original: Text | None = None
    # The kind of the [[publisher]] owning the URL's host: set by the loader, never written in
    # a knowledge file (the loader refuses it there).
    publisher_kind: PublisherKind | None = None


def _host(value: str) -> str:
    host = value.strip().lower()
    if not _HOST.match(host):
        raise ValueError(f"{value!r} is not a host name (write it as in an address: "
                         "news.un.org, without https:// or a path)")
    return host


Host = Annotated[str, AfterValidator(_host)]


@pydantic_dataclass(config=_STRICT)
class Publisher:
    """Who publishes on one or more hosts, and how far a newsroom would trust it."""

    name: Text
    kind: PublisherKind
    host: Host | None = None
    hosts: tuple[Host, ...] = ()
    note: Text | None = None
    # A content farm: a source on its hosts is refused, so it is never cited.
    banned: bool = False

    @model_validator(mode="after")
    def _hosts_given(self) -> Publisher:
        if not self.all_hosts():
            raise ValueError("give the publisher's host (or hosts)")
        if self.banned and self.kind != "aggregator":
            raise ValueError("only an aggregator can be banned")
        return self

    def all_hosts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(((self.host,) if self.host else ()) + self.hosts))


@pydantic_dataclass(config=_STRICT)
class Figure:
    """A number an entry states: a toll, a ceiling, a budget, a count."""

    what: FigureKind
    value: Annotated[float, Field(ge=0)]
    # Whose number it is when that matters ("peacekeepers", "civilians", "Chad").
    who: str = ""
    # The year a figure covers when it is not the entry's own date (a FAQ's per-year counts).
    year: Annotated[int, Field(ge=1990, le=2100)] | None = None
    # A UN budget year it covers, July to June ("2014/15"), when it is not the entry's date
    # (a budget is approved before the year it funds).
    period: Annotated[str, Field(pattern=r"^\d{4}/\d{2}$")] | None = None

    @model_validator(mode="after")
    def _one_period(self) -> Figure:
        if self.period is not None:
            if self.year is not None:
                raise ValueError("give a figure a year or a period, not both")
            start, end = self.period.split("/")
            if (int(start) + 1) % 100 != int(end):
                raise ValueError(f"period {self.period!r} is not two following years (2014/15)")
        return self

    def span(self) -> tuple[str, str] | None:
        """The days the figure covers when it says (its year or budget period), ISO."""
        if self.period is not None:
            start = int(self.period[:4])
            return f"{start}-07-01", f"{start + 1}-06-30"
        if self.year is not None:
            return f"{self.year}-01-01", f"{self.year}-12-31"
        return None


@pydantic_dataclass(config=_STRICT)
class Version:
    """One source's account of a fact on which sources disagree."""

    claim: Text
    sources: NonEmptyIds
    claim_fr: Text | None = None


@pydantic_dataclass(config=_STRICT)
class Event:
    """Something that happened on a date, told in our own words."""

    id: EntryId
    date: DateField
    title: Headline
    summary: Text
    kind: EventKind
    sources: NonEmptyIds
    places: tuple[Text, ...] = ()
    tags: tuple[Text, ...] = ()
    end_date: DateField | None = None
    verification: Verification = "un"
    versions: tuple[Version, ...] = ()
    # What the event is about, as structured subjects: the engine requires a question's
    # entities to be among them (a place merely mentioned in a summary is not a subject).
    people: tuple[Text, ...] = ()
    countries: tuple[Text, ...] = ()
    resolution: Annotated[int, Field(ge=1, le=9999)] | None = None
    role: Role | None = None
    acting: bool = False
    # With a role: "start" when the person took up the office (took command, arrived), "end"
    # when they left it; otherwise the event shows them named for it or in it.
    tenure: Literal["start", "end"] | None = None
    figures: tuple[Figure, ...] = ()
    mandate_until: DateField | None = None
    # Set when the event lies outside the mission's era (2012-2024) on purpose.
    outside_era: bool = False
    # Another event with the same kind, place and day that is a genuinely separate happening.
    distinct_from: tuple[EntryId, ...] = ()
    title_fr: Headline | None = None
    summary_fr: Text | None = None

    @model_validator(mode="after")
    def _tenure_has_role(self) -> Event:
        if self.tenure is not None and self.role is None:
            raise ValueError("tenure (start or end of an office) needs the event's role")
        return self

    @model_validator(mode="after")
    def _sane_dates(self) -> Event:
        if self.end_date is not None and self.end_date.last_day() < self.date.first_day():
            raise ValueError(f"end_date {self.end_date} is before date {self.date}")
        years = [self.date.year] + ([self.end_date.year] if self.end_date else [])
        if not self.outside_era and any(not ERA[0] <= y <= ERA[1] for y in years):
            raise ValueError(
                f"date {self.date} lies outside the mission's era ({ERA[0]}-{ERA[1]}); "
                "set outside_era = true if that is on purpose")
        return self


@pydantic_dataclass(config=_STRICT)
class FaqEntry:
    """A question users ask, in several phrasings, with a short fact and a cited answer."""

    id: EntryId
    questions: NonEmptyTexts
    fact: Headline
    answer: Text
    sources: NonEmptyIds
    title: Text | None = None
    tags: tuple[Text, ...] = ()
    verification: Verification = "un"
    versions: tuple[Version, ...] = ()
    kind: EventKind | None = None
    places: tuple[Text, ...] = ()
    people: tuple[Text, ...] = ()
    countries: tuple[Text, ...] = ()
    resolution: Annotated[int, Field(ge=1, le=9999)] | None = None
    figures: tuple[Figure, ...] = ()
    title_fr: Text | None = None
    fact_fr: Headline | None = None
    answer_fr: Text | None = None


@pydantic_dataclass(config=_STRICT)
class Alias:
    """Spellings and translations that mean the same place or term."""

    canonical: Text
    variants: NonEmptyTexts
    kind: AliasKind = "term"
    # Words that carry this meaning only when a user asks ("who ran MINUSMA?"); in the knowledge
    # texts they have other senses ("a liquidation phase ran until..."), so entries keep them.
    question_variants: tuple[Text, ...] = ()
    name_fr: Text | None = None  # a place's French name where it differs (Tombouctou)


CampKind = Literal["camp", "temporary-base"]
# The map's frame is Mali and its borders: a point outside this box is a typo (swapped?).
MALI_BOX = ((9.0, 26.0), (-13.0, 5.0))  # (south, north), (west, east)


def _near_mali(point: tuple[float, float]) -> tuple[float, float]:
    lat, lon = point
    (south, north), (west, east) = MALI_BOX
    if not (south <= lat <= north and west <= lon <= east):
        raise ValueError(f"{lat}, {lon} is not in or near Mali (latitude first, then longitude)")
    return point


@pydantic_dataclass(config=_STRICT)
class Camp:
    """One of the mission's sites (a camp or a temporary base), declared once: where it was
    and the event that closed it. How many camps, the first and last to close, the map and
    the timeline all read these, so no office, hangar or donation is ever counted as a camp."""

    id: EntryId
    name: Text  # "Kidal camp"
    place: Text  # the town, as an alias's canonical name
    region: Text  # its region (a place too), for "how many camps in the Kidal region?"
    coordinates: Annotated[tuple[float, float], AfterValidator(_near_mali)]
    closed_by: EntryId  # the camp-closure or handover event that ended it
    kind: CampKind = "camp"
    # Earlier handovers that were parts of it (an annex, a national camp inside the base).
    steps: tuple[EntryId, ...] = ()
    name_fr: Text | None = None
    note: Text | None = None


# --- What the engine returns -----------------------------------------------------------------

AnswerKind = Literal[
    "fact", "timeline", "comparison", "derived", "choice", "unknown", "smalltalk"
]


@dataclass(frozen=True)
class Phrase:
    """A sentence of the interface by its catalogue key (bot/i18n.py), with its parameters;
    renderers word it in the reader's language."""

    key: str
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, key: str, **params: object) -> Phrase:
        return cls(key, tuple((k, str(v)) for k, v in params.items()))

    def args(self) -> dict[str, str]:
        return dict(self.params)


@dataclass(frozen=True)
class Citation:
    source_id: str
    title: str
    publisher: str
    date: str  # ISO, as precise as known
    url: str


@dataclass(frozen=True)
class Match:
    """A knowledge entry (event or FAQ) scored against a question."""

    doc_id: str
    kind: Literal["event", "faq"]
    title: str
    score: float
    date: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Topic:
    """A suggestion: something the user may have meant."""

    doc_id: str
    title: str
    when: str = ""  # ISO date of an event
    title_fr: str = ""


@dataclass(frozen=True)
class Claim:
    """One version of a disputed fact, with its own citations."""

    text: str
    citations: tuple[Citation, ...]
    text_fr: str = ""


@dataclass(frozen=True)
class Item:
    """One cited statement of an answer: what it states first, its context, its sources."""

    title: str  # an event's title, or a FAQ entry's short fact
    context: str
    citations: tuple[Citation, ...]
    versions: tuple[Claim, ...] = ()
    secondary: bool = False
    doc_id: str | None = None
    when: str = ""  # ISO date of an event, as precise as known; "" for a FAQ entry
    until: str = ""  # ISO end date of an event that lasted
    title_fr: str = ""
    context_fr: str = ""


@dataclass(frozen=True)
class Answer:
    """What the engine says to a question; adapters render it."""

    kind: AnswerKind
    question: str
    confidence: float
    headline: Phrase | None = None
    items: tuple[Item, ...] = ()
    topics: tuple[Topic, ...] = ()  # "see also" after an answer, "closest topics" after none
    choices: tuple[Topic, ...] = ()  # "which one?": the candidates the question fits equally
    more: int = 0  # items matched but left out
    narrow: Phrase | None = None  # how to ask for fewer items, when some were left out
    matches: tuple[Match, ...] = field(default=(), compare=False)

    @property
    def is_answer(self) -> bool:
        """True when the engine stated cited facts rather than declining or asking back."""
        return self.kind in ("fact", "timeline", "comparison", "derived")
