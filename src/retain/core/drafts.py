"""Fixing a parse before it is stored: merge two cards, split one, move a point.

A reader sometimes cuts pasted text in the wrong places: a question that runs over two
lines becomes two cards, or two questions end up in one. These operations let a student
put that right on the preview, before anything is stored. Each takes a `DeckDraft` and
returns a new one; none changes what it was given. An operation that does not apply (an
index out of range, a split at the first point) raises `DraftEditError` with a message
that says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from retain.core.model import DeckDraft, NoteDraft

MAX_DRAFT_CARDS = 5000
"""A draft edited in a page or through the API holds at most this many cards."""


class DraftEditError(ValueError):
    """An edit that cannot be made to this draft; the message says why."""


def _card(draft: DeckDraft, index: int) -> NoteDraft:
    if not 0 <= index < len(draft.notes):
        raise DraftEditError(
            f"there is no card {index + 1}: the draft has {len(draft.notes)} cards"
        )
    return draft.notes[index]


def _with(draft: DeckDraft, notes: Sequence[NoteDraft]) -> DeckDraft:
    return replace(draft, notes=tuple(notes))


def merge_with_next(draft: DeckDraft, index: int) -> DeckDraft:
    """Card `index` and the card after it become one. The second card's question becomes
    the first answer point after the first card's own points, unless the first card has no
    points (then the two questions are joined into one)."""
    first = _card(draft, index)
    if index + 1 >= len(draft.notes):
        raise DraftEditError(f"card {index + 1} is the last card: there is none to merge it with")
    second = draft.notes[index + 1]
    if first.answer_points:
        merged = NoteDraft(
            first.question, (*first.answer_points, second.question, *second.answer_points)
        )
    else:
        merged = NoteDraft(f"{first.question} {second.question}", second.answer_points)
    notes = list(draft.notes)
    notes[index : index + 2] = [merged]
    return _with(draft, notes)


def split_at_point(draft: DeckDraft, index: int, point: int) -> DeckDraft:
    """Card `index` is cut before its answer point `point`: that point becomes the
    question of a new card, and the points after it become the new card's points."""
    card = _card(draft, index)
    if not 0 <= point < len(card.answer_points):
        raise DraftEditError(
            f"card {index + 1} has no point {point + 1}: it has {len(card.answer_points)}"
        )
    head = NoteDraft(card.question, card.answer_points[:point])
    tail = NoteDraft(card.answer_points[point], card.answer_points[point + 1 :])
    notes = list(draft.notes)
    notes[index : index + 1] = [head, tail]
    return _with(draft, notes)


def move_point(draft: DeckDraft, index: int, point: int, direction: int) -> DeckDraft:
    """Answer point `point` of card `index` moves to the card before (`direction` -1, as
    its last point) or the card after (+1, as its first point)."""
    if direction not in (-1, 1):
        raise DraftEditError("a point moves to the card before (-1) or the card after (+1)")
    card = _card(draft, index)
    if not 0 <= point < len(card.answer_points):
        raise DraftEditError(
            f"card {index + 1} has no point {point + 1}: it has {len(card.answer_points)}"
        )
    target = index + direction
    if not 0 <= target < len(draft.notes):
        where = "before" if direction < 0 else "after"
        raise DraftEditError(f"there is no card {where} card {index + 1}")
    moved = card.answer_points[point]
    rest = card.answer_points[:point] + card.answer_points[point + 1 :]
    other = draft.notes[target]
    points = (*other.answer_points, moved) if direction < 0 else (moved, *other.answer_points)
    notes = list(draft.notes)
    notes[index] = NoteDraft(card.question, rest)
    notes[target] = NoteDraft(other.question, points)
    return _with(draft, notes)


def delete_card(draft: DeckDraft, index: int) -> DeckDraft:
    """Card `index` is left out of the draft."""
    _card(draft, index)
    return _with(draft, [n for i, n in enumerate(draft.notes) if i != index])


def clean(draft: DeckDraft) -> DeckDraft:
    """The draft with blank answer points dropped, and with cards whose question is blank
    dropped, as they would be after an edit in a form."""
    notes = []
    for note in draft.notes:
        question = note.question.strip()
        if not question:
            continue
        points = tuple(p.strip() for p in note.answer_points if p.strip())
        notes.append(NoteDraft(question, points))
    return _with(draft, notes)
