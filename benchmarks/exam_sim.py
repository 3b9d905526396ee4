"""Simulated students preparing for an exam: retain's planner against the usual ways.

    .venv/bin/python benchmarks/exam_sim.py [--decks 100,300,1000] [--exams 7,30,90]
                                            [--budgets 5,10,20,40,60] [--models fsrs,hlr]
    .venv/bin/python benchmarks/exam_sim.py --smoke      # the smallest run

A simulated student studies a deck every day until the exam, for at most the day's budget
of minutes, and answers what they are served. The strategies:

* **retain planner**: the deck is given its exam (`Collection.plans.set_exam`) and the
  student studies through the real `Collection` and `StudySession` until the session ends
  (the day's plan is done) or the minutes run out;
* **FSRS 20 new/day**: retain without an exam, desired retention 0.9, 20 new cards a day
  (Anki's way), through the same `Collection` and `StudySession`;
* **FSRS new spread**: the same with new cards spread evenly to the exam (deck / days);
* **Leitner**: five boxes (1, 2, 4, 8, 16 days), new cards spread evenly, a forgotten
  card back to box 1 and asked again the same day (paper flashcards, Quizlet);
* **cramming**: nothing until the last three days, then through the deck again and again.

The student's memory is one of two models, so that the planner is not graded only by the
model it plans with:

* **fsrs**: FSRS-6 with parameters fitted to the real review log
  (``reviews/fsrs-review-log-12k.csv``, with the optimizer extra; the defaults without it),
  while retain plans with its own estimate (the default parameters);
* **hlr**: half-life regression (Settles & Meeder 2016) with a per-card easiness: recall is
  2^(-days/h); a recall spaced by half a day or more multiplies h by 2 times the card's
  easiness, a recall the same day by 1.1; a lapse halves h.

Each answer takes the student 30 s for a first sight, 10 s for a recall, 20 s for a lapse
and 8 s for a learning step; the answers are recorded with these durations, from which
retain measures the costs it plans with. Printed for each scenario and strategy: the
expected share of the deck recalled at the exam (the model's recall probability of each
card at the exam, 0 for a card never seen) and the minutes actually spent, at each daily
budget. The strategies do not spend the same minutes, so curves are compared: at the
minutes another strategy spent, the planner's curve (interpolated, from 0 at 0 minutes)
is compared with its recall.

Targets: the planner's recall-vs-minutes curve is never below another's, and at equal
minutes it removes on average at least half of what the best other strategy leaves
forgotten. The summary gives both over all the scenarios and for each memory model.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import operator
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import data_dir, progress
from retain.collection import Collection
from retain.core.model import DeckDraft, NoteDraft, Rating, SchedulingState
from retain.core.scheduling import SchedulerConfig, retrievability, review
from retain.session import StudySession

START = datetime(2027, 3, 1, 17, 0, tzinfo=UTC)
FIRST_SIGHT, RECALLED, LAPSE, STEP = 30.0, 10.0, 20.0, 8.0
LOG = data_dir() / "reviews" / "fsrs-review-log-12k.csv"


# --- the student's memory ---------------------------------------------------------------


class Memory:
    """What the simulated student remembers of each card (the truth, not retain's view)."""

    def recall(self, card: int, at: datetime) -> float:
        raise NotImplementedError

    def answer(self, card: int, at: datetime, rng: random.Random) -> bool:
        """The student answers the card at `at`: recalled or not (and remembers that)."""
        raise NotImplementedError

    def seen(self, card: int) -> bool:
        raise NotImplementedError

    def known(self) -> list[int]:
        raise NotImplementedError


class FsrsMemory(Memory):
    def __init__(self, config: SchedulerConfig) -> None:
        self.config = config
        self.states: dict[int, SchedulingState] = {}
        self._rng = random.Random(0)

    def seen(self, card: int) -> bool:
        return card in self.states

    def known(self) -> list[int]:
        return list(self.states)

    def recall(self, card: int, at: datetime) -> float:
        state = self.states.get(card)
        return 0.0 if state is None else retrievability(state, at, self.config)

    def answer(self, card: int, at: datetime, rng: random.Random) -> bool:
        state = self.states.get(card)
        recalled = state is not None and rng.random() < self.recall(card, at)
        if state is None:
            state = SchedulingState()
        rating = Rating.GOOD if recalled or state.reps == 0 else Rating.AGAIN
        self.states[card] = review(state, rating, at, self._rng, self.config)
        return recalled


class HlrMemory(Memory):
    def __init__(self, seed: int) -> None:
        self.half_life: dict[int, float] = {}
        self.last: dict[int, datetime] = {}
        self.ease: dict[int, float] = {}
        self._rng = random.Random(seed)

    def seen(self, card: int) -> bool:
        return card in self.half_life

    def known(self) -> list[int]:
        return list(self.half_life)

    def _ease(self, card: int) -> float:
        if card not in self.ease:
            self.ease[card] = math.exp(self._rng.gauss(0.0, 0.35))
        return self.ease[card]

    def recall(self, card: int, at: datetime) -> float:
        if card not in self.half_life:
            return 0.0
        days = (at - self.last[card]).total_seconds() / 86400
        return float(2.0 ** (-days / self.half_life[card]))

    def answer(self, card: int, at: datetime, rng: random.Random) -> bool:
        if card not in self.half_life:
            self.half_life[card] = 0.5 * self._ease(card)
            self.last[card] = at
            return False
        days = (at - self.last[card]).total_seconds() / 86400
        recalled = rng.random() < self.recall(card, at)
        if recalled:
            grow = 2.0 * self._ease(card) if days >= 0.5 else 1.1
            self.half_life[card] = min(self.half_life[card] * grow, 3650.0)
        else:
            self.half_life[card] = max(self.half_life[card] * 0.5, 0.2)
        self.last[card] = at
        return recalled


# --- strategies -------------------------------------------------------------------------


@dataclass
class Outcome:
    recall: float
    minutes: float
    seen: int


@dataclass(frozen=True)
class Scenario:
    cards: int
    days: int
    model: str

    @property
    def exam(self) -> datetime:
        return START + timedelta(days=self.days, hours=-8)  # 9:00 on the exam day


def _seconds(seen: bool, recalled: bool, same_day: bool) -> float:
    """What one answer takes the student (`seen`: the card was seen before this answer)."""
    if not seen:
        return FIRST_SIGHT
    if same_day:
        return STEP
    return RECALLED if recalled else LAPSE


def _outcome(memory: Memory, scenario: Scenario, seconds: float) -> Outcome:
    """Mean recall at the exam over the deck (a card never seen: 0), minutes, cards seen."""
    known = memory.known()
    recall = sum(memory.recall(card, scenario.exam) for card in known) / scenario.cards
    return Outcome(recall, seconds / 60, len(known))


def run_retain(
    scenario: Scenario, minutes: float, memory: Memory, strategy: str, seed: int, folder: Path
) -> Outcome:
    """The student studies through the real Collection and StudySession."""
    name = f"{scenario.model}-{strategy}-{scenario.cards}-{scenario.days}-{minutes}-{seed}"
    path = folder / f"{name.replace('/', '_').replace(' ', '_')}.sqlite3"
    col = Collection.open(path, tz=UTC)
    try:
        draft = DeckDraft(
            "Exam deck",
            "text/questions",
            tuple(
                NoteDraft(f"Question {k}?", (f"answer {k}",)) for k in range(scenario.cards)
            ),
        )
        deck = col.decks.import_deck(draft, now=START - timedelta(days=1)).deck
        if strategy == "retain planner":
            col.plans.set_exam(deck, scenario.exam, minutes, frozenset(), START)
        elif strategy == "FSRS 20 new/day":
            col.set_setting("new_per_day", 20)
        else:  # FSRS new spread
            col.set_setting("new_per_day", math.ceil(scenario.cards / scenario.days))
        rng = random.Random(seed)
        spent = 0.0
        last_day: dict[int, int] = {}
        for day in range(scenario.days):
            clock = [START + timedelta(days=day)]
            session = StudySession(
                col, deck, clock=functools.partial(operator.getitem, clock, 0),
                rng=random.Random(day), mode="flip",
            )
            today = 0.0
            while today < minutes * 60:
                item = session.next()
                if item is None:
                    break
                card = int(item.card.id)
                seen = memory.seen(card)
                same_day = last_day.get(card) == day
                recalled = memory.answer(card, clock[0], rng)
                seconds = _seconds(seen, recalled, same_day)
                rating = Rating.GOOD if recalled or not seen else Rating.AGAIN
                session.answer(item, rating, duration_ms=int(seconds * 1000))
                last_day[card] = day
                clock[0] += timedelta(seconds=seconds)
                today += seconds
            spent += today
        return _outcome(memory, scenario, spent)
    finally:
        col.close()


def run_leitner(scenario: Scenario, minutes: float, memory: Memory, seed: int) -> Outcome:
    """Five boxes; a card right moves up a box, a card wrong (or new) goes to box 1 and is
    asked again later the same day until it is right (three times at most)."""
    intervals = (1, 2, 4, 8, 16)
    per_day = math.ceil(scenario.cards / scenario.days)
    rng = random.Random(seed)
    box: dict[int, int] = {}
    due_day: dict[int, int] = {}
    fresh = list(range(scenario.cards))
    spent = 0.0
    for day in range(scenario.days):
        at = START + timedelta(days=day)
        today = 0.0
        queue = sorted((c for c in due_day if due_day[c] <= day), key=lambda c: due_day[c])
        queue += fresh[:per_day]
        fresh = fresh[per_day:]
        asked: dict[int, int] = {}
        while queue and today < minutes * 60:
            card = queue.pop(0)
            seen = memory.seen(card)
            recalled = memory.answer(card, at, rng)
            seconds = _seconds(seen, recalled, asked.get(card, 0) > 0)
            asked[card] = asked.get(card, 0) + 1
            if recalled and asked[card] == 1:
                box[card] = min(box.get(card, 0) + 1, len(intervals) - 1)
                due_day[card] = day + intervals[box[card]]
            else:
                box[card] = 0
                due_day[card] = day + 1
                if not recalled and asked[card] < 3:
                    queue.append(card)
            at += timedelta(seconds=seconds)
            today += seconds
        fresh = [c for c in queue if not memory.seen(c)] + fresh  # not reached: tomorrow
        spent += today
    return _outcome(memory, scenario, spent)


def run_cramming(scenario: Scenario, minutes: float, memory: Memory, seed: int) -> Outcome:
    """Nothing until the last three days, then through the deck again and again (a card
    seen again the same day takes a learning step's time, as in the other strategies)."""
    rng = random.Random(seed)
    spent = 0.0
    order = list(range(scenario.cards))
    last_day: dict[int, int] = {}
    for day in range(max(0, scenario.days - 3), scenario.days):
        at = START + timedelta(days=day)
        today = 0.0
        while today < minutes * 60:
            card = order.pop(0)
            seen = memory.seen(card)
            recalled = memory.answer(card, at, rng)
            seconds = _seconds(seen, recalled, last_day.get(card) == day)
            last_day[card] = day
            order.append(card)
            at += timedelta(seconds=seconds)
            today += seconds
        spent += today
    return _outcome(memory, scenario, spent)


PLANNER_LOW = (1.0, 2.0, 3.0)
"""Daily budgets the planner also runs at, so that its curve covers fewer minutes."""
STRATEGIES = ("retain planner", "FSRS 20 new/day", "FSRS new spread", "Leitner", "cramming")


# --- comparing curves -------------------------------------------------------------------


def curve_at(points: Sequence[tuple[float, float]], minutes: float) -> float:
    """The recall of a recall-vs-minutes curve at `minutes`: linear between its points,
    from 0 at 0 minutes, never below the best recall of a point at fewer minutes (a budget
    that spent less and recalled more is there to be taken), and its best recall past its
    last point."""
    ordered = sorted([(0.0, 0.0), *points])
    best = ordered[0][1]
    for (m0, r0), (m1, r1) in zip(ordered, ordered[1:], strict=False):
        best = max(best, r0)
        if m0 <= minutes <= m1:
            between = r0 if m1 == m0 else r0 + (r1 - r0) * (minutes - m0) / (m1 - m0)
            return max(best, between)
    return max(best, ordered[-1][1])


@dataclass
class Table:
    rows: dict[tuple[Scenario, str], list[tuple[float, Outcome]]] = field(default_factory=dict)


def truth_config(fit: bool) -> tuple[SchedulerConfig, str]:
    base = SchedulerConfig(fuzz=False)
    if not fit:
        return base, "FSRS-6 default parameters (--no-fit)"
    cache = Path(tempfile.gettempdir()) / "retain-exam-sim-fitted.json"
    if cache.is_file():
        return replace(base, parameters=tuple(json.loads(cache.read_text()))), f"fitted ({cache})"
    try:
        import csv

        from retain.errors import CollectionError
        from retain.fitting import TimedReview, fit_parameters

        with LOG.open(newline="") as handle:
            reviews = sorted(
                (
                    TimedReview(
                        int(row["card_id"]), Rating(int(row["review_rating"])),
                        datetime.fromisoformat(row["review_time"]).astimezone(UTC),
                        int(row["review_duration"]),
                    )
                    for row in csv.DictReader(handle)
                ),
                key=lambda r: r.at,
            )
        parameters = fit_parameters(reviews, False, base)
    except (CollectionError, OSError) as error:
        return base, f"FSRS-6 default parameters (not fitted: {error})"
    cache.write_text(json.dumps(list(parameters)))
    return replace(base, parameters=parameters), "fitted to the real review log"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decks", default="100,300,1000")
    parser.add_argument("--exams", default="7,30,90")
    parser.add_argument("--budgets", default="5,10,20,40,60")
    parser.add_argument("--models", default="fsrs,hlr")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-fit", action="store_true", help="the student's FSRS: defaults")
    parser.add_argument("--smoke", action="store_true", help="one small scenario")
    args = parser.parse_args(argv)
    if args.smoke:
        args.decks, args.exams, args.budgets, args.models = "30", "5", "5,20", "fsrs,hlr"
        args.no_fit = True
    decks = [int(x) for x in args.decks.split(",")]
    exams = [int(x) for x in args.exams.split(",")]
    budgets = [float(x) for x in args.budgets.split(",")]
    models = [m.strip() for m in args.models.split(",")]
    truth, truth_name = truth_config(not args.no_fit)
    print(f"Student's FSRS memory: {truth_name}; retain plans with the default parameters.")
    started = time.perf_counter()
    table = Table()
    removed: dict[str, list[float]] = {}
    below: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for model in models:
            for cards in decks:
                for days in exams:
                    scenario = Scenario(cards, days, model)
                    for strategy in STRATEGIES:
                        # The planner's curve reaches lower too, to compare at few minutes.
                        low = [b for b in PLANNER_LOW if b < min(budgets)]
                        for minutes in (low if strategy == "retain planner" else []) + budgets:
                            memory: Memory = (
                                FsrsMemory(truth) if model == "fsrs" else HlrMemory(args.seed)
                            )
                            if strategy == "Leitner":
                                outcome = run_leitner(scenario, minutes, memory, args.seed)
                            elif strategy == "cramming":
                                outcome = run_cramming(scenario, minutes, memory, args.seed)
                            else:
                                outcome = run_retain(
                                    scenario, minutes, memory, strategy, args.seed, folder
                                )
                            table.rows.setdefault((scenario, strategy), []).append(
                                (minutes, outcome)
                            )
                            progress(
                                f"{model} {cards} cards {days} d {strategy} {minutes:g} min: "
                                f"{outcome.recall:.3f} in {outcome.minutes:.0f} min"
                            )
                    _print_scenario(
                        table,
                        scenario,
                        budgets,
                        removed.setdefault(model, []),
                        below.setdefault(model, []),
                    )
    print()
    removed_all = [share for shares in removed.values() for share in shares]
    below_all = [point for points in below.values() for point in points]
    if removed_all:
        print(
            f"Planner against the best other strategy at equal minutes: it removes "
            f"{_mean(removed_all):.0%} on average of what the best other leaves forgotten "
            f"(target >= 50%), over {len(removed_all)} points."
        )
    print(
        "Planner's curve below another strategy's: "
        + (
            "never (target: never)"
            if not below_all
            else f"{len(below_all)} times: " + "; ".join(below_all)
        )
    )
    for model in models:
        print(
            f"{model} memory: the planner removes {_mean(removed.get(model, [])):.0%} of what "
            f"the best other leaves forgotten, over {len(removed.get(model, []))} points; its "
            f"curve is below another's {len(below.get(model, []))} times."
        )
    print(f"done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def _print_scenario(
    table: Table, scenario: Scenario, budgets: Sequence[float], removed: list[float],
    below: list[str],
) -> None:
    print()
    print(f"{scenario.model} memory, {scenario.cards} cards, exam in {scenario.days} days: "
          "recall at the exam / minutes spent, by daily budget")
    low = [b for b in PLANNER_LOW if b < min(budgets)]
    header = f"{'strategy':<18}" + "".join(f"{f'{b:g} min/day':>17}" for b in [*low, *budgets])
    print(header)
    planner = [(o.minutes, o.recall) for _, o in table.rows[(scenario, "retain planner")]]
    for strategy in STRATEGIES:
        results = table.rows[(scenario, strategy)]
        pad = " " * 17 * (len(low) if strategy != "retain planner" else 0)
        cells = "".join(f"{o.recall:>10.1%} /{o.minutes:>5.0f}" for _, o in results)
        print(f"{strategy:<18}{pad}{cells}")
        if strategy == "retain planner":
            continue
        for minutes, outcome in results:
            mine = curve_at(planner, outcome.minutes)
            if mine + 0.005 < outcome.recall:
                below.append(
                    f"{scenario.model} {scenario.cards}/{scenario.days}d {strategy} at "
                    f"{minutes:g} min/day ({outcome.recall:.1%} vs {mine:.1%})"
                )
    others = [
        [(o.minutes, o.recall) for _, o in table.rows[(scenario, s)]]
        for s in STRATEGIES
        if s != "retain planner"
    ]
    for minutes, recall in planner:
        best = max(curve_at(curve, minutes) for curve in others)
        if best < 1.0:
            removed.append((recall - best) / (1.0 - best))


if __name__ == "__main__":
    raise SystemExit(main())
