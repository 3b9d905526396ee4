"""Backups of a SQLite store, as Anki keeps them.

A copy is made with SQLite's backup API (`sqlite3.Connection.backup`), which copies a
consistent snapshot even while another process studies. `daily_backup` makes one when the
newest is older than a day; the newest `KEEP` are kept, in the `backups/` folder of the data
directory. `restore` puts a backup in place of the store, after saving the current store
aside in the same folder.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from retain.storage.engine import BUSY_TIMEOUT_S, connect_read_only, header_problem
from retain.storage.errors import StorageError, StoreUnavailable, corrupt, storage_errors

BACKUP_FOLDER = "backups"
KEEP = 7
EVERY = timedelta(days=1)
_STAMP = "%Y-%m-%dT%H%M%SZ"
_PREFIX = "retain-"
_SUFFIX = ".sqlite3"


def backup_folder(store: Path) -> Path:
    return store.parent / BACKUP_FOLDER



def backup_to(source: Path, destination: Path) -> None:
    """Copy the store at `source` to the file `destination` (replaced whole, or left
    alone if the copy fails)."""
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    src = connect_read_only(source)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
        finally:
            dst.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    os.replace(partial, destination)


def _stamp_of(path: Path) -> datetime | None:
    name = path.name
    if not (name.startswith(_PREFIX) and name.endswith(_SUFFIX)):
        return None
    try:
        return datetime.strptime(name[len(_PREFIX) : -len(_SUFFIX)], _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def backups(store: Path) -> list[Path]:
    """The store's backups, newest first."""
    folder = backup_folder(store)
    if not folder.is_dir():
        return []
    found = [(stamp, p) for p in folder.iterdir() if (stamp := _stamp_of(p)) is not None]
    return [p for _, p in sorted(found, reverse=True)]


def backup_now(store: Path, now: datetime, *, keep: int = KEEP) -> Path:
    """Back the store up now; the oldest backups past `keep` are removed."""
    folder = backup_folder(store)
    with storage_errors(folder):
        folder.mkdir(parents=True, exist_ok=True)
        moment = now.astimezone(UTC).replace(microsecond=0)
        while (destination := folder / f"{_PREFIX}{moment.strftime(_STAMP)}{_SUFFIX}").exists():
            moment += timedelta(seconds=1)  # two backups within a second keep both
        backup_to(store, destination)
        for old in backups(store)[keep:]:
            old.unlink(missing_ok=True)
    return destination


def daily_backup(store: Path, now: datetime, *, keep: int = KEEP) -> Path | None:
    """Back the store up if it exists and its newest backup is older than a day; the
    backup made, or None. The store is read whole by `PRAGMA quick_check` first: a damaged
    store is reported (`StoreCorrupt`) and not copied over a sound backup."""
    if not store.exists() or store.stat().st_size == 0:
        return None
    existing = backups(store)
    newest = _stamp_of(existing[0]) if existing else None
    if newest is not None and now - newest < EVERY:
        return None
    with storage_errors(store):
        db = connect_read_only(store)
        try:
            result = db.execute("PRAGMA quick_check(3)").fetchall()
        finally:
            db.close()
    if result != [("ok",)]:
        raise corrupt(store, "; ".join(str(r[0]) for r in result))
    return backup_now(store, now, keep=keep)


def save_aside(store: Path, now: datetime, label: str, *, exact: bool = False) -> Path:
    """A copy of the store in the backup folder, named `retain-LABEL-<time>.sqlite3` so
    that it is never pruned as a daily backup. `exact`: the files byte for byte (with the
    write-ahead log), as a damaged store is kept; otherwise through the backup API, or byte
    for byte if the store is too damaged for it."""
    folder = backup_folder(store)
    with storage_errors(folder):
        folder.mkdir(parents=True, exist_ok=True)
        aside = folder / f"{_PREFIX}{label}-{now.astimezone(UTC).strftime(_STAMP)}{_SUFFIX}"
        if not exact:
            try:
                backup_to(store, aside)
                return aside
            except sqlite3.DatabaseError:
                pass
        shutil.copyfile(store, aside)
        for extra in ("-wal", "-shm"):
            side = Path(str(store) + extra)
            if side.exists():
                shutil.copyfile(side, Path(str(aside) + extra))
    return aside


def check_backup(path: Path) -> None:
    """Refuse a file that is not a sound store."""
    if not path.is_file():
        raise StoreUnavailable(f"no backup at {path}")
    problem = header_problem(path)
    if problem is None and path.stat().st_size == 0:
        problem = "it is empty"
    if problem is None:
        try:
            db = connect_read_only(path)
            try:
                result = db.execute("PRAGMA quick_check").fetchall()
            finally:
                db.close()
        except sqlite3.DatabaseError as error:
            problem = str(error)
        else:
            if result != [("ok",)]:
                problem = "; ".join(str(r[0]) for r in result[:3])
    if problem is not None:
        raise corrupt(path, problem)


def restore(store: Path, backup: Path, now: datetime) -> Path | None:
    """Put `backup` in place of the store, after saving the current store aside; returns
    where it was saved (None if there was no store)."""
    check_backup(backup)
    aside = save_aside(store, now, "before-restore") if store.exists() else None
    with storage_errors(store):
        src = connect_read_only(backup)
        try:
            dst = sqlite3.connect(store, timeout=BUSY_TIMEOUT_S)
            try:
                src.backup(dst)
            finally:
                dst.close()
        except sqlite3.DatabaseError:
            # The current file is too damaged to be written page by page: replaced whole.
            src.close()
            _replace_file(backup, store)
        finally:
            src.close()
    return aside


def _replace_file(source: Path, store: Path) -> None:
    fresh = store.with_name(store.name + ".restoring")
    shutil.copyfile(source, fresh)
    for extra in ("-wal", "-shm"):
        Path(str(store) + extra).unlink(missing_ok=True)
    os.replace(fresh, store)


__all__ = [
    "BACKUP_FOLDER", "KEEP", "StorageError", "backup_now", "backup_to", "backups",
    "check_backup", "daily_backup", "restore", "save_aside",
]
