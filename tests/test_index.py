import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from bot import index as index_module
from bot.index import build_index, knowledge_fingerprint, read_meta
from bot.knowledge import load_knowledge


def test_index_has_every_table_and_a_working_fts(small_knowledge: Path, tmp_path: Path):
    kb = load_knowledge(small_knowledge)
    stats = build_index(kb, tmp_path / "i.sqlite", "fp")
    db = sqlite_utils.Database(tmp_path / "i.sqlite")
    assert {"sources", "docs", "docs_fts", "faq_questions", "aliases", "vocab", "meta"} <= set(
        db.table_names()
    )
    assert stats.counts == {"sources": 2, "events": 1, "faq": 1, "aliases": 1}
    hits = list(db["docs"].search('"testville"', columns=["id"]))
    assert {h["id"] for h in hits} == {"testville-closure", "what-is-testville"}
    assert read_meta(tmp_path / "i.sqlite")["fingerprint"] == "fp"
    db.close()


def test_a_failed_build_leaves_the_previous_index_in_place(
    small_knowledge: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    kb = load_knowledge(small_knowledge)
    target = tmp_path / "index" / "i.sqlite"
    build_index(kb, target, "first")

    def explode(*args: object) -> dict[str, int]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(index_module, "_write", explode)
    with pytest.raises(RuntimeError):
        build_index(kb, target, "second")
    assert read_meta(target)["fingerprint"] == "first"
    assert [p.name for p in target.parent.iterdir()] == ["i.sqlite"]  # no temporary file left


def test_a_reader_keeps_its_index_while_a_new_one_is_swapped_in(small_knowledge, tmp_path):
    kb = load_knowledge(small_knowledge)
    target = tmp_path / "i.sqlite"
    build_index(kb, target, "old")
    reader = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    build_index(kb, target, "new")
    assert reader.execute("select value from meta where key='fingerprint'").fetchone() == ("old",)
    reader.close()
    assert read_meta(target)["fingerprint"] == "new"


def test_fingerprint_changes_with_any_knowledge_file(small_knowledge: Path):
    before = knowledge_fingerprint(small_knowledge)
    (small_knowledge / "faq.toml").write_text(
        (small_knowledge / "faq.toml").read_text() + "\n# a comment\n"
    )
    assert knowledge_fingerprint(small_knowledge) != before


def test_read_meta_of_a_foreign_file_is_empty(tmp_path: Path):
    (tmp_path / "x.sqlite").write_bytes(b"not a database at all")
    assert read_meta(tmp_path / "x.sqlite") == {}
    assert read_meta(tmp_path / "absent.sqlite") == {}
