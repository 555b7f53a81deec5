"""Buttons, within Telegram's limits (64 bytes of callback data, short labels).

Callback data says what a press does:
- `t:<lang>:<entry id>`: answer with that entry in a new message ("see also");
- `c:<lang>:<entry id>`: the same, offered after "which one?", "did you mean?" or "I don't
  know": the answer quotes that message, which stays as it was, its other choices usable;
- `p:<list>:<page>`: show that page of a list, edited in place; `<list>` is `tl.<lang>` for
  /timeline, `src.<lang>` for /sources, or the random key of an answer kept in `PageCache`
  (valid in the chat it was sent to only);
- `f:<log row>:1` or `:0`: the answer helped, or did not (the question log's row, in hex);
- `g:<lang>:timeline` or `g:<lang>:map`: send that picture; `l:<lang>:tl`: the withdrawal as a
  paged list.

Anyone can send any callback data (Telegram does not check it against the buttons it showed),
so `parse` accepts exactly this grammar, in ASCII, and nothing else, into one typed record per
kind of press; the application routes each kind to its handler with `pressed(kind)` as the
CallbackQueryHandler's pattern.
"""

from __future__ import annotations

import re
import secrets
import sys
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Lang, human_date, say
from bot.models import Answer, Phrase, Topic
from bot.render import Rendered, tg_len

CALLBACK_DATA_LIMIT = 64  # bytes
MAX_TOPIC_BUTTONS = 5
LABEL_UNITS = 60  # what a phone shows of a button before Telegram cuts the label itself
NOOP = "-"  # the page counter between the arrows: pressing it changes nothing


def fits(data: str) -> bool:
    return len(data.encode()) <= CALLBACK_DATA_LIMIT


def short_label(text: str, units: int = LABEL_UNITS) -> str:
    if tg_len(text) <= units:
        return text
    while tg_len(text) > units - 1:
        text = text[:-1]
    return text.rstrip() + "…"


@dataclass(frozen=True)
class TopicPress:
    """`t:` or `c:`: answer with an entry, in a new message below the one pressed. `offered`:
    it was one of the choices after "which one?", "did you mean?" or "I don't know"."""

    lang: Lang
    entry: str
    offered: bool = False


@dataclass(frozen=True)
class PagePress:
    """`p:`: a page of a list, edited in place; `page` None is the counter between the
    arrows."""

    key: str  # tl.<lang>, src.<lang>, or a PageCache key
    page: int | None


@dataclass(frozen=True)
class FeedbackPress:
    """`f:`: the answer logged at `row` helped, or did not."""

    row: int
    helpful: bool


@dataclass(frozen=True)
class PicturePress:
    """`g:`: send that picture."""

    lang: Lang
    kind: Literal["timeline", "map"]


@dataclass(frozen=True)
class ListPress:
    """`l:`: the withdrawal as a paged list."""

    lang: Lang


Press = TopicPress | PagePress | FeedbackPress | PicturePress | ListPress

_LANG = "(?P<lang>en|fr)"
_ENTRY = "(?P<target>[a-z0-9][a-z0-9_-]{0,39})"
PAGE_KEY_BYTES = 8  # 16 hex digits: unguessable, and short enough for 64 bytes of data
_GRAMMAR = {
    "g": re.compile(f"{_LANG}:(?P<target>timeline|map)"),
    "l": re.compile(f"{_LANG}:(?P<target>tl)"),
    "t": re.compile(f"(?:{_LANG}:)?{_ENTRY}"),  # without a language: buttons from before v2
    "c": re.compile(f"(?:{_LANG}:)?{_ENTRY}"),
    "f": re.compile("(?P<target>[0-9a-f]{1,12}):(?P<vote>[01])"),
    "p": re.compile(r"(?P<target>(?:tl|src)\.(?:en|fr)|[0-9a-f]{16})"
                    r":(?:(?P<page>0|[1-9][0-9]{0,3})|-)"),
}


def parse(data: object, fallback: Lang = "en") -> Press | None:
    """What a button's data asks for, as a typed record, or None for data this bot never
    sends (or stopped sending). One strict grammar: no Unicode digits, no row id out of
    range, no page beyond 9999."""
    if not isinstance(data, str):
        return None
    action, _, rest = data.partition(":")
    grammar = _GRAMMAR.get(action)
    found = grammar.fullmatch(rest) if grammar is not None else None
    if found is None:
        return None
    parts = found.groupdict()
    lang: Lang = "fr" if parts.get("lang") == "fr" else (
        "en" if parts.get("lang") == "en" else fallback)
    target = parts["target"]
    if action in ("t", "c"):
        return TopicPress(lang=lang, entry=target, offered=action == "c")
    if action == "p":
        page = parts.get("page")
        return PagePress(key=target, page=None if page is None else int(page))
    if action == "f":
        return FeedbackPress(row=int(target, 16), helpful=parts["vote"] == "1")
    if action == "g":
        return PicturePress(lang=lang, kind="map" if target == "map" else "timeline")
    return ListPress(lang=lang)


