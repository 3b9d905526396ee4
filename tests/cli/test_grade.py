from __future__ import annotations

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
