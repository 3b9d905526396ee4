"""Practice tests: the number of questions and the answer key agree in the HTML, in the PDF
and on screen; the same seed gives the same test; answers are graded by type."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest

from retain.core.model import DeckId, Note, NoteId
from retain.formats import read_path
from retain.practice import QUESTION_TYPES, build_test, grade_item, run_plain_test
from retain.printing import render_html, render_pdf
from tests.cli.running import make_home, retain
from tests.conftest import SAMPLE


def _notes() -> list[Note]:
    draft = read_path(SAMPLE)
    return [
        Note(NoteId(i + 1), DeckId(1), n.question, n.answer_points)
        for i, n in enumerate(draft.notes)
    ]


ALL = list(QUESTION_TYPES)


def test_a_test_has_the_questions_asked_for_and_repeats_with_its_seed() -> None:
    notes = _notes()
    test = build_test("Deck", notes, questions=8, types=ALL, seed=5)
    assert [item.number for item in test.items] == list(range(1, 9))
    assert [item.kind for item in test.items][:4] == ALL
    assert build_test("Deck", notes, questions=8, types=ALL, seed=5) == test
    assert build_test("Deck", notes, questions=8, types=ALL, seed=6) != test
    assert len(build_test("Deck", notes, questions=500, types=["written"], seed=1).items) == len(
        notes
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"questions": 0, "types": ALL}, "at least 1"),
        ({"questions": 3, "types": ["essay"]}, "unknown question type essay"),
    ],
)
def test_bad_requests_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_test("Deck", _notes(), seed=1, **kwargs)  # type: ignore[arg-type]


def test_html_has_each_question_and_a_key_entry_for_each_on_its_own_page() -> None:
    test = build_test("Deck", _notes(), questions=9, types=ALL, seed=2)
    page = render_html(test)
    assert page.count('<section class="question"') == 9
    questions, key = page.split('<section class="key">')
    assert key.count("<li value=") == 9
    assert "page-break-before: always" in page
    for item in test.items:
        assert f'id="q{item.number}"' in questions


def test_pdf_key_starts_on_a_page_of_its_own_and_matches_the_questions() -> None:
    import pypdfium2 as pdfium

    test = build_test("Deck", _notes(), questions=10, types=ALL, seed=3)
    pdf = pdfium.PdfDocument(render_pdf(test))
    try:
        pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()
    key_pages = [i for i, text in enumerate(pages) if "Answer key" in text]
    assert key_pages and key_pages[0] > 0
    questions = "\n".join(pages[: key_pages[0]])
    key = "\n".join(pages[key_pages[0] :])
    numbers = [int(n) for n in re.findall(r"(?m)^(\d+)\. ", questions)]
    assert sorted(set(numbers) & set(range(1, 11))) == list(range(1, 11))
    kinds = re.findall(r"(?m)^(\d+)\. \((written|choice|true or false|match)\)", key)
    assert [int(n) for n, _ in kinds] == list(range(1, 11))
    assert "Name:" in pages[0] and "Score:" in pages[0]


def test_each_type_is_graded() -> None:
    test = build_test("Deck", _notes(), questions=8, types=ALL, seed=4)
    for item in test.items:
        q = item.question
        if item.kind == "choice":
            assert isinstance(q.answer, int)
            assert grade_item(item, "ABCD"[q.answer]).score == 1
            assert grade_item(item, "ABCD"[(q.answer + 1) % 4]).score == 0
        elif item.kind == "truefalse":
            right = "t" if q.answer == 0 else "f"
            assert grade_item(item, right).score == 1
            assert grade_item(item, "tf".replace(right, "")).score == 0
        elif item.kind == "match":
            assert isinstance(q.answer, tuple)
            letters = "".join("ABCDEF"[i] for i in q.answer)
            assert grade_item(item, letters).score == 1
            assert grade_item(item, "").score == 0
        else:
            assert grade_item(item, "; ".join(q.expected)).score >= 0.5
            assert grade_item(item, "no idea").score == 0


def test_the_same_test_is_taken_on_screen(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    assert retain(home, "import", str(SAMPLE), "--deck", "Exam").exit_code == 0
    options = ["--questions", "6", "--seed", "9"]
    out = tmp_path / "test.html"
    printed = retain(home, "test", "Exam", *options, "--out", str(out))
    assert printed.exit_code == 0, printed.output
    test = build_test("Exam", _notes(), questions=6, types=ALL, seed=9)
    answers = []
    for item in test.items:
        q = item.question
        if item.kind == "choice":
            answers.append("ABCD"[q.answer])  # type: ignore[index]
        elif item.kind == "truefalse":
            answers.append("t" if q.answer == 0 else "f")
        elif item.kind == "match":
            answers.append("".join("ABCDEF"[i] for i in q.answer))  # type: ignore[union-attr]
        else:
            answers.append("; ".join(q.expected))
    taken = retain(home, "study", "Exam", "--test", *options, input="\n".join(answers) + "\n")
    assert taken.exit_code == 0, taken.output
    page = out.read_text(encoding="utf-8")
    for item in test.items:
        assert f"{item.number}. {item.question.prompt}" in taken.output
        assert html.escape(item.question.prompt) in page or item.kind == "match"
    assert "Score: 6.0 of 6 (100%)." in taken.output


def test_plain_test_stops_at_the_end_of_input() -> None:
    test = build_test("Deck", _notes(), questions=3, types=["written"], seed=1)
    out = io.StringIO()
    assert run_plain_test(test, io.StringIO(""), out) == 0
    assert "Score: 0.0 of 3" in out.getvalue()
