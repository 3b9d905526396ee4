"""How long a student waits between answering a card and seeing the next one: retain against
Anki's own engine (the ``anki`` package, a Rust core under a Python layer).

    .venv/bin/python benchmarks/review_latency.py [--sizes 1000,10000,100000] [--answers 300]

For each size, a retain collection and an Anki collection with the same cards are built in a
temporary directory and given the same mix of states: 45% of the cards have been studied
before (most are review cards with intervals of 1-60 days and due dates from a week ago to two
months ahead, so about a tenth of them are due; up to 200 are in their learning steps, due
within half an hour either side of now), the rest are new. Each studied card has two earlier
entries in the review log. The new-card and review limits are raised so that the queue does
not run dry, and Anki runs FSRS, as retain does.

One step of the timed loop records an answer and fetches the card to show next, the way a
study screen does:

* retain: ``Collection.answer(card_id, rating, now, pick_next=True)``, which records the
  answer and picks the next card (with its note) in one transaction, committed to disk
  before it returns; this is the call the study screens make;
* Anki: ``sched.build_answer`` and ``sched.answer_card`` (the v3 scheduler), then
  ``sched.get_queued_cards()`` and the card's note.

The ratings are the same sequence for both (Again 10%, Hard 10%, Good 70%, Easy 10%). The
first card of a session is timed apart ("first card"): Anki builds its whole queue then. The
engines take turns, one answer each, so that the load of the machine (other processes, slow
fsync calls) weighs on them alike. Wall time is what the student waits; CPU time (all the
threads of the process, no waiting) is the engine's own work and varies far less from run to
run. Anki is also timed with its load balancer off ("anki-nolb").

Durability is compared too. Both engines use SQLite in WAL mode with ``synchronous=FULL``;
retain commits every answer before it returns. Anki wraps every backend operation in a
transaction that commits. Where ``strace`` is installed, the script checks this instead of
taking it on trust: it counts the fsync calls each engine makes per answer.

It also times ``retain --help`` (a cold start, median of 10 runs) and ``retain import`` of a
10,000-card pasted-text file into an empty data directory.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import VENV_BIN, median, percentile, progress, stopwatch
from retain.collection import Collection, StudyItem
from retain.core.model import CardId, CardState, DeckDraft, NoteDraft, Rating

DEFAULT_SIZES = (1_000, 10_000, 100_000)
STUDIED_SHARE = 0.45
MAX_LEARNING = 200
RATING_WEIGHTS = {Rating.AGAIN: 10, Rating.HARD: 10, Rating.GOOD: 70, Rating.EASY: 10}
# retain's clock in the timed loop: a fixed start, moved on a few seconds per answer.
START = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
SECONDS_PER_ANSWER = 6
DAY_MS = 86_400_000
MARK_START = "/retain-benchmark-mark-start"
MARK_END = "/retain-benchmark-mark-end"

_TOPICS = (
    "the Five-Year Plans", "collectivisation", "the Great Purge", "the NEP", "the Politburo",
    "the Red Army", "the show trials", "the cult of personality", "the Gulag", "Gosplan",
    "the Kulaks", "the Stakhanovite movement", "the 1936 Constitution", "the Comintern",
)
_WORDS = (
    "party", "state", "power", "control", "industry", "workers", "peasants", "grain", "quota",
    "terror", "loyalty", "propaganda", "economy", "opposition", "leaders", "famine", "output",
    "secret", "police", "factories", "members", "congress", "policy", "rivals", "support",
)


# -- the cards and their states -----------------------------------------------------------


def generate_notes(count: int, rng: random.Random) -> list[NoteDraft]:
    """Revision-style cards: a question ending in "?" and 1-4 answer points of 6-20 words."""
    notes = []
    for i in range(count):
        topic = rng.choice(_TOPICS)
        question = f"Why did {topic} matter to {rng.choice(_WORDS)} {i + 1}?"
        points = tuple(
            " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 20))).capitalize() + "."
            for _ in range(rng.randint(1, 4))
        )
        notes.append(NoteDraft(question, points))
    return notes


@dataclass(frozen=True)
class PlannedState:
    """A card's state before the session. `due_days` is for review cards (0 or less: due
    today); `due_minutes` for learning cards, from now."""

    state: CardState
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
    plans = []
    for i in range(count):
        if i >= studied:
            plans.append(PlannedState(CardState.NEW))
        elif i % max(1, studied // max(1, learning)) == 0 and learning > 0:
            learning -= 1
            plans.append(
                PlannedState(
                    CardState.LEARNING, due_minutes=rng.randint(-30, 30), interval_days=0,
                    stability=rng.uniform(0.5, 3.0), difficulty=rng.uniform(4, 7), reps=1,
                )
            )
        else:
            interval = rng.randint(1, 60)
            plans.append(
                PlannedState(
                    CardState.REVIEW, due_days=rng.randint(-7, 60), interval_days=interval,
                    stability=interval * rng.uniform(0.8, 1.3), difficulty=rng.uniform(3, 8),
                    reps=rng.randint(2, 10), lapses=rng.choice((0, 0, 0, 1, 2)),
                )
            )
    return plans


def rating_sequence(count: int, rng: random.Random) -> list[Rating]:
    return rng.choices(list(RATING_WEIGHTS), weights=list(RATING_WEIGHTS.values()), k=count)


# -- retain ---------------------------------------------------------------------------------


class RetainSession:
    """A study session on a retain collection, on a clock that moves on with each answer."""

    name = "retain"

    def __init__(self, col: Collection) -> None:
        self.col = col
        self.now = START
        self.item: StudyItem | None = None

    def first(self) -> None:
        self.item = self.col.next_card(self.now)

    def step(self, rating: Rating) -> bool:
        """Answer the card shown and fetch the next one; False when nothing is left."""
        if self.item is None:
            return False
        card_id: CardId = self.item.card.id
        self.item = self.col.answer(card_id, rating, self.now, pick_next=True).next
        self.now += timedelta(seconds=SECONDS_PER_ANSWER)
        return True

    def close(self) -> None:
        self.col.close()


def build_retain(
    path: Path, notes: Sequence[NoteDraft], plans: Sequence[PlannedState]
) -> Collection:
    col = Collection.open(path, tz=UTC)
    col.set_setting("new_per_day", 1_000_000)
    draft = DeckDraft("Benchmark deck", "text/questions", tuple(notes))
    col.import_deck(draft, now=START - timedelta(days=400))
    now_ms = int(START.timestamp() * 1000)
    card_rows: list[tuple[Any, ...]] = []
    review_rows: list[tuple[Any, ...]] = []
    with col.engine.begin() as conn:
        ids = [row[0] for row in conn.exec_driver_sql("SELECT id FROM cards ORDER BY position")]
        for card_id, plan in zip(ids, plans, strict=True):
            if plan.state == CardState.NEW:
                continue
            if plan.state == CardState.LEARNING:
                due = now_ms + plan.due_minutes * 60_000
                last = due - 600_000
                step: int | None = 1
            else:
                due = now_ms + plan.due_days * DAY_MS
                last = due - plan.interval_days * DAY_MS
                step = None
            card_rows.append(
                (int(plan.state), step, plan.stability, plan.difficulty, due, last, plan.reps,
                 plan.lapses, card_id)
            )
            for k, before in ((2, CardState.NEW), (1, CardState.REVIEW)):
                review_rows.append(
                    (card_id, 3, last - k * 3 * DAY_MS, 5000, "flip", int(before))
                )
        conn.exec_driver_sql(
            "UPDATE cards SET state=?, step=?, stability=?, difficulty=?, due=?, last_review=?,"
            " reps=?, lapses=? WHERE id=?",
            card_rows,
        )
        conn.exec_driver_sql(
            "INSERT INTO reviews (card_id, rating, reviewed_at, duration_ms, mode, state_before)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            review_rows,
        )
    return col


# -- Anki -----------------------------------------------------------------------------------


def anki_available() -> bool:
    try:
        import anki.collection  # noqa: F401
    except ImportError:
        return False
    return True


class AnkiSession:
    """A study session through Anki's v3 scheduler, on the real clock (Anki reads it)."""

    def __init__(self, col: Any, name: str) -> None:
        from anki.scheduler.v3 import CardAnswer

        self.col = col
        self.name = name
        self.shown: tuple[Any, Any] | None = None
        self.to_anki = {
            Rating.AGAIN: CardAnswer.AGAIN, Rating.HARD: CardAnswer.HARD,
            Rating.GOOD: CardAnswer.GOOD, Rating.EASY: CardAnswer.EASY,
        }

    def _next(self) -> tuple[Any, Any] | None:
        from anki.cards import Card

        queued = self.col.sched.get_queued_cards()
        if not queued.cards:
            return None
        top = queued.cards[0]
        card = Card(self.col)
        card._load_from_backend_card(top.card)
        card.start_timer()
        card.note()
        return card, top.states

    def first(self) -> None:
        self.shown = self._next()

    def step(self, rating: Rating) -> bool:
        if self.shown is None:
            return False
        card, states = self.shown
        answer = self.col.sched.build_answer(
            card=card, states=states, rating=self.to_anki[rating]
        )
        self.col.sched.answer_card(answer)
        self.shown = self._next()
        return True

    def close(self) -> None:
        self.col.close()


