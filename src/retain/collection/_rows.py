"""Rows of the store as the model's objects, and the helpers the managers share."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from sqlalchemy import (
    Select,
    bindparam,
    insert,
    select,
)
from sqlalchemy.engine import Connection, Row

from retain.core import scheduling
from retain.core.model import (
    Card,
    CardId,
    CardState,
    DeckId,
    Note,
    NoteId,
    Rating,
    SchedulingState,
    parse_tags,
)
from retain.storage import schema

# The state of a card whose import is not complete: no study query selects it.
PENDING_STATE = -1


# Keys looked up per query (SQLite allows a limited number of parameters).
_KEYS_PER_QUERY = 500


# The mode of the answers an import brings with a card's history (from Anki).
IMPORTED_MODE = "anki"


# The statements on the study path (answer, next card, counts) are built once and run as
# prepared statements (see storage/prepared.py).
_STATE_COLUMNS = (
    "state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses"
)


_CONFIGS = select(schema.scheduler_configs).order_by(schema.scheduler_configs.c.id)


_INSERT_CONFIG = (
    insert(schema.scheduler_configs)
    .values(
        {
            name: bindparam(f"v_{name}")
            for name in (
                "desired_retention", "day_start_hour", "utc_offset_s", "parameters", "created_at"
            )
        }
    )
    .returning(schema.scheduler_configs.c.id)
)


def _not_undone() -> Any:
    """The review has not been undone (no row of `undos` takes it back)."""
    u = schema.undos.c
    return ~select(u.id).where(u.review_id == schema.reviews.c.id).exists()


def _cards_with_notes() -> Select[Any]:
    """Cards, each with its note's text (read back by `_card` and `_joined_note`)."""
    c, n = schema.cards.c, schema.notes.c
    return select(
        schema.cards,
        n.question.label("note_question"),
        n.answer_points.label("note_answer_points"),
        n.deck_id.label("note_deck_id"),
    ).join(schema.notes, n.id == c.note_id)


def _ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return int(round(moment.timestamp() * 1000))


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _dt(ms: int | None) -> datetime | None:
    return None if ms is None else _utc(ms)


def _check_now(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() != timedelta(0):
        raise ValueError("now must be a timezone-aware datetime in UTC")


def _card(row: Row[Any]) -> Card:
    return Card(
        id=CardId(row.id),
        note_id=NoteId(row.note_id),
        deck_id=DeckId(row.deck_id),
        schedule=SchedulingState(
            state=CardState(row.state),
            step=row.step,
            stability=row.stability,
            difficulty=row.difficulty,
            due=_dt(row.due),
            last_review=_dt(row.last_review),
            reps=row.reps,
            lapses=row.lapses,
        ),
    )


def _note(row: Row[Any]) -> Note:
    points: Sequence[str] = json.loads(row.answer_points)
    return Note(
        NoteId(row.id), DeckId(row.deck_id), row.question, tuple(points), parse_tags(row.tags)
    )


def _joined_note(row: Row[Any]) -> Note:
    points: Sequence[str] = json.loads(row.note_answer_points)
    return Note(NoteId(row.note_id), DeckId(row.note_deck_id), row.note_question, tuple(points))


def _state_values(state: SchedulingState) -> dict[str, Any]:
    return {
        "state": int(state.state),
        "step": state.step,
        "stability": state.stability,
        "difficulty": state.difficulty,
        "due": None if state.due is None else _ms(state.due),
        "last_review": None if state.last_review is None else _ms(state.last_review),
        "reps": state.reps,
        "lapses": state.lapses,
    }


def _state_from_json(text: str) -> SchedulingState:
    values = json.loads(text)
    return SchedulingState(
        state=CardState(values["state"]),
        step=values["step"],
        stability=values["stability"],
        difficulty=values["difficulty"],
        due=_dt(values["due"]),
        last_review=_dt(values["last_review"]),
        reps=values["reps"],
        lapses=values["lapses"],
    )


def _utc_offset_seconds(tz: tzinfo) -> int | None:
    """The zone's fixed offset from UTC, or None for a zone whose offset changes."""
    offset = tz.utcoffset(None)
    return None if offset is None else int(offset.total_seconds())


def _config_values(config: scheduling.SchedulerConfig, tz: tzinfo) -> dict[str, Any]:
    """The stored columns of a scheduler config (as in `scheduler_configs`)."""
    return {
        "desired_retention": config.desired_retention,
        "day_start_hour": config.day_start_hour,
        "utc_offset_s": _utc_offset_seconds(tz),
        "parameters": json.dumps(list(config.parameters)),
    }


def _config_from_row(row: Row[Any], tz: tzinfo) -> scheduling.SchedulerConfig:
    """The scheduler config a stored row describes; a row without an offset from UTC is read
    in `tz`, the time zone of this collection."""
    zone = tz if row.utc_offset_s is None else timezone(timedelta(seconds=row.utc_offset_s))
    return scheduling.SchedulerConfig(
        parameters=tuple(json.loads(row.parameters)),
        desired_retention=float(row.desired_retention),
        day_start_hour=int(row.day_start_hour),
        tz=zone,
    )



def _logged_reviews(
    conn: Connection,
    tz: tzinfo,
    *,
    card_id: int | None = None,
    card_ids: Sequence[int] | None = None,
) -> dict[int, list[tuple[scheduling.LoggedReview, int]]]:
    """Each card's log (of one card, of `card_ids`, or of all), oldest first, as replay
    reads it, with the id of each review: with the settings it was made under, and
    undone or not."""
    configs = {
        row.id: _config_from_row(row, tz)
        for row in conn.execute(select(schema.scheduler_configs))
    }
    r, u = schema.reviews.c, schema.undos.c
    undone_query = select(u.review_id)
    query = select(r.id, r.card_id, r.rating, r.reviewed_at, r.config_id)
    if card_id is not None:
        undone_query = undone_query.where(u.card_id == card_id)
        query = query.where(r.card_id == card_id)
    if card_ids is not None:
        undone_query = undone_query.where(u.card_id.in_(card_ids))
        query = query.where(r.card_id.in_(card_ids))
    undone: set[int] = set(conn.execute(undone_query).scalars())
    history: dict[int, list[tuple[scheduling.LoggedReview, int]]] = {}
    for row in conn.execute(query.order_by(r.card_id, r.id)):
        event = scheduling.LoggedReview(
            Rating(row.rating),
            _utc(row.reviewed_at),
            None if row.config_id is None else configs[row.config_id],
            undone=row.id in undone,
        )
        history.setdefault(row.card_id, []).append((event, row.id))
    return history
