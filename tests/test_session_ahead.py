"""Work done ahead while the student answers (`StudySession.prepare_ahead`): the next
question is ready when the answer is in, the grade is the one it would have been, and
nothing stale is ever asked."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from retain.collection import Collection
from retain.core.model import DeckDraft, NoteDraft, Rating
from retain.plain import PlainStudy
from retain.session import StudySession
from tests.conftest import NOW
from tests.core.test_deckview import synthetic_note


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


PEOPLE = (
    NoteDraft("Who mapped the northern coast?", ("Ada Berg, in 1702",)),
    NoteDraft("Who founded the harbour school?", ("Tomas Lind", "with money from the guild")),
    NoteDraft("Why did the guild fail?", ("Its ships were lost in 1711", "Lind left the town")),
)


@pytest.fixture
def deck(collection: Collection) -> Iterator[Collection]:
    """A deck large enough that the grader reads a sample of it, not all of it."""
    notes = [NoteDraft(n.question, n.answer_points) for n in map(synthetic_note, range(90))]
    collection.decks.import_deck(
        DeckDraft("Harbour towns", "text/questions", (*PEOPLE, *notes)), now=NOW
    )
    yield collection


def session(col: Collection, mode: str, seed: int = 3) -> tuple[StudySession, Clock]:
    clock = Clock(NOW)
    return StudySession(col, clock=clock, rng=random.Random(seed), mode=mode), clock


@pytest.mark.parametrize("mode", ["choice", "auto", "truefalse"])
def test_the_question_made_ahead_is_asked_without_reading_the_deck_again(
    deck: Collection, mode: str
) -> None:
    study, clock = session(deck, mode)
    for _ in range(4):
        item = study.next()
        assert item is not None
        question = study.question(item)
        study.prepare_ahead(item, question)
        view = study.deck_view(item.card.deck_id)
        study.answer(item, Rating.GOOD)
        clock.now += timedelta(seconds=5)
        touched = view.touched
        following = study.next()
        assert following is not None and following.card.id != item.card.id
        study.question(following)
        assert view.touched == touched  # no note of the deck was read for it


def test_a_typed_answer_is_graded_without_reading_the_deck_again(deck: Collection) -> None:
    study, _ = session(deck, "type")
    for _ in range(4):
        item = study.next()
        assert item is not None
        question = study.question(item)
        study.prepare_ahead(item, question)
        view = study.deck_view(item.card.deck_id)
        touched = view.touched
        outcome = study.submit(item, question, "\n".join(item.note.answer_points))
        assert view.touched == touched
        assert outcome.grade is not None and outcome.grade.verdict == "correct"
        study.answer(item, outcome.rating, outcome=outcome)


def test_a_card_edited_after_its_question_was_made_is_asked_as_it_is_now(
    deck: Collection,
) -> None:
    study, _ = session(deck, "flip")
    item = study.next()
    assert item is not None
    study.prepare_ahead(item, study.question(item))
    [_, following] = deck.study.next_cards(NOW, limit=2)
    edited = study.edit(following, "Which town had the first lighthouse?", ("Vik",))
    study.answer(item, Rating.GOOD)
    shown = study.next()
    assert shown == edited
    assert study.question(shown).prompt == "Which town had the first lighthouse?"


def test_a_question_made_ahead_for_another_card_is_not_asked(deck: Collection) -> None:
    study, _ = session(deck, "flip")
    item = study.next()
    assert item is not None
    study.prepare_ahead(item, study.question(item))
    # The student does not answer: the same card is asked again (a screen redrawn).
    assert study.question(item).prompt == item.note.question


@pytest.mark.parametrize(
    "typed",
    [
        "Tomas Lind, with the guild's money",
        "Ada Berg",  # the name of another card
        "it was founded by the guild",
        "",
    ],
)
def test_a_typed_answer_gets_the_same_grade_with_the_card_read_ahead(
    deck: Collection, typed: str
) -> None:
    def graded(ahead: bool) -> object:
        study, _ = session(deck, "type")
        item = next(
            i for i in deck.study.next_cards(NOW, limit=10)
            if i.note.question == "Who founded the harbour school?"
        )
        question = study.question(item)
        if ahead:
            study.prepare_ahead(item, question)
        return study.submit(item, question, typed).grade

    assert graded(ahead=True) == graded(ahead=False)


def test_plain_study_does_the_work_ahead_once_the_question_is_on_screen(
    deck: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    study, _ = session(deck, "flip")
    out = io.StringIO()
    seen_when_called: list[str] = []
    real = StudySession.prepare_ahead

    def spy(self: StudySession, item: object, question: object) -> None:
        seen_when_called.append(out.getvalue())
        real(self, item, question)  # type: ignore[arg-type]

    monkeypatch.setattr(StudySession, "prepare_ahead", spy)
    PlainStudy(study, io.StringIO("\ngood\nq\n"), out).run()
    assert len(seen_when_called) >= 1
    first = seen_when_called[0]
    assert "Q: " in first and first.rstrip().endswith("(q to quit):")
    assert study.summary.answered == 1
