"""Rendering answers as console text or Telegram HTML, in English or French.

Rendering is the only place text is formatted. The Telegram form is short: the fact first in
one line, what happened in about three lines, the sources numbered inside an expandable
quote; a list shows one line per item, a page at a time. It escapes every dynamic piece and
never exceeds Telegram's limit of 4096 UTF-16 code units of visible text per message (Telegram
counts an emoji outside the Basic Multilingual Plane as two). The plain form is for the console.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.i18n import Lang, human_date, human_span, say
from bot.models import Answer, Citation, Claim, Item, Phrase, Source, Topic

TELEGRAM_LIMIT = 4096
PAGE_ITEMS = 8  # list items per page in a private chat
GROUP_PAGE_ITEMS = 5  # and in a group, where long replies are noise
SOURCES_PAGE = 20  # lines of /sources per page
CONTEXT_UNITS = 300  # what happened: about three lines on a phone
GROUP_CONTEXT_UNITS = 150  # about one and a half in a group
LINE_UNITS = 160  # one list item or one version of a disputed fact
TITLE_UNITS = 90  # a source's title in the sources list
REST_UNITS = 1500  # the rest of what happened, behind the quote with the sources


def tg_len(text: str) -> int:
    """A text's length as Telegram counts it: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def title_of(item: Item, lang: Lang = "en") -> str:
    return item.title_fr if lang == "fr" and item.title_fr else item.title


def fact_line(item: Item, lang: Lang = "en") -> str:
    """The fact in one line: "31 October 2023: MINUSMA leaves Kidal" (" : " in French)."""
    if not item.when:
        return title_of(item, lang)
    return say(Phrase.of("dated", when=human_span(item.when, item.until or None, lang),
                         title=title_of(item, lang)), lang)


def context_of(item: Item, lang: Lang = "en") -> str:
    return item.context_fr if lang == "fr" and item.context_fr else item.context


def claim_of(claim: Claim, lang: Lang = "en") -> str:
    return claim.text_fr if lang == "fr" and claim.text_fr else claim.text


def topic_label(topic: Topic, lang: Lang = "en") -> str:
    title = topic.title_fr if lang == "fr" and topic.title_fr else topic.title
    return f"{title} ({human_date(topic.when, lang)})" if topic.when else title


def headline_of(answer: Answer, lang: Lang = "en") -> str:
    if answer.headline is None:
        return ""
    if answer.headline.key == "order" and answer.items:
        # Comparisons list their items in date order: "first A, then B".
        first, *rest = (title_of(i, lang) for i in answer.items)
        then = say(Phrase.of("then"), lang)
        return say(Phrase.of("order", first=first, rest=then.join(rest)), lang)
    return say(answer.headline, lang)


