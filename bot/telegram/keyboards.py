"""Buttons: topics to pick, each within Telegram's limits (64 bytes of callback data, short
labels)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Lang
from bot.models import Topic
from bot.render import topic_label

TOPIC_PREFIX = "t:"
CALLBACK_DATA_LIMIT = 64  # bytes
MAX_TOPIC_BUTTONS = 5
LABEL_LIMIT = 60  # characters shown on a phone before Telegram cuts the label itself


def fits(data: str) -> bool:
    return len(data.encode()) <= CALLBACK_DATA_LIMIT


def short_label(text: str, limit: int = LABEL_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def topic_keyboard(topics: Sequence[Topic], lang: Lang = "en") -> InlineKeyboardMarkup | None:
    buttons = []
    for topic in topics[:MAX_TOPIC_BUTTONS]:
        data = TOPIC_PREFIX + topic.doc_id
        if not fits(data):
            continue  # knowledge ids are checked to be short; never send what Telegram rejects
        buttons.append([InlineKeyboardButton(short_label(topic_label(topic, lang)),
                                             callback_data=data)])
    return InlineKeyboardMarkup(buttons) if buttons else None
