"""Cards in rows of fields: CSV, TSV, and the notes Anki exports as plain text.

A row is one card: its front (the question), its back (the answer, one point per line of
it), and optionally its tags (separated by spaces, as Anki writes them). Fields are quoted
as spreadsheets quote them: a quoted field can hold the separator, a doubled quote and
line breaks.

The reader finds, with no settings:

- the separator (tab, comma, semicolon or ``|``): the one that splits every row of the
  start of the file into the same number of fields, at least two;
- a header row, when the first row names its columns (``front``, ``back``, ``question``,
  ``answer``, ``term``, ``definition``, ``tags``, ...);
- Anki's header lines at the top of its text export: ``#separator:``, ``#html:``,
  ``#tags column:``, ``#deck:``, ``#notetype:``, ``#columns:`` (and the ``column`` forms of
  deck, note type and guid, whose columns are left out of the card). With ``#html:true``
  the fields are HTML: ``<br>``, ``<div>``, ``<p>`` and ``<li>`` end a point, other tags
  are dropped and entities decoded.

`DeckDraft.format` is ``"csv"``, ``"tsv"`` or ``"anki/text"`` (a file with Anki's header
lines). `write` writes CSV (a header row, then a row a card) or TSV as Anki's text export
(its header lines, then a row a card), which Anki imports as it is.

Reading is linear in the size of the input: rows are split by the standard library's
`csv` module, in C, and a field may be at most `MAX_FIELD` characters long, so an unclosed
quote is refused with its line rather than swallowing the rest of the file. A large file
is read as it is imported (`stream`), a line at a time, in bounded memory.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import PurePath
from typing import BinaryIO

from retain.core.model import DeckDraft, DeckStream, NoteDraft, parse_tags
from retain.formats.decode import decode_bytes
from retain.formats.errors import DeckImportError

__all__ = ["NAME", "read", "read_text", "sniff", "stream", "write"]

NAME = "delimited"

MAX_FIELD = 1_000_000
"""The longest field read, in characters; a longer one is refused with its line."""

_SAMPLE_CHARS = 64 * 1024
_SAMPLE_ROWS = 50
_SEPARATORS = ("\t", ",", ";", "|")
_SEPARATOR_NAMES = {
    "tab": "\t",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "space": " ",
    "colon": ":",
}
_FRONT_NAMES = frozenset(
    {"front", "question", "term", "text", "prompt", "q", "word", "card", "side 1", "side1"}
)
_BACK_NAMES = frozenset(
    {
        "back",
        "answer",
        "definition",
        "a",
        "meaning",
        "extra",
        "back extra",
        "side 2",
        "side2",
        "translation",
        "notes",
    }
)
_TAGS_NAMES = frozenset({"tags", "tag"})
_SKIPPED_NAMES = frozenset({"deck", "notetype", "note type", "guid", "id"})
_HEADER_KEYS = (
    "separator",
    "html",
    "tags column",
    "deck",
    "notetype",
    "columns",
    "deck column",
    "notetype column",
    "guid column",
    "if matches",
)
_BULLET_RE = re.compile(r"^(?:[-*+•·▪◦‣●○■□➢➤►–—]\s+|[•·▪◦‣●○■□➢➤►](?=\S))")
# HTML in a field: the tags that end a line, then any tag. No pattern can backtrack: a tag
# is "<", then anything but "<" or ">", then ">", so each character is looked at once.
_HTML_BREAK_RE = re.compile(r"<(?:br|/?div|/?p|/?li|/?ul|/?ol|/?tr)\b[^<>]*+>", re.IGNORECASE)
# Control characters but tab, newline and carriage return (see formats/text.py).
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_HTML_TAG_RE = re.compile(r"<[^<>]*+>")


class _Layout:
    """How the rows are laid out: separator, HTML or not, which column is which."""

    def __init__(self) -> None:
        self.separator: str | None = None
        self.html = False
        self.front = 0
        self.back: list[int] = [1]
        self.tags: int | None = None
        self.skipped: set[int] = set()
        self.deck: str | None = None
        self.columns: list[str] | None = None
        self.named = False  # the columns have names (a header row or "#columns:")
        self.anki = False


def sniff(data: bytes, source: str | None = None) -> float:
    """How sure this reader is that `data` is rows of fields (0 to 1).

    Anki's header lines leave no doubt. A file named ``.csv`` or ``.tsv`` that splits into
    rows is surely this. Otherwise the text must split into at least two rows of the same
    number of fields; two tab-separated fields a row, with no header and no quotes, are
    left to the pasted-text reader, which reads them the same way and more."""
    head = data[:_SAMPLE_CHARS]
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:
            try:
                text = head.decode("cp1252")
            except UnicodeDecodeError:
                return 0.0
        else:
            text = head[: error.start].decode("utf-8-sig", errors="ignore")
    if "\x00" in text:
        return 0.0
    lines = text.lstrip("\ufeff").splitlines()
    if lines and _header_line(lines[0]) is not None:
        return 0.9
    if _suffix(source) in (".csv", ".tsv") and text.strip():
        return 0.8
    shape = _shape(text)
    if shape is None:
        return 0.0
    separator, fields, header, quoted = shape
    if separator == "\t" and fields == 2 and not header and not quoted:
        return 0.0
    return 0.6 if header else 0.3


def _shape(text: str) -> tuple[str, int, bool, bool] | None:
    """(separator, fields per row, a header row?, quotes?) of the start of `text`, or None
    when no separator splits every row of it into the same number of fields (two or more)."""
    end = text.rfind("\n")
    sample = text if end < 0 or len(text) < _SAMPLE_CHARS else text[: end + 1]
    for separator in _SEPARATORS:
        if separator not in sample:
            continue
        try:
            rows = [row for row in _rows_of(sample, separator, limit=_SAMPLE_ROWS) if any(row)]
        except csv.Error:
            continue
        if len(rows) < 2:
            continue
        counts = {len(row) for row in rows}
        if len(counts) == 1 and (fields := counts.pop()) >= 2:
            if separator == "," and not _comma_rows(rows):
                continue
            return separator, fields, _is_header(rows[0]), '"' in sample
    return None


def _suffix(source: str | None) -> str:
    return PurePath(source).suffix.lower() if source else ""


def _comma_rows(rows: Sequence[Sequence[str]]) -> bool:
    """Prose has commas too: rows of it split evenly only by chance, with long fields."""
    return all(len(row[0]) <= 300 for row in rows)


def _rows_of(text: str, separator: str, *, limit: int | None = None) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=False)
    for count, row in enumerate(reader):
        if limit is not None and count >= limit:
            return
        yield row


def _is_header(row: Sequence[str]) -> bool:
    names = [field.strip().casefold() for field in row]
    return (
        bool(names)
        and names[0] in _FRONT_NAMES
        and all(
            name in _FRONT_NAMES | _BACK_NAMES | _TAGS_NAMES | _SKIPPED_NAMES or not name
            for name in names
        )
    )


def _header_line(line: str) -> tuple[str, str] | None:
    """(key, value) of one of Anki's header lines ("#separator:tab"), else None."""
    if not line.startswith("#") or ":" not in line:
        return None
    key, value = line[1:].split(":", 1)
    key = key.strip().casefold()
    return (key, value.strip()) if key in _HEADER_KEYS else None


