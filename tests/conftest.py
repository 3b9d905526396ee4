"""Shared fixtures. Storage tests run on a real SQLite file, and on a real PostgreSQL
server whenever RETAIN_TEST_DATABASE_URL is set (for example
postgresql://postgres@127.0.0.1:5432/postgres): each test gets a database of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from retain.collection import Collection
from retain.core.model import DeckDraft, NoteDraft

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "src" / "retain" / "data" / "unit1-stalin-flashcards.txt"

POSTGRES_URL = os.environ.get("RETAIN_TEST_DATABASE_URL")

backends = [pytest.param("sqlite", id="sqlite")]
if POSTGRES_URL:
    backends.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("RETAIN_TEST_DATABASE_URL is not set")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from retain.storage.engine import database_url

    admin_url = make_url(database_url(POSTGRES_URL))
    name = f"retain_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A PostgreSQL database holding a new, empty collection (the schema made, nothing
    stored), from which each test's store is copied: copying it is quicker than making
    the schema again for every test."""
    if not POSTGRES_URL:
        pytest.skip("RETAIN_TEST_DATABASE_URL is not set")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from retain.storage.engine import database_url

    admin_url = make_url(database_url(POSTGRES_URL))
    name = f"retain_template_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        Collection.open(admin_url.set(database=name).render_as_string(hide_password=False),
                        tz=UTC).close()
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_store(postgres_template: str) -> Iterator[str]:
    """A PostgreSQL database of its own holding a new, empty collection, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from retain.storage.engine import database_url

    assert POSTGRES_URL is not None
    admin_url = make_url(database_url(POSTGRES_URL))
    name = f"retain_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=backends)
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    if request.param == "sqlite":
        return tmp_path / "retain.sqlite3"
    url: str = request.getfixturevalue("postgres_store")
    return url


@pytest.fixture(params=backends)
def empty_store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a store can be made from nothing: a new SQLite file, or an empty PostgreSQL
    database (for the tests of the schema's making and of upgrades)."""
    if request.param == "sqlite":
        return tmp_path / "retain.sqlite3"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def collection(store_target: str | Path) -> Iterator[Collection]:
    col = Collection.open(store_target, tz=UTC)
    try:
        yield col
    finally:
        col.close()


def make_draft(n: int = 3, *, title: str | None = "Test deck") -> DeckDraft:
    return DeckDraft(
        title=title,
        format="text/questions",
        notes=tuple(
            NoteDraft(f"Question {i}?", (f"answer {i} point a", f"answer {i} point b"))
            for i in range(n)
        ),
    )
SAMPLE_EXPECTED = REPO / "tests" / "data" / "unit1-stalin-flashcards.expected.json"
"""The parse the sample deck should give (a copy of the one published with the data)."""
