"""Helpers for driving the real `retain` command, in process (CliRunner) and as a child
process, each with a data directory of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from retain.cli import cli
from retain.collection import Collection
from retain.paths import DATABASE_FILE

# The command must use the test's data directory, never a configured one.
UNSET: dict[str, str | None] = {"RETAIN_DATABASE_URL": None, "RETAIN_HOME": None}


def make_home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


def retain(home: Path, *args: str, input: str | bytes | None = None) -> Result:
    """Run `retain --home HOME ARGS...` in process."""
    return CliRunner().invoke(cli, ["--home", str(home), *args], input=input, env=UNSET)


def child_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"RETAIN_DATABASE_URL"}}
    env["RETAIN_HOME"] = str(home)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def retain_command() -> list[str]:
    """The command that starts retain as its own process."""
    return [sys.executable, "-m", "retain"]


def run_retain(
    home: Path, *args: str, input: str = "", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run retain as a real child process with RETAIN_HOME set (no --home)."""
    return subprocess.run(
        [*retain_command(), *args],
        input=input,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=child_env(home),
        timeout=timeout,
        check=False,
    )


def collection_at(home: Path) -> Collection:
    return Collection.open(home / DATABASE_FILE)
