"""Statements compiled once and run straight on the database driver.

The study path (record an answer, fetch the next card) runs a handful of small statements
thousands of times. Through SQLAlchemy's execution layer each one costs several times what
the database takes to run it, so the Collection compiles those statements once for the
engine's dialect, with SQLAlchemy, and runs the SQL text on the driver's own cursor. The
statements are still written once, in SQLAlchemy Core, and run the same on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.sql import ClauseElement

from retain.storage.engine import begin_write, store_location
from retain.storage.errors import storage_errors


class Prepared:
    """One statement compiled for one dialect: its SQL text and how to lay out parameters."""

    def __init__(self, statement: ClauseElement, engine: Engine) -> None:
        compiled: Any = statement.compile(dialect=engine.dialect)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("a prepared statement cannot have IN lists or literal parameters")
        self.statement = statement  # keeps the statement (and so its id) alive
        self.sql = str(compiled)
        # Values fixed in the statement itself (such as `state == 0`); the rest come per call.
        self.defaults = {
            name: bind.value
            for bind, name in compiled.bind_names.items()
            if not bind.required and bind.value is not None
        }
        self.order: tuple[str, ...] | None = (
            tuple(compiled.positiontup) if compiled.positiontup else None
        )
        self.row_type: Any = None

    def parameters(self, values: Mapping[str, Any]) -> Any:
        merged = {**self.defaults, **values}
        if self.order is not None:
            return tuple(merged[name] for name in self.order)
        return merged


class Driver:
    """A driver cursor inside one transaction, running prepared statements."""

    def __init__(self, cursor: Any, prepare: Any, *, sqlite: bool = False) -> None:
        self._cursor = cursor
        self._prepare = prepare
        self._sqlite = sqlite
        self._data_version: int | None = None

    def data_version(self) -> int | None:
        """On SQLite, a number that changes whenever another connection (another process,
        or another connection of this one) has committed a change since it was last read;
        the commits of this connection do not change it. None on a server database, where
        no such number is kept. Read once per transaction: read before anything else in it,
        it is never newer than what the transaction reads."""
        if not self._sqlite:
            return None
        if self._data_version is None:
            self._cursor.execute("PRAGMA data_version")
            self._data_version = int(self._cursor.fetchone()[0])
        return self._data_version

    def execute(self, statement: ClauseElement, values: Mapping[str, Any]) -> Any:
        prepared: Prepared = self._prepare(statement)
        self._cursor.execute(prepared.sql, prepared.parameters(values))
        return prepared

    def execute_many(self, statement: ClauseElement, rows: Sequence[Mapping[str, Any]]) -> None:
        """`statement` once for each of `rows` (the driver's executemany)."""
        if rows:
            prepared: Prepared = self._prepare(statement)
            self._cursor.executemany(prepared.sql, [prepared.parameters(r) for r in rows])

    def all(self, statement: ClauseElement, values: Mapping[str, Any]) -> list[Any]:
        prepared = self.execute(statement, values)
        rows = self._cursor.fetchall()
        if prepared.row_type is None:
            names = [column[0] for column in self._cursor.description]
            prepared.row_type = namedtuple("Row", names, rename=True)  # type: ignore[misc]
        return [prepared.row_type._make(row) for row in rows]

    def first(self, statement: ClauseElement, values: Mapping[str, Any]) -> Any:
        rows = self.all(statement, values)
        return rows[0] if rows else None

    def scalar(self, statement: ClauseElement, values: Mapping[str, Any]) -> Any:
        self.execute(statement, values)
        row = self._cursor.fetchone()
        return None if row is None else row[0]


class PreparedStatements:
    """The prepared statements of one engine, and transactions on its driver connections."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cache: dict[int, Prepared] = {}
        self._sqlite = engine.dialect.name == "sqlite"
        self._location = store_location(engine)
        # SQLite runs one writer at a time anyway, so the study path keeps one connection of
        # its own (taken from the pool on first use) instead of checking one out per call;
        # the lock lets threads share it. A server database checks out a pooled connection
        # per transaction, so that many students can study at once.
        self._own: Any = None
        self._own_cursor: Any = None
        self._lock = threading.Lock()
        self.write_lock = threading.Lock()
        """Held by a writing transaction of the study path, and by the deck index's writes
        in the background (`DeckIndex`): a thread of this process that waits to write then
        waits on this lock, and goes on the moment the other commits, instead of waiting
        on SQLite's lock, whose retries sleep longer and longer."""

    def prepare(self, statement: ClauseElement) -> Prepared:
        prepared = self._cache.get(id(statement))
        if prepared is None or prepared.statement is not statement:
            prepared = Prepared(statement, self.engine)
            self._cache[id(statement)] = prepared
        return prepared

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Driver]:
        """One transaction on a driver connection: committed when the block ends, rolled
        back if it raises. On SQLite a writing transaction takes the write lock at once
        (BEGIN IMMEDIATE). A storage error comes out as a `StorageError` (storage/errors.py)."""
        with storage_errors(self._location):
            if not self._sqlite:
                connection = self.engine.raw_connection()
                try:
                    yield from self._run(connection, connection.cursor(), None)
                finally:
                    connection.close()
                return
            with self._lock, self.write_lock if write else nullcontext():
                if self._own is None:
                    self._own = self.engine.raw_connection()
                    self._own_cursor = self._own.cursor()
                yield from self._run(self._own, self._own_cursor, write)

    @contextmanager
    def reads(self) -> Iterator[Driver]:
        """Reads that need no snapshot in common (one statement, say), each its own
        transaction on a server database: no BEGIN and no COMMIT, so one round trip a
        statement. On SQLite, a read transaction."""
        if self._sqlite:
            with self.transaction(write=False) as db:
                yield db
            return
        with storage_errors(self._location):
            connection = self.engine.raw_connection()
            try:
                driver_connection: Any = connection.dbapi_connection
                driver_connection.autocommit = True
                try:
                    yield Driver(connection.cursor(), self.prepare)
                finally:
                    driver_connection.autocommit = False
            finally:
                connection.close()

    def _run(self, connection: Any, cursor: Any, write: bool | None) -> Iterator[Driver]:
        """A transaction on `cursor`: on SQLite it begins with BEGIN IMMEDIATE (`write`) or
        BEGIN; a server connection (`write` None) is already in one."""
        try:
            if write:  # SQLite: take the write lock at once
                begin_write(cursor.execute, Path(self._location))
            elif write is not None:
                cursor.execute("BEGIN")
            yield Driver(cursor, self.prepare, sqlite=self._sqlite)
        except BaseException:
            connection.rollback()
            raise
        connection.commit()

    def close(self) -> None:
        with self._lock:
            if self._own is not None:
                self._own_cursor.close()
                self._own.close()
                self._own = self._own_cursor = None


