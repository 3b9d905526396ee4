"""A store written before accounts (schema 0010, as the release before them wrote it, with
answers, an undo and graded points) moves into the local account with nothing lost."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from pathlib import Path

from sqlalchemy import text

from retain.collection import Collection
from retain.core import scheduling
from retain.core.model import CardState, Rating, SchedulingState
from retain.storage.engine import current_revision, migrate, open_engine
from retain.storage.schema import LOCAL_ACCOUNT_ID, SCHEMA_REVISION
from tests.conftest import NOW

RATINGS = [Rating.GOOD, Rating.AGAIN, Rating.GOOD, Rating.EASY]


def _state_json(state: SchedulingState) -> str:
    def ms(moment: object) -> int | None:
        return None if moment is None else int(round(moment.timestamp() * 1000))  # type: ignore[attr-defined]

    return json.dumps(
        {
            "state": int(state.state), "step": state.step, "stability": state.stability,
            "difficulty": state.difficulty, "due": ms(state.due),
            "last_review": ms(state.last_review), "reps": state.reps, "lapses": state.lapses,
        }
    )


def _write_old_store(target: str | Path) -> dict[int, SchedulingState]:
    """Answer two cards of a deck the way the release before accounts did: a review row
    with the settings and the state before it, the card's new state, graded points."""
    engine = open_engine(target)
    migrate(engine, "0010")
    assert current_revision(engine) == "0010"
    config = scheduling.SchedulerConfig(tz=UTC)
    states: dict[int, SchedulingState] = {}
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO decks (id, name, title, source_format, created_at)"
            " VALUES (1, 'Biology', 'Biology', 'text/questions', 0)"
        ))
        conn.execute(text(
            "INSERT INTO scheduler_configs"
            " (id, desired_retention, day_start_hour, utc_offset_s, parameters, created_at)"
            " VALUES (1, :r, :h, 0, :p, 0)"
        ), {"r": config.desired_retention, "h": config.day_start_hour,
            "p": json.dumps(list(config.parameters))})
        for i in (1, 2, 3):
            conn.execute(text(
                "INSERT INTO notes (id, deck_id, key, question, answer_points, position,"
                " created_at, updated_at) VALUES (:i, 1, :k, :q, :a, :p, 0, 0)"
            ), {"i": i, "k": f"question {i}", "q": f"Question {i}?",
                "a": json.dumps([f"point {i}a", f"point {i}b"]), "p": i - 1})
            conn.execute(text(
                "INSERT INTO cards (id, note_id, deck_id, template, position, state, reps, lapses)"
                " VALUES (:i, :i, 1, 'basic', :p, 0, 0, 0)"
            ), {"i": i, "p": i - 1})
        review_id = 0
        for card_id in (1, 2):
            state = SchedulingState()
            moment = NOW - timedelta(days=30)
            for rating in RATINGS:
                rng = scheduling.fuzz_rng(card_id, state.reps)
                new = scheduling.review(state, rating, moment, rng, config)
                review_id += 1
                conn.execute(text(
                    "INSERT INTO reviews (id, card_id, rating, reviewed_at, duration_ms, mode,"
                    " state_before, detail, config_id, before)"
                    " VALUES (:id, :c, :r, :at, 4000, 'type', :sb, NULL, 1, :b)"
                ), {"id": review_id, "c": card_id, "r": int(rating),
                    "at": int(moment.timestamp() * 1000), "sb": int(state.state),
                    "b": _state_json(state)})
                conn.execute(text(
                    "INSERT INTO review_points (review_id, card_id, point_index, covered)"
                    " VALUES (:r, :c, 0, :ok), (:r, :c, 1, :ok2)"
                ), {"r": review_id, "c": card_id, "ok": rating != Rating.AGAIN,
                    "ok2": rating == Rating.EASY})
                state = new
                moment = (state.due or moment) + timedelta(hours=1)
            states[card_id] = state
            values = json.loads(_state_json(state))
            conn.execute(text(
                "UPDATE cards SET state = :state, step = :step, stability = :stability,"
                " difficulty = :difficulty, due = :due, last_review = :last_review,"
                " reps = :reps, lapses = :lapses WHERE id = :id"
            ), {**values, "id": card_id})
        if conn.dialect.name == "postgresql":  # rows written with their ids, as a release did
            for table in ("decks", "notes", "cards", "reviews", "review_points",
                          "scheduler_configs"):
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id))"
                    f" FROM {table}"
                ))
    engine.dispose()
    return states


def test_a_store_from_before_accounts_moves_into_the_local_account(
    empty_store_target: str | Path,
) -> None:
    states = _write_old_store(empty_store_target)
    with Collection.open(empty_store_target, tz=UTC) as col:
        assert current_revision(col.engine) == SCHEMA_REVISION
        assert col.account_id == LOCAL_ACCOUNT_ID and col.accounts.local().local
        [deck] = col.decks.all()
        assert deck.name == "Biology"
        assert [n.question for n in col.decks.notes(deck)] == [
            "Question 1?", "Question 2?", "Question 3?"
        ]
        [counts] = col.decks.counts(NOW)
        assert (counts.total, counts.new) == (3, 1)
        for card_id, state in states.items():
            item = col.study.card(card_id)  # type: ignore[arg-type]
            assert item.card.schedule.reps == state.reps == len(RATINGS)
            assert [r.rating for r in col.stats.reviews(item.card.id)] == RATINGS
            assert [(p.index, p.asked, p.missed) for p in col.stats.point_stats(item.card.id)] == [
                (0, 4, 1), (1, 4, 3)
            ]
        assert col.stats.review_count() == 2 * len(RATINGS)
        report = col.check()
        assert report.ok, report.problems
        assert report.reviews == 2 * len(RATINGS)
        # The store goes on: the last answer can be undone, and new answers are the
        # local account's.
        undone = col.study.undo(NOW)
        assert undone.review_id == 2 * len(RATINGS)
        item = col.study.next_card(NOW + timedelta(days=400), deck)
        assert item is not None
        col.study.answer(item.card.id, Rating.GOOD, NOW + timedelta(days=400))
        assert col.stats.review_count() == 2 * len(RATINGS)
        assert col.check().ok


def test_a_new_store_has_the_local_account_and_owns_what_it_imports(
    collection: Collection,
) -> None:
    from tests.conftest import make_draft

    report = collection.decks.import_deck(make_draft(2), now=NOW)
    assert collection.accounts.local().id == LOCAL_ACCOUNT_ID
    assert [d.id for d in collection.decks.all()] == [report.deck.id]
    item = collection.study.next_card(NOW)
    assert item is not None and item.card.schedule.state is CardState.NEW
