"""Conversations: follow-ups read as whole questions, in English and French; state bounded,
expiring, and holding nothing about the person."""

from __future__ import annotations

import dataclasses
import time

import pytest

from bot.conversation import Conversations, Turn, converse, follow_up


def turns(engine, *texts: str, key: object = 1) -> list[str]:
    """Each text as asked in one conversation: the question the engine was asked."""
    memory = Conversations()
    return [converse(engine, memory, key, text).question for text in texts]


@pytest.mark.parametrize(("texts", "expected"), [
    (("Who led MINUSMA in 2016?", "and in 2022?"), "Who led MINUSMA in 2022?"),
    (("Qui dirigeait la MINUSMA en 2016 ?", "et en 2022 ?"),
     "Qui dirigeait la MINUSMA en 2022 ?"),
    (("Who led MINUSMA in 2016?", "in March 2019?"), "Who led MINUSMA in March 2019?"),
    (("Who led MINUSMA?", "and in 2016?"), "Who led MINUSMA in 2016?"),
    (("When did MINUSMA leave Kidal?", "and Gao?"), "When did MINUSMA leave Gao?"),
    (("When did MINUSMA leave Kidal?", "what about Sévaré?"), "When did MINUSMA leave Sévaré?"),
    (("Quand la MINUSMA a-t-elle quitté Kidal ?", "et Tombouctou ?"),
     "Quand la MINUSMA a-t-elle quitté Tombouctou ?"),
    (("Who led MINUSMA in 2017?", "who came after him?"), "Who succeeded Mahamat Saleh Annadif?"),
    (("Who led MINUSMA in 2017?", "who came before him?"), "Who preceded Mahamat Saleh Annadif?"),
    (("Who led MINUSMA in 2017?", "and after?"), "Who succeeded Mahamat Saleh Annadif?"),
    (("Qui dirigeait la MINUSMA en 2017 ?", "qui lui a succédé ?"),
     "Qui a succédé à Mahamat Saleh Annadif ?"),
    (("Qui dirigeait la MINUSMA en 2017 ?", "et avant lui ?"),
     "Qui a précédé Mahamat Saleh Annadif ?"),
    (("How many peacekeepers were killed in 2017?", "and the wounded?"),
     "How many peacekeepers were wounded in 2017?"),
    (("Combien de casques bleus ont été tués en 2017 ?", "et les blessés ?"),
     "Combien de casques bleus ont été blessés en 2017 ?"),
])
def test_a_follow_up_becomes_a_whole_question(engine, texts, expected):
    assert turns(engine, *texts)[-1] == expected


def test_follow_ups_chain_on_the_rewritten_question(engine):
    asked = turns(engine, "Who led MINUSMA in 2016?", "and in 2022?", "who came before him?",
                  "and before him?")
    assert asked[1:] == ["Who led MINUSMA in 2022?", "Who preceded El-Ghassim Wane?",
                         "Who preceded Mahamat Saleh Annadif?"]


@pytest.mark.parametrize("text", [
    "When did MINUSMA leave Kidal?",  # a whole question
    "Kidal",  # a topic of its own
    "2022",  # a year's events
    "and what happened to the trucks stuck near the border in the north?",  # too long
    "merci !",
])
def test_a_question_that_stands_alone_is_asked_as_it_is(engine, text):
    assert turns(engine, "Who led MINUSMA in 2016?", text)[-1] == text


def test_a_follow_up_with_nothing_to_follow_is_asked_as_it_is(engine):
    assert turns(engine, "and in 2022?") == ["and in 2022?"]
    assert follow_up("and Gao?", None, engine.lexicon.parse) is None


def test_a_follow_up_keeps_the_conversations_language(engine):
    memory = Conversations()
    converse(engine, memory, 1, "Quand la MINUSMA a-t-elle quitté Kidal ?")
    assert converse(engine, memory, 1, "& Gao ?").lang == "fr"  # a name says no language
    assert converse(engine, memory, 1, "and Gao?").lang == "en"  # said in English


def test_smalltalk_keeps_the_frame(engine):
    asked = turns(engine, "Who led MINUSMA in 2016?", "thanks!", "and in 2022?")
    assert asked[-1] == "Who led MINUSMA in 2022?"


def test_the_state_is_bounded_and_forgotten_after_silence(engine):
    now = [0.0]
    memory = Conversations(size=3, silence=300, clock=lambda: now[0])
    for key in range(5):
        converse(engine, memory, key, "Who led MINUSMA in 2016?")
    assert len(memory) == 3 and memory.get(0) is None and memory.get(4) is not None
    now[0] = 299.0
    assert converse(engine, memory, 4, "and in 2022?").rewritten
    now[0] = 299.0 + 300
    assert not converse(engine, memory, 4, "and in 2019?").rewritten


def test_the_state_holds_nothing_about_the_person(engine):
    fields = {f.name for f in dataclasses.fields(Turn)}
    assert fields == {"question", "frame", "lang", "people", "places"}
    memory = Conversations()
    converse(engine, memory, 42, "Who led MINUSMA in 2017?", user_language="fr")
    turn = memory.get(42)
    assert turn is not None and turn.people == ("Mahamat Saleh Annadif",)


def test_state_costs_no_latency(engine):
    """A follow-up is one more parse at most: far below the engine's own time."""
    memory = Conversations()
    converse(engine, memory, 1, "Who led MINUSMA in 2016?")
    started = time.perf_counter()
    for _ in range(50):
        follow_up("and in 2022?", memory.get(1), engine.lexicon.parse)
    assert (time.perf_counter() - started) / 50 < 0.02


def test_the_console_chat_follows_up_too(tmp_path, real_index):
    """`python -m bot chat` keeps the same conversation as a private chat."""
    import os
    import shutil
    import subprocess
    import sys

    from tests.conftest import KNOWLEDGE

    for built in real_index.iterdir():
        shutil.copyfile(built, tmp_path / built.name)
    env = {**os.environ, "BOT_DB_PATH": str(tmp_path / "index.sqlite"),
           "KNOWLEDGE_DIR": str(KNOWLEDGE), "HOME": str(tmp_path), "LANG": "C"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="Who led MINUSMA in 2016?\nand in 2022?\nqui lui a succédé ?\n/quit\n",
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "(Read as: Who led MINUSMA in 2022?)" in done.stdout
    assert "El-Ghassim Wane: head of mission in 2022." in done.stdout
    assert "(Compris comme : Qui a succédé à El-Ghassim Wane ?)" in done.stdout


@pytest.mark.parametrize("text", [
    "and " + "Gao " * 2000, "et \u200b\u200b ?", "and (((?", "& \\1 $0 ?", "and 🇲🇱🙂?",
    "and he he he he?", "et lui-même l'a-t-il ?", "and the " + "x" * 5000 + "?",
    "et en 31/02/2023 ?", "\u202eand Gao?", "and 9999?", "and in 1800?",
])
def test_hostile_follow_ups_never_raise(engine, text):
    memory = Conversations()
    converse(engine, memory, 1, "How many peacekeepers were killed in 2017?")
    exchange = converse(engine, memory, 1, text)
    assert exchange.answer is not None and len(exchange.question) <= len(text) + 200
