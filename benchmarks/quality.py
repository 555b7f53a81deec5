"""Our engine against the retrievers a user would pick instead, measured side by side.

    pip install -e ".[bench]"
    python -m benchmarks.quality                  # real base, then 10,000 and 100,000 events
    python -m benchmarks.quality --sizes          # real base only

Every system answers the public question set (tests/questions.toml), then the question suite
generated from the knowledge (bot/suite.py: templates over every entry, and the questions it must
refuse), judged alike: a baseline's top passage is right when it is one of the entries the
question fits, and it declines below the threshold tuned on the public set. A baseline's answer
is its top passage; it passes an in-scope question when that passage contains every expected fact,
and an off-topic one when its top score is below a threshold, tuned on this same set to
maximise its overall score (reported). Our engine is judged as in tests/test_accuracy.py.
A wrong answer is one given (not declined) that fails: the fact is missing, or the question
was off topic. A listing that shows only the first of more events than fit, says how many there
are and asks to narrow down, and whose expected event is among those not shown, is counted as
"cut short", not wrong: the reader is told the answer is incomplete.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.baselines import BM25, Embeddings, Retriever, WRatio, passages
from benchmarks.engine import percentile
from benchmarks.synthetic import synthetic_knowledge
from bot import suite
from bot.engine import Engine
from bot.evaluation import CATEGORIES, OFFTOPIC, Question, judge, load_questions
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.store import build_index
from bot.tables import table

ROOT = Path(__file__).resolve().parent.parent
ENGINE = "our engine"


@dataclass
class Run:
    """One system's results on the question set."""

    passed: list[bool]
    answered: list[bool]
    latencies: list[float]
    threshold: float | None = None
    build_s: float = 0.0
    memory_mb: float = 0.0
    disk_mb: float = 0.0
    hits: list[bool] | None = None  # top passage right, whatever its score (baselines)
    cut: list[bool] | None = None  # a failed listing that said it was cut short (our engine)

    @property
    def cut_short(self) -> int:
        return sum(self.cut or [])

    @property
    def wrong(self) -> int:
        failed = sum(a and not p for a, p in zip(self.answered, self.passed, strict=True))
        return failed - self.cut_short


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def timed_build(build: Callable[[], object]) -> tuple[object, float, float]:
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    built = build()
    seconds = time.perf_counter() - started
    gc.collect()
    return built, seconds, max(0.0, rss_mb() - before)


def run_engine(kb: KnowledgeBase, questions: Sequence[Question]) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.sqlite"

        def build() -> Engine:
            build_index(kb, path)
            return Engine(path)

        built, seconds, memory = timed_build(build)
        engine = built if isinstance(built, Engine) else None
        assert engine is not None
        passed, answered, cut, latencies = [], [], [], []
        for question in questions:
            started = time.perf_counter()
            answer = engine.ask(question.text)
            latencies.append((time.perf_counter() - started) * 1000)
            passed.append(judge(question, answer).passed)
            answered.append(answer.is_answer)
            cut.append(answer.kind == "timeline" and answer.more > 0 and not passed[-1])
        engine.close()
        disk = path.stat().st_size / 1e6
    return Run(passed, answered, latencies, build_s=seconds, memory_mb=memory, disk_mb=disk,
               cut=cut)


def tune(scored: list[tuple[Question, bool, float]]) -> float:
    """The abstention threshold that passes the most questions of this set."""
    candidates = [*sorted({0.0, *(score for _, _, score in scored)}), float("inf")]

    def total(t: float) -> int:
        return sum((score < t) if q.category == OFFTOPIC else (hit and score >= t)
                   for q, hit, score in scored)

    return max(candidates, key=lambda t: (total(t), -t))


def run_baseline(retriever: Retriever, texts: list[str], questions: Sequence[Question],
                 threshold: float | None) -> Run:
    _, seconds, memory = timed_build(lambda: retriever.build(texts))
    scored, latencies = [], []
    for question in questions:
        started = time.perf_counter()
        index, score = retriever.top(question.text)
        latencies.append((time.perf_counter() - started) * 1000)
        folded = texts[index].casefold()
        hit = all(e.casefold() in folded for e in question.expect)
        scored.append((question, hit, score))
    if threshold is None:
        threshold = tune(scored)
    passed = [(s < threshold) if q.category == OFFTOPIC else (hit and s >= threshold)
              for q, hit, s in scored]
    answered = [s >= threshold for _, _, s in scored]
    hits = [hit for _, hit, _ in scored]
    return Run(passed, answered, latencies, threshold, build_s=seconds, memory_mb=memory,
               hits=hits)


def share(run: Run, questions: Sequence[Question], keep: Callable[[Question], bool]) -> str:
    picked = [p for p, q in zip(run.passed, questions, strict=True) if keep(q)]
    return f"{sum(picked) / len(picked):.1%}" if picked else "-"


