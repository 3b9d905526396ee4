"""Reading and importing a deck pause Python's cycle collector, and always turn it back on."""

from __future__ import annotations

import gc

import pytest

from retain.collection import Collection
from retain.formats import read_data
from retain.formats.errors import DeckImportError
from retain.gcpause import cycle_collector_paused
from tests.conftest import NOW, make_draft


def test_the_collector_is_off_inside_and_on_again_after_even_after_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(ValueError), cycle_collector_paused():
        assert not gc.isenabled()
        with cycle_collector_paused():  # nested: the outer block turns it back on
            assert not gc.isenabled()
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with cycle_collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_reading_and_importing_leave_the_collector_on(collection: Collection) -> None:
    seen: list[bool] = []
    draft = read_data(b"Deck\n\nWhat is a?\nan a\n\nWhat is b?\na b\n")
    assert gc.isenabled()
    with pytest.raises(DeckImportError):
        read_data(b"\x00\x01 not a deck")
    assert gc.isenabled()
    collection.decks.import_deck(
        draft, now=NOW, progress=lambda *_: seen.append(gc.isenabled())
    )
    assert seen and not any(seen)  # off while the import runs
    assert gc.isenabled()
    with pytest.raises(KeyboardInterrupt):

        def interrupt(*_: object) -> None:
            raise KeyboardInterrupt

        collection.decks.import_deck(make_draft(4), now=NOW, progress=interrupt)
    assert gc.isenabled()
