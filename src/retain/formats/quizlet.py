"""Quizlet's import and export text: a term, a separator, its definition; then the
separator between cards.

Quizlet lets the student choose both separators: between term and definition a tab (the
default), a comma or any string; between cards a new line (the default), a semicolon or
any string. The same choices are offered here (`read` and `write` take them).

A definition of several points is written one point a line when the separator between
cards is not a new line, so that it survives the round trip. With a new line between
cards, a line can hold only one card, and its points are written on it as ``• a • b``,
which reads back as the same points (the pasted-text reader splits such a line too).

With the default separators, Quizlet's text is what the pasted-text reader already reads
as ``text/tab``; `sniff` recognises the one layout it cannot: cards separated by
semicolons, with tabs inside them.
"""

from __future__ import annotations

from retain.core.model import DeckDraft, NoteDraft
from retain.formats.decode import decode_bytes
from retain.formats.errors import DeckImportError

__all__ = ["NAME", "SEPARATOR_NAMES", "read", "read_text", "separator", "sniff", "write"]

NAME = "quizlet"

SEPARATOR_NAMES = {"tab": "\t", "comma": ",", "newline": "\n", "semicolon": ";"}
"""The separators Quizlet names; any other string is taken as it is."""

_BULLET = "•"
_SAMPLE = 64 * 1024


def separator(value: str) -> str:
    """A separator given by name (tab, comma, newline, semicolon), as an escape (``\\t``,
    ``\\n``) or as itself."""
    named = SEPARATOR_NAMES.get(value.strip().casefold())
    if named is not None:
        return named
    unescaped = value.replace("\\t", "\t").replace("\\n", "\n")
    if not unescaped:
        raise ValueError("a separator cannot be empty")
    return unescaped


def sniff(data: bytes, source: str | None = None) -> float:
    """Cards separated by semicolons, each a term and a definition separated by a tab."""
    head = data[:_SAMPLE].decode("utf-8", errors="ignore")
    if "\t" not in head or ";" not in head:
        return 0.0
    chunks = [chunk.strip() for chunk in head.split(";")[:-1] if chunk.strip()]
    if len(chunks) >= 2 and all(
        chunk.count("\t") == 1 and "\n" not in chunk.partition("\t")[0] for chunk in chunks
    ):
        return 0.5
    return 0.0


def read(
    data: bytes | str,
    *,
    source: str | None = None,
    term_separator: str = "\t",
    card_separator: str | None = None,
) -> DeckDraft:
    """Read Quizlet's text with these separators (by default tab and new line; when the
    data was recognised by `sniff`, a semicolon between cards)."""
    text = data if isinstance(data, str) else decode_bytes(data, source=source)
    if card_separator is None:
        card_separator = ";" if sniff(text.encode("utf-8")) else "\n"
    return read_text(
        text, source=source, term_separator=term_separator, card_separator=card_separator
    )


def read_text(
    text: str,
    *,
    source: str | None = None,
    term_separator: str = "\t",
    card_separator: str = "\n",
) -> DeckDraft:
    if not term_separator or not card_separator:
        raise DeckImportError("a separator cannot be empty", source=source)
    if term_separator == card_separator:
        raise DeckImportError(
            "the separator between term and definition must differ from the one between cards",
            source=source,
        )
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    notes: list[NoteDraft] = []
    line = 1
    position = 0
    while position < len(text):
        end = text.find(card_separator, position)
        end = len(text) if end < 0 else end
        card = text[position:end]
        if card.strip():
            where = line + card[: len(card) - len(card.lstrip())].count("\n")
            at = card.find(term_separator)
            if at < 0:
                raise DeckImportError(
                    f"this card has no {_name(term_separator)} between term and definition: "
                    f"{_quote(card.strip())}",
                    source=source,
                    line=where,
                )
            term = " ".join(card[:at].split())
            points = _points(card[at + len(term_separator) :], one_line=card_separator == "\n")
            if not term:
                raise DeckImportError("this card has no term", source=source, line=where)
            if not points:
                raise DeckImportError(
                    f"the term {_quote(term)} has no definition", source=source, line=where
                )
            notes.append(NoteDraft(term, tuple(points)))
        line += card.count("\n") + card_separator.count("\n")
        position = end + len(card_separator)
    if not notes:
        raise DeckImportError("no cards found: the text is empty", source=source)
    return DeckDraft(title=None, format="quizlet", notes=tuple(notes))


def _points(definition: str, *, one_line: bool) -> list[str]:
    if one_line and definition.count(_BULLET) >= 2:
        parts = definition.split(_BULLET)
    else:
        parts = definition.split("\n")
    return [part.strip() for part in parts if part.strip()]


def write(deck: DeckDraft, *, term_separator: str = "\t", card_separator: str = "\n") -> str:
    """The deck as Quizlet's import text with these separators. Raises ValueError, naming
    the card, when a term or a definition holds a separator (choose others)."""
    if term_separator == card_separator or not term_separator or not card_separator:
        raise ValueError("the two separators must differ and neither can be empty")
    one_line = card_separator == "\n"
    cards: list[str] = []
    for number, note in enumerate(deck.notes, 1):
        if one_line and len(note.answer_points) > 1:
            if any(_BULLET in point for point in note.answer_points):
                raise ValueError(
                    f"card {number} ({note.question!r}) has several points and one holds "
                    f"'{_BULLET}'; choose a separator between cards other than a new line"
                )
            definition = f"{_BULLET} " + f" {_BULLET} ".join(note.answer_points)
        else:
            definition = "\n".join(note.answer_points)
        for what, text in (("term", note.question), ("definition", definition)):
            for sep in (term_separator, card_separator):
                if sep in text or (what == "term" and "\n" in text):
                    raise ValueError(
                        f"the {what} of card {number} ({note.question!r}) holds the "
                        f"separator {_name(sep)}; choose other separators"
                    )
        cards.append(note.question + term_separator + definition)
    text = card_separator.join(cards) + ("\n" if card_separator == "\n" else "")
    again = read_text(text, term_separator=term_separator, card_separator=card_separator)
    for number, (note, read_note) in enumerate(zip(deck.notes, again.notes, strict=False), 1):
        if (note.question, note.answer_points) != (read_note.question, read_note.answer_points):
            raise ValueError(
                f"card {number} ({note.question!r}) runs into a separator; choose other separators"
            )
    if len(again.notes) != len(deck.notes):
        raise ValueError("the cards run into the separators; choose other separators")
    return text


def _name(sep: str) -> str:
    for name, value in SEPARATOR_NAMES.items():
        if value == sep:
            return f"'{name}'"
    return repr(sep)


def _quote(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
