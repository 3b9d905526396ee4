"""How well the typed-answer grader grades: the labelled dev answers, six more subjects and
SemEval-2013.

Run: ``.venv/bin/python benchmarks/grading.py [--data DIR]`` (DIR defaults to
``../shared/data`` next to the repository, or ``$RETAIN_DATA``).

It prints, for retain's grader and two baselines (Anki-style exact match, and a rapidfuzz
``token_set_ratio`` threshold chosen on the training data):

* dev answers to the sample deck, and to the six subject decks in ``decks/`` (chemistry,
  French vocabulary, physics, Macbeth, economics, WW1; per deck and overall): verdict
  accuracy, point precision/recall/F1, contradiction recall and precision, the share of
  fully correct answers flagged as contradictions, and the p50/p99 time per grade (each
  card analysed once beforehand, each answer timed from cold). On the six subjects the
  token_set threshold is chosen leave-one-deck-out: the figure for each deck comes from a
  threshold chosen on the other five. A last line checks that ``retain grade --jsonl``
  gives the grades the figures were computed from;
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
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from _common import read_semeval
from retain import answer_encoder
from retain.core import grading
from retain.core.answer_model import answer_correct_probability
from retain.core.grading import Judge, grade_typed_answer
from retain.formats import read_path

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

Row = dict[str, Any]
#: A grade as the benchmark reads it: the covered points, the contradiction flag, the verdict.
Graded = tuple[set[int], bool, str]
#: A grader for the dev answers: (row, the answer points of the deck's other cards) -> grade.
RowGrader = Callable[[Row, list[list[str]]], Graded]
#: Makes a `RowGrader` from the rows it may learn from (those of the other decks).
Fitter = Callable[[list[Row]], RowGrader]

SUBJECT_DECKS = (
    "chemistry_bonding.txt",
    "economics_supply_demand.txt",
    "french_vocab.txt",
    "macbeth.txt",
    "physics_forces.txt",
    "ww1_causes.txt",
)

HEADER = (
    f"{'grader':<26}{'n':>5}{'verdict':>9}{'pt P':>7}{'pt R':>7}{'pt F1':>7}"
    f"{'con R':>7}{'con P':>7}{'ok->con':>8}{'p50 ms':>8}{'p99 ms':>8}"
)


@dataclass
class Tally:
    """The counts behind the figures of one grader on one set of answers."""

    n: int = 0
    verdict_ok: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    contra_gold: int = 0
    contra_hit: int = 0
    contra_flagged: int = 0
    fully_correct: int = 0
    fully_correct_flagged: int = 0
    times: list[float] = field(default_factory=list)

    def add(self, row: Row, graded: Graded, ms: float) -> None:
        covered, contra, verdict = graded
        gold = set(row["covered"])
        self.n += 1
        self.tp += len(gold & covered)
        self.fp += len(covered - gold)
        self.fn += len(gold - covered)
        self.verdict_ok += verdict == row["verdict"]
        self.contra_gold += bool(row["contradiction"])
        self.contra_hit += bool(row["contradiction"]) and contra
        self.contra_flagged += contra
        if row["verdict"] == "correct":
            self.fully_correct += 1
            self.fully_correct_flagged += contra
        self.times.append(ms)

    def merge(self, other: Tally) -> None:
        for name in (
            "n", "verdict_ok", "tp", "fp", "fn", "contra_gold", "contra_hit",
            "contra_flagged", "fully_correct", "fully_correct_flagged",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.times.extend(other.times)

    def line(self, name: str) -> str:
        def ratio(a: int, b: int) -> str:
            return f"{a / b:.3f}" if b else "-"

        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        times = sorted(self.times)
        p99 = times[min(len(times) - 1, int(0.99 * len(times)))] if times else math.nan
        return (
            f"{name:<26}{self.n:>5}{ratio(self.verdict_ok, self.n):>9}{p:>7.3f}{r:>7.3f}"
            f"{f1:>7.3f}{ratio(self.contra_hit, self.contra_gold):>7}"
            f"{ratio(self.contra_hit, self.contra_flagged):>7}"
            f"{ratio(self.fully_correct_flagged, self.fully_correct):>8}"
            f"{statistics.median(times) if times else math.nan:>8.2f}{p99:>8.2f}"
        )


def score_rows(rows: Sequence[Row], decks: dict[str, list[list[str]]], grade: RowGrader) -> Tally:
    tally = Tally()
    for row in rows:
        deck = decks[row["deck"]]
        others = [points for points in deck if points != list(row["answer_points"])]
        t0 = time.perf_counter()
        graded = grade(row, others)
        tally.add(row, graded, (time.perf_counter() - t0) * 1000)
    return tally


def verdict_of(covered: set[int], n: int) -> str:
    return "correct" if len(covered) == n else ("incorrect" if not covered else "partial")


def retain_grader(judge: Judge | None = None) -> RowGrader:
    def grade(row: Row, others: list[list[str]]) -> Graded:
        g = grade_typed_answer(
            str(row["question"]),
            list(row["answer_points"]),
            str(row["typed"]),
            other_answers=others,
            judge=judge,
        )
        return set(g.covered), g.contradiction, g.verdict

    return grade


def exact_grader(row: Row, others: list[list[str]]) -> Graded:
    points = list(row["answer_points"])
    typed = str(row["typed"]).strip()
    if typed == "\n".join(points).strip():
        covered = set(range(len(points)))
    else:
        covered = {i for i, p in enumerate(points) if len(points) == 1 and typed == p.strip()}
    return covered, False, verdict_of(covered, len(points))


def fuzzy_grader(threshold: float) -> RowGrader:
    def grade(row: Row, others: list[list[str]]) -> Graded:
        points = list(row["answer_points"])
        typed = str(row["typed"])
        covered = {
            i for i, p in enumerate(points) if fuzz.token_set_ratio(typed, p) / 100 >= threshold
        }
        return covered, False, verdict_of(covered, len(points))

    return grade


def fit_fuzzy(rows: list[Row]) -> RowGrader:
    """The token_set_ratio threshold that gets the most points right on `rows`."""
    scores: list[float] = []
    gold: list[bool] = []
    for row in rows:
        covered = set(row["covered"])
        for i, p in enumerate(row["answer_points"]):
            scores.append(fuzz.token_set_ratio(str(row["typed"]), p) / 100)
            gold.append(i in covered)
    return fuzzy_grader(best_threshold(scores, gold))


def leave_one_deck_out(
    rows: Sequence[Row], decks: dict[str, list[list[str]]], fit: Fitter
) -> dict[str, Tally]:
    """Each deck scored by a grader fitted on the rows of the other decks only."""
    out: dict[str, Tally] = {}
    for name in decks:
        held_out = [r for r in rows if r["deck"] == name]
        train = [r for r in rows if r["deck"] != name]
        out[name] = score_rows(held_out, decks, fit(train))
    return out


def per_deck(
    rows: Sequence[Row], decks: dict[str, list[list[str]]], grade: RowGrader
) -> dict[str, Tally]:
    return {
        name: score_rows([r for r in rows if r["deck"] == name], decks, grade) for name in decks
    }


def print_by_deck(title: str, name: str, tallies: dict[str, Tally]) -> Tally:
    total = Tally()
    print(f"-- {title}")
    for deck, tally in tallies.items():
        print(tally.line(f"  {deck.removesuffix('.txt')}"))
        total.merge(tally)
    print(total.line(f"{name} (all)"))
    return total


def read_decks(folder: Path) -> dict[str, list[list[str]]]:
    return {
        name: [list(note.answer_points) for note in read_path(folder / name).notes]
        for name in SUBJECT_DECKS
        if (folder / name).exists()
    }


def via_cli(rows: Sequence[Row], decks: dict[str, list[list[str]]]) -> list[Graded]:
    """The rows graded by `retain grade --jsonl --no-semantic`, in one process."""
    lines = []
    for row in rows:
        others = [p for p in decks[row["deck"]] if p != list(row["answer_points"])]
        request = {
            "question": row["question"],
            "answer_points": row["answer_points"],
            "typed": row["typed"],
            "other_answers": others,
        }
        lines.append(json.dumps(request, ensure_ascii=False))
    exe = Path(sys.executable).with_name("retain")
    done = subprocess.run(
        [str(exe), "grade", "--jsonl", "--no-semantic"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    out: list[Graded] = []
    for line in done.stdout.splitlines():
        result = json.loads(line)
        out.append((set(result["covered"]), bool(result["contradiction"]), result["verdict"]))
    return out


def warm_cards(rows: Sequence[Row], decks: dict[str, list[list[str]]]) -> None:
    """Analyse each card once, as a study session does, with an answer that is not one of
    the rows: the rows' own answers are timed from cold."""
    for row in rows:
        others = [p for p in decks[row["deck"]] if p != list(row["answer_points"])]
        grade_typed_answer(
            str(row["question"]), list(row["answer_points"]), "-", other_answers=others
        )


