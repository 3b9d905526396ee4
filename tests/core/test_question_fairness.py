"""Questions that do not give their answer away: wrong options as long as the right one, and
match rounds where no answer names another pair's question."""

from __future__ import annotations

import random

from retain.core.kinds import content_words
from retain.core.model import DeckId, Note, NoteId
from retain.core.questions import Mode, build_question

SEEDS = range(40)


def deck(*cards: tuple[str, tuple[str, ...]]) -> list[Note]:
    return [Note(NoteId(i + 1), DeckId(1), q, points) for i, (q, points) in enumerate(cards)]


# Explanations of two lengths, all short enough to count as the same shape: the asked card's
# answer is as long as the first group, and the second is more than twice as long.
ASKED = ("Why do glaciers move downhill?", ("Gravity pulls the heavy ice down",))
SIMILAR = [
    ("Why do rivers flood in spring?", ("Melting snow fills them too fast",)),
    ("Why do deserts get cold at night?", ("Dry clear air lets heat escape",)),
    ("Why do volcanoes erupt?", ("Gas pressure in the magma builds",)),
]
LONG = [
    (
        "Why do mountains have snow on top?",
        ("The air thins and cools as it rises, so high up the rain falls as snow",),
    ),
    (
        "Why do oceans taste of salt?",
        ("Rivers wash minerals out of rocks into the sea and only the water evaporates",),
    ),
    (
        "Why do earthquakes happen?",
        ("Plates of the crust lock together, strain builds for years, then they slip",),
    ),
]


def test_wrong_options_are_about_as_long_as_the_right_one() -> None:
    notes = deck(ASKED, *SIMILAR, *LONG)
    similar = {points[0] for _, points in SIMILAR}
    fair = 0
    for seed in SEEDS:
        question = build_question(Mode.CHOICE, notes[0], notes, random.Random(seed))
        assert isinstance(question.answer, int)
        wrong = {o for i, o in enumerate(question.options) if i != question.answer}
        fair += wrong <= similar
    # the three wrong options of like length, nearly every time
    assert fair >= 0.95 * len(SEEDS)


def test_a_match_round_never_shows_an_answer_named_in_another_question() -> None:
    notes = deck(
        ("Who was Ada Lovelace?", ("A mathematician who wrote the first published program",)),
        ("Who wrote the first published program?", ("Ada Lovelace",)),
        ("Who was Alan Turing?", ("A mathematician who broke codes in wartime",)),
        ("Who broke wartime codes at Bletchley?", ("Alan Turing",)),
        ("What did Charles Babbage design?", ("The Analytical Engine",)),
        ("What was the Analytical Engine?", ("A mechanical general-purpose computer",)),
        ("Where is Bletchley Park?", ("Buckinghamshire",)),
        ("What language did Grace Hopper help create?", ("COBOL",)),
    )
    rounds = 0
    for seed in SEEDS:
        for note in notes:
            question = build_question(Mode.MATCH, note, notes, random.Random(seed))
            rounds += 1
            for i, (_, answer) in enumerate(question.pairs):
                words = content_words(answer)
                for j, (other_question, _) in enumerate(question.pairs):
                    assert i == j or not words <= content_words(other_question), (
                        answer, other_question,
                    )
    assert rounds == len(SEEDS) * len(notes)
