"""Studying: what to study next, the day's counts, answers and undo (`col.study`)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    cast,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    union_all,
    update,
)

from retain.collection._rows import (
    _CONFIGS,
    _INSERT_CONFIG,
    _STATE_COLUMNS,
    IMPORTED_MODE,
    _card,
    _cards_with_notes,
    _check_now,
    _config_values,
    _joined_note,
    _logged_reviews,
    _ms,
    _not_undone,
    _note,
    _state_from_json,
    _state_values,
    _utc,
)
from retain.core import scheduling
from retain.core.model import (
    Card,
    CardId,
    CardState,
    Deck,
    DeckId,
    Note,
    NoteId,
    Rating,
    SchedulingState,
    parse_tags,
)
from retain.errors import CollectionError, NotFound
from retain.plans import any_exam_ahead
from retain.storage import schema
from retain.storage.prepared import Driver

if TYPE_CHECKING:
    from retain.collection import Collection

LEARN_AHEAD = timedelta(minutes=20)


# FOR UPDATE: on a server two answers to one card wait for each other instead of both
# starting from the old state (SQLite's BEGIN IMMEDIATE already serialises writers).
# Every statement of the study path reads one learner's cards and answers: those of the
# account in the `account_id` parameter.
_ME: Any = bindparam("account_id")

_CARD_FOR_ANSWER = (
    select(schema.cards)
    .where(schema.cards.c.id == bindparam("card_id"), schema.cards.c.account_id == _ME)
    .with_for_update()
)


_CARD_WITH_NOTE = (
    _cards_with_notes()
    .add_columns(schema.notes.c.tags.label("note_tags"))
    .where(schema.cards.c.id == bindparam("card_id"), schema.cards.c.account_id == _ME)
)


_CARD_WITH_NOTE_FOR_ANSWER = _CARD_WITH_NOTE.with_for_update(of=schema.cards)
"""`_CARD_WITH_NOTE`, the card locked as `_CARD_FOR_ANSWER` locks it (see `Study.card`)."""


_INSERT_REVIEW = (
    insert(schema.reviews)
    .values(
        {
            name: bindparam(f"v_{name}")
            for name in (
                "card_id", "rating", "reviewed_at", "duration_ms", "mode", "state_before",
                "detail", "config_id", "before", "account_id",
            )
        }
    )
    .returning(schema.reviews.c.id)
)


_UPDATE_CARD = (
    update(schema.cards)
    .where(schema.cards.c.id == bindparam("card_id"))
    .values({name: bindparam(f"v_{name}") for name in _STATE_COLUMNS})
)


_PREVIEWS_KEPT = 4
"""Cards whose rating intervals `Study.preview` keeps (the card shown, and the next)."""


_INSERT_POINT = insert(schema.review_points).values(
    {
        name: bindparam(f"v_{name}")
        for name in ("review_id", "card_id", "point_index", "covered")
    }
)


@functools.cache
def _count_statements(scoped: bool) -> tuple[Select[Any], Select[Any]]:
    """Cards due by `now`, and new cards up to `cap` (in the deck `deck_id`). Each is a
    range of an index, and no more new cards are read than can still be shown today, so
    neither reads the whole deck. The day's answers are counted by `_day_statements`."""
    c = schema.cards.c
    due = select(func.count()).where(
        c.account_id == _ME, c.due.is_not(None), c.due <= bindparam("now")
    )
    new = select(c.id).where(c.account_id == _ME, c.state == int(CardState.NEW))
    if scoped:
        in_deck = c.deck_id == bindparam("deck_id")
        due, new = due.where(in_deck), new.where(in_deck)
    capped = new.limit(bindparam("cap", type_=Integer)).subquery()
    return due, select(func.count()).select_from(capped)


@functools.cache
def _due_between_statement(scoped: bool) -> Select[Any]:
    """Cards that fall due after `after` and by `now`: the range of the due index between
    two counts."""
    c = schema.cards.c
    query = select(func.count()).where(
        c.account_id == _ME, c.due > bindparam("after"), c.due <= bindparam("now")
    )
    return query.where(c.deck_id == bindparam("deck_id")) if scoped else query


@functools.cache
def _day_statements(scoped: bool) -> tuple[Any, Any, Select[Any], Select[Any]]:
    """The day's answers and the new cards they introduced, counted in one pass: over the
    day's range of the log, and (`after`) over only the answers logged after a given id;
    then the newest ids of the log and of the undos, which tell whether a count still holds."""
    r, u = schema.reviews.c, schema.undos.c
    columns = (
        func.count(),
        func.coalesce(func.sum(cast(r.state_before == int(CardState.NEW), Integer)), 0),
    )
    full = select(*columns).where(
        r.account_id == _ME, r.reviewed_at >= bindparam("since"), _not_undone()
    )
    # `+ 0` keeps the day's index out of it: the newest answers are a range of ids.
    later = select(*columns).where(
        r.id > bindparam("after"),
        r.account_id + 0 == _ME,
        r.reviewed_at + 0 >= bindparam("since"),
        _not_undone(),
    )
    if scoped:
        full, later = full.where(_review_in_deck()), later.where(_review_in_deck())
    newest_review = select(func.coalesce(func.max(r.id), 0))
    newest_undo = select(func.coalesce(func.max(u.id), 0))
    return full, later, newest_review, newest_undo


