"""The study loop's lane (`retain.web.lane`): it takes the plain requests of its routes, and
whatever it serves is answered exactly as FastAPI answers it without the lane."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from retain.web import WebSettings, create_app
from retain.web import lane as lane_module
from retain.web.routes import study
from tests.web.conftest import Clock


@contextmanager
def _client(path: Path, clock: Clock, sample_text: str) -> Iterator[TestClient]:
    with TestClient(create_app(WebSettings(target=path, clock=clock)),
                    base_url="http://127.0.0.1") as client:
        client.headers["X-CSRF-Token"] = client.get("/api/csrf").json()["csrf_token"]
        draft = client.post("/api/import/preview", json={"text": sample_text}).json()
        assert client.post("/api/import", json={"draft": draft}).status_code == 201
        yield client


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each request of a lane's route: whether the lane served it itself."""
    seen: list[bool] = []
    parse = lane_module.StudyLane._parse

    def spied(self: Any, *args: Any) -> Any:
        kwargs = parse(self, *args)
        seen.append(kwargs is not None)
        return kwargs

    monkeypatch.setattr(lane_module.StudyLane, "_parse", spied)
    return seen


def _said(response: Any) -> tuple[int, str, list[tuple[str, str]]]:
    headers = sorted((k, v) for k, v in response.headers.items() if k not in ("date",))
    return response.status_code, response.text, headers


def _requests(client: TestClient) -> list[Any]:
    """A round of the study loop, with the errors it can meet: what each request got."""
    said = []
    for mode in ("flip", "choice", "type", "auto"):
        asked = client.get("/api/study/next", params={"mode": mode})
        said.append(asked)
        question = asked.json()["question"]
        answer = {"card_id": question["card_id"], "reps": question["reps"], "mode": mode,
                  "rating": "good"}
        if mode == "type":
            answer["response"] = "something I remember"
        said.append(client.post("/api/study/grade", json=answer))
        said.append(client.post("/api/study/grade", json=answer))  # answered since: 409
    deck = client.get("/api/decks").json()[0]["id"]
    said += [
        client.get("/api/study/next", params={"deck_id": deck, "mode": "flip", "other": "x"}),
        client.get("/api/study/next", params={"deck_id": 10**9}),  # no such deck: 404
        client.get("/api/study/next", params={"mode": "dance"}),  # 422
        client.get("/api/study/next", params={"deck_id": "01"}),
        client.post("/api/study/grade", json={"card_id": 10**9, "reps": 0, "rating": "good"}),
        client.post("/api/study/grade", json={"card_id": "1", "reps": 0, "rating": "good"}),
        client.post("/api/study/grade", content=b"{", headers={"content-type": "application/json"}),
        client.post("/api/study/grade", json={"card_id": 1, "reps": 0, "rating": "good"},
                    headers={"X-CSRF-Token": "not-the-token-of-this-client"}),  # 403
    ]
    return said


def test_the_lane_answers_as_fastapi_does(
    tmp_path: Path, sample_text: str, taken: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    with _client(tmp_path / "a.sqlite3", clock, sample_text) as client:
        with_lane = [_said(r) for r in _requests(client)]
    assert any(taken) and not all(taken)
    monkeypatch.setattr(study, "LANE", ())  # an app made now has no lane
    taken.clear()
    with _client(tmp_path / "b.sqlite3", clock, sample_text) as client:
        without = [_said(r) for r in _requests(client)]
    assert not taken
    assert [s[0] for s in with_lane] == [s[0] for s in without]
    assert {s[0] for s in with_lane} == {200, 403, 404, 409, 422}
    assert with_lane == without


def test_the_lane_serves_plain_requests_itself(
    client: TestClient, imported: int, taken: list[bool]
) -> None:
    question = client.get(
        "/api/study/next", params={"deck_id": imported, "mode": "flip"}
    ).json()["question"]
    recorded = client.post("/api/study/grade", json={
        "card_id": question["card_id"], "reps": question["reps"], "mode": "flip",
        "rating": "good", "deck_id": imported,
    })
    assert recorded.status_code == 200 and recorded.json()["card_id"] == question["card_id"]
    assert recorded.headers["x-content-type-options"] == "nosniff"  # the guard's headers
    assert client.get("/api/study/next", params={"mode": "dance"}).status_code == 422
    assert taken == [True, True, False]


def test_every_route_of_the_lane_is_the_apps(client: TestClient) -> None:
    """The lane serves only what the app has: the same path, method and route function."""
    paths = client.get("/openapi.json").json()["paths"]
    for route in study.LANE:
        operation = paths[route.path][route.method.lower()]
        assert operation["operationId"].startswith(route.route.__name__ + "_")


async def test_the_lanes_threads_give_back_each_result_and_error() -> None:
    threads = lane_module.LaneThreads(2)
    try:
        assert await threads.run(lambda a, b: a + b, 2, 3) == 5
        names = {await threads.run(lambda: threading.current_thread().name) for _ in range(8)}
        assert names and all(name.startswith("retain-study") for name in names)

        def fails() -> None:
            raise LookupError("no such card")

        with pytest.raises(LookupError, match="no such card"):
            await threads.run(fails)
    finally:
        threads.close()


async def test_closing_the_lanes_threads_lets_the_work_handed_over_finish() -> None:
    threads = lane_module.LaneThreads(1)
    began, done = threading.Event(), []

    def slow(n: int) -> int:
        began.wait(5)
        done.append(n)
        return n

    futures = [threads.run(slow, n) for n in range(3)]
    began.set()
    threads.close()
    assert done == [0, 1, 2]
    assert [await f for f in futures] == [0, 1, 2]
    assert await threads.run(lambda: "again") == "again"  # started anew after a close
    threads.close()


async def test_work_given_up_before_it_begins_is_not_run() -> None:
    threads = lane_module.LaneThreads(1)
    hold, ran = threading.Event(), []
    try:
        first = threads.run(hold.wait, 5)
        second = threads.run(ran.append, "second")
        second.cancel()
        hold.set()
        assert await first is True
        assert await threads.run(lambda: "after") == "after"
        assert ran == []
    finally:
        threads.close()
