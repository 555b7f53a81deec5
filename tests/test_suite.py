"""The question suite generated from the knowledge holds the engine to its precision targets."""

from collections import Counter

import pytest

from bot import suite
from bot.engine import Engine
from bot.knowledge import load_knowledge
from bot.models import Answer, Item, Topic
from tests.conftest import KNOWLEDGE


@pytest.fixture(scope="module")
def results(engine: Engine):
    return suite.run(engine.ask, suite.generate(load_knowledge(KNOWLEDGE)))


def test_the_suite_covers_every_template_and_both_halves(results):
    templates = Counter(q.template for q, _, _ in results)
    positives = sum(q.positive for q, _, _ in results)
    assert positives >= 300 and len(results) - positives >= 300
    for name in ("when-leave-place", "fr-when-leave-place", "what-day", "when-resolution",
                 "who-successor", "faq-lowercase", "swap-town-leave", "swap-mission-who",
                 "swap-attribute", "swap-year-toll", "swap-resolution", "swap-person"):
        assert templates[name] > 0, name


def test_no_confident_wrong_answer_anywhere_in_the_suite(results):
    wrong = [(q.template, q.text, [i.doc_id for i in a.items]) for q, a, v in results
             if v == "wrong"]
    assert wrong == []


def test_at_least_98_percent_right_on_the_positive_half(results):
    verdicts = Counter(v for q, _, v in results if q.positive)
    total = sum(verdicts.values())
    missed = [(q.template, q.text) for q, _, v in results if q.positive and v != "right"]
    assert verdicts["right"] / total >= 0.98, missed


def _answer(kind, items=(), choices=()):
    return Answer(kind, "q", 0.9, None, tuple(Item("t", "c", (), doc_id=i) for i in items),
                  choices=tuple(Topic(c, c) for c in choices))


def test_judge_calls_a_cited_answer_to_a_refused_question_wrong():
    refuse = suite.Generated("When did MINUSMA leave Kayes?", "swap-town-leave")
    assert suite.judge(refuse, _answer("fact", ["kidal-closure"])) == "wrong"
    assert suite.judge(refuse, _answer("unknown")) == "declined"
    assert suite.judge(refuse, _answer("choice", choices=["kidal-closure"])) == "declined"


def test_judge_accepts_any_fitting_entry_and_counts_choices_apart():
    ask = suite.Generated("When did MINUSMA leave Kidal?", "when-leave-place",
                          frozenset({"kidal-closure"}))
    assert suite.judge(ask, _answer("fact", ["kidal-closure"])) == "right"
    assert suite.judge(ask, _answer("fact", ["tessalit-withdrawal"])) == "wrong"
    assert suite.judge(ask, _answer("choice", choices=["kidal-closure", "x"])) == "chose"
    assert suite.judge(ask, _answer("unknown")) == "declined"