def pressed(kind: type[Press]) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: the data parses as a press of this kind."""
    return lambda data: isinstance(parse(data), kind)


def topic_label(topic: Topic, lang: Lang, units: int = LABEL_UNITS) -> str:
    """A button's label: the title, shortened if it must be, and always its date, which is
    what tells two events of one place apart."""
    title = topic.title_fr if lang == "fr" and topic.title_fr else topic.title
    if not topic.when:
        return short_label(title, units)
    when = f" ({human_date(topic.when, lang)})"
    return short_label(title, units - tg_len(when)) + when


def topic_buttons(topics: Sequence[Topic], lang: Lang, action: str = "t",
                  limit: int = MAX_TOPIC_BUTTONS) -> list[list[InlineKeyboardButton]]:
    rows = []
    for topic in topics[:limit]:
        data = f"{action}:{lang}:{topic.doc_id}"
        if fits(data):  # knowledge ids are short; never send what Telegram rejects
            rows.append([InlineKeyboardButton(topic_label(topic, lang), callback_data=data)])
    return rows


def pager_row(key: str, page: int, pages: int) -> list[InlineKeyboardButton]:
    row = []
    if page > 0:
        row.append(InlineKeyboardButton("◀", callback_data=f"p:{key}:{page - 1}"))
    row.append(InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=f"p:{key}:{NOOP}"))
    if page < pages - 1:
        row.append(InlineKeyboardButton("▶", callback_data=f"p:{key}:{page + 1}"))
    return row


def picture_keyboard(kind: str, lang: Lang) -> InlineKeyboardMarkup:
    """Under a picture: the same as a list, and the other picture."""
    other = "map" if kind == "timeline" else "timeline"
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(say(Phrase.of("as-list"), lang), callback_data=f"l:{lang}:tl")],
        [InlineKeyboardButton(say(Phrase.of(f"as-{other}"), lang),
                              callback_data=f"g:{lang}:{other}")]])


def feedback_row(row: int, lang: Lang) -> list[InlineKeyboardButton]:
    key = format(row, "x")
    return [InlineKeyboardButton(say(Phrase.of("helpful"), lang), callback_data=f"f:{key}:1"),
            InlineKeyboardButton(say(Phrase.of("not-helpful"), lang),
                                 callback_data=f"f:{key}:0")]


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same buttons, less the feedback row (once it has been pressed)."""
    if markup is None:
        return None
    rows = [row for row in markup.inline_keyboard
            if not any(str(b.callback_data or "").startswith("f:") for b in row)]
    return InlineKeyboardMarkup(rows) if rows else None


def answer_keyboard(answer: Answer, lang: Lang, rendered: Rendered, key: str | None,
                    brief: bool = False, feedback: int | None = None
                    ) -> InlineKeyboardMarkup | None:
    """Choices to pick, the closest topics after "I don't know", topics to see next after an
    answer (not in groups), the pager of a long list, and 👍 👎 under an answer in a private
    chat."""
    if answer.choices:
        rows = topic_buttons(answer.choices, lang, "c")
    elif answer.kind == "smalltalk":
        # "thanks" in a group deserves a word, not a keyboard.
        rows = [] if brief else topic_buttons(answer.topics, lang, "t")
    elif not answer.is_answer:
        rows = topic_buttons(answer.topics, lang, "c")
    elif not brief:
        rows = topic_buttons(answer.topics, lang, "t", limit=3)
    else:
        rows = []
    if rendered.pages > 1 and key is not None:
        rows.append(pager_row(key, rendered.page, rendered.pages))
    if feedback is not None:
        rows.append(feedback_row(feedback, lang))
    return InlineKeyboardMarkup(rows) if rows else None


Recipe = Literal["ask", "topic"]


@dataclass(frozen=True)
class Kept:
    """How to work a long answer out again: the question (or entry) it came from, not the
    answer itself, which can be a hundred times larger."""

    owner: int | str  # the chat it was sent to, or the inline message's id
    recipe: Recipe
    text: str  # the question asked, or the entry id
    lang: Lang
    brief: bool


# What one kept answer costs beyond its text: the Kept object, its key and the dict slot.
KEPT_OVERHEAD = 400


class PageCache:
    """The long answers whose pages buttons can still show, most recent first, within a byte
    budget and a count; the oldest are forgotten first (their buttons then say the list
    expired). Pages of /timeline and /sources need none (they are worked out again)."""

    def __init__(self, budget: int = 8 * 1024 * 1024, size: int = 50_000) -> None:
        self.budget = budget
        self.size = size
        self.bytes = 0
        self._kept: OrderedDict[str, Kept] = OrderedDict()

    @staticmethod
    def _cost(kept: Kept) -> int:
        return sys.getsizeof(kept.text) + KEPT_OVERHEAD

    def put(self, owner: int | str, recipe: Recipe, text: str, lang: Lang,
            brief: bool) -> str:
        key = secrets.token_hex(PAGE_KEY_BYTES)
        kept = Kept(owner, recipe, text, lang, brief)
        self._kept[key] = kept
        self.bytes += self._cost(kept)
        while self._kept and (self.bytes > self.budget or len(self._kept) > self.size):
            _, old = self._kept.popitem(last=False)
            self.bytes -= self._cost(old)
        return key

    def get(self, key: str, owner: int | str | None) -> Kept | None:
        """The kept answer, only in the chat it was sent to."""
        kept = self._kept.get(key)
        return kept if kept is not None and kept.owner == owner else None

    def __len__(self) -> int:
        return len(self._kept)
