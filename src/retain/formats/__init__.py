"""Readers for the outside formats a deck arrives in, and detection of which one it is.

Each format is one module here with ``read(data, *, source) -> DeckDraft`` and
``sniff(data, source) -> float`` (how sure it is, from 0 to 1, that the data is its
format). `read_data` asks every registered module and lets the surest one read. Adding a
format means adding its module to `FORMAT_MODULES`; callers do not change.

A file, a device and standard input are all read the same way (`read_stream`): in chunks,
up to `MAX_INPUT_BYTES`, and refused past it; a deck of more than `MAX_CARDS` cards is
refused too. Either limit can be lifted (``limit=False``).

Modules are imported only when data is read, so importing `retain.formats` stays cheap.
"""

from __future__ import annotations

import importlib
import stat
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol, cast

from retain.formats.errors import DeckImportError, DeckTooLargeError
from retain.gcpause import cycle_collector_paused

if TYPE_CHECKING:
    from collections.abc import Iterator

    from retain.core.model import DeckDraft, DeckStream, NoteDraft

__all__ = [
    "FORMAT_MODULES",
    "MAX_CARDS",
    "MAX_INPUT_BYTES",
    "DeckImportError",
    "DeckTooLargeError",
    "FormatReader",
    "open_path",
    "open_stream",
    "read_data",
    "read_path",
    "read_stream",
]

# The format modules, most specific first; pasted text is the fallback for anything.
FORMAT_MODULES: tuple[str, ...] = (
    "retain.formats.apkg",
    "retain.formats.delimited",
    "retain.formats.quizlet",
    "retain.formats.text",
)

# Far larger than any real deck; refusing more keeps a wrong file, a device or an endless
# pipe from filling memory.
MAX_INPUT_BYTES = 200 * 1024 * 1024
MAX_CARDS = 1_000_000

_CHUNK = 1024 * 1024
_ARCHIVE_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


class _Opener(Protocol):
    def __call__(
        self, data: BinaryIO, size: int, *, source: str | None = None
    ) -> DeckStream | None: ...


class FormatReader(Protocol):
    """What a format module provides."""

    NAME: str

    def sniff(self, data: bytes, source: str | None = None) -> float: ...

    def read(self, data: bytes, *, source: str | None = None) -> DeckDraft: ...


def read_data(
    data: bytes, *, source: str | None = None, limit: bool = True
) -> DeckDraft:
    """Find the format of `data` and read it, or raise `DeckImportError`.

    `source` names where the data came from (a file name) and appears in error messages;
    its extension may also help a format recognise itself. Unless `limit` is False, more
    than `MAX_INPUT_BYTES` or more than `MAX_CARDS` cards raise `DeckTooLargeError` (the
    limits are read when the data is, so that a test can lower them).
    """
    if limit and len(data) > MAX_INPUT_BYTES:
        raise _too_large(source)
    best: FormatReader | None = None
    best_score = 0.0
    for name in FORMAT_MODULES:
        module = cast(FormatReader, importlib.import_module(name))
        score = module.sniff(data, source)
        if score > best_score:
            best, best_score = module, score
    if best is None:
        raise DeckImportError("this is not in any format retain can read", source=source)
    with cycle_collector_paused():
        draft = best.read(data, source=source)
    if limit and len(draft.notes) > MAX_CARDS:
        raise DeckTooLargeError(
            f"it has {len(draft.notes):,} cards, more than {MAX_CARDS:,}, the limit for a deck",
            source=source,
        )
    return draft


def read_stream(
    stream: BinaryIO, *, source: str | None = None, limit: bool = True
) -> DeckDraft:
    """Read a deck from an open binary stream (a file, a device, a pipe, standard input).

    It is read in chunks, and refused as soon as it passes `MAX_INPUT_BYTES` (unless
    `limit` is False), or as soon as its first chunk shows it is binary data: an endless
    device such as /dev/zero is never read to its end."""
    data = _read_checked(stream, source=source, limit=limit)
    return read_data(data, source=source, limit=limit)


def _read_checked(
    stream: BinaryIO, *, source: str | None, limit: bool, stop_after: int | None = None
) -> bytes:
    """Read `stream` in chunks, to its end or to the first chunk past `stop_after` bytes:
    binary data is refused at its first chunk, and input past `MAX_INPUT_BYTES` as soon as
    it is read (unless `limit` is False)."""
    from retain.formats.decode import refuse_binary_start

    chunks: list[bytes] = []
    size = 0
    while stop_after is None or size <= stop_after:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        if not chunks and not chunk.startswith(_ARCHIVE_MAGICS):
            # An archive (an Anki package) is for the format readers to recognise.
            refuse_binary_start(chunk, source=source)
        size += len(chunk)
        if limit and size > MAX_INPUT_BYTES:
            raise _too_large(source)
        chunks.append(chunk)
    return b"".join(chunks)


def read_path(path: Path, *, limit: bool = True) -> DeckDraft:
    """Read the deck in the file at `path`, or raise `DeckImportError` naming the file.

    A device or a named pipe is read like a file, up to the same limit."""
    source = str(path)
    try:
        if path.is_dir():
            raise DeckImportError("this is a folder, not a file", source=source)
        with path.open("rb") as stream:
            info = path.stat()
            if (
                limit
                and stat.S_ISREG(info.st_mode)
                and info.st_size > MAX_INPUT_BYTES
            ):
                raise _too_large(source, info.st_size)
            return read_stream(stream, source=source, limit=limit)
    except FileNotFoundError:
        raise DeckImportError("there is no such file", source=source) from None
    except PermissionError:
        raise DeckImportError("the file cannot be read: permission denied", source=source) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise DeckImportError(f"the file cannot be read: {reason}", source=source) from None


