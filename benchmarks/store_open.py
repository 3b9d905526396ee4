"""What it costs to open a store, and to check it, as the collection grows.

    .venv/bin/python benchmarks/store_open.py [--sizes 1000,10000,100000]

For each size a store is built in a temporary directory (each card with two reviews in the
log), then the script prints the median of 5 runs of: `Collection.open` and close (the
header and schema check every command makes), the same read-only, SQLite's
`PRAGMA quick_check` and `PRAGMA integrity_check`, and a backup made with the SQLite backup
API; and the size of the file.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from _common import median, stopwatch
from retain.collection import Collection
from retain.core.model import DeckDraft, NoteDraft
from retain.storage.backup import backup_to

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def build(path: Path, size: int) -> None:
    notes = tuple(
        NoteDraft(f"Question number {i} about topic {i % 97}?", (f"point {i} a", f"point {i} b"))
        for i in range(size)
    )
    with Collection.open(path, tz=UTC) as col:
        col.decks.import_deck(DeckDraft("Bench", "text/questions", notes), now=NOW)
    db = sqlite3.connect(path)
    stamp = int(NOW.timestamp() * 1000)
    db.execute(
        "INSERT INTO reviews"
        " (card_id, rating, reviewed_at, duration_ms, mode, state_before, account_id)"
        " SELECT id, 3, ?, 5000, 'flip', 0, account_id FROM cards UNION ALL"
        " SELECT id, 3, ? + 86400000, 5000, 'flip', 2, account_id FROM cards",
        (stamp, stamp),
    )
    db.commit()
    db.close()


def timed(action: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        with stopwatch() as elapsed:
            action()
        times.append(elapsed[0])
    return median(times)


def pragma(path: Path, name: str) -> Callable[[], object]:
    def run() -> object:
        db = sqlite3.connect(path)
        try:
            return db.execute(f"PRAGMA {name}").fetchall()
        finally:
            db.close()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    print(f"{'cards':>8} {'MB':>6} {'open':>8} {'open ro':>8} {'quick_check':>12} "
          f"{'integrity':>10} {'backup':>8}  (seconds, median of 5)")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "retain.sqlite3"
            build(path, size)
            print(f"{size:>8} {path.stat().st_size / 1e6:>6.1f} " + measure(path), flush=True)


def measure(path: Path) -> str:
    open_rw = timed(lambda: Collection.open(path).close())
    open_ro = timed(lambda: Collection.open(path, read_only=True).close())
    quick = timed(pragma(path, "quick_check"))
    integrity = timed(pragma(path, "integrity_check"))
    copy = timed(lambda: backup_to(path, path.with_name("copy.sqlite3")))
    return f"{open_rw:>8.4f} {open_ro:>8.4f} {quick:>12.4f} {integrity:>10.4f} {copy:>8.4f}"

if __name__ == "__main__":
    main()
