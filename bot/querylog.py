"""The question log: what people ask, what the bot answered or declined, and their feedback.

Kept in its own SQLite file, beside the index by default, so curators can see what to add
(`python -m bot report`, the admins' /stats and /unanswered, `datasette`). It stores no user
id, chat id, name or username: a returning asker can be counted only through a salted one-way
hash, and only when the operator sets a salt (BOT_LOG_SALT), which is never written to the log.

Answering never waits for the log: `record` and `feedback` append to an in-memory queue without
taking any lock, and a writer flushes the queue in one transaction every second, off the event
loop. A flush that fails (the file locked by another process, a full disk) keeps its rows for
the next one; the queue itself is bounded. Curators read through their own read-only
connections, so a long read never holds up the writer or the answers. Rows older than the
retention period, and the oldest beyond `MAX_ROWS`, are pruned as the writer goes.
"""

from __future__ import annotations

import asyncio
import collections
import csv
import datetime as dt
import gzip
import hashlib
import hmac
import io
import json
import logging
import math
import os
import re
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

import numpy as np
from rapidfuzz import fuzz, process

from bot.models import Answer
from bot.store import ForeignFileError, has_marker, read_only_uri
from bot.text import fold

log = logging.getLogger(__name__)

# SQLite's application_id marks the file as this bot's question log ("MNSL").
LOG_APPLICATION_ID = 0x4D4E534C
QUESTION_CHARS = 500  # a pasted essay is kept short
SIMILAR = 80  # rapidfuzz token-set ratio at which two declined questions count as one
PRUNE_EVERY = 3600.0  # seconds between retention sweeps
MAX_RETENTION_DAYS = 3650
ROW_ID_BITS = 48  # feedback buttons name their row in hex: 12 digits at most
MAX_PENDING = 100_000  # rows waiting in memory while the file cannot be written (~30 MB)
FLUSH_BATCH = 5_000  # rows per transaction, so that a backlog never holds the file for long
MAX_ROWS = 1_000_000  # whatever a flood sends, the file stays below a few hundred MB
BUSY_SECONDS = 2.0  # how long a write waits for another process's lock before retrying later
FAILURE_LOG_EVERY = 60.0  # a write failing every second is logged once a minute
# /unanswered reads at most this many recent declined rows and groups the most asked distinct
# wordings among them, so that it answers in about a second whatever the log holds.
UNANSWERED_DAYS = 30
UNANSWERED_ROWS = 50_000
UNANSWERED_DISTINCT = 600
SEEN_UPDATES = 10_000  # update ids remembered across restarts, against repeated deliveries
# Telegram keeps an undelivered update 24 hours, and after a week without updates numbers the
# next one at random: an id older than a day is never a repeat, and must not shadow a new one.
SEEN_SECONDS = 86400.0
EXPORT_BYTES = 45 * 1024 * 1024  # Telegram refuses documents over 50 MB
EXPORT_CHUNK = 200  # rows per gzip member of an export
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP: cells a spreadsheet would run
_SURROGATES = re.compile("[\ud800-\udfff]")
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
drop table if exists updates;          -- a development version of handled_updates
create table if not exists handled_updates (  -- Telegram update ids handled, against repeats
    update_id integer primary key,
    at text not null
);
"""


_INSERT = ("insert or ignore into questions (id, at, chat_kind, lang, question, outcome, "
           "entries, confidence, latency_ms, asker) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_VOTE = "update questions set feedback = ?, feedback_at = ? where id = ?"
_SEEN = "insert or ignore into handled_updates (update_id, at) values (?, ?)"
# Data errors: this row can never be written, whatever happens to the file.
_ROW_ERRORS = (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.ProgrammingError,
               OverflowError, UnicodeError, ValueError, TypeError)


def clean_text(text: str) -> str:
    """Lone surrogates (a webhook accepts them in JSON) cannot be encoded as UTF-8: replaced."""
    return _SURROGATES.sub("\ufffd", text)


def valid_row_id(row_id: int) -> bool:
    return 0 <= row_id < 1 << ROW_ID_BITS


def safe_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: a leading = + - @ tab or return would make it
    a formula (OWASP CSV injection), so such text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


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


@dataclass(frozen=True)
class Export:
    """The log as a gzip-compressed CSV, newest rows first, cut to what Telegram accepts."""

    data: bytes
    rows: int  # rows in the file
    total: int  # rows in the log


Pending = (tuple[Literal["row"], Logged] | tuple[Literal["vote"], int, int, float]
           | tuple[Literal["update"], int, float])


class QuestionLog:
    def __init__(self, path: Path, *, retention_days: int = 90, salt: str | None = None,
                 clock: Callable[[], float] = time.time, max_pending: int = MAX_PENDING,
                 max_rows: int = MAX_ROWS) -> None:
        if not 1 <= retention_days <= MAX_RETENTION_DAYS:
            raise ValueError(f"retention must be 1 to {MAX_RETENTION_DAYS} days")
        if path.exists() and (not path.is_file()
                              or (path.stat().st_size > 0 and not is_our_log(path))):
            raise ForeignFileError(f"{path} exists and is not this bot's question log; "
                                   "refusing to write to it (choose another BOT_LOG_PATH)")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.retention_days = retention_days
        self.max_pending = max_pending
        self.max_rows = max_rows
        self._salt = salt.encode() if salt else None
        self._clock = clock
        # record() runs on the event loop: deque.append is atomic, so it never waits for the
        # writer, which alone takes `_write`.
        self._pending: collections.deque[Pending] = collections.deque()
        self._write = threading.Lock()
        self._last_prune = 0.0
        self.dropped = 0  # rows refused because the queue was full
        self.failures = 0  # flushes that failed in a row
        self._last_failure_log = -math.inf
        self._conn, self._inode = self._open()

    def _open(self) -> tuple[sqlite3.Connection, int]:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                               timeout=BUSY_SECONDS)
        try:
            # WAL: Datasette or sqlite-utils can read while the bot writes. NORMAL: a commit does
            # not wait for the disk; a power cut may lose the last second of questions.
            conn.execute("pragma journal_mode = wal")
            conn.execute("pragma synchronous = normal")
            conn.execute(f"pragma application_id = {LOG_APPLICATION_ID}")
            conn.executescript(_SCHEMA)
            # The marker into the main file now, not at the first checkpoint: until then the
            # file would not be recognised as ours.
            conn.execute("pragma wal_checkpoint(passive)")
            return conn, os.stat(self.path).st_ino
        except BaseException:
            conn.close()
            raise

    # --- writing, off the answer path ------------------------------------------------------

    @staticmethod
    def new_id() -> int:
        return secrets.randbits(ROW_ID_BITS)

    def asker(self, user_id: int | None) -> str | None:
        """A salted one-way hash of a user id, or None when no salt is set."""
        if self._salt is None or user_id is None:
            return None
        return hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).hexdigest()[:16]

    def _queue(self, item: Pending) -> bool:
        if len(self._pending) >= self.max_pending:
            self.dropped += 1
            if self.dropped % 10_000 == 1:  # the first, then one line per 10,000
                log.warning("the question log queue is full (%d rows waiting): %d row(s) not "
                            "logged so far", len(self._pending), self.dropped)
            return False
        self._pending.append(item)
        return True

    def record(self, row: Logged) -> None:
        """Queue a question; turned into a row by the writer, off the answer path."""
        self._queue(("row", row))

    def feedback(self, row_id: int, helpful: bool) -> bool:
        """Queue a vote; False for a row id no question can have (forged button data)."""
        if not valid_row_id(row_id):
            return False
        return self._queue(("vote", row_id, 1 if helpful else -1, self._clock()))

    def handled(self, update_id: int) -> None:
        """Remember an update as handled, so that a delivery repeated after a restart is
        recognised (see `seen_updates`)."""
        if 0 <= update_id < 1 << 63:
            self._queue(("update", update_id, self._clock()))

    def seen_updates(self) -> list[int]:
        """The most recent update ids handled, newest first."""
        try:
            return [int(r[0]) for r in self._read(
                "select update_id from handled_updates where at >= ? "
                "order by at desc, update_id desc limit ?",
                (_iso(self._clock() - SEEN_SECONDS), SEEN_UPDATES))]
        except sqlite3.Error as exc:
            log.warning("could not read the handled update ids from the question log: %s", exc)
            return []

    @property
    def pending(self) -> int:
        return len(self._pending)

    def _reopen_if_replaced(self) -> None:
        """Someone deleted or replaced the file while the bot runs: writing on would go to a
        file nobody can see. Start a new one, and say so."""
        try:
            inode: int | None = os.stat(self.path).st_ino
        except FileNotFoundError:
            inode = None
        if inode == self._inode:
            return
        log.warning("the question log %s was deleted or replaced while the bot ran; "
                    "starting a new one", self.path)
        self._conn.close()
        if inode is not None and not is_our_log(self.path):
            raise ForeignFileError(f"{self.path} was replaced by a file that is not this bot's "
                                   "question log; leaving it alone")
        self._conn, self._inode = self._open()

    def flush(self) -> int:
        """Write what is queued (and prune, when due); returns the rows written. On failure
        the rows stay queued for the next flush and the error is raised."""
        written = 0
        with self._write:
            self._reopen_if_replaced()
            while self._pending:
                batch = [self._pending.popleft()
                         for _ in range(min(FLUSH_BATCH, len(self._pending)))]
                try:
                    written += self._write_batch(batch)
                except BaseException:
                    self._pending.extendleft(reversed(batch))  # kept, in order, for next time
                    raise
            now = self._clock()
            if now - self._last_prune >= PRUNE_EVERY:
                self._prune(now)
                self._last_prune = now
        return written

    def _write_batch(self, batch: list[Pending]) -> int:
        try:
            self._transaction(batch)
        except _ROW_ERRORS as exc:
            # One row that can never be written must not hold up the others forever.
            log.warning("a question log batch failed (%s); writing its rows one by one", exc)
            for item in batch:
                try:
                    self._transaction([item])
                except _ROW_ERRORS as row_exc:
                    log.warning("dropped a question log row that cannot be stored: %s",
                                row_exc)
        return len(batch)

    def _transaction(self, batch: list[Pending]) -> None:
        rows = [_row(item[1]) for item in batch if item[0] == "row"]
        votes = [(item[2], _iso(item[3]), item[1]) for item in batch if item[0] == "vote"]
        seen = [(item[1], _iso(item[2])) for item in batch if item[0] == "update"]
        self._conn.execute("begin immediate")
        try:
            # Rows first: a vote always follows the question it is about.
            self._conn.executemany(_INSERT, rows)
            self._conn.executemany(_VOTE, votes)
            self._conn.executemany(_SEEN, seen)
            self._conn.execute("commit")
        except BaseException:
            if self._conn.in_transaction:
                try:
                    self._conn.execute("rollback")
                except sqlite3.Error as exc:  # the batch is kept by the caller all the same
                    log.warning("question log rollback failed: %s", exc)
            raise

    def _prune(self, now: float) -> None:
        self._conn.execute("delete from questions where at < ?",
                           (_iso(now - self.retention_days * 86400),))
        # A flood within the retention period still cannot grow the file without bound.
        self._conn.execute("delete from questions where at < (select at from questions "
                           "order by at desc limit 1 offset ?)", (self.max_rows - 1,))
        self._conn.execute("delete from handled_updates where at < ?",
                           (_iso(now - SEEN_SECONDS),))
        self._conn.execute("delete from handled_updates where at < (select at from "
                           "handled_updates order by at desc limit 1 offset ?)",
                           (SEEN_UPDATES - 1,))

    def try_flush(self) -> bool:
        """Flush, logging a failure instead of raising it (rate-limited); True on success."""
        try:
            self.flush()
        except Exception as exc:
            self.failures += 1
            now = time.monotonic()
            if now - self._last_failure_log >= FAILURE_LOG_EVERY:
                self._last_failure_log = now
                log.error("could not write the question log (%s: %s); %d row(s) kept in "
                          "memory and retried every second", type(exc).__name__, exc,
                          len(self._pending))
            return False
        if self.failures:
            log.warning("the question log is written again after %d failed attempt(s)",
                        self.failures)
            self.failures = 0
            self._last_failure_log = -math.inf
        return True

    async def writer(self, interval: float = 1.0) -> None:
        """Flush every `interval` seconds in a worker thread, until cancelled. A failed flush
        is logged and retried; it never stops the writer."""
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(self.try_flush)
            except Exception:  # to_thread itself failing (no threads left): try next time
                log.exception("the question log writer could not run")

    def close(self) -> None:
        """Write what is queued and close the file; never raises, so shutdown always ends."""
        if not self.try_flush() and self._pending:
            log.error("the question log could not be written at shutdown: %d row(s) lost",
                      len(self._pending))
        if self.dropped:
            log.warning("the question log queue was full: %d row(s) were not logged",
                        self.dropped)
        with self._write:
            try:
                self._conn.close()
            except sqlite3.Error as exc:
                log.warning("could not close the question log: %s", exc)

    # --- reading, for curators: own connections, never the writer's ------------------------

    def _connect_read(self) -> sqlite3.Connection:
        return sqlite3.connect(read_only_uri(self.path), uri=True, timeout=BUSY_SECONDS)

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        conn = self._connect_read()
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    _rows = _read

    def summary(self, top: int = 5) -> Summary:
        now = self._clock()
        day = _iso(now - now % 86400)
        week = _iso(now - 7 * 86400)
        total, today, last_week = self._rows(
            "select count(*), sum(at >= ?), sum(at >= ?) from questions", (day, week))[0]
        outcomes = dict(self._rows("select outcome, count(*) from questions group by outcome"))
        counted = Counter[str]()
        for (entries,) in self._rows("select entries from questions where outcome = 'answered'"
                                     " order by at desc limit ?", (UNANSWERED_ROWS,)):
            counted.update(json.loads(str(entries)))
        feedback = dict(self._rows("select feedback, count(*) from questions "
                                   "where feedback is not null group by feedback"))
        latencies = [float(v) for (v,) in self._rows(
            "select latency_ms from questions where at >= ? order by at desc limit ?",
            (week, UNANSWERED_ROWS))]
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
        """The most frequent declined questions of the last 30 days, similar wordings counted
        together. Bounded whatever the log holds: the latest 50,000 declined rows, of which
        the 600 most asked distinct wordings are compared, all pairs at once with rapidfuzz's
        `process.cdist` (in C++, off the GIL)."""
        since = _iso(self._clock() - UNANSWERED_DAYS * 86400)
        # The most asked wordings, the most recent first among equals; then, for display,
        # ties in the order they were first asked.
        asked: dict[str, tuple[int, str]] = {}
        for question, count, first in self._rows(
                "select question, count(*) n, min(at) from (select question, at from questions "
                "where outcome = 'declined' and at >= ? order by at desc limit ?) "
                "group by question order by n desc, max(at) desc limit ?",
                (since, UNANSWERED_ROWS, UNANSWERED_DISTINCT * 4)):
            shown = str(question).strip()
            before = asked.get(shown, (0, str(first)))
            asked[shown] = (before[0] + int(count), min(before[1], str(first)))
        wordings: list[tuple[str, str, int]] = []  # folded key, as asked, times
        for question, (count, _) in asked.items():
            key = fold(question)
            if key:
                wordings.append((key, question, count))
            if len(wordings) >= UNANSWERED_DISTINCT:
                break
        wordings.sort(key=lambda w: (-w[2], asked[w[1]][1]))
        if not wordings:
            return []
        keys = [k for k, _, _ in wordings]
        similar = process.cdist(keys, keys, scorer=fuzz.token_set_ratio, processor=None,
                                score_cutoff=SIMILAR, dtype=np.uint8, workers=-1)
        heads: list[int] = []  # index of each group's first (most asked) wording
        members: list[Counter[str]] = []
        for i, (_, question, count) in enumerate(wordings):
            if heads:
                scores = similar[i, heads]
                best = int(np.argmax(scores))
                if scores[best] >= SIMILAR:
                    members[best][question] += count
                    continue
            heads.append(i)
            members.append(Counter({question: count}))
        ranked = sorted(members, key=lambda m: -sum(m.values()))
        return [Group(m.most_common(1)[0][0], sum(m.values()),
                      tuple(w for w, _ in m.most_common(5)))
                for m in ranked[:limit]]

    def export(self, max_bytes: int = EXPORT_BYTES) -> Export:
        """The log as CSV, newest rows first, gzip-compressed and cut to at most `max_bytes`;
        cells are neutralised against spreadsheet formulas. Each block of rows is its own gzip
        member (a valid .gz file is any sequence of them), so the cut is exact."""
        conn = self._connect_read()
        try:
            total = int(conn.execute("select count(*) from questions").fetchone()[0])
            cursor = conn.execute("select * from questions order by at desc")
            members = [_gzip_csv([[c[0] for c in cursor.description]])]
            size, rows = len(members[0]), 0
            for chunk in iter(lambda: cursor.fetchmany(EXPORT_CHUNK), []):
                member = _gzip_csv([[safe_cell(v) for v in r] for r in chunk])
                if size + len(member) > max_bytes:
                    break
                members.append(member)
                size += len(member)
                rows += len(chunk)
        finally:
            conn.close()
        return Export(b"".join(members), rows, total)

    def export_csv(self) -> bytes:
        """Every row, oldest first, as plain CSV (for `report` and small logs)."""
        conn = self._connect_read()
        try:
            cursor = conn.execute("select * from questions order by at")
            columns = [c[0] for c in cursor.description]
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(columns)
            for chunk in iter(lambda: cursor.fetchmany(500), []):
                writer.writerows([safe_cell(v) for v in r] for r in chunk)
        finally:
            conn.close()
        return out.getvalue().encode("utf-8")


def _gzip_csv(rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return gzip.compress(out.getvalue().encode("utf-8"), mtime=0)


def _row(r: Logged) -> tuple[object, ...]:
    def finite(value: float) -> float:
        return value if math.isfinite(value) else 0.0

    return (r.id, _iso(r.at), r.chat_kind, r.lang, clean_text(r.question[:QUESTION_CHARS]),
            r.outcome, json.dumps([clean_text(e) for e in r.entries]),
            round(finite(r.confidence), 3), round(finite(r.latency_ms), 2), r.asker)
