"""python-telegram-bot wiring: each handler parses an update, calls the engine, replies.

This is the only module that imports `telegram`. Answers come from `bot.engine` and are rendered
by `bot.render`; here we only choose where and how to send them.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.ext.filters import MessageFilter

from bot.config import Config
from bot.engine import open_engine, rebuild
from bot.knowledge import KnowledgeError
from bot.models import Answer, Topic
from bot.render import render_html, render_html_parts, split_message, topic_label

log = logging.getLogger(__name__)

SERVICE = "answers"  # key of the AnswerService in bot_data
TOPIC_PREFIX = "t:"
CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for a button's callback data
MAX_INLINE_RESULTS = 10
MAX_TOPIC_BUTTONS = 5
INLINE_CACHE_SECONDS = 30  # short, so that a reload shows in inline results soon
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

HELP = """<b>I answer questions about MINUSMA</b>, the UN peacekeeping mission in Mali \
(2013 to 31 December 2023), and cite my sources.

Ask in your own words, in English or French, for example:
• When did MINUSMA leave Kidal?
• Which closed first, Ansongo or Sévaré?
• What happened in December 2023?
• Combien de casques bleus sont morts au Mali ?

In a group, write /ask followed by your question, mention me, or reply to one of my messages. \
In any chat, type my username and a few words to share an answer.

/timeline shows the withdrawal step by step; /sources lists what I know from."""


@dataclass(frozen=True)
class ReloadReport:
    counts: dict[str, int]
    seconds: float


class AnswerService:
    """Holds the engine the handlers use and swaps in a new one on reload.

    Handlers call the engine synchronously on the event loop (answers take a few ms), so the
    reference swap is atomic for them and the old engine can be closed right away.
    """

    def __init__(self, knowledge_dir: Path, db_path: Path) -> None:
        self.knowledge_dir = knowledge_dir
        self.db_path = db_path
        self.engine = open_engine(knowledge_dir, db_path)
        self._reloading = asyncio.Lock()

    async def reload(self) -> ReloadReport:
        """Re-read, validate, rebuild and swap; raises KnowledgeError and changes nothing."""
        async with self._reloading:
            started = time.perf_counter()
            kb, engine = await asyncio.to_thread(rebuild, self.knowledge_dir, self.db_path)
            old, self.engine = self.engine, engine
            old.close()
            return ReloadReport(kb.counts(), time.perf_counter() - started)

    def close(self) -> None:
        self.engine.close()


# Telegram's flood limits for bots: about 30 messages a second in all, 20 a minute per group.
OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20


class RetryingRateLimiter(AIORateLimiter):
    """Telegram's flood limits, plus retries of transient failures so that no reply is lost.

    AIORateLimiter already waits out 429 `retry_after`; this also retries network errors,
    timeouts and 5xx answers (PTB raises them as NetworkError), with a growing pause. Requests
    Telegram refused for their content (400 BadRequest) are never retried.
    """

    def __init__(self, *args: Any, transient_retries: int = 4, backoff: float = 0.5,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transient_retries = transient_retries
        self.backoff = backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        for attempt in range(self.transient_retries + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as exc:
                if attempt == self.transient_retries:
                    raise
                pause = self.backoff * 2**attempt
                log.warning("%s failed (%s); retrying in %.1f s", endpoint, exc, pause)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")


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
    if any(text.lstrip("@").casefold() == username.casefold() for text in mentioned):
        return True
    return any(
        e.user is not None and e.user.id == bot_id
        for e in message.parse_entities([MessageEntity.TEXT_MENTION])
    )


def _without_mention(text: str, username: str) -> str:
    return " ".join(w for w in text.split() if w.casefold() != f"@{username}".casefold())


def service(context: ContextTypes.DEFAULT_TYPE) -> AnswerService:
    found: AnswerService = context.bot_data[SERVICE]
    return found


def topic_keyboard(topics: Sequence[Topic]) -> InlineKeyboardMarkup | None:
    buttons = []
    for topic in topics[:MAX_TOPIC_BUTTONS]:
        data = TOPIC_PREFIX + topic.doc_id
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            continue  # knowledge ids are checked to be short; never send what Telegram rejects
        label = topic_label(topic)
        label = label if len(label) <= 60 else label[:59] + "…"
        buttons.append([InlineKeyboardButton(label, callback_data=data)])
    return InlineKeyboardMarkup(buttons) if buttons else None


async def send_answer(message: Message, answer: Answer) -> None:
    """Reply with an answer; "which one?" choices, or the closest topics when the engine
    was not sure, become buttons."""
    keyboard = None
    if answer.choices:
        keyboard = topic_keyboard(answer.choices)
    elif not answer.is_answer:
        keyboard = topic_keyboard(answer.topics)
    await message.reply_html(
        render_html(answer), reply_markup=keyboard, link_preview_options=NO_PREVIEW,
        do_quote=message.chat.type != ChatType.PRIVATE,
    )


async def send_parts(message: Message, parts: Sequence[str]) -> None:
    for part in parts:
        await message.reply_html(part, link_preview_options=NO_PREVIEW, do_quote=False)


# --- Handlers ---------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start and /help: what the bot knows, with example topics as buttons."""
    assert update.effective_message is not None
    keyboard = topic_keyboard(service(context).engine.featured())
    await update.effective_message.reply_html(HELP, reply_markup=keyboard, do_quote=False)


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask QUESTION, in any chat."""
    message = update.effective_message
    assert message is not None
    question = " ".join(context.args or [])
    if not question.strip():
        await message.reply_text("Write your question after /ask, for example: "
                                 "/ask When did MINUSMA leave Kidal?")
        return
    await send_answer(message, service(context).engine.ask(question))


async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any text in a private chat is a question."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await send_answer(message, service(context).engine.ask(message.text))


async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group message that mentions the bot or replies to it."""
    message = update.effective_message
    assert message is not None and message.text is not None
    question = _without_mention(message.text, context.bot.username)
    await send_answer(message, service(context).engine.ask(question))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources: every source, newest first, as many messages as it takes."""
    assert update.effective_message is not None
    rows = sorted(service(context).engine.sources.values(),
                  key=lambda s: (s.date.iso, s.id), reverse=True)
    lines = [f"<b>{len(rows)} sources</b>"]
    lines += [
        f'• <a href="{html.escape(s.url, quote=True)}">{html.escape(s.title, quote=False)}</a>, '
        f"{html.escape(s.publisher, quote=False)}, {s.date.human()}"
        for s in rows
    ]
    await send_parts(update.effective_message, split_message("\n".join(lines)))


async def timeline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/timeline: the withdrawal chronology."""
    assert update.effective_message is not None
    answer = service(context).engine.timeline()
    await send_parts(update.effective_message, render_html_parts(answer))


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload (admins only): re-read the knowledge and swap the index while serving."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None
    admins: frozenset[int] = context.bot_data["admin_ids"]
    if user is None or user.id not in admins:
        await message.reply_text("Sorry, only the bot's curators can reload its knowledge.")
        return
    try:
        report = await service(context).reload()
    except KnowledgeError as exc:
        problems = "\n".join(f"• {html.escape(str(p), quote=False)}" for p in exc.problems)
        text = (f"<b>Reload failed: {len(exc.problems)} problem(s).</b> I am still serving "
                f"the previous knowledge.\n\n{problems}")
        await send_parts(message, split_message(text))
        return
    counts = report.counts
    await message.reply_html(
        f"<b>Reloaded</b> in {report.seconds * 1000:.0f} ms: {counts['sources']} sources, "
        f"{counts['events']} events, {counts['faq']} FAQ entries."
    )


