"""Note-app flashcard syntaxes in pasted text, detected with no settings, card by card."""

from __future__ import annotations

import pytest

from retain.formats import read_data
from retain.formats.errors import DeckImportError
from retain.formats.text import read_text

Cards = tuple[tuple[str, tuple[str, ...]], ...]

# (id, text, format, title, cards)
SYNTAXES: list[tuple[str, str, str, str | None, Cards]] = [
    (
        "colon",
        "osmosis: movement of water\nmitochondria: powerhouse of the cell\n",
        "text/colon",
        None,
        (("osmosis", ("movement of water",)), ("mitochondria", ("powerhouse of the cell",))),
    ),
    (
        "colon-title-and-continuation",
        "Biology\nosmosis: movement of water\nmitochondria: powerhouse\n- makes ATP\n",
        "text/colon",
        "Biology",
        (("osmosis", ("movement of water",)), ("mitochondria", ("powerhouse", "makes ATP"))),
    ),
    (
        "colon-definition-ending-in-question-mark",
        "Kirchhoff: who wrote the laws?\nohm: unit of resistance\nvolt: unit of potential\n",
        "text/colon",
        None,
        (
            ("Kirchhoff", ("who wrote the laws?",)),
            ("ohm", ("unit of resistance",)),
            ("volt", ("unit of potential",)),
        ),
    ),
    (
        "double-colon",
        "Capital of France :: Paris\nCapital of Italy::Rome\n",
        "text/inline",
        None,
        (("Capital of France", ("Paris",)), ("Capital of Italy", ("Rome",))),
    ),
    (
        "triple-colon-both-ways",
        "chat ::: cat\nchien ::: dog\n",
        "text/inline",
        None,
        (("chat", ("cat",)), ("chien", ("dog",))),
    ),
    (
        "outliner-bullets",
        "- Capital of France :: Paris\n- H2O >> water\n",
        "text/inline",
        None,
        (("Capital of France", ("Paris",)), ("H2O", ("water",))),
    ),
    (
        "arrows",
        "H2O >> water\nNaCl >> salt\n",
        "text/inline",
        None,
        (("H2O", ("water",)), ("NaCl", ("salt",))),
    ),
    (
        "question-mark-line",
        "What were the causes?\n?\nalliances\nmilitarism\n\nWhen did it start?\n?\n1914\n",
        "text/separated",
        None,
        (("What were the causes?", ("alliances", "militarism")), ("When did it start?", ("1914",))),
    ),
    (
        "question-mark-line-question-over-two-lines",
        "Explain the causes\nof the war\n?\nalliances\n\nName the year\n?\n1914\n",
        "text/separated",
        None,
        (("Explain the causes of the war", ("alliances",)), ("Name the year", ("1914",))),
    ),
    (
        "question-mark-line-no-blank-lines",
        "What is osmosis?\n?\nwater moving\nWhat is diffusion?\n?\nspreading out\n",
        "text/separated",
        None,
        (("What is osmosis?", ("water moving",)), ("What is diffusion?", ("spreading out",))),
    ),
    (
        "mochi",
        "What is photosynthesis?\n---\nlight into chemical energy\nin chloroplasts\n\n"
        "What is ATP?\n---\nthe energy currency\n",
        "text/mochi",
        None,
        (
            ("What is photosynthesis?", ("light into chemical energy", "in chloroplasts")),
            ("What is ATP?", ("the energy currency",)),
        ),
    ),
    (
        "mochi-three-sides",
        "chat\n---\ncat\n---\na pet\n",
        "text/mochi",
        None,
        (("chat", ("cat", "a pet")),),
    ),
    (
        "mixed-inline-and-separated",
        "Capital of France :: Paris\n\nWhy did it start?\n?\nalliances\nan assassination\n\n"
        "osmosis: water movement\n",
        "text/notes",
        None,
        (
            ("Capital of France", ("Paris",)),
            ("Why did it start?", ("alliances", "an assassination")),
            ("osmosis", ("water movement",)),
        ),
    ),
    (
        "mixed-colon-and-arrows",
        "ohm: unit of resistance\nvolt >> unit of potential\n",
        "text/notes",
        None,
        (("ohm", ("unit of resistance",)), ("volt", ("unit of potential",))),
    ),
    (
        "front-matter-and-heading",
        "---\ntags: bio\n---\n# Cells\nnucleus :: control centre\nribosome :: makes proteins\n",
        "text/inline",
        "Cells",
        (("nucleus", ("control centre",)), ("ribosome", ("makes proteins",))),
    ),
    (
        "colon-in-a-separated-answer-is-a-point",
        "Why did it start?\n?\nCause: an assassination\n",
        "text/separated",
        None,
        (("Why did it start?", ("Cause: an assassination",)),),
    ),
]


@pytest.mark.parametrize(
    ("text", "fmt", "title", "cards"),
    [pytest.param(*case[1:], id=case[0]) for case in SYNTAXES],
)
def test_syntaxes_are_detected(text: str, fmt: str, title: str | None, cards: Cards) -> None:
    deck = read_text(text)
    assert (deck.format, deck.title) == (fmt, title)
    assert tuple((n.question, n.answer_points) for n in deck.notes) == cards
    assert read_data(text.encode()).notes == deck.notes


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        pytest.param(
            "What does std::move do?\nIt casts\nWhy?\nbecause\n",
            "text/questions",
            id="scope-operator-in-a-question",
        ),
        pytest.param(
            "The {{c1::cell}} is small\nWhy?\nbecause\n", "text/questions", id="cloze-is-not-a-card"
        ),
        pytest.param("Q: What is it?\nA: a thing\n", "text/qa", id="qa-labels-are-not-terms"),
        pytest.param(
            "# Unit\n## What is a purge?\n- removal\n---\n## Who ran it?\n- the NKVD\n",
            "text/markdown",
            id="markdown-rules-are-not-mochi",
        ),
    ],
)
def test_look_alikes_keep_their_structure(text: str, fmt: str) -> None:
    assert read_text(text).format == fmt


def test_separator_without_a_question_is_refused_with_its_line() -> None:
    with pytest.raises(DeckImportError) as raised:
        read_text("a :: b\n\n?\nan answer\n")
    assert raised.value.line == 3