def _too_large(source: str | None, size: int | None = None) -> DeckTooLargeError:
    limit = _size(MAX_INPUT_BYTES)
    if size is None:
        return DeckTooLargeError(f"it is larger than {limit}, the limit for a deck", source=source)
    return DeckTooLargeError(
        f"it is {_size(size)}, larger than {limit}, the limit for a deck", source=source
    )


def _size(count: int) -> str:
    megabytes = count / (1024 * 1024)
    return f"{megabytes:,.0f} MB" if megabytes >= 1 else f"{count:,} bytes"


def open_stream(
    stream: BinaryIO, *, source: str | None = None, limit: bool = True
) -> DeckDraft | DeckStream:
    """`read_stream`, except that a large file of pasted text or of rows (CSV, TSV) is not
    read into memory: it comes back as a `DeckStream` whose notes are read as they are
    imported (see `text.stream`, `delimited.stream`), and the limits are checked as they
    are read. A stream that cannot be read twice (a pipe, standard input) is first copied
    to a temporary file."""
    import tempfile

    from retain.formats import text

    head = _read_checked(
        stream, source=source, limit=limit, stop_after=text.STREAM_PREFIX_BYTES
    )
    if len(head) <= text.STREAM_PREFIX_BYTES or head.startswith(_ARCHIVE_MAGICS):
        return read_stream(
            cast(BinaryIO, _Prepended(head, stream)), source=source, limit=limit
        )
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed when the notes are read)
    try:
        size = len(head)
        spool.write(head)
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if limit and size > MAX_INPUT_BYTES:
                raise _too_large(source)
            spool.write(chunk)
        spool.flush()
        return _open_spooled(spool, size, source=source, limit=limit)
    except BaseException:
        spool.close()
        raise


def open_path(path: Path, *, limit: bool = True) -> DeckDraft | DeckStream:
    """`read_path`, except that a large file of pasted text or of rows comes back as a
    `DeckStream` (see `open_stream`)."""
    source = str(path)
    try:
        if path.is_dir():
            raise DeckImportError("this is a folder, not a file", source=source)
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            with path.open("rb") as stream:
                return open_stream(stream, source=source, limit=limit)
        if limit and info.st_size > MAX_INPUT_BYTES:
            raise _too_large(source, info.st_size)
        stream = path.open("rb")
    except FileNotFoundError:
        raise DeckImportError("there is no such file", source=source) from None
    except PermissionError:
        raise DeckImportError("the file cannot be read: permission denied", source=source) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise DeckImportError(f"the file cannot be read: {reason}", source=source) from None
    from retain.formats import text

    try:
        if info.st_size <= text.STREAM_PREFIX_BYTES or stream.read(_CHUNK).startswith(
            _ARCHIVE_MAGICS
        ):
            stream.seek(0)
            with stream:
                return read_stream(stream, source=source, limit=limit)
        return _open_spooled(stream, info.st_size, source=source, limit=limit)
    except OSError as error:
        stream.close()
        reason = error.strerror or str(error)
        raise DeckImportError(f"the file cannot be read: {reason}", source=source) from None
    except BaseException:
        stream.close()
        raise


def _open_spooled(
    stream: BinaryIO, size: int, *, source: str | None, limit: bool
) -> DeckDraft | DeckStream:
    """A large seekable file: streamed when its format reads it card by card (pasted text,
    rows of fields), else read whole (and closed either way once read)."""
    from retain.formats.decode import refuse_binary_start

    stream.seek(0)
    head = stream.read(_CHUNK)
    refuse_binary_start(head, source=source)
    reader = _best_format(head, source)
    # A format that can read as it imports has `stream(data, size, *, source)`.
    opener = cast("_Opener | None", getattr(reader, "stream", None))
    deck = opener(stream, size, source=source) if opener is not None else None
    if deck is None:
        stream.seek(0)
        with stream:
            return read_stream(stream, source=source, limit=limit)
    deck.notes = _counted(deck.notes, source=source, limit=limit)
    deck.file = stream
    return deck


def _counted(
    notes: Iterator[NoteDraft], *, source: str | None, limit: bool
) -> Iterator[NoteDraft]:
    """The notes, refused past `MAX_CARDS` (unless `limit` is False)."""
    for count, note in enumerate(notes, 1):
        if limit and count > MAX_CARDS:
            raise DeckTooLargeError(
                f"it has more than {MAX_CARDS:,} cards, the limit for a deck", source=source
            )
        yield note


def _best_format(head: bytes, source: str | None) -> FormatReader | None:
    best: FormatReader | None = None
    best_score = 0.0
    for name in FORMAT_MODULES:
        module = cast(FormatReader, importlib.import_module(name))
        score = module.sniff(head, source)
        if score > best_score:
            best, best_score = module, score
    return best


class _Prepended:
    """A stream whose first bytes were already read (`head`)."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size < 0:
                out, self._head = self._head + self._stream.read(), b""
                return out
            out, self._head = self._head[:size], self._head[size:]
            return out
        return self._stream.read(size)
