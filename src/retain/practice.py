"""Practice tests: a fixed set of questions on a deck, printed (HTML or PDF, with the answer
key on pages of its own) or taken on screen and graded.

A test is built from the question generator (`retain.core.questions`) with a seeded
`random.Random`, so the same deck, question count, types and seed give the same test on
paper and on screen: a teacher can hand out the printout and mark it with the key, and a
student can take the same test with ``retain study DECK --test --seed N``.

The question types are ``written`` (the answer is written out; on screen it is graded point
by point), ``choice`` (four options), ``truefalse`` and ``match`` (five or six questions to
pair with their answers). Types take turns; a card the deck cannot ask in a type (too few
cards for fair wrong options, say) is asked as written instead.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from retain.core.model import Note
from retain.core.questions import Mode, Question, QuestionUnavailable, build_question

if TYPE_CHECKING:
    from retain.collection import Collection
    from retain.core.model import Deck

__all__ = [
    "QUESTION_TYPES",
    "ItemResult",
    "PracticeTest",
    "TestItem",
    "build_test",
    "grade_item",
    "letter",
    "run_plain_test",
    "test_for_deck",
]

QUESTION_TYPES: dict[str, Mode] = {
    "written": Mode.TYPE,
    "choice": Mode.CHOICE,
    "truefalse": Mode.TRUE_FALSE,
    "match": Mode.MATCH,
}
"""The types a test may use, by the names `--types` takes, and the mode each is built in."""


def letter(index: int) -> str:
    return chr(ord("A") + index)


@dataclass(frozen=True)
class TestItem:
    """One numbered question of a test, and its answer for the key."""

    number: int
    kind: str  # a key of QUESTION_TYPES
    question: Question

    @property
    def key(self) -> list[str]:
        """The answer as the key prints it: the points, the letter, True/False, or one
        letter per pair."""
        q = self.question
        if self.kind == "written":
            return list(q.expected)
        if self.kind == "choice":
            assert isinstance(q.answer, int)
            return [f"{letter(q.answer)}. {q.options[q.answer]}"]
        if self.kind == "truefalse":
            return ["True" if q.answer == 0 else "False"]
        assert isinstance(q.answer, tuple)
        return [f"{i + 1}: {letter(answer)}" for i, answer in enumerate(q.answer)]


@dataclass(frozen=True)
class PracticeTest:
    title: str
    seed: int
    items: tuple[TestItem, ...]


def build_test(
    title: str,
    notes: Sequence[Note],
    *,
    questions: int,
    types: Sequence[str],
    seed: int,
) -> PracticeTest:
    """A test of `questions` questions (at most one per card) on `notes`. Raises ValueError
    for an unknown type or a count below 1."""
    if questions < 1:
        raise ValueError("a test needs at least 1 question")
    unknown = [t for t in types if t not in QUESTION_TYPES]
    if unknown or not types:
        raise ValueError(
            f"unknown question type {', '.join(unknown) or '(none)'}; "
            f"the types are {', '.join(QUESTION_TYPES)}"
        )
    if not notes:
        raise ValueError("the deck has no cards")
    rng = random.Random(seed)
    chosen = rng.sample(list(notes), min(questions, len(notes)))
    items: list[TestItem] = []
    for number, note in enumerate(chosen, 1):
        wanted = types[(number - 1) % len(types)]
        for kind in (wanted, *(t for t in types if t != wanted), "written"):
            try:
                question = build_question(QUESTION_TYPES[kind], note, notes, rng)
            except QuestionUnavailable:
                continue
            items.append(TestItem(number, kind, question))
            break
    return PracticeTest(title, seed, tuple(items))


def test_for_deck(
    col: Collection, deck: Deck, *, questions: int, types: Sequence[str], seed: int
) -> PracticeTest:
    """`build_test` on a stored deck."""
    return build_test(
        deck.title or deck.name, col.decks.notes(deck), questions=questions, types=types, seed=seed
    )


@dataclass(frozen=True)
class ItemResult:
    """How one answer scored (0 to 1), and what to show: whether it was right and the key."""

    score: float
    feedback: str


def grade_item(
    item: TestItem, response: str, *, other_answers: Sequence[Sequence[str]] = ()
) -> ItemResult:
    """Grade a response typed on screen: a written answer point by point, a choice by its
    letter, true/false by t or f, a match by one letter per pair (``BADCE``)."""
    from retain.core.grading import GradingLimitError, grade_typed_answer
    from retain.core.questions import check

    q = item.question
    answer = response.strip()
    key = "; ".join(item.key)
    if item.kind == "written":
        try:
            graded = grade_typed_answer(q.prompt, q.expected, answer, other_answers=other_answers)
        except GradingLimitError as error:
            return ItemResult(0.0, f"not graded ({error}); the answer: {key}")
        covered = len(graded.covered)
        total = len(q.expected)
        note = " (something in it contradicts the card)" if graded.contradiction else ""
        return ItemResult(covered / total, f"{covered} of {total} points{note}; the answer: {key}")
    if item.kind == "choice":
        index = ord(answer[:1].upper()) - ord("A") if len(answer) == 1 else -1
        right = bool(check(q, index)) if 0 <= index < len(q.options) else False
        return ItemResult(1.0 if right else 0.0, ("right" if right else "wrong") + f": {key}")
    if item.kind == "truefalse":
        said = answer[:1].lower()
        right = said in ("t", "f") and bool(check(q, said == "t"))
        return ItemResult(1.0 if right else 0.0, ("right" if right else "wrong") + f": {key}")
    assert isinstance(q.answer, tuple)
    letters = [c for c in answer.upper() if c.isalpha()]
    hits = sum(
        1
        for i, expected in enumerate(q.answer)
        if i < len(letters) and ord(letters[i]) - ord("A") == expected
    )
    return ItemResult(hits / len(q.answer), f"{hits} of {len(q.answer)} pairs right: {key}")


def run_plain_test(test: PracticeTest, stdin: TextIO, stdout: TextIO) -> float:
    """Take `test` with plain lines: each question, the student's answer (one line; an
    empty line skips), what it scored. Returns the score, 0 to 1. Nothing is recorded in the
    review log: a practice test measures, it does not schedule."""
    from retain.terminal import safe_text

    def say(text: str = "") -> None:
        stdout.write(safe_text(text) + "\n")
        stdout.flush()

    say(f"Practice test: {test.title} ({len(test.items)} questions, seed {test.seed})")
    others = [item.question.expected for item in test.items]
    total = 0.0
    for item in test.items:
        say()
        for line in question_lines(item):
            say(line)
        say(answer_hint(item))
        stdout.write("> ")
        stdout.flush()
        response = stdin.readline()
        if not response:
            say()
            break
        result = grade_item(item, response, other_answers=others)
        total += result.score
        say(f"  {result.feedback}")
    score = total / len(test.items) if test.items else 0.0
    say()
    say(f"Score: {total:.1f} of {len(test.items)} ({score:.0%}).")
    return score


def question_lines(item: TestItem) -> list[str]:
    """The question as printed: its prompt, then its statement, options or pairs."""
    q = item.question
    lines = [f"{item.number}. {_prompt(item)}"]
    if item.kind == "choice":
        lines += [f"   {letter(i)}. {option}" for i, option in enumerate(q.options)]
    elif item.kind == "truefalse":
        lines.append(f"   “{q.statement}”")
    elif item.kind == "match":
        lines += [f"   {i + 1}. {question}" for i, (question, _) in enumerate(q.pairs)]
        lines += [f"   {letter(i)}. {option}" for i, option in enumerate(q.options)]
    return lines


def _prompt(item: TestItem) -> str:
    if item.kind == "match":
        return "Match each question with its answer."
    return item.question.prompt


def answer_hint(item: TestItem) -> str:
    return {
        "written": "   (write the answer; each point counts)",
        "choice": "   (the letter of one answer)",
        "truefalse": "   (t or f)",
        "match": "   (one letter for each question, in order)",
    }[item.kind]
