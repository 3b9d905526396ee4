"""A study session: the loop every interface runs, kept out of the interfaces.

The terminal app, the plain line mode and the web app all drive a `StudySession`: ask it for
the next card, show it, pass the student's rating back. The session reads the clock through
the function it is given, so tests and simulations can run it at any time they like.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from retain.collection import AnswerResult, Collection, StudyCounts, StudyItem
from retain.core.model import Deck, Rating


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class SessionSummary:
    answered: int = 0
    by_rating: Counter[Rating] = field(default_factory=Counter)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        if not self.answered:
            return ["No cards answered."]
        parts = ", ".join(f"{r.label} {self.by_rating[r]}" for r in Rating if self.by_rating[r])
        minutes, seconds = divmod(int(self.seconds), 60)
        return [
            f"Answered {self.answered} card{'s' if self.answered != 1 else ''} "
            f"in {minutes}m {seconds:02d}s.",
            f"Ratings: {parts}.",
        ]


class StudySession:
    def __init__(
        self,
        collection: Collection,
        deck: Deck | None = None,
        *,
        clock: Callable[[], datetime] = system_clock,
    ) -> None:
        self.collection = collection
        self.deck = deck
        self.clock = clock
        self.summary = SessionSummary()
        self._started = clock()

    def next(self) -> StudyItem | None:
        return self.collection.next_card(self.clock(), self.deck)

    def counts(self) -> StudyCounts:
        return self.collection.counts(self.clock(), self.deck)

    def preview(self, item: StudyItem) -> dict[Rating, timedelta]:
        return self.collection.preview(item.card, self.clock())

    def answer(
        self, item: StudyItem, rating: Rating, *, duration_ms: int | None = None
    ) -> AnswerResult:
        now = self.clock()
        result = self.collection.answer(item.card.id, rating, now, duration_ms=duration_ms)
        self.summary.answered += 1
        self.summary.by_rating[rating] += 1
        self.summary.seconds = (now - self._started).total_seconds()
        return result
