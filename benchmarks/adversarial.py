"""Hostile input: time and peak memory of the deck reader (`formats.read_data`) and of the
typed-answer grader (`grade_typed_answer`) on pathological inputs of 10k, 100k and 1M
characters, and how each grows per 10x. Linear work grows about 10x; the target is at most
12x for every ratio.

    .venv/bin/python benchmarks/adversarial.py [--sizes 10000,100000,1000000] [--only reader]

Times are CPU seconds, the best of several runs. Peak memory is what Python allocated at
most during the call (tracemalloc), measured in a second run so that tracing does not slow
the timed one. A run that takes longer than `--cap` seconds (20 by default), or whose next
size would take more than ten minutes at the growth seen so far, ends its row: the larger
sizes are skipped, and the table says so. A grader that refuses an answer past a stated
limit is timed all the same; the table marks the refusal.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field

from retain import formats
from retain.core.grading import grade_typed_answer
from retain.formats.errors import DeckImportError

# The reader's inputs: a function of the size, in characters.
READER_INPUTS: dict[str, Callable[[int], str]] = {
    "spaces in a line": lambda n: "a" + " " * n + "b",
    "spaces after '# '": lambda n: "# a" + " " * n + "b",
    "spaces after 'Q: '": lambda n: "Q: a" + " " * n + "b",
    "spaces after 'Q: ... A'": lambda n: "Q: a" + " " * (n // 2) + "b A" + " " * (n // 2),
    "blank lines": lambda n: "\n" * n,
    "blank lines in a deck": lambda n: "Why?\nbecause\n" + "\n" * n + "How?\nthus\n",
    "dashes": lambda n: "a " + "- " * (n // 2) + "b",
    "question marks": lambda n: "?" * n,
    "hashes": lambda n: "#" * n + " x",
    "Q: lines with no answer": lambda n: "Q: x\n" + "y\n" * (n // 2) + "A: z",
    "names and numbers": lambda n: ("Ada Lovelace 1843 " * (n // 18 + 1))[:n],
    "a deck of small cards": lambda n: "".join(
        f"Question {i}?\nanswer {i}\n" for i in range(n // 24 + 1)
    )[:n],
    "colons": lambda n: "a" + ":" * n + " b",
    "'::' and '>>' runs": lambda n: "a " + ":: >> " * (n // 6) + "b",
    "'?' lines": lambda n: "?\n" * (n // 2),
    "'---' lines": lambda n: "q\n" + "---\n" * (n // 4),
    "an unclosed quote (CSV)": lambda n: 'front,back\nq,"' + "x," * (n // 2),
    "quoted commas (CSV)": lambda n: "front,back\n" + '"a,b","c,d"\n' * (n // 12),
    "HTML tags never closed": lambda n: "#separator:tab\n#html:true\nq\t" + "<br<b" * (n // 5),
    "HTML scripts never closed": lambda n: "#separator:tab\n#html:true\nq\t"
    + "<script>" * (n // 8),
}

QUESTION = "What did the Treaty of Paris of 1856 settle after the Crimean War?"
POINTS = (
    "Russia lost the right to keep warships in the Black Sea",
    "the Danube was opened to the ships of every nation",
    "the Ottoman Empire was admitted to the Concert of Europe in 1856",
)

# The grader's typed answers.
GRADER_INPUTS: dict[str, Callable[[int], str]] = {
    "spaces": lambda n: "Russia" + " " * n + "Black Sea",
    "one word repeated": lambda n: ("warships " * (n // 9 + 1))[:n],
    "the points repeated": lambda n: (" ".join(POINTS) + ". ") * (n // 160 + 1),
    "names and numbers": lambda n: ("Ottoman 1856 Russia 1854 " * (n // 25 + 1))[:n],
    "dashes and question marks": lambda n: ("- ? " * (n // 4 + 1))[:n],
    "one long word": lambda n: "x" * n,
}


@dataclass
class Row:
    what: str
    name: str
    seconds: dict[int, float] = field(default_factory=dict)
    peak: dict[int, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def timed(call: Callable[[], object]) -> float:
    """The best CPU time of one call (CPU time, so that other work on the machine counts
    less), repeated at least five times and for at least half a second, unless one call
    takes more than a second."""
    best = float("inf")
    spent = 0.0
    runs = 0
    while spent < 0.5 or runs < 5:
        start = time.process_time()
        call()
        took = time.process_time() - start
        best = min(best, took)
        spent += took
        runs += 1
        if took > 1.0:
            break
    return best


def peak_bytes(call: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def read(text: str) -> Callable[[], object]:
    data = text.encode("utf-8")

    def call() -> object:
        try:
            return formats.read_data(data, source="benchmark")
        except DeckImportError as error:
            return error

    return call


def grade(typed: str, row: Row) -> Callable[[], object]:
    def call() -> object:
        try:
            return grade_typed_answer(QUESTION, POINTS, typed)
        except ValueError as error:  # refused past a stated limit
            if "refused" not in row.notes:
                row.notes.append("refused")
            return error

    return call


def measure(
    what: str, inputs: dict[str, Callable[[int], str]], sizes: list[int], cap: float
) -> list[Row]:
    rows = []
    for name, make in inputs.items():
        row = Row(what, name)
        for size in sizes:
            text = make(size)
            call = read(text) if what == "reader" else grade(text, row)
            seconds = timed(call)
            row.seconds[size] = seconds
            row.peak[size] = peak_bytes(call) if seconds <= cap else -1
            print(f"{what} {name} {size:,}: {seconds:.4f} s", file=sys.stderr)
            following = [s for s in sizes if s > size]
            if not following:
                continue
            growth = _ratio(row.seconds, size) or 10.0
            projected = seconds * max(growth, following[0] / size)
            if seconds > cap or projected > 600:
                row.notes.append(
                    f"{', '.join(f'{s:,}' for s in following)} skipped "
                    f"({seconds:.1f} s at {size:,}; about {projected:,.0f} s projected)"
                )
                break
        rows.append(row)
    return rows


def _ratio(values: dict[int, float] | dict[int, int], size: int) -> float | None:
    smaller = [s for s in values if s < size]
    if not smaller:
        return None
    previous = max(smaller)
    if values[previous] <= 0 or values[size] < 0:
        return None
    return values[size] / values[previous]


def report(rows: list[Row], sizes: list[int]) -> float:
    header = (
        f"{'':8} {'input':28}"
        + "".join(f" {f'{s:,} chars':>16}" for s in sizes)
        + "   time ×/10×     memory ×/10×"
    )
    print(header)
    worst = 0.0
    for row in rows:
        cells = []
        for size in sizes:
            if size in row.seconds:
                peak = row.peak[size]
                memory = f"{peak / 1e6:.1f} MB" if peak >= 0 else "-"
                cells.append(f"{row.seconds[size] * 1000:8.1f} ms {memory:>8}")
            else:
                cells.append(f"{'skipped':>19}")
        time_ratios = [_ratio(row.seconds, s) for s in sizes[1:] if s in row.seconds]
        memory_ratios = [_ratio(row.peak, s) for s in sizes[1:] if s in row.peak]
        shown = [r for r in time_ratios + memory_ratios if r is not None]
        worst = max([worst, *shown])
        print(
            f"{row.what:8} {row.name:28}"
            + "".join(f" {cell}" for cell in cells)
            + f"   {_ratios(time_ratios):>12}   {_ratios(memory_ratios):>12}"
            + (f"   ({'; '.join(row.notes)})" if row.notes else "")
        )
    return worst


def _ratios(values: list[float | None]) -> str:
    return " ".join("-" if v is None else f"{v:.1f}" for v in values) or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--only", choices=["reader", "grader"])
    parser.add_argument("--cap", type=float, default=20.0, help="seconds; see above")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    rows: list[Row] = []
    if args.only in (None, "reader"):
        rows += measure("reader", READER_INPUTS, sizes, args.cap)
    if args.only in (None, "grader"):
        rows += measure("grader", GRADER_INPUTS, sizes, args.cap)
    worst = report(rows, sizes)
    print(f"\nlargest growth per 10x: {worst:.1f} (target: at most 12)")


if __name__ == "__main__":
    main()
