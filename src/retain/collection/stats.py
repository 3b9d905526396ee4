"""Statistics read from the review log (`col.stats`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Integer,
    cast,
    func,
    select,
)

from retain.collection._rows import (
    _not_undone,
    _utc,
)
from retain.core.model import (
    CardId,
    Rating,
    ReviewLog,
)
from retain.stats import Statistics
from retain.storage import schema

if TYPE_CHECKING:
    from retain.collection import Collection

@dataclass(frozen=True)
class PointStats:
    """For one answer point of a card: how many graded answers asked for it, how many missed it."""

    index: int
    asked: int
    missed: int


class Stats(Statistics):
    """Statistics of the store (`col.stats`): those of `retain.stats`, and those read from
    the log card by card."""

    def __init__(self, col: Collection) -> None:
        self._col = col

    def review_history(self) -> list[tuple[int, Rating, datetime, int | None]]:
        """Every answer that stands (undone ones left out), oldest first: card, rating,
        time and duration in milliseconds."""
        r = schema.reviews.c
        with self._col._read() as conn:
            rows = conn.execute(
                select(r.card_id, r.rating, r.reviewed_at, r.duration_ms)
                .where(r.account_id == self._col.account_id, _not_undone())
                .order_by(r.reviewed_at, r.id)
            ).all()
        return [(int(x[0]), Rating(x[1]), _utc(int(x[2])), x[3]) for x in rows]

    def point_stats(self, card_id: CardId) -> list[PointStats]:
        """How often each answer point of a card was asked in a graded answer, and missed."""
        p = schema.review_points.c
        with self._col._read() as conn:
            rows = conn.execute(
                select(
                    p.point_index,
                    func.count().label("asked"),
                    func.sum(cast(p.covered, Integer)).label("covered"),
                )
                .where(
                    p.card_id == card_id,
                    select(schema.cards.c.id)
                    .where(
                        schema.cards.c.id == card_id,
                        schema.cards.c.account_id == self._col.account_id,
                    )
                    .exists(),
                    ~select(schema.undos.c.id)
                    .where(schema.undos.c.review_id == p.review_id)
                    .exists(),
                )
                .group_by(p.point_index)
                .order_by(p.point_index)
            ).all()
        return [
            PointStats(int(r.point_index), int(r.asked), int(r.asked) - int(r.covered or 0))
            for r in rows
        ]

    def reviews(self, card_id: CardId) -> list[ReviewLog]:
        """A card's review log, oldest first, with what each answer recorded (answers that
        were undone are left out)."""
        r = schema.reviews.c
        with self._col._read() as conn:
            rows = conn.execute(
                select(schema.reviews)
                .where(r.card_id == card_id, r.account_id == self._col.account_id, _not_undone())
                .order_by(r.id)
            ).all()
        return [
            ReviewLog(
                card_id=CardId(row.card_id), rating=Rating(row.rating),
                reviewed_at=_utc(row.reviewed_at), duration_ms=row.duration_ms, mode=row.mode,
                detail=None if row.detail is None else json.loads(row.detail),
            )
            for row in rows
        ]

    def review_count(self) -> int:
        """How many answers the log holds that stand (undone answers are not counted)."""
        with self._col._read() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(schema.reviews)
                    .where(schema.reviews.c.account_id == self._col.account_id, _not_undone())
                ).scalar_one()
            )
