"""The study screen as a student sees it at 80×24: what is on screen, what the keys do, and
what the screen says after an answer and at the end of a session."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static

from retain.collection import Collection
from retain.core.model import DeckDraft, NoteDraft, Rating
from retain.core.questions import Mode
from retain.formats import read_path
from retain.session import StudySession
from retain.tui.app import OptionButton, Phase, StudyApp
from tests.conftest import NOW, SAMPLE, make_draft
from tests.tui.test_app import Clock, Timer
from tests.tui.test_modes import type_answer

SIZE = (80, 24)


@pytest.fixture
def sample(collection: Collection) -> Iterator[Collection]:
    collection.decks.import_deck(read_path(SAMPLE), now=NOW)
    yield collection


def make_app(
    collection: Collection, mode: str, *, clock: Clock | None = None
) -> tuple[StudyApp, StudySession]:
    session = StudySession(
        collection, clock=clock or Clock(NOW), rng=random.Random(7), mode=mode
    )
    return StudyApp(session, timer=Timer()), session


def text(app: StudyApp, selector: str) -> str:
    return str(app.query_one(selector, Static).content)


def on_screen(app: StudyApp, widget: Widget) -> bool:
    """The whole widget is in view: inside the screen, and inside the scrolled card if it
    is in it."""
    region = widget.region
    screen = Region(0, 0, *SIZE)
    stage = app.query_one("#stage")
    inside = stage.content_region if widget in stage.walk_children() else screen
    return bool(region) and screen.contains_region(region) and inside.contains_region(region)


# -- 80×24 ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["choice", "truefalse"])
async def test_at_80x24_the_ratings_every_option_and_the_feedback_are_on_screen(
    sample: Collection, mode: str
) -> None:
    """Every card of the sample deck, each answered wrong, which shows the most."""
    app, _ = make_app(sample, mode)
    asked = 0
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        cards = set()
        while app.phase is Phase.QUESTION and asked < 15:
            assert app.item is not None
            cards.add(app.item.card.id)
            question = app.question
            assert question is not None and question.mode in (Mode.CHOICE, Mode.TRUE_FALSE)
            assert isinstance(question.answer, int)
            options = list(app.query(".option").results(OptionButton))
            assert len(options) == len(question.options)
            wrong = next(i for i in range(len(options)) if i != question.answer)
            key = "tf"[wrong] if question.mode is Mode.TRUE_FALSE else "abcd"[wrong]
            await pilot.press(key)
            await pilot.pause()
            assert app.phase is Phase.ANSWER
            for widget in (*options, *app.query("#feedback > *"), *app.query(".rating")):
                assert on_screen(app, widget), (question.prompt, widget)
            assert on_screen(app, app.query_one("#help"))
            asked += 1
            await pilot.press("enter")
            await pilot.pause()
    assert asked == len(cards) == 15


async def test_at_80x24_a_long_graded_answer_shows_its_verdict_and_scrolls(
    sample: Collection,
) -> None:
    app, _ = make_app(sample, "type")
    async with app.run_test(size=SIZE) as pilot:
        await type_answer(pilot, app, "January 1924")
        await pilot.press("enter")
        await pilot.pause()
        assert text(app, "#question") == "How did Stalin start to gain power?"
        await type_answer(pilot, app, "He became General Secretary in 1922")
        assert app.phase is Phase.ANSWER
        points = list(app.query(".graded-point"))
        assert len(points) == 6
        for widget in (app.query_one("#verdict"), *app.query(".rating")):
            assert on_screen(app, widget)
        assert not on_screen(app, points[-1])  # six long points do not fit at once
        await pilot.press("end")
        await pilot.pause()
        assert on_screen(app, points[-1])
        assert all(on_screen(app, w) for w in app.query(".rating"))


async def test_a_long_deck_name_stops_short_of_the_counts(collection: Collection) -> None:
    name = "A deck with a very long name " * 4
    collection.decks.import_deck(make_draft(2, title=None), now=NOW, deck_name=name.strip())
    deck = collection.decks.find("very long")
    session = StudySession(collection, deck, clock=Clock(NOW), mode="flip")
    app = StudyApp(session, timer=Timer())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        title, progress = app.query_one("#deck").region, app.query_one("#progress").region
        assert title.right + 2 <= progress.x  # a gap between them
        assert progress.right <= SIZE[0] and progress.height == 1
        assert progress.width == len(text(app, "#progress"))  # the counts are whole


async def test_a_contradicted_point_is_marked_apart_from_its_text(sample: Collection) -> None:
    app, _ = make_app(sample, "type")
    async with app.run_test(size=SIZE) as pilot:
        await type_answer(pilot, app, "1925")
        [point] = app.query(".graded-point")
        mark = point.query_one(".mark", Static)
        line = point.query_one(".graded-text", Static)
        assert str(mark.content) == "✗"
        assert str(line.content) == "1. January 1924   [your answer says otherwise]"
        assert mark.region.right <= line.region.x
        assert len(str(mark.content)) < mark.content_region.width  # a space before the text


# -- keys -------------------------------------------------------------------------------


async def test_the_footer_names_the_quit_key_and_it_works_while_typing(
    sample: Collection,
) -> None:
    app, _ = make_app(sample, "type")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = {
            key: active.binding.description
            for key, active in app.screen.active_bindings.items()
            if active.binding.show
        }
        assert shown["ctrl+q"] == "Quit"
        await pilot.press("q")  # a letter of the answer
        await pilot.pause()
        assert app.is_running and app.query_one("#typed").text == "q"  # type: ignore[attr-defined]
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
    assert sample.stats.review_count() == 0


@pytest.mark.parametrize("mode", ["flip", "type"])
async def test_ctrl_c_ends_the_session_with_its_summary(sample: Collection, mode: str) -> None:
    app, session = make_app(sample, mode)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        if mode == "flip":
            await pilot.press("space", "3")
        else:
            await type_answer(pilot, app, "January 1924")
            await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running
        assert not app._notifications  # not Textual's "press ctrl+q to quit"
    assert session.summary.answered == 1
    assert session.summary.lines()[0].startswith("Answered 1 card in")


# -- what the screen says ---------------------------------------------------------------


async def test_i_was_right_shows_what_was_recorded_and_counts_as_right(
    sample: Collection,
) -> None:
    app, session = make_app(sample, "type")
    async with app.run_test(size=SIZE) as pilot:
        await type_answer(pilot, app, "no idea")
        assert app.outcome is not None and app.outcome.rating is Rating.AGAIN
        assert not app.query_one("#recorded").display
        await pilot.press("r")
        await pilot.pause()
        assert app.phase is Phase.QUESTION
        recorded = app.query_one("#recorded", Static)
        assert recorded.display and on_screen(app, recorded)
        assert str(recorded.content).startswith("Recorded good (you were right) for the last card")
        assert "next review in " in str(recorded.content)
    assert session.summary.correct == 1 and session.summary.checked == 1
    assert "Right first time: 1 of 1." in session.summary.lines()


async def test_i_was_wrong_counts_as_wrong(sample: Collection) -> None:
    app, session = make_app(sample, "type")
    async with app.run_test(size=SIZE) as pilot:
        await type_answer(pilot, app, "January 1924")
        await pilot.press("w")
        await pilot.pause()
        assert str(app.query_one("#recorded", Static).content).startswith(
            "Recorded again (you were wrong)"
        )
    assert (session.summary.correct, session.summary.checked) == (0, 1)


async def test_nothing_to_study_says_when_the_next_card_is_due_and_studies_ahead(
    collection: Collection,
) -> None:
    collection.decks.import_deck(
        DeckDraft("Ahead", "text/questions", tuple(
            NoteDraft(f"Question {i}?", (f"answer {i}",)) for i in range(2)
        )),
        now=NOW,
    )
    clock = Clock(NOW)
    app, session = make_app(collection, "flip", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "4", "space", "4")
        await pilot.pause()
        assert app.phase is Phase.DONE
        body = text(app, "#summary-body")
        assert "The next card is due in " in body
        next_due = collection.study.next_due(clock(), None)
        assert next_due is not None and next_due > clock()
        assert session.describe_due(next_due) in body
        assert "a to study ahead" in text(app, "#help")
        await pilot.press("a")
        await pilot.pause()
        assert app.phase is Phase.QUESTION and app.item is not None
        assert app.item.card.schedule.due == next_due  # the soonest first
        assert "ahead" in text(app, "#progress")
        await pilot.press("space", "3")
        await pilot.pause()
    assert collection.stats.review_count() == 3
    assert session.summary.answered == 3


async def test_with_nothing_scheduled_there_is_nothing_to_study_ahead(
    collection: Collection,
) -> None:
    app, _ = make_app(collection, "flip")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.phase is Phase.DONE
        assert text(app, "#summary-title") == "Nothing to study now"
        assert "due in" not in text(app, "#summary-body")
        await pilot.press("a")
        await pilot.pause()
        assert app.phase is Phase.DONE


def test_studying_ahead_takes_the_cards_due_within_a_day_of_the_next(
    collection: Collection,
) -> None:
    collection.decks.import_deck(make_draft(3), now=NOW)
    clock = Clock(NOW)
    session = StudySession(collection, clock=clock, mode="flip")
    dues = []
    for _ in range(3):
        item = session.next()
        assert item is not None
        dues.append(session.answer(item, Rating.EASY).card.schedule.due)
    assert session.next() is None
    soonest = min(d for d in dues if d is not None)
    assert collection.study.next_due(clock()) == soonest
    assert session.study_ahead() == soonest + timedelta(days=1)
    ahead = collection.study.cards_ahead(clock(), until=soonest + timedelta(days=1), limit=10)
    assert [i.card.schedule.due for i in ahead] == sorted(
        d for d in dues if d is not None and d <= soonest + timedelta(days=1)
    )
    item = session.next()
    assert item is not None and item.card.id == ahead[0].card.id
