"""The real `python -m bot run` process: clean stops on signals, and nothing lost or repeated
across a restart."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import KNOWLEDGE
from tests.fake_telegram import TOKEN, FakeTelegram

ADMIN = 42
SECRET = TOKEN.split(":")[1]


@pytest.fixture(autouse=True)
def _prebuilt_index(index_path: Path) -> Path:
    """Each bot starts on a copy of the session's index, as after a first start."""
    return index_path


def no_secret_in(log: str) -> bool:
    return TOKEN not in log and SECRET not in log


def start_bot(fake: FakeTelegram, tmp_path: Path, *, base_url: str | None = None,
              knowledge: Path = KNOWLEDGE, token: str = TOKEN) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": base_url or fake.base_url,
        "KNOWLEDGE_DIR": str(knowledge),
        "BOT_DB_PATH": str(tmp_path / "index.sqlite"),
        "BOT_ADMIN_IDS": str(ADMIN),
    }
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def stop(process: subprocess.Popen[str], sig: int) -> tuple[int, str]:
    process.send_signal(sig)
    _, err = process.communicate(timeout=30)
    return process.returncode, err


def test_signals_stop_cleanly_and_a_restart_loses_and_repeats_nothing(fake, tmp_path):
    first = start_bot(fake, tmp_path)
    try:
        before = [fake.message(q, chat_id=300 + i) for i, q in
                  enumerate(["kidal", "sevare", "ansongo"])]
        wait_until(lambda: len(fake.sent) == 3)
    finally:
        code, log_one = stop(first, signal.SIGTERM)
    assert code == 0, log_one
    assert fake.confirmed >= max(before)  # handled updates were confirmed before exiting

    while_down = [fake.message(q, chat_id=310 + i) for i, q in enumerate(["goundam", "ber"])]
    second = start_bot(fake, tmp_path)
    try:
        wait_until(lambda: len(fake.sent) == 5)
        time.sleep(1.0)  # room for any duplicate to show up
    finally:
        code, log_two = stop(second, signal.SIGINT)
    assert code == 0, log_two
    per_chat = Counter(m.chat_id for m in fake.sent)
    assert per_chat == {300: 1, 301: 1, 302: 1, 310: 1, 311: 1}
    assert fake.confirmed >= max(while_down)
    for log in (log_one, log_two):
        assert "Bot starting" in log and "Bot stopped" in log
        assert TOKEN not in log and TOKEN.split(":")[1] not in log


def test_missing_token_is_a_one_line_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    done = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "TELEGRAM_BOT_TOKEN" in done.stderr


def finish(process: subprocess.Popen[str], timeout: float = 60) -> tuple[int, str]:
    _, err = process.communicate(timeout=timeout)
    return process.returncode, err


@pytest.mark.parametrize("status", [401, 404])
def test_a_rejected_token_is_a_clear_exit_1_that_never_shows_it(fake, tmp_path, status):
    fake.fail_next("getMe", status)
    code, log = finish(start_bot(fake, tmp_path))
    assert code == 1, log
    assert "rejected the bot token" in log
    assert no_secret_in(log), log  # PTB's own message and traceback carry the token


def test_a_wrong_token_gets_404_and_exits_1(fake, tmp_path):
    wrong = "987654:another-token-that-telegram-does-not-know"
    code, log = finish(start_bot(fake, tmp_path, token=wrong))
    assert code == 1 and "rejected the bot token" in log
    assert wrong not in log and wrong.split(":")[1] not in log


def test_a_token_revoked_while_running_stops_the_bot_with_exit_1(fake, tmp_path):
    bot = start_bot(fake, tmp_path)
    try:
        fake.message("kidal", chat_id=330)
        wait_until(lambda: len(fake.sent) == 1)
        fake.revoke()
        code, log = finish(bot)  # before: the process stayed alive, doing nothing
    finally:
        bot.kill()
    assert code == 1 and "rejected the bot token" in log
    assert no_secret_in(log)


