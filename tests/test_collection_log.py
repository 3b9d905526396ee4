"""What the log promises: the interval shown is the one saved, a change of settings is not
corruption, and an undo is an entry of its own that replay honours."""

from __future__ import annotations

import functools
import random
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from retain.collection import Collection, CollectionError
from retain.core import scheduling
from retain.core.model import CardState, DeckDraft, NoteDraft, Rating, SchedulingState
from tests.conftest import NOW, make_draft


def _walk(col: Collection, seed: int, steps: int) -> tuple[int, int]:
    """Answer cards at random times with random ratings, checking at every answer that
    the interval previewed for the rating given is the one saved. Returns (answers,
    answers whose saved interval was fuzzed away from the unfuzzed one)."""
    rng = random.Random(seed)
    now = NOW + timedelta(minutes=rng.randrange(600))
    fuzzed = 0
    for _ in range(steps):
        item = col.study.next_card(now)
        if item is None:
            now += timedelta(days=rng.randrange(1, 4), minutes=rng.randrange(1000))
            continue
        # Shown first when the question is drawn (up to a few minutes before the answer,
        # perhaps the day before), and then with the answer.
        col.study.preview(item.card, now - timedelta(seconds=rng.randrange(1, 400)))
        shown = col.study.preview(item.card, now)
        plain = scheduling.preview(item.card.schedule, now, col._config)
        rating = Rating(rng.randrange(1, 5))
        result = col.study.answer(item.card.id, rating, now)
        assert result.card.schedule.due is not None
        assert result.card.schedule.due - now == shown[rating]
        assert col.study.card(item.card.id).card.schedule.due == now + shown[rating]
        fuzzed += shown[rating] != plain[rating]
        now += timedelta(minutes=rng.randrange(1, 60 * 30))
    return steps, fuzzed


@pytest.mark.parametrize("seed", range(4))
def test_the_interval_shown_is_the_interval_saved(tmp_path: Path, seed: int) -> None:
    with Collection.open(tmp_path / "c.sqlite3", tz=UTC) as col:
        col.decks.import_deck(make_draft(12), now=NOW)
        _, fuzzed = _walk(col, seed, 300)
        assert fuzzed > 0  # the fuzz was really applied, and still shown as saved
        assert col.check().ok


def test_the_interval_shown_follows_a_change_of_settings(tmp_path: Path) -> None:
    with Collection.open(tmp_path / "c.sqlite3", tz=UTC) as col:
        col.decks.import_deck(make_draft(3), now=NOW)
        item = col.study.next_card(NOW)
        assert item is not None
        col.study.answer(item.card.id, Rating.GOOD, NOW)
        later = NOW + timedelta(days=3)
        card = col.study.card(item.card.id).card
        before = col.study.preview(card, later)
        col.set_setting("desired_retention", 0.75)
        after = col.study.preview(card, later)
        assert after != before  # a lower retention: longer intervals
        assert after == scheduling.preview(
            card.schedule, later, col._config,
            functools.partial(scheduling.fuzz_rng, card.id, card.schedule.reps),
        )
        saved = col.study.answer(card.id, Rating.EASY, later).card.schedule.due
        assert saved == later + after[Rating.EASY]


def test_every_rating_previews_the_state_review_saves() -> None:
    rng = random.Random(7)
    config = scheduling.SchedulerConfig()
    checked = 0
    for card_id in range(200):
        state = SchedulingState()
        now = NOW
        for _ in range(rng.randrange(1, 12)):
            fuzz = functools.partial(scheduling.fuzz_rng, card_id, state.reps)
            shown = scheduling.preview(state, now, config, fuzz)
            for rating in Rating:
                saved = scheduling.review(state, rating, now, fuzz(), config)
                assert saved.due == now + shown[rating]
                checked += 1
            state = scheduling.review(state, Rating(rng.randrange(2, 5)), now, fuzz(), config)
            assert state.due is not None
            now = state.due + timedelta(hours=rng.randrange(0, 72))
    assert checked > 1000


