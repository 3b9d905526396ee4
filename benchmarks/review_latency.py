"""What a student waits for while studying: retain's study session against Anki's own engine
(the ``anki`` package, a Rust core under a Python layer).

    .venv/bin/python benchmarks/review_latency.py [--sizes 1000,10000,100000] [--answers 200]
    .venv/bin/python benchmarks/review_latency.py --smoke     # 1,000 cards, a few answers

For each size, a deck of generated revision cards (dates, people, numbers, lists and
explanations of two to four points; see `_common.generate_cards`) is written as pasted text
and imported through the `Collection` (`formats.read_path`, `col.decks.import_deck`); an
Anki collection gets the same cards (Basic notes, the points on the back). Both are then
given the same mix of states: 45% of the cards have been studied before (most are review
cards with intervals of 1-60 days and due dates from a week ago to two months ahead, so
about a tenth of them are due; up to 200 are in their learning steps, due within half an
hour either side of now), the rest are new. The new-card and review limits are raised so that
the queue does not run dry, and Anki runs FSRS, as retain does.

It measures:

* **Rating to next question**, per study mode (flip, type, choice, auto), through the
  `StudySession` that the screens drive. One timed step is what happens between the
  student's answer and the next question being ready to draw, in the order the screens do
  it: the response is checked (`session.submit`: a typed answer is graded point by point;
  `session.reveal` for flip) and the rating buttons get their intervals
  (`session.preview`), the rating is recorded (`session.answer`, committed when it
  returns), and the next card is fetched with its question and its counts
  (`session.next`, `session.question`, `session.counts`). Anki's step
  is the same work in its engine: `sched.build_answer` and `sched.answer_card`, then
  `sched.get_queued_cards()`, the card's rendered question (`card.question()`, which renders
  through the templates) and its button labels (`sched.describe_next_states`); in type mode
  it also compares the typed answer (`col.compare_answer`, Anki's type-in-the-answer check).
  Once a question is ready, retain's worker does what its screens do once the question is
  drawn and the student is reading it: `session.prepare_ahead` (the intervals of its
  rating buttons are worked out, the grader reads the card, and the next card's question
  is made). That work is not waited for after an answer, so
  it is timed apart ("ahead p50"); "all cpu/Anki" counts it in retain's CPU per answer.
  Each engine runs in its own process, and the two take turns, one step each, so that the
  load of the machine weighs on them alike. The first question of a session is timed
  apart ("first ms"). A mode stops after ``--answers`` answers or ``--budget`` seconds of
  answering, whichever comes first (the table gives the number of answers timed).
  ``--think-ms`` puts that much real time between one round of steps and the next, as a
  student's reading does; with ``--index-later`` (the deck imported as ``retain import``
  leaves it, its index filled in the background while it is studied) the run also says
  how many notes the index held by the end.
* **Start and quit** of ``retain study --plain`` as a process (the real command, stdin a
  pipe): the time from starting it to the first question on stdout, the time from sending
  ``q`` to its exit, and its peak memory (ru_maxrss, taken under GNU time). Anki's row is a
  process that opens the collection and has its first card rendered.
* **Peak memory** (the high-water mark, VmHWM) of each engine's study process over all the
  modes.
* fsync calls per answer for both engines (with ``strace``, where it is installed), and
  ``retain --help`` cold start.

Progress goes to stderr, the figures to stdout. The targets are printed next to them.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from _common import (
    ANKI_MISSING,
    anki_add_cards,
    anki_available,
    generate_cards,
    median,
    no_anki_reason,
    peak_mb,
    percentile,
    progress,
    read_peak_mb,
    retain_command,
    retain_env,
    stopwatch,
    with_peak_memory,
    write_pasted_text,
)

DEFAULT_SIZES = (1_000, 10_000, 100_000)
MODES = ("flip", "type", "choice", "auto")
PROCESS_MODES = ("flip", "auto")
STUDIED_SHARE = 0.45
MAX_LEARNING = 200
RATING_WEIGHTS = {"again": 10, "hard": 10, "good": 70, "easy": 10}
THINKING = timedelta(seconds=6)  # the session's clock moves on this much per answer
DAY_MS = 86_400_000
MARK_START = "/retain-benchmark-mark-start"
MARK_END = "/retain-benchmark-mark-end"
DATABASE_FILE = "retain.sqlite3"

# The targets printed beside the figures.
TARGET_P99_MS = 20.0
TARGET_START_S = 1.0
TARGET_PEAK_MB = 250.0
TARGET_SIZE = 100_000
RATIO_SIZES = (10_000, 100_000)


# -- the cards and their states -----------------------------------------------------------


@dataclass(frozen=True)
class PlannedState:
    """A card's state before the session. `due_days` is for review cards (0 or less: due
    today); `due_minutes` for learning cards, from now."""

    state: str  # "new", "learning" or "review"
    due_days: int = 0
    due_minutes: int = 0
    interval_days: int = 0
    stability: float = 0.0
    difficulty: float = 0.0
    reps: int = 0
    lapses: int = 0


def plan_states(count: int, rng: random.Random) -> list[PlannedState]:
    """States by position: the first cards have been studied, the rest are new."""
    studied = int(count * STUDIED_SHARE)
    learning = min(MAX_LEARNING, count // 20)
    every = max(1, studied // max(1, learning))
    plans = []
    for i in range(count):
        if i >= studied:
            plans.append(PlannedState("new"))
        elif learning > 0 and i % every == 0:
            learning -= 1
            plans.append(
                PlannedState(
                    "learning", due_minutes=rng.randint(-30, 30), stability=rng.uniform(0.5, 3),
                    difficulty=rng.uniform(4, 7), reps=1,
                )
            )
        else:
            interval = rng.randint(1, 60)
            plans.append(
                PlannedState(
                    "review", due_days=rng.randint(-7, 60), interval_days=interval,
                    stability=interval * rng.uniform(0.8, 1.3), difficulty=rng.uniform(3, 8),
                    reps=rng.randint(2, 10), lapses=rng.choice((0, 0, 0, 1, 2)),
                )
            )
    return plans


def typed_answer(points: Sequence[str], rng: random.Random) -> str:
    """What a student types for a card: the whole answer with a word dropped here and there
    (half the time), only its first point, or something else."""
    roll = rng.random()
    if roll < 0.5:
        lines = []
        for point in points:
            words = point.split()
            if len(words) > 4:
                del words[rng.randrange(len(words))]
            lines.append(" ".join(words))
        return "\n".join(lines)
    if roll < 0.8:
        return points[0]
    return "the harbour was closed after the flood"


# -- retain ---------------------------------------------------------------------------------


def build_retain(
    home: Path, cards: Sequence[tuple[str, tuple[str, ...]]], plans: Sequence[PlannedState],
    now: datetime, *, index_later: bool = False,
) -> None:
    """Import the cards as pasted text through the Collection, then give them their states
    (with `index_later`, as `retain import` does: the question index reads the notes when
    the deck is first studied).

    The states are written straight into the cards table (there is no public way to age a
    collection by two months), with two earlier entries each in the review log."""
    from retain.collection import Collection
    from retain.core.model import CardState
    from retain.formats import read_path

    home.mkdir(parents=True, exist_ok=True)
    source = home.parent / "pasted.txt"
    write_pasted_text(source, cards)
    with Collection.open(home / DATABASE_FILE, tz=UTC) as col:
        col.set_setting("new_per_day", 9999)  # the same daily limit Anki is given below
        col.decks.import_deck(
            read_path(source), now=now - timedelta(days=400), index_later=index_later
        )
        now_ms = int(now.timestamp() * 1000)
        card_rows: list[tuple[Any, ...]] = []
        review_rows: list[tuple[Any, ...]] = []
        with col.engine.begin() as conn:
            ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM cards ORDER BY position")]
            for card_id, plan in zip(ids, plans, strict=True):
                if plan.state == "new":
                    continue
                if plan.state == "learning":
                    state = CardState.LEARNING
                    due = now_ms + plan.due_minutes * 60_000
                    last = due - 600_000
                    step: int | None = 1
                else:
                    state = CardState.REVIEW
                    due = now_ms + plan.due_days * DAY_MS
                    last = due - plan.interval_days * DAY_MS
                    step = None
                card_rows.append(
                    (int(state), step, plan.stability, plan.difficulty, due, last, plan.reps,
                     plan.lapses, card_id)
                )
                for k, before in ((2, CardState.NEW), (1, CardState.REVIEW)):
                    review_rows.append((card_id, 3, last - k * 3 * DAY_MS, 5000, "flip",
                                        int(before), col.account_id))
            conn.exec_driver_sql(
                "UPDATE cards SET state=?, step=?, stability=?, difficulty=?, due=?,"
                " last_review=?, reps=?, lapses=? WHERE id=?",
                card_rows,
            )
        try:
            with col.engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO reviews (card_id, rating, reviewed_at, duration_ms, mode,"
                    " state_before, account_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    review_rows,
                )
        except Exception as error:  # the log's columns changed: the states alone will do
            progress(f"no earlier review log written ({str(error).splitlines()[0][:120]})")


class Clock:
    """The session's clock: it stands still within a step and moves on between answers."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class RetainStudy:
    """A retain study session in the worker process."""

    def __init__(self, path: Path, start: datetime, seed: int) -> None:
        from retain.collection import Collection

        self.col = Collection.open(path, tz=UTC)
        self.clock = Clock(start)
        self.seed = seed
        self.rng = random.Random(seed)
        self.session: Any = None
        self.item: Any = None
        self.question: Any = None

    def start(self, mode: str) -> bool:
        from retain.session import StudySession

        self.session = StudySession(
            self.col, None, clock=self.clock, rng=random.Random(self.seed), mode=mode
        )
        return self._show_next()

    def _show_next(self) -> bool:
        self.item = self.session.next()
        if self.item is None:
            return False
        self.question = self.session.question(self.item)
        self.session.counts()
        return True

    def respond(self) -> object:
        """The student's response to the question shown (not timed)."""
        from retain.core.questions import Mode

        question = self.question
        right = self.rng.random() < 0.8
        if question.mode is Mode.TYPE:
            return typed_answer(self.item.note.answer_points, self.rng)
        if question.mode in (Mode.CHOICE, Mode.TRUE_FALSE):
            return question.answer if right else (question.answer + 1) % len(question.options)
        if question.mode is Mode.CLOZE:
            return question.answer if right else "nothing"
        return None

    def step(self, response: object, rating_name: str) -> tuple[bool, float]:
        """Check the response, record the rating and show the next question. Returns
        (whether there was a next card, ms spent checking the response)."""
        from retain.core.model import Rating
        from retain.core.questions import Mode

        started = time.perf_counter()
        if self.question.mode in (Mode.FLIP, Mode.MATCH):
            outcome = self.session.reveal(self.item, self.question)
            rating = Rating.parse(rating_name)
        else:
            outcome = self.session.submit(self.item, self.question, response, duration_ms=6000)
            rating = outcome.rating
        self.session.preview(self.item)  # the rating buttons, shown with the answer
        checked = (time.perf_counter() - started) * 1000
        self.session.answer(self.item, rating, duration_ms=6000, outcome=outcome)
        return self._show_next(), checked

    def tick(self) -> None:
        self.clock.now += THINKING

    def prepare(self) -> None:
        """What the screens do once a question is drawn, while the student reads it."""
        if self.item is not None:
            self.session.prepare_ahead(self.item, self.question)

    def close(self) -> None:
        self.col.close()


