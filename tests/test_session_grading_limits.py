"""Study grades what fits in the grader's limits: an answer or a card past them is read
up to the limits, never refused with a traceback."""

from __future__ import annotations

import random

from retain.collection import Collection, StudyItem
from retain.core.grading import MAX_POINT_CHARS, MAX_POINTS, MAX_TYPED_CHARS
from retain.core.model import DeckDraft, NoteDraft, Rating
from retain.core.questions import Mode, Question
from retain.session import StudySession
from tests.conftest import NOW


def deck(points: tuple[str, ...]) -> DeckDraft:
    note = NoteDraft("When and where was the battle of Waterloo?", points)
    return DeckDraft(title="Battles", format="text/questions", notes=(note,))


def first_typed(collection: Collection) -> tuple[StudySession, StudyItem, Question]:
    study = StudySession(collection, clock=lambda: NOW, rng=random.Random(1), mode="type")
    item = study.next()
    assert item is not None
    question = study.question(item)
    assert question.mode is Mode.TYPE
    return study, item, question


def test_an_answer_past_the_limit_is_graded_on_its_first_characters(
    collection: Collection,
) -> None:
    collection.decks.import_deck(deck(("June 1815", "Belgium")), now=NOW)
    study, item, question = first_typed(collection)
    typed = "In June 1815, in Belgium. " + "x" * (2 * MAX_TYPED_CHARS)
    outcome = study.submit(item, question, typed)
    assert outcome.grade is not None and outcome.grade.verdict == "correct"
    assert outcome.response == typed
    assert outcome.rating in (Rating.GOOD, Rating.EASY)
    study.answer(item, outcome.rating, outcome=outcome)
    [log] = collection.stats.reviews(item.card.id)
    assert log.detail is not None and log.detail["grade"]["verdict"] == "correct"


def test_a_card_past_the_limits_is_graded_on_what_fits(collection: Collection) -> None:
    points = ("June 1815 " + "w" * MAX_POINT_CHARS,) + tuple(
        f"point number {i}" for i in range(MAX_POINTS + 20)
    )
    collection.decks.import_deck(deck(points), now=NOW)
    study, item, question = first_typed(collection)
    outcome = study.submit(item, question, "June 1815")
    assert outcome.grade is not None
    assert 0 < len(outcome.grade.points) <= MAX_POINTS
