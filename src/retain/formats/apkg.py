"""Read Anki packages: ``.apkg`` (a deck) and ``.colpkg`` (a whole collection).

A package is a zip archive. Inside it is Anki's collection, an SQLite database, in one of
three versions: ``collection.anki2`` (Anki 2.0), ``collection.anki21`` (2.1) and
``collection.anki21b`` (2.1.50 and later, compressed with zstd, named by a protobuf
``meta`` file). Its media are numbered members of the zip, named by the ``media`` map: JSON
in the older versions, a zstd-compressed protobuf list in the newest (whose media files are
compressed with zstd too).

Each Anki card becomes one retain card:

- Basic, Basic (and reversed card), Basic (optional reversed card) and "type in the answer"
  cards: the fields the card's front template shows are the question, and the fields only
  its back shows (or typed with ``{{type:...}}``) are the answer;
- Cloze cards: the text with that card's deletions blanked (``[...]``, or ``[hint]``) is the
  question, and each deletion is an answer point.

Field HTML is cleaned with ``nh3`` (scripts, styles and event handlers are dropped), then
turned into text: each line break, ``<div>``, ``<p>`` and list item starts a new answer
point, and an image becomes ``[image: NAME]`` (sound stays ``[sound:NAME]``, as Anki writes
it). The media files come with the draft, each read only when it is stored.

The review log comes too: each answer (rating 1-4, its time and how long it took) becomes a
`ReviewDraft`, with the interval Anki gave and the kind of review kept in its detail. A
"Forget" (reset to new) in the log starts the history again; reschedulings that were not
answers are left out. Anki's FSRS parameters and desired retention, where the package has
them, come as `DeckDraft.scheduler` (FSRS-4.5 and FSRS-5 parameters as the FSRS-6 ones
that schedule the same way).

A package is hostile input until proven otherwise: members, sizes and compression ratios
are checked from the zip's directory before anything is decompressed (`MAX_ENTRIES`,
`MAX_COLLECTION_BYTES`, `MAX_MEDIA_BYTES`, `MAX_TOTAL_BYTES`, `MAX_RATIO`), and no
decompression ever produces more than the size it was allowed. Media names are names, never
paths: a name with a folder in it, ``..``, or a control character is refused. The collection
is read from memory (never written to disk) with SQLite's ``trusted_schema`` off. Any
damage gets a `DeckImportError` that says what is wrong.
"""

from __future__ import annotations

import html
import io
import json
import re
import sqlite3
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from retain.core.model import (
    DeckDraft,
    MediaDraft,
    NoteDraft,
    Rating,
    ReviewDraft,
    SchedulerDraft,
)
from retain.formats.errors import DeckImportError

__all__ = [
    "MAX_COLLECTION_BYTES",
    "MAX_ENTRIES",
    "MAX_MEDIA_BYTES",
    "MAX_RATIO",
    "MAX_TOTAL_BYTES",
    "NAME",
    "html_to_lines",
    "read",
    "safe_media_name",
    "sniff",
]

NAME = "apkg"

# Stated limits. A real package is far inside each of them.
MAX_ENTRIES = 100_000
"""Members of the zip (the collection, the media map and one per media file)."""
MAX_COLLECTION_BYTES = 1024 * 1024 * 1024
"""The collection database, decompressed."""
MAX_MEDIA_BYTES = 100 * 1024 * 1024
"""One media file, decompressed."""
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
"""Everything in the package, decompressed."""
MAX_RATIO = 1000
"""Decompressed over compressed size, for a member of more than `_RATIO_FLOOR` bytes."""
MAX_FIELD_CHARACTERS = 1_000_000
"""One field of a note: a longer one is cut there."""

_RATIO_FLOOR = 1024 * 1024
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
# Where a zstd frame may ask for a larger window, it is refused (memory stays bounded).
_ZSTD_MAX_WINDOW = 1 << 27


def sniff(data: bytes, source: str | None = None) -> float:
    """A zip archive is a package when it holds an Anki collection; a zip named
    ``.apkg``/``.colpkg`` is read as one (and refused with a reason if it is not)."""
    if not data.startswith(_ZIP_MAGICS):
        return 0.0
    named = source is not None and source.lower().endswith((".apkg", ".colpkg"))
    if any(name.encode() in data[-65536 - 22 :] for name in _COLLECTIONS) or named:
        return 0.95
    return 0.5  # a zip of something else: still the best reader to say what it is