# -- Anki -----------------------------------------------------------------------------------


class AnkiStudy:
    """Anki's v3 scheduler doing what its reviewer does, on the real clock (Anki reads it)."""

    def __init__(self, path: Path, seed: int) -> None:
        from anki.collection import Collection as AnkiCollection
        from anki.scheduler.v3 import CardAnswer

        self.col: Any = AnkiCollection(str(path))
        self.rng = random.Random(seed)
        self.typed = False
        self.shown: tuple[Any, Any] | None = None
        self.to_anki = {
            "again": CardAnswer.AGAIN, "hard": CardAnswer.HARD, "good": CardAnswer.GOOD,
            "easy": CardAnswer.EASY,
        }

    def start(self, mode: str) -> bool:
        self.typed = mode == "type"
        return self._show_next()

    def _show_next(self) -> bool:
        from anki.cards import Card

        queued = self.col.sched.get_queued_cards()
        if not queued.cards:
            self.shown = None
            return False
        top = queued.cards[0]
        card = Card(self.col)
        card._load_from_backend_card(top.card)
        card.start_timer()
        card.question()
        self.col.sched.describe_next_states(top.states)
        self.shown = (card, top.states)
        return True

    def respond(self) -> object:
        if not self.typed or self.shown is None:
            return None
        points = self.shown[0].note()["Back"].split("<br>")
        return typed_answer(points, self.rng)

    def step(self, response: object, rating_name: str) -> tuple[bool, float]:
        assert self.shown is not None
        card, states = self.shown
        started = time.perf_counter()
        if self.typed:
            expected = card.note()["Back"].replace("<br>", "\n")
            self.col.compare_answer(expected, str(response))
        checked = (time.perf_counter() - started) * 1000
        answer = self.col.sched.build_answer(
            card=card, states=states, rating=self.to_anki[rating_name]
        )
        self.col.sched.answer_card(answer)
        return self._show_next(), checked

    def tick(self) -> None:
        pass

    def prepare(self) -> None:
        pass

    def close(self) -> None:
        self.col.close()


