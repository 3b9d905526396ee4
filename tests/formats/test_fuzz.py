"""Hostile input for the readers: random and mutated decks, long runs of the characters the
structures are made of, every encoding, and control characters. Whatever comes in, a reader
returns a deck or raises `DeckImportError`, and a deck it returns is clean: every card has
a question and points, and no control character but tab survives."""

from __future__ import annotations

import codecs
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retain.core.model import DeckDraft
from retain.formats import read_data
from retain.formats.errors import DeckImportError
from retain.formats.text import read_text
from tests.conftest import SAMPLE

# Pieces the structures are made of, and things that look like them.
TOKENS = (
    " ", "  ", "\t", "\n", "\n\n", "\r\n", "\r", "-", " - ", " – ", " — ", "?", "？", "#",
    "# ", "## ", "Q:", "Q: ", "A:", "A: ", "Answer:", "Question 1:", "1.", "1. ", "2) ",
    "Q12.", "*", "* ", "•", "• ", "---", "***", "```", "~~~", "_", ":", "：", "Kirchhoff",
    "Ada Lovelace", "1848", "3.14", "12 March 1905", "x", "word", "\ufeff", "é", "日本",
    "\x00", "\x07", "\x1b", "\x1b[2J", "\x1b]0;t\x07", "\x7f", "\x85", "\x9b", "\x0b", "\x0c",
    "\u2028", "\u200b", "::", ">>", '"', ",", ";", "#separator:tab\n", "#html:true\n",
    "#tags column:3\n", "<br>", "<script>", "{{c1::",
)
DECKS = (
    SAMPLE.read_text(encoding="utf-8"),
    "Capitals\nparis\tFrance\nrome\tItaly\n",
    "Q: What is it?\nA: A thing\n\nQ: And this?\nA: Another\n",
    "# Deck\n## First?\n- one\n- two\n## Second?\n- three\n",
    "1. Explain the cause\n- a reason\n2. Explain the effect\n- a result\n",
    "term - definition\n\nother term - its definition\nmore\n",
    'front,back,tags\n"a, b","c\nd",t1 t2\nq2,a2,\n',
    "#separator:tab\n#html:true\n#tags column:3\nq\ta<br>b\tt\n",
    "Q :: A\n\nWhy?\n?\nbecause\n\nterm: definition\n",
    "Front\n---\nBack\n\nFront 2\n---\nBack 2\n",
)
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252")
CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")

token_text = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)
runs = st.builds(
    lambda before, token, count, after: before + token * count + after,
    token_text,
    st.sampled_from(TOKENS),
    st.integers(min_value=1, max_value=20_000),
    token_text,
)


@st.composite
def mutated_decks(draw: st.DrawFn) -> str:
    """A real deck with pieces inserted, deleted, repeated or swapped."""
    text = draw(st.sampled_from(DECKS))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        if not text:
            break
        at = draw(st.integers(min_value=0, max_value=len(text)))
        end = draw(st.integers(min_value=at, max_value=min(len(text), at + 200)))
        action = draw(st.sampled_from(("insert", "delete", "repeat", "run")))
        if action == "insert":
            text = text[:at] + draw(token_text) + text[at:]
        elif action == "delete":
            text = text[:at] + text[end:]
        elif action == "repeat":
            text = text[:end] + text[at:end] * draw(st.integers(1, 50)) + text[end:]
        else:
            token = draw(st.sampled_from(TOKENS))
            text = text[:at] + token * draw(st.integers(1, 5000)) + text[at:]
    return text


def check(deck: DeckDraft) -> None:
    assert deck.notes
    for note in deck.notes:
        assert note.question.strip()
        assert note.answer_points and all(point.strip() for point in note.answer_points)
        for text in (note.question, *note.answer_points):
            assert not CONTROLS.search(text), text
    if deck.title is not None:
        assert not CONTROLS.search(deck.title)


def read_or_refuse(text: str) -> None:
    try:
        deck = read_text(text, source="fuzz")
    except DeckImportError as error:
        assert error.source == "fuzz"
        return
    check(deck)


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@FUZZ
@given(st.text())
def test_random_text(text: str) -> None:
    read_or_refuse(text)


@FUZZ
@given(token_text)
def test_text_made_of_structure(text: str) -> None:
    read_or_refuse(text)


@FUZZ
@given(runs)
def test_long_runs_of_one_piece(text: str) -> None:
    read_or_refuse(text)


@FUZZ
@given(mutated_decks())
def test_mutated_decks(text: str) -> None:
    read_or_refuse(text)


@FUZZ
@given(st.one_of(mutated_decks(), token_text, st.text()), st.sampled_from(ENCODINGS))
def test_any_encoding(text: str, encoding: str) -> None:
    data = codecs.encode(text, encoding, errors="ignore")
    try:
        deck = read_data(data, source="fuzz")
    except DeckImportError as error:
        assert error.source == "fuzz"
        return
    check(deck)


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(DECKS))
def test_bytes_spliced_into_a_deck(noise: bytes, deck: str) -> None:
    data = deck.encode()
    middle = len(data) // 2
    try:
        check(read_data(data[:middle] + noise + data[middle:], source="fuzz"))
    except DeckImportError as error:
        assert error.source == "fuzz"


def test_a_person_s_characters_stay_as_written() -> None:
    text = "Les « guillemets » ?\n– un tiret demi-cadratin, café, naïve, 日本, \u200b\n"
    deck = read_text(text)
    assert deck.control_characters_removed == 0
    assert deck.notes[0].question == "Les « guillemets » ?"
    assert deck.notes[0].answer_points == ("un tiret demi-cadratin, café, naïve, 日本, \u200b",)