def test_check_passes_after_the_settings_change_between_reviews(
    store_target: str | Path,
) -> None:
    with Collection.open(store_target, tz=UTC) as col:
        col.decks.import_deck(make_draft(8), now=NOW)
        rng = random.Random(3)
        now = NOW
        changes = [
            ("desired_retention", 0.8), ("day_start_hour", 0), ("desired_retention", 0.95),
            ("day_start_hour", 7), ("desired_retention", 0.9), ("day_start_hour", 4),
        ]
        for key, value in changes:
            for _ in range(25):
                item = col.study.next_card(now)
                if item is None:
                    now += timedelta(days=rng.randrange(1, 5), hours=rng.randrange(24))
                    continue
                col.study.answer(item.card.id, Rating(rng.randrange(1, 5)), now)
                now += timedelta(hours=rng.randrange(1, 30))
            col.set_setting(key, value)
            report = col.check()
            assert report.ok, report.problems
        assert report.reviews > 100
    # a fresh process with other settings again replays the same log to the same states
    with Collection.open(store_target, tz=UTC) as col:
        col.set_setting("desired_retention", 0.75)
        assert col.check().ok


def test_settings_are_recorded_once_per_change(collection: Collection) -> None:
    from sqlalchemy import func, select

    from retain.storage import schema

    collection.decks.import_deck(make_draft(3), now=NOW)
    for _ in range(3):
        item = collection.study.next_card(NOW)
        assert item is not None
        collection.study.answer(item.card.id, Rating.GOOD, NOW)
    collection.set_setting("new_per_day", 5)  # not a scheduling setting
    collection.set_setting("desired_retention", 0.85)
    item = collection.study.next_card(NOW)
    assert item is not None
    collection.study.answer(item.card.id, Rating.GOOD, NOW)
    with collection.engine.connect() as conn:
        configs = conn.execute(select(func.count()).select_from(schema.scheduler_configs))
        assert configs.scalar_one() == 2


# --- undo -----------------------------------------------------------------------------


def test_undo_gives_the_card_back_its_state_and_keeps_the_log(collection: Collection) -> None:
    collection.decks.import_deck(make_draft(3), now=NOW)
    item = collection.study.next_card(NOW)
    assert item is not None
    before = item.card.schedule
    collection.study.answer(item.card.id, Rating.GOOD, NOW, points={0: True, 1: False})
    assert collection.study.counts(NOW).done_today == 1
    undone = collection.study.undo(NOW + timedelta(seconds=5))
    assert undone.card.schedule == before
    assert collection.study.card(item.card.id).card.schedule == before
    assert collection.study.counts(NOW).done_today == 0
    assert collection.study.counts(NOW).new == 3
    assert collection.stats.point_stats(item.card.id) == []
    assert collection.stats.reviews(item.card.id) == []
    assert collection.stats.review_count() == 0
    report = collection.check()
    assert report.ok and report.reviews == 1 and report.undone == 1
    with pytest.raises(CollectionError, match="no answer to undo"):
        collection.study.undo(NOW)


def test_several_undos_go_back_several_answers(collection: Collection) -> None:
    collection.decks.import_deck(make_draft(4), now=NOW)
    now = NOW
    states = []
    for rating in (Rating.GOOD, Rating.AGAIN, Rating.EASY, Rating.HARD, Rating.GOOD):
        item = collection.study.next_card(now)
        assert item is not None
        states.append((item.card.id, item.card.schedule))
        collection.study.answer(item.card.id, rating, now)
        now += timedelta(minutes=3)
    for card_id, state in reversed(states[2:]):
        assert collection.study.undo(now).card.id == card_id
        assert collection.study.card(card_id).card.schedule == state
    assert collection.study.counts(now).done_today == 2
    assert collection.check().ok
    # answering again after the undos goes on from the restored states, and replays
    item = collection.study.next_card(now)
    assert item is not None
    collection.study.answer(item.card.id, Rating.GOOD, now)
    report = collection.check()
    assert report.ok and report.undone == 3