def read(data: bytes, *, source: str | None = None) -> DeckDraft:
    """Read an Anki package, or raise `DeckImportError` saying what is wrong with it."""
    archive = _open_zip(data, source)
    members = {info.filename: info for info in archive.infolist()}
    name = next((n for n in _COLLECTIONS if n in members), None)
    if name is None:
        raise DeckImportError(
            "this zip archive is not an Anki package: it has no collection in it",
            source=source,
        )
    if "meta" in members:
        version = _meta_version(_member(archive, members["meta"], 1024, source), source)
        if version == 3:
            name = "collection.anki21b"
        elif version == 2:
            name = "collection.anki21"
        elif version == 1:
            name = "collection.anki2"
        else:
            raise DeckImportError(
                f"this package was written by a newer Anki (package version {version}); "
                "export it with “Support older Anki versions” ticked",
                source=source,
            )
        if name not in members:
            raise DeckImportError(f"the package has no {name} in it", source=source)
    compressed = name == "collection.anki21b"
    database = _member(archive, members[name], MAX_COLLECTION_BYTES, source, zstd=compressed)
    media_names = _media_map(archive, members, compressed, source)
    media = tuple(
        _media_draft(archive, members, number, media_name, size, compressed, source)
        for number, media_name, size in media_names
    )
    with _open_database(database, source) as db:
        del database
        return _read_collection(db, media, source)


# -- the zip ---------------------------------------------------------------------------------


