"""The pages, through TestClient, on SQLite and PostgreSQL: each renders, each form works
without JavaScript (plain posts and redirects) and with htmx (fragments)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

HTMX = {"HX-Request": "true"}


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no field {name}"
    return match.group(1)


@pytest.mark.parametrize("path", ["/", "/import", "/study", "/stats"])
def test_pages_render_with_no_decks(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in response.text


def test_decks_page_shows_counts(client: TestClient, imported: int) -> None:
    html = client.get("/").text
    assert f'href="/decks/{imported}"' in html
    assert "15" in html and "Study now" in html


def test_import_paste_preview_fix_save(client: TestClient, sample_text: str) -> None:
    preview = client.post("/import/preview", data={"text": sample_text}, headers=HTMX)
    assert preview.status_code == 200
    assert preview.text.count('class="draft-card"') == 15
    assert client.get("/api/decks").json() == []
    # The preview form, as the browser sends it back with the "merge" button pressed.
    form: dict[str, object] = {
        "cards": "15",
        "title": _hidden(preview.text, "title"),
        "format": "text/questions",
        "deck_name": "Unit",
        "op": "merge:0",
    }
    draft = client.post("/api/import/preview", json={"text": sample_text}).json()["cards"]
    for i, card in enumerate(draft):
        form[f"q{i}"] = card["question"]
        form[f"p{i}"] = card["answer_points"]
    merged = client.post("/import/draft", data=form, headers=HTMX)
    assert merged.text.count('class="draft-card"') == 14
    form.pop("op")
    saved = client.post("/import/save", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"].startswith("/decks/")
    deck = client.get(saved.headers["location"])
    assert "15 added" in deck.text
    assert client.get("/api/decks").json()[0]["total"] == 15


def test_import_of_an_upload_and_of_bad_text(client: TestClient, sample_text: str) -> None:
    upload = client.post(
        "/import/preview",
        files={"file": ("deck.txt", sample_text.encode(), "text/plain")},
        data={"text": ""},
    )
    assert upload.status_code == 200 and upload.text.count('class="draft-card"') == 15
    bad = client.post("/import/preview", data={"text": "   "})
    assert bad.status_code == 400 and "nothing to import" in bad.text
    in_place = client.post("/import/preview", data={"text": "   "}, headers=HTMX)
    assert in_place.status_code == 200 and 'role="alert"' in in_place.text


def test_deck_editor_search_add_edit_delete(client: TestClient, imported: int) -> None:
    page = client.get(f"/decks/{imported}")
    assert page.status_code == 200 and page.text.count('class="card-item"') == 15
    found = client.get(
        f"/decks/{imported}",
        params={"q": "zzzz-nothing"},
        headers={**HTMX, "HX-Target": "card-list"},
    )
    assert "0 cards match" in found.text and "<html" not in found.text
    added = client.post(
        f"/decks/{imported}/cards",
        data={"question": "Added?", "answer_points": "first\n- second\n"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    card = next(
        c for c in client.get(f"/api/decks/{imported}/cards").json() if c["question"] == "Added?"
    )
    assert card["answer_points"] == ["first", "second"]
    edited = client.post(
        f"/cards/{card['note_id']}",
        data={"question": "Edited?", "answer_points": "one"},
        headers=HTMX,
    )
    assert edited.status_code == 200 and "Edited?" in edited.text and "Saved" in edited.text
    gone = client.post(f"/cards/{card['note_id']}/delete", headers=HTMX)
    assert gone.status_code == 200 and gone.text == ""
    renamed = client.post(
        f"/decks/{imported}/rename", data={"name": "Renamed"}, follow_redirects=False
    )
    assert renamed.status_code == 303
    assert "Renamed" in client.get(f"/decks/{imported}").text
    deleted = client.post(f"/decks/{imported}/delete", headers=HTMX)
    assert deleted.headers["HX-Redirect"] == "/"
    assert client.get(f"/decks/{imported}").status_code == 404


def test_study_a_typed_answer_then_undo(client: TestClient, imported: int) -> None:
    page = client.get("/study", params={"mode": "type", "deck": imported})
    assert page.status_code == 200 and 'data-mode="type"' in page.text
    fields = {name: _hidden(page.text, name) for name in ("card_id", "reps", "mode", "deck")}
    feedback = client.post(
        "/study/answer",
        data={**fields, "response": "I do not know", "duration_ms": "5000"},
        headers=HTMX,
    )
    assert feedback.status_code == 200
    assert "Not this time" in feedback.text and "data-suggested" in feedback.text
    assert 'value="again"' in feedback.text and "I was right" in feedback.text
    recorded = client.post(
        "/study/grade",
        data={**fields, "response": "I do not know", "rating": "again", "duration_ms": "5000"},
        headers=HTMX,
    )
    assert "Recorded <strong>Again</strong>" in recorded.text
    assert re.search(r'data-testid="done-count">1<', recorded.text)
    undone = client.post("/study/undo", data={"mode": "type", "deck": str(imported)}, headers=HTMX)
    assert "Took back your answer" in undone.text
    assert re.search(r'data-testid="done-count">0<', undone.text)
    assert _hidden(undone.text, "card_id") == fields["card_id"]


@pytest.mark.parametrize("mode", ["auto", "flip", "choice", "truefalse", "cloze", "learn", "match"])
def test_study_page_in_every_mode(client: TestClient, imported: int, mode: str) -> None:
    page = client.get("/study", params={"mode": mode})
    assert page.status_code == 200 and 'data-testid="question"' in page.text
    if mode == "match":
        ids = re.findall(r'name="card_id" value="(\d+)"', page.text)
        data: dict[str, object] = {"card_id": ids, "deck": "", "duration_ms": "9000"}
        data.update({f"chosen{i}": "0" for i in range(len(ids))})
        result = client.post("/study/match", data=data, headers=HTMX)
        assert result.status_code == 200 and "Last round:" in result.text
        return
    fields = {n: _hidden(page.text, n) for n in ("card_id", "reps", "mode", "deck")}
    response = "0" if 'class="option"' in page.text else "an answer"
    if 'data-mode="flip"' in page.text:
        response = ""
    feedback = client.post("/study/answer", data={**fields, "response": response}, headers=HTMX)
    assert feedback.status_code == 200 and 'data-testid="feedback"' in feedback.text
    recorded = client.post(
        "/study/grade", data={**fields, "response": response, "rating": "good"}, headers=HTMX
    )
    assert recorded.status_code == 200 and "Recorded" in recorded.text


def test_stats_page(client: TestClient, imported: int) -> None:
    html = client.get("/stats").text
    assert "Per deck" in html and f'href="/stats?deck={imported}"' in html
    assert "Type some answers" in html
    question = client.get("/api/study/next", params={"mode": "type"}).json()["question"]
    ask = {"card_id": question["card_id"], "reps": question["reps"], "mode": "type"}
    client.post("/api/study/grade", json={**ask, "response": "no idea", "rating": "again"})
    one_deck = client.get("/stats", params={"deck": imported}).text
    assert "missed 1 of 1" in one_deck and '<svg class="chart"' in one_deck
    figures = client.get("/api/stats", params={"deck_id": imported}).json()["figures"]
    assert figures["deck_id"] == imported and figures["weakest_points"][0]["missed"] == 1


def test_errors_are_pages_that_say_what_is_wrong(client: TestClient) -> None:
    missing = client.get("/decks/12345")
    assert missing.status_code == 404 and "no deck with id 12345" in missing.text
    nowhere = client.get("/no/such/page")
    assert nowhere.status_code == 404 and "no such page" in nowhere.text
    stale = client.post(
        "/study/answer", data={"card_id": "77", "reps": "0", "mode": "type"}, headers=HTMX
    )
    assert stale.status_code == 404 and 'role="alert"' in stale.text


def test_the_statistics_page_shows_the_figures(client: TestClient, imported: int) -> None:
    pytest.importorskip("matplotlib")
    page = client.get("/stats")
    assert page.status_code == 200
    assert '/stats/figures/retention.svg' in page.text
    figure = client.get("/stats/figures/retention.svg")
    assert figure.status_code == 200 and figure.headers["content-type"] == "image/svg+xml"
    assert figure.content.lstrip().startswith(b"<?xml") and b"<svg" in figure.content
    assert client.get("/stats/figures/nothing.svg").status_code == 404
    assert client.get("/stats/figures/forecast.svg?deck=999").status_code == 404
