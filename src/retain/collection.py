"""The Collection: the one object every interface talks to.

It opens a store, imports drafts, picks the next card, records answers and checks the
store. It knows nothing of terminals or HTTP. Every operation that writes is one
transaction: an answer is either recorded whole (review log row and card state together) or
not at all. The one exception is a big import, which is written in short batches so that a
student studying at the same time never waits long; it is still all or nothing, because its
rows stay hidden until every one is written (see `Collection.import_deck`).
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    Integer,
    Select,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import OperationalError

from retain.core import scheduling
from retain.core.model import (
    Card,
    CardId,
    CardState,
    Deck,
    DeckDraft,
    DeckId,
    Note,
    NoteDraft,
    NoteId,
    Rating,
    ReviewDraft,
    ReviewLog,
    SchedulerDraft,
    SchedulingState,
    parse_tags,
    question_key,
    tags_text,
)
from retain.deck_index import DeckIndex, StoredDeck
from retain.errors import CollectionError as CollectionError
from retain.plans import Plans
from retain.settings import DEFAULT_NEW_PER_DAY as DEFAULT_NEW_PER_DAY
from retain.settings import DEFAULT_SETTINGS
from retain.stats import Statistics
from retain.storage import schema
from retain.storage.engine import WRITE, check_revision, is_read_only, migrate, store_location
from retain.storage.errors import storage_errors
from retain.storage.opening import open_store
from retain.storage.prepared import Driver, PreparedStatements

# The state of a card whose import is not complete: no study query selects it.
PENDING_STATE = -1
# Notes written per transaction by an import: each holds the write lock for a few
# hundredths of a second, so that an answer recorded meanwhile waits no longer.
IMPORT_BATCH = 2000
# How an import shares the write lock on SQLite (see `Collection._import_batch`).
IMPORT_BUSY_SECONDS = 0.3
IMPORT_PAUSE_SECONDS = 0.12
# An import whose process has renewed nothing for this long is taken for abandoned.
STALE_IMPORT_MS = 10 * 60 * 1000
# Keys looked up per query (SQLite allows a limited number of parameters).
_KEYS_PER_QUERY = 500
LEARN_AHEAD = timedelta(minutes=20)
# The mode of the answers an import brings with a card's history (from Anki).
IMPORTED_MODE = "anki"


# The statements on the study path (answer, next card, counts) are built once and run as
# prepared statements (see storage/prepared.py).
_STATE_COLUMNS = (
    "state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses"
)
# FOR UPDATE: on a server two answers to one card wait for each other instead of both
# starting from the old state (SQLite's BEGIN IMMEDIATE already serialises writers).
_CARD_FOR_ANSWER = (
    select(schema.cards).where(schema.cards.c.id == bindparam("card_id")).with_for_update()
)
_INSERT_REVIEW = (
    insert(schema.reviews)
    .values(
        {
            name: bindparam(f"v_{name}")
            for name in (
                "card_id", "rating", "reviewed_at", "duration_ms", "mode", "state_before",
                "detail", "config_id", "before",
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
_SCHEDULING_SETTINGS = frozenset({"desired_retention", "day_start_hour", "fsrs_parameters"})
"""The settings that change how answers are scheduled: each answer records those in force."""
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
    due = select(func.count()).where(c.due.is_not(None), c.due <= bindparam("now"))
    new = select(c.id).where(c.state == int(CardState.NEW))
    if scoped:
        in_deck = c.deck_id == bindparam("deck_id")
        due, new = due.where(in_deck), new.where(in_deck)
    capped = new.limit(bindparam("cap", type_=Integer)).subquery()
    return due, select(func.count()).select_from(capped)


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
    full = select(*columns).where(r.reviewed_at >= bindparam("since"), _not_undone())
    # `+ 0` keeps the day's index out of it: the newest answers are a range of ids.
    later = select(*columns).where(
        r.id > bindparam("after"), r.reviewed_at + 0 >= bindparam("since"), _not_undone()
    )
    if scoped:
        full, later = full.where(_review_in_deck()), later.where(_review_in_deck())
    newest_review = select(func.coalesce(func.max(r.id), 0))
    newest_undo = select(func.coalesce(func.max(u.id), 0))
    return full, later, newest_review, newest_undo


@dataclass(frozen=True)
class _DayCount:
    since: int
    newest_review: int
    newest_undo: int
    done: int
    introduced: int


def _not_undone() -> Any:
    """The review has not been undone (no row of `undos` takes it back)."""
    u = schema.undos.c
    return ~select(u.id).where(u.review_id == schema.reviews.c.id).exists()


def _review_in_deck() -> Any:
    """The review's card is in the deck `deck_id`. Written as EXISTS so that the database
    reads the day's reviews first and looks each card up, rather than reading the deck."""
    c = schema.cards.c
    return (
        select(c.id)
        .where(c.id == schema.reviews.c.card_id, c.deck_id == bindparam("deck_id"))
        .exists()
    )


def _cards_with_notes() -> Select[Any]:
    """Cards, each with its note's text (read back by `_card` and `_joined_note`)."""
    c, n = schema.cards.c, schema.notes.c
    return select(
        schema.cards,
        n.question.label("note_question"),
        n.answer_points.label("note_answer_points"),
        n.deck_id.label("note_deck_id"),
    ).join(schema.notes, n.id == c.note_id)


@functools.cache
def _queue_statements(scoped: bool) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """The due, new and learn-ahead queries of `next_cards`, each card with its note's text,
    for the whole collection or (`scoped`) for the deck in the `deck_id` parameter."""
    c = schema.cards.c

    def cards(*where: Any) -> Select[Any]:
        query = _cards_with_notes().where(*where)
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
def _ahead_statements(scoped: bool) -> tuple[Select[Any], Select[Any]]:
    """When the next card falls due after `now`, and the cards that fall due after `now` and
    by `until`, soonest first (in the deck `deck_id`): both read the due index in order."""
    c = schema.cards.c
    later = and_(c.due.is_not(None), c.due > bindparam("now"))
    next_due = select(c.due).where(later)
    cards = _cards_with_notes().where(later, c.due <= bindparam("until"))
    if scoped:
        in_deck = c.deck_id == bindparam("deck_id")
        next_due, cards = next_due.where(in_deck), cards.where(in_deck)
    limit = bindparam("limit", type_=Integer)
    return next_due.order_by(c.due).limit(1), cards.order_by(c.due, c.id).limit(limit)


@dataclass(frozen=True)
class ImportReport:
    deck: Deck
    added: int
    updated: int
    unchanged: int
    control_characters_removed: int = 0
    """Control characters the reader took out of the text (see `DeckDraft`)."""
    reviews: int = 0
    """Answers brought in with the new cards' review history."""
    media: int = 0
    """Media files stored for the deck."""
    media_skipped: int = 0
    """Media files not stored: the store has no media folder (a server store)."""


ImportProgress = Callable[[str, int, int], None]
"""Called as an import goes: (stage, done, total), the stage "writing" (notes read from the
draft), then "finishing" (notes made visible), then "indexing" (the deck's question index
built again). Once "finishing" is reported, every card is written and the import completes,
even if the process is stopped (the next retain to open the store finishes it)."""


@dataclass(frozen=True)
class _ImportPlan:
    """An import under way: its id, its deck (`fresh` when the import creates it), the time
    it records, and the first free note position in the deck and card position overall."""

    import_id: int
    deck: Deck
    fresh: bool
    stamp: int
    note_position: int
    card_position: int

    @property
    def position_shift(self) -> int:
        """What turns a new note's position in the deck into its card's position."""
        return self.card_position - self.note_position


@dataclass
class _ImportTally:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    reviews: int = 0
    # The state each card with a logged history replays to, by card.
    states: dict[int, SchedulingState] = field(default_factory=dict)


@dataclass(frozen=True)
class DeckEdit:
    """What applying an edited deck will do, worked out before anything is written (see
    `plan_deck_edit`): notes kept (changed or not, each with its card history), notes
    added, and notes removed with their cards and review history."""

    deck: Deck
    title: str | None
    kept: tuple[tuple[NoteId, NoteDraft], ...]
    added: tuple[NoteDraft, ...]
    removed: tuple[Note, ...]
    updated: int
    unchanged: int
    reordered: bool

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.added or self.removed or self.updated or self.reordered
            or self.title != self.deck.title
        )


@dataclass(frozen=True)
class DeckCounts:
    deck: Deck
    new: int
    learning: int
    due: int
    total: int


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