def build_anki(path: Path, notes: Sequence[NoteDraft], plans: Sequence[PlannedState]) -> None:
    """Write an Anki collection with the same cards and states, and close it."""
    from anki.collection import AddNoteRequest
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
    basic = col.models.by_name("Basic")
    requests = []
    for draft in notes:
        note = col.new_note(basic)
        note["Front"] = draft.question
        note["Back"] = "<br>".join(draft.answer_points)
        requests.append(AddNoteRequest(note=note, deck_id=deck_id))
    col.add_notes(requests)

    today = col.sched.today
    now_s = int(time.time())
    ids = col.db.list("SELECT id FROM cards ORDER BY due, id")  # new cards: due = position
    card_rows: list[list[Any]] = []
    revlog_rows: list[list[Any]] = []
    revlog_id = (now_s - 500 * 86_400) * 1000
    for card_id, plan in zip(ids, plans, strict=True):
        if plan.state == CardState.NEW:
            continue
        memory = f'{{"s":{plan.stability:.4f},"d":{plan.difficulty:.4f},"dr":0.9}}'
        if plan.state == CardState.LEARNING:
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


def open_anki(path: Path, *, load_balancer: bool, name: str) -> AnkiSession:
    from anki.collection import Collection as AnkiCollection

    col: Any = AnkiCollection(str(path))
    col.load_balancer_enabled = load_balancer
    return AnkiSession(col, name)


