"""The deck index: what question generation needs from the rest of a deck, kept in the store.

For every deck the index holds the counts a `Lexicon` is made of (`kinds.WordCounts`), how
many notes and questions use each content word, the candidates for wrong options and false
statements by kind (each with a random key, so that a sample of one kind is one index
range), and which notes write which capitalised words. It is updated in the transaction that
changes the notes (`DeckIndex.notes_changed`), and it is always what a rebuild from the
deck's notes would give:

* a note's own evidence is added or taken away;
* a change to the status of a word (a name or not, a person or not) re-reads exactly the
  notes that write that word with a capital, the only notes whose reading it can change.

`StoredDeck` is the `DeckView` a study session asks: each request is one or two indexed
queries, whatever the size of the deck.
"""

from __future__ import annotations

import functools
import json
import random
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import BigInteger, Engine, Integer, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from retain.core.deckview import (
    GRADING_OTHERS,
    Candidate,
    NoteFacts,
    analyse_note,
    note_texts,
    note_words,
)
from retain.core.kinds import (
    AnswerKind,
    Key,
    Lexicon,
    WordCounts,
    WordEvidence,
    add_evidence,
    add_runs,
    asks,
    base_lexicon,
    base_status,
    content_words,
    full_status,
    lexicon_from_counts,
    lexicon_words,
    person_runs,
    word_evidence,
)
from retain.core.model import DeckId, Note, NoteId
from retain.storage import schema
from retain.storage.prepared import Driver, PreparedStatements

STORED_CANDIDATE_SAMPLE = 40
"""Candidates of one kind read for one question from a stored deck."""
STORED_NOTE_SAMPLE = 16
"""Other notes read for one match round from a stored deck."""
GRADING_RELATED = 4
GRADING_SAMPLE = 12
"""Of a large deck, the grader reads the notes that share a name with the card or the
answer (at most `GRADING_RELATED`) and one fixed sample of `GRADING_SAMPLE` notes."""

_CHUNK = 500
_FACTS_KEPT = 8
"""Notes whose reading a view keeps (the cards asked last)."""
LATER_FIRST = 100
"""Notes of a deck imported with its indexing left for later that are indexed before its
first question (the rest follow in the background, `LATER_CHUNK` at a time)."""
LATER_CHUNK = 12
"""Notes indexed in one transaction in the background (about 12 ms of work). The student's
work does not wait for a chunk to end: the chunk gives way (`DeckIndex.foreground`)."""
LATER_PAUSE_SECONDS = 0.05
FOREGROUND_QUIET_SECONDS = 0.03
"""Indexing in the background takes no chunk until the student's work (an answer, the next
question; see `DeckIndex.foreground`) has been done for this long: the calls of one step
follow each other closer than that, so no chunk comes between them."""
IMPORT_NOTES_PER_APPLY = 2000
"""Notes an import gives one update at most (the Collection's import batch)."""
_COUNT_FIELDS = ("lower", "capital_mid", "possessive", "who", "last", "first")
_RAND_LIMIT = 1 << 31
_NO_COUNTS = WordCounts()


def _go_on() -> None:
    """A `give_way` that never does."""


class _GaveWay(Exception):
    """Indexing in the background stopped a chunk for the student's work (`foreground`)."""


def _rand_key(*parts: object) -> int:
    """A random-looking key that a rebuild gives again: the sample order of the index."""
    return zlib.crc32("\0".join(str(p) for p in parts).encode("utf-8")) % _RAND_LIMIT


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


_IN_SIZES = (4, 16, 64, 256, _CHUNK)
"""The lengths of the IN lists of the question-time reads: a list is padded up to the next
of them (repeating its last value), so that a few statements, compiled once, serve all."""


@functools.cache
def _lookup_statement(
    table: str, column: str, size: int, fields: tuple[str, ...], in_deck: bool
) -> Any:
    """Rows of `table` (`in_deck`: of the deck `deck_id`) whose `column` is one of `size`
    values (the parameters ``v0``, ``v1``, ...), with `fields` (all columns when empty)."""
    t = schema.metadata.tables[table]
    chosen = [t.c[f] for f in fields] if fields else [t]
    query = select(*chosen).where(t.c[column].in_([bindparam(f"v{i}") for i in range(size)]))
    return query.where(t.c.deck_id == bindparam("deck_id")) if in_deck else query


def _padded(values: Sequence[Any]) -> list[Any]:
    """`values` (at most `_CHUNK`) with the last repeated up to the next of `_IN_SIZES`:
    a statement with a list of values is then one of a few, each prepared once."""
    size = next(n for n in _IN_SIZES if n >= len(values))
    return [*values, *[values[-1]] * (size - len(values))]


def _lookup(
    db: Driver, table: str, column: str, values: Sequence[Any], deck_id: int | None,
    fields: tuple[str, ...] = (),
) -> list[Any]:
    """`_lookup_statement` run for any number of values, a batch at a time (of the deck
    `deck_id`; of any deck when it is None, as for rows looked up by their key)."""
    rows: list[Any] = []
    for batch in _chunks(values):
        padded = _padded(batch)
        params: dict[str, Any] = {f"v{i}": v for i, v in enumerate(padded)}
        if deck_id is not None:
            params["deck_id"] = deck_id
        statement = _lookup_statement(table, column, len(padded), fields, deck_id is not None)
        rows += db.all(statement, params)
    return rows


