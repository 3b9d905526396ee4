"""The grader's limits, and grading time that grows in proportion to the answer.

Time is never measured here: the work a grade does is counted as the lines of the
grader's own code that run, and a grade of an answer ten times as long must do about ten
times the work, not a hundred or a thousand times.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from retain.core import grading, textnorm
from retain.core.grading import (
    MAX_CARD_CHARS,
    MAX_POINT_CHARS,
    MAX_POINTS,
    MAX_QUESTION_CHARS,
    MAX_TYPED_CHARS,
    GradingLimitError,
    cut_to_limits,
    grade_typed_answer,
)

WATERLOO = (
    "Who defeated Napoleon at Waterloo, and when?",
    [
        "Wellington and Blücher defeated Napoleon in June 1815 - the allied armies "
        "held the ridge until the Prussians arrived.",
        "Napoleon was exiled to Saint Helena after the defeat, where he died in 1821.",
        "About 47,000 men were killed or wounded in the battle.",
    ],
)
WATERLOO_ANSWER = (
    "Wellington and Blücher defeated Napoleon in June 1815. Napoleon was exiled to "
    "Saint Helena, where he died in 1821. About 47,000 men were killed or wounded."
)


def repeat(piece: str, n: int) -> str:
    return (piece * (n // len(piece) + 1))[:n]


# --- limits -------------------------------------------------------------------------


def test_a_typed_answer_of_16k_characters_grades_correctly() -> None:
    typed = repeat(WATERLOO_ANSWER + " ", 16_000)
    assert len(typed) <= MAX_TYPED_CHARS
    grade = grade_typed_answer(*WATERLOO, typed)
    assert grade.verdict == "correct"
    assert grade.covered == (0, 1, 2)
    assert not grade.contradiction


def test_a_typed_answer_of_100k_characters_gets_the_limit_error() -> None:
    typed = repeat(WATERLOO_ANSWER + " ", 100_000)
    with pytest.raises(GradingLimitError) as caught:
        grade_typed_answer(*WATERLOO, typed)
    message = str(caught.value)
    assert "typed answer" in message and "100,000" in message
    assert f"{MAX_TYPED_CHARS:,}" in message


@pytest.mark.parametrize(
    ("question", "points", "words"),
    [
        pytest.param("q?", ["a point"] * (MAX_POINTS + 1), "answer points", id="points"),
        pytest.param("q?", ["x" * (MAX_POINT_CHARS + 1)], "answer point 1", id="point-length"),
        pytest.param(
            "q?", ["y" * MAX_POINT_CHARS] * (MAX_CARD_CHARS // MAX_POINT_CHARS + 1),
            "together", id="card-length",
        ),
        pytest.param("q" * (MAX_QUESTION_CHARS + 1), ["a"], "question", id="question"),
    ],
)
def test_a_card_past_a_limit_gets_an_error_that_names_it(
    question: str, points: list[str], words: str
) -> None:
    with pytest.raises(GradingLimitError, match=words):
        grade_typed_answer(question, points, "a")


def test_the_limits_themselves_are_graded() -> None:
    points = ["z" * MAX_POINT_CHARS] * (MAX_CARD_CHARS // MAX_POINT_CHARS)
    grade = grade_typed_answer("q" * MAX_QUESTION_CHARS, points, "w" * MAX_TYPED_CHARS)
    assert len(grade.points) == len(points)


def test_a_limit_error_is_a_value_error() -> None:
    assert issubclass(GradingLimitError, ValueError)


def test_cut_to_limits_keeps_what_fits_and_cuts_the_rest() -> None:
    long_points = ["p" * (MAX_POINT_CHARS + 50)] * (MAX_POINTS + 5)
    question, points, typed = cut_to_limits("q" * 3000, long_points, "t" * 30_000)
    assert len(question) == MAX_QUESTION_CHARS
    assert len(typed) == MAX_TYPED_CHARS
    assert all(len(p) == MAX_POINT_CHARS for p in points)
    assert len(points) == MAX_CARD_CHARS // MAX_POINT_CHARS
    grading.check_limits(question, points, typed)  # does not raise
    assert cut_to_limits(*WATERLOO, WATERLOO_ANSWER) == (
        WATERLOO[0], WATERLOO[1], WATERLOO_ANSWER,
    )


# --- work grows with the answer -------------------------------------------------------


def count_lines(run: Callable[[], Any]) -> int:
    """The lines of the grader and the text layer that `run` executes."""
    watched = {grading.__file__, textnorm.__file__}
    count = 0

    def trace(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        if frame.f_code.co_filename not in watched:
            return None
        if event == "line":
            count += 1
        return trace

    old = sys.gettrace()
    sys.settrace(trace)
    try:
        run()
    finally:
        sys.settrace(old)
    return count


def clear_caches() -> None:
    grading._analyse_cached.cache_clear()
    grading._answer_cached.cache_clear()
    textnorm._tokenize_cached.cache_clear()
    textnorm.stem.cache_clear()
    grading._fuzzy.cache_clear()


PATHOLOGICAL = {
    "names-and-verbs": "Wellington defeated Napoleon the Blücher the Helena ",
    "names-and": "Wellington and Napoleon and Blücher and ",
    "numbers": "1816 47,001 1815-16 48,000 ",
    "dates": "18 June 1815, 5/5/1821, May 1821, ",
    "commas": "battle, ",
    "one-word": "defeated ",
    "list-markers": "1. x 2. y ",
    "dashes": "- - Napoleon - ",
    "answer-repeated": WATERLOO_ANSWER + " ",
    "typos": "Welington Napolen Blucher exild wounde ",
}


@pytest.mark.parametrize("pattern", list(PATHOLOGICAL.values()), ids=list(PATHOLOGICAL))
def test_ten_times_the_answer_is_about_ten_times_the_work(pattern: str) -> None:
    def work(n: int) -> int:
        clear_caches()
        typed = repeat(pattern, n)
        grading._analyse_card(WATERLOO[0], tuple(WATERLOO[1]), ())  # the card, analysed
        return count_lines(lambda: grade_typed_answer(*WATERLOO, typed))

    small, large = work(1_000), work(10_000)
    assert large <= 13 * small, (small, large)


def test_ten_times_the_points_is_about_ten_times_the_work() -> None:
    pattern = "Wellington defeated Napoleon at 1815 and 47,000 were killed "

    def work(points: int) -> int:
        clear_caches()
        card = [f"{WATERLOO[1][i % 3]} ({i})" for i in range(points)]
        typed = repeat(pattern, 2_000)
        return count_lines(lambda: grade_typed_answer(WATERLOO[0], card, typed))

    small, large = work(5), work(50)
    assert large <= 13 * small, (small, large)


def test_the_word_index_finds_what_a_scan_of_every_word_finds() -> None:
    """A long answer is searched through an index of its words; a short one is scanned.
    Both give the same grade."""
    typed = repeat(
        "Welington defeted Napolen in Jun 1815, Blucher arived; exiled to St Helena, "
        "died 1821; 47,000 killed or wounded; the alied armys held the rige. ",
        3_000,
    )
    clear_caches()
    indexed = grade_typed_answer(*WATERLOO, typed)
    old = grading._SCAN_ALL
    grading._SCAN_ALL = 10**9
    try:
        clear_caches()
        scanned = grade_typed_answer(*WATERLOO, typed)
    finally:
        grading._SCAN_ALL = old
        clear_caches()
    assert indexed == scanned
    assert indexed.covered



# --- answers that once raised -------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("ten " * 1_500, id="1500-number-words"),  # RecursionError
        pytest.param("1" * 400, id="400-digit-number"),  # OverflowError
        pytest.param("0" * 5_000 + "1. x", id="5000-digit-list-marker"),  # ValueError
        pytest.param("one " + "hundred " * 2_400, id="a-number-of-4800-digits"),  # ValueError
    ],
)
def test_answers_that_once_raised_are_graded(typed: str) -> None:
    grade = grade_typed_answer("When was the battle?", ["In June 1815"], typed)
    assert grade.verdict == "incorrect"
