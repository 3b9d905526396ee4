"""A teacher's report on a deck assigned to a class (`col.classes.report`): each student's
progress, and the cards and answer points the class misses most, read from the students'
own cards, review log and graded points (`review_points`, written with each graded answer).

Every figure is one grouped query over the deck's cards of the class's students (the
review log by its card index), so a report costs a few statements for any class size.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.engine import Connection

from retain.collection._rows import _ms, _not_undone
from retain.collection.accounts import Account
from retain.core.model import CardState, Deck, NoteId, Rating
from retain.storage import schema


@dataclass(frozen=True)
class StudentProgress:
    student: Account
    seen: int
    """Cards of the deck the student has answered at least once."""
    total: int
    due: int
    """Cards due now: the student's review load."""
    answers: int
    """Answers to the deck's cards (undone ones left out)."""
    retention: float | None
    """True retention: the share of answers to cards in review that were not Again; None
    before the student has any."""


@dataclass(frozen=True)
class MissedCard:
    note_id: NoteId
    question: str
    answers: int
    """Answers by the class's students."""
    missed: int
    """Of them, rated Again."""
    students: int
    """Students who missed it at least once."""


@dataclass(frozen=True)
class MissedPoint:
    note_id: NoteId
    question: str
    index: int
    point: str
    """The point's text (empty when the note no longer has that point)."""
    asked: int
    missed: int


@dataclass(frozen=True)
class DeckReport:
    deck: Deck
    students: tuple[StudentProgress, ...]
    missed_cards: tuple[MissedCard, ...]
    missed_points: tuple[MissedPoint, ...]

    def students_csv(self) -> str:
        """The progress table, a row per student."""
        return _csv(
            ("student", "seen", "total", "due", "answers", "retention"),
            (
                (
                    s.student.name, s.seen, s.total, s.due, s.answers,
                    "" if s.retention is None else f"{s.retention:.3f}",
                )
                for s in self.students
            ),
        )

    def missed_csv(self) -> str:
        """The answer points missed most, a row per point, then the cards missed most."""
        return _csv(
            ("kind", "question", "point", "asked", "missed", "students"),
            [
                ("point", p.question, p.point, p.asked, p.missed, "")
                for p in self.missed_points
            ]
            + [
                ("card", c.question, "", c.answers, c.missed, c.students)
                for c in self.missed_cards
            ],
        )


def _cell(value: object) -> object:
    """A value a spreadsheet shows as text: one that starts like a formula is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def deck_report(
    conn: Connection, class_id: int, deck: Deck, students: Sequence[Account], *,
    now: datetime, limit: int,
) -> DeckReport:
    c, r, p, n, m = (
        schema.cards.c, schema.reviews.c, schema.review_points.c, schema.notes.c,
        schema.class_members.c,
    )
    members = select(m.account_id).where(m.class_id == class_id).scalar_subquery()
    in_class = (c.deck_id == deck.id) & c.account_id.in_(members)
    cards: dict[int, Any] = {
        int(row.account_id): row
        for row in conn.execute(
            select(
                c.account_id,
                func.count().label("total"),
                func.sum(cast(c.state != int(CardState.NEW), Integer)).label("seen"),
                func.sum(
                    cast(c.due.is_not(None) & (c.due <= _ms(now)), Integer)
                ).label("due"),
            )
            .where(in_class)
            .group_by(c.account_id)
        )
    }
    answered = (
        select(r.account_id, r.rating, r.state_before, c.note_id)
        .join(schema.cards, c.id == r.card_id)
        .where(in_class, r.account_id == c.account_id, _not_undone())
        .subquery()
    )
    a = answered.c
    logs: dict[int, Any] = {
        int(row.account_id): row
        for row in conn.execute(
            select(
                a.account_id,
                func.count().label("answers"),
                func.sum(cast(a.state_before == int(CardState.REVIEW), Integer)).label("asked"),
                func.sum(
                    cast(
                        (a.state_before == int(CardState.REVIEW))
                        & (a.rating != int(Rating.AGAIN)),
                        Integer,
                    )
                ).label("passed"),
            ).group_by(a.account_id)
        )
    }
    progress = []
    for student in students:
        row, log = cards.get(int(student.id)), logs.get(int(student.id))
        asked = int(log.asked or 0) if log else 0
        progress.append(
            StudentProgress(
                student,
                seen=int(row.seen or 0) if row else 0,
                total=int(row.total) if row else 0,
                due=int(row.due or 0) if row else 0,
                answers=int(log.answers) if log else 0,
                retention=int(log.passed or 0) / asked if log and asked else None,
            )
        )
    missed = func.sum(cast(a.rating == int(Rating.AGAIN), Integer))
    missed_by = func.count(func.distinct(
        func.nullif(a.account_id * cast(a.rating == int(Rating.AGAIN), Integer), 0)
    ))
    card_rows = conn.execute(
        select(
            a.note_id, n.question, func.count().label("answers"),
            missed.label("missed"), missed_by.label("students"),
        )
        .join(schema.notes, n.id == a.note_id)
        .group_by(a.note_id, n.question)
        .having(missed > 0)
        .order_by(missed.desc(), func.count().desc(), a.note_id)
        .limit(limit)
    ).all()
    point_missed = func.count() - func.sum(cast(p.covered, Integer))
    point_rows = conn.execute(
        select(
            c.note_id, n.question, n.answer_points, p.point_index,
            func.count().label("asked"), point_missed.label("missed"),
        )
        .select_from(schema.review_points)
        .join(schema.cards, c.id == p.card_id)
        .join(schema.notes, n.id == c.note_id)
        .join(schema.reviews, schema.reviews.c.id == p.review_id)
        .where(in_class, _not_undone())
        .group_by(c.note_id, n.question, n.answer_points, p.point_index)
        .having(point_missed > 0)
        .order_by(point_missed.desc(), func.count().desc(), c.note_id, p.point_index)
        .limit(limit)
    ).all()
    return DeckReport(
        deck,
        tuple(progress),
        tuple(
            MissedCard(
                NoteId(int(row.note_id)), str(row.question), int(row.answers),
                int(row.missed), int(row.students),
            )
            for row in card_rows
        ),
        tuple(
            MissedPoint(
                NoteId(int(row.note_id)), str(row.question), int(row.point_index),
                _point(row.answer_points, int(row.point_index)), int(row.asked),
                int(row.missed),
            )
            for row in point_rows
        ),
    )


def _point(answer_points: str, index: int) -> str:
    try:
        points = json.loads(answer_points)
    except ValueError:
        return ""
    return str(points[index]) if isinstance(points, list) and 0 <= index < len(points) else ""
