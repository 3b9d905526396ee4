"""Importing a draft as a deck: in short batches, all or nothing (see `Importer.import_deck`)."""

from __future__ import annotations

import functools
import itertools
import json
import os
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import OperationalError

from retain.collection._rows import (
    _CONFIGS,
    _INSERT_CONFIG,
    _KEYS_PER_QUERY,
    _STATE_COLUMNS,
    IMPORTED_MODE,
    PENDING_STATE,
    _check_now,
    _config_values,
    _logged_reviews,
    _ms,
    _note,
    _state_values,
)
from retain.collection.classes import give_cards
from retain.core import scheduling
from retain.core.model import (
    CardState,
    Deck,
    DeckDraft,
    DeckId,
    DeckStream,
    NoteDraft,
    NoteId,
    ReviewDraft,
    SchedulingState,
    question_key,
    tags_text,
)
from retain.errors import CollectionError
from retain.gcpause import cycle_collector_paused
from retain.storage import schema
from retain.storage.engine import is_read_only, store_location, writer_waiting
from retain.storage.schema import LOCAL_ACCOUNT_ID

if TYPE_CHECKING:
    from retain.collection import Collection

# Notes written per transaction by an import, at first: each holds the write lock for a few
# hundredths of a second, so that an answer recorded meanwhile waits no longer. While no
# one waits and a batch takes less than `IMPORT_BATCH_SECONDS`, the next one is twice as
# large, up to `IMPORT_BATCH_GROWTH` times this (fewer, larger transactions write the
# deck's indexes fewer times); when someone waits, batches go back to this size.
IMPORT_BATCH = 2000
IMPORT_BATCH_SECONDS = 0.1
IMPORT_BATCH_GROWTH = 8


# How an import shares the write lock on SQLite (see `Importer._import_batch`): when
# someone waits for it, a pause of `IMPORT_PAUSE_SECONDS` after each `IMPORT_BUSY_SECONDS`
# of batches at most.
IMPORT_BUSY_SECONDS = 0.3
IMPORT_PAUSE_SECONDS = 0.12


# An import whose process has renewed nothing for this long is taken for abandoned.
STALE_IMPORT_MS = 10 * 60 * 1000


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


_NOTE_COLUMNS = (
    "deck_id", "key", "question", "answer_points", "position", "created_at", "updated_at",
    "tags", "import_id", "owner_id",
)


# One encoder for every note's points: json.dumps with options builds a new one per call.
_json = json.JSONEncoder(ensure_ascii=False).encode


def _json_strings(items: Sequence[str]) -> str:
    """`_json` of a list of strings, the same text, without the encoder's generic walk."""
    return "[" + ", ".join(map(encode_basestring, items)) + "]"


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


