"""The things retain knows about: drafts read from outside, and stored decks, notes and cards.

A *Note* is one fact: a question and its answer points. A *Card* is one way of being asked
about a note, and the scheduling state belongs to the card. Everything here is a frozen
dataclass; the Collection writes them, nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import IO, Any, NewType

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
class ReviewDraft:
    """One answer from another program's review history, brought in with its card.

    `detail` keeps what the other program recorded beyond the rating (for Anki: the
    interval it gave and the kind of review), stored with the answer in the review log."""

    rating: Rating
    reviewed_at: datetime
    duration_ms: int | None = None
    detail: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class NoteDraft:
    """One question and its answer points, as read from outside, before it is stored.

    `tags` are the note's tags (words without spaces, as Anki keeps them), in order.
    `history` holds the answers given to the card elsewhere, oldest first: importing a new
    card logs them, and its scheduling state is the replay of that log."""

    question: str
    answer_points: tuple[str, ...]
    tags: tuple[str, ...] = ()
    history: tuple[ReviewDraft, ...] = ()


@dataclass(frozen=True, slots=True)
class MediaDraft:
    """A media file (an image, a sound) that the cards refer to by `name`.

    `load()` returns its bytes, read only when it is stored, so that a deck's media are
    never all in memory at once; `size` is its length in bytes."""

    name: str
    size: int
    load: Callable[[], bytes] = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SchedulerDraft:
    """Scheduler settings that came with a deck (Anki's FSRS parameters and desired
    retention), offered to the learner; None where the source had none."""

    desired_retention: float | None = None
    parameters: tuple[float, ...] | None = None


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
    media: tuple[MediaDraft, ...] = ()
    scheduler: SchedulerDraft | None = None

    def to_json_dict(self) -> dict[str, object]:
        """The stable JSON shape printed by ``retain import --dry-run --json``. A card with
        a review history also has ``"reviews"`` (how many answers); a deck with media has
        ``"media"`` (their names), and one with scheduler settings ``"scheduler"``."""
        cards: list[dict[str, object]] = []
        for n in self.notes:
            card: dict[str, object] = {
                "question": n.question, "answer_points": list(n.answer_points)
            }
            if n.tags:
                card["tags"] = list(n.tags)
            if n.history:
                card["reviews"] = len(n.history)
            cards.append(card)
        shape: dict[str, object] = {"title": self.title, "format": self.format, "cards": cards}
        if self.media:
            shape["media"] = [m.name for m in self.media]
        if self.scheduler is not None:
            shape["scheduler"] = {
                "desired_retention": self.scheduler.desired_retention,
                "parameters": None
                if self.scheduler.parameters is None
                else list(self.scheduler.parameters),
            }
        return shape


@dataclass
class DeckStream:
    """A deck read as it is imported, for input too large to hold as a `DeckDraft`: its
    title and format are known from the start, its notes come one at a time (`notes` can
    be iterated once). `read_fraction` says how much of the input has been read (0 to 1),
    and `control_characters_removed` grows as the notes are read."""

    title: str | None
    format: str
    notes: Iterator[NoteDraft]
    read_fraction: Callable[[], float] = lambda: 0.0
    control_characters_removed: int = 0
    media: tuple[MediaDraft, ...] = ()
    scheduler: SchedulerDraft | None = None
    file: IO[bytes] | None = None
    """The file the notes are read from, closed by `close`."""

    def close(self) -> None:
        """Stop reading: the file is closed (the notes not yet read are never read)."""
        if self.file is not None:
            self.file.close()

    def to_draft(self) -> DeckDraft:
        """The whole deck in memory (for a dry run, which shows every card anyway)."""
        try:
            notes = tuple(self.notes)
        finally:
            self.close()
        return DeckDraft(
            self.title, self.format, notes, self.control_characters_removed, self.media,
            self.scheduler,
        )


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
