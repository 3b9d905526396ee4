"""The full-fidelity JSON backup: every table of the store that holds a fact, row by row.

`write_backup` writes decks, notes (their points and tags), cards (their scheduling state),
the review log (with its undos, the points each answer covered and the scheduler settings
each answer was made under), media references and settings: every table of the schema
except those computed from the others (`schema.DERIVED_TABLES`, made again when needed)
and the bookkeeping of imports under way. Tables added to the schema later (exam dates,
accounts) are carried the same way, with no change here.

`restore_backup` puts a backup into an empty store, ids and all, in one transaction, so
that the store it makes is the one that was backed up: written out again, it gives the same
backup byte for byte, and `retain check` finds every card in agreement with its log.

The file is one JSON object::

    {"format": "retain-backup", "version": 1, "schema": "0008",
     "tables": {"decks": {"columns": ["id", ...], "rows": [[1, ...], ...]}, ...}}

with one row a line, written as the rows are read (a store of any size is written in
bounded memory). Media files themselves stay in the data directory; the backup names them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.exc import DataError, IntegrityError, StatementError

from retain.errors import CollectionError
from retain.storage import schema
from retain.storage.engine import WRITE
from retain.storage.errors import storage_errors

if TYPE_CHECKING:
    from retain.collection import Collection
    from retain.core.model import Deck

__all__ = [
    "BACKUP_FORMAT",
    "BACKUP_VERSION",
    "BackupSummary",
    "is_backup",
    "read_backup",
    "restore_backup",
    "write_backup",
]

BACKUP_FORMAT = "retain-backup"
BACKUP_VERSION = 1
_SKIPPED = schema.DERIVED_TABLES | schema.PRIVATE_TABLES | {"imports", "import_note_updates"}
_BATCH = 2000
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _tables() -> list[Table]:
    """The tables a backup holds, parents before the tables that point at them."""
    return [table for table in schema.metadata.sorted_tables if table.name not in _SKIPPED]


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds: its decks (name, cards) and the rows of each table."""

    schema: str
    decks: tuple[tuple[str, int], ...]
    rows: Mapping[str, int]

    def to_json_dict(self) -> dict[str, object]:
        return {
            "format": BACKUP_FORMAT,
            "schema": self.schema,
            "decks": [{"name": name, "cards": cards} for name, cards in self.decks],
            "rows": dict(self.rows),
        }


def write_backup(col: Collection, out: IO[str], *, deck: Deck | None = None) -> None:
    """Write the store (or one deck with its history, the settings and the scheduler
    settings its answers were made under) to `out` as a JSON backup."""
    ids: dict[str, set[Any]] = {}
    with storage_errors(col.location), col.engine.connect() as conn, conn.begin():
        out.write(
            f'{{"format":"{BACKUP_FORMAT}","version":{BACKUP_VERSION},'
            f'"schema":"{schema.SCHEMA_REVISION}","tables":{{'
        )
        for number, table in enumerate(_tables()):
            columns = [column.name for column in table.columns]
            out.write(("," if number else "") + f"\n{_JSON(table.name)}:{{")
            out.write(f'"columns":{_JSON(columns)},"rows":[')
            keep = _row_filter(table, ids) if deck is not None else None
            query = select(table).order_by(*table.primary_key.columns)
            if deck is not None and table.name == "decks":
                query = query.where(table.c.id == deck.id)
            first = True
            for row in conn.execution_options(yield_per=_BATCH).execute(query):
                values = list(row)
                if keep is not None and not keep(row._mapping):
                    continue
                if deck is not None and "id" in table.c:
                    ids.setdefault(table.name, set()).add(row._mapping["id"])
                out.write(("\n" if first else ",\n") + _JSON(values))
                first = False
            out.write("]}")
        out.write("\n}}\n")


def _row_filter(table: Table, ids: Mapping[str, set[Any]]) -> Any:
    """For a one-deck backup: a row is kept when every row it points at was kept (a table
    that points at no kept table, such as the settings, is kept whole)."""
    links = [
        (fk.parent.name, fk.column.table.name)
        for fk in table.foreign_keys
        if fk.column.table.name not in _SKIPPED and fk.column.table.name != "scheduler_configs"
    ]
    if not links:
        return None

    def keep(row: Mapping[str, Any]) -> bool:
        return all(
            row[column] is None or row[column] in ids.get(target, ()) for column, target in links
        )

    return keep


