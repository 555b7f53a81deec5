"""Handlers: each reads an update, asks the engine through the service, and replies in the
asker's language. Every path answers the person who asked, failures included."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.ext import ContextTypes
from telegram.ext.filters import MessageFilter

from bot.engine import Engine
from bot.i18n import Lang, human_date, say
from bot.language import reply_language
from bot.models import Answer, Phrase, Topic
from bot.render import render_html, render_html_parts, split_message, tg_len
from bot.service import AnswerService, ReloadFailed
from bot.telegram.keyboards import TOPIC_PREFIX, topic_keyboard

log = logging.getLogger(__name__)

SERVICE = "answers"  # key of the AnswerService in bot_data
ADMINS = "admin_ids"
MAX_INLINE_RESULTS = 10
INLINE_CACHE_SECONDS = 30  # short, so that a reload shows in inline results soon
MAX_PROBLEMS_SHOWN = 20
PROBLEM_LENGTH = 180  # UTF-16 units per problem line: 20 of them fit in one message
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def service(context: ContextTypes.DEFAULT_TYPE) -> AnswerService:
    found: AnswerService = context.bot_data[SERVICE]
    return found


def text(key: str, lang: Lang, **params: object) -> str:
    """A catalogue string for a chat; parameters are escaped, the catalogue's own markup kept."""
    escaped = {k: html.escape(str(v), quote=False) for k, v in params.items()}
    return say(Phrase.of(key, **escaped), lang)


def phrase_html(phrase: Phrase, lang: Lang) -> str:
    return text(phrase.key, lang, **phrase.args())


def lang_of(update: Update, question: str = "") -> Lang:
    user = update.effective_user
    return reply_language(question, user.language_code if user else None)


# --- Who the message is for -----------------------------------------------------------------


class AddressedToBot(MessageFilter):
    """Group messages meant for the bot: they mention it, or reply to one of its messages."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        reply = message.reply_to_message
        if reply is not None and reply.from_user is not None and reply.from_user.id == bot.id:
            return True
        return _mentions(message, bot.username, bot.id)


def _mentions(message: Message, username: str, bot_id: int) -> bool:
    mentioned = message.parse_entities([MessageEntity.MENTION]).values()
    if any(found.lstrip("@").casefold() == username.casefold() for found in mentioned):
        return True
    return any(
        e.user is not None and e.user.id == bot_id
        for e in message.parse_entities([MessageEntity.TEXT_MENTION])
    )


def _without_mention(message: Message, username: str) -> str:
    """The message's text with the bot's mentions cut out by their entities, so that
    "@bot, when did..." keeps its question whatever punctuation follows the name."""
    raw = message.text or ""
    utf16 = raw.encode("utf-16-le")
    cuts = [(e.offset, e.offset + e.length) for e in message.entities
            if (e.type == MessageEntity.MENTION
                and message.parse_entity(e).lstrip("@").casefold() == username.casefold())
            or e.type == MessageEntity.TEXT_MENTION]
    for start, end in sorted(cuts, reverse=True):
        utf16 = utf16[: start * 2] + " ".encode("utf-16-le") + utf16[end * 2:]
    rest = utf16.decode("utf-16-le", errors="replace")
    return rest.strip().lstrip(",:;!-–— ").strip()


# --- Replies --------------------------------------------------------------------------------


async def send_answer(message: Message, answer: Answer, lang: Lang) -> None:
    """Reply with an answer; "which one?" choices, or the closest topics when the engine
    was not sure, become buttons."""
    keyboard = None
    if answer.choices:
        keyboard = topic_keyboard(answer.choices, lang)
    elif not answer.is_answer:
        keyboard = topic_keyboard(answer.topics, lang)
    await message.reply_html(
        render_html(answer, lang=lang), reply_markup=keyboard, link_preview_options=NO_PREVIEW,
        do_quote=message.chat.type != ChatType.PRIVATE,
    )


async def send_parts(message: Message, parts: Sequence[str]) -> None:
    for part in parts:
        await message.reply_html(part, link_preview_options=NO_PREVIEW, do_quote=False)


async def ask(message: Message, update: Update, context: ContextTypes.DEFAULT_TYPE,
              question: str) -> None:
    lang = lang_of(update, question)
    answer = await service(context).run(lambda engine: engine.ask(question))
    await send_answer(message, answer, lang)


# --- Handlers -------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start and /help: what the bot knows, with example topics as buttons."""
    assert update.effective_message is not None
    lang = lang_of(update)
    featured = await service(context).run(lambda engine: engine.featured())
    await update.effective_message.reply_html(
        say(Phrase.of("help"), lang), reply_markup=topic_keyboard(featured, lang),
        do_quote=False)


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask QUESTION, in any chat."""
    message = update.effective_message
    assert message is not None
    question = " ".join(context.args or [])
    if not question.strip():
        await message.reply_text(say(Phrase.of("ask-usage"), lang_of(update)))
        return
    await ask(message, update, context, question)


async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any text in a private chat is a question."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await ask(message, update, context, message.text)


async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group message that mentions the bot or replies to it."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await ask(message, update, context, _without_mention(message, context.bot.username))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources: every source, newest first, as many messages as it takes."""
    assert update.effective_message is not None
    lang = lang_of(update)
    rows = sorted(service(context).engine.sources.values(),
                  key=lambda s: (s.date.iso, s.id), reverse=True)
    lines = [f"<b>{text('sources-count', lang, count=len(rows))}</b>"]
    lines += [
        f'• <a href="{html.escape(s.url, quote=True)}">{html.escape(s.title, quote=False)}</a>, '
        f"{html.escape(s.publisher, quote=False)}, {human_date(s.date, lang)}"
        for s in rows
    ]
    await send_parts(update.effective_message, split_message("\n".join(lines)))


