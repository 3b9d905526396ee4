"""The media folder: images and sounds that imported cards refer to.

Files are kept in ``media/`` in the data directory, beside the store, each once under the
SHA-256 of its bytes and the extension of its name (``<hash>.jpg``). A name that comes from
outside (an Anki package) is only ever a row of the `media` table: it never becomes a path,
so no name can write outside the folder. A file is written to a temporary name in the
folder and renamed into place, so that a file of the folder is always whole.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

__all__ = ["MediaFolder", "stored_name"]

_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,10})$")


def stored_name(name: str, data: bytes) -> str:
    """The file's name in the media folder: its hash and, when it has a plain one, the
    extension of `name` (lower case)."""
    digest = hashlib.sha256(data).hexdigest()
    match = _EXTENSION.search(name)
    return digest + ("." + match.group(1).lower() if match else "")


class MediaFolder:
    """The media folder at `path` (made when the first file is stored)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def store(self, name: str, data: bytes) -> str:
        """Keep `data` (the file a card calls `name`) and return its stored name."""
        stored = stored_name(name, data)
        target = self.path / stored
        if target.exists() and target.stat().st_size == len(data):
            return stored
        self.path.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return stored

    def read(self, stored: str) -> bytes:
        return (self.path / Path(stored).name).read_bytes()
