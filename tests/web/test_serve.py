"""`retain serve`: local mode listens on this computer only."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from retain.cli import cli
from retain.web.serve import loopback


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("192.0.2.7", False),
        ("example.org", False),
    ],
)
def test_only_loopback_is_local(host: str, local: bool) -> None:
    assert loopback(host) is local


def test_serve_refuses_another_host(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--home", str(tmp_path), "serve", "--host", "0.0.0.0", "--no-browser"]
    )
    assert result.exit_code == 2
    assert "127.0.0.1 only" in result.output


def test_serve_is_documented_in_help() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "--no-browser" in result.output
