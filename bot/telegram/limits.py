"""Staying within Telegram's limits without losing, repeating or starving anybody's reply.

- `RetryingRateLimiter`: Telegram's flood limits, 429 `retry_after` waited out, and transient
  failures retried, except where a retry could post a message twice.
- `FairUse`: each user may have a few updates in progress; a flood from one user is dropped
  (with one notice) instead of filling the shared send queue that everyone waits in.
- `TokenWatch`: notices when Telegram rejects the token, so that the process can stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import httpx
from telegram import Update
from telegram.error import BadRequest, ChatMigrated, NetworkError, RetryAfter, TimedOut
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


def too_large(exc: NetworkError) -> bool:
    """Telegram's 413: the upload is over its limit, and will be on every retry."""
    message = str(exc).lower()
    return "413" in message or "too large" in message


MAX_PAUSED_CHATS = 10_000  # chats waiting out a 429 remembered at once


class RetryingRateLimiter(AIORateLimiter):
    """Telegram's flood limits, plus retries of transient failures so that no reply is lost.

    Telegram limits each chat on its own, so a 429 `retry_after` pauses only the chat it came
    for (AIORateLimiter would pause every chat: one busy group would hold up everybody).
    Network errors and 5xx answers (PTB raises them as NetworkError) are retried with a
    growing pause. A group upgraded to a supergroup is followed to its new id. Never retried:
    requests Telegram refused for their content (400), an upload over its size limit (413),
    and a send that timed out after it was written, since it may have been delivered and a
    retry would post it twice.
    """

    def __init__(self, *args: Any, transient_retries: int = 4, backoff: float = 0.5,
                 max_retries: int = 0, **kwargs: Any) -> None:
        kwargs["max_retries"] = max_retries
        super().__init__(*args, **kwargs)
        self.transient_retries = transient_retries
        self.backoff = backoff
        self.flood_retries = max_retries
        self._paused: dict[object, float] = {}  # chat id (None: no chat) -> monotonic end

    async def _wait_for_chat(self, chat: object) -> None:
        until = self._paused.get(chat)
        while until is not None:
            wait = until - time.monotonic()
            if wait <= 0:
                self._paused.pop(chat, None)
                return
            await asyncio.sleep(wait)
            until = self._paused.get(chat)

    def _pause(self, chat: object, seconds: float) -> None:
        now = time.monotonic()
        if len(self._paused) >= MAX_PAUSED_CHATS:
            self._paused = {c: t for c, t in self._paused.items() if t > now}
        self._paused[chat] = max(self._paused.get(chat, 0.0), now + seconds)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        transient = 0 if endpoint in BOOTSTRAP_ENDPOINTS else self.transient_retries
        floods = rate_limit_args or self.flood_retries
        migrated = False
        while True:
            chat_id = data.get("chat_id")
            await self._wait_for_chat(chat_id)
            try:
                return await self._limited(callback, args, kwargs, data)
            except RetryAfter as exc:
                if floods <= 0:
                    raise
                floods -= 1
                waited = exc.retry_after
                seconds = (waited.total_seconds() if isinstance(waited, dt.timedelta)
                           else float(waited)) + 0.1
                log.info("%s: Telegram asks chat %s to wait %.1f s", endpoint, chat_id, seconds)
                self._pause(chat_id, seconds)
            except ChatMigrated as exc:
                if migrated or chat_id is None:
                    raise
                migrated = True
                log.info("chat %s became supergroup %s; sending there", chat_id,
                         exc.new_chat_id)
                data["chat_id"] = exc.new_chat_id
                # The message replied to has another id in the supergroup.
                data.pop("reply_parameters", None)
            except BadRequest:
                raise
            except NetworkError as exc:
                if too_large(exc):
                    raise
                if _may_have_arrived(exc) and not endpoint.startswith(IDEMPOTENT_PREFIXES):
                    log.warning("%s timed out after it was sent; not repeated, as it may have "
                                "been delivered", endpoint)
                    raise
                if transient <= 0:
                    raise
                pause = self.backoff * 2 ** (self.transient_retries - transient)
                transient -= 1
                log.warning("%s failed (%s); retrying in %.1f s", endpoint, exc, pause)
                await asyncio.sleep(pause)

    async def _limited(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        data: dict[str, Any],
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """One attempt within the overall and per-group rates, as AIORateLimiter counts them
        (its `_run_request`; its `process_request` is what pauses every chat on a 429)."""
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        group: int | str | bool = (chat_id if (isinstance(chat_id, int) and chat_id < 0)
                                   or isinstance(chat_id, str) else False)
        return await self._run_request(
            chat=chat_id is not None, group=group,
            allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
            callback=callback, args=args, kwargs=kwargs)


Excess = Callable[[Update], Awaitable[None]]


class FairUse(BaseUpdateProcessor):
    """At most `per_user` updates of one user in progress; the rest are dropped, with one
    notice per burst, so one user's flood never makes everyone else wait.

    Updates are counted per sender whatever the chat (private, group, inline, buttons): a flood
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
        # The sender: the user, or for an anonymous group admin (who arrives as the shared
        # GroupAnonymousBot user) the group they speak for, so that admins of different groups
        # do not share one allowance.
        sender = update.effective_sender if isinstance(update, Update) else None
        if sender is None:
            await coroutine
            return
        key = sender.id
        if self.pending[key] >= self.per_user:
            if isinstance(coroutine, Coroutine):
                coroutine.close()  # never started: the update is dropped
            self.dropped += 1
            await self._dropped(key, update)  # type: ignore[arg-type]
            return
        self.pending[key] += 1
        try:
            await coroutine
        finally:
            self.pending[key] -= 1
            if not self.pending[key]:
                del self.pending[key]

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