def read(data: bytes | str, *, source: str | None = None) -> DeckDraft:
    """Read rows of fields (see the module's docstring), or raise `DeckImportError`."""
    text = data if isinstance(data, str) else decode_bytes(data, source=source)
    return read_text(text, source=source)


def read_text(text: str, *, source: str | None = None) -> DeckDraft:
    text = text.removeprefix("\ufeff")
    removed = 0
    if _CONTROL_RE.search(text) is not None:
        text, removed = _CONTROL_RE.subn("", text)
    layout, body_start, line_offset = _layout_of(text, source=source)
    fmt = _format_of(layout)
    notes = tuple(
        _notes(io.StringIO(text[body_start:], newline=""), layout, line_offset, source=source)
    )
    return DeckDraft(
        title=layout.deck, format=fmt, notes=notes, control_characters_removed=removed
    )


def stream(data: BinaryIO, size: int, *, source: str | None = None) -> DeckStream | None:
    """Read a large UTF-8 file (`data`, seekable, of `size` bytes) as it is imported: the
    layout is found in its start, then the rows are read a line at a time, so that memory
    stays bounded by the longest row whatever the size of the file. Returns None for a file
    that must be read whole (one that is not UTF-8)."""
    from retain.formats.decode import STREAM_CHUNK, Utf8Chunks, is_utf8_text_file

    if not is_utf8_text_file(data):
        return None
    data.seek(0)
    head = data.read(STREAM_CHUNK).decode("utf-8-sig", errors="ignore")
    head = head[: head.rfind("\n") + 1] or head
    layout, _, line_offset = _layout_of(_CONTROL_RE.sub("", head), source=source)
    chunks = Utf8Chunks(data, size)
    deck = DeckStream(
        layout.deck,
        _format_of(layout),
        iter(()),
        read_fraction=lambda: min(chunks.read / chunks.size, 1.0),
    )

    def lines() -> Iterator[str]:
        skipped = 0
        for text in chunks:
            if _CONTROL_RE.search(text) is not None:
                text, removed = _CONTROL_RE.subn("", text)
                deck.control_characters_removed += removed
            for line in text.splitlines(keepends=True):
                if skipped < line_offset:  # Anki's header lines, read into the layout
                    skipped += 1
                    continue
                yield line

    deck.notes = _notes(lines(), layout, line_offset, source=source)
    return deck