def test_an_answer_is_undone_only_after_the_later_answers_to_its_card(
    collection: Collection,
) -> None:
    collection.decks.import_deck(make_draft(1), now=NOW)
    item = collection.study.next_card(NOW)
    assert item is not None
    first = collection.study.answer(item.card.id, Rating.GOOD, NOW)
    second = collection.study.answer(item.card.id, Rating.GOOD, NOW + timedelta(minutes=10))
    with pytest.raises(CollectionError, match="answered again"):
        collection.study.undo(NOW, review_id=first.review_id)
    collection.study.undo(NOW, review_id=second.review_id)
    with pytest.raises(CollectionError, match="undone already"):
        collection.study.undo(NOW, review_id=second.review_id)
    collection.study.undo(NOW, review_id=first.review_id)
    assert collection.study.card(item.card.id).card.schedule.state is CardState.NEW
    assert collection.check().ok


def test_an_undone_new_card_gives_back_its_place_in_the_daily_limit(
    collection: Collection,
) -> None:
    collection.decks.import_deck(make_draft(3), now=NOW)
    collection.set_setting("new_per_day", 1)
    item = collection.study.next_card(NOW)
    assert item is not None
    collection.study.answer(item.card.id, Rating.EASY, NOW)
    assert collection.study.counts(NOW).new == 0
    collection.study.undo(NOW)
    assert collection.study.counts(NOW).new == 1
    again = collection.study.next_card(NOW)
    assert again is not None and again.card.id == item.card.id


def test_reviews_from_before_the_settings_were_recorded_still_replay(tmp_path: Path) -> None:
    from sqlalchemy import insert

    from retain.collection._rows import _state_values
    from retain.storage import schema
    from retain.storage.engine import migrate, open_engine

    path = tmp_path / "old.sqlite3"
    engine = open_engine(path)
    migrate(engine, "0003")
    config = scheduling.SchedulerConfig(desired_retention=0.85, tz=UTC)
    new = SchedulingState()
    first = scheduling.review(new, Rating.GOOD, NOW, scheduling.fuzz_rng(1, 0), config)
    later = NOW + timedelta(minutes=10)
    second = scheduling.review(first, Rating.GOOD, later, scheduling.fuzz_rng(1, 1), config)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO settings VALUES ('desired_retention', '0.85')")
        conn.exec_driver_sql(
            "INSERT INTO decks (id, name, title, source_format, created_at)"
            " VALUES (1, 'Old', NULL, 'text/questions', 0)"
        )
        conn.exec_driver_sql(
            "INSERT INTO notes (id, deck_id, key, question, answer_points, position,"
            " created_at, updated_at) VALUES (1, 1, 'q?', 'Q?', '[\"a\"]', 0, 0, 0)"
        )
        conn.execute(
            insert(schema.cards).values(
                id=1, note_id=1, deck_id=1, template="basic", position=0, **_state_values(second)
            )
        )
        for at, before in ((NOW, CardState.NEW), (later, CardState.LEARNING)):
            conn.exec_driver_sql(
                "INSERT INTO reviews (card_id, rating, reviewed_at, duration_ms, mode,"
                f" state_before, detail) VALUES (1, 3, {int(at.timestamp() * 1000)}, NULL,"
                f" 'flip', {int(before)}, NULL)"
            )
    engine.dispose()
    with Collection.open(path, tz=UTC) as col:
        assert col.check().ok
        col.set_setting("desired_retention", 0.9)
        assert col.check().ok
        assert col.study.undo(later).card.schedule == first  # replayed: no state kept with it
        assert col.check().ok


# --- editing, deleting, renaming -------------------------------------------------------


def _draft(*cards: tuple[str, tuple[str, ...]], title: str | None = "Test deck") -> DeckDraft:
    return DeckDraft(title, "text/questions", tuple(NoteDraft(q, p) for q, p in cards))


