"""How likely a typed answer is to be correct, against one or more reference answers.

`grade_typed_answer` decides point by point; this module gives one number for a whole
answer: the probability that a teacher would call it correct. It is a logistic model over
features the grader already computes, read from ``grading_data/answer_model.json``:

* how much of the reference the answer covers (plain and weighted by how telling each word
  is), and how much of it outside the question's own words;
* how much of the answer the reference accounts for (an answer padded with other claims, or
  one that only restates the question, is weaker);
* pairs of neighbouring reference words found together in the answer;
* the grader's own score, coverage and contradiction, and a negation that one side has and
  the other has not;
* lengths, and a plain string-similarity ratio.

With several references (alternative correct answers) the best-matching one counts.
The weights are learnt offline on a labelled short-answer corpus; nothing is learnt here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from rapidfuzz import fuzz

from retain.core.grading import _analyse, _common, _fuzzy, _generic, _Tok, grade_typed_answer

__all__ = [
    "FEATURE_NAMES",
    "answer_correct_probability",
    "answer_features",
]

FEATURE_NAMES: tuple[str, ...] = (
    "grade_score",
    "grade_covered",
    "grade_contradiction",
    "recall",
    "recall_weighted",
    "recall_new",
    "precision",
    "precision_new",
    "question_share",
    "novel_share",
    "bigram_recall",
    "negation_mismatch",
    "log_length",
    "length_ratio",
    "token_set",
    "token_sort",
    "best_grade_score",
    "mean_recall",
    "max_recall_new",
    "max_precision_new",
    "max_token_sort",
    "covered_and_precise",
    "grade_score_sq",
    "recall_new_sq",
    "precision_new_sq",
    "recall_times_precision",
    "contradicted_recall",
    "negated_recall",
    "token_sort_sq",
    "log_reference_length",
    "log_references",
    "log_question_length",
)

_NEGATORS = frozenset(
    {"no", "not", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot"}
)


def _content(toks: Sequence[_Tok]) -> list[_Tok]:
    return [t for t in toks if not t.stop]


def _word_weight(key: str) -> float:
    if key in _generic():
        return 0.3
    if key in _common():
        return 0.6
    return 1.0


def _best(term: _Tok, others: Sequence[_Tok]) -> float:
    best = 0.0
    for t in others:
        if t.key == term.key:
            return 1.0
        if t.fact or term.fact:
            continue
        best = max(best, _fuzzy(term.key, term.text, t.key, t.text))
    return best


def _negations(text: str, toks: Sequence[_Tok]) -> int:
    low = text.lower()
    words = low.replace("n't", " not").split()
    return (
        sum(1 for w in words if w.strip(".,;:!?()") in _NEGATORS)
        + sum(1 for t in toks if t.negated and not t.stop) * 0
    )


def _bigrams(toks: Sequence[_Tok]) -> set[tuple[str, str]]:
    keys = [t.key for t in toks]
    return {(a, b) for a, b in zip(keys, keys[1:], strict=False)}


def _one_reference(
    question: str, qkeys: frozenset[str], reference: str, typed: str, typed_toks: Sequence[_Tok]
) -> list[float]:
    ref_toks = _content(_analyse(reference))
    grade = grade_typed_answer(question, [reference], typed)
    ref_match = [_best(r, typed_toks) for r in ref_toks]
    n_ref = len(ref_toks)
    recall = sum(ref_match) / n_ref if n_ref else 0.0
    weights = [_word_weight(r.key) * (0.2 if r.key in qkeys else 1.0) for r in ref_toks]
    total_w = sum(weights)
    recall_w = (
        sum(w * m for w, m in zip(weights, ref_match, strict=True)) / total_w if total_w else 0.0
    )
    new = [m for r, m in zip(ref_toks, ref_match, strict=True) if r.key not in qkeys]
    recall_new = sum(new) / len(new) if new else recall
    typed_match = [_best(t, ref_toks) for t in typed_toks]
    n_typed = len(typed_toks)
    precision = sum(typed_match) / n_typed if n_typed else 0.0
    typed_new = [m for t, m in zip(typed_toks, typed_match, strict=True) if t.key not in qkeys]
    precision_new = sum(typed_new) / len(typed_new) if typed_new else 0.0
    in_question = sum(1 for t in typed_toks if t.key in qkeys) / n_typed if n_typed else 0.0
    novel = (
        sum(
            1 for t, m in zip(typed_toks, typed_match, strict=True) if m == 0 and t.key not in qkeys
        )
        / n_typed
        if n_typed
        else 0.0
    )
    ref_bi = _bigrams(ref_toks)
    typed_bi = _bigrams(typed_toks)
    typed_bi |= {(b, a) for a, b in typed_bi}
    bigram = len(ref_bi & typed_bi) / len(ref_bi) if ref_bi else recall
    neg = float((_negations(reference, ref_toks) % 2) != (_negations(typed, typed_toks) % 2))
    return [
        grade.score,
        float(bool(grade.covered)),
        float(grade.contradiction),
        recall,
        recall_w,
        recall_new,
        precision,
        precision_new,
        in_question,
        novel,
        bigram,
        neg,
        math.log1p(n_typed),
        min(3.0, n_typed / max(1, n_ref)),
        fuzz.token_set_ratio(typed, reference) / 100.0,
        fuzz.token_sort_ratio(typed, reference) / 100.0,
        math.log1p(n_ref),
    ]


def answer_features(question: str, references: Sequence[str], typed: str) -> dict[str, float]:
    """The model's features for `typed` against the best of `references` (by name)."""
    refs = [r for r in references if r.strip()]
    qkeys = frozenset(t.key for t in _analyse(question) if not t.stop)
    typed_toks = _content(_analyse(typed))
    if not refs or not typed_toks:
        return dict.fromkeys(FEATURE_NAMES, 0.0)
    rows = [_one_reference(question, qkeys, r, typed, typed_toks) for r in refs]

    # the reference this answer is closest to: F1 of new-word recall and precision
    def closeness(row: list[float]) -> float:
        r, p = row[5], row[7]
        return (2 * r * p / (r + p) if r + p else 0.0) + row[0]

    best = max(rows, key=closeness)
    values = [
        *best[:16],
        max(row[0] for row in rows),
        sum(row[3] for row in rows) / len(rows),
        max(row[5] for row in rows),
        max(row[7] for row in rows),
        max(row[15] for row in rows),
        best[0] * best[7],
        best[0] ** 2,
        best[5] ** 2,
        best[7] ** 2,
        best[5] * best[7],
        best[2] * best[5],
        best[11] * best[5],
        best[15] ** 2,
        best[16],
        math.log(len(rows)),
        math.log1p(len(qkeys)),
    ]
    return dict(zip(FEATURE_NAMES, values, strict=True))


@lru_cache(maxsize=1)
def _model() -> tuple[dict[str, float], dict[str, float], dict[str, float], float]:
    text = (
        resources.files("retain.core")
        .joinpath("grading_data", "answer_model.json")
        .read_text("utf-8")
    )
    data = json.loads(text)
    return (
        {k: float(v) for k, v in data["mean"].items()},
        {k: float(v) for k, v in data["scale"].items()},
        {k: float(v) for k, v in data["weights"].items()},
        float(data["bias"]),
    )


def answer_correct_probability(question: str, references: Sequence[str], typed: str) -> float:
    """The probability (0..1) that `typed` is a correct answer to `question`.

    `references` are the correct answers the card gives; any one of them is enough.
    An empty answer, or one with no content words, scores 0.
    """
    if not typed.strip() or not _content(_analyse(typed)):
        return 0.0
    mean, scale, weights, bias = _model()
    feats = answer_features(question, references, typed)
    z = bias + sum(w * (feats[k] - mean[k]) / scale[k] for k, w in weights.items())
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
