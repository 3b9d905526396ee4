"""Importing Anki packages through the one import path: review history logged and replayed
(so that `check` agrees), media kept in the media folder, and a damaged package storing
nothing."""

from __future__ import annotations

import functools
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from retain.collection import Collection, CollectionError
from retain.collection.importing import _Batches
from retain.core import scheduling
from retain.core.model import CardState
from retain.formats import read_data
from retain.formats.errors import DeckImportError
from retain.storage import schema
from tests.formats.anki_packages import Note, collection, package

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DAY = 86_400_000
T0 = int(datetime(2025, 1, 6, 9, 0, tzinfo=UTC).timestamp() * 1000)

REVIEWED = [
    Note(
        "basic",
        ["What is a cell?", "The unit of life"],
        reviews={
            0: [
                (T0, 3, -600, 0, 6000),
                (T0 + 600_000, 3, 1, 0, 4000),
                (T0 + DAY, 3, 4, 1, 3000),
                (T0 + 5 * DAY, 4, 12, 1, 2000),
            ]
        },
    ),
    Note(
        "reversed",
        ["chien", "dog"],
        cards=2,
        reviews={
            1: [
                (T0 + 7, 1, -60, 0, 9000),
                (T0 + 120_000, 3, -600, 0, 5000),
                (T0 + 3 * DAY, 3, 2, 1, 8000),
                (T0 + 4 * DAY + 7, 1, -600, 2, 11000),
            ]
        },
    ),
    Note("basic", ["Never studied?", "new"]),
]


@pytest.fixture
def col(store_target: str | Path, tmp_path: Path) -> Iterator[Collection]:
    with Collection.open(store_target, tz=UTC, media_dir=tmp_path / "data" / "media") as c:
        yield c


def test_review_history_is_logged_and_states_match_its_replay(col: Collection) -> None:
    draft = read_data(package(collection(REVIEWED, deck="Biology")), source="bio.apkg")
    report = col.decks.import_deck(draft, now=NOW)
    assert (report.added, report.reviews) == (4, 8)
    histories = {n.question: n.history for n in draft.notes}
    items = {}
    for note in col.decks.notes(report.deck):
        item = col.study.card_for_note(note.id)
        items[note.question] = item
        expected = scheduling.replay(
            [(r.rating, r.reviewed_at) for r in histories[note.question]],
            col._config,
            functools.partial(scheduling.fuzz_rng, item.card.id),
        )
        assert item.card.schedule == expected
        logged = col.stats.reviews(item.card.id)
        assert [(r.rating, r.reviewed_at, r.duration_ms, r.mode) for r in logged] == [
            (r.rating, r.reviewed_at, r.duration_ms, "anki") for r in histories[note.question]
        ]
    assert items["What is a cell?"].card.schedule.state == CardState.REVIEW
    assert items["dog"].card.schedule.state == CardState.RELEARNING
    assert items["dog"].card.schedule.lapses == 1
    assert items["Never studied?"].card.schedule.state == CardState.NEW
    check = col.check()
    assert check.ok, check.problems
    assert check.reviews == 8


def test_importing_the_package_again_adds_no_history(col: Collection) -> None:
    data = package(collection(REVIEWED))
    col.decks.import_deck(read_data(data), now=NOW)
    again = col.decks.import_deck(read_data(data), now=NOW)
    assert (again.added, again.unchanged, again.reviews) == (0, 4, 0)
    assert col.stats.review_count() == 8
    assert col.check().ok


def test_the_history_keeps_ankis_intervals(col: Collection) -> None:
    report = col.decks.import_deck(read_data(package(collection(REVIEWED))), now=NOW)
    note = next(n for n in col.decks.notes(report.deck) if n.question == "What is a cell?")
    details = [r.detail for r in col.stats.reviews(col.study.card_for_note(note.id).card.id)]
    assert [d["anki"]["interval"] for d in details if d] == [-600, 1, 4, 12]


def test_media_are_kept_in_the_media_folder_under_their_hash(
    col: Collection, tmp_path: Path
) -> None:
    notes = [Note("basic", ['<img src="eye.png">', "An eye"])]
    data = package(collection(notes), version="anki21b", media={"eye.png": b"\x89PNG eye"})
    report = col.decks.import_deck(read_data(data), now=NOW)
    assert report.media == 1
    files = col.decks.media_files(report.deck)
    assert [name for name, _ in files] == ["eye.png"]
    stored = files[0][1]
    assert stored.parent == tmp_path / "data" / "media"
    assert stored.read_bytes() == b"\x89PNG eye"
    assert stored.name.endswith(".png") and len(stored.stem) == 64


def test_a_damaged_media_file_stores_nothing(col: Collection) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:  # stored, so that the bytes can be found
        archive.writestr("collection.anki21", collection(REVIEWED))
        archive.writestr("media", '{"0": "a.png"}')
        archive.writestr("0", b"image bytes " * 500)
    data = bytearray(out.getvalue())
    at = data.index(b"image bytes ")
    data[at + 100 : at + 140] = b"\xff" * 40
    draft = read_data(bytes(data))
    with pytest.raises(CollectionError, match="damaged"):
        col.decks.import_deck(draft, now=NOW)
    assert col.decks.all() == []
    with col.engine.connect() as conn:
        for table in (schema.notes, schema.cards, schema.reviews, schema.media):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0


