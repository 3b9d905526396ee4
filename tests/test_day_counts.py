"""The day's counts (answers today, new cards introduced today) are kept up to date from
the answers logged since the last count, and stay equal to a count of the whole day: with
answers from another open collection, undos, a new day and a deleted deck."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from retain.collection import Collection, StudyCounts
from retain.core.model import Deck, DeckDraft, NoteDraft, Rating
from tests.conftest import NOW, make_draft


def _fresh_counts(target: str | Path, deck: Deck | None = None) -> tuple[int, int]:
    """What a collection opened now, with nothing remembered, counts."""
    with Collection.open(target) as other:
        counts = other.study.counts(NOW + timedelta(hours=1), deck)
        return counts.done_today, counts.new


def _answer_next(col: Collection, when_minutes: int, rating: Rating = Rating.GOOD) -> None:
    now = NOW + timedelta(minutes=when_minutes)
    item = col.study.next_card(now)
    assert item is not None
    col.study.answer(item.card.id, rating, now)


def test_day_counts_follow_answers_undos_and_other_collections(
    store_target: str | Path,
) -> None:
    with Collection.open(store_target) as col, Collection.open(store_target) as second:
        col.decks.import_deck(make_draft(30), now=NOW)
        later = NOW + timedelta(hours=1)
        assert col.study.counts(later).done_today == 0
        for minute in range(5):
            _answer_next(col, minute)
        assert col.study.counts(later).done_today == 5
        # Answers recorded through another open collection are counted too.
        for minute in range(5, 8):
            _answer_next(second, minute, Rating.AGAIN)
        counts = col.study.counts(later)
        assert (counts.done_today, counts.new) == _fresh_counts(store_target)
        assert counts.done_today == 8
        col.study.undo(NOW + timedelta(minutes=9))
        counts = col.study.counts(later)
        assert counts.done_today == 7
        assert (counts.done_today, counts.new) == _fresh_counts(store_target)
        # A new day starts from nothing.
        tomorrow = NOW + timedelta(days=1)
        assert col.study.counts(tomorrow).done_today == 0


def test_day_counts_per_deck_and_after_a_deck_is_deleted(tmp_path: Path) -> None:
    target = tmp_path / "retain.sqlite3"
    with Collection.open(target) as col:
        first = col.decks.import_deck(make_draft(4), now=NOW).deck
        other = DeckDraft("Other deck", "text/questions", (NoteDraft("Elsewhere?", ("here",)),))
        second = col.decks.import_deck(other, now=NOW).deck
        later = NOW + timedelta(hours=1)
        for minute in range(3):
            item = col.study.next_card(NOW + timedelta(minutes=minute), first)
            assert item is not None
            col.study.answer(item.card.id, Rating.GOOD, NOW + timedelta(minutes=minute))
        item = col.study.next_card(NOW, second)
        assert item is not None
        col.study.answer(item.card.id, Rating.GOOD, NOW + timedelta(minutes=4))
        assert col.study.counts(later, first).done_today == 3
        assert col.study.counts(later, second).done_today == 1
        assert col.study.counts(later).done_today == 4
        col.decks.delete(first)
        assert col.study.counts(later).done_today == 1
        assert col.study.counts(later).done_today == _fresh_counts(target)[0]


def _fresh_at(target: str | Path, now: datetime, deck: Deck | None = None) -> StudyCounts:
    """What a collection opened now, with nothing remembered, counts at `now`."""
    with Collection.open(target) as other:
        return other.study.counts(now, deck)


def _fresh_new(target: str | Path, now: datetime, deck: Deck | None = None) -> int:
    return _fresh_at(target, now, deck).new


def test_new_cards_left_follow_answers_limits_undos_and_other_collections(
    store_target: str | Path,
) -> None:
    with Collection.open(store_target) as col, Collection.open(store_target) as second:
        first = col.decks.import_deck(make_draft(6), now=NOW).deck
        other = col.decks.import_deck(make_draft(3, title="Other deck"), now=NOW).deck
        col.set_setting("new_per_day", 8)
        later = NOW + timedelta(hours=1)
        seen = []
        for minute in range(7):
            for deck in (None, first, other):
                counts = col.study.counts(later, deck)
                assert counts.new == _fresh_new(store_target, later, deck)
            seen.append(col.study.counts(later).new)
            deck = first if minute % 2 else other
            item = col.study.next_card(NOW + timedelta(minutes=minute), deck)
            if item is None:
                item = col.study.next_card(NOW + timedelta(minutes=minute))
            assert item is not None
            col.study.answer(item.card.id, Rating.AGAIN, NOW + timedelta(minutes=minute))
        assert seen[0] == 8 and seen[-1] < seen[0]
        # An undo, an answer through another collection, a new limit and an import.
        col.study.undo(NOW + timedelta(minutes=8))
        assert col.study.counts(later).new == _fresh_new(store_target, later)
        _answer_next(second, 9)
        assert col.study.counts(later, first).new == _fresh_new(store_target, later, first)
        assert col.study.counts(later).new == _fresh_new(store_target, later)
        col.set_setting("new_per_day", 3)
        assert col.study.counts(later).new == _fresh_new(store_target, later)
        second.decks.import_deck(make_draft(2, title="Third deck"), now=NOW)
        col.set_setting("new_per_day", 50)
        assert col.study.counts(later).new == _fresh_new(store_target, later)
        assert col.study.counts(later, other).new == _fresh_new(store_target, later, other)


def test_new_cards_left_are_not_counted_again_after_each_answer(tmp_path: Path) -> None:
    """The count of new cards (a range of up to the day's limit) is read once; an answer
    brings it down without reading the cards again."""
    target = tmp_path / "retain.sqlite3"
    with Collection.open(target) as col:
        col.decks.import_deck(make_draft(40), now=NOW)
        later = NOW + timedelta(hours=1)
        col.study.counts(later)  # the study path's own connection is open from here
        statements: list[str] = []
        connection = col._prepared._own
        connection.set_trace_callback(statements.append)
        for minute in range(5):
            _answer_next(col, minute)
            assert col.study.counts(later).new == 20 - minute - 1  # the day's limit: 20
        connection.set_trace_callback(None)
        assert not [s for s in statements if "count(*)" in s and "cards.state" in s]
        assert col.study.counts(later).new == _fresh_new(target, later)


def _fresh_due(target: str | Path, now: datetime, deck: Deck | None = None) -> int:
    return _fresh_at(target, now, deck).due


def test_due_cards_follow_answers_time_undos_edits_and_other_collections(
    store_target: str | Path,
) -> None:
    """The count of due cards is kept from one count to the next (moved on in time, and
    through this collection's own answers) and equals a fresh count at every step."""
    with Collection.open(store_target) as col, Collection.open(store_target) as second:
        first = col.decks.import_deck(make_draft(12), now=NOW).deck
        other = col.decks.import_deck(make_draft(5, title="Other deck"), now=NOW).deck
        col.set_setting("new_per_day", 100)
        cards = [i.card.id for i in col.study.next_cards(NOW, limit=17)]
        assert len(cards) == 17
        ratings = [Rating.AGAIN, Rating.GOOD, Rating.EASY, Rating.HARD]
        seen = []
        for minute in range(0, 40 * 6, 6):
            now = NOW + timedelta(minutes=minute)
            for deck in (None, first, other):
                assert col.study.counts(now, deck).due == _fresh_due(store_target, now, deck)
            seen.append(col.study.counts(now).due)
            step = minute // 6
            col.study.answer(cards[step % 17], ratings[step % 4], now)
        assert max(seen) > 0  # learning steps fell due
        # Days later (the reviews are due), an earlier time, an undo, an answer through
        # another collection, and a deleted deck.
        for when in (now + timedelta(days=9), now, now + timedelta(days=9)):
            for deck in (None, first, other):
                assert col.study.counts(when, deck).due == _fresh_due(store_target, when, deck)
        when = now + timedelta(days=9)
        col.study.undo(when)
        assert col.study.counts(when).due == _fresh_due(store_target, when)
        item = second.study.next_card(when)
        assert item is not None
        second.study.answer(item.card.id, Rating.EASY, when)
        assert col.study.counts(when, first).due == _fresh_due(store_target, when, first)
        assert col.study.counts(when).due == _fresh_due(store_target, when)
        before = col.study.counts(when).due
        assert col.study.counts(when, first).due > 0
        col.decks.delete(first)
        assert col.study.counts(when).due == _fresh_due(store_target, when) < before


def test_counts_after_an_answer_read_no_whole_range_again(tmp_path: Path) -> None:
    """After the first count, an answer and a later count read only what changed: the due
    cards between the two times, not every due card, and not the day's log again."""
    target = tmp_path / "retain.sqlite3"
    with Collection.open(target) as col:
        col.decks.import_deck(make_draft(40), now=NOW)
        col.study.counts(NOW)
        statements: list[str] = []
        connection = col._prepared._own
        connection.set_trace_callback(statements.append)
        for minute in range(1, 6):
            _answer_next(col, minute)
            col.study.counts(NOW + timedelta(minutes=minute, seconds=30))
        connection.set_trace_callback(None)
        counts = [s for s in statements if "count(*)" in s]
        assert counts and all("cards.due >" in s for s in counts if "cards.due" in s)
        assert not [s for s in counts if "reviews" in s]
        assert col.study.counts(NOW + timedelta(minutes=6)).due == _fresh_due(
            target, NOW + timedelta(minutes=6)
        )
