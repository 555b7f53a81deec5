"""Assembly and lifecycle: the Application with its handlers, limits and watches; `run`
polls until a signal, a rejected token, or Telegram staying unreachable at start-up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackContext,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import Config
from bot.i18n import LANGS, say
from bot.models import Phrase
from bot.pictures import picture_folder
from bot.querylog import SEEN_SECONDS, SEEN_UPDATES, QuestionLog
from bot.redact import Redactor, install
from bot.service import AnswerService
from bot.telegram import curators, handlers
from bot.telegram.handlers import (
    ALLOWED_UPDATES,
    CONTEXT_TYPES,
    NO_PREVIEW,
    BotData,
    phrase_html,
)
from bot.telegram.keyboards import (
    FeedbackPress,
    ListPress,
    PagePress,
    PicturePress,
    TopicPress,
    pressed,
)
from bot.telegram.limits import (
    GROUP_PER_MINUTE,
    FairUse,
    RetryingRateLimiter,
    TokenWatch,
)
from bot.telegram.webhook import WebhookServer

log = logging.getLogger(__name__)

# Start-up: getMe and deleteWebhook are retried with a pause growing from 1 s by half each
# time (1, 1.5, 2.3 ... 17 s): 8 retries wait about 50 s before the bot gives up.
STARTUP_RETRIES = 8
EXIT_OK, EXIT_FAILED = 0, 1
AnyApp = Application[Any, Any, Any, Any, Any, Any]
# The command menu, in order; the curators' commands (/reload, /stats, /unanswered, /export)
# stay out of it.
MENU = ("start", "ask", "timeline", "map", "sources", "help")


async def introduce(app: AnyApp) -> None:
    """The command menu and the bot's profile texts, in English (the default) and French.
    A failure here costs the menu, never the start."""
    for lang in LANGS:
        code = None if lang == "en" else lang
        try:
            await app.bot.set_my_commands(
                [BotCommand(c, say(Phrase.of(f"cmd-{c}"), lang)) for c in MENU],
                language_code=code)
            await app.bot.set_my_description(say(Phrase.of("bot-description"), lang),
                                             language_code=code)
            await app.bot.set_my_short_description(
                say(Phrase.of("bot-short-description"), lang), language_code=code)
        except TelegramError as exc:
            log.warning("could not set the %s command menu and description: %s", lang, exc)


class SeenUpdates:
    """The update ids handled lately, so that an update delivered twice (a webhook POST
    repeated, a poll repeated after a crash) is answered once. Bounded in number and in age
    (Telegram redelivers within a day, and numbers updates at random after a quiet week);
    filled at start-up from the question log, which records every id handled, so it holds
    across restarts."""

    def __init__(self, size: int = SEEN_UPDATES, max_age: float = SEEN_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.max_age = max_age
        self._clock = clock
        self._ids: OrderedDict[int, float] = OrderedDict()
        self.repeats = 0

    def first_time(self, update_id: int) -> bool:
        now = self._clock()
        seen = self._ids.get(update_id)
        if seen is not None and now - seen < self.max_age:
            self.repeats += 1
            return False
        self._ids[update_id] = now
        self._ids.move_to_end(update_id)
        while len(self._ids) > self.size or (
                self._ids and now - next(iter(self._ids.values())) >= self.max_age):
            self._ids.popitem(last=False)
        return True


@dataclass
class Outcome:
    """Why the bot stopped, for the exit code."""

    token_rejected: bool = False


def redactor_for(config: Config) -> Redactor:
    return Redactor([config.token(), config.salt() or "", config.secret()])


def build_application(
    config: Config,
    *,
    rate_limiter: AIORateLimiter | None = None,
    outcome: Outcome | None = None,
    per_user: int = 5,
    read_timeout: float | None = None,
) -> AnyApp:
    """The Application with every handler registered; `run` and the tests start it."""
    if not config.telegram_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # Opt in to PTB's coming timedelta `retry_after` (v22.2+); otherwise every 429 emits a
    # deprecation warning. We never read the value ourselves; the rate limiter does.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    stopped = outcome or Outcome()
    app_ref: list[AnyApp] = []

    def token_rejected() -> None:
        if not stopped.token_rejected:
            stopped.token_rejected = True
            log.error("Telegram rejected the bot token (revoked or mistyped?); stopping. "
                      "Set a valid TELEGRAM_BOT_TOKEN and start the bot again.")
        if app_ref and app_ref[0].running:
            app_ref[0].stop_running()

    async def tell_admins(phrase: Phrase) -> None:
        for admin in sorted(config.admin_ids):
            try:
                await app.bot.send_message(admin, phrase_html(phrase, "en"))
            except TelegramError as exc:  # one admin who blocked the bot must not silence all
                log.warning("could not tell admin %s: %s", admin, exc)

    log_path = config.question_log()
    questions = (QuestionLog(log_path, retention_days=config.log_retention_days,
                             salt=config.salt()) if log_path else None)
    answers = AnswerService(config.knowledge_dir, config.db_path, notify=tell_admins)
    writer: list[asyncio.Task[None]] = []
    seen = SeenUpdates()

    async def once(update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
        if not isinstance(update, Update):
            return
        if not seen.first_time(update.update_id):
            log.info("update %s delivered again; answered once already", update.update_id)
            raise ApplicationHandlerStop
        if questions is not None:
            questions.handled(update.update_id)

    async def post_init(app: AnyApp) -> None:
        if questions is not None:
            for update_id in reversed(await asyncio.to_thread(questions.seen_updates)):
                seen.first_time(update_id)
            writer.append(asyncio.create_task(questions.writer()))
        await introduce(app)
        opened = answers.opened
        if opened.state != "current":
            for problem in opened.problems[:20]:
                log.warning("knowledge problem: %s", problem)
            log.warning("started on the %s index built at %s: the knowledge files have %d "
                        "problem(s)", opened.state, opened.built_at, len(opened.problems))
            await answers.tell(Phrase.of(f"started-{opened.state}", built=opened.built_at,
                                          count=len(opened.problems)))

    async def post_shutdown(app: AnyApp) -> None:
        for task in writer:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            if questions is not None:
                questions.close()  # the last questions are written; never raises
        finally:
            answers.close()

    app = (
        ApplicationBuilder()
        .token(config.token())
        .base_url(config.telegram_base_url)
        .request(TokenWatch(token_rejected, connection_pool_size=256,
                            **({"read_timeout": read_timeout} if read_timeout else {})))
        # Two connections: the last poll may still be closing when the final getUpdates
        # confirms what was handled, at shutdown.
        .get_updates_request(TokenWatch(token_rejected, connection_pool_size=2))
        .rate_limiter(rate_limiter or RetryingRateLimiter(
            overall_max_rate=min(config.messages_per_second, 10_000.0),
            group_max_rate=GROUP_PER_MINUTE, group_time_period=60, max_retries=5))
        .concurrent_updates(FairUse(handlers.too_fast, per_user=per_user))
        .context_types(CONTEXT_TYPES)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                           allow_sending_without_reply=True))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app_ref.append(app)
    shared: BotData = app.bot_data
    shared.service = answers
    shared.admins = config.admin_ids
    shared.log = questions
    shared.pictures = picture_folder(config.db_path)

    # Order matters: commands first, so "/ask" in a private chat is not read as a question;
    # then private text, then group messages addressed to the bot; other group chatter falls
    # through every filter and is ignored. New messages only: an edit is never answered again.
    new = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE & new
    # Before every other handler: an update seen before goes no further.
    app.add_handler(TypeHandler(Update, once), group=-1)
    app.add_handler(CommandHandler(["start", "help"], handlers.start, filters=new))
    app.add_handler(CommandHandler("ask", handlers.ask_command, filters=new))
    app.add_handler(CommandHandler("sources", handlers.sources, filters=new))
    app.add_handler(CommandHandler("timeline", handlers.timeline, filters=new))
    app.add_handler(CommandHandler("map", handlers.camps_map, filters=new))
    app.add_handler(CommandHandler("reload", curators.reload, filters=new))
    app.add_handler(CommandHandler("stats", curators.stats, filters=new))
    app.add_handler(CommandHandler("unanswered", curators.unanswered, filters=new))
    app.add_handler(CommandHandler("export", curators.export, filters=new))
    app.add_handler(MessageHandler(private & filters.COMMAND, handlers.unknown_command))
    app.add_handler(MessageHandler(private & filters.TEXT, handlers.private_text))
    app.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                                   handlers.not_text))
    app.add_handler(MessageHandler(
        filters.ChatType.GROUPS & new & filters.TEXT & ~filters.COMMAND
        & handlers.AddressedToBot(), handlers.group_text))
    # Buttons, by what their data parses as; anything else is stale.
    app.add_handler(CallbackQueryHandler(handlers.topic_pressed, pattern=pressed(TopicPress)))
    app.add_handler(CallbackQueryHandler(handlers.page_pressed, pattern=pressed(PagePress)))
    app.add_handler(CallbackQueryHandler(handlers.feedback_pressed,
                                         pattern=pressed(FeedbackPress)))
    app.add_handler(CallbackQueryHandler(handlers.picture_pressed,
                                         pattern=pressed(PicturePress)))
    app.add_handler(CallbackQueryHandler(handlers.list_pressed, pattern=pressed(ListPress)))
    app.add_handler(CallbackQueryHandler(handlers.stale))
    app.add_handler(InlineQueryHandler(handlers.inline_query))
    app.add_handler(ChatMemberHandler(handlers.added_to_group,
                                      ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_error_handler(handlers.on_error)
    return app


async def _bootstrapped(call: Callable[[], Awaitable[object]], what: str) -> None:
    """A start-up call, retried while Telegram is unreachable with a pause growing from 1 s by
    half each time; a rejected token is raised at once."""
    pause = 1.0
    for attempt in range(STARTUP_RETRIES + 1):
        try:
            await call()
            return
        except InvalidToken:
            raise
        except NetworkError as exc:
            if attempt == STARTUP_RETRIES:
                raise
            log.warning("%s failed (%s); retrying in %.1f s", what, exc, pause)
            await asyncio.sleep(pause)
            pause *= 1.5


def _run_webhook(app: AnyApp, config: Config) -> None:
    """Like Application.run_webhook, with our bounded server (bot/telegram/webhook.py): set up,
    serve until SIGINT/SIGTERM or `stop_running`, then always shut down."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = WebhookServer(app, listen=config.webhook_listen, port=config.webhook_port,
                           path=urlsplit(config.webhook_url).path, secret=config.secret())
    try:
        loop.run_until_complete(_bootstrapped(app.initialize, "getMe"))
        if app.post_init is not None:
            loop.run_until_complete(app.post_init(app))
        loop.run_until_complete(server.start())
        loop.run_until_complete(_bootstrapped(
            lambda: app.bot.set_webhook(config.webhook_url, secret_token=config.secret(),
                                        allowed_updates=ALLOWED_UPDATES),
            "setWebhook"))
        loop.run_until_complete(app.start())
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, loop.stop)
        loop.run_forever()
    finally:
        try:
            loop.run_until_complete(server.stop())
            if app.running:
                loop.run_until_complete(app.stop())
            loop.run_until_complete(app.shutdown())
            if app.post_shutdown is not None:
                loop.run_until_complete(app.post_shutdown(app))
        finally:
            loop.close()


