"""Anki packages made by hand for the tests: a collection in Anki's 2.1 schema (the one
``collection.anki2`` and ``collection.anki21`` hold) with the stock note types, packed as
each of the three package versions, with media listed the old way (JSON) or the new way
(a zstd-compressed protobuf list)."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import zstandard

FRONT_BACK = ["Front", "Back"]
MODELS: dict[str, dict[str, object]] = {
    "basic": {
        "id": 1001,
        "name": "Basic",
        "type": 0,
        "flds": FRONT_BACK,
        "tmpls": [("{{Front}}", "{{FrontSide}}<hr id=answer>{{Back}}")],
    },
    "reversed": {
        "id": 1002,
        "name": "Basic (and reversed card)",
        "type": 0,
        "flds": FRONT_BACK,
        "tmpls": [
            ("{{Front}}", "{{FrontSide}}<hr id=answer>{{Back}}"),
            ("{{Back}}", "{{FrontSide}}<hr id=answer>{{Front}}"),
        ],
    },
    "typein": {
        "id": 1003,
        "name": "Basic (type in the answer)",
        "type": 0,
        "flds": FRONT_BACK,
        "tmpls": [("{{Front}}\n\n{{type:Back}}", "{{Front}}\n\n<hr id=answer>\n\n{{type:Back}}")],
    },
    "cloze": {
        "id": 1004,
        "name": "Cloze",
        "type": 1,
        "flds": ["Text", "Back Extra"],
        "tmpls": [("{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}")],
    },
}


@dataclass
class Note:
    model: str
    fields: Sequence[str]
    cards: int = 1
    tags: str = ""
    # Per card (its ordinal): revlog rows (time in ms, ease, interval, kind, taken ms).
    reviews: Mapping[int, Sequence[tuple[int, int, int, int, int]]] = field(default_factory=dict)


def collection(
    notes: Sequence[Note], *, deck: str = "Imported deck", dconf: Mapping[str, object] | None = None
) -> bytes:
    """An Anki 2.1 collection holding `notes`, as the bytes of its SQLite file."""
    db = sqlite3.connect(":memory:")
    db.executescript(
        """
        CREATE TABLE col (id integer primary key, crt integer, mod integer, scm integer,
            ver integer, dty integer, usn integer, ls integer, conf text, models text,
            decks text, dconf text, tags text);
        CREATE TABLE notes (id integer primary key, guid text, mid integer, mod integer,
            usn integer, tags text, flds text, sfld text, csum integer, flags integer,
            data text);
        CREATE TABLE cards (id integer primary key, nid integer, did integer, ord integer,
            mod integer, usn integer, type integer, queue integer, due integer, ivl integer,
            factor integer, reps integer, lapses integer, left integer, odue integer,
            odid integer, flags integer, data text);
        CREATE TABLE revlog (id integer primary key, cid integer, usn integer, ease integer,
            ivl integer, lastIvl integer, factor integer, time integer, type integer);
        """
    )
    models = {
        str(m["id"]): {
            "id": m["id"],
            "name": m["name"],
            "type": m["type"],
            "flds": [{"name": n, "ord": i} for i, n in enumerate(m["flds"])],  # type: ignore[arg-type]
            "tmpls": [
                {"name": f"Card {i + 1}", "ord": i, "qfmt": q, "afmt": a}
                for i, (q, a) in enumerate(m["tmpls"])  # type: ignore[arg-type]
            ],
        }
        for m in MODELS.values()
    }
    decks = {"1": {"id": 1, "name": "Default"}, "2": {"id": 2, "name": deck}}
    db.execute(
        "INSERT INTO col VALUES (1, 0, 0, 0, 11, 0, 0, 0, '{}', ?, ?, ?, '{}')",
        (json.dumps(models), json.dumps(decks), json.dumps(dconf or {"1": {"id": 1}})),
    )
    card_id = 5000
    for number, note in enumerate(notes, 1):
        model = MODELS[note.model]
        db.execute(
            "INSERT INTO notes VALUES (?, ?, ?, 0, 0, ?, ?, '', 0, 0, '')",
            (number, f"guid{number}", model["id"], note.tags, "\x1f".join(note.fields)),
        )
        for ordinal in range(note.cards):
            card_id += 1
            db.execute(
                "INSERT INTO cards VALUES (?, ?, 2, ?, 0, 0, 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0, '')",
                (card_id, number, ordinal, number),
            )
            for when, ease, interval, kind, taken in note.reviews.get(ordinal, ()):
                db.execute(
                    "INSERT INTO revlog VALUES (?, ?, 0, ?, ?, 0, 2500, ?, ?)",
                    (when, card_id, ease, interval, taken, kind),
                )
    db.commit()
    data = db.serialize()
    db.close()
    return data


def media_entries(files: Mapping[str, bytes]) -> bytes:
    """The new media list: MediaEntries { repeated MediaEntry { string name = 1;
    uint32 size = 2; } }."""
    out = bytearray()
    for name, data in files.items():
        raw = name.encode()
        entry = b"\x0a" + _varint(len(raw)) + raw + b"\x10" + _varint(len(data))
        out += b"\x0a" + _varint(len(entry)) + entry
    return bytes(out)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def package(
    collection_bytes: bytes,
    *,
    version: str = "anki21",
    media: Mapping[str, bytes] | None = None,
    extra: Mapping[str, bytes] | None = None,
) -> bytes:
    """A package of the collection: `version` is ``anki2``, ``anki21`` or ``anki21b``."""
    media = media or {}
    out = io.BytesIO()
    zstd = zstandard.ZstdCompressor()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if version == "anki21b":
            archive.writestr("meta", b"\x08\x03")
            archive.writestr("collection.anki21b", zstd.compress(collection_bytes))
            archive.writestr("collection.anki2", b"SQLite format 3\x00 placeholder")
            archive.writestr("media", zstd.compress(media_entries(media)))
            for index, data in enumerate(media.values()):
                archive.writestr(str(index), zstd.compress(data))
        else:
            archive.writestr(f"collection.{version}", collection_bytes)
            archive.writestr("media", json.dumps({str(i): n for i, n in enumerate(media)}))
            for index, data in enumerate(media.values()):
                archive.writestr(str(index), data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()
