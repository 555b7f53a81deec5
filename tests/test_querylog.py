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
