"""`retain study --plain`, `import`, `decks` and `check` through the real command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from retain.core.model import CardId, CardState, Rating
from retain.storage import schema
from tests.cli.running import collection_at, make_home, retain, run_retain
from tests.conftest import SAMPLE, SAMPLE_EXPECTED

SAMPLE_TITLE = (
    "Unit 1: HOW DID STALIN EXERCISE POWER OVER THE COMMUNIST PARTY AND THE SOVIET STATE? "
    "Flashcards"
)
EXPECTED = SAMPLE_EXPECTED
RECORDED = re.compile(r"Recorded: (\w+) \(card (\d+)\)")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return make_home(tmp_path)


def recorded(output: str) -> list[tuple[str, int]]:
    return [(m.group(1), int(m.group(2))) for m in RECORDED.finditer(output)]


def ratings_in_log(home: Path) -> list[tuple[int, Rating]]:
    """(card id, rating) of every review in the log, in the order they were recorded."""
    r = schema.reviews.c
    with collection_at(home) as col, col.engine.connect() as conn:
        rows = conn.execute(select(r.card_id, r.rating).order_by(r.id)).all()
    return [(int(row.card_id), Rating(row.rating)) for row in rows]


def decks_json(home: Path) -> list[dict[str, object]]:
    result = retain(home, "decks", "--json")
    assert result.exit_code == 0, result.output
    data: list[dict[str, object]] = json.loads(result.stdout)
    return data


# -- study --plain ----------------------------------------------------------------------


def test_study_with_nothing_imported_imports_the_sample_deck(home: Path) -> None:
    result = retain(home, "study", "--plain", "--mode", "flip", input="q\n")
    assert result.exit_code == 0, result.output
    assert f"retain imported its sample deck “{SAMPLE_TITLE}” (15 cards)" in result.stderr
    assert "retain import FILE" in result.stderr
    assert result.stdout.startswith("Studying all decks (flip mode): 0 due, 15 new, 0 done today.")
    assert "Q: When did Lenin die?" in result.stdout
    assert result.stdout.rstrip().endswith("No cards answered.")
    assert [(d["name"], d["total"], d["new"]) for d in decks_json(home)] == [
        (SAMPLE_TITLE, 15, 15)
    ]


def test_the_sample_deck_is_imported_only_once(home: Path) -> None:
    retain(home, "study", "--plain", "--mode", "flip", input="q\n")
    again = retain(home, "study", "--plain", "--mode", "flip", input="q\n")
    assert again.exit_code == 0, again.output
    assert "sample deck" not in again.stderr
    assert [d["total"] for d in decks_json(home)] == [15]


def test_answers_typed_on_stdin_are_recorded(home: Path) -> None:
    result = retain(home, "study", "--plain", "--mode", "flip", input="\n3\n\n1\n\n4\n\ngood\n")
    assert result.exit_code == 0, result.output
    assert recorded(result.stdout) == [("good", 1), ("again", 2), ("easy", 3), ("good", 4)]
    assert ratings_in_log(home) == [
        (1, Rating.GOOD), (2, Rating.AGAIN), (3, Rating.EASY), (4, Rating.GOOD),
    ]
    with collection_at(home) as col:
        assert col.stats.review_count() == 4
        assert col.study.card(CardId(1)).card.schedule.state is CardState.LEARNING
        assert col.study.card(CardId(3)).card.schedule.state is CardState.REVIEW
        assert col.study.card(CardId(5)).card.schedule.reps == 0
    assert "Answered 4 cards in" in result.stdout
    assert "Ratings: again 1, good 2, easy 1." in result.stdout


def test_the_answer_points_and_intervals_are_shown(home: Path) -> None:
    result = retain(home, "study", "--plain", "--mode", "flip", input="\nq\n")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith("A:"))
    assert lines[start + 1] == "  - January 1924"
    assert re.search(
        r"Rate: 1 again \(\S+\)  2 hard \(\S+\)  3 good \(\S+\)  4 easy \(\S+\)  "
        r"Enter = good  q quit:",
        result.stdout,
    )


@pytest.mark.parametrize(
    ("typed", "answered"),
    [
        ("q\n", 0),  # at the first question
        ("\nq\n", 0),  # at the rating prompt
        ("\n3\nq\n", 1),
        ("\n3\n\nquit\n", 1),
        ("\n3\n\n2\nQ\n", 2),
    ],
)
def test_q_quits_with_a_summary(home: Path, typed: str, answered: int) -> None:
    result = retain(home, "study", "--plain", "--mode", "flip", input=typed)
    assert result.exit_code == 0, result.output
    with collection_at(home) as col:
        assert col.stats.review_count() == answered
    summary = result.stdout.rstrip().splitlines()
    if answered:
        assert summary[-2].startswith(f"Answered {answered} card")
        assert summary[-1].startswith("Ratings: ")
    else:
        assert summary[-1] == "No cards answered."


def test_a_bad_rating_asks_again(home: Path) -> None:
    result = retain(home, "study", "--plain", "--mode", "flip", input="\n9\nsoon\n0\n2\n")
    assert result.exit_code == 0, result.output
    assert "not a rating: '9' (use 1-4 or again/hard/good/easy)" in result.stdout
    assert "not a rating: 'soon'" in result.stdout
    assert "not a rating: '0'" in result.stdout
    assert result.stdout.count("Rate: ") == 4
    assert recorded(result.stdout) == [("hard", 1)]
    assert ratings_in_log(home) == [(1, Rating.HARD)]


@pytest.mark.parametrize("typed", ["", "\n", "\n3\n", "\n3\n\n", "\n3\n\n4"])
def test_end_of_input_ends_cleanly(home: Path, typed: str) -> None:
    result = retain(home, "study", "--plain", "--mode", "flip", input=typed)
    assert result.exit_code == 0, result.output
    assert result.exception is None
    answered = len(recorded(result.stdout))
    with collection_at(home) as col:
        assert col.stats.review_count() == answered
    expected = typed.count("\n") // 2 + (1 if typed.endswith("\n4") else 0)
    assert answered == expected


def test_study_a_deck_by_part_of_its_name(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("Spanish\nWhat is 'dog'?\nperro\n", encoding="utf-8")
    assert retain(home, "import", str(SAMPLE)).exit_code == 0
    assert retain(home, "import", str(other)).exit_code == 0
    result = retain(home, "study", "spanish", "--plain", "--mode", "flip", input="\n4\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Studying Spanish (flip mode): 0 due, 1 new, 0 done today.")
    assert "Q: What is 'dog'?" in result.stdout
    assert "No more cards to study now." in result.stdout
    counts = {d["name"]: d for d in decks_json(home)}
    assert counts["Spanish"]["new"] == 0
    assert counts[SAMPLE_TITLE]["new"] == 15


def test_study_an_unknown_deck_fails(home: Path) -> None:
    result = retain(home, "study", "nonesuch", "--plain", "--mode", "flip", input="")
    assert result.exit_code == 2
    assert "no deck called 'nonesuch'" in result.stderr


# -- decks and check --------------------------------------------------------------------


def test_decks_shows_counts_after_study(home: Path) -> None:
    retain(home, "study", "--plain", "--mode", "flip", input="\n3\n\n4\n\n1\n")
    assert [(d["new"], d["learning"], d["due"], d["total"]) for d in decks_json(home)] == [
        (12, 2, 0, 15)
    ]
    table = retain(home, "decks")
    assert table.exit_code == 0, table.output
    header, row = table.stdout.splitlines()
    assert header.split() == ["deck", "new", "learn", "due", "total"]
    assert row.startswith(SAMPLE_TITLE)
    assert row.split()[-4:] == ["12", "2", "0", "15"]


def test_decks_with_nothing_imported(home: Path) -> None:
    result = retain(home, "decks")
    assert result.exit_code == 0, result.output
    assert "No decks yet" in result.stdout
    assert decks_json(home) == []


def test_check_passes_after_study(home: Path) -> None:
    retain(home, "study", "--plain", "--mode", "flip", input="\n3\n\n1\n\n2\n\n4\n")
    result = retain(home, "check")
    assert result.exit_code == 0, result.output
    assert "Checked 15 cards and 4 reviews: all consistent." in result.stdout


# -- import -----------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(home: Path) -> None:
    first = retain(home, "import", str(SAMPLE))
    assert first.exit_code == 0, first.output
    assert f"Imported into “{SAMPLE_TITLE}” (text/questions): 15 added" in first.stdout
    retain(home, "study", "--plain", "--mode", "flip", input="\n3\n")
    again = retain(home, "import", str(SAMPLE))
    assert again.exit_code == 0, again.output
    assert "0 added, 0 updated, 15 unchanged." in again.stdout
    assert [d["total"] for d in decks_json(home)] == [15]
    assert ratings_in_log(home) == [(1, Rating.GOOD)]


def test_import_from_standard_input(home: Path) -> None:
    result = retain(
        home, "import", "-", "--json", input="What is 2+2?\nfour\nWhat is 3+3?\nsix\n"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "deck": "Pasted cards", "format": "text/questions", "added": 2, "updated": 0,
        "unchanged": 0, "control_characters_removed": 0,
    }


def test_dry_run_json_prints_the_cards_and_stores_nothing(home: Path) -> None:
    result = retain(home, "import", "--dry-run", "--json", str(SAMPLE))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["title", "format", "cards"]
    assert data["format"] == "text/questions"
    assert all(list(card) == ["question", "answer_points"] for card in data["cards"])
    assert all(
        isinstance(card["question"], str)
        and isinstance(card["answer_points"], list)
        and all(isinstance(p, str) for p in card["answer_points"])
        for card in data["cards"]
    )
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert data["title"] == expected["title"]
    assert data["cards"] == expected["cards"]
    assert len(data["cards"]) == 15
    assert decks_json(home) == []


def test_dry_run_as_text_stores_nothing(home: Path) -> None:
    result = retain(home, "import", "--dry-run", str(SAMPLE))
    assert result.exit_code == 0, result.output
    assert "15 cards (text/questions)" in result.stdout
    assert "  1. When did Lenin die?" in result.stdout
    assert "       - January 1924" in result.stdout
    assert result.stdout.rstrip().endswith("Dry run: nothing was stored.")
    assert decks_json(home) == []


BAD_FILES: list[tuple[str, bytes | None, str]] = [
    ("empty.txt", b"", "the input is empty"),
    ("blank.txt", b"\n  \n\t\n", "the text is empty"),
    ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not text"),
    ("random.bin", bytes(range(256)) * 4, "not text"),
    ("words.txt", b"just a few words with no cards in them\n", "no cards found"),
    ("missing.txt", None, "there is no such file"),
    # Russian saved as Windows-1251: not UTF-8, and not plausible as Windows-1252.
    (
        "cyrillic.txt",
        "Что такое собака?\nЖивотное, которое лает\n".encode("cp1251"),
        "cannot tell which encoding",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
@pytest.mark.parametrize("with_data", [False, True], ids=["empty-store", "with-data"])
def test_a_bad_file_fails_with_status_2_and_stores_nothing(
    home: Path, tmp_path: Path, name: str, content: bytes | None, message: str, with_data: bool
) -> None:
    if with_data:
        retain(home, "import", str(SAMPLE))
        retain(home, "study", "--plain", "--mode", "flip", input="\n3\n")
    before = decks_json(home)
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = retain(home, "import", str(path))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"retain: {path}: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1  # one clear line, no traceback
    assert decks_json(home) == before
    if with_data:
        assert ratings_in_log(home) == [(1, Rating.GOOD)]


def test_a_folder_is_refused(home: Path, tmp_path: Path) -> None:
    result = retain(home, "import", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert result.stderr == f"retain: {tmp_path}: this is a folder, not a file\n"
    assert decks_json(home) == []


def test_a_windows_1252_file_is_read_exactly(home: Path, tmp_path: Path) -> None:
    """Notepad's "ANSI": curly quotes and dashes are single bytes, read as what they were."""
    path = tmp_path / "ansi.txt"
    path.write_bytes(
        "Révision\nWhat is “café”?\nA drink – served hot\n".encode("cp1252")
    )
    result = retain(home, "import", "--dry-run", "--json", str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cards"] == [
        {"question": "What is “café”?", "answer_points": ["A drink – served hot"]}
    ]


