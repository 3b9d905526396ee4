"""Pasted text: every structure parses exactly, the sample deck gives its 15 cards, and bad
input is refused with a DeckImportError that says what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retain.core.model import DeckDraft
from retain.formats.errors import DeckImportError
from retain.formats.text import read, read_bytes, read_text

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "src" / "retain" / "data" / "unit1-stalin-flashcards.txt"
EXPECTED_JSON = REPO / "tests" / "data" / "unit1-stalin-flashcards.expected.json"

Cards = tuple[tuple[str, tuple[str, ...]], ...]


def cards_of(deck: DeckDraft) -> Cards:
    return tuple((note.question, note.answer_points) for note in deck.notes)


# (id, text, format, title, cards)
STRUCTURES: list[tuple[str, str, str, str | None, Cards]] = [
    (
        "questions",
        "Biology Flashcards\nWhat is osmosis?\nMovement of water\n- across a membrane\n"
        "Why do cells divide?\n• growth\n* repair\n– reproduction\n",
        "text/questions",
        "Biology Flashcards",
        (
            ("What is osmosis?", ("Movement of water", "across a membrane")),
            ("Why do cells divide?", ("growth", "repair", "reproduction")),
        ),
    ),
    (
        "questions-no-title",
        "What is osmosis?\nMovement of water\nWhy do cells divide?\nGrowth",
        "text/questions",
        None,
        (("What is osmosis?", ("Movement of water",)), ("Why do cells divide?", ("Growth",))),
    ),
    (
        "questions-title-with-question-mark",
        "Unit 1: WHY DID IT HAPPEN? Flashcards\nWhen did Lenin die?\nJanuary 1924\n",
        "text/questions",
        "Unit 1: WHY DID IT HAPPEN? Flashcards",
        (("When did Lenin die?", ("January 1924",)),),
    ),
    (
        "questions-title-ending-in-question-mark",
        "Why did Stalin win?\nWhen did Lenin die?\nJanuary 1924\n",
        "text/questions",
        "Why did Stalin win?",
        (("When did Lenin die?", ("January 1924",)),),
    ),
    (
        "questions-crlf-bom-curly-blank-lines-trailing-spaces",
        "\ufeffUnit 1 Flashcards  \r\n\r\nWho was Stalin’s rival?   \r\n\r\n- “Trotsky” – left  "
        "\r\n\r\n\r\nWhat was the NEP? \r\nLenin’s New Economic Policy\r\n",
        "text/questions",
        "Unit 1 Flashcards",
        (
            ("Who was Stalin’s rival?", ("“Trotsky” – left",)),
            ("What was the NEP?", ("Lenin’s New Economic Policy",)),
        ),
    ),
    (
        "questions-old-mac-line-endings",
        "What is osmosis?\rMovement of water\rWhat is diffusion?\rSpreading out",
        "text/questions",
        None,
        (("What is osmosis?", ("Movement of water",)), ("What is diffusion?", ("Spreading out",))),
    ),
    (
        "questions-question-mark-mid-answer",
        "Why purge the army?\nWhy? Because it had criticised collectivisation.\n"
        "Was it real?\nHistorians disagree - was it real? Probably not.\n",
        "text/questions",
        None,
        (
            ("Why purge the army?", ("Why? Because it had criticised collectivisation.",)),
            ("Was it real?", ("Historians disagree - was it real? Probably not.",)),
        ),
    ),
    (
        "questions-answer-line-ending-in-question-mark",
        "What did Ryutin ask?\nHe wrote an appeal.\nWho would dare oppose Stalin?\n"
        "What happened next?\nHe was arrested.\n",
        "text/questions",
        None,
        (
            ("What did Ryutin ask?", ("He wrote an appeal.", "Who would dare oppose Stalin?")),
            ("What happened next?", ("He was arrested.",)),
        ),
    ),
    (
        "questions-blank-separated-answer-ending-in-question-mark",
        "Q one?\nanswer a\n\nQ two?\nanswer b\nwas it fair?\nno\n\nQ three?\nanswer c\n\n"
        "Q four?\nanswer d\n",
        "text/questions",
        None,
        (
            ("Q one?", ("answer a",)),
            ("Q two?", ("answer b", "was it fair?", "no")),
            ("Q three?", ("answer c",)),
            ("Q four?", ("answer d",)),
        ),
    ),
    (
        "questions-bulleted-question-mark-is-a-point",
        "What were the causes?\n- famine?\n- war\n",
        "text/questions",
        None,
        (("What were the causes?", ("famine?", "war")),),
    ),
    (
        "questions-closing-quote-after-question-mark",
        "What did “socialism in one country” mean?”\nBuild socialism in the USSR first\n",
        "text/questions",
        None,
        (
            (
                "What did “socialism in one country” mean?”",
                ("Build socialism in the USSR first",),
            ),
        ),
    ),
    (
        "tab",
        "mitochondria\tpowerhouse of the cell\nosmosis\tmovement of water across a membrane\n",
        "text/tab",
        None,
        (
            ("mitochondria", ("powerhouse of the cell",)),
            ("osmosis", ("movement of water across a membrane",)),
        ),
    ),
    (
        "tab-title-crlf-multiline-definition",
        "Cell biology\r\nmitochondria\tpowerhouse\r\n- makes ATP\r\nnucleus\t“control centre”\r\n",
        "text/tab",
        "Cell biology",
        (
            ("mitochondria", ("powerhouse", "makes ATP")),
            ("nucleus", ("“control centre”",)),
        ),
    ),
    (
        "tab-question-terms",
        "When did Lenin die?\tJanuary 1924\nWho led the Red Army?\tTrotsky\n",
        "text/tab",
        None,
        (("When did Lenin die?", ("January 1924",)), ("Who led the Red Army?", ("Trotsky",))),
    ),
    (
        "tab-inline-bullets",
        "causes\t• famine • war • unrest\n",
        "text/tab",
        None,
        (("causes", ("famine", "war", "unrest")),),
    ),
    (
        "dash-blocks",
        "Kirov - Leningrad party boss\nmurdered in 1934\n\nNEP – New Economic Policy\n"
        "- allowed small private trade\n\nGulag — labour camps",
        "text/dash",
        None,
        (
            ("Kirov", ("Leningrad party boss", "murdered in 1934")),
            ("NEP", ("New Economic Policy", "allowed small private trade")),
            ("Gulag", ("labour camps",)),
        ),
    ),
    (
        "dash-title-and-blocks",
        "Soviet terms\n\nKirov - party boss\nmurdered 1934\n\nNEP - New Economic Policy\n",
        "text/dash",
        "Soviet terms",
        (("Kirov", ("party boss", "murdered 1934")), ("NEP", ("New Economic Policy",))),
    ),
    (
        "dash-one-per-line",
        "Kirov - party boss\nNEP – New Economic Policy\nMarxism-Leninism - the state ideology\n",
        "text/dash",
        None,
        (
            ("Kirov", ("party boss",)),
            ("NEP", ("New Economic Policy",)),
            ("Marxism-Leninism", ("the state ideology",)),
        ),
    ),
    (
        "dash-definition-with-dash",
        "Socialism in one country - Stalin’s policy - build at home first\n",
        "text/dash",
        None,
        (("Socialism in one country", ("Stalin’s policy - build at home first",)),),
    ),
    (
        "dash-definition-ending-in-question-mark",
        "Kirov - who killed him?\n\nNEP - New Economic Policy\n\nGulag - labour camps\n",
        "text/dash",
        None,
        (
            ("Kirov", ("who killed him?",)),
            ("NEP", ("New Economic Policy",)),
            ("Gulag", ("labour camps",)),
        ),
    ),
    (
        "questions-in-blocks-with-dashes",
        "Stalin - why did he win?\n- he was clever\n\nTrotsky - why did he lose?\n- arrogance\n",
        "text/questions",
        None,
        (
            ("Stalin - why did he win?", ("he was clever",)),
            ("Trotsky - why did he lose?", ("arrogance",)),
        ),
    ),
    (
        "qa-inline",
        "Q: When did Lenin die? A: January 1924\nQ: Who won? Answer: Stalin\n- in 1929\n",
        "text/qa",
        None,
        (("When did Lenin die?", ("January 1924",)), ("Who won?", ("Stalin", "in 1929"))),
    ),
    (
        "questions-bold",
        "**What is osmosis?**\nMovement of water\n**What is diffusion?**\nSpreading out\n",
        "text/questions",
        None,
        (
            ("**What is osmosis?**", ("Movement of water",)),
            ("**What is diffusion?**", ("Spreading out",)),
        ),
    ),
    (
        "qa",
        "Q: When did Lenin die?\nA: January 1924\n\nQ: Who were the left?\nA:\n- Trotsky\n"
        "- Zinoviev\n",
        "text/qa",
        None,
        (
            ("When did Lenin die?", ("January 1924",)),
            ("Who were the left?", ("Trotsky", "Zinoviev")),
        ),
    ),
    (
        "qa-long-words-case-title-continuation",
        "Stalin revision\nQUESTION: Explain the purges\nin the Red Army\nanswer: 35,000 officers\n"
        "• shot or imprisoned\nq: Define gulag\na: labour camp system",
        "text/qa",
        "Stalin revision",
        (
            ("Explain the purges in the Red Army", ("35,000 officers", "shot or imprisoned")),
            ("Define gulag", ("labour camp system",)),
        ),
    ),
    (
        "markdown-title",
        "# Unit 1\n\n## When did Lenin die?\n- January 1924\n\n## Who were the left?\n"
        "* Trotsky\n+ Zinoviev\n1. Kamenev\n",
        "text/markdown",
        "Unit 1",
        (
            ("When did Lenin die?", ("January 1924",)),
            ("Who were the left?", ("Trotsky", "Zinoviev", "Kamenev")),
        ),
    ),
    (
        "markdown-paragraphs-no-title",
        "### Define totalitarianism\nA state that controls every part of life.\n"
        "It tolerates no opposition.\n### Explain the show trials\n  - staged\n  - public\n",
        "text/markdown",
        None,
        (
            (
                "Define totalitarianism",
                ("A state that controls every part of life.", "It tolerates no opposition."),
            ),
            ("Explain the show trials", ("staged", "public")),
        ),
    ),
    (
        "markdown-sections-and-rules",
        "# Unit 1\n## Power\n### What is a purge?\n- removal\n---\n## Terror\n"
        "### Who ran the gulag?\n- the NKVD\n",
        "text/markdown",
        "Unit 1",
        (("What is a purge?", ("removal",)), ("Who ran the gulag?", ("the NKVD",))),
    ),
    (
        "markdown-single-card",
        "## What is osmosis?\n- movement of water\n",
        "text/markdown",
        None,
        (("What is osmosis?", ("movement of water",)),),
    ),
    (
        "markdown-title-over-questions-deck",
        "# Unit 1\nWhen did Lenin die?\nJanuary 1924\nWho led the Red Army?\nTrotsky\n",
        "text/questions",
        "Unit 1",
        (("When did Lenin die?", ("January 1924",)), ("Who led the Red Army?", ("Trotsky",))),
    ),
    (
        "numbered",
        "1. Explain why Stalin won the power struggle\n- he controlled appointments\n"
        "- his rivals underestimated him\n2. Define the NEP\n   New Economic Policy\n"
        "3) When did Lenin die?\n    January 1924\n",
        "text/numbered",
        None,
        (
            (
                "Explain why Stalin won the power struggle",
                ("he controlled appointments", "his rivals underestimated him"),
            ),
            ("Define the NEP", ("New Economic Policy",)),
            ("When did Lenin die?", ("January 1924",)),
        ),
    ),
    (
        "numbered-q-prefix-title-indented-numbered-answers",
        "Unit 1 revision\r\nQ1. Describe the Great Terror\r\n   1. purges\r\n   2. show trials\r\n"
        "Q2: Outline Stalin’s rise\r\n  – General Secretary in 1922\r\n",
        "text/numbered",
        "Unit 1 revision",
        (
            ("Describe the Great Terror", ("purges", "show trials")),
            ("Outline Stalin’s rise", ("General Secretary in 1922",)),
        ),
    ),
    (
        "questions-with-numbered-points-are-not-numbered",
        "What were the causes?\n1. famine\n2. war\nWhat followed?\n1. purges\n2. trials\n",
        "text/questions",
        None,
        (
            ("What were the causes?", ("famine", "war")),
            ("What followed?", ("purges", "trials")),
        ),
    ),
]


@pytest.mark.parametrize(
    ("text", "fmt", "title", "cards"),
    [pytest.param(*case[1:], id=case[0]) for case in STRUCTURES],
)
def test_structures_parse_exactly(text: str, fmt: str, title: str | None, cards: Cards) -> None:
    deck = read_text(text)
    assert (deck.format, deck.title, cards_of(deck)) == (fmt, title, cards)


@pytest.mark.parametrize(
    ("text", "fmt", "title", "cards"),
    [pytest.param(*case[1:], id=case[0]) for case in STRUCTURES],
)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_structures_parse_the_same_from_bytes(
    text: str, fmt: str, title: str | None, cards: Cards, encoding: str
) -> None:
    deck = read_bytes(text.encode(encoding))
    assert (deck.format, deck.title, cards_of(deck)) == (fmt, title, cards)


def test_sample_deck_matches_expected_json() -> None:
    deck = read_bytes(SAMPLE.read_bytes(), source=SAMPLE.name)
    got = deck.to_json_dict()
    expected = json.loads(EXPECTED_JSON.read_text(encoding="utf-8"))
    assert got["format"] == "text/questions"
    assert got["title"] == expected["title"]
    assert got["cards"] == expected["cards"]
    assert len(deck.notes) == 15


def test_sample_deck_survives_windows_round_trip() -> None:
    """The sample saved by Notepad as "ANSI" (Windows-1252) with CRLF reads the same."""
    text = SAMPLE.read_text(encoding="utf-8")
    windows = text.replace("\n", "\r\n").encode("cp1252")
    assert read_bytes(windows).to_json_dict() == read_bytes(SAMPLE.read_bytes()).to_json_dict()


def test_read_accepts_text_and_bytes() -> None:
    text = "What is osmosis?\nMovement of water\n"
    assert read(text) == read(text.encode()) == read_text(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "empty", id="empty"),
        pytest.param("  \n\t\r\n   \n", "empty", id="whitespace-only"),
        pytest.param("\ufeff\r\n", "empty", id="bom-and-newline"),
        pytest.param("just some prose\nwith no structure at all\n", "no cards found", id="prose"),
        pytest.param(
            "What is osmosis?\n", "'What is osmosis?' has no answer below it",
            id="question-without-answer",
        ),
        pytest.param(
            "Biology\n\nWhat is osmosis?\n",
            "line 3: the question 'What is osmosis?' has no answer",
            id="title-then-question-without-answer",
        ),
        pytest.param(
            "What is osmosis?\nWhat is diffusion?\n", "no cards found",
            id="questions-without-answers",
        ),
        pytest.param(
            "Q: What is osmosis?\nA: movement of water\nQ: What is diffusion?\nA:\n",
            "has no answer",
            id="qa-missing-answer",
        ),
        pytest.param(
            "Intro line\nanother intro line\nWhat is osmosis?\nMovement of water\n",
            "before the first question",
            id="text-before-first-question",
        ),
    ],
)
def test_refuses_text_without_cards(text: str, message: str) -> None:
    with pytest.raises(DeckImportError) as raised:
        read_text(text, source="pasted.txt")
    assert message in str(raised.value)
    assert str(raised.value).startswith("pasted.txt")


def test_error_names_the_line() -> None:
    text = "Q: What is osmosis?\nA: movement of water\nQ: What is diffusion?\nA:\n"
    with pytest.raises(DeckImportError) as raised:
        read_text(text)
    assert raised.value.line == 3
    assert "'What is diffusion?'" in raised.value.message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "PNG image", id="png"),
        pytest.param(b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "zip archive", id="zip"),
        pytest.param(bytes(range(256)) * 4, "binary", id="all-bytes"),
    ],
)
def test_read_bytes_refuses_what_is_not_a_deck(data: bytes, message: str) -> None:
    with pytest.raises(DeckImportError, match=message):
        read_bytes(data, source="deck.txt")


FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

deck_like_text = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            [
                "",
                "What is it?",
                "- a point",
                "Q: a",
                "A: b",
                "# Title",
                "## Heading",
                "1. first",
                "Q2) second",
                "term\tdefinition",
                "term - definition",
                "   indented",
                "---",
                "```",
                "•",
                "?",
                "\ufeff",
                "\r",
            ]
        ),
    ),
    max_size=30,
).map("\n".join)


@FUZZ
@given(st.one_of(st.text(), deck_like_text))
def test_read_text_raises_only_deck_import_error(text: str) -> None:
    try:
        deck = read_text(text)
    except DeckImportError:
        return
    assert deck.notes
    for note in deck.notes:
        assert note.question and note.question == note.question.strip()
        assert note.answer_points and all(
            point.strip() == point and point for point in note.answer_points
        )


@FUZZ
@given(st.one_of(st.binary(), deck_like_text.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_read_bytes_raises_only_deck_import_error(data: bytes) -> None:
    try:
        read_bytes(data)
    except DeckImportError:
        pass