class _BatchSize:
    """How many notes the next transaction of an import handles (see `IMPORT_BATCH`)."""

    def __init__(self, smallest: int) -> None:
        self.smallest = self.now = smallest

    def adapt(self, seconds: float, waited: bool) -> None:
        """Size the next batch after one that held the write lock for `seconds`: back to
        the smallest when someone `waited` for the lock, twice as large (up to
        `IMPORT_BATCH_GROWTH` times the smallest) when it was quick, half as large when it
        took more than twice `IMPORT_BATCH_SECONDS`."""
        if waited:
            self.now = self.smallest
        elif seconds < IMPORT_BATCH_SECONDS:
            self.now = min(2 * self.now, IMPORT_BATCH_GROWTH * self.smallest)
        elif seconds > 2 * IMPORT_BATCH_SECONDS:
            self.now = max(self.now // 2, self.smallest)


class _Batches:
    """The notes of a draft or a stream, `batch_size` at a time; the first batch is read
    at once (`first`), so that an empty deck is refused before anything is written."""

    def __init__(self, draft: DeckDraft | DeckStream, batch_size: int) -> None:
        self._draft = draft
        self._notes = iter(draft.notes)
        self.size = _BatchSize(batch_size)
        self.first = list(itertools.islice(self._notes, batch_size))

    def __iter__(self) -> Iterator[list[NoteDraft]]:
        batch, self.first = self.first, []
        while batch:
            yield batch
            batch = list(itertools.islice(self._notes, self.size.now))

    def total(self, done: int) -> int:
        """How many notes there are, for `done` read so far: known for a draft, estimated
        for a stream from how much of its input is read."""
        if isinstance(self._draft, DeckDraft):
            return len(self._draft.notes)
        fraction = self._draft.read_fraction()
        return max(done, round(done / fraction)) if fraction > 0 else done


class Importer:
    """Writes drafts into the store, and finishes or removes the imports of processes that died."""

    def __init__(self, col: Collection) -> None:
        self._col = col

    def import_deck(
        self,
        draft: DeckDraft | DeckStream,
        *,
        now: datetime,
        deck_name: str | None = None,
        progress: ImportProgress | None = None,
        batch_size: int = IMPORT_BATCH,
        index_later: bool = False,
    ) -> ImportReport:
        """Store a draft as a deck (or a `DeckStream`, whose notes are read a batch at a
        time as they are written, so that memory stays bounded). Importing the same cards
        again adds no duplicates: a question already in the deck is updated if its answer
        changed and left alone if not, and its scheduling state and review history are kept.

        The notes are written `batch_size` at a time, each batch in a transaction of its
        own, so that the write lock is never held for long. The import is all or nothing all
        the same: until the last batch is written its rows are pending (hidden from every
        query, changes to stored notes held apart), and any error or interruption before
        then, KeyboardInterrupt included, removes them. If the process dies instead, the next
        `Collection` to open the store removes them. Once every batch is written the import
        is complete: its rows are made visible, again in batches, and a process stopped
        during that is finished by the next one to open the store."""
        try:
            with cycle_collector_paused():
                return self._import_deck(
                    draft, now=now, deck_name=deck_name, progress=progress,
                    batch_size=batch_size, index_later=index_later,
                )
        finally:
            if isinstance(draft, DeckStream):
                draft.close()

    def _import_deck(
        self,
        draft: DeckDraft | DeckStream,
        *,
        now: datetime,
        deck_name: str | None,
        progress: ImportProgress | None,
        batch_size: int,
        index_later: bool,
    ) -> ImportReport:
        _check_now(now)
        name = (deck_name or draft.title or "").strip()
        if not name:
            raise CollectionError("the deck needs a name: the cards have no title")
        if batch_size < 1:
            raise ValueError("batch_size must be 1 or more")
        batches = _Batches(draft, batch_size)
        if not batches.first:
            raise CollectionError("there are no cards to import")
        self.recover_imports()
        stamp = _ms(now)
        media = self._store_media_files(draft)
        plan = self._begin_import(name, draft, stamp)
        try:
            tally = self._write_import(plan, batches, progress=progress)
            with self._col._write() as conn:
                self._renew_import(conn, plan.import_id, state="settling")
        except BaseException:
            self._discard_import_quietly(plan.import_id)
            raise
        self._settle_import(
            plan.import_id, progress=progress, total=tally.added + tally.updated,
            batch_size=batch_size, states=tally.states, index_later=index_later,
        )
        if media:
            with self._col._write() as conn:
                _record_media(conn, plan.deck.id, media)
        return ImportReport(
            plan.deck, tally.added, tally.updated, tally.unchanged,
            control_characters_removed=draft.control_characters_removed,
            reviews=tally.reviews, media=len(media),
            media_skipped=len(draft.media) if self._col.media_dir is None else 0,
        )

    def _store_media_files(self, draft: DeckDraft | DeckStream) -> list[tuple[str, str, int]]:
        """Write the draft's media files into the media folder, one at a time, before any
        row of the import is written (so that a damaged file stops the import with nothing
        stored); returns (name, stored file, size) of each."""
        if not draft.media or self._col.media_dir is None:
            return []
        from retain.formats.errors import DeckImportError
        from retain.media import MediaFolder

        folder = MediaFolder(self._col.media_dir)
        stored: list[tuple[str, str, int]] = []
        for item in draft.media:
            try:
                data = item.load()
                stored.append((item.name, folder.store(item.name, data), len(data)))
            except DeckImportError as error:
                raise CollectionError(str(error)) from None
            except OSError as error:
                raise CollectionError(
                    f"cannot write the media file {item.name!r} into {self._col.media_dir}: "
                    f"{error.strerror or error}"
                ) from None
        return stored

    # The store's waiting file as the import last saw it (see `_import_batch`).
    _waiting_seen: list[int | None] | None = None
    _busy = 0.0  # seconds of batches since the last pause
    _someone_waits = False  # since the last pause

    @contextmanager
    def _import_batch(self, size: _BatchSize | None = None) -> Iterator[Connection]:
        """The transaction of one batch of an import (`size` adapted to how it went), then
        a pause of
        `IMPORT_PAUSE_SECONDS` if another connection has begun to wait for the write lock
        since the last pause (it says so in the store's waiting file,
        `engine.writer_waiting`) and the batches since then took `IMPORT_BUSY_SECONDS`.
        SQLite's busy handler looks for a free lock every 100 ms at most, so a lock that is
        released and at once taken again by the next batch would never be free when a
        student's answer looks: the pause gives it its turn, and an answer waits at most
        about one busy period. With no one waiting, batches follow each other with no
        pause, and with someone always waiting the import still spends most of its time
        writing."""
        sqlite = self._col.engine.dialect.name == "sqlite"
        database = Path(str(store_location(self._col.engine)))
        if sqlite and self._waiting_seen is None:
            self._waiting_seen = [None]
            writer_waiting(database, self._waiting_seen)  # a wait before the import began
        began = time.perf_counter()
        with self._col._write() as conn:
            yield conn
        seconds = time.perf_counter() - began
        self._busy += seconds
        waited = self._waiting_seen is not None and writer_waiting(database, self._waiting_seen)
        if size is not None:
            size.adapt(seconds, waited)
        self._someone_waits = self._someone_waits or waited
        if self._someone_waits and self._busy >= IMPORT_BUSY_SECONDS:
            time.sleep(IMPORT_PAUSE_SECONDS)
            self._busy, self._someone_waits = 0.0, False

    def _begin_import(
        self, name: str, draft: DeckDraft | DeckStream, stamp: int
    ) -> _ImportPlan:
        """Record the import, and find its deck or create it (hidden until the import is
        complete). While another process imports into the same deck, wait for it to end
        (or to be found abandoned), as a write waits for the lock."""
        while True:
            plan = self._try_begin_import(name, draft, stamp)
            if plan is not None:
                return plan
            self.recover_imports()
            time.sleep(IMPORT_PAUSE_SECONDS)

    def _try_begin_import(
        self, name: str, draft: DeckDraft | DeckStream, stamp: int
    ) -> _ImportPlan | None:
        """`_begin_import`, or None while another process imports into the deck."""
        d, n, c = schema.decks.c, schema.notes.c, schema.cards.c
        with self._col._write() as conn:
            busy = conn.execute(
                select(schema.imports).where(
                    schema.imports.c.deck_name == name,
                    schema.imports.c.owner_id == self._col.account_id,
                )
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
                    deck_name=name, owner_id=self._col.account_id, state="writing",
                    owner_host=socket.gethostname(),
                    owner_pid=os.getpid(), started_at=stamp, heartbeat_at=_clock_ms(),
                )
                .returning(schema.imports.c.id)
            ).scalar_one()
            row = conn.execute(
                select(schema.decks).where(d.name == name, d.owner_id == self._col.account_id)
            ).first()
            fresh = row is None
            if row is None:
                deck_id: int = conn.execute(
                    insert(schema.decks)
                    .values(
                        name=name, title=draft.title, source_format=draft.format,
                        created_at=stamp, import_id=import_id, owner_id=self._col.account_id,
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
        batches: _Batches,
        *,
        progress: ImportProgress | None,
    ) -> _ImportTally:
        """Write the draft's notes as pending rows, one transaction per batch."""
        n, u = schema.notes.c, schema.import_note_updates.c
        tally = _ImportTally()
        # Notes already stored that this import found unchanged: a question that comes
        # twice in the draft is counted once (a repeat of a new question finds the pending
        # row, and a repeat of a changed one finds the pending change).
        unchanged_ids: set[int] = set()
        position = plan.note_position
        done = 0
        for notes in batches:
            done += len(notes)
            batch: dict[str, NoteDraft] = {}
            for note in notes:
                batch.setdefault(question_key(note.question), note)
            with self._import_batch(batches.size) as conn:
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
                    points = _json_strings(note.answer_points)
                    tags = tags_text(note.tags)
                    old = existing.get(key)
                    if old is None:
                        new_notes.append(
                            {
                                "deck_id": plan.deck.id, "key": key, "question": note.question,
                                "answer_points": points, "position": position,
                                "created_at": plan.stamp, "updated_at": plan.stamp,
                                "tags": tags, "import_id": plan.import_id,
                                "owner_id": self._col.account_id,
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
                progress("writing", done, batches.total(done))
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
                [
                    c.note_id, c.deck_id, c.template, c.position, c.state, c.reps, c.lapses,
                    c.account_id,
                ],
                select(
                    n.id, n.deck_id, literal("basic"), n.position + plan.position_shift,
                    literal(PENDING_STATE), literal(0), literal(0),
                    literal(int(self._col.account_id)),
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
                            "account_id": self._col.account_id,
                        }
                    )
                    state = scheduling.review(
                        state, review.rating, review.reviewed_at,
                        scheduling.fuzz_rng(card_id, state.reps), self._col._config,
                    )
                states[card_id] = state
        if rows:
            conn.execute(insert(schema.reviews), rows)
        return len(rows)

    def _config_id_in(self, conn: Connection, stamp: int) -> int:
        """The stored row of the scheduler settings in force, in `conn`'s transaction."""
        wanted = _config_values(self._col._config, self._col.tz)
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
            for card_id, events in _logged_reviews(conn, self._col.tz, card_ids=chunk).items():
                state = scheduling.replay(
                    [e for e, _ in events], self._col._config,
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
        index_later: bool = False,
    ) -> None:
        """Make a complete import visible: its deck, then its notes and cards in batches
        (a card with a review history gets the replay of its log: `states`, when the caller
        has it), then its changes to stored notes (`total` of them, for `progress`). Safe
        to repeat, or to run from another process.

        The deck's question index is brought up to date with them, except with
        `index_later`: then the notes added are left for the index to read when the deck is
        first studied (`DeckIndex.view`), and only the notes changed are indexed now."""
        n, u, c = schema.notes.c, schema.import_note_updates.c, schema.cards.c
        with self._col._write() as conn:
            record = conn.execute(
                select(
                    schema.imports.c.started_at, schema.imports.c.deck_name,
                    schema.imports.c.owner_id,
                ).where(schema.imports.c.id == import_id)
            ).first()
            if record is None:
                return
            started = record.started_at
            deck_id = conn.execute(
                select(schema.decks.c.id).where(
                    schema.decks.c.name == record.deck_name,
                    schema.decks.c.owner_id == (record.owner_id or LOCAL_ACCOUNT_ID),
                )
            ).scalar()
            conn.execute(
                update(schema.decks)
                .where(schema.decks.c.import_id == import_id)
                .values(import_id=None)
            )
            # A deck whose index is complete is kept up to date a batch at a time, in the
            # batch's own transaction; any other deck is indexed whole at the end.
            indexed_deck = int(deck_id) if deck_id is not None else -1
            incremental = deck_id is not None and self._index_complete(conn, indexed_deck)
            later = index_later and deck_id is not None
            if later and not incremental and not self._index_started(conn, indexed_deck):
                self._col.index.start_later(conn, indexed_deck)
        pending = select(n.id).where(n.import_id == import_id).order_by(n.id)
        size = _BatchSize(batch_size)
        done = 0
        while True:
            with self._import_batch(size) as conn:
                ids: list[int] = list(conn.execute(pending.limit(size.now)).scalars())
                # The batch is the import's notes up to the last of `ids`: a range, not a
                # list of thousands of ids to bind.
                batch = and_(n.import_id == import_id, n.id <= (ids[-1] if ids else -1))
                conn.execute(
                    update(schema.cards)
                    .where(c.note_id.in_(select(n.id).where(batch)), c.state == PENDING_STATE)
                    .values(state=int(CardState.NEW))
                )
                self._replay_pending(conn, ids, states)
                if ids and deck_id is not None:  # the students of classes the deck is in
                    give_cards(conn, deck_id=int(deck_id), note_ids=ids)
                settled = conn.execute(
                    update(schema.notes).where(batch).values(import_id=None)
                ).rowcount
                if settled and incremental and not later:
                    added = conn.execute(select(schema.notes).where(n.id.in_(ids))).all()
                    self._col.index.notes_changed(
                        conn, indexed_deck, [_note(r) for r in added]
                    )
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
                if changes and (incremental or later):
                    changed = [int(row.note_id) for row in changes]
                    before = conn.execute(select(schema.notes).where(n.id.in_(changed))).all()
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
                if changes and (incremental or later):
                    after = conn.execute(select(schema.notes).where(n.id.in_(changed))).all()
                    self._col.index.notes_changed(
                        conn, indexed_deck, [_note(r) for r in after],
                        [_note(r) for r in before],
                    )
            if not changes:
                break
            done += len(changes)
            if progress is not None:
                progress("finishing", min(done, total), total)
        if deck_id is not None and not incremental and not later:
            self._reindex(int(deck_id), progress=progress, batch_size=batch_size)
        with self._col._write() as conn:
            conn.execute(delete(schema.imports).where(schema.imports.c.id == import_id))

    def _index_started(self, conn: Connection, deck_id: int) -> bool:
        """Whether a deck has an index (complete, or being completed)."""
        d = schema.index_decks.c
        return conn.execute(select(d.deck_id).where(d.deck_id == deck_id)).first() is not None

    def _index_complete(self, conn: Connection, deck_id: int) -> bool:
        """Whether a deck's index holds every note of it that is visible: then an import
        brings it up to date note by note, and an unchanged re-import costs nothing."""
        indexed = conn.execute(
            select(schema.index_decks.c.notes).where(schema.index_decks.c.deck_id == deck_id)
        ).scalar()
        if indexed is None:
            return False
        n = schema.notes.c
        visible = conn.execute(
            select(func.count())
            .select_from(schema.notes)
            .where(n.deck_id == deck_id, n.import_id.is_(None))
        ).scalar_one()
        return int(indexed) == int(visible)

    def _reindex(
        self, deck_id: int, *, progress: ImportProgress | None, batch_size: int
    ) -> None:
        """Build a deck's question index again from its notes as they now are, a batch of
        notes at a time, so that the write lock is never held for long ("indexing" for
        `progress`). Until the last batch, questions draw on the notes indexed so far; a
        stopped import is finished by the next retain to open the store, index included."""
        n = schema.notes.c
        with self._import_batch() as conn:
            self._col.index.rebuild(conn, deck_id, notes=())
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
                    self._col.index.notes_changed(conn, deck_id, [_note(r) for r in rows])
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
        with self._col._write() as conn:
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

    def recover_imports(self) -> None:
        """Finish or undo the imports whose process died: one that had written every card
        is made visible, any other is removed. An import still under way is left alone,
        and so is every import when the store is opened to be read only: its rows are
        hidden, and the next command that writes finishes the work."""
        if is_read_only(self._col.engine):
            return
        try:
            with self._col._read() as conn:
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
