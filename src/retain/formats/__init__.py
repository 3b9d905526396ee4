"""Readers for the outside formats a deck arrives in, and detection of which one it is.

Each format is one module here with ``read(data, *, source) -> DeckDraft`` and
``sniff(data, source) -> float`` (how sure it is, from 0 to 1, that the data is its
format). `read_data` asks every registered module and lets the surest one read. Adding a
format means adding its module to `FORMAT_MODULES`; callers do not change.

Modules are imported only when data is read, so importing `retain.formats` stays cheap.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from retain.formats.errors import DeckImportError

if TYPE_CHECKING:
    from retain.core.model import DeckDraft

__all__ = ["FORMAT_MODULES", "DeckImportError", "FormatReader", "read_data", "read_path"]

# The format modules, most specific first; pasted text is the fallback for anything.
FORMAT_MODULES: tuple[str, ...] = ("retain.formats.text",)

# Larger than any real deck; refusing it early keeps a wrong file from filling memory.
MAX_FILE_BYTES = 64 * 1024 * 1024


class FormatReader(Protocol):
    """What a format module provides."""

    NAME: str

    def sniff(self, data: bytes, source: str | None = None) -> float: ...

    def read(self, data: bytes, *, source: str | None = None) -> DeckDraft: ...


def read_data(data: bytes, *, source: str | None = None) -> DeckDraft:
    """Find the format of `data` and read it, or raise `DeckImportError`.

    `source` names where the data came from (a file name) and appears in error messages;
    its extension may also help a format recognise itself.
    """
    best: FormatReader | None = None
    best_score = 0.0
    for name in FORMAT_MODULES:
        module = cast(FormatReader, importlib.import_module(name))
        score = module.sniff(data, source)
        if score > best_score:
            best, best_score = module, score
    if best is None:
        raise DeckImportError("this is not in any format retain can read", source=source)
    return best.read(data, source=source)


def read_path(path: Path) -> DeckDraft:
    """Read the deck in the file at `path`, or raise `DeckImportError` naming the file."""
    source = str(path)
    try:
        if path.is_dir():
            raise DeckImportError("this is a folder, not a file", source=source)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DeckImportError(
                f"the file is too large to be a deck ({size // (1024 * 1024)} MB)",
                source=source,
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise DeckImportError("there is no such file", source=source) from None
    except PermissionError:
        raise DeckImportError("the file cannot be read: permission denied", source=source) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise DeckImportError(f"the file cannot be read: {reason}", source=source) from None
    return read_data(data, source=source)
