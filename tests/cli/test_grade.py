from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from retain.cli import cli

LENIN = {"question": "When did Lenin die?", "answer_points": ["January 1924"]}


def run_grade(lines: list[str]) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["grade", "--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_grades_each_line_in_order_with_the_documented_shape() -> None:
    out = run_grade(
        [
            json.dumps({**LENIN, "typed": "january 1924"}),
            json.dumps({**LENIN, "typed": "Lenin died in 1925"}),
        ]
    )
    assert len(out) == 2
    for row in out:
        assert set(row) == {"covered", "contradiction", "score", "verdict", "rating"}
        assert isinstance(row["score"], float)
    assert out[0]["covered"] == [0] and out[0]["verdict"] == "correct"
    assert out[0]["rating"] in {"good", "easy"}
    assert out[1]["covered"] == [] and out[1]["contradiction"] is True
    assert out[1]["verdict"] == "incorrect" and out[1]["rating"] == "again"


def test_bad_lines_get_an_error_object_and_the_rest_go_on() -> None:
    out = run_grade(
        [
            "not json",
            json.dumps([1, 2]),
            json.dumps({"question": "q", "answer_points": [], "typed": "x"}),
            json.dumps({"question": "q", "answer_points": ["a"]}),
            "",
            json.dumps({**LENIN, "typed": "Jan 1924"}),
        ]
    )
    assert len(out) == 6
    assert [("error" in row) for row in out] == [True, True, True, True, True, False]
    assert str(out[0]["error"]).startswith("line 1:")
    assert "answer_points" in str(out[2]["error"])
    assert "typed" in str(out[3]["error"])
    assert out[5]["verdict"] == "correct"


def test_semantic_without_the_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from retain import answer_encoder

    monkeypatch.setattr(answer_encoder, "available", lambda: False)
    line = json.dumps({**LENIN, "typed": "january 1924"}) + "\n"
    result = CliRunner().invoke(cli, ["grade", "--jsonl", "--semantic"], input=line)
    assert result.exit_code == 2
    assert "pip install 'retain[semantic]'" in result.output
    # by default, grading goes on without it
    result = CliRunner().invoke(cli, ["grade", "--jsonl"], input=line)
    assert result.exit_code == 0 and json.loads(result.output)["verdict"] == "correct"


def test_no_semantic_grades_with_the_words_alone() -> None:
    from retain.cli import _judge

    assert _judge(False) is None


WATERLOO = {"question": "When was Waterloo?", "answer_points": ["June 1815"]}
GOOD_LINE = json.dumps({**WATERLOO, "typed": "in June 1815"}).encode()


def run_grade_bytes(data: bytes) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["grade", "--jsonl", "--no-semantic"], input=data)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert all(isinstance(row, dict) for row in rows)
    return rows


def test_a_line_nested_990_deep_gets_an_error_and_the_next_line_is_graded() -> None:
    deep = b"[" * 990 + b"]" * 990
    out = run_grade_bytes(deep + b"\n" + GOOD_LINE + b"\n")
    assert len(out) == 2
    assert str(out[0]["error"]).startswith("line 1: ")
    assert out[1]["verdict"] == "correct"


