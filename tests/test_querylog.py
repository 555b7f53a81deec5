"""The question log: batched writes, retention, similar declined questions, no identities."""

from __future__ import annotations

import csv
import io
import sqlite3
import time
from pathlib import Path

import pytest

from bot.querylog import Logged, QuestionLog, is_our_log
from bot.store import ForeignFileError

DAY = 86400.0


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def row(log: QuestionLog, question: str, outcome: str = "answered", *, at: float | None = None,
        entries: tuple[str, ...] = ("kidal-closure",), latency: float = 2.0,
        user: int | None = None) -> int:
    row_id = log.new_id()
    log.record(Logged(row_id, time.time() if at is None else at, "private", "en", question, outcome,  # type: ignore[arg-type]
                      entries if outcome == "answered" else (), 0.9, latency, log.asker(user)))
    return row_id


def test_rows_wait_in_memory_until_the_writer_flushes(tmp_path: Path):
    log = QuestionLog(tmp_path / "q.sqlite")
    row(log, "kidal")
    peek = sqlite3.connect(tmp_path / "q.sqlite")
    assert peek.execute("select count(*) from questions").fetchone() == (0,)
    assert log.flush() == 1
    assert peek.execute("select count(*) from questions").fetchone() == (1,)
    peek.close()
    log.close()
    assert is_our_log(tmp_path / "q.sqlite")


def test_summary_counts_outcomes_feedback_and_latency(tmp_path: Path):
    clock = Clock(1_700_000_000.0)
    log = QuestionLog(tmp_path / "q.sqlite", clock=clock)
    liked = row(log, "kidal", at=clock.now, latency=2.0)
    row(log, "gao", at=clock.now - 3 * DAY, latency=4.0, entries=("gao-closure",))
    row(log, "kidal again", at=clock.now - 30 * DAY, latency=100.0)
    row(log, "capital of peru", "declined", at=clock.now)
    log.feedback(liked, helpful=True)
    log.flush()
    summary = log.summary()
    assert (summary.today, summary.week, summary.total) == (2, 3, 4)
    assert summary.answered == 0.75 and summary.declined == 0.25
    assert summary.top_entries[0] == ("kidal-closure", 2)
    assert (summary.helpful, summary.not_helpful) == (1, 0)
    assert summary.p50_ms is not None and summary.p50_ms < 100  # only the last 7 days
    assert summary.askers is None  # no salt, no counting of people
    log.close()


def test_old_rows_are_pruned_after_the_retention_period(tmp_path: Path):
    clock = Clock(1_700_000_000.0)
    log = QuestionLog(tmp_path / "q.sqlite", retention_days=90, clock=clock)
    row(log, "old", at=clock.now - 91 * DAY)
    row(log, "recent", at=clock.now - 89 * DAY)
    log.flush()
    assert log.summary().total == 1
    log.close()


def test_similar_declined_questions_are_counted_together(tmp_path: Path):
    log = QuestionLog(tmp_path / "q.sqlite")
    for question in ["Who built the Bourem bridge?", "who built the bourem bridge",
                     "Who built the Bourem bridge ?", "capital of Peru", "Capital of peru?",
                     "weather in Bamako"]:
        row(log, question, "declined")
    log.flush()
    groups = log.unanswered()
    assert [(g.count, g.question.lower().rstrip(" ?")) for g in groups][:2] == [
        (3, "who built the bourem bridge"), (2, "capital of peru")]
    assert groups[2].count == 1
    log.close()


def test_askers_are_counted_only_through_a_salted_hash(tmp_path: Path):
    log = QuestionLog(tmp_path / "q.sqlite", salt="pepper-not-stored")
    for user in (123456789, 123456789, 987654321):
        row(log, "kidal", user=user)
    log.close()
    data = (tmp_path / "q.sqlite").read_bytes()
    assert b"123456789" not in data and b"987654321" not in data
    assert b"pepper-not-stored" not in data
    reopened = QuestionLog(tmp_path / "q.sqlite", salt="pepper-not-stored")
    assert reopened.summary().askers == 2
    reopened.close()


