"""Opening a database: SQLite in one file (the embedded default) or PostgreSQL (a server).

SQLite runs in WAL mode with foreign keys on, a busy timeout, `synchronous=FULL` (a commit
is on disk before it returns) and `BEGIN IMMEDIATE` for transactions that write, so that two
processes never deadlock on a lock upgrade.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection

from retain.storage.schema import SCHEMA_REVISION

WRITE = "retain_write"


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


def open_engine(target: str | Path) -> Engine:
    url = database_url(target)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is switched off: SQLAlchemy's
        # "begin" event below emits BEGIN itself, IMMEDIATE when the work writes.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA cache_size=-32768")  # 32 MiB: a large collection stays in memory
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        # Straight to the driver: exec_driver_sql would go through SQLAlchemy's whole
        # execution path (events, result set-up) for a statement that returns nothing.
        write = conn.get_execution_options().get(WRITE)
        driver: Any = conn.connection.driver_connection
        driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        except Exception:  # no table yet: a new database
            return None
    return None if row is None else str(row[0])


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (the newest by default). Cheap when it is there
    already: alembic is imported only when there is work to do."""
    if revision == "head" and current_revision(engine) == SCHEMA_REVISION:
        return
    from alembic import command

    config = alembic_config()
    with engine.connect().execution_options(**{WRITE: True}) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.commit()


def alembic_config() -> Any:
    """Alembic's configuration for retain's migrations, which live in the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "retain.storage:migrations")
    return config
