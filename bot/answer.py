"""Composing cited answers (or an honest "I don't know") and rendering them as text or HTML.

Rendering is the only place text is formatted: the HTML form escapes every dynamic piece and
never exceeds Telegram's 4096 characters; the plain form is for the console.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import TypeAdapter

from bot.models import (
    Answer,
    Citation,
    Claim,
    Event,
    FaqEntry,
    Item,
    Match,
    PartialDate,
    Source,
    Topic,
)

TELEGRAM_LIMIT = 4096
_EVENT = TypeAdapter(Event)
_FAQ = TypeAdapter(FaqEntry)


def citation(source: Source) -> Citation:
    return Citation(source.id, source.title, source.publisher, source.date.human(), source.url)


def event_when(event: Event) -> str:
    if event.end_date is None or event.end_date == event.date:
        return event.date.human()
    return f"{event.date.human()} to {event.end_date.human()}"


def decode(doc: dict[str, Any]) -> Event | FaqEntry:
    if doc["kind"] == "event":
        return _EVENT.validate_json(doc["payload"])
    return _FAQ.validate_json(doc["payload"])


def item_for(doc: dict[str, Any], sources: dict[str, Source]) -> Item:
    entry = decode(doc)
    cites = tuple(citation(sources[s]) for s in entry.sources if s in sources)
    claims = tuple(
        Claim(v.claim, tuple(citation(sources[s]) for s in v.sources if s in sources))
        for v in entry.versions
    )
    if isinstance(entry, Event):
        fact = f"{event_when(entry)}: {entry.title}"
        context = entry.summary
    else:
        fact, context = entry.fact, entry.answer
    return Item(fact, context, cites, claims, entry.verification == "secondary", entry.id)


def topic_for(doc: dict[str, Any]) -> Topic:
    title = str(doc["title"])
    if doc.get("date") and doc["kind"] == "event":
        title = f"{title} ({PartialDate.parse(doc['date']).human()})"
    return Topic(str(doc["id"]), title)


def match_for(doc: dict[str, Any], score: float) -> Match:
    return Match(doc["id"], doc["kind"], doc["title"], round(score, 3), doc.get("date"))


# --- Rendering -------------------------------------------------------------------------------


def _numbered(items: Iterable[Item]) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for item in items:
        for cite in (*item.citations, *(c for v in item.versions for c in v.citations)):
            numbers.setdefault(cite.source_id, len(numbers) + 1)
    return numbers


def _refs(cites: Sequence[Citation], numbers: dict[str, int]) -> str:
    return "".join(f"[{numbers[c.source_id]}]" for c in cites)


def _all_citations(items: Iterable[Item]) -> list[Citation]:
    unique: dict[str, Citation] = {}
    for item in items:
        for cite in (*item.citations, *(c for v in item.versions for c in v.citations)):
            unique.setdefault(cite.source_id, cite)
    return list(unique.values())


def render_plain(answer: Answer, *, show_confidence: bool = False) -> str:
    numbers = _numbered(answer.items)
    parts = [answer.headline] if answer.headline else []
    for item in answer.items:
        block = [f"* {item.fact}" if len(answer.items) > 1 else item.fact]
        block.append(f"  {item.context} {_refs(item.citations, numbers)}".rstrip())
        if item.secondary:
            block.append("  (Reported by a secondary source only.)")
        if item.versions:
            block.append("  Sources differ:")
            block.extend(f"  - {v.text} {_refs(v.citations, numbers)}" for v in item.versions)
        parts.append("\n".join(block))
    if answer.more:
        parts.append(f"... and {answer.more} more. {answer.narrow}".rstrip())
    cites = _all_citations(answer.items)
    if cites:
        parts.append("Sources:\n" + "\n".join(
            f"[{numbers[c.source_id]}] {c.title}. {c.publisher}, {c.date}. {c.url}" for c in cites
        ))
    if answer.topics:
        label = "See also" if answer.is_answer else "Closest topics"
        parts.append(label + ":\n" + "\n".join(f"- {t.title}" for t in answer.topics))
    if show_confidence:
        parts.append(f"(confidence {answer.confidence:.2f})")
    return "\n\n".join(parts)


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _html_item(item: Item, numbers: dict[str, int], many: bool) -> str:
    fact = f"• <b>{_e(item.fact)}</b>" if many else f"<b>{_e(item.fact)}</b>"
    lines = [fact, f"{_e(item.context)} {_refs(item.citations, numbers)}".rstrip()]
    if item.secondary:
        lines.append("<i>Reported by a secondary source only.</i>")
    if item.versions:
        lines.append("<i>Sources differ:</i>")
        lines.extend(f"– {_e(v.text)} {_refs(v.citations, numbers)}" for v in item.versions)
    return "\n".join(lines)


def _html_citation(cite: Citation, number: int) -> str:
    link = f'<a href="{html.escape(cite.url, quote=True)}">{_e(cite.title)}</a>'
    return f"[{number}] {link}, {_e(cite.publisher)}, {_e(cite.date)}"


def _html(answer: Answer, items: Sequence[Item], more: int) -> str:
    numbers = _numbered(items)
    parts = [f"<b>{_e(answer.headline)}</b>"] if answer.headline else []
    parts.extend(_html_item(item, numbers, len(items) > 1) for item in items)
    if more:
        narrow = f" {_e(answer.narrow)}" if answer.narrow else ""
        parts.append(f"<i>… and {more} more.{narrow}</i>")
    cites = _all_citations(items)
    if cites:
        parts.append("<b>Sources</b>\n" + "\n".join(
            _html_citation(c, numbers[c.source_id]) for c in cites
        ))
    if answer.topics:
        label = "See also" if answer.is_answer else "Closest topics"
        parts.append(f"<i>{label}:</i>\n" + "\n".join(f"• {_e(t.title)}" for t in answer.topics))
    return "\n\n".join(parts)


def render_html(answer: Answer, limit: int = TELEGRAM_LIMIT) -> str:
    """Telegram-safe HTML: escaped, and within `limit` characters by leaving out whole items."""
    items = list(answer.items)
    more = answer.more
    text = _html(answer, items, more)
    while len(text) > limit and len(items) > 1:
        items.pop()
        more += 1
        text = _html(answer, items, more)
    if len(text) > limit:
        text = _fit_single(answer, items[0], more, limit)
    return text


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Cut rendered HTML into messages of at most `limit` characters at paragraph boundaries.

    Every line the renderers write closes the tags it opens, so cutting between paragraphs,
    or between lines of an overlong paragraph, always leaves well-formed HTML.
    """
    pieces: list[str] = []
    for paragraph in text.split("\n\n"):
        if len(paragraph) <= limit:
            pieces.append(paragraph)
        else:
            lines = [_fit_line(line, limit) for line in paragraph.split("\n")]
            pieces.extend(_pack(lines, "\n", limit))
    return [part for part in _pack(pieces, "\n\n", limit) if part.strip()]


