"""A big import beside a student who is studying: how long `retain import` takes and how
much memory it needs, and how long each answer recorded meanwhile waits for the store.

    .venv/bin/python benchmarks/import_scale.py [--cards 1000000]

The import runs as `retain import` in a child process, on a generated file of
`term<TAB>definition` lines; the parent answers cards of another deck of the same store
without a pause until the import has ended. Peak memory is the child's maximum resident set.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from retain.collection import Collection
from retain.core.model import DeckDraft, NoteDraft, Rating
from retain.paths import DATABASE_FILE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        deck = home / "cards.txt"
        with deck.open("w", encoding="utf-8") as out:
            for i in range(args.cards):
                out.write(f"term {i}\tthe definition of term number {i}, in a few words\n")
        size = deck.stat().st_size
        studied = DeckDraft(
            "Studied", "text/questions",
            tuple(NoteDraft(f"Question {i}?", (f"answer {i}",)) for i in range(100_000)),
        )
        with Collection.open(home / DATABASE_FILE, tz=UTC) as col:
            col.decks.import_deck(studied, now=datetime.now(UTC))
            col.set_setting("new_per_day", 1_000_000)
            target = col.decks.find("Studied")
            start = time.perf_counter()
            child = subprocess.Popen(
                [sys.executable, "-m", "retain", "--home", str(home), "import", str(deck)],
                stdout=subprocess.DEVNULL,
            )
            waits: list[float] = []
            while child.poll() is None:
                item = col.study.next_card(datetime.now(UTC), target)
                if item is None:
                    break
                began = time.perf_counter()
                col.study.answer(item.card.id, Rating.GOOD, datetime.now(UTC))
                waits.append(time.perf_counter() - began)
            child.wait()
            took = time.perf_counter() - start
            total = sum(c.total for c in col.decks.counts(datetime.now(UTC)))
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"retain import of {args.cards:,} cards ({size / 1e6:.0f} MB): {took:.1f} s, "
          f"peak memory {peak:.0f} MB, exit status {child.returncode}, {total:,} cards stored")
    if waits:
        waits.sort()
        print(
            f"answers recorded meanwhile: {len(waits):,}; time to record one: "
            f"median {statistics.median(waits) * 1000:.0f} ms, "
            f"p99 {waits[int(0.99 * (len(waits) - 1))] * 1000:.0f} ms, "
            f"max {waits[-1] * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
