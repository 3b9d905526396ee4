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


def test_warm_up_loads_the_grader_in_the_background(tmp_path: Path) -> None:
    import threading

    from fastapi.testclient import TestClient

    from retain.web import WebSettings, create_app

    app = create_app(WebSettings(target=tmp_path / "retain.sqlite3", warm_up=True))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/").status_code == 200
        for thread in threading.enumerate():
            if thread.name == "retain-warm-up":
                thread.join()
    assert not any(t.name == "retain-warm-up" for t in threading.enumerate())


def test_workers_need_server_mode(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--home", str(tmp_path), "serve", "--workers", "2", "--no-browser"]
    )
    assert result.exit_code == 2 and "--database" in result.output


def test_server_settings_come_from_the_environment() -> None:
    from retain.web.serve import server_settings

    settings = server_settings(
        {"RETAIN_DATABASE_URL": "postgresql://u@db/retain", "RETAIN_ALLOWED_HOSTS":
         "cards.example.org, www.cards.example.org", "RETAIN_SECURE_COOKIES": "1"}
    )
    assert settings.accounts and settings.secure_cookies
    assert settings.allowed_hosts == ("cards.example.org", "www.cards.example.org")
    with pytest.raises(ValueError, match="RETAIN_DATABASE_URL"):
        server_settings({})


def test_server_mode_is_in_help() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert "--database" in result.output and "--workers" in result.output
