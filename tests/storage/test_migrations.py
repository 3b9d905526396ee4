from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from retain.collection import Collection
from retain.storage.engine import alembic_config, current_revision, migrate, open_engine
from retain.storage.schema import SCHEMA_REVISION, metadata


def test_schema_revision_is_the_newest_migration() -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_REVISION


def test_migrations_build_exactly_the_schema(store_target: str | Path) -> None:
    Collection.open(store_target).close()
    engine = open_engine(store_target)
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
