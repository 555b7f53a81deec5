"""Rendering answers as console text or Telegram HTML, in English or French.

Rendering is the only place text is formatted: the HTML form escapes every dynamic piece and
never exceeds Telegram's limit of 4096 UTF-16 code units per message (Telegram counts an emoji
outside the Basic Multilingual Plane as two); the plain form is for the console.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from bot.i18n import Lang, human_date, human_span, say
from bot.models import Answer, Citation, Claim, Item, Phrase, Topic

TELEGRAM_LIMIT = 4096


def tg_len(text: str) -> int:
    """A text's length as Telegram counts it: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def fact_line(item: Item, lang: Lang = "en") -> str:
    title = item.title_fr if lang == "fr" and item.title_fr else item.title
    if not item.when:
        return title
    return f"{human_span(item.when, item.until or None, lang)}: {title}"


def context_of(item: Item, lang: Lang = "en") -> str:
    return item.context_fr if lang == "fr" and item.context_fr else item.context


def topic_label(topic: Topic, lang: Lang = "en") -> str:
    title = topic.title_fr if lang == "fr" and topic.title_fr else topic.title
    return f"{title} ({human_date(topic.when, lang)})" if topic.when else title


def headline_of(answer: Answer, lang: Lang = "en") -> str:
    if answer.headline is None:
        return ""
    if answer.headline.key == "order" and answer.items:
        # Comparisons list their items in date order: "first A, then B".
        first, *rest = (fact_line(i, lang).split(": ", 1)[-1] for i in answer.items)
        then = say(Phrase.of("then"), lang)
        return say(Phrase.of("order", first=first, rest=then.join(rest)), lang)
    return say(answer.headline, lang)


def _all_citations(items: Iterable[Item]) -> list[Citation]:
    """Every source the items cite, once, in the order first cited."""
    unique: dict[str, Citation] = {}
    for item in items:
        for cite in (*item.citations, *(c for v in item.versions for c in v.citations)):
            unique.setdefault(cite.source_id, cite)
    return list(unique.values())


def _numbered(items: Iterable[Item]) -> dict[str, int]:
    return {c.source_id: n for n, c in enumerate(_all_citations(items), 1)}


def _refs(cites: Sequence[Citation], numbers: dict[str, int]) -> str:
    return "".join(f"[{numbers[c.source_id]}]" for c in cites)


def _topics_label(answer: Answer, lang: Lang) -> str:
    return say(Phrase.of("see-also" if answer.is_answer else "closest"), lang)


def render_plain(answer: Answer, *, lang: Lang = "en", show_confidence: bool = False) -> str:
    numbers = _numbered(answer.items)
    headline = headline_of(answer, lang)
    parts = [headline] if headline else []
    for item in answer.items:
        line = fact_line(item, lang)
        block = [f"* {line}" if len(answer.items) > 1 else line]
        block.append(f"  {context_of(item, lang)} {_refs(item.citations, numbers)}".rstrip())
        if item.secondary:
            block.append("  (" + say(Phrase.of("secondary"), lang) + ")")
        if item.versions:
            block.append("  " + say(Phrase.of("differ"), lang))
            block.extend(f"  - {v.text} {_refs(v.citations, numbers)}" for v in item.versions)
        parts.append("\n".join(block))
    if answer.choices:
        parts.append("\n".join(f"{n}. {topic_label(t, lang)}"
                               for n, t in enumerate(answer.choices, 1)))
    if answer.more:
        narrow = say(answer.narrow, lang) if answer.narrow else ""
        parts.append(f"{say(Phrase.of('more', count=answer.more), lang)} {narrow}".rstrip())
    cites = _all_citations(answer.items)
    if cites:
        parts.append(say(Phrase.of("sources"), lang) + ":\n" + "\n".join(
            f"[{numbers[c.source_id]}] {c.title}. {c.publisher}, {human_date(c.date, lang)}. "
            f"{c.url}" for c in cites
        ))
    if answer.topics:
        parts.append(_topics_label(answer, lang) + ":\n" + "\n".join(
            f"- {topic_label(t, lang)}" for t in answer.topics))
    if show_confidence:
        parts.append(say(Phrase.of("confidence", value=f"{answer.confidence:.2f}"), lang))
    return "\n\n".join(parts)


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _html_item(item: Item, numbers: dict[str, int], many: bool, lang: Lang) -> str:
    line = _e(fact_line(item, lang))
    lines = [f"• <b>{line}</b>" if many else f"<b>{line}</b>",
             f"{_e(context_of(item, lang))} {_refs(item.citations, numbers)}".rstrip()]
    if item.secondary:
        lines.append(f"<i>{_e(say(Phrase.of('secondary'), lang))}</i>")
    if item.versions:
        lines.append(f"<i>{_e(say(Phrase.of('differ'), lang))}</i>")
        lines.extend(f"– {_e(v.text)} {_refs(v.citations, numbers)}" for v in item.versions)
    return "\n".join(lines)


