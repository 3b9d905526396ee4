"""Taking a stored deck back out, in any format retain writes.

Every interface exports through here: the deck is turned into a `DeckDraft` (what every
reader returns, so the same cards come back when it is imported again) and handed to the
format's writer. The full-fidelity JSON backup, which is of the whole store rather than of
one deck's cards, is in `retain.archive`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retain.core.model import Deck, DeckDraft, NoteDraft
from retain.errors import CollectionError

if TYPE_CHECKING:
    from retain.collection import Collection

__all__ = ["BINARY_FORMATS", "DECK_FORMATS", "deck_draft", "export_deck"]

DECK_FORMATS = ("apkg", "csv", "tsv", "quizlet", "markdown")
"""The formats a deck's cards are written in (JSON, the backup, is `retain.archive`)."""
BINARY_FORMATS = frozenset({"apkg"})


def deck_draft(col: Collection, deck: Deck) -> DeckDraft:
    """The deck's cards as a draft: its title (its name when it has none), its notes in
    order, with their tags."""
    notes = tuple(NoteDraft(n.question, n.answer_points, n.tags) for n in col.decks.notes(deck))
    return DeckDraft(deck.title or deck.name, "retain", notes)


def export_deck(
    col: Collection,
    deck: Deck,
    fmt: str,
    *,
    term_separator: str = "\t",
    card_separator: str = "\n",
    type_in: bool = False,
) -> str | bytes:
    """The deck written in `fmt` (one of `DECK_FORMATS`). Raises CollectionError when the
    format cannot hold these cards (the message says why). `type_in`: an Anki package whose
    cards ask for the answer to be typed."""
    draft = deck_draft(col, deck)
    try:
        if fmt == "csv":
            from retain.formats import delimited

            return delimited.write(draft, separator=",")
        if fmt == "tsv":
            from retain.formats import delimited

            return delimited.write(draft, separator="\t")
        if fmt == "quizlet":
            from retain.formats import quizlet

            return quizlet.write(
                draft, term_separator=term_separator, card_separator=card_separator
            )
        if fmt == "markdown":
            from retain.formats import markdown

            return markdown.write(draft)
        if fmt == "apkg":
            from retain.formats import apkg_write

            return apkg_write.write(draft, type_in=type_in, media=col.decks.media_files(deck))
    except ValueError as error:
        raise CollectionError(f"“{deck.name}” cannot be written as {fmt}: {error}") from None
    raise CollectionError(f"unknown export format {fmt!r} (known: {', '.join(DECK_FORMATS)})")
