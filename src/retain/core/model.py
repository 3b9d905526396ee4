"""The things retain knows about: drafts read from outside, and stored decks, notes and cards.

A *Note* is one fact: a question and its answer points. A *Card* is one way of being asked
about a note, and the scheduling state belongs to the card. Everything here is a frozen
dataclass; the Collection writes them, nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any, NewType

DeckId = NewType("DeckId", int)
NoteId = NewType("NoteId", int)
CardId = NewType("CardId", int)


class Rating(IntEnum):
    """The four answers a student can give, numbered as FSRS numbers them."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Rating:
        """Read a rating from `1`-`4` or a name (`again`, `Good`, ...)."""
        value = text.strip().lower()
        if value.isdigit() and 1 <= int(value) <= 4:
            return cls(int(value))
        for rating in cls:
            if rating.label == value:
                return rating
        raise ValueError(f"not a rating: {text!r} (use 1-4 or again/hard/good/easy)")


class CardState(IntEnum):
    """Where a card is in its life. NEW has never been answered; the rest are FSRS's states."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


@dataclass(frozen=True, slots=True)
class NoteDraft:
    """One question and its answer points, as read from outside, before it is stored.

    `tags` are the note's tags (words without spaces, as Anki keeps them), in order."""

    question: str
    answer_points: tuple[str, ...]
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeckDraft:
    """What every format reader returns: a title (if the source has one) and its notes.

    `format` names the reader and, for pasted text, the structure it found
    (for example ``"text/questions"`` or ``"text/tab"``). `control_characters_removed`
    counts the control characters the reader took out of the text.
    """

    title: str | None
    format: str
    notes: tuple[NoteDraft, ...]
    control_characters_removed: int = 0

    def to_json_dict(self) -> dict[str, object]:
        """The stable JSON shape printed by ``retain import --dry-run --json``."""
        return {
            "title": self.title,
            "format": self.format,
            "cards": [
                {"question": n.question, "answer_points": list(n.answer_points)}
                | ({"tags": list(n.tags)} if n.tags else {})
                for n in self.notes
            ],
        }


@dataclass(frozen=True)
class Deck:
    id: DeckId
    name: str
    title: str | None


@dataclass(frozen=True)
class Note:
    id: NoteId
    deck_id: DeckId
    question: str
    answer_points: tuple[str, ...]
    tags: tuple[str, ...] = ()


def tags_text(tags: tuple[str, ...]) -> str | None:
    """Tags as they are stored: separated by spaces, None when there are none."""
    return " ".join(tags) if tags else None


def parse_tags(text: str | None) -> tuple[str, ...]:
    """Tags from stored or exported text: separated by spaces, each kept once, in order."""
    if not text:
        return ()
    return tuple(dict.fromkeys(text.split()))


@dataclass(frozen=True)
class SchedulingState:
    """A card's FSRS state. It is a cache: replaying the card's review log rebuilds it."""

    state: CardState = CardState.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0


@dataclass(frozen=True)
class Card:
    id: CardId
    note_id: NoteId
    deck_id: DeckId
    schedule: SchedulingState = field(default_factory=SchedulingState)


@dataclass(frozen=True)
class ReviewLog:
    """One answer, as recorded. The review log is append-only and is the record that counts."""

    card_id: CardId
    rating: Rating
    reviewed_at: datetime
    duration_ms: int | None = None
    mode: str = "flip"
    detail: Mapping[str, Any] | None = None


_KEY_TRANSLATION = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def question_key(question: str) -> str:
    """The identity of a question inside a deck, so that importing the same cards again
    updates them instead of adding duplicates. Case, spacing and quote style do not count."""
    return " ".join(question.translate(_KEY_TRANSLATION).casefold().split())
