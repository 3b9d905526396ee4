"""A large file of rows (CSV, TSV, Anki's text export) is read as it is imported, a line at
a time: it gives the same deck as the whole file read at once, and its errors are the same
errors, with the same lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from retain import formats
from retain.core.model import DeckDraft, DeckStream
from retain.formats import decode, text
from retain.formats.errors import DeckImportError


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Files of a few kilobytes stand for large ones: a file is streamed from 2,000 bytes,
    # and read 300 bytes at a time, so that rows and quoted fields straddle the chunks.
    monkeypatch.setattr(text, "STREAM_PREFIX_BYTES", 2000)
    monkeypatch.setattr(decode, "STREAM_CHUNK", 300)


def rows(count: int, separator: str = ",") -> str:
    return "".join(
        f'term {i}{separator}"meaning {i}, in a field{separator} quoted\nsecond point {i}"\n'
        for i in range(count)
    )


FILES = {
    "csv with a header": ("cards.csv", "front,back\n" + rows(200)),
    "csv without one": ("cards.csv", rows(200)),
    "semicolons": ("cards.csv", "question;answer\n" + rows(200, ";")),
    "tsv with tags": (
        "cards.tsv",
        "front\tback\ttags\n"
        + "".join(f"term {i}\tmeaning {i}\tunit{i % 3}\n" for i in range(300)),
    ),
    "anki's text export": (
        "notes.txt",
        "#separator:tab\n#html:true\n#deck:Biology\n#tags column:3\n"
        + "".join(f"cell part {i}\tits role<br>and size {i}\tbio\n" for i in range(300)),
    ),
    "crlf and controls": (
        "cards.csv",
        ("front,back\n" + rows(200)).replace("\n", "\r\n").replace("second", "sec\x1bond"),
    ),
}


def whole(name: str, data: bytes) -> DeckDraft:
    return formats.read_data(data, source=name)


@pytest.mark.parametrize("layout", FILES)
def test_a_large_file_of_rows_streams_to_the_deck_read_whole(tmp_path: Path, layout: str) -> None:
    name, content = FILES[layout]
    data = content.encode("utf-8")
    path = tmp_path / name
    path.write_bytes(data)
    expected = whole(str(path), data)
    deck = formats.open_path(path)
    assert isinstance(deck, DeckStream)
    assert (deck.title, deck.format) == (expected.title, expected.format)
    assert deck.to_draft() == expected
    assert deck.control_characters_removed == expected.control_characters_removed
    assert len(expected.notes) >= 200


@pytest.mark.parametrize(
    "tail",
    ['term x,"a quote that is never closed\n' + "more\n" * 20, "a row with no back\n"],
    ids=["unclosed quote", "no back"],
)
def test_an_error_far_into_the_file_is_the_whole_readers_error(tmp_path: Path, tail: str) -> None:
    content = FILES["csv without one"][1]
    # Each card above takes two lines: the error is on the line after them.
    data = (content + tail).encode()
    path = tmp_path / "cards.csv"
    path.write_bytes(data)
    with pytest.raises(DeckImportError) as read:
        whole(str(path), data)
    deck = formats.open_path(path)
    assert isinstance(deck, DeckStream)
    with pytest.raises(DeckImportError) as streamed:
        deck.to_draft()
    assert str(streamed.value) == str(read.value)
    assert streamed.value.line == read.value.line == 2 * 200 + 1


def test_a_file_of_rows_in_another_encoding_is_read_whole(tmp_path: Path) -> None:
    data = ("front,back\n" + rows(200)).replace("meaning", "caf\u00e9").encode("cp1252")
    path = tmp_path / "cards.csv"
    path.write_bytes(data)
    found = formats.open_path(path)
    assert isinstance(found, DeckDraft)
    assert found == whole(str(path), data)