@pytest.mark.parametrize(
    ("line", "words"),
    [
        pytest.param(b'{"a": ' * 100_000 + b"1" + b"}" * 100_000, "nested", id="deep-objects"),
        pytest.param(b"[" * 100_000, "nested", id="deep-unclosed"),
        pytest.param(b"\xff\xfe{}", "UTF-8", id="not-utf8"),
        pytest.param(b'{"typed": "\xed\xa0\x80"}', "UTF-8", id="encoded-surrogate"),
        pytest.param(b"1" * 5_000, "digits", id="huge-number"),
        pytest.param(b'{"question": 1' + b"0" * 5_000 + b"}", "digits", id="huge-number-field"),
        pytest.param(b"12", "object", id="number"),
        pytest.param(b'"text"', "object", id="string"),
        pytest.param(b"null", "object", id="null"),
        pytest.param(b'{"question": "q", "answer_points": [1], "typed": "x"}', "answer_points",
                     id="point-not-string"),
        pytest.param(b'{"question": ["q"], "answer_points": ["a"], "typed": "x"}', "question",
                     id="question-not-string"),
        pytest.param(b'{"question": "q", "answer_points": ["a"], "typed": 5}', "typed",
                     id="typed-not-string"),
        pytest.param(b"{'single': 'quotes'}", "not valid JSON", id="single-quotes"),
        pytest.param(b'{"a": 1}{"b": 2}', "not valid JSON", id="two-objects"),
    ],
)
def test_every_kind_of_bad_line_gets_its_error_and_the_next_is_graded(
    line: bytes, words: str
) -> None:
    out = run_grade_bytes(GOOD_LINE + b"\n" + line + b"\n" + GOOD_LINE + b"\n")
    assert len(out) == 3
    assert out[0]["verdict"] == "correct" and out[2]["verdict"] == "correct"
    assert str(out[1]["error"]).startswith("line 2: ")
    assert words in str(out[1]["error"])


def test_a_typed_answer_of_100k_characters_gets_the_limit_error() -> None:
    from retain.core.grading import MAX_TYPED_CHARS

    big = json.dumps({**WATERLOO, "typed": "June 1815 " * 10_000}).encode()
    out = run_grade_bytes(big + b"\n" + GOOD_LINE + b"\n")
    assert out[0] == {
        "error": f"line 1: the typed answer has 100,000 characters; "
        f"the grader reads at most {MAX_TYPED_CHARS:,}"
    }
    assert out[1]["verdict"] == "correct"


def test_a_card_past_the_limits_gets_the_limit_error() -> None:
    many = json.dumps({"question": "q", "answer_points": ["p"] * 101, "typed": "p"}).encode()
    out = run_grade_bytes(many + b"\n" + GOOD_LINE + b"\n")
    assert "101 answer points" in str(out[0]["error"])
    assert out[1]["verdict"] == "correct"


def test_escaped_surrogates_and_control_characters_are_graded() -> None:
    line = json.dumps({**WATERLOO, "typed": "\ud800 June \x1b[2J 1815 \x00"}).encode()
    out = run_grade_bytes(b"\xef\xbb\xbf" + line + b"\r\n" + GOOD_LINE)
    assert [row["verdict"] for row in out] == ["correct", "correct"]


def test_a_line_longer_than_the_limit_is_refused_unread_and_the_next_is_graded() -> None:
    from retain.cli import MAX_GRADE_LINE_BYTES

    huge = b'{"typed": "' + b"a" * (MAX_GRADE_LINE_BYTES + 10) + b'"}'
    out = run_grade_bytes(huge + b"\n" + GOOD_LINE + b"\n")
    assert out[0] == {
        "error": f"line 1: the line is longer than {MAX_GRADE_LINE_BYTES:,} bytes; "
        "it was not read"
    }
    assert out[1]["verdict"] == "correct"


def test_a_long_line_is_read_in_pieces_of_bounded_size() -> None:
    from retain.cli import MAX_GRADE_LINE_BYTES, _request_lines

    class Recording(io.BytesIO):
        largest = 0

        def readline(self, size: int | None = -1) -> bytes:
            line = super().readline(size)
            Recording.largest = max(Recording.largest, len(line))
            return line

    stream = Recording(b"x" * (5 * MAX_GRADE_LINE_BYTES) + b"\n" + GOOD_LINE + b"\n")
    lines = list(_request_lines(stream))
    assert lines == [None, GOOD_LINE + b"\n"]
    assert Recording.largest <= MAX_GRADE_LINE_BYTES + 1
    # exactly at the limit is read
    at_limit = b"y" * MAX_GRADE_LINE_BYTES
    assert list(_request_lines(io.BytesIO(at_limit + b"\n"))) == [at_limit + b"\n"]
    assert list(_request_lines(io.BytesIO(at_limit))) == [at_limit]
