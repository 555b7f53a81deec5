"""Buttons, within Telegram's limits (64 bytes of callback data, short labels).

Callback data says what a press does:
- `t:<lang>:<entry id>`: answer with that entry in a new message ("see also");
- `c:<lang>:<entry id>`: the same, edited in place of the "which one?" or "I don't know"
  message it was offered in;
- `p:<list>:<page>`: show that page of a list, edited in place; `<list>` is `tl.<lang>` for
  /timeline, `src.<lang>` for /sources, or the key of an answer kept in `PageCache`;
- `f:<log row>:1` or `:0`: the answer helped, or did not (the question log's row, in hex);
- `g:<lang>:timeline` or `g:<lang>:map`: send that picture; `l:<lang>:tl`: the withdrawal as a
  paged list.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import LANGS, Lang, say
from bot.models import Answer, Phrase, Topic
from bot.render import Rendered, tg_len, topic_label

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
class Press:
    """A decoded button press."""

    action: str  # "t", "c", "p" or "f"
    lang: Lang
    target: str  # an entry id, a list key, or a log row
    page: int | None = None  # None: the page counter
    helpful: bool | None = None


def parse(data: str, fallback: Lang) -> Press | None:
    """What a button's data asks for, or None for data this bot never sends (or stopped
    sending)."""
    action, _, rest = data.partition(":")
    if action in ("g", "l"):
        lang, _, target = rest.partition(":")
        if lang in LANGS and target in ("timeline", "map", "tl"):
            return Press(action, lang, target)
        return None
    if action in ("t", "c"):
        lang, _, target = rest.partition(":")
        if lang in LANGS and target:
            return Press(action, lang, target)
        return Press(action, fallback, rest) if rest else None  # buttons from before v2
    if action == "f":
        row, _, vote = rest.partition(":")
        if row and all(c in "0123456789abcdef" for c in row) and vote in ("0", "1"):
            return Press("f", fallback, row, helpful=vote == "1")
        return None
    if action == "p":
        key, _, page = rest.rpartition(":")
        if key and page == NOOP:
            return Press("p", fallback, key)
        if key and page.isdigit():
            return Press("p", fallback, key, int(page))
    return None


def topic_buttons(topics: Sequence[Topic], lang: Lang, action: str = "t",
                  limit: int = MAX_TOPIC_BUTTONS) -> list[list[InlineKeyboardButton]]:
    rows = []
    for topic in topics[:limit]:
        data = f"{action}:{lang}:{topic.doc_id}"
        if fits(data):  # knowledge ids are short; never send what Telegram rejects
            rows.append([InlineKeyboardButton(short_label(topic_label(topic, lang)),
                                              callback_data=data)])
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


@dataclass(frozen=True)
class Kept:
    answer: Answer
    lang: Lang
    brief: bool


class PageCache:
    """The long answers whose pages buttons can still show: the most recent `size` of them.
    Pages of /timeline and /sources need none (they are worked out again)."""

    def __init__(self, size: int = 2000) -> None:
        self.size = size
        self._kept: OrderedDict[str, Kept] = OrderedDict()
        self._keys = itertools.count(1)

    def put(self, answer: Answer, lang: Lang, brief: bool) -> str:
        key = format(next(self._keys), "x")
        self._kept[key] = Kept(answer, lang, brief)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return key

    def get(self, key: str) -> Kept | None:
        return self._kept.get(key)
