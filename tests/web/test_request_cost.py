"""What a request of the study loop costs the database on a class server: the statements it
sends, counted (not timed). A question and its answer are most of what a class server is
asked, so a statement more on either is a statement more for every answer of every student."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from retain.web import WebSettings, create_app
from tests.conftest import SAMPLE
from tests.web.conftest import Clock, follow_csrf

PASSWORD = "a long enough password"


class Statements:
    """The SQL statements the app's driver connections are sent, as they are sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def take(self) -> list[str]:
        sent, self.sent = self.sent, []
        return sent


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Statements:
    seen = Statements()
    execute = psycopg.Cursor.execute

    def counted(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        seen.sent.append(" ".join(str(query).split()))
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    return seen


@pytest.fixture
def student(postgres_store: str, clock: Clock) -> Iterator[TestClient]:
    """A student signed in to a class server, with the sample deck imported."""
    app = create_app(WebSettings(target=postgres_store, clock=clock, accounts=True))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        follow_csrf(client)
        made = client.post("/api/auth/signup", json={"name": "Ana", "password": PASSWORD})
        assert made.status_code == 201, made.text
        text = SAMPLE.read_text(encoding="utf-8")
        draft = client.post("/api/import/preview", json={"text": text}).json()
        assert client.post("/api/import", json={"draft": draft}).status_code == 201
        yield client


def _question(client: TestClient, mode: str) -> dict[str, Any]:
    body = client.get("/api/study/next", params={"mode": mode}).json()
    assert body["done"] is False, body
    question: dict[str, Any] = body["question"]
    return question


def _grade(client: TestClient, question: dict[str, Any], mode: str) -> None:
    answer = {"card_id": question["card_id"], "reps": question["reps"], "mode": mode,
              "rating": "good"}
    response = client.post("/api/study/grade", json=answer)
    assert response.status_code == 200, response.text


@pytest.mark.postgres
def test_a_question_and_its_answer_cost_a_few_statements(
    student: TestClient, statements: Statements
) -> None:
    for _ in range(2):  # the first answers of the day plan it and settle what is cached
        _grade(student, _question(student, "flip"), "flip")
    statements.take()
    for _ in range(3):
        question = _question(student, "flip")
        asked = statements.take()
        _grade(student, question, "flip")
        graded = statements.take()
        assert len(asked) == 3, asked
        assert len(graded) == 5, graded
