"""Undo in `retain study --plain`, and `retain edit`, `delete` and `rename`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from retain.cli import cli
from retain.core.model import CardId, CardState, DeckDraft, NoteDraft
from retain.formats import read_path
from retain.formats.text import read_text, write
from retain.storage import schema
from tests.cli.running import UNSET, collection_at, make_home, retain
from tests.conftest import NOW, SAMPLE

DECK = """Test deck

Question 0?
answer 0 point a
answer 0 point b

Question 1?
answer 1 point a

Question 2?
answer 2 point a
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return make_home(tmp_path)


def rows(home: Path, table: str) -> int:
    with collection_at(home) as col, col.engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(schema.metadata.tables[table]))
            .scalar_one()
        )


# -- undo in plain lines ----------------------------------------------------------------


def test_plain_undo_takes_back_one_answer_and_then_several(home: Path) -> None:
    typed = "\n3\n\n4\nundo\n\n2\nundo\nundo\nundo\n\n1\nq\n"
    result = retain(home, "study", "--plain", "--mode", "flip", input=typed)
    assert result.exit_code == 0, result.output
    assert "Undone: easy (card 2)" in result.stdout
    assert "Undone: hard (card 2)" in result.stdout
    assert "Undone: good (card 1)" in result.stdout
    assert "Nothing to undo in this session." in result.stdout
    assert "Ratings: again 1." in result.stdout
    with collection_at(home) as col:
        assert col.stats.review_count() == 1
        assert [r.rating.label for r in col.stats.reviews(CardId(1))] == ["again"]
        assert col.study.card(CardId(2)).card.schedule.state is CardState.NEW
        assert col.study.counts(col.study.day_start(NOW).replace(year=2100)).done_today == 0
    assert rows(home, "reviews") == 4 and rows(home, "undos") == 3  # the log only grows
    checked = retain(home, "check")
    assert checked.exit_code == 0, checked.output
    assert "all consistent" in checked.stdout


def test_plain_undo_after_the_last_card(home: Path, tmp_path: Path) -> None:
    deck = tmp_path / "one.txt"
    deck.write_text("One card\n\nWhat is one?\n1\n", encoding="utf-8")
    assert retain(home, "import", str(deck)).exit_code == 0
    result = retain(home, "study", "--plain", "--mode", "flip", input="\n4\nundo\n\n3\n\n")
    assert result.exit_code == 0, result.output
    assert "Undone: easy (card 1)" in result.stdout
    assert "Ratings: good 1." in result.stdout
    assert retain(home, "check").exit_code == 0


# -- edit ---------------------------------------------------------------------------------


EDITOR_SCRIPT = """
import sys
from pathlib import Path

path = Path(sys.argv[1])
text = path.read_text(encoding="utf-8")
text = text.replace("Question 0?", "Question zero?")
text = text.replace("answer 1 point a", "answer 1 point a, now longer")
text = text.replace("Question 2?\\nanswer 2 point a\\n", "")
text += "\\nWhat else is new?\\nsomething else\\n"
path.write_text(text, encoding="utf-8")
"""


def edit(home: Path, tmp_path: Path, script: str, *args: str, input: str = "") -> Result:
    editor = tmp_path / "editor.py"
    editor.write_text(script, encoding="utf-8")
    env = {**UNSET, "EDITOR": f'"{sys.executable}" "{editor}"', "VISUAL": None}
    return CliRunner().invoke(
        cli, ["--home", str(home), "edit", "test", *args], input=input, env=env
    )


@pytest.fixture
def imported(home: Path, tmp_path: Path) -> Path:
    path = tmp_path / "deck.txt"
    path.write_text(DECK, encoding="utf-8")
    assert retain(home, "import", str(path)).exit_code == 0
    result = retain(home, "study", "--plain", "--mode", "flip", input="\n3\n\n3\n\n3\nq\n")
    assert result.exit_code == 0, result.output
    return home


def test_edit_applies_the_saved_text_and_keeps_history(imported: Path, tmp_path: Path) -> None:
    home = imported
    result = edit(home, tmp_path, EDITOR_SCRIPT, input="y\n")
    assert result.exit_code == 0, result.output
    assert "Question 2?" in result.output  # named before it is deleted
    assert "1 added, 2 updated, 1 deleted, 0 unchanged" in result.output
    with collection_at(home) as col:
        deck = col.decks.find("test")
        notes = col.decks.notes(deck)
        assert [n.question for n in notes] == ["Question zero?", "Question 1?", "What else is new?"]
        assert notes[1].answer_points == ("answer 1 point a, now longer",)
        assert col.study.card_for_note(notes[0].id).card.schedule.reps == 1  # reworded, kept
        assert col.study.card_for_note(notes[1].id).card.schedule.reps == 1
        assert col.study.card_for_note(notes[2].id).card.schedule.reps == 0
        assert col.stats.review_count() == 2
        with col.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    assert rows(home, "cards") == 3 and rows(home, "reviews") == 2
    assert retain(home, "check").exit_code == 0


