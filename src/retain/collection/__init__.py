"""The Collection: the one object every interface talks to.

It opens a store and holds one manager per concern, as Anki's pylib does: `col.decks`
(listing, import, editing, deck counts; see `decks.py` and `importing.py`), `col.study`
(what to study next, answers, undo; `study.py`), `col.stats` (`stats.py`), `col.plans`
(exam plans; `retain.plans`), `col.accounts` (sign-up, sign-in, sessions; `accounts.py`)
and `col.classes` (`classes.py`). The Collection itself keeps the store, the settings, the
transactions and `check`.

A collection acts for one account: the local one, which every store has, or the one that
`as_account` names. Decks and notes have an owner; each card's state and each answer
belong to one learner; every manager reads and writes only what is the account's own, and
an id that is another account's fails as an unknown id does.

It knows nothing of terminals or HTTP. Every operation that writes is one transaction: an
answer is either recorded whole (review log row and card state together) or not at all. The
one exception is a big import, which is written in short batches so that a student studying
at the same time never waits long; it is still all or nothing, because its rows stay hidden
until every one is written (see `Importer.import_deck`).
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.engine import Connection

from retain.collection.accounts import LOCAL_ACCOUNT_ID, AccountId, Accounts
from retain.collection.checking import CheckReport as CheckReport
from retain.collection.checking import check_store
from retain.collection.classes import Classes
from retain.collection.decks import DeckCounts as DeckCounts
from retain.collection.decks import DeckEdit as DeckEdit
from retain.collection.decks import Decks
from retain.collection.importing import IMPORT_BATCH as IMPORT_BATCH
from retain.collection.importing import Importer
from retain.collection.importing import ImportProgress as ImportProgress
from retain.collection.importing import ImportReport as ImportReport
from retain.collection.stats import PointStats as PointStats
from retain.collection.stats import Stats
from retain.collection.study import AnswerResult as AnswerResult
from retain.collection.study import Study
from retain.collection.study import StudyCounts as StudyCounts
from retain.collection.study import StudyItem as StudyItem
from retain.collection.study import UndoResult as UndoResult
from retain.core import scheduling
from retain.core.model import SchedulerDraft
from retain.deck_index import DeckIndex
from retain.errors import CollectionError as CollectionError
from retain.plans import Plans
from retain.settings import DEFAULT_NEW_PER_DAY as DEFAULT_NEW_PER_DAY
from retain.settings import DEFAULT_SETTINGS
from retain.storage import schema
from retain.storage.engine import WRITE, check_revision, is_read_only, migrate, store_location
from retain.storage.errors import storage_errors
from retain.storage.opening import open_store
from retain.storage.prepared import OneTransaction, PreparedStatements

_SCHEDULING_SETTINGS = frozenset({"desired_retention", "day_start_hour", "fsrs_parameters"})
"""The settings that change how answers are scheduled: each answer records those in force."""


def _local_timezone() -> tzinfo:
    return timezone(timedelta(seconds=time.localtime().tm_gmtoff))


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



@dataclass
class _ConfigRow:
    id: int | None = None


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
        self._prepared: PreparedStatements = PreparedStatements(engine)
        # Set in a view made by `one_transaction`: the transaction its work is part of.
        self._unit: OneTransaction | None = None
        self.index = DeckIndex(engine, self._prepared)
        self._settings = self._load_settings()
        self.tz = tz if tz is not None else _local_timezone()
        self._config = self._scheduler_config()
        # The stored row of the scheduler settings in force, once an answer has needed it
        # (such a row is never changed): shared with the views of `as_account`.
        self._config_row = _ConfigRow()
        # The account the collection acts for: the local one, unless `as_account` names
        # another.
        self.account_id: AccountId = LOCAL_ACCOUNT_ID
        self._make_managers()
        self._importer.recover_imports()

    def _make_managers(self) -> None:
        # One manager per concern, as Anki's pylib hangs them off its collection.
        self.plans = Plans(self)
        self.decks = Decks(self)
        self.study = Study(self)
        self.stats = Stats(self)
        self.accounts = Accounts(self)
        self.classes = Classes(self)
        self._importer = Importer(self)

    def as_account(self, account_id: int) -> Collection:
        """The same store, acting for another account: its decks, its cards' states and
        its answers, its classes. Cheap (a server makes one per request), and it shares
        the original's connections: close the original, not the view."""
        view = copy.copy(self)
        view.account_id = AccountId(int(account_id))
        view._make_managers()
        return view

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
        self.index.stop()
        self._prepared.close()
        self.engine.dispose()

    def __enter__(self) -> Collection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def one_transaction(self) -> Iterator[Collection]:
        """A view of this collection (for the same account) whose reads and writes, until
        the block ends, all make one transaction on one connection: committed when the block
        ends, rolled back if it raises. For a request of a server database: one checkout,
        one BEGIN and one COMMIT, however many operations it runs. On SQLite, whose writes
        take the write lock at their start (BEGIN IMMEDIATE), each operation keeps its own
        transaction and the collection itself is given."""
        if self.engine.dialect.name == "sqlite" or self._unit is not None:
            yield self
            return
        unit = OneTransaction(self._prepared)
        view = copy.copy(self)
        view._prepared = unit
        view._unit = unit
        view._make_managers()
        try:
            yield view
        except BaseException:
            unit.finish(commit=False)
            raise
        unit.finish(commit=True)

    def _remember_config_row(self, config_id: int) -> None:
        """The stored row of the scheduler settings in force is `config_id`: kept for the
        answers that follow once it is committed (a row written by a transaction still
        under way is not there for the others)."""
        row = self._config_row

        def remember() -> None:
            row.id = config_id

        if self._unit is None:
            remember()
        else:
            self._unit.after_commit(remember)

    def _memo(self) -> dict[Any, Any] | None:
        """In a view of `one_transaction`: what its transaction has read and may read
        again, until its next write (see `OneTransaction.memo`); otherwise None."""
        return None if self._unit is None else self._unit.memo

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        if self._unit is not None:
            with storage_errors(self.location):
                try:
                    yield self._unit.connection()
                finally:
                    self._unit.memo.clear()
            return
        with (
            storage_errors(self.location),
            self.engine.connect().execution_options(**{WRITE: True}) as conn,
            conn.begin(),
        ):
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        if self._unit is not None:
            with storage_errors(self.location):
                yield self._unit.connection(write=False)
            return
        with storage_errors(self.location), self.engine.connect() as conn, conn.begin():
            yield conn

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
            self._config_row.id = None

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

    # -- checking -----------------------------------------------------------------------

    def check(
        self,
        *,
        repair: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> CheckReport:
        """Verify the store (see `checking.check_store`): database integrity, and every
        card's state against a replay of its review log; `repair` rewrites the states that
        differ from the log."""
        return check_store(self, repair=repair, progress=progress)