Session = RetainSession | AnkiSession


@dataclass
class Timings:
    setup_s: float
    first_card_ms: float = 0.0
    answers_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)


def run_interleaved(sessions: Sequence[Session], ratings: Sequence[Rating]) -> list[Timings]:
    """Time every session's first card, then one answer of each in turn (the order rotates),
    so that the background load of the machine weighs on all of them alike."""
    timings = [Timings(0.0) for _ in sessions]
    for session, timing in zip(sessions, timings, strict=True):
        started = time.perf_counter()
        session.first()
        timing.first_card_ms = (time.perf_counter() - started) * 1000
    active = list(range(len(sessions)))
    for i, rating in enumerate(ratings):
        turn = active[i % len(active):] + active[: i % len(active)] if active else []
        for k in turn:
            cpu_started = time.process_time()
            started = time.perf_counter()
            answered = sessions[k].step(rating)
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu_started) * 1000
            if answered:
                timings[k].answers_ms.append(elapsed)
                timings[k].cpu_ms.append(cpu)
            else:
                active.remove(k)
    return timings


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


# -- durability: fsync calls per answer -----------------------------------------------------


def probe(engine: str, answers: int) -> None:
    """Build a 1,000-card collection and answer cards between two marker system calls, for
    `strace` to count the fsync calls in between."""
    rng = random.Random(7)
    notes = generate_notes(1000, rng)
    plans = plan_states(1000, rng)
    ratings = rating_sequence(answers, rng)
    with tempfile.TemporaryDirectory(prefix="retain-probe-") as tmp:
        session: Session
        if engine == "retain":
            session = RetainSession(build_retain(Path(tmp) / "retain.sqlite3", notes, plans))
        else:
            path = Path(tmp) / "anki" / "collection.anki2"
            build_anki(path, notes, plans)
            session = open_anki(path, load_balancer=True, name="anki")
        session.first()
        answered = 0
        os.access(MARK_START, os.F_OK)
        for rating in ratings:
            if not session.step(rating):
                break
            answered += 1
        os.access(MARK_END, os.F_OK)
        session.close()
    print(answered)


