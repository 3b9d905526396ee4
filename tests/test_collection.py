from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from retain.collection import Collection, CollectionError
from retain.core.model import CardState, Deck, DeckDraft, NoteDraft, Rating
from retain.storage import schema
from tests.conftest import NOW, make_draft


def test_import_adds_cards_once(collection: Collection) -> None:
    first = collection.decks.import_deck(make_draft(3), now=NOW)
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    again = collection.decks.import_deck(make_draft(3), now=NOW)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert again.deck == first.deck
    assert [c.total for c in collection.decks.counts(NOW)] == [3]


def test_reimport_updates_changed_answers_and_keeps_history(collection: Collection) -> None:
    collection.decks.import_deck(make_draft(2), now=NOW)
    item = collection.study.next_card(NOW)
    assert item is not None
    collection.study.answer(item.card.id, Rating.GOOD, NOW)
    changed = DeckDraft(
        "Test deck",
        "text/questions",
        (
            NoteDraft("question 0?", ("a new answer",)),  # same question, other case
            NoteDraft("Question 1?", ("answer 1 point a", "answer 1 point b")),
            NoteDraft("Question 2?", ("brand new",)),
        ),
    )
    report = collection.decks.import_deck(changed, now=NOW)
    assert (report.added, report.updated, report.unchanged) == (1, 1, 1)
    again = collection.study.card(item.card.id)
    assert again.note.answer_points == ("a new answer",)
    assert again.card.schedule.reps == 1


def test_import_needs_a_name(collection: Collection) -> None:
    with pytest.raises(CollectionError, match="name"):
        collection.decks.import_deck(make_draft(1, title=None), now=NOW)
    assert collection.decks.all() == []


def test_import_rejects_naive_time(collection: Collection) -> None:
    with pytest.raises(ValueError, match="UTC"):
        collection.decks.import_deck(make_draft(1), now=datetime(2026, 1, 1))


def test_new_cards_in_order_then_limit(collection: Collection) -> None:
    collection.decks.import_deck(make_draft(5), now=NOW)
    collection.set_setting("new_per_day", 2)
    seen = []
    now = NOW
    for _ in range(2):
        item = collection.study.next_card(now)
        assert item is not None and item.card.schedule.state is CardState.NEW
        seen.append(item.note.question)
        collection.study.answer(item.card.id, Rating.EASY, now)  # straight to review, days away
        now += timedelta(seconds=5)
    assert seen == ["Question 0?", "Question 1?"]
    assert collection.study.counts(now).new == 0
    assert collection.study.next_card(now) is None
    tomorrow = now + timedelta(days=1)
    item = collection.study.next_card(tomorrow)
    assert item is not None and item.note.question == "Question 2?"


def test_due_reviews_come_before_new_cards(collection: Collection) -> None:
    collection.decks.import_deck(make_draft(3), now=NOW)
    first = collection.study.next_card(NOW)
    assert first is not None
    collection.study.answer(first.card.id, Rating.EASY, NOW)
    later = NOW + timedelta(days=60)
    item = collection.study.next_card(later)
    assert item is not None and item.card.id == first.card.id
    assert collection.study.counts(later).due == 1


def test_learning_card_comes_back_within_learn_ahead(collection: Collection) -> None:
    collection.decks.import_deck(make_draft(1), now=NOW)
    item = collection.study.next_card(NOW)
    assert item is not None
    result = collection.study.answer(item.card.id, Rating.AGAIN, NOW)
    assert result.card.schedule.state is CardState.LEARNING
    again = collection.study.next_card(NOW + timedelta(seconds=10))
    assert again is not None and again.card.id == item.card.id


def test_answer_records_log_and_state_together(collection: Collection) -> None:
    collection.decks.import_deck(make_draft(1), now=NOW)
    item = collection.study.next_card(NOW)
    assert item is not None
    collection.study.answer(item.card.id, Rating.GOOD, NOW, duration_ms=1234)
    assert collection.stats.review_count() == 1
    assert [(r.rating, r.reviewed_at) for r in collection.stats.reviews(item.card.id)] == [
        (Rating.GOOD, NOW)
    ]
    stored = collection.study.card(item.card.id).card.schedule
    assert stored.reps == 1 and stored.last_review == NOW
    assert collection.study.counts(NOW).done_today == 1


def test_answer_unknown_card(collection: Collection) -> None:
    from retain.core.model import CardId

    with pytest.raises(CollectionError, match="no card"):
        collection.study.answer(CardId(999), Rating.GOOD, NOW)
    assert collection.stats.review_count() == 0