def _open_zip(data: bytes, source: str | None) -> zipfile.ZipFile:
    if not data.startswith(_ZIP_MAGICS):
        raise DeckImportError("this is not an Anki package (not a zip archive)", source=source)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise DeckImportError(
            f"the package is damaged or cut short: {error}", source=source
        ) from None
    if len(infos) > MAX_ENTRIES:
        raise DeckImportError(
            f"the package has {len(infos):,} files in it, more than {MAX_ENTRIES:,}, "
            "the limit for a package",
            source=source,
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise DeckImportError(
                f"the package is a zip bomb: {info.filename!r} would grow from "
                f"{info.compress_size:,} to {info.file_size:,} bytes",
                source=source,
            )
    if total > MAX_TOTAL_BYTES:
        raise DeckImportError(
            f"the package would unpack to {_size(total)}, more than {_size(MAX_TOTAL_BYTES)}, "
            "the limit for a package",
            source=source,
        )
    return archive


def _member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limit: int,
    source: str | None,
    *,
    zstd: bool = False,
) -> bytes:
    """A member's bytes (zstd-decompressed when `zstd`), never more than `limit` of them."""
    if info.file_size > limit:
        raise _too_big(info.filename, info.file_size, limit, source)
    try:
        with archive.open(info) as stream:
            raw = stream.read(limit + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as error:
        # zlib.error is an Exception subclass raised from inside zipfile
        raise DeckImportError(
            f"the package is damaged: {info.filename!r} cannot be read ({error})", source=source
        ) from None
    except Exception as error:  # zlib.error and friends: damaged compressed data
        raise DeckImportError(
            f"the package is damaged: {info.filename!r} cannot be read ({error})", source=source
        ) from None
    if len(raw) > limit:
        raise _too_big(info.filename, len(raw), limit, source)
    if zstd and raw.startswith(_ZSTD_MAGIC):
        return _unzstd(raw, limit, info.filename, source)
    return raw


def _unzstd(raw: bytes, limit: int, what: str, source: str | None) -> bytes:
    import zstandard

    try:
        reader = zstandard.ZstdDecompressor(max_window_size=_ZSTD_MAX_WINDOW).stream_reader(
            io.BytesIO(raw), read_across_frames=True
        )
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = reader.read(1024 * 1024)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise _too_big(what, size, limit, source)
            chunks.append(chunk)
    except zstandard.ZstdError as error:
        raise DeckImportError(
            f"the package is damaged: {what!r} cannot be decompressed ({error})", source=source
        ) from None
    return b"".join(chunks)


def _too_big(what: str, size: int, limit: int, source: str | None) -> DeckImportError:
    return DeckImportError(
        f"{what!r} in the package is larger than {_size(limit)}, the limit "
        f"(it is at least {_size(size)})",
        source=source,
    )


def _size(count: int) -> str:
    if count >= 1024 * 1024 * 1024:
        return f"{count / (1024**3):,.1f} GB"
    if count >= 1024 * 1024:
        return f"{count / (1024**2):,.0f} MB"
    return f"{count:,} bytes"


# -- protobuf, the little of it packages use ---------------------------------------------------


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise ValueError("a number is cut short")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def _fields(data: bytes) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value) of each field of a protobuf message: an int for
    varints and fixed-size values, bytes for length-delimited ones."""
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, at = _varint(data, at)
        elif wire == 1:
            value, at = int.from_bytes(data[at : at + 8], "little"), at + 8
        elif wire == 2:
            length, at = _varint(data, at)
            if at + length > len(data):
                raise ValueError("a field is cut short")
            value, at = data[at : at + length], at + length
        elif wire == 5:
            value, at = data[at : at + 4], at + 4
        else:
            raise ValueError(f"unknown wire type {wire}")
        if at > len(data):
            raise ValueError("a field is cut short")
        yield number, wire, value


def _meta_version(data: bytes, source: str | None) -> int:
    try:
        for number, wire, value in _fields(data):
            if number == 1 and wire == 0:
                return int(value)
    except ValueError as error:
        raise DeckImportError(
            f"the package's meta file is damaged: {error}", source=source
        ) from None
    return 0


def _floats(values: list[tuple[int, Any]]) -> tuple[float, ...]:
    import struct

    out: list[float] = []
    for wire, value in values:
        if wire == 2:
            out.extend(x for (x,) in struct.iter_unpack("<f", value[: len(value) // 4 * 4]))
        elif wire == 5:
            out.append(struct.unpack("<f", value)[0])
    return tuple(out)


def _message(data: bytes) -> dict[int, list[tuple[int, Any]]]:
    fields: dict[int, list[tuple[int, Any]]] = {}
    for number, wire, value in _fields(data):
        fields.setdefault(number, []).append((wire, value))
    return fields


def _text(fields: Mapping[int, list[tuple[int, Any]]], number: int) -> str:
    for wire, value in fields.get(number, ()):
        if wire == 2:
            return bytes(value).decode("utf-8", "replace")
    return ""


# -- media -------------------------------------------------------------------------------------


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:]")


def safe_media_name(name: str) -> bool:
    """Whether `name` is a plain file name: no folder, no ``..``, no drive, no control
    character, not empty and not too long."""
    return (
        0 < len(name) <= 255
        and name not in (".", "..")
        and not name.startswith(".")
        and _UNSAFE_NAME.search(name) is None
    )


def _media_map(
    archive: zipfile.ZipFile,
    members: Mapping[str, zipfile.ZipInfo],
    compressed: bool,
    source: str | None,
) -> list[tuple[str, str, int | None]]:
    """(zip member, media name, size if the list says) of each media file."""
    info = members.get("media")
    if info is None:
        return []
    data = _member(archive, info, 64 * 1024 * 1024, source, zstd=compressed)
    pairs: list[tuple[str, str, int | None]] = []
    if data.lstrip().startswith(b"{"):
        try:
            mapping = json.loads(data)
        except (ValueError, RecursionError):
            raise DeckImportError("the package's media list is damaged", source=source) from None
        if not isinstance(mapping, dict):
            raise DeckImportError("the package's media list is damaged", source=source)
        pairs = [(str(k), str(v), None) for k, v in mapping.items()]
    else:
        try:
            for index, (number, wire, entry) in enumerate(_fields(data)):
                if number != 1 or wire != 2:
                    continue
                fields = _message(entry)
                member = str(index)
                for legacy_wire, legacy in fields.get(255, ()):
                    if legacy_wire == 0:
                        member = str(legacy)
                size = next((int(v) for w, v in fields.get(2, ()) if w == 0), None)
                pairs.append((member, _text(fields, 1), size))
        except ValueError as error:
            raise DeckImportError(
                f"the package's media list is damaged: {error}", source=source
            ) from None
    seen: set[str] = set()
    for _, name, _ in pairs:
        if not safe_media_name(name):
            raise DeckImportError(
                f"the package names a media file {name!r}, which is not a plain file name "
                "(a folder, '..' or a control character in it): refused",
                source=source,
            )
        if name in seen:
            raise DeckImportError(f"the package names the media file {name!r} twice", source=source)
        seen.add(name)
    return pairs


def _media_draft(
    archive: zipfile.ZipFile,
    members: Mapping[str, zipfile.ZipInfo],
    member: str,
    name: str,
    size: int | None,
    compressed: bool,
    source: str | None,
) -> MediaDraft:
    info = members.get(member)
    if info is None:
        raise DeckImportError(
            f"the package lists the media file {name!r} but does not hold it", source=source
        )
    if info.file_size > MAX_MEDIA_BYTES:
        raise _too_big(name, info.file_size, MAX_MEDIA_BYTES, source)

    def load() -> bytes:
        return _member(archive, info, MAX_MEDIA_BYTES, source, zstd=compressed)

    return MediaDraft(name, info.file_size if size is None else size, load)


# -- the collection --------------------------------------------------------------------------


class _Database:
    def __init__(self, data: bytes, source: str | None) -> None:
        self.source = source
        self.connection = sqlite3.connect(":memory:")
        if data[18:20] == b"\x02\x02":
            # A database saved in WAL mode: read it as a rollback-journal one (the same
            # pages), since a database in memory has no WAL.
            data = data[:18] + b"\x01\x01" + data[20:]
        try:
            self.connection.deserialize(data)
            self.connection.execute("PRAGMA trusted_schema = OFF")
            self.connection.execute("PRAGMA query_only = ON")
            self.tables = {
                row[0]
                for row in self.connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
        except sqlite3.Error as error:
            self.connection.close()
            raise DeckImportError(
                f"the package's collection is not a sound database: {error}", source=source
            ) from None

    def __enter__(self) -> _Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.connection.close()

    def rows(self, query: str, *args: Any) -> Iterator[sqlite3.Row | tuple[Any, ...]]:
        try:
            yield from self.connection.execute(query, args)
        except sqlite3.Error as error:
            raise DeckImportError(
                f"the package's collection is damaged: {error}", source=self.source
            ) from None


def _open_database(data: bytes, source: str | None) -> _Database:
    if not data.startswith(b"SQLite format 3\x00"):
        raise DeckImportError("the package's collection is not an SQLite database", source=source)
    return _Database(data, source)


@dataclass(frozen=True)
class _Template:
    question_fields: tuple[int, ...]
    answer_fields: tuple[int, ...]


@dataclass(frozen=True)
class _Notetype:
    name: str
    cloze: bool
    fields: tuple[str, ...]
    templates: Mapping[int, _Template]
    cloze_field: int | None


def _read_collection(db: _Database, media: tuple[MediaDraft, ...], source: str | None) -> DeckDraft:
    for table in ("notes", "cards", "col"):
        if table not in db.tables:
            raise DeckImportError(
                f"the package's collection has no {table} table: it is not an Anki collection",
                source=source,
            )
    if "notetypes" in db.tables:
        notetypes = _notetypes_v18(db, source)
        deck_names = {
            int(r[0]): str(r[1]).replace("\x1f", "::")
            for r in db.rows("SELECT id, name FROM decks")
        }
        scheduler = _scheduler_v18(db)
    else:
        notetypes, deck_names, scheduler = _schema_v11(db, source)
    history = _history(db) if "revlog" in db.tables else {}
    notes: dict[int, tuple[int, list[str], tuple[str, ...]]] = {}
    for note_id, notetype_id, fields, tags in db.rows("SELECT id, mid, flds, tags FROM notes"):
        text = (
            fields if isinstance(fields, str) else bytes(fields or b"").decode("utf-8", "replace")
        )
        words = tuple(dict.fromkeys(str(tags or "").split()))
        notes[int(note_id)] = (int(notetype_id), text.split("\x1f"), words)
    drafts: list[NoteDraft] = []
    decks_used: dict[int, int] = {}
    for card_id, note_id, deck_id, ordinal in db.rows(
        "SELECT id, nid, did, ord FROM cards ORDER BY nid, ord, id"
    ):
        note = notes.get(int(note_id))
        if note is None:
            continue
        notetype = notetypes.get(note[0])
        if notetype is None:
            continue
        made = _card(notetype, note[1], int(ordinal))
        if made is None:
            continue
        question, points = made
        decks_used[int(deck_id)] = decks_used.get(int(deck_id), 0) + 1
        drafts.append(
            NoteDraft(question, points, tags=note[2], history=history.get(int(card_id), ()))
        )
    if not drafts:
        raise DeckImportError("the package has no cards in it", source=source)
    names = [deck_names.get(d, "") for d in decks_used]
    return DeckDraft(_title(names), f"{NAME}", tuple(drafts), media=media, scheduler=scheduler)


def _title(names: Sequence[str]) -> str | None:
    """The deck the cards came from; for cards from several decks, the one they all sit
    under, if any."""
    roots = {name.split("::")[0].strip() for name in names if name.strip()}
    if len(names) == 1:
        return names[0].strip() or None
    if len(roots) == 1:
        return roots.pop()
    return None


def _schema_v11(
    db: _Database, source: str | None
) -> tuple[dict[int, _Notetype], dict[int, str], SchedulerDraft | None]:
    row = next(db.rows("SELECT models, decks, dconf FROM col"), None)
    if row is None:
        raise DeckImportError("the package's collection is empty", source=source)
    try:
        models = json.loads(row[0] or "{}")
        decks = json.loads(row[1] or "{}")
        dconf = json.loads(row[2] or "{}")
    except (ValueError, RecursionError):
        raise DeckImportError("the package's note types are damaged", source=source) from None
    notetypes: dict[int, _Notetype] = {}
    if isinstance(models, dict):
        for key, model in models.items():
            if not isinstance(model, dict):
                continue
            fields = tuple(
                str(f.get("name", ""))
                for f in sorted(
                    (f for f in model.get("flds", []) if isinstance(f, dict)),
                    key=lambda f: int(f.get("ord", 0) or 0),
                )
            )
            templates = {
                int(t.get("ord", 0) or 0): (str(t.get("qfmt", "")), str(t.get("afmt", "")))
                for t in model.get("tmpls", [])
                if isinstance(t, dict)
            }
            try:
                model_id = int(key)
            except ValueError:
                continue
            notetypes[model_id] = _notetype(
                str(model.get("name", "")), int(model.get("type", 0) or 0) == 1, fields, templates
            )
    names: dict[int, str] = {}
    if isinstance(decks, dict):
        for key, deck in decks.items():
            if isinstance(deck, dict):
                try:
                    names[int(key)] = str(deck.get("name", ""))
                except ValueError:
                    continue
    scheduler = None
    if isinstance(dconf, dict):
        for conf in dconf.values():
            if not isinstance(conf, dict):
                continue
            params = conf.get("fsrsParams6") or conf.get("fsrsParams5") or conf.get("fsrsWeights")
            retention = conf.get("desiredRetention")
            found = _scheduler(
                float(retention) if isinstance(retention, int | float) else None,
                tuple(float(p) for p in params)
                if isinstance(params, list) and all(isinstance(p, int | float) for p in params)
                else (),
            )
            if found is not None and (scheduler is None or found.parameters):
                scheduler = found
    return notetypes, names, scheduler


def _notetypes_v18(db: _Database, source: str | None) -> dict[int, _Notetype]:
    fields: dict[int, list[tuple[int, str]]] = {}
    for ntid, ordinal, name in db.rows("SELECT ntid, ord, name FROM fields"):
        fields.setdefault(int(ntid), []).append((int(ordinal), str(name)))
    templates: dict[int, dict[int, tuple[str, str]]] = {}
    for ntid, ordinal, config in db.rows("SELECT ntid, ord, config FROM templates"):
        try:
            message = _message(bytes(config or b""))
        except ValueError:
            raise DeckImportError(
                "the package's card templates are damaged", source=source
            ) from None
        templates.setdefault(int(ntid), {})[int(ordinal)] = (_text(message, 1), _text(message, 2))
    notetypes: dict[int, _Notetype] = {}
    for ntid, name, config in db.rows("SELECT id, name, config FROM notetypes"):
        try:
            message = _message(bytes(config or b""))
        except ValueError:
            raise DeckImportError("the package's note types are damaged", source=source) from None
        kind = next((int(v) for w, v in message.get(1, ()) if w == 0), 0)
        names = tuple(n for _, n in sorted(fields.get(int(ntid), [])))
        notetypes[int(ntid)] = _notetype(str(name), kind == 1, names, templates.get(int(ntid), {}))
    return notetypes


def _scheduler_v18(db: _Database) -> SchedulerDraft | None:
    if "deck_config" not in db.tables:
        return None
    found: SchedulerDraft | None = None
    for (config,) in db.rows("SELECT config FROM deck_config"):
        try:
            message = _message(bytes(config or b""))
        except ValueError:
            continue
        params = (
            _floats(message.get(6, []))
            or _floats(message.get(5, []))
            or _floats(message.get(3, []))
        )
        retention = _floats(message.get(37, []))
        candidate = _scheduler(retention[0] if retention else None, params)
        if candidate is not None and (found is None or candidate.parameters):
            found = candidate
    return found


def _scheduler(retention: float | None, params: tuple[float, ...]) -> SchedulerDraft | None:
    if retention is not None and not 0 < retention < 1:
        retention = None
    if retention is not None:
        retention = round(retention, 4)
    # FSRS-4.5 (17) and FSRS-5 (19) parameters are FSRS-6 ones with no stability-dependent
    # same-day term and the fixed decay of 0.5.
    padding = {17: (0.0, 0.0, 0.0, 0.5), 19: (0.0, 0.5), 21: ()}.get(len(params))
    parameters = None if padding is None else tuple(round(p, 6) for p in params) + padding
    if retention is None and parameters is None:
        return None
    return SchedulerDraft(retention, parameters)


# -- templates and fields ----------------------------------------------------------------------

_FIELD_REF = re.compile(r"\{\{([^{}]{1,200})\}\}")
_SPECIAL = frozenset({"FrontSide", "Tags", "Deck", "Subdeck", "Card", "Type", "CardFlag"})


def _refs(template: str, fields: Sequence[str]) -> list[tuple[int, bool]]:
    """(field index, typed) of each field a template shows, in order, once each."""
    index = {name: i for i, name in enumerate(fields)}
    seen: list[tuple[int, bool]] = []
    for match in _FIELD_REF.finditer(template):
        body = match.group(1).strip()
        if body[:1] in "#^/!":
            continue
        parts = body.split(":")
        name = parts[-1].strip()
        typed = any(part.strip() == "type" for part in parts[:-1])
        if name in _SPECIAL or name not in index:
            continue
        if index[name] not in [i for i, _ in seen]:
            seen.append((index[name], typed))
    return seen


def _notetype(
    name: str, cloze: bool, fields: tuple[str, ...], templates: Mapping[int, tuple[str, str]]
) -> _Notetype:
    made: dict[int, _Template] = {}
    cloze_field: int | None = None
    for ordinal, (front, back) in templates.items():
        shown = _refs(front, fields)
        if cloze:
            for match in _FIELD_REF.finditer(front):
                body = match.group(1)
                if "cloze:" in body and body.split(":")[-1].strip() in fields:
                    cloze_field = fields.index(body.split(":")[-1].strip())
                    break
        question = tuple(i for i, typed in shown if not typed)
        answer = tuple(i for i, typed in shown if typed) + tuple(
            i
            for i, _ in _refs(back, fields)
            if i not in question and not any(j == i for j, t in shown if t)
        )
        made[ordinal] = _Template(question, answer)
    if cloze and cloze_field is None and fields:
        cloze_field = 0
    return _Notetype(name, cloze, fields, made, cloze_field)


def _card(
    notetype: _Notetype, fields: list[str], ordinal: int
) -> tuple[str, tuple[str, ...]] | None:
    def lines(index: int) -> list[str]:
        if index >= len(fields):
            return []
        return html_to_lines(fields[index][:MAX_FIELD_CHARACTERS])

    if notetype.cloze:
        if notetype.cloze_field is None:
            return None
        text = "\n".join(lines(notetype.cloze_field))
        question, points = _cloze(text, ordinal + 1)
        if not points:
            return None
        return question, points
    template = notetype.templates.get(ordinal)
    if template is None:
        return None
    question = " ".join(line for i in template.question_fields for line in lines(i))
    points = tuple(line for i in template.answer_fields for line in lines(i))
    if not question or not points:
        return None
    return question, points


def _cloze(text: str, number: int) -> tuple[str, tuple[str, ...]]:
    """The question (deletion `number` blanked, the others shown) and its answer points.

    A single scan: each ``{{cN::`` is matched with the next ``}}`` after it."""
    out: list[str] = []
    points: list[str] = []
    at = 0
    while True:
        start = text.find("{{c", at)
        if start < 0:
            break
        digits = start + 3
        end_digits = digits
        while end_digits < len(text) and end_digits - digits < 4 and text[end_digits].isdigit():
            end_digits += 1
        if end_digits == digits or not text.startswith("::", end_digits):
            out.append(text[at : start + 3])
            at = start + 3
            continue
        close = text.find("}}", end_digits + 2)
        if close < 0:
            break
        body = text[end_digits + 2 : close]
        answer, _, hint = body.partition("::")
        out.append(text[at:start])
        if int(text[digits:end_digits]) == number:
            out.append(f"[{hint.strip() or '...'}]")
            if answer.strip():
                points.append(" ".join(answer.split()))
        else:
            out.append(answer)
        at = close + 2
    out.append(text[at:])
    question = " ".join("".join(out).split())
    return question, tuple(points)


# -- HTML --------------------------------------------------------------------------------------

_KEPT_TAGS = {
    "br",
    "div",
    "p",
    "li",
    "ul",
    "ol",
    "img",
    "b",
    "i",
    "u",
    "em",
    "strong",
    "sub",
    "sup",
    "span",
    "tr",
    "td",
    "th",
    "table",
    "tbody",
    "thead",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "code",
    "hr",
}
_BREAKS = frozenset(
    {
        "br",
        "div",
        "p",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "hr",
        "ul",
        "ol",
        "table",
    }
)


_BREAK = re.compile(r"<br\s{0,10}/?>", re.IGNORECASE)
_ONLY_BREAKS = re.compile(r"(?:[^<]++|<br\s{0,10}/?>)*+", re.IGNORECASE)


class _Lines(HTMLParser):
    """Text of sanitized HTML, broken into lines at block elements and line breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []

    def _break(self) -> None:
        line = " ".join("".join(self.current).split())
        if line:
            self.lines.append(line)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self._break()
        elif tag == "img":
            src = next((v for k, v in attrs if k == "src" and v), None)
            if src:
                self.current.append(f" [image: {src}] ")
        elif tag in ("td", "th"):
            self.current.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAKS:
            self._break()

    def handle_data(self, data: str) -> None:
        self.current.append(data)


