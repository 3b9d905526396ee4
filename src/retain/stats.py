"""Statistics of a collection or a deck, for `retain stats` and its plots.

`Statistics` (the Collection's `col.stats`) computes the figures: true retention by
interval, the forecast of due reviews, study per day, the spread of stability and
difficulty, the weakest cards and answer points, and readiness for the exam over time.
`retain.plots` draws them; nothing here needs matplotlib.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.engine import Connection

from retain.core.model import CardState, Deck, SchedulingState
from retain.core.scheduling import calendar_days_between, learner_day, retrievability
from retain.storage import schema

if TYPE_CHECKING:
    from retain.collection import Collection
    from retain.plans import ReadinessDay

INTERVALS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "1 d"),
    (2, 2, "2 d"),
    (3, 4, "3-4 d"),
    (5, 7, "5-7 d"),
    (8, 14, "1-2 wk"),
    (15, 30, "2-4 wk"),
    (31, 90, "1-3 mo"),
    (91, 10**6, "> 3 mo"),
)
"""The groups of days since the previous review that retention is shown for."""


@dataclass(frozen=True)
class RetentionBucket:
    label: str
    reviews: int
    recalled: int

    @property
    def rate(self) -> float | None:
        return self.recalled / self.reviews if self.reviews else None


@dataclass(frozen=True)
class WeakCard:
    card_id: int
    question: str
    recall_now: float
    lapses: int
    reviews: int


@dataclass(frozen=True)
class WeakPoint:
    card_id: int
    question: str
    point: str
    asked: int
    missed: int


@dataclass(frozen=True)
class DeckStats:
    """Every figure of `retain stats`, for one deck or all."""

    now: datetime
    today: date
    deck: Deck | None
    cards: int
    new: int
    retention: tuple[RetentionBucket, ...]
    forecast: tuple[tuple[date, int], ...]
    """Reviews falling due on each of the next days (today holds the overdue ones too)."""
    daily: tuple[tuple[date, int, float], ...]
    """Per study day: answers and minutes."""
    stabilities: tuple[float, ...]
    difficulties: tuple[float, ...]
    weakest_cards: tuple[WeakCard, ...]
    weakest_points: tuple[WeakPoint, ...]
    readiness_now: float
    readiness_history: tuple[ReadinessDay, ...]
    exam: datetime | None


class Statistics:
    """The statistics of the Collection's decks (`col.stats`)."""

    def __init__(self, col: Collection) -> None:
        self._col = col

    def deck_stats(
        self, now: datetime, deck: Deck | None = None, *, forecast_days: int = 30, weakest: int = 10
    ) -> DeckStats:
        col = self._col
        config = col.scheduler_config
        c, r, n = schema.cards.c, schema.reviews.c, schema.notes.c
        with col._read() as conn:
            card_query = (
                select(
                    c.id, c.state, c.stability, c.difficulty, c.due, c.last_review, c.reps,
                    c.lapses, n.question,
                )
                .join(schema.notes, n.id == c.note_id)
                .where(c.account_id == self._col.account_id, c.state >= 0)
            )
            review_query = (
                select(r.card_id, r.rating, r.reviewed_at, r.duration_ms, r.state_before, r.before)
                .where(r.account_id == self._col.account_id, _not_undone())
                .order_by(r.reviewed_at)
            )
            if deck is not None:
                card_query = card_query.where(c.deck_id == deck.id)
                review_query = review_query.join(schema.cards, c.id == r.card_id).where(
                    c.deck_id == deck.id
                )
            cards = conn.execute(card_query).all()
            reviews = conn.execute(review_query).all()
            points = self._point_rows(conn, deck)
        states = {row.id: _state(row) for row in cards}
        today = learner_day(now, config)

        # True retention: reviews of cards in review, by days since the previous review.
        counts = {label: [0, 0] for _, _, label in INTERVALS}
        for row in reviews:
            if row.state_before != CardState.REVIEW or not row.before:
                continue
            last = json.loads(row.before).get("last_review")
            if last is None:
                continue
            elapsed = calendar_days_between(_utc(int(last)), _utc(int(row.reviewed_at)), config)
            for low, high, label in INTERVALS:
                if low <= elapsed <= high:
                    counts[label][0] += 1
                    counts[label][1] += int(row.rating > 1)
                    break
        retention = tuple(RetentionBucket(label, *counts[label]) for _, _, label in INTERVALS)

        due_days: Counter[date] = Counter()
        horizon = today + timedelta(days=forecast_days - 1)
        for row in cards:
            if row.due is None or row.state == CardState.NEW:
                continue
            day = max(learner_day(_utc(int(row.due)), config), today)
            if day <= horizon:
                due_days[day] += 1
        forecast = tuple(
            (today + timedelta(days=k), due_days[today + timedelta(days=k)])
            for k in range(forecast_days)
        )

        answers: Counter[date] = Counter()
        seconds: dict[date, float] = {}
        for row in reviews:
            day = learner_day(_utc(int(row.reviewed_at)), config)
            answers[day] += 1
            seconds[day] = seconds.get(day, 0.0) + min((row.duration_ms or 0) / 1000, 600.0)
        daily = tuple((d, answers[d], seconds[d] / 60) for d in sorted(answers))

        seen = [row for row in cards if row.state != CardState.NEW and row.stability is not None]
        weak = sorted(
            (
                WeakCard(
                    int(row.id), row.question, retrievability(states[row.id], now, config),
                    int(row.lapses), int(row.reps),
                )
                for row in seen
            ),
            key=lambda w: (w.recall_now, -w.lapses, w.card_id),
        )[:weakest]
        weak_points = tuple(
            sorted(points, key=lambda p: (-(p.missed / p.asked), -p.asked, p.card_id))[:weakest]
        )
        from retain.core.planner import PlanInput, readiness

        inputs = [PlanInput(int(row.id), states[row.id]) for row in cards]
        exam = None
        history: tuple[ReadinessDay, ...] = ()
        if deck is not None:
            found = col.plans.exam(deck)
            exam = found.exam_at if found is not None else None
            history = tuple(col.plans.history(deck.id))
        return DeckStats(
            now=now,
            today=today,
            deck=deck,
            cards=len(cards),
            new=sum(1 for row in cards if row.state == CardState.NEW),
            retention=retention,
            forecast=forecast,
            daily=daily,
            stabilities=tuple(float(row.stability) for row in seen),
            difficulties=tuple(float(row.difficulty) for row in seen if row.difficulty),
            weakest_cards=tuple(weak),
            weakest_points=weak_points,
            readiness_now=readiness(inputs, now, config),
            readiness_history=history,
            exam=exam,
        )

    def _point_rows(self, conn: Connection, deck: Deck | None) -> list[WeakPoint]:
        p, c, n = schema.review_points.c, schema.cards.c, schema.notes.c
        query = (
            select(
                p.card_id,
                p.point_index,
                func.count().label("asked"),
                func.sum(cast(~p.covered, Integer)).label("missed"),
                n.question,
                n.answer_points,
            )
            .join(schema.cards, c.id == p.card_id)
            .join(schema.notes, n.id == c.note_id)
            .where(
                c.account_id == self._col.account_id,
                ~select(schema.undos.c.id).where(schema.undos.c.review_id == p.review_id).exists(),
            )
            .group_by(p.card_id, p.point_index, n.question, n.answer_points)
        )
        if deck is not None:
            query = query.where(c.deck_id == deck.id)
        result = []
        for row in conn.execute(query).all():
            texts = json.loads(row.answer_points)
            index = int(row.point_index)
            text = texts[index] if 0 <= index < len(texts) else f"point {index + 1}"
            if int(row.missed or 0) > 0:
                result.append(
                    WeakPoint(int(row.card_id), row.question, text, int(row.asked), int(row.missed))
                )
        return result


def _not_undone() -> Any:
    u = schema.undos.c
    return ~select(u.id).where(u.review_id == schema.reviews.c.id).exists()


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _state(row: Any) -> SchedulingState:
    return SchedulingState(
        state=CardState(row.state),
        stability=row.stability,
        difficulty=row.difficulty,
        last_review=None if row.last_review is None else _utc(int(row.last_review)),
    )