def test_check_rebuilds_state_from_log(collection: Collection) -> None:
    collection.decks.import_deck(make_draft(3), now=NOW)
    now = NOW
    for rating in [Rating.GOOD, Rating.AGAIN, Rating.GOOD, Rating.GOOD, Rating.EASY, Rating.HARD]:
        item = collection.study.next_card(now)
        assert item is not None
        collection.study.answer(item.card.id, rating, now)
        now += timedelta(minutes=11)
    for _ in range(4):  # reviews weeks apart exercise fuzzed intervals
        now += timedelta(days=30)
        item = collection.study.next_card(now)
        assert item is not None
        collection.study.answer(item.card.id, Rating.GOOD, now)
    report = collection.check()
    assert report.ok, report.problems
    assert (report.cards, report.reviews) == (3, 10)

    with collection.engine.begin() as conn:  # damage the cache, never the log
        conn.execute(update(schema.cards).values(stability=99.0, reps=42))
    damaged = collection.check()
    assert not damaged.ok and len(damaged.problems) == 3
    repaired = collection.check(repair=True)
    assert repaired.repaired == 3
    assert collection.check().ok


def test_deck_counts(collection: Collection) -> None:
    collection.decks.import_deck(make_draft(4), now=NOW)
    item = collection.study.next_card(NOW)
    assert item is not None
    collection.study.answer(item.card.id, Rating.AGAIN, NOW)
    [counts] = collection.decks.counts(NOW + timedelta(minutes=2))
    assert (counts.new, counts.learning, counts.due, counts.total) == (3, 1, 1, 4)


def test_find_deck(collection: Collection) -> None:
    collection.decks.import_deck(make_draft(1, title="Unit 1: Stalin"), now=NOW)
    collection.decks.import_deck(make_draft(1, title="Unit 2: Lenin"), now=NOW)
    assert collection.decks.find("stalin").name == "Unit 1: Stalin"
    assert collection.decks.find("UNIT 2: lenin").name == "Unit 2: Lenin"
    with pytest.raises(CollectionError, match="several"):
        collection.decks.find("unit")
    with pytest.raises(CollectionError, match="no deck"):
        collection.decks.find("chemistry")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("new_per_day", "lots", "must be a whole number"),
        ("new_per_day", "-1", "0 or more"),
        ("desired_retention", "1.5", "between"),
        ("colour", "red", "unknown setting"),
    ],
)
def test_bad_settings_are_refused(
    collection: Collection, key: str, value: str, message: str
) -> None:
    with pytest.raises(CollectionError, match=message):
        collection.set_setting(key, value)
    assert collection.settings["new_per_day"] == 20


def test_settings_persist(store_target: str | Path) -> None:
    with Collection.open(store_target, tz=UTC) as col:
        col.set_setting("new_per_day", "7")
    with Collection.open(store_target, tz=UTC) as col:
        assert col.settings["new_per_day"] == 7


def test_day_start_uses_the_learners_day(tmp_path: Path) -> None:
    with Collection.open(tmp_path / "c.sqlite3", tz=UTC) as col:
        assert col.study.day_start(datetime(2026, 3, 2, 3, 0, tzinfo=UTC)) == datetime(
            2026, 3, 1, 4, 0, tzinfo=UTC
        )
        assert col.study.day_start(datetime(2026, 3, 2, 5, 0, tzinfo=UTC)) == datetime(
            2026, 3, 2, 4, 0, tzinfo=UTC
        )


def test_graded_answers_keep_per_point_outcomes(collection: Collection) -> None:
    collection.decks.import_deck(make_draft(1), now=NOW)
    item = collection.study.next_card(NOW)
    assert item is not None
    collection.study.answer(
        item.card.id, Rating.HARD, NOW, mode="type", detail={"typed": "a"},
        points={0: True, 1: False},
    )
    later = NOW + timedelta(days=3)
    collection.study.answer(
        item.card.id, Rating.AGAIN, later, mode="type", points={0: False, 1: False}
    )
    stats = collection.stats.point_stats(item.card.id)
    assert [(s.index, s.asked, s.missed) for s in stats] == [(0, 2, 1), (1, 2, 2)]
    assert collection.check().ok


def test_next_cards_gives_distinct_cards_in_queue_order(collection: Collection) -> None:
    collection.decks.import_deck(make_draft(6), now=NOW)
    first = collection.study.next_card(NOW)
    assert first is not None
    collection.study.answer(first.card.id, Rating.EASY, NOW)
    later = NOW + timedelta(days=60)
    items = collection.study.next_cards(later, limit=4)
    assert [i.card.id for i in items][0] == first.card.id
    assert len({i.card.id for i in items}) == 4
    assert [i.note.question for i in items[1:]] == ["Question 1?", "Question 2?", "Question 3?"]


