"""Reading and validating `knowledge/`: every problem is reported at once, with file and line.

A knowledge file is TOML holding arrays of tables named `source`, `event`, `faq`, `alias`,
`publisher` and `camp` (see knowledge/README.md). Files under `inbox/` are drafts and never loaded.
"""

from __future__ import annotations

import os
import re
import stat
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from bot.concepts import CAMP_CLOSING_KINDS, SCOPE_WORDS
from bot.models import Alias, Camp, Event, FaqEntry, Publisher, Source
from bot.publishers import host_index, host_of, normal_host
from bot.text import fold

ENTRY_TYPES: dict[str, type[Any]] = {
    "source": Source,
    "event": Event,
    "faq": FaqEntry,
    "alias": Alias,
    "publisher": Publisher,
    "camp": Camp,
}
# Set by the loader from the [[publisher]] entries, never written in a knowledge file.
DERIVED_SOURCE_FIELDS = ("publisher_kind",)
_ADAPTERS = {kind: TypeAdapter(model) for kind, model in ENTRY_TYPES.items()}
DRAFT_DIRS = frozenset({"inbox"})
# Bounds on what a knowledge folder may hold, so that a mistake (or a hostile file) can neither
# hang a reload nor exhaust memory. The largest real file is about 0.5 MB and entries nest
# three deep (an event, its versions, their sources).
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_FILES = 2000
MAX_NESTING = 8
READ_SECONDS = 60.0
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z_.]+)\s*\]\]")
_TABLE = re.compile(r"^\s*\[\s*([A-Za-z_.]+)\s*\]")
_KEY = re.compile(r"^\s*[\"']?([A-Za-z_][A-Za-z0-9_-]*)[\"']?\s*=")
_MULTILINE = re.compile(r'"""|\'\'\'')


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge directory has problems; `problems` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class KnowledgeBase:
    sources: dict[str, Source]
    events: tuple[Event, ...]
    faqs: tuple[FaqEntry, ...]
    aliases: tuple[Alias, ...]
    files: tuple[str, ...] = ()
    publishers: tuple[Publisher, ...] = ()
    camps: tuple[Camp, ...] = ()

    def entries(self) -> tuple[Event | FaqEntry, ...]:
        """Every event, then every FAQ entry."""
        return (*self.events, *self.faqs)

    def counts(self) -> dict[str, int]:
        return {
            "sources": len(self.sources),
            "events": len(self.events),
            "faq": len(self.faqs),
            "aliases": len(self.aliases),
            "camps": len(self.camps),
        }


@dataclass
class _Located:
    """An entry with the place it was read from, kept until cross-checks are done."""

    kind: str
    value: Any
    path: str
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)
    version_lines: list[dict[str, int]] = field(default_factory=list)

    def line_of(self, key: str, version: int | None = None) -> int:
        if version is not None and version < len(self.version_lines):
            return self.version_lines[version].get(key, self.line_of("versions"))
        return self.key_lines.get(key, self.line)


class UnreadableFile(OSError):
    """A knowledge path that is not a plain file of bounded size."""


