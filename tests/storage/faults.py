"""Ways to make real SQLite stores fail: a size limit (SQLite's own "database or disk is
full"), a tiny file system, a read-only folder, a page of garbage, a held write lock."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event

from retain.collection import Collection


def limit_pages(col: Collection, extra_pages: int) -> None:
    """From now on the collection's connections may grow the file by `extra_pages` pages
    at most: past that, SQLite itself raises "database or disk is full"."""
    with col.engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    limit = pages + extra_pages

    @event.listens_for(col.engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={limit}")

    col._prepared.close()  # connections made before the limit are dropped
    col.engine.dispose()


def no_busy_wait(col: Collection) -> None:
    """The collection gives up at once on a lock another process holds."""

    @event.listens_for(col.engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    col._prepared.close()
    col.engine.dispose()


@contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    """Another connection holds the store's write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("mount") is not None


@contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path | None]:
    """A tmpfs of `size` mounted at `folder`, or None where the machine does not allow it."""
    folder.mkdir(parents=True, exist_ok=True)
    if not can_mount():
        yield None
        return
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True, check=False,
    )
    if done.returncode != 0:
        yield None
        return
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def remount_read_only(folder: Path) -> bool:
    done = subprocess.run(
        ["mount", "-o", "remount,ro", str(folder)], capture_output=True, check=False
    )
    return done.returncode == 0


def page_of(path: Path, name: str, *, leaf: bool = True) -> int:
    """The number of a page of the table or index `name` (a leaf, by default), from the
    middle of its pages."""
    db = sqlite3.connect(path)
    try:
        kind = "leaf" if leaf else "internal"
        pages = [
            int(row[0])
            for row in db.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = ? ORDER BY pageno",
                (name, kind),
            )
        ]
    finally:
        db.close()
    assert pages, f"{name} has no {kind} pages"
    return pages[len(pages) // 2]


def write_garbage(path: Path, page: int) -> None:
    """Overwrite one page of the file with bytes that are no b-tree page."""
    db = sqlite3.connect(path)
    page_size = int(db.execute("PRAGMA page_size").fetchone()[0])
    db.close()
    with path.open("r+b") as file:
        file.seek((page - 1) * page_size)
        file.write((b"\xde\xad\xbe\xef garbage " * page_size)[:page_size])


def checkpoint(path: Path) -> None:
    """Move everything from the write-ahead log into the main file."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