def fsyncs_per_answer(engine: str, answers: int, tmpdir: Path) -> float | None:
    strace = shutil.which("strace")
    if strace is None:
        return None
    trace = tmpdir / f"strace-{engine}.txt"
    command = [
        strace, "-f", "-qq", "-o", str(trace),
        "-e", "trace=fsync,fdatasync,sync_file_range,faccessat,faccessat2,access",
        sys.executable, str(Path(__file__).resolve()), "--probe", engine,
        "--answers", str(answers),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        progress(f"strace probe for {engine} failed: {result.stderr.strip()[-300:]}")
        return None
    answered = int(result.stdout.strip().splitlines()[-1])
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


# -- the command line -----------------------------------------------------------------------


def retain_command() -> list[str]:
    script = VENV_BIN / "retain"
    if script.exists():
        return [str(script)]
    found = shutil.which("retain")
    return [found] if found else [sys.executable, "-m", "retain"]


def cold_start_ms(runs: int = 10) -> float:
    command = [*retain_command(), "--help"]
    subprocess.run(command, capture_output=True, check=True)  # warm the file cache
    laps = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        laps.append((time.perf_counter() - started) * 1000)
    return median(laps)


def write_pasted_text(path: Path, notes: Sequence[NoteDraft]) -> None:
    """The sample deck's layout: a title line, then each question ending in "?" followed by
    its answer lines."""
    lines = ["Benchmark deck: revision flashcards"]
    for note in notes:
        lines.append(note.question)
        lines.extend(note.answer_points)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def time_cli_import(tmpdir: Path, notes: Sequence[NoteDraft]) -> tuple[str, float, str]:
    """(what was measured, seconds, note)."""
    source = tmpdir / "pasted-10k.txt"
    write_pasted_text(source, notes)
    home = tmpdir / "retain-home"
    env = dict(os.environ, RETAIN_HOME=str(home))
    env.pop("RETAIN_DATABASE_URL", None)
    started = time.perf_counter()
    result = subprocess.run(
        [*retain_command(), "import", str(source)], capture_output=True, text=True, env=env,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode == 0:
        return "retain import FILE (subprocess, empty RETAIN_HOME)", elapsed, result.stdout.strip()
    why = (result.stderr.strip() or result.stdout.strip()).splitlines()
    reason = why[-1] if why else f"exit code {result.returncode}"
    draft = DeckDraft("Benchmark deck: revision flashcards", "text/questions", tuple(notes))
    target = tmpdir / "fallback" / "retain.sqlite3"
    with Collection.open(target, tz=UTC) as col, stopwatch() as spent:
        col.import_deck(draft, now=START)
    return (
        "Collection.import_deck(DeckDraft) in-process (`retain import` failed)",
        spent[0],
        f"`retain import` failed: {reason}",
    )


# -- main -----------------------------------------------------------------------------------


def _fmt_row(size: int, engine: str, t: Timings) -> str:
    return (
        f"{size:>9,}  {engine:<9} {t.setup_s:>8.1f} {t.first_card_ms:>9.1f} "
        f"{len(t.answers_ms):>7} {percentile(t.answers_ms, 50):>7.2f} "
        f"{percentile(t.answers_ms, 99):>7.2f} {percentile(t.cpu_ms, 50):>7.2f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default=",".join(str(s) for s in DEFAULT_SIZES),
        help="comma-separated collection sizes (cards)",
    )
    parser.add_argument("--answers", type=int, default=300, help="answers timed per size")
    parser.add_argument("--no-anki", action="store_true", help="time retain only")
    parser.add_argument("--no-cli", action="store_true", help="skip the command-line timings")
    parser.add_argument("--no-fsync", action="store_true", help="skip the strace fsync count")
    parser.add_argument("--dir", type=Path, help="where to build the collections (a temp dir)")
    parser.add_argument("--probe", choices=("retain", "anki"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        probe(args.probe, args.answers)
        return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    with_anki = not args.no_anki and anki_available()
    if not args.no_anki and not with_anki:
        progress("the anki package is not installed (pip install -e '.[bench]'): retain only")
    started = time.perf_counter()
    first_load = os.getloadavg()
    load_at_start = f"at the start: {first_load[0]:.2f} {first_load[1]:.2f} {first_load[2]:.2f}"
    results: list[tuple[int, list[tuple[str, Timings]]]] = []
    with tempfile.TemporaryDirectory(prefix="retain-bench-", dir=args.dir) as tmp:
        tmpdir = Path(tmp)
        for size in sizes:
            rng = random.Random(size)
            notes = generate_notes(size, rng)
            plans = plan_states(size, rng)
            ratings = rating_sequence(args.answers, rng)
            workdir = tmpdir / f"n{size}"
            workdir.mkdir()
            progress(f"{size:,} cards: building the retain collection")
            with stopwatch() as retain_setup:
                retain_col = build_retain(workdir / "retain.sqlite3", notes, plans)
            sessions: list[Session] = [RetainSession(retain_col)]
            setups = [retain_setup[0]]
            if with_anki:
                progress(f"{size:,} cards: building the Anki collection")
                anki_path = workdir / "anki" / "collection.anki2"
                with stopwatch() as anki_setup:
                    build_anki(anki_path, notes, plans)
                plain_path = workdir / "anki-no-load-balancer" / "collection.anki2"
                plain_path.parent.mkdir()
                shutil.copyfile(anki_path, plain_path)
                sessions.append(open_anki(anki_path, load_balancer=True, name="anki"))
                sessions.append(
                    open_anki(plain_path, load_balancer=False, name="anki-nolb")
                )
                setups += [anki_setup[0], anki_setup[0]]
            progress(f"{size:,} cards: {args.answers} answers each, interleaved")
            try:
                timings = run_interleaved(sessions, ratings)
            finally:
                for session in sessions:
                    session.close()
            for timing, setup_s in zip(timings, setups, strict=True):
                timing.setup_s = setup_s
            results.append((size, [(s.name, t) for s, t in zip(sessions, timings, strict=True)]))

            shutil.rmtree(workdir)

        print("Review latency: record an answer, then fetch the next card to show (ms)")
        print(f"{'cards':>9}  {'engine':<9} {'setup s':>8} {'first ms':>9} "
              f"{'answers':>7} {'p50':>7} {'p99':>7} {'cpu p50':>7}")
        for size, rows in results:
            for name, timing in rows:
                print(_fmt_row(size, name, timing))
        if with_anki:
            print()
            print("retain/Anki, p50 wall time and p50 CPU time (Anki without its load balancer):")
            for size, rows in results:
                wall = {name: percentile(t.answers_ms, 50) for name, t in rows}
                cpu = {name: percentile(t.cpu_ms, 50) for name, t in rows}
                print(
                    f"  {size:>7,} cards: wall {wall['retain'] / wall['anki']:.2f}"
                    f" ({wall['retain'] / wall['anki-nolb']:.2f}),"
                    f" CPU {cpu['retain'] / cpu['anki']:.2f}"
                    f" ({cpu['retain'] / cpu['anki-nolb']:.2f})"
                )
            print(
                "anki-nolb is the same Anki collection with its load balancer off (it is on by"
                " default,\nand evens out the number of reviews due each day)."
            )
        load = os.getloadavg()
        print(
            f"CPU time counts all the threads of this process, and not the waits (fsync, other"
            f" processes).\nLoad average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
            f" on {os.cpu_count()} CPUs; {load_at_start}."
        )
        print()
        print("Durability: retain SQLite journal_mode=wal, synchronous=FULL, one commit per answer")
        if with_anki:
            pragmas = anki_pragmas(tmpdir)
            print(
                f"            Anki   SQLite journal_mode={pragmas['journal_mode']}, "
                f"synchronous={pragmas['synchronous']}, each answer_card is one backend "
                "transaction that commits"
            )
        if not args.no_fsync:
            progress("counting fsync calls per answer with strace")
            engines = ["retain", "anki"] if with_anki else ["retain"]
            counts = {engine: fsyncs_per_answer(engine, 50, tmpdir) for engine in engines}
            if all(value is None for value in counts.values()):
                print("            (strace not available: fsync calls not counted)")
            for engine, value in counts.items():
                if value is not None:
                    print(f"            {engine}: {value:.2f} fsync calls per answer (strace)")
            anki_fsyncs = counts.get("anki")
            if anki_fsyncs is not None and anki_fsyncs < 1:
                print("            Anki does NOT reach the disk on every answer")

        if not args.no_cli:
            print()
            progress("timing retain --help")
            print(f"retain --help cold start: {cold_start_ms():.0f} ms (median of 10 runs)")
            progress("timing a 10,000-card import")
            notes = generate_notes(10_000, random.Random(10))
            what, seconds, note = time_cli_import(tmpdir, notes)
            print(f"import 10,000 cards of pasted text: {seconds:.2f} s — {what}")
            if note:
                print(f"  {note}")
    progress(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
