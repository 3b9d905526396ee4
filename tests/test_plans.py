"""Studying a deck with an exam ahead follows the exam plan, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from retain.cli import cli
from retain.collection import Collection, CollectionError
from retain.core.model import CardState, Rating
from retain.session import StudySession
from tests.conftest import NOW, make_draft

EXAM = NOW + timedelta(days=10)


def study_all(col: Collection, now: datetime, deck_name: str) -> list[int]:
    """Answer every card the plan serves at `now` Good (learning steps included)."""
    deck = col.decks.find(deck_name)
    answered: list[int] = []
    clock = now
    for _ in range(500):
        item = col.study.next_card(clock, deck)
        if item is None:
            break
        col.study.answer(item.card.id, Rating.GOOD, clock, duration_ms=10_000)
        answered.append(int(item.card.id))
        clock += timedelta(minutes=11)
    return answered


def test_the_day_serves_the_planned_cards_then_ends(collection: Collection) -> None:
    report = collection.decks.import_deck(make_draft(30), now=NOW)
    deck = report.deck
    # Little time: 20 s per first sight (no timed answers yet), 2 minutes: 6 new cards.
    collection.plans.set_exam(deck, EXAM, 2.0, frozenset(), NOW)
    assert collection.study.counts(NOW, deck).new == 6
    answered = study_all(collection, NOW, deck.name)
    assert len(answered) == len(set(answered)) == 6  # each new card once
    later = NOW + timedelta(hours=3)
    assert collection.study.next_card(later, deck) is None
    # Studying ahead takes the next cards of the plan.
    ahead = collection.study.cards_ahead(later, deck, until=later + timedelta(days=1), limit=3)
    assert len(ahead) == 3 and all(i.card.schedule.state == CardState.NEW for i in ahead)
    assert not {int(i.card.id) for i in ahead} & set(answered)


def test_only_a_card_forgotten_today_is_asked_again_the_same_day(
    collection: Collection,
) -> None:
    deck = collection.decks.import_deck(make_draft(30), now=NOW).deck
    collection.plans.set_exam(deck, EXAM, 2.0, frozenset(), NOW)
    clock = NOW
    answered: list[int] = []
    for k in range(20):
        item = collection.study.next_card(clock, deck)
        if item is None:
            break
        # The second card is forgotten (Again): its learning step is served, the others' not.
        rating = Rating.AGAIN if k == 1 and not answered.count(int(item.card.id)) else Rating.GOOD
        collection.study.answer(item.card.id, rating, clock, duration_ms=10_000)
        answered.append(int(item.card.id))
        clock += timedelta(minutes=2)
    assert len(set(answered)) == 6
    assert len(answered) == 7 and answered.count(answered[1]) == 2
    assert collection.study.counts(clock, deck).due == 0


def test_the_plan_is_made_again_the_next_day(collection: Collection) -> None:
    deck = collection.decks.import_deck(make_draft(12), now=NOW).deck
    # 6 first sights a day: the two days before the exam are both needed for the deck.
    collection.plans.set_exam(deck, NOW + timedelta(days=2), 2.0, frozenset(), NOW)
    first = set(study_all(collection, NOW, deck.name))
    second = set(study_all(collection, NOW + timedelta(days=1), deck.name))
    assert second - first  # new cards on the second day
    history = collection.plans.history(deck.id)
    assert [h.day.isoformat() for h in history] == ["2026-03-02", "2026-03-03"]
    assert history[1].readiness > history[0].readiness


def test_every_card_is_seen_before_the_exam_when_the_budget_allows(
    collection: Collection,
) -> None:
    deck = collection.decks.import_deck(make_draft(20), now=NOW).deck
    collection.plans.set_exam(deck, NOW + timedelta(days=5), 10.0, frozenset(), NOW)
    seen: set[int] = set()
    for day in range(5):
        seen |= set(study_all(collection, NOW + timedelta(days=day), deck.name))
    assert len(seen) == 20


def test_after_the_exam_the_deck_follows_fsrs(collection: Collection) -> None:
    deck = collection.decks.import_deck(make_draft(5), now=NOW).deck
    collection.plans.set_exam(deck, NOW + timedelta(days=2), 10.0, frozenset(), NOW)
    study_all(collection, NOW, deck.name)
    after = NOW + timedelta(days=40)
    item = collection.study.next_card(after, deck)
    assert item is not None and item.card.schedule.due is not None
    assert item.card.schedule.due <= after  # due by FSRS, not by a plan


def test_a_deck_without_an_exam_is_studied_beside_one_with_an_exam(
    collection: Collection,
) -> None:
    planned = collection.decks.import_deck(make_draft(10, title="Planned"), now=NOW).deck
    plain = collection.decks.import_deck(make_draft(3, title="Plain"), now=NOW).deck
    # 3 new cards a day, and the days to the exam need them all.
    collection.plans.set_exam(planned, NOW + timedelta(days=3), 1.0, frozenset(), NOW)
    decks = []
    clock = NOW
    for _ in range(100):
        item = collection.study.next_card(clock)
        if item is None:
            break
        decks.append(item.card.deck_id)
        collection.study.answer(item.card.id, Rating.GOOD, clock)
        clock += timedelta(minutes=11)
    assert decks.count(planned.id) == 3  # 3 cards, not asked again the same day
    assert decks.count(plain.id) == 3 * 2


def test_clearing_the_exam_returns_to_fsrs(collection: Collection) -> None:
    deck = collection.decks.import_deck(make_draft(30), now=NOW).deck
    collection.plans.set_exam(deck, EXAM, 0.4, frozenset(), NOW)
    assert collection.study.counts(NOW, deck).new == 1
    assert collection.plans.clear_exam(deck)
    assert collection.study.counts(NOW, deck).new == 20  # the daily limit on new cards
    assert not collection.plans.clear_exam(deck)


def test_the_session_follows_the_plan_and_check_still_replays(collection: Collection) -> None:
    deck = collection.decks.import_deck(make_draft(10), now=NOW).deck
    collection.plans.set_exam(deck, NOW + timedelta(days=3), 1.0, frozenset(), NOW)
    clock = [NOW]
    study = StudySession(
        collection, deck, clock=lambda: clock[0], rng=random.Random(1), mode="flip"
    )
    cards = set()
    while (item := study.next()) is not None:
        study.answer(item, Rating.GOOD, duration_ms=9000)
        cards.add(item.card.id)
        clock[0] += timedelta(minutes=11)
    assert len(cards) == 3
    assert collection.check().ok


def test_an_exam_in_the_past_is_refused(collection: Collection) -> None:
    deck = collection.decks.import_deck(make_draft(3), now=NOW).deck
    with pytest.raises(CollectionError, match="future"):
        collection.plans.set_exam(deck, NOW - timedelta(days=1), 10.0, frozenset(), NOW)


def test_retain_plan_prints_the_plan_and_decks_shows_the_exam(tmp_path: object) -> None:
    runner = CliRunner()
    home = str(tmp_path)
    cards = "\n".join(f"Term {i} - meaning {i}\n" for i in range(12))
    result = runner.invoke(cli, ["--home", home, "import", "-", "--deck", "Bio"], input=cards)
    assert result.exit_code == 0, result.output
    exam = (datetime.now(UTC) + timedelta(days=9)).strftime("%Y-%m-%dT09:00")
    result = runner.invoke(
        cli, ["--home", home, "plan", "bio", "--exam", exam, "--minutes", "3", "--off", "sun"]
    )
    assert result.exit_code == 0, result.output
    assert "new  reviews  minutes" in result.output
    assert "Readiness now: 0% of 12 cards" in result.output
    assert "needs" in result.output and "minutes a day" in result.output
    assert "day off" in result.output
    result = runner.invoke(cli, ["--home", home, "decks"])
    assert "exam" in result.output and "expected at the exam" in result.output
    result = runner.invoke(cli, ["--home", home, "plan", "bio", "--clear"])
    assert result.exit_code == 0 and "removed" in result.output
    result = runner.invoke(cli, ["--home", home, "plan", "bio", "--exam", "someday"])
    assert result.exit_code == 2 and "not an exam time" in result.output


@pytest.mark.parametrize("exam", [False, True])
def test_one_transaction_counts_and_serves_as_each_operation_on_its_own(
    collection: Collection, exam: bool
) -> None:
    """A web request runs its operations as one transaction, which reads the counts,
    the exams ahead and the day's answers once for all of them: it counts and serves
    what the same operations do one by one, with an exam ahead or none, for all decks,
    the deck with the exam and a deck without one."""
    planned = collection.decks.import_deck(make_draft(12), now=NOW, deck_name="planned").deck
    other = collection.decks.import_deck(make_draft(8), now=NOW, deck_name="other").deck
    if exam:
        collection.plans.set_exam(planned, EXAM, 30.0, frozenset(), NOW)
    clock = NOW
    for _ in range(3):
        item = collection.study.next_card(clock, other)
        assert item is not None
        collection.study.answer(item.card.id, Rating.GOOD, clock)
        clock += timedelta(minutes=1)
    clock += timedelta(minutes=30)  # the steps of the cards answered are due again
    for deck in (None, planned, other):
        alone = (
            collection.study.counts(clock, deck),
            collection.study.next_cards(clock, deck, limit=6),
        )
        with collection.one_transaction() as unit:
            counts = unit.study.counts(clock, deck)
            together = (counts, unit.study.next_cards(clock, deck, limit=6))
            if together[1]:
                unit.study.answer(together[1][0].card.id, Rating.GOOD, clock)
            after = unit.study.counts(clock, deck)
        assert together == alone, deck
        assert after == collection.study.counts(clock, deck), deck
        clock += timedelta(minutes=1)


def test_the_plan_counts_the_learners_first_timed_answers(collection: Collection) -> None:
    deck = collection.decks.import_deck(make_draft(30), now=NOW).deck
    collection.plans.set_exam(deck, NOW + timedelta(days=3), 5.0, frozenset(), NOW)
    assert collection.plans.costs().first_sight == 20.0  # nothing timed: the default
    clock = NOW
    for _ in range(5):  # five first sights of 45 s each
        item = collection.study.next_card(clock, deck)
        assert item is not None and item.card.schedule.state == CardState.NEW
        collection.study.answer(item.card.id, Rating.GOOD, clock, duration_ms=45_000)
        clock += timedelta(minutes=1)
    # Five answers move the cost most of the way from the default (20 s) to 45 s.
    assert 35.0 < collection.plans.costs().first_sight < 45.0


def test_the_next_day_starts_with_reviews_that_measure_the_learners_forgetting(
    collection: Collection,
) -> None:
    # 2 minutes a day for a deck the budget cannot cover: first sights give the most per
    # second, but no answer yet tells how fast this learner forgets, so the second day
    # starts with a review of a card seen the first day, then takes new cards.
    deck = collection.decks.import_deck(make_draft(30), now=NOW).deck
    collection.plans.set_exam(deck, EXAM, 2.0, frozenset(), NOW)
    first = set(study_all(collection, NOW, deck.name))
    second = study_all(collection, NOW + timedelta(days=1), deck.name)
    assert second[0] in first
    assert set(second) - first