@functools.cache
def _counts_at_once(scoped: bool) -> Select[Any]:
    """What `_count_statements` and the day's count of `_day_statements` read, in one
    statement: cards due by `now`, the day's answers and the new cards they introduced,
    new cards up to `cap`, and whether a deck has an exam ahead (`any_exam_ahead`)."""
    due, new = _count_statements(scoped)
    day = _day_statements(scoped)[0].subquery()
    return select(
        due.scalar_subquery().label("due"),
        day.c[0].label("done"),
        day.c[1].label("introduced"),
        new.scalar_subquery().label("new"),
        any_exam_ahead().label("exam_ahead"),
    ).select_from(day)


@dataclass(frozen=True)
class _NewCount:
    data_version: int
    cap: int
    available: int
    """min(new cards, cap)"""


@dataclass(frozen=True)
class _DueCount:
    data_version: int
    at: int
    """the time (ms) the count is for"""
    due: int
    """cards due by `at`"""


@dataclass(frozen=True)
class _DayCount:
    since: int
    newest_review: int
    newest_undo: int
    done: int
    introduced: int
    data_version: int | None = None
    """what `data_version` read when the count was made: while it reads the same, nothing
    but this Study's own answers (added as they are made) has changed the log"""


def _review_in_deck() -> Any:
    """The review's card is in the deck `deck_id`. Written as EXISTS so that the database
    reads the day's reviews first and looks each card up, rather than reading the deck."""
    c = schema.cards.c
    return (
        select(c.id)
        .where(c.id == schema.reviews.c.card_id, c.deck_id == bindparam("deck_id"))
        .exists()
    )


@functools.cache
def _queue_statements(scoped: bool) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """The due, new and learn-ahead queries of `next_cards`, each card with its note's text,
    for the whole collection or (`scoped`) for the deck in the `deck_id` parameter."""
    c = schema.cards.c

    def cards(*where: Any) -> Select[Any]:
        query = _cards_with_notes().where(c.account_id == _ME, *where)
        return query.where(c.deck_id == bindparam("deck_id")) if scoped else query

    limit = bindparam("limit", type_=Integer)
    # Ties on due time are broken by deck, then card: the order of the queue index.
    due = cards(c.due.is_not(None), c.due <= bindparam("now")).order_by(c.due, c.deck_id, c.id)
    new = cards(c.state == int(CardState.NEW)).order_by(c.position, c.id)
    # Spelled as OR rather than IN: an IN list is expanded when the statement runs, and
    # these statements are compiled once, before any values are known.
    learning = or_(c.state == int(CardState.LEARNING), c.state == int(CardState.RELEARNING))
    ahead = cards(learning, c.due > bindparam("now"), c.due <= bindparam("ahead"))
    return due.limit(limit), new.limit(limit), ahead.order_by(c.due, c.id).limit(limit)


@functools.cache
def _due_then_new_statement(scoped: bool, one: bool = False) -> Select[Any]:
    """The due and the new queries of `_queue_statements` in one statement: up to `limit`
    cards due, then up to `new_limit` new cards, each part in its own order (`part`, then
    the sort keys `k1`, `k2`, `k3` of its query).

    `one`: a card of each part at most, the limits written into the statement rather than
    passed (the next card, which is what the study loop asks for). Given as parameters, the
    limits leave PostgreSQL unable to tell what a plan made once, for any values, would
    cost: it plans the statement again at every run, which costs it several times what
    running the statement does. Written in, the plan it makes once is kept."""
    c = schema.cards.c

    def part(number: int, keys: tuple[Any, Any, Any], *where: Any) -> Any:
        query = _cards_with_notes().where(c.account_id == _ME, *where)
        if scoped:
            query = query.where(c.deck_id == bindparam("deck_id"))
        limit: Any = (
            literal_column("1") if one
            else bindparam("limit" if number == 0 else "new_limit", type_=Integer)
        )
        return (
            query.add_columns(
                literal(number).label("part"), keys[0].label("k1"), keys[1].label("k2"),
                keys[2].label("k3"),
            )
            .order_by(*keys)
            .limit(limit)
            .subquery()
        )

    due = part(0, (c.due, c.deck_id, c.id), c.due.is_not(None), c.due <= bindparam("now"))
    new = part(1, (c.position, c.id, c.id), c.state == int(CardState.NEW))
    both = union_all(select(due), select(new)).subquery()
    return select(both).order_by(both.c.part, both.c.k1, both.c.k2, both.c.k3)