def build_anki(
    path: Path, cards: Sequence[tuple[str, tuple[str, ...]]], plans: Sequence[PlannedState]
) -> None:
    """Write an Anki collection with the same cards and states, and close it."""
    from anki.collection import Collection as AnkiCollection

    path.parent.mkdir(parents=True, exist_ok=True)
    col: Any = AnkiCollection(str(path))
    col.set_config("fsrs", True)
    deck_id = col.decks.id("Benchmark deck")
    col.decks.set_current(deck_id)
    config = col.decks.config_dict_for_deck_id(deck_id)
    config["new"]["perDay"] = 9999
    config["rev"]["perDay"] = 9999
    config["newMix"] = 1  # new cards after the reviews, as retain shows them
    col.decks.update_config(config)
    anki_add_cards(col, deck_id, cards)

    today = col.sched.today
    now_s = int(time.time())
    ids = col.db.list("SELECT id FROM cards ORDER BY due, id")  # new cards: due = position
    card_rows: list[list[Any]] = []
    revlog_rows: list[list[Any]] = []
    revlog_id = (now_s - 500 * 86_400) * 1000
    for card_id, plan in zip(ids, plans, strict=True):
        if plan.state == "new":
            continue
        memory = f'{{"s":{plan.stability:.4f},"d":{plan.difficulty:.4f},"dr":0.9}}'
        if plan.state == "learning":
            # type 1, queue 1: intraday learning; due is a Unix time; one step left (10 min).
            card_rows.append(
                [1, 1, now_s + plan.due_minutes * 60, 0, 0, plan.reps, plan.lapses, 1, memory,
                 card_id]
            )
            last_ivl = 0
        else:
            card_rows.append(
                [2, 2, today + plan.due_days, plan.interval_days, 2500, plan.reps, plan.lapses,
                 0, memory, card_id]
            )
            last_ivl = plan.interval_days
        for kind, ivl in ((0, 1), (1, last_ivl)):
            revlog_id += 1000
            revlog_rows.append([revlog_id, card_id, -1, 3, ivl, 0, 2500, 5000, kind])

    def write() -> None:
        col.db.executemany(
            "UPDATE cards SET type=?, queue=?, due=?, ivl=?, factor=?, reps=?, lapses=?, left=?,"
            " data=? WHERE id=?",
            card_rows,
        )
        col.db.executemany(
            "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            revlog_rows,
        )

    col.db.transact(write)
    col.close()


