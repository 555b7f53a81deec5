"""One way to run the real bot against the local Bot API imitation, for tests and benchmarks.

The bot is started as `run` starts it (initialize, post_init, polling, start) and stopped
without waiting out a long poll: the imitation ends the poll at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from telegram.ext import AIORateLimiter, Application

from bot.config import Config
from bot.telegram.app import Outcome, build_application
from bot.telegram.handlers import ALLOWED_UPDATES
from bot.telegram.limits import RetryingRateLimiter
from tests.fake_telegram import FakeTelegram

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def fast_limiter() -> RetryingRateLimiter:
    """Telegram's limits would make a 500-message test take 17 s; retries stay on, with short
    pauses. Production uses Telegram's figures (see test_production_limiter_keeps_...)."""
    return RetryingRateLimiter(overall_max_rate=2000, group_max_rate=2000, max_retries=5,
                               backoff=0.05)


def config_for(fake: FakeTelegram, knowledge: Path, db_path: Path,
               admins: frozenset[int] = frozenset(), log: bool = True) -> Config:
    return Config(knowledge_dir=knowledge, db_path=db_path, telegram_token=fake.token,
                  telegram_base_url=fake.base_url, admin_ids=admins,
                  log_path="" if log else "off")


@asynccontextmanager
async def running_bot(fake: FakeTelegram, knowledge: Path, db_path: Path, *,
                      admins: frozenset[int] = frozenset(),
                      limiter: AIORateLimiter | None = None,
                      per_user: int = 5, outcome: Outcome | None = None,
                      read_timeout: float | None = None, log: bool = True
                      ) -> AsyncIterator[AnyApp]:
    app = build_application(config_for(fake, knowledge, db_path, admins, log),
                            rate_limiter=limiter or fast_limiter(), per_user=per_user,
                            outcome=outcome, read_timeout=read_timeout)
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1,
                                    allowed_updates=ALLOWED_UPDATES)
    await app.start()
    try:
        yield app
    finally:
        fake.end_polls()
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