#: The grader's settings tried leave-one-deck-out: (cover share, least match) on cards of
#: several points (`grading._COVER_SHARE_MULTI`, `grading._MIN_MATCH_MULTI`).
SETTINGS_GRID = tuple((share, least) for share in (0.3, 0.4, 0.5) for least in (0.6, 0.9))


@contextmanager
def settings(share: float, least: float) -> Iterator[None]:
    saved = grading._COVER_SHARE_MULTI, grading._MIN_MATCH_MULTI
    grading._COVER_SHARE_MULTI, grading._MIN_MATCH_MULTI = share, least
    try:
        yield
    finally:
        grading._COVER_SHARE_MULTI, grading._MIN_MATCH_MULTI = saved


def point_f1(tally: Tally) -> float:
    p = tally.tp / (tally.tp + tally.fp) if tally.tp + tally.fp else 0.0
    r = tally.tp / (tally.tp + tally.fn) if tally.tp + tally.fn else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def retain_leave_one_deck_out(
    rows: Sequence[Row], decks: dict[str, list[list[str]]]
) -> tuple[dict[str, Tally], dict[str, tuple[float, float]]]:
    """retain with its settings chosen leave-one-deck-out: for each deck, the settings of
    `SETTINGS_GRID` with the best point F1 (then verdict accuracy) on the other five."""
    by_setting: dict[tuple[float, float], dict[str, Tally]] = {}
    for setting in SETTINGS_GRID:
        with settings(*setting):
            by_setting[setting] = per_deck(rows, decks, retain_grader())
    out: dict[str, Tally] = {}
    chosen: dict[str, tuple[float, float]] = {}
    for name in decks:
        def fit(setting: tuple[float, float], held_out: str = name) -> tuple[float, float]:
            total = Tally()
            for deck, tally in by_setting[setting].items():
                if deck != held_out:
                    total.merge(tally)
            return point_f1(total), total.verdict_ok / max(1, total.n)

        best = max(SETTINGS_GRID, key=fit)
        chosen[name] = best
        out[name] = by_setting[best][name]
    return out, chosen