def anki_pragmas(workdir: Path) -> dict[str, str]:
    from anki.collection import Collection as AnkiCollection

    col: Any = AnkiCollection(str(workdir / "pragmas.anki2"))
    try:
        levels = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
        synchronous = col.db.scalar("PRAGMA synchronous")
        return {
            "journal_mode": str(col.db.scalar("PRAGMA journal_mode")),
            "synchronous": levels.get(synchronous, str(synchronous)),
        }
    finally:
        col.close()


# -- the study worker: one engine in its own process, driven a step at a time ---------------


def worker(engine: str, path: Path, start: datetime, seed: int) -> int:
    """Read commands on stdin, one a line, and answer each with a JSON line on stdout:
    ``mode NAME`` starts a session (and times its first question), ``step`` answers the
    card shown and shows the next, ``mark start|end`` makes a marker system call (for
    strace), ``done`` reports the peak memory and ends."""
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing else may write to the reply channel

    def reply(data: dict[str, Any]) -> None:
        out.write(json.dumps(data) + "\n")
        out.flush()

    with stopwatch() as opened:
        study: RetainStudy | AnkiStudy = (
            RetainStudy(path, start, seed) if engine == "retain" else AnkiStudy(path, seed)
        )
    reply({"open_ms": opened[0] * 1000})
    rng = random.Random(seed + 1)
    showing = False

    def ahead() -> dict[str, float]:
        """The work done ahead while the student reads the question shown, timed apart."""
        cpu_started = time.process_time()
        started = time.perf_counter()
        study.prepare()
        return {
            "ahead_ms": (time.perf_counter() - started) * 1000,
            "ahead_cpu_ms": (time.process_time() - cpu_started) * 1000,
        }

    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "mode":
            started = time.perf_counter()
            showing = study.start(argument)
            first_ms = (time.perf_counter() - started) * 1000
            reply({"first_ms": first_ms, "card": showing, **ahead()})
        elif command == "step":
            if not showing:
                reply({"end": True})
                continue
            rating = rng.choices(list(RATING_WEIGHTS), weights=list(RATING_WEIGHTS.values()))[0]
            study.tick()
            response = study.respond()
            cpu_started = time.process_time()
            started = time.perf_counter()
            showing, checked = study.step(response, rating)
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu_started) * 1000
            reply({"ms": elapsed, "cpu_ms": cpu, "check_ms": checked, "end": not showing,
                   **(ahead() if showing else {"ahead_ms": 0.0, "ahead_cpu_ms": 0.0})})
        elif command == "mark":
            os.access(MARK_START if argument == "start" else MARK_END, os.F_OK)
            reply({})
        elif command == "done":
            study.close()
            reply({"peak_mb": peak_mb()})
            return 0
    study.close()
    return 0


