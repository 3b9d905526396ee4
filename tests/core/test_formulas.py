"""Formulas typed in other forms are read as the point's formula; a wrong one contradicts."""

from __future__ import annotations

import pytest

from retain.core.formulas import MAX_FORMULA_CHARS, compare, formulas
from retain.core.grading import grade_typed_answer


@pytest.mark.parametrize(
    "typed",
    ["d = m/v", "density = mass / volume", "m = d x v", "v = m ÷ d", "mass divided by volume"],
)
def test_the_same_formula_in_another_form(typed: str) -> None:
    assert compare(formulas("density = mass ÷ volume"), formulas(typed)) == "same"


@pytest.mark.parametrize("typed", ["d = v/m", "density = volume ÷ mass", "d = m x v"])
def test_a_formula_turned_round_differs(typed: str) -> None:
    assert compare(formulas("density = mass ÷ volume"), formulas(typed)) == "differs"


def test_letters_side_by_side_multiply_and_an_aside_spells_them_out() -> None:
    point = formulas("V = I × R (voltage = current × resistance)")
    assert compare(point, formulas("v = ir")) == "same"
    assert compare(point, formulas("voltage = current x resistance")) == "same"
    assert compare(point, formulas("V = I/R")) == "differs"


def test_an_extra_term_differs_and_the_sum_in_short_words_is_the_same() -> None:
    point = formulas("total cost = fixed cost + variable cost")
    assert compare(point, formulas("fixed + variable")) == "same"
    assert compare(point, formulas("fixed cost + variable cost + tax")) == "differs"


def test_prose_and_unknown_letters_say_nothing() -> None:
    point = formulas("density = mass ÷ volume")
    assert compare(point, formulas("it is how heavy something is for its size")) is None
    assert compare(point, formulas("d = (m - q)/v")) is None


def test_the_grader_covers_and_contradicts_by_formula() -> None:
    q, points = "How do you work out density?", ["density = mass ÷ volume"]
    assert grade_typed_answer(q, points, "d = m/v").verdict == "correct"
    wrong = grade_typed_answer(q, points, "density = volume ÷ mass")
    assert wrong.verdict == "incorrect" and wrong.contradiction


@pytest.mark.parametrize(
    "typed",
    ["(" * 5000 + "x", "a" + "+a" * 5000, "x^" * 3000 + "2", "=" * 10000, "((a)" * 2000],
)
def test_hostile_formulas_are_read_or_left_without_error(typed: str) -> None:
    fs = formulas(typed)
    assert all(len(f.operands) <= 12 for f in fs)
    compare(formulas("density = mass ÷ volume"), fs)
    assert MAX_FORMULA_CHARS < 1000


@pytest.mark.parametrize("typed", ["d = (m - v - 9)^0.5", "d = ((((m^4)^4)^4)^4)^4"])
def test_powers_that_overflow_or_go_complex_say_nothing(typed: str) -> None:
    assert compare(formulas("density = mass ÷ volume"), formulas(typed)) in (None, "differs")


@pytest.mark.parametrize(
    ("typed", "verdict"),
    [
        ("r = (h - g)/t", "same"),  # a difference of two letters is the point's "change in"
        ("r = (h2 - h1)/t", "same"),
        ("rate = change in height / time", "same"),
        ("r = t/(h - g)", "differs"),
        ("r = (h - g)*t", "differs"),
    ],
)
def test_a_difference_of_two_letters_stands_for_a_change_in_a_quantity(
    typed: str, verdict: str
) -> None:
    point = formulas("rate of climb = change in height ÷ time taken")
    assert compare(point, formulas(typed)) == verdict