def _note_row(row: Any) -> Note:
    points = tuple(json.loads(row.answer_points))
    return Note(NoteId(row.id), DeckId(row.deck_id), row.question, points)


def _who_answers(note: Note) -> tuple[str, ...]:
    return note.answer_points if asks(note.question) == "who" else ()


def _keys_json(keys: frozenset[Key]) -> str:
    return json.dumps(sorted(keys), ensure_ascii=False)


@functools.lru_cache(maxsize=1 << 14)
def _keys(text: str) -> frozenset[Key]:
    return frozenset((k, v) for k, v in json.loads(text))


@functools.cache
def _candidate_statements() -> tuple[Any, Any, Any, Any]:
    """Candidates of one kind of one deck: all of them in deck order; a window of the random
    key from `start` up, and from the lowest key up; and a count that stops past `limit`."""
    c, n, i = schema.index_candidates.c, schema.notes.c, schema.index_notes.c
    of_kind = (c.deck_id == bindparam("deck_id"), c.kind == bindparam("kind"))
    query = (
        select(c.text, c.shape, c["keys"].label("cand_keys"), c.whole, c.note_id,
               n.question, i.asks, i.question_keys)
        .join(schema.notes, n.id == c.note_id)
        .join(schema.index_notes, i.note_id == c.note_id)
        .where(*of_kind)
    )
    limit = bindparam("limit", type_=Integer)
    start = bindparam("start", type_=BigInteger)
    every = query.order_by(c.note_id, c.id)
    above = query.where(c.rand_key >= start).order_by(c.rand_key, c.id).limit(limit)
    below = query.where(c.rand_key < start).order_by(c.rand_key, c.id).limit(limit)
    count = select(func.count()).select_from(select(c.id).where(*of_kind).limit(limit).subquery())
    return every, above, below, count


@functools.cache
def _in_list(head: str, mark: str, size: int) -> str:
    """`head` (a statement that ends in a column, its parameters written `{m}`) with
    `IN (...)` of `size` parameters after it, in the driver's style of parameter."""
    return f"{head.format(m=mark)} IN ({', '.join([mark] * size)})"


def _mark(conn: Connection) -> str:
    """How the driver of `conn` writes a parameter."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _run_in(conn: Connection, head: str, values: Sequence[Any], *before: Any) -> Any:
    """Run `_in_list(head, ...)` on the driver for `values` (at most `_CHUNK`, `_padded`),
    after the parameters `before`: straight to the driver, where building each statement
    through SQLAlchemy would cost more than running it."""
    padded = _padded(values)
    return conn.exec_driver_sql(_in_list(head, _mark(conn), len(padded)), (*before, *padded))


_NOTE_COLUMNS = ("note_id", "deck_id", "rand_key", "asks", "question_keys", "runs")
_CANDIDATE_COLUMNS = (
    "deck_id", "note_id", "kind", "rand_key", "text", "shape", "keys", "whole"
)
_WORD_COUNTS = f"SELECT word, {', '.join(_COUNT_FIELDS)} FROM index_words"


def _insert(
    conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert `rows` (values of `columns`, in that order) into `table`, straight to the
    driver in one batch of statements."""
    if rows:
        conn.exec_driver_sql(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join([_mark(conn)] * len(columns))})",
            rows,
        )


class _Counts:
    """Word counts of one deck, read from the store as they are needed, written back once."""

    def __init__(self, conn: Connection, deck_id: int) -> None:
        self.conn = conn
        self.deck_id = deck_id
        self.before: dict[str, WordCounts] = {}
        self.now: dict[str, WordCounts] = {}

    def load(self, words: Iterable[str]) -> None:
        missing = [w for w in set(words) if w not in self.now]
        for batch in _chunks(missing):
            for row in _run_in(
                self.conn, _WORD_COUNTS + " WHERE deck_id = {m} AND word", batch, self.deck_id
            ):
                counts = WordCounts(*row[1:])
                self.before[row[0]] = counts
                self.now[row[0]] = counts
        for word in missing:
            self.now.setdefault(word, _NO_COUNTS)

    def add(self, delta: Mapping[str, WordCounts]) -> None:
        self.load(delta)
        for word, d in delta.items():
            self.now[word] = self.now[word].plus(d)

    def changed(self) -> set[str]:
        return {w for w, c in self.now.items() if c != self.before.get(w, _NO_COUNTS)}

    def lexicon(self, words: Iterable[str]) -> Lexicon:
        wanted = set(words)
        self.load(wanted)
        return lexicon_from_counts({w: self.now[w] for w in wanted})

    def base(self, words: Iterable[str]) -> Lexicon:
        wanted = set(words)
        self.load(wanted)
        return base_lexicon({w: self.now[w] for w in wanted})

    def save(self) -> None:
        changed = sorted(self.changed())
        for batch in _chunks(changed):
            _run_in(
                self.conn, "DELETE FROM index_words WHERE deck_id = {m} AND word", batch,
                self.deck_id,
            )
        rows = [
            (self.deck_id, word, *(getattr(c, f) for f in _COUNT_FIELDS))
            for word in changed
            if not (c := self.now[word]).empty
        ]
        _insert(self.conn, "index_words", ("deck_id", "word", *_COUNT_FIELDS), rows)


