"""Fixing a parse before it is stored: merge, split, move a point, leave a card out."""

from __future__ import annotations

import pytest

from retain.core import drafts
from retain.core.model import DeckDraft, NoteDraft


def _draft(*cards: tuple[str, tuple[str, ...]]) -> DeckDraft:
    return DeckDraft("T", "text/questions", tuple(NoteDraft(q, p) for q, p in cards))


def _cards(draft: DeckDraft) -> list[tuple[str, tuple[str, ...]]]:
    return [(n.question, n.answer_points) for n in draft.notes]


TWO = _draft(("One?", ("a", "b", "c")), ("Two?", ("d",)))


def test_merge_makes_the_second_question_a_point() -> None:
    assert _cards(drafts.merge_with_next(TWO, 0)) == [("One?", ("a", "b", "c", "Two?", "d"))]


def test_merge_joins_questions_when_the_first_has_no_points() -> None:
    split_question = _draft(("Why did the", ()), ("war start?", ("x",)))
    assert _cards(drafts.merge_with_next(split_question, 0)) == [("Why did the war start?", ("x",))]


def test_split_starts_a_card_at_a_point() -> None:
    assert _cards(drafts.split_at_point(TWO, 0, 1)) == [
        ("One?", ("a",)),
        ("b", ("c",)),
        ("Two?", ("d",)),
    ]


@pytest.mark.parametrize(
    ("card", "point", "direction", "expected"),
    [
        (0, 2, 1, [("One?", ("a", "b")), ("Two?", ("c", "d"))]),
        (1, 0, -1, [("One?", ("a", "b", "c", "d")), ("Two?", ())]),
    ],
)
def test_move_a_point(
    card: int, point: int, direction: int, expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    assert _cards(drafts.move_point(TWO, card, point, direction)) == expected


def test_delete_and_clean() -> None:
    assert _cards(drafts.delete_card(TWO, 0)) == [("Two?", ("d",))]
    messy = _draft(("  Q?  ", (" a ", "", "  ")), ("   ", ("x",)))
    assert _cards(drafts.clean(messy)) == [("Q?", ("a",))]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: drafts.merge_with_next(d, 1), "last card"),
        (lambda d: drafts.merge_with_next(d, 5), "no card 6"),
        (lambda d: drafts.split_at_point(d, 1, 3), "no point 4"),
        (lambda d: drafts.move_point(d, 0, 0, -1), "no card before"),
        (lambda d: drafts.move_point(d, 1, 0, 1), "no card after"),
        (lambda d: drafts.move_point(d, 0, 0, 2), "moves to the card before"),
    ],
)
def test_edits_that_do_not_apply_say_why(edit: object, message: str) -> None:
    with pytest.raises(drafts.DraftEditError, match=message):
        edit(TWO)  # type: ignore[operator]


def test_the_draft_given_is_not_changed() -> None:
    before = _cards(TWO)
    drafts.merge_with_next(TWO, 0)
    drafts.split_at_point(TWO, 0, 1)
    assert _cards(TWO) == before
