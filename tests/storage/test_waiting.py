"""A write that finds SQLite's write lock taken says so in the store's waiting file, so that
a long run of writes (an import) pauses for it, and only for it."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from retain.storage.engine import WAITING_SUFFIX, WRITE, migrate, open_engine, writer_waiting
from retain.storage.prepared import PreparedStatements


def _store(tmp_path: Path) -> Path:
    database = tmp_path / "retain.sqlite3"
    engine = open_engine(database)
    migrate(engine)
    engine.dispose()
    return database


def test_a_write_with_the_lock_free_leaves_no_sign(tmp_path: Path) -> None:
    database = _store(tmp_path)
    engine = open_engine(database)
    try:
        with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            conn.execute(text("UPDATE settings SET value = value"))
        statements = PreparedStatements(engine)
        with statements.transaction(write=True):
            pass
        statements.close()
    finally:
        engine.dispose()
    assert not Path(str(database) + WAITING_SUFFIX).exists()
    assert not writer_waiting(database, [None])


def test_a_write_that_waits_for_the_lock_says_so(tmp_path: Path) -> None:
    database = _store(tmp_path)
    holder, waiter = open_engine(database), open_engine(database)
    seen: list[int | None] = [None]
    assert not writer_waiting(database, seen)
    done = threading.Event()

    def write_later() -> None:
        statements = PreparedStatements(waiter)
        with statements.transaction(write=True):
            pass  # BEGIN IMMEDIATE: the write lock, held until the block ends
        statements.close()
        done.set()

    try:
        with holder.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            thread = threading.Thread(target=write_later)
            thread.start()
            waiting = Path(str(database) + WAITING_SUFFIX)
            for _ in range(2000):  # a hang guard: the waiter touches the file at once
                if waiting.exists():
                    break
                done.wait(0.01)
            assert waiting.exists() and not done.is_set()
            # Another thread's wait is a wait; seen once, it is not reported again.
            assert writer_waiting(database, seen)
            assert not writer_waiting(database, seen)
        thread.join(timeout=60)
        assert done.is_set()
    finally:
        holder.dispose()
        waiter.dispose()
