"""Opening a database: SQLite in one file (the embedded default) or PostgreSQL (a server).

SQLite runs in WAL mode with foreign keys on, a busy timeout, `synchronous=NORMAL` and
`BEGIN IMMEDIATE` for transactions that write, so that two processes never deadlock on a lock
upgrade. With WAL, `synchronous=NORMAL` means a commit is in the write-ahead log (in the
operating system's hands) when it returns, and the log is synced to disk at each checkpoint:
a process that is killed (kill -9, a crash) loses no committed answer, and the store is never
damaged; only a power cut or an operating-system crash can take back the last commits before
the checkpoint. That spares every answer an fsync, which is most of the time an answer takes.

A store that is only read (`read_only`) is opened with SQLite's `mode=ro`, so that it works in
a folder, or from a file, that cannot be written.

Migration is safe when several processes open a new store at once: it runs under a lock (a
lock file next to a SQLite store, an advisory lock on PostgreSQL), and the schema version is
read again once the lock is held.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError

from retain.storage.errors import StoreReadOnly, folder_writable, storage_errors
from retain.storage.schema import SCHEMA_REVISION

WRITE = "retain_write"
READ_ONLY = "retain_read_only"
BUSY_TIMEOUT_S = 30
MIGRATION_LOCK_ID = 0x7265_7461_696E  # "retain": the advisory lock a server's migration holds
SQLITE_HEADER = b"SQLite format 3\x00"
SERVER_POOL_SIZE = 16
"""Connections a process keeps open to a server database. A connection opened past these
is closed when it is given back, and opening one costs the server a new backend process:
16 is more requests than a process on two cores works on at once."""
SERVER_POOL_OVERFLOW = 64
"""Connections a process may open past `SERVER_POOL_SIZE` when more requests are at the
database at once. The web app runs at most 40 requests at once in a process (its thread
pool), and a request holds at most two connections at once (its transaction, and the
indexing of a deck it starts), so the pool never makes a request wait for a connection that
only a waiting request could give back."""


def database_url(target: str | Path) -> str:
    """A SQLAlchemy URL from a URL or a path to a SQLite file."""
    value = str(target)
    if "://" in value:
        if value.startswith("postgresql://"):
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        if value.startswith("postgres://"):
            return "postgresql+psycopg://" + value.removeprefix("postgres://")
        return value
    return f"sqlite:///{Path(value)}"


def open_engine(target: str | Path, *, read_only: bool = False) -> Engine:
    """An engine for the store at `target`. `read_only` opens a SQLite file read-only (a
    server database is opened the same either way)."""
    url = database_url(target)
    if url.startswith("sqlite"):
        if read_only:
            creator = functools.partial(connect_read_only, Path(target))
            engine = create_engine(url, creator=creator)
            engine.update_execution_options(**{READ_ONLY: True})
        else:
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
        _configure_sqlite(engine, read_only=read_only)
    else:
        engine = create_engine(url, pool_size=SERVER_POOL_SIZE, max_overflow=SERVER_POOL_OVERFLOW)
        _configure_server(engine)
    return engine


def _configure_server(engine: Engine) -> None:
    """A server database's pool hands out no connection that the driver knows is broken
    (the server restarted, or the connection dropped): the check reads the driver's own
    state, with no round trip to the server. A pre-ping (`SELECT 1` at every checkout)
    would cost one more round trip per transaction; a connection that breaks without the
    driver knowing fails its first statement, and the driver then marks it broken, so the
    next checkout replaces it."""

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if getattr(dbapi_connection, "closed", False) or getattr(
            dbapi_connection, "broken", False
        ):
            raise DisconnectionError("the connection to the database was closed")


def is_read_only(engine: Engine) -> bool:
    return bool(engine.get_execution_options().get(READ_ONLY))


def store_location(engine: Engine) -> str | Path:
    """Where the engine's store is, for messages: the SQLite file, or the server's URL
    without its password."""
    if engine.dialect.name == "sqlite" and engine.url.database:
        return Path(engine.url.database)
    return engine.url.render_as_string(hide_password=True)


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only driver connection to a SQLite file. A WAL store needs its shared-memory
    file, which a read-only folder cannot hold once the last writer has gone: there,
    nothing can be writing to the store either, so it is opened as immutable."""
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
    connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    try:
        connection.execute("PRAGMA schema_version").fetchone()
    except sqlite3.OperationalError:
        if folder_writable(path.parent):
            raise
        connection.close()
        connection = sqlite3.connect(
            uri + "&immutable=1", uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False
        )
    return connection


