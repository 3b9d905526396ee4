"""Server mode: signing up, in and out, sessions in cookies, throttling, classes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from retain.web import WebSettings, create_app
from tests.web.conftest import Clock, follow_csrf

PASSWORD = "a long enough password"


@pytest.fixture
def server(store_target: str | Path, clock: Clock) -> Iterator[TestClient]:
    app = create_app(WebSettings(target=store_target, clock=clock, accounts=True))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield follow_csrf(client)


def _other(client: TestClient) -> TestClient:
    return follow_csrf(TestClient(client.app, base_url="http://127.0.0.1"))


def test_local_mode_has_no_account_routes(client: TestClient) -> None:
    assert client.get("/signin").status_code == 404
    assert client.post("/api/auth/signin", json={"name": "a", "password": "b"}).status_code == 404
    assert client.get("/").status_code == 200  # and needs no login


def test_sign_up_sign_in_sign_out_pages(server: TestClient) -> None:
    first = server.get("/", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/signin"
    deck = server.get("/decks/1", follow_redirects=False)
    assert deck.headers["location"] == "/signin?next=%2Fdecks%2F1"
    assert "Make an account" in server.get("/signup").text
    made = server.post(
        "/signup", data={"name": "Ana", "password": PASSWORD, "role": "student"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    cookie = made.headers["set-cookie"]
    assert cookie.startswith("retain_session=") and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Secure" not in cookie
    page = server.get("/")
    assert page.status_code == 200 and "Sign out" in page.text and "Ana" in page.text
    out = server.post("/signout", data={}, follow_redirects=False)
    assert out.status_code == 303 and "Max-Age=0" in out.headers["set-cookie"]
    assert server.get("/", follow_redirects=False).status_code == 303
    wrong = server.post("/signin", data={"name": "ana", "password": "not it at all"})
    assert wrong.status_code == 401 and "wrong" in wrong.text
    back = server.post(
        "/signin", data={"name": "ana", "password": PASSWORD, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert back.status_code == 303 and back.headers["location"] == "/"
    assert server.get("/").status_code == 200


def test_api_session_rotates_and_ends(server: TestClient) -> None:
    made = server.post("/api/auth/signup", json={"name": "Bo", "password": PASSWORD})
    assert made.status_code == 201 and made.json()["role"] == "student"
    first = server.cookies["retain_session"]
    assert server.get("/api/auth/me").json()["name"] == "Bo"
    again = server.post("/api/auth/signin", json={"name": "BO", "password": PASSWORD})
    assert again.status_code == 200
    second = server.cookies["retain_session"]
    assert second != first
    stale = _other(server)
    stale.cookies.set("retain_session", first)
    assert stale.get("/api/auth/me").status_code == 401  # the old id is worth nothing
    assert server.post("/api/auth/signout").status_code == 204
    replay = _other(server)
    replay.cookies.set("retain_session", second)
    assert replay.get("/api/auth/me").status_code == 401
    assert replay.get("/api/decks").status_code == 401


def test_repeated_failures_are_throttled(server: TestClient) -> None:
    server.post("/api/auth/signup", json={"name": "Cy", "password": PASSWORD})
    codes = [
        server.post("/api/auth/signin", json={"name": "Cy", "password": "wrong guess"}).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    refused = server.post("/api/auth/signin", json={"name": "Cy", "password": PASSWORD})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    taken = [
        server.post("/api/auth/signup", json={"name": "Cy", "password": PASSWORD}).status_code
        for _ in range(6)
    ]
    assert taken[0] == 400 and taken[-1] == 429


def test_https_cookies_are_host_prefixed_and_secure(store_target: str | Path) -> None:
    app = create_app(WebSettings(target=store_target, accounts=True))
    with TestClient(app, base_url="https://127.0.0.1") as client:
        token = client.get("/api/csrf").json()["csrf_token"]
        made = client.post(
            "/api/auth/signup", json={"name": "Di", "password": PASSWORD},
            headers={"X-CSRF-Token": token},
        )
        cookie = made.headers["set-cookie"]
        assert cookie.startswith("__Host-retain_session=") and "; Secure" in cookie
        assert "Path=/" in cookie and "Domain" not in cookie
        assert client.get("/api/auth/me").json()["name"] == "Di"


def test_teacher_makes_a_class_student_joins(server: TestClient) -> None:
    server.post("/api/auth/signup", json={"name": "Tess", "password": PASSWORD,
                                          "role": "teacher"})
    made = server.post("/api/classes", json={"name": "Chemistry"})
    assert made.status_code == 201
    code, link = made.json()["join_code"], made.json()["join_path"]
    assert link == f"/join/{code}"
    page = server.post("/classes", data={"name": "Physics"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/classes/")
    listing = server.get("/classes").text
    assert "Physics" in listing and f"/join/{code}" in listing
    student = _other(server)
    student.post("/api/auth/signup", json={"name": "Sam", "password": PASSWORD})
    refused = student.post("/api/classes", json={"name": "Mine"})
    assert refused.status_code == 403 and "teacher" in refused.json()["detail"]
    assert student.post("/classes", data={"name": "Mine"}).status_code == 403
    joining = student.get(link).text
    assert f'value="{code}"' in joining  # the link fills the code in
    assert "New class" not in joining  # a student is offered no class to make
    joined = student.post("/classes/join", data={"code": code.lower()})
    assert joined.status_code == 200 and "Chemistry" in joined.text
    listed = student.get("/api/classes").json()
    assert [c["name"] for c in listed["joined"]] == ["Chemistry"]
    assert listed["joined"][0]["join_code"] is None  # a student never sees the code
    class_id = made.json()["id"]
    students = server.get(f"/api/classes/{class_id}/students").json()
    assert [s["name"] for s in students] == ["Sam"]
    again = student.post("/api/classes/join", json={"code": "WRONG-CODE"})
    assert again.status_code == 404
    assert server.get("/api/classes").json()["taught"][0]["join_code"] == code


def test_two_app_processes_share_sessions_and_throttling(
    store_target: str | Path, clock: Clock
) -> None:
    """Nothing is kept in a process: a session begun through one app is valid in another
    on the same store, sign-out through one ends it in both, and failures counted by one
    throttle the other."""
    apps = [
        create_app(WebSettings(target=store_target, clock=clock, accounts=True))
        for _ in range(2)
    ]
    with TestClient(apps[0], base_url="http://127.0.0.1") as one, TestClient(
        apps[1], base_url="http://127.0.0.1"
    ) as two:
        follow_csrf(one), follow_csrf(two)
        made = one.post("/api/auth/signup", json={"name": "Eve", "password": PASSWORD})
        two.cookies.set("retain_session", one.cookies["retain_session"])
        # The session's CSRF token comes from the session: any process accepts it.
        two.headers["X-CSRF-Token"] = made.json()["csrf_token"]
        assert two.get("/api/auth/me").json()["name"] == "Eve"
        assert two.post("/api/study/undo", json={}).status_code == 400  # past CSRF
        assert one.post("/api/auth/signout").status_code == 204
        assert two.get("/api/auth/me").status_code == 401
        for client in (one, two, one, two, one):
            wrong = client.post("/api/auth/signin", json={"name": "Eve", "password": "nope nope"})
            assert wrong.status_code == 401
        assert two.post(
            "/api/auth/signin", json={"name": "Eve", "password": PASSWORD}
        ).status_code == 429


def _page_token(html: str) -> str:
    """The CSRF token a page hands htmx (and its forms)."""
    match = re.search(r'hx-headers=\'\{"X-CSRF-Token": "([^"]+)"\}\'', html)
    assert match is not None, html[:500]
    return match.group(1)


def test_the_csrf_token_is_renewed_at_sign_up_in_and_out(store_target: str | Path) -> None:
    """A CSRF token known before signing up, in or out (one planted in the browser by
    someone else, say) is refused after, even sent with the cookie it came with; the pages
    after carry the new token, and an API client finds it in the answer."""
    app = create_app(WebSettings(target=store_target, accounts=True))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        planted = client.get("/api/csrf").json()["csrf_token"]

        def refused(token: str) -> bool:
            client.cookies.set("retain_csrf", token)
            answer = client.post("/api/study/undo", json={}, headers={"X-CSRF-Token": token})
            return answer.status_code == 403 and "CSRF" in answer.json()["detail"]

        def accepted(token: str) -> bool:
            answer = client.post("/api/study/undo", json={}, headers={"X-CSRF-Token": token})
            return answer.status_code in (400, 401)  # past CSRF: nothing to undo, or no session

        assert accepted(planted)
        made = client.post(
            "/api/auth/signup", json={"name": "Fay", "password": PASSWORD},
            headers={"X-CSRF-Token": planted},
        )
        assert made.status_code == 201, made.text
        signed_up = made.json()["csrf_token"]
        assert signed_up != planted and made.headers["x-csrf-token"] == signed_up
        assert client.get("/api/csrf").json()["csrf_token"] == signed_up
        page = client.get("/").text
        assert _page_token(page) == signed_up and f'value="{signed_up}"' in page
        assert refused(planted)
        client.cookies.delete("retain_csrf")
        assert accepted(signed_up)
        # htmx sends the page's token in its header: still accepted.
        study = client.post(
            "/study/undo", data={"mode": "auto"},
            headers={"X-CSRF-Token": signed_up, "HX-Request": "true", "HX-Target": "study"},
        )
        assert study.status_code == 400 and "CSRF" not in study.text

        # Signing out through the page's form: the sign-in page after has a new token.
        out = client.post("/signout", data={"csrf_token": signed_up}, follow_redirects=False)
        assert out.status_code == 303
        signin_page = client.get("/signin").text
        signed_out = _page_token(signin_page)
        assert signed_out not in (planted, signed_up)
        assert out.headers["x-csrf-token"] == signed_out
        assert refused(signed_up)
        client.cookies.delete("retain_csrf")

        # Signing in through the form, with a token planted before.
        client.cookies.set("retain_csrf", planted)
        back = client.post(
            "/signin", data={"name": "Fay", "password": PASSWORD, "csrf_token": planted},
            follow_redirects=False,
        )
        assert back.status_code == 303
        signed_in = back.headers["x-csrf-token"]
        home = client.get("/").text
        assert _page_token(home) == signed_in and signed_in != planted
        assert refused(planted) and refused(signed_out)
        client.cookies.delete("retain_csrf")
        assert accepted(signed_in)
        api = client.post(
            "/api/auth/signin", json={"name": "Fay", "password": PASSWORD},
            headers={"X-CSRF-Token": signed_in},
        )
        assert api.status_code == 200 and api.json()["csrf_token"] not in (signed_in, planted)
        assert api.json()["name"] == "Fay"


@pytest.mark.parametrize(
    "request_made",
    [
        lambda c: c.get("/api/study/next"),
        lambda c: c.post("/api/study/grade", json={"card_id": 1, "reps": 0, "rating": "good"}),
        lambda c: c.get("/study", follow_redirects=False),
    ],
    ids=["next", "grade", "study page"],
)
def test_study_refuses_a_session_that_ended_or_expired(
    server: TestClient, clock: Clock, request_made: Any
) -> None:
    """The study routes look their session up in their own transaction: one that was
    signed out, one never handed out and one left idle too long are all refused, and the
    one that expired is gone from the store."""
    from retain.collection.accounts import SESSION_IDLE
    from retain.storage import schema
    from retain.web.security import session_csrf_token

    made = server.post("/api/auth/signup", json={"name": "Cy", "password": PASSWORD})
    assert made.status_code == 201
    assert request_made(server).status_code in (200, 400, 404)
    signed_in = server.cookies["retain_session"]

    def refused(token: str) -> None:
        other = _other(server)
        other.cookies.set("retain_session", token)
        other.headers["X-CSRF-Token"] = session_csrf_token(token)  # what the cookie asks for
        response = request_made(other)
        if response.request.url.path.startswith("/api/"):
            assert response.status_code == 401, response.text
        else:
            assert response.status_code == 303 and response.headers["location"].startswith(
                "/signin"
            )

    refused("x" * 43)  # never handed out
    clock.now += SESSION_IDLE + timedelta(minutes=1)
    refused(signed_in)
    collection = server.app.state.collections.get()  # type: ignore[attr-defined]
    with collection.engine.connect() as conn:
        left = conn.execute(select(func.count()).select_from(schema.account_sessions)).scalar()
    assert left == 0
