from __future__ import annotations

import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, event

from retain import deck_index
from retain.collection import Collection
from retain.core.deckview import MemoryDeck
from retain.core.kinds import AnswerKind, classify_point
from retain.core.model import DeckDraft, DeckId, NoteDraft
from retain.core.questions import Mode, QuestionUnavailable, build_question
from retain.deck_index import index_snapshot
from retain.session import StudySession
from retain.storage import schema
from retain.storage.engine import WRITE
from tests.conftest import NOW
from tests.core.test_deckview import synthetic_note

BASE = (
    NoteDraft("Who discovered polonium?", ("Marie Curie",)),
    NoteDraft("Where did Curie work?", ("In Paris, at a school of Physics - with Pierre",)),
    NoteDraft("What did Curie's husband study?", ("crystals and magnetism",)),
    NoteDraft("When was polonium found?", ("July 1898",)),
    NoteDraft("When was radium found?", ("December 1898",)),
    NoteDraft("When did Curie win her second prize?", ("1911",)),
    NoteDraft("Who found the electron?", ("Joseph Thomson",)),
    NoteDraft("Why was radium costly?", ("It took tonnes of ore to make a gram of it.",)),
)


def draft(notes: Sequence[NoteDraft]) -> DeckDraft:
    return DeckDraft("Physics people", "text/questions", tuple(notes))


def snapshot(col: Collection, deck_id: int) -> dict[str, object]:
    with col.engine.connect() as conn:
        return index_snapshot(conn, deck_id)


def assert_true_to_its_notes(col: Collection, deck_id: DeckId) -> None:
    """The index kept up to date is the index a rebuild from the notes gives, and reads
    every note as a deck held in memory does."""
    kept = snapshot(col, deck_id)
    with col.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        col.index.rebuild(conn, deck_id)
    assert snapshot(col, deck_id) == kept
    notes = col.decks.notes(next(d for d in col.decks.all() if d.id == deck_id))
    memory = MemoryDeck(notes)
    stored = col.decks.view(deck_id)
    assert stored.size == len(notes)
    assert stored.facts(notes) == memory.facts(notes)
    words = {w for n in notes for w in n.question.casefold().split()}
    assert stored.question_frequency(words) == memory.question_frequency(words)


def test_the_index_stays_true_through_imports_edits_and_deletes(collection: Collection) -> None:
    report = collection.decks.import_deck(draft(BASE), now=NOW)
    deck_id = report.deck.id
    assert_true_to_its_notes(collection, deck_id)
    # "curie" written in lower case: the name is no longer a name, and the other cards
    # that write it are read again.
    edited = [
        *BASE[:2],
        NoteDraft("What did Curie's husband study?", ("crystals, magnetism and the curie point",)),
        *BASE[3:],
        NoteDraft("Who worked with Pierre Curie?", ("Marie Curie and Gustave Bemont",)),
    ]
    report = collection.decks.import_deck(draft(edited), now=NOW)
    assert (report.added, report.updated) == (1, 1)
    assert_true_to_its_notes(collection, deck_id)
    report = collection.decks.import_deck(draft(BASE), now=NOW)  # and back again
    assert report.updated == 1
    assert_true_to_its_notes(collection, deck_id)
    # Deleting notes: the index is told in the same transaction.
    notes = collection.decks.notes(report.deck)
    gone = [n for n in notes if "Curie" in n.question]
    with collection.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        collection.index.notes_changed(conn, deck_id, removed=gone)
        conn.execute(delete(schema.notes).where(schema.notes.c.id.in_([n.id for n in gone])))
    assert_true_to_its_notes(collection, deck_id)


def test_a_deck_stored_without_an_index_is_indexed_when_studied(collection: Collection) -> None:
    report = collection.decks.import_deck(draft(BASE), now=NOW)
    kept = snapshot(collection, report.deck.id)
    with collection.engine.begin() as conn:
        for table in (
            schema.index_names, schema.index_terms, schema.index_words,
            schema.index_candidates, schema.index_notes, schema.index_decks,
        ):
            conn.execute(delete(table))
    assert collection.decks.view(report.deck.id).size == len(BASE)
    assert snapshot(collection, report.deck.id) == kept


def fact_deck(n: int) -> list[NoteDraft]:
    return [NoteDraft(s.question, s.answer_points) for s in map(synthetic_note, range(n))]