def html_to_lines(field: str) -> list[str]:
    """The lines of a field's HTML as plain text: cleaned with nh3 (no script, style or
    event handler survives), broken at ``<br>``, ``<div>``, ``<p>`` and list items, images
    as ``[image: NAME]``."""
    import nh3

    if "&" not in field and _ONLY_BREAKS.fullmatch(field):
        # Text with line breaks only (the common case): nothing to clean.
        return [
            " ".join(line.split()) for line in _BREAK.split(field) if line and not line.isspace()
        ]
    clean = nh3.clean(
        field,
        tags=_KEPT_TAGS,
        attributes={"img": {"src"}},
        url_schemes=set(),
        link_rel=None,
        strip_comments=True,
    )
    parser = _Lines()
    parser.feed(clean)
    parser.close()
    parser._break()
    return parser.lines


# -- the review log ----------------------------------------------------------------------------

# Anki's revlog types: 0 learning, 1 review, 2 relearning, 3 filtered (cram), 4 manual (a
# reschedule or a Forget), 5 rescheduled by FSRS.
_REVLOG_KINDS = {
    0: "learn",
    1: "review",
    2: "relearn",
    3: "filtered",
    4: "manual",
    5: "rescheduled",
}


_RATINGS = {int(rating): rating for rating in Rating}


