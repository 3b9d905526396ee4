"""The terminal app is an interface over the Collection: its tests run on SQLite by default.
Their PostgreSQL runs (the storage itself is tested on both in tests/storage) are part of
the slow suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL

backends = [pytest.param("sqlite", id="sqlite")]
if POSTGRES_URL:
    backends.append(
        pytest.param("postgres", id="postgres", marks=[pytest.mark.postgres, pytest.mark.slow])
    )


@pytest.fixture(params=backends)
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    if request.param == "sqlite":
        return tmp_path / "retain.sqlite3"
    url: str = request.getfixturevalue("postgres_store")
    return url
