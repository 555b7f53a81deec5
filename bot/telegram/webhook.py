"""The webhook server: Telegram posts updates here; nobody else gets to cost the bot anything.

Built on Tornado, the HTTP server python-telegram-bot's own webhook uses (no new dependency),
with our own request handler and accept loop, because PTB's server reads any body whole before
it looks at the secret, keeps half-sent requests open for an hour, refuses
`application/json; charset=utf-8` and has no bound on connections. Here:

- the secret is compared (in constant time) on the header, before a byte of the body is read;
- a body over `MAX_BODY` (1 MB; real updates are a few KB) is refused with 413 unread;
- a connection that sends no complete request within `IDLE_SECONDS` is closed, and so is a
  body that trickles in slower than that;
- at most `MAX_CONNECTIONS` are open at once; a new one closes the oldest, so the process
  never runs out of file descriptors however many idle sockets someone opens, and someone
  holding connections open cannot lock Telegram out (its requests take milliseconds);
- when accepting fails anyway (out of descriptors), the accept loop pauses a second and logs
  once a minute, instead of spinning on the error;
- any `Content-Type` whose media type is `application/json` is taken, whatever its charset.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import socket
import time
from collections import OrderedDict
from typing import Any

from telegram import Update
from telegram.ext import Application
from tornado import netutil, web
from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
IDLE_SECONDS = 5.0
MAX_CONNECTIONS = 256
MAX_HEADERS = 16 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ACCEPT_PAUSE = 1.0
ACCEPT_LOG_EVERY = 60.0
AnyApp = Application[Any, Any, Any, Any, Any, Any]


def _without_lone_surrogates(data: Any) -> Any:
    """JSON may carry lone surrogates ("\\ud800"), which no UTF-8 encoder (SQLite, httpx)
    takes; they become U+FFFD."""
    text = json.dumps(data, ensure_ascii=False)
    return json.loads(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))


@web.stream_request_body
class UpdateHandler(web.RequestHandler):
    """POST only, with the secret, JSON, at most MAX_BODY bytes."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, hook: WebhookServer) -> None:
        self.hook = hook
        self.body = bytearray()
        self.refused = False

    def _refuse(self, status: int) -> None:
        self.refused = True
        self.set_status(status)
        # The body is left unread: the connection cannot be reused and is closed.
        self.set_header("Connection", "close")
        self.finish()

    def prepare(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.hook.secret.encode()):
            self._refuse(403)
            return
        media = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media != "application/json":
            self._refuse(415)
            return
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            self._refuse(413)
            # A chunked body has no length to check here: the server's max_body_size stops it.

    def data_received(self, chunk: bytes) -> None:
        if not self.refused:
            self.body += chunk

    async def post(self) -> None:
        if self.refused:
            return
        try:
            data = json.loads(self.body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            if b"\\ud" in self.body.lower():
                data = _without_lone_surrogates(data)
            update = Update.de_json(data, self.hook.app.bot)
        except Exception as exc:  # a malformed body is answered, never fatal
            self.hook.malformed += 1
            log.warning("webhook: refused a malformed update (%s)", type(exc).__name__)
            self.set_status(400)
            return
        await self.hook.app.update_queue.put(update)
        self.set_status(200)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        # Refusals are counted, not logged one by one: a flood must not flood the log. A bug
        # in this handler still is.
        if not isinstance(value, web.HTTPError):
            log.error("webhook: the update handler failed", exc_info=(typ, value, tb))


@web.stream_request_body
class NotFound(web.RequestHandler):
    """Any other path: 404 on the headers, the body never read (Tornado's own default handler
    would buffer up to 1 MB of it first)."""

    def prepare(self) -> None:
        self.set_status(404)
        self.set_header("Connection", "close")
        self.finish()

    def data_received(self, chunk: bytes) -> None:
        pass

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        pass


class _BoundedHTTPServer(HTTPServer):
    """Knows its open connections, oldest first, so that the accept loop can close the oldest
    when a new one comes in at the bound."""

    streams: OrderedDict[IOStream, None]

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        self.streams[stream] = None
        super().handle_stream(stream, address)

    def on_close(self, server_conn: object) -> None:
        self.streams.pop(getattr(server_conn, "stream", None), None)  # type: ignore[arg-type]
        super().on_close(server_conn)

    @property
    def open_connections(self) -> int:
        return len(self.streams)

    def close_oldest(self) -> None:
        stream, _ = self.streams.popitem(last=False)
        stream.close()


class WebhookServer:
    def __init__(self, app: AnyApp, *, listen: str, port: int, path: str, secret: str,
                 max_connections: int = MAX_CONNECTIONS,
                 idle_seconds: float = IDLE_SECONDS) -> None:
        self.app = app
        self.listen = listen
        self.port = port
        self.secret = secret
        self.max_connections = max_connections
        self.closed_oldest = 0  # connections closed to make room at the bound
        self.malformed = 0
        route = "/" + path.strip("/")
        # No line per request, and none per malformed request: a flood of bad requests must
        # not become a flood of log lines. Refusals are counted instead.
        tornado_app = web.Application([(route, UpdateHandler, {"hook": self})],
                                      default_handler_class=NotFound,
                                      log_function=lambda handler: None)
        for quiet in ("tornado.access", "tornado.general"):
            logging.getLogger(quiet).setLevel(logging.ERROR)
        # Tornado's idle_connection_timeout also bounds how long the headers of each request
        # may take; body_timeout bounds the body.
        self.http = _BoundedHTTPServer(
            tornado_app, idle_connection_timeout=idle_seconds, body_timeout=idle_seconds,
            max_header_size=MAX_HEADERS, max_body_size=MAX_BODY)
        self.http.streams = OrderedDict()
        self._sockets: list[socket.socket] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._last_accept_log = -ACCEPT_LOG_EVERY

    @property
    def bound_port(self) -> int:
        return int(self._sockets[0].getsockname()[1]) if self._sockets else self.port

    async def start(self) -> None:
        self._sockets = netutil.bind_sockets(self.port, self.listen)
        self._tasks = [asyncio.create_task(self._accept(s)) for s in self._sockets]

    async def _accept(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, address = await loop.sock_accept(listener)
            except asyncio.CancelledError:
                raise
            except OSError as exc:  # out of descriptors or buffers: wait, never spin
                now = time.monotonic()
                if now - self._last_accept_log >= ACCEPT_LOG_EVERY:
                    self._last_accept_log = now
                    log.error("webhook: cannot accept connections (%s); pausing", exc)
                await asyncio.sleep(ACCEPT_PAUSE)
                continue
            if self.http.open_connections >= self.max_connections:
                # The oldest goes, not the newcomer: Telegram's request completes in
                # milliseconds, so someone holding connections open cannot lock it out.
                self.http.close_oldest()
                self.closed_oldest += 1
                now = time.monotonic()
                if now - self._last_accept_log >= ACCEPT_LOG_EVERY:
                    self._last_accept_log = now
                    log.warning("webhook: %d connections open; closing the oldest for each new "
                                "one (%d so far)", self.max_connections, self.closed_oldest)
            try:
                self.http.handle_stream(IOStream(conn, max_buffer_size=MAX_BODY + MAX_HEADERS),
                                        address)
            except Exception:
                conn.close()
                log.exception("webhook: could not serve a connection")

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for listener in self._sockets:
            listener.close()
        self._tasks, self._sockets = [], []
        await self.http.close_all_connections()