_COUNT_WORDS: dict[Lang, tuple[str, ...]] = {
    "en": ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    "fr": ("", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"),
}


def prompt_of(answer: Answer, lang: Lang = "en", about: str = "") -> str:
    """The first line of an answer as the reader sees it, a question back included: a "which
    one?" names what is ambiguous and how many answers fit ("Gao: two possible answers. Which
    one do you mean?"), a "did you mean?" names what it offers."""
    key = answer.headline.key if answer.headline is not None else ""
    if answer.kind == "choice" and key == "which-one" and answer.choices:
        count = len(answer.choices)
        words = _COUNT_WORDS[lang]
        spelt = words[count] if count < len(words) else str(count)
        if about:
            return say(Phrase.of("which-one-about", about=about, count=spelt), lang)
        line = say(Phrase.of("which-one-count", count=spelt), lang)
        return line[:1].upper() + line[1:]
    if answer.kind == "choice" and key == "did-you-mean" and len(answer.choices) == 1:
        return say(Phrase.of("did-you-mean-this", topic=topic_label(answer.choices[0], lang)),
                   lang)
    return headline_of(answer, lang)


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


def _heading(text: str, lang: Lang) -> str:
    """A label before a list: "Sources:", "Sources :" in French."""
    return f"{text} :" if lang == "fr" else f"{text}:"


def render_plain(answer: Answer, *, lang: Lang = "en", show_confidence: bool = False,
                 about: str = "") -> str:
    numbers = _numbered(answer.items)
    headline = prompt_of(answer, lang, about)
    parts = [headline] if headline else []
    for item in answer.items:
        line = fact_line(item, lang)
        block = [f"* {line}" if len(answer.items) > 1 else line]
        block.append(f"  {context_of(item, lang)} {_refs(item.citations, numbers)}".rstrip())
        if item.secondary:
            block.append("  (" + say(Phrase.of("secondary"), lang) + ")")
        if item.versions:
            block.append("  " + say(Phrase.of("differ"), lang))
            block.extend(f"  - {claim_of(v, lang)} {_refs(v.citations, numbers)}"
                         for v in item.versions)
        parts.append("\n".join(block))
    if answer.choices:
        parts.append("\n".join(f"{n}. {topic_label(t, lang)}"
                               for n, t in enumerate(answer.choices, 1)))
    if answer.more:
        narrow = say(answer.narrow, lang) if answer.narrow else ""
        parts.append(f"{say(Phrase.of('more', count=answer.more), lang)} {narrow}".rstrip())
    cites = _all_citations(answer.items)
    if cites:
        parts.append(_heading(say(Phrase.of("sources"), lang), lang) + "\n" + "\n".join(
            f"[{numbers[c.source_id]}] {c.title}. {c.publisher}, {human_date(c.date, lang)}. "
            f"{c.url}" for c in cites
        ))
    if answer.topics:
        parts.append(_heading(_topics_label(answer, lang), lang) + "\n" + "\n".join(
            f"- {topic_label(t, lang)}" for t in answer.topics))
    if show_confidence:
        parts.append(say(Phrase.of("confidence", value=f"{answer.confidence:.2f}"), lang))
    return "\n\n".join(parts)


def render_visible(answer: Answer, *, lang: Lang = "en") -> str:
    """What a reader sees of an answer without opening anything: the headline, the fact line of
    each item on the first page, and the first lines of what happened for a single answer.
    Never the see-also topics, choices, sources or disputed accounts (behind the quote): the
    strict judge of `bot/evaluation.py` reads only this."""
    headline = headline_of(answer, lang)
    parts = [headline] if headline else []
    items = answer.items[:PAGE_ITEMS]
    parts.extend(fact_line(item, lang) for item in items)
    if items and answer.kind != "timeline":
        parts.append(split_within(context_of(items[0], lang), CONTEXT_UNITS)[0])
    return "\n".join(parts)


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def visible_len(text: str) -> int:
    """The length Telegram checks against 4096: the text after parsing its HTML, in UTF-16
    code units (links' addresses and tags do not count)."""
    return tg_len(html.unescape(re.sub(r"<[^>]+>", "", text)))


def cut(text: str, units: int) -> str:
    """The longest start of `text`, ending at a word, that fits in `units` UTF-16 units with
    an ellipsis."""
    if tg_len(text) <= units:
        return text
    used, end = 1, 0
    for end, ch in enumerate(text):  # noqa: B007 - `end` is read after the loop
        used += tg_len(ch)
        if used > units:
            break
    start = text[:end]
    word = start.rsplit(" ", 1)[0] if " " in start[len(start) // 2:] else start
    return word.rstrip(" ,;:") + "…"


_SENTENCE_END = re.compile(r"[.!?…»\"”)](?=\s+[A-ZÀ-Ý«\"“(0-9])")
# Words whose full stop ends no sentence: titles and ranks before a name ("Lt. Gen. Dennis
# Gyllensporre", "M. Annadif"), "No. 2100", "U.N.", Latin shorthand.
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "cpt", "sgt", "cpl", "pte",
    "st", "no", "nos", "jr", "sr", "vs", "etc", "e.g", "i.e", "u.n", "u.s", "u.k", "m", "mm",
    "mme", "mlle", "mgr", "pr", "cf", "approx", "fig", "art", "res", "vol", "p", "pp", "ca",
    "brig", "adm", "cmdr", "hon", "rev", "prof", "env", "av", "ex",
})
# A first sentence longer than the room for it is still shown whole, up to this many times
# the room: a reader must never see "personnel to leave by…" with the date behind the quote.
SENTENCE_STRETCH = 4