class OneTransaction(PreparedStatements):
    """Every transaction asked of it, prepared (`transaction`) or through SQLAlchemy
    (`connection`), is part of one transaction on one pooled connection, checked out at
    the first statement: `finish` commits it (rolls it back after an error) and gives the
    connection back. For a request of a server database, which then costs one checkout, one
    BEGIN and one COMMIT, however many reads and writes it makes.

    A block that raises inside it does not roll back what came before (the whole is rolled
    back by `finish`), so it is for work that ends at its first error, as a request does.
    The compiled statements are those of the `PreparedStatements` it is made from."""

    def __init__(self, shared: PreparedStatements) -> None:
        super().__init__(shared.engine)
        self._shared = shared
        self._pooled: Any = None
        """The pooled driver connection of the transaction, checked out at its first
        statement."""
        self._connection: Any = None
        """The SQLAlchemy connection over `_pooled`, made only when something asks for it
        (`connection`): the prepared statements run on the driver's cursor alone."""
        self._reading = False
        self._driver: Driver | None = None
        self._committed: list[Callable[[], None]] = []
        self.memo: dict[Any, Any] = {}
        """What the transaction has read and may read again (the exams ahead, the day's
        answers): emptied by every write, and gone with the transaction."""

    def prepare(self, statement: ClauseElement) -> Prepared:
        return self._shared.prepare(statement)

    def _driver_connection(self, *, write: bool) -> Any:
        """The driver connection of the transaction (checked out on first use).

        Until the first write the connection is in autocommit: on a server database read
        committed gives each statement a snapshot of its own anyway, so reads need no
        transaction, and one that only reads costs no BEGIN and no COMMIT. The first
        write (or `FOR UPDATE` read, which is made in a writing transaction) begins it."""
        if write:
            self.memo.clear()
        if self._pooled is None:
            with storage_errors(self._location):
                pooled: Any = self.engine.raw_connection()
                try:
                    pooled.dbapi_connection.autocommit = True
                except BaseException:
                    pooled.close()
                    raise
            self._pooled = pooled
            self._reading = True
        if write and self._reading:
            self._pooled.dbapi_connection.autocommit = False
            self._reading = False
        return self._pooled.dbapi_connection

    def connection(self, *, write: bool = True) -> Any:
        """The SQLAlchemy connection of the transaction, over its driver connection (made
        on first use; autocommit until the first write, see `_driver_connection`)."""
        self._driver_connection(write=write)
        if self._connection is None:
            connection: Any = Connection(self.engine, self._pooled)
            connection.begin()
            self._connection = connection
        return self._connection

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Driver]:
        driver_connection = self._driver_connection(write=write)  # a write begins it
        if self._driver is None:
            self._driver = Driver(driver_connection.cursor(), self.prepare, sqlite=self._sqlite)
        try:
            with storage_errors(self._location):
                yield self._driver
        finally:
            if write:
                self.memo.clear()

    @contextmanager
    def reads(self) -> Iterator[Driver]:
        """Reads on the connection of the transaction, like any other (until its first
        write, each is a transaction of its own there too)."""
        with self.transaction(write=False) as db:
            yield db

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the transaction has committed (never, if it rolls back): for
        what may be known beyond it only once its writes are there for everyone."""
        self._committed.append(action)

    def finish(self, *, commit: bool) -> None:
        pooled, connection = self._pooled, self._connection
        self._pooled = self._connection = self._driver = None
        actions, self._committed = self._committed, []
        if pooled is None:
            if commit:
                for action in actions:
                    action()
            return
        # Through the SQLAlchemy connection when there is one (it then knows its
        # transaction has ended), else on the pooled connection itself.
        held: Any = pooled if connection is None else connection
        with storage_errors(self._location):
            try:
                if commit:
                    held.commit()
                else:
                    held.rollback()
                pooled.dbapi_connection.autocommit = False
            except BaseException:
                held.invalidate()  # not given back to the pool as it is
                raise
            finally:
                held.close()
        if commit:
            for action in actions:
                action()

    def close(self) -> None:
        self.finish(commit=False)
