"""Webhook workers benchmark: replies per second with 1, 2 and 4 bot processes sharing one
read-only index, behind a round-robin dispatcher, against the local Bot API imitation.

    python -m benchmarks.workers                  # 1,500 questions per run
    python -m benchmarks.workers --updates 3000 --workers 1 2 4

Each worker is the real `python -m bot run` in webhook mode, on its own port, with the rate
limit lifted (BOT_MESSAGES_PER_SECOND) so that the figure is the bot's own capacity, not
Telegram's 30 messages a second. The dispatcher posts updates as Telegram would (each with the
secret), spread over the workers in turn; every question comes from its own user, so fair use
drops nothing. The imitation runs in this process and shares the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bot.engine import open_engine
from bot.tables import table
from tests.fake_telegram import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
SECRET = "benchmark-secret"
QUESTIONS = ["When did MINUSMA leave Kidal?", "sevare", "which closed first, Ansongo or Sévaré?",
             "what happened in December 2023?", "Combien de casques bleus sont morts au Mali ?",
             "capital of Peru", "ansogo clsoure", "Who led MINUSMA?"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_worker(fake: FakeTelegram, folder: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url,
           "KNOWLEDGE_DIR": str(ROOT / "knowledge"), "BOT_DB_PATH": str(folder / "index.sqlite"),
           "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook", "WEBHOOK_SECRET": SECRET,
           "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port),
           "BOT_MESSAGES_PER_SECOND": "100000"}
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=folder, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def cpu_seconds(pid: int) -> float | None:
    """A process's user and system CPU time so far (Linux), or None where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def update(fake: FakeTelegram, n: int) -> bytes:
    user = 100_000 + n
    message = {"message_id": n, "date": 0, "text": QUESTIONS[n % len(QUESTIONS)],
               "chat": {"id": user, "type": "private", "first_name": "U"},
               "from": {"id": user, "is_bot": False, "first_name": "U"}}
    return json.dumps(fake.update({"message": message})).encode()


async def post_all(ports: list[int], bodies: list[bytes]) -> None:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    limit = asyncio.Semaphore(64)  # Telegram keeps at most a few dozen connections open too
    async with httpx.AsyncClient(timeout=60) as client:

        async def post(n: int, body: bytes) -> None:
            async with limit:
                port = ports[n % len(ports)]
                response = await client.post(f"http://127.0.0.1:{port}/hook", content=body,
                                             headers=headers)
                response.raise_for_status()

        await asyncio.gather(*(post(n, body) for n, body in enumerate(bodies)))


def measure(workers: int, updates: int, folder: Path) -> list[str]:
    fake = FakeTelegram()
    fake.start()
    ports = [free_port() for _ in range(workers)]
    processes = [start_worker(fake, folder, port) for port in ports]
    try:
        ready = time.monotonic() + 60
        while True:  # every worker answers a first question before the clock starts
            try:
                asyncio.run(post_all(ports, [update(fake, n) for n in range(workers)]))
                break
            except httpx.HTTPError:
                if time.monotonic() > ready:
                    raise
                time.sleep(0.2)
        while len(fake.sent) < workers:
            time.sleep(0.05)
        bodies = [update(fake, n) for n in range(workers, workers + updates)]
        before = len(fake.sent)
        cpu_before = [cpu_seconds(p.pid) for p in processes]
        started = time.perf_counter()
        asyncio.run(post_all(ports, bodies))
        while len(fake.sent) < before + updates:
            if time.perf_counter() - started > 600:
                raise TimeoutError("the workers did not answer every question")
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
        cpu_after = [cpu_seconds(p.pid) for p in processes]
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        fake.stop()
    spent = [b - a for a, b in zip(cpu_before, cpu_after, strict=True)
             if a is not None and b is not None]
    per_reply = f"{sum(spent) / updates * 1000:.1f}" if len(spent) == workers else "-"
    return [str(workers), f"{updates:,}", f"{elapsed:.1f} s", f"{updates / elapsed:.0f}",
            per_reply, str(len(fake.rejected))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--updates", type=int, default=1500)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        open_engine(ROOT / "knowledge", folder / "index.sqlite").close()  # built once, shared
        rows = [measure(n, args.updates, folder) for n in args.workers]
    print(f"# Webhook workers sharing one index ({os.cpu_count()} cores)\n")
    print(table(["workers", "questions", "wall time", "replies/s", "worker CPU ms per reply",
                 "rejected"], rows))
    print("\nEach worker is `python -m bot run` in webhook mode; the dispatcher posts updates "
          "round-robin with up to 64 in flight. The rate limit is lifted to measure the bot's "
          "own capacity: with Telegram's, the whole bot sends about 30 messages a second "
          "however many workers it has. The dispatcher and the imitation run in this process "
          "and take a core of their own: replies per second scale with workers only while "
          "cores are free; the CPU per reply says what one core buys.")


if __name__ == "__main__":
    main()
