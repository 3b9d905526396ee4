"""Where retain keeps its data: the platform's user data directory, unless RETAIN_HOME or
--home says otherwise. RETAIN_DATABASE_URL points at a database server instead of the file."""

from __future__ import annotations

import os
from pathlib import Path

DATABASE_FILE = "retain.sqlite3"


def data_home(override: str | Path | None = None) -> Path:
    if override:
        return Path(override).expanduser()
    env = os.environ.get("RETAIN_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("retain", appauthor=False))


def database_target(home: Path) -> str | Path:
    url = os.environ.get("RETAIN_DATABASE_URL")
    if url:
        return url
    return home / DATABASE_FILE


def sample_deck_path() -> Path:
    return Path(__file__).parent / "data" / "unit1-stalin-flashcards.txt"
