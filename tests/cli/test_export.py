"""`retain export`: each text format goes to stdout or a file and `retain import` reads it
back to the same cards, detected from its content alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retain.core.model import DeckDraft, NoteDraft
from tests.cli.running import collection_at, make_home, retain
from tests.conftest import NOW

DECK = DeckDraft(
    "Cells: the basics",
    "text/questions",
    (
        NoteDraft("What does the nucleus do?", ("holds the DNA", "controls the cell"), ("bio",)),
        NoteDraft("Name a “powerhouse”, with a comma", ("mitochondria, the ATP makers",)),
        NoteDraft("Où est la membrane ?", ("autour de la cellule",), ("fr", "bio")),
    ),
)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = make_home(tmp_path)
    with collection_at(home) as col:
        col.decks.import_deck(DECK, now=NOW)
    return home


def parsed(home: Path, data: str, name: str = "-") -> dict[str, object]:
    if name == "-":
        result = retain(home, "import", "-", "--dry-run", "--json", input=data)
    else:
        path = home / name
        path.write_text(data, encoding="utf-8")
        result = retain(home, "import", str(path), "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    value: dict[str, object] = json.loads(result.output)
    return value


def cards(deck: DeckDraft, *, tags: bool) -> list[dict[str, object]]:
    return [
        {"question": n.question, "answer_points": list(n.answer_points)}
        | ({"tags": list(n.tags)} if tags and n.tags else {})
        for n in deck.notes
    ]


@pytest.mark.parametrize(
    ("fmt", "title", "tags"),
    [
        ("csv", None, True),
        ("tsv", DECK.title, True),
        ("quizlet", None, False),
        ("markdown", DECK.title, False),
    ],
)
def test_export_reads_back(home: Path, fmt: str, title: str | None, tags: bool) -> None:
    result = retain(home, "export", "cells", "--format", fmt)
    assert result.exit_code == 0, result.output
    again = parsed(home, result.output)
    assert again["title"] == title
    assert again["cards"] == cards(DECK, tags=tags)


def test_quizlet_custom_separators_keep_multiline_answers(home: Path) -> None:
    result = retain(
        home,
        "export",
        "cells",
        "--format",
        "quizlet",
        "--term-separator",
        " = ",
        "--card-separator",
        "%%",
    )
    assert result.exit_code == 0, result.output
    assert "holds the DNA\ncontrols the cell" in result.output
    read = retain(
        home,
        "import",
        "-",
        "--dry-run",
        "--json",
        "--term-separator",
        " = ",
        "--card-separator",
        "%%",
        input=result.output,
    )
    assert read.exit_code == 0, read.output
    assert json.loads(read.output)["cards"] == cards(DECK, tags=False)


def test_quizlet_refuses_a_separator_inside_a_card(home: Path) -> None:
    result = retain(home, "export", "cells", "--format", "quizlet", "--term-separator", ",")
    assert result.exit_code == 2
    assert "holds the separator 'comma'" in result.output


def test_export_to_a_file_picks_the_format_from_its_name(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "cells.tsv"
    result = retain(home, "export", "cells", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("#separator:tab\n")
    assert parsed(home, out.read_text(encoding="utf-8"), "copy.txt")["format"] == "anki/text"


def test_unknown_deck_and_missing_deck_are_clear(home: Path) -> None:
    assert "no deck called" in retain(home, "export", "nothing", "--format", "csv").output
    assert "name the deck" in retain(home, "export", "--format", "csv").output
