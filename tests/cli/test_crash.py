"""Nothing a student answered is lost when the process is killed.

`retain study --plain` runs as a child process fed answers through a pipe, and is killed
with SIGKILL at random points: while starting (the first time, while creating the store and
importing the sample deck), between answers, while waiting for input, and just after a
rating was sent, while it is being recorded. After every kill, each answer the child
acknowledged with a "Recorded:" line is in the review log, the log holds no answer that was
never given, and `retain check` finds the store consistent.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from retain.core.model import Rating
from retain.storage import schema
from tests.cli.running import child_env, collection_at, make_home, retain_command, run_retain
from tests.conftest import NOW, make_draft

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

RECORDED = re.compile(r"Recorded: (\w+) \(card (\d+)\)")
RATE_PROMPT = "Rate: "
MODES = ("at start", "timer", "after answers", "mid-write")
# A guard against a child that hangs; it never decides the outcome of a test that passes.
STUCK_SECONDS = 120.0


def pause(seconds: float) -> None:
    threading.Event().wait(seconds)


@dataclass
class Child:
    """A running `retain study --plain` and everything read from its stdout so far."""

    process: subprocess.Popen[bytes]
    output: bytearray = field(default_factory=bytearray)
    done: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)

    def text(self) -> str:
        with self.changed:
            return self.output.decode("utf-8", errors="replace")

    def acknowledged(self) -> list[tuple[int, Rating]]:
        return [
            (int(m.group(2)), Rating[m.group(1).upper()]) for m in RECORDED.finditer(self.text())
        ]

    def read(self) -> None:
        """Read stdout as it comes, prompts included (they end without a newline)."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while chunk := os.read(fd, 65536):
            with self.changed:
                self.output += chunk
                self.changed.notify_all()
        with self.changed:
            self.done = True
            self.changed.notify_all()

    def wait_until(self, marker: str, count: int) -> None:
        """Until `marker` has been printed `count` times, or the child has ended."""
        needle = marker.encode()
        with self.changed:
            self.changed.wait_for(
                lambda: self.done or self.output.count(needle) >= count, timeout=STUCK_SECONDS
            )

    def send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode())
        self.process.stdin.flush()


def start(home: Path) -> Child:
    process = subprocess.Popen(
        [*retain_command(), "study", "--plain", "--mode", "flip"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=child_env(home),
    )
    child = Child(process)
    threading.Thread(target=child.read, daemon=True).start()
    return child


def kill(child: Child) -> None:
    os.kill(child.process.pid, signal.SIGKILL)
    child.process.wait(timeout=STUCK_SECONDS)
    with child.changed:
        child.changed.wait_for(lambda: child.done, timeout=STUCK_SECONDS)
    assert child.process.stdin is not None and child.process.stdout is not None
    try:
        child.process.stdin.close()
    except BrokenPipeError:
        pass
    child.process.stdout.close()


def answers_text(ratings: list[Rating]) -> str:
    return "".join(f"\n{int(r)}\n" for r in ratings)


def review_log(home: Path) -> Counter[tuple[int, Rating]]:
    r = schema.reviews.c
    with collection_at(home) as col, col.engine.connect() as conn:
        rows = conn.execute(select(r.card_id, r.rating)).all()
    return Counter((int(row.card_id), Rating(row.rating)) for row in rows)


def add_study_deck(home: Path) -> None:
    """After the first run, a deck large enough that cards never run out, and no new-card
    limit, so that every run has cards to answer."""
    with collection_at(home) as col:
        col.decks.import_deck(make_draft(300, title="Crash deck"), now=NOW)
        col.set_setting("new_per_day", 100_000)


def crash_run(child: Child, how: str, ratings: list[Rating], rng: random.Random) -> None:
    """Feed the child and kill it the way `how` says. The pipe is never closed before the
    kill, so the child never sees the end of its input: only the kill stops it."""
    if how in {"at start", "timer"}:
        child.send(answers_text(ratings))
        pause(rng.uniform(0.0, 0.6 if how == "at start" else 2.0))
    elif how == "after answers":
        child.send(answers_text(ratings))
        child.wait_until("Recorded: ", rng.randint(1, len(ratings)))
        pause(rng.uniform(0.0, 0.01))
    else:  # mid-write: send the last rating alone and kill while it is being recorded
        *before, last = ratings
        child.send(answers_text(before) + "\n")
        child.wait_until(RATE_PROMPT, len(before) + 1)
        child.send(f"{int(last)}\n")
        pause(rng.uniform(0.0, 0.004))
    kill(child)


def crash_loop(tmp_path: Path, *, seed: int, modes: list[str]) -> None:
    rng = random.Random(seed)
    home = make_home(tmp_path)
    acknowledged: Counter[tuple[int, Rating]] = Counter()
    unacknowledged = 0
    for run, how in enumerate(modes):
        ratings = [rng.choice(list(Rating)) for _ in range(rng.randint(1, 15))]
        child = start(home)
        crash_run(child, how, ratings, rng)
        got = child.acknowledged()
        context = f"seed {seed}, run {run} ({how}): {len(got)} acknowledged"
        # What was acknowledged is what was typed, in order.
        assert [rating for _, rating in got] == ratings[: len(got)], context
        acknowledged.update(got)

        log = review_log(home)
        missing = acknowledged - log
        assert not missing, f"{context}: acknowledged answers not in the log: {missing}"
        # At most one answer per run can be on disk without its "Recorded:" line.
        extra = log.total() - acknowledged.total()
        assert unacknowledged <= extra <= unacknowledged + 1, context
        unacknowledged = extra
        check = run_retain(home, "check")
        assert check.returncode == 0, f"{context}\n{check.stdout}{check.stderr}"
        assert "all consistent" in check.stdout, context
        if run == 0:
            add_study_deck(home)
    assert acknowledged.total() > 0


def test_killed_study_loses_no_recorded_answer(tmp_path: Path) -> None:
    crash_loop(tmp_path, seed=1, modes=["at start", "mid-write", "after answers"])


@pytest.mark.slow
@pytest.mark.parametrize("seed", [2, 3])
def test_killed_study_loses_no_recorded_answer_many_times(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    crash_loop(
        tmp_path, seed=seed, modes=["at start"] + [rng.choice(MODES[1:]) for _ in range(19)]
    )