def test_export_is_csv_with_a_header(tmp_path: Path):
    log = QuestionLog(tmp_path / "q.sqlite")
    row(log, 'a "quoted", question')
    log.flush()
    rows = list(csv.reader(io.StringIO(log.export_csv().decode())))
    assert rows[0][:5] == ["id", "at", "chat_kind", "lang", "question"]
    assert rows[1][4] == 'a "quoted", question'
    log.close()


def test_a_file_that_is_not_our_log_is_never_written(tmp_path: Path):
    notes = tmp_path / "notes.sqlite"
    other = sqlite3.connect(notes)
    other.execute("create table mine (x)")
    other.commit()
    other.close()
    before = notes.read_bytes()
    with pytest.raises(ForeignFileError):
        QuestionLog(notes)
    assert notes.read_bytes() == before


def test_report_prints_the_same_tables(tmp_path: Path, capsys):
    from bot.cli import main
    from tests.conftest import KNOWLEDGE

    log = QuestionLog(tmp_path / "questions.sqlite")
    row(log, "kidal")
    row(log, "capital of Peru", "declined")
    log.close()
    code = main(["--knowledge", str(KNOWLEDGE), "--db", str(tmp_path / "index.sqlite"),
                 "report"])
    out = capsys.readouterr().out
    assert code == 0
    assert "| in all" in out and "| answered" in out and "capital of Peru" in out
    assert "MINUSMA leaves Kidal" in out  # the top answer by its title


# --- hostile use and failing disks (issue 22) ------------------------------------------------


class FailingConnection:
    """The writer's connection, failing its next `times` statements the way SQLite does when
    the disk is full."""

    def __init__(self, real: sqlite3.Connection, times: int,
                 error: Exception | None = None) -> None:
        self.real, self.times = real, times
        self.error = error or sqlite3.OperationalError("database or disk is full")

    def execute(self, sql: str, *args: object) -> object:
        if self.times and sql.startswith("insert") is False and sql == "commit":
            self.times -= 1
            raise self.error
        return self.real.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def count(path: Path) -> int:
    peek = sqlite3.connect(path)
    try:
        return int(peek.execute("select count(*) from questions").fetchone()[0])
    finally:
        peek.close()


def test_a_full_disk_keeps_the_rows_and_a_later_flush_writes_them(tmp_path: Path, caplog):
    log = QuestionLog(tmp_path / "q.sqlite")
    real = log._conn
    log._conn = FailingConnection(real, times=3)  # type: ignore[assignment]
    for n in range(5):
        row(log, f"question {n}")
    for _ in range(3):
        assert log.try_flush() is False  # the disk is full: logged, rows kept
    assert log.pending == 5 and count(tmp_path / "q.sqlite") == 0
    assert "disk is full" in caplog.text and caplog.text.count("could not write") == 1
    assert log.try_flush() is True  # space freed: everything is written
    assert count(tmp_path / "q.sqlite") == 5 and log.pending == 0
    log._conn = real
    log.close()


def test_another_process_holding_the_lock_delays_the_rows_and_loses_none(tmp_path: Path,
                                                                         monkeypatch):
    monkeypatch.setattr("bot.querylog.BUSY_SECONDS", 0.1)
    log = QuestionLog(tmp_path / "q.sqlite")
    log._conn.execute("pragma busy_timeout = 100")
    holder = sqlite3.connect(tmp_path / "q.sqlite", isolation_level=None)
    holder.execute("begin exclusive")  # a curator's sqlite-utils, a second worker
    row(log, "kidal")
    assert log.try_flush() is False and log.pending == 1
    holder.execute("commit")
    holder.close()
    assert log.try_flush() is True and count(tmp_path / "q.sqlite") == 1
    log.close()


