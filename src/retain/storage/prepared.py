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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.sql import ClauseElement

from retain.storage.engine import store_location
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

    def data_version(self) -> int | None:
        """On SQLite, a number that changes whenever another connection (another process,
        or another connection of this one) has committed a change since it was last read;
        the commits of this connection do not change it. None on a server database, where
        no such number is kept."""
        if not self._sqlite:
            return None
        self._cursor.execute("PRAGMA data_version")
        return int(self._cursor.fetchone()[0])

    def execute(self, statement: ClauseElement, values: Mapping[str, Any]) -> Any:
        prepared: Prepared = self._prepare(statement)
        self._cursor.execute(prepared.sql, prepared.parameters(values))
        return prepared

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
            with self._lock:
                if self._own is None:
                    self._own = self.engine.raw_connection()
                    self._own_cursor = self._own.cursor()
                yield from self._run(
                    self._own, self._own_cursor, "BEGIN IMMEDIATE" if write else "BEGIN"
                )

    def _run(self, connection: Any, cursor: Any, begin: str | None) -> Iterator[Driver]:
        try:
            if begin:
                cursor.execute(begin)
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
