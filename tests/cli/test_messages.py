"""What the commands say: settings refused with their rule, counts in the right number, the
help that fits its line, and the commands that only read starting without the database layer."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from retain.core.model import CardId, Rating
from retain.core.questions import SHORT_TYPED_ANSWER
from retain.paths import DATABASE_FILE
from retain.storage import peek, schema
from tests.cli.running import child_env, collection_at, make_home, retain
from tests.conftest import REPO, SAMPLE


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = make_home(tmp_path)
    assert retain(home, "import", str(SAMPLE)).exit_code == 0
    return home


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("new_per_day", "-5", "new_per_day must be 0 or more"),
        ("day_start_hour", "-1", "day_start_hour must be between 0 and 23"),
        ("new_per_day", "many", "new_per_day must be a whole number, not 'many'"),
        ("desired_retention", "high", "desired_retention must be a number, not 'high'"),
    ],
)
def test_a_bad_setting_is_refused_with_its_rule(
    home: Path, key: str, value: str, message: str
) -> None:
    result = retain(home, "config", key, value)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"retain: {message}"
    assert retain(home, "config", key).stdout.strip() != value


def test_check_counts_in_the_singular_and_the_plural(home: Path) -> None:
    with collection_at(home) as col:
        col.study.answer(CardId(1), Rating.GOOD, datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
        with col.engine.begin() as conn:
            conn.execute(update(schema.cards).where(schema.cards.c.id == 1).values(reps=7))
    result = retain(home, "check")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "Checked 15 cards and 1 review: 1 problem."
    result = retain(home, "check", "--repair")
    assert "Repaired 1 card state from the review log." in result.stdout


def test_grade_reads_json_lines_without_the_flag() -> None:
    line = '{"question": "When?", "answer_points": ["in 1924"], "typed": "1924"}\n'
    from click.testing import CliRunner

    from retain.cli import cli

    plain = CliRunner().invoke(cli, ["grade", "--no-semantic"], input=line)
    flagged = CliRunner().invoke(cli, ["grade", "--jsonl", "--no-semantic"], input=line)
    assert plain.exit_code == 0, plain.output
    assert plain.stdout == flagged.stdout
    assert '"verdict": "correct"' in plain.stdout


def test_every_command_has_a_whole_line_in_the_help() -> None:
    from click.testing import CliRunner

    from retain.cli import cli

    result = CliRunner().invoke(cli, ["--help"], terminal_width=80)
    commands = result.stdout.split("Commands:\n", 1)[1].splitlines()
    assert {"check", "config", "decks", "grade", "import", "study"} <= {
        line.split()[0] for line in commands
    }
    for line in commands:
        assert line.rstrip().endswith(".") and "..." not in line, line


def test_study_help_and_the_readme_say_the_same_of_auto() -> None:
    from click.testing import CliRunner

    from retain.cli import cli

    text = " ".join(CliRunner().invoke(cli, ["study", "--help"], terminal_width=200).stdout.split())
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    [auto] = [line for line in readme.splitlines() if line.startswith("| `auto`")]
    # choose_mode: a choice first, a short fact typed, a longer answer partly asked on its
    # second review, then typed when short enough and flipped otherwise
    for said in (text, auto):
        for words in ("choice", "typed", "cloze", "true/false", "flipped",
                      f"{SHORT_TYPED_ANSWER} characters"):
            assert words in said, (words, said)


# -- start-up ---------------------------------------------------------------------------

def modules_loaded(home: Path, *args: str) -> set[str]:
    """The modules `retain ARGS...` imports, run as its own process."""
    code = (
        "import sys\n"
        "from retain.cli import cli\n"
        f"try: cli.main({list(args)!r}, prog_name='retain')\n"
        "except SystemExit: pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=child_env(home),
        timeout=120, check=True,
    )
    return set(done.stderr.split())


@pytest.mark.parametrize("args", [("decks",), ("decks", "--json"), ("config",),
                                  ("config", "new_per_day")])
def test_commands_that_only_read_start_without_the_database_layer(
    home: Path, args: tuple[str, ...]
) -> None:
    loaded = modules_loaded(home, *args)
    assert "retain.storage.peek" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("sqlalchemy", "alembic", "textual")}


def test_a_new_store_is_still_made_by_the_collection(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    assert "sqlalchemy" in modules_loaded(home, "decks")
    assert (home / DATABASE_FILE).is_file()


def test_the_quick_read_gives_what_the_collection_gives(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("Spanish\nWhat is 'dog'?\nperro\nWhat is 'cat'?\ngato\n", encoding="utf-8")
    assert retain(home, "import", str(other)).exit_code == 0
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    with collection_at(home) as col:
        for card, rating in ((1, Rating.AGAIN), (2, Rating.GOOD), (16, Rating.EASY)):
            col.study.answer(CardId(card), rating, now)
        col.set_setting("new_per_day", 7)
        later = datetime(2026, 3, 30, tzinfo=UTC)
        expected = [(c.deck.id, c.deck.name, c.new, c.learning, c.due, c.total)
                    for c in col.decks.counts(later)]
        settings = col.settings
    conn = peek.open_store(home / DATABASE_FILE)
    assert conn is not None
    with conn:
        rows = peek.deck_rows(conn, int(later.timestamp() * 1000))
        stored = peek.stored_settings(conn)
    conn.close()
    assert [(r.id, r.name, r.new, r.learning, r.due, r.total) for r in rows] == expected
    assert {**settings, **stored} == settings and stored["new_per_day"] == 7
    assert re.search(r"new_per_day = 7", retain(home, "config").stdout)


def test_the_quick_read_steps_aside_for_a_store_that_needs_a_migration(home: Path) -> None:
    assert peek.newest_revision() == schema.SCHEMA_REVISION
    path = home / DATABASE_FILE
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.close()
    assert peek.open_store(path) is None
    assert peek.open_store(home / "missing.sqlite3") is None


def test_the_process_ends_with_the_commands_status_and_all_its_output(tmp_path: Path) -> None:
    from tests.cli.running import run_retain

    home = make_home(tmp_path)
    deck = tmp_path / "many.txt"
    deck.write_text(
        "Many\n\n" + "".join(f"What is item {i}?\nitem {i}\n\n" for i in range(3000)),
        encoding="utf-8",
    )
    assert run_retain(home, "import", str(deck)).returncode == 0
    shown = run_retain(home, "export", "many", "--format", "csv")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.count("What is item") == 3000  # every line reached the pipe
    refused = run_retain(home, "config", "no_such_setting")
    assert refused.returncode == 2
    assert refused.stderr.startswith("retain: ")
