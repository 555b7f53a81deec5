"""Answer-engine benchmark: accuracy per category, latency and build time, printed as tables.

    python -m benchmarks.engine            # real base and 100,000 synthetic events
    python -m benchmarks.engine --sizes 10000 100000 --repeat 5

Targets (README): p99 < 5 ms on the real base, < 50 ms at 100,000 events; build < 1 s (real).
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.synthetic import synthetic_knowledge, synthetic_questions
from bot import suite
from bot.engine import Engine
from bot.evaluation import (
    CATEGORIES,
    accuracy,
    answerable,
    evaluate,
    knowledge_texts,
    load_questions,
    summary,
)
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.store import build_index
from bot.tables import table

ROOT = Path(__file__).resolve().parent.parent


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def timed(ask: Callable[[str], object], questions: list[str], repeat: int) -> list[float]:
    for question in questions[:20]:  # warm caches: the first queries pay for page loads
        ask(question)
    samples = []
    for _ in range(repeat):
        for question in questions:
            started = time.perf_counter()
            ask(question)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def build(kb: KnowledgeBase, folder: Path, runs: int) -> tuple[Path, float]:
    path = folder / "index.sqlite"
    seconds = [build_index(kb, path).seconds for _ in range(runs)]
    return path, statistics.median(seconds)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def strict_table(engine: Engine, path: Path, texts: list[str]) -> None:
    """Right / wrong / asked / declined per category, strictly judged (bot/evaluation.py),
    over the questions whose fact the knowledge holds, and the off-topic ones."""
    questions = load_questions(path)
    outcomes = evaluate(engine.ask, questions)
    held = {q.text for q in questions if answerable(q, texts)}
    in_scope = [q for q in questions if not q.offtopic]
    print(f"\n## {path.relative_to(ROOT)}: {len(questions)} questions, "
          f"{len(held)} of {len(in_scope)} in scope with their fact in the knowledge\n")
    rows = []
    for key, (n, right, wrong, asked, declined) in summary(outcomes, held).items():
        rows.append([key, str(n), f"{right} ({right / n:.1%})", str(wrong), str(asked),
                     str(declined)])
    rows.sort(key=lambda r: (r[0] in ("in scope", "off-topic (all)"), r[0]))
    print(table(["category", "questions", "right", "wrong", "asked", "declined"], rows))
    missing = summary([o for o in outcomes if not o.question.offtopic
                       and o.question.text not in held]).get("in scope")
    if missing:
        n, right, wrong, asked, declined = missing
        print(f"\nFacts the knowledge lacks ({n} questions): {right} right anyway, {wrong} "
              f"answered without the fact, {asked} asked back, {declined} declined.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument("--repeat", type=int, default=10, help="passes over the question set")
    parser.add_argument("--test", action="store_true",
                        help="also run the sealed test set (benchmarks/sets/test.toml): only "
                             "for a closing note, never while changing the engine")
    args = parser.parse_args()

    real = load_knowledge(ROOT / "knowledge")
    questions = load_questions(ROOT / "tests" / "questions.toml")
    texts = [q.text for q in questions]
    print(f"# Answer engine benchmark ({platform.python_implementation()} "
          f"{platform.python_version()}, {platform.machine()})\n")

    with tempfile.TemporaryDirectory() as tmp:
        path, build_s = build(real, Path(tmp), runs=5)
        engine = Engine(path)
        # Timed first, while the process holds what a running bot holds: the suite's thousands
        # of objects would otherwise lengthen every garbage collection pause.
        latencies = timed(engine.ask, texts, args.repeat)
        outcomes = evaluate(engine.ask, questions)
        scores = accuracy(outcomes)
        print("## Accuracy on tests/questions.toml\n")
        rows = [[c, f"{scores[c][0]}/{scores[c][1]}", f"{scores[c][0] / scores[c][1]:.1%}"]
                for c in (*CATEGORIES, "in scope", "all") if c in scores]
        rows.append(["wrong answers", str(sum(o.wrong for o in outcomes)),
                     "(a cited answer without the expected fact, or to an off-topic question)"])
        rows.append(["listings cut short", str(sum(o.cut_short for o in outcomes)),
                     "(the true count, the first items, the expected one not among them)"])
        print(table(["category", "passed", "accuracy"], rows))
        generated = suite.generate(real)
        verdicts = suite.table(suite.run(engine.ask, generated))
        print(f"\n## The question suite generated from the knowledge ({len(generated)} "
              "questions)\n")
        rows = []
        for half, label in (("positive", "with an answer"), ("negative", "to refuse")):
            counts = verdicts[f"all {half}"]
            declined = counts["declined"] + counts["chose"]
            right = counts["right"] if half == "positive" else declined
            rows.append([label, str(sum(counts.values())), str(right),
                         str(declined) if half == "positive" else "-", str(counts["wrong"])])
        print(table(["questions", "count", "right", "declined", "wrong"], rows))
        entries = knowledge_texts(engine.topic, engine.store.all_ids())
        for question_set in sorted((ROOT / "benchmarks" / "sets").glob("*.toml")):
            if question_set.stem == "test" and not args.test:
                continue  # sealed: run only for a closing note (--test)
            strict_table(engine, question_set, entries)
        for heldout in sorted((ROOT / "benchmarks").glob("heldout-*.toml")):
            outcomes = evaluate(engine.ask, load_questions(heldout))
            scores = accuracy(outcomes)
            print(f"\n## Held-out questions: {heldout.name}\n")
            rows = [[c, f"{scores[c][0]}/{scores[c][1]}", f"{scores[c][0] / scores[c][1]:.1%}"]
                    for c in (*CATEGORIES, "in scope", "all") if c in scores]
            rows.append(["wrong answers", str(sum(o.wrong for o in outcomes)), ""])
            rows.append(["listings cut short", str(sum(o.cut_short for o in outcomes)), ""])
            print(table(["category", "passed", "accuracy"], rows))
        engine.close()
        size_rows = [[
            "real", f"{len(real.events):,}", f"{build_s * 1000:.0f} ms",
            f"{path.stat().st_size / 1e6:.1f} MB", f"{len(latencies):,}",
            f"{percentile(latencies, 50):.2f}", f"{percentile(latencies, 99):.2f}",
            f"{rss_mb():.0f} MB",
        ]]

    for size in args.sizes:
        kb = synthetic_knowledge(real, size)
        with tempfile.TemporaryDirectory() as tmp:
            path, build_s = build(kb, Path(tmp), runs=1)
            engine = Engine(path)
            mixed = texts + synthetic_questions(kb, len(texts))
            latencies = timed(engine.ask, mixed, max(1, args.repeat // 5))
            engine.close()
            size_rows.append([
                "synthetic", f"{size:,}", f"{build_s:.1f} s", f"{path.stat().st_size / 1e6:.0f} MB",
                f"{len(latencies):,}", f"{percentile(latencies, 50):.2f}",
                f"{percentile(latencies, 99):.2f}", f"{rss_mb():.0f} MB",
            ])
    print("\n## Latency per question and index build\n")
    print(table(["base", "events", "build", "index", "questions", "p50 ms", "p99 ms",
                 "peak RSS"], size_rows))


if __name__ == "__main__":
    main()
