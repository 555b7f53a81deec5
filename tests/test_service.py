"""The engine as a service: starting on what is usable, healing a damaged index."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from bot.engine import open_engine, open_resilient
from bot.knowledge import KnowledgeError
from bot.models import Phrase
from bot.service import AnswerService, ReloadFailed
from bot.store import ForeignFileError, last_good_path


def _damage(index: Path) -> None:
    with index.open("r+b") as handle:
        handle.truncate(index.stat().st_size // 4)


def test_broken_knowledge_starts_on_the_index_it_has(small_knowledge: Path, tmp_path: Path):
    index = tmp_path / "i.sqlite"
    open_engine(small_knowledge, index).close()
    (small_knowledge / "broken.toml").write_text("[[event]]\nid = \n")
    with pytest.raises(KnowledgeError):
        open_engine(small_knowledge, index)
    opened = open_resilient(small_knowledge, index)
    assert opened.state == "stale" and len(opened.problems) == 1
    assert opened.engine.ask("When did the Testville camp close?").is_answer
    opened.engine.close()


def test_a_damaged_index_is_rebuilt_when_opened(small_knowledge: Path, tmp_path: Path):
    index = tmp_path / "i.sqlite"
    open_engine(small_knowledge, index).close()
    _damage(index)
    engine = open_engine(small_knowledge, index)  # before: "database disk image is malformed"
    assert engine.ask("Testville").kind != "unknown"
    engine.close()


def test_broken_knowledge_and_a_damaged_index_start_on_the_last_good_copy(small_knowledge,
                                                                          tmp_path):
    index = tmp_path / "i.sqlite"
    open_engine(small_knowledge, index).close()
    (small_knowledge / "broken.toml").write_text("[[event]]\nid = \n")
    _damage(index)
    opened = open_resilient(small_knowledge, index)
    assert opened.state == "last-good"
    opened.engine.close()
    last_good_path(index).unlink()
    _damage(index)
    with pytest.raises(KnowledgeError):  # nothing usable at all: the problems are the answer
        open_resilient(small_knowledge, index)


async def test_a_query_on_a_damaged_index_heals_and_answers(small_knowledge, tmp_path):
    told: list[Phrase] = []

    async def notify(phrase: Phrase) -> None:
        told.append(phrase)

    service = AnswerService(small_knowledge, tmp_path / "i.sqlite", notify=notify)
    _damage(tmp_path / "i.sqlite")
    answer = await service.run(lambda engine: engine.ask("When did the Testville camp close?"))
    assert answer.is_answer
    assert [p.key for p in told] == ["healed-rebuilt"]
    service.close()


async def test_healing_that_cannot_work_raises_and_tells(small_knowledge, tmp_path):
    told: list[Phrase] = []

    async def notify(phrase: Phrase) -> None:
        told.append(phrase)

    service = AnswerService(small_knowledge, tmp_path / "i.sqlite", notify=notify)
    (small_knowledge / "broken.toml").write_text("[[event]]\nid = \n")
    last_good_path(tmp_path / "i.sqlite").unlink()
    _damage(tmp_path / "i.sqlite")
    with pytest.raises((KnowledgeError, sqlite3.Error)):
        await service.run(lambda engine: engine.ask("Testville"))
    assert [p.key for p in told] == ["heal-failed"]


async def test_reload_failures_are_lines_without_server_paths(small_knowledge, tmp_path):
    service = AnswerService(small_knowledge, tmp_path / "i.sqlite")
    (small_knowledge / "sub").mkdir()
    (small_knowledge / "sub" / "broken.toml").write_text("[[event]]\nid = \n")
    with pytest.raises(ReloadFailed) as failed:
        await service.reload()
    assert failed.value.problems == [
        "sub/broken.toml:2: TOML syntax: Invalid value"]
    assert service.engine.ask("Testville").kind != "unknown"  # still serving
    service.close()


async def test_a_worker_follows_an_index_another_process_rebuilt(small_knowledge, tmp_path):
    """Two workers share one index; a reload in one reaches the other within a second."""
    index = tmp_path / "i.sqlite"
    first = AnswerService(small_knowledge, index)
    second = AnswerService(small_knowledge, index, follow_seconds=0.0)
    (small_knowledge / "more.toml").write_text(
        '[[event]]\nid = "zanzibar"\ndate = 2023-12-30\ntitle = "Zanzibarville camp closes"\n'
        'summary = "A test entry."\nkind = "camp-closure"\nplaces = ["Zanzibarville"]\n'
        'sources = ["src-a"]\n')
    await first.reload()
    answer = await second.run(lambda engine: engine.ask("zanzibarville"))
    assert answer.is_answer and "Zanzibarville" in answer.items[0].title
    first.close()
    second.close()


# --- hostile use and careless operators (issue 22) -------------------------------------------


def test_an_index_without_a_last_good_copy_gets_one_on_first_open(small_knowledge, tmp_path):
    """An index copied from another host has no spare: made at start-up, so that it can heal
    without the knowledge folder."""
    index = tmp_path / "i.sqlite"
    open_engine(small_knowledge, index).close()
    last_good_path(index).unlink()
    service = AnswerService(small_knowledge, index)
    assert last_good_path(index).is_file()
    assert last_good_path(index).read_bytes() == index.read_bytes()
    service.close()


async def test_its_own_index_overwritten_with_garbage_is_moved_aside_and_rebuilt(
        small_knowledge, tmp_path):
    index = tmp_path / "i.sqlite"
    service = AnswerService(small_knowledge, index)
    size = index.stat().st_size
    with index.open("r+b") as handle:  # in place: the same file the bot opened and verified
        handle.write(b"garbage " * (size // 8))
    answer = await service.run(lambda engine: engine.ask("When did the Testville camp close?"))
    assert answer.is_answer  # before: "not this bot's index" and "something went wrong"
    kept = list(tmp_path.glob("i.sqlite.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"garbage")  # kept, not deleted
    service.close()


async def test_a_foreign_file_put_at_the_index_path_is_never_moved(small_knowledge, tmp_path):
    index = tmp_path / "i.sqlite"
    service = AnswerService(small_knowledge, index)
    notes = tmp_path / "notes.txt"
    notes.write_text("a curator's notes\n" * 1000)
    os.replace(notes, index)  # another file, not the one the bot verified
    service.engine.store.conn.close()  # the old handle is gone, as after a reopen
    with pytest.raises((sqlite3.Error, ForeignFileError)):
        await service.run(lambda engine: engine.ask("Testville"))
    assert index.read_text().startswith("a curator's notes")
    assert not list(tmp_path.glob("i.sqlite.damaged-*"))


async def test_a_syntax_error_in_sources_is_reported_first_without_its_consequences(
        small_knowledge, tmp_path):
    service = AnswerService(small_knowledge, tmp_path / "i.sqlite")
    sources = next(p for p in small_knowledge.rglob("*.toml") if "[[source]]" in p.read_text())
    sources.write_text(sources.read_text() + "\n[[source]\nid = \n")
    with pytest.raises(ReloadFailed) as failed:
        await service.reload()
    problems = failed.value.problems
    assert "TOML syntax" in problems[0] and sources.name in problems[0]
    assert not any("unknown source" in p for p in problems)
    service.close()
