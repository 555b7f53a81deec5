"""Staying within Telegram's limits without losing, repeating or starving anybody's reply.

- `RetryingRateLimiter`: Telegram's flood limits, 429 `retry_after` waited out, and transient
  failures retried, except where a retry could post a message twice.
- `FairUse`: each user may have a few updates in progress; a flood from one user is dropped
  (with one notice) instead of filling the shared send queue that everyone waits in.
- `TokenWatch`: notices when Telegram rejects the token, so that the process can stop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import httpx
from telegram import Update
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter, BaseUpdateProcessor
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)

# Telegram's flood limits for bots: about 30 messages a second in all (BOT_MESSAGES_PER_SECOND,
# shared by every worker), 20 a minute per group.
GROUP_PER_MINUTE = 20
# Start-up calls: the application's bootstrap loop retries them with its own growing pause.
BOOTSTRAP_ENDPOINTS = frozenset({"getMe", "deleteWebhook", "setWebhook"})
# Calls that change nothing, or that Telegram accepts only once: safe to send again.
IDEMPOTENT_PREFIXES = ("get", "answer", "set", "delete", "edit")


def _may_have_arrived(exc: NetworkError) -> bool:
    """A timeout after the request was written: Telegram may have acted on it."""
    if not isinstance(exc, TimedOut):
        return False
    return not isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout)


class RetryingRateLimiter(AIORateLimiter):
    """Telegram's flood limits, plus retries of transient failures so that no reply is lost.

    AIORateLimiter already waits out 429 `retry_after`; this also retries network errors and
    5xx answers (PTB raises them as NetworkError), with a growing pause. Never retried: requests
    Telegram refused for their content (400), and a send that timed out after it was written,
    since it may have been delivered and a retry would post it twice.
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
        retries = 0 if endpoint in BOOTSTRAP_ENDPOINTS else self.transient_retries
        for attempt in range(retries + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as exc:
                if _may_have_arrived(exc) and not endpoint.startswith(IDEMPOTENT_PREFIXES):
                    log.warning("%s timed out after it was sent; not repeated, as it may have "
                                "been delivered", endpoint)
                    raise
                if attempt == retries:
                    raise
                pause = self.backoff * 2**attempt
                log.warning("%s failed (%s); retrying in %.1f s", endpoint, exc, pause)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")


Excess = Callable[[Update], Awaitable[None]]


class FairUse(BaseUpdateProcessor):
    """At most `per_user` updates of one user in progress; the rest are dropped, with one
    notice per burst, so one user's flood never makes everyone else wait.

    Updates are counted per user whatever the chat (private, group, inline, buttons): a flood
    split over several chats is still one user's flood.
    """

    def __init__(self, on_excess: Excess, *, per_user: int = 5, quiet_seconds: float = 60.0,
                 max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self.on_excess = on_excess
        self.per_user = per_user
        self.quiet_seconds = quiet_seconds  # a burst ends after this long without a drop
        self.pending: Counter[int] = Counter()
        self.last_drop: dict[int, float] = {}
        self.dropped = 0

    async def do_process_update(self, update: object,
                                coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        if self.pending[user.id] >= self.per_user:
            if isinstance(coroutine, Coroutine):
                coroutine.close()  # never started: the update is dropped
            self.dropped += 1
            await self._dropped(user.id, update)  # type: ignore[arg-type]
            return
        self.pending[user.id] += 1
        try:
            await coroutine
        finally:
            self.pending[user.id] -= 1
            if not self.pending[user.id]:
                del self.pending[user.id]

    async def _dropped(self, user_id: int, update: Update) -> None:
        now = time.monotonic()
        previous = self.last_drop.get(user_id)
        self.last_drop[user_id] = now
        if len(self.last_drop) > 10_000:  # forget bursts long over, so memory stays bounded
            self.last_drop = {u: t for u, t in self.last_drop.items()
                              if now - t < self.quiet_seconds}
        if previous is None or now - previous >= self.quiet_seconds:
            try:
                await self.on_excess(update)
            except Exception:  # the notice is a courtesy; failing to send it changes nothing
                log.warning("could not tell user %s they are going too fast", user_id)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class TokenWatch(HTTPXRequest):
    """An HTTP client for the Bot API that calls `on_rejected` when Telegram refuses the token
    (401 on any method; 404 on getMe or getUpdates, Telegram's answer to a malformed token)."""

    def __init__(self, on_rejected: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_rejected = on_rejected

    async def do_request(self, url: str, method: str, *args: Any,
                         **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(url, method, *args, **kwargs)
        endpoint = url.rstrip("/").rsplit("/", 1)[-1]
        if code == 401 or (code == 404 and endpoint in ("getMe", "getUpdates")):
            self.on_rejected()
        return code, payload