def test_a_media_name_cannot_write_outside_the_media_folder(
    col: Collection, tmp_path: Path
) -> None:
    before = set(tmp_path.rglob("*"))
    data = package(collection(REVIEWED), media={"../../escape.txt": b"x"})
    with pytest.raises(DeckImportError):
        read_data(data)
    assert set(tmp_path.rglob("*")) == before  # reading a package writes nothing
    assert not (tmp_path / "escape.txt").exists()
    assert not (tmp_path / "data" / "escape.txt").exists()


def test_the_dry_run_shape_counts_reviews_and_names_media() -> None:
    draft = read_data(package(collection(REVIEWED), media={"a.png": b"png"}))
    shape = json.loads(json.dumps(draft.to_json_dict()))
    assert shape["format"] == "apkg"
    assert [c.get("reviews", 0) for c in shape["cards"]] == [4, 0, 4, 0]
    assert shape["media"] == ["a.png"]


def test_an_import_finished_by_another_process_replays_the_log(
    store_target: str | Path, tmp_path: Path
) -> None:
    """The process that wrote every card died before making them visible: the next one to
    open the store finishes the import, and the states are the replay of the logged
    history."""
    draft = read_data(package(collection(REVIEWED)))
    with Collection.open(store_target, tz=UTC, media_dir=tmp_path / "m") as first:
        plan = first._importer._begin_import("Biology", draft, 0)
        first._importer._write_import(plan, _Batches(draft, 2), progress=None)
        with first.engine.begin() as conn:
            conn.execute(schema.imports.update().values(state="settling", heartbeat_at=0))
    with Collection.open(store_target, tz=UTC, media_dir=tmp_path / "m") as second:
        deck = second.decks.find("Biology")
        states = {
            n.question: second.study.card_for_note(n.id).card.schedule.state
            for n in second.decks.notes(deck)
        }
        assert states["What is a cell?"] == CardState.REVIEW
        assert states["dog"] == CardState.RELEARNING
        assert states["Never studied?"] == CardState.NEW
        check = second.check()
        assert check.ok and check.reviews == 8, check.problems


ANKI_PARAMETERS = [
    0.3, 1.1, 3.2, 12.5, 6.0, 0.9, 2.5, 0.01, 1.6, 0.2, 0.9,
    1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
]


def test_ankis_settings_can_be_used_and_the_history_is_replayed_with_them(
    col: Collection,
) -> None:
    dconf = {"1": {"id": 1, "fsrsParams6": ANKI_PARAMETERS, "desiredRetention": 0.85}}
    draft = read_data(package(collection(REVIEWED, dconf=dconf)))
    assert draft.scheduler is not None
    assert col.use_scheduler(draft.scheduler) == [
        "desired_retention = 0.85",
        "fsrs_parameters = the deck's 21 values",
    ]
    assert col._config.parameters == tuple(ANKI_PARAMETERS)
    assert col._config.desired_retention == 0.85
    report = col.decks.import_deck(draft, now=NOW)
    note = next(n for n in col.decks.notes(report.deck) if n.question == "What is a cell?")
    item = col.study.card_for_note(note.id)
    history = next(n.history for n in draft.notes if n.question == "What is a cell?")
    with_anki = scheduling.replay(
        [(r.rating, r.reviewed_at) for r in history],
        col._config,
        functools.partial(scheduling.fuzz_rng, item.card.id),
    )
    assert item.card.schedule == with_anki
    assert (
        item.card.schedule.stability
        != scheduling.replay(
            [(r.rating, r.reviewed_at) for r in history],
            scheduling.SchedulerConfig(tz=UTC),
            functools.partial(scheduling.fuzz_rng, item.card.id),
        ).stability
    )
    assert col.check().ok


def test_fsrs_parameters_setting(col: Collection) -> None:
    col.set_setting("fsrs_parameters", ",".join(str(p) for p in ANKI_PARAMETERS))
    assert col.settings["fsrs_parameters"] == ANKI_PARAMETERS
    with pytest.raises(CollectionError, match="fsrs_parameters"):
        col.set_setting("fsrs_parameters", "1, 2, 3")
    with pytest.raises(CollectionError, match="outside"):
        col.set_setting("fsrs_parameters", [500.0] + ANKI_PARAMETERS[1:])
    col.set_setting("fsrs_parameters", "default")
    assert col.settings["fsrs_parameters"] == []
    assert col._config.parameters == scheduling.DEFAULT_CONFIG.parameters


def test_undo_does_not_take_back_an_imported_answer(col: Collection) -> None:
    col.decks.import_deck(read_data(package(collection(REVIEWED))), now=NOW)
    with pytest.raises(CollectionError, match="no answer to undo"):
        col.study.undo(NOW)
    assert col.check().ok
