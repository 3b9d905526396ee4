"""Headers, CSRF, size limits, hosts, escaping and sanitizing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from retain.web import WebSettings, create_app


@pytest.fixture
def bare(tmp_path: Path) -> TestClient:
    """A client that has not fetched its CSRF token."""
    app = create_app(WebSettings(target=tmp_path / "retain.sqlite3", max_request_bytes=10_000))
    return TestClient(app, base_url="http://127.0.0.1")


@pytest.mark.parametrize("path", ["/", "/api/decks", "/static/app.css", "/no-such-page"])
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


def test_no_inline_script_or_style_in_pages(client: TestClient, imported: int) -> None:
    for path in ("/", "/import", f"/decks/{imported}", "/study", "/stats"):
        html = client.get(path).text
        assert "<style" not in html and " style=" not in html
        assert "<script>" not in html and "<script " not in html.replace(
            '<script src="/static/', ""
        )
        assert " on" not in html.replace(" one", "").split("<body", 1)[1].split("=")[0]


def test_state_changes_need_the_csrf_token(bare: TestClient) -> None:
    refused = bare.post("/api/study/undo", json={})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    token = bare.get("/api/csrf").json()["csrf_token"]
    assert bare.post("/api/study/undo", json={}).status_code == 403  # cookie but no header
    wrong = bare.post("/api/study/undo", json={}, headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403 and "does not match" in wrong.json()["detail"]
    right = bare.post("/api/study/undo", json={}, headers={"X-CSRF-Token": token})
    assert right.status_code == 400  # past CSRF: there is nothing to undo
    form = bare.post("/decks/1/delete", data={"csrf_token": token})
    assert form.status_code == 404  # past CSRF: no such deck
    page = bare.post("/decks/1/delete", data={"csrf_token": "nope"})
    assert page.status_code == 403 and "text/html" in page.headers["content-type"]


def test_a_request_from_another_site_is_refused(client: TestClient) -> None:
    response = client.post("/api/study/undo", json={}, headers={"Origin": "http://evil.example"})
    assert response.status_code == 403 and "another site" in response.json()["detail"]


def test_the_csrf_cookie_is_httponly_and_strict(bare: TestClient) -> None:
    cookie = bare.get("/").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_large_requests_are_refused(bare: TestClient) -> None:
    token = bare.get("/api/csrf").json()["csrf_token"]
    response = bare.post(
        "/api/import/preview", json={"text": "x" * 20_000}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 413 and "limit" in response.json()["detail"]


def test_uploads_past_the_limit_are_refused(tmp_path: Path) -> None:
    app = create_app(WebSettings(target=tmp_path / "r.sqlite3", max_upload_bytes=1000))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        token = client.get("/api/csrf").json()["csrf_token"]
        response = client.post(
            "/api/import/preview/file",
            files={"file": ("a.txt", b"Q?\nA\n" * 500)},
            headers={"X-CSRF-Token": token},
        )
        assert response.status_code == 413


def test_other_hosts_are_refused(app: FastAPI) -> None:
    with TestClient(app, base_url="http://attacker.example") as client:
        assert client.get("/").status_code == 400


def test_imported_html_is_sanitized_and_text_is_escaped(client: TestClient) -> None:
    text = "Title\nWhat is <b>this</b>?\n<img src=x onerror=alert(1)>It is a & b <3\n"
    draft = client.post("/api/import/preview", json={"text": text}).json()
    assert draft["cards"][0]["question"] == "What is this?"
    assert draft["cards"][0]["answer_points"] == ["It is a & b <3"]
    deck = client.post("/api/import", json={"draft": draft}).json()["deck_id"]
    html = client.get(f"/decks/{deck}").text
    assert "It is a &amp; b &lt;3" in html and "onerror" not in html


def test_openapi_schema_is_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/study/answer" in schema["paths"]
    assert client.get("/docs").status_code == 404  # the interactive docs would need a CDN
