"""`retain import` at scale and on hostile input: size limits for files, devices and
standard input, a progress bar only on a terminal, and an import that is all or nothing when
it is interrupted (Ctrl+C), killed, or runs beside a student who is studying."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from retain import formats
from retain.core.model import Rating
from retain.paths import DATABASE_FILE
from tests.cli.running import (
    child_env,
    collection_at,
    make_home,
    retain,
    retain_command,
    run_retain,
)
from tests.conftest import NOW, make_draft


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return make_home(tmp_path)


def tab_lines(count: int, start: int = 0) -> bytes:
    return b"".join(b"term %d\tdefinition %d\n" % (i, i) for i in range(start, start + count))


# --- limits ----------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_is_refused_without_reading_it_to_the_end(home: Path) -> None:
    result = run_retain(home, "import", "/dev/zero")
    assert result.returncode == 2
    assert result.stderr == (
        "retain: /dev/zero: this is binary data, not text (it contains zero bytes)\n"
    )
    assert "Traceback" not in result.stderr


def test_standard_input_past_the_limit_is_refused_unless_no_limit(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "MAX_INPUT_BYTES", 1000)
    data = tab_lines(100)
    assert len(data) > 1000
    refused = retain(home, "import", "-", input=data)
    assert refused.exit_code == 2
    assert refused.stderr == (
        "retain: standard input: it is larger than 1,000 bytes, the limit for a deck; "
        "--no-limit imports it anyway\n"
    )
    with collection_at(home) as col:
        assert col.decks.all() == []
    allowed = retain(home, "import", "-", "--no-limit", input=data)
    assert allowed.exit_code == 0, allowed.output
    assert "100 added" in allowed.stdout


def test_a_file_past_the_limit_is_refused_by_its_size(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "MAX_INPUT_BYTES", 1000)
    path = tmp_path / "big.txt"
    path.write_bytes(tab_lines(100))
    refused = retain(home, "import", str(path))
    assert refused.exit_code == 2
    size = f"{path.stat().st_size:,}"
    assert refused.stderr == (
        f"retain: {path}: it is {size} bytes, larger than 1,000 bytes, the limit for a deck; "
        "--no-limit imports it anyway\n"
    )
    assert retain(home, "import", str(path), "--no-limit").exit_code == 0


def test_the_default_limit_is_named_in_megabytes(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as out:
        out.truncate(formats.MAX_INPUT_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(formats.DeckTooLargeError, match="larger than 200 MB, the limit"):
        formats.read_path(path)


def test_a_deck_past_the_card_limit_is_refused_unless_no_limit(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "MAX_CARDS", 3)
    refused = retain(home, "import", "-", input=tab_lines(4))
    assert refused.exit_code == 2
    assert "it has 4 cards, more than 3, the limit for a deck; --no-limit" in refused.stderr
    allowed = retain(home, "import", "-", "--no-limit", input=tab_lines(4))
    assert allowed.exit_code == 0 and "4 added" in allowed.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_an_endless_device_of_text_is_read_up_to_the_limit(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "MAX_INPUT_BYTES", 64 * 1024)
    fifo = tmp_path / "endless"
    os.mkfifo(fifo)
    written = [0]

    def write_forever() -> None:
        line = b"a question?\nits answer\n"
        try:
            with fifo.open("wb") as out:
                while True:
                    out.write(line)
                    written[0] += len(line)
        except (BrokenPipeError, OSError):
            pass

    writer = threading.Thread(target=write_forever, daemon=True)
    writer.start()
    result = retain(home, "import", str(fifo))
    writer.join()
    assert result.exit_code == 2
    assert "it is larger than 65,536 bytes, the limit for a deck" in result.stderr
    assert written[0] < 4 * 1024 * 1024  # it stopped reading soon after the limit


# --- what is printed -------------------------------------------------------------------


def test_nothing_extra_is_printed_when_not_a_terminal(home: Path) -> None:
    result = retain(home, "import", "-", input=tab_lines(50))
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (
        "Imported into “Pasted cards” (text/tab): 50 added, 0 updated, 0 unchanged.\n"
    )


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_a_progress_bar_shows_on_a_terminal(home: Path, tmp_path: Path) -> None:
    import pty

    path = tmp_path / "cards.txt"
    path.write_bytes(tab_lines(20_000))
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [*retain_command(), "import", str(path)],
            stdout=subprocess.PIPE,
            stderr=follower,
            env={**child_env(home), "TERM": "xterm", "COLUMNS": "100"},
        )
        os.close(follower)
        screen = bytearray()
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break  # the child closed the terminal
            if not chunk:
                break
            screen += chunk
        stdout, _ = process.communicate(timeout=120)
    finally:
        os.close(leader)
    assert process.returncode == 0
    assert "Writing cards" in screen.decode("utf-8", errors="replace")
    assert stdout.decode() == (
        "Imported into “cards” (text/tab): 20000 added, 0 updated, 0 unchanged.\n"
    )


def test_the_report_counts_the_control_characters_removed(home: Path) -> None:
    deck = "".join(f"Question {i}?\nanswer {i}\n" for i in range(20))
    deck += "Title bar?\n\x1b]0;owned\x07\x1b[2Jcleared\n"
    result = retain(home, "import", "-", input=deck.encode())
    assert result.exit_code == 0, result.output
    assert "Removed 3 control characters" in result.stdout
    with collection_at(home) as col:
        notes = col.decks.notes(col.decks.find("Pasted cards"))
    assert notes[-1].answer_points == ("]0;owned[2Jcleared",)


def test_a_large_file_is_imported_as_it_is_read(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retain.formats import text

    monkeypatch.setattr(text, "STREAM_PREFIX_BYTES", 1000)
    monkeypatch.setattr(text, "_SEGMENT_ROWS", 50)
    path = tmp_path / "big.txt"
    path.write_bytes(tab_lines(300))
    result = retain(home, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "(text/tab): 300 added" in result.stdout
    result = retain(home, "import", "-", input=tab_lines(320))
    assert result.exit_code == 0, result.output
    with collection_at(home) as col:
        assert len(col.decks.notes(col.decks.find("big"))) == 300
        assert len(col.decks.notes(col.decks.find("Pasted cards"))) == 320


def test_an_error_late_in_a_large_file_stores_nothing(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retain.formats import text

    monkeypatch.setattr(text, "STREAM_PREFIX_BYTES", 1000)
    monkeypatch.setattr(text, "_SEGMENT_ROWS", 50)
    path = tmp_path / "big.txt"
    path.write_bytes(tab_lines(300) + b"a stray line\n" * 400)
    result = retain(home, "import", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"retain: {path}")
    with collection_at(home) as col:
        assert col.decks.all() == []
    assert pending_notes(home) == 0


# --- interrupted, killed, and beside a studier -----------------------------------------


def pending_notes(home: Path) -> int:
    """Notes written by an import that is not complete, read as another process would."""
    path = home / DATABASE_FILE
    if not path.exists():
        return 0
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        row = conn.execute(
            "SELECT count(*) FROM notes WHERE import_id IS NOT NULL"
        ).fetchone()
    except sqlite3.OperationalError:
        return 0  # the store is still being created
    finally:
        conn.close()
    return int(row[0])


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    """Until `condition` holds; the importer must still be running by then."""
    done = threading.Event()
    while not condition():
        assert process.poll() is None, "the import ended before it was caught in the middle"
        done.wait(0.05)


def start_import(home: Path, tmp_path: Path, cards: int) -> subprocess.Popen[bytes]:
    """A store with a small deck already studied, and an import of `cards` cards started."""
    with collection_at(home) as col:
        col.decks.import_deck(make_draft(20, title="Studied"), now=NOW)
        col.set_setting("new_per_day", 1000)
    path = tmp_path / "big.txt"
    path.write_bytes(tab_lines(cards))
    return subprocess.Popen(
        [*retain_command(), "import", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(home),
    )


@pytest.fixture
def big_import(home: Path, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    process = start_import(home, tmp_path, 100_000)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=120)


def only_the_studied_deck_is_stored(home: Path) -> None:
    with collection_at(home) as col:
        assert [d.name for d in col.decks.all()] == ["Studied"]
        assert [c.total for c in col.decks.counts(NOW)] == [20]
    conn = sqlite3.connect(home / DATABASE_FILE)
    try:
        counts = [
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("decks", "notes", "cards", "imports", "import_note_updates")
        ]
    finally:
        conn.close()
    assert counts == [1, 20, 20, 0, 0]


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")
def test_ctrl_c_during_an_import_stores_nothing(
    home: Path, big_import: subprocess.Popen[bytes]
) -> None:
    wait_for(lambda: pending_notes(home) > 0, big_import)
    big_import.send_signal(signal.SIGINT)
    stdout, stderr = big_import.communicate(timeout=120)
    assert big_import.returncode == 130
    assert stderr.decode() == "retain: interrupted: nothing was imported\n"
    assert stdout == b""
    only_the_studied_deck_is_stored(home)


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")
def test_a_killed_import_leaves_no_half_deck_after_the_next_open(
    home: Path, big_import: subprocess.Popen[bytes]
) -> None:
    wait_for(lambda: pending_notes(home) > 0, big_import)
    big_import.kill()
    big_import.wait(timeout=120)
    assert pending_notes(home) > 0  # what it wrote is still there, and hidden
    # A command that only reads does not show it ...
    result = run_retain(home, "decks", "--json")
    assert result.returncode == 0, result.stderr
    assert '"name": "Studied"' in result.stdout and "big" not in result.stdout
    # ... and the next that writes removes it.
    assert run_retain(home, "config", "new_per_day", "30").returncode == 0
    only_the_studied_deck_is_stored(home)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_student_studies_while_a_long_import_runs(home: Path, tmp_path: Path) -> None:
    """The studier is never refused: each answer waits for at most one short batch, and
    every answer it acknowledged is in the log. It starts while the import is being
    written; it may finish after it. (`tests/test_importing.py` shows, without processes,
    that the lock is free between batches.)"""
    importer = start_import(home, tmp_path, 200_000)
    try:
        wait_for(lambda: pending_notes(home) > 0, importer)
        ratings = [Rating.GOOD, Rating.AGAIN, Rating.EASY, Rating.HARD] * 2
        studier = run_retain(
            home, "study", "Studied", "--plain", "--mode", "flip",
            input="".join(f"\n{int(r)}\n" for r in ratings),
        )
        assert studier.returncode == 0, studier.stderr
        assert "locked" not in studier.stderr and "Traceback" not in studier.stderr
        assert studier.stdout.count("Recorded: ") == len(ratings), studier.stdout
        stdout, stderr = importer.communicate(timeout=600)
    finally:
        if importer.poll() is None:
            importer.kill()
            importer.communicate(timeout=120)
    assert importer.returncode == 0, stderr.decode()
    assert b"200000 added" in stdout
    with collection_at(home) as col:
        assert col.stats.review_count() == len(ratings)
        assert [c.total for c in col.decks.counts(NOW)] == [20, 200_000]


def test_two_imports_of_one_deck_at_once_both_succeed(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "cards.txt"
    path.write_bytes(b"Shared deck\n" + tab_lines(20_000))
    children = [
        subprocess.Popen(
            [*retain_command(), "import", str(path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env(home),
        )
        for _ in range(2)
    ]
    results = [child.communicate(timeout=300) for child in children]
    assert [child.returncode for child in children] == [0, 0], results
    reports = sorted(out.decode() for out, _ in results)
    assert reports == [
        "Imported into “Shared deck” (text/tab): 0 added, 0 updated, 20000 unchanged.\n",
        "Imported into “Shared deck” (text/tab): 20000 added, 0 updated, 0 unchanged.\n",
    ]
    with collection_at(home) as col:
        assert [c.total for c in col.decks.counts(NOW)] == [20_000]
