"""Decoding: every encoding students save decks in reads exactly, and what is not text is
refused with a message that says what it is."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retain.formats.decode import decode_bytes, normalise_newlines
from retain.formats.errors import DeckImportError

CURLY = "Stalin’s “Great Turn” – 1928—29… • café, naïve, Zürich, €5"


@pytest.mark.parametrize(
    ("data", "text"),
    [
        pytest.param(b"plain ascii\n", "plain ascii\n", id="ascii"),
        pytest.param(CURLY.encode("utf-8"), CURLY, id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + CURLY.encode("utf-8"), CURLY, id="utf-8-bom"),
        pytest.param(CURLY.encode("utf-16"), CURLY, id="utf-16-bom-native"),
        pytest.param(codecs.BOM_UTF16_LE + CURLY.encode("utf-16-le"), CURLY, id="utf-16-le-bom"),
        pytest.param(codecs.BOM_UTF16_BE + CURLY.encode("utf-16-be"), CURLY, id="utf-16-be-bom"),
        pytest.param(codecs.BOM_UTF32_LE + CURLY.encode("utf-32-le"), CURLY, id="utf-32-le-bom"),
        pytest.param(CURLY.encode("utf-16-le"), CURLY, id="utf-16-le-no-bom"),
        pytest.param(CURLY.encode("utf-16-be"), CURLY, id="utf-16-be-no-bom"),
        pytest.param(
            b"Lenin\x92s NEP \x96 the \x93New Economic Policy\x94 (1921\x971928)",
            "Lenin’s NEP – the “New Economic Policy” (1921—1928)",
            id="cp1252-quotes-and-dashes",
        ),
        pytest.param(
            b"\x91single\x92 \x85 \x95 bullet, caf\xe9, na\xefve, \x805",
            "‘single’ … • bullet, café, naïve, €5",
            id="cp1252-more",
        ),
        pytest.param(CURLY.encode("cp1252"), CURLY, id="cp1252-round-trip"),
        pytest.param(b"a\r\nb\rc\nd\r\n", "a\nb\nc\nd\n", id="line-endings"),
        pytest.param("a\r\nb".encode("utf-16"), "a\nb", id="utf-16-crlf"),
        pytest.param(b"tab\tand\x0cform feed", "tab\tand\x0cform feed", id="text-controls-kept"),
    ],
)
def test_decodes_exactly(data: bytes, text: str) -> None:
    decoded = decode_bytes(data)
    assert decoded == text
    assert "\ufffd" not in decoded


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(codecs.BOM_UTF8, "empty", id="bom-only"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01", "PNG image", id="png"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "JPEG image", id="jpeg"),
        pytest.param(b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xa1\x8d", "zip archive", id="zip"),
        pytest.param(b"SQLite format 3\x00\x10\x00\x01\x01", "SQLite database", id="sqlite"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00", "PDF document", id="pdf"),
        pytest.param(b"text with a \x00 zero byte in it", "binary", id="nul-byte"),
        pytest.param(bytes(range(1, 32)) * 10, "binary", id="control-bytes"),
        pytest.param(b"abc\x01\x02\x03\x04\x05def", "binary", id="mostly-text-some-controls"),
        pytest.param(
            "Сталин укрепил свою власть".encode("cp1251"), "encoding", id="cp1251-cyrillic"
        ),
        pytest.param("日本語のテキストです".encode("shift_jis"), "encoding", id="shift-jis"),
        pytest.param(b"caf\x81 \x8d\x8f", "encoding", id="bytes-undefined-in-cp1252"),
        pytest.param(b"\xa4\xa6\xa8\xac\xaf\xb4\xb8 \xa4\xa6 x", "encoding", id="cp1252-symbols"),
        pytest.param(codecs.BOM_UTF8 + b"bad \xff utf-8", "UTF-8 byte-order mark", id="bad-bom"),
    ],
)
def test_refuses(data: bytes, message: str) -> None:
    with pytest.raises(DeckImportError, match=message) as raised:
        decode_bytes(data, source="deck.txt")
    assert raised.value.source == "deck.txt"
    assert str(raised.value).startswith("deck.txt: ")


def test_binary_named_by_signature_only_when_it_is_binary() -> None:
    """A text file that happens to start like a Windows program is still text."""
    assert decode_bytes(b"MZ stands for Mark Zbikowski\n") == "MZ stands for Mark Zbikowski\n"


def test_normalise_newlines_changes_nothing_else() -> None:
    assert normalise_newlines("a\r\n\r\nb\r“c”\u2028d") == "a\n\nb\n“c”\u2028d"


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="\ufeff"), min_size=1)
)
def test_utf8_round_trip(text: str) -> None:
    for data in (
        text.encode("utf-8"),
        codecs.BOM_UTF8 + text.encode("utf-8"),
        text.encode("utf-16"),
    ):
        assert decode_bytes(data) == normalise_newlines(text.removeprefix("\ufeff"))


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_only_deck_import_error(data: bytes) -> None:
    try:
        decoded = decode_bytes(data)
    except DeckImportError:
        return
    assert decoded
    assert "\r" not in decoded
