"""A store written by the release before per-learner cards (schema 0011, with answers, an
undo and graded points) keeps everything through migration 0012, and then lets two owners
have decks of the same name."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from retain.collection import Collection
from retain.storage.engine import current_revision, migrate, open_engine
from retain.storage.schema import SCHEMA_REVISION
from tests.conftest import NOW, make_draft
from tests.storage.test_accounts_migration import RATINGS, _write_old_store


def _write_0011_store(target: str | Path) -> None:
    _write_old_store(target)
    engine = open_engine(target)
    migrate(engine, "0011")
    assert current_revision(engine) == "0011"
    engine.dispose()


def test_a_store_from_before_learner_cards_keeps_its_cards_and_history(
    empty_store_target: str | Path,
) -> None:
    _write_0011_store(empty_store_target)
    with Collection.open(empty_store_target, tz=UTC) as col:
        assert current_revision(col.engine) == SCHEMA_REVISION
        [deck] = col.decks.all()
        [counts] = col.decks.counts(NOW)
        assert (counts.deck.name, counts.total, counts.new) == ("Biology", 3, 1)
        assert col.stats.review_count() == 2 * len(RATINGS)
        for card_id in (1, 2):
            item = col.study.card(card_id)  # type: ignore[arg-type]
            assert [r.rating for r in col.stats.reviews(item.card.id)] == RATINGS
            assert [(p.index, p.asked, p.missed) for p in col.stats.point_stats(item.card.id)] == [
                (0, 4, 1), (1, 4, 3)
            ]
        report = col.check()
        assert report.ok, report.problems
        assert report.reviews == 2 * len(RATINGS)
        # Another owner's deck may have the same name; one owner's two decks may not.
        teacher = col.accounts.sign_up("Teacher", "correct horse battery", now=NOW)
        other = col.as_account(teacher.id)
        theirs = other.decks.import_deck(make_draft(2, title="Biology"), now=NOW).deck
        assert theirs.id != deck.id and theirs.name == deck.name
        assert [d.id for d in col.decks.all()] == [deck.id]
        assert [c.total for c in other.decks.counts(NOW)] == [2]
        with pytest.raises(IntegrityError), col.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO decks (name, created_at, owner_id) VALUES ('Biology', 0, 1)"
            ))
        assert col.check().ok
        # The rebuilt tables keep their references: a note deleted takes its card's answers.
        with col.engine.begin() as conn:
            conn.execute(text("DELETE FROM notes WHERE id = 1"))
            left = conn.execute(text("SELECT COUNT(*) FROM reviews WHERE card_id = 1"))
            assert left.scalar() == 0
        assert col.stats.review_count() == len(RATINGS)