class Worker:
    """The parent's end of a study worker."""

    def __init__(self, engine: str, path: Path, start: datetime, seed: int) -> None:
        self.engine = engine
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", engine, str(path),
             start.isoformat(), str(seed)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
        )
        self.open_ms = float(self._read()["open_ms"])
        self.ready_s: float | None = None  # process start to the first card shown

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.engine} study worker stopped (see above)")
        data: dict[str, Any] = json.loads(line)
        return data

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        data = self._read()
        if self.ready_s is None and command.startswith("mode"):
            self.ready_s = time.perf_counter() - self.started
        return data

    def finish(self) -> float:
        peak = float(self.ask("done")["peak_mb"])
        self.process.wait()
        return peak


@dataclass
class Timings:
    first_ms: float = 0.0
    answers_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    check_ms: list[float] = field(default_factory=list)
    ahead_ms: list[float] = field(default_factory=list)
    ahead_cpu_ms: list[float] = field(default_factory=list)


@dataclass
class SizeResult:
    size: int
    modes: dict[str, dict[str, Timings]] = field(default_factory=dict)  # mode -> engine ->
    peak_mb: dict[str, float] = field(default_factory=dict)
    ready_s: dict[str, float] = field(default_factory=dict)
    processes: list[ProcessRun] = field(default_factory=list)
    index_note: str = ""  # with --index-later: how far the index got


def run_sessions(
    workers: Sequence[Worker], modes: Sequence[str], answers: int, budget_s: float,
    result: SizeResult, think_s: float = 0.0,
) -> None:
    """Each mode in turn: the first question for every engine, then one step of each in
    turn (the order alternates), until `answers` answers or `budget_s` seconds of answering
    (at least one answer), with `think_s` of real time between one round of steps and the
    next (the student reading and answering; work in the background goes on then)."""
    for mode in modes:
        progress(f"{result.size:,} cards, {mode}: up to {answers} answers per engine, in turns")
        timings = {w.engine: Timings() for w in workers}
        active = []
        for w in workers:
            reply = w.ask(f"mode {mode}")
            timings[w.engine].first_ms = float(reply["first_ms"])
            if reply["card"]:
                active.append(w)
        answering = time.perf_counter()
        for i in range(answers):
            if i and time.perf_counter() - answering > budget_s:
                progress(f"{result.size:,} cards, {mode}: {budget_s:.0f} s of answering spent,"
                         f" {i} answered")
                break
            if i and think_s:
                time.sleep(think_s)
            turn = active if i % 2 == 0 else list(reversed(active))
            for w in turn:
                reply = w.ask("step")
                if "ms" in reply:
                    t = timings[w.engine]
                    t.answers_ms.append(float(reply["ms"]))
                    t.cpu_ms.append(float(reply["cpu_ms"]))
                    t.check_ms.append(float(reply["check_ms"]))
                    t.ahead_ms.append(float(reply["ahead_ms"]))
                    t.ahead_cpu_ms.append(float(reply["ahead_cpu_ms"]))
                if reply["end"]:
                    active.remove(w)
            if not active:
                break
        result.modes[mode] = timings
    for w in workers:
        result.peak_mb[w.engine] = w.finish()


def index_progress(path: Path) -> tuple[int, int]:
    """How many of the store's notes its deck index holds, and how many notes there are."""
    import sqlite3

    with sqlite3.connect(path) as db:
        indexed = db.execute("SELECT count(*) FROM index_notes").fetchone()[0]
        notes = db.execute("SELECT count(*) FROM notes").fetchone()[0]
    return int(indexed), int(notes)


def ready_s(engine: str, path: Path, start: datetime, seed: int) -> float:
    """A study process of its own, from its start to its first card shown (flip)."""
    w = Worker(engine, path, start, seed)
    try:
        w.ask("mode flip")
        assert w.ready_s is not None
        return w.ready_s
    finally:
        w.finish()


# -- retain study --plain as a process ------------------------------------------------------


@dataclass
class ProcessRun:
    mode: str
    start_s: float | None = None
    quit_s: float | None = None
    peak_mb: float | None = None
    error: str | None = None


def _is_first_question(line: str) -> bool:
    return line.startswith(("Q: ", "Match each")) or line.startswith("No more cards")


