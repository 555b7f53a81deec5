"""The webhook server under hostile use (issue 22): the real bot behind `WebhookServer` on
127.0.0.1, probed with raw sockets the way an attacker would."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.telegram.app import build_application
from bot.telegram.webhook import MAX_BODY, WebhookServer
from tests.fake_telegram import FakeTelegram
from tests.harness import config_for, fast_limiter

SECRET = "s3cret-webhook_token"
PATH = "/hook/minusma"


@asynccontextmanager
async def webhook_bot(fake: FakeTelegram, knowledge: Path, index_path: Path,
                      **limits: Any) -> AsyncIterator[WebhookServer]:
    app = build_application(config_for(fake, knowledge, index_path),
                            rate_limiter=fast_limiter())
    await app.initialize()
    assert app.post_init is not None and app.post_shutdown is not None
    await app.post_init(app)
    server = WebhookServer(app, listen="127.0.0.1", port=0, path=PATH, secret=SECRET,
                           **limits)
    await server.start()
    await app.start()
    try:
        yield server
    finally:
        await server.stop()
        await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)


def question(fake: FakeTelegram, chat: int, text: str) -> dict[str, Any]:
    message = {"message_id": 1, "date": 0, "text": text,
               "chat": {"id": chat, "type": "private", "first_name": "U"},
               "from": {"id": chat, "is_bot": False, "first_name": "U"}}
    return fake.update({"message": message})


def request(body: bytes, *, secret: str | None = SECRET, length: int | None = None,
            content_type: str = "application/json") -> bytes:
    head = [f"POST {PATH} HTTP/1.1", "Host: bot", f"Content-Type: {content_type}",
            f"Content-Length: {len(body) if length is None else length}"]
    if secret is not None:
        head.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def exchange(port: int, data: bytes, *, read: bool = True) -> bytes:
    """Send raw bytes and read until the server closes or answers."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(65536), timeout=20) if read else b""
    writer.close()
    return answer


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1") else 0


async def test_the_secret_is_checked_before_the_body_is_read(fake, knowledge, index_path):
    """Six 95 MB posts took the process from 82 to 596 MB: now a request without the secret
    is refused on its headers alone, with a 100 MB body announced and never sent."""
    async with webhook_bot(fake, knowledge, index_path) as server:
        port = server.bound_port
        for secret in (None, "wrong-secret"):
            answer = await exchange(port, request(b"", secret=secret, length=100_000_000))
            assert status(answer) == 403
        too_big = await exchange(port, request(b"", length=MAX_BODY + 1))
        assert status(too_big) == 413  # even with the secret: refused unread


async def test_json_with_a_charset_is_taken_and_answered(fake, knowledge, index_path):
    async with webhook_bot(fake, knowledge, index_path) as server:
        body = json.dumps(question(fake, 500, "kidal")).encode()
        answer = await exchange(server.bound_port, request(
            body, content_type="application/json; charset=utf-8"))
        assert status(answer) == 200
        await fake.wait_for(lambda: fake.to_chat(500))
        assert fake.to_chat(500)[0].shown.startswith("31 October 2023")
        bad = await exchange(server.bound_port, request(b"{not json"))
        assert status(bad) == 400 and server.malformed == 1


async def test_an_update_posted_three_times_is_answered_once(fake, knowledge, index_path):
    async with webhook_bot(fake, knowledge, index_path) as server:
        body = json.dumps(question(fake, 501, "ansongo")).encode()
        for _ in range(3):
            assert status(await exchange(server.bound_port, request(body))) == 200
        marker = json.dumps(question(fake, 502, "kidal")).encode()
        await exchange(server.bound_port, request(marker))
        await fake.wait_for(lambda: fake.to_chat(501) and fake.to_chat(502))
        await asyncio.sleep(0.3)
        assert len(fake.to_chat(501)) == 1


async def test_lone_surrogates_in_a_posted_update_are_answered_and_logged(fake, knowledge,
                                                                         index_path, tmp_path):
    async with webhook_bot(fake, knowledge, index_path) as server:
        body = json.dumps(question(fake, 503, "kidal \ud800")).encode()  # escaped as \\ud800
        assert status(await exchange(server.bound_port, request(body))) == 200
        await fake.wait_for(lambda: fake.to_chat(503))
    import sqlite3

    peek = sqlite3.connect(tmp_path / "questions.sqlite")
    assert peek.execute("select question from questions").fetchall() == [("kidal \ufffd",)]
    peek.close()


async def test_idle_and_half_sent_requests_are_closed_within_seconds(fake, knowledge,
                                                                     index_path):
    async with webhook_bot(fake, knowledge, index_path, idle_seconds=0.5) as server:
        port = server.bound_port
        assert await exchange(port, b"") == b""  # nothing sent: closed, no answer
        half = await exchange(port, b"POST /hook/minusma HTTP/1.1\r\nHost: b")
        assert half == b""  # headers never finished: closed (before: an hour)
        trickle = request(b"{" + b" " * 100, length=1000)  # a body that never completes
        assert status(await exchange(port, trickle)) in (0, 400)


async def test_connections_are_bounded_and_refusals_never_flood_the_log(fake, knowledge,
                                                                        index_path, caplog):
    """1,100 idle connections made the bot deaf and the accept loop logged 206,986 lines:
    at the bound, each new connection closes the oldest, so whoever holds sockets open cannot
    lock Telegram out; it is logged once a minute at most."""
    caplog.set_level(logging.INFO)
    async with webhook_bot(fake, knowledge, index_path, max_connections=5) as server:
        port = server.bound_port
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(55)]
        await fake.wait_for(lambda: server.closed_oldest == 50)
        assert server.http.open_connections == 5
        for sock in idle[:50]:
            sock.settimeout(5)
            assert sock.recv(10) == b""  # the oldest were closed
        assert caplog.text.count("closing the oldest") == 1
        body = json.dumps(question(fake, 504, "kidal")).encode()
        assert status(await exchange(port, request(body))) == 200  # at once, bound or not
        await fake.wait_for(lambda: fake.to_chat(504))
        assert server.http.open_connections <= 5
        for sock in idle:
            sock.close()


async def test_bad_requests_never_become_log_lines(fake, knowledge, index_path, caplog):
    caplog.set_level(logging.DEBUG)
    async with webhook_bot(fake, knowledge, index_path) as server:
        port = server.bound_port
        for _ in range(30):
            assert status(await exchange(port, b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")) == 404
            await exchange(port, b"garbage\r\n\r\n")
            elsewhere = b"POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"
            assert status(await exchange(port, elsewhere)) == 404  # refused unread
            await exchange(port, request(b"", secret="bad", length=10**8))
    assert not [r for r in caplog.records if r.name.startswith("tornado")]
