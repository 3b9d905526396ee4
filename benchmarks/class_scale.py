"""A class of many students on one deck: how long joining, assigning, a student's study
step and the teacher's report take, with each student's own cards.

    .venv/bin/python benchmarks/class_scale.py [--students 200] [--cards 1000] [--database URL]

Students are written straight into the accounts table (signing up hashes a password with
argon2id, which is not what is measured here). Prints one figure a line.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from retain.collection import Collection
from retain.core.model import DeckDraft, NoteDraft, Rating
from retain.storage import schema

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--database", help="a PostgreSQL URL (default: a SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        target = args.database or Path(folder) / "class.db"
        with Collection.open(target, tz=UTC) as col:
            run(col, args.students, args.cards)


def run(col: Collection, students: int, cards: int) -> None:
    col.set_setting("new_per_day", 1000)  # the study steps below all take new cards
    teacher = col.as_account(col.accounts.sign_up("Teacher", "correct horse battery", now=NOW).id)
    draft = DeckDraft(
        title="Class deck", format="text/questions",
        notes=tuple(
            NoteDraft(f"Question {i}?", (f"point {i}a", f"point {i}b")) for i in range(cards)
        ),
    )
    deck = teacher.decks.import_deck(draft, now=NOW).deck
    made = teacher.classes.create("Class", now=NOW)
    with col._write() as conn:
        first = int(conn.execute(select(func.max(schema.accounts.c.id))).scalar_one()) + 1
        conn.execute(insert(schema.accounts), [
            {"name": f"student {i}", "name_key": f"student {i}", "password_hash": None,
             "local": False, "created_at": 0}
            for i in range(students)
        ])
    ids = list(range(first, first + students))
    half = students // 2
    start = time.perf_counter()
    for account in ids[:half]:
        col.as_account(account).classes.join(made.join_code or "", now=NOW)
    joined = time.perf_counter() - start
    start = time.perf_counter()
    teacher.classes.assign(made.id, deck, now=NOW)
    assigned = time.perf_counter() - start
    start = time.perf_counter()
    for account in ids[half:]:
        col.as_account(account).classes.join(made.join_code or "", now=NOW)
    joined_after = time.perf_counter() - start
    with col._read() as conn:
        total = int(conn.execute(select(func.count()).select_from(schema.cards)).scalar_one())
    print(f"cards stored: {total} ({students} students x {cards} + the teacher's)")
    print(f"join before the deck is assigned: {joined / max(half, 1) * 1000:.1f} ms per student")
    print(f"assign to {half} students: {assigned:.2f} s ({half * cards} cards)")
    print(f"join after: {joined_after / max(students - half, 1) * 1000:.1f} ms per student "
          f"({cards} cards each)")
    student = col.as_account(ids[-1])
    [shared] = student.classes.decks(made.id)
    steps = []
    moment = NOW
    for _ in range(50):
        start = time.perf_counter()
        student.study.counts(moment, shared)
        item = student.study.next_card(moment, shared)
        assert item is not None
        student.study.answer(
            item.card.id, Rating.GOOD, moment, mode="type", points={0: True, 1: False}
        )
        steps.append(time.perf_counter() - start)
        moment += timedelta(seconds=10)
    steps.sort()
    print(f"a student's study step (counts, next card, answer): median {steps[25] * 1000:.1f} ms, "
          f"max {steps[-1] * 1000:.1f} ms over 50")
    start = time.perf_counter()
    report = teacher.classes.report(made.id, deck, now=moment)
    print(f"teacher's report over {len(report.students)} students: "
          f"{(time.perf_counter() - start) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
