"""Importing in batches: the same result as one transaction, the write lock free between
batches, and all or nothing when the import is interrupted, fails or its process dies."""

from __future__ import annotations

import os
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from retain.collection import Collection, CollectionError
from retain.core.model import DeckDraft, NoteDraft, Rating
from retain.storage import schema
from tests.conftest import NOW, make_draft


def draft_of(*questions: str, answer: str = "an answer", title: str = "Deck") -> DeckDraft:
    return DeckDraft(
        title=title,
        format="text/questions",
        notes=tuple(NoteDraft(q, (f"{answer} to {q}",)) for q in questions),
    )


def rows(col: Collection, table: schema.Table) -> int:
    with col.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_batches_store_what_one_transaction_would(collection: Collection) -> None:
    # Repeats of a question, within a batch and across batches, are stored once.
    draft = draft_of("Q1?", "Q2?", "q1?", "Q3?", "Q4?", "q2?", "Q5?")
    report = collection.decks.import_deck(draft, now=NOW, batch_size=2)
    assert (report.added, report.updated, report.unchanged) == (5, 0, 0)
    deck = collection.decks.find("Deck")
    assert [n.question for n in collection.decks.notes(deck)] == ["Q1?", "Q2?", "Q3?", "Q4?", "Q5?"]
    assert [c.total for c in collection.decks.counts(NOW)] == [5]
    assert collection.study.counts(NOW).new == 5
    # New cards come in the order of the draft.
    item = collection.study.next_card(NOW)
    assert item is not None and item.note.question == "Q1?"
    assert rows(collection, schema.imports) == 0


def test_a_second_import_in_batches_updates_and_keeps_history(collection: Collection) -> None:
    collection.decks.import_deck(draft_of("Q1?", "Q2?", "Q3?"), now=NOW)
    first = collection.study.next_card(NOW)
    assert first is not None
    collection.study.answer(first.card.id, Rating.GOOD, NOW)
    again = DeckDraft(
        title="Deck",
        format="text/questions",
        notes=(
            NoteDraft("Q1?", ("changed",)),
            NoteDraft("Q2?", ("an answer to Q2?",)),
            NoteDraft("Q1?", ("changed again",)),  # a repeat: the first one counts
            NoteDraft("Q4?", ("new",)),
            NoteDraft("Q2?", ("an answer to Q2?",)),
        ),
    )
    report = collection.decks.import_deck(again, now=NOW, batch_size=2)
    assert (report.added, report.updated, report.unchanged) == (1, 1, 1)
    deck = collection.decks.find("Deck")
    notes = {n.question: n.answer_points for n in collection.decks.notes(deck)}
    assert notes == {
        "Q1?": ("changed",), "Q2?": ("an answer to Q2?",), "Q3?": ("an answer to Q3?",),
        "Q4?": ("new",),
    }
    assert [r.rating for r in collection.stats.reviews(first.card.id)] == [Rating.GOOD]


def test_an_interrupted_import_stores_nothing(collection: Collection) -> None:
    collection.decks.import_deck(draft_of("Q1?", "Q2?"), now=NOW)
    before = {t.name: rows(collection, t) for t in (schema.decks, schema.notes, schema.cards)}

    def interrupt(stage: str, done: int, total: int) -> None:
        if done >= 4:
            raise KeyboardInterrupt

    changed = draft_of("Q1?", "Q3?", "Q4?", "Q5?", "Q6?", "Q7?", answer="other")
    with pytest.raises(KeyboardInterrupt):
        collection.decks.import_deck(changed, now=NOW, progress=interrupt, batch_size=2)
    with pytest.raises(KeyboardInterrupt):
        collection.decks.import_deck(
            make_draft(10, title="New deck"), now=NOW, progress=interrupt, batch_size=2
        )
    after = {t.name: rows(collection, t) for t in (schema.decks, schema.notes, schema.cards)}
    assert after == before
    assert rows(collection, schema.imports) == rows(collection, schema.import_note_updates) == 0
    deck = collection.decks.find("Deck")
    assert [n.answer_points for n in collection.decks.notes(deck)] == [
        ("an answer to Q1?",), ("an answer to Q2?",)
    ]
    assert [d.name for d in collection.decks.all()] == ["Deck"]


def test_a_failing_import_stores_nothing_and_says_why(collection: Collection) -> None:
    def fail(stage: str, done: int, total: int) -> None:
        raise CollectionError("the disk is full")

    with pytest.raises(CollectionError, match="disk is full"):
        collection.decks.import_deck(make_draft(6), now=NOW, progress=fail, batch_size=2)
    assert collection.decks.all() == []
    assert rows(collection, schema.notes) == rows(collection, schema.cards) == 0


def test_between_batches_the_lock_is_free_and_the_import_hidden(
    store_target: str | Path,
) -> None:
    """A studier in another connection answers while the import is half written or being
    indexed, and sees nothing of the import until it is complete."""
    with Collection.open(store_target, tz=UTC) as col, Collection.open(
        store_target, tz=UTC
    ) as studier:
        col.decks.import_deck(make_draft(12, title="Studied"), now=NOW)
        studied = studier.decks.find("Studied")
        seen: list[tuple[str, int, list[str], int, int]] = []

        def study_meanwhile(stage: str, done: int, total: int) -> None:
            item = studier.study.next_card(NOW, studied)
            assert item is not None
            studier.study.answer(item.card.id, Rating.GOOD, NOW)
            seen.append(
                (
                    stage, done, [d.name for d in studier.decks.all()],
                    studier.study.counts(NOW).new, sum(c.total for c in studier.decks.counts(NOW)),
                )
            )

        col.decks.import_deck(
            make_draft(6, title="Big"), now=NOW, progress=study_meanwhile, batch_size=2
        )
        writing = [s for s in seen if s[0] == "writing"]
        # Batches grow while they are quick and no one waits for the lock: 2, then 4.
        assert [s[1] for s in writing] == [2, 6]
        # While it is being written, the import is invisible: no deck, no new cards.
        assert all(names == ["Studied"] and total == 12 for _, _, names, _, total in writing)
        assert studier.stats.review_count() == len(seen)
        assert [d.name for d in studier.decks.all()] == ["Studied", "Big"]
        assert [c.total for c in studier.decks.counts(NOW)] == [12, 6]
        # The question index is built a batch at a time, and answers go in between.
        assert [s[1] for s in seen if s[0] == "indexing"] == [2, 4, 6]


