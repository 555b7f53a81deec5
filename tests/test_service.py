"""The engine as a service: starting on what is usable, healing a damaged index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.engine import open_engine, open_resilient
from bot.knowledge import KnowledgeError
from bot.models import Phrase
from bot.service import AnswerService, ReloadFailed
from bot.store import last_good_path


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
