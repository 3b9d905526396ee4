"""Write a deck as an Anki package (``.apkg``) with ``genanki``.

Each card becomes a note of Anki's own "Basic" note type (or, with ``type_in``, of "Basic
(type in the answer)"): the question is the Front, and the answer points are the Back, one
line each (joined by ``<br>``). Text is escaped, so that what Anki shows is what retain
stores, and `retain.formats.apkg` reads the package back to the same cards. An
``[image: NAME]`` in a card whose media file is given becomes the image again, and the
file goes into the package.

Notes get a GUID made from the deck's title and the question, so that importing the package
into Anki again updates the notes instead of adding them twice.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from retain.core.model import DeckDraft
from retain.formats.apkg import escape, safe_media_name

__all__ = ["write"]

_IMAGE = re.compile(r"\[image: ([^\]\n]{1,255})\]")


def _deck_id(title: str) -> int:
    """A stable Anki deck id for a title (Anki wants one per deck, below 2**63)."""
    return (1 << 30) + int(hashlib.sha256(title.encode()).hexdigest()[:12], 16) % (1 << 40)


def _field(text: str, media: set[str]) -> str:
    escaped = escape(text)

    def image(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in media:
            return f'<img src="{escape(name).replace(chr(34), "&quot;")}">'
        return match.group(0)

    return _IMAGE.sub(image, escaped)


def write(
    deck: DeckDraft,
    *,
    type_in: bool = False,
    media: Sequence[tuple[str, Path]] = (),
    timestamp: float | None = None,
) -> bytes:
    """The deck as the bytes of an ``.apkg`` file.

    `media` are (name the cards use, file) pairs to include; `timestamp` (seconds since the
    epoch) fixes the ids Anki gets, for a package that is the same byte for byte."""
    import genanki

    title = deck.title or "retain"
    model = genanki.BASIC_TYPE_IN_THE_ANSWER_MODEL if type_in else genanki.BASIC_MODEL
    anki_deck = genanki.Deck(_deck_id(title), title)
    names = {name for name, _ in media if safe_media_name(name)}
    for note in deck.notes:
        anki_deck.add_note(
            genanki.Note(
                model=model,
                fields=[
                    _field(note.question, names),
                    "<br>".join(_field(point, names) for point in note.answer_points),
                ],
                guid=genanki.guid_for(title, note.question),
                tags=[tag for tag in note.tags if tag and not any(c.isspace() for c in tag)],
            )
        )
    with tempfile.TemporaryDirectory(prefix="retain-apkg-") as folder:
        files: list[str] = []
        for name, path in media:
            if name not in names:
                continue
            link = os.path.join(folder, name)
            os.symlink(Path(path).resolve(), link)
            files.append(link)
        package = genanki.Package(anki_deck, media_files=files)
        out = io.BytesIO()
        package.write_to_file(out, timestamp=timestamp)
    return out.getvalue()