async def topic_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A pressed topic button: answer with that entry."""
    query = update.callback_query
    assert query is not None and query.data is not None
    answer = service(context).engine.topic(query.data.removeprefix(TOPIC_PREFIX))
    if answer is None:
        await query.answer("That topic is no longer in my knowledge.", show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.reply_html(render_html(answer), link_preview_options=NO_PREVIEW,
                                       do_quote=False)


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """@bot words, in any chat: the best answers as articles, each the full cited answer."""
    query = update.inline_query
    assert query is not None
    engine = service(context).engine
    text = query.query.strip()
    if text:
        results = engine.suggest(text, MAX_INLINE_RESULTS)
    else:
        picked = [(t, engine.topic(t.doc_id)) for t in engine.featured()]
        results = [(t, a) for t, a in picked if a is not None]
    articles = [_article(topic, answer) for topic, answer in results[:MAX_INLINE_RESULTS]]
    button = None
    if not articles:
        button = InlineQueryResultsButton(text="No match: ask me in a private chat",
                                          start_parameter="nomatch")
    await query.answer(articles, cache_time=INLINE_CACHE_SECONDS, button=button)


def _article(topic: Topic, answer: Answer) -> InlineQueryResultArticle:
    item = answer.items[0]
    return InlineQueryResultArticle(
        id=topic.doc_id,
        title=topic.title[:200],
        description=item.context[:200],
        input_message_content=InputTextMessageContent(
            render_html(answer), parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
        ),
    )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every failure with the update it came from; the bot keeps serving."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)


# --- Assembly ---------------------------------------------------------------------------------


def build_application(
    config: Config,
    *,
    rate_limiter: AIORateLimiter | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The Application with every handler registered; `run` and the tests start it."""
    if not config.telegram_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # Opt in to PTB's coming timedelta `retry_after` (v22.2+); otherwise every 429 emits a
    # deprecation warning. We never read the value ourselves; the rate limiter does.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    answers = AnswerService(config.knowledge_dir, config.db_path)

    async def post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        answers.close()

    app = (
        ApplicationBuilder()
        .token(config.telegram_token)
        .base_url(config.telegram_base_url)
        .rate_limiter(rate_limiter or RetryingRateLimiter(
            overall_max_rate=OVERALL_PER_SECOND, group_max_rate=GROUP_PER_MINUTE,
            group_time_period=60, max_retries=5))
        .concurrent_updates(True)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data[SERVICE] = answers
    app.bot_data["admin_ids"] = config.admin_ids

    # Order matters: commands first, so "/ask" in a private chat is not read as a question;
    # then private text, then group messages addressed to the bot; other group chatter falls
    # through every filter and is ignored.
    app.add_handler(CommandHandler(["start", "help"], start))
    app.add_handler(CommandHandler("ask", ask_command))
    app.add_handler(CommandHandler("sources", sources))
    app.add_handler(CommandHandler("timeline", timeline))
    app.add_handler(CommandHandler("reload", reload))
    app.add_handler(MessageHandler(
        filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, private_text))
    app.add_handler(MessageHandler(
        filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND & AddressedToBot(),
        group_text))
    app.add_handler(CallbackQueryHandler(topic_button, pattern=f"^{TOPIC_PREFIX}"))
    app.add_handler(InlineQueryHandler(inline_query))
    app.add_error_handler(on_error)
    return app


def run(config: Config) -> None:
    """Long polling until SIGINT/SIGTERM; then handled updates are confirmed and we exit."""
    # httpx logs every request URL, and the URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    app = build_application(config)
    log.info("Bot starting (polling %s)", config.telegram_base_url)
    app.run_polling(allowed_updates=Update.ALL_TYPES, close_loop=False)
    log.info("Bot stopped")