def _history(db: _Database) -> dict[int, tuple[ReviewDraft, ...]]:
    """Each card's answers, oldest first (a Forget starts the history again)."""
    history: dict[int, list[ReviewDraft]] = {}
    for review_id, card_id, ease, interval, factor, taken, kind in db.rows(
        "SELECT id, cid, ease, ivl, factor, time, type FROM revlog ORDER BY cid, id"
    ):
        card = int(card_id)
        kind = int(kind or 0)
        ease = int(ease or 0)
        if kind == 4 and ease == 0 and int(interval or 0) == 0:
            history.pop(card, None)  # Forget: the card is new again
            continue
        if not 1 <= ease <= 4 or kind > 3:
            continue
        try:
            moment = datetime.fromtimestamp(int(review_id) / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            continue
        detail: dict[str, Any] = {
            "anki": {
                "kind": _REVLOG_KINDS.get(kind, str(kind)),
                # Anki's interval: days when positive, seconds when negative.
                "interval": int(interval or 0),
                "ease_factor": int(factor or 0),
            }
        }
        duration = int(taken or 0)
        history.setdefault(card, []).append(
            ReviewDraft(_RATINGS[ease], moment, duration if 0 < duration < 2**31 else None, detail)
        )
    return {card: tuple(reviews) for card, reviews in history.items()}


def escape(text: str) -> str:
    """Text as HTML for a field: the writer's inverse of `html_to_lines` for one line."""
    return html.escape(text, quote=False)