def is_backup(head: bytes) -> bool:
    """Whether data that starts with `head` is a backup written by `write_backup`."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    return start.startswith(b"{") and f'"{BACKUP_FORMAT}"'.encode() in start


@dataclass(frozen=True)
class _Backup:
    schema: str
    tables: dict[str, tuple[list[str], list[list[Any]]]]


def read_backup(data: bytes, *, source: str | None = None) -> _Backup:
    """Parse and check a backup, or raise CollectionError saying what is wrong."""
    where = f"{source}: " if source else ""
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except ValueError as error:  # not UTF-8, not JSON, or a number of thousands of digits
        raise CollectionError(f"{where}this backup is not valid JSON ({error})") from None
    except RecursionError:
        raise CollectionError(f"{where}this backup is nested too deeply") from None
    if not isinstance(value, dict) or value.get("format") != BACKUP_FORMAT:
        raise CollectionError(f"{where}this is not a retain backup")
    if value.get("version") != BACKUP_VERSION:
        raise CollectionError(
            f"{where}this backup is of version {value.get('version')!r}; "
            f"this retain reads version {BACKUP_VERSION}"
        )
    revision = str(value.get("schema", ""))
    if revision > schema.SCHEMA_REVISION:
        raise CollectionError(
            f"{where}this backup comes from a newer retain (schema {revision}); upgrade retain"
        )
    known = {table.name: table for table in _tables()}
    tables: dict[str, tuple[list[str], list[list[Any]]]] = {}
    raw = value.get("tables")
    if not isinstance(raw, dict):
        raise CollectionError(f"{where}this backup has no tables")
    for name, content in raw.items():
        if name not in known:
            raise CollectionError(f"{where}this backup has a table retain does not know: {name}")
        columns = content.get("columns") if isinstance(content, dict) else None
        rows = content.get("rows") if isinstance(content, dict) else None
        if not isinstance(columns, list) or not isinstance(rows, list):
            raise CollectionError(f"{where}the table {name} of this backup is malformed")
        unknown = [c for c in columns if c not in known[name].c]
        if unknown:
            raise CollectionError(
                f"{where}the table {name} of this backup has unknown columns: {unknown}"
            )
        for number, row in enumerate(rows, 1):
            if not isinstance(row, list) or len(row) != len(columns):
                raise CollectionError(
                    f"{where}row {number} of the table {name} does not match its columns"
                )
        tables[name] = (columns, rows)
    return _Backup(revision, tables)


def summary(backup: _Backup) -> BackupSummary:
    decks_columns, deck_rows = backup.tables.get("decks", ([], []))
    cards_columns, card_rows = backup.tables.get("cards", ([], []))
    names: dict[Any, str] = {}
    if "id" in decks_columns and "name" in decks_columns:
        i, n = decks_columns.index("id"), decks_columns.index("name")
        names = {row[i]: row[n] for row in deck_rows}
    counts: dict[Any, int] = dict.fromkeys(names, 0)
    if "deck_id" in cards_columns:
        d = cards_columns.index("deck_id")
        for row in card_rows:
            counts[row[d]] = counts.get(row[d], 0) + 1
    decks = tuple((names[key], counts.get(key, 0)) for key in names)
    rows = {name: len(rows) for name, (_, rows) in backup.tables.items()}
    return BackupSummary(backup.schema, decks, rows)


def restore_backup(col: Collection, backup: _Backup) -> BackupSummary:
    """Put `backup` into the store, which must hold no decks and no answers yet; all of it
    in one transaction, or nothing."""
    with (
        storage_errors(col.location),
        col.engine.connect().execution_options(**{WRITE: True}) as conn,
        conn.begin(),
    ):
        for table in (schema.decks, schema.reviews):
            if conn.execute(select(func.count()).select_from(table)).scalar_one():
                raise CollectionError(
                    "a backup is restored into an empty store, and this one already has "
                    f"{table.name}: use another data directory (retain --home DIR import ...)"
                )
        for table in reversed(_tables()):
            if table.name in backup.tables:
                conn.execute(table.delete())
        for table in _tables():
            if table.name not in backup.tables:
                continue
            columns, rows = backup.tables[table.name]
            for start in range(0, len(rows), _BATCH):
                chunk = rows[start : start + _BATCH]
                batch = [dict(zip(columns, row, strict=True)) for row in chunk]
                if not batch:
                    continue
                try:
                    conn.execute(insert(table), batch)
                except (IntegrityError, DataError, StatementError) as error:
                    reason = str(getattr(error, "orig", None) or error).splitlines()[0]
                    raise CollectionError(
                        f"the rows of the table {table.name} in this backup do not fit the "
                        f"store ({reason}); nothing was restored"
                    ) from None
        # A backup made before accounts: its decks, cards and answers are the local
        # account's, as migration 0011 makes them in a store.
        for table, column in (
            (schema.decks, "owner_id"), (schema.notes, "owner_id"), (schema.cards, "account_id"),
            (schema.reviews, "account_id"),
        ):
            conn.execute(
                update(table)
                .where(table.c[column].is_(None))
                .values({column: schema.LOCAL_ACCOUNT_ID})
            )
        if not conn.execute(select(schema.accounts.c.id).where(
            schema.accounts.c.id == schema.LOCAL_ACCOUNT_ID
        )).first():
            conn.execute(
                insert(schema.accounts).values(
                    id=schema.LOCAL_ACCOUNT_ID, name="local", name_key="local", local=True,
                    created_at=0,
                )
            )
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn, _tables())
    return summary(backup)


def _reset_sequences(conn: Any, tables: Sequence[Table]) -> None:
    """After rows are inserted with their ids, a server's id sequences start after them."""
    for table in tables:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
            )
        )
