"""A place with its country, a name with what it was, and a date with a wrong part."""

from __future__ import annotations

from retain.core.grading import grade_typed_answer

Q = "Who first climbed the mountain, when and where?"
POINTS = [
    "Maria Novak, a Slovene teacher from the Alpine Club",
    "12 March 1921",
    "In Ljubljana, Slovenia",
]


def test_the_place_alone_covers_a_place_given_with_its_country() -> None:
    g = grade_typed_answer(Q, POINTS, "maria novak on 12/3/1921 in ljubljana")
    assert g.verdict == "correct" and not g.contradiction


def test_a_name_covers_a_point_that_goes_on_to_say_who_they_were() -> None:
    g = grade_typed_answer(Q, POINTS, "maria novak")
    assert 0 in g.covered


def test_a_wrong_month_between_the_right_day_and_year_contradicts_the_date() -> None:
    g = grade_typed_answer(Q, POINTS, "novak in ljubljana on 12 april 1921")
    assert g.contradiction and 1 not in g.covered and g.verdict == "partial"



def test_not_much_is_a_small_amount_not_a_denial() -> None:
    q = "Why does the kettle boil quickly?"
    points = ["Only a small amount of water is heated", "The element is close to the water"]
    g = grade_typed_answer(q, points, "not much water is heated and the element is close to it")
    assert g.verdict == "correct" and not g.contradiction


def test_the_year_alone_is_too_vague_for_a_full_date() -> None:
    q, points = "When did the bridge open?", ["17 May 1883"]
    assert grade_typed_answer(q, points, "1883").verdict != "correct"
    assert grade_typed_answer(q, points, "may 17th 1883").verdict == "correct"
    assert grade_typed_answer(q, points, "17/5/1883").verdict == "correct"


def test_one_subjects_value_given_to_another_contradicts_on_subject_value_cards() -> None:
    q = "What is the capital of Spain, Italy and Portugal?"
    points = ["Spain – Madrid", "Italy – Rome", "Portugal – Lisbon"]
    g = grade_typed_answer(q, points, "es madrid, italy madrid, portugal lisbon")
    assert g.contradiction and 1 not in g.covered
    ok = grade_typed_answer(q, points, "spain madrid, italy rome, portugal lisbon")
    assert ok.verdict == "correct" and not ok.contradiction
