"""Every study mode of the app, driven headless with Pilot over the sample deck."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from retain.collection import Collection
from retain.core.model import CardId, Rating
from retain.core.questions import Mode
from retain.formats import read_path
from retain.session import StudySession
from retain.tui.app import AnswerBox, OptionButton, Phase, StudyApp
from tests.conftest import NOW, SAMPLE
from tests.tui.test_app import Clock, Timer

PARTIAL = "He became General Secretary in 1922. He gained access to 26,000 personal files."
"""Two of the six points of "How did Stalin start to gain power?"."""


@pytest.fixture
def sample(collection: Collection) -> Iterator[Collection]:
    collection.decks.import_deck(read_path(SAMPLE), now=NOW)
    yield collection


def make_app(
    collection: Collection, mode: str, seed: int = 7
) -> tuple[StudyApp, StudySession, Timer]:
    timer = Timer()
    session = StudySession(collection, clock=Clock(NOW), rng=random.Random(seed), mode=mode)
    return StudyApp(session, timer=timer), session, timer


def text(app: StudyApp, selector: str) -> str:
    return str(app.query_one(selector, Static).content)


def texts(app: StudyApp, selector: str) -> list[str]:
    return [str(w.content) for w in app.query(selector).results(Static)]


def graded(app: StudyApp) -> list[str]:
    """Each graded point as shown: its mark, then its number and text."""
    return [
        f"{w.query_one('.mark', Static).content} {w.query_one('.graded-text', Static).content}"
        for w in app.query(".graded-point")
    ]


def shown(app: StudyApp, selector: str) -> bool:
    return bool(app.query_one(selector).display)


def phase(app: StudyApp) -> Phase:
    return app.phase


def mode(app: StudyApp) -> Mode | None:
    return app.mode


def card_id(app: StudyApp) -> CardId:
    assert app.item is not None
    return app.item.card.id


async def type_answer(pilot: Pilot[None], app: StudyApp, answer: str) -> None:
    """Type into the focused answer box, key by key, then press Enter."""
    for char in answer:
        await pilot.press({" ": "space", "\n": "ctrl+j"}.get(char, char))
    await pilot.press("enter")
    await pilot.pause()


# -- typed answers ----------------------------------------------------------------------


async def test_a_typed_answer_is_graded_and_its_suggestion_accepted(sample: Collection) -> None:
    app, session, timer = make_app(sample, "type")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert mode(app) is Mode.TYPE and phase(app) is Phase.QUESTION
        assert text(app, "#question") == "When did Lenin die?"
        assert shown(app, "#typed") and isinstance(app.focused, AnswerBox)
        assert not shown(app, "#ratings")
        first = card_id(app)
        timer.now += 30
        await type_answer(pilot, app, "January 1924")
        assert phase(app) is Phase.ANSWER
        assert text(app, "#verdict").startswith("Correct — 1 of 1 point (score 1.00)")
        assert graded(app) == ["✓ 1. January 1924   [matched: January, 1924]"]
        assert not app.query("#contradiction")
        assert not shown(app, "#typed")
        assert app.query_one("#rating-3").has_class("suggested")
        await pilot.press("enter")
        await pilot.pause()
        assert phase(app) is Phase.QUESTION and card_id(app) != first
    [log] = sample.stats.reviews(first)
    assert (log.mode, log.rating) == ("type", Rating.GOOD)
    assert log.detail is not None
    assert log.detail["response"] == "January 1924"
    assert log.detail["grade"]["verdict"] == "correct"
    assert "overruled" not in log.detail
    assert log.duration_ms == 30000
    assert session.summary.correct == 1


async def test_a_wrong_fact_is_marked_as_a_contradiction(sample: Collection) -> None:
    app, _, _ = make_app(sample, "type")
    async with app.run_test() as pilot:
        await type_answer(pilot, app, "1925")
        assert text(app, "#verdict").startswith("Incorrect — 0 of 1 point")
        assert graded(app) == ["✗ 1. January 1924   [your answer says otherwise]"]
        assert "contradicts the card" in text(app, "#contradiction")
        assert app.query_one("#rating-1").has_class("suggested")
        first = card_id(app)
        await pilot.press("enter")
        await pilot.pause()
    [log] = sample.stats.reviews(first)
    assert log.rating is Rating.AGAIN
    assert log.detail is not None and log.detail["grade"]["contradiction"] is True


@pytest.mark.parametrize(
    ("key", "rating", "overruled"),
    [
        ("enter", None, None),
        ("r", Rating.GOOD, "right"),
        ("w", Rating.AGAIN, "wrong"),
        ("4", Rating.EASY, "right"),
        ("2", Rating.HARD, "right"),  # the grade suggests Again: less than half
    ],
)
async def test_a_half_right_answer_shows_covered_and_missed_points_and_can_be_overruled(
    sample: Collection, key: str, rating: Rating | None, overruled: str | None
) -> None:
    app, _, _ = make_app(sample, "type")
    async with app.run_test() as pilot:
        await type_answer(pilot, app, "January 1924")
        await pilot.press("enter")
        await pilot.pause()
        assert text(app, "#question") == "How did Stalin start to gain power?"
        card = card_id(app)
        await type_answer(pilot, app, PARTIAL)
        assert text(app, "#response") == f"Your answer: {PARTIAL}"
        assert text(app, "#verdict").startswith("Partial — 2 of 6 points")
        points = graded(app)
        assert len(points) == 6
        assert points[0].startswith("✓ 1. ") and "[matched: " in points[0]
        assert points[1].startswith("✓ 2. ") and "26,000" in points[1]
        assert all(p.startswith("✗ ") and "[matched" not in p for p in points[2:])
        assert [w.has_class("covered") for w in app.query(".graded-point")] == [
            True, True, False, False, False, False,
        ]
        assert app.outcome is not None
        suggested = app.outcome.rating
        assert "r: I was right, w: I was wrong" in text(app, "#help")
        await pilot.press(key)
        await pilot.pause()
        assert phase(app) is Phase.QUESTION and card_id(app) != card
    [log] = sample.stats.reviews(card)
    assert log.mode == "type"
    assert log.rating is (rating or suggested)
    assert log.detail is not None and log.detail["grade"]["verdict"] == "partial"
    assert log.detail.get("overruled") == overruled
    if overruled:
        assert log.detail["suggested"] == suggested.label


async def test_a_typed_answer_may_span_lines(sample: Collection) -> None:
    app, _, _ = make_app(sample, "type")
    async with app.run_test() as pilot:
        await pilot.press("J", "a", "n", "ctrl+j", "1", "9", "2", "4", "enter")
        await pilot.pause()
        first = card_id(app)
        assert phase(app) is Phase.ANSWER
        await pilot.press("enter")
        await pilot.pause()
    [log] = sample.stats.reviews(first)
    assert log.detail is not None and log.detail["response"] == "Jan\n1924"


async def test_keys_typed_into_the_answer_are_not_commands(sample: Collection) -> None:
    app, _, _ = make_app(sample, "type")
    async with app.run_test() as pilot:
        await pilot.press("q", "1", "r", "w", "space")
        await pilot.pause()
        assert app.is_running and phase(app) is Phase.QUESTION
        assert app.query_one("#typed", AnswerBox).text == "q1rw "
    assert sample.stats.review_count() == 0


# -- choice and true/false --------------------------------------------------------------


async def test_a_wrong_choice_shows_the_right_answer(sample: Collection) -> None:
    app, _, _ = make_app(sample, "choice")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert mode(app) is Mode.CHOICE
        assert text(app, "#question") == "When did Lenin die?"
        question = app.question
        assert question is not None and isinstance(question.answer, int)
        right = question.answer
        assert question.options[right] == "January 1924"
        wrong = next(i for i in range(len(question.options)) if i != right)
        buttons = list(app.query(".option").results(OptionButton))
        assert [str(b.label) for b in buttons] == [
            f"{letter})  {option}" for letter, option in zip("abcd", question.options, strict=True)
        ]
        first = card_id(app)
        await pilot.press("1", "enter")  # rating keys do nothing before an answer
        await pilot.pause()
        assert phase(app) is Phase.QUESTION
        await pilot.press("abcd"[wrong])
        await pilot.pause()
        assert phase(app) is Phase.ANSWER
        assert text(app, "#verdict") == "Not quite."
        assert text(app, "#right-answer") == f"The answer is: {'abcd'[right]}), marked ✓"
        assert buttons[right].has_class("right") and buttons[wrong].has_class("wrong")
        labels = [str(b.label) for b in buttons]
        assert labels[right] == f"{'abcd'[right]})  January 1924  ✓"
        assert labels[wrong] == f"{'abcd'[wrong]})  {question.options[wrong]}  ✗"
        assert shown(app, "#answer")
        assert [str(w.content) for w in app.query(".point-text").results(Static)] == [
            "January 1924"
        ]
        assert app.query_one("#rating-1").has_class("suggested")
        other = next(i for i in range(len(question.options)) if i not in (right, wrong))
        await pilot.press("abcd"[other])  # a second pick changes nothing
        await pilot.press("enter")
        await pilot.pause()
        assert card_id(app) != first
    [log] = sample.stats.reviews(first)
    assert (log.mode, log.rating) == ("choice", Rating.AGAIN)
    assert log.detail is not None and log.detail["correct"] is False
    assert log.detail["response"] == str(wrong)


async def test_a_right_choice_by_click_and_another_rating(sample: Collection) -> None:
    app, _, _ = make_app(sample, "choice")
    async with app.run_test() as pilot:
        await pilot.pause()
        first = card_id(app)
        await pilot.click("#option-0")
        await pilot.pause()
        assert text(app, "#verdict") == "Right!"
        assert not app.query("#right-answer")
        await pilot.press("4")
        await pilot.pause()
    [log] = sample.stats.reviews(first)
    assert (log.mode, log.rating) == ("choice", Rating.EASY)
    assert log.detail is not None and log.detail["correct"] is True
    assert log.detail["overruled"] == "right" and log.detail["suggested"] == "good"


@pytest.mark.parametrize(("key", "right"), [("t", True), ("f", False)])
async def test_true_or_false_shows_the_statement(
    sample: Collection, key: str, right: bool
) -> None:
    app, _, _ = make_app(sample, "truefalse")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert mode(app) is Mode.TRUE_FALSE
        assert text(app, "#question").endswith("When did Lenin die?")
        assert shown(app, "#statement") and text(app, "#statement") == "January 1924"
        assert [str(b.label) for b in app.query(".option").results(OptionButton)] == [
            "t)  True", "f)  False",
        ]
        first = card_id(app)
        await pilot.press(key)
        await pilot.pause()
        assert text(app, "#verdict") == ("Right!" if right else "Not quite.")
        if not right:
            assert text(app, "#right-answer") == "The answer is: t) True"
        await pilot.press("enter")
        await pilot.pause()
    [log] = sample.stats.reviews(first)
    assert log.mode == "true_false"
    assert log.rating is (Rating.GOOD if right else Rating.AGAIN)
    assert log.detail is not None and log.detail["correct"] is right


# -- cloze ------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "right"), [("January 1924", True), ("1925", False)])
async def test_a_cloze_is_filled_in(sample: Collection, typed: str, right: bool) -> None:
    app, _, _ = make_app(sample, "cloze")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert mode(app) is Mode.CLOZE
        assert text(app, "#question") == "When did Lenin die?"
        assert text(app, "#statement") == "_____"
        assert shown(app, "#term")
        first = card_id(app)
        await type_answer(pilot, app, typed)
        assert phase(app) is Phase.ANSWER
        assert text(app, "#verdict") == ("Right!" if right else "Not quite.")
        if not right:
            assert text(app, "#right-answer") == "The answer is: January 1924"
        assert not shown(app, "#term")
        await pilot.press("enter")
        await pilot.pause()
    [log] = sample.stats.reviews(first)
    assert log.mode == "cloze"
    assert log.rating is (Rating.GOOD if right else Rating.AGAIN)
    assert log.detail is not None and log.detail["response"] == typed


# -- match ------------------------------------------------------------------------------


async def test_a_match_round_with_one_mistake(sample: Collection) -> None:
    """Pairs lock in, so one mistake swaps two answers: two pairs are wrong."""
    app, _, timer = make_app(sample, "match")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert phase(app) is Phase.MATCH
        assert app._match is not None
        question, items = app._match
        assert isinstance(question.answer, tuple)
        assert texts(app, "#match-title") == [
            f"Match each question with its answer ({len(question.pairs)} pairs)"
        ]
        lefts = [str(b.label) for b in app.query(".left").results(OptionButton)]
        assert lefts[0] == f"▸ 1.  {question.pairs[0][0]}"
        assert lefts[1] == f"  2.  {question.pairs[1][0]}"
        rights = [str(b.label) for b in app.query(".right").results(OptionButton)]
        assert rights == [f"{'abcdef'[i]})  {o}" for i, o in enumerate(question.options)]
        assert text(app, "#match-clock") == "⏱ 0s"
        keys = ["abcdef"[a] for a in question.answer]
        keys[0], keys[1] = keys[1], keys[0]
        await pilot.press(keys[0])
        await pilot.pause()
        assert app.chosen[0] == question.answer[1]
        assert app.query_one("#left-0").has_class("paired")
        assert app.query_one("#left-1").has_class("selected")
        await pilot.press(keys[0])  # an answer already paired is not taken twice
        assert app.chosen[1] is None
        timer.now += 12.5
        await pilot.press(*keys[1:])
        await pilot.pause()
        assert phase(app) is Phase.MATCHED
        assert text(app, "#match-score") == f"{len(items) - 2} of {len(items)} right in 12.5s"
        assert texts(app, ".wrong-pair") == [
            f"✗ {i + 1}. {question.pairs[i][0]} → {question.pairs[i][1]}" for i in (0, 1)
        ]
        await pilot.press("enter")
        await pilot.pause()
        assert phase(app) is Phase.MATCH
        assert app.chosen == [None] * len(app.chosen)
    ratings = [sample.stats.reviews(i.card.id) for i in items]
    assert [[(log.mode, log.rating) for log in logs] for logs in ratings] == [
        [("match", Rating.AGAIN if i < 2 else Rating.GOOD)] for i in range(len(items))
    ]


async def test_a_match_round_by_clicks(sample: Collection) -> None:
    app, _, _ = make_app(sample, "match")
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.pause()
        assert app._match is not None
        question, items = app._match
        assert isinstance(question.answer, tuple)
        for index in reversed(range(len(items))):
            await pilot.click(f"#left-{index}")
            assert app.selected == index
            await pilot.click(f"#right-{question.answer[index]}")
        await pilot.pause()
        assert phase(app) is Phase.MATCHED
        assert text(app, "#match-score").startswith(f"{len(items)} of {len(items)} right")
        assert not app.query(".wrong-pair")
    assert all(sample.stats.reviews(i.card.id)[0].rating is Rating.GOOD for i in items)


# -- learn ------------------------------------------------------------------------------


async def test_a_learn_round_asks_a_card_by_choice_then_typed(sample: Collection) -> None:
    app, session, _ = make_app(sample, "learn")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert text(app, "#progress").startswith("learned 0  ·  in this round 7")
        first = card_id(app)
        assert mode(app) is Mode.CHOICE
        seen: list[CardId] = []
        while not seen or card_id(app) != first:
            seen.append(card_id(app))
            question = app.question
            assert question is not None and question.mode is not Mode.TYPE
            if question.mode is Mode.FLIP:  # no fair choice for this card in the deck
                await pilot.press("space", "3")
                continue
            assert isinstance(question.answer, int)
            keys = "tf" if question.mode is Mode.TRUE_FALSE else "abcd"
            await pilot.press(keys[question.answer])
            await pilot.pause()
            assert text(app, "#verdict") == "Right!"
            await pilot.press("enter")
            await pilot.pause()
        assert len(seen) > 1  # it comes back after a few others
        assert mode(app) is Mode.TYPE and card_id(app) == first
        assert app.item is not None
        await type_answer(pilot, app, "\n".join(app.item.note.answer_points))
        assert text(app, "#verdict").startswith("Correct")
        await pilot.press("enter")
        await pilot.pause()
        assert session.learn_progress() == (1, 6)
        assert text(app, "#progress").startswith("learned 1  ·  in this round 6")
    assert [log.mode for log in sample.stats.reviews(first)] == ["choice", "type"]


async def test_keys_that_arrive_in_one_burst_are_all_in_the_answer(sample: Collection) -> None:
    from textual import events

    app, _, _ = make_app(sample, "type")
    async with app.run_test() as pilot:
        await pilot.pause()
        typed = "January 1924, the winter after his strokes"
        for character in typed:  # all queued before any is handled, as from a fast paste
            key = "space" if character == " " else character
            app.post_message(events.Key(key, character))
        app.post_message(events.Key("enter", "\r"))
        await pilot.pause()
        await pilot.pause()
        assert phase(app) is Phase.ANSWER
        assert text(app, "#response") == f"Your answer: {typed}"
