import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from bot import store as store_module
from bot.engine import open_engine
from bot.knowledge import load_knowledge
from bot.store import (
    ForeignFileError,
    Store,
    build_index,
    is_our_index,
    knowledge_fingerprint,
    last_good_path,
    read_meta,
    restore_last_good,
    verify_index,
)
from tests.conftest import SMALL_SOURCES


def test_index_has_every_table_and_a_working_fts(small_knowledge: Path, tmp_path: Path):
    kb = load_knowledge(small_knowledge)
    stats = build_index(kb, tmp_path / "i.sqlite", "fp")
    db = sqlite_utils.Database(tmp_path / "i.sqlite")
    assert {"sources", "docs", "docs_fts", "subjects", "figures", "tenures", "camps",
            "faq_questions", "aliases", "vocab", "meta"} <= set(db.table_names())
    assert stats.counts == {"sources": 2, "events": 1, "faq": 1, "aliases": 1, "camps": 0}
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

    monkeypatch.setattr(store_module, "_write", explode)
    with pytest.raises(RuntimeError):
        build_index(kb, target, "second")
    assert read_meta(target)["fingerprint"] == "first"
    assert not [p for p in target.parent.iterdir() if p.suffix == ".tmp"]  # nothing left over


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
        texts = {d.id: d.text_terms for d in engine.store.docs(["wind-down", "who-led"])}
        assert "ran" in texts["wind-down"] and "head" not in texts["wind-down"]
        assert "head" in texts["who-led"]  # the FAQ's phrasing "Who led" is a question
        assert [t.text for t in engine.lexicon.parse("who ran Testville").terms][:1] == ["head"]
        assert engine.ask("Who ran Testville?").items[0].doc_id == "who-led"
    finally:
        engine.close()


def test_the_index_carries_the_bots_marker(small_knowledge: Path, tmp_path: Path):
    build_index(load_knowledge(small_knowledge), tmp_path / "i.sqlite", "fp")
    assert is_our_index(tmp_path / "i.sqlite")
    conn = sqlite3.connect(tmp_path / "i.sqlite")
    assert conn.execute("pragma application_id").fetchone()[0] == store_module.APPLICATION_ID
    assert conn.execute("pragma user_version").fetchone()[0] == store_module.SCHEMA_VERSION
    conn.close()


@pytest.mark.parametrize("kind", ["text", "sqlite"])
def test_a_file_the_bot_did_not_create_is_never_overwritten(small_knowledge, tmp_path, kind):
    target = tmp_path / "precious.db"
    if kind == "text":
        target.write_text("somebody's notes\n")
    else:
        conn = sqlite3.connect(target)
        conn.execute("create table accounts (id integer)")
        conn.commit()
        conn.close()
    before = target.read_bytes()
    with pytest.raises(ForeignFileError, match="refusing to overwrite"):
        build_index(load_knowledge(small_knowledge), target, "fp")
    assert target.read_bytes() == before
    with pytest.raises(ForeignFileError):
        Store(target)


def test_subjects_come_from_fields_title_and_tags_not_from_the_summary(write_knowledge, tmp_path):
    root = write_knowledge({"sources.toml": SMALL_SOURCES, "k.toml": """
        [[event]]
        id = "convoy"
        date = 2023-11-01
        title = "Convoy reaches Testville"
        summary = "It passed through Otherville on the way."
        kind = "withdrawal"
        places = ["Startville"]
        sources = ["src-a"]

        [[alias]]
        canonical = "Testville"
        variants = ["Test-ville"]
        kind = "place"

        [[alias]]
        canonical = "Otherville"
        variants = ["Other-ville"]
        kind = "place"
        """})
    engine = open_engine(root, tmp_path / "i.sqlite")
    try:
        doc = engine.store.doc("convoy")
        assert doc is not None
        assert doc.subjects == {"startville", "testville"}
        assert doc.main_subject == "testville"  # the place its title names
        assert engine.ask("When did the convoy pass Otherville?").kind == "unknown"
    finally:
        engine.close()


