"""Undo and edit in a study session: the card comes back as it was, and the summary and a
learn round go back with it."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from retain.collection import Collection
from retain.core.model import Rating
from retain.formats import read_path
from retain.session import StudySession
from tests.conftest import NOW, SAMPLE
from tests.test_session import Clock, right_response, wrong_response


@pytest.fixture
def sample(collection: Collection) -> Iterator[Collection]:
    collection.decks.import_deck(read_path(SAMPLE), now=NOW)
    yield collection


def make(col: Collection, mode: str) -> tuple[StudySession, Clock]:
    clock = Clock(NOW)
    return StudySession(col, clock=clock, rng=random.Random(3), mode=mode), clock


@pytest.mark.parametrize("mode", ["flip", "type", "choice", "auto"])
def test_one_undo_asks_the_card_again_as_it_was(sample: Collection, mode: str) -> None:
    study, clock = make(sample, mode)
    item = study.next()
    assert item is not None
    question = study.question(item)
    outcome = (
        study.reveal(item, question)
        if question.mode.value == "flip"
        else study.submit(item, question, right_response(question, item))
    )
    study.answer(item, Rating.EASY, outcome=outcome)
    assert study.summary.answered == 1
    clock.tick()
    undone = study.undo()
    assert undone is not None and undone.card.id == item.card.id
    assert study.summary.answered == 0 and not study.summary.by_rating
    again = study.next()
    assert again is not None and again.card == item.card
    assert study.undo() is None
    assert sample.check().ok


def test_several_undos_go_back_several_answers(sample: Collection) -> None:
    study, clock = make(sample, "flip")
    seen = []
    for rating in (Rating.GOOD, Rating.AGAIN, Rating.HARD, Rating.EASY):
        item = study.next()
        assert item is not None
        seen.append(item)
        study.answer(item, rating)
        clock.tick()
    summary_after_one = None
    for expected in reversed(seen[1:]):
        result = study.undo()
        assert result is not None and result.card == expected.card
        summary_after_one = study.summary
    assert summary_after_one is not None and summary_after_one.answered == 1
    assert study.counts().done_today == 1
    again = study.next()
    assert again is not None and again.card == seen[1].card
    assert sample.check().ok


def test_undo_in_a_learn_round_puts_the_round_back(sample: Collection) -> None:
    study, clock = make(sample, "learn")
    item = study.next()
    assert item is not None
    question = study.question(item)
    outcome = study.submit(item, question, wrong_response(question))
    study.answer(item, outcome.rating, outcome=outcome)
    assert study.next() != item
    progress = study.learn_progress()
    clock.tick()
    assert study.undo() is not None
    assert study.next() == item
    assert study.learn_progress() == progress
    assert sample.check().ok


def test_undo_takes_back_a_whole_match_round(sample: Collection) -> None:
    study, clock = make(sample, "match")
    round_ = study.match_round()
    assert round_ is not None
    question, items = round_
    study.answer_match(question, items, [None] * len(items), seconds=10)
    assert sample.stats.review_count() == len(items)
    clock.tick()
    assert study.undo() is not None
    assert sample.stats.review_count() == 0
    assert study.summary.answered == 0
    assert sample.check().ok


def test_edit_changes_the_card_and_keeps_its_history(sample: Collection) -> None:
    study, clock = make(sample, "flip")
    item = study.next()
    assert item is not None
    study.answer(item, Rating.GOOD)
    edited = study.edit(item, "  A better question?  ", ["one point", "", "two points "])
    assert edited.note.question == "A better question?"
    assert edited.note.answer_points == ("one point", "two points")
    stored = sample.study.card(item.card.id)
    assert stored.note == edited.note
    assert stored.card.schedule.reps == 1
    assert len(sample.stats.reviews(item.card.id)) == 1
    assert sample.check().ok
