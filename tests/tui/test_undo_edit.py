"""u (undo) and e (edit) in the study app, driven headless with Pilot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.widgets import Input, TextArea

from retain.collection import Collection
from retain.core.model import CardId, CardState, Rating
from retain.session import StudySession
from retain.tui.app import EditCardScreen, Phase, StudyApp
from tests.conftest import NOW, make_draft
from tests.tui.test_app import Clock, text


@pytest.fixture
def studied(collection: Collection) -> Iterator[Collection]:
    collection.decks.import_deck(make_draft(3), now=NOW)
    yield collection


def make_app(col: Collection, mode: str = "flip") -> tuple[StudyApp, StudySession]:
    session = StudySession(col, clock=Clock(NOW), mode=mode)
    return StudyApp(session), session


async def test_u_undoes_the_last_answer_and_asks_the_card_again(studied: Collection) -> None:
    app, session = make_app(studied)
    async with app.run_test() as pilot:
        await pilot.press("space", "4")
        await pilot.pause()
        assert text(app, "#question") == "Question 1?"
        assert text(app, "#progress") == "due 0  ·  new 2  ·  done today 1"
        await pilot.press("u")
        await pilot.pause()
        assert app.phase is Phase.QUESTION
        assert text(app, "#question") == "Question 0?"
        assert text(app, "#progress") == "due 0  ·  new 3  ·  done today 0"
        assert session.summary.answered == 0
        await pilot.press("u")  # nothing more to undo in this session
        await pilot.pause()
        assert text(app, "#question") == "Question 0?"
    assert studied.stats.review_count() == 0
    assert studied.study.card(CardId(1)).card.schedule.state is CardState.NEW
    assert studied.check().ok


async def test_several_undos_go_back_several_answers(studied: Collection) -> None:
    app, session = make_app(studied)
    async with app.run_test() as pilot:
        await pilot.press("space", "4", "space", "4", "space", "3")
        await pilot.pause()
        assert app.phase in (Phase.QUESTION, Phase.DONE)
        await pilot.press("u", "u")
        await pilot.pause()
        assert text(app, "#question") == "Question 1?"
        assert session.summary.answered == 1
        await pilot.press("space", "2")
        await pilot.pause()
    assert [r.rating for r in studied.stats.reviews(CardId(1))] == [Rating.EASY]
    assert [r.rating for r in studied.stats.reviews(CardId(2))] == [Rating.HARD]
    assert studied.stats.reviews(CardId(3)) == []
    assert studied.check().ok


async def test_u_from_the_summary_brings_the_last_card_back(collection: Collection) -> None:
    collection.decks.import_deck(make_draft(1), now=NOW)
    app, _ = make_app(collection)
    async with app.run_test() as pilot:
        await pilot.press("space", "4")
        await pilot.pause()
        assert app.phase is Phase.DONE
        await pilot.press("u")
        await pilot.pause()
        assert app.phase is Phase.QUESTION
        assert text(app, "#question") == "Question 0?"
    assert collection.stats.review_count() == 0
    assert collection.check().ok


async def test_e_edits_the_card_on_screen(studied: Collection) -> None:
    app, _ = make_app(studied)
    async with app.run_test() as pilot:
        await pilot.press("space", "3")  # card 1 gets a history
        await pilot.pause()
        assert text(app, "#question") == "Question 1?"
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, EditCardScreen)
        screen.query_one("#edit-question", Input).value = "Question one, reworded?"
        screen.query_one("#edit-points", TextArea).text = "first point\n\nsecond point\n"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, EditCardScreen)
        assert app.phase is Phase.QUESTION
        assert text(app, "#question") == "Question one, reworded?"
        await pilot.press("space")
        await pilot.pause()
        points = [str(w.content) for w in app.query(".point-text").results()]
        assert points == ["first point", "second point"]
    item = studied.study.card(CardId(2))
    assert item.note.question == "Question one, reworded?"
    assert item.note.answer_points == ("first point", "second point")
    assert [r.rating for r in studied.stats.reviews(CardId(1))] == [Rating.GOOD]
    assert studied.check().ok


async def test_escape_leaves_the_card_as_it_was(studied: Collection) -> None:
    app, _ = make_app(studied)
    async with app.run_test() as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditCardScreen)
        app.screen.query_one("#edit-question", Input).value = "Changed?"
        await pilot.press("escape")
        await pilot.pause()
        assert text(app, "#question") == "Question 0?"
    assert studied.study.card(CardId(1)).note.question == "Question 0?"


async def test_an_empty_question_is_not_saved(studied: Collection) -> None:
    app, _ = make_app(studied)
    async with app.run_test() as pilot:
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#edit-question", Input).value = "  "
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EditCardScreen)
    assert studied.study.card(CardId(1)).note.question == "Question 0?"


async def test_ctrl_z_in_an_empty_answer_box_undoes_the_last_typed_answer(
    studied: Collection,
) -> None:
    app, session = make_app(studied, mode="type")
    async with app.run_test() as pilot:
        await pilot.press(*"answer 0 point a", "enter")
        await pilot.pause()
        await pilot.press("enter")  # take the suggested rating
        await pilot.pause()
        assert text(app, "#question").endswith("Question 1?")
        assert session.summary.answered == 1
        await pilot.press("u", "ctrl+z")  # a letter of the answer, then undo the typing
        await pilot.pause()
        assert app.query_one(TextArea).text == ""
        assert session.summary.answered == 1
        await pilot.press("ctrl+z")  # nothing typed: the last answer
        await pilot.pause()
        assert text(app, "#question").endswith("Question 0?")
        assert session.summary.answered == 0
    assert studied.stats.review_count() == 0
    assert studied.check().ok
