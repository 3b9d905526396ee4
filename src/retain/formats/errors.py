"""The one error every format reader raises."""

from __future__ import annotations


class DeckImportError(Exception):
    """Input that cannot be turned into a deck. The message says what is wrong and where.

    `line` is the 1-based line of the source the problem was found on, when there is one.
    """

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        self.message = message
        self.source = source
        self.line = line
        where = ""
        if source and line:
            where = f"{source}, line {line}: "
        elif source:
            where = f"{source}: "
        elif line:
            where = f"line {line}: "
        super().__init__(where + message)


class DeckTooLargeError(DeckImportError):
    """Input past the size limit for a deck (in bytes or in cards); the message names it."""