def _ends_sentence(text: str, at: int) -> bool:
    """Whether the punctuation at `at` closes a sentence, not an abbreviation or an
    initial ("Mahamat S. Annadif")."""
    if text[at] != ".":
        return True
    word = re.search(r"([\w.]+)$", text[:at])
    if word is None:
        return True
    token = word.group(1)
    if len(token) == 1 and token.isalpha():
        return False  # an initial
    return token.casefold() not in _ABBREVIATIONS


def sentence_ends(text: str) -> list[int]:
    """Where each sentence of `text` ends (the index after its closing punctuation)."""
    return [m.end() for m in _SENTENCE_END.finditer(text) if _ends_sentence(text, m.start())]


def split_within(text: str, units: int) -> tuple[str, str]:
    """Whole sentences of `text` fitting `units` UTF-16 units, and the rest. A first sentence
    too long on its own is shown whole when it fits `SENTENCE_STRETCH` times the room, so
    that dates, names and figures are never split; only a sentence longer than that (no
    real entry's) is cut at a word."""
    if tg_len(text) <= units:
        return text, ""
    ends = sentence_ends(text)
    best = 0
    for end in ends:
        if tg_len(text[:end]) > units:
            break
        best = end
    if not best and ends and tg_len(text[:ends[0]]) <= units * SENTENCE_STRETCH:
        best = ends[0]
    if not best and tg_len(text) <= units * SENTENCE_STRETCH:
        return text, ""  # one sentence, whole
    if best:
        return text[:best], text[best:].strip()
    shown = cut(text, units)
    return shown, text[len(shown) - 1:].strip()