@functools.cache
def _ahead_statements(scoped: bool) -> tuple[Select[Any], Select[Any]]:
    """When the next card falls due after `now`, and the cards that fall due after `now` and
    by `until`, soonest first (in the deck `deck_id`): both read the due index in order."""
    c = schema.cards.c
    later = and_(c.account_id == _ME, c.due.is_not(None), c.due > bindparam("now"))
    next_due = select(c.due).where(later)
    cards = _cards_with_notes().where(later, c.due <= bindparam("until"))
    if scoped:
        in_deck = c.deck_id == bindparam("deck_id")
        next_due, cards = next_due.where(in_deck), cards.where(in_deck)
    limit = bindparam("limit", type_=Integer)
    return next_due.order_by(c.due).limit(1), cards.order_by(c.due, c.id).limit(limit)


@dataclass(frozen=True)
class StudyCounts:
    """What the study screen shows: cards due now, new cards left today, answers today."""

    due: int
    new: int
    done_today: int


@dataclass(frozen=True)
class StudyItem:
    card: Card
    note: Note


@dataclass(frozen=True)
class AnswerResult:
    card: Card
    review_id: int
    rating: Rating
    next: StudyItem | None = None
    """The card to study next, when the answer was asked to pick it (`pick_next`)."""
    counts: StudyCounts | None = None
    """With `next`: the counts once the answer is in, as `counts` gives them (None when
    an exam is ahead: they are then asked for)."""


@dataclass(frozen=True)
class UndoResult:
    card: Card
    """The card with the state it has again."""
    review_id: int
    """The answer that was taken back."""
    rating: Rating


