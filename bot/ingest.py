"""Turning saved mission pages into cited event candidates for curators.

Three kinds of page are read: the mission site's HTML listings (title links, teasers, dates),
plain-text press-release lists (`DD Mon YYYY - text`), and article text with a dateline
("Bamako, 08 December 2023 - ..."). The same story seen in several files becomes one candidate
that lists every file it was seen in. Candidates go to stdout as JSON lines or into
`knowledge/inbox/` as draft entries for a curator to rewrite and move.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from rapidfuzz import fuzz

from bot.dates import find_dates
from bot.knowledge import KnowledgeBase
from bot.models import MAX_EVIDENCE_WORDS, Event
from bot.progress import Progress
from bot.text import fold

MISSION_HOSTS = ("minusma.unmissions.org",)
PAGE_SUFFIXES = frozenset({".html", ".htm", ".txt", ".xhtml"})
TEASER_CHARS = 240
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_LISTED = rf"(\d{{1,2}}\s+(?:{_MONTHS})[a-z]*\.?\s+\d{{4}})"  # "09 Dec 2023"
_DATE_ONLY = re.compile(rf"^\s*{_LISTED}\s*$", re.I)
_LIST_ITEM = re.compile(rf"^\s*(?:[•*·-]\s*)?{_LISTED}\s+[-–—]\s*(.*)$", re.I)
# "Bamako, 08 December 2023 - ...", "Bamako, December 8, 2023 - ...",
# "Bamako 12 December 2023(TDI): ..."
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][\w .'’-]{1,40}?),?\s+"
    r"(?P<date>\d{1,2}\s+[A-Za-z]+\s+\d{4}|[A-Za-z]+\s+\d{1,2},\s*\d{4})"
    r"\s*(?:\([^)]{0,20}\))?\s*[-–—:]\s*(?P<rest>.*)$",
    re.S,
)
_SPACES = re.compile(r"\s+")


class IngestWarning(Exception):
    """A file that gives nothing: the message is one line for the curator."""


@dataclass(frozen=True)
class Sighting:
    """One story as one file shows it."""

    date: dt.date
    title: str | None
    url: str | None
    teaser: str
    path: str


@dataclass(frozen=True)
class Link:
    """A story a page links to without a date (a ticker, a "latest news" list)."""

    title: str
    url: str
    path: str


@dataclass
class Candidate:
    """A story, merged from every file it was seen in."""

    date: dt.date
    title: str
    url: str | None
    summary: str
    seen_in: list[str] = field(default_factory=list)
    titled: bool = False  # the title came from a page, not from the teaser's first words
    teasers: list[str] = field(default_factory=list)
    duplicate_of: str | None = None  # an existing event telling the same story

    def as_json(self) -> dict[str, object]:
        return {"date": self.date.isoformat(), "title": self.title, "url": self.url,
                "summary": self.summary, "seen_in": self.seen_in,
                "duplicate_of": self.duplicate_of}


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def _teaser(text: str) -> str:
    text = _clean(text)
    if len(text) <= TEASER_CHARS:
        return text
    cut = text[:TEASER_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def _day(text: str) -> dt.date | None:
    spans, _ = find_dates(text)
    day = next((s for s in spans if s.precision == "day"), None)
    return day.first if day else None


def _dated_text(listed: dt.date, text: str) -> tuple[dt.date, str]:
    """A teaser that opens with its own dateline is dated by it (the story's day, which a
    listing may show a day later); the dateline itself is dropped from the teaser."""
    match = _DATELINE.match(_clean(text))
    if match:
        day = _day(match.group("date"))
        if day is not None:
            return day, match.group("rest")
    return listed, text


def _derived_title(text: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s", _clean(text), maxsplit=1)[0]
    return sentence if len(sentence) <= 120 else sentence[:119].rsplit(" ", 1)[0] + "…"


# --- HTML listings ----------------------------------------------------------------------------


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    children: list[_Node | str] = field(default_factory=list)

    def texts(self) -> Iterator[str]:
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield from child.texts()

    def text(self) -> str:
        return _clean(" ".join(self.texts()))

    def nodes(self) -> Iterator[_Node]:
        yield self
        for child in self.children:
            if isinstance(child, _Node):
                yield from child.nodes()


class _TreeBuilder(HTMLParser):
    """A forgiving DOM: enough structure to find listing items in real-world HTML."""

    VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
    SKIP = frozenset({"script", "style", "noscript", "svg", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root", {})
        self.stack = [self.root]
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
            return
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
            return
        for depth in range(len(self.stack) - 1, 0, -1):  # close up to the matching tag
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                break

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.stack[-1].children.append(data)


def _page_address(root: _Node) -> str | None:
    for node in root.nodes():
        if node.tag == "link" and "canonical" in node.attrs.get("rel", "").split():
            return node.attrs.get("href") or None
        if node.tag == "meta" and node.attrs.get("property") == "og:url":
            return node.attrs.get("content") or None
        if node.tag == "base" and node.attrs.get("href"):
            return node.attrs["href"]
    return None


def _item_parts(node: _Node) -> tuple[str, str, dt.date] | None:
    """(href, title, date) when the node is one listing item: one article link, one date."""
    hrefs = {n.attrs["href"] for n in node.nodes()
             if n.tag == "a" and n.attrs.get("href", "").strip() not in ("", "#")}
    if len(hrefs) != 1:
        return None
    dates = [m.group(1) for t in node.texts() if (m := _DATE_ONLY.match(t))]
    if len(dates) != 1:
        return None
    day = _day(dates[0])
    href = hrefs.pop()
    title = next((n.text() for n in node.nodes()
                  if n.tag == "a" and n.attrs.get("href") == href and n.text()), "")
    if day is None or len(title.split()) < 3:
        return None
    return href, title, day


def _story_links(root: _Node, address: str | None, path: str, dated: set[str]) -> list[Link]:
    """Links to stories (a slug of several words, a headline of several words) that no dated
    item of the page carries: a ticker's or a news list's."""
    links: dict[str, Link] = {}
    for node in root.nodes():
        href = node.attrs.get("href", "").strip() if node.tag == "a" else ""
        title = node.text() if href else ""
        if not href or len(title.split()) < 5 or href in dated:
            continue
        url = urljoin(address, href) if address else (href if "://" in href else None)
        if url is None:
            continue
        parts = urlsplit(url)
        slug = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
        if (parts.hostname or "").endswith(MISSION_HOSTS) and slug.count("-") >= 3:
            links.setdefault(_url_key(url), Link(_clean(title), url, path))
    return list(links.values())


def parse_html(text: str, path: str) -> tuple[list[Sighting], list[Link]]:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    address = _page_address(builder.root)
    if address is not None:
        host = urlsplit(address).hostname or ""
        if not host.endswith(MISSION_HOSTS):
            raise IngestWarning(f"not a MINUSMA page (its address is on {host})")
    items: list[Sighting] = []
    dated: set[str] = set()
    for node in builder.root.nodes():
        parts = _item_parts(node)
        if parts is None:
            continue
        if any(_item_parts(child) for child in node.nodes() if child is not node):
            continue  # an enclosing block: the innermost one is the item
        href, title, listed = parts
        rest = node.text()
        for part in (title, *(m.group(1) for t in node.texts() if (m := _DATE_ONLY.match(t)))):
            rest = rest.replace(part, " ", 1)
        day, teaser = _dated_text(listed, rest)
        url = urljoin(address, href) if address else (href if "://" in href else None)
        items.append(Sighting(day, _clean(title), url, _teaser(teaser), path))
        dated.add(href)
    return items, _story_links(builder.root, address, path, dated)


# --- Plain-text lists and articles -----------------------------------------------------------


def parse_list(text: str, path: str) -> list[Sighting]:
    items: list[tuple[dt.date, list[str]]] = []
    for line in text.splitlines():
        match = _LIST_ITEM.match(line)
        if match:
            day = _day(match.group(1))
            if day is not None:
                items.append((day, [match.group(2)]))
                continue
        if items and line.strip():
            items[-1][1].append(line)  # the item's text goes on below its date
    sightings = []
    for listed, lines in items:
        body = " ".join(lines)
        if not _clean(body):
            continue
        day, teaser = _dated_text(listed, body)
        sightings.append(Sighting(day, None, None, _teaser(teaser), path))
    return sightings


def parse_article(text: str, path: str) -> list[Sighting]:
    paragraphs = [_clean(p) for p in re.split(r"\n\s*\n", text) if p.strip()]
    for index, paragraph in enumerate(paragraphs):
        match = _DATELINE.match(paragraph)
        if match is None:
            continue
        day = _day(match.group("date"))
        if day is None:
            continue
        title = paragraphs[index - 1] if index > 0 else None
        if title is not None and (len(title) > 200 or len(title.split()) < 3):
            title = None
        return [Sighting(day, title, None, _teaser(match.group("rest")), path)]
    return []


def read_page(path: Path) -> tuple[list[Sighting], list[Link]]:
    """The dated stories one saved page shows, and the undated story links it holds;
    IngestWarning when it shows none."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IngestWarning(f"cannot be read ({exc.strerror})") from None
    if not raw.strip():
        raise IngestWarning("empty file")
    if b"\0" in raw[:4096]:
        raise IngestWarning("binary file, not a saved page")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    shown = str(path)
    links: list[Link] = []
    if re.search(r"<(html|body|div|a\s)[\s>]", text[:200_000], re.I):
        found, links = parse_html(text, shown)
    else:
        found = parse_list(text, shown) or parse_article(text, shown)
    if not found and not links:
        raise IngestWarning("no dated stories found (not a listing or an article)")
    return found, links


