from __future__ import annotations

import random
from functools import cache

import pytest

from retain.core import questions
from retain.core.deckview import GRADING_OTHERS, MemoryDeck
from retain.core.kinds import Lexicon
from retain.core.model import DeckId, Note, NoteId
from retain.core.questions import Mode, QuestionUnavailable, build_question

FIRST = ("Alma", "Boris", "Clara", "Dmitri", "Edda", "Feliks", "Greta", "Hugo", "Ines", "Jonas")
LAST = ("Varga", "Holm", "Teller", "Ostrov", "Lind", "Marek", "Sund", "Novak", "Brandt", "Kerr")
WORDS = (
    "harbour", "grain", "treaty", "council", "river", "tax", "railway", "strike", "press",
    "border", "market", "army", "school", "canal", "mine", "court",
)


def synthetic_note(i: int) -> Note:
    """Cards of four kinds (dates, numbers, people, explanations), made up from word lists."""
    rng = random.Random(i)
    kind = i % 4
    if kind == 0:
        question = f"When was the {rng.choice(WORDS)} of district {i} opened?"
        points: tuple[str, ...] = (f"{rng.randint(1, 28)} March {rng.randint(1700, 1999)}",)
    elif kind == 1:
        question = f"How many ships sailed in fleet {i}?"
        points = (str(rng.randint(3, 900)),)
    elif kind == 2:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        question = f"Who led expedition {i}?"
        points = (name,)
    else:
        b, c = rng.sample(WORDS, 2)
        question = f"Why did it happen in {1000 + i}?"
        points = (
            f"The {b} of region {i} was closed by {rng.choice(LAST)}'s men.",
            f"Its {c} had no money left after {rng.randint(1700, 1999)}.",
        )
    return Note(NoteId(i + 1), DeckId(1), question, points)


@cache
def deck(size: int) -> MemoryDeck:
    return MemoryDeck(
        [synthetic_note(i) for i in range(size)], candidate_sample=20, note_sample=20
    )


MODES = (Mode.FLIP, Mode.TYPE, Mode.CHOICE, Mode.TRUE_FALSE, Mode.CLOZE, Mode.MATCH)


def work_per_question(size: int, mode: Mode | None) -> list[int]:
    """How many candidates and notes each question of a sample of cards touched."""
    view = deck(size)
    counts = []
    for n in range(40):
        note = view.notes[(n * 7919) % size]
        before = view.touched
        if mode is None:
            questions.choose_mode(note, view, review_count=n % 3, rng=random.Random(n))
        else:
            try:
                build_question(mode, note, view, random.Random(n))
            except QuestionUnavailable:
                pass
        counts.append(view.touched - before)
    return counts


@pytest.mark.parametrize("mode", [*MODES, None], ids=[*(m.value for m in MODES), "auto"])
def test_question_work_does_not_grow_with_the_deck(mode: Mode | None) -> None:
    small = work_per_question(100, mode)
    large = work_per_question(10_000, mode)
    assert max(large) <= max(small)
    if mode in (Mode.CHOICE, Mode.TRUE_FALSE, Mode.MATCH):
        assert max(large) > 0  # the work is counted


def test_grading_gets_a_bounded_set_of_other_answers() -> None:
    small, large = deck(30), deck(10_000)
    assert len(small.related_answers(small.notes[0], "anything")) == 29
    assert len(large.related_answers(large.notes[0], "anything")) == GRADING_OTHERS


def test_a_memory_deck_reads_notes_with_the_whole_deck_lexicon() -> None:
    view = deck(100)
    texts = [t for n in view.notes for t in (n.question, *n.answer_points)]
    who = [p for n in view.notes if n.question.startswith("Who") for p in n.answer_points]
    assert view.lexicon == Lexicon.from_texts(texts, who)
    facts = view.facts([view.notes[2]])[0]
    assert facts.points[0].kind.value == "person"


def test_the_same_question_from_a_list_and_from_its_view() -> None:
    notes = [synthetic_note(i) for i in range(60)]
    view = MemoryDeck(notes)
    for mode in MODES:
        for note in notes[:8]:
            try:
                a = build_question(mode, note, notes, random.Random(3))
            except QuestionUnavailable:
                with pytest.raises(QuestionUnavailable):
                    build_question(mode, note, view, random.Random(3))
                continue
            assert build_question(mode, note, view, random.Random(3)) == a
