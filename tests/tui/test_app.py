"""The study app, driven headless with Pilot over a real collection."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from textual.widgets import Static

from retain.collection import Collection
from retain.core.model import CardId, CardState, Rating
from retain.core.scheduling import format_interval
from retain.session import StudySession
from retain.storage import schema
from retain.tui.app import Phase, StudyApp
from tests.conftest import NOW, make_draft


class Timer:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def studied(collection: Collection) -> Iterator[Collection]:
    collection.decks.import_deck(make_draft(3), now=NOW)
    yield collection


def text(app: StudyApp, selector: str) -> str:
    return str(app.query_one(selector, Static).content)


def answer_points(app: StudyApp) -> list[str]:
    return [str(w.content) for w in app.query(".point-text").results(Static)]


def make_app(
    collection: Collection, timer: Callable[[], float] = time.monotonic
) -> tuple[StudyApp, StudySession]:
    session = StudySession(collection, clock=Clock(NOW), mode="flip")
    return StudyApp(session, timer=timer), session


def shown_bindings(app: StudyApp) -> dict[str, str]:
    return {
        key: active.binding.description
        for key, active in app.screen.active_bindings.items()
        if active.binding.show
    }


async def test_shows_the_first_card_and_progress(studied: Collection) -> None:
    app, _ = make_app(studied)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.phase is Phase.QUESTION
        assert text(app, "#question") == "Question 0?"
        assert text(app, "#deck") == "All decks"
        assert text(app, "#progress") == "due 0  ·  new 3  ·  done today 0"
        assert not app.query_one("#answer").display
        assert not app.query_one("#ratings").display


async def test_shows_the_deck_name_of_the_session(studied: Collection) -> None:
    deck = studied.decks.find("test")
    app = StudyApp(StudySession(studied, deck, clock=Clock(NOW)))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert text(app, "#deck") == "Test deck"


@pytest.mark.parametrize("key", ["space", "enter"])
async def test_reveal_shows_points_and_intervals(studied: Collection, key: str) -> None:
    app, session = make_app(studied)
    async with app.run_test() as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert app.phase is Phase.ANSWER
        assert app.query_one("#answer").display
        assert answer_points(app) == ["answer 0 point a", "answer 0 point b"]
        assert app.item is not None
        intervals = session.preview(app.item)
        for rating in Rating:
            label = text(app, f"#rating-{rating.value}")
            assert label == (
                f"{rating.value} {rating.label.capitalize()}  {format_interval(intervals[rating])}"
            )
        assert studied.stats.review_count() == 0


async def test_footer_offers_the_keys_of_each_step(studied: Collection) -> None:
    app, _ = make_app(studied)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert shown_bindings(app) == {"space": "Show answer", "e": "Edit", "ctrl+q": "Quit"}
        await pilot.press("space")
        await pilot.pause()
        # the ratings row names the keys 1-4
        assert shown_bindings(app) == {"e": "Edit", "ctrl+q": "Quit"}
        assert text(app, "#rating-1").startswith("1 Again")
        await pilot.press("4", "space")
        await pilot.pause()
        assert shown_bindings(app) == {"u": "Undo", "e": "Edit", "ctrl+q": "Quit"}
        await pilot.press("4", "space", "4")
        await pilot.pause()
        assert shown_bindings(app) == {
            "enter": "Close", "u": "Undo", "a": "Study ahead", "ctrl+q": "Quit",
        }


async def test_rating_keys_do_nothing_before_the_answer_is_shown(studied: Collection) -> None:
    app, _ = make_app(studied)
    async with app.run_test() as pilot:
        await pilot.press("1", "2", "3", "4")
        await pilot.pause()
        assert app.phase is Phase.QUESTION
        assert text(app, "#question") == "Question 0?"
    assert studied.stats.review_count() == 0


@pytest.mark.parametrize(
    ("keys", "rating", "state"),
    [
        (("space", "1"), Rating.AGAIN, CardState.LEARNING),
        (("space", "2"), Rating.HARD, CardState.LEARNING),
        (("space", "3"), Rating.GOOD, CardState.LEARNING),
        (("space", "4"), Rating.EASY, CardState.REVIEW),
        (("space", "space"), Rating.GOOD, CardState.LEARNING),
        (("enter", "enter"), Rating.GOOD, CardState.LEARNING),
    ],
)
async def test_a_rating_is_recorded_then_the_next_card_shown(
    studied: Collection, keys: tuple[str, ...], rating: Rating, state: CardState
) -> None:
    timer = Timer()
    app, session = make_app(studied, timer=timer)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.item is not None
        first = app.item.card.id
        timer.now += 4.25
        await pilot.press(*keys)
        await pilot.pause()
        assert studied.stats.review_count() == 1
        stored = studied.study.card(first)
        assert stored.card.schedule.state is state
        assert stored.card.schedule.reps == 1
        assert [(r.rating, r.reviewed_at) for r in studied.stats.reviews(first)] == [(rating, NOW)]
        with studied.engine.connect() as conn:
            duration: int | None = conn.execute(select(schema.reviews.c.duration_ms)).scalar_one()
        assert duration == 4250
        assert session.summary.by_rating[rating] == 1
        assert app.phase is Phase.QUESTION
        assert text(app, "#question") == "Question 1?"
        assert text(app, "#progress").endswith("done today 1")


async def test_summary_at_the_end_then_enter_closes(studied: Collection) -> None:
    app, _ = make_app(studied)
    async with app.run_test() as pilot:
        for _ in range(3):
            await pilot.press("space", "4")
        await pilot.pause()
        assert app.phase is Phase.DONE
        assert app.query_one("#summary").display
        assert not app.query_one("#card").display
        assert text(app, "#summary-title") == "Session complete"
        body = text(app, "#summary-body")
        assert "Answered 3 cards" in body
        assert "easy 3" in body
        await pilot.press("space", "3")  # no card: nothing happens
        assert studied.stats.review_count() == 3
        assert app.is_running
        await pilot.press("enter")
        await pilot.pause()
        assert not app.is_running
    assert studied.stats.review_count() == 3


async def test_learning_cards_come_back_within_the_session(studied: Collection) -> None:
    """A card rated Again is due again in minutes, so it is asked again before the end."""
    clock = Clock(NOW)
    app = StudyApp(StudySession(studied, clock=clock, mode="flip"))
    async with app.run_test() as pilot:
        await pilot.press("space", "1")
        for _ in range(2):
            await pilot.press("space", "4")
        clock.now = NOW + timedelta(minutes=30)
        await pilot.press("space", "4")
        await pilot.pause()
        assert app.phase is Phase.DONE
    assert studied.stats.review_count() == 4
    assert {r.card.schedule.state for r in map(studied.study.card, _card_ids(studied))} == {
        CardState.REVIEW
    }


def _card_ids(collection: Collection) -> list[CardId]:
    with collection.engine.connect() as conn:
        ids: list[int] = list(conn.execute(select(schema.cards.c.id)).scalars())
    return [CardId(i) for i in ids]


@pytest.mark.parametrize("keys", [("q",), ("space", "q")])
async def test_q_quits_without_recording(studied: Collection, keys: tuple[str, ...]) -> None:
    app, session = make_app(studied)
    async with app.run_test() as pilot:
        await pilot.press(*keys)
        await pilot.pause()
        assert not app.is_running
    assert studied.stats.review_count() == 0
    assert session.summary.answered == 0


async def test_q_quits_from_the_summary(studied: Collection) -> None:
    app, _ = make_app(studied)
    async with app.run_test() as pilot:
        await pilot.press("space", "4", "space", "4", "space", "4", "q")
        await pilot.pause()
        assert not app.is_running
    assert studied.stats.review_count() == 3


async def test_nothing_to_study(collection: Collection) -> None:
    app, _ = make_app(collection)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.phase is Phase.DONE
        assert text(app, "#summary-title") == "Nothing to study now"
        assert "No cards answered." in text(app, "#summary-body")
        await pilot.press("enter")
        await pilot.pause()
        assert not app.is_running


async def test_questions_with_markup_characters_are_shown_as_written(
    collection: Collection,
) -> None:
    from retain.core.model import DeckDraft, NoteDraft

    collection.decks.import_deck(
        DeckDraft("Brackets", "text/questions", (NoteDraft("What is [b]x[/b]?", ("[red]y",)),)),
        now=NOW,
    )
    app, _ = make_app(collection)
    async with app.run_test() as pilot:
        await pilot.press("space")
        await pilot.pause()
        assert text(app, "#question") == "What is [b]x[/b]?"
        assert answer_points(app) == ["[red]y"]


async def test_a_notice_is_shown_under_the_top_bar_until_the_first_answer(
    studied: Collection,
) -> None:
    session = StudySession(studied, clock=Clock(NOW), mode="flip")
    app = StudyApp(session, notice="Sample deck imported (3 cards).")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        notice = app.query_one("#notice", Static)
        assert notice.display and str(notice.content) == "Sample deck imported (3 cards)."
        assert not app._notifications  # no toast over the key hints
        help_line, notice_box = app.query_one("#help").region, notice.region
        assert not help_line.overlaps(notice_box) and help_line.height == 1
        await pilot.press("space", "3")
        await pilot.pause()
        assert not notice.display