def _configure_sqlite(engine: Engine, *, read_only: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is switched off: SQLAlchemy's
        # "begin" event below emits BEGIN itself, IMMEDIATE when the work writes.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        else:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # see the docstring above
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: a large collection stays in memory
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        # Straight to the driver: exec_driver_sql would go through SQLAlchemy's whole
        # execution path (events, result set-up) for a statement that returns nothing.
        write = conn.get_execution_options().get(WRITE)
        driver: Any = conn.connection.driver_connection
        if write:
            begin_write(driver.execute, Path(engine.url.database or ""))
        else:
            driver.execute("BEGIN")


WAITING_SUFFIX = ".waiting"
"""A SQLite store's waiting file (the store's path with this suffix): its time of change
is the last time a connection found the write lock taken and began to wait for it. A long
run of writes (an import) looks at it between its transactions, and pauses only when
someone is waiting (see `Importer._import_batch`)."""

_SIGNALLED: dict[str, tuple[int, int]] = {}
"""The waiting file's last change made by this process, by store: (its time, the thread)."""


def begin_write(execute: Any, database: Path) -> None:
    """BEGIN IMMEDIATE on a SQLite driver connection (`execute`, its execute method). When
    another connection holds the write lock, the waiting file of `database` is touched
    first, and then the lock is waited for as every write waits for it (the busy
    timeout)."""
    execute("PRAGMA busy_timeout=0")
    try:
        execute("BEGIN IMMEDIATE")
        return
    except sqlite3.OperationalError as error:
        if getattr(error, "sqlite_errorcode", sqlite3.SQLITE_BUSY) & 0xFF != sqlite3.SQLITE_BUSY:
            raise
        _signal_waiting(database)
    finally:
        execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    execute("BEGIN IMMEDIATE")


def _signal_waiting(database: Path) -> None:
    path = str(database) + WAITING_SUFFIX
    try:
        with open(path, "a"):
            pass
        os.utime(path)
        _SIGNALLED[str(database)] = (os.stat(path).st_mtime_ns, threading.get_ident())
    except OSError:
        pass  # a folder that cannot be written: the wait is only longer


def writer_waiting(database: Path, seen: list[int | None]) -> bool:
    """Whether a connection other than this thread's has begun to wait for the write lock
    of `database` since the last call with the same `seen` (a one-item list that holds
    the waiting file's time between calls)."""
    try:
        mark: int | None = os.stat(str(database) + WAITING_SUFFIX).st_mtime_ns
    except OSError:
        mark = None
    if mark == seen[0]:
        return False
    seen[0] = mark
    own = _SIGNALLED.get(str(database))
    return mark is not None and own != (mark, threading.get_ident())


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        except Exception as error:  # no table yet: a new database
            if "alembic_version" not in str(error):
                raise
            return None
    return None if row is None else str(row[0])


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (the newest by default). Cheap when it is there
    already: alembic is imported only when there is work to do. Several processes may call
    this at once on a new store: one migrates, the others wait and find it done."""
    location = store_location(engine)
    with storage_errors(location):
        if revision == "head" and current_revision(engine) == SCHEMA_REVISION:
            return
        if engine.dialect.name == "sqlite":
            with _lock_file(Path(location)):
                _upgrade(engine, revision)
        else:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
                conn.commit()
                try:
                    _upgrade(engine, revision)
                finally:
                    conn.execute(
                        text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID}
                    )
                    conn.commit()


def check_revision(engine: Engine) -> None:
    """For a store opened read-only: refuse one whose schema is not the newest, since it
    cannot be migrated."""
    with storage_errors(store_location(engine)):
        found = current_revision(engine)
    if found != SCHEMA_REVISION:
        raise StoreReadOnly(
            f"the store at {store_location(engine)} needs an upgrade (schema {found or 'none'}, "
            f"this retain uses {SCHEMA_REVISION}) and cannot be written: make its folder "
            "writable and run any retain command once."
        )


def _lock_file(database: Path) -> Any:
    from filelock import FileLock

    return FileLock(str(database) + ".lock", timeout=BUSY_TIMEOUT_S * 4)


def _upgrade(engine: Engine, revision: str) -> None:
    # Read again under the lock: another process may have migrated while this one waited.
    if revision == "head" and current_revision(engine) == SCHEMA_REVISION:
        return
    if revision == "head" and engine.dialect.name == "sqlite" and _empty(engine):
        _create_from_script(engine)
        return
    from alembic import command

    config = alembic_config()
    with engine.connect().execution_options(**{WRITE: True}) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.commit()


NEW_STORE_SCRIPT = Path(__file__).with_name("new_store.sql")
"""The newest schema of a SQLite store as one script: what the migrations build in an empty
file, dumped (`schema_script`). A new store is made from it in one transaction, without
importing alembic or running every migration in turn; a test keeps it equal to what the
migrations build."""


def schema_script(database: Path) -> str:
    """The script that makes the store in `database` (a SQLite file) again: its tables,
    indexes, triggers and rows, as `sqlite3`'s dump gives them, in one transaction."""
    conn = sqlite3.connect(database)
    try:
        return "\n".join(conn.iterdump()) + "\n"
    finally:
        conn.close()


def write_new_store_script() -> None:
    """Write `NEW_STORE_SCRIPT` afresh from the migrations (after adding one):
    ``python -c "from retain.storage.engine import write_new_store_script as w; w()"``."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "new.sqlite3"
        engine = open_engine(database)
        try:
            migrate(engine, SCHEMA_REVISION)  # a revision by name: every migration is run
        finally:
            engine.dispose()
        NEW_STORE_SCRIPT.write_text(schema_script(database), encoding="utf-8")


def _empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() == 0


def _create_from_script(engine: Engine) -> None:
    """The newest schema in an empty SQLite file, from `NEW_STORE_SCRIPT`. The script is one
    transaction: a process killed while it runs leaves the file empty, to be made again."""
    script = NEW_STORE_SCRIPT.read_text(encoding="utf-8")
    stamp = int(time.time() * 1000)
    body, _, _ = script.rpartition("COMMIT;")
    raw = engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        # The local account is made now, as the migration that brings accounts makes it.
        driver.executescript(f"{body}UPDATE accounts SET created_at = {stamp};\nCOMMIT;\n")
    finally:
        raw.close()


def alembic_config() -> Any:
    """Alembic's configuration for retain's migrations, which live in the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "retain.storage:migrations")
    return config


def header_problem(path: Path) -> str | None:
    """What is wrong with a SQLite file's header, read without opening it as a database;
    None when it looks like a store (or the file does not exist yet, or is empty)."""
    try:
        with path.open("rb") as file:
            header = file.read(100)
            size = os.fstat(file.fileno()).st_size
    except FileNotFoundError:
        return None
    except OSError as error:
        return f"cannot be read: {error.strerror}"
    if not header:
        return None
    if len(header) < 100 or not header.startswith(SQLITE_HEADER):
        return "it is not a SQLite database"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return "its header names an impossible page size"
    if size % page_size:
        return "its size is not a whole number of pages: it was cut short or overwritten"
    return None
