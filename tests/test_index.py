import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from bot import index as index_module
from bot.engine import open_engine
from bot.index import build_index, knowledge_fingerprint, read_meta
from bot.knowledge import load_knowledge
from tests.conftest import SMALL_SOURCES


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


def test_question_variants_mean_their_term_in_questions_only(write_knowledge, tmp_path: Path):
    root = write_knowledge({"sources.toml": SMALL_SOURCES, "k.toml": """
        [[event]]
        id = "wind-down"
        date = 2024-01-01
        title = "Wind-down of Testville"
        summary = "A liquidation phase ran until the last site closed."
        kind = "milestone"
        sources = ["src-a"]

        [[faq]]
        id = "who-led"
        questions = ["Who led the Testville mission?"]
        fact = "Jane Doe was head of mission."
        answer = "She was head of mission until the end."
        sources = ["src-a"]

        [[alias]]
        canonical = "head of mission"
        variants = ["mission chief"]
        question_variants = ["ran", "led"]
        """})
    engine = open_engine(root, tmp_path / "i.sqlite")
    try:
        texts = {d["id"]: d["text"].split() for d in engine.searcher.docs(["wind-down", "who-led"])}
        assert "ran" in texts["wind-down"] and "head" not in texts["wind-down"]
        assert "head" in texts["who-led"]  # the FAQ's phrasing "Who led" is a question
        assert [t.text for t in engine.searcher.parse("who ran Testville").terms][:1] == ["head"]
        assert engine.ask("Who ran Testville?").items[0].doc_id == "who-led"
    finally:
        engine.close()