class Study:
    """The study loop over the store (`col.study`)."""

    def __init__(self, col: Collection) -> None:
        self._col = col
        # The day's counts of answers, per deck (None: all decks), brought up to date from
        # the answers logged since. Only where writers are serialised (SQLite): on a server
        # a transaction can commit a lower id after a higher one.
        self._day_counts: dict[int | None, _DayCount] = {}
        self._count_incrementally = col.engine.dialect.name == "sqlite"
        # The new cards that can still be shown today, per (account, deck): counted once,
        # then brought down by each new card this Study answers, and counted again when
        # the limit changes or anything else (another connection) has written to the store.
        self._new_counts: dict[tuple[int, int | None], _NewCount] = {}
        # The cards due, per (account, deck), the same way: counted once, brought forward
        # in time by the range of the due index between, and kept up to date through this
        # Study's own answers.
        self._due_counts: dict[tuple[int, int | None], _DueCount] = {}
        # The intervals `preview` gave last, by what they depend on (see `preview`).
        self._previews: dict[tuple[Any, ...], tuple[Any, dict[Rating, timedelta]]] = {}

    def day_start(self, now: datetime) -> datetime:
        """When the learner's current study day began (days start at `day_start_hour`)."""
        _check_now(now)
        local = now.astimezone(self._col.tz)
        start = local.replace(
            hour=int(self._col._settings["day_start_hour"]), minute=0, second=0, microsecond=0
        )
        if start > local:
            start -= timedelta(days=1)
        return start.astimezone(UTC)

    def _knows_new_introduced(self, now: datetime, deck: Deck | None) -> bool:
        """Whether the transaction has counted the day's answers already (`_today`), so
        that `_new_introduced_today` reads nothing."""
        memo = self._col._memo()
        since = _ms(self.day_start(now))
        return memo is not None and self._day_memo_key(deck, since) in memo

    def _new_introduced_today(self, db: Driver, now: datetime, deck: Deck | None) -> int:
        return self._today(db, now, deck)[1]

    def _today(self, db: Driver, now: datetime, deck: Deck | None) -> tuple[int, int]:
        """(answers today, new cards introduced today), in `deck` or all decks. A count made
        earlier today is brought up to date from the answers logged since, so the cost does
        not grow with the day's answers; an undo or a shorter log counts again."""
        since = _ms(self.day_start(now))
        params: dict[str, Any] = {"since": since, "account_id": self._col.account_id}
        if deck is not None:
            params["deck_id"] = deck.id
        full, later, newest_review, newest_undo = _day_statements(deck is not None)
        if not self._count_incrementally:
            memo = self._col._memo()
            memo_key = self._day_memo_key(deck, since)
            if memo is not None and memo_key in memo:
                found: tuple[int, int] = memo[memo_key]
                return found
            row = db.first(full, params)
            found = int(row[0]), int(row[1])
            if memo is not None:
                memo[memo_key] = found
            return found
        key = None if deck is None else int(deck.id)
        version = db.data_version()
        known = self._day_counts.get(key)
        if (
            known is not None
            and known.data_version is not None
            and known.data_version == version
            and known.since == since
        ):
            return known.done, known.introduced
        last_review = int(db.scalar(newest_review, {}))
        last_undo = int(db.scalar(newest_undo, {}))
        if (
            known is not None
            and known.since == since
            and known.newest_undo == last_undo
            and known.newest_review <= last_review
        ):
            done, introduced = known.done, known.introduced
            if known.newest_review < last_review:
                row = db.first(later, {**params, "after": known.newest_review})
                done, introduced = done + int(row[0]), introduced + int(row[1])
        else:
            row = db.first(full, params)
            done, introduced = int(row[0]), int(row[1])
        self._day_counts[key] = _DayCount(
            since, last_review, last_undo, done, introduced, version
        )
        return done, introduced

    def _day_memo_key(self, deck: Deck | None, since: int) -> tuple[Any, ...]:
        """Where a transaction keeps the day's answers it has counted (see `_today`)."""
        return ("day's answers", self._col.account_id, None if deck is None else deck.id, since)

    def counts(self, now: datetime, deck: Deck | None = None) -> StudyCounts:
        _check_now(now)
        due, new, params = self._count_query(now, deck)
        counted: StudyCounts | None = None
        with self._col._prepared.transaction(write=False) as db:
            db.data_version()  # before any read: the counts kept are checked against it
            if not self._count_incrementally and not self._col.plans.known_ahead():
                counted, exam_ahead = self._counted_at_once(db, params, deck)
                if not exam_ahead:
                    return counted
            else:
                by_fsrs = self._counts_by_fsrs(db, now, deck)
                if by_fsrs is not None:  # no exam ahead: one transaction
                    return by_fsrs
        self._col.plans.ensure_today(now, deck)
        with self._col._prepared.transaction(write=False) as db:
            exams = self._col.plans.active(db, now)
            if deck is not None and deck.id in exams:
                planned_due, planned_new = self._col.plans.counts(db, now, [deck.id])
                done_today = self._today(db, now, deck)[0]
                return StudyCounts(due=planned_due, new=planned_new, done_today=done_today)
            if counted is not None:  # planning today changed no card and no answer
                return counted
            return self._fsrs_counts(db, due, new, params, now, deck)

    def _counts_by_fsrs(self, db: Driver, now: datetime, deck: Deck | None) -> StudyCounts | None:
        """The counts, in `db`'s transaction, when no exam is ahead; None when one is (its
        plan counts them)."""
        if self._col.plans.active(db, now):
            return None
        return self._fsrs_counts(db, *self._count_query(now, deck), now, deck)

    def _count_query(
        self, now: datetime, deck: Deck | None
    ) -> tuple[Select[Any], Select[Any], dict[str, Any]]:
        """The statements of the counts by FSRS's due dates (see `_count_statements`), and
        their parameters at `now`."""
        due, new = _count_statements(deck is not None)
        params: dict[str, Any] = {
            "now": _ms(now), "since": _ms(self.day_start(now)), "account_id": self._col.account_id
        }
        if deck is not None:
            params["deck_id"] = deck.id
        return due, new, params

    def _counted_at_once(
        self, db: Driver, params: dict[str, Any], deck: Deck | None
    ) -> tuple[StudyCounts, bool]:
        """On a server database, the counts by FSRS's due dates in one statement
        (`_counts_at_once`), and whether a deck has an exam ahead, which that statement
        reads too. The new cards are counted up to the day's limit rather than to what is
        left of it, which the answers read in the same statement tell: min(new cards, what
        is left) is the same either way."""
        new_per_day = int(self._col._settings["new_per_day"])
        row = db.first(_counts_at_once(deck is not None), {**params, "cap": new_per_day})
        if not row.exam_ahead:
            self._col.plans.none_ahead()
        done_today, introduced = int(row.done), int(row.introduced)
        memo = self._col._memo()
        if memo is not None:
            memo[self._day_memo_key(deck, params["since"])] = (done_today, introduced)
        new_left = max(0, new_per_day - introduced)
        counted = StudyCounts(
            due=int(row.due), new=min(int(row.new), new_left), done_today=done_today
        )
        return counted, bool(row.exam_ahead)

    def _fsrs_counts(
        self, db: Driver, due: Select[Any], new: Select[Any], params: dict[str, Any],
        now: datetime, deck: Deck | None,
    ) -> StudyCounts:
        new_per_day = int(self._col._settings["new_per_day"])
        if not self._count_incrementally:
            memo = self._col._memo()
            memo_key = self._day_memo_key(deck, params["since"])
            if memo is None or memo_key not in memo:
                # One statement for it all, as in `_counted_at_once` (whose exams ahead have
                # been read already).
                row = db.first(_counts_at_once(deck is not None), {**params, "cap": new_per_day})
                done_today, introduced = int(row.done), int(row.introduced)
                if memo is not None:
                    memo[memo_key] = (done_today, introduced)
                new_left = max(0, new_per_day - introduced)
                return StudyCounts(
                    due=int(row.due), new=min(int(row.new), new_left), done_today=done_today
                )
        due_count = self._due_now(db, due, params, deck)
        done_today, introduced = self._today(db, now, deck)
        new_left = max(0, new_per_day - introduced)
        new_available = self._new_available(db, new, params, deck, new_left) if new_left else 0
        return StudyCounts(
            due=due_count, new=min(new_available, new_left), done_today=done_today
        )

    def _new_available(
        self, db: Driver, statement: Select[Any], params: dict[str, Any], deck: Deck | None,
        cap: int,
    ) -> int:
        """How many new cards there are (in `deck`), up to `cap`: a count read once and then
        kept up to date (see `_new_counts`)."""
        key = (int(self._col.account_id), None if deck is None else int(deck.id))
        version = db.data_version()
        known = self._new_counts.get(key)
        if known is not None and known.data_version == version and known.cap == cap:
            return known.available
        available = int(db.scalar(statement, {**params, "cap": cap}))
        if version is not None:
            self._new_counts[key] = _NewCount(version, cap, available)
        return available

    def _due_now(
        self, db: Driver, statement: Select[Any], params: dict[str, Any], deck: Deck | None
    ) -> int:
        """How many cards are due by `params["now"]` (in `deck`): a count read once, then
        moved forward by the cards that fell due since, and kept up to date by this Study's
        own answers (see `_due_counts`). Counted again when anything else has written."""
        key = (int(self._col.account_id), None if deck is None else int(deck.id))
        version = db.data_version()
        now = int(params["now"])
        known = self._due_counts.get(key)
        if known is not None and known.data_version == version and known.at <= now:
            due = known.due
            if known.at < now:
                between = _due_between_statement(deck is not None)
                due += int(db.scalar(between, {**params, "after": known.at}))
        else:
            due = int(db.scalar(statement, params))
        if version is not None:
            self._due_counts[key] = _DueCount(version, now, due)
        return due

    def _forget_counts(self) -> None:
        self._due_counts.clear()
        self._day_counts.clear()
        self._new_counts.clear()

    def _own_answer(
        self, db: Driver, card: Card, after: SchedulingState, stamp: int, review_id: int
    ) -> None:
        """This Study is recording the answer `review_id` to `card` (its schedule before),
        which leaves it `after`, at `stamp`: the counts it keeps follow. Called inside the
        answer's transaction, so that no other thread reads them in between (and they are
        forgotten if it does not commit)."""
        account = int(self._col.account_id)
        for key, due in list(self._due_counts.items()):
            if key[0] != account or key[1] not in (None, int(card.deck_id)):
                continue
            was = card.schedule.due is not None and _ms(card.schedule.due) <= due.at
            now = after.due is not None and _ms(after.due) <= due.at
            self._due_counts[key] = replace(due, due=due.due + int(now) - int(was))
        new = card.schedule.state == CardState.NEW
        version = db.data_version()
        for deck_key, day in list(self._day_counts.items()):
            if deck_key not in (None, int(card.deck_id)) or day.data_version is None:
                continue
            if day.data_version != version:
                # Another connection wrote since the count: it is brought up to date from
                # the log (this answer included) when next asked.
                self._day_counts[deck_key] = replace(day, data_version=None)
            elif stamp >= day.since:
                self._day_counts[deck_key] = replace(
                    day, done=day.done + 1, introduced=day.introduced + int(new),
                    newest_review=review_id,
                )
            else:
                self._day_counts[deck_key] = replace(day, newest_review=review_id)
        if new:
            self._new_card_answered(card)

    def _new_card_answered(self, card: Card) -> None:
        """A new card has been answered on this connection: min(new cards, cap) of its
        scope is one less, with a cap one less (one more new card introduced today)."""
        for key, known in list(self._new_counts.items()):
            account, deck_id = key
            if account != int(self._col.account_id):
                continue
            if deck_id is not None and deck_id != int(card.deck_id):
                continue
            if known.available > 0 and known.cap > 0:
                self._new_counts[key] = replace(
                    known, cap=known.cap - 1, available=known.available - 1
                )
            else:
                del self._new_counts[key]

    def next_card(self, now: datetime, deck: Deck | None = None) -> StudyItem | None:
        """The card to study now: cards that are due first (by due time), then new cards
        while today's new-card limit lasts, then learning steps due within 20 minutes."""
        items = self.next_cards(now, deck, limit=1)
        return items[0] if items else None

    def next_cards(
        self, now: datetime, deck: Deck | None = None, *, limit: int
    ) -> list[StudyItem]:
        """Up to `limit` distinct cards to study now, in the order `next_card` gives them
        (for modes that ask about several cards at once, such as matching)."""
        _check_now(now)
        self._col.plans.ensure_today(now, deck)
        with self._col._prepared.transaction(write=False) as db:
            return self._queue(db, now, deck, limit)

    def _queue(self, db: Driver, now: datetime, deck: Deck | None, limit: int) -> list[StudyItem]:
        """A deck with an exam ahead is studied by its plan (see `retain.plans`), the other
        decks by FSRS's due dates."""
        exams = self._col.plans.active(db, now)
        if deck is not None and deck.id not in exams or not exams:
            return self._fsrs_queue(db, now, deck, limit)
        scope = exams if deck is None else [deck.id]
        rows = self._col.plans.queue(db, now, scope, limit, ahead=LEARN_AHEAD)
        items = [StudyItem(_card(r), _joined_note(r)) for r in rows]
        wanted = limit - len(items)
        while deck is None and wanted > 0:  # the decks without an exam, by their due dates
            fetched = self._fsrs_queue(db, now, None, wanted + len(items) + 16)
            others = [i for i in fetched if i.card.deck_id not in exams]
            items += others[:wanted]
            if len(fetched) < wanted + 16 or len(others) >= wanted:
                break
            wanted = limit - len(items)
        return items[:limit]

    def _fsrs_queue(
        self, db: Driver, now: datetime, deck: Deck | None, limit: int
    ) -> list[StudyItem]:
        due, new, ahead = _queue_statements(deck is not None)
        params: dict[str, Any] = {
            "now": _ms(now), "ahead": _ms(now + LEARN_AHEAD), "account_id": self._col.account_id
        }
        if deck is not None:
            params["deck_id"] = deck.id
        new_limit = int(self._col._settings["new_per_day"])
        if new_limit > 0 and self._knows_new_introduced(now, deck):
            # The new cards left today are known already: the due and the new cards are
            # read in one statement.
            new_left = new_limit - self._new_introduced_today(db, now, deck)
            if new_left > 0:
                # With `limit` 1, `new_limit` is 1 too.
                both = db.all(
                    _due_then_new_statement(deck is not None, one=limit == 1),
                    {**params, "limit": limit, "new_limit": min(new_left, limit)},
                )
                rows = [r for r in both if r.part == 0]
                rows += [r for r in both if r.part == 1][: limit - len(rows)]
                if len(rows) < limit:
                    rows += db.all(ahead, {**params, "limit": limit - len(rows)})
                return [StudyItem(_card(r), _joined_note(r)) for r in rows]
        rows = db.all(due, {**params, "limit": limit})
        if len(rows) < limit and new_limit > 0:
            new_left = new_limit - self._new_introduced_today(db, now, deck)
            if new_left > 0:
                wanted = min(new_left, limit - len(rows))
                rows += db.all(new, {**params, "limit": wanted})
        if len(rows) < limit:
            rows += db.all(ahead, {**params, "limit": limit - len(rows)})
        return [StudyItem(_card(r), _joined_note(r)) for r in rows]

    def next_due(self, now: datetime, deck: Deck | None = None) -> datetime | None:
        """When the next card that is not due at `now` falls due (in `deck`, or any deck);
        None when no card is scheduled (every card is new)."""
        _check_now(now)
        params: dict[str, Any] = {"now": _ms(now), "account_id": self._col.account_id}
        if deck is not None:
            params["deck_id"] = deck.id
        statement, _ = _ahead_statements(deck is not None)
        with self._col._prepared.transaction(write=False) as db:
            due = db.scalar(statement, params)
        return None if due is None else _utc(int(due))

    def cards_ahead(
        self, now: datetime, deck: Deck | None = None, *, until: datetime, limit: int
    ) -> list[StudyItem]:
        """Up to `limit` cards that are not due at `now` but fall due by `until`, the soonest
        first: the cards to study ahead of time once nothing is due. New cards are not among
        them (the daily limit on new cards stands)."""
        _check_now(now)
        params: dict[str, Any] = {
            "now": _ms(now), "until": _ms(until), "limit": limit,
            "account_id": self._col.account_id,
        }
        if deck is not None:
            params["deck_id"] = deck.id
        _, statement = _ahead_statements(deck is not None)
        with self._col._prepared.transaction(write=False) as db:
            exams = self._col.plans.active(db, now)
            scope = [d for d in exams if deck is None or d == deck.id]
            rows = self._col.plans.ahead(db, now, scope, limit) if scope else []
            if len(rows) < limit:
                known = {r.id for r in rows}
                more = db.all(statement, {**params, "limit": limit})
                rows += [r for r in more if r.id not in known][: limit - len(rows)]
        return [StudyItem(_card(r), _joined_note(r)) for r in rows]

    def card(self, card_id: CardId, *, to_answer: bool = False) -> StudyItem:
        """A card of the account's, with its note (one read).

        `to_answer`: the card is read to be answered next, in the same transaction (a
        request of `Collection.one_transaction` on a server database). It is then locked as
        `answer` locks it, and `answer` takes the card from this read instead of reading it
        again, as long as nothing has been written in the transaction since."""
        memo = self._col._memo() if to_answer else None
        statement = _CARD_WITH_NOTE if memo is None else _CARD_WITH_NOTE_FOR_ANSWER
        with self._col._prepared.transaction(write=memo is not None) as db:
            row = db.first(statement, {"card_id": card_id, "account_id": self._col.account_id})
        if row is None:
            raise NotFound(f"no card with id {card_id}")
        if memo is not None:
            # After the transaction's block, which empties the memo as any write does.
            memo[self._locked_key(card_id)] = _card(row)
        points = json.loads(row.note_answer_points)
        note = Note(
            NoteId(row.note_id), DeckId(row.note_deck_id), row.note_question, tuple(points),
            parse_tags(row.note_tags),
        )
        return StudyItem(_card(row), note)

    def _locked_key(self, card_id: CardId) -> tuple[Any, ...]:
        """Where a transaction keeps a card that `card` read and locked to be answered."""
        return ("card to answer", self._col.account_id, int(card_id))

    def card_for_note(self, note_id: NoteId) -> StudyItem:
        """The (first) card of a note."""
        with self._col._read() as conn:
            row = conn.execute(
                select(schema.cards)
                .where(
                    schema.cards.c.note_id == note_id,
                    schema.cards.c.account_id == self._col.account_id,
                )
                .order_by(schema.cards.c.id)
                .limit(1)
            ).first()
            if row is None:
                raise NotFound(f"no card for note {note_id}")
            note = conn.execute(select(schema.notes).where(schema.notes.c.id == note_id)).one()
        return StudyItem(_card(row), _note(note))

    def preview(
        self, card: Card, now: datetime, ratings: Iterable[Rating] = tuple(Rating)
    ) -> dict[Rating, timedelta]:
        """The next interval each rating (of `ratings`) would give, without recording
        anything: exactly the interval that `answer` saves for that rating at `now`, fuzz
        included (the fuzz is drawn from the card and its number of reviews).

        The intervals depend on `now` only through the learner's day it falls on, so those
        of the last few cards are kept: asked again on the same day, in the same state and
        settings (when the answer is shown, after a screen asked ahead while the question
        was read), they cost nothing."""
        _check_now(now)
        config = self._col._config
        wanted = tuple(ratings)
        key = (
            card.id, card.schedule, scheduling.learner_day(now, config), id(config), wanted
        )
        known = self._previews.get(key)
        if known is not None and known[0] is config:
            return dict(known[1])
        intervals = scheduling.preview(
            card.schedule,
            now,
            config,
            functools.partial(scheduling.fuzz_rng, card.id, card.schedule.reps),
            wanted,
        )
        if len(self._previews) >= _PREVIEWS_KEPT:
            self._previews.pop(next(iter(self._previews)))
        self._previews[key] = (config, intervals)
        return dict(intervals)

    def _answer_config_id(self, db: Driver, stamp: int) -> int:
        """The stored row of the scheduler settings in force (written on first need)."""
        if self._col._config_row.id is not None:
            return self._col._config_row.id
        wanted = _config_values(self._col._config, self._col.tz)
        for row in reversed(db.all(_CONFIGS, {})):
            if all(getattr(row, name) == value for name, value in wanted.items()):
                return int(row.id)
        values = {f"v_{name}": value for name, value in wanted.items()}
        return int(db.scalar(_INSERT_CONFIG, {**values, "v_created_at": stamp}))

    def answer(
        self,
        card_id: CardId,
        rating: Rating,
        now: datetime,
        *,
        duration_ms: int | None = None,
        mode: str = "flip",
        detail: dict[str, Any] | None = None,
        points: Mapping[int, bool] | None = None,
        pick_next: bool = False,
        deck: Deck | None = None,
    ) -> AnswerResult:
        """Record one answer: the review log row, the card's new state and, for a graded
        answer, which answer points it covered (`points`: point index -> covered), in one
        transaction that is committed when this returns (in the write-ahead log: a killed
        process loses nothing; see storage/engine.py).

        With `pick_next`, the same transaction also picks the card to study next (from
        `deck`, or all decks), as `next_card` would once the answer is in, and returns it in
        `AnswerResult.next`, with the counts in `AnswerResult.counts`: the study loop then
        makes one round trip per answer."""
        _check_now(now)
        rating = Rating(rating)
        memo = self._col._memo()
        locked: Card | None = None if memo is None else memo.pop(self._locked_key(card_id), None)
        try:
            with self._col._prepared.transaction(write=True) as db:
                if locked is not None:  # read and locked by `card` in this transaction
                    card = locked
                else:
                    row = db.first(
                        _CARD_FOR_ANSWER, {"card_id": card_id, "account_id": self._col.account_id}
                    )
                    if row is None:
                        raise NotFound(f"no card with id {card_id}")
                    card = _card(row)
                rng = scheduling.fuzz_rng(card.id, card.schedule.reps)
                new_state = scheduling.review(card.schedule, rating, now, rng, self._col._config)
                config_id = self._answer_config_id(db, _ms(now))
                review_id = int(
                    db.scalar(
                        _INSERT_REVIEW,
                        {
                            "v_card_id": card.id, "v_rating": int(rating),
                            "v_reviewed_at": _ms(now), "v_duration_ms": duration_ms, "v_mode": mode,
                            "v_state_before": int(card.schedule.state),
                            "v_detail": None
                            if detail is None
                            else json.dumps(detail, ensure_ascii=False),
                            "v_config_id": config_id,
                            "v_before": json.dumps(_state_values(card.schedule)),
                            "v_account_id": self._col.account_id,
                        },
                    )
                )
                state = _state_values(new_state)
                db.execute(
                    _UPDATE_CARD, {"card_id": card.id, **{f"v_{k}": v for k, v in state.items()}}
                )
                # Before the queue reads the counts.
                self._own_answer(db, card, new_state, _ms(now), review_id)
                db.execute_many(
                    _INSERT_POINT,
                    [
                        {
                            "v_review_id": review_id, "v_card_id": card.id,
                            "v_point_index": index, "v_covered": bool(covered),
                        }
                        for index, covered in sorted((points or {}).items())
                    ],
                )
                upcoming = counts = None
                if pick_next:
                    queue = self._queue(db, now, deck, 1)
                    upcoming = queue[0] if queue else None
                    counts = self._counts_by_fsrs(db, now, deck)
        except BaseException:
            self._forget_counts()  # what they were brought to was not committed
            raise
        self._col._remember_config_row(config_id)
        return AnswerResult(
            replace(card, schedule=new_state), int(review_id), rating, next=upcoming,
            counts=counts,
        )

    def undo(self, now: datetime, *, review_id: int | None = None) -> UndoResult:
        """Take back an answer: the last one that stands, or the answer `review_id`. The
        card gets back the state it had before it, and the answer stops counting (in
        today's counts, the new-card limit and the statistics per point).

        The log stays append-only: the undo is a row of its own, and the answer it takes
        back stays in the log, so that `check` replays the log to the same states. An answer
        can be undone only while no later answer to its card stands (undo that one first)."""
        _check_now(now)
        r, u = schema.reviews.c, schema.undos.c
        with self._col._write() as conn:
            if review_id is None:
                # An answer brought in with an import's history is not one to take back.
                row = conn.execute(
                    select(schema.reviews)
                    .where(
                        r.account_id == self._col.account_id, _not_undone(),
                        r.mode != IMPORTED_MODE,
                    )
                    .order_by(r.id.desc())
                    .limit(1)
                ).first()
                if row is None:
                    raise CollectionError("there is no answer to undo")
            else:
                row = conn.execute(
                    select(schema.reviews).where(
                        r.id == review_id, r.account_id == self._col.account_id
                    )
                ).first()
                if row is None:
                    raise NotFound(f"no answer with id {review_id}")
                if conn.execute(select(u.id).where(u.review_id == review_id)).first():
                    raise CollectionError(f"answer {review_id} is undone already")
            later = conn.execute(
                select(r.id).where(r.card_id == row.card_id, r.id > row.id, _not_undone()).limit(1)
            ).first()
            if later is not None:
                raise CollectionError(
                    f"card {row.card_id} was answered again after that: undo answer "
                    f"{later.id} first"
                )
            card_row = conn.execute(
                select(schema.cards).where(schema.cards.c.id == row.card_id).with_for_update()
            ).one()
            if row.before is not None:
                previous = _state_from_json(row.before)
            else:  # an answer recorded before states were kept with it
                logged = _logged_reviews(conn, self._col.tz, card_id=row.card_id)
                events = logged.get(row.card_id, [])
                previous = scheduling.replay(
                    [e for e, rid in events if rid != row.id],
                    self._col._config,
                    functools.partial(scheduling.fuzz_rng, row.card_id),
                )
            conn.execute(
                insert(schema.undos).values(
                    review_id=row.id, card_id=row.card_id, undone_at=_ms(now)
                )
            )
            conn.execute(
                update(schema.cards)
                .where(schema.cards.c.id == row.card_id)
                .values(**_state_values(previous))
            )
        card = replace(_card(card_row), schedule=previous)
        return UndoResult(card, int(row.id), Rating(row.rating))
