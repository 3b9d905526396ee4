"""Interoperability with Anki's own engine (the ``anki`` package, a test-only dependency):
Anki imports what retain writes with the same notes and fields, and retain reads what Anki
exports (notes of the stock note types, media and a review history made by answering the
cards in Anki) with the same cards, and with FSRS states that match replaying that history.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from retain.collection import Collection
from retain.core import scheduling
from retain.core.model import DeckDraft, NoteDraft, Rating
from retain.formats import apkg_write, read_path

anki_collection = pytest.importorskip("anki.collection")

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY_MS = 86_400_000
IMAGE = b"\x89PNG\r\n\x1a\n a tiny image"


@pytest.fixture
def anki(tmp_path: Path) -> Iterator[Any]:
    (tmp_path / "anki").mkdir()
    col = anki_collection.Collection(str(tmp_path / "anki" / "collection.anki2"))
    try:
        yield col
    finally:
        col.close()


def _import_into_anki(anki: Any, package: Path) -> None:
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    anki.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions())
    )


@pytest.mark.parametrize("type_in", [False, True])
def test_a_package_written_by_retain_imports_into_anki(
    anki: Any, tmp_path: Path, type_in: bool
) -> None:
    image = tmp_path / "stored"
    image.write_bytes(IMAGE)
    deck = DeckDraft(
        "Chemistry: unit 2",
        "text/questions",
        (
            NoteDraft("What is an ion?", ("An atom with a charge", "It gained or lost electrons")),
            NoteDraft('Is 2 < 3 & "true"?', ("Yes",)),
            NoteDraft("[image: flask.png] What is this?", ("A conical flask",)),
        ),
    )
    path = tmp_path / "out.apkg"
    path.write_bytes(apkg_write.write(deck, type_in=type_in, media=[("flask.png", image)]))
    _import_into_anki(anki, path)
    notes = [anki.get_note(nid) for nid in anki.find_notes("")]
    fields = sorted(tuple(n.fields) for n in notes)
    assert fields == sorted(
        [
            ("What is an ion?", "An atom with a charge<br>It gained or lost electrons"),
            ('Is 2 &lt; 3 &amp; "true"?', "Yes"),
            ('<img src="flask.png"> What is this?', "A conical flask"),
        ]
    )
    kinds = {n.note_type()["name"] for n in notes}
    assert len(kinds) == 1
    assert ("type in the answer" in kinds.pop()) == type_in
    assert anki.decks.by_name("Chemistry: unit 2") is not None
    assert anki.card_count() == 3
    assert (Path(anki.media.dir()) / "flask.png").read_bytes() == IMAGE


def _answer(anki: Any, card_id: int, rating: int) -> None:
    """Answer a card in Anki (ratings 1-4, as Anki's buttons)."""
    card = anki.get_card(card_id)
    card.start_timer()
    states = anki._backend.get_scheduling_states(card_id)
    answer = anki.sched.build_answer(card=card, states=states, rating=rating - 1)
    anki.sched.answer_card(answer)


def _studied_anki_collection(anki: Any) -> int:
    """Notes of each stock note type, answered in Anki on several days; returns the deck."""
    deck_id = anki.decks.id("Languages::Spanish")
    anki.media.write_data("sol.png", IMAGE)

    def add(model: str, **fields: str) -> None:
        note = anki.new_note(anki.models.by_name(model))
        for name, value in fields.items():
            note[name] = value
        anki.add_note(note, deck_id)

    add("Basic", Front="What does <b>hablar</b> mean?", Back="to speak<br>to talk")
    add("Basic (and reversed card)", Front="perro", Back="dog")
    add("Basic (type in the answer)", Front="gato", Back="cat")
    add("Cloze", Text="{{c1::Madrid}} is the capital of {{c2::Spain::country}}")
    add("Basic", Front='<img src="sol.png">', Back="<div>the sun</div><div>el sol</div>")
    anki.set_config("fsrs", True)
    config = anki.decks.config_dict_for_deck_id(deck_id)
    config["desiredRetention"] = 0.85
    anki.decks.update_config(config)
    card_ids = sorted(anki.find_cards(""))
    plans = [(3, 3, 3, 4), (1, 3, 3, 1, 3), (3, 3, 2), (1, 1, 3, 3), (4, 3)]
    for card_id, plan in zip(card_ids, plans * 2, strict=False):
        for rating in plan:
            _answer(anki, card_id, rating)
    # The answers were all given now; spread them over the past weeks, as a student's
    # reviews are, keeping their order: answer k of a card moved back by days.
    rows = anki.db.all("SELECT id, cid FROM revlog ORDER BY cid, id")
    start = int(datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp() * 1000)
    seen: dict[int, int] = {}
    for number, (review_id, card_id) in enumerate(rows):
        k = seen.get(card_id, 0)
        seen[card_id] = k + 1
        anki.db.execute(
            "UPDATE revlog SET id = ? WHERE id = ?",
            start + k * 3 * DAY_MS + (k % 2) * 600_000 + number,
            review_id,
        )
    return int(deck_id)


def _export(anki: Any, tmp_path: Path, kind: str, deck_id: int) -> Path:
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    if kind == "colpkg":
        path = tmp_path / "collection.colpkg"
        anki.export_collection_package(str(path), include_media=True, legacy=False)
        return path
    path = tmp_path / f"{kind}.apkg"
    anki.export_anki_package(
        out_path=str(path),
        options=ExportAnkiPackageOptions(
            with_scheduling=True,
            with_deck_configs=True,
            with_media=True,
            legacy=kind == "legacy",
        ),
        limit=ExportLimit(deck_id=deck_id),
    )
    return path


@pytest.mark.parametrize("kind", ["latest", "legacy", "colpkg"])
def test_a_package_exported_by_anki_is_read_with_its_history(
    anki: Any, tmp_path: Path, kind: str
) -> None:
    deck_id = _studied_anki_collection(anki)
    expected_reviews = {
        cid: [
            (Rating(ease), ms)
            for ms, ease in anki.db.all(
                "SELECT id, ease FROM revlog WHERE cid = ? ORDER BY id", cid
            )
        ]
        for cid in anki.find_cards("")
    }
    card_count = anki.card_count()
    path = _export(anki, tmp_path, kind, deck_id)
    draft = read_path(path)
    assert draft.format == "apkg"
    assert len(draft.notes) == card_count
    by_question = {n.question: n for n in draft.notes}
    assert by_question["What does hablar mean?"].answer_points == ("to speak", "to talk")
    assert by_question["perro"].answer_points == ("dog",)
    assert by_question["dog"].answer_points == ("perro",)
    assert by_question["gato"].answer_points == ("cat",)
    assert by_question["[...] is the capital of Spain"].answer_points == ("Madrid",)
    assert by_question["Madrid is the capital of [country]"].answer_points == ("Spain",)
    assert by_question["[image: sol.png]"].answer_points == ("the sun", "el sol")
    assert [(m.name, m.load()) for m in draft.media] == [("sol.png", IMAGE)]
    assert draft.scheduler is not None and draft.scheduler.desired_retention == 0.85
    histories = sorted(
        [(r.rating, int(r.reviewed_at.timestamp() * 1000)) for r in n.history] for n in draft.notes
    )
    assert histories == sorted(expected_reviews.values())

    with Collection.open(tmp_path / "retain.sqlite3", tz=UTC) as col:
        report = col.decks.import_deck(draft, now=NOW)
        assert report.added == card_count
        assert report.reviews == sum(len(v) for v in expected_reviews.values())
        for note in col.decks.notes(report.deck):
            item = col.study.card_for_note(note.id)
            replayed = scheduling.replay(
                [(r.rating, r.reviewed_at) for r in by_question[note.question].history],
                col._config,
                functools.partial(scheduling.fuzz_rng, item.card.id),
            )
            assert item.card.schedule == replayed
            assert item.card.schedule.reps == len(by_question[note.question].history)
        check = col.check()
        assert check.ok, check.problems