def test_telegram_unreachable_for_a_few_seconds_at_start_up_is_waited_out(fake, tmp_path):
    fake.fail_next("getMe", 502, times=2)
    bot = start_bot(fake, tmp_path)
    try:
        fake.message("kidal", chat_id=340)
        wait_until(lambda: len(fake.sent) == 1, timeout=60)
    finally:
        code, log = stop(bot, signal.SIGTERM)
    assert code == 0, log
    assert fake.calls.count("getMe") == 3


def test_credentials_in_the_api_url_never_reach_the_log(fake, tmp_path):
    with_password = fake.base_url.replace("http://", "http://curator:hunter2-secret@")
    bot = start_bot(fake, tmp_path, base_url=with_password)
    try:
        fake.message("kidal", chat_id=350)
        wait_until(lambda: len(fake.sent) == 1)
    finally:
        code, log = stop(bot, signal.SIGTERM)
    assert code == 0 and "Bot starting" in log
    assert "hunter2-secret" not in log and no_secret_in(log)


def test_broken_knowledge_with_a_good_index_starts_and_warns_the_admins(fake, tmp_path):
    knowledge = Path(shutil.copytree(KNOWLEDGE, tmp_path / "knowledge"))
    first = start_bot(fake, tmp_path, knowledge=knowledge)  # builds the index
    try:
        fake.message("kidal", chat_id=360)
        wait_until(lambda: len(fake.sent) == 1)
    finally:
        stop(first, signal.SIGTERM)
    (knowledge / "broken.toml").write_text("[[event]]\nid = \n")
    second = start_bot(fake, tmp_path, knowledge=knowledge)
    try:
        fake.message("ansongo", chat_id=361)
        wait_until(lambda: fake.to_chat(361) and fake.to_chat(ADMIN))
    finally:
        code, log = stop(second, signal.SIGTERM)
    assert code == 0, log  # before: the bot refused to start
    assert fake.to_chat(361)[0].shown.startswith("18 November 2023")
    warning = fake.to_chat(ADMIN)[0].shown
    assert "1 problem(s)" in warning and "started on the index built at" in warning
    assert "broken.toml:2" in log


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _post(port: int, body: bytes, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(f"http://127.0.0.1:{port}/hook/minusma", data=body,
                                     headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_webhook_mode_takes_the_right_secret_refuses_others_and_stops_cleanly(fake, tmp_path):
    port, secret = _free_port(), "s3cret-webhook_token"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url,
           "KNOWLEDGE_DIR": str(KNOWLEDGE), "BOT_DB_PATH": str(tmp_path / "index.sqlite"),
           "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook/minusma", "WEBHOOK_SECRET": secret,
           "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port)}
    bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: fake.webhook is not None)
        assert fake.webhook["secret_token"] == secret
        assert fake.webhook["url"].endswith("/hook/minusma")

        def question(chat: int, text: str) -> bytes:
            message = {"message_id": 1, "date": 0, "text": text,
                       "chat": {"id": chat, "type": "private", "first_name": "U"},
                       "from": {"id": chat, "is_bot": False, "first_name": "U"}}
            return json.dumps(fake.update({"message": message})).encode()

        wait_until(lambda: _post(port, question(500, "kidal"), secret) == 200)
        wait_until(lambda: fake.to_chat(500))
        assert fake.to_chat(500)[0].shown.startswith("31 October 2023")
        assert _post(port, question(501, "gao"), "wrong-secret") == 403
        assert _post(port, question(502, "gao"), None) == 403
        assert _post(port, b"{not json", secret) >= 400  # answered, not fatal
        assert _post(port, question(503, "ansongo"), secret) == 200
        wait_until(lambda: fake.to_chat(503))
        time.sleep(0.5)
        assert fake.to_chat(501) == [] and fake.to_chat(502) == []
    finally:
        code, log = stop(bot, signal.SIGTERM)
    assert code == 0, log
    assert secret not in log and no_secret_in(log)
