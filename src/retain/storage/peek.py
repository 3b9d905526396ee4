"""A quick look into a SQLite store with the standard library alone, for commands that only
read (`retain decks`, `retain config` without a value).

Opening a store through the Collection costs SQLAlchemy's import, most of a command's
start-up. These reads need none of it: they open the file read-only with `sqlite3` and run
the same queries as `col.decks.counts` and `Collection.settings`. The file is checked
as every open checks it (see storage/opening.py): SQLite reads its header and schema, and a
store of up to `QUICK_CHECK_LIMIT` bytes passes `PRAGMA quick_check`. `open_store` gives
None whenever the quick look cannot be trusted (no file yet, a schema that a migration must
bring up to date first, a file that cannot be opened read-only or does not pass its check),
and so does `read` when a query fails: the command then goes through the Collection, which
creates, upgrades or refuses the store with its message.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

VERSIONS = Path(__file__).parent / "migrations" / "versions"
LOCAL_ACCOUNT_ID = 1
"""As `schema.LOCAL_ACCOUNT_ID` (not imported: this module stays free of SQLAlchemy)."""
QUICK_CHECK_LIMIT = 16 * 1024 * 1024
"""As storage/opening.py: a store up to this size is read whole by `PRAGMA quick_check`."""

T = TypeVar("T")


@dataclass(frozen=True)
class DeckRow:
    """One line of `retain decks`: a deck and its counts of cards."""

    id: int
    name: str
    new: int
    learning: int
    due: int
    total: int


def newest_revision() -> str:
    """The newest migration's revision, from the names of the migration files ("0003" for
    0003_review_day_index.py), without importing alembic or the schema."""
    return max(p.name.split("_", 1)[0] for p in VERSIONS.glob("[0-9]*_*.py"))


def open_store(path: Path) -> sqlite3.Connection | None:
    """The store at `path`, open read-only, or None when the Collection must open it."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        sound = row is not None and str(row[0]) == newest_revision()
        if sound and path.stat().st_size <= QUICK_CHECK_LIMIT:
            sound = conn.execute("PRAGMA quick_check(3)").fetchall() == [("ok",)]
    except (sqlite3.Error, OSError):  # not a store, a damaged one, or one never set up
        sound = False
    if not sound:
        conn.close()
        return None
    return conn


def read(conn: sqlite3.Connection | None, query: Callable[[sqlite3.Connection], T]) -> T | None:
    """`query(conn)`, with the connection closed afterwards; None when there is no
    connection or the query fails (the Collection then reads, or says what is wrong)."""
    if conn is None:
        return None
    try:
        return query(conn)
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def deck_rows(conn: sqlite3.Connection, now_ms: int) -> list[DeckRow]:
    """Every deck with its counts of new, learning, due (by `now_ms`) and all cards, in
    the order decks were created; as `col.decks.counts`."""
    kept: dict[int, tuple[Any, ...]] = {
        row[0]: row[1:]
        for row in conn.execute("SELECT deck_id, total, new, learning FROM deck_card_counts")
    }
    due_by_deck: dict[int, int] = dict(
        conn.execute(
            "SELECT deck_id, count(*) FROM cards"
            " WHERE account_id = ? AND due IS NOT NULL AND due <= ? GROUP BY deck_id",
            (LOCAL_ACCOUNT_ID, now_ms),
        ).fetchall()
    )
    # Cards of an import that is not complete (state -1) are counted, but not shown.
    pending: dict[int, int] = dict(
        conn.execute(
            "SELECT deck_id, count(*) FROM cards WHERE account_id = ? AND state = -1"
            " GROUP BY deck_id",
            (LOCAL_ACCOUNT_ID,),
        ).fetchall()
    )
    counts = {
        deck_id: (total - pending.get(deck_id, 0), new, learn, due_by_deck.get(deck_id, 0))
        for deck_id, (total, new, learn) in kept.items()
    }
    rows = []
    for deck_id, name in conn.execute(
        "SELECT id, name FROM decks WHERE import_id IS NULL AND owner_id = ? ORDER BY id",
        (LOCAL_ACCOUNT_ID,),
    ):
        total, new, learn, due = counts.get(deck_id, (0, 0, 0, 0))
        rows.append(DeckRow(deck_id, name, int(new or 0), int(learn or 0), int(due or 0),
                            int(total)))
    return rows


def stored_settings(conn: sqlite3.Connection) -> dict[str, Any]:
    """The settings stored in the file (without the defaults of those never set)."""
    rows = conn.execute("SELECT key, value FROM settings")
    return {key: json.loads(value) for key, value in rows}