def test_an_index_from_before_the_marker_is_replaced(small_knowledge: Path, tmp_path: Path):
    old = tmp_path / "i.sqlite"
    db = sqlite_utils.Database(old)
    db["docs"].insert({"id": "x"})
    db["sources"].insert({"id": "s"})
    db["meta"].insert_all([{"key": "schema", "value": "2"}, {"key": "fingerprint", "value": "f"}])
    db.close()
    build_index(load_knowledge(small_knowledge), old, "new")
    assert is_our_index(old) and read_meta(old)["fingerprint"] == "new"


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_killed_builds_are_removed(small_knowledge: Path, tmp_path: Path):
    """A build killed with SIGKILL cannot clean up; the next build removes what it left, and
    keeps the temporary file of a build still running."""
    target = tmp_path / "i.sqlite"
    killed = tmp_path / f".i.sqlite.{_dead_pid()}.abc123.tmp"
    killed.write_bytes(b"half an index")
    running = tmp_path / f".i.sqlite.{os.getppid()}.def456.tmp"
    running.write_bytes(b"a build in progress")
    unrelated = tmp_path / ".other.sqlite.1.x.tmp"
    unrelated.write_bytes(b"not ours")
    build_index(load_knowledge(small_knowledge), target, "fp")
    assert not killed.exists()
    assert running.exists() and unrelated.exists()


def test_a_build_killed_midway_leaves_nothing_behind_after_the_next(small_knowledge, tmp_path):
    target = tmp_path / "i.sqlite"
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from bot import store\n"
        "from bot.knowledge import load_knowledge\n"
        "def hang(*args):\n"
        "    print('writing', flush=True); time.sleep(60)\n"
        "store._write = hang\n"
        f"kb = load_knowledge(Path({str(small_knowledge)!r}))\n"
        f"store.build_index(kb, Path({str(target)!r}))\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parent.parent)
    assert child.stdout is not None and child.stdout.readline().strip() == "writing"
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]  # what the kill left
    build_index(load_knowledge(small_knowledge), target, "fp")
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def test_verify_index_finds_damage(small_knowledge: Path, tmp_path: Path):
    target = tmp_path / "i.sqlite"
    assert verify_index(target) == "no index file"
    build_index(load_knowledge(small_knowledge), target, "fp")
    assert verify_index(target) is None
    size = target.stat().st_size
    with target.open("r+b") as handle:  # damage in place, as a bad disk or a stray write would
        handle.seek(size // 2)
        handle.write(b"\xff" * 8192)
    assert verify_index(target) is not None
    with target.open("r+b") as handle:
        handle.truncate(size // 3)
    assert verify_index(target) is not None


def test_the_last_good_copy_restores_a_damaged_index(small_knowledge: Path, tmp_path: Path):
    target = tmp_path / "i.sqlite"
    build_index(load_knowledge(small_knowledge), target, "fp")
    assert verify_index(last_good_path(target)) is None
    target.write_bytes(target.read_bytes()[:4096])
    assert verify_index(target) is not None
    assert restore_last_good(target)
    assert verify_index(target) is None and read_meta(target)["fingerprint"] == "fp"


def test_the_last_good_path_is_never_taken_from_another_file(small_knowledge, tmp_path):
    target = tmp_path / "i.sqlite"
    last_good_path(target).write_text("somebody's notes")
    with pytest.raises(ForeignFileError):
        build_index(load_knowledge(small_knowledge), target, "fp")
    assert last_good_path(target).read_text() == "somebody's notes"


@pytest.mark.parametrize("folder", ["a#b", "100%", "what?", "x%20y"])
def test_paths_with_uri_characters_build_and_open(small_knowledge: Path, tmp_path: Path,
                                                  folder: str):
    """SQLite URIs give "#", "?" and "%" a meaning: the path is escaped, so a folder named
    "a#b" is a folder (before: every build failed its own check)."""
    db = tmp_path / folder / "index.sqlite"
    build_index(load_knowledge(small_knowledge), db, "fp")
    assert verify_index(db) is None and read_meta(db)["fingerprint"] == "fp"
    store = Store(db)
    assert store.doc_count() > 0
    store.close()

