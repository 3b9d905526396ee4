"""A large file of pasted text is read as it is imported, a segment at a time: it gives the
same deck as the whole file read at once, and its errors and limits are the same."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from retain import formats
from retain.core.model import DeckDraft, DeckStream
from retain.formats import text
from retain.formats.errors import DeckImportError, DeckTooLargeError


@pytest.fixture(autouse=True)
def small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    # Files of a few kilobytes stand for large ones: the prefix the structure is found in,
    # and a segment of rows, are small.
    monkeypatch.setattr(text, "STREAM_PREFIX_BYTES", 2000)
    monkeypatch.setattr(text, "_SEGMENT_ROWS", 7)


def questions(count: int, *, blank: bool = True, title: str = "Rivers") -> str:
    gap = "\n\n" if blank else "\n"
    cards = [
        f"What is fact number {i}?\nthe first point of {i}\nwhy? the second, which asks"
        for i in range(count)
    ]
    return title + gap + gap.join(cards) + "\n"


LAYOUTS = {
    "questions apart": questions(300),
    "questions in a run": questions(300, blank=False),
    "questions under a heading": "# " + questions(300),
    "questions with CRLF": questions(300).replace("\n", "\r\n"),
    "tab": "Capitals\n" + "".join(f"term {i}\tdefinition {i} • one • two\n" for i in range(500)),
    "colon": "".join(f"term {i}: its meaning, number {i}\nmore on {i}\n" for i in range(400)),
    "accents and controls": questions(300).replace("fact", "fäct\x1b[2J"),
    "Markdown": "# Rivers\n\n"
    + "".join(
        f"## Part {i}\n\n### What is fact {i}?\n- the first point\n- the second\n\n"
        if i % 25 == 0
        else f"### Fact {i}\n```\n# not a heading {i}\n```\n- a point\n"
        if i % 7 == 0
        else f"### What is fact {i}?\n- the first point\n* the second {i}\n\n"
        for i in range(300)
    ),
    "Q: and A: blocks": "Rivers\n\n"
    + "".join(
        f"Q: What is fact {i},\nasked over two lines?\nA: the first point\nthe second {i}\n\n"
        if i % 3
        else f"Q: Fact {i}? A: in one line\n"
        for i in range(300)
    ),
}


def whole(data: bytes) -> DeckDraft:
    return formats.read_data(data, source="cards.txt")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_large_file_streams_to_the_deck_read_whole(tmp_path: Path, layout: str) -> None:
    data = LAYOUTS[layout].encode("utf-8")
    path = tmp_path / "cards.txt"
    path.write_bytes(data)
    expected = whole(data)
    deck = formats.open_path(path)
    assert isinstance(deck, DeckStream)
    assert (deck.title, deck.format) == (expected.title, expected.format)
    assert deck.to_draft() == expected
    assert deck.control_characters_removed == expected.control_characters_removed


def test_standard_input_is_spooled_and_streamed() -> None:
    data = LAYOUTS["questions apart"].encode("utf-8")
    deck = formats.open_stream(io.BytesIO(data), source="standard input")
    assert isinstance(deck, DeckStream)
    assert deck.to_draft() == whole(data)


def test_a_small_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "cards.txt"
    path.write_text("What is it?\nthis\n", encoding="utf-8")
    assert formats.open_path(path) == formats.read_path(path)


@pytest.mark.parametrize(
    "data",
    [
        # Windows-1252, read whole as before.
        LAYOUTS["questions apart"].replace("fact", "caf\u00e9").encode("cp1252"),
        # A structure that is not read card by card.
        "".join(f"## Heading {i}\n- point {i}\n\n" for i in range(300)).encode(),
    ],
    ids=["cp1252", "markdown"],
)
def test_what_cannot_stream_is_read_whole(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "cards.txt"
    path.write_bytes(data)
    found = formats.open_path(path)
    assert found == whole(data)


def test_an_error_far_into_the_file_names_its_line(tmp_path: Path) -> None:
    broken = LAYOUTS["tab"] + "stray line\nanother stray\nand one more\n" * 40
    path = tmp_path / "cards.txt"
    path.write_text(broken, encoding="utf-8")
    deck = formats.open_path(path)
    assert isinstance(deck, DeckStream)
    with pytest.raises(DeckImportError):
        deck.to_draft()


def test_a_bad_byte_late_in_the_file_is_refused_as_the_whole_reader_does(
    tmp_path: Path,
) -> None:
    data = LAYOUTS["questions apart"].encode() + b"\x81\x8d"
    path = tmp_path / "cards.txt"
    path.write_bytes(data)
    with pytest.raises(DeckImportError) as streamed:
        formats.open_path(path)
    with pytest.raises(DeckImportError) as read:
        formats.read_data(data, source=str(path))
    assert str(streamed.value) == str(read.value)


def test_the_card_limit_is_checked_as_the_file_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "MAX_CARDS", 100)
    path = tmp_path / "cards.txt"
    path.write_text(LAYOUTS["questions apart"], encoding="utf-8")
    deck = formats.open_path(path)
    assert isinstance(deck, DeckStream)
    with pytest.raises(DeckTooLargeError):
        deck.to_draft()
    unlimited = formats.open_path(path, limit=False)
    assert isinstance(unlimited, DeckStream)
    assert len(unlimited.to_draft().notes) == 300


def test_an_import_that_fails_late_in_the_file_stores_nothing(tmp_path: Path) -> None:
    from retain.collection import Collection
    from tests.conftest import NOW

    path = tmp_path / "cards.txt"
    path.write_text(LAYOUTS["tab"] + "a stray line\n" * 400, encoding="utf-8")
    deck = formats.open_path(path)
    assert isinstance(deck, DeckStream)
    stages: list[tuple[str, int]] = []
    with Collection.open(tmp_path / "store.db") as col:
        with pytest.raises(DeckImportError):
            col.decks.import_deck(
                deck, now=NOW, batch_size=40, progress=lambda s, d, t: stages.append((s, d))
            )
        assert ("writing", 40) in stages  # batches were written before the error
        assert col.decks.all() == []
        assert deck.file is not None and deck.file.closed
