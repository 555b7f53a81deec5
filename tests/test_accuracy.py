"""The public question set holds the engine to its accuracy targets (see README, Accuracy)."""

from collections import Counter

import pytest

from bot.engine import Engine
from bot.evaluation import OFFTOPIC, accuracy, evaluate, load_questions
from tests.conftest import QUESTIONS


@pytest.fixture(scope="module")
def outcomes(engine: Engine):
    # The written set's regression bar: the fact anywhere in the answer. The strict figure (the
    # fact in the visible answer) is printed by `python -m benchmarks.engine`.
    return evaluate(engine.ask, load_questions(QUESTIONS), strict=False)


def test_question_set_is_large_and_varied():
    questions = load_questions(QUESTIONS)
    counts = Counter(q.category for q in questions)
    assert len(questions) >= 120
    assert counts[OFFTOPIC] >= 20
    assert all(counts[c] >= 8 for c in ("plain", "paraphrase", "typo", "keyword", "french",
                                         "date", "order"))
    assert len({q.text for q in questions}) == len(questions)


def test_in_scope_accuracy_is_at_least_95_percent(outcomes):
    passed, total = accuracy(outcomes)["in scope"]
    failures = [o.question.text for o in outcomes
                if not o.passed and o.question.category != OFFTOPIC]
    assert passed / total >= 0.95, failures


def test_off_topic_abstention_is_at_least_95_percent(outcomes):
    passed, total = accuracy(outcomes)[OFFTOPIC]
    answered = [o.question.text for o in outcomes
                if o.question.category == OFFTOPIC and not o.passed]
    assert passed / total >= 0.95, answered


def test_no_confident_wrong_answers(outcomes):
    """Declining is allowed; answering with the wrong fact is the worst bug we can have."""
    wrong = [(o.question.text, o.text.splitlines()[0]) for o in outcomes if o.wrong]
    assert wrong == []