def _layout_of(text: str, *, source: str | None) -> tuple[_Layout, int, int]:
    """The layout of the rows of `text` (the start of the input will do): the layout, where
    the rows start (an offset in `text`), and how many header lines come before them."""
    layout = _Layout()
    body_start, line_offset = _read_header_lines(text, layout, source=source)
    if layout.separator is None:
        body = text[body_start:]
        shape = _shape(body)
        suffix = _suffix(source)
        if shape is None and suffix in (".csv", ".tsv"):
            top = body[: body.find("\n")] if "\n" in body else body
            shape = ("\t" if suffix == ".tsv" else max(",;", key=top.count), 0, False, False)
        if shape is None:
            raise DeckImportError(
                "cannot tell what separates the fields: no tab, comma, semicolon or '|' "
                "splits every row into the same number of fields",
                source=source,
            )
        layout.separator = shape[0]
    return layout, body_start, line_offset


def _format_of(layout: _Layout) -> str:
    return "anki/text" if layout.anki else ("tsv" if layout.separator == "\t" else "csv")


def _notes(
    lines: Iterable[str], layout: _Layout, line_offset: int, *, source: str | None
) -> Iterator[NoteDraft]:
    """The cards of the rows in `lines` (the input's lines after its header lines, each
    with its newline), read as `layout` says; refused if there are none."""
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(lines, delimiter=layout.separator or "\t", strict=True)
    first = True
    found = False
    previous_line = 0
    try:
        for row in reader:
            line = line_offset + previous_line + 1
            previous_line = reader.line_num
            if not any(field.strip() for field in row):
                continue
            if first:
                first = False
                if layout.columns is not None:
                    _apply_names(layout, layout.columns)
                elif _is_header(row):
                    _apply_names(layout, row)
                    continue
            found = True
            yield _note(row, layout, line=line, source=source)
    except csv.Error as error:
        line = line_offset + previous_line + 1
        reason = str(error)
        if "unexpected end of data" in reason:
            reason = "a quoted field that starts on this line is never closed"
        elif "field larger" in reason:
            reason = f"a field is longer than {MAX_FIELD:,} characters (is a quote left open?)"
        raise DeckImportError(
            f"the rows cannot be read: {reason}", source=source, line=line
        ) from None
    finally:
        csv.field_size_limit(old_limit)
    if not found:
        raise DeckImportError("no cards found: there are no rows below the header", source=source)


def _read_header_lines(text: str, layout: _Layout, *, source: str | None) -> tuple[int, int]:
    """Read Anki's header lines at the top of `text` into `layout`: where the rows start
    (an offset in `text`) and how many lines come before them."""
    position = lines = 0
    columns: str | None = None
    while position < len(text) and text[position] == "#":
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        found = _header_line(text[position:end].rstrip("\r"))
        if found is None:
            break
        key, value = found
        layout.anki = True
        lines += 1
        if key == "separator":
            separator = _SEPARATOR_NAMES.get(value.casefold(), value)
            if len(separator) != 1:
                raise DeckImportError(
                    f"the separator {value!r} is not one character (or tab, comma, "
                    "semicolon, space, pipe or colon)",
                    source=source,
                    line=lines,
                )
            layout.separator = separator
        elif key == "html":
            layout.html = value.casefold() == "true"
        elif key == "deck":
            layout.deck = value or None
        elif key == "columns":
            columns = value
        elif key.endswith("column"):
            column = _column(value, key, lines, source)
            if key == "tags column":
                layout.tags = column
            else:
                layout.skipped.add(column)
        position = end + 1
    if columns is not None:
        layout.columns = columns.split(layout.separator or "\t")
    if layout.tags is not None or layout.skipped:
        _assign_rest(layout)
    return position, lines