class DeckIndex:
    """Keeps the deck index of every deck true; hands out views of it."""

    def __init__(self, engine: Engine, prepared: PreparedStatements | None = None) -> None:
        self.engine = engine
        self._prepared = prepared if prepared is not None else PreparedStatements(engine)
        self._lock = threading.Lock()
        self._threads: dict[int, threading.Thread] = {}
        self._stopping = threading.Event()
        # The student's work and the chunks indexed in the background take turns: any
        # number of the one (requests of a server side by side), or one chunk.
        self._turns = threading.Condition()
        self._foreground = 0  # the student's work running
        self._wanted = 0  # the student's work waiting for a chunk to give way
        self._indexing = False  # a chunk is being indexed in the background
        self._foreground_at = 0.0  # time.monotonic() when the student's work last ended

    @contextmanager
    def foreground(self) -> Iterator[None]:
        """Work that a student waits for (recording an answer, making the next question):
        while it runs, and until `FOREGROUND_QUIET_SECONDS` after it, indexing in the
        background takes no chunk. Work that comes while a chunk is being indexed waits for
        the chunk to give way: the chunk stops at its next note and is rolled back, to be
        indexed again later. The indexing does not compete with it for the interpreter
        meanwhile. Work of several threads (the requests of a server) runs side by side."""
        with self._turns:
            if self._indexing:
                self._wanted += 1  # the chunk stops at its next note, and is rolled back
                try:
                    while self._indexing:
                        self._turns.wait()
                finally:
                    self._wanted -= 1
            self._foreground += 1
        try:
            yield
        finally:
            with self._turns:
                self._foreground -= 1
                self._foreground_at = time.monotonic()
                self._turns.notify_all()

    @contextmanager
    def _background_turn(self) -> Iterator[bool]:
        """A turn of the indexing in the background: yields False (and takes no turn) while
        the student's work runs or has just run."""
        with self._turns:
            if self._foreground or self._wanted or self._quiet_for() > 0:
                free = False
            else:
                free = self._indexing = True
        try:
            yield free
        finally:
            if free:
                with self._turns:
                    self._indexing = False
                    self._turns.notify_all()

    def _quiet_for(self) -> float:
        """Seconds left before indexing in the background may take its next chunk."""
        return self._foreground_at + FOREGROUND_QUIET_SECONDS - time.monotonic()

    # -- keeping it true ----------------------------------------------------------------

    def notes_changed(
        self,
        conn: Connection,
        deck_id: int,
        added: Sequence[Note] = (),
        removed: Sequence[Note] = (),
    ) -> None:
        """Bring the index of a deck up to date, inside the transaction `conn` that wrote the
        notes. `added` are notes now stored (new, or the new text of changed ones); `removed`
        are notes no longer stored as they are (deleted, or the old text of changed ones).
        A deck that has no index yet is indexed whole."""
        state = conn.execute(
            select(schema.index_decks.c.notes).where(schema.index_decks.c.deck_id == deck_id)
        ).first()
        if state is None:
            if added:  # a new deck, or one stored before the index existed
                self._build(conn, deck_id)
            return  # nothing to keep true: the deck is indexed whole when it is studied
        if removed:
            # An index still being completed (see `index_more`) has not read every note:
            # what a note it has not read said was never added, so it is not taken away.
            indexed = self._indexed(conn, removed)
            removed = [note for note in removed if note.id in indexed]
        self._apply(conn, deck_id, list(added), list(removed))

    def _indexed(self, conn: Connection, notes: Sequence[Note]) -> set[int]:
        i = schema.index_notes.c
        found: set[int] = set()
        for batch in _chunks(sorted({note.id for note in notes})):
            found.update(conn.execute(select(i.note_id).where(i.note_id.in_(batch))).scalars())
        return found

    def start_later(self, conn: Connection, deck_id: int) -> None:
        """Give a deck an index that holds none of its notes yet, in `conn`'s transaction:
        they are indexed when the deck is first studied (see `index_more`)."""
        self.drop(conn, deck_id)
        conn.execute(insert(schema.index_decks).values(deck_id=deck_id, notes=0))

    def index_more(
        self,
        deck_id: int,
        limit: int = LATER_CHUNK,
        *,
        cursor: list[int] | None = None,
        give_way: Callable[[], None] = _go_on,
    ) -> bool:
        """Index up to `limit` more of a deck's notes that its index has not read yet, in
        a write transaction of their own; True when every note of the deck is indexed.
        Questions asked meanwhile draw on the notes indexed so far; the index of the notes
        read is at every step what a rebuild from them would give.

        `give_way` is called between one note and the next: what it raises rolls the chunk
        back (the cursor moves past no note that is not indexed)."""
        from retain.storage.engine import WRITE

        n, i, d = schema.notes.c, schema.index_notes.c, schema.index_decks.c
        give_way()
        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            state = conn.execute(
                select(d.notes).where(d.deck_id == deck_id).with_for_update()
            ).first()
            if state is None:
                return True  # indexed whole when studied (`ensure`), or deleted
            if not cursor:  # after the first chunk, the notes left are a range of ids
                visible = conn.execute(
                    select(func.count())
                    .select_from(schema.notes)
                    .where(n.deck_id == deck_id, n.import_id.is_(None))
                ).scalar_one()
                if int(state.notes) >= int(visible):
                    return True  # complete: a count, not a look for the notes left
            # `+ 0` keeps the deck's index out of it: the notes after the cursor are read in
            # the order of their ids, as many as are wanted, rather than the whole deck
            # read and sorted for each chunk.
            rows = conn.execute(
                select(schema.notes)
                .where(
                    n.deck_id + 0 == deck_id,
                    n.import_id.is_(None),
                    n.id > (cursor[0] if cursor else -1),
                    ~select(i.note_id).where(i.note_id == n.id).exists(),
                )
                .order_by(n.id)
                .limit(limit + 1)
            ).all()
            if rows and cursor is not None:
                # Every note before the first one read is indexed, whether this chunk is
                # written or gives way.
                cursor[:] = [int(rows[0].id) - 1]
            give_way()
            if rows[:limit]:
                self._apply(
                    conn, deck_id, [_note_row(r) for r in rows[:limit]], [], give_way
                )
                if cursor is not None:
                    # The next call starts after these (the notes before them are indexed).
                    cursor[:] = [int(rows[limit - 1 if len(rows) > limit else -1].id)]
        return len(rows) <= limit

    def _complete(self, deck_id: int) -> bool:
        """Whether a deck's index holds every visible note of it (read, not written)."""
        n, d = schema.notes.c, schema.index_decks.c
        with self.engine.connect() as conn:
            indexed = conn.execute(select(d.notes).where(d.deck_id == deck_id)).scalar()
            if indexed is None:
                return True
            visible = conn.execute(
                select(func.count())
                .select_from(schema.notes)
                .where(n.deck_id == deck_id, n.import_id.is_(None))
            ).scalar_one()
        return int(indexed) >= int(visible)

    def complete(self, deck_id: int) -> None:
        """Index every note of a deck that its index has not read yet (in chunks, each
        read from where the one before ended)."""
        cursor: list[int] = []
        while not self.index_more(deck_id, cursor=cursor):
            pass

    def _complete_in_background(self, deck_id: int) -> None:
        """Go on indexing a deck a chunk at a time in a thread of this process, pausing
        between chunks, and while the student's work runs (`foreground`), so that an
        answer never waits long for the write lock or the interpreter."""
        with self._lock:
            running = self._threads.get(deck_id)
            if running is not None and running.is_alive():
                return

            write_lock = self._prepared.write_lock

            def give_way() -> None:
                if self._wanted or self._stopping.is_set():  # the student's work, or quitting
                    raise _GaveWay

            def more(cursor: list[int]) -> bool | None:
                """One chunk (True when the deck is complete), or None when the student's
                work came first."""
                with self._background_turn() as free:
                    if not free:
                        return None
                    try:
                        with write_lock:  # an answer of this process waiting to write first
                            return self.index_more(
                                deck_id, LATER_CHUNK, cursor=cursor, give_way=give_way
                            )
                    except _GaveWay:
                        return None

            def run() -> None:
                cursor: list[int] = []
                try:
                    while not self._stopping.is_set():
                        wait = self._quiet_for()
                        if wait > 0:
                            self._stopping.wait(wait)
                            continue
                        done = more(cursor)
                        if done:
                            return
                        # After a chunk, or after giving way (the student's work, which is
                        # waiting for the lock, goes first: locks are not taken in turn).
                        self._stopping.wait(
                            LATER_PAUSE_SECONDS if done is not None else FOREGROUND_QUIET_SECONDS
                        )
                except Exception:  # noqa: BLE001 - the next session goes on from here
                    return

            thread = threading.Thread(target=run, name=f"retain-index-{deck_id}", daemon=True)
            self._threads[deck_id] = thread
            thread.start()

    def wait(self, deck_id: int | None = None) -> None:
        """Wait until the indexing in the background of a deck (or of every deck) ends."""
        with self._lock:
            threads = [t for d, t in self._threads.items() if deck_id in (None, d)]
        for thread in threads:
            thread.join()

    def stop(self) -> None:
        """Stop indexing in the background (when the store is closed); the next session
        goes on where it stopped."""
        self._stopping.set()
        self.wait()

    def ensure(self, deck_id: int) -> None:
        """Index a deck stored before the deck index existed (once)."""
        with self.engine.connect() as conn:
            known = conn.execute(
                select(schema.index_decks.c.deck_id).where(
                    schema.index_decks.c.deck_id == deck_id
                )
            ).first()
        if known is not None:
            return
        from retain.storage.engine import WRITE

        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            indexed = conn.execute(
                select(schema.index_decks.c.deck_id).where(
                    schema.index_decks.c.deck_id == deck_id
                )
            ).first()
            if indexed is None:  # not indexed by another process meanwhile
                self._build(conn, deck_id)

    def drop(self, conn: Connection, deck_id: int) -> None:
        """Throw away a deck's index (before the deck is deleted, or to rebuild it)."""
        for table in (
            schema.index_names, schema.index_terms, schema.index_words,
            schema.index_candidates, schema.index_notes, schema.index_decks,
        ):
            conn.execute(delete(table).where(table.c.deck_id == deck_id))

    def rebuild(
        self, conn: Connection, deck_id: int, *, notes: Sequence[Note] | None = None
    ) -> None:
        """Throw away a deck's index and build it again: from all its notes, or from
        `notes` only (an empty index that `notes_changed` then fills a batch at a time)."""
        self.drop(conn, deck_id)
        self._build(conn, deck_id, notes)

    def _build(
        self, conn: Connection, deck_id: int, notes: Sequence[Note] | None = None
    ) -> None:
        conn.execute(insert(schema.index_decks).values(deck_id=deck_id, notes=0))
        if notes is None:
            n = schema.notes.c
            notes = [
                _note_row(r)
                for r in conn.execute(
                    select(schema.notes).where(n.deck_id == deck_id).order_by(n.id)
                )
            ]
        if notes:
            self._apply(conn, deck_id, list(notes), [])

    def _apply(
        self,
        conn: Connection,
        deck_id: int,
        added: list[Note],
        removed: list[Note],
        give_way: Callable[[], None] = _go_on,
    ) -> None:
        added_ids = {n.id for n in added}
        removed_ids = {n.id for n in removed}
        counts = _Counts(conn, deck_id)
        # 1. What the removed notes said goes, what the added notes say comes.
        old_runs = self._runs_of(conn, removed_ids)
        self._forget(conn, removed_ids)
        delta: dict[str, WordCounts] = {}
        for note in removed:
            add_evidence(delta, _evidence(note), -1)
            lasts, firsts = old_runs.get(note.id, ((), ()))
            add_runs(delta, lasts, firsts, -1)
        for note in added:
            give_way()
            add_evidence(delta, _evidence(note), 1)
        counts.add(delta)
        give_way()
        # 2. Full names are read again where a word's base status changed.
        base_changed = {
            w for w in counts.changed()
            if base_status(w, counts.before.get(w, _NO_COUNTS)) != base_status(w, counts.now[w])
        }
        reread = self._notes_writing(conn, deck_id, base_changed, added_ids | removed_ids)
        reread_runs = self._runs_of(conn, {n.id for n in reread})
        delta = {}
        for note in reread:
            lasts, firsts = reread_runs.get(note.id, ((), ()))
            add_runs(delta, lasts, firsts, -1)
        runs: dict[NoteId, tuple[frozenset[str], frozenset[str]]] = {}
        for note in [*added, *reread]:
            give_way()
            base = counts.base(_evidence(note).capitalised)
            runs[note.id] = person_runs(note_texts(note), base)
            add_runs(delta, *runs[note.id], 1)
        counts.add(delta)
        give_way()
        # 3. Notes are read again where a word's full status changed.
        full_changed = {
            w for w in counts.changed()
            if full_status(w, counts.before.get(w, _NO_COUNTS)) != full_status(w, counts.now[w])
        }
        refresh = self._notes_writing(conn, deck_id, full_changed, added_ids | removed_ids)
        refresh_ids = {n.id for n in refresh}
        for note in reread:
            if note.id not in refresh_ids:
                conn.execute(
                    update(schema.index_notes)
                    .where(schema.index_notes.c.note_id == note.id)
                    .values(runs=_runs_json(runs[note.id]))
                )
        kept_runs = self._runs_of(conn, refresh_ids - runs.keys())
        for note_id, value in kept_runs.items():
            runs[NoteId(note_id)] = (frozenset(value[0]), frozenset(value[1]))
        self._forget(conn, refresh_ids, names=False)
        give_way()
        for batch in _chunks([*added, *refresh]):  # in batches: memory stays bounded
            self._write_notes(
                conn, deck_id, batch, runs, counts, names=added_ids, give_way=give_way
            )
        give_way()
        counts.save()
        self._count_terms(conn, deck_id, added, removed, give_way)
        gone = len(removed_ids - added_ids)
        new = len(added_ids - removed_ids)
        if gone or new:
            d = schema.index_decks.c
            conn.execute(
                update(schema.index_decks)
                .where(d.deck_id == deck_id)
                .values(notes=d.notes + new - gone)
            )

    def _runs_of(
        self, conn: Connection, ids: Iterable[int]
    ) -> dict[int, tuple[list[str], list[str]]]:
        out: dict[int, tuple[list[str], list[str]]] = {}
        for batch in _chunks(sorted(ids)):
            for note_id, runs in _run_in(
                conn, "SELECT note_id, runs FROM index_notes WHERE note_id", batch
            ):
                lasts, firsts = json.loads(runs)
                out[note_id] = (lasts, firsts)
        return out

    def _forget(self, conn: Connection, ids: Iterable[int], *, names: bool = True) -> None:
        tables = ["index_candidates", "index_notes"]
        if names:
            tables.append("index_names")
        for batch in _chunks(sorted(ids)):
            for table in tables:
                _run_in(conn, f"DELETE FROM {table} WHERE note_id", batch)

    def _notes_writing(
        self, conn: Connection, deck_id: int, words: set[str], skip: set[NoteId]
    ) -> list[Note]:
        """The indexed notes of a deck that write one of `words` with a capital."""
        if not words:
            return []
        ids: set[int] = set()
        for batch in _chunks(sorted(words)):
            ids.update(
                int(row[0])
                for row in _run_in(
                    conn, "SELECT note_id FROM index_names WHERE deck_id = {m} AND word", batch,
                    deck_id,
                )
            )
        ids -= skip
        notes: list[Note] = []
        n = schema.notes.c
        for batch in _chunks(sorted(ids)):
            notes.extend(
                _note_row(r)
                for r in conn.execute(select(schema.notes).where(n.id.in_(batch)).order_by(n.id))
            )
        return notes

    def _write_notes(
        self,
        conn: Connection,
        deck_id: int,
        notes: Sequence[Note],
        runs: Mapping[NoteId, tuple[Iterable[str], Iterable[str]]],
        counts: _Counts,
        *,
        names: set[NoteId],
        give_way: Callable[[], None] = _go_on,
    ) -> None:
        note_rows: list[tuple[Any, ...]] = []
        candidate_rows: list[tuple[Any, ...]] = []
        name_rows: list[tuple[Any, ...]] = []
        words: set[str] = set()
        for note in notes:
            for text in note_texts(note):
                words |= lexicon_words(text)
        lexicon = counts.lexicon(words)
        for note in notes:
            give_way()
            facts = analyse_note(note, lexicon)
            note_rows.append(
                (
                    note.id, deck_id, _rand_key(note.id), facts.asks,
                    _keys_json(facts.question_keys), _runs_json(runs.get(note.id, ((), ()))),
                )
            )
            for cand in facts.candidates:
                candidate_rows.append(
                    (
                        deck_id, note.id, cand.kind.value, _rand_key(note.id, cand.text),
                        cand.text, cand.shape, _keys_json(cand.keys), bool(cand.whole),
                    )
                )
            if note.id in names:
                name_rows.extend(
                    (deck_id, w, note.id) for w in sorted(_evidence(note).capitalised)
                )
        for table, columns, rows in (
            ("index_notes", _NOTE_COLUMNS, note_rows),
            ("index_candidates", _CANDIDATE_COLUMNS, candidate_rows),
            ("index_names", ("deck_id", "word", "note_id"), name_rows),
        ):
            for batch in _chunks(rows):
                _insert(conn, table, columns, batch)

    def _count_terms(
        self,
        conn: Connection,
        deck_id: int,
        added: Sequence[Note],
        removed: Sequence[Note],
        give_way: Callable[[], None] = _go_on,
    ) -> None:
        delta: dict[str, list[int]] = {}
        for sign, group in ((-1, removed), (1, added)):
            for note in group:
                for word in note_words(note):
                    delta.setdefault(word, [0, 0])[0] += sign
                for word in content_words(note.question):
                    delta.setdefault(word, [0, 0])[1] += sign
        changed = {w: d for w, d in delta.items() if d != [0, 0]}
        give_way()
        current: dict[str, tuple[int, int]] = {}
        for batch in _chunks(sorted(changed)):
            for term, notes, questions in _run_in(
                conn, "SELECT term, notes, questions FROM index_terms WHERE deck_id = {m} AND term",
                batch, deck_id,
            ):
                current[term] = (notes, questions)
            _run_in(conn, "DELETE FROM index_terms WHERE deck_id = {m} AND term", batch, deck_id)
        rows = []
        for word, (dn, dq) in sorted(changed.items()):
            notes, questions = current.get(word, (0, 0))
            if notes + dn or questions + dq:
                rows.append((deck_id, word, notes + dn, questions + dq))
        for batch in _chunks(rows):
            _insert(conn, "index_terms", ("deck_id", "term", "notes", "questions"), batch)

    # -- reading it ---------------------------------------------------------------------

    def view(self, deck_id: DeckId, prepared: PreparedStatements | None = None) -> StoredDeck:
        """The deck for a study session, read through `prepared` (default: this index's
        own statements). A deck whose index is not complete (imported with its indexing
        left for later) has its first `LATER_FIRST` notes indexed now, and the rest in the
        background while the student studies. Whether there is an index, and whether it
        is complete, is one read, made when the view is first read: a question that needs
        nothing from the rest of the deck (a flip card, a typed answer) costs none."""
        prepared = self._prepared if prepared is None else prepared
        statements = prepared

        def make_ready() -> None:
            with statements.transaction(write=False) as db:
                state = db.first(_index_state(), {"deck_id": deck_id})
            if state is None:
                self.ensure(deck_id)
            elif (
                int(state.notes) < int(state.visible)
                and not self._stopping.is_set()
                and not self.index_more(deck_id, LATER_FIRST)
            ):
                self._complete_in_background(deck_id)

        return StoredDeck(self.engine, deck_id, prepared, make_ready=make_ready)