def _pack(pieces: list[str], separator: str, limit: int) -> list[str]:
    """Join pieces (each within the limit) greedily into as few chunks as fit the limit."""
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        joined = f"{current}{separator}{piece}" if current else piece
        if len(joined) <= limit:
            current = joined
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def _fit_line(line: str, limit: int) -> str:
    """A line longer than a whole message loses its markup and is cut to fit."""
    if len(line) <= limit:
        return line
    return _e(_cut(html.unescape(re.sub(r"<[^>]+>", "", line)), limit))


def render_html_parts(answer: Answer, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """The whole answer (every item), as as many messages as it takes."""
    return split_message(_html(answer, list(answer.items), answer.more), limit)


def _fit_single(answer: Answer, item: Item, more: int, limit: int) -> str:
    """One item too long on its own (a curator's essay, a pasted question in the headline):
    cut the free text, never the markup, so the HTML stays well formed."""
    short = Answer(answer.kind, answer.question, answer.confidence,
                   _cut(answer.headline, 300), topics=answer.topics[:5])
    claims = tuple(Claim(_cut(v.text, 200), v.citations[:3]) for v in item.versions[:5])
    base = Item(_cut(item.fact, 300), "", item.citations[:10], claims, item.secondary,
                item.doc_id)
    for attempt in (base, Item(base.fact, "", base.citations[:3], (), base.secondary)):
        room = limit - len(_html(short, [attempt], more)) - 2
        if room >= 0:
            fitted = Item(attempt.fact, _cut(item.context, room), attempt.citations,
                          attempt.versions, attempt.secondary, attempt.doc_id)
            return _html(short, [fitted], more)
        short = Answer(short.kind, short.question, short.confidence, short.headline)
    return _e(_cut(item.fact, limit))


def _cut(text: str, size: int) -> str:
    """The longest start of `text` whose HTML-escaped form fits in `size` characters."""
    if len(_e(text)) <= size:
        return text
    used = 1  # the ellipsis
    for end, ch in enumerate(text):
        used += len(_e(ch))
        if used > size:
            return text[:end].rstrip() + "…"
    return text
