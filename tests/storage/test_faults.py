"""Failing storage on real SQLite files: each fault ends in a message (a `StorageError` with
a sentence a person understands), and every answer acknowledged before it is still there."""

from __future__ import annotations

import os
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from retain.collection import Collection
from retain.core.model import DeckDraft, NoteDraft, Rating
from retain.errors import CollectionError
from retain.storage import errors
from retain.storage.errors import StoreCorrupt, StoreFull, StoreLocked, StoreReadOnly
from tests.conftest import NOW, make_draft
from tests.storage.faults import (
    checkpoint,
    limit_pages,
    no_busy_wait,
    page_of,
    write_garbage,
    write_lock_held,
)


def big_draft(n: int, *, title: str = "Big deck", words: int = 40) -> DeckDraft:
    return DeckDraft(
        title=title,
        format="text/questions",
        notes=tuple(
            NoteDraft(
                f"Question {i} about a long topic?",
                (" ".join(f"word{i}x{j}" for j in range(words)), f"second point {i}"),
            )
            for i in range(n)
        ),
    )


def answer_until_it_fails(col: Collection, limit: int = 5000) -> tuple[int, CollectionError]:
    """Answer due and new cards until the store refuses; the answers acknowledged and the
    error."""
    acknowledged = 0
    moment = NOW
    for _ in range(limit):
        item = col.study.next_card(moment)
        assert item is not None
        try:
            col.study.answer(item.card.id, Rating.GOOD, moment, detail={"typed": "x" * 300})
        except CollectionError as error:
            return acknowledged, error
        acknowledged += 1
        moment += timedelta(seconds=5)
    raise AssertionError("the store never filled up")


def test_a_full_disk_while_answering_is_a_message_and_no_acknowledged_answer_is_lost(
    tmp_path: Path,
) -> None:
    path = tmp_path / "retain.sqlite3"
    with Collection.open(path, tz=UTC) as col:
        col.set_setting("new_per_day", 100_000)
        col.decks.import_deck(big_draft(300), now=NOW)
        limit_pages(col, 3)
        acknowledged, error = answer_until_it_fails(col)
        assert isinstance(error, StoreFull)
        assert "disk is full" in str(error) and "Nothing already stored was lost" in str(error)
        assert "free some space" in str(error)
    assert acknowledged > 0
    with Collection.open(path, tz=UTC) as col:
        assert col.stats.review_count() == acknowledged
        assert col.check().ok


def test_a_full_disk_during_an_import_stores_none_of_the_deck(tmp_path: Path) -> None:
    path = tmp_path / "retain.sqlite3"
    with Collection.open(path, tz=UTC) as col:
        col.decks.import_deck(make_draft(5), now=NOW)
        item = col.study.next_card(NOW)
        assert item is not None
        col.study.answer(item.card.id, Rating.GOOD, NOW)
        limit_pages(col, 5)
        with pytest.raises(StoreFull, match="disk is full"):
            col.decks.import_deck(big_draft(2000, title="Too big"), now=NOW)
    with Collection.open(path, tz=UTC) as col:
        assert [d.name for d in col.decks.all()] == ["Test deck"]
        assert col.stats.review_count() == 1


def test_a_held_write_lock_is_a_message_that_says_to_try_again(tmp_path: Path) -> None:
    path = tmp_path / "retain.sqlite3"
    with Collection.open(path, tz=UTC) as col:
        col.decks.import_deck(make_draft(3), now=NOW)
        item = col.study.next_card(NOW)
        assert item is not None
        no_busy_wait(col)
        with write_lock_held(path), pytest.raises(StoreLocked) as caught:
            col.study.answer(item.card.id, Rating.GOOD, NOW)
        assert "another retain is writing" in str(caught.value)
        assert "try again" in str(caught.value)
        col.study.answer(item.card.id, Rating.GOOD, NOW)  # once the lock is gone, it goes through
        assert col.stats.review_count() == 1


def test_a_store_opened_read_only_reads_and_refuses_writes_with_a_message(
    tmp_path: Path,
) -> None:
    path = tmp_path / "retain.sqlite3"
    with Collection.open(path, tz=UTC) as col:
        col.decks.import_deck(make_draft(3), now=NOW)
    with Collection.open(path, tz=UTC, read_only=True) as col:
        assert [c.total for c in col.decks.counts(NOW)] == [3]
        assert col.check().ok
        item = col.study.next_card(NOW)
        assert item is not None
        with pytest.raises(StoreReadOnly, match="cannot be written"):
            col.study.answer(item.card.id, Rating.GOOD, NOW)
        with pytest.raises(StoreReadOnly):
            col.set_setting("new_per_day", 5)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files")
def test_a_read_only_file_is_read_and_a_write_is_a_message(tmp_path: Path) -> None:
    path = tmp_path / "retain.sqlite3"
    with Collection.open(path, tz=UTC) as col:
        col.decks.import_deck(make_draft(3), now=NOW)
    path.chmod(0o444)
    with Collection.open(path, tz=UTC, read_only=True) as col:
        assert [c.total for c in col.decks.counts(NOW)] == [3]
    with Collection.open(path, tz=UTC) as col, pytest.raises(StoreReadOnly):
        col.decks.import_deck(make_draft(5, title="More"), now=NOW)


def damaged_store(tmp_path: Path, name: str, *, answers: int = 50) -> tuple[Path, int]:
    """A store with a few hundred cards and some answers, with one page of `name` (a table
    or an index) overwritten by garbage."""
    path = tmp_path / "retain.sqlite3"
    with Collection.open(path, tz=UTC) as col:
        col.set_setting("new_per_day", 10_000)
        col.decks.import_deck(big_draft(400), now=NOW)
        moment = NOW
        for _ in range(answers):
            item = col.study.next_card(moment)
            assert item is not None
            col.study.answer(item.card.id, Rating.GOOD, moment)
            moment += timedelta(seconds=5)
    checkpoint(path)
    write_garbage(path, page_of(path, name))
    return path, answers