async def timeline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/timeline: the withdrawal chronology."""
    assert update.effective_message is not None
    answer = await service(context).run(lambda engine: engine.timeline())
    await send_parts(update.effective_message, render_html_parts(answer, lang=lang_of(update)))


def problem_lines(problems: Sequence[str], lang: Lang) -> str:
    shown = [f"• {html.escape(_cut(p, PROBLEM_LENGTH), quote=False)}"
             for p in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        shown.append(text("problems-more", lang, count=len(problems) - MAX_PROBLEMS_SHOWN))
    return "\n".join(shown)


def _cut(line: str, size: int) -> str:
    if tg_len(line) <= size:
        return line
    while tg_len(line) > size - 1:
        line = line[:-1]
    return line + "…"


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload (admins only): re-read the knowledge and swap the index while serving. Always
    replies: with counts, with at most 20 problems and the number of the rest, or with a
    failure that names no server path."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None
    lang = lang_of(update)
    admins: frozenset[int] = context.bot_data[ADMINS]
    if user is None or user.id not in admins:
        await message.reply_text(say(Phrase.of("reload-denied"), lang))
        return
    try:
        report = await service(context).reload()
    except ReloadFailed as exc:
        head = text("reload-failed", lang, count=len(exc.problems))
        await message.reply_html(f"{head}\n\n{problem_lines(exc.problems, lang)}",
                                 do_quote=False)
        return
    counts = report.counts
    await message.reply_html(text("reloaded", lang, ms=f"{report.seconds * 1000:.0f}",
                                  sources=counts["sources"], events=counts["events"],
                                  faq=counts["faq"]), do_quote=False)


async def topic_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A pressed topic button: answer with that entry."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = lang_of(update)
    doc_id = query.data.removeprefix(TOPIC_PREFIX)
    answer = await service(context).run(lambda engine: engine.topic(doc_id))
    if answer is None:
        await query.answer(say(Phrase.of("topic-gone"), lang), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.reply_html(render_html(answer, lang=lang),
                                       link_preview_options=NO_PREVIEW, do_quote=False)


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """@bot words, in any chat: the best answers as articles, each the full cited answer."""
    query = update.inline_query
    assert query is not None
    words = query.query.strip()
    lang = lang_of(update, words)

    def found(engine: Engine) -> list[tuple[Topic, Answer]]:
        if words:
            return engine.suggest(words, MAX_INLINE_RESULTS)
        picked = [(t, engine.topic(t.doc_id)) for t in engine.featured()]
        return [(t, a) for t, a in picked if a is not None]

    results = await service(context).run(found)
    articles = [_article(topic, answer, lang)
                for topic, answer in results[:MAX_INLINE_RESULTS]]
    button = None
    if not articles:
        button = InlineQueryResultsButton(text=say(Phrase.of("inline-no-match"), lang),
                                          start_parameter="nomatch")
    await query.answer(articles, cache_time=INLINE_CACHE_SECONDS, button=button)


def _article(topic: Topic, answer: Answer, lang: Lang) -> InlineQueryResultArticle:
    item = answer.items[0]
    title = topic.title_fr if lang == "fr" and topic.title_fr else topic.title
    context = item.context_fr if lang == "fr" and item.context_fr else item.context
    return InlineQueryResultArticle(
        id=topic.doc_id,
        title=title[:200],
        description=context[:200],
        input_message_content=InputTextMessageContent(
            render_html(answer, lang=lang), parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW
        ),
    )


async def too_fast(update: Update) -> None:
    """Once per burst, to a user whose questions were dropped for flooding."""
    lang = lang_of(update)
    notice = say(Phrase.of("too-fast"), lang)
    if update.callback_query is not None:
        await update.callback_query.answer(notice)
    elif update.effective_message is not None and update.inline_query is None:
        await update.effective_message.reply_text(notice, do_quote=False)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every failure with the update it came from, and tell the asker something went
    wrong; the bot keeps serving."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update):
        return
    notice = say(Phrase.of("failed"), lang_of(update))
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(notice, show_alert=True)
        elif (update.effective_message is not None and update.effective_chat is not None
              and update.effective_chat.type == ChatType.PRIVATE):
            await update.effective_message.reply_text(notice, do_quote=False)
    except Exception:  # the failure may be Telegram itself; the log already has it
        log.warning("could not tell update %s's sender about the failure", update_id)