@dataclass(frozen=True)
class UndoResult:
    card: Card
    """The card with the state it has again."""
    review_id: int
    """The answer that was taken back."""
    rating: Rating


@dataclass(frozen=True)
class PointStats:
    """For one answer point of a card: how many graded answers asked for it, how many missed it."""

    index: int
    asked: int
    missed: int


@dataclass(frozen=True)
class CheckReport:
    cards: int
    reviews: int
    problems: tuple[str, ...]
    repaired: int
    undone: int = 0
    """How many of the `reviews` were undone later (replay leaves them out)."""

    @property
    def ok(self) -> bool:
        return not self.problems


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


def _local_timezone() -> tzinfo:
    return timezone(timedelta(seconds=time.localtime().tm_gmtoff))


class Collection:
    """A student's (or a class's) decks, cards and review log in one store."""

    def __init__(
        self, engine: Engine, *, tz: tzinfo | None = None, media_dir: Path | None = None
    ) -> None:
        self.engine = engine
        self.location = store_location(engine)
        # Imported images and sounds: `media/` beside a SQLite store, unless given.
        if media_dir is None and isinstance(self.location, Path):
            media_dir = self.location.parent / "media"
        self.media_dir = media_dir
        if is_read_only(engine):
            check_revision(engine)
        else:
            migrate(engine)
        self._prepared = PreparedStatements(engine)
        self.index = DeckIndex(engine, self._prepared)
        self._settings = self._load_settings()
        self.tz = tz if tz is not None else _local_timezone()
        self._config = self._scheduler_config()
        # The stored row of the scheduler settings in force, once an answer has needed it.
        self._config_id: int | None = None
        # The day's counts of answers, per deck (None: all decks), brought up to date from
        # the answers logged since. Only where writers are serialised (SQLite): on a server
        # a transaction can commit a lower id after a higher one.
        self._day_counts: dict[int | None, _DayCount] = {}
        self._count_incrementally = engine.dialect.name == "sqlite"
        self.plans = Plans(self)
        self.stats = Statistics(self)
        self._recover_imports()

    @classmethod
    def open(
        cls,
        target: str | Path,
        *,
        tz: tzinfo | None = None,
        read_only: bool = False,
        media_dir: Path | None = None,
    ) -> Collection:
        """Open (and create or upgrade) the store at a SQLite path or a database URL, once
        a cheap check has found it sound. `read_only`: the caller only reads, so a SQLite
        store is opened read-only (and works in a folder that cannot be written).
        `media_dir`: where imported media are kept (default: ``media`` beside a SQLite
        store; a server store keeps none unless it is given)."""
        engine = open_store(target, read_only=read_only)
        try:
            return cls(engine, tz=tz, media_dir=media_dir)
        except BaseException:
            engine.dispose()
            raise

    def close(self) -> None:
        self._prepared.close()
        self.engine.dispose()

    def __enter__(self) -> Collection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with (
            storage_errors(self.location),
            self.engine.connect().execution_options(**{WRITE: True}) as conn,
            conn.begin(),
        ):
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with storage_errors(self.location), self.engine.connect() as conn, conn.begin():
            yield conn

    # -- settings -----------------------------------------------------------------------

    def _load_settings(self) -> dict[str, Any]:
        with self._read() as conn:
            rows = conn.execute(select(schema.settings)).all()
        values = dict(DEFAULT_SETTINGS)
        values.update({row.key: json.loads(row.value) for row in rows})
        return values

    def _scheduler_config(self) -> scheduling.SchedulerConfig:
        parameters = tuple(float(p) for p in self._settings.get("fsrs_parameters") or ())
        return scheduling.SchedulerConfig(
            parameters=parameters or scheduling.DEFAULT_CONFIG.parameters,
            desired_retention=float(self._settings["desired_retention"]),
            day_start_hour=int(self._settings["day_start_hour"]),
            tz=self.tz,
        )

    @property
    def scheduler_config(self) -> scheduling.SchedulerConfig:
        """The scheduler settings answers are scheduled with now."""
        return self._config

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self._settings)

    def set_setting(self, key: str, value: Any) -> None:
        if key not in DEFAULT_SETTINGS:
            known = ", ".join(sorted(DEFAULT_SETTINGS))
            raise CollectionError(f"unknown setting {key!r} (known: {known})")
        kind = type(DEFAULT_SETTINGS[key])
        try:
            value = _parameters(value) if key == "fsrs_parameters" else kind(value)
        except (TypeError, ValueError) as error:
            if key == "fsrs_parameters":
                raise CollectionError(f"fsrs_parameters: {error}") from error
            wanted = "a whole number" if kind is int else "a number"
            raise CollectionError(f"{key} must be {wanted}, not {value!r}") from error
        if key == "new_per_day" and value < 0:
            raise CollectionError("new_per_day must be 0 or more")
        if key == "desired_retention" and not 0.7 <= value <= 0.99:
            raise CollectionError("desired_retention must be between 0.7 and 0.99")
        if key == "day_start_hour" and not 0 <= value <= 23:
            raise CollectionError("day_start_hour must be between 0 and 23")
        with self._write() as conn:
            conn.execute(schema.settings.delete().where(schema.settings.c.key == key))
            conn.execute(insert(schema.settings).values(key=key, value=json.dumps(value)))
        self._settings[key] = value
        self._config = self._scheduler_config()
        if key in _SCHEDULING_SETTINGS:
            self._config_id = None

    def use_scheduler(self, found: SchedulerDraft) -> list[str]:
        """Take the scheduler settings that came with a deck (Anki's desired retention and
        FSRS parameters) as this collection's; returns what was set, or why not, a line
        each. Answers already logged keep the settings they were made under."""
        done: list[str] = []
        changes: list[tuple[str, Any]] = []
        if found.desired_retention is not None:
            changes.append(("desired_retention", round(found.desired_retention, 4)))
        if found.parameters is not None:
            changes.append(("fsrs_parameters", list(found.parameters)))
        for key, value in changes:
            try:
                self.set_setting(key, value)
            except CollectionError as error:
                done.append(f"not used: {error}")
            else:
                shown = f"{value:g}" if key == "desired_retention" else "the deck's 21 values"
                done.append(f"{key} = {shown}")
        return done

    def set_parameters(self, parameters: Sequence[float] | None) -> None:
        """Schedule with these FSRS parameters from now on (None: the defaults): the
        ``fsrs_parameters`` setting. Each answer records the parameters it was made under,
        so the log still replays exactly."""
        self.set_setting("fsrs_parameters", [] if parameters is None else list(parameters))

    def review_history(self) -> list[tuple[int, Rating, datetime, int | None]]:
        """Every answer that stands (undone ones left out), oldest first: card, rating,
        time and duration in milliseconds."""
        r = schema.reviews.c
        with self._read() as conn:
            rows = conn.execute(
                select(r.card_id, r.rating, r.reviewed_at, r.duration_ms)
                .where(_not_undone())
                .order_by(r.reviewed_at, r.id)
            ).all()
        return [(int(x[0]), Rating(x[1]), _utc(int(x[2])), x[3]) for x in rows]

    # -- decks and import ---------------------------------------------------------------

    def decks(self) -> list[Deck]:
        """The decks, without one whose import is not complete."""
        with self._read() as conn:
            rows = conn.execute(
                select(schema.decks)
                .where(schema.decks.c.import_id.is_(None))
                .order_by(schema.decks.c.id)
            ).all()
        return [Deck(DeckId(r.id), r.name, r.title) for r in rows]

    def find_deck(self, name: str) -> Deck:
        """A deck by id, exact name, or an unambiguous part of its name (any case)."""
        decks = self.decks()
        wanted = name.strip().casefold()
        for deck in decks:
            if str(deck.id) == wanted or deck.name.casefold() == wanted:
                return deck
        matches = [d for d in decks if wanted in d.name.casefold()]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            known = "; ".join(d.name for d in decks) or "none yet"
            raise CollectionError(f"no deck called {name!r} (decks: {known})")
        names = "; ".join(d.name for d in matches)
        raise CollectionError(f"{name!r} matches several decks: {names}")

    def import_deck(
        self,
        draft: DeckDraft,
        *,
        now: datetime,
        deck_name: str | None = None,
        progress: ImportProgress | None = None,
        batch_size: int = IMPORT_BATCH,
    ) -> ImportReport:
        """Store a draft as a deck. Importing the same cards again adds no duplicates: a
        question already in the deck is updated if its answer changed and left alone if not,
        and its scheduling state and review history are kept.

        The notes are written `batch_size` at a time, each batch in a transaction of its
        own, so that the write lock is never held for long. The import is all or nothing all
        the same: until the last batch is written its rows are pending (hidden from every
        query, changes to stored notes held apart), and any error or interruption before
        then, KeyboardInterrupt included, removes them. If the process dies instead, the next
        `Collection` to open the store removes them. Once every batch is written the import
        is complete: its rows are made visible, again in batches, and a process stopped
        during that is finished by the next one to open the store."""
        _check_now(now)
        name = (deck_name or draft.title or "").strip()
        if not name:
            raise CollectionError("the deck needs a name: the cards have no title")
        if not draft.notes:
            raise CollectionError("there are no cards to import")
        if batch_size < 1:
            raise ValueError("batch_size must be 1 or more")
        self._recover_imports()
        stamp = _ms(now)
        media = self._store_media_files(draft)
        plan = self._begin_import(name, draft, stamp)
        try:
            tally = self._write_import(
                plan, draft.notes, progress=progress, batch_size=batch_size
            )
            with self._write() as conn:
                self._renew_import(conn, plan.import_id, state="settling")
        except BaseException:
            self._discard_import_quietly(plan.import_id)
            raise
        self._settle_import(
            plan.import_id, progress=progress, total=tally.added + tally.updated,
            batch_size=batch_size, states=tally.states,
        )
        if media:
            with self._write() as conn:
                _record_media(conn, plan.deck.id, media)
        return ImportReport(
            plan.deck, tally.added, tally.updated, tally.unchanged,
            control_characters_removed=draft.control_characters_removed,
            reviews=tally.reviews, media=len(media),
            media_skipped=len(draft.media) if self.media_dir is None else 0,
        )

    def _store_media_files(self, draft: DeckDraft) -> list[tuple[str, str, int]]:
        """Write the draft's media files into the media folder, one at a time, before any
        row of the import is written (so that a damaged file stops the import with nothing
        stored); returns (name, stored file, size) of each."""
        if not draft.media or self.media_dir is None:
            return []
        from retain.formats.errors import DeckImportError
        from retain.media import MediaFolder

        folder = MediaFolder(self.media_dir)
        stored: list[tuple[str, str, int]] = []
        for item in draft.media:
            try:
                data = item.load()
                stored.append((item.name, folder.store(item.name, data), len(data)))
            except DeckImportError as error:
                raise CollectionError(str(error)) from None
            except OSError as error:
                raise CollectionError(
                    f"cannot write the media file {item.name!r} into {self.media_dir}: "
                    f"{error.strerror or error}"
                ) from None
        return stored

    def media_files(self, deck: Deck) -> list[tuple[str, Path]]:
        """The media files of a deck: (the name its cards use, where the file is)."""
        if self.media_dir is None:
            return []
        m = schema.media.c
        with self._read() as conn:
            rows = conn.execute(
                select(m.name, m.file).where(m.deck_id == deck.id).order_by(m.name)
            ).all()
        return [(row.name, self.media_dir / row.file) for row in rows]

    # Seconds of import batches since the last pause (see `_import_batch`).
    _import_busy = 0.0

    @contextmanager
    def _import_batch(self) -> Iterator[Connection]:
        """The transaction of one batch of an import; after each `IMPORT_BUSY_SECONDS` of
        them, a pause of `IMPORT_PAUSE_SECONDS`. SQLite's busy handler looks for a free
        lock every 100 ms at most, so a lock that is released and at once taken again by
        the next batch would never be free when a student's answer looks: the pause gives
        it its turn, and an answer waits at most about one busy period."""
        began = time.perf_counter()
        with self._write() as conn:
            yield conn
        self._import_busy += time.perf_counter() - began
        if self._import_busy >= IMPORT_BUSY_SECONDS and self.engine.dialect.name == "sqlite":
            time.sleep(IMPORT_PAUSE_SECONDS)
            self._import_busy = 0.0

    def _begin_import(self, name: str, draft: DeckDraft, stamp: int) -> _ImportPlan:
        """Record the import, and find its deck or create it (hidden until the import is
        complete). While another process imports into the same deck, wait for it to end
        (or to be found abandoned), as a write waits for the lock."""
        while True:
            plan = self._try_begin_import(name, draft, stamp)
            if plan is not None:
                return plan
            self._recover_imports()
            time.sleep(IMPORT_PAUSE_SECONDS)

    def _try_begin_import(
        self, name: str, draft: DeckDraft, stamp: int
    ) -> _ImportPlan | None:
        """`_begin_import`, or None while another process imports into the deck."""
        d, n, c = schema.decks.c, schema.notes.c, schema.cards.c
        with self._write() as conn:
            busy = conn.execute(
                select(schema.imports).where(schema.imports.c.deck_name == name)
            ).first()
            if busy is not None:
                if busy.owner_pid == os.getpid() and busy.owner_host == socket.gethostname():
                    raise CollectionError(
                        f"an import into “{name}” is already under way; "
                        "try again when it has finished"
                    )
                return None
            import_id: int = conn.execute(
                insert(schema.imports)
                .values(
                    deck_name=name, state="writing", owner_host=socket.gethostname(),
                    owner_pid=os.getpid(), started_at=stamp, heartbeat_at=_clock_ms(),
                )
                .returning(schema.imports.c.id)
            ).scalar_one()
            row = conn.execute(select(schema.decks).where(d.name == name)).first()
            fresh = row is None
            if row is None:
                deck_id: int = conn.execute(
                    insert(schema.decks)
                    .values(
                        name=name, title=draft.title, source_format=draft.format,
                        created_at=stamp, import_id=import_id,
                    )
                    .returning(d.id)
                ).scalar_one()
                deck = Deck(DeckId(deck_id), name, draft.title)
            else:
                deck = Deck(DeckId(row.id), row.name, row.title)
            note_position = int(
                conn.execute(
                    select(func.coalesce(func.max(n.position), -1)).where(n.deck_id == deck.id)
                ).scalar_one()
            ) + 1
            card_position = int(
                conn.execute(select(func.coalesce(func.max(c.position), -1))).scalar_one()
            ) + 1
        return _ImportPlan(import_id, deck, fresh, stamp, note_position, card_position)

    def _write_import(
        self,
        plan: _ImportPlan,
        notes: Sequence[NoteDraft],
        *,
        progress: ImportProgress | None,
        batch_size: int,
    ) -> _ImportTally:
        """Write the draft's notes as pending rows, one transaction per batch."""
        n, u = schema.notes.c, schema.import_note_updates.c
        tally = _ImportTally()
        # Notes already stored that this import found unchanged: a question that comes
        # twice in the draft is counted once (a repeat of a new question finds the pending
        # row, and a repeat of a changed one finds the pending change).
        unchanged_ids: set[int] = set()
        position = plan.note_position
        total = len(notes)
        for start in range(0, total, batch_size):
            batch: dict[str, NoteDraft] = {}
            for note in notes[start : start + batch_size]:
                batch.setdefault(question_key(note.question), note)
            with self._import_batch() as conn:
                self._renew_import(conn, plan.import_id)
                existing: dict[str, Row[Any]] = {}
                changing: set[int] = set()
                if not plan.fresh:
                    # In a deck of its own, the import finds no stored notes, and a repeated
                    # question is skipped as it is inserted.
                    keys = list(batch)
                    for i in range(0, len(keys), _KEYS_PER_QUERY):
                        for row in conn.execute(
                            select(
                                n.id, n.key, n.question, n.answer_points, n.tags, n.import_id
                            ).where(
                                n.deck_id == plan.deck.id, n.key.in_(keys[i : i + _KEYS_PER_QUERY])
                            )
                        ):
                            existing[row.key] = row
                    stored = [row.id for row in existing.values() if row.import_id is None]
                    for i in range(0, len(stored), _KEYS_PER_QUERY):
                        changing.update(
                            conn.execute(
                                select(u.note_id).where(
                                    u.import_id == plan.import_id,
                                    u.note_id.in_(stored[i : i + _KEYS_PER_QUERY]),
                                )
                            ).scalars()
                        )
                new_notes: list[dict[str, Any]] = []
                changes: list[dict[str, Any]] = []
                histories: dict[str, tuple[ReviewDraft, ...]] = {}
                for key, note in batch.items():
                    points = _json(list(note.answer_points))
                    tags = tags_text(note.tags)
                    old = existing.get(key)
                    if old is None:
                        new_notes.append(
                            {
                                "deck_id": plan.deck.id, "key": key, "question": note.question,
                                "answer_points": points, "position": position,
                                "created_at": plan.stamp, "updated_at": plan.stamp,
                                "tags": tags, "import_id": plan.import_id,
                            }
                        )
                        position += 1
                        if note.history:
                            histories[key] = note.history
                    elif old.import_id is not None or old.id in changing:
                        continue  # a repeat of a question earlier in the draft
                    elif (
                        old.answer_points == points
                        and old.question == note.question
                        and (old.tags == tags or not note.tags)
                    ):
                        if old.id not in unchanged_ids:
                            unchanged_ids.add(old.id)
                            tally.unchanged += 1
                    else:
                        changes.append(
                            {
                                "import_id": plan.import_id, "note_id": old.id,
                                "question": note.question, "answer_points": points,
                                "tags": tags if note.tags else old.tags,
                            }
                        )
                if new_notes:
                    tally.added += len(self._insert_notes(conn, plan, new_notes))
                if histories:
                    tally.reviews += self._log_history(conn, plan, histories, tally.states)
                if changes:
                    conn.execute(insert(schema.import_note_updates), changes)
                    tally.updated += len(changes)
            if progress is not None:
                progress("writing", min(start + batch_size, total), total)
        return tally

    def _insert_notes(
        self, conn: Connection, plan: _ImportPlan, rows: Sequence[Mapping[str, Any]]
    ) -> list[NoteId]:
        """Insert one batch of an import's new notes (`rows`: values of `notes` rows, all
        pending) and a new card for each, and return the ids of the notes inserted, in
        order. A question already in the deck (a repeat within the draft) is skipped. Every
        note an import adds goes through here, in the transaction of its batch; the rows
        stay pending until `_settle_import` makes them visible, or `_discard_import` removes
        them."""
        n, c = schema.notes.c, schema.cards.c
        before = int(conn.execute(select(func.coalesce(func.max(n.id), 0))).scalar_one())
        # Straight to the driver: SQLAlchemy's handling of each row's parameters would cost
        # more than the insert itself.
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(
            f"INSERT INTO notes ({', '.join(_NOTE_COLUMNS)}) "
            f"VALUES ({', '.join([mark] * len(_NOTE_COLUMNS))}) "
            "ON CONFLICT (deck_id, key) DO NOTHING",
            [tuple(row[name] for name in _NOTE_COLUMNS) for row in rows],
        )
        ours = and_(n.id > before, n.import_id == plan.import_id)
        conn.execute(
            insert(schema.cards).from_select(
                [c.note_id, c.deck_id, c.template, c.position, c.state, c.reps, c.lapses],
                select(
                    n.id, n.deck_id, literal("basic"), n.position + plan.position_shift,
                    literal(PENDING_STATE), literal(0), literal(0),
                ).where(ours),
            )
        )
        ids: Sequence[int] = conn.execute(select(n.id).where(ours).order_by(n.id)).scalars().all()
        return [NoteId(note_id) for note_id in ids]

    def _log_history(
        self,
        conn: Connection,
        plan: _ImportPlan,
        histories: Mapping[str, Sequence[ReviewDraft]],
        states: dict[int, SchedulingState],
    ) -> int:
        """Log the answers that new notes' cards were given elsewhere (`histories`, by
        question key), in the batch that inserts them; returns how many. Each is logged as
        an answer made under the settings in force now, with the state before it, and the
        card's state is the replay of its log (set when the import is made visible)."""
        n, c = schema.notes.c, schema.cards.c
        config_id = self._config_id_in(conn, plan.stamp)
        keys = list(histories)
        rows: list[dict[str, Any]] = []
        for i in range(0, len(keys), _KEYS_PER_QUERY):
            found: Sequence[Any] = conn.execute(
                select(c.id, n.key)
                .join(schema.notes, n.id == c.note_id)
                .where(
                    n.deck_id == plan.deck.id,
                    n.import_id == plan.import_id,
                    n.key.in_(keys[i : i + _KEYS_PER_QUERY]),
                )
            ).all()
            for card_id, key in ((int(r[0]), str(r[1])) for r in found):
                state = SchedulingState()
                for review in histories[key]:
                    rows.append(
                        {
                            "card_id": card_id, "rating": int(review.rating),
                            "reviewed_at": _ms(review.reviewed_at),
                            "duration_ms": review.duration_ms, "mode": IMPORTED_MODE,
                            "state_before": int(state.state),
                            "detail": None
                            if review.detail is None
                            else _json(dict(review.detail)),
                            "config_id": config_id, "before": _json(_state_values(state)),
                        }
                    )
                    state = scheduling.review(
                        state, review.rating, review.reviewed_at,
                        scheduling.fuzz_rng(card_id, state.reps), self._config,
                    )
                states[card_id] = state
        if rows:
            conn.execute(insert(schema.reviews), rows)
        return len(rows)

    def _config_id_in(self, conn: Connection, stamp: int) -> int:
        """The stored row of the scheduler settings in force, in `conn`'s transaction."""
        wanted = _config_values(self._config, self.tz)
        for row in reversed(conn.execute(_CONFIGS).all()):
            if all(getattr(row, name) == value for name, value in wanted.items()):
                return int(row.id)
        values = {f"v_{name}": value for name, value in wanted.items()}
        return int(conn.execute(_INSERT_CONFIG, {**values, "v_created_at": stamp}).scalar_one())

    def _replay_pending(
        self,
        conn: Connection,
        note_ids: Any,
        known: Mapping[int, SchedulingState] | None = None,
    ) -> None:
        """Give the cards of these notes that have a logged history (brought in by an
        import) the state that replaying it gives, as `check` replays it. `known`: the
        states the import worked out as it logged the history (the same replay), by card;
        without it (an import finished by another process) the log is read and replayed."""
        c, r = schema.cards.c, schema.reviews.c
        states: list[dict[str, Any]] = []
        card_ids: list[int] = []
        if known is not None:
            if known:
                found: Sequence[int] = (
                    conn.execute(select(c.id).where(c.note_id.in_(note_ids))).scalars().all()
                )
                for card_id in found:
                    state = known.get(int(card_id))
                    if state is not None:
                        values = _state_values(state)
                        states.append(
                            {"b_id": card_id, **{f"b_{k}": v for k, v in values.items()}}
                        )
        else:
            card_ids = list(
                conn.execute(
                    select(c.id).where(
                        c.note_id.in_(note_ids),
                        select(r.id).where(r.card_id == c.id).exists(),
                    )
                ).scalars()
            )
        for i in range(0, len(card_ids), _KEYS_PER_QUERY):
            chunk = card_ids[i : i + _KEYS_PER_QUERY]
            for card_id, events in self._logged_reviews(conn, card_ids=chunk).items():
                state = scheduling.replay(
                    [e for e, _ in events], self._config,
                    functools.partial(scheduling.fuzz_rng, card_id),
                )
                values = _state_values(state)
                states.append({"b_id": card_id, **{f"b_{k}": v for k, v in values.items()}})
        if states:
            conn.execute(
                update(schema.cards)
                .where(c.id == bindparam("b_id"))
                .values({name: bindparam(f"b_{name}") for name in _STATE_COLUMNS}),
                states,
            )

    def _renew_import(self, conn: Connection, import_id: int, *, state: str | None = None) -> None:
        """Show that the import is alive (and move it to `state`), or raise CollectionError
        when another process has taken it for abandoned and removed it."""
        imports = schema.imports.c
        values: dict[str, Any] = {"heartbeat_at": _clock_ms()}
        if state is not None:
            values["state"] = state
        renewed = conn.execute(
            update(schema.imports)
            .where(imports.id == import_id, imports.state == "writing")
            .values(**values)
        ).rowcount
        if renewed != 1:
            raise CollectionError(
                "the import was stopped: it made no progress for a long time, so another "
                "retain removed what it had written; nothing of it was stored, import again"
            )

    def _settle_import(
        self,
        import_id: int,
        *,
        progress: ImportProgress | None = None,
        total: int = 0,
        batch_size: int = IMPORT_BATCH,
        states: Mapping[int, SchedulingState] | None = None,
    ) -> None:
        """Make a complete import visible: its deck, then its notes and cards in batches
        (a card with a review history gets the replay of its log: `states`, when the caller
        has it), then its changes to stored notes (`total` of them, for `progress`). Safe
        to repeat, or to run from another process."""
        n, u, c = schema.notes.c, schema.import_note_updates.c, schema.cards.c
        with self._write() as conn:
            record = conn.execute(
                select(schema.imports.c.started_at, schema.imports.c.deck_name).where(
                    schema.imports.c.id == import_id
                )
            ).first()
            if record is None:
                return
            started = record.started_at
            deck_id = conn.execute(
                select(schema.decks.c.id).where(schema.decks.c.name == record.deck_name)
            ).scalar()
            conn.execute(
                update(schema.decks)
                .where(schema.decks.c.import_id == import_id)
                .values(import_id=None)
            )
        batch = select(n.id).where(n.import_id == import_id).order_by(n.id).limit(batch_size)
        done = 0
        while True:
            with self._import_batch() as conn:
                conn.execute(
                    update(schema.cards)
                    .where(c.note_id.in_(batch), c.state == PENDING_STATE)
                    .values(state=int(CardState.NEW))
                )
                self._replay_pending(conn, batch, states)
                settled = conn.execute(
                    update(schema.notes).where(n.id.in_(batch)).values(import_id=None)
                ).rowcount
            if not settled:
                break
            done += settled
            if progress is not None:
                progress("finishing", min(done, total), total)
        apply = (
            update(schema.notes)
            .where(n.id == bindparam("b_note_id"))
            .values(
                question=bindparam("b_question"),
                answer_points=bindparam("b_answer_points"),
                tags=bindparam("b_tags"),
                updated_at=started,
            )
        )
        while True:
            with self._import_batch() as conn:
                changes = conn.execute(
                    select(u.note_id, u.question, u.answer_points, u.tags)
                    .where(u.import_id == import_id)
                    .order_by(u.note_id)
                    .limit(batch_size)
                ).all()
                if changes:
                    conn.execute(
                        apply,
                        [
                            {
                                "b_note_id": row.note_id, "b_question": row.question,
                                "b_answer_points": row.answer_points, "b_tags": row.tags,
                            }
                            for row in changes
                        ],
                    )
                    conn.execute(
                        delete(schema.import_note_updates).where(
                            u.import_id == import_id, u.note_id <= changes[-1].note_id
                        )
                    )
            if not changes:
                break
            done += len(changes)
            if progress is not None:
                progress("finishing", min(done, total), total)
        if deck_id is not None:
            self._reindex(int(deck_id), progress=progress, batch_size=batch_size)
        with self._write() as conn:
            conn.execute(delete(schema.imports).where(schema.imports.c.id == import_id))

    def _reindex(
        self, deck_id: int, *, progress: ImportProgress | None, batch_size: int
    ) -> None:
        """Build a deck's question index again from its notes as they now are, a batch of
        notes at a time, so that the write lock is never held for long ("indexing" for
        `progress`). Until the last batch, questions draw on the notes indexed so far; a
        stopped import is finished by the next retain to open the store, index included."""
        n = schema.notes.c
        with self._import_batch() as conn:
            self.index.rebuild(conn, deck_id, notes=())
            total = int(
                conn.execute(
                    select(func.count()).select_from(schema.notes).where(n.deck_id == deck_id)
                ).scalar_one()
            )
        last, done = -1, 0
        while True:
            with self._import_batch() as conn:
                rows = conn.execute(
                    select(schema.notes)
                    .where(n.deck_id == deck_id, n.id > last)
                    .order_by(n.id)
                    .limit(batch_size)
                ).all()
                if rows:
                    self.index.notes_changed(conn, deck_id, [_note(r) for r in rows])
            if not rows:
                break
            last, done = int(rows[-1].id), done + len(rows)
            if progress is not None:
                progress("indexing", min(done, total), total)

    def _discard_import(self, import_id: int, *, batch_size: int = IMPORT_BATCH) -> None:
        """Remove what an incomplete import wrote, in batches. Safe to repeat, or to run
        from another process."""
        n, u, c = schema.notes.c, schema.import_note_updates.c, schema.cards.c
        batch = select(n.id).where(n.import_id == import_id).order_by(n.id).limit(batch_size)
        while True:
            with self._import_batch() as conn:
                conn.execute(delete(schema.cards).where(c.note_id.in_(batch)))
                removed = conn.execute(delete(schema.notes).where(n.id.in_(batch))).rowcount
            if not removed:
                break
        with self._write() as conn:
            conn.execute(delete(schema.import_note_updates).where(u.import_id == import_id))
            conn.execute(delete(schema.decks).where(schema.decks.c.import_id == import_id))
            conn.execute(delete(schema.imports).where(schema.imports.c.id == import_id))

    def _discard_import_quietly(self, import_id: int) -> None:
        """`_discard_import` after an error or an interruption: if it cannot finish (a
        second Ctrl+C, a store that fails), the rows stay hidden and the next retain to open
        the store removes them; the first error is the one the caller sees."""
        try:
            self._discard_import(import_id)
        except (Exception, KeyboardInterrupt):
            pass

    def _recover_imports(self) -> None:
        """Finish or undo the imports whose process died: one that had written every card
        is made visible, any other is removed. An import still under way is left alone,
        and so is every import when the store is opened to be read only: its rows are
        hidden, and the next command that writes finishes the work."""
        if is_read_only(self.engine):
            return
        try:
            with self._read() as conn:
                rows = conn.execute(select(schema.imports)).all()
            for row in rows:
                if not _import_abandoned(row):
                    continue
                if row.state == "settling":
                    self._settle_import(int(row.id))
                else:
                    self._discard_import(int(row.id))
        except (CollectionError, OperationalError):
            # A store that cannot be written now (read-only, busy, full): the rows stay
            # hidden, and a later start finishes the work.
            return

    # -- editing, deleting and renaming -------------------------------------------------

    def edit_note(
        self, note_id: NoteId, question: str, answer_points: Sequence[str], *, now: datetime
    ) -> Note:
        """Change a note's question and answer points. Its cards keep their scheduling
        state and review history, as when a re-import changes a card."""
        _check_now(now)
        question, points = _checked_note(question, answer_points)
        with self._write() as conn:
            row = conn.execute(select(schema.notes).where(schema.notes.c.id == note_id)).first()
            if row is None:
                raise CollectionError(f"no note with id {note_id}")
            key = question_key(question)
            n = schema.notes.c
            clash = conn.execute(
                select(n.id).where(n.deck_id == row.deck_id, n.key == key, n.id != note_id)
            ).first()
            if clash is not None:
                raise CollectionError(f"the deck already has the question {question!r}")
            self._update_note(conn, note_id, key, question, points, _ms(now))
        return Note(NoteId(note_id), DeckId(row.deck_id), question, tuple(points))

    def _update_note(
        self,
        conn: Connection,
        note_id: int,
        key: str,
        question: str,
        answer_points: Sequence[str],
        stamp: int,
    ) -> None:
        """Write a note's new text (as `import_deck` writes an updated note). Every change
        to a stored note's text goes through here."""
        before = conn.execute(select(schema.notes).where(schema.notes.c.id == note_id)).one()
        conn.execute(
            update(schema.notes)
            .where(schema.notes.c.id == note_id)
            .values(
                key=key, question=question,
                answer_points=json.dumps(list(answer_points), ensure_ascii=False),
                updated_at=stamp,
            )
        )
        after = Note(NoteId(note_id), DeckId(before.deck_id), question, tuple(answer_points))
        self.index.notes_changed(conn, before.deck_id, [after], [_note(before)])

    def _delete_notes(self, conn: Connection, note_ids: Sequence[int]) -> None:
        """Delete notes with their cards, the cards' review log, undo entries and points.
        Every deletion of stored notes goes through here, so nothing is left pointing at
        them."""
        self._day_counts.clear()
        c = schema.cards.c
        n = schema.notes.c
        gone: dict[int, list[Note]] = {}
        for start in range(0, len(note_ids), 500):
            for row in conn.execute(
                select(schema.notes).where(n.id.in_(list(note_ids[start : start + 500])))
            ):
                gone.setdefault(row.deck_id, []).append(_note(row))
        for deck_id, notes in gone.items():
            self.index.notes_changed(conn, deck_id, removed=notes)
        for start in range(0, len(note_ids), 500):
            chunk = list(note_ids[start : start + 500])
            cards = select(c.id).where(c.note_id.in_(chunk)).scalar_subquery()
            conn.execute(delete(schema.review_points).where(
                schema.review_points.c.card_id.in_(cards)
            ))
            conn.execute(delete(schema.undos).where(schema.undos.c.card_id.in_(cards)))
            conn.execute(delete(schema.reviews).where(schema.reviews.c.card_id.in_(cards)))
            conn.execute(delete(schema.cards).where(c.note_id.in_(chunk)))
            conn.execute(delete(schema.notes).where(schema.notes.c.id.in_(chunk)))

    def plan_deck_edit(self, deck: Deck, draft: DeckDraft) -> DeckEdit:
        """Compare an edited copy of a deck with the stored deck, as a re-import would: a
        question found in the deck keeps its note (and so its cards' history) and takes the
        new answer points. A question that is reworded in place, between the same
        neighbours, is the same note too when it reads much the same or keeps its answer
        points. Questions that are gone are to be removed, new
        ones added. Nothing is written."""
        if not draft.notes:
            raise CollectionError("there are no cards in the edited deck")
        stored = self.notes(deck)
        drafts: list[NoteDraft] = []
        seen: set[str] = set()
        for note in draft.notes:
            key = question_key(note.question)
            if key not in seen:
                seen.add(key)
                drafts.append(note)
        old_keys = [question_key(n.question) for n in stored]
        new_keys = [question_key(n.question) for n in drafts]
        by_key = dict(zip(old_keys, stored, strict=True))
        match: dict[int, Note] = {j: by_key[k] for j, k in enumerate(new_keys) if k in by_key}
        matched = {note.id for note in match.values()}
        lines = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
        for tag, i1, i2, j1, j2 in lines.get_opcodes():
            if tag != "replace":
                continue
            old_left = [n for n in stored[i1:i2] if n.id not in matched]
            new_left = [j for j in range(j1, j2) if j not in match]
            for reworded, j in zip(old_left, new_left, strict=False):
                if _reworded(reworded, drafts[j]):
                    match[j] = reworded
                    matched.add(reworded.id)
        kept: list[tuple[NoteId, NoteDraft]] = []
        added: list[NoteDraft] = []
        updated = unchanged = 0
        for j, note_draft in enumerate(drafts):
            old = match.get(j)
            if old is None:
                added.append(note_draft)
                continue
            kept.append((old.id, note_draft))
            same = (old.question, old.answer_points) == (
                note_draft.question, tuple(note_draft.answer_points)
            )
            unchanged += same
            updated += not same
        removed = tuple(n for n in stored if n.id not in matched)
        order = [note_id for note_id, _ in kept]
        reordered = order != [n.id for n in stored if n.id in matched]
        title = draft.title if draft.title is not None else deck.title
        return DeckEdit(
            deck, title, tuple(kept), tuple(added), removed, updated, unchanged, reordered
        )

    def apply_deck_edit(self, edit: DeckEdit, *, now: datetime) -> ImportReport:
        """Write a planned deck edit in one transaction: notes kept are updated (their
        cards keep state and history), new ones added with new cards, and the removed ones
        deleted with their cards and review history. The notes take the edited order."""
        _check_now(now)
        stamp = _ms(now)
        n = schema.notes.c
        with self._write() as conn:
            if conn.execute(select(schema.decks.c.id).where(
                schema.decks.c.id == edit.deck.id
            )).first() is None:
                raise CollectionError(f"the deck {edit.deck.name!r} no longer exists")
            current = {
                r.id: r for r in conn.execute(select(schema.notes).where(n.deck_id == edit.deck.id))
            }
            gone = [note_id for note_id, _ in edit.kept if note_id not in current]
            if gone or any(note.id not in current for note in edit.removed):
                raise CollectionError("the deck changed while it was being edited; edit it again")
            self._delete_notes(conn, [note.id for note in edit.removed])
            for position, (note_id, draft) in enumerate(edit.kept):
                row = current[note_id]
                points = json.dumps(list(draft.answer_points), ensure_ascii=False)
                if row.question != draft.question or row.answer_points != points:
                    self._update_note(
                        conn, note_id, question_key(draft.question), draft.question,
                        draft.answer_points, stamp,
                    )
                if row.position != position:
                    conn.execute(
                        update(schema.notes).where(n.id == note_id).values(position=position)
                    )
            if edit.added:
                self._add_notes(conn, edit.deck.id, edit.added, len(edit.kept), stamp)
            if edit.title != edit.deck.title:
                conn.execute(
                    update(schema.decks)
                    .where(schema.decks.c.id == edit.deck.id)
                    .values(title=edit.title)
                )
        deck = replace(edit.deck, title=edit.title)
        return ImportReport(deck, len(edit.added), edit.updated, edit.unchanged)

    def _add_notes(
        self,
        conn: Connection,
        deck_id: int,
        drafts: Sequence[NoteDraft],
        position: int,
        stamp: int,
    ) -> None:
        """Store new notes of a deck, each with a new card (as `import_deck` stores them)."""
        card_position = conn.execute(
            select(func.coalesce(func.max(schema.cards.c.position), -1))
        ).scalar_one() + 1
        ids: Sequence[int] = conn.execute(
            insert(schema.notes).returning(schema.notes.c.id, sort_by_parameter_order=True),
            [
                {
                    "deck_id": deck_id, "key": question_key(note.question),
                    "question": note.question,
                    "answer_points": json.dumps(list(note.answer_points), ensure_ascii=False),
                    "position": position + i, "created_at": stamp, "updated_at": stamp,
                }
                for i, note in enumerate(drafts)
            ],
        ).scalars().all()
        conn.execute(
            insert(schema.cards),
            [
                {
                    "note_id": note_id, "deck_id": deck_id, "template": "basic",
                    "position": card_position + i, "state": int(CardState.NEW),
                    "step": None, "stability": None, "difficulty": None, "due": None,
                    "last_review": None, "reps": 0, "lapses": 0,
                }
                for i, note_id in enumerate(ids)
            ],
        )
        self.index.notes_changed(
            conn, deck_id,
            [
                Note(NoteId(note_id), DeckId(deck_id), note.question, tuple(note.answer_points))
                for note_id, note in zip(ids, drafts, strict=True)
            ],
        )

    def delete_deck(self, deck: Deck) -> int:
        """Delete a deck with its notes, cards and their review history; returns how many
        cards went with it."""
        c = schema.cards.c
        with self._write() as conn:
            cards = conn.execute(
                select(func.count()).select_from(schema.cards).where(c.deck_id == deck.id)
            ).scalar_one()
            note_ids: list[int] = list(
                conn.execute(
                    select(schema.notes.c.id).where(schema.notes.c.deck_id == deck.id)
                ).scalars()
            )
            self.index.drop(conn, deck.id)
            self._delete_notes(conn, note_ids)
            conn.execute(delete(schema.decks).where(schema.decks.c.id == deck.id))
        return int(cards)

    def rename_deck(self, deck: Deck, new_name: str) -> Deck:
        """Give a deck a new name (its cards and history stay as they are)."""
        name = new_name.strip()
        if not name:
            raise CollectionError("the new name is empty")
        d = schema.decks.c
        with self._write() as conn:
            clash = conn.execute(select(d.id).where(d.name == name, d.id != deck.id)).first()
            if clash is not None:
                raise CollectionError(f"there is already a deck called {name!r}")
            changed = conn.execute(update(schema.decks).where(d.id == deck.id).values(name=name))
            if changed.rowcount == 0:
                raise CollectionError(f"no deck called {deck.name!r}")
        return replace(deck, name=name)

    def deck_counts(self, now: datetime) -> list[DeckCounts]:
        """New, learning, due and total cards per deck. The totals are kept as cards change
        (`schema.deck_card_counts`); the due cards are one range of the due-card index."""
        _check_now(now)
        c = schema.cards.c
        with self._read() as conn:
            kept = {r.deck_id: r for r in conn.execute(select(schema.deck_card_counts))}
            due: dict[int, int] = {
                int(r[0]): int(r[1])
                for r in conn.execute(
                    select(c.deck_id, func.count())
                    .where(c.due.is_not(None), c.due <= _ms(now))
                    .group_by(c.deck_id)
                )
            }
            # The cards of an import that is not complete are counted as they are written,
            # but not shown.
            pending: dict[int, int] = {
                int(r[0]): int(r[1])
                for r in conn.execute(
                    select(c.deck_id, func.count())
                    .where(c.state == PENDING_STATE)
                    .group_by(c.deck_id)
                )
            }
        result = []
        for deck in self.decks():
            r = kept.get(deck.id)
            result.append(
                DeckCounts(
                    deck,
                    new=int(r.new) if r else 0,
                    learning=int(r.learning) if r else 0,
                    due=int(due.get(deck.id, 0)),
                    total=int(r.total) - pending.get(deck.id, 0) if r else 0,
                )
            )
        return result

    # -- studying -----------------------------------------------------------------------

    def day_start(self, now: datetime) -> datetime:
        """When the learner's current study day began (days start at `day_start_hour`)."""
        _check_now(now)
        local = now.astimezone(self.tz)
        start = local.replace(
            hour=int(self._settings["day_start_hour"]), minute=0, second=0, microsecond=0
        )
        if start > local:
            start -= timedelta(days=1)
        return start.astimezone(UTC)

    def _new_introduced_today(self, db: Driver, now: datetime, deck: Deck | None) -> int:
        return self._today(db, now, deck)[1]

    def _today(self, db: Driver, now: datetime, deck: Deck | None) -> tuple[int, int]:
        """(answers today, new cards introduced today), in `deck` or all decks. A count made
        earlier today is brought up to date from the answers logged since, so the cost does
        not grow with the day's answers; an undo or a shorter log counts again."""
        since = _ms(self.day_start(now))
        params: dict[str, Any] = {"since": since}
        if deck is not None:
            params["deck_id"] = deck.id
        full, later, newest_review, newest_undo = _day_statements(deck is not None)
        if not self._count_incrementally:
            row = db.first(full, params)
            return int(row[0]), int(row[1])
        key = None if deck is None else int(deck.id)
        last_review = int(db.scalar(newest_review, {}))
        last_undo = int(db.scalar(newest_undo, {}))
        known = self._day_counts.get(key)
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
        self._day_counts[key] = _DayCount(since, last_review, last_undo, done, introduced)
        return done, introduced

    def counts(self, now: datetime, deck: Deck | None = None) -> StudyCounts:
        _check_now(now)
        due, new = _count_statements(deck is not None)
        params: dict[str, Any] = {"now": _ms(now), "since": _ms(self.day_start(now))}
        if deck is not None:
            params["deck_id"] = deck.id
        self.plans.ensure_today(now, deck)
        with self._prepared.transaction(write=False) as db:
            exams = self.plans.active(db, now)
            if deck is not None and deck.id in exams:
                planned_due, planned_new = self.plans.counts(db, now, [deck.id])
                done_today = self._today(db, now, deck)[0]
                return StudyCounts(due=planned_due, new=planned_new, done_today=done_today)
            due_count = int(db.scalar(due, params))
            done_today, introduced = self._today(db, now, deck)
            new_left = max(0, int(self._settings["new_per_day"]) - introduced)
            new_available = int(db.scalar(new, {**params, "cap": new_left})) if new_left else 0
        return StudyCounts(
            due=due_count, new=min(new_available, new_left), done_today=done_today
        )

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
        self.plans.ensure_today(now, deck)
        with self._prepared.transaction(write=False) as db:
            return self._queue(db, now, deck, limit)

    def _queue(self, db: Driver, now: datetime, deck: Deck | None, limit: int) -> list[StudyItem]:
        """A deck with an exam ahead is studied by its plan (see `retain.plans`), the other
        decks by FSRS's due dates."""
        exams = self.plans.active(db, now)
        if deck is not None and deck.id not in exams or not exams:
            return self._fsrs_queue(db, now, deck, limit)
        scope = exams if deck is None else [deck.id]
        rows = self.plans.queue(db, now, scope, limit, ahead=LEARN_AHEAD)
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
        params: dict[str, Any] = {"now": _ms(now), "ahead": _ms(now + LEARN_AHEAD)}
        if deck is not None:
            params["deck_id"] = deck.id
        rows = db.all(due, {**params, "limit": limit})
        new_limit = int(self._settings["new_per_day"])
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
        params: dict[str, Any] = {"now": _ms(now)}
        if deck is not None:
            params["deck_id"] = deck.id
        statement, _ = _ahead_statements(deck is not None)
        with self._prepared.transaction(write=False) as db:
            due = db.scalar(statement, params)
        return None if due is None else _utc(int(due))

    def cards_ahead(
        self, now: datetime, deck: Deck | None = None, *, until: datetime, limit: int
    ) -> list[StudyItem]:
        """Up to `limit` cards that are not due at `now` but fall due by `until`, the soonest
        first: the cards to study ahead of time once nothing is due. New cards are not among
        them (the daily limit on new cards stands)."""
        _check_now(now)
        params: dict[str, Any] = {"now": _ms(now), "until": _ms(until), "limit": limit}
        if deck is not None:
            params["deck_id"] = deck.id
        _, statement = _ahead_statements(deck is not None)
        with self._prepared.transaction(write=False) as db:
            exams = self.plans.active(db, now)
            scope = [d for d in exams if deck is None or d == deck.id]
            rows = self.plans.ahead(db, now, scope, limit) if scope else []
            if len(rows) < limit:
                known = {r.id for r in rows}
                more = db.all(statement, {**params, "limit": limit})
                rows += [r for r in more if r.id not in known][: limit - len(rows)]
        return [StudyItem(_card(r), _joined_note(r)) for r in rows]

    def card(self, card_id: CardId) -> StudyItem:
        with self._read() as conn:
            row = conn.execute(select(schema.cards).where(schema.cards.c.id == card_id)).first()
            if row is None:
                raise CollectionError(f"no card with id {card_id}")
            note = conn.execute(
                select(schema.notes).where(schema.notes.c.id == row.note_id)
            ).one()
        return StudyItem(_card(row), _note(note))

    def card_for_note(self, note_id: NoteId) -> StudyItem:
        """The (first) card of a note."""
        with self._read() as conn:
            row = conn.execute(
                select(schema.cards)
                .where(schema.cards.c.note_id == note_id)
                .order_by(schema.cards.c.id)
                .limit(1)
            ).first()
            if row is None:
                raise CollectionError(f"no card for note {note_id}")
            note = conn.execute(select(schema.notes).where(schema.notes.c.id == note_id)).one()
        return StudyItem(_card(row), _note(note))

    def deck_view(self, deck_id: DeckId) -> StoredDeck:
        """What question generation needs from the rest of a deck, read from the deck index
        a little at a time (see `retain.deck_index`): the same cost at any deck size."""
        return self.index.view(deck_id)

    def notes(self, deck: Deck) -> list[Note]:
        """The deck's notes in order, without those of an import that is not complete."""
        with self._read() as conn:
            rows = conn.execute(
                select(schema.notes)
                .where(schema.notes.c.deck_id == deck.id, schema.notes.c.import_id.is_(None))
                .order_by(schema.notes.c.position)
            ).all()
        return [_note(r) for r in rows]

    def preview(self, card: Card, now: datetime) -> dict[Rating, timedelta]:
        """The next interval each rating would give, without recording anything: exactly
        the interval that `answer` saves for that rating at `now`, fuzz included (the fuzz
        is drawn from the card and its number of reviews)."""
        return scheduling.preview(
            card.schedule,
            now,
            self._config,
            functools.partial(scheduling.fuzz_rng, card.id, card.schedule.reps),
        )

    def _answer_config_id(self, db: Driver, stamp: int) -> int:
        """The stored row of the scheduler settings in force (written on first need)."""
        if self._config_id is not None:
            return self._config_id
        wanted = _config_values(self._config, self.tz)
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
        transaction that is on disk when this returns.

        With `pick_next`, the same transaction also picks the card to study next (from
        `deck`, or all decks), as `next_card` would once the answer is in, and returns it in
        `AnswerResult.next`: the study loop then makes one round trip per answer."""
        _check_now(now)
        rating = Rating(rating)
        with self._prepared.transaction(write=True) as db:
            row = db.first(_CARD_FOR_ANSWER, {"card_id": card_id})
            if row is None:
                raise CollectionError(f"no card with id {card_id}")
            card = _card(row)
            rng = scheduling.fuzz_rng(card.id, card.schedule.reps)
            new_state = scheduling.review(card.schedule, rating, now, rng, self._config)
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
                    },
                )
            )
            state = _state_values(new_state)
            db.execute(
                _UPDATE_CARD, {"card_id": card.id, **{f"v_{k}": v for k, v in state.items()}}
            )
            for index, covered in sorted((points or {}).items()):
                db.execute(
                    _INSERT_POINT,
                    {
                        "v_review_id": review_id, "v_card_id": card.id,
                        "v_point_index": index, "v_covered": bool(covered),
                    },
                )
            upcoming = None
            if pick_next:
                queue = self._queue(db, now, deck, 1)
                upcoming = queue[0] if queue else None
        self._config_id = config_id
        return AnswerResult(
            replace(card, schedule=new_state), int(review_id), rating, next=upcoming
        )

    def point_stats(self, card_id: CardId) -> list[PointStats]:
        """How often each answer point of a card was asked in a graded answer, and missed."""
        p = schema.review_points.c
        with self._read() as conn:
            rows = conn.execute(
                select(
                    p.point_index,
                    func.count().label("asked"),
                    func.sum(cast(p.covered, Integer)).label("covered"),
                )
                .where(
                    p.card_id == card_id,
                    ~select(schema.undos.c.id)
                    .where(schema.undos.c.review_id == p.review_id)
                    .exists(),
                )
                .group_by(p.point_index)
                .order_by(p.point_index)
            ).all()
        return [
            PointStats(int(r.point_index), int(r.asked), int(r.asked) - int(r.covered or 0))
            for r in rows
        ]

    def reviews(self, card_id: CardId) -> list[ReviewLog]:
        """A card's review log, oldest first, with what each answer recorded (answers that
        were undone are left out)."""
        r = schema.reviews.c
        with self._read() as conn:
            rows = conn.execute(
                select(schema.reviews).where(r.card_id == card_id, _not_undone()).order_by(r.id)
            ).all()
        return [
            ReviewLog(
                card_id=CardId(row.card_id), rating=Rating(row.rating),
                reviewed_at=_utc(row.reviewed_at), duration_ms=row.duration_ms, mode=row.mode,
                detail=None if row.detail is None else json.loads(row.detail),
            )
            for row in rows
        ]

    def review_count(self) -> int:
        """How many answers the log holds that stand (undone answers are not counted)."""
        with self._read() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(schema.reviews).where(_not_undone())
                ).scalar_one()
            )

    # -- undo ---------------------------------------------------------------------------

    def undo(self, now: datetime, *, review_id: int | None = None) -> UndoResult:
        """Take back an answer: the last one that stands, or the answer `review_id`. The
        card gets back the state it had before it, and the answer stops counting (in
        today's counts, the new-card limit and the statistics per point).

        The log stays append-only: the undo is a row of its own, and the answer it takes
        back stays in the log, so that `check` replays the log to the same states. An answer
        can be undone only while no later answer to its card stands (undo that one first)."""
        _check_now(now)
        r, u = schema.reviews.c, schema.undos.c
        with self._write() as conn:
            if review_id is None:
                # An answer brought in with an import's history is not one to take back.
                row = conn.execute(
                    select(schema.reviews)
                    .where(_not_undone(), r.mode != IMPORTED_MODE)
                    .order_by(r.id.desc())
                    .limit(1)
                ).first()
                if row is None:
                    raise CollectionError("there is no answer to undo")
            else:
                row = conn.execute(select(schema.reviews).where(r.id == review_id)).first()
                if row is None:
                    raise CollectionError(f"no answer with id {review_id}")
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
                events = self._logged_reviews(conn, card_id=row.card_id).get(row.card_id, [])
                previous = scheduling.replay(
                    [e for e, rid in events if rid != row.id],
                    self._config,
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

    def _logged_reviews(
        self,
        conn: Connection,
        *,
        card_id: int | None = None,
        card_ids: Sequence[int] | None = None,
    ) -> dict[int, list[tuple[scheduling.LoggedReview, int]]]:
        """Each card's log (of one card, of `card_ids`, or of all), oldest first, as replay
        reads it, with the id of each review: with the settings it was made under, and
        undone or not."""
        configs = {
            row.id: _config_from_row(row, self.tz)
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

    # -- checking -----------------------------------------------------------------------

    def check(
        self,
        *,
        repair: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> CheckReport:
        """Verify the store: database integrity, and every card's state against a replay of
        its review log through the scheduler, each answer with the settings it was made
        under and undone answers left out. With `repair`, the cached states that differ
        are rewritten from the log (the log itself is never changed). `progress(done, total)`
        is called as the cards are checked."""
        problems: list[str] = []
        fixes: dict[int, SchedulingState] = {}
        with self._read() as conn:
            if self.engine.dialect.name == "sqlite":
                result = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
                if result != "ok":
                    problems.append(f"database integrity: {result}")
                bad_keys = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if bad_keys:
                    problems.append(f"{len(bad_keys)} rows point at rows that do not exist")
            cards = conn.execute(
                select(schema.cards)
                .where(schema.cards.c.state != PENDING_STATE)
                .order_by(schema.cards.c.id)
            ).all()
            logged = self._logged_reviews(conn)
        history = {card_id: [e for e, _ in events] for card_id, events in logged.items()}
        reviews = sum(len(events) for events in history.values())
        undone = sum(e.undone for events in history.values() for e in events)
        for done, row in enumerate(cards, 1):
            if progress is not None and (done % 1000 == 0 or done == len(cards)):
                progress(done, len(cards))
            card = _card(row)
            events = history.get(card.id, [])
            expected = scheduling.replay(
                events, self._config, functools.partial(scheduling.fuzz_rng, card.id)
            )
            if not _same_state(expected, card.schedule):
                problems.append(
                    f"card {card.id}: stored state differs from its review log "
                    f"({len(events)} reviews)"
                )
                fixes[card.id] = expected
        repaired = 0
        if repair and fixes:
            with self._write() as conn:
                for card_id, state in fixes.items():
                    conn.execute(
                        update(schema.cards)
                        .where(schema.cards.c.id == card_id)
                        .values(**_state_values(state))
                    )
                    repaired += 1
        return CheckReport(len(cards), reviews, tuple(problems), repaired, undone)


_NOTE_COLUMNS = (
    "deck_id", "key", "question", "answer_points", "position", "created_at", "updated_at",
    "tags", "import_id",
)
# One encoder for every note's points: json.dumps with options builds a new one per call.
_json = json.JSONEncoder(ensure_ascii=False).encode


def _clock_ms() -> int:
    """The wall clock, for telling a live import from an abandoned one across processes."""
    return int(time.time() * 1000)


def _import_abandoned(row: Row[Any]) -> bool:
    """Whether the process that writes an import is gone: it has renewed nothing for
    `STALE_IMPORT_MS`, or it ran on this machine and no longer exists."""
    if _clock_ms() - int(row.heartbeat_at) > STALE_IMPORT_MS:
        return True
    if row.owner_host != socket.gethostname() or row.owner_pid == os.getpid():
        return False
    return not _process_exists(int(row.owner_pid))


def _process_exists(pid: int) -> bool:
    if os.name != "posix":
        return True  # no safe check elsewhere; an abandoned import goes stale instead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, as another user's process
    return True


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


def _parameters(value: Any) -> list[float]:
    """FSRS-6 parameters from a list or text ("default" or nothing: FSRS-6's defaults),
    checked against FSRS's bounds."""
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("", "default", "[]"):
            return []
        value = text.strip("[]").replace(",", " ").split()
    numbers = [float(v) for v in value]
    if numbers:
        scheduling.SchedulerConfig(parameters=tuple(numbers))  # raises ValueError when wrong
    return numbers


def _record_media(conn: Connection, deck_id: int, media: Sequence[tuple[str, str, int]]) -> None:
    """Name the deck's media files (a name already there now means the new file)."""
    m = schema.media.c
    names = [name for name, _, _ in media]
    for i in range(0, len(names), _KEYS_PER_QUERY):
        conn.execute(
            delete(schema.media).where(
                m.deck_id == deck_id, m.name.in_(names[i : i + _KEYS_PER_QUERY])
            )
        )
    conn.execute(
        insert(schema.media),
        [{"deck_id": deck_id, "name": n, "file": f, "size": size} for n, f, size in media],
    )


def _reworded(old: Note, new: NoteDraft) -> bool:
    """Whether `new`, in the place of `old` in an edited deck, is `old` reworded."""
    if tuple(new.answer_points) == old.answer_points:
        return True
    same = difflib.SequenceMatcher(None, old.question.casefold(), new.question.casefold())
    return same.ratio() >= 0.6


def _checked_note(question: str, answer_points: Sequence[str]) -> tuple[str, list[str]]:
    """A note's question and points as stored: stripped, and neither may be empty."""
    text = question.strip()
    if not text:
        raise CollectionError("the question is empty")
    points = [p.strip() for p in answer_points if p.strip()]
    if not points:
        raise CollectionError("the card needs at least one answer point")
    return text, points


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


def _same_state(a: SchedulingState, b: SchedulingState) -> bool:
    def close(x: float | None, y: float | None) -> bool:
        if x is None or y is None:
            return x is y
        return abs(x - y) <= 1e-6 * max(1.0, abs(x))

    def ms(x: datetime | None) -> int | None:
        return None if x is None else _ms(x)

    return (
        a.state == b.state
        and a.step == b.step
        and a.reps == b.reps
        and a.lapses == b.lapses
        and close(a.stability, b.stability)
        and close(a.difficulty, b.difficulty)
        and ms(a.due) == ms(b.due)
        and ms(a.last_review) == ms(b.last_review)
    )
