"""Fuzzing the grader: whatever is typed, and whatever a card holds, a grade comes back,
or the grader's own `GradingLimitError`; never another exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retain.core import grading
from retain.core.grading import Grade, GradingLimitError, grade_typed_answer
from retain.core.textnorm import tokenize

PIECES = [
    " ", "  ", "\t", "\n", "-", " - ", "--", "?", "#", "# ", "Q: ", "A: ", ",", ";", ".", ":",
    "(", ")", "/", " / ", " or ", "'", "\"", "%", "and ", "then ", "but ", "not ", "never ",
    "didn't ", "by ", "was ", "were ", "he ", "she ", "killed ", "defeated ", "exiled ",
    "left ", "right ", "Wellington ", "Napoleon ", "Blücher ", "Saint Helena ", "1815 ",
    "1815-21 ", "'15 ", "18 June 1815 ", "5/5/1821 ", "47,000 ", "26k ", "3.5 ", "99% ",
    "nineteen ", "thirty-seven ", "hundred ", "ten ", "1. ", "2) ", "20: ", "0001 ",
    "\x00", "\x07", "\x1b[2J", "\x1b]0;title\x07", "\u200b", "\ufeff", "\u2028", "\u0301",
    "é", "ß", "İ", "ﬄ", "⒇", "²", "١٢٣", "ﷺ", "😀", "\ud800", "\udfff",
    "9" * 40, "1" * 400,
]

# every code point, lone surrogates and control characters included
any_text = st.text(st.characters(exclude_categories=()), max_size=300)


@st.composite
def pathological(draw: st.DrawFn, max_runs: int = 12, max_size: int = 25_000) -> str:
    """Runs of pieces that have broken text readers: spaces, dashes, ?, #, names,
    numbers, dates, list markers, control characters; mixed with random text."""
    parts: list[str] = []
    for _ in range(draw(st.integers(0, max_runs))):
        piece = draw(st.sampled_from(PIECES) | any_text)
        parts.append(piece * draw(st.integers(1, 300)))
    return "".join(parts)[:max_size]


typed_text = any_text | pathological()
point_text = (any_text | pathological(4, 2_500)).filter(str.strip)
cards = st.tuples(
    any_text | pathological(3),
    st.lists(point_text, min_size=1, max_size=6),
)


def check(grade: Grade, points: list[str]) -> None:
    assert isinstance(grade, Grade)
    assert len(grade.points) == len(points)
    assert 0.0 <= grade.score <= 1.0
    assert set(grade.covered) <= set(range(len(points)))
    assert grade.verdict in ("correct", "partial", "incorrect")
    grade.to_json_dict()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(card=cards, typed=typed_text, others=st.lists(st.lists(point_text, max_size=3), max_size=3))
def test_any_answer_to_any_card_is_graded_or_refused_by_a_limit(
    card: tuple[str, list[str]], typed: str, others: list[list[str]]
) -> None:
    question, points = card
    try:
        grade = grade_typed_answer(question, points, typed, other_answers=others)
    except GradingLimitError:
        return
    check(grade, points)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(piece=st.sampled_from(PIECES) | any_text.filter(bool), size=st.integers(1, 60_000))
def test_one_piece_repeated_up_to_past_the_limit(piece: str, size: int) -> None:
    typed = (piece * (size // len(piece) + 1))[:size]
    points = ["Wellington defeated Napoleon in June 1815", "47,000 were killed or wounded"]
    try:
        grade = grade_typed_answer("Who won at Waterloo, and when?", points, typed)
    except GradingLimitError as error:
        assert size > grading.MAX_TYPED_CHARS
        assert "typed answer" in str(error)
        return
    check(grade, points)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed=typed_text)
def test_the_text_layer_reads_anything(typed: str) -> None:
    tokens = tokenize(typed)
    assert all(t.start <= t.end for t in tokens)


WORDS = st.text("abcdeilnorstuéAEIOUNS'", min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(words=st.lists(WORDS, min_size=1, max_size=40), terms=st.lists(WORDS, max_size=10))
def test_the_word_index_misses_no_word_a_scan_would_find(
    words: list[str], terms: list[str]
) -> None:
    """Every word that `_fuzzy` scores above nothing against a point's word is among the
    candidates the index gives for it."""
    typed = grading._analyse(" ".join(words))
    vocabulary = list({(t.key, t.text): t for t in typed if not t.stop and not t.fact}.values())
    index = grading._WordIndex(vocabulary)
    for term_tok in grading._analyse(" ".join(terms)):
        if term_tok.stop or term_tok.fact:
            continue
        term = grading._Term(
            term_tok.key, term_tok.text, 1.0, False, False, False, True, 0, term_tok.parts
        )
        found = index.candidates(term)
        for w, tok in enumerate(vocabulary):
            if grading._fuzzy(term.key, term.text, tok.key, tok.text):
                assert w in found, (term, tok)
