"""Markdown, as retain writes a deck: ``# title``, then a ``## question`` heading per card
with a ``- point`` bullet per answer point. The pasted-text reader reads it back
(``text/markdown``) to the same title and cards; `write` checks that it does."""

from __future__ import annotations

from retain.core.model import DeckDraft
from retain.formats.errors import DeckImportError

__all__ = ["write"]


def write(deck: DeckDraft) -> str:
    """The deck as Markdown. Raises ValueError, naming the first card that would not read
    back the same (a question or a point that Markdown would read as something else)."""
    from retain.formats.text import read_text

    head = [] if deck.title is None else [f"# {deck.title}"]
    cards = [
        "\n".join((f"## {note.question}", *(f"- {point}" for point in note.answer_points)))
        for note in deck.notes
    ]
    text = "\n\n".join(head + cards) + "\n"
    try:
        again = read_text(text)
    except DeckImportError as error:
        raise ValueError(f"these cards do not read back the same as Markdown: {error}") from None
    if again.title != deck.title:
        raise ValueError(f"the title {deck.title!r} does not read back the same as Markdown")
    for number, (note, read) in enumerate(zip(deck.notes, again.notes, strict=False), 1):
        if (note.question, note.answer_points) != (read.question, read.answer_points):
            raise ValueError(
                f"card {number} ({note.question!r}) does not read back the same as Markdown"
            )
    if len(again.notes) != len(deck.notes):
        raise ValueError("these cards do not read back as the same number of cards as Markdown")
    return text
