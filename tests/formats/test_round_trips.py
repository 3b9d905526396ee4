"""read(write(deck)) == deck for every text format that can hold the deck: unicode, quotes,
separators inside fields and answers of several points."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retain.core.model import DeckDraft, NoteDraft
from retain.formats import delimited, markdown, quizlet, read_data
from retain.formats.text import read_text

# Words as students write them: letters of several scripts, digits, quotes, and the
# characters the formats separate with.
WORDS = st.sampled_from(
    [
        "cell",
        "Zelle",
        "célula",
        "клетка",
        "細胞",
        "ATP",
        "1914",
        "3.5",
        "“quoted”",
        '"plain"',
        "it's",
        "a,b",
        "x;y",
        "tab\there",
        "50%",
        "(note)",
        "Kirchhoff’s",
        "e=mc²",
        "über",
        "naïve",
        "key:",
        "a/b",
        "ß",
    ]
)
TEXT = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)
QUESTION = st.builds(lambda text, end: text + end, TEXT, st.sampled_from(["?", "", " ?"]))
NOTES = st.builds(NoteDraft, QUESTION, st.lists(TEXT, min_size=1, max_size=4).map(tuple)).filter(
    lambda note: "\t" not in note.question
)
DECKS = st.builds(
    DeckDraft,
    st.one_of(st.none(), TEXT.filter(lambda t: "\t" not in t)),
    st.just("test"),
    st.lists(NOTES, min_size=1, max_size=6, unique_by=lambda n: n.question).map(tuple),
)
ROUND_TRIP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def same_cards(a: DeckDraft, b: DeckDraft) -> bool:
    return [(n.question, n.answer_points) for n in a.notes] == [
        (n.question, n.answer_points) for n in b.notes
    ]


@ROUND_TRIP
@given(DECKS)
def test_markdown(deck: DeckDraft) -> None:
    again = read_text(markdown.write(deck))
    assert again.title == deck.title
    assert same_cards(again, deck)


@ROUND_TRIP
@given(DECKS, st.sampled_from([("\t", ";"), (" = ", "\n\n"), (" :: ", "%%")]))
def test_quizlet_with_separators_that_allow_several_lines(
    deck: DeckDraft, separators: tuple[str, str]
) -> None:
    term, card = separators
    deck = DeckDraft(None, "test", tuple(n for n in deck.notes if _fits(n, term, card)))
    if not deck.notes:
        return
    try:
        text = quizlet.write(deck, term_separator=term, card_separator=card)
    except ValueError as error:
        assert "separator" in str(error)  # a card that runs into one, named
        return
    again = quizlet.read_text(text, term_separator=term, card_separator=card)
    assert same_cards(again, deck)


@ROUND_TRIP
@given(DECKS)
def test_quizlet_default_separators_read_as_pasted_text(deck: DeckDraft) -> None:
    notes = tuple(n for n in deck.notes if _fits(n, "\t", "\n"))
    if not notes:
        return
    deck = DeckDraft(None, "test", notes)
    assert same_cards(read_data(quizlet.write(deck).encode()), deck)


@ROUND_TRIP
@given(DECKS, st.sampled_from([",", "\t"]))
def test_csv_and_tsv(deck: DeckDraft, separator: str) -> None:
    text = delimited.write(deck, separator=separator)
    again = read_data(text.encode(), source="cards.txt")
    assert same_cards(again, deck)
    if separator == "\t":
        assert again.title == deck.title


def _fits(note: NoteDraft, term: str, card: str) -> bool:
    text = "\n".join((note.question, *note.answer_points))
    return term not in text and card not in text and "•" not in text
