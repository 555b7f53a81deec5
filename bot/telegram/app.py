"""Assembly and lifecycle: the Application with its handlers, limits and watches; `run`
polls until a signal, a rejected token, or Telegram staying unreachable at start-up."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.config import Config
from bot.models import Phrase
from bot.redact import Redactor, install
from bot.service import AnswerService
from bot.telegram import handlers
from bot.telegram.handlers import ADMINS, SERVICE, phrase_html
from bot.telegram.keyboards import TOPIC_PREFIX
from bot.telegram.limits import (
    GROUP_PER_MINUTE,
    OVERALL_PER_SECOND,
    FairUse,
    RetryingRateLimiter,
    TokenWatch,
)

log = logging.getLogger(__name__)

# Start-up: getMe and deleteWebhook are retried with a pause growing from 1 s by half each
# time (1, 1.5, 2.3 ... 17 s): 8 retries wait about 50 s before the bot gives up.
STARTUP_RETRIES = 8
EXIT_OK, EXIT_FAILED = 0, 1
AnyApp = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class Outcome:
    """Why the bot stopped, for the exit code."""

    token_rejected: bool = False


def redactor_for(config: Config) -> Redactor:
    return Redactor([config.token()])


def build_application(
    config: Config,
    *,
    rate_limiter: AIORateLimiter | None = None,
    outcome: Outcome | None = None,
    per_user: int = 5,
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
            await app.bot.send_message(admin, phrase_html(phrase, "en"), parse_mode="HTML")

    answers = AnswerService(config.knowledge_dir, config.db_path, notify=tell_admins)

    async def post_init(app: AnyApp) -> None:
        opened = answers.opened
        if opened.state != "current":
            for problem in opened.problems[:20]:
                log.warning("knowledge problem: %s", problem)
            log.warning("started on the %s index built at %s: the knowledge files have %d "
                        "problem(s)", opened.state, opened.built_at, len(opened.problems))
            await answers._tell(Phrase.of(f"started-{opened.state}", built=opened.built_at,
                                          count=len(opened.problems)))

    async def post_shutdown(app: AnyApp) -> None:
        answers.close()

    app = (
        ApplicationBuilder()
        .token(config.token())
        .base_url(config.telegram_base_url)
        .request(TokenWatch(token_rejected, connection_pool_size=256))
        .get_updates_request(TokenWatch(token_rejected, connection_pool_size=1))
        .rate_limiter(rate_limiter or RetryingRateLimiter(
            overall_max_rate=OVERALL_PER_SECOND, group_max_rate=GROUP_PER_MINUTE,
            group_time_period=60, max_retries=5))
        .concurrent_updates(FairUse(handlers.too_fast, per_user=per_user))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app_ref.append(app)
    app.bot_data[SERVICE] = answers
    app.bot_data[ADMINS] = config.admin_ids

    # Order matters: commands first, so "/ask" in a private chat is not read as a question;
    # then private text, then group messages addressed to the bot; other group chatter falls
    # through every filter and is ignored.
    app.add_handler(CommandHandler(["start", "help"], handlers.start))
    app.add_handler(CommandHandler("ask", handlers.ask_command))
    app.add_handler(CommandHandler("sources", handlers.sources))
    app.add_handler(CommandHandler("timeline", handlers.timeline))
    app.add_handler(CommandHandler("reload", handlers.reload))
    app.add_handler(MessageHandler(
        filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, handlers.private_text))
    app.add_handler(MessageHandler(
        filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND & handlers.AddressedToBot(),
        handlers.group_text))
    app.add_handler(CallbackQueryHandler(handlers.topic_button, pattern=f"^{TOPIC_PREFIX}"))
    app.add_handler(InlineQueryHandler(handlers.inline_query))
    app.add_error_handler(handlers.on_error)
    return app


def run(config: Config) -> int:
    """Long polling until SIGINT/SIGTERM (exit 0), or until Telegram rejects the token or stays
    unreachable through start-up (exit 1, with a one-line reason)."""
    install(redactor_for(config))
    # httpx logs every request URL, and the URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    outcome = Outcome()
    app = build_application(config, outcome=outcome)
    log.info("Bot starting (polling %s)", config.telegram_base_url)
    try:
        app.run_polling(allowed_updates=Update.ALL_TYPES, close_loop=False,
                        bootstrap_retries=STARTUP_RETRIES)
    except InvalidToken:
        outcome.token_rejected = True
    except NetworkError as exc:
        log.error("Telegram could not be reached at start-up (%s); giving up after %d "
                  "retries", exc, STARTUP_RETRIES)
        return EXIT_FAILED
    if outcome.token_rejected:
        log.error("Telegram rejected the bot token: check TELEGRAM_BOT_TOKEN")
        return EXIT_FAILED
    log.info("Bot stopped")
    return EXIT_OK
