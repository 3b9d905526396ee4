"""The learned answer model: a probability that a typed answer is correct."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retain.core.answer_model import (
    FEATURE_NAMES,
    answer_correct_probability,
    answer_features,
)

STRING = (
    "Look at the circuit. Can you use a piece of string to make the connection? Why or why not?",
    ["No, string is an insulator, so the pathway would not be completed."],
)
SALT = (
    "How did you separate the salt from the water?",
    ["The water was evaporated, leaving the salt."],
)
TERMINAL = (
    "Explain why you got a voltage reading of 1.5 for terminal 1 and the positive terminal.",
    [
        "Terminal 1 and the positive terminal are separated by the gap",
        "Terminal 1 and the positive terminal are not connected",
    ],
)


def test_stored_model_has_every_feature() -> None:
    text = resources.files("retain.core").joinpath("grading_data", "answer_model.json")
    data = json.loads(text.read_text("utf-8"))
    for part in ("mean", "scale", "weights"):
        assert set(data[part]) == set(FEATURE_NAMES)
    assert all(s > 0 for s in data["scale"].values())


def test_features_are_named_and_finite() -> None:
    feats = answer_features(*SALT, "We let the water evaporate.")
    assert tuple(feats) == FEATURE_NAMES
    assert all(v == v and abs(v) < 1e6 for v in feats.values())


@pytest.mark.parametrize("typed", ["", "   ", "the of and"])
def test_empty_answer_is_not_correct(typed: str) -> None:
    assert answer_correct_probability(*SALT, typed) == 0.0


@pytest.mark.parametrize(
    ("card", "good", "bad"),
    [
        (SALT, "The water evaporated and left the salt behind.", "By pouring it slowly in a tray."),
        (
            SALT,
            "Let the water evaporate and the salt is left.",
            "You separate the salt from the water.",
        ),
        (
            STRING,
            "No, because string is an insulator so the circuit would not be complete.",
            "Yes, string can make the connection.",
        ),
        (
            TERMINAL,
            "terminal 1 is not connected to the positive terminal",
            "terminal 1 is connected to the positive terminal",
        ),
        (
            TERMINAL,
            "positive terminal is separated by a gap from terminal 1",
            "because the battery is in a closed path",
        ),
    ],
)
def test_right_answer_beats_wrong_one(card: tuple[str, list[str]], good: str, bad: str) -> None:
    question, refs = card
    p_good = answer_correct_probability(question, refs, good)
    p_bad = answer_correct_probability(question, refs, bad)
    assert p_good > p_bad
    assert p_good >= 0.5 > p_bad


def test_any_reference_is_enough() -> None:
    question, refs = TERMINAL
    for ref in refs:
        assert answer_correct_probability(question, refs, ref) >= 0.5


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_probability_is_a_probability(typed: str) -> None:
    p = answer_correct_probability(*STRING, typed)
    assert 0.0 <= p <= 1.0
