"""The teacher's class pages: make a class, see its join code, assign a deck, read each
student's progress and the points missed most, download them as CSV."""

from __future__ import annotations

import csv
import io
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from retain.collection import Collection
from retain.core.model import Card, Rating
from retain.web.deps import CollectionHolder
from tests.conftest import NOW, make_draft


def test_a_teacher_makes_a_class_and_reads_its_report(app: FastAPI, client: TestClient) -> None:
    holder: CollectionHolder = app.state.collections
    col = holder.get()
    deck = col.decks.import_deck(make_draft(3, title="Cells"), now=NOW).deck
    assert "You teach no class yet" in client.get("/classes").text
    made = client.post("/classes", data={"name": "Biology <9B>"}, follow_redirects=False)
    assert made.status_code == 303
    page_url = made.headers["location"]
    class_id = int(page_url.rsplit("/", 1)[1])
    page = client.get(page_url).text
    assert "Biology &lt;9B&gt;" in page  # escaped
    match = re.search(r'class="join-code">([A-Z0-9]{8})<', page)
    assert match is not None
    student = col.as_account(col.accounts.sign_up("=Ana", "correct horse battery", now=NOW).id)
    student.classes.join(match.group(1), now=NOW)
    assigned = client.post(
        f"/classes/{class_id}/decks", data={"deck_id": str(deck.id)}, follow_redirects=False
    )
    assert assigned.status_code == 303
    [shared] = student.classes.decks(class_id)
    item = student.study.next_card(NOW, shared)
    assert item is not None
    student.study.answer(item.card.id, Rating.AGAIN, NOW, mode="type", points={0: False, 1: True})
    page = client.get(page_url).text
    assert "=Ana" in page and "1 / 3" in page and item.note.answer_points[0] in page
    report = client.get(f"/api/classes/{class_id}/decks/{deck.id}/report").json()
    assert report["students"][0]["name"] == "=Ana" and report["students"][0]["seen"] == 1
    assert report["missed_points"][0]["point"] == item.note.answer_points[0]
    assert report["missed_cards"][0]["missed"] == 1
    download = client.get(f"/classes/{class_id}/decks/{deck.id}/report.csv?table=students")
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0][0] == "student" and rows[1][:3] == ["'=Ana", "1", "3"]
    missed = client.get(f"/classes/{class_id}/decks/{deck.id}/report.csv?table=missed").text
    assert missed.splitlines()[1].startswith("point,")
    # Unknown classes and decks, and another teacher's class, are 404s with a message.
    assert client.get("/classes/999").status_code == 404
    assert client.get(f"/api/classes/{class_id}/decks/999/report").status_code == 404
    assert client.get(f"/classes/{class_id}/decks/{deck.id}/report.csv?table=x").status_code == 422
    other = col.as_account(col.accounts.sign_up("Other", "correct horse battery", now=NOW).id)
    theirs = other.classes.create("Theirs", now=NOW)
    assert client.get(f"/classes/{theirs.id}").status_code == 404


def test_a_student_studies_a_class_deck(app: FastAPI, client: TestClient) -> None:
    holder: CollectionHolder = app.state.collections
    col = holder.get()
    teacher = col.as_account(col.accounts.sign_up("Teacher", "correct horse battery", now=NOW).id)
    deck = teacher.decks.import_deck(make_draft(2, title="Cells"), now=NOW).deck
    made = teacher.classes.create("Biology", now=NOW)
    teacher.classes.assign(made.id, deck, now=NOW)
    col.classes.join(made.join_code or "", now=NOW)  # as the join form does
    page = client.get("/classes").text
    assert "Biology" in page and f'href="/study?deck={deck.id}"' in page
    asked = client.get(f"/api/study/next?deck_id={deck.id}&mode=flip")
    assert asked.status_code == 200, asked.text
    question = asked.json()["question"]
    assert question["deck_id"] == deck.id and question["prompt"].startswith("Question")
    assert question["card_id"] not in {c.id for c in _cards(teacher)}  # the student's own
    assert client.get(f"/decks/{deck.id}").status_code == 404  # not the student's to edit


def _selected(page: str, select_id: str) -> list[tuple[str, str]]:
    """The (value, text) of the options of a <select> that are selected."""
    body = page.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="(\d*)" selected>([^<]*)</option>', body)


def _options(page: str, select_id: str) -> list[str]:
    body = page.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="\d*"[^>]*>([^<]*)</option>', body)


def test_a_class_deck_is_listed_and_selected_where_a_student_studies(
    app: FastAPI, client: TestClient
) -> None:
    holder: CollectionHolder = app.state.collections
    col = holder.get()
    teacher = col.as_account(col.accounts.sign_up("Teacher", "correct horse battery", now=NOW).id)
    shared = teacher.decks.import_deck(make_draft(2, title="Cells"), now=NOW).deck
    kept = teacher.decks.import_deck(make_draft(2, title="Private"), now=NOW).deck
    made = teacher.classes.create("Biology", now=NOW)
    teacher.classes.assign(made.id, shared, now=NOW)
    col.classes.join(made.join_code or "", now=NOW)
    own = col.decks.import_deck(make_draft(1, title="Mine"), now=NOW).deck
    page = client.get(f"/study?deck={shared.id}").text
    assert _selected(page, "pick-deck") == [(str(shared.id), "Cells")]
    assert _options(page, "pick-deck") == ["All decks", "Mine", "Cells"]
    assert 'label="Class: Biology"' in page and "Private" not in page
    assert _selected(client.get(f"/study?deck={own.id}").text, "pick-deck") == [
        (str(own.id), "Mine")
    ]
    stats = client.get(f"/stats?deck={shared.id}")
    assert stats.status_code == 200
    assert _selected(stats.text, "stats-deck") == [(str(shared.id), "Cells")]
    assert client.get(f"/study?deck={kept.id}").status_code == 404  # not assigned
    # The home page lists the class deck with its own counts and a way to study it, and
    # no link to edit it (it is the teacher's).
    home = client.get("/").text
    assert "Your class decks" in home and "From your class Biology" in home
    assert f'href="/study?deck={shared.id}"' in home
    assert f'href="/decks/{shared.id}"' not in home and "No decks yet" not in home
    [(assigned, counts)] = col.decks.class_counts(NOW)
    assert assigned.deck.id == shared.id and (counts.total, counts.new) == (2, 2)


def test_a_student_with_only_class_decks_sees_them_at_home(
    app: FastAPI, client: TestClient
) -> None:
    holder: CollectionHolder = app.state.collections
    col = holder.get()
    teacher = col.as_account(col.accounts.sign_up("Teacher", "correct horse battery", now=NOW).id)
    shared = teacher.decks.import_deck(make_draft(3, title="Cells"), now=NOW).deck
    made = teacher.classes.create("Biology", now=NOW)
    teacher.classes.assign(made.id, shared, now=NOW)
    assert "No decks yet" in client.get("/").text
    col.classes.join(made.join_code or "", now=NOW)
    home = client.get("/").text
    assert "No decks yet" not in home and "Cells" in home
    assert f'href="/study?deck={shared.id}"' in home


def _cards(col: Collection) -> list[Card]:
    return [i.card for i in col.study.next_cards(NOW, limit=100)]