# --- Merging ---------------------------------------------------------------------------------


def _same_url(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and _url_key(a) == _url_key(b)


def _url_key(url: str) -> str:
    parts = urlsplit(unquote(url).replace("\u00a0", " ").strip())
    return f"{parts.hostname or ''}{parts.path.rstrip('/')}".casefold().replace(" ", "")


def _same_story(candidate: Candidate, seen: Sighting) -> bool:
    if _same_url(candidate.url, seen.url):
        return True
    if seen.title and candidate.titled and fold(seen.title) == fold(candidate.title):
        return True
    if candidate.date != seen.date:
        return False
    return any(_same_opening(teaser, seen.teaser) for teaser in candidate.teasers)


def _same_opening(a: str, b: str) -> bool:
    """Two teasers agree over the whole of the shorter one's opening. A shared first phrase
    is not enough: releases often start alike ("The United Nations Multidimensional
    Integrated Stabilization Mission in Mali (MINUSMA) completed ...")."""
    a, b = fold(a), fold(b)
    size = min(len(a), len(b), 200)
    return size >= 40 and fuzz.ratio(a[:size], b[:size]) >= 90


def merge(sightings: Iterable[Sighting]) -> list[Candidate]:
    candidates: list[Candidate] = []
    # Titled sightings first, so that a story takes its page title rather than derived words.
    for seen in sorted(sightings, key=lambda s: (s.title is None, s.url is None)):
        match = next((c for c in candidates if _same_story(c, seen)), None)
        if match is None:
            candidates.append(Candidate(seen.date, seen.title or _derived_title(seen.teaser),
                                        seen.url, seen.teaser, [seen.path],
                                        titled=seen.title is not None, teasers=[seen.teaser]))
            continue
        match.date = min(match.date, seen.date)  # a listing shows a story on its day or later
        match.url = match.url or seen.url
        match.teasers.append(seen.teaser)
        if len(seen.teaser) > len(match.summary):
            match.summary = seen.teaser
        if seen.path not in match.seen_in:
            match.seen_in.append(seen.path)
    return sorted(candidates, key=lambda c: (c.date, c.title), reverse=True)


_KEY_WORD = re.compile(r"[a-z0-9]{4,}")
_PLAIN = frozenset("minusma mission united nations multidimensional integrated stabilization "
                   "stabilisation mali today with from that this their have which after".split())


def _key_words(text: str) -> set[str]:
    """The words that tell one story from another (places, actions), not the mission's name."""
    return {w.rstrip("s") for w in _KEY_WORD.findall(fold(text))} - _PLAIN


LINK_MATCH = 0.5  # share of a headline's key words a teaser must hold to be the same story


def link_undated(candidates: list[Candidate], links: Iterable[Link]) -> list[str]:
    """Give each undated link's story its date, from the dated teaser telling the same story,
    and that teaser's story its address and headline. Returns a warning per link left over."""
    warnings = []
    for link in links:
        if any(_same_url(c.url, link.url) for c in candidates):
            continue  # the story is dated already
        words = _key_words(link.title)
        scored = []
        for candidate in candidates:
            if candidate.url is not None or not words:
                continue
            shared = words & _key_words(" ".join([candidate.title, *candidate.teasers]))
            scored.append((len(shared) / len(words), candidate))
        scored.sort(key=lambda pair: -pair[0])
        best = scored[0] if scored else None
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        if best is None or best[0] < LINK_MATCH or best[0] == runner_up:
            warnings.append(f"{link.path}: undated link with no dated story to match: "
                            f"{link.title} ({link.url})")
            continue
        story = best[1]
        story.url = link.url
        if not story.titled:
            story.title, story.titled = link.title, True
        if link.path not in story.seen_in:
            story.seen_in.append(link.path)
    return warnings


def ingest(paths: Iterable[Path], progress: Progress | None = None
           ) -> tuple[list[Candidate], list[str]]:
    """Candidates from every readable page, and one warning line per page that gave none."""
    sightings: list[Sighting] = []
    links: list[Link] = []
    warnings: list[str] = []
    for path in paths:
        if progress is not None:
            progress.step(str(path))
        try:
            found, linked = read_page(path)
        except IngestWarning as exc:
            warnings.append(f"{path}: {exc}")
            continue
        sightings.extend(found)
        links.extend(linked)
    candidates = merge(sightings)
    warnings.extend(link_undated(candidates, links))
    return candidates, warnings


def page_files(paths: Iterable[Path]) -> list[Path]:
    """The files to read: each file given, and every saved page inside each folder given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file()
                                and p.suffix.lower() in PAGE_SUFFIXES
                                and not any(part.startswith(".") for part in p.parts)))
        else:
            files.append(path)
    return files


def mark_duplicates(candidates: Iterable[Candidate], kb: KnowledgeBase) -> None:
    """Note, on each candidate, the existing event that tells the same story (its day and
    most of its headline's key words)."""
    by_day: dict[dt.date, list[Event]] = {}
    for event in kb.events:
        if event.date.precision == "day":
            by_day.setdefault(event.date.first_day(), []).append(event)
    for candidate in candidates:
        words = _key_words(candidate.title)
        for event in by_day.get(candidate.date, []):
            known = _key_words(f"{event.title} {event.summary}")
            if words and len(words & known) / len(words) >= LINK_MATCH:
                candidate.duplicate_of = event.id
                break


# --- Drafts ---------------------------------------------------------------------------------


def already_cited(candidate: Candidate, kb: KnowledgeBase) -> bool:
    for source in kb.sources.values():
        if _same_url(candidate.url, source.url):
            return True
        same_day = source.date.precision == "day" and source.date.first_day() == candidate.date
        if same_day and fold(source.title) == fold(candidate.title):
            return True
    return False


def _quote(text: str) -> str:
    """The opening of a teaser, short enough to be kept as evidence."""
    words = text.rstrip("…").split()
    return " ".join(words[:MAX_EVIDENCE_WORDS])


def _slug(text: str, size: int) -> str:
    return "-".join(fold(text).split())[:size].rstrip("-") or "story"


def _toml(value: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes, \uXXXX for control characters).
    return json.dumps(value, ensure_ascii=False)


def draft_text(candidate: Candidate) -> tuple[str, str]:
    """File name and TOML text of a draft source and event for one candidate."""
    day = candidate.date.isoformat()
    slug = _slug(candidate.title, 28)
    source_id = f"src-{day}-{slug}"[:40].rstrip("-")
    event_id = f"{day}-{slug}"[:40].rstrip("-")
    mission = candidate.url is None or (urlsplit(candidate.url).hostname or "").endswith(
        MISSION_HOSTS)
    lines = [
        f"# Draft made by `python -m bot ingest` from: {', '.join(candidate.seen_in)}",
        "# Before moving it out of inbox/: write the summary in our own words, choose the kind,",
        "# check the date, the title and the publisher, then run `python -m bot check`.",
        "",
        "[[source]]",
        f"id = {_toml(source_id)}",
        f"title = {_toml(candidate.title)}",
        f"publisher = {_toml('MINUSMA' if mission else 'TODO publisher')}",
        f"date = {day}",
        f"url = {_toml(candidate.url or 'TODO: the page address')}",
        "# The page's own words, to be checked: keep the quotes that state the event's facts.",
        f"evidence = [{_toml(_quote(candidate.summary) or _quote(candidate.title))}]",
        "",
        "[[event]]",
        f"id = {_toml(event_id)}",
        f"date = {day}",
        f"title = {_toml(candidate.title)}",
        f"summary = {_toml('TODO, in our own words. The source says: ' + candidate.summary)}",
        'kind = "statement"',
        f"sources = [{_toml(source_id)}]",
        "",
    ]
    return f"{event_id}.toml", "\n".join(lines)


def write_drafts(candidates: Iterable[Candidate], inbox: Path,
                 kb: KnowledgeBase | None) -> tuple[list[Path], int, int]:
    """Write a draft per new candidate; (written, already cited, already in the inbox)."""
    inbox.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    cited = pending = 0
    for candidate in candidates:
        if kb is not None and (candidate.duplicate_of or already_cited(candidate, kb)):
            cited += 1
            continue
        name, text = draft_text(candidate)
        target = inbox / name
        if target.exists():  # a curator may be editing it: never overwrite
            pending += 1
            continue
        fd, tmp = tempfile.mkstemp(prefix=".draft-", suffix=".tmp", dir=inbox)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, target)  # a draft appears whole or not at all
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written, cited, pending
