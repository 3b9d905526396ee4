"""A damaged SQLite store: what SQLite's integrity check says of it, and recovering what can
be read into a fresh store.

`recover` saves a copy of the damaged file first (in the backup folder), then copies every
row it can still read, table by table in the order the foreign keys need, into a new store
made by the migrations. A part of a table that cannot be read is stepped over: the rows
after it are found again by their row ids. Rows that point at rows lost with the damage (a
card whose note could not be read, say) are left out, and counted. The new store then takes
the old one's place. The card states are rebuilt from the review log afterwards
(`Collection.check(repair=True)`), since they are a cache of it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from retain.storage.backup import save_aside
from retain.storage.engine import connect_read_only, header_problem, migrate, open_engine
from retain.storage.errors import StoreCorrupt, storage_errors, translate
from retain.storage.schema import DERIVED_TABLES, metadata

_BATCH = 500
_NO_ROWID = -(2**63)


@dataclass
class Recovery:
    """What `recover` did: where the damaged file was saved, and per table the rows copied,
    whether unreadable parts were stepped over, and the rows left out because what they
    point at was lost."""

    saved: Path
    copied: dict[str, int] = field(default_factory=dict)
    damaged: list[str] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        lines = [f"The damaged store was saved as {self.saved}."]
        for table, count in self.copied.items():
            note = " (an unreadable part was skipped)" if table in self.damaged else ""
            lines.append(f"Recovered {count} rows of {table}{note}.")
        for table, count in self.left_out.items():
            lines.append(
                f"Left out {count} rows of {table} that point at rows lost with the damage "
                "(they are in the saved copy)."
            )
        return lines



def integrity_problems(path: Path, *, limit: int = 20) -> list[str]:
    """SQLite's `PRAGMA integrity_check` of the file, as lines; empty when it is sound.
    Never raises: a file that cannot be checked at all gets one line that says why."""
    problem = header_problem(path)
    if problem is not None:
        return [problem]
    if not path.exists():
        return []
    try:
        db = connect_read_only(path)
        try:
            rows = db.execute(f"PRAGMA integrity_check({int(limit)})").fetchall()
        finally:
            db.close()
    except sqlite3.Error as error:
        translated = translate(error, path)
        if translated is None or isinstance(translated, StoreCorrupt):
            return [str(error)]
        raise translated from error  # not damage: busy, or cannot be opened
    found = [str(row[0]) for row in rows]
    return [] if found == ["ok"] else found


def recover(path: Path, now: datetime) -> Recovery:
    """Save the damaged store aside, copy what can be read into a fresh store, and put the
    fresh store in its place."""
    with storage_errors(path):
        recovery = Recovery(save_aside(path, now, "damaged", exact=True))
        fresh = path.with_name(path.name + ".recovering")
        _remove_store(fresh)
        engine = open_engine(fresh)
        try:
            migrate(engine)
        finally:
            engine.dispose()
        source = connect_read_only(path)
        target = sqlite3.connect(fresh, isolation_level=None)
        try:
            target.execute("PRAGMA foreign_keys=OFF")
            target.execute("BEGIN")
            for table in metadata.sorted_tables:
                if table.name not in DERIVED_TABLES:  # made again from what is copied
                    _copy_table(source, target, table.name, recovery)
            _leave_out_orphans(target, recovery)
            target.execute("COMMIT")
            target.execute("PRAGMA journal_mode=DELETE")  # one file, ready to take the place
        finally:
            source.close()
            target.close()
        for extra in ("-wal", "-shm"):
            Path(str(path) + extra).unlink(missing_ok=True)
        os.replace(fresh, path)
    return recovery


def _remove_store(path: Path) -> None:
    for extra in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + extra).unlink(missing_ok=True)


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in db.execute(f'PRAGMA table_info("{table}")')]


def _copy_table(
    source: sqlite3.Connection, target: sqlite3.Connection, table: str, recovery: Recovery
) -> None:
    try:
        present = set(_columns(source, table))
    except sqlite3.DatabaseError:
        present = set()
    names = [name for name in _columns(target, table) if name in present]
    if not names:
        recovery.copied[table] = 0
        recovery.damaged.append(table)
        return
    quoted = ", ".join(f'"{name}"' for name in names)
    insert = (
        f'INSERT OR IGNORE INTO "{table}" ({quoted}) VALUES ({", ".join("?" * len(names))})'
    )
    count = 0
    rows = _readable_rows(source, table, quoted, recovery)
    while True:
        chunk = [row for _, row in zip(range(_BATCH), rows, strict=False)]
        if not chunk:
            break
        target.executemany(insert, chunk)
        count += len(chunk)
    recovery.copied[table] = count


def _readable_rows(
    db: sqlite3.Connection, table: str, columns: str, recovery: Recovery
) -> Iterator[tuple[Any, ...]]:
    """The rows of `table` that can be read, in row id order, stepping over parts that
    cannot be read."""
    batch_sql = f'SELECT rowid, {columns} FROM "{table}" WHERE rowid > ? ORDER BY rowid LIMIT '
    ceiling = _max_rowid(db, table)
    after = _NO_ROWID
    while True:
        rows = _try(db, batch_sql + str(_BATCH), after)
        if rows is None:  # something in the next batch is unreadable: go row by row
            rows = _try(db, batch_sql + "1", after)
        if rows is None:
            if table not in recovery.damaged:
                recovery.damaged.append(table)
            skipped_to = _skip(db, batch_sql + "1", after, ceiling)
            if skipped_to is None:
                return
            after = skipped_to
            continue
        if not rows:
            return
        for row in rows:
            yield tuple(row[1:])
        after = int(rows[-1][0])


def _try(db: sqlite3.Connection, sql: str, after: int) -> list[tuple[Any, ...]] | None:
    try:
        return db.execute(sql, (after,)).fetchall()
    except sqlite3.DatabaseError:
        return None


def _max_rowid(db: sqlite3.Connection, table: str) -> int | None:
    try:
        row = db.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()
    except sqlite3.DatabaseError:
        return None
    return None if row is None or row[0] is None else int(row[0])


def _skip(db: sqlite3.Connection, one_sql: str, after: int, ceiling: int | None) -> int | None:
    """The smallest row id past `after` from which the table can be read again (found by
    steps that double, then halving back), or None when nothing further can be read."""
    start = 0 if after == _NO_ROWID else after
    jump = 1
    while _try(db, one_sql, start + jump) is None:
        jump *= 2
        if (ceiling is not None and start + jump >= ceiling) or jump > 2**62:
            return None
    low, high = start, start + jump  # reading fails after `low`, works after `high`
    while high - low > 1:
        middle = (low + high) // 2
        if _try(db, one_sql, middle) is None:
            low = middle
        else:
            high = middle
    return high


def _leave_out_orphans(target: sqlite3.Connection, recovery: Recovery) -> None:
    """Delete rows whose foreign keys point at rows that were lost, until none is left (a
    card left out leaves its reviews pointing at nothing)."""
    while True:
        orphans = target.execute("PRAGMA foreign_key_check").fetchall()
        if not orphans:
            return
        for table, rowid, _parent, _key in orphans:
            target.execute(f'DELETE FROM "{table}" WHERE rowid = ?', (rowid,))
            recovery.left_out[table] = recovery.left_out.get(table, 0) + 1
