"""Fitting the decision's thresholds (bot/decide.py) on the development question set.

    python -m benchmarks.fit                 # benchmarks/sets/dev.toml
    python -m benchmarks.fit --set FILE

For every setting of the grid it answers the whole set, judges strictly (bot/evaluation.py) and
prints, for the best settings, precision and recall per outcome: answered (right among
answers), asked back ("did you mean?", "which one?": the fact among the choices), declined
(the question off-topic or its fact not in the knowledge). The objective weighs a wrong answer
as three missed ones: a confident wrong answer is the worst bug. Never run it on the test set.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from dataclasses import replace
from pathlib import Path

from bot.decide import IN_FORCE
from bot.engine import Engine
from bot.evaluation import answerable, judge, knowledge_texts, load_questions, states
from bot.knowledge import load_knowledge
from bot.render import render_plain
from bot.store import build_index
from bot.tables import table

ROOT = Path(__file__).resolve().parent.parent
WRONG_COST = 3

GRID = {
    "confident": (0.65, 0.7, 0.75),
    "safe": (0.45, 0.5),
    "ahead": (0.45, 0.55),
    "lead": (0.1, 0.15, 0.2),
    "choice_margin": (0.05,),
    "cover": (0.6, 0.7, 0.8),
}


def score(engine: Engine, questions: list, held: set[str]) -> dict[str, float]:
    counts = dict.fromkeys(("right", "wrong", "asked", "asked_ok", "declined", "declined_ok"), 0)
    for q in questions:
        answer = engine.ask(q.text)
        outcome = judge(q, answer)
        in_scope = not q.offtopic and q.text in held
        if answer.is_answer:
            counts["right" if outcome.passed and in_scope else "wrong"] += (
                1 if in_scope or q.offtopic else 0)
        elif answer.kind == "choice":
            counts["asked"] += 1
            shown = "\n".join((engine.topic(c.doc_id) and render_plain(engine.topic(c.doc_id)))
                              or "" for c in answer.choices)
            counts["asked_ok"] += in_scope and states(shown, q)
        else:
            counts["declined"] += 1
            counts["declined_ok"] += not in_scope
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", type=Path, default=ROOT / "benchmarks" / "sets" / "dev.toml")
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    if args.set.stem == "test":
        parser.error("the test set is sealed: fit on the development set")
    questions = load_questions(args.set)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.sqlite"
        build_index(load_knowledge(ROOT / "knowledge"), path)
        engine = Engine(path)
        texts = knowledge_texts(engine.topic, engine.store.all_ids())
        held = {q.text for q in questions if answerable(q, texts)}
        rows = []
        names = list(GRID)
        for values in itertools.product(*(GRID[n] for n in names)):
            setting = replace(IN_FORCE, **dict(zip(names, values, strict=True)))
            if not setting.did_you_mean <= setting.ahead <= setting.confident:
                continue
            engine.thresholds = setting
            c = score(engine, questions, held)
            rows.append((c["right"] - WRONG_COST * c["wrong"], setting, c))
        engine.close()
    rows.sort(key=lambda r: -r[0])
    in_force = next((r for r in rows if r[1] == IN_FORCE), None)
    print(f"# Fitting on {args.set.relative_to(ROOT)}: {len(questions)} questions, "
          f"{len(held)} with their fact in the knowledge; objective right - "
          f"{WRONG_COST} x wrong\n")
    out = []
    shown = rows[: args.top]
    if in_force is not None and in_force not in shown:
        shown.append(in_force)
    for objective, s, c in shown:
        answered = c["right"] + c["wrong"]
        out.append([
            f"{s.confident:.2f}/{s.safe:.2f}/{s.ahead:.2f}/{s.lead:.2f}/{s.choice_margin:.2f}/"
            f"{s.cover:.2f}"
            + (" (in force)" if s == IN_FORCE else ""),
            str(objective), f"{c['right'] / max(1, answered):.1%}",
            f"{c['right'] / max(1, len(held)):.1%}", str(c["wrong"]),
            f"{c['asked_ok']}/{c['asked']}", f"{c['declined_ok']}/{c['declined']}",
        ])
    print(table(["confident/safe/ahead/lead/choice margin/cover", "objective", "answer precision",
                 "answer recall", "wrong", "asked: fact among choices",
                 "declined: rightly"], out))


if __name__ == "__main__":
    main()
