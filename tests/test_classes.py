"""Classes: a teacher makes one and assigns decks, students join with the code, and every
access is checked (unknown and forbidden ids fail alike)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from retain.collection import Collection
from retain.collection.classes import normal_code
from retain.core.model import Rating
from retain.errors import CollectionError, NotFound
from tests.conftest import NOW, make_draft

PASSWORD = "correct horse battery"


def _people(col: Collection) -> tuple[Collection, Collection, Collection, Collection]:
    made = [col.accounts.sign_up(name, PASSWORD, now=NOW) for name in ("T", "U", "A", "B")]
    teacher, other, a, b = (col.as_account(account.id) for account in made)
    return teacher, other, a, b


def test_a_teacher_assigns_decks_and_students_join(collection: Collection) -> None:
    teacher, _, a, b = _people(collection)
    deck = teacher.decks.import_deck(make_draft(3, title="Cells"), now=NOW).deck
    made = teacher.classes.create("Biology 9B", now=NOW)
    assert made.join_code is not None and len(made.join_code) == 8
    teacher.classes.assign(made.id, deck, now=NOW)
    teacher.classes.assign(made.id, deck, now=NOW)  # twice changes nothing
    code = made.join_code.lower()
    joined = a.classes.join(f" {code[:4]}-{code[4:]} ", now=NOW)  # as typed from a board
    assert joined.id == made.id and joined.join_code is None  # students never see the code
    b.classes.join(made.join_code, now=NOW)
    assert [s.name for s in teacher.classes.students(made.id)] == ["A", "B"]
    assert [d.name for d in a.classes.decks(made.id)] == ["Cells"]
    assert [c.id for c in a.classes.joined()] == [made.id]
    assert [c.id for c in teacher.classes.taught()] == [made.id]
    b.classes.leave(made.id)
    assert [s.name for s in teacher.classes.students(made.id)] == ["A"]


def test_unknown_and_forbidden_classes_fail_alike(collection: Collection) -> None:
    teacher, other, a, b = _people(collection)
    deck = teacher.decks.import_deck(make_draft(2, title="Cells"), now=NOW).deck
    made = teacher.classes.create("Biology", now=NOW)
    a.classes.join(made.join_code or "", now=NOW)
    missing = made.id + 1000
    for class_id in (made.id, missing):
        for who in (other, b):  # another teacher; a student not in the class
            with pytest.raises(NotFound, match=rf"^no class with id {class_id}$"):
                who.classes.get(class_id)
            with pytest.raises(NotFound, match=rf"^no class with id {class_id}$"):
                who.classes.decks(class_id)
        for who in (other, a, b):  # only the class's teacher manages it
            with pytest.raises(NotFound, match=rf"^no class with id {class_id}$"):
                who.classes.students(class_id)
            with pytest.raises(NotFound, match=rf"^no class with id {class_id}$"):
                who.classes.assign(class_id, deck, now=NOW)
            with pytest.raises(NotFound, match=rf"^no class with id {class_id}$"):
                who.classes.new_join_code(class_id)
            with pytest.raises(NotFound, match=rf"^no class with id {class_id}$"):
                who.classes.delete(class_id)
    # A teacher assigns only decks of their own.
    theirs = other.decks.import_deck(make_draft(1, title="Other's"), now=NOW).deck
    with pytest.raises(NotFound, match=rf"^no deck with id {theirs.id}$"):
        teacher.classes.assign(made.id, theirs, now=NOW)


def test_join_codes(collection: Collection) -> None:
    teacher, _, a, _ = _people(collection)
    made = teacher.classes.create("Chemistry", now=NOW)
    with pytest.raises(NotFound, match="^no class has that join code$"):
        a.classes.join("WRONG123", now=NOW)
    with pytest.raises(NotFound, match="^no class has that join code$"):
        teacher.classes.join(made.join_code or "", now=NOW)  # not into one's own class
    renewed = teacher.classes.new_join_code(made.id)
    assert renewed.join_code != made.join_code
    with pytest.raises(NotFound):
        a.classes.join(made.join_code or "", now=NOW)
    assert a.classes.join(renewed.join_code or "", now=NOW).id == made.id
    assert normal_code("ab-cd ef") == "ABCDEF"
    with pytest.raises(CollectionError, match="needs a name"):
        teacher.classes.create("  ", now=NOW)


def test_each_student_studies_an_assigned_deck_with_cards_of_their_own(
    collection: Collection,
) -> None:
    teacher, _, a, b = _people(collection)
    deck = teacher.decks.import_deck(make_draft(3, title="Cells"), now=NOW).deck
    made = teacher.classes.create("Biology", now=NOW)
    a.classes.join(made.join_code or "", now=NOW)  # joined before the deck was assigned
    assert a.study.next_card(NOW) is None
    teacher.classes.assign(made.id, deck, now=NOW)
    b.classes.join(made.join_code or "", now=NOW)  # joined after
    [shared] = a.classes.decks(made.id)
    for student in (a, b):
        assert student.study.counts(NOW, shared).new == 3
    # A studies; B's cards and the teacher's are untouched.
    item = a.study.next_card(NOW, shared)
    assert item is not None and item.note.question == "Question 0?"
    answered = a.study.answer(
        item.card.id, Rating.AGAIN, NOW, mode="type", points={0: False, 1: True}
    )
    assert b.study.counts(NOW, shared).new == 3 and teacher.study.counts(NOW, deck).new == 3
    assert [c.total for c in teacher.decks.counts(NOW)] == [3]  # the owner's cards only
    assert b.stats.review_count() == 0 and teacher.stats.review_count() == 0
    b_item = b.study.next_card(NOW, shared)
    assert b_item is not None and b_item.card.id != item.card.id
    with pytest.raises(NotFound):
        b.study.card(item.card.id)  # students never see each other's cards
    with pytest.raises(NotFound):
        b.study.undo(NOW, review_id=answered.review_id)
    # The teacher's edit reaches the students; A's history stays.
    teacher.decks.edit_note(item.note.id, "Question zero?", ["answer 0 point a"], now=NOW)
    again = a.study.card(item.card.id)
    assert again.note.question == "Question zero?"
    assert [r.rating for r in a.stats.reviews(item.card.id)] == [Rating.AGAIN]
    assert again.card.schedule.reps == 1
    # Notes the teacher adds later reach the students, as new cards (the edited question
    # is no longer "Question 0?", so that one comes back as a note of its own).
    teacher.decks.import_deck(make_draft(5, title="Cells"), now=NOW)
    assert b.study.counts(NOW, shared).new == 6 and a.study.counts(NOW, shared).new == 5
    assert [c.total for c in teacher.decks.counts(NOW)] == [6]
    # Joining or assigning again makes no second card.
    teacher.classes.assign(made.id, deck, now=NOW)
    a.classes.join(made.join_code or "", now=NOW)
    assert a.study.counts(NOW, shared).new == 5
    report = collection.check()
    assert report.ok, report.problems
    assert report.reviews == 1


def test_a_teacher_reports_on_a_deck(collection: Collection) -> None:
    teacher, other, a, b = _people(collection)
    deck = teacher.decks.import_deck(make_draft(4, title="Cells"), now=NOW).deck
    made = teacher.classes.create("Biology", now=NOW)
    teacher.classes.assign(made.id, deck, now=NOW)
    for student in (a, b):
        student.classes.join(made.join_code or "", now=NOW)
    c = _people_named(collection, "=HYPERLINK(1)")  # a name a spreadsheet would run
    c.classes.join(made.join_code or "", now=NOW)
    [shared] = a.classes.decks(made.id)
    # A answers two cards, missing point 1 of the first; B misses the first card whole.
    first = a.study.next_card(NOW, shared)
    assert first is not None
    a.study.answer(first.card.id, Rating.GOOD, NOW, mode="type", points={0: True, 1: False})
    second = a.study.next_card(NOW, shared)
    assert second is not None and second.note.id != first.note.id
    a.study.answer(second.card.id, Rating.EASY, NOW, mode="type", points={0: True, 1: True})
    later = NOW + timedelta(days=30)  # A's second card is in review by then: recalled again
    a.study.answer(second.card.id, Rating.GOOD, later)
    b_first = b.study.card_for_note(first.note.id)
    b.study.answer(
        b_first.card.id, Rating.AGAIN, NOW, mode="type", points={0: False, 1: False}
    )
    # An undone answer counts for nothing.
    b_second = b.study.card_for_note(second.note.id)
    b.study.answer(
        b_second.card.id, Rating.AGAIN, NOW, mode="type", points={0: False, 1: False}
    )
    b.study.undo(NOW)
    report = teacher.classes.report(made.id, deck, now=later)
    progress = {p.student.name: p for p in report.students}
    assert [p.student.name for p in report.students] == ["A", "B", "=HYPERLINK(1)"]
    assert (progress["A"].seen, progress["A"].total, progress["A"].answers) == (2, 4, 3)
    assert (progress["A"].due, progress["A"].retention) == (1, 1.0)
    assert (progress["B"].seen, progress["B"].answers, progress["B"].due) == (1, 1, 1)
    assert progress["B"].retention is None  # no card of B's has come back for review
    assert progress["=HYPERLINK(1)"].answers == 0
    [card] = report.missed_cards
    assert (card.note_id, card.answers, card.missed, card.students) == (first.note.id, 2, 1, 1)
    points = [(p.note_id, p.index, p.asked, p.missed) for p in report.missed_points]
    assert points == [(first.note.id, 1, 2, 2), (first.note.id, 0, 2, 1)]
    assert report.missed_points[0].point == first.note.answer_points[1]
    table = report.students_csv().splitlines()
    assert table[0] == "student,seen,total,due,answers,retention"
    assert table[1] == "A,2,4,1,3,1.000" and table[3].startswith("'=HYPERLINK(1),0,4,")
    assert report.missed_csv().splitlines()[1].startswith("point,")
    # Only the class's teacher reads it, and only for decks the class has.
    for who in (other, a):
        with pytest.raises(NotFound, match=rf"^no class with id {made.id}$"):
            who.classes.report(made.id, deck, now=NOW)
    theirs = teacher.decks.import_deck(make_draft(1, title="Not assigned"), now=NOW).deck
    with pytest.raises(NotFound, match="^no deck with id"):
        teacher.classes.report(made.id, theirs, now=NOW)


def _people_named(col: Collection, name: str) -> Collection:
    return col.as_account(col.accounts.sign_up(name, PASSWORD, now=NOW).id)


def test_a_student_who_leaves_keeps_what_they_studied(collection: Collection) -> None:
    teacher, _, a, b = _people(collection)
    deck = teacher.decks.import_deck(make_draft(3, title="Cells"), now=NOW).deck
    made = teacher.classes.create("Biology", now=NOW)
    other = teacher.classes.create("Biology, second group", now=NOW)
    teacher.classes.assign(made.id, deck, now=NOW)
    teacher.classes.assign(other.id, deck, now=NOW)
    a.classes.join(made.join_code or "", now=NOW)
    b.classes.join(made.join_code or "", now=NOW)
    b.classes.join(other.join_code or "", now=NOW)
    [shared] = a.classes.decks(made.id)
    item = a.study.next_card(NOW, shared)
    assert item is not None
    a.study.answer(item.card.id, Rating.GOOD, NOW)
    a.classes.leave(made.id)
    # A keeps the card answered, with its history; the two never seen are gone.
    assert a.study.counts(NOW, shared).new == 0
    assert a.study.card(item.card.id).card.schedule.reps == 1
    assert a.stats.review_count() == 1
    # B is still given the deck by the second group.
    teacher.classes.remove_student(made.id, b.account_id)
    assert b.study.counts(NOW, shared).new == 3
    teacher.classes.unassign(other.id, deck)
    assert b.study.counts(NOW, shared).new == 0
    assert [c.total for c in teacher.decks.counts(NOW)] == [3]
    assert collection.check().ok