async def test_the_writer_survives_failures_and_never_stops(tmp_path: Path):
    import asyncio

    log = QuestionLog(tmp_path / "q.sqlite")
    real = log._conn
    log._conn = FailingConnection(real, times=2)  # type: ignore[assignment]
    writer = asyncio.create_task(log.writer(interval=0.01))
    row(log, "kidal")
    for _ in range(300):
        await asyncio.sleep(0.01)
        if count(tmp_path / "q.sqlite") == 1:
            break
    assert count(tmp_path / "q.sqlite") == 1 and not writer.done()
    row(log, "gao")
    for _ in range(300):
        await asyncio.sleep(0.01)
        if count(tmp_path / "q.sqlite") == 2:
            break
    assert count(tmp_path / "q.sqlite") == 2
    writer.cancel()
    log._conn = real
    log.close()


def test_forged_votes_are_refused_and_never_poison_a_batch(tmp_path: Path):
    log = QuestionLog(tmp_path / "q.sqlite")
    kept = row(log, "kidal")
    assert log.feedback(0xFFFFFFFFFFFFFFFF, helpful=True) is False  # beyond SQLite integers
    assert log.feedback(-1, helpful=True) is False
    assert log.feedback(kept, helpful=True) is True
    assert log.flush() == 2
    peek = sqlite3.connect(tmp_path / "q.sqlite")
    assert peek.execute("select feedback from questions").fetchall() == [(1,)]
    peek.close()
    log.close()


def test_a_row_that_cannot_be_stored_is_dropped_alone(tmp_path: Path, caplog):
    log = QuestionLog(tmp_path / "q.sqlite")
    row(log, "kidal")
    log._pending.append(("vote", 1 << 70, 1, time.time()))  # as if validation were bypassed
    row(log, "gao")
    assert log.flush() == 3
    assert count(tmp_path / "q.sqlite") == 2 and log.pending == 0
    assert "cannot be stored" in caplog.text
    log.close()


def test_lone_surrogates_are_stored_replaced(tmp_path: Path):
    log = QuestionLog(tmp_path / "q.sqlite")
    row(log, "kidal \ud800 closure \udfff")
    assert log.flush() == 1
    peek = sqlite3.connect(tmp_path / "q.sqlite")
    assert peek.execute("select question from questions").fetchone() == (
        "kidal \ufffd closure \ufffd",)
    peek.close()
    log.close()


@pytest.mark.parametrize("days", [0, -1, 1_000_000])
def test_retention_outside_1_to_3650_days_is_refused(tmp_path: Path, days: int):
    with pytest.raises(ValueError, match="3650"):
        QuestionLog(tmp_path / "q.sqlite", retention_days=days)


def test_close_never_raises_even_when_the_last_flush_fails(tmp_path: Path, caplog):
    log = QuestionLog(tmp_path / "q.sqlite")
    log._conn = FailingConnection(log._conn, times=99)  # type: ignore[assignment]
    row(log, "kidal")
    log.close()  # logged, not raised: shutdown goes on and exits 0
    assert "1 row(s) lost" in caplog.text


def test_a_flood_keeps_memory_and_the_file_bounded(tmp_path: Path):
    clock = Clock(1_700_000_000.0)
    log = QuestionLog(tmp_path / "q.sqlite", clock=clock, max_pending=1000, max_rows=500)
    log._conn.close()
    log._conn = sqlite3.connect(":memory:")  # type: ignore[assignment]  # writes fail: no table
    for n in range(5000):
        row(log, f"junk {n}", "declined", at=clock.now - n)
    assert log.pending == 1000 and log.dropped == 4000  # the queue is bounded
    log._conn = sqlite3.connect(tmp_path / "q.sqlite", isolation_level=None,
                                check_same_thread=False)
    log.flush()
    clock.now += 2 * 3600  # the next sweep prunes beyond max_rows
    row(log, "one more", "declined", at=clock.now)
    log.flush()
    assert count(tmp_path / "q.sqlite") == 500
    log.close()


