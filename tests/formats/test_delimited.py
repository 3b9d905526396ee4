"""CSV, TSV and Anki's text export: separators, header rows, Anki's header lines, quoting,
HTML, tags; and the rows read back to the same deck."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retain.core.model import DeckDraft, NoteDraft
from retain.formats import delimited, read_data
from retain.formats.errors import DeckImportError

Card = tuple[str, tuple[str, ...], tuple[str, ...]]


def cards(deck: DeckDraft) -> tuple[Card, ...]:
    return tuple((n.question, n.answer_points, n.tags) for n in deck.notes)


# (id, data, source, format, title, cards)
TABLES: list[tuple[str, bytes, str | None, str, str | None, tuple[Card, ...]]] = [
    (
        "csv-front-back-header",
        b"front,back\nosmosis,movement of water\nATP,energy currency\n",
        None,
        "csv",
        None,
        (("osmosis", ("movement of water",), ()), ("ATP", ("energy currency",), ())),
    ),
    (
        "csv-no-header",
        b"osmosis,movement of water\nATP,energy currency\n",
        None,
        "csv",
        None,
        (("osmosis", ("movement of water",), ()), ("ATP", ("energy currency",), ())),
    ),
    (
        "csv-quoted-separator-doubled-quotes-newlines",
        b'Term,Definition\n"cell, animal","has ""no"" wall\nhas a nucleus"\n',
        "cards.csv",
        "csv",
        None,
        (("cell, animal", ('has "no" wall', "has a nucleus"), ()),),
    ),
    (
        "csv-crlf-bom-tags-column",
        b"\xef\xbb\xbfquestion,answer,tags\r\nWhen?,1914,history ww1\r\nWhere?,Sarajevo,\r\n",
        None,
        "csv",
        None,
        (("When?", ("1914",), ("history", "ww1")), ("Where?", ("Sarajevo",), ())),
    ),
    (
        "semicolon",
        b"osmosis;movement of water\nATP;energy currency\n",
        None,
        "csv",
        None,
        (("osmosis", ("movement of water",), ()), ("ATP", ("energy currency",), ())),
    ),
    (
        "tsv-three-columns",
        b"osmosis\tmovement of water\tacross a membrane\nATP\tenergy\tin cells\n",
        None,
        "tsv",
        None,
        (
            ("osmosis", ("movement of water", "across a membrane"), ()),
            ("ATP", ("energy", "in cells"), ()),
        ),
    ),
    (
        "tsv-by-name-two-columns",
        b"osmosis\tmovement of water\n",
        "cards.tsv",
        "tsv",
        None,
        (("osmosis", ("movement of water",), ()),),
    ),
    (
        "anki-text-export",
        b"#separator:tab\n#html:true\n#tags column:3\n#deck:Biology\n"
        b"osmosis\tmovement<br>of water\tbio cells\n"
        b"ATP\t<div>energy</div><div>currency &amp; more</div>\tbio\n",
        None,
        "anki/text",
        "Biology",
        (
            ("osmosis", ("movement", "of water"), ("bio", "cells")),
            ("ATP", ("energy", "currency & more"), ("bio",)),
        ),
    ),
    (
        "anki-text-columns-notetype-guid",
        b"#separator:Semicolon\n#html:false\n#notetype column:1\n#guid column:2\n"
        b'#tags column:5\nBasic;abc123;When?;"1914\n28 July";ww1\n',
        None,
        "anki/text",
        None,
        (("When?", ("1914", "28 July"), ("ww1",)),),
    ),
    (
        "anki-text-columns-line",
        b"#separator:comma\n#columns:Front,Back,Tags\n#notetype:Basic\nq1,a1,t1 t2\n",
        None,
        "anki/text",
        None,
        (("q1", ("a1",), ("t1", "t2")),),
    ),
    (
        "anki-html-script-and-list",
        b"#separator:tab\n#html:true\nlist\t<ul><li>one</li><li>two</li></ul><script>x()</script>\n",
        None,
        "anki/text",
        None,
        (("list", ("one", "two"), ()),),
    ),
]


@pytest.mark.parametrize(
    ("data", "source", "fmt", "title", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in TABLES],
)
def test_rows_are_read(
    data: bytes, source: str | None, fmt: str, title: str | None, expected: tuple[Card, ...]
) -> None:
    deck = read_data(data, source=source)
    assert (deck.format, deck.title) == (fmt, title)
    assert cards(deck) == expected


@pytest.mark.parametrize(
    ("data", "source", "message", "line"),
    [
        pytest.param(b'a,b\n"open,c\nd,e\n', "x.csv", "never closed", 2, id="unclosed-quote"),
        pytest.param(b"front,back\n,no front\n", None, "no front", 2, id="empty-front"),
        pytest.param(b"front,back\nq1,a1\nq2,\n", None, "no back", 3, id="empty-back"),
        pytest.param(b"#separator:xyz\na,b\n", None, "not one character", 1, id="bad-separator"),
        pytest.param(b"#tags column:zero\na\tb\n", None, "column number", 1, id="bad-column"),
        pytest.param(b"a," + b"x" * 1_100_000 + b"\n", "x.csv", "longer than", 1, id="huge-field"),
    ],
)
def test_bad_rows_get_a_clear_message(
    data: bytes, source: str | None, message: str, line: int
) -> None:
    with pytest.raises(DeckImportError) as raised:
        read_data(data, source=source)
    assert message in str(raised.value)
    assert raised.value.line == line


def test_prose_and_pasted_decks_are_not_rows() -> None:
    prose = b"Why did it fail, in the end?\nIt ran out of money, and time.\nWho led it?\nA king.\n"
    assert read_data(prose).format == "text/questions"
    assert read_data(b"osmosis\tmovement\nATP\tenergy\n").format == "text/tab"


texts = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(lambda t: t != "" and delimited._lines(t, False) == [t])
)
tags = st.lists(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Z")), min_size=1, max_size=8),
    max_size=3,
    unique=True,
).map(tuple)
notes = st.builds(
    NoteDraft,
    texts.filter(lambda t: not t.startswith("#")),
    st.lists(texts, min_size=1, max_size=4).map(tuple),
    tags,
)
decks = st.builds(
    DeckDraft,
    # The title is written on one header line, its whitespace as single spaces.
    st.one_of(st.none(), texts.filter(lambda t: " ".join(t.split()) == t)),
    st.just("csv"),
    st.lists(notes, min_size=1, max_size=5).map(tuple),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deck=decks, separator=st.sampled_from([",", "\t"]))
def test_read_write_round_trip(deck: DeckDraft, separator: str) -> None:
    text = delimited.write(deck, separator=separator)
    again = delimited.read_text(text, source="deck.tsv" if separator == "\t" else "deck.csv")
    assert again.notes == deck.notes
    if separator == "\t":
        assert again.title == deck.title
