from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from bot.engine import Engine, open_engine
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
QUESTIONS = Path(__file__).with_name("questions.toml")

# Property tests measure behaviour, never speed (speed lives in benchmarks/).
settings.register_profile(
    "project", deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("project")


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the settings they set, whatever the developer's shell exports."""
    for name in ("KNOWLEDGE_DIR", "BOT_DB_PATH", "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL",
                 "BOT_ADMIN_IDS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The real knowledge base, indexed once for the whole session."""
    db = tmp_path_factory.mktemp("index") / "index.sqlite"
    built = open_engine(KNOWLEDGE, db)
    yield built
    built.close()


KnowledgeWriter = Callable[[dict[str, str]], Path]


@pytest.fixture
def write_knowledge(tmp_path: Path) -> KnowledgeWriter:
    """Writes {relative path: TOML text} into a fresh knowledge folder and returns it."""

    def write(files: dict[str, str]) -> Path:
        root = tmp_path / "knowledge"
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return root

    return write


SMALL_SOURCES = """
[[source]]
id = "src-a"
title = "Closure of the camp in Testville"
publisher = "MINUSMA"
date = 2023-11-18
url = "https://example.org/a"
evidence = ["The last peacekeepers left the Testville camp on 18 November 2023."]

[[source]]
id = "src-b"
title = "Another account"
publisher = "Agency"
date = "2023-11"
url = "https://example.org/b"
evidence = ["The camp closed on 19 November."]
"""

SMALL_EVENTS = """
[[event]]
id = "testville-closure"
date = 2023-11-18
title = "Camp in Testville closes"
summary = "The last peacekeepers left the Testville camp."
kind = "camp-closure"
places = ["Testville"]
sources = ["src-a"]

[[event.versions]]
claim = "One account says the 18th."
sources = ["src-a"]

[[event.versions]]
claim = "Another says the 19th."
sources = ["src-b"]
"""

SMALL_FAQ = """
[[faq]]
id = "what-is-testville"
questions = ["What is Testville?", "Tell me about Testville"]
fact = "Testville is a test town."
answer = "It exists only in tests."
sources = ["src-a"]
tags = ["featured"]

[[alias]]
canonical = "Testville"
variants = ["Testvil", "Test-ville"]
kind = "place"
"""


@pytest.fixture
def small_knowledge(write_knowledge: KnowledgeWriter) -> Path:
    return write_knowledge(
        {"sources.toml": SMALL_SOURCES, "events.toml": SMALL_EVENTS, "faq.toml": SMALL_FAQ}
    )


ADMIN = 42  # the curator in end-to-end tests


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real knowledge's index (and its last good copy), built once; bots copy it."""
    folder = tmp_path_factory.mktemp("real-index")
    open_engine(KNOWLEDGE, folder / "index.sqlite").close()
    return folder


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A copy of the real knowledge that a test may break."""
    return Path(shutil.copytree(KNOWLEDGE, tmp_path / "knowledge"))


@pytest.fixture
def index_path(tmp_path: Path, real_index: Path) -> Path:
    """Where a test's bot keeps its index: a copy of the session's, so no bot builds one."""
    for built in real_index.iterdir():
        shutil.copyfile(built, tmp_path / built.name)
    return tmp_path / "index.sqlite"


@pytest.fixture
async def bot(fake: FakeTelegram, knowledge: Path, index_path: Path) -> AsyncIterator[Any]:
    """The real bot, running against the imitation, with ADMIN as its curator."""
    from tests.harness import running_bot

    async with running_bot(fake, knowledge, index_path, admins=frozenset({ADMIN})) as app:
        yield app
    assert fake.rejected == []  # nothing the bot sent was refused by "Telegram"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """The local Bot API imitation, listening on 127.0.0.1 for the test's duration."""
    server = FakeTelegram()
    server.start()
    yield server
    server.stop()


def pytest_report_header() -> str:
    return f"knowledge: {KNOWLEDGE} (CI={os.environ.get('CI', '')})"
