"""Reading and writing the text formats at scale: time and peak memory.

    .venv/bin/python benchmarks/text_formats.py [--lines 1000000] [--smoke]

For each format (CSV with a header, TSV as Anki's text export with HTML and tags,
Quizlet's text with semicolons between cards, ``term: definition`` lines, ``Q :: A``
lines, and cards of a question, a ``?`` line and answer lines) a file of about `--lines`
lines of generated cards is read by ``formats.read_path``, the reader ``retain import``
uses, each in a process of its own: "read s" is the read alone, timed inside; "peak MB" is
the process's high-water mark (Python itself is about 20 MB of it). Then the cards read
from the CSV are written back out in each format retain exports ("write s").
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _card(i: int) -> tuple[str, str, str]:
    return (
        f"What changed in district {i} after the reform?",
        f"rents rose by {i % 97}%",
        f"the council built {i % 13} schools",
    )


WRITERS: dict[str, Callable[[int], str]] = {
    "csv": lambda n: (
        "front,back,tags\n"
        + "".join(
            f'"{q}","{a}\n{b}",topic{i % 7}\n' for i, (q, a, b) in ((i, _card(i)) for i in range(n))
        )
    ),
    "anki text": lambda n: (
        "#separator:tab\n#html:true\n#tags column:3\n"
        + "".join(
            f"{q}\t{a}<br>{b}\ttopic{i % 7}\n" for i, (q, a, b) in ((i, _card(i)) for i in range(n))
        )
    ),
    "quizlet ;": lambda n: "".join(f"{q}\t{a}\n{b};" for q, a, b in map(_card, range(n))),
    "term: definition": lambda n: "".join(
        f"term {i}: {a}\n" for i, (_, a, _) in ((i, _card(i)) for i in range(n))
    ),
    "Q :: A": lambda n: "".join(f"{q} :: {a}\n" for q, a, _ in map(_card, range(n))),
    "question / ? / answer": lambda n: "".join(
        f"{q}\n?\n{a}\n{b}\n\n" for q, a, b in map(_card, range(n))
    ),
}
LINES_PER_CARD = {
    "csv": 2,
    "anki text": 1,
    "quizlet ;": 2,
    "term: definition": 1,
    "Q :: A": 1,
    "question / ? / answer": 5,
}


def _worker(kind: str, path: str) -> None:
    from retain import formats

    if kind == "read":
        began = time.perf_counter()
        deck = formats.read_path(Path(path), limit=False)
        elapsed = time.perf_counter() - began
        cards = len(deck.notes)
        writes: dict[str, float] = {}
    else:
        from retain.formats import delimited, markdown, quizlet

        deck = formats.read_path(Path(path), limit=False)
        cards = len(deck.notes)
        elapsed = 0.0
        writes = {}
        for name, write in (
            ("csv", lambda: delimited.write(deck, separator=",")),
            ("tsv", lambda: delimited.write(deck, separator="\t")),
            ("quizlet", lambda: quizlet.write(deck, card_separator=";")),
            ("markdown", lambda: markdown.write(deck)),
        ):
            began = time.perf_counter()
            write()
            writes[name] = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"s": elapsed, "cards": cards, "peak_mb": peak, "writes": writes}))


def _run(kind: str, path: Path) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(result.stderr.strip().splitlines()[-1])
    value: dict[str, object] = json.loads(result.stdout)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true", help="20,000 lines")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(*args.worker)
        return
    lines = 20_000 if args.smoke else args.lines
    with tempfile.TemporaryDirectory() as folder:
        print(f"Reading files of about {lines:,} lines (formats.read_path)")
        print(f"{'format':<24}{'cards':>10}{'MB':>8}{'read s':>9}{'peak MB':>9}")
        csv_path = None
        for name, write in WRITERS.items():
            path = Path(folder) / f"{name.replace(' ', '_').replace('/', '')}.txt"
            path.write_text(write(lines // LINES_PER_CARD[name]), encoding="utf-8")
            if name == "csv":
                csv_path = path
            size = path.stat().st_size / 1e6
            data = _run("read", path)
            print(
                f"{name:<24}{data['cards']:>10,}{size:>8.1f}{data['s']:>9.2f}"
                f"{data['peak_mb']:>9.0f}"
            )
        assert csv_path is not None
        data = _run("write", csv_path)
        writes = data["writes"]
        assert isinstance(writes, dict)
        print(f"\nWriting the {data['cards']:,} cards read from the CSV (s)")
        for name, seconds in writes.items():
            print(f"{name:<24}{seconds:>9.2f}")


if __name__ == "__main__":
    main()