def _column(value: str, key: str, line: int, source: str | None) -> int:
    if not value.isdigit() or int(value) < 1:
        raise DeckImportError(
            f"'#{key}:' needs a column number from 1, not {value!r}", source=source, line=line
        )
    return int(value) - 1


def _assign_rest(layout: _Layout) -> None:
    """Front and back are the first two columns that are not tags, deck or note type."""
    taken = set(layout.skipped) | ({layout.tags} if layout.tags is not None else set())
    free = [i for i in range(64) if i not in taken]
    layout.front = free[0]
    layout.back = [free[1]]


def _apply_names(layout: _Layout, names: Sequence[str]) -> None:
    front: int | None = None
    back: list[int] = []
    for i, name in enumerate(field.strip().casefold() for field in names):
        if name in _TAGS_NAMES:
            layout.tags = i
        elif name in _SKIPPED_NAMES or i in layout.skipped or i == layout.tags:
            layout.skipped.add(i)
        elif front is None and (name in _FRONT_NAMES or name not in _BACK_NAMES):
            front = i
        else:
            back.append(i)
    layout.front = 0 if front is None else front
    layout.back = back or [1]
    layout.named = True


def _note(row: list[str], layout: _Layout, *, line: int, source: str | None) -> NoteDraft:
    def field(i: int) -> str:
        return row[i] if i < len(row) else ""

    question = " ".join(_lines(field(layout.front), layout.html))
    back = layout.back
    if not layout.named:  # every column but the front, tags, deck and note type
        back = [
            i
            for i in range(len(row))
            if i != layout.front and i != layout.tags and i not in layout.skipped
        ]
    points: list[str] = []
    for i in back:
        points.extend(_lines(field(i), layout.html))
    tags = parse_tags(field(layout.tags)) if layout.tags is not None else ()
    if not question:
        raise DeckImportError("this row has no front (question)", source=source, line=line)
    if not points:
        raise DeckImportError(
            f"the card {_quote(question)} has no back (answer)", source=source, line=line
        )
    return NoteDraft(question, tuple(points), tags)


def _lines(value: str, is_html: bool) -> list[str]:
    """A field's points: its lines, each stripped of whitespace and of a bullet."""
    if is_html:
        value = _without_scripts(value)
        value = _HTML_BREAK_RE.sub("\n", value)
        value = html.unescape(_HTML_TAG_RE.sub("", value)).replace("\xa0", " ")
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    points = []
    for line in value.split("\n"):
        point = _BULLET_RE.sub("", line.strip(), count=1).strip()
        if point:
            points.append(point)
    return points


def _without_scripts(value: str) -> str:
    """The field without its scripts and styles (and what is inside them), in one pass: a
    script that is never closed takes the rest of the field with it."""
    lower = value.lower()
    if "<script" not in lower and "<style" not in lower:
        return value
    kept: list[str] = []
    position = 0
    while True:
        starts = [
            at
            for at in (lower.find("<script", position), lower.find("<style", position))
            if at >= 0
        ]
        if not starts:
            kept.append(value[position:])
            return "".join(kept)
        start = min(starts)
        kept.append(value[position:start])
        name = "</script" if lower.startswith("<script", start) else "</style"
        close = lower.find(name, start)
        if close < 0:
            return "".join(kept)
        end = lower.find(">", close)
        position = len(value) if end < 0 else end + 1


def _quote(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def write(deck: DeckDraft, *, separator: str = ",") -> str:
    """The deck as rows: CSV (``separator=","``, the default) with a header row, or TSV
    (``"\\t"``) as Anki's text export, with its header lines (the deck's title in
    ``#deck:``). The back holds the points one per line; tags are a last column when a card
    has any. The reader reads it back to the same cards (and, for TSV, the same title)."""
    out = io.StringIO(newline="")
    with_tags = any(note.tags for note in deck.notes)
    writer = csv.writer(out, delimiter=separator, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    names = ["front", "back", *(["tags"] if with_tags else [])]
    if separator == "\t":
        out.write("#separator:tab\n#html:false\n")
        if deck.title:
            out.write(f"#deck:{' '.join(deck.title.split())}\n")
        out.write("#columns:" + "\t".join(names) + "\n")
        if with_tags:
            out.write("#tags column:3\n")
    else:
        writer.writerow(names)
    for note in deck.notes:
        row = [note.question, "\n".join(note.answer_points)]
        if with_tags:
            row.append(" ".join(note.tags))
        writer.writerow(row)
    return out.getvalue()