def top_one(run: Run, questions: Sequence[Question]) -> str:
    """In-scope accuracy of a baseline's top passage when it never declines."""
    hits = [h for h, q in zip(run.hits or [], questions, strict=True) if q.category != OFFTOPIC]
    return f"{sum(hits) / len(hits):.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    real = load_knowledge(ROOT / "knowledge")
    questions = load_questions(ROOT / "tests" / "questions.toml")
    baselines: list[Retriever] = [BM25(), WRatio(), Embeddings()]
    names = [ENGINE, *(b.name for b in baselines)]

    runs = {ENGINE: run_engine(real, questions)}
    texts = passages(real)
    for baseline in baselines:
        runs[baseline.name] = run_baseline(baseline, texts, questions, None)

    print("# Our engine against standard retrievers, on tests/questions.toml\n")
    # Only the categories this set has (the held-out sets add "derived").
    present = [c for c in CATEGORIES if any(q.category == c for q in questions)]
    rows = []
    for category in present:
        count = sum(q.category == category for q in questions)
        label = f"{category} ({count})" if category != OFFTOPIC else f"off-topic declined ({count})"
        rows.append([label, *(share(runs[n], questions, lambda q, c=category: q.category == c)
                              for n in names)])
    rows.append(["**in scope**", *(share(runs[n], questions, lambda q: q.category != OFFTOPIC)
                                   for n in names)])
    rows.append(["all", *(share(runs[n], questions, lambda q: True) for n in names)])
    rows.append(["in scope, never declining",
                 share(runs[ENGINE], questions, lambda q: q.category != OFFTOPIC),
                 *(top_one(runs[n], questions) for n in names[1:])])
    rows.append([f"wrong answers (of {len(questions)})",
                 *(str(runs[n].wrong) for n in names)])
    rows.append(["listings cut short", str(runs[ENGINE].cut_short), *("-" for _ in names[1:])])
    rows.append(["abstention threshold", "0.62 (fixed)",
                 *(f"{runs[n].threshold:.3g} (tuned)" for n in names[1:])])
    rows.append(["p50 / p99 ms", *(f"{percentile(runs[n].latencies, 50):.2f} / "
                                   f"{percentile(runs[n].latencies, 99):.2f}" for n in names)])
    print(table(["category", *names], rows))

    print_suite(real, baselines, {n: runs[n].threshold for n in names[1:]})

    if not args.sizes:
        return
    print("\n## At scale (real events and FAQ plus synthetic events; same questions, "
          "same thresholds)\n")
    scale_rows = []
    for size in args.sizes:
        kb = synthetic_knowledge(real, size)
        big = passages(kb)
        results = {ENGINE: run_engine(kb, questions)}
        for baseline in [BM25(), WRatio(), Embeddings()]:
            results[baseline.name] = run_baseline(baseline, big, questions,
                                                  runs[baseline.name].threshold)
            del baseline
            gc.collect()
        for name in names:
            run = results[name]
            memory = f"{run.memory_mb:.0f} MB"
            if run.disk_mb:
                memory += f" + {run.disk_mb:.0f} MB file"
            scale_rows.append([
                f"{size:,}", name,
                *(share(run, questions, lambda q, c=c: q.category == c) for c in present),
                share(run, questions, lambda q: q.category != OFFTOPIC), str(run.wrong),
                str(run.cut_short) if run.cut is not None else "-",
                f"{run.build_s:.1f} s", memory,
                f"{percentile(run.latencies, 50):.2f}", f"{percentile(run.latencies, 99):.2f}",
            ])
    short = [c if c != OFFTOPIC else "off-topic declined" for c in present]
    print(table(["events", "system", *short, "in scope", "wrong", "cut short", "build", "memory",
                 "p50 ms", "p99 ms"], scale_rows))


def print_suite(kb: KnowledgeBase, baselines: Sequence[Retriever],
                thresholds: dict[str, float | None]) -> None:
    """The generated suite: right / declined / wrong per template, every system."""
    questions = suite.generate(kb)
    ids = [e.id for e in kb.events] + [f.id for f in kb.faqs]  # as passages() orders them
    texts = passages(kb)
    verdicts: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.sqlite"
        build_index(kb, path)
        engine = Engine(path)
        verdicts[ENGINE] = [v for _, _, v in suite.run(engine.ask, questions)]
        engine.close()
    for baseline in baselines:
        baseline.build(texts)
        threshold = thresholds[baseline.name] or 0.0
        found = []
        for question in questions:
            index, score = baseline.top(question.text)
            if score < threshold:
                found.append("declined")
            elif not question.positive:
                found.append("wrong")
            elif ids[index] in question.expect_ids or (question.expect and all(
                    e.casefold() in texts[index].casefold() for e in question.expect)):
                found.append("right")
            else:
                found.append("wrong")
        verdicts[baseline.name] = found
    names = list(verdicts)
    templates = sorted({q.template for q in questions}, key=lambda t: (t.startswith("swap"), t))
    rows = []
    for label, keep in [*((t, lambda q, t=t: q.template == t) for t in templates),
                        ("**all positive**", lambda q: q.positive),
                        ("**all refusals**", lambda q: not q.positive)]:
        picked = [i for i, q in enumerate(questions) if keep(q)]
        cells = []
        for name in names:
            got = [verdicts[name][i] for i in picked]
            right = sum(v in ("right", "declined") if not questions[i].positive else v == "right"
                        for v, i in zip(got, picked, strict=True))
            wrong = got.count("wrong")
            cells.append(f"{right} / {wrong}")
        rows.append([f"{label} ({len(picked)})", *cells])
    print(f"\n## The generated question suite ({len(questions)} questions): right / wrong\n")
    print("Right is the expected entry for a question with an answer, and a refusal for one "
          "without; wrong is any other cited answer. The rest were declined.\n")
    print(table(["template", *names], rows))


if __name__ == "__main__":
    main()
