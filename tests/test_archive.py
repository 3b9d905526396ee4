"""The JSON backup: written out and restored into an empty store, it makes the same store
(the same backup again, byte for byte) and `check` finds every card consistent."""

from __future__ import annotations

import io
import json
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from retain.archive import is_backup, read_backup, restore_backup, write_backup
from retain.collection import Collection
from retain.core.model import DeckDraft, NoteDraft, Rating
from retain.errors import CollectionError
from tests.cli.running import make_home, retain
from tests.conftest import NOW


def _studied(col: Collection) -> None:
    col.decks.import_deck(
        DeckDraft(
            "Cells",
            "csv",
            (
                NoteDraft("What does the nucleus do?", ("holds the DNA", "controls"), ("bio",)),
                NoteDraft("Où est la membrane ?", ("autour de la “cellule”",)),
                NoteDraft("ATP?", ("energy",), ("bio", "chem")),
            ),
        ),
        now=NOW,
    )
    col.decks.import_deck(DeckDraft("Other", "text", (NoteDraft("Q?", ("a",)),)), now=NOW)
    col.set_setting("desired_retention", 0.85)
    col.set_setting("new_per_day", 12)
    moment = NOW
    for rating in (Rating.GOOD, Rating.AGAIN, Rating.EASY, Rating.HARD):
        item = col.study.next_card(moment)
        assert item is not None
        col.study.answer(
            item.card.id, rating, moment, mode="type", points={0: True}, duration_ms=900
        )
        moment += timedelta(minutes=3)
    col.study.undo(moment)


def _backup(col: Collection, **kwargs: object) -> str:
    out = io.StringIO()
    write_backup(col, out, **kwargs)  # type: ignore[arg-type]
    return out.getvalue()


def test_backup_restores_the_same_store(store_target: str | Path, tmp_path: Path) -> None:
    with Collection.open(store_target, tz=UTC) as col:
        _studied(col)
        first = _backup(col)
    assert is_backup(first.encode())
    with Collection.open(tmp_path / "copy.sqlite3", tz=UTC) as copy:
        found = restore_backup(copy, read_backup(first.encode()))
        assert [name for name, _ in found.decks] == ["Cells", "Other"]
        assert found.rows["reviews"] == 4 and found.rows["undos"] == 1
    with Collection.open(tmp_path / "copy.sqlite3", tz=UTC) as copy:
        assert _backup(copy) == first
        report = copy.check()
        assert report.ok and report.reviews == 4
        assert copy.settings["desired_retention"] == 0.85
        deck = copy.decks.find("Cells")
        assert [n.tags for n in copy.decks.notes(deck)] == [("bio",), (), ("bio", "chem")]
        # The restored store goes on: a new import and an answer get fresh ids.
        copy.decks.import_deck(DeckDraft("New", "text", (NoteDraft("N?", ("n",)),)), now=NOW)
        assert len(copy.decks.all()) == 3


def test_one_deck_backup_keeps_its_history_only(tmp_path: Path) -> None:
    with Collection.open(tmp_path / "a.sqlite3", tz=UTC) as col:
        _studied(col)
        backup = json.loads(_backup(col, deck=col.decks.find("Other")))
    tables = backup["tables"]
    assert [row[1] for row in tables["decks"]["rows"]] == ["Other"]
    assert len(tables["notes"]["rows"]) == 1
    assert tables["settings"]["rows"]


def test_restore_refuses_a_store_with_decks(tmp_path: Path) -> None:
    with Collection.open(tmp_path / "a.sqlite3", tz=UTC) as col:
        _studied(col)
        data = _backup(col).encode()
        with pytest.raises(CollectionError, match="empty store"):
            restore_backup(col, read_backup(data))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"format": "retain-backup", "version": 1', "not valid JSON"),
        (b'{"format": "retain-backup", "version": 9, "tables": {}}', "version 9"),
        (
            b'{"format": "retain-backup", "version": 1, "schema": "0001", "tables": '
            b'{"nope": {"columns": [], "rows": []}}}',
            "does not know: nope",
        ),
        (
            b'{"format": "retain-backup", "version": 1, "schema": "0001", "tables": '
            b'{"decks": {"columns": ["id"], "rows": [[1, 2]]}}}',
            "row 1 of the table decks",
        ),
    ],
)
def test_bad_backups_get_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(CollectionError, match=message):
        read_backup(data, source="b.json")


@pytest.mark.parametrize(
    "data",
    [
        b'{"format": "retain-backup", "version": 1, "n": ' + b"9" * 5000 + b"}",
        b'{"format": "retain-backup", "version": 1, "n": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b"\xff\xfe{}",
    ],
    ids=["huge-number", "deep-nesting", "not-utf8"],
)
def test_hostile_backups_are_refused(data: bytes) -> None:
    with pytest.raises(CollectionError):
        read_backup(data, source="b.json")


def test_rows_that_do_not_fit_store_nothing(tmp_path: Path) -> None:
    with Collection.open(tmp_path / "a.sqlite3", tz=UTC) as col:
        _studied(col)
        backup = json.loads(_backup(col))
    backup["tables"]["notes"]["rows"][1][0] = backup["tables"]["notes"]["rows"][0][0]
    with Collection.open(tmp_path / "b.sqlite3", tz=UTC) as copy:
        with pytest.raises(CollectionError, match="table notes .* nothing was restored"):
            restore_backup(copy, read_backup(json.dumps(backup).encode()))
        assert copy.decks.all() == []


def test_cli_export_json_then_import_into_an_empty_store(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    with Collection.open(home / "retain.sqlite3", tz=UTC) as col:
        _studied(col)
    out = tmp_path / "backup.json"
    result = retain(home, "export", "--json", "--out", str(out))
    assert result.exit_code == 0, result.output
    other = tmp_path / "other"
    other.mkdir()
    dry = retain(other, "import", str(out), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["rows"]["reviews"] == 4
    result = retain(other, "import", str(out))
    assert result.exit_code == 0, result.output
    assert "2 decks, 4 cards, 4 reviews" in result.output
    again = retain(other, "export", "--format", "json")
    assert again.output == out.read_text(encoding="utf-8")
    assert "all consistent" in retain(other, "check").output
    refused = retain(other, "import", str(out))
    assert refused.exit_code == 2 and "empty store" in refused.output