@pytest.mark.parametrize("name", ["notes", "ix_cards_account_due"])
def test_a_page_of_garbage_is_found_at_open_and_nothing_is_written_into_it(
    tmp_path: Path, name: str
) -> None:
    path, _ = damaged_store(tmp_path, name)
    before = path.read_bytes()
    with pytest.raises(StoreCorrupt) as caught:
        Collection.open(path, tz=UTC)
    assert "retain check --repair" in str(caught.value)
    with pytest.raises(StoreCorrupt):
        Collection.open(path, tz=UTC, read_only=True)
    assert path.read_bytes() == before


def test_a_damaged_index_is_recovered_with_every_answer(tmp_path: Path) -> None:
    from retain.storage.repair import integrity_problems, recover

    path, answers = damaged_store(tmp_path, "ix_cards_account_due")
    assert integrity_problems(path)
    recovery = recover(path, NOW)
    assert recovery.saved.exists() and recovery.saved.parent == tmp_path / "backups"
    assert recovery.copied["reviews"] == answers and not recovery.left_out
    assert integrity_problems(path) == []
    with Collection.open(path, tz=UTC) as col:
        assert col.stats.review_count() == answers
        assert [c.total for c in col.decks.counts(NOW)] == [400]
        assert col.check().ok


def test_a_damaged_table_is_recovered_up_to_the_damage(tmp_path: Path) -> None:
    from retain.storage.repair import recover

    path, answers = damaged_store(tmp_path, "notes")
    recovery = recover(path, NOW)
    assert "notes" in recovery.damaged
    lost_notes = 400 - recovery.copied["notes"]
    assert 0 < lost_notes < 400
    lines = "\n".join(recovery.lines())
    assert "an unreadable part was skipped" in lines
    with Collection.open(path, tz=UTC) as col:
        # The cards of the lost notes go with them; every other card and answer is there.
        cards = sum(c.total for c in col.decks.counts(NOW))
        assert cards == 400 - lost_notes
        assert col.stats.review_count() == answers - recovery.left_out.get("reviews", 0)
        report = col.check(repair=True)
        assert col.check().ok, report.problems


def test_storage_errors_of_the_file_system_and_the_server_are_named() -> None:
    import errno

    assert isinstance(errors.translate(OSError(errno.ENOSPC, "No space")), StoreFull)
    assert isinstance(errors.translate(OSError(errno.EROFS, "Read-only")), StoreReadOnly)
    assert isinstance(errors.translate(TimeoutError("lock")), StoreLocked)
    assert errors.translate(ValueError("not storage")) is None
    assert errors.translate(CollectionError("mine")) is None


def test_postgres_read_only_and_unreachable_are_messages(postgres_url: str) -> None:
    from sqlalchemy import create_engine, text

    from retain.storage.engine import database_url

    with Collection.open(postgres_url, tz=UTC) as col:
        col.decks.import_deck(make_draft(2), now=NOW)
    admin = create_engine(database_url(postgres_url), isolation_level="AUTOCOMMIT")
    name = admin.url.database
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    admin.dispose()
    with Collection.open(postgres_url, tz=UTC, read_only=True) as col:
        assert [c.total for c in col.decks.counts(NOW)] == [2]
        item = col.study.next_card(NOW)
        assert item is not None
        with pytest.raises(StoreReadOnly, match="read-only"):
            col.study.answer(item.card.id, Rating.GOOD, NOW)
    unreachable = "postgresql://nobody@127.0.0.1:1/none"
    with pytest.raises(CollectionError, match="cannot reach the database server"):
        Collection.open(unreachable)


def test_a_read_only_store_that_needs_an_upgrade_is_refused_with_a_message(
    tmp_path: Path,
) -> None:
    from retain.storage.engine import current_revision, migrate, open_engine
    from retain.storage.schema import SCHEMA_REVISION
    from tests.storage.faults import remount_read_only, tmpfs

    with tmpfs(tmp_path / "ro", "4m") as mounted:
        if mounted is None and os.geteuid() == 0:
            pytest.skip("cannot make a read-only folder here as root")
        folder = tmp_path / "ro"
        path = folder / "retain.sqlite3"
        engine = open_engine(path)
        migrate(engine, "0001")
        engine.dispose()
        if mounted is not None:
            assert remount_read_only(mounted)
        else:
            folder.chmod(0o555)
        try:
            with pytest.raises(StoreReadOnly, match="needs an upgrade") as caught:
                Collection.open(path, read_only=True)
            assert "cannot be written" in str(caught.value)
        finally:
            if mounted is None:
                folder.chmod(0o755)
        engine = open_engine(path, read_only=True)
        assert current_revision(engine) == "0001"  # untouched
        engine.dispose()
    assert SCHEMA_REVISION != "0001"


def test_an_old_store_that_can_be_written_is_upgraded_by_a_command_that_reads(
    tmp_path: Path,
) -> None:
    from retain.storage.engine import current_revision, migrate, open_engine
    from retain.storage.schema import SCHEMA_REVISION

    path = tmp_path / "retain.sqlite3"
    engine = open_engine(path)
    migrate(engine, "0001")
    engine.dispose()
    with Collection.open(path, tz=UTC, read_only=True) as col:
        assert col.decks.all() == []
        assert current_revision(col.engine) == SCHEMA_REVISION
