"""Tags read with a deck are stored with its notes, and a later import can change them."""

from __future__ import annotations

from retain.collection import Collection
from retain.core.model import DeckDraft, NoteDraft
from tests.conftest import NOW


def _draft(*notes: NoteDraft) -> DeckDraft:
    return DeckDraft("Tagged", "csv", notes)


def test_tags_are_stored_and_updated(collection: Collection) -> None:
    first = _draft(NoteDraft("Q1?", ("a",), ("bio", "cells")), NoteDraft("Q2?", ("b",)))
    collection.decks.import_deck(first, now=NOW)
    deck = collection.decks.find("Tagged")
    assert [n.tags for n in collection.decks.notes(deck)] == [("bio", "cells"), ()]

    again = collection.decks.import_deck(first, now=NOW)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)

    retagged = _draft(NoteDraft("Q1?", ("a",), ("bio",)), NoteDraft("Q2?", ("b",), ("new",)))
    report = collection.decks.import_deck(retagged, now=NOW)
    assert (report.added, report.updated, report.unchanged) == (0, 2, 0)
    assert [n.tags for n in collection.decks.notes(deck)] == [("bio",), ("new",)]

    # A deck read without tags leaves the stored tags as they are.
    report = collection.decks.import_deck(_draft(NoteDraft("Q1?", ("a",))), now=NOW)
    assert report.unchanged == 1
    assert collection.decks.notes(deck)[0].tags == ("bio",)
