"""Storage errors, turned into messages.

Whatever the database or the file system raises (SQLAlchemy's wrappers, the sqlite3 or
psycopg driver's own errors, an OSError) becomes one `StorageError` with a sentence a
person understands. The Collection's transactions, the store's migration and its opening
all pass their errors through `storage_errors`, so that every interface shows the same
message and none shows a traceback.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from retain.errors import CollectionError

REPAIR_HINT = "run `retain check --repair`: it saves a copy and recovers what it can"


class StorageError(CollectionError):
    """The store could not do what was asked. Nothing already stored is lost by it."""


class StoreLocked(StorageError):
    """Another process holds the write lock for longer than the busy timeout."""


class StoreFull(StorageError):
    """The disk (or the database's size limit) is full."""


class StoreReadOnly(StorageError):
    """The store, or the folder it lives in, cannot be written."""


class StoreCorrupt(StorageError):
    """The store's file is damaged."""


class StoreUnavailable(StorageError):
    """The store cannot be reached or opened for another reason."""


# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN = 10, 11, 13, 14
_SQLITE_NOTADB = 26

# PostgreSQL SQLSTATEs.
_PG_FULL = {"53100"}  # disk_full
_PG_READ_ONLY = {"25006"}  # read_only_sql_transaction
_PG_LOCKED = {"55P03", "40P01"}  # lock_not_available, deadlock_detected
_PG_CORRUPT = {"XX001", "XX002"}  # data_corrupted, index_corrupted


def _where(target: str | Path | None) -> str:
    if target is None:
        return "the store"
    value = str(target)
    if "://" in value:
        return "the database server"
    return f"the store at {value}"


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def locked(target: str | Path | None = None) -> StoreLocked:
    return StoreLocked(
        f"{_where(target)} is busy: another retain is writing to it (an import, perhaps). "
        "Nothing was lost; try again in a moment."
    )


def full(target: str | Path | None = None) -> StoreFull:
    return StoreFull(
        "the disk is full, so this could not be saved. Nothing already stored was lost: "
        "free some space and try again."
    )


def read_only(target: str | Path | None = None) -> StoreReadOnly:
    folder = ""
    if target is not None and "://" not in str(target):
        folder = f" ({Path(target).parent})"
    return StoreReadOnly(
        f"{_where(target)} cannot be written: its folder{folder} or the file is read-only. "
        "Commands that only read (decks, check, config) still work."
    )


def corrupt(target: str | Path | None = None, detail: str = "") -> StoreCorrupt:
    said = f" ({detail})" if detail else ""
    return StoreCorrupt(f"{_where(target)} is damaged{said}: {REPAIR_HINT}.")


def translate(error: BaseException, target: str | Path | None = None) -> StorageError | None:
    """The message for a storage error, or None when `error` is not one."""
    if isinstance(error, StorageError):
        return error
    cause = _driver_error(error)
    if isinstance(cause, sqlite3.Error):
        return _sqlite(cause, target)
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None or _is_psycopg(cause):
        return _postgres(cause, sqlstate, target)
    if isinstance(cause, OSError):
        return _os(cause, target)
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    if isinstance(error, DBAPIError):
        return StoreUnavailable(f"{_where(target)} failed: {_first_line(cause)}")
    if isinstance(error, SQLAlchemyError) and "connect" in str(error).lower():
        return StoreUnavailable(f"cannot open {_where(target)}: {_first_line(error)}")
    return None


def _driver_error(error: BaseException) -> BaseException:
    """The driver's own error inside a SQLAlchemy wrapper, or the error itself."""
    orig = getattr(error, "orig", None)
    return orig if isinstance(orig, BaseException) else error


def _is_psycopg(error: BaseException) -> bool:
    return type(error).__module__.startswith("psycopg")


def _sqlite(error: sqlite3.Error, target: str | Path | None) -> StorageError:
    code = getattr(error, "sqlite_errorcode", None)
    primary = None if code is None else code & 0xFF
    text = str(error).lower()
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in text:
        return locked(target)
    if primary == _SQLITE_FULL or "disk is full" in text:
        return full(target)
    if primary in (_SQLITE_READONLY, _SQLITE_PERM) or "readonly" in text:
        return read_only(target)
    if (
        primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
        or "malformed" in text
        or "not a database" in text
    ):
        return corrupt(target, _first_line(error))
    if isinstance(error, sqlite3.IntegrityError):
        # The schema's constraints are kept by every write retain makes, so a constraint
        # that fails means an index or a table no longer says what was written.
        return corrupt(target, _first_line(error))
    if primary == _SQLITE_CANTOPEN:
        if target is not None and "://" not in str(target):
            if not folder_writable(Path(target).parent) and Path(target).exists():
                return read_only(target)  # the store's -wal and -shm files cannot be made
        return StoreUnavailable(
            f"cannot open {_where(target)}: the file or its folder cannot be read or created"
        )
    if primary == _SQLITE_IOERR:
        return StoreUnavailable(
            f"{_where(target)} could not be read or written ({_first_line(error)}): "
            "check the disk. Nothing already stored was lost."
        )
    return StoreUnavailable(f"{_where(target)} failed: {_first_line(error)}")


def folder_writable(folder: Path) -> bool:
    """Whether a file can be made in `folder` (os.access alone says yes to root, even on a
    folder that is immutable)."""
    if not os.access(folder, os.W_OK):
        return False
    probe = folder / f".retain-probe-{os.getpid()}"
    try:
        probe.touch()
    except OSError:
        return False
    probe.unlink(missing_ok=True)
    return True


def _postgres(
    error: BaseException, sqlstate: str | None, target: str | Path | None
) -> StorageError:
    if sqlstate in _PG_FULL:
        return full(target)
    if sqlstate in _PG_READ_ONLY:
        return StoreReadOnly(f"{_where(target)} is read-only: it does not accept changes now.")
    if sqlstate in _PG_LOCKED:
        return locked(target)
    if sqlstate in _PG_CORRUPT:
        return corrupt(target, _first_line(error))
    if sqlstate is None or sqlstate.startswith("08"):  # connection exceptions
        return StoreUnavailable(f"cannot reach {_where(target)}: {_first_line(error)}")
    return StoreUnavailable(f"{_where(target)} failed: {_first_line(error)}")


def _os(error: OSError, target: str | Path | None) -> StorageError:
    if isinstance(error, TimeoutError):  # a lock file held too long by another process
        return locked(target)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return full(target)
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return read_only(target)
    name = f" {error.filename}" if error.filename else ""
    return StoreUnavailable(f"cannot use{name}: {error.strerror or _first_line(error)}")


@contextmanager
def storage_errors(target: str | Path | None = None) -> Iterator[None]:
    """Run a block, turning the storage errors it raises into a `StorageError`."""
    try:
        yield
    except Exception as error:
        translated = translate(error, target)
        if translated is None or translated is error:
            raise
        raise translated from error