def subjects_benchmark(data: Path) -> None:
    folder = data / "decks"
    path = data / "grading/dev_multi_answers.jsonl"
    if not path.exists() or not folder.exists():
        print("\n(the six subjects' answers were not found: skipped)")
        return
    decks = read_decks(folder)
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    print(f"\n== six subjects ({len(rows)} typed answers to the decks in {folder.name}/) ==")
    print("What is chosen on these answers (retain's cover settings on cards of several points,")
    print("the token_set threshold) is chosen leave-one-deck-out: each deck's figure comes from")
    print("settings chosen on the other five decks. 'ok->con': share of fully correct answers")
    print("flagged as contradictions.")
    print(HEADER)
    warm_cards(rows, decks)
    shipped = (grading._COVER_SHARE_MULTI, grading._MIN_MATCH_MULTI)
    held_out, chosen = retain_leave_one_deck_out(rows, decks)
    print_by_deck(
        "retain (default install), settings chosen leave-one-deck-out (the honest figure)",
        "retain LODO",
        held_out,
    )
    print("   settings chosen per held-out deck (cover share, least match): " + ", ".join(
        f"{deck.removesuffix('.txt')} {a:g}/{b:g}" for deck, (a, b) in chosen.items()))
    print_by_deck(
        f"retain (default install), the shipped settings {shipped[0]:g}/{shipped[1]:g} "
        "(chosen on all six decks: not held out)",
        "retain",
        per_deck(rows, decks, retain_grader()),
    )
    if answer_encoder.available():
        judge = answer_encoder.shared().point_probabilities
        print_by_deck(
            "retain + encoder (semantic extra)",
            "retain + encoder",
            per_deck(rows, decks, retain_grader(judge)),
        )
    else:
        print("-- retain + encoder: the semantic extra is not installed (skipped)")
    print_by_deck("exact match (Anki)", "exact match", per_deck(rows, decks, exact_grader))
    print_by_deck(
        "token_set_ratio, threshold leave-one-deck-out",
        "token_set (LODO)",
        leave_one_deck_out(rows, decks, fit_fuzzy),
    )
    cli = via_cli(rows, decks)
    direct = [retain_grader()(r, [p for p in decks[r["deck"]] if p != list(r["answer_points"])])
              for r in rows]
    differ = sum(a != b for a, b in zip(cli, direct, strict=True))
    print(f"`retain grade --jsonl` gives the same grades as the figures above: "
          f"{'yes' if not differ else f'no, {differ} differ'}")


def dev_benchmark(data: Path, fuzzy_threshold: float) -> None:
    deck = json.loads((data / "seed/unit1-stalin-flashcards.expected.json").read_text())["cards"]
    rows = [json.loads(line) for line in (data / "grading/dev_answers.jsonl").open()]
    for row in rows:
        row["deck"] = "sample"
    decks = {"sample": [list(c["answer_points"]) for c in deck]}
    print(f"\n== dev answers ({len(rows)} typed answers to the sample deck) ==")
    print(HEADER)
    warm_cards(rows, decks)
    print(score_rows(rows, decks, retain_grader()).line("retain"))
    if answer_encoder.available():
        judge = answer_encoder.shared().point_probabilities
        print(score_rows(rows, decks, retain_grader(judge)).line("retain + encoder"))
    print(score_rows(rows, decks, exact_grader).line("exact match (Anki)"))
    print(score_rows(rows, decks, fuzzy_grader(fuzzy_threshold)).line(
        f"token_set>={fuzzy_threshold:.2f}"))


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
    subjects_benchmark(data)
    if not args.skip_semeval:
        semeval_benchmark(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
