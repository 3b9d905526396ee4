"""Every study mode driven through `retain study --plain --mode ...`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from retain.storage import schema
from tests.cli.running import collection_at, make_home, retain


def logged_modes(home: Path) -> list[str]:
    r = schema.reviews.c
    with collection_at(home) as col, col.engine.connect() as conn:
        return [row.mode for row in conn.execute(select(r.mode).order_by(r.id))]


@pytest.mark.parametrize(
    ("mode", "typed", "logged", "shown"),
    [
        ("flip", "\n3\n\n1\n", ["flip", "flip"], "Press Enter to show the answer"),
        ("type", "January 1924\n\n\nno idea\n\nw\n", ["type", "type"], "Grade: correct"),
        ("choice", "a\n\nb\n\n", ["choice", "choice"], "Your choice (a-d)"),
        ("truefalse", "t\n\nf\n\n", ["true_false", "true_false"], "True"),
        ("cloze", "1924\n\nStalin\n\n", ["cloze", "cloze"], "Fill in the blank"),
        ("learn", "b\n\na\n\n", ["choice", "choice"], "[learned 0"),
    ],
)
def test_each_mode_records_its_answers(
    tmp_path: Path, mode: str, typed: str, logged: list[str], shown: str
) -> None:
    home = make_home(tmp_path)
    result = retain(home, "study", "--plain", "--mode", mode, "--seed", "4", input=typed)
    assert result.exit_code == 0, result.output
    assert shown in result.stdout
    assert result.stdout.count("Recorded:") == 2
    assert logged_modes(home) == logged
    assert retain(home, "check").exit_code == 0


def test_typed_answer_shows_points_matched_and_missed(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    typed = "\n".join(
        ["January 1924", "", "", "He became general secretary in 1922", "", ""]
    )
    result = retain(home, "study", "--plain", "--mode", "type", input=typed + "\n")
    assert result.exit_code == 0, result.output
    assert "Grade: partial — 1 of 6 points" in result.stdout
    assert "✓ 1. He became General Secretary" in result.stdout
    assert "✗ 2. He gained access" in result.stdout


def test_match_round_through_the_command(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    result = retain(
        home, "study", "--plain", "--mode", "match", "--seed", "1", input="a\nb\nc\nd\ne\nf\n"
    )
    assert result.exit_code == 0, result.output
    assert "Match each question with its answer" in result.stdout
    assert "right in" in result.stdout
    modes = logged_modes(home)
    assert 5 <= len(modes) <= 6 and set(modes) == {"match"}


def test_unknown_mode_is_refused(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    result = retain(home, "study", "--plain", "--mode", "speed")
    assert result.exit_code == 2
    assert "speed" in result.output


def test_the_command_offers_every_mode_the_session_knows() -> None:
    import click

    from retain.cli import study
    from retain.session import STUDY_MODES

    [mode] = [p for p in study.params if p.name == "mode"]
    assert isinstance(mode.type, click.Choice)
    assert tuple(mode.type.choices) == STUDY_MODES


def test_a_formula_answer_in_other_symbols_shows_as_covered_without_an_empty_match(
    tmp_path: Path,
) -> None:
    home = make_home(tmp_path)
    deck = tmp_path / "formulas.txt"
    deck.write_text(
        "Formulas\n\nHow do you work out density?\ndensity = mass ÷ volume\n", encoding="utf-8"
    )
    assert retain(home, "import", str(deck)).exit_code == 0
    result = retain(home, "study", "formulas", "--plain", "--mode", "type", input="d = m/v\n\nq\n")
    assert result.exit_code == 0, result.output
    assert "Grade: correct" in result.stdout
    assert "✓ 1. density = mass ÷ volume" in result.stdout
    assert "[matched: ]" not in result.stdout
