"""Telegram bot benchmark: replies per second and update-to-reply latency, against the local
Bot API imitation (tests/fake_telegram.py), with the real python-telegram-bot over real HTTP.

    python -m benchmarks.telegram                 # 2,000 questions from 200 chats
    python -m benchmarks.telegram --updates 5000 --chats 500

Two runs: with the rate limiter relaxed (what the bot itself can do) and with Telegram's own
limits (30 messages per second overall), which is what a real deployment gets.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from telegram import Update

from benchmarks.engine import percentile
from bot.config import Config
from bot.tables import table
from bot.telegram_app import RetryingRateLimiter, build_application
from tests.fake_telegram import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["When did MINUSMA leave Kidal?", "sevare", "which closed first, Ansongo or Sévaré?",
             "what happened in December 2023?", "Combien de casques bleus sont morts au Mali ?",
             "capital of Peru", "ansogo clsoure", "Who led MINUSMA?"]


async def measure(updates: int, chats: int, limiter: RetryingRateLimiter,
                  pace: float | None = None) -> list[str]:
    """Push `updates` questions (all at once, or `pace` per second) and time the replies."""
    fake = FakeTelegram()
    base_url = fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(ROOT / "knowledge", Path(tmp) / "index.sqlite", TOKEN, base_url,
                        frozenset())
        app = build_application(config, rate_limiter=limiter)
        await app.initialize()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1,
                                        allowed_updates=Update.ALL_TYPES)
        await app.start()
        started = time.perf_counter()
        ids = []
        for i in range(updates):
            ids.append(fake.message(QUESTIONS[i % len(QUESTIONS)], chat_id=10_000 + i % chats))
            if pace:
                await asyncio.sleep(1 / pace)
        await fake.wait_for(lambda: len(fake.sent) >= updates, timeout=updates)
        elapsed = time.perf_counter() - started
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    fake.stop()
    # Replies carry no update id; per chat, the n-th reply answers the n-th question.
    pushed: dict[int, list[float]] = {}
    for update_id in ids:
        chat = 10_000 + (update_id - ids[0]) % chats
        pushed.setdefault(chat, []).append(fake.pushed_at[update_id])
    latencies = []
    for chat, times in pushed.items():
        replies = sorted(m.at for m in fake.to_chat(chat))
        latencies += [(r - p) * 1000 for p, r in zip(sorted(times), replies, strict=True)]
    return [f"{pace:.0f}/s" if pace else "burst", f"{updates:,}", f"{chats}",
            f"{elapsed:.1f} s", f"{updates / elapsed:.0f}",
            f"{statistics.median(latencies):.0f}", f"{percentile(latencies, 99):.0f}",
            str(len(fake.rejected))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    def relaxed() -> RetryingRateLimiter:
        return RetryingRateLimiter(overall_max_rate=100_000, group_max_rate=100_000)

    def telegram() -> RetryingRateLimiter:
        return RetryingRateLimiter(max_retries=5)

    small = min(args.updates, 600)  # at 30 per second, a larger burst only waits longer
    runs = [
        ("relaxed", args.updates, relaxed(), None),
        ("Telegram's", small, telegram(), None),
        ("Telegram's", 500, telegram(), 25.0),
    ]
    rows = [[name, *asyncio.run(measure(n, args.chats, limiter, pace))]
            for name, n, limiter, pace in runs]
    print("# Telegram bot against the local Bot API imitation\n")
    print(table(["limits", "arrivals", "updates", "chats", "wall time", "replies/s", "p50 ms",
                 "p99 ms", "rejected"], rows))
    print("\nLatency runs from the update being queued at the imitation to the reply reaching "
          "it. In a burst it is mostly queueing; the paced run shows what one user waits. The "
          "imitation runs in the same process, so it shares the CPU with the bot.")


if __name__ == "__main__":
    main()
