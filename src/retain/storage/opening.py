"""Opening a store: the folder made, the file checked, read-only when that is all the
caller needs.

Every open reads the file's header (is it SQLite, is its size a whole number of pages) and
its schema: both cost the same at 10 cards and at a million. A store of up to
`QUICK_CHECK_LIMIT` bytes (about 15,000 cards) is then read whole by SQLite's
`PRAGMA quick_check`, which costs about 2.5 ms a megabyte, so at most 0.04 s. A larger
store is read whole once a day instead, by the day's backup (see storage/backup.py), which
runs beside the study session rather than before its first question. Between those checks
a damaged page is found when it is read: the error then becomes a `StoreCorrupt` message
that points at `retain check --repair`, and nothing is written into the damaged file.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine

from retain.storage.engine import current_revision, header_problem, open_engine
from retain.storage.errors import corrupt, folder_writable, storage_errors
from retain.storage.schema import SCHEMA_REVISION

QUICK_CHECK_LIMIT = 16 * 1024 * 1024


def open_store(target: str | Path, *, read_only: bool = False) -> Engine:
    """An engine on the store at `target` (a SQLite path or a database URL). The store is
    refused with a message when its file is damaged. `read_only` opens an existing SQLite
    file read-only; a store that does not exist yet is created either way."""
    if "://" in str(target):
        return open_engine(target)
    path = Path(target)
    with storage_errors(path):
        problem = header_problem(path)
        if problem is not None:
            raise corrupt(path, problem)
        engine = None
        if read_only and path.exists():
            engine = open_engine(path, read_only=True)
            if current_revision(engine) != SCHEMA_REVISION and writable(path):
                engine.dispose()  # a store that needs migrating is opened to be migrated
                engine = None
        if engine is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = open_engine(path)
        try:
            _read_schema(engine)
            if path.stat().st_size <= QUICK_CHECK_LIMIT:
                _quick_check(engine, path)
        except BaseException:
            engine.dispose()
            raise
    return engine


def _quick_check(engine: Engine, path: Path) -> None:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("PRAGMA quick_check(3)").all()
    if [tuple(row) for row in rows] != [("ok",)]:
        raise corrupt(path, "; ".join(str(row[0]) for row in rows))


def _read_schema(engine: Engine) -> None:
    """Make SQLite read the schema (and so its pages): a store whose first pages are
    damaged is refused at once."""
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()


def writable(path: Path) -> bool:
    """Whether the store at `path` could be written (its folder and file)."""
    if not (os.access(path.parent, os.W_OK) and os.access(path, os.W_OK)):
        return False
    try:  # os.access says yes to root even where nothing can be written
        with path.open("r+b"):
            pass
    except OSError:
        return False
    return folder_writable(path.parent)