# -- as a real process ------------------------------------------------------------------


def test_study_plain_as_a_process(home: Path) -> None:
    done = run_retain(home, "study", "--plain", "--mode", "flip", input="\n3\n\n4\n\n9\n1\nq\n")
    assert done.returncode == 0, done.stderr
    assert "imported its sample deck" in done.stderr
    assert recorded(done.stdout) == [("good", 1), ("easy", 2), ("again", 3)]
    assert "not a rating: '9'" in done.stdout
    assert "Answered 3 cards in" in done.stdout
    assert ratings_in_log(home) == [(1, Rating.GOOD), (2, Rating.EASY), (3, Rating.AGAIN)]
    check = run_retain(home, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "15 cards and 3 reviews: all consistent." in check.stdout
    decks = run_retain(home, "decks", "--json")
    assert [(d["new"], d["learning"], d["total"]) for d in json.loads(decks.stdout)] == [
        (12, 2, 15)
    ]


def test_a_bad_file_as_a_process(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    done = run_retain(home, "import", str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"retain: {path}: the input is empty: there is no text to read\n"


def test_study_without_a_terminal_falls_back_to_plain_lines(home: Path) -> None:
    result = retain(home, "study", "--mode", "flip", input="\n3\nq\n")
    assert result.exit_code == 0, result.output
    assert "not a terminal" in result.stderr
    assert "Recorded: good" in result.stdout


def test_ctrl_c_ends_the_session_with_its_summary(home: Path) -> None:
    import signal
    import subprocess

    from tests.cli.running import child_env, retain_command

    child = subprocess.Popen(
        [*retain_command(), "study", "--plain", "--mode", "flip"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8", env=child_env(home),
    )
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write("\n3\n")
    child.stdin.flush()
    lines = []
    for line in child.stdout:
        lines.append(line)
        if "Recorded:" in line:
            break
    child.send_signal(signal.SIGINT)
    rest, _ = child.communicate(timeout=60)
    assert child.returncode == 0
    assert "Answered 1 card" in rest
    assert ratings_in_log(home)[0][1] is Rating.GOOD


def test_a_store_that_is_not_a_database_gets_a_message(home: Path) -> None:
    (home / "retain.sqlite3").write_bytes(b"this is not a database" * 100)
    result = retain(home, "decks")
    assert result.exit_code == 2
    assert "is damaged (it is not a SQLite database)" in result.stderr
    assert "retain check --repair" in result.stderr


def test_enter_on_a_flip_card_shows_the_answer_then_rates_it_good(home: Path) -> None:
    result = retain(home, "study", "--plain", "--mode", "flip", input="\n\nq\n")
    assert result.exit_code == 0, result.output
    assert "not a rating" not in result.stdout
    assert recorded(result.stdout) == [("good", 1)]
    assert ratings_in_log(home) == [(1, Rating.GOOD)]


def test_i_was_right_says_so_and_counts_as_right(home: Path) -> None:
    result = retain(home, "study", "--plain", "--mode", "type", input="no idea\n\nr\nq\n")
    assert result.exit_code == 0, result.output
    assert re.search(r"Recorded: good \(card 1\): you were right — next in \S+", result.stdout)
    assert "Right first time: 1 of 1." in result.stdout


def test_with_nothing_due_it_says_when_and_studies_ahead(home: Path) -> None:
    assert retain(home, "import", str(SAMPLE)).exit_code == 0
    first = retain(home, "study", "--plain", "--mode", "flip", input="\n4\n" * 15 + "\n")
    assert first.exit_code == 0, first.output
    assert "No more cards to study now." in first.stdout
    assert re.search(r"The next card is due in \d+d \(on \w{3} \d+ \w{3} at \d\d:\d\d\)\.",
                     first.stdout)
    ahead = retain(home, "study", "--plain", "--mode", "flip", input="a\n\n3\nq\n")
    assert ahead.exit_code == 0, ahead.output
    assert ahead.stdout.count("No more cards to study now.") == 1
    assert len(recorded(ahead.stdout)) == 1
    with collection_at(home) as col:
        assert col.stats.review_count() == 16
