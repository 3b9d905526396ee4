"""Failing storage through the real command: a full disk, a read-only folder, a damaged
store, many processes starting at once, any output encoding, hostile deck text. Each ends
in a message (never a traceback), and every answer acknowledged is still there."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from retain.paths import DATABASE_FILE
from retain.storage.engine import connect_read_only
from tests.cli.running import child_env, make_home, retain, retain_command, run_retain
from tests.conftest import SAMPLE
from tests.storage.faults import (
    checkpoint,
    page_of,
    remount_read_only,
    tmpfs,
    write_garbage,
)

RECORDED = re.compile(r"Recorded: (\w+) \(card (\d+)\)")


def reviews_in(home: Path) -> int:
    db = connect_read_only(home / DATABASE_FILE)
    try:
        return int(db.execute("SELECT count(*) FROM reviews").fetchone()[0])
    finally:
        db.close()


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr, done.stderr


def big_deck(path: Path, cards: int) -> Path:
    lines = ["A large deck"]
    for i in range(cards):
        lines.append(f"Why does question {i} matter so much?")
        lines.append(" ".join(f"reason{i}w{j}" for j in range(60)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def fill(folder: Path, leave: int) -> Path:
    """Fill the file system of `folder` until `leave` bytes are free."""
    filler = folder / "filler"
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    with filler.open("wb") as file:
        file.write(b"\0" * max(0, free - leave))
    return filler


# -- a full disk ------------------------------------------------------------------------


def test_a_full_disk_during_import_and_study_is_a_message(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "3m") as disk:
        if disk is None:
            pytest.skip("cannot mount a small file system here (tests/storage covers it)")
        home = disk / "home"
        first = run_retain(home, "study", "--plain", "--mode", "flip", input="\n3\n\n3\nq\n")
        assert first.returncode == 0, first.stderr
        acknowledged = len(RECORDED.findall(first.stdout))
        assert acknowledged == 2
        filler = fill(disk, 96 * 1024)

        imported = run_retain(home, "import", str(big_deck(tmp_path / "big.txt", 2000)))
        no_traceback(imported)
        assert imported.returncode == 2
        assert "the disk is full" in imported.stderr
        assert "Nothing already stored was lost" in imported.stderr

        study = run_retain(home, "study", "--plain", "--mode", "flip", input="\n3\n" * 200)
        no_traceback(study)
        assert "Not recorded: the disk is full" in study.stdout
        acknowledged += len(RECORDED.findall(study.stdout))

        decks = run_retain(home, "decks", "--json")
        assert decks.returncode == 0, decks.stderr
        assert [d["total"] for d in json.loads(decks.stdout)] == [15]
        assert reviews_in(home) == acknowledged

        filler.unlink()
        more = run_retain(home, "study", "--plain", "--mode", "flip", input="\n3\nq\n")
        assert more.returncode == 0, more.stderr
        assert reviews_in(home) == acknowledged + 1
        check = run_retain(home, "check")
        assert check.returncode == 0, check.stdout + check.stderr


# -- a read-only folder -----------------------------------------------------------------


def test_read_only_commands_work_in_a_read_only_folder(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "8m") as mounted:
        if mounted is None and os.geteuid() == 0:
            pytest.skip("cannot make a read-only folder here as root")
        home = tmp_path / "ro" / "home"
        study = run_retain(home, "study", "--plain", "--mode", "flip", input="\n3\nq\n")
        assert study.returncode == 0, study.stderr
        if mounted is not None:
            assert remount_read_only(mounted)
        else:
            home.chmod(0o555)
        try:
            decks = run_retain(home, "decks", "--json")
            assert decks.returncode == 0, decks.stderr
            assert [d["total"] for d in json.loads(decks.stdout)] == [15]
            check = run_retain(home, "check")
            assert check.returncode == 0, check.stdout + check.stderr
            assert "15 cards and 1 review: all consistent." in check.stdout
            config = run_retain(home, "config")
            assert config.returncode == 0 and "new_per_day = 20" in config.stdout
            assert run_retain(home, "config", "new_per_day").stdout.strip() == "20"
            for args, given in (
                (("config", "new_per_day", "5"), ""),
                (("study", "--plain", "--mode", "flip"), "\n3\nq\n"),
                (("import", str(SAMPLE)), ""),
            ):
                done = run_retain(home, *args, input=given)
                no_traceback(done)
                assert done.returncode == 2, (args, done.stdout, done.stderr)
                assert "cannot be written" in done.stderr, (args, done.stderr)
            assert "Recorded" not in done.stdout
        finally:
            if mounted is None:
                home.chmod(0o755)
        assert reviews_in(home) == 1


# -- a damaged store --------------------------------------------------------------------


def studied_home(tmp_path: Path, cards: int = 300, answers: int = 40) -> Path:
    home = make_home(tmp_path)
    assert retain(home, "import", str(big_deck(tmp_path / "deck.txt", cards))).exit_code == 0
    assert retain(home, "config", "new_per_day", "1000").exit_code == 0
    done = retain(home, "study", "--plain", "--mode", "flip", input="\n3\n" * answers + "q\n")
    assert done.exit_code == 0, done.output
    assert len(RECORDED.findall(done.stdout)) == answers
    checkpoint(home / DATABASE_FILE)
    return home


def test_a_damaged_store_is_refused_checked_and_repaired(tmp_path: Path) -> None:
    home = studied_home(tmp_path)
    store = home / DATABASE_FILE
    write_garbage(store, page_of(store, "ix_reviews_account_day"))
    before = store.read_bytes()

    for args in (("decks",), ("import", str(SAMPLE)), ("study", "--plain"), ("config",)):
        done = retain(home, *args, input="q\n")
        assert done.exit_code == 2, (args, done.output)
        assert "is damaged" in done.stderr and "retain check --repair" in done.stderr
        assert done.exception is None or isinstance(done.exception, SystemExit)
    assert store.read_bytes() == before  # nothing was written into it

    check = retain(home, "check")
    assert check.exit_code == 1, check.output
    assert "problem: database integrity:" in check.stdout
    assert "retain check --repair" in check.stdout
    assert check.exception is None or isinstance(check.exception, SystemExit)

    repair = retain(home, "check", "--repair")
    assert repair.exit_code == 0, repair.output
    assert "The damaged store was saved as" in repair.stdout
    assert "Recovered 40 rows of reviews." in repair.stdout
    assert "300 cards and 40 reviews" in repair.stdout
    saved = list((home / "backups").glob("retain-damaged-*.sqlite3"))
    assert len(saved) == 1 and saved[0].read_bytes() == before

    again = retain(home, "check")
    assert again.exit_code == 0, again.output
    assert "Database integrity: ok." in again.stdout
    assert "all consistent" in again.stdout
    assert reviews_in(home) == 40


def test_a_damaged_store_as_a_process_gets_no_traceback(tmp_path: Path) -> None:
    home = studied_home(tmp_path, cards=200, answers=5)
    store = home / DATABASE_FILE
    write_garbage(store, page_of(store, "notes"))
    for args in (("decks",), ("check",), ("study", "--plain")):
        done = run_retain(home, *args, input="q\n")
        no_traceback(done)
        assert done.returncode in (1, 2), (args, done.stderr)
        assert "retain check --repair" in done.stdout + done.stderr
    repair = run_retain(home, "check", "--repair")
    no_traceback(repair)
    assert repair.returncode == 0, repair.stdout + repair.stderr
    assert "an unreadable part was skipped" in repair.stdout
    assert run_retain(home, "check").returncode == 0


# -- many processes starting at once ----------------------------------------------------

START_COMMANDS = (
    ("decks", "--json"), ("config",), ("import", str(SAMPLE)), ("check",),
    ("import", str(SAMPLE)), ("study", "--plain", "--mode", "flip"),
)


@pytest.mark.parametrize("round_", range(3))
def test_processes_starting_at_once_on_an_empty_home_all_succeed(
    tmp_path: Path, round_: int
) -> None:
    home = tmp_path / f"home{round_}"  # not made yet: the first process makes it
    children = [
        subprocess.Popen(
            [*retain_command(), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8", env=child_env(home),
        )
        for args in START_COMMANDS
    ]
    results = [child.communicate(input="q\n", timeout=120) for child in children]
    for args, child, (out, err) in zip(START_COMMANDS, children, results, strict=True):
        assert child.returncode == 0, (args, out, err)
        assert "Traceback" not in err
    decks = run_retain(home, "decks", "--json")
    assert [d["total"] for d in json.loads(decks.stdout)] == [15]


# -- any output encoding ----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_import_and_study_work_in_any_output_encoding(tmp_path: Path, encoding: str) -> None:
    home = tmp_path / "home"
    deck = tmp_path / "deck.txt"
    deck.write_text(
        "Вопросы · 問題 “quoted”\nКто это — who?\nОтвет · 答え\nWhen was it?\n1934 · ✓\n",
        encoding="utf-8",
    )
    env = {**child_env(home), "PYTHONIOENCODING": encoding}

    def run(*args: str, given: str = "") -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*retain_command(), *args], input=given.encode(encoding), capture_output=True,
            env=env, timeout=120, check=False,
        )

    imported = run("import", str(deck))
    assert imported.returncode == 0, imported.stderr
    assert b"Imported into" in imported.stdout and b"2 added" in imported.stdout
    dry = run("import", str(deck), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    study = run("study", "--plain", "--mode", "type", given="1934\n\n\nq\n")
    assert study.returncode == 0, study.stderr
    assert b"Traceback" not in study.stderr
    assert b"Recorded:" in study.stdout
    assert b"[due " in study.stdout  # the progress line, whose dots could not be written
    decks = run("decks")
    assert decks.returncode == 0, decks.stderr
    assert reviews_in(home) == 1


# -- deck text on a terminal ------------------------------------------------------------

HOSTILE = "\x1b]0;owned\x07\x1b[2J\x1b[31m"


def test_escape_sequences_in_a_deck_never_reach_the_terminal(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    assert retain(home, "import", str(SAMPLE)).exit_code == 0
    db = sqlite3.connect(home / DATABASE_FILE)
    with db:
        db.execute("UPDATE notes SET question = ? || question", (HOSTILE,))
        db.execute(
            "UPDATE notes SET answer_points = json_array(?, 'bell\x07 and \x9b2J', 'tab\tkept')",
            (HOSTILE + "point",),
        )
        db.execute("UPDATE decks SET name = ? || name", (HOSTILE,))
    db.close()
    outputs = [
        run_retain(home, "study", "--plain", "--mode", "flip", input="\n3\nq\n"),
        run_retain(home, "study", "--plain", "--mode", "type", input="x\n\n\nq\n"),
        run_retain(home, "decks"),
        run_retain(home, "decks", "--json"),
        run_retain(home, "study", "nothing-like-it", "--plain"),
    ]
    for done in outputs:
        text = done.stdout + done.stderr
        assert not any(ch in text for ch in "\x1b\x07\x9b"), repr(text)
    flip = outputs[0].stdout
    assert "Recorded: good" in flip
    assert "  - point" in flip and "  - bell and \n" in flip and "tab\tkept" in flip
    assert "owned" not in flip and "2J" not in flip  # whole sequences go, not just ESC
    assert json.loads(outputs[3].stdout)[0]["name"].startswith(HOSTILE)  # the data is kept


# -- backups ----------------------------------------------------------------------------


def test_a_writing_command_makes_the_days_backup_and_restore_puts_one_back(
    tmp_path: Path,
) -> None:
    home = make_home(tmp_path)
    assert retain(home, "import", str(SAMPLE)).exit_code == 0
    made = list((home / "backups").glob("retain-*.sqlite3"))
    assert len(made) == 1  # the day's backup, made when the import opened the store
    assert retain(home, "decks").exit_code == 0
    assert retain(home, "config", "new_per_day", "30").exit_code == 0
    assert len(list((home / "backups").glob("retain-*.sqlite3"))) == 1  # once a day

    now = retain(home, "backup")
    assert now.exit_code == 0, now.output
    assert "Backed up to" in now.stdout
    listed = retain(home, "restore")
    assert listed.exit_code == 0
    names = re.findall(r"retain-\S+\.sqlite3", listed.stdout)
    assert len(names) == 2

    assert retain(home, "config", "new_per_day", "7").exit_code == 0
    refused = retain(home, "restore", names[0], input="n\n")
    assert refused.exit_code == 2 and "nothing was restored" in refused.stderr
    assert retain(home, "config", "new_per_day").stdout.strip() == "7"

    done = retain(home, "restore", names[0], "--yes")
    assert done.exit_code == 0, done.output
    assert "The store as it was is saved as" in done.stdout
    assert retain(home, "config", "new_per_day").stdout.strip() == "30"
    aside = list((home / "backups").glob("retain-before-restore-*.sqlite3"))
    assert len(aside) == 1
    assert retain(home, "check").exit_code == 0


def test_study_makes_the_days_backup_beside_the_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retain import cli

    monkeypatch.setattr(cli, "BACKUP_WAIT_AT_END_S", 60.0)  # a copy that is sure to end
    home = make_home(tmp_path)
    assert retain(home, "import", str(SAMPLE)).exit_code == 0
    for old in (home / "backups").glob("retain-*.sqlite3"):
        old.unlink()
    done = retain(home, "study", "--plain", "--mode", "flip", input="q\n")
    assert done.exit_code == 0, done.output
    made = list((home / "backups").glob("retain-*.sqlite3"))
    assert len(made) == 1  # finished before the command ended
    assert not list((home / "backups").glob("*.partial"))


def test_quitting_study_does_not_wait_for_a_slow_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from retain.storage import backup

    home = make_home(tmp_path)
    assert retain(home, "import", str(SAMPLE)).exit_code == 0
    for old in (home / "backups").glob("retain-*.sqlite3"):
        old.unlink()
    release, started, finished = threading.Event(), threading.Event(), threading.Event()
    real = backup.daily_backup

    def slow(store: Path, now: object, **options: object) -> object:
        started.set()
        release.wait(120)  # a copy that takes as long as the test wants
        finished.set()
        return None

    monkeypatch.setattr(backup, "daily_backup", slow)
    try:
        done = retain(home, "study", "--plain", "--mode", "flip", input="q\n")
        assert done.exit_code == 0, done.output
        assert started.is_set() and not finished.is_set()  # it ended with the copy unfinished
        assert "no backup made" not in done.output
    finally:
        release.set()
    monkeypatch.setattr(backup, "daily_backup", real)
    assert not list((home / "backups").glob("retain-*.sqlite3"))
    # The next command that writes makes the day's backup.
    assert retain(home, "config", "new_per_day", "30").exit_code == 0
    assert len(list((home / "backups").glob("retain-*.sqlite3"))) == 1


def test_the_days_backup_reads_the_whole_store_and_refuses_to_copy_a_damaged_one(
    tmp_path: Path,
) -> None:
    from retain.storage.backup import daily_backup
    from retain.storage.errors import StoreCorrupt
    from tests.conftest import NOW
    from tests.storage.test_faults import damaged_store

    path, _ = damaged_store(tmp_path, "notes")
    with pytest.raises(StoreCorrupt) as caught:
        daily_backup(path, NOW)
    assert "retain check --repair" in str(caught.value)
    assert not list((path.parent / "backups").glob("retain-*.sqlite3"))


def test_restore_refuses_a_file_that_is_not_a_store(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    assert retain(home, "import", str(SAMPLE)).exit_code == 0
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a store" * 1000)
    done = retain(home, "restore", str(junk), "--yes")
    assert done.exit_code == 2 and "is damaged" in done.stderr
    assert retain(home, "check").exit_code == 0


# -- an answer that cannot be written, in plain lines ------------------------------------


def test_plain_study_says_an_answer_was_not_recorded_and_acknowledges_only_what_is_on_disk(
    tmp_path: Path,
) -> None:
    import io
    import random
    from datetime import UTC, timedelta

    from retain.collection import Collection
    from retain.plain import run_plain
    from retain.session import StudySession
    from tests.conftest import NOW
    from tests.storage.faults import limit_pages
    from tests.storage.test_faults import big_draft

    path = tmp_path / "retain.sqlite3"
    with Collection.open(path, tz=UTC) as col:
        col.set_setting("new_per_day", 1000)
        col.decks.import_deck(big_draft(300), now=NOW)
        limit_pages(col, 2)
        moments = iter(NOW + timedelta(seconds=30 * i) for i in range(10_000))
        session = StudySession(
            col, clock=lambda: next(moments), mode="type", rng=random.Random(1)
        )
        typed = ("word " * 200 + "\n\n\n") * 40  # long answers fill the store quickly
        out = io.StringIO()
        status = run_plain(session, io.StringIO(typed + "q\n"), out)
        shown = out.getvalue()
        assert status == 0
        assert "Not recorded: the disk is full" in shown
        acknowledged = len(RECORDED.findall(shown))
        assert 0 < acknowledged < 40
    with Collection.open(path, tz=UTC) as col:
        assert col.stats.review_count() == acknowledged
