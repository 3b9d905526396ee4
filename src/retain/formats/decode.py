"""Turn the bytes of a pasted or saved deck into text, without mangling a single character.

Students save decks from Word, Notepad, web pages and exports, so the same words arrive as
UTF-8 (with or without a byte-order mark), UTF-16 or Windows-1252 ("ANSI", where the curly
quotes and dashes are the bytes 0x91-0x97). `decode_bytes` reads all of these exactly. It
refuses, with a `DeckImportError` that says why, what is not text (images, archives,
databases) and text whose encoding it cannot tell with confidence, because a wrong guess
would silently turn every accented letter into mojibake.

Only line endings are changed (CRLF and CR become LF). Every other character is kept as
written: curly quotes stay curly, en dashes stay en dashes.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator
from typing import BinaryIO

from retain.formats.errors import DeckImportError

__all__ = [
    "STREAM_CHUNK",
    "Utf8Chunks",
    "decode_bytes",
    "is_utf8_text_file",
    "normalise_newlines",
    "refuse_binary_start",
]

STREAM_CHUNK = 1024 * 1024
"""How much of a large file is read at a time."""

# Signatures of the binary files most often picked by mistake, and what to call them.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (such as an Anki .apkg, a .docx or an .xlsx file)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document (.doc or .xls)"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
)

# Byte-order marks, longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Control bytes and characters, except the ones ordinary text contains (tab, newline,
# vertical tab, form feed, carriage return).
_CONTROL_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20)) + b"\x7f"
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")

# A share of control characters above this means the data is not text.
_MAX_CONTROL_SHARE = 0.02

# In Windows-1252 text written in a Latin-script language, letters outside ASCII are a
# minority. Text in another 8-bit encoding (Cyrillic, Greek, ...) read as Windows-1252
# comes out as almost nothing but accented letters, and is refused rather than mangled.
_MAX_CP1252_NON_ASCII_SHARE = 0.3

_SAVE_AS_UTF8 = "save it as UTF-8 text and try again"


def decode_bytes(data: bytes, *, source: str | None = None) -> str:
    """Decode a deck's bytes to text with LF line endings, or raise `DeckImportError`.

    Reads UTF-8 (with or without a BOM), UTF-16 and UTF-32 with a BOM, UTF-16 without a
    BOM when its zero bytes make it plain, and Windows-1252. Refuses empty input, binary
    data and text in an encoding it cannot identify with confidence.
    """
    if not data:
        raise DeckImportError("the input is empty: there is no text to read", source=source)
    for signature, what in _SIGNATURES:
        if data.startswith(signature) and _looks_binary(data):
            raise DeckImportError(f"this is {what}, not text", source=source)
    text = _decode(data, source=source)
    if not text:
        raise DeckImportError("the input is empty: there is no text to read", source=source)
    _refuse_control_characters(text, source=source)
    return normalise_newlines(text)


def refuse_binary_start(head: bytes, *, source: str | None = None) -> None:
    """Raise `DeckImportError` when the first chunk of a stream is already plainly binary
    (zero bytes that are not UTF-16, or a known binary signature), so that an endless
    device or a wrong file is refused before the rest of it is read."""
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return
    for signature, what in _SIGNATURES:
        if head.startswith(signature) and _looks_binary(head):
            raise DeckImportError(f"this is {what}, not text", source=source)
    if b"\x00" in head and _guess_utf16_without_bom(head[: len(head) // 2 * 2]) is None:
        raise DeckImportError(
            "this is binary data, not text (it contains zero bytes)", source=source
        )


def normalise_newlines(text: str) -> str:
    """Turn CRLF and lone CR line endings into LF, and change nothing else."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes, *, source: str | None) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as error:
                raise DeckImportError(
                    f"the text starts with a {encoding.upper()} byte-order mark but is not "
                    f"valid {encoding.upper()} (bad byte at offset {error.start + len(bom)}); "
                    + _SAVE_AS_UTF8,
                    source=source,
                ) from None
    if b"\x00" in data:
        utf16 = _guess_utf16_without_bom(data)
        if utf16 is not None:
            try:
                return data.decode(utf16)
            except UnicodeDecodeError:
                pass
        raise DeckImportError(
            "this is binary data, not text (it contains zero bytes)", source=source
        )
    if _control_share(data) > _MAX_CONTROL_SHARE:
        raise DeckImportError(
            "this is binary data, not text (it is full of control bytes)", source=source
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        utf8_error = error
    text = _decode_cp1252(data)
    if text is not None:
        return text
    raise DeckImportError(
        "cannot tell which encoding this text is in: it is not UTF-8 "
        f"(bad byte 0x{data[utf8_error.start]:02X} at offset {utf8_error.start}) "
        "and does not read as Windows-1252 text; " + _SAVE_AS_UTF8,
        source=source,
    )


def _decode_cp1252(data: bytes) -> str | None:
    """Windows-1252 text, or None when the bytes do not read as plausible text in it."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None  # bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D are not in Windows-1252
    visible = [c for c in text if not c.isspace()]
    non_ascii = [c for c in visible if ord(c) > 0x7F]
    if not visible or len(non_ascii) > _MAX_CP1252_NON_ASCII_SHARE * len(visible):
        return None
    # What Windows-1252 text contains beyond ASCII: letters, punctuation (quotes, dashes,
    # bullets), currency signs and the odd symbol. Mostly symbols means it is something else.
    plausible = sum(1 for c in non_ascii if unicodedata.category(c)[0] in "LPN" or c in "€£¥°")
    if plausible < 0.8 * len(non_ascii):
        return None
    return text


def _guess_utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when zero bytes sit in every other position, else None."""
    if len(data) < 2 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    half = len(data) // 2
    even_zeros, odd_zeros = even.count(0), odd.count(0)
    if odd_zeros >= 0.5 * half and even_zeros <= 0.05 * half:
        return "utf-16-le"
    if even_zeros >= 0.5 * half and odd_zeros <= 0.05 * half:
        return "utf-16-be"
    return None


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    return b"\x00" in head or _control_share(head) > _MAX_CONTROL_SHARE or not _is_utf8(head)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut off at the end of a sample is still UTF-8.
        return error.reason == "unexpected end of data"
    return True


def _control_share(data: bytes) -> float:
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    return controls / len(data) if data else 0.0


def _refuse_control_characters(text: str, *, source: str | None) -> None:
    if not text:
        return
    if text.isascii():  # the usual case, counted at the speed of bytes
        data = text.encode("ascii")
        controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    else:
        controls = len(_CONTROL_CHARACTERS.findall(text))
    if "\x00" in text or controls > _MAX_CONTROL_SHARE * len(text):
        raise DeckImportError(
            "this is binary data, not text (it is full of control characters)", source=source
        )


def is_utf8_text_file(data: BinaryIO) -> bool:
    """Whether the whole of a seekable file is UTF-8 text (with or without its byte-order
    mark) that `decode_bytes` would take as it is: no other byte-order mark, no NUL, no
    more control characters than text has. Read a chunk at a time, in bounded memory."""
    data.seek(0)
    head = data.read(4)
    if any(head.startswith(bom) for bom, _ in _BOMS if bom != codecs.BOM_UTF8):
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    controls = length = 0
    data.seek(0)
    while chunk := data.read(STREAM_CHUNK):
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
        if "\x00" in text:
            return False
        length += len(text)
        if text.isascii():
            ascii_text = text.encode("ascii")
            controls += len(ascii_text) - len(ascii_text.translate(None, _CONTROL_BYTES))
        else:
            controls += len(_CONTROL_CHARACTERS.findall(text))
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return controls <= _MAX_CONTROL_SHARE * length


class Utf8Chunks:
    """The text of a UTF-8 file, a chunk at a time, with LF line endings; each chunk but
    the last ends with a line's newline. `read` counts the bytes read so far."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self.stream = stream
        self.size = max(size, 1)
        self.read = 0

    def __iter__(self) -> Iterator[str]:
        self.stream.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        carry = ""
        while True:
            data = self.stream.read(STREAM_CHUNK)
            self.read += len(data)
            text = carry + decoder.decode(data, final=not data)
            if not data:
                if text:
                    yield normalise_newlines(text)
                return
            # A CR at the end may be the first half of a CRLF: it waits for the next chunk.
            cut = text.rfind("\n", 0, len(text) - 1 if text.endswith("\r") else len(text))
            if cut < 0:
                carry = text
                continue
            carry = text[cut + 1 :]
            yield normalise_newlines(text[: cut + 1])
