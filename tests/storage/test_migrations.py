from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from retain.collection import Collection
from retain.storage.engine import (
    NEW_STORE_SCRIPT,
    alembic_config,
    current_revision,
    migrate,
    open_engine,
    schema_script,
)
from retain.storage.schema import SCHEMA_REVISION, metadata


def test_schema_revision_is_the_newest_migration() -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_REVISION


def test_migrations_build_exactly_the_schema(empty_store_target: str | Path) -> None:
    Collection.open(empty_store_target).close()
    engine = open_engine(empty_store_target)
    try:
        assert current_revision(engine) == SCHEMA_REVISION
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    col = Collection.open(tmp_path / "c.sqlite3")
    try:
        with col.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            # NORMAL: in WAL mode a commit survives a killed process without an fsync.
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    finally:
        col.close()


def test_upgrade_from_the_first_schema_keeps_data(tmp_path: Path) -> None:
    from datetime import UTC

    from tests.conftest import NOW, make_draft

    path = tmp_path / "old.sqlite3"
    engine = open_engine(path)
    migrate(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO decks (id, name, title, source_format, created_at)"
            " VALUES (1, 'Old deck', NULL, 'text/questions', 0)"
        )
    engine.dispose()
    with Collection.open(path, tz=UTC) as col:
        assert [d.name for d in col.decks.all()] == ["Old deck"]
        assert current_revision(col.engine) == SCHEMA_REVISION
        col.decks.import_deck(make_draft(2), now=NOW, deck_name="Old deck")
        assert [c.total for c in col.decks.counts(NOW)] == [2]


def _without_stamps(script: str) -> str:
    """A store's script with the local account's creation time taken out (it is the time the
    store was made)."""
    local = r"(INSERT INTO \"accounts\" VALUES\(1,'local','local',NULL,1,)\d+"
    return re.sub(local, r"\1T", script)


def test_a_new_store_is_made_as_the_migrations_make_it(tmp_path: Path) -> None:
    """A new SQLite store is made from one script, not by running every migration: the
    script must make the very store the migrations make (after a new migration, write it
    again with `retain.storage.engine.write_new_store_script`)."""
    migrated = tmp_path / "migrated.sqlite3"
    engine = open_engine(migrated)
    try:
        migrate(engine, SCHEMA_REVISION)  # by name: every migration runs
    finally:
        engine.dispose()
    expected = _without_stamps(schema_script(migrated))
    assert _without_stamps(NEW_STORE_SCRIPT.read_text(encoding="utf-8")) == expected, (
        "new_store.sql is out of date: write it again with "
        "retain.storage.engine.write_new_store_script()"
    )
    made = tmp_path / "new.sqlite3"
    before = int(time.time() * 1000)
    Collection.open(made).close()
    assert _without_stamps(schema_script(made)) == expected
    with sqlite3.connect(made) as conn:
        [(created,)] = conn.execute("SELECT created_at FROM accounts WHERE local").fetchall()
    assert created >= before


def test_a_file_that_holds_other_tables_is_migrated_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE mine (x INTEGER)")
        conn.execute("INSERT INTO mine VALUES (7)")
    Collection.open(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT x FROM mine").fetchall() == [(7,)]
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (SCHEMA_REVISION,)
        ]
