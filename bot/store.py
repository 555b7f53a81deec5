"""The SQLite index: its schema, its atomic build, and every SQL statement the bot runs.

Nothing outside this module writes SQL or reads a row: callers get typed records (`Doc`,
`Source`, `Tenure`, `FigureRow`). The file is built with sqlite-utils into a temporary file
beside the target and renamed over it, so readers never see half an index. Browse it with
`datasette data/index.sqlite`.

Tables: `sources`, `docs` (events and FAQ entries, with FTS5 over their folded terms),
`subjects` (what each entry is about), `figures`, `tenures`, `camps` (the mission's sites and
the events that closed them), `faq_questions`, `aliases`, `vocab` (term document frequencies)
and `meta`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import sqlite_utils
from pydantic import TypeAdapter

from bot.concepts import SCOPE_WORDS
from bot.dates import find_dates
from bot.knowledge import KnowledgeBase, knowledge_files, read_bounded
from bot.models import Event, FaqEntry, PartialDate, Source
from bot.progress import Progress
from bot.text import AliasMap, fold, longest_phrases, terms
from bot.textfigures import tolls

SCHEMA_VERSION = 8
# SQLite's application_id marks the file as this bot's index ("MNSM"); the bot never writes over
# a file that lacks it, so a mistyped --db cannot destroy somebody else's data.
APPLICATION_ID = 0x4D4E534D
_INDEX_CODE = [Path(__file__), Path(__file__).with_name("text.py"),
               Path(__file__).with_name("textfigures.py"),
               Path(__file__).with_name("dates.py")]
_EVENT = TypeAdapter(Event)
_FAQ = TypeAdapter(FaqEntry)
_SOURCE = TypeAdapter(Source)
# The mission's whole life: the period of a figure that names no year of its own (a FAQ total).
MISSION_SPAN = ("2013-04-25", "2024-12-31")
# Entries telling one happening, whose summary's tolls are that happening's (not a period's
# running total, as a casualties overview or a statement may give).
TOLL_TEXT_KINDS = frozenset({"attack", "incident", "camp-closure", "handover", "withdrawal",
                             "operation", "report"})
LONGEST_NAME = 4  # words in the longest name a title or tag is searched for

SubjectKind = Literal["place", "person", "country", "organisation", "resolution", "term"]


class ForeignFileError(Exception):
    """The index path holds a file this bot did not create; it is never overwritten."""


@dataclass(frozen=True)
class BuildStats:
    path: Path
    counts: dict[str, int]
    seconds: float


@dataclass(frozen=True)
class FigureRow:
    doc_id: str
    what: str
    value: float
    who: str
    first: str  # ISO day the figure's period starts
    last: str
    year: int | None  # the figure's own year, when the entry gave one
    countries: str = ""  # the entry's countries, folded: a contingent's own figure
    kind: str = ""  # the entry's kind
    period: bool = False  # it covers a budget year of its own, not the entry's date


@dataclass(frozen=True)
class Camp:
    """One of the mission's sites as declared in the knowledge, with the day it closed."""

    id: str
    name: str
    name_fr: str
    kind: str  # "camp" or "temporary-base"
    place: str  # as written ("Sévaré")
    place_fr: str  # the place's French name ("Tombouctou")
    region: str
    region_fr: str
    lat: float
    lon: float
    closed_by: str  # the event that closed it
    closed: str  # that event's ISO date, as precise as known
    steps: tuple[str, ...]  # earlier handovers that were parts of it
    place_key: str  # the place and region as questions' entities name them ("sevare")
    region_key: str

    @property
    def closed_on(self) -> dt.date:
        return PartialDate.parse(self.closed).first_day()


@dataclass(frozen=True)
class Tenure:
    """One appointment or change of command: a person taking a role on a date."""

    doc_id: str
    role: str
    person: str  # folded terms, as subjects are
    name: str  # as written in the entry
    acting: bool
    first: str
    step: str = ""  # "start" (took up the office), "end" (left it) or "" (named, in office)


@dataclass(frozen=True)
class Doc:
    """An event or FAQ entry as indexed: what ranking needs, and the entry itself on demand."""

    id: str
    kind: Literal["event", "faq"]
    title: str
    date: str | None
    date_lo: str | None
    date_hi: str | None
    precision: str | None
    event_kind: str | None
    subjects: frozenset[str]  # folded subject phrases: "kidal", "bert koenders", "resolution 2100"
    main_subject: str | None  # what it is most about: its first place, person, country...
    about_terms: frozenset[str]  # words of its title, tags, subjects and kind
    key_terms: frozenset[str]
    title_terms: str
    text_terms: frozenset[str]
    has_people: bool
    has_places: bool
    countries: str  # its structured countries, folded, space-separated
    role: str | None
    payload: str

    @cached_property
    def headline(self) -> str:
        """What the entry states first: an event's title, a FAQ entry's short fact."""
        entry = self.entry
        return entry.title if isinstance(entry, Event) else entry.fact

    @cached_property
    def entry(self) -> Event | FaqEntry:
        if self.kind == "event":
            return _EVENT.validate_json(self.payload)
        return _FAQ.validate_json(self.payload)

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        if not self.date_lo or not self.date_hi:
            return False
        return self.date_lo <= last.isoformat() and self.date_hi >= first.isoformat()