def study_process(home: Path, mode: str, timeout_s: float) -> ProcessRun:
    """Start ``retain study --plain``, wait for its first question on stdout, send ``q`` and
    wait for it to end."""
    run = ProcessRun(mode)
    command = [*retain_command(), "study", "--plain", "--mode", mode, "--seed", "1",
               "--no-semantic"]
    peak_file = home.parent / f"peak-{mode}.txt"
    with tempfile.TemporaryFile("w+") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            with_peak_memory(command, peak_file), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=errors, text=True, env=retain_env(home), bufsize=1, start_new_session=True,
        )
        lines: queue.Queue[tuple[float, str | None]] = queue.Queue()

        def read(stream: IO[str]) -> None:
            for line in stream:
                lines.put((time.perf_counter(), line))
            lines.put((time.perf_counter(), None))

        assert process.stdout is not None and process.stdin is not None
        reader = threading.Thread(target=read, args=(process.stdout,), daemon=True)
        reader.start()
        deadline = started + timeout_s
        while run.start_s is None:
            try:
                at, line = lines.get(timeout=max(0.01, deadline - time.perf_counter()))
            except queue.Empty:
                run.error = f"no question within {timeout_s:.0f} s"
                os.killpg(process.pid, signal.SIGKILL)
                break
            if line is None:
                break
            if _is_first_question(line):
                run.start_s = at - started
        quit_at = time.perf_counter()
        try:
            process.stdin.write("q\n")
            process.stdin.close()
        except BrokenPipeError:
            pass
        process.wait()
        run.peak_mb = read_peak_mb(peak_file)
        if run.start_s is not None:
            run.quit_s = time.perf_counter() - quit_at
        reader.join(timeout=5)
        if run.start_s is None and run.error is None:
            errors.seek(0)
            text = errors.read().strip().splitlines()
            run.error = text[-1] if text else f"exit status {process.returncode}"
    return run


# -- durability: fsync calls per answer -----------------------------------------------------