def test_the_next_card_of_a_transaction_is_the_first_of_the_queue(
    collection: Collection,
) -> None:
    """In a request's transaction, once the day's answers are counted, the next card is
    read with its own statement (its limits written in): it is the first card of the
    queue as `next_cards` reads it, and as a lone call reads it, in whatever state the
    deck is: cards due and new, new only, due only, and in one deck of two."""
    deck = collection.decks.import_deck(make_draft(4), now=NOW).deck
    other = collection.decks.import_deck(make_draft(3, title="Other"), now=NOW).deck

    def firsts(now: datetime, scope: Deck | None = None) -> set[int | None]:
        found: set[int | None] = set()
        for limit in (1, 2, 3):
            with collection.one_transaction() as unit:
                unit.study.counts(now, scope)
                items = unit.study.next_cards(now, scope, limit=limit)
                found.add(items[0].card.id if items else None)
        alone = collection.study.next_card(now, scope)
        found.add(alone.card.id if alone else None)
        return found

    assert len(firsts(NOW)) == 1
    first = collection.study.next_card(NOW, deck)
    assert first is not None
    collection.study.answer(first.card.id, Rating.AGAIN, NOW)
    later = NOW + timedelta(hours=1)  # the card answered wrong is due, new cards remain
    assert firsts(later) == {first.card.id}
    assert len(firsts(later, other)) == 1 and firsts(later, other) != {first.card.id}
    collection.set_setting("new_per_day", 1)  # no new card left today: the due card only
    assert firsts(later) == {first.card.id}
    collection.set_setting("new_per_day", 20)
    assert firsts(NOW + timedelta(seconds=1)) == firsts(NOW + timedelta(seconds=1), deck)


def test_an_answer_can_pick_the_next_card_in_the_same_transaction(
    collection: Collection,
) -> None:
    collection.decks.import_deck(make_draft(3), now=NOW)
    collection.set_setting("new_per_day", 2)
    now = NOW
    item = collection.study.next_card(now)
    picked = []
    while item is not None:
        result = collection.study.answer(item.card.id, Rating.EASY, now, pick_next=True)
        expected = collection.study.next_card(now)
        assert (result.next and result.next.card.id) == (expected and expected.card.id)
        picked.append(item.note.question)
        item = result.next
    assert picked == ["Question 0?", "Question 1?"]  # the new-card limit holds
    other = collection.decks.import_deck(make_draft(1, title="Other"), now=NOW).deck
    first = collection.study.next_card(now, other)
    assert first is not None
    result = collection.study.answer(first.card.id, Rating.GOOD, now, pick_next=True, deck=other)
    assert result.next is not None and result.next.card.deck_id == other.id


def test_concurrent_answers_to_one_card_keep_state_and_log_in_step(
    collection: Collection,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    collection.decks.import_deck(make_draft(1), now=NOW)
    item = collection.study.next_card(NOW)
    assert item is not None

    def answer(i: int) -> None:
        collection.study.answer(item.card.id, Rating.GOOD, NOW + timedelta(minutes=i))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(answer, range(20)))
    assert collection.study.card(item.card.id).card.schedule.reps == 20
    assert collection.check().ok


def test_check_reports_its_progress(collection: Collection) -> None:
    collection.decks.import_deck(make_draft(2500), now=NOW)
    seen: list[tuple[int, int]] = []
    assert collection.check(progress=lambda done, total: seen.append((done, total))).ok
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]


def test_deck_counts_kept_as_cards_change_equal_a_count_of_the_cards(
    collection: Collection,
) -> None:
    from sqlalchemy import func, select

    def scanned() -> list[tuple[int, int, int]]:
        c = schema.cards.c
        out = []
        for deck in collection.decks.all():
            with collection.engine.connect() as conn:
                states = [
                    s for (s,) in conn.execute(select(c.state).where(c.deck_id == deck.id))
                ]
            out.append((len(states), states.count(0), sum(s in (1, 3) for s in states)))
        return out

    def kept() -> list[tuple[int, int, int]]:
        return [(d.total, d.new, d.learning) for d in collection.decks.counts(NOW)]

    collection.decks.import_deck(make_draft(6), now=NOW)
    other = collection.decks.import_deck(make_draft(4, title="Other deck"), now=NOW)
    assert kept() == scanned() == [(6, 6, 0), (4, 4, 0)]
    now = NOW
    for rating in (Rating.AGAIN, Rating.GOOD, Rating.EASY, Rating.AGAIN):
        item = collection.study.next_card(now)
        assert item is not None
        collection.study.answer(item.card.id, rating, now)
        now += timedelta(seconds=10)
        assert kept() == scanned()
    collection.study.undo(now)
    assert kept() == scanned()
    collection.decks.delete(other.deck)
    assert kept() == scanned() == [scanned()[0]]
    with collection.engine.connect() as conn:
        assert conn.execute(
            select(func.count()).select_from(schema.deck_card_counts)
        ).scalar_one() == 1