# --- Building -------------------------------------------------------------------------------


def knowledge_fingerprint(directory: Path) -> str:
    """A hash of every live knowledge file and of the code that shapes the index.

    The code is included so that an upgrade which changes folding or the schema rebuilds an
    index left over from the previous version instead of querying it with new rules.
    """
    digest = hashlib.sha256(str(SCHEMA_VERSION).encode())
    for module in _INDEX_CODE:
        digest.update(module.read_bytes())
    for path in knowledge_files(directory):
        digest.update(str(path.relative_to(directory)).encode())
        digest.update(b"\0")
        try:
            digest.update(read_bounded(path))
        except OSError as exc:  # loading reports it, with the file's name
            digest.update(f"unreadable: {exc}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


def alias_map(kb: KnowledgeBase, *, questions: bool = False) -> AliasMap:
    """The aliases applied to entries, or (questions=True) to what users ask, which adds the
    question-only variants."""
    aliases = AliasMap()
    for alias in kb.aliases:
        variants = [*alias.variants, *(alias.question_variants if questions else ())]
        aliases.add(alias.canonical, variants, place=alias.kind == "place")
    return aliases


def phrasing_terms(question: str, aliases: AliasMap) -> str:
    """A FAQ phrasing's terms as a question's are compared with them: dates written out the
    same way whatever the language ("janvier 2023" and "January 2023" are "2023 01")."""
    dates, rest = find_dates(question)
    return " ".join([*terms(rest, aliases), *(d.date.iso.replace("-", " ") for d in dates)])


def _phrase(text: str, aliases: AliasMap) -> str:
    return " ".join(terms(text, aliases))


def known_entities(kb: KnowledgeBase, aliases: AliasMap) -> dict[str, SubjectKind]:
    """Every named thing the knowledge knows, as a folded phrase: aliased places, people,
    countries and organisations, and every entry's structured subjects."""
    found: dict[str, SubjectKind] = {}
    for alias in kb.aliases:
        if alias.kind in ("place", "person", "country", "organisation"):
            phrase = _phrase(alias.canonical, aliases)
            if phrase and phrase not in SCOPE_WORDS:
                found.setdefault(phrase, alias.kind)
    for entry in kb.entries():
        for phrase, kind in _structured_subjects(entry, aliases):
            found.setdefault(phrase, kind)
    return found


def _structured_subjects(entry: Event | FaqEntry,
                         aliases: AliasMap) -> Iterator[tuple[str, SubjectKind]]:
    """Most telling first: a resolution, then for a change of command the person, else the
    place; an entry's first subject is its main one."""
    if entry.resolution is not None:
        yield f"resolution {entry.resolution}", "resolution"
    groups: list[tuple[str, tuple[str, ...]]] = [
        ("place", entry.places), ("person", entry.people), ("country", entry.countries)]
    if isinstance(entry, Event) and entry.role:
        groups.insert(0, groups.pop(1))
    for kind, names in groups:
        for name in names:
            phrase = _phrase(name, aliases)
            if phrase and phrase not in SCOPE_WORDS:
                yield phrase, kind  # type: ignore[misc]


def entry_subjects(entry: Event | FaqEntry, aliases: AliasMap,
                   entities: dict[str, SubjectKind]) -> dict[str, SubjectKind]:
    """What an entry is about: its structured subjects, and the named things its title, tags and
    (for a FAQ entry) its questions name. A summary only mentions things in passing, so it adds
    none."""
    subjects = dict(_structured_subjects(entry, aliases))
    title = entry.title or ""
    french = entry.title_fr or ""
    named = [title, french, *entry.tags]
    if isinstance(entry, FaqEntry):
        named.extend(entry.questions)  # a curated question names what its entry answers about
    words = terms(" ".join(named).replace(",", " "), aliases)
    for _, _, phrase in longest_phrases(words, entities, LONGEST_NAME):
        subjects.setdefault(phrase, entities[phrase])
    return subjects


def main_subject(entry: Event | FaqEntry, subjects: dict[str, SubjectKind],
                 aliases: AliasMap) -> str | None:
    """What an entry is above all about: the first place its title names, else the first
    person it names (a swearing-in is about who is sworn in), else its first subject."""
    if isinstance(entry, Event) and entry.role and entry.people:
        return _phrase(entry.people[0], aliases)  # a change of command is about who takes it
    title = f" {_phrase(entry.title or '', aliases)} "
    named = [p for p in subjects if f" {p} " in title]
    for kind in ("resolution", "place", "person"):
        found = [p for p in named if subjects[p] == kind]
        if found:
            return min(found, key=lambda p: title.index(f" {p} "))
    return next(iter(subjects), None)


def entry_texts(entry: Event | FaqEntry) -> tuple[str, str]:
    """The key text (what the entry is) and the full text (everything said about it).

    French titles and summaries are part of the text, so a French question finds its entry
    through its own words.
    """
    subjects = [*entry.places, *entry.people, *entry.countries, *entry.tags]
    if entry.resolution is not None:
        subjects.append(f"resolution {entry.resolution}")
    kind_words = (entry.kind or "").replace("-", " ")
    if isinstance(entry, Event):
        role = (entry.role or "").replace("-", " ")
        key = " ".join([entry.title, entry.title_fr or "", *subjects, kind_words, role])
        full = " ".join([key, entry.summary, entry.summary_fr or "",
                         *(v.claim for v in entry.versions),
                         *(v.claim_fr or "" for v in entry.versions)])
    else:
        key = " ".join([entry.title or "", entry.title_fr or "", *subjects, kind_words,
                        entry.fact, entry.fact_fr or ""])
        full = " ".join([key, entry.answer, entry.answer_fr or "",
                         *(v.claim for v in entry.versions),
                         *(v.claim_fr or "" for v in entry.versions)])
    return key, full


def _doc_rows(kb: KnowledgeBase, aliases: AliasMap, asked: AliasMap,
              subjects: dict[str, dict[str, SubjectKind]]) -> Iterator[dict[str, Any]]:
    for entry in kb.entries():
        key, full = entry_texts(entry)
        about = " ".join([entry.title or "", entry.title_fr or "", *entry.tags,
                          *entry.places, *entry.people, *entry.countries,
                          (entry.kind or "").replace("-", " ")])
        row: dict[str, Any] = {
            "id": entry.id,
            "event_kind": entry.kind,
            "about_terms": " ".join(sorted(set(terms(about, aliases)))),
            "subjects": json.dumps(sorted(subjects[entry.id])),
            "main_subject": main_subject(entry, subjects[entry.id], aliases),
            "has_people": int(bool(entry.people)),
            "has_places": int(bool(entry.places)),
            "countries": " ".join(_phrase(c, aliases) for c in entry.countries),
            "role": entry.role if isinstance(entry, Event) else None,
        }
        if isinstance(entry, Event):
            end = entry.end_date or entry.date
            row.update(
                kind="event", title=entry.title, date=entry.date.iso,
                date_lo=entry.date.first_day().isoformat(), date_hi=end.last_day().isoformat(),
                precision=entry.date.precision,
                key_terms=" ".join(sorted(set(terms(key, aliases)))),
                title_terms=_phrase(entry.title, aliases),
                text=" ".join(terms(full, aliases)),
            )
        else:
            # A FAQ's phrasings are questions, aliased as questions are.
            phrasings = terms(" ".join(entry.questions), asked)
            row.update(
                kind="faq", title=entry.title or entry.questions[0], date=None, date_lo=None,
                date_hi=None, precision=None,
                key_terms=" ".join(sorted({*terms(key, aliases), *phrasings})),
                title_terms=(_phrase(entry.title, aliases) if entry.title
                             else " ".join(terms(entry.questions[0], asked))),
                text=" ".join([*terms(full, aliases), *phrasings]),
            )
        row["payload"] = (_EVENT.dump_json(entry) if isinstance(entry, Event)
                          else _FAQ.dump_json(entry)).decode()
        yield row


def _figure_rows(kb: KnowledgeBase, aliases: AliasMap) -> Iterator[dict[str, Any]]:
    for entry in kb.entries():
        countries = " ".join(_phrase(c, aliases).replace(" ", "_") for c in entry.countries)
        if isinstance(entry, Event) and entry.kind in TOLL_TEXT_KINDS:
            # A toll the summary states of a kind the entry gives no figure for ("killed" and
            # "fatalities" are one family: a year's deaths are not one event's).
            given = {f.what for f in entry.figures}
            if "fatalities" in given:
                given.add("killed")
            first = entry.date.first_day().isoformat()
            last = (entry.end_date or entry.date).last_day().isoformat()
            for toll in tolls(entry.summary):
                if toll.what not in given:
                    yield {"doc_id": entry.id, "what": toll.what, "value": toll.value,
                           "who": toll.who, "year": None, "first": first, "last": last,
                           "countries": countries, "kind": entry.kind, "period": 0}
        for figure in entry.figures:
            own = figure.span()
            if own is not None:
                first, last = own
            elif isinstance(entry, Event):
                first = entry.date.first_day().isoformat()
                last = (entry.end_date or entry.date).last_day().isoformat()
            else:
                first, last = MISSION_SPAN
            yield {"doc_id": entry.id, "what": figure.what, "value": figure.value,
                   "who": figure.who, "year": figure.year, "first": first, "last": last,
                   "countries": countries, "kind": entry.kind or "",
                   "period": int(figure.period is not None)}


def _camp_rows(kb: KnowledgeBase, aliases: AliasMap) -> Iterator[dict[str, Any]]:
    events = {e.id: e for e in kb.events}
    french = {fold(a.canonical): a.name_fr for a in kb.aliases if a.name_fr}
    for camp in kb.camps:
        closing = events[camp.closed_by]  # the loader has checked that it exists
        yield {"id": camp.id, "name": camp.name, "name_fr": camp.name_fr or camp.name,
               "kind": camp.kind, "place": camp.place,
               "place_fr": french.get(fold(camp.place), camp.place), "region": camp.region,
               "region_fr": french.get(fold(camp.region), camp.region),
               "lat": camp.coordinates[0], "lon": camp.coordinates[1],
               "closed_by": camp.closed_by, "closed": closing.date.iso,
               "closed_lo": closing.date.first_day().isoformat(),
               "steps": json.dumps(list(camp.steps)),
               "place_key": _phrase(camp.place, aliases),
               "region_key": _phrase(camp.region, aliases)}


_SCHEMA: dict[str, tuple[dict[str, type], str | None]] = {
    "sources": ({"id": str, "title": str, "publisher": str, "date": str, "url": str,
                 "payload": str}, "id"),
    "docs": ({"id": str, "kind": str, "title": str, "date": str, "date_lo": str,
              "date_hi": str, "precision": str, "event_kind": str, "subjects": str,
              "main_subject": str, "about_terms": str,
              "has_people": int, "has_places": int, "countries": str,
              "role": str,
              "key_terms": str, "title_terms": str,
              "text": str, "payload": str}, "id"),
    "subjects": ({"doc_id": str, "phrase": str, "kind": str}, None),
    "figures": ({"doc_id": str, "what": str, "value": float, "who": str, "year": int,
                 "first": str, "last": str, "countries": str, "kind": str, "period": int},
                None),
    "tenures": ({"doc_id": str, "role": str, "person": str, "name": str, "acting": int,
                 "first": str, "step": str}, None),
    "faq_questions": ({"faq_id": str, "question": str, "terms": str}, None),
    "aliases": ({"canonical": str, "variant": str, "kind": str, "asked_only": int}, None),
    "vocab": ({"term": str, "df": int}, "term"),
    "camps": ({"id": str, "name": str, "name_fr": str, "kind": str, "place": str,
               "place_fr": str, "region": str, "region_fr": str, "lat": float, "lon": float,
               "closed_by": str, "closed": str, "closed_lo": str, "steps": str,
               "place_key": str, "region_key": str}, "id"),
    "meta": ({"key": str, "value": str}, "key"),
}


def _write(db: sqlite_utils.Database, kb: KnowledgeBase, fingerprint: str,
           progress: Progress | None = None) -> dict[str, int]:
    stage = progress.stage if progress is not None else (lambda name: None)
    # Declared up front so that an empty knowledge kind still gives an (empty) table.
    for name, (columns, pk) in _SCHEMA.items():
        db.table(name).create(columns, pk=pk)
    aliases, asked = alias_map(kb), alias_map(kb, questions=True)
    db.table("sources").insert_all(
        ({"id": s.id, "title": s.title, "publisher": s.publisher, "date": s.date.iso,
          "url": s.url, "payload": _SOURCE.dump_json(s).decode()} for s in kb.sources.values()),
        pk="id",
    )
    stage("subjects")
    entities = known_entities(kb, aliases)
    subjects = {e.id: entry_subjects(e, aliases, entities) for e in kb.entries()}
    stage("entries")
    docs = list(_doc_rows(kb, aliases, asked, subjects))
    db.table("docs").insert_all(docs, pk="id", batch_size=2000)
    db.table("docs").create_index(["kind", "date_lo"])
    # Events spanning several days are few; this partial index finds those overlapping a date
    # without scanning every event that started before it.
    db.execute("create index docs_spans on docs(date_hi) where date_hi > date_lo")
    # The text is already our terms (folded, de-pluralised, aliased). A stemmer on top would
    # merge terms the vocabulary keeps apart ("ieds" with "ied"), so a word the search takes
    # for rare could recall, and rank, tens of thousands of rows.
    stage("full-text index")
    db.table("docs").enable_fts(["text"], tokenize="unicode61")
    db.table("subjects").insert_all(
        ({"doc_id": doc_id, "phrase": phrase, "kind": kind}
         for doc_id, found in subjects.items() for phrase, kind in found.items()),
        batch_size=5000,
    )
    db.table("subjects").create_index(["phrase"])
    db.table("figures").insert_all(_figure_rows(kb, aliases), batch_size=5000)
    db.table("figures").create_index(["what"])
    db.table("tenures").insert_all(
        ({"doc_id": e.id, "role": e.role, "person": _phrase(person, aliases), "name": person,
          "acting": int(e.acting), "first": e.date.first_day().isoformat(),
          "step": e.tenure or ""}
         for e in kb.events if e.role for person in e.people[:1]),
    )
    db.table("faq_questions").insert_all(
        ({"faq_id": f.id, "question": q, "terms": phrasing_terms(q, asked)}
         for f in kb.faqs for q in f.questions),
    )
    db.table("aliases").insert_all(
        ({"canonical": a.canonical, "variant": v, "kind": a.kind, "asked_only": int(asked_only)}
         for a in kb.aliases
         for vs, asked_only in ((a.variants, False), (a.question_variants, True))
         for v in vs),
    )
    db.table("camps").insert_all(_camp_rows(kb, aliases), pk="id")
    stage("vocabulary")
    df: Counter[str] = Counter()
    for row in docs:
        df.update(set(row["text"].split()))
    db.table("vocab").insert_all(
        ({"term": term, "df": n} for term, n in df.items()), pk="term", batch_size=5000
    )
    counts = {
        "sources": len(kb.sources),
        "events": len(kb.events),
        "faq": len(kb.faqs),
        "aliases": len(kb.aliases),
        "camps": len(kb.camps),
    }
    db.table("meta").insert_all(
        [
            {"key": "schema", "value": str(SCHEMA_VERSION)},
            {"key": "fingerprint", "value": fingerprint},
            {"key": "built_at", "value": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            {"key": "counts", "value": json.dumps(counts)},
        ],
        pk="key",
    )
    return counts


def has_marker(path: Path, application_id: int) -> bool:
    """True when `path` is an SQLite file carrying this application id in its header."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return False
    # The SQLite header stores application_id big-endian at offset 68.
    return (len(header) == 100 and header.startswith(b"SQLite format 3\x00")
            and int.from_bytes(header[68:72], "big") == application_id)


def is_our_index(path: Path) -> bool:
    """True when `path` is an SQLite file carrying this bot's index marker."""
    return has_marker(path, APPLICATION_ID)


def _legacy_index(path: Path) -> bool:
    """An index written before the marker existed: this bot's tables, meta keys and all."""
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            tables = {r[0] for r in conn.execute("select name from sqlite_master")}
            keys = ({r[0] for r in conn.execute("select key from meta")}
                    if "meta" in tables else set())
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return {"docs", "meta", "sources"} <= tables and {"schema", "fingerprint"} <= keys


def guard_target(db_path: Path) -> None:
    """Refuse to replace a file the bot did not create."""
    ours = is_our_index(db_path) or _legacy_index(db_path)
    if db_path.exists() and (not db_path.is_file() or (db_path.stat().st_size > 0 and not ours)):
        raise ForeignFileError(
            f"{db_path} exists and is not this bot's index; refusing to overwrite it "
            "(choose another BOT_DB_PATH / --db, or remove the file yourself)")


def last_good_path(db_path: Path) -> Path:
    """Where a copy of the last index that built and verified is kept, to heal from."""
    return db_path.with_name(db_path.name + ".last-good")


def _temp_prefix(db_path: Path) -> str:
    return f".{db_path.name}."


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        return True
    return True


STALE_TEMP_SECONDS = 3600  # an unnamed leftover older than this belongs to no running build


def remove_leftovers(db_path: Path) -> list[Path]:
    """Delete temporary files of builds that were killed before they could clean up.

    A temporary file is named after the build's process id; one whose process is gone (or, for
    names without an id, one untouched for an hour) cannot be finished by anybody.
    """
    removed: list[Path] = []
    folder = db_path.parent
    if not folder.is_dir():
        return removed
    prefix = _temp_prefix(db_path)
    for path in folder.iterdir():
        if not (path.name.startswith(prefix) and path.name.endswith(".tmp")):
            continue
        owner = path.name[len(prefix):].split(".")[0]
        try:
            if owner.isdigit():
                stale = int(owner) != os.getpid() and not _pid_alive(int(owner))
            else:
                stale = time.time() - path.stat().st_mtime > STALE_TEMP_SECONDS
            if stale and path.is_file():
                path.unlink()
                removed.append(path)
        except OSError:  # gone already, or not ours to remove
            continue
    return removed


def _temp_beside(db_path: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f"{_temp_prefix(db_path)}{os.getpid()}.", suffix=".tmp",
                                dir=db_path.parent)
    os.close(fd)
    return Path(name)


def read_only_uri(path: Path) -> str:
    """An SQLite URI opening `path` read-only. "#", "?" and "%" mean something in a URI, so the
    path is percent-encoded: a folder named "a#b" is a folder, not a fragment."""
    return f"file:{urllib.parse.quote(str(path))}?mode=ro"


def verify_index(db_path: Path) -> str | None:
    """What is wrong with the index at `db_path`, or None when it is whole and ours."""
    if not db_path.is_file():
        return "no index file"
    if not is_our_index(db_path):
        return "not this bot's index (marker missing or file damaged)"
    try:
        conn = sqlite3.connect(read_only_uri(db_path), uri=True)
        try:
            checked = [row[0] for row in conn.execute("PRAGMA quick_check")]
            if checked != ["ok"]:
                return "damaged: " + "; ".join(checked[:3])
            keys = {row[0] for row in conn.execute("select key from meta")}
            if not {"schema", "fingerprint", "counts"} <= keys:
                return "incomplete: its metadata is missing"
            conn.execute("select count(*) from docs_fts").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"damaged: {exc}"
    return None


def restore_last_good(db_path: Path) -> bool:
    """Put the last good copy back in place of a damaged index; False when there is none."""
    copy = last_good_path(db_path)
    if verify_index(copy) is not None:
        return False
    guard_target(db_path)
    tmp = _temp_beside(db_path)
    try:
        shutil.copyfile(copy, tmp)
        os.replace(tmp, db_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


def ensure_last_good(db_path: Path) -> bool:
    """Make the spare copy an index copied from another host (or built before spares existed)
    lacks, so that it can heal without the knowledge folder. True when a copy was made."""
    copy = last_good_path(db_path)
    if copy.exists() or verify_index(db_path) is not None:
        return False
    guard_target(copy)
    tmp = _temp_beside(db_path)
    try:
        shutil.copyfile(db_path, tmp)
        if verify_index(tmp) is not None:  # changed while copied: try again on the next open
            tmp.unlink()
            return False
        os.replace(tmp, copy)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


def move_aside(db_path: Path, opened_inode: int) -> Path | None:
    """Rename the index file out of the way when it is the very file this process opened and
    verified as its own, now overwritten with something else. It is kept, never deleted, and
    a build may then take the path. None when the file is not that one (another program's
    file put there stays untouched)."""
    try:
        if os.stat(db_path).st_ino != opened_inode or is_our_index(db_path):
            return None
    except OSError:
        return None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside = db_path.with_name(f"{db_path.name}.damaged-{stamp}-{os.getpid()}")
    os.replace(db_path, aside)
    return aside


def build_index(kb: KnowledgeBase, db_path: Path, fingerprint: str = "",
                progress: Progress | None = None) -> BuildStats:
    """Write a complete index beside `db_path`, then swap it in with one atomic rename.

    Readers holding the old file open keep reading it until they reopen, so a reload never
    serves a half-built index. The new index is verified before it replaces anything, and a
    copy of it is kept to heal from if the live file is damaged later.
    """
    started = time.perf_counter()
    guard_target(db_path)
    guard_target(last_good_path(db_path))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(db_path)
    tmp = _temp_beside(db_path)
    spare = None
    try:
        conn = sqlite_utils.Database(tmp, recreate=True)
        try:
            # The file is thrown away on any failure, so durability settings would only cost time.
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            with conn.conn:
                counts = _write(conn, kb, fingerprint, progress)
            if progress is not None:
                progress.stage("statistics")
            conn.execute("ANALYZE")
        finally:
            conn.close()
        problem = verify_index(tmp)
        if problem is not None:
            raise sqlite3.DatabaseError(f"the new index failed its check: {problem}")
        spare = _temp_beside(db_path)
        shutil.copyfile(tmp, spare)
        os.replace(tmp, db_path)
        os.replace(spare, last_good_path(db_path))
    except BaseException:
        tmp.unlink(missing_ok=True)
        if spare is not None:
            spare.unlink(missing_ok=True)
        raise
    return BuildStats(db_path, counts, time.perf_counter() - started)


def read_meta(db_path: Path) -> dict[str, str]:
    """The index's meta table, or {} when there is no usable index of ours at that path."""
    if not is_our_index(db_path):
        return {}
    try:
        conn = sqlite3.connect(read_only_uri(db_path), uri=True)
        try:
            return dict(conn.execute("select key, value from meta"))
        finally:
            conn.close()
    except sqlite3.Error:  # a corrupt file is simply "no index"
        return {}


# --- Reading --------------------------------------------------------------------------------

_DOC_COLUMNS = ("id, kind, title, date, date_lo, date_hi, precision, event_kind, subjects, "
                "main_subject, about_terms, key_terms, title_terms, text, "
                "has_people, has_places, countries, role, payload")


def _doc(row: sqlite3.Row) -> Doc:
    return Doc(
        id=row["id"], kind=row["kind"], title=row["title"], date=row["date"],
        date_lo=row["date_lo"], date_hi=row["date_hi"], precision=row["precision"],
        event_kind=row["event_kind"], subjects=frozenset(json.loads(row["subjects"])),
        main_subject=row["main_subject"], about_terms=frozenset(row["about_terms"].split()),
        key_terms=frozenset(row["key_terms"].split()), title_terms=row["title_terms"],
        text_terms=frozenset(row["text"].split()),
        has_people=bool(row["has_people"]),
        has_places=bool(row["has_places"]), countries=row["countries"] or "", role=row["role"],
        payload=row["payload"],
    )


@dataclass(frozen=True)
class AliasRow:
    canonical: str
    variant: str
    kind: str
    asked_only: bool


@dataclass(frozen=True)
class FaqPhrasing:
    faq_id: str
    question: str
    terms: str


_FINER = {"day": ("day",), "month": ("day", "month"), "year": ("day", "month", "year")}
Direction = Literal["on", "after", "before"]


def _within(first: dt.date, last: dt.date, precision: str) -> tuple[list[str], list[Any]]:
    """SQL conditions (to be unioned) for events dated inside a span, no vaguer than it:
    those starting in it, and ranges that started before it and reach into it."""
    precisions = _FINER[precision]
    marks = ",".join("?" * len(precisions))
    lo, hi = first.isoformat(), last.isoformat()
    return ([f"kind = 'event' and date_lo between ? and ? and precision in ({marks})",
             f"kind = 'event' and date_hi > date_lo and date_hi >= ? and date_lo < ? "
             f"and precision in ({marks})"],
            [lo, hi, *precisions, lo, lo, *precisions])


Span = tuple[dt.date, dt.date, str]  # first day, last day, precision
DOC_CACHE = 20_000  # decoded entries kept per open index (a few MB for the real base)


class Store:
    """Read-only access to one built index; cheap to query from any coroutine."""

    def __init__(self, db_path: Path) -> None:
        if not is_our_index(db_path):
            raise ForeignFileError(f"{db_path} is not this bot's index")
        self.path = db_path
        self.conn = sqlite3.connect(read_only_uri(db_path), uri=True, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        # Records are immutable and an index never changes under a reader: the entries most
        # questions touch are kept decoded.
        self._cache: dict[str, Doc] = {}

    def close(self) -> None:
        self.conn.close()

    # --- whole tables, read once when an engine opens ------------------------------------

    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("select key, value from meta"))

    def sources(self) -> dict[str, Source]:
        return {row["id"]: _SOURCE.validate_json(row["payload"])
                for row in self.conn.execute("select id, payload from sources")}

    def vocabulary(self) -> dict[str, int]:
        return dict(self.conn.execute("select term, df from vocab"))

    def doc_count(self) -> int:
        return int(self.conn.execute("select count(*) from docs").fetchone()[0])

    def aliases(self) -> list[AliasRow]:
        return [AliasRow(r["canonical"], r["variant"], r["kind"], bool(r["asked_only"]))
                for r in self.conn.execute("select * from aliases")]

    def faq_phrasings(self) -> list[FaqPhrasing]:
        return [FaqPhrasing(r["faq_id"], r["question"], r["terms"])
                for r in self.conn.execute("select faq_id, question, terms from faq_questions")]

    def subject_counts(self) -> dict[str, tuple[str, int]]:
        """Each subject phrase with its kind and how many entries have it as a subject."""
        rows = self.conn.execute(
            "select phrase, min(kind), count(distinct doc_id) from subjects group by phrase")
        return {phrase: (kind, n) for phrase, kind, n in rows}

    def camps(self) -> list[Camp]:
        """The mission's sites, in the order they closed."""
        return [Camp(r["id"], r["name"], r["name_fr"], r["kind"], r["place"], r["place_fr"],
                     r["region"], r["region_fr"], r["lat"], r["lon"], r["closed_by"], r["closed"],
                     tuple(json.loads(r["steps"])), r["place_key"], r["region_key"])
                for r in self.conn.execute("select * from camps order by closed_lo, place")]

    def tenures(self) -> list[Tenure]:
        return [Tenure(r["doc_id"], r["role"], r["person"], r["name"], bool(r["acting"]),
                       r["first"], r["step"])
                for r in self.conn.execute("select * from tenures order by first, doc_id")]

    def all_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("select id from docs order by rowid")]

    def featured_ids(self, limit: int = 8) -> list[str]:
        rows = self.conn.execute(
            "select id from docs where kind = 'faq' order by "
            "(payload like '%\"featured\"%') desc, rowid limit ?", (limit,))
        return [r[0] for r in rows]

    # --- per question ------------------------------------------------------------------

    def docs(self, ids: Iterable[str]) -> list[Doc]:
        wanted = list(dict.fromkeys(ids))
        missing = [i for i in wanted if i not in self._cache]
        for start in range(0, len(missing), 500):  # SQLite caps bound parameters
            chunk = missing[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                    f"select {_DOC_COLUMNS} from docs where id in ({marks})", chunk):
                if len(self._cache) >= DOC_CACHE:
                    self._cache.pop(next(iter(self._cache)))  # the oldest
                self._cache[row["id"]] = _doc(row)
        return [self._cache[i] for i in wanted if i in self._cache]

    def doc(self, doc_id: str) -> Doc | None:
        found = self.docs([doc_id])
        return found[0] if found else None

    def search(self, words: Sequence[str], limit: int, *, every: bool = False,
               ranked: bool = True) -> list[str]:
        """Ids of entries whose text holds any of `words` (all of them with every=True), best
        first unless ranked=False. Words are [0-9a-z]+ terms, quoted, so no user text can break
        the FTS query."""
        words = [w for w in words if w.isalnum()]
        if not words:
            return []
        match = (" AND " if every else " OR ").join(f'"{w}"' for w in words)
        order = "order by docs_fts.rank " if ranked else ""
        rows = self.conn.execute(
            "select docs.id from docs_fts join docs on docs.rowid = docs_fts.rowid "
            f"where docs_fts match ? {order}limit ?", (match, limit))
        return [row[0] for row in rows]

    def with_subject(self, phrase: str, limit: int = 200) -> list[str]:
        rows = self.conn.execute(
            "select doc_id from subjects where phrase = ? limit ?", (phrase, limit))
        return [r[0] for r in rows]

    def figures(self) -> list[FigureRow]:
        rows = self.conn.execute("select * from figures order by first, doc_id")
        return [FigureRow(r["doc_id"], r["what"], r["value"], r["who"] or "", r["first"],
                          r["last"], r["year"], r["countries"] or "", r["kind"] or "",
                          bool(r["period"]))
                for r in rows]

    def on_dates(self, spans: Sequence[Span], limit: int = 200,
                 direction: Direction = "on", offset: int = 0) -> list[Doc]:
        """Events within the question's dates (no vaguer than the question itself), or the
        nearest ones after or before them."""
        if direction == "after":
            rows = self.conn.execute(
                f"select {_DOC_COLUMNS} from docs where kind = 'event' and date_lo > ? "
                "order by date_lo, id limit ? offset ?",
                (spans[0][1].isoformat(), limit, offset))
            return [_doc(r) for r in rows]
        if direction == "before":
            rows = self.conn.execute(
                f"select {_DOC_COLUMNS} from docs where kind = 'event' and date_hi < ? "
                "order by date_lo desc, id limit ? offset ?",
                (spans[0][0].isoformat(), limit, offset))
            return [_doc(r) for r in reversed(list(rows))]
        where, params = self._spans_where(spans)
        rows = self.conn.execute(
            " union ".join(f"select {_DOC_COLUMNS} from docs where {w}" for w in where)
            + " order by date_lo, id limit ? offset ?", (*params, limit, offset))
        return [_doc(r) for r in rows]

    @staticmethod
    def _spans_where(spans: Sequence[Span]) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        for first, last, precision in spans:
            clauses, values = _within(first, last, precision)
            where += clauses
            params += values
        return where, params

    def count_on_dates(self, spans: Sequence[Span], direction: Direction = "on") -> int:
        """How many events on_dates would find without its limit."""
        if direction == "after":
            sql, params = "select id from docs where kind = 'event' and date_lo > ?", [
                spans[0][1].isoformat()]
        elif direction == "before":
            sql, params = "select id from docs where kind = 'event' and date_hi < ?", [
                spans[0][0].isoformat()]
        else:
            where, params = self._spans_where(spans)
            sql = " union ".join(f"select id from docs where {w}" for w in where)
        return int(self.conn.execute(f"select count(*) from ({sql})", params).fetchone()[0])

    def nearest_dated(self, day: dt.date, limit: int = 3) -> list[Doc]:
        """The events closest in time to a day, for a date we know nothing about."""
        iso = day.isoformat()
        rows = self.conn.execute(
            f"select * from (select {_DOC_COLUMNS} from docs where kind = 'event' and "
            "date_lo <= ? order by date_lo desc limit ?) union all "
            f"select * from (select {_DOC_COLUMNS} from docs where kind = 'event' and "
            "date_lo > ? order by date_lo limit ?)", (iso, limit, iso, limit))
        docs = [_doc(r) for r in rows]
        docs.sort(key=lambda d: abs((dt.date.fromisoformat(d.date_lo or iso) - day).days))
        return docs[:limit]

    def events_of_kinds(self, kinds: Iterable[str], since: str = "",
                        limit: int = 500, offset: int = 0) -> list[Doc]:
        wanted = list(kinds)
        marks = ",".join("?" * len(wanted))
        rows = self.conn.execute(
            f"select {_DOC_COLUMNS} from docs where kind = 'event' and date_lo >= ? "
            f"and event_kind in ({marks}) order by date_lo, id limit ? offset ?",
            (since, *wanted, limit, offset))
        return [_doc(r) for r in rows]
