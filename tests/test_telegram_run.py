"""The real `python -m bot run` process: clean stops on signals, and nothing lost or repeated
across a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.conftest import KNOWLEDGE
from tests.fake_telegram import TOKEN, FakeTelegram


def start_bot(fake: FakeTelegram, tmp_path: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "KNOWLEDGE_DIR": str(KNOWLEDGE),
        "BOT_DB_PATH": str(tmp_path / "index.sqlite"),
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