def test_a_deck_that_is_being_imported_refuses_a_second_import_from_the_same_process(
    store_target: str | Path,
) -> None:
    with Collection.open(store_target, tz=UTC) as col, Collection.open(
        store_target, tz=UTC
    ) as other:
        errors: list[str] = []

        def second(stage: str, done: int, total: int) -> None:
            if not errors:
                with pytest.raises(CollectionError) as raised:
                    other.decks.import_deck(make_draft(2), now=NOW)
                errors.append(str(raised.value))

        col.decks.import_deck(make_draft(4), now=NOW, progress=second, batch_size=2)
        assert errors and "an import into “Test deck” is already under way" in errors[0]
        assert [c.total for c in other.decks.counts(NOW)] == [4]


def _abandon(col: Collection) -> None:
    """Make the import under way look abandoned (its process silent for hours)."""
    with col.engine.begin() as conn:
        conn.execute(update(schema.imports).values(heartbeat_at=0))


def test_an_abandoned_import_is_removed_by_the_next_open(store_target: str | Path) -> None:
    col = Collection.open(store_target, tz=UTC)
    written: list[int] = []

    def die(stage: str, done: int, total: int) -> None:
        if done >= 4:
            written.append(done)
            _abandon(col)
            raise SystemExit  # as if the process ended here, without cleaning up

    col._importer._discard_import_quietly = lambda import_id: None  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        col.decks.import_deck(make_draft(8), now=NOW, progress=die, batch_size=2)
    assert 4 <= written[0] < 8
    assert rows(col, schema.notes) == written[0]  # written, but hidden
    assert col.decks.all() == [] and col.decks.counts(NOW) == []
    assert col.study.next_card(NOW) is None
    col.close()
    with Collection.open(store_target, tz=UTC) as again:
        assert again.decks.all() == []
        assert rows(again, schema.notes) == rows(again, schema.cards) == 0
        assert rows(again, schema.imports) == 0
        report = again.decks.import_deck(make_draft(8), now=NOW)
        assert report.added == 8


def test_an_import_stopped_while_finishing_is_finished_by_the_next_open(
    store_target: str | Path,
) -> None:
    col = Collection.open(store_target, tz=UTC)

    def die(stage: str, done: int, total: int) -> None:
        if stage == "finishing":
            _abandon(col)
            raise SystemExit

    with pytest.raises(SystemExit):
        col.decks.import_deck(make_draft(8), now=NOW, progress=die, batch_size=2)
    col.close()
    with Collection.open(store_target, tz=UTC) as again:
        assert [c.total for c in again.decks.counts(NOW)] == [8]
        assert again.study.counts(NOW).new == 8
        assert rows(again, schema.imports) == 0
        assert again.check().ok


def test_an_import_reports_the_control_characters_removed(collection: Collection) -> None:
    from retain.formats.text import read_text

    draft = read_text("Title\nWhat is \x1b[2Jit?\nA thing\x07\n")
    report = collection.decks.import_deck(draft, now=NOW)
    assert report.control_characters_removed == 2
    deck = collection.decks.find("Title")
    assert [(n.question, n.answer_points) for n in collection.decks.notes(deck)] == [
        ("What is [2Jit?", ("A thing",))
    ]


def test_batches_grow_while_no_one_waits_and_shrink_when_someone_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retain.collection import importing
    from retain.storage.engine import WAITING_SUFFIX

    store = tmp_path / "retain.sqlite3"
    pauses: list[float] = []
    monkeypatch.setattr(importing.time, "sleep", pauses.append)
    monkeypatch.setattr(importing, "IMPORT_BUSY_SECONDS", 0.0)  # pause at the first wait
    with Collection.open(store, tz=UTC) as col:
        written: list[int] = []

        def wait_once(stage: str, done: int, total: int) -> None:
            if stage != "writing":
                return
            written.append(done)
            if done == 14:  # someone else begins to wait for the write lock
                waiting = Path(str(store) + WAITING_SUFFIX)
                waiting.touch()
                os.utime(waiting, ns=(1, 1))

        col.decks.import_deck(make_draft(64), now=NOW, progress=wait_once, batch_size=2)
        # 2, 4, 8, 16 (the largest, 8 times the first), then back to 2 after the wait.
        assert written[:6] == [2, 6, 14, 30, 32, 36]
        assert pauses == [importing.IMPORT_PAUSE_SECONDS]
        assert [c.total for c in col.decks.counts(NOW)] == [64]


def test_an_import_with_no_one_waiting_never_pauses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retain.collection import importing

    pauses: list[float] = []
    monkeypatch.setattr(importing.time, "sleep", pauses.append)
    monkeypatch.setattr(importing, "IMPORT_BUSY_SECONDS", 0.0)
    with Collection.open(tmp_path / "retain.sqlite3", tz=UTC) as col:
        col.decks.import_deck(make_draft(40), now=NOW, batch_size=2)
        assert pauses == []
        assert [c.total for c in col.decks.counts(NOW)] == [40]