def test_unanswered_answers_fast_on_a_huge_log_of_distinct_declines(tmp_path: Path):
    """12,000 distinct declines took 53 s before: now the latest rows, and the most asked
    distinct wordings among them, are compared all at once (the time is in benchmarks/)."""
    path = tmp_path / "q.sqlite"
    log = QuestionLog(path)
    now = time.time()
    import hashlib

    for n in range(20_000):
        words = hashlib.sha256(str(n).encode()).hexdigest()
        log.record(Logged(log.new_id(), now - n, "private", "en",  # type: ignore[arg-type]
                          f"{words[:9]} {words[9:20]}", "declined", (), 0.0, 1.0))
    log.record(Logged(log.new_id(), now, "private", "en", "who built the Bourem bridge?",
                      "declined", (), 0.0, 1.0))
    log.record(Logged(log.new_id(), now, "private", "en", "Who built the bourem bridge",
                      "declined", (), 0.0, 1.0))
    log.flush()
    groups = log.unanswered()
    assert groups[0].count == 2 and "bourem" in groups[0].question.lower()
    assert len(groups) == 10
    log.close()


def test_reading_never_takes_the_writers_lock(tmp_path: Path):
    """A curator's long read must not hold up record() (on the event loop) or the writer."""
    import threading

    log = QuestionLog(tmp_path / "q.sqlite")
    row(log, "kidal")
    log.flush()
    reader = sqlite3.connect(tmp_path / "q.sqlite")
    reader.execute("begin")
    reader.execute("select count(*) from questions").fetchone()  # a read in progress
    done = threading.Event()

    def write() -> None:
        row(log, "gao")
        log.flush()
        done.set()

    threading.Thread(target=write).start()
    assert done.wait(5)
    reader.close()
    summary = log.summary()
    assert summary.total == 2
    log.close()


def test_export_neutralises_formulas_and_fits_the_limit(tmp_path: Path):
    import gzip

    log = QuestionLog(tmp_path / "q.sqlite")
    for text in ("=HYPERLINK(\"http://evil\")", "+1+1", "-2", "@SUM(A1)", "\tx", "kidal"):
        row(log, text)
    log.flush()
    rows = list(csv.reader(io.StringIO(gzip.decompress(log.export().data).decode())))
    questions = {r[4] for r in rows[1:]}
    assert questions == {"'=HYPERLINK(\"http://evil\")", "'+1+1", "'-2", "'@SUM(A1)", "'\tx",
                         "kidal"}
    for n in range(3000):
        row(log, f"question {n} " + "x" * (n % 300))
    log.flush()
    cut = log.export(max_bytes=20_000)
    assert len(cut.data) <= 20_000 and 0 < cut.rows < cut.total == 3006
    newest = list(csv.reader(io.StringIO(gzip.decompress(cut.data).decode())))
    assert len(newest) == cut.rows + 1
    log.close()


def test_a_log_deleted_while_running_is_started_again_with_a_warning(tmp_path: Path, caplog):
    path = tmp_path / "q.sqlite"
    log = QuestionLog(path)
    row(log, "kidal")
    log.flush()
    for leftover in tmp_path.glob("q.sqlite*"):
        leftover.unlink()
    row(log, "gao")
    log.flush()
    assert "deleted or replaced" in caplog.text
    assert path.exists() and is_our_log(path) and count(path) == 1
    log.close()


def test_handled_update_ids_survive_a_restart(tmp_path: Path):
    log = QuestionLog(tmp_path / "q.sqlite")
    for update_id in (5, 6, 7):
        log.handled(update_id)
    log.close()
    again = QuestionLog(tmp_path / "q.sqlite")
    assert sorted(again.seen_updates()) == [5, 6, 7]
    again.close()