def fsyncs_per_answer(
    engine: str, path: Path, start: datetime, answers: int, tmpdir: Path
) -> float | None:
    """Answer cards in a study worker under strace, between two marker system calls, and
    count the fsync calls in between."""
    strace = shutil.which("strace")
    if strace is None:
        return None
    trace = tmpdir / f"strace-{engine}.txt"
    commands = "mode flip\nmark start\n" + "step\n" * answers + "mark end\ndone\n"
    result = subprocess.run(
        [strace, "-f", "-qq", "-o", str(trace),
         "-e", "trace=fsync,fdatasync,sync_file_range,faccessat,faccessat2,access",
         sys.executable, str(Path(__file__).resolve()), "--worker", engine, str(path),
         start.isoformat(), "3"],
        input=commands, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        progress(f"strace run for {engine} failed: {result.stderr.strip()[-300:]}")
        return None
    answered = sum(1 for line in result.stdout.splitlines() if '"ms"' in line)
    inside = False
    count = 0
    for line in trace.read_text().splitlines():
        if MARK_START in line:
            inside = True
        elif MARK_END in line:
            inside = False
        elif inside and ("fsync(" in line or "fdatasync(" in line or "sync_file_range(" in line):
            count += 1
    return count / answered if answered else None


def cold_start_ms(runs: int) -> float:
    command = [*retain_command(), "--help"]
    subprocess.run(command, capture_output=True, check=True)  # warm the file cache
    laps = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        laps.append((time.perf_counter() - started) * 1000)
    return median(laps)


# -- the report -----------------------------------------------------------------------------


def _mark(ok: bool) -> str:
    return "yes" if ok else "NO"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_latency(results: Sequence[SizeResult], with_anki: bool, asked_not_to: bool) -> None:
    print("Rating to next question (ms): check the response and give the rating buttons their")
    print("intervals, record the rating, then the next card's question and counts, ready to draw")
    print(f"{'cards':>9}  {'mode':<7}{'engine':<8}{'first':>9} {'answers':>7} {'p50':>7} "
          f"{'p90':>7} {'p99':>7} {'max':>7} {'cpu p50':>7} {'check p50':>9} {'ahead p50':>9}")
    for r in results:
        for mode, engines in r.modes.items():
            for engine, t in engines.items():
                print(
                    f"{r.size:>9,}  {mode:<7}{engine:<8}{t.first_ms:>9.1f} "
                    f"{len(t.answers_ms):>7} {percentile(t.answers_ms, 50):>7.2f} "
                    f"{percentile(t.answers_ms, 90):>7.2f} {percentile(t.answers_ms, 99):>7.2f} "
                    f"{max(t.answers_ms, default=float('nan')):>7.2f} "
                    f"{percentile(t.cpu_ms, 50):>7.2f} {percentile(t.check_ms, 50):>9.2f} "
                    f"{percentile(t.ahead_ms, 50):>9.2f}"
                )
    print()
    print(f"Targets: p50 no slower than Anki at {' and '.join(f'{s:,}' for s in RATIO_SIZES)}"
          f" cards in every mode; p99 under {TARGET_P99_MS:.0f} ms")
    print(f"{'cards':>9}  {'mode':<7}{'p50 retain/Anki':>16} {'cpu retain/Anki':>16} "
          f"{'all cpu/Anki':>13} {'p99 ms':>8}  {'p50 target':>10} {'p99 target':>10}")
    for r in results:
        for mode, engines in r.modes.items():
            ours = engines["retain"]
            p50 = percentile(ours.answers_ms, 50)
            p99 = percentile(ours.answers_ms, 99)
            ratio = cpu_ratio = all_cpu_ratio = None
            theirs = engines.get("anki")
            if theirs is not None and theirs.answers_ms:
                ratio = p50 / percentile(theirs.answers_ms, 50)
                their_cpu = max(1e-9, percentile(theirs.cpu_ms, 50))
                cpu_ratio = percentile(ours.cpu_ms, 50) / their_cpu
                every = [a + b for a, b in zip(ours.cpu_ms, ours.ahead_cpu_ms, strict=True)]
                all_cpu_ratio = percentile(every, 50) / their_cpu
            p50_target = (
                "-" if r.size not in RATIO_SIZES or ratio is None else _mark(ratio <= 1.0)
            )
            print(
                f"{r.size:>9,}  {mode:<7}{_ms(ratio):>16} {_ms(cpu_ratio):>16} "
                f"{_ms(all_cpu_ratio):>13} {p99:>8.2f}  "
                f"{p50_target:>10} {_mark(p99 < TARGET_P99_MS):>10}"
            )
    for r in results:
        if r.index_note:
            print(f"{r.size:,} cards, imported with the index left for study: {r.index_note}")
    if not with_anki:
        print(f"(no Anki figures: {no_anki_reason(asked_not_to)})")


def print_processes(results: Sequence[SizeResult]) -> None:
    print()
    print("retain study --plain as a process: start to the first question on stdout, and from")
    print(f"sending q to its exit. Targets at {TARGET_SIZE:,} cards: start under"
          f" {TARGET_START_S:.0f} s, peak memory under {TARGET_PEAK_MB:.0f} MB")
    print(f"{'cards':>9}  {'what':<28}{'start s':>8} {'quit s':>7} {'peak MB':>8}  "
          f"{'start target':>12} {'memory target':>13}")
    for r in results:
        for run in r.processes:
            what = f"retain study --mode {run.mode}"
            if run.error:
                print(f"{r.size:>9,}  {what:<28}failed: {run.error}")
                continue
            start_ok = peak_ok = "-"
            if r.size == TARGET_SIZE:
                start_ok = _mark(run.start_s is not None and run.start_s < TARGET_START_S)
                peak_ok = _mark(run.peak_mb is not None and run.peak_mb < TARGET_PEAK_MB)
            start = "-" if run.start_s is None else f"{run.start_s:.2f}"
            quit_ = "-" if run.quit_s is None else f"{run.quit_s:.2f}"
            peak = "-" if run.peak_mb is None else f"{run.peak_mb:.0f}"
            print(f"{r.size:>9,}  {what:<28}{start:>8} {quit_:>7} {peak:>8}  "
                  f"{start_ok:>12} {peak_ok:>13}")
        if "anki" in r.ready_s:
            print(f"{r.size:>9,}  {'Anki: open, first card':<28}{r.ready_s['anki']:>8.2f} "
                  f"{'-':>7} {'-':>8}")
    print()
    print("Peak memory of each engine's study process over all the modes above (MB):")
    for r in results:
        parts = "  ".join(f"{engine} {mb:.0f}" for engine, mb in r.peak_mb.items())
        print(f"{r.size:>9,} cards: {parts}")


# -- main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES),
                        help="comma-separated deck sizes (cards)")
    parser.add_argument("--answers", type=int, default=200, help="answers timed per mode")
    parser.add_argument("--budget", type=float, default=60,
                        help="seconds of answering per mode and size, after which it moves on")
    parser.add_argument("--modes", default=",".join(MODES), help="study modes to time")
    parser.add_argument("--process-modes", default=",".join(PROCESS_MODES),
                        help="modes in which `retain study --plain` is started as a process")
    parser.add_argument("--timeout", type=float, default=900,
                        help="seconds to wait for a process's first question")
    parser.add_argument("--smoke", action="store_true",
                        help="1,000 cards and a few answers: checks that the script runs")
    parser.add_argument("--no-anki", action="store_true", help="time retain only")
    parser.add_argument("--no-fsync", action="store_true", help="skip the strace fsync count")
    parser.add_argument("--dir", type=Path, help="where to build the collections (a temp dir)")
    parser.add_argument("--index-later", action="store_true",
                        help="import as `retain import` does, the index left for study")
    parser.add_argument("--think-ms", type=float, default=0.0,
                        help="real time between answers (with --index-later, the time the"
                        " index is filled in meanwhile)")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        engine, path, start, seed = args.worker
        return worker(engine, Path(path), datetime.fromisoformat(start), int(seed))
    if args.smoke:
        args.sizes, args.answers = "1000", 20
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    process_modes = [m.strip() for m in args.process_modes.split(",") if m.strip()]
    with_anki = not args.no_anki and anki_available()
    if not args.no_anki and not with_anki:
        progress(ANKI_MISSING)
    began = time.perf_counter()
    first_load = os.getloadavg()
    # The cards' states are set relative to now, so that the `retain` process (on the real
    # clock) and the in-process sessions (on a clock that starts now) see the same queue.
    start = datetime.now(UTC).replace(microsecond=0)
    results: list[SizeResult] = []
    fsyncs: dict[str, float | None] = {}
    with tempfile.TemporaryDirectory(prefix="retain-bench-", dir=args.dir) as tmp:
        tmpdir = Path(tmp)
        for size in sizes:
            rng = random.Random(size)
            cards = list(generate_cards(size, seed=size))
            plans = plan_states(size, rng)
            workdir = tmpdir / f"n{size}"
            home = workdir / "retain-home"
            progress(f"{size:,} cards: importing them into a retain collection")
            build_retain(home, cards, plans, start, index_later=args.index_later)
            anki_path = workdir / "anki" / "collection.anki2"
            if with_anki:
                progress(f"{size:,} cards: building the Anki collection")
                build_anki(anki_path, cards, plans)
            del cards
            result = SizeResult(size)
            for mode in process_modes:
                progress(f"{size:,} cards: retain study --plain --mode {mode} as a process")
                result.processes.append(study_process(home, mode, args.timeout))
            if with_anki:
                result.ready_s["anki"] = ready_s("anki", anki_path, start, size)
            workers = [Worker("retain", home / DATABASE_FILE, start, size)]
            if with_anki:
                workers.append(Worker("anki", anki_path, start, size))
            try:
                run_sessions(
                    workers, modes, args.answers, args.budget, result, args.think_ms / 1000
                )
            finally:
                for w in workers:
                    if w.process.poll() is None:
                        w.process.kill()
            results.append(result)
            if args.index_later:
                indexed, notes = index_progress(home / DATABASE_FILE)
                progress(f"{size:,} cards: {indexed:,} of {notes:,} notes indexed by the end")
                result.index_note = f"{indexed:,} of {notes:,} notes indexed by the end"
            if not args.no_fsync and not fsyncs:
                progress("counting fsync calls per answer with strace")
                fsyncs["retain"] = fsyncs_per_answer(
                    "retain", home / DATABASE_FILE, start, 30, tmpdir
                )
                if with_anki:
                    fsyncs["anki"] = fsyncs_per_answer("anki", anki_path, start, 30, tmpdir)
            shutil.rmtree(workdir)

        print_latency(results, with_anki, args.no_anki)
        print_processes(results)
        load = os.getloadavg()
        print()
        print(
            "CPU time counts all the threads of a process, and not the waits (fsync, other"
            f" processes).\nLoad average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
            f" on {os.cpu_count()} CPUs; at the start: {first_load[0]:.2f} {first_load[1]:.2f}"
            f" {first_load[2]:.2f}."
        )
        print()
        print(
            "Durability: retain SQLite journal_mode=wal, synchronous=NORMAL, one commit per answer"
        )
        if with_anki:
            pragmas = anki_pragmas(tmpdir)
            print(
                f"            Anki   SQLite journal_mode={pragmas['journal_mode']}, "
                f"synchronous={pragmas['synchronous']}, each answer_card is one backend "
                "transaction that commits"
            )
        if not args.no_fsync:
            if all(value is None for value in fsyncs.values()):
                print("            (strace not available: fsync calls not counted)")
            for engine, value in fsyncs.items():
                if value is not None:
                    print(f"            {engine}: {value:.2f} fsync calls per answer (strace)")
        print()
        progress("timing retain --help")
        runs = 3 if args.smoke else 10
        print(f"retain --help cold start: {cold_start_ms(runs):.0f} ms (median of {runs} runs)")
    progress(f"done in {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
