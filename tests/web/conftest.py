"""Fixtures of the web tests: an app per test, on a real SQLite file and (when
RETAIN_TEST_DATABASE_URL is set) a real PostgreSQL, and a client that sends its CSRF token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from retain.web import WebSettings, create_app
from tests.conftest import NOW, SAMPLE


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def follow_csrf(client: TestClient) -> TestClient:
    """Have the client send the CSRF token the app handed out last, as an API client does:
    first the one `GET /api/csrf` gives, then the renewed one that the `X-CSRF-Token`
    header of an answer carries (signing in, up or out)."""

    def take(response: Any) -> None:
        renewed = response.headers.get("x-csrf-token")
        if renewed:
            client.headers["X-CSRF-Token"] = renewed

    client.event_hooks = {"request": [], "response": [take]}
    client.headers["X-CSRF-Token"] = client.get("/api/csrf").json()["csrf_token"]
    return client


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(store_target: str | Path, clock: Clock) -> FastAPI:
    return create_app(WebSettings(target=store_target, clock=clock))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        token = test_client.get("/api/csrf").json()["csrf_token"]
        test_client.headers["X-CSRF-Token"] = token
        yield test_client


@pytest.fixture
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def imported(client: TestClient, sample_text: str) -> int:
    """The sample deck, imported through the API; returns its id."""
    draft = client.post("/api/import/preview", json={"text": sample_text}).json()
    response = client.post("/api/import", json={"draft": draft})
    assert response.status_code == 201, response.text
    deck_id: int = response.json()["deck_id"]
    return deck_id