def test_a_deck_edit_keeps_moved_and_reworded_cards(collection: Collection) -> None:
    report = collection.decks.import_deck(make_draft(4), now=NOW)
    deck = report.deck
    for _ in range(4):
        item = collection.study.next_card(NOW)
        assert item is not None
        collection.study.answer(item.card.id, Rating.GOOD, NOW)
    before = {n.question: n.id for n in collection.decks.notes(deck)}
    edited = _draft(
        ("Question 3?", ("answer 3 point a", "answer 3 point b")),  # moved to the top
        ("Question 0?", ("answer 0 point a", "answer 0 point b")),
        ("Question one?", ("answer 1 point a", "answer 1 point b")),  # reworded in place
        ("question 0?", ("a duplicate, ignored",)),
        ("Something quite different?", ("new",)),  # where question 2 was: not a rewording
        title="New title",
    )
    plan = collection.decks.plan_edit(deck, edited)
    assert [n.question for n in plan.removed] == ["Question 2?"]
    assert [d.question for d in plan.added] == ["Something quite different?"]
    assert (plan.updated, plan.unchanged, plan.reordered) == (1, 2, True)
    result = collection.decks.apply_edit(plan, now=NOW)
    assert result.deck.title == "New title"
    notes = collection.decks.notes(deck)
    assert [n.question for n in notes] == [
        "Question 3?", "Question 0?", "Question one?", "Something quite different?",
    ]
    assert [n.id for n in notes[:3]] == [
        before["Question 3?"], before["Question 0?"], before["Question 1?"],
    ]
    assert [collection.study.card_for_note(n.id).card.schedule.reps for n in notes] == [1, 1, 1, 0]
    assert collection.stats.review_count() == 3
    assert collection.check().ok
    assert collection.decks.all()[0].title == "New title"


def test_edit_note_refuses_a_question_the_deck_has(collection: Collection) -> None:
    collection.decks.import_deck(make_draft(2), now=NOW)
    first, second = collection.decks.notes(collection.decks.all()[0])
    with pytest.raises(CollectionError, match="already has"):
        collection.decks.edit_note(second.id, "QUESTION 0?", ["x"], now=NOW)
    with pytest.raises(CollectionError, match="empty"):
        collection.decks.edit_note(second.id, " ", ["x"], now=NOW)
    with pytest.raises(CollectionError, match="answer point"):
        collection.decks.edit_note(second.id, "Fine?", [" "], now=NOW)
    assert collection.decks.notes(collection.decks.all()[0]) == [first, second]


def test_deleting_a_deck_leaves_nothing_behind(store_target: str | Path) -> None:
    from sqlalchemy import func, select

    from retain.storage import schema

    with Collection.open(store_target, tz=UTC) as col:
        kept = col.decks.import_deck(make_draft(2, title="Kept"), now=NOW).deck
        gone = col.decks.import_deck(make_draft(3, title="Gone"), now=NOW).deck
        for deck in (kept, gone):
            item = col.study.next_card(NOW, deck)
            assert item is not None
            col.study.answer(item.card.id, Rating.GOOD, NOW, points={0: True})
        col.study.undo(NOW)
        item = col.study.next_card(NOW, gone)
        assert item is not None
        col.study.answer(item.card.id, Rating.GOOD, NOW, points={0: False})
        assert col.decks.delete(gone) == 3
        with col.engine.connect() as conn:
            left = {
                name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in schema.metadata.tables.items()
                if name in {"decks", "notes", "cards", "reviews", "review_points", "undos"}
            }
        assert left == {
            "decks": 1, "notes": 2, "cards": 2, "reviews": 1, "review_points": 1, "undos": 0
        }
        assert col.check().ok
        assert col.decks.rename(kept, " Still here ").name == "Still here"
        assert [d.name for d in col.decks.all()] == ["Still here"]


def test_check_passes_after_a_change_of_time_zone(tmp_path: Path) -> None:
    from datetime import timezone

    path = tmp_path / "c.sqlite3"
    rng = random.Random(5)
    now = NOW
    for hours in (2, -5, 1):  # summer time, a journey, winter time
        with Collection.open(path, tz=timezone(timedelta(hours=hours))) as col:
            if not col.decks.all():
                col.decks.import_deck(make_draft(6), now=NOW)
            for _ in range(40):
                item = col.study.next_card(now)
                if item is None:
                    now += timedelta(days=1, hours=rng.randrange(24))
                    continue
                col.study.answer(item.card.id, Rating(rng.randrange(1, 5)), now)
                now += timedelta(hours=rng.randrange(1, 20))
            assert col.check().ok
    with Collection.open(path, tz=timezone(timedelta(hours=9))) as col:
        report = col.check()
        assert report.ok and report.reviews > 60