def read_bounded(path: Path, limit: int | None = None) -> bytes:
    """A regular file's bytes, at most `limit` of them.

    Opened without blocking and checked on the open descriptor, so a FIFO or device named
    *.toml is refused at once instead of hanging the reader (and a file swapped for one after
    a check cannot slip through).
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile("not a regular file (a FIFO, socket or device?)")
        if info.st_size > limit:
            raise UnreadableFile(f"too large ({info.st_size:,} bytes; the limit is {limit:,})")
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UnreadableFile(f"too large (over {limit:,} bytes)")
    return data


def knowledge_files(directory: Path) -> list[Path]:
    """The files that make up the live knowledge, in a stable order."""
    files = []
    for path in sorted(directory.rglob("*.toml")):
        parts = path.relative_to(directory).parts
        if any(p in DRAFT_DIRS or p.startswith(".") for p in parts[:-1]):
            continue
        files.append(path)
    return files


@dataclass
class _Block:
    line: int
    keys: dict[str, int] = field(default_factory=dict)
    versions: list[dict[str, int]] = field(default_factory=list)


def _entry_lines(text: str) -> dict[str, list[_Block]]:
    """For each `[[kind]]` header: its line, the lines of its keys, and of its versions' keys.

    tomllib gives values without positions, so we find them in the text: the n-th `[[event]]`
    header belongs to the n-th event, the n-th `[[event.versions]]` below it to its n-th version.
    """
    found: dict[str, list[_Block]] = {}
    block: _Block | None = None
    keys: dict[str, int] | None = None
    in_string = False  # inside a multi-line string, where "key =" is text, not a key
    for number, line in enumerate(text.splitlines(), start=1):
        was_in_string = in_string
        if len(_MULTILINE.findall(line)) % 2:
            in_string = not in_string
        if was_in_string:
            continue
        header = _HEADER.match(line)
        if header:
            name = header.group(1)
            kind, _, sub = name.partition(".")
            if kind in ENTRY_TYPES and not sub:
                block = _Block(number)
                found.setdefault(kind, []).append(block)
                keys = block.keys
            elif block is not None and sub == "versions":
                keys = {}
                block.versions.append(keys)
            else:
                block = keys = None
            continue
        if line.lstrip().startswith("["):
            block = keys = None  # a plain [table] ends the entry
            continue
        key = _KEY.match(line)
        if keys is not None and key and key.group(1) not in keys:
            keys[key.group(1)] = number
    return found


def _section_line(text: str, name: str) -> int:
    """Where a top-level name is first written: `[name]`, `[[name]]` or `name = ...`."""
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern in (_HEADER, _TABLE, _KEY):
            found = pattern.match(line)
            if found and found.group(1).partition(".")[0] == name:
                return number
    return 1


def _deepest_line(text: str) -> int:
    """The line where brackets first open deeper than the nesting limit."""
    level = 0
    for number, line in enumerate(text.splitlines(), start=1):
        for char in line:
            level += (char in "[{") - (char in "]}")
            if level > MAX_NESTING:
                return number
    return 1


def _depth(value: Any) -> int:
    """How deep tables and arrays nest in a value, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _read_file(path: Path, shown: str) -> tuple[list[_Located], list[Problem]]:
    try:
        raw = read_bounded(path)
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return [], [Problem(shown, line, "not valid UTF-8 text")]
    except UnreadableFile as exc:
        return [], [Problem(shown, 0, f"skipped: {exc}")]
    except OSError as exc:
        return [], [Problem(shown, 0, f"cannot be read: {exc.strerror or exc}")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        pos = _TOML_POSITION.search(message)
        line = int(pos.group(1)) if pos else 1
        return [], [Problem(shown, line, "TOML syntax: " + _TOML_POSITION.sub("", message).strip())]
    except RecursionError:
        return [], [Problem(shown, _deepest_line(text),
                            f"values nested too deeply (the limit is {MAX_NESTING})")]

    lines = _entry_lines(text)
    located: list[_Located] = []
    problems: list[Problem] = []
    for kind, entries in data.items():
        if kind not in ENTRY_TYPES:
            problems.append(
                Problem(shown, _section_line(text, kind),
                        f"unknown section {kind!r} (expected one of: "
                        + ", ".join(f"[[{k}]]" for k in ENTRY_TYPES) + ")")
            )
            continue
        if not isinstance(entries, list):
            problems.append(Problem(shown, _section_line(text, kind),
                                    f"{kind!r} must be written as [[{kind}]] tables"))
            continue
        blocks = lines.get(kind, [])
        for n, entry in enumerate(entries):
            found = blocks[n] if n < len(blocks) else _Block(1)
            located.append(_Located(kind, entry, shown, found.line, found.keys, found.versions))
    return located, problems


def _describe(error: dict[str, Any]) -> tuple[str, int | None, str]:
    """Where a pydantic error points (key, version) and a sentence a curator understands."""
    loc = [str(part) for part in error["loc"]]
    key = loc[0] if loc else ""
    version = None
    if len(loc) >= 3 and loc[0] == "versions" and loc[1].isdigit():
        key, version = loc[2], int(loc[1])
    where = ".".join(loc)
    kind = error["type"]
    if kind == "missing":
        return key, version, f"missing field {where!r}"
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        return key, version, f"unknown field {where!r}"
    message = error["msg"].removeprefix("Value error, ")
    return key, version, f"{where}: {message}" if where else message


def _validate(item: _Located) -> tuple[Any | None, list[Problem]]:
    if not isinstance(item.value, dict):
        return None, [Problem(item.path, item.line, f"[[{item.kind}]] must be a table")]
    if _depth(item.value) > MAX_NESTING:
        return None, [Problem(item.path, item.line, f"[[{item.kind}]]: values nested more than "
                              f"{MAX_NESTING} deep")]
    if item.kind == "source":
        written = [k for k in DERIVED_SOURCE_FIELDS if k in item.value]
        if written:
            entry_id = item.value.get("id")
            label = f"source {entry_id!r}" if isinstance(entry_id, str) else "source"
            return None, [Problem(item.path, item.line_of(k), f"{label}: {k!r} is set from the "
                                  "[[publisher]] entries; remove it") for k in written]
    try:
        return _ADAPTERS[item.kind].validate_python(item.value), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key, version, message = _describe(dict(error))
            entry_id = item.value.get("id")
            label = f"{item.kind} {entry_id!r}" if isinstance(entry_id, str) else item.kind
            problems.append(Problem(item.path, item.line_of(key, version), f"{label}: {message}"))
        return None, problems


def _source_refs(value: Event | FaqEntry) -> Iterator[tuple[int | None, str]]:
    """Every source id an entry cites, with the version (if any) that cites it."""
    for source_id in value.sources:
        yield None, source_id
    for n, version in enumerate(value.versions):
        for source_id in version.sources:
            yield n, source_id


def _cross_check(valid: list[tuple[_Located, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    sources: dict[str, _Located] = {}  # every source by id, with where it was read
    evidence: dict[str, bool] = {}  # whether a source quotes what it says
    docs: dict[str, _Located] = {}
    variants: dict[str, tuple[str, _Located]] = {}
    for item, value in valid:
        if item.kind in ("source", "event", "faq"):
            seen = sources if item.kind == "source" else docs
            if value.id in seen:
                first = seen[value.id]
                problems.append(Problem(item.path, item.line_of("id"),
                    f"duplicate id {value.id!r} (first used at {first.path}:{first.line})"))
            else:
                seen[value.id] = item
                if item.kind == "source":
                    evidence[value.id] = bool(value.evidence)
        if item.kind == "alias":
            spelled = [(v, "variants") for v in (value.canonical, *value.variants)]
            spelled += [(v, "question_variants") for v in value.question_variants]
            for variant, field_name in spelled:
                key = fold(variant)
                previous = variants.get(key)
                if previous and fold(previous[0]) != fold(value.canonical):
                    problems.append(Problem(item.path, item.line_of(field_name),
                        f"alias {variant!r} already means {previous[0]!r} "
                        f"({previous[1].path}:{previous[1].line})"))
                variants.setdefault(key, (value.canonical, item))
    for item, value in valid:
        if item.kind in ("event", "faq"):
            for version, source_id in _source_refs(value):
                if source_id not in sources:
                    problems.append(Problem(item.path, item.line_of("sources", version),
                        f"{item.kind} {value.id!r}: unknown source {source_id!r}"))
                elif not evidence[source_id]:
                    cited = sources[source_id]
                    problems.append(Problem(cited.path, cited.line,
                        f"source {source_id!r} is cited ({item.kind} {value.id!r}) but has no "
                        "evidence: quote what it says (at most 25 words)"))
    problems.extend(_same_day_problems(valid))
    problems.extend(_publisher_problems(valid))
    problems.extend(_camp_problems(valid))
    return sorted(set(problems))


def _publisher_problems(valid: list[tuple[_Located, Any]]) -> list[Problem]:
    """Every host has one publisher; when the knowledge names publishers at all, every source's
    host has one, and no source sits on a banned host (a content farm is never cited)."""
    problems: list[Problem] = []
    owners: dict[str, tuple[_Located, Publisher]] = {}
    names: dict[str, _Located] = {}
    for item, value in valid:
        if item.kind != "publisher":
            continue
        key = value.name.casefold()
        if key in names:
            named = names[key]
            problems.append(Problem(item.path, item.line_of("name"),
                f"duplicate publisher {value.name!r} (first at {named.path}:{named.line})"))
        names.setdefault(key, item)
        for host in value.all_hosts():
            host_key = normal_host(host)
            if host_key in owners and owners[host_key][1] is not value:
                first_item, first = owners[host_key]
                problems.append(Problem(item.path, item.line_of("hosts" if value.hosts
                                                                else "host"),
                    f"publisher {value.name!r}: host {host!r} already belongs to "
                    f"{first.name!r} ({first_item.path}:{first_item.line})"))
            owners.setdefault(host_key, (item, value))
    if not owners:
        return problems  # a knowledge folder without publishers (a test's) is not held to them
    index = {host: publisher for host, (_, publisher) in owners.items()}
    for item, value in valid:
        if item.kind != "source":
            continue
        publisher = index.get(host_of(value.url))
        if publisher is None:
            problems.append(Problem(item.path, item.line_of("url"),
                f"source {value.id!r}: no [[publisher]] for host {host_of(value.url)!r}; add "
                "one (knowledge/publishers.toml) with its kind"))
        elif publisher.banned:
            problems.append(Problem(item.path, item.line_of("url"),
                f"source {value.id!r}: {publisher.name!r} is a banned content farm; cite the "
                "page it copied instead"))
    return problems


def _camp_problems(valid: list[tuple[_Located, Any]]) -> list[Problem]:
    """Each camp is a known place with one closing event, the last closing of its town (so
    "when did MINUSMA leave Gao?" and the camps agree); once any camp is declared, every
    camp-closure or handover event belongs to one, so nothing else is counted as a camp."""
    camps = [(item, value) for item, value in valid if item.kind == "camp"]
    if not camps:
        return []  # a knowledge folder without camps (a test's) is not held to them
    places = {fold(value.canonical) for item, value in valid
              if item.kind == "alias" and value.kind == "place"}
    events = {value.id: value for item, value in valid if item.kind == "event"}
    problems: list[Problem] = []
    claimed: dict[str, str] = {}
    seen: dict[str, tuple[str, _Located]] = {}
    for item, camp in camps:
        label = f"camp {camp.id!r}"
        for key in ("id", "place"):
            mark = f"{key}:{fold(getattr(camp, key))}"
            if mark in seen:
                first = seen[mark][1]
                problems.append(Problem(item.path, item.line_of(key),
                    f"{label}: {key} {getattr(camp, key)!r} is already camp {seen[mark][0]!r}'s "
                    f"({first.path}:{first.line})"))
            seen.setdefault(mark, (camp.id, item))
        for key in ("place", "region"):
            if fold(getattr(camp, key)) not in places:
                problems.append(Problem(item.path, item.line_of(key),
                    f"{label}: {key} {getattr(camp, key)!r} is no place's canonical name; add "
                    "an [[alias]] with kind = \"place\""))
        closing = events.get(camp.closed_by)
        for key, event_id in [("closed_by", camp.closed_by)] + [("steps", s) for s in camp.steps]:
            event = events.get(event_id)
            if event is None:
                problems.append(Problem(item.path, item.line_of(key),
                                        f"{label}: unknown event {event_id!r}"))
                continue
            if event.kind not in CAMP_CLOSING_KINDS:
                problems.append(Problem(item.path, item.line_of(key),
                    f"{label}: event {event_id!r} is a {event.kind!r}, not one of "
                    + ", ".join(CAMP_CLOSING_KINDS)))
            if event_id in claimed:
                problems.append(Problem(item.path, item.line_of(key),
                    f"{label}: event {event_id!r} already belongs to camp {claimed[event_id]!r}"))
            claimed.setdefault(event_id, camp.id)
            if key == "steps" and closing is not None and (
                    event.date.first_day() > closing.date.first_day()):
                problems.append(Problem(item.path, item.line_of(key),
                    f"{label}: step {event_id!r} comes after the camp closed"))
        if closing is None:
            continue
        if fold(camp.place) not in {fold(p) for p in closing.places}:
            problems.append(Problem(item.path, item.line_of("closed_by"),
                f"{label}: event {camp.closed_by!r} does not have {camp.place!r} among its places"))
        later = [e for e in events.values() if e.kind in CAMP_CLOSING_KINDS and e.places
                 and fold(e.places[0]) == fold(camp.place)
                 and e.date.first_day() > closing.date.first_day()]
        if later:
            problems.append(Problem(item.path, item.line_of("closed_by"),
                f"{label}: event {later[0].id!r} closes a site in {camp.place} later than "
                f"{camp.closed_by!r}; the camp closed with the last of them"))
    for item, value in valid:
        if item.kind == "event" and value.kind in CAMP_CLOSING_KINDS and value.id not in claimed:
            problems.append(Problem(item.path, item.line_of("kind"),
                f"event {value.id!r} is a {value.kind!r} but no [[camp]] names it: add it to its "
                "camp's closed_by or steps (knowledge/camps.toml), or, for a hangar, equipment "
                "or donations handed to others, use kind = \"milestone\""))
    return problems


def main_subject_key(event: Event) -> str | None:
    """What an event is above all about, for telling duplicates apart: the person taking a
    role, else the first place or person its title names, else its first subject. The
    mission's own scope ("Mali") tells nothing apart."""
    if event.role and event.people:
        return fold(event.people[0])
    title = f" {fold(event.title)} "
    subjects = [fold(s) for s in (*event.places, *event.people, *event.countries)]
    subjects = [s for s in subjects if s and s not in SCOPE_WORDS]
    named = [s for s in subjects if f" {s} " in title]
    if named:
        return min(named, key=lambda s: title.index(f" {s} "))
    if subjects:
        return subjects[0]
    return f"resolution {event.resolution}" if event.resolution else None


def _same_day_problems(valid: list[tuple[_Located, Any]]) -> list[Problem]:
    """Two events with one main subject on one day are one happening told twice, unless
    marked as separate (distinct_from)."""
    seen: dict[tuple[str, str], tuple[_Located, Event]] = {}
    problems = []
    for item, value in valid:
        if item.kind != "event" or value.date.precision != "day":
            continue
        subject = main_subject_key(value)
        if subject is None:
            continue
        key = (subject, value.date.iso)
        if key in seen:
            first_item, first = seen[key]
            if first.id in value.distinct_from or value.id in first.distinct_from:
                continue
            problems.append(Problem(item.path, item.line,
                f"event {value.id!r}: same subject ({subject}) and day ({value.date.iso}) as "
                f"event {first.id!r} ({first_item.path}:{first_item.line}); if both tell the "
                "same happening, keep one and give the other's account as a version; if they "
                f"are separate happenings, add distinct_from = [{first.id!r}]"))
        else:
            seen[key] = (item, value)
    return problems


def check_knowledge(directory: Path) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Load and validate everything; the knowledge base is None when there is any problem."""
    if not directory.is_dir():
        return None, [Problem(str(directory), 0, "knowledge directory not found")]
    files = knowledge_files(directory)
    if not files:
        return None, [Problem(str(directory), 0, "no knowledge files (*.toml) found")]
    if len(files) > MAX_FILES:
        return None, [Problem(str(directory), 0, f"{len(files)} knowledge files; the limit is "
                              f"{MAX_FILES}")]
    problems: list[Problem] = []
    valid: list[tuple[_Located, Any]] = []
    deadline = time.monotonic() + READ_SECONDS
    for path in files:
        if time.monotonic() > deadline:
            problems.append(Problem(str(path), 0, f"not read: reading the knowledge took over "
                                    f"{READ_SECONDS:.0f} s (a slow disk?)"))
            continue
        located, file_problems = _read_file(path, str(path))
        problems.extend(file_problems)
        for item in located:
            value, entry_problems = _validate(item)
            problems.extend(entry_problems)
            if value is not None:
                valid.append((item, value))
    problems.extend(_cross_check(valid))
    if problems:
        return None, sorted(problems)
    by_kind: dict[str, list[Any]] = {kind: [] for kind in ENTRY_TYPES}
    for item, value in valid:
        by_kind[item.kind].append(value)
    hosts = host_index(by_kind["publisher"])
    sources = [_with_kind(s, hosts) for s in by_kind["source"]]
    kb = KnowledgeBase(
        sources={s.id: s for s in sources},
        events=tuple(sorted(by_kind["event"], key=lambda e: (e.date.iso, e.id))),
        faqs=tuple(by_kind["faq"]),
        aliases=tuple(by_kind["alias"]),
        files=tuple(str(p) for p in files),
        publishers=tuple(by_kind["publisher"]),
        camps=tuple(by_kind["camp"]),
    )
    return kb, []


def _with_kind(source: Source, hosts: dict[str, Publisher]) -> Source:
    publisher = hosts.get(host_of(source.url))
    return replace(source, publisher_kind=publisher.kind) if publisher else source


def load_knowledge(directory: Path) -> KnowledgeBase:
    """Load and validate, raising KnowledgeError with every problem found."""
    kb, problems = check_knowledge(directory)
    if kb is None:
        raise KnowledgeError(problems)
    return kb
