"""The JSON API, through TestClient, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Clock


def test_decks_are_listed_with_their_counts(client: TestClient, imported: int) -> None:
    decks = client.get("/api/decks").json()
    assert [d["id"] for d in decks] == [imported]
    assert decks[0]["new"] == decks[0]["total"] == 15
    assert decks[0]["due"] == 0 and decks[0]["next_due"] is None
    assert client.get(f"/api/decks/{imported}").json()["total"] == 15


def test_unknown_ids_are_404_with_a_message(client: TestClient, imported: int) -> None:
    for path in ("/api/decks/999", "/api/decks/999/cards", "/api/cards/999"):
        response = client.get(path)
        assert response.status_code == 404
        assert "999" in response.json()["detail"]
    assert client.delete("/api/decks/999").status_code == 404


def test_rename_and_delete_a_deck(client: TestClient, imported: int) -> None:
    renamed = client.patch(f"/api/decks/{imported}", json={"name": "Unit 1"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Unit 1"
    blank = client.patch(f"/api/decks/{imported}", json={"name": ""})
    assert blank.status_code == 422
    assert client.delete(f"/api/decks/{imported}").json() == {"deleted": 15}
    assert client.get("/api/decks").json() == []


def test_preview_then_import(client: TestClient, sample_text: str) -> None:
    draft = client.post("/api/import/preview", json={"text": sample_text}).json()
    assert draft["format"] == "text/questions" and len(draft["cards"]) == 15
    assert client.get("/api/decks").json() == []
    stored = client.post("/api/import", json={"draft": draft, "deck_name": "Mine"}).json()
    assert stored["added"] == 15 and stored["deck_name"] == "Mine"
    again = client.post("/api/import", json={"draft": draft, "deck_name": "Mine"}).json()
    assert again["added"] == 0 and again["unchanged"] == 15


def test_uploaded_file_is_previewed(client: TestClient, sample_text: str) -> None:
    response = client.post(
        "/api/import/preview/file",
        files={"file": ("cards.txt", sample_text.encode(), "text/plain")},
    )
    assert response.status_code == 200 and len(response.json()["cards"]) == 15


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "nothing to import"), ("\x00\x01\x02" * 100, "")],
)
def test_unreadable_text_is_a_400_that_says_why(
    client: TestClient, text: str, message: str
) -> None:
    response = client.post("/api/import/preview", json={"text": text})
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_draft_edits(client: TestClient) -> None:
    draft = {
        "title": "T",
        "cards": [
            {"question": "One?", "answer_points": ["a", "b", "c"]},
            {"question": "Two?", "answer_points": ["d"]},
        ],
    }

    def edit(op: str, card: int, point: int = 0) -> list[tuple[str, list[str]]]:
        response = client.post(
            "/api/import/draft", json={"draft": draft, "op": op, "card": card, "point": point}
        )
        assert response.status_code == 200, response.text
        return [(c["question"], c["answer_points"]) for c in response.json()["cards"]]

    assert edit("merge", 0) == [("One?", ["a", "b", "c", "Two?", "d"])]
    assert edit("split", 0, 1) == [("One?", ["a"]), ("b", ["c"]), ("Two?", ["d"])]
    assert edit("move_down", 0, 2) == [("One?", ["a", "b"]), ("Two?", ["c", "d"])]
    assert edit("move_up", 1, 0) == [("One?", ["a", "b", "c", "d"]), ("Two?", [])]
    assert edit("delete", 1) == [("One?", ["a", "b", "c"])]
    wrong = client.post(
        "/api/import/draft", json={"draft": draft, "op": "merge", "card": 1, "point": 0}
    )
    assert wrong.status_code == 400 and "last card" in wrong.json()["detail"]


def test_cards_add_edit_search_delete(client: TestClient, imported: int) -> None:
    added = client.post(
        f"/api/decks/{imported}/cards",
        json={"question": "A new <b>question</b>?", "answer_points": ["<script>x</script>one"]},
    )
    assert added.status_code == 201, added.text
    card = added.json()
    assert card["question"] == "A new question?" and card["answer_points"] == ["one"]
    found = client.get(f"/api/decks/{imported}/cards", params={"q": "new question"}).json()
    assert [c["note_id"] for c in found] == [card["note_id"]]
    changed = client.put(
        f"/api/cards/{card['note_id']}", json={"question": "Renamed?", "answer_points": ["two"]}
    ).json()
    assert changed["question"] == "Renamed?" and changed["card_id"] == card["card_id"]
    assert client.delete(f"/api/cards/{card['note_id']}").json() == {"deleted": 1}
    assert len(client.get(f"/api/decks/{imported}/cards").json()) == 15
    duplicate = client.post(
        f"/api/decks/{imported}/cards", json={"question": found[0]["question"] if found else "x"}
    )
    assert duplicate.status_code in (201, 400)


def _next(client: TestClient, mode: str, **params: object) -> dict[str, object]:
    body = client.get("/api/study/next", params={"mode": mode, **params}).json()
    assert body["done"] is False, body
    question: dict[str, object] = body["question"]
    return question


def test_typed_answer_graded_then_recorded(client: TestClient, imported: int) -> None:
    question = _next(client, "type", deck_id=imported)
    assert question["mode"] == "type"
    card = client.get(f"/api/decks/{imported}/cards").json()
    points = next(c for c in card if c["card_id"] == question["card_id"])["answer_points"]
    ask = {"card_id": question["card_id"], "reps": question["reps"], "mode": "type"}
    feedback = client.post("/api/study/answer", json={**ask, "response": " ".join(points)})
    assert feedback.status_code == 200, feedback.text
    assert feedback.json()["verdict"] == "correct"
    assert all(p["covered"] for p in feedback.json()["points"])
    shown = feedback.json()["intervals"]["good"]
    recorded = client.post(
        "/api/study/grade", json={**ask, "response": " ".join(points), "rating": "good"}
    ).json()
    assert recorded["counts"]["done_today"] == 1
    assert recorded["comes_back"].startswith(f"in {shown}")
    stale = client.post("/api/study/grade", json={**ask, "rating": "good"})
    assert stale.status_code == 409 and "answered since" in stale.json()["detail"]


def test_overruling_and_undo(client: TestClient, imported: int, clock: Clock) -> None:
    question = _next(client, "type")
    ask = {"card_id": question["card_id"], "reps": question["reps"], "mode": "type"}
    checked = client.post("/api/study/answer", json={**ask, "response": "no idea"}).json()
    assert checked["verdict"] == "incorrect" and checked["suggested"] == "again"
    recorded = client.post(
        "/api/study/grade",
        json={**ask, "response": "no idea", "rating": "good", "overruled": "right"},
    ).json()
    assert recorded["rating"] == "good"
    undone = client.post("/api/study/undo", json={}).json()
    assert undone["review_id"] == recorded["review_id"]
    assert client.get("/api/stats").json()["today"]["done_today"] == 0
    nothing = client.post("/api/study/undo", json={})
    assert nothing.status_code == 400 and "no answer to undo" in nothing.json()["detail"]


@pytest.mark.parametrize("mode", ["auto", "flip", "choice", "truefalse", "cloze", "learn"])
def test_every_mode_asks_checks_and_records(client: TestClient, imported: int, mode: str) -> None:
    for _ in range(3):
        question = _next(client, mode)
        ask = {"card_id": question["card_id"], "reps": question["reps"], "mode": mode}
        response = "0" if question["options"] else "something"
        if question["mode"] == "flip":
            feedback = client.post("/api/study/answer", json=ask).json()
            assert feedback["correct"] is None and feedback["answer_points"]
            recorded = client.post("/api/study/grade", json={**ask, "rating": "good"})
        else:
            feedback = client.post("/api/study/answer", json={**ask, "response": response}).json()
            assert feedback["suggested"] in ("again", "hard", "good", "easy")
            recorded = client.post(
                "/api/study/grade",
                json={**ask, "response": response, "rating": feedback["suggested"]},
            )
        assert recorded.status_code == 200, recorded.text
    assert client.get("/api/stats").json()["today"]["done_today"] == 3


def test_a_match_round_is_recorded_as_a_whole(client: TestClient, imported: int) -> None:
    body = client.get("/api/study/next", params={"mode": "match"}).json()
    match = body["match"]
    assert 5 <= len(match["card_ids"]) <= 6 and len(match["options"]) == len(match["card_ids"])
    result = client.post(
        "/api/study/match", json={"card_ids": match["card_ids"], "chosen": [0] * 6, "seconds": 20}
    )
    assert result.status_code == 200, result.text
    assert len(result.json()["review_ids"]) == len(match["card_ids"])
    stale = client.post(
        "/api/study/match", json={"card_ids": match["card_ids"], "chosen": [0], "seconds": 1}
    )
    assert stale.status_code == 409


def test_a_question_is_the_same_in_a_second_app_on_the_same_store(
    client: TestClient, imported: int, app: object, store_target: object, clock: Clock
) -> None:
    """No study state lives in a process: another app on the store checks the answer."""
    from retain.web import WebSettings, create_app

    question = _next(client, "choice")
    other = create_app(WebSettings(target=store_target, clock=clock))  # type: ignore[arg-type]
    with TestClient(other, base_url="http://127.0.0.1") as second:
        second.cookies.update(client.cookies)
        second.headers["X-CSRF-Token"] = client.headers["X-CSRF-Token"]
        again = second.get("/api/study/next", params={"mode": "choice"}).json()["question"]
        assert again == question
        checked = second.post(
            "/api/study/answer",
            json={
                "card_id": question["card_id"],
                "reps": question["reps"],
                "mode": "choice",
                "response": "1",
            },
        )
        assert checked.status_code == 200, checked.text


def test_nothing_left_says_when_the_next_card_is_due(
    client: TestClient, imported: int, clock: Clock
) -> None:
    client.app.state.collections.get().set_setting("new_per_day", 1)  # type: ignore[attr-defined]
    question = _next(client, "flip")
    ask = {"card_id": question["card_id"], "reps": question["reps"], "mode": "flip"}
    client.post("/api/study/grade", json={**ask, "rating": "easy"})
    clock.now += timedelta(minutes=30)
    body = client.get("/api/study/next").json()
    assert body["done"] is True and body["next_due"] is not None


def test_stats(client: TestClient, imported: int) -> None:
    stats = client.get("/api/stats").json()
    assert stats["reviews"] == 0 and stats["decks"][0]["total"] == 15
    assert stats["settings"]["new_per_day"] == 20
    assert stats["per_deck"][0]["today"]["new"] == 15


def test_bad_requests_are_json_that_say_what_is_wrong(client: TestClient, imported: int) -> None:
    response = client.post("/api/study/answer", json={"card_id": "x"})
    assert response.status_code == 422
    assert {e["loc"][-1] for e in response.json()["detail"]} >= {"card_id", "reps"}
    unknown_mode = client.get("/api/study/next", params={"mode": "dance"})
    assert unknown_mode.status_code == 422
    assert unknown_mode.json()["detail"][0]["loc"] == ["query", "mode"]
    bad_option = client.post(
        "/api/study/answer", json={"card_id": 1, "reps": 0, "mode": "choice", "response": "9"}
    )
    assert bad_option.status_code == 400 and "option" in bad_option.json()["detail"]
    for not_an_option in ("0" * 5000, "9" * 5000, "\u00b2", "-1", " "):
        refused = client.post(
            "/api/study/answer",
            json={"card_id": 1, "reps": 0, "mode": "choice", "response": not_an_option},
        )
        assert refused.status_code == 400 and "option" in refused.json()["detail"]
