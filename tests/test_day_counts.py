"""The day's counts (answers today, new cards introduced today) are kept up to date from
the answers logged since the last count, and stay equal to a count of the whole day: with
answers from another open collection, undos, a new day and a deleted deck."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from retain.collection import Collection
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