def test_edit_deletes_nothing_without_confirmation(imported: Path, tmp_path: Path) -> None:
    home = imported
    result = edit(home, tmp_path, EDITOR_SCRIPT, input="n\n")
    assert result.exit_code == 1, result.output
    assert "Nothing was changed" in result.output
    kept = result.output.split("kept in ")[-1].strip()
    assert "Question zero?" in Path(kept).read_text(encoding="utf-8")
    with collection_at(home) as col:
        notes = col.decks.notes(col.decks.find("test"))
        assert [n.question for n in notes] == ["Question 0?", "Question 1?", "Question 2?"]
    assert rows(home, "reviews") == 3


def test_edit_with_yes_does_not_ask(imported: Path, tmp_path: Path) -> None:
    result = edit(imported, tmp_path, EDITOR_SCRIPT, "--yes")
    assert result.exit_code == 0, result.output
    assert "1 deleted" in result.output


def test_an_unchanged_file_changes_nothing(imported: Path, tmp_path: Path) -> None:
    result = edit(imported, tmp_path, "pass\n")
    assert result.exit_code == 0, result.output
    assert "No changes" in result.output


def test_an_edit_that_cannot_be_read_stores_nothing(imported: Path, tmp_path: Path) -> None:
    script = "import sys; open(sys.argv[1], 'w').write('   ')\n"
    result = edit(imported, tmp_path, script)
    assert result.exit_code == 2
    assert "empty" in result.output and "Nothing was changed" in result.output
    assert rows(imported, "notes") == 3


def test_the_text_to_edit_reads_back_to_the_same_cards() -> None:
    sample = read_path(SAMPLE)
    again = read_text(write(sample))
    assert (again.title, again.notes) == (sample.title, sample.notes)
    odd = DeckDraft(
        None,
        "text/tab",
        (NoteDraft("term", ("- a bulleted point", "Is this a point?")), NoteDraft("b", ("c",))),
    )
    again = read_text(write(odd))
    assert (again.title, again.notes) == (odd.title, odd.notes)


# -- delete and rename ------------------------------------------------------------------


def test_delete_asks_and_leaves_nothing_behind(imported: Path, tmp_path: Path) -> None:
    home = imported
    other = tmp_path / "other.txt"
    other.write_text("Other deck\n\nWhat stays?\nthis\n", encoding="utf-8")
    assert retain(home, "import", str(other)).exit_code == 0
    declined = retain(home, "delete", "test", input="n\n")
    assert declined.exit_code == 1 and "Nothing was deleted" in declined.output
    assert rows(home, "cards") == 4
    done = retain(home, "delete", "test", input="y\n")
    assert done.exit_code == 0, done.output
    assert "Deleted “Test deck” and its 3 cards." in done.output
    for table, left in (("decks", 1), ("notes", 1), ("cards", 1), ("reviews", 0),
                        ("review_points", 0), ("undos", 0)):
        assert rows(home, table) == left, table
    decks = json.loads(retain(home, "decks", "--json").stdout)
    assert [d["name"] for d in decks] == ["Other deck"]
    assert retain(home, "check").exit_code == 0


def test_delete_with_yes(imported: Path) -> None:
    result = retain(imported, "delete", "test", "--yes")
    assert result.exit_code == 0, result.output
    assert rows(imported, "decks") == 0


def test_rename_keeps_the_cards_and_their_history(imported: Path) -> None:
    result = retain(imported, "rename", "test", "Renamed deck", input="y\n")
    assert result.exit_code == 0, result.output
    assert "Renamed “Test deck” to “Renamed deck”." in result.output
    with collection_at(imported) as col:
        assert [d.name for d in col.decks.all()] == ["Renamed deck"]
        assert col.stats.review_count() == 3
    assert retain(imported, "rename", "renamed", "Again", "--yes").exit_code == 0


def test_rename_refuses_a_name_in_use(imported: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("Other deck\n\nWhat stays?\nthis\n", encoding="utf-8")
    assert retain(imported, "import", str(other)).exit_code == 0
    result = retain(imported, "rename", "test", "Other deck", "--yes")
    assert result.exit_code == 2
    assert "already a deck called 'Other deck'" in result.output
    assert retain(imported, "rename", "nonesuch", "x", "--yes").exit_code == 2
