"""Scoring the engine on a question set with expected facts (tests/questions.toml).

An in-scope question passes when the engine answers (not declines) and every expected string
appears in the plain-text answer; an off-topic one passes when the engine declines.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.models import Answer
from bot.render import render_plain

OFFTOPIC = "offtopic"
CATEGORIES = ("plain", "paraphrase", "typo", "keyword", "french", "date", "order", "derived",
              OFFTOPIC)


@dataclass(frozen=True)
class Question:
    text: str
    category: str
    expect: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    question: Question
    passed: bool
    answered: bool
    text: str
    # A listing that states its true count but shows only its first items, the expected one
    # not among them: incomplete, not wrong.
    cut_short: bool = False

    @property
    def wrong(self) -> bool:
        """A cited answer that is not the expected one (or any answer to an off-topic one)."""
        return self.answered and not self.passed and not self.cut_short


def load_questions(path: Path) -> list[Question]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    questions = []
    for row in data["q"]:
        category = row["category"]
        if category not in CATEGORIES:
            raise ValueError(f"{path}: unknown category {category!r} for {row['text']!r}")
        expect = tuple(row.get("expect", ()))
        if category != OFFTOPIC and not expect:
            raise ValueError(f"{path}: {row['text']!r} needs expected facts")
        questions.append(Question(row["text"], category, expect))
    return questions


# "25–27 July 2024": a span within one month, as answers write it; it states its first day too.
_SPAN = re.compile(r"\b(\d{1,2})–\d{1,2} (\w+ \d{4})")


def judge(question: Question, answer: Answer) -> Outcome:
    text = render_plain(answer)
    if question.category == OFFTOPIC:
        return Outcome(question, not answer.is_answer, answer.is_answer, text)
    folded = _SPAN.sub(lambda m: f"{m[0]} ({m[1]} {m[2]})", text).casefold()
    ok = answer.is_answer and all(e.casefold() in folded for e in question.expect)
    cut_short = not ok and answer.kind == "timeline" and answer.more > 0
    return Outcome(question, ok, answer.is_answer, text, cut_short)


def evaluate(ask: Callable[[str], Answer], questions: list[Question]) -> list[Outcome]:
    return [judge(q, ask(q.text)) for q in questions]


def accuracy(outcomes: list[Outcome]) -> dict[str, tuple[int, int]]:
    """Passed and total per category, plus 'in scope' (all but off-topic) and 'all'."""
    table: dict[str, tuple[int, int]] = {}
    for category in CATEGORIES:
        rows = [o for o in outcomes if o.question.category == category]
        if rows:
            table[category] = (sum(o.passed for o in rows), len(rows))
    scoped = [o for o in outcomes if o.question.category != OFFTOPIC]
    table["in scope"] = (sum(o.passed for o in scoped), len(scoped))
    table["all"] = (sum(o.passed for o in outcomes), len(outcomes))
    return table