def run(config: Config) -> int:
    """Long polling, or a webhook server when WEBHOOK_URL is set, until SIGINT/SIGTERM (exit 0),
    or until Telegram rejects the token or stays unreachable through start-up (exit 1, with a
    one-line reason)."""
    install(redactor_for(config))
    # httpx logs every request URL, and the URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    outcome = Outcome()
    app = build_application(config, outcome=outcome)
    try:
        if config.webhook_url:
            # Telegram posts updates to WEBHOOK_URL; requests without the secret get 403.
            log.info("Bot starting (webhook %s, listening on %s:%d)", config.webhook_url,
                     config.webhook_listen, config.webhook_port)
            _run_webhook(app, config)
        else:
            log.info("Bot starting (polling %s)", config.telegram_base_url)
            app.run_polling(allowed_updates=ALLOWED_UPDATES, close_loop=False,
                            bootstrap_retries=STARTUP_RETRIES)
    except InvalidToken:
        outcome.token_rejected = True
    except NetworkError as exc:
        log.error("Telegram could not be reached at start-up (%s); giving up after %d "
                  "retries", exc, STARTUP_RETRIES)
        return EXIT_FAILED
    except OSError as exc:  # the webhook port taken, or the address not this host's
        log.error("could not listen on %s:%d (%s)", config.webhook_listen,
                  config.webhook_port, exc.strerror or exc)
        return EXIT_FAILED
    if outcome.token_rejected:
        log.error("Telegram rejected the bot token: check TELEGRAM_BOT_TOKEN")
        return EXIT_FAILED
    log.info("Bot stopped")
    return EXIT_OK
