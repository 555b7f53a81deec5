"""The question log: what people ask, what the bot answered or declined, and their feedback.

Kept in its own SQLite file, beside the index by default, so curators can see what to add
(`python -m bot report`, the admins' /stats and /unanswered, `datasette`). It stores no user
id, chat id, name or username: a returning asker can be counted only through a salted one-way
hash, and only when the operator sets a salt (BOT_LOG_SALT), which is never written to the log.

Answering never waits for the log: `record` and `feedback` queue a row in memory, and a writer
flushes the queue in one transaction every second, off the event loop. Rows older than the
retention period are pruned as the writer goes.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import secrets
import sqlite3
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rapidfuzz import fuzz, process

from bot.models import Answer
from bot.store import ForeignFileError, has_marker
from bot.text import fold

# SQLite's application_id marks the file as this bot's question log ("MNSL").
LOG_APPLICATION_ID = 0x4D4E534C
QUESTION_CHARS = 500  # a pasted essay is kept short
SIMILAR = 80  # rapidfuzz token-set ratio at which two declined questions count as one
PRUNE_EVERY = 3600.0  # seconds between retention sweeps
ChatKind = Literal["private", "group", "inline", "console"]
Outcome = Literal["answered", "declined", "choice", "smalltalk"]

_SCHEMA = """
create table if not exists questions (
    id integer primary key,      -- random, so a feedback button can name its row at once
    at text not null,            -- UTC, ISO 8601
    chat_kind text not null,     -- private, group, inline
    lang text not null,          -- the reply's language
    question text not null,
    outcome text not null,       -- answered, declined, choice, smalltalk
    entries text not null,       -- JSON list of the entry ids given
    confidence real not null,
    latency_ms real not null,
    asker text,                  -- salted hash, only when BOT_LOG_SALT is set
    feedback integer,            -- 1 helpful, -1 not helpful
    feedback_at text
);
create index if not exists questions_at on questions(at);
create index if not exists questions_outcome on questions(outcome, at);
"""


_INSERT = ("insert or ignore into questions (id, at, chat_kind, lang, question, outcome, "
           "entries, confidence, latency_ms, asker) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_VOTE = "update questions set feedback = ?, feedback_at = ? where id = ?"


def outcome_of(answer: Answer) -> Outcome:
    if answer.kind == "unknown":
        return "declined"
    if answer.kind == "choice":
        return "choice"
    if answer.kind == "smalltalk":
        return "smalltalk"
    return "answered"


@dataclass(frozen=True)
class Logged:
    """One question as the log keeps it."""

    id: int
    at: float  # epoch seconds
    chat_kind: ChatKind
    lang: str
    question: str
    outcome: Outcome
    entries: tuple[str, ...]
    confidence: float
    latency_ms: float
    asker: str | None = None


@dataclass(frozen=True)
class Summary:
    today: int
    week: int
    total: int
    answered: float  # shares of the total, 0-1
    declined: float
    choice: float
    top_entries: list[tuple[str, int]]  # entry id, times given
    helpful: int
    not_helpful: int
    p50_ms: float | None  # over the last 7 days
    p95_ms: float | None
    askers: int | None = None  # distinct salted hashes, when a salt is set


@dataclass(frozen=True)
class Group:
    """Declined questions that say the same thing."""

    question: str  # the most asked wording
    count: int
    wordings: tuple[str, ...] = field(default=())


def is_our_log(path: Path) -> bool:
    return has_marker(path, LOG_APPLICATION_ID)


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class QuestionLog:
    def __init__(self, path: Path, *, retention_days: int = 90, salt: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        if path.exists() and (not path.is_file()
                              or (path.stat().st_size > 0 and not is_our_log(path))):
            raise ForeignFileError(f"{path} exists and is not this bot's question log; "
                                   "refusing to write to it (choose another BOT_LOG_PATH)")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.retention_days = retention_days
        self._salt = salt.encode() if salt else None
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: list[Logged | tuple[int, int, float]] = []
        self._last_prune = 0.0
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        # WAL: Datasette or sqlite-utils can read while the bot writes. NORMAL: a commit does
        # not wait for the disk; a power cut may lose the last second of questions, not the log.
        self._conn.execute("pragma journal_mode = wal")
        self._conn.execute("pragma synchronous = normal")
        self._conn.execute(f"pragma application_id = {LOG_APPLICATION_ID}")
        self._conn.executescript(_SCHEMA)

    # --- writing, off the answer path ------------------------------------------------------

    @staticmethod
    def new_id() -> int:
        return secrets.randbits(48)

    def asker(self, user_id: int | None) -> str | None:
        """A salted one-way hash of a user id, or None when no salt is set."""
        if self._salt is None or user_id is None:
            return None
        return hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).hexdigest()[:16]

    def record(self, row: Logged) -> None:
        """Queue a question; turned into a row by the writer, off the answer path."""
        with self._lock:
            self._pending.append(row)

    def feedback(self, row_id: int, helpful: bool) -> None:
        with self._lock:
            self._pending.append((row_id, 1 if helpful else -1, self._clock()))

    def flush(self) -> int:
        """Write what is queued in one transaction (and prune, when due); returns rows."""
        with self._lock:
            pending, self._pending = self._pending, []
        rows = [(r.id, _iso(r.at), r.chat_kind, r.lang, r.question[:QUESTION_CHARS], r.outcome,
                 json.dumps(list(r.entries)), round(r.confidence, 3), round(r.latency_ms, 2),
                 r.asker) for r in pending if isinstance(r, Logged)]
        votes = [(vote, _iso(at), row_id) for row_id, vote, at in
                 (v for v in pending if not isinstance(v, Logged))]
        with self._lock:
            now = self._clock()
            if pending:
                self._conn.execute("begin")
                try:
                    # Rows first: a vote always follows the question it is about.
                    self._conn.executemany(_INSERT, rows)
                    self._conn.executemany(_VOTE, votes)
                    self._conn.execute("commit")
                except BaseException:
                    self._conn.execute("rollback")
                    self._pending[:0] = pending  # kept for the next flush
                    raise
            if now - self._last_prune >= PRUNE_EVERY:
                self._last_prune = now
                self._conn.execute("delete from questions where at < ?",
                                   (_iso(now - self.retention_days * 86400),))
        return len(pending)

    async def writer(self, interval: float = 1.0) -> None:
        """Flush every `interval` seconds in a worker thread, until cancelled."""
        try:
            while True:
                await asyncio.sleep(interval)
                await asyncio.to_thread(self.flush)
        finally:
            self.flush()

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._conn.close()

    # --- reading, for curators -------------------------------------------------------------

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def summary(self, top: int = 5) -> Summary:
        now = self._clock()
        day = _iso(now - now % 86400)
        week = _iso(now - 7 * 86400)
        total, today, last_week = self._rows(
            "select count(*), sum(at >= ?), sum(at >= ?) from questions", (day, week))[0]
        outcomes = dict(self._rows("select outcome, count(*) from questions group by outcome"))
        counted = Counter[str]()
        for (entries,) in self._rows("select entries from questions where outcome = 'answered'"):
            counted.update(json.loads(str(entries)))
        feedback = dict(self._rows("select feedback, count(*) from questions "
                                   "where feedback is not null group by feedback"))
        latencies = [float(v) for (v,) in self._rows(
            "select latency_ms from questions where at >= ?", (week,))]
        askers = None
        if self._salt is not None:
            askers = int(self._rows("select count(distinct asker) from questions")[0][0] or 0)

        def share(n: int) -> float:
            return n / total if total else 0.0

        p50 = p95 = None
        if len(latencies) >= 2:
            cuts = statistics.quantiles(latencies, n=100, method="inclusive")
            p50, p95 = cuts[49], cuts[94]
        elif latencies:
            p50 = p95 = latencies[0]
        return Summary(
            today=int(today or 0), week=int(last_week or 0), total=int(total or 0),
            answered=share(outcomes.get("answered", 0)),
            declined=share(outcomes.get("declined", 0)),
            choice=share(outcomes.get("choice", 0)),
            top_entries=counted.most_common(top),
            helpful=int(feedback.get(1, 0)), not_helpful=int(feedback.get(-1, 0)),
            p50_ms=p50, p95_ms=p95, askers=askers)

    def unanswered(self, limit: int = 10) -> list[Group]:
        """The most frequent declined questions, similar wordings counted together."""
        asked = Counter(str(q).strip() for (q,) in self._rows(
            "select question from questions where outcome = 'declined'"))
        groups: list[tuple[str, str, Counter[str]]] = []  # folded key, shown, wordings
        for question, count in asked.most_common():
            key = fold(question)
            if not key:
                continue
            found = process.extractOne(key, [g[0] for g in groups], scorer=fuzz.token_set_ratio,
                                       score_cutoff=SIMILAR) if groups else None
            if found is None:
                groups.append((key, question, Counter({question: count})))
            else:
                groups[found[2]][2][question] += count
        ranked = sorted(groups, key=lambda g: -sum(g[2].values()))
        return [Group(wordings.most_common(1)[0][0], sum(wordings.values()),
                      tuple(w for w, _ in wordings.most_common(5)))
                for _, _, wordings in ranked[:limit]]

    def export_csv(self) -> bytes:
        """Every row, as CSV, for a spreadsheet."""
        with self._lock:
            cursor = self._conn.execute("select * from questions order by at")
            columns = [c[0] for c in cursor.description]
            rows = cursor.fetchall()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")