def _html_citation(cite: Citation, number: int, lang: Lang) -> str:
    link = f'<a href="{html.escape(cite.url, quote=True)}">{_e(cite.title)}</a>'
    return f"[{number}] {link}, {_e(cite.publisher)}, {_e(human_date(cite.date, lang))}"


def _html(answer: Answer, items: Sequence[Item], more: int, lang: Lang,
          headline: str | None = None) -> str:
    numbers = _numbered(items)
    headline = headline_of(answer, lang) if headline is None else headline
    parts = [f"<b>{_e(headline)}</b>"] if headline else []
    parts.extend(_html_item(item, numbers, len(items) > 1, lang) for item in items)
    if answer.choices:
        parts.append("\n".join(f"{n}. {_e(topic_label(t, lang))}"
                               for n, t in enumerate(answer.choices, 1)))
    if more:
        narrow = f" {_e(say(answer.narrow, lang))}" if answer.narrow else ""
        parts.append(f"<i>{_e(say(Phrase.of('more', count=more), lang))}{narrow}</i>")
    cites = _all_citations(items)
    if cites:
        parts.append(f"<b>{_e(say(Phrase.of('sources'), lang))}</b>\n" + "\n".join(
            _html_citation(c, numbers[c.source_id], lang) for c in cites
        ))
    if answer.topics:
        parts.append(f"<i>{_e(_topics_label(answer, lang))}:</i>\n" + "\n".join(
            f"• {_e(topic_label(t, lang))}" for t in answer.topics))
    return "\n\n".join(parts)


def render_html(answer: Answer, *, lang: Lang = "en", limit: int = TELEGRAM_LIMIT) -> str:
    """Telegram-safe HTML: escaped, and within `limit` UTF-16 units by leaving out whole
    items, then cutting free text (never markup)."""
    items = list(answer.items)
    more = answer.more
    text = _html(answer, items, more, lang)
    while tg_len(text) > limit and len(items) > 1:
        items.pop()
        more += 1
        text = _html(answer, items, more, lang)
    if tg_len(text) > limit:
        text = _fit_single(answer, items[0] if items else None, more, limit, lang)
    return text


def render_html_parts(answer: Answer, *, lang: Lang = "en",
                      limit: int = TELEGRAM_LIMIT) -> list[str]:
    """The whole answer (every item), as as many messages as it takes."""
    return split_message(_html(answer, list(answer.items), answer.more, lang), limit)


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Cut rendered HTML into messages of at most `limit` UTF-16 units at paragraph boundaries.

    Every line the renderers write closes the tags it opens, so cutting between paragraphs,
    or between lines of an overlong paragraph, always leaves well-formed HTML.
    """
    pieces: list[str] = []
    for paragraph in text.split("\n\n"):
        if tg_len(paragraph) <= limit:
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
        if tg_len(joined) <= limit:
            current = joined
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def _fit_line(line: str, limit: int) -> str:
    """A line longer than a whole message loses its markup and is cut to fit."""
    if tg_len(line) <= limit:
        return line
    return _e(_cut(html.unescape(re.sub(r"<[^>]+>", "", line)), limit))


def _fit_single(answer: Answer, item: Item | None, more: int, limit: int, lang: Lang) -> str:
    """One item too long on its own (a curator's essay, a pasted question in the headline):
    cut the free text, never the markup, so the HTML stays well formed."""
    headline = _cut(headline_of(answer, lang), 300)
    short = Answer(answer.kind, answer.question, answer.confidence, None,
                   topics=answer.topics[:5], choices=answer.choices[:5], narrow=answer.narrow)
    if item is None:
        return _e(_cut(headline, limit))
    claims = tuple(Claim(_cut(v.text, 200), v.citations[:3]) for v in item.versions[:5])
    base = replace(item, title=_cut(item.title, 300), title_fr=_cut(item.title_fr, 300),
                   context="", context_fr="", citations=item.citations[:10], versions=claims)
    for attempt in (base, replace(base, citations=base.citations[:3], versions=())):
        room = limit - tg_len(_html(short, [attempt], more, lang, headline)) - 2
        if room >= 0:
            context = _cut(context_of(item, lang), room)
            fitted = replace(attempt, context=context, context_fr=context)
            return _html(short, [fitted], more, lang, headline)
        short = Answer(short.kind, short.question, short.confidence)
        headline = ""
    return _e(_cut(fact_line(item, lang), limit))


def _cut(text: str, size: int) -> str:
    """The longest start of `text` whose HTML-escaped form fits in `size` UTF-16 units."""
    if tg_len(_e(text)) <= size:
        return text
    used = 1  # the ellipsis
    for end, ch in enumerate(text):
        used += tg_len(_e(ch))
        if used > size:
            return text[:end].rstrip() + "…"
    return text