def test_questions_from_the_stored_index_are_fair(collection: Collection) -> None:
    report = collection.decks.import_deck(draft(fact_deck(80)), now=NOW)
    view = collection.decks.view(report.deck.id)
    notes = collection.decks.notes(report.deck)
    memory = MemoryDeck(notes)
    for note in notes[:24]:
        own = {p.casefold() for p in note.answer_points}
        for seed in range(3):
            q = build_question(Mode.CHOICE, note, view, random.Random(seed))
            assert isinstance(q.answer, int) and len(set(q.options)) == 4
            wrong = [o for i, o in enumerate(q.options) if i != q.answer]
            assert not own & {o.casefold() for o in wrong}  # never the card's own point
            lexicon = memory.lexicon
            kinds = {classify_point(o, note.question, lexicon).kind for o in wrong}
            assert kinds == {q.kind}, (note.question, q.options)
            try:
                t = build_question(Mode.TRUE_FALSE, note, view, random.Random(seed))
            except QuestionUnavailable:
                continue
            if t.answer == 1:
                assert t.statement is not None and t.statement.casefold() not in own


def test_dates_get_dates_and_people_get_people(collection: Collection) -> None:
    report = collection.decks.import_deck(draft(fact_deck(40)), now=NOW)
    view = collection.decks.view(report.deck.id)
    for note in collection.decks.notes(report.deck)[:8]:
        q = build_question(Mode.CHOICE, note, view, random.Random(1))
        expected = {0: AnswerKind.DATE, 1: AnswerKind.NUMBER, 2: AnswerKind.PERSON}
        wanted = expected.get((note.id - 1) % 4)
        if wanted is not None:
            assert q.kind is wanted


def study_work(col: Collection, mode: str, answers: int = 12) -> int:
    """The most candidates and notes one question of a session touched."""
    study = StudySession(col, rng=random.Random(3), mode=mode, clock=lambda: NOW)
    most = 0
    for _ in range(answers):
        item = study.next()
        if item is None:
            break
        view = study.deck_view(item.card.deck_id)
        before = view.touched
        question = study.question(item)
        if question.mode is Mode.TYPE:
            study.submit(item, question, "some words typed")
        most = max(most, view.touched - before)
        study.answer(item, study.reveal(item, question).rating)
    return most