def _all_citations_html(cites: Sequence[Citation], lang: Lang, compact: bool) -> str:
    lines = []
    for n, c in enumerate(cites, 1):
        url = html.escape(c.url, quote=True)
        when = _e(human_date(c.date, lang))
        if compact:
            lines.append(f'{n}. <a href="{url}">{_e(cut(c.publisher, 40))}</a>, {when}')
        else:
            lines.append(f'{n}. <a href="{url}">{_e(cut(c.title, TITLE_UNITS))}</a>, '
                         f"{_e(cut(c.publisher, 40))}, {when}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Rendered:
    """One message of an answer: its HTML, and which page of how many it shows."""

    text: str
    page: int = 0
    pages: int = 1


def page_count(answer: Answer, brief: bool = False) -> int:
    size = GROUP_PAGE_ITEMS if brief else PAGE_ITEMS
    return max(1, math.ceil(len(answer.items) / size))


def _detailed(answer: Answer) -> bool:
    """Whether items are told with what happened, or listed one line each."""
    return len(answer.items) == 1 or (answer.kind in ("comparison", "derived")
                                       and len(answer.items) <= 3)


def _telegram(answer: Answer, items: Sequence[Item], lang: Lang, brief: bool, page: int,
              pages: int, compact: bool, context_units: int, rest_units: int,
              about: str = "") -> str:
    numbers = _numbered(items)
    parts: list[str] = []
    headline = prompt_of(answer, lang, about)
    if headline:
        parts.append(f"<b>{_e(headline)}</b>")
    rest = ""
    disputed: list[str] = []
    if _detailed(answer):
        for item in items:
            line = _e(fact_line(item, lang))
            shown, more = split_within(context_of(item, lang), context_units)
            if len(items) == 1:
                rest = more
            block = [f"• <b>{line}</b>" if len(items) > 1 else f"<b>{line}</b>",
                     f"{_e(shown)} {_refs(item.citations, numbers)}".rstrip()]
            if item.secondary:
                block.append(f"<i>{_e(say(Phrase.of('secondary'), lang))}</i>")
            if item.versions:
                # The accounts wait behind the quote with the sources; the reader is told.
                note = say(Phrase.of("differ-count", count=len(item.versions)), lang)
                block.append(f"<i>{_e(note)}</i>")
                disputed.append(f"<i>{_e(say(Phrase.of('differ'), lang))}</i>")
                # Each account whole, whatever its length: cut, it would lose its fact.
                disputed.extend(f"– {_e(claim_of(v, lang))} "
                                f"{_refs(v.citations, numbers)}" for v in item.versions)
            parts.append("\n".join(line for line in block if line))
    elif items:
        lines = []
        for item in items:
            refs = _refs(item.citations, numbers)
            if item.when:
                when = _e(human_span(item.when, item.until or None, lang))
                title = _e(cut(title_of(item, lang), LINE_UNITS))
                lines.append(say(Phrase.of("dated", when=f"• <b>{when}</b>", title=title),
                                 lang) + f" {refs}")
            else:
                lines.append(f"• {_e(cut(title_of(item, lang), LINE_UNITS))} {refs}")
        parts.append("\n".join(lines))
    if page == pages - 1 and answer.more:
        narrow = f" {_e(say(answer.narrow, lang))}" if answer.narrow else ""
        parts.append(f"<i>{_e(say(Phrase.of('more', count=answer.more), lang))}{narrow}</i>")
    elif pages > 1 and page == 0 and answer.narrow:
        parts.append(f"<i>{_e(say(answer.narrow, lang))}</i>")
    cites = _all_citations(items)
    hidden = []
    if disputed:
        hidden.append("\n".join(disputed))
    if rest and rest_units:
        hidden.append(_e(split_within(rest, rest_units)[0]))
    if cites:
        if brief:
            cites = cites[:3]
        hidden.append(f"<b>{_e(say(Phrase.of('sources'), lang))}</b>\n"
                      + _all_citations_html(cites, lang, compact))
    if hidden:
        parts.append("<blockquote expandable>" + "\n\n".join(hidden) + "</blockquote>")
    return "\n\n".join(parts)


def render_telegram(answer: Answer, *, lang: Lang = "en", brief: bool = False, page: int = 0,
                    limit: int = TELEGRAM_LIMIT, about: str = "") -> Rendered:
    """One page of an answer as Telegram HTML, within `limit` visible UTF-16 units; `about`
    names what a "which one?" is about."""
    size = GROUP_PAGE_ITEMS if brief else PAGE_ITEMS
    pages = page_count(answer, brief)
    page = min(max(page, 0), pages - 1)
    items = answer.items[page * size:(page + 1) * size]
    context = GROUP_CONTEXT_UNITS if brief else CONTEXT_UNITS
    # Less and less: the rest of the story behind the quote, sources' titles, the context.
    for compact, units, rest in ((False, context, REST_UNITS), (True, context, REST_UNITS // 3),
                                 (True, 100, 0)):
        text = _telegram(answer, items, lang, brief, page, pages, compact, units, rest, about)
        if visible_len(text) <= limit:
            return Rendered(text, page, pages)
    # Only a pathological headline gets here (a curator's essay pasted as a label).
    return Rendered(_e(cut(prompt_of(answer, lang, about) or fact_line(items[0], lang),
                           limit)), page, pages)


def render_html(answer: Answer, *, lang: Lang = "en", brief: bool = False,
                limit: int = TELEGRAM_LIMIT) -> str:
    """The first page of an answer as Telegram HTML; later pages say how many items follow
    (for a message that cannot be paged: the console's --html, an inline answer)."""
    rendered = render_telegram(answer, lang=lang, brief=brief, limit=limit)
    if rendered.pages == 1:
        return rendered.text
    size = GROUP_PAGE_ITEMS if brief else PAGE_ITEMS
    shown = replace(answer, items=answer.items[:size],
                    more=answer.more + len(answer.items) - size)
    return render_telegram(shown, lang=lang, brief=brief, limit=limit).text


def render_sources(sources: Sequence[Source], *, lang: Lang = "en", page: int = 0) -> Rendered:
    """One page of every source, newest first."""
    rows = sorted(sources, key=lambda s: (s.date.iso, s.id), reverse=True)
    pages = max(1, math.ceil(len(rows) / SOURCES_PAGE))
    page = min(max(page, 0), pages - 1)
    lines = [f"<b>{_e(say(Phrase.of('sources-count', count=len(rows)), lang))}</b>"]
    for s in rows[page * SOURCES_PAGE:(page + 1) * SOURCES_PAGE]:
        lines.append(f'• <a href="{html.escape(s.url, quote=True)}">'
                     f"{_e(cut(s.title, TITLE_UNITS))}</a>, {_e(cut(s.publisher, 40))}, "
                     f"{_e(human_date(s.date, lang))}")
    return Rendered("\n".join(lines), page, pages)
