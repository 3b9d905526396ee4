"""Checking the store: integrity, and every card's state against a replay of its log."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    select,
    update,
)

from retain.collection._rows import (
    PENDING_STATE,
    _card,
    _logged_reviews,
    _ms,
    _state_values,
)
from retain.core import scheduling
from retain.core.model import (
    SchedulingState,
)
from retain.storage import schema

if TYPE_CHECKING:
    from retain.collection import Collection

@dataclass(frozen=True)
class CheckReport:
    cards: int
    reviews: int
    problems: tuple[str, ...]
    repaired: int
    undone: int = 0
    """How many of the `reviews` were undone later (replay leaves them out)."""

    @property
    def ok(self) -> bool:
        return not self.problems


def _same_state(a: SchedulingState, b: SchedulingState) -> bool:
    def close(x: float | None, y: float | None) -> bool:
        if x is None or y is None:
            return x is y
        return abs(x - y) <= 1e-6 * max(1.0, abs(x))

    def ms(x: datetime | None) -> int | None:
        return None if x is None else _ms(x)

    return (
        a.state == b.state
        and a.step == b.step
        and a.reps == b.reps
        and a.lapses == b.lapses
        and close(a.stability, b.stability)
        and close(a.difficulty, b.difficulty)
        and ms(a.due) == ms(b.due)
        and ms(a.last_review) == ms(b.last_review)
    )



def check_store(
    col: Collection,
    *,
    repair: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> CheckReport:
    """Verify the store: database integrity, and every card's state against a replay of
    its review log through the scheduler, each answer with the settings it was made
    under and undone answers left out. With `repair`, the cached states that differ
    are rewritten from the log (the log itself is never changed). `progress(done, total)`
    is called as the cards are checked."""
    problems: list[str] = []
    fixes: dict[int, SchedulingState] = {}
    with col._read() as conn:
        if col.engine.dialect.name == "sqlite":
            result = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
            if result != "ok":
                problems.append(f"database integrity: {result}")
            bad_keys = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            if bad_keys:
                problems.append(f"{len(bad_keys)} rows point at rows that do not exist")
        cards = conn.execute(
            select(schema.cards)
            .where(schema.cards.c.state != PENDING_STATE)
            .order_by(schema.cards.c.id)
        ).all()
        logged = _logged_reviews(conn, col.tz)
    history = {card_id: [e for e, _ in events] for card_id, events in logged.items()}
    reviews = sum(len(events) for events in history.values())
    undone = sum(e.undone for events in history.values() for e in events)
    for done, row in enumerate(cards, 1):
        if progress is not None and (done % 1000 == 0 or done == len(cards)):
            progress(done, len(cards))
        card = _card(row)
        events = history.get(card.id, [])
        expected = scheduling.replay(
            events, col._config, functools.partial(scheduling.fuzz_rng, card.id)
        )
        if not _same_state(expected, card.schedule):
            problems.append(
                f"card {card.id}: stored state differs from its review log "
                f"({len(events)} reviews)"
            )
            fixes[card.id] = expected
    repaired = 0
    if repair and fixes:
        with col._write() as conn:
            for card_id, state in fixes.items():
                conn.execute(
                    update(schema.cards)
                    .where(schema.cards.c.id == card_id)
                    .values(**_state_values(state))
                )
                repaired += 1
    return CheckReport(len(cards), reviews, tuple(problems), repaired, undone)