@functools.cache
def _index_state() -> Any:
    """A deck's index: the notes it has read, and the deck's visible notes (no row: the
    deck has no index)."""
    n, d = schema.notes.c, schema.index_decks.c
    visible = (
        select(func.count())
        .select_from(schema.notes)
        .where(n.deck_id == bindparam("deck_id"), n.import_id.is_(None))
        .scalar_subquery()
    )
    return select(d.notes, visible.label("visible")).where(d.deck_id == bindparam("deck_id"))


@functools.lru_cache(maxsize=2 * IMPORT_NOTES_PER_APPLY)
def _evidence(note: Note) -> WordEvidence:
    """What a note says about its words. One update asks it up to three times of each note
    (its counts, its names' runs, its name rows): it is worked out once."""
    return word_evidence(note_texts(note), _who_answers(note))


def _runs_json(runs: tuple[Iterable[str], Iterable[str]]) -> str:
    return json.dumps([sorted(runs[0]), sorted(runs[1])], ensure_ascii=False)


class StoredDeck:
    """A `DeckView` of a deck in the store: every request is a bounded, indexed read."""

    def __init__(
        self,
        engine: Engine,
        deck_id: DeckId,
        prepared: PreparedStatements,
        *,
        candidate_sample: int | None = None,
        note_sample: int | None = None,
        make_ready: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.deck_id = deck_id
        self._statements = prepared
        # Run before the first read (see `DeckIndex.view`).
        self._make_ready = make_ready
        self._few: dict[AnswerKind, bool] = {}
        self.touched = 0
        self._candidate_sample = candidate_sample or STORED_CANDIDATE_SAMPLE
        self._note_sample = note_sample or STORED_NOTE_SAMPLE
        self._counts: dict[str, WordCounts] = {}
        self._facts: dict[Note, NoteFacts] = {}
        self._frequencies: dict[tuple[str, str], int] = {}
        self._size: int | None = None
        self._grading_sample: list[int] | None = None
        self._related: dict[tuple[NoteId, tuple[str, ...]], list[tuple[str, ...]]] = {}

    def _ready(self) -> None:
        if self._make_ready is not None:
            self._make_ready()
            self._make_ready = None

    @property
    def _prepared(self) -> PreparedStatements:
        """The statements every read of the index goes through, once the index is ready."""
        self._ready()
        return self._statements

    def _read(self) -> Any:
        self._ready()
        return self.engine.connect()

    @property
    def size(self) -> int:
        if self._size is None:
            with self._read() as conn:
                value = conn.execute(
                    select(schema.index_decks.c.notes).where(
                        schema.index_decks.c.deck_id == self.deck_id
                    )
                ).scalar()
            self._size = int(value or 0)
        return self._size

    def _lexicon(self, words: set[str]) -> Lexicon:
        if len(self._counts) > 50_000:
            self._counts.clear()
            self._facts.clear()  # read with counts no longer kept
        missing = [w for w in words if w not in self._counts]
        if missing:
            fields = ("word", *_COUNT_FIELDS)
            with self._prepared.transaction(write=False) as db:
                for row in _lookup(
                    db, "index_words", "word", sorted(missing), self.deck_id, fields
                ):
                    self._counts[row[0]] = WordCounts(*row[1:])
            for word in missing:
                self._counts.setdefault(word, _NO_COUNTS)
        return lexicon_from_counts({w: self._counts[w] for w in words})

    def facts(self, notes: Sequence[Note]) -> list[NoteFacts]:
        """These notes read with the deck's lexicon. A card's own note is read once for all
        the questions its card is asked (the mode is chosen, then the question built), and
        kept while the words it was read with are."""
        if len(notes) == 1 and (known := self._facts.get(notes[0])) is not None:
            return [known]
        words: set[str] = set()
        for note in notes:
            for text in note_texts(note):
                words |= lexicon_words(text)
        lexicon = self._lexicon(words)
        out = [analyse_note(note, lexicon) for note in notes]
        if len(notes) == 1:
            if len(self._facts) >= _FACTS_KEPT:
                self._facts.pop(next(iter(self._facts)))
            self._facts[notes[0]] = out[0]
        return out

    def _frequency(self, words: Iterable[str], column: str) -> Mapping[str, int]:
        """Counts of words, read once per view (a few per question) and then remembered."""
        known = self._frequencies
        if len(known) > 50_000:
            known.clear()
        wanted = sorted({w for w in words if (column, w) not in known})
        if wanted:
            with self._prepared.transaction(write=False) as db:
                for row in _lookup(
                    db, "index_terms", "term", wanted, self.deck_id, ("term", column)
                ):
                    known[(column, row[0])] = int(row[1])
            for w in wanted:
                known.setdefault((column, w), 0)
        return {w: n for w in words if (n := known[(column, w)])}

    def note_frequency(self, words: Iterable[str]) -> Mapping[str, int]:
        return self._frequency(words, "notes")

    def question_frequency(self, words: Iterable[str]) -> Mapping[str, int]:
        return self._frequency(words, "questions")

    def candidates(self, kind: AnswerKind, rng: random.Random) -> Sequence[Candidate]:
        every, above, below, count = _candidate_statements()
        params: dict[str, Any] = {"deck_id": self.deck_id, "kind": kind.value}
        with self._prepared.transaction(write=False) as db:
            if kind not in self._few:
                found = db.scalar(count, {**params, "limit": self._candidate_sample + 1})
                self._few[kind] = int(found) <= self._candidate_sample
            if self._few[kind]:
                # All of them, in the order of the deck, as a deck held in memory gives them.
                rows = db.all(every, params)
            else:
                params.update(start=rng.randrange(_RAND_LIMIT), limit=self._candidate_sample)
                rows = db.all(above, params)
                if len(rows) < self._candidate_sample:
                    params["limit"] = self._candidate_sample - len(rows)
                    rows += db.all(below, params)
        self.touched += len(rows)
        return [
            Candidate(
                r.text, kind, r.shape, _keys(r.cand_keys), NoteId(r.note_id), r.asks,
                bool(r.whole), r.question, _keys(r.question_keys),
            )
            for r in rows
        ]

    def _window(self, query: Any, key: Any, tiebreak: Any, start: int, limit: int) -> list[Any]:
        """Up to `limit` rows from `start` on in the order of the random key, wrapping round
        to the lowest keys: a sample read from one index range."""
        with self._read() as conn:
            rows = list(
                conn.execute(query.where(key >= start).order_by(key, tiebreak).limit(limit))
            )
            if len(rows) < limit:
                rows += conn.execute(
                    query.where(key < start).order_by(key, tiebreak).limit(limit - len(rows))
                ).all()
        return rows

    def other_notes(self, note_id: NoteId, rng: random.Random) -> Sequence[Note]:
        n, i = schema.notes.c, schema.index_notes.c
        query = (
            select(schema.notes)
            .join(schema.index_notes, i.note_id == n.id)
            .where(i.deck_id == self.deck_id, n.id != note_id)
        )
        if self.size - 1 <= self._note_sample:
            with self._read() as conn:
                rows = conn.execute(query.order_by(n.id)).all()
        else:
            rows = self._window(
                query, i.rand_key, i.note_id, rng.randrange(_RAND_LIMIT), self._note_sample
            )
        notes = [_note_row(r) for r in rows]
        rng.shuffle(notes)
        self.touched += len(notes)
        return notes

    def related_answers(self, note: Note, typed: str) -> list[tuple[str, ...]]:
        """Every other note of a small deck. Of a large one: the notes that share a
        capitalised word with the card or the answer (a few), and one fixed sample of the
        deck (the same for every card, so that the grader reads it once). What was read for
        a card is remembered with the names it was read for: an answer that names nothing
        the card does not is then answered from memory (see `StudySession.prepare_ahead`)."""
        small = self.size - 1 <= GRADING_OTHERS
        names: tuple[str, ...] = ()
        if not small:
            words = set().union(*map(_capitalised, (*note_texts(note), typed)))
            names = tuple(sorted(words)[:GRADING_OTHERS])
        key = (note.id, names)
        known = self._related.get(key)
        if known is None:
            known = self._read_related(note, names, small)
            if len(self._related) >= _RELATED_KEPT:
                self._related.pop(next(iter(self._related)))
            self._related[key] = known
        return list(known)

    def _read_related(
        self, note: Note, names: Sequence[str], small: bool
    ) -> list[tuple[str, ...]]:
        n, i = schema.notes.c, schema.index_notes.c
        if small:
            with self._read() as conn:
                rows = conn.execute(
                    select(n.answer_points)
                    .where(n.deck_id == self.deck_id, n.id != note.id)
                    .order_by(n.position)
                ).all()
            self.touched += len(rows)
            return [_answer_points(r.answer_points) for r in rows]
        if self._grading_sample is None:
            with self._read() as conn:
                self._grading_sample = list(
                    conn.execute(
                        select(i.note_id)
                        .where(i.deck_id == self.deck_id)
                        .order_by(i.rand_key, i.note_id)
                        .limit(GRADING_SAMPLE + 1)
                    ).scalars()
                )
        with self._prepared.transaction(write=False) as db:
            # The first notes by id that write one of the names: the first of each name's
            # (an index range each, however many notes write a common name), then the
            # first of those.
            found: set[int] = set()
            for name in names:
                found.update(
                    int(r[0])
                    for r in db.all(
                        _related_statement(),
                        {
                            "deck_id": self.deck_id, "word": name, "note_id": note.id,
                            "limit": GRADING_RELATED,
                        },
                    )
                )
            related = sorted(found)[:GRADING_RELATED]
            sample = [x for x in self._grading_sample if x != note.id][:GRADING_SAMPLE]
            ids = sorted(set(related) | set(sample))
            rows = _lookup(db, "notes", "id", ids, None, ("id", "answer_points"))
        rows.sort(key=lambda r: r[0])
        self.touched += len(rows)
        return [_answer_points(r[1]) for r in rows]


_RELATED_KEPT = 64
"""How many cards' related answers a view remembers (a few cards are in play at a time)."""


@functools.lru_cache(maxsize=1 << 14)
def _capitalised(text: str) -> frozenset[str]:
    """The capitalised words of a text, as `word_evidence` finds them (a text at a time: the
    capitalised words of several texts are those of each)."""
    return word_evidence((text,)).capitalised


@functools.lru_cache(maxsize=1 << 14)
def _answer_points(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


@functools.cache
def _related_statement() -> Any:
    """The notes of the deck `deck_id`, other than `note_id`, that write the name `word`,
    the first `limit` of them by id."""
    a = schema.index_names.c
    return (
        select(a.note_id)
        .where(
            a.deck_id == bindparam("deck_id"),
            a.word == bindparam("word"),
            a.note_id != bindparam("note_id"),
        )
        .order_by(a.note_id)
        .limit(bindparam("limit", type_=Integer))
    )


def index_snapshot(conn: Connection, deck_id: int) -> dict[str, Any]:
    """Everything the index holds about a deck, in a form to compare (for `retain check`
    and for tests: an index kept up to date equals one rebuilt)."""
    out: dict[str, Any] = {}
    for table in (
        schema.index_decks, schema.index_notes, schema.index_candidates, schema.index_words,
        schema.index_terms, schema.index_names,
    ):
        columns = [c for c in table.c if c.name != "id"]
        rows = conn.execute(
            select(*columns).where(table.c.deck_id == deck_id)
        ).all()
        out[table.name] = sorted(tuple(r) for r in rows)
    return out

