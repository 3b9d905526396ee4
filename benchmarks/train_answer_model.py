"""Learn the weights of `retain.core.answer_model` from SemEval-2013 training answers.

Run: ``.venv/bin/python benchmarks/train_answer_model.py [--data DIR] [--write]``

It fits an L2-regularised logistic regression (Newton's method, plain Python) on the
2-way *training* split of SemEval-2013 Task 7 only (Beetle + SciEntsBank), and prints
cross-validated accuracy with folds grouped by question (new questions) and by
SciEntsBank module (new domains), for each L2 strength tried. With ``--write`` it stores
the model fitted on all training answers at the chosen strength in
``src/retain/core/grading_data/answer_model.json``. The test splits are never read.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from _common import read_semeval
from retain.core.answer_model import FEATURE_NAMES, answer_features

ROOT = Path(__file__).resolve().parent.parent
MODEL_PATH = ROOT / "src/retain/core/grading_data/answer_model.json"


@dataclass(frozen=True)
class Example:
    corpus: str
    question_id: str
    module: str
    features: tuple[float, ...]
    correct: bool


def load(folder: Path, corpus: str, names: Sequence[str]) -> list[Example]:
    out: list[Example] = []
    for a in read_semeval(folder, corpus):
        feats = answer_features(a.question, a.references, a.typed)
        out.append(
            Example(
                corpus, a.question_id, a.module, tuple(feats[n] for n in names), a.correct
            )
        )
    return out


# --- logistic regression --------------------------------------------------------------


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        piv = m[c][c] if abs(m[c][c]) > 1e-12 else 1e-12
        for r in range(n):
            if r != c:
                f = m[r][c] / piv
                if f:
                    for k in range(c, n + 1):
                        m[r][k] -= f * m[c][k]
    return [m[i][n] / (m[i][i] if abs(m[i][i]) > 1e-12 else 1e-12) for i in range(n)]


def standardise(
    rows: Sequence[Sequence[float]],
) -> tuple[list[float], list[float]]:
    n = len(rows)
    d = len(rows[0])
    mean = [sum(r[j] for r in rows) / n for j in range(d)]
    scale = [math.sqrt(sum((r[j] - mean[j]) ** 2 for r in rows) / n) or 1.0 for j in range(d)]
    return mean, scale


def fit(
    rows: Sequence[Sequence[float]], labels: Sequence[bool], l2: float, iters: int = 12
) -> tuple[list[float], list[float], list[float], float]:
    """(mean, scale, weights, bias) of a logistic regression on standardised features."""
    mean, scale = standardise(rows)
    xs = [[1.0] + [(v - mean[j]) / scale[j] for j, v in enumerate(r)] for r in rows]
    ys = [1.0 if y else 0.0 for y in labels]
    d = len(xs[0])
    w = [0.0] * d
    for _ in range(iters):
        grad = [0.0] * d
        hess = [[0.0] * d for _ in range(d)]
        for x, y in zip(xs, ys, strict=True):
            z = sum(wi * xi for wi, xi in zip(w, x, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = p - y
            s = p * (1 - p)
            for i in range(d):
                grad[i] += g * x[i]
                xi_s = x[i] * s
                row = hess[i]
                for k in range(i, d):
                    row[k] += xi_s * x[k]
        for i in range(d):
            for k in range(i):
                hess[i][k] = hess[k][i]
        for i in range(1, d):
            grad[i] += l2 * w[i]
            hess[i][i] += l2
        step = _solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return mean, scale, w[1:], w[0]


def predict(
    model: tuple[list[float], list[float], list[float], float], row: Sequence[float]
) -> float:
    mean, scale, w, b = model
    z = b + sum(wi * (v - m) / s for wi, v, m, s in zip(w, row, mean, scale, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def grouped_cv(
    examples: Sequence[Example], group: str, l2: float, folds: int = 5, seed: int = 7
) -> dict[str, float]:
    """Accuracy per corpus, each fold holding out whole groups (questions or modules)."""
    keys = sorted({getattr(e, group) for e in examples})
    random.Random(seed).shuffle(keys)
    fold_of = {k: i % folds for i, k in enumerate(keys)}
    hits: dict[str, list[bool]] = {}
    for f in range(folds):
        train = [e for e in examples if fold_of[getattr(e, group)] != f]
        test = [e for e in examples if fold_of[getattr(e, group)] == f]
        if not test:
            continue
        model = fit([e.features for e in train], [e.correct for e in train], l2)
        for e in test:
            hits.setdefault(e.corpus, []).append((predict(model, e.features) >= 0.5) == e.correct)
    return {c: sum(h) / len(h) for c, h in sorted(hits.items())}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("RETAIN_DATA", str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", default=default, help=f"the data folder (default: {default})")
    parser.add_argument("--l2", type=float, nargs="*", default=[0.1, 1.0, 10.0, 100.0])
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--drop", nargs="*", default=[], help="features to leave out")
    args = parser.parse_args(argv)
    names = [n for n in FEATURE_NAMES if n not in set(args.drop)]
    base = Path(args.data) / "asag/semeval2013-task7/training/2way"
    examples = load(base / "beetle", "beetle", names) + load(
        base / "sciEntsBank", "sciEntsBank", names
    )
    print(f"{len(examples)} training answers, {len(names)} features")
    best_l2, best_acc = args.l2[0], -1.0
    for l2 in args.l2:
        by_q = grouped_cv(examples, "question_id", l2)
        sci = [e for e in examples if e.corpus == "sciEntsBank"]
        by_m = grouped_cv(sci, "module", l2)
        mean_acc = (sum(by_q.values()) / len(by_q) + by_m["sciEntsBank"]) / 2
        print(
            f"l2={l2:<8g} new questions: "
            + "  ".join(f"{c} {a:.3f}" for c, a in by_q.items())
            + f"   new modules: sciEntsBank {by_m['sciEntsBank']:.3f}"
        )
        if mean_acc > best_acc:
            best_l2, best_acc = l2, mean_acc
    model = fit([e.features for e in examples], [e.correct for e in examples], best_l2)
    mean, scale, w, b = model
    print(f"chosen l2={best_l2:g}")
    for n, wi in sorted(zip(names, w, strict=True), key=lambda p: -abs(p[1])):
        print(f"  {n:<22}{wi:>8.3f}")
    if args.write:
        data = {
            "about": "logistic model of a correct answer; see benchmarks/train_answer_model.py",
            "trained_on": "SemEval-2013 Task 7 2-way training split (Beetle + SciEntsBank)",
            "l2": best_l2,
            "bias": round(b, 6),
            "mean": {n: round(m, 6) for n, m in zip(names, mean, strict=True)},
            "scale": {n: round(s, 6) for n, s in zip(names, scale, strict=True)},
            "weights": {n: round(wi, 6) for n, wi in zip(names, w, strict=True)},
        }
        MODEL_PATH.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
