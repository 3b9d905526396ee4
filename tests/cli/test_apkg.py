"""`retain import` of Anki packages (known by their content) and `retain export --format
apkg`, as a student runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retain.formats import apkg
from tests.cli.running import collection_at, make_home, retain
from tests.formats.anki_packages import Note, collection, package

T0 = 1_736_154_000_000
NOTES = [
    Note(
        "basic",
        ["What is <i>mitosis</i>?", "Cell division<br>Two identical cells"],
        reviews={0: [(T0, 3, 1, 0, 4000), (T0 + 86_400_000, 3, 3, 1, 3000)]},
    ),
    Note("cloze", ["The {{c1::heart}} pumps blood", ""]),
]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return make_home(tmp_path)


def test_dry_run_json_of_a_package(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "download"  # no extension: the content says what it is
    path.write_bytes(package(collection(NOTES, deck="Biology"), version="anki21b"))
    result = retain(home, "import", str(path), "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "title": "Biology",
        "format": "apkg",
        "cards": [
            {
                "question": "What is mitosis?",
                "answer_points": ["Cell division", "Two identical cells"],
                "reviews": 2,
            },
            {"question": "The [...] pumps blood", "answer_points": ["heart"]},
        ],
    }
    assert not (home / "retain.sqlite3").exists()


def test_import_then_export_then_import_again(home: Path, tmp_path: Path) -> None:
    source = tmp_path / "bio.apkg"
    source.write_bytes(package(collection(NOTES, deck="Biology"), media={"a.png": b"png"}))
    result = retain(home, "import", str(source), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["added"], report["reviews"], report["media"]) == (2, 2, 1)
    assert retain(home, "check").exit_code == 0
    out = tmp_path / "back.apkg"
    result = retain(home, "export", "biology", "--format", "apkg", "--out", str(out))
    assert result.exit_code == 0, result.output
    back = apkg.read(out.read_bytes())
    assert [(n.question, n.answer_points) for n in back.notes] == [
        ("What is mitosis?", ("Cell division", "Two identical cells")),
        ("The [...] pumps blood", ("heart",)),
    ]
    with collection_at(home) as col:
        deck = col.decks.find("Biology")
        assert [name for name, _ in col.decks.media_files(deck)] == ["a.png"]


def test_import_from_standard_input(home: Path) -> None:
    data = package(collection(NOTES, deck="Piped"))
    result = retain(home, "import", "-", input=data)
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output and "2 answers of review history" in result.output


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04garbage" * 10, "damaged"),
        (package(collection(NOTES), media={"../up.png": b"x"}), "not a plain file name"),
        (package(collection(NOTES))[:500], "damaged|cut short"),
    ],
)
def test_a_hostile_package_gets_a_message_and_stores_nothing(
    home: Path, tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "bad.apkg"
    path.write_bytes(data)
    result = retain(home, "import", str(path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert message.split("|")[0] in result.output or message.split("|")[-1] in result.output
    assert not (home / "retain.sqlite3").exists() or retain(home, "decks").output.count("\n") <= 1
    assert not (tmp_path / "up.png").exists()


def test_export_with_type_in(home: Path, tmp_path: Path) -> None:
    source = tmp_path / "bio.apkg"
    source.write_bytes(package(collection(NOTES, deck="Biology")))
    assert retain(home, "import", str(source)).exit_code == 0
    out = tmp_path / "typed.apkg"
    result = retain(home, "export", "Biology", "--out", str(out), "--type-in")
    assert result.exit_code == 0, result.output
    assert b"type:Back" in out.read_bytes()
