"""Small helpers shared by the benchmarks: progress on stderr, percentiles, timing, and
reading SemEval-2013 Task 7."""

from __future__ import annotations

import math
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = REPO_ROOT / ".venv" / "bin"


def progress(message: str) -> None:
    """A line of progress on stderr (the figures go to stdout)."""
    print(f"· {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between the nearest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as elapsed:` ... then `elapsed[0]` holds the seconds taken."""
    box: list[float] = [math.nan]
    started = time.perf_counter()
    try:
        yield box
    finally:
        box[0] = time.perf_counter() - started


@dataclass(frozen=True)
class SemEvalAnswer:
    """One student answer of SemEval-2013 Task 7, with its question's reference answers."""

    corpus: str
    question_id: str  # "corpus:id"
    module: str  # "corpus:module", the science domain for SciEntsBank
    question: str
    references: tuple[str, ...]
    reference_ids: tuple[str, ...]
    typed: str
    answer_match: str | None  # the reference the annotators matched (Beetle), if any
    correct: bool


def read_semeval(folder: Path, corpus: str) -> list[SemEvalAnswer]:
    """Every student answer in a folder of SemEval-2013 XML files (one per question)."""
    out: list[SemEvalAnswer] = []
    for path in sorted(folder.glob("*.xml")):
        root = ET.parse(path).getroot()
        question = (root.findtext("questionText") or "").strip()
        refs = [
            (r.get("id", ""), (r.text or "").strip())
            for r in root.iter("referenceAnswer")
            if (r.text or "").strip()
        ]
        for sa in root.iter("studentAnswer"):
            out.append(
                SemEvalAnswer(
                    corpus=corpus,
                    question_id=f"{corpus}:{root.get('id', path.stem)}",
                    module=f"{corpus}:{root.get('module', '')}",
                    question=question,
                    references=tuple(t for _, t in refs),
                    reference_ids=tuple(i for i, _ in refs),
                    typed=(sa.text or "").strip(),
                    answer_match=sa.get("answerMatch"),
                    correct=sa.get("accuracy") == "correct",
                )
            )
    return out
