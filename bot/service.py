"""The engine as a long-running service: reloads, and healing a damaged index while serving.

Plain Python, so that any adapter (Telegram today) gets the same guarantees: a reload either
swaps in a complete new index or changes nothing, and a query that fails because the index file
was damaged rebuilds it (or restores the last good copy), tells the operators, and is answered.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bot.engine import Engine, Opened, heal, open_resilient, rebuild
from bot.knowledge import KnowledgeError, Problem
from bot.models import Phrase
from bot.store import ForeignFileError, ensure_last_good, move_aside, verify_index

log = logging.getLogger(__name__)
T = TypeVar("T")
Notify = Callable[[Phrase], Awaitable[None]]


@dataclass(frozen=True)
class ReloadReport:
    counts: dict[str, int]
    seconds: float


class ReloadFailed(Exception):
    """A reload that changed nothing; `problems` are lines fit to show a curator."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems[:3]))


# Problems that stop a whole file from being read; what the other files say about its entries
# ("unknown source ...") then only follows from it.
FILE_PROBLEMS = ("TOML syntax", "not valid UTF-8", "cannot be read", "skipped:",
                 "values nested too deeply")
CONSEQUENCES = ("unknown source", "unknown alias", "unknown event", "unknown faq")


def by_cause(problems: Sequence[Problem]) -> list[Problem]:
    """Files that could not be read first; when there are any, the problems that only follow
    from their missing entries are dropped, so that the 20 shown name the real cause."""
    unreadable = [p for p in problems if p.message.startswith(FILE_PROBLEMS)]
    if not unreadable:
        return list(problems)
    rest = [p for p in problems if p not in unreadable
            and not any(c in p.message for c in CONSEQUENCES)]
    return unreadable + rest


def shown_problems(problems: Sequence[Problem], knowledge_dir: Path) -> list[str]:
    """Problems with paths relative to the knowledge folder, causes first: a chat never sees
    server paths."""
    shown = []
    for problem in by_cause(problems):
        try:
            path = str(Path(problem.path).relative_to(knowledge_dir))
        except ValueError:
            path = Path(problem.path).name
        where = f"{path}:{problem.line}" if problem.line else path
        shown.append(f"{where}: {problem.message}")
    return shown


FOLLOW_SECONDS = 1.0  # how often a worker looks whether the index file was replaced


def _identity(path: Path) -> tuple[int, int] | None:
    """What changes when the index file is replaced (an atomic rename gives a new inode)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns


def _os_problem(exc: OSError) -> str:
    # strerror without the filename: an absolute server path is nobody's business in a chat.
    reason = exc.strerror or type(exc).__name__
    return f"the index could not be written ({reason})"


class AnswerService:
    """Holds the engine the adapters use and swaps in a new one on reload or after healing.

    Adapters call the engine synchronously on the event loop (answers take a few ms), so the
    reference swap is atomic for them and the old engine can be closed right away.
    """

    def __init__(self, knowledge_dir: Path, db_path: Path, notify: Notify | None = None,
                 follow_seconds: float = FOLLOW_SECONDS) -> None:
        self.knowledge_dir = knowledge_dir
        self.db_path = db_path
        self.notify = notify
        self.follow_seconds = follow_seconds
        self.opened: Opened = open_resilient(knowledge_dir, db_path)
        self.engine = self.opened.engine
        self._changing = asyncio.Lock()
        self._seen = _identity(db_path)
        # The file this process opened and verified: if it is overwritten in place, it may be
        # moved aside to heal. A file someone put at the path instead never is.
        self._verified_inode = self._seen[0] if self._seen else None
        self._looked = time.monotonic()
        try:
            if ensure_last_good(db_path):
                log.info("made the missing last good copy of the index")
        except (OSError, ForeignFileError) as exc:
            log.warning("could not make a last good copy of the index: %s", exc)

    async def reload(self) -> ReloadReport:
        """Re-read, validate, rebuild and swap; raises ReloadFailed and changes nothing."""
        async with self._changing:
            started = time.perf_counter()
            try:
                kb, engine = await asyncio.to_thread(rebuild, self.knowledge_dir, self.db_path)
            except KnowledgeError as exc:
                raise ReloadFailed(shown_problems(exc.problems, self.knowledge_dir)) from None
            except ForeignFileError:
                raise ReloadFailed(["the index path holds a file this bot did not create; "
                                    "it was left alone (see BOT_DB_PATH)"]) from None
            except OSError as exc:
                raise ReloadFailed([_os_problem(exc)]) from None
            except (RecursionError, MemoryError, sqlite3.Error) as exc:
                log.exception("reload failed")
                raise ReloadFailed([f"the index could not be built ({type(exc).__name__})"]
                                   ) from None
            self._swap(engine)
            return ReloadReport(kb.counts(), time.perf_counter() - started)

    async def run(self, question: Callable[[Engine], T]) -> T:
        """Ask the engine; if the index fails under it, heal once and ask again."""
        await self._follow()
        engine = self.engine
        try:
            return question(engine)
        except sqlite3.Error as exc:
            log.error("the index failed a query (%s); healing it", exc)
            await self._heal(engine, str(exc))
            return question(self.engine)

    async def _heal(self, failed: Engine, reason: str) -> None:
        async with self._changing:
            if self.engine is not failed:
                return  # healed (or reloaded) while we waited
            if self._verified_inode is not None:
                aside = await asyncio.to_thread(move_aside, self.db_path, self._verified_inode)
                if aside is not None:
                    log.warning("the index was overwritten while serving; kept as %s",
                                aside.name)
            try:
                engine, how = await asyncio.to_thread(heal, self.knowledge_dir, self.db_path)
            except (KnowledgeError, OSError, sqlite3.Error, ForeignFileError) as exc:
                log.error("could not heal the index: %s", exc)
                await self.tell(Phrase.of("heal-failed", reason=reason,
                                           error=type(exc).__name__))
                raise
            self._swap(engine)
            log.warning("the index was damaged (%s) and was %s", reason, how)
            await self.tell(Phrase.of(f"healed-{how}", reason=reason))

    async def _follow(self) -> None:
        """Another process (a worker beside this one, or `python -m bot build`) may have
        replaced the index: open the new one. Looked at once a second at most."""
        now = time.monotonic()
        if now - self._looked < self.follow_seconds:
            return
        self._looked = now
        seen = _identity(self.db_path)
        if seen is None or seen == self._seen or self._changing.locked():
            return
        async with self._changing:
            self._seen = seen
            if verify_index(self.db_path) is not None:
                return  # half-written or damaged: a query failing on it will heal
            engine = await asyncio.to_thread(Engine, self.db_path)
            self._swap(engine)
            log.info("the index was replaced by another process; now serving it")

    def _swap(self, engine: Engine) -> None:
        old, self.engine = self.engine, engine
        self._seen = _identity(self.db_path)
        self._verified_inode = self._seen[0] if self._seen else None
        old.close()

    async def tell(self, phrase: Phrase) -> None:
        """Tell the operators (the adapter's `notify`); never fails the caller."""
        if self.notify is None:
            return
        try:
            await self.notify(phrase)
        except Exception:  # telling admins must never cost an answer
            log.exception("could not tell the admins")

    def close(self) -> None:
        self.engine.close()

