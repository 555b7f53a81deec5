import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import KNOWLEDGE, ROOT


@pytest.fixture
def db(index_path: Path) -> Path:
    """The real knowledge's index, built once for the session and copied here."""
    return index_path


def test_ask_prints_a_cited_answer(db, capsys):
    code = main(["--knowledge", str(KNOWLEDGE), "--db", str(db), "ask",
                 "When did MINUSMA leave Kidal?"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("31 October 2023") and "https://minusma.unmissions.org" in out


def test_ask_json_and_html(db, capsys):
    main(["--knowledge", str(KNOWLEDGE), "--db", str(db), "ask", "--json", "kidal"])
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "fact" and data["items"][0]["citations"]
    main(["--knowledge", str(KNOWLEDGE), "--db", str(db), "ask", "--html", "kidal"])
    assert capsys.readouterr().out.startswith("<b>31 October 2023")


def test_ask_json_lists_the_choices_and_lang_writes_french_dates(db, capsys):
    main(["--knowledge", str(KNOWLEDGE), "--db", str(db), "ask", "--json",
          "When was the camp handed over?"])
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "choice" and len(data["choices"]) >= 2
    assert all(c["doc_id"] and c["when"] for c in data["choices"])
    main(["--knowledge", str(KNOWLEDGE), "--db", str(db), "ask", "--lang", "fr",
          "When did MINUSMA leave Kidal?"])
    assert capsys.readouterr().out.startswith("31 octobre 2023")


def test_check_reports_problems_with_file_and_line_and_exits_1(write_knowledge, capsys):
    root = write_knowledge({"bad.toml": "[[source]]\nid = 'x'\n"})
    assert main(["--knowledge", str(root), "check"]) == 1
    err = capsys.readouterr().err
    assert "bad.toml:1: source 'x': missing field 'title'" in err
    assert "problem(s) found" in err


def test_check_and_build_on_the_real_knowledge(db, capsys):
    assert main(["--knowledge", str(KNOWLEDGE), "check"]) == 0
    assert capsys.readouterr().out.startswith("OK: ")
    assert main(["--knowledge", str(KNOWLEDGE), "--db", str(db), "build"]) == 0
    assert "Built" in capsys.readouterr().out and db.is_file()


def test_broken_knowledge_makes_ask_fail_cleanly(write_knowledge, tmp_path, capsys):
    root = write_knowledge({"bad.toml": "not toml at all"})
    fresh = tmp_path / "fresh" / "index.sqlite"  # no index to fall back on
    assert main(["--knowledge", str(root), "--db", str(fresh), "ask", "kidal"]) == 1
    assert "bad.toml:1: TOML syntax" in capsys.readouterr().err


def test_bad_setting_exits_2_with_one_line(monkeypatch, capsys):
    monkeypatch.setenv("BOT_ADMIN_IDS", "not-a-number")
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "BOT_ADMIN_IDS" in err


def test_chat_session_over_a_pipe(tmp_path):
    env = {**os.environ, "BOT_DB_PATH": str(tmp_path / "i.sqlite"), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="sevare\n/timeline\nWhen was the camp handed over?\n2\n/quit\n",
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "8 December 2023" in done.stdout and "The withdrawal, step by step" in done.stdout
    # a number picks one of the "which one?" choices just listed
    picked = done.stdout.split("Which one do you mean?")[1]
    second = picked.split("\n2. ")[1].split(" (")[0]
    assert f": {second}" in picked


def test_every_command_is_documented_in_the_readme():
    import argparse

    from bot.cli import _parser

    readme = (ROOT / "README.md").read_text()
    subparsers = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name in subparsers.choices:
        assert f"python -m bot {name}" in readme, name


def test_bare_command_is_the_console_chat_without_a_token(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(BOT_DB_PATH=str(tmp_path / "i.sqlite"), KNOWLEDGE_DIR=str(KNOWLEDGE),
               HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "bot"], input="/quit\n", capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("MINUSMA facts bot:")


@pytest.mark.parametrize("command", ["build", "ask"])
def test_a_foreign_file_at_the_index_path_is_a_one_line_error(small_knowledge, tmp_path, capsys,
                                                             command):
    notes = tmp_path / "notes.txt"
    notes.write_text("a curator's notes\n")
    argv = ["--knowledge", str(small_knowledge), "--db", str(notes), command]
    assert main([*argv, "Testville"] if command == "ask" else argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not this bot's index" in err
    assert notes.read_text() == "a curator's notes\n"


def test_broken_knowledge_with_an_index_still_answers_and_says_why(knowledge, db, capsys):
    (knowledge / "bad.toml").write_text("not toml at all")
    assert main(["--knowledge", str(knowledge), "--db", str(db), "ask", "kidal"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("31 October 2023")
    assert "bad.toml:1: TOML syntax" in captured.err and "answering from the index" in captured.err


@pytest.mark.parametrize("command", ["build", "ask"])
def test_a_full_disk_is_a_one_line_error(small_knowledge, tmp_path, capsys, monkeypatch,
                                         command):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x.tmp"))

    monkeypatch.setattr("bot.store.shutil.copyfile", full)
    monkeypatch.setattr("bot.store.sqlite_utils.Database", lambda *a, **k: (_ for _ in ()).throw(
        sqlite3.OperationalError("database or disk is full")))
    argv = ["--knowledge", str(small_knowledge), "--db", str(tmp_path / "i.sqlite"), command]
    assert main([*argv, "Testville"] if command == "ask" else argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("disk is full" in err or "No space" in err), err
    assert "Traceback" not in err