@pytest.mark.parametrize(
    "mode", ["auto", "flip", "type", "choice", "truefalse", "cloze", "match", "learn"]
)
def test_study_work_does_not_grow_with_the_deck(
    collection: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    # Samples small enough that a deck of 100 cards fills them: then a larger deck can only
    # cost more if the work grows with it.
    monkeypatch.setattr(deck_index, "STORED_CANDIDATE_SAMPLE", 10)
    monkeypatch.setattr(deck_index, "STORED_NOTE_SAMPLE", 10)
    with Collection.open(tmp_path / "small.sqlite3") as small:
        small.decks.import_deck(draft(fact_deck(100)), now=NOW)
        small.set_setting("new_per_day", 1000)
        at_100 = study_work(small, mode)
    collection.decks.import_deck(draft(fact_deck(1500)), now=NOW)
    collection.set_setting("new_per_day", 1000)
    at_1500 = study_work(collection, mode)
    assert at_1500 <= at_100


@pytest.mark.parametrize("mode", list(Mode), ids=[m.value for m in Mode])
def test_a_small_deck_asks_the_same_questions_from_the_store(
    collection: Collection, mode: Mode
) -> None:
    from retain.formats import read_path
    from tests.conftest import SAMPLE

    report = collection.decks.import_deck(read_path(SAMPLE), now=NOW)
    notes = collection.decks.notes(report.deck)
    view = collection.decks.view(report.deck.id)
    for note in notes:
        for seed in range(3):
            try:
                expected = build_question(mode, note, notes, random.Random(seed))
            except QuestionUnavailable:
                with pytest.raises(QuestionUnavailable):
                    build_question(mode, note, view, random.Random(seed))
                continue
            assert build_question(mode, note, view, random.Random(seed)) == expected
        assert view.related_answers(note, "") == [n.answer_points for n in notes if n != note]


def test_an_import_indexes_its_deck_a_batch_at_a_time(collection: Collection) -> None:
    """The index built batch by batch at the end of an import is the index a rebuild from
    all the notes gives, and each batch is a write of its own."""
    people = [
        NoteDraft("Who found the comet?", ("Ada Berg",)),
        NoteDraft("What did Berg find?", ("a comet in the west",)),
        NoteDraft("Who named the valley?", ("the berg family",)),
    ]
    notes = [
        NoteDraft(n.question, n.answer_points) for n in map(synthetic_note, range(40))
    ] + people
    stages: list[str] = []
    report = collection.decks.import_deck(
        draft(notes), now=NOW, batch_size=4, progress=lambda stage, *_: stages.append(stage)
    )
    assert stages.count("indexing") == -(-len(notes) // 4)
    assert_true_to_its_notes(collection, report.deck.id)


def test_a_reimport_brings_the_index_up_to_date_note_by_note(collection: Collection) -> None:
    """Importing a deck again touches the index only for the notes that changed or came:
    an unchanged deck is not indexed again, and the index stays true."""
    notes = [NoteDraft(n.question, n.answer_points) for n in map(synthetic_note, range(30))]
    report = collection.decks.import_deck(draft(notes), now=NOW, batch_size=4)
    stages: list[str] = []
    again = collection.decks.import_deck(
        draft(notes), now=NOW, batch_size=4, progress=lambda stage, *_: stages.append(stage)
    )
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(notes))
    assert "indexing" not in stages
    changed = [
        *notes[:3],
        NoteDraft("Who found the comet?", ("Ada Berg",)),
        NoteDraft(notes[3].question, ("a different answer", "naming Ada Berg")),
        *notes[4:],
        NoteDraft("What did Berg find?", ("a comet in the west",)),
    ]
    stages.clear()
    again = collection.decks.import_deck(
        draft(changed), now=NOW, batch_size=2, progress=lambda stage, *_: stages.append(stage)
    )
    assert (again.added, again.updated) == (2, 1)
    assert "indexing" not in stages
    assert_true_to_its_notes(collection, report.deck.id)


def test_an_import_can_leave_its_notes_for_the_index_to_read_when_studied(
    collection: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`index_later`: the import writes no index of its new notes; the first study of the
    deck indexes a few of them before its first question and the rest in the background,
    and the index then is the one a rebuild gives."""
    notes = [NoteDraft(n.question, n.answer_points) for n in map(synthetic_note, range(60))]
    stages: list[str] = []
    report = collection.decks.import_deck(
        draft([*BASE, *notes]), now=NOW, index_later=True,
        progress=lambda stage, *_: stages.append(stage),
    )
    assert "indexing" not in stages
    deck_id = report.deck.id
    assert snapshot(collection, deck_id)["index_notes"] == []
    monkeypatch.setattr(deck_index, "LATER_FIRST", 5)
    monkeypatch.setattr(deck_index, "LATER_CHUNK", 7)
    view = collection.decks.view(deck_id)
    assert view.size >= 5
    collection.index.wait(deck_id)
    assert_true_to_its_notes(collection, deck_id)


def test_indexing_in_the_background_gives_way_to_the_students_work(
    collection: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the student's work runs (`DeckIndex.foreground`), and for a moment after it,
    the background indexing takes no chunk; then it goes on to the end."""
    notes = [NoteDraft(n.question, n.answer_points) for n in map(synthetic_note, range(40))]
    report = collection.decks.import_deck(draft([*BASE, *notes]), now=NOW, index_later=True)
    deck_id = report.deck.id
    monkeypatch.setattr(deck_index, "LATER_FIRST", 5)
    monkeypatch.setattr(deck_index, "LATER_CHUNK", 3)
    monkeypatch.setattr(deck_index, "LATER_PAUSE_SECONDS", 0.0)
    chunks: list[int] = []
    index_more = collection.index.index_more

    def counted(*args: Any, **kwargs: Any) -> bool:
        chunks.append(1)
        return index_more(*args, **kwargs)

    monkeypatch.setattr(collection.index, "index_more", counted)
    with collection.index.foreground():
        view = collection.decks.view(deck_id)
        assert view.size >= 5  # the first notes, indexed before the first question
        first = len(chunks)
        time.sleep(0.3)  # time enough for many chunks, were they not held back
        assert len(chunks) == first
        assert len(snapshot(collection, deck_id)["index_notes"]) == 5
    collection.index.wait(deck_id)
    assert len(chunks) > first
    assert_true_to_its_notes(collection, deck_id)


def test_the_work_of_several_threads_runs_side_by_side(collection: Collection) -> None:
    """The requests of a server, each in a thread, are not made to wait for each other."""
    import threading

    inside, release = threading.Event(), threading.Event()

    def first() -> None:
        with collection.index.foreground():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert inside.wait(10)
        entered = threading.Event()

        def second() -> None:
            with collection.index.foreground():
                entered.set()

        other = threading.Thread(target=second)
        other.start()
        assert entered.wait(10)  # while the first is still inside
        other.join(10)
    finally:
        release.set()
        thread.join(10)


def test_a_chunk_that_gives_way_is_rolled_back_whole(collection: Collection) -> None:
    """A chunk of the background indexing stopped midway (for the student's work) leaves
    the index as it was, and the next chunk indexes the same notes."""
    notes = [NoteDraft(n.question, n.answer_points) for n in map(synthetic_note, range(30))]
    report = collection.decks.import_deck(draft([*BASE, *notes]), now=NOW, index_later=True)
    deck_id = report.deck.id
    cursor: list[int] = []
    assert not collection.index.index_more(deck_id, 4, cursor=cursor)
    before, where = snapshot(collection, deck_id), list(cursor)
    calls: list[int] = []

    class Stop(Exception):
        pass

    def give_way() -> None:
        calls.append(1)
        if len(calls) > 3:
            raise Stop

    with pytest.raises(Stop):
        collection.index.index_more(deck_id, 8, cursor=cursor, give_way=give_way)
    assert snapshot(collection, deck_id) == before
    assert cursor[0] >= where[0]
    # Going on from the cursor it left misses no note.
    while not collection.index.index_more(deck_id, 8, cursor=cursor):
        pass
    assert_true_to_its_notes(collection, deck_id)


def test_an_index_being_completed_stays_true_through_edits_and_deletes(
    collection: Collection,
) -> None:
    report = collection.decks.import_deck(draft(BASE), now=NOW, index_later=True)
    deck_id = report.deck.id
    assert not collection.index.index_more(deck_id, 3)
    stored = collection.decks.notes(report.deck)
    # What is indexed so far is the index a rebuild from the notes read gives.
    kept = snapshot(collection, deck_id)
    with collection.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        collection.index.rebuild(conn, deck_id, notes=stored[:3])
    assert snapshot(collection, deck_id) == kept
    # An edit of a note read (the third) and of one not read yet (the last), by a
    # re-import that leaves its indexing for later too, and a new note.
    edited = [
        *BASE[:2],
        NoteDraft("What did Curie's husband study?", ("crystals, magnetism and the curie point",)),
        *BASE[3:-1],
        NoteDraft(BASE[-1].question, ("It took tonnes of Curie's ore to make a gram.",)),
        NoteDraft("Who worked with Pierre Curie?", ("Marie Curie and Gustave Bemont",)),
    ]
    report = collection.decks.import_deck(draft(edited), now=NOW, index_later=True)
    assert (report.added, report.updated) == (1, 2)
    # Deleting notes read and not read.
    notes = collection.decks.notes(report.deck)
    gone = [notes[0], notes[5]]
    with collection.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        collection.index.notes_changed(conn, deck_id, removed=gone)
        conn.execute(delete(schema.notes).where(schema.notes.c.id.in_([n.id for n in gone])))
    collection.index.complete(deck_id)
    assert_true_to_its_notes(collection, deck_id)


def test_a_view_reads_a_note_once_and_a_changed_note_again(collection: Collection) -> None:
    report = collection.decks.import_deck(draft(BASE), now=NOW)
    note = collection.decks.notes(report.deck)[1]
    view = collection.decks.view(report.deck.id)
    [first] = view.facts([note])
    assert view.facts([note]) == [first] and view.facts([note])[0] is first
    changed = replace(note, answer_points=("In Warsaw, with Pierre Curie - a school",))
    [again] = view.facts([changed])
    assert again.note == changed
    assert [again] == collection.decks.view(report.deck.id).facts([changed])
    assert again != first


def _chunk_work(path: Path, size: int) -> list[int]:
    """SQLite's virtual-machine steps (in thousands) for each chunk of the indexing that a
    deck of `size` notes imported with `index_later` gets, read by the thread that indexes
    it in the background."""
    notes = [NoteDraft(n.question, n.answer_points) for n in map(synthetic_note, range(size))]
    with Collection.open(path) as col:
        deck_id = col.decks.import_deck(draft(notes), now=NOW, index_later=True).deck.id
        steps = [0]

        def count() -> int:
            steps[0] += 1
            return 0

        def counting(conn: object, *_: object) -> None:
            conn.connection.dbapi_connection.set_progress_handler(count, 1000)  # type: ignore[attr-defined]

        event.listen(col.engine, "before_cursor_execute", counting)
        cursor: list[int] = []
        work = []
        done = False
        while not done:
            steps[0] = 0
            done = col.index.index_more(deck_id, 20, cursor=cursor)
            work.append(steps[0])
        event.remove(col.engine, "before_cursor_execute", counting)
    return work


def test_indexing_a_deck_later_costs_the_same_per_chunk_at_any_size(tmp_path: Path) -> None:
    """Each chunk of the indexing in the background reads from where the last one ended:
    a chunk of a deck of 2,000 notes costs SQLite about the work of one of a deck of 200,
    not the work of reading and sorting the whole deck."""
    small = _chunk_work(tmp_path / "small.sqlite3", 200)
    large = _chunk_work(tmp_path / "large.sqlite3", 2000)
    assert len(large) >= 100 > len(small) >= 10
    assert statistics.median(large[1:]) <= 1.5 * statistics.median(small[1:]) + 3
