"""How well the typed-answer grader grades: the labelled dev answers and SemEval-2013.

Run: ``.venv/bin/python benchmarks/grading.py [--data DIR]`` (DIR defaults to
``../shared/data`` next to the repository, or ``$RETAIN_DATA``).

It prints, for retain's grader and two baselines (Anki-style exact match, and a rapidfuzz
``token_set_ratio`` threshold chosen on the training data):

* dev answers: verdict accuracy, point precision/recall/F1, contradiction recall, and the
  p50/p99 time per grade;
* SemEval-2013 Task 7, 2-way: accuracy and macro-F1 on each test split. Each student
  answer is graded against each reference answer (Beetle lists several alternatives) and
  the best score counts; "correct" is a score at or above a threshold chosen on the
  training split only. "retain answer model" is `answer_correct_probability`, whose
  weights were learnt on the training split (``benchmarks/train_answer_model.py``); it
  calls an answer correct at a probability of 0.5 or more.

With the ``semantic`` extra installed (``pip install -e '.[semantic]'``) it also prints
"retain + encoder": on the dev answers, the grader with `AnswerEncoder` as its judge of
paraphrase; on SemEval-2013, `AnswerEncoder.probability` (its weights were learnt on the
training split, ``benchmarks/train_answer_encoder.py``), correct at 0.5 or more.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from _common import read_semeval
from retain import answer_encoder
from retain.core.answer_model import answer_correct_probability
from retain.core.grading import grade_typed_answer

ROOT = Path(__file__).resolve().parent.parent
SEMEVAL_TESTS = [
    ("Beetle UA", "beetle/test-unseen-answers"),
    ("Beetle UQ", "beetle/test-unseen-questions"),
    ("SciEntsBank UA", "sciEntsBank/test-unseen-answers"),
    ("SciEntsBank UQ", "sciEntsBank/test-unseen-questions"),
    ("SciEntsBank UD", "sciEntsBank/test-unseen-domains"),
]


@dataclass(frozen=True)
class Item:
    question: str
    references: tuple[str, ...]
    answer: str
    correct: bool


def load_semeval(folder: Path) -> list[Item]:
    return [
        Item(a.question, a.references, a.typed, a.correct)
        for a in read_semeval(folder, folder.name)
    ]


# --- graders: each returns a score; "correct" is score >= threshold ---------------------

Scorer = Callable[[str, Sequence[str], str], float]


def retain_score(question: str, refs: Sequence[str], answer: str) -> float:
    return max(grade_typed_answer(question, [r], answer).score for r in refs)


def model_score(question: str, refs: Sequence[str], answer: str) -> float:
    return answer_correct_probability(question, refs, answer)


def encoder_score(question: str, refs: Sequence[str], answer: str) -> float:
    return answer_encoder.shared().probability(question, refs, answer)


def exact_score(question: str, refs: Sequence[str], answer: str) -> float:
    return 1.0 if any(answer.strip() == r.strip() for r in refs) else 0.0


def fuzzy_score(question: str, refs: Sequence[str], answer: str) -> float:
    return max(fuzz.token_set_ratio(answer, r) / 100.0 for r in refs)


def best_threshold(scores: Sequence[float], gold: Sequence[bool]) -> float:
    pairs = sorted(zip(scores, gold, strict=True))
    candidates = sorted(set(scores))
    best_t, best_acc = 1.0, -1.0
    n = len(pairs)
    for t in candidates:
        acc = sum((s >= t) == g for s, g in pairs) / n
        if acc > best_acc:
            best_t, best_acc = t, acc
    return best_t


def accuracy_f1(pred: Sequence[bool], gold: Sequence[bool]) -> tuple[float, float]:
    n = len(gold)
    acc = sum(p == g for p, g in zip(pred, gold, strict=True)) / n
    f1s = []
    for label in (True, False):
        tp = sum(p == label and g == label for p, g in zip(pred, gold, strict=True))
        fp = sum(p == label and g != label for p, g in zip(pred, gold, strict=True))
        fn = sum(p != label and g == label for p, g in zip(pred, gold, strict=True))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return acc, sum(f1s) / 2


# --- dev answers --------------------------------------------------------------------


def dev_benchmark(data: Path, fuzzy_threshold: float) -> None:
    deck = json.loads((data / "seed/unit1-stalin-flashcards.expected.json").read_text())["cards"]
    rows = [json.loads(line) for line in (data / "grading/dev_answers.jsonl").open()]
    print(f"\n== dev answers ({len(rows)} typed answers to the sample deck) ==")
    print(
        f"{'grader':<22}{'verdict acc':>12}{'point P':>9}{'point R':>9}{'point F1':>9}"
        f"{'contra rec':>11}{'p50 ms':>8}{'p99 ms':>8}"
    )

    def run(
        name: str, grade: Callable[[dict[str, Any], list[list[str]]], tuple[set[int], bool, str]]
    ) -> None:
        ok = tp = fp = fn = c_hit = c_n = 0
        times: list[float] = []
        for row in rows:
            others = [
                c["answer_points"] for c in deck if c["answer_points"] != row["answer_points"]
            ]
            t0 = time.perf_counter()
            covered, contra, verdict = grade(row, others)
            times.append((time.perf_counter() - t0) * 1000)
            gold = set(row["covered"])
            tp += len(gold & covered)
            fp += len(covered - gold)
            fn += len(gold - covered)
            ok += verdict == row["verdict"]
            if row["contradiction"]:
                c_n += 1
                c_hit += contra
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        times.sort()
        p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
        print(
            f"{name:<22}{ok / len(rows):>12.3f}{p:>9.3f}{r:>9.3f}{f1:>9.3f}"
            f"{c_hit / c_n:>11.3f}{statistics.median(times):>8.2f}{p99:>8.2f}"
        )

    def retain(row: dict[str, Any], others: list[list[str]]) -> tuple[set[int], bool, str]:
        g = grade_typed_answer(
            str(row["question"]),
            list(row["answer_points"]),
            str(row["typed"]),
            other_answers=others,
        )
        return set(g.covered), g.contradiction, g.verdict

    def verdict_of(covered: set[int], n: int) -> str:
        return "correct" if len(covered) == n else ("incorrect" if not covered else "partial")

    def exact(row: dict[str, Any], others: list[list[str]]) -> tuple[set[int], bool, str]:
        points = list(row["answer_points"])
        full = "\n".join(points)
        typed = str(row["typed"])
        covered = set(range(len(points))) if typed.strip() == full.strip() else set()
        return covered, False, verdict_of(covered, len(points))

    def fuzzy(row: dict[str, Any], others: list[list[str]]) -> tuple[set[int], bool, str]:
        points = list(row["answer_points"])
        typed = str(row["typed"])
        covered = {
            i
            for i, p in enumerate(points)
            if fuzz.token_set_ratio(typed, p) / 100 >= fuzzy_threshold
        }
        return covered, False, verdict_of(covered, len(points))

    # warm the caches the way a study session does (the deck is analysed once)
    for row in rows[:1]:
        retain(row, [c["answer_points"] for c in deck])
    run("retain", retain)
    if answer_encoder.available():
        judge = answer_encoder.shared().point_probabilities

        def retain_encoder(
            row: dict[str, Any], others: list[list[str]]
        ) -> tuple[set[int], bool, str]:
            g = grade_typed_answer(
                str(row["question"]),
                list(row["answer_points"]),
                str(row["typed"]),
                other_answers=others,
                judge=judge,
            )
            return set(g.covered), g.contradiction, g.verdict

        run("retain + encoder", retain_encoder)
    run("exact match (Anki)", exact)
    run(f"token_set>={fuzzy_threshold:.2f}", fuzzy)


def semeval_benchmark(data: Path) -> None:
    base = data / "asag/semeval2013-task7"
    if not base.exists():
        print("\n(SemEval-2013 data not found: skipped)")
        return
    train = load_semeval(base / "training/2way/beetle") + load_semeval(
        base / "training/2way/sciEntsBank"
    )
    tests = [(name, load_semeval(base / "test/2way" / sub)) for name, sub in SEMEVAL_TESTS]
    scorers: list[tuple[str, Scorer]] = [
        ("retain", retain_score),
        ("retain answer model", model_score),
        *([("retain + encoder", encoder_score)] if answer_encoder.available() else []),
        ("exact match (Anki)", exact_score),
        ("token_set_ratio", fuzzy_score),
    ]
    print(f"\n== SemEval-2013 Task 7, 2-way (thresholds chosen on training, n={len(train)}) ==")
    header = f"{'grader':<22}{'thr':>6}" + "".join(f"{name:>17}" for name, _ in tests)
    print(header)
    print(f"{'':<28}" + "".join(f"{'acc':>9}{'mF1':>8}" for _ in tests))
    for name, scorer in scorers:
        if name.startswith("exact"):
            thr = 1.0
        elif name in ("retain answer model", "retain + encoder"):
            thr = 0.5  # a probability: its weights were learnt on the training split
        else:
            train_scores = [scorer(it.question, it.references, it.answer) for it in train]
            thr = best_threshold(train_scores, [it.correct for it in train])
        cells = []
        for _, items in tests:
            pred = [scorer(it.question, it.references, it.answer) >= thr for it in items]
            acc, mf1 = accuracy_f1(pred, [it.correct for it in items])
            cells.append(f"{acc:>9.3f}{mf1:>8.3f}")
        print(f"{name:<22}{thr:>6.2f}" + "".join(cells))


def fuzzy_dev_threshold(data: Path) -> float:
    """The token_set_ratio threshold for the point-level baseline, chosen on SemEval
    training (one reference = one point)."""
    base = data / "asag/semeval2013-task7/training/2way"
    if not base.exists():
        return 0.7
    train = load_semeval(base / "beetle") + load_semeval(base / "sciEntsBank")
    scores = [fuzzy_score(it.question, it.references, it.answer) for it in train]
    return best_threshold(scores, [it.correct for it in train])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("RETAIN_DATA", str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", default=default, help=f"the data folder (default: {default})")
    parser.add_argument("--skip-semeval", action="store_true")
    args = parser.parse_args(argv)
    data = Path(args.data)
    thr = fuzzy_dev_threshold(data)
    dev_benchmark(data, thr)
    if not args.skip_semeval:
        semeval_benchmark(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
