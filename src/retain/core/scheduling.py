"""When to study each card: FSRS-6 over the learner's calendar days.

The formulas are those of py-fsrs (``fsrs``, FSRS-6) and its default parameters. Two things
differ from ``fsrs.Scheduler``, on purpose:

* **Elapsed time is counted in the learner's calendar days.** A day starts at
  ``SchedulerConfig.day_start_hour`` (default 4:00) in ``SchedulerConfig.tz`` (default UTC),
  as in Anki and the open-spaced-repetition srs-benchmark. A review at 23:00 and the next one
  at 05:00 the following morning are one day apart; two reviews 20 hours apart on the same
  calendar day are zero days apart. ``fsrs.Scheduler`` counts whole 24-hour periods instead,
  which treats most next-morning reviews as same-day reviews and predicts recall badly on
  real logs (see ``benchmarks/recall_prediction.py``). The calendar count is used
  everywhere: for the predicted recall, for choosing the short-term stability update (same
  day) or the long-term one (a later day), and for the recall fed to the long-term update.
* **Fuzz comes from the ``random.Random`` passed in**, never from the global generator. The
  fuzz range is the one of ``fsrs`` (FUZZ_RANGES); the fuzzed interval is drawn uniformly
  from that range's whole days.

Where the two counts agree (reviews whole 24-hour periods apart at the same clock time, or
within the same hours of one day) the states are the same as ``fsrs.Scheduler`` with fuzzing
off. ``due`` is ``now`` plus the interval, as in ``fsrs``; ``next_day_start`` tells when
the learner's current day ends, for "due today" counts.

Everything here is pure: time and randomness are arguments.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol

from fsrs.scheduler import (
    DEFAULT_PARAMETERS,
    FUZZ_RANGES,
    LOWER_BOUNDS_PARAMETERS,
    MAX_DIFFICULTY,
    MIN_DIFFICULTY,
    STABILITY_MIN,
    UPPER_BOUNDS_PARAMETERS,
)

from retain.core.model import CardState, Rating, SchedulingState

__all__ = [
    "SchedulerConfig",
    "DEFAULT_CONFIG",
    "LoggedReview",
    "calendar_days_between",
    "format_interval",
    "fuzz_range",
    "fuzz_rng",
    "learner_day",
    "next_day_start",
    "preview",
    "replay",
    "retrievability",
    "review",
]


@dataclass(frozen=True)
class SchedulerConfig:
    """How cards are scheduled.

    ``parameters`` are the 21 FSRS-6 weights. ``learning_steps`` and ``relearning_steps`` are
    the short steps a new or forgotten card goes through before it gets an interval in days.
    ``maximum_interval`` is in days. A learner's day starts at ``day_start_hour`` o'clock in
    ``tz``.
    """

    parameters: tuple[float, ...] = tuple(DEFAULT_PARAMETERS)
    desired_retention: float = 0.9
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    maximum_interval: int = 36500
    fuzz: bool = True
    day_start_hour: int = 4
    tz: tzinfo = UTC

    def __post_init__(self) -> None:
        if len(self.parameters) != len(LOWER_BOUNDS_PARAMETERS):
            raise ValueError(
                f"expected {len(LOWER_BOUNDS_PARAMETERS)} FSRS parameters, "
                f"got {len(self.parameters)}"
            )
        for index, (value, low, high) in enumerate(
            zip(self.parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
        ):
            if not low <= value <= high:
                raise ValueError(f"parameters[{index}] = {value} is outside [{low}, {high}]")
        if not 0.0 < self.desired_retention < 1.0:
            raise ValueError(f"desired_retention must be in (0, 1), got {self.desired_retention}")
        if self.maximum_interval < 1:
            raise ValueError(f"maximum_interval must be >= 1 day, got {self.maximum_interval}")
        if not 0 <= self.day_start_hour <= 23:
            raise ValueError(f"day_start_hour must be in 0-23, got {self.day_start_hour}")
        for step in (*self.learning_steps, *self.relearning_steps):
            if step <= timedelta(0):
                raise ValueError(f"learning and relearning steps must be positive, got {step}")

    @property
    def decay(self) -> float:
        """The (negative) exponent of the forgetting curve."""
        return -self.parameters[20]

    @property
    def factor(self) -> float:
        """Chosen so that recall is 90% when the elapsed days equal the stability."""
        return float(0.9 ** (1.0 / self.decay) - 1.0)


DEFAULT_CONFIG = SchedulerConfig()


# --- time -------------------------------------------------------------------------------


def _require_utc(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {moment!r}")
    if moment.tzinfo != UTC:
        raise ValueError(f"{name} must be in UTC (tzinfo=datetime.UTC), got {moment.tzinfo!r}")


def learner_day(moment: datetime, config: SchedulerConfig = DEFAULT_CONFIG) -> date:
    """The learner's calendar day that `moment` falls on (a day starts at the day-start hour)."""
    local = moment.astimezone(config.tz)
    return (local - timedelta(hours=config.day_start_hour)).date()


def calendar_days_between(
    earlier: datetime, later: datetime, config: SchedulerConfig = DEFAULT_CONFIG
) -> int:
    """Whole learner days from `earlier` to `later` (0 on the same day; never negative)."""
    return max(0, (learner_day(later, config) - learner_day(earlier, config)).days)


def next_day_start(now: datetime, config: SchedulerConfig = DEFAULT_CONFIG) -> datetime:
    """When the learner's day that contains `now` ends, in UTC (cards due before are due today)."""
    _require_utc(now, "now")
    tomorrow = learner_day(now, config) + timedelta(days=1)
    return datetime.combine(tomorrow, time(config.day_start_hour), tzinfo=config.tz).astimezone(UTC)


# --- the FSRS-6 formulas ----------------------------------------------------------------


def _clamp_difficulty(difficulty: float) -> float:
    return min(max(difficulty, MIN_DIFFICULTY), MAX_DIFFICULTY)


def _initial_stability(w: tuple[float, ...], rating: Rating) -> float:
    return max(w[rating - 1], STABILITY_MIN)


def _initial_difficulty(w: tuple[float, ...], rating: Rating) -> float:
    return float(w[4] - math.e ** (w[5] * (rating - 1)) + 1)


def _next_difficulty(w: tuple[float, ...], difficulty: float, rating: Rating) -> float:
    delta = -(w[6] * (rating - 3))
    damped = difficulty + (10.0 - difficulty) * delta / 9.0
    reverted = w[7] * _initial_difficulty(w, Rating.EASY) + (1 - w[7]) * damped
    return _clamp_difficulty(reverted)


def _short_term_stability(w: tuple[float, ...], stability: float, rating: Rating) -> float:
    increase = float((math.e ** (w[17] * (rating - 3 + w[18]))) * (stability ** -w[19]))
    if rating != Rating.AGAIN:
        increase = max(increase, 1.0)
    return max(stability * increase, STABILITY_MIN)


def _next_stability(
    w: tuple[float, ...], difficulty: float, stability: float, recall: float, rating: Rating
) -> float:
    if rating == Rating.AGAIN:
        long_term = (
            w[11]
            * (difficulty ** -w[12])
            * (((stability + 1) ** w[13]) - 1)
            * (math.e ** ((1 - recall) * w[14]))
        )
        short_term = stability / (math.e ** (w[17] * w[18]))
        next_stability = float(min(long_term, short_term))
    else:
        hard_penalty = w[15] if rating == Rating.HARD else 1
        easy_bonus = w[16] if rating == Rating.EASY else 1
        next_stability = float(
            stability
            * (
                1
                + (math.e ** w[8])
                * (11 - difficulty)
                * (stability ** -w[9])
                * ((math.e ** ((1 - recall) * w[10])) - 1)
                * hard_penalty
                * easy_bonus
            )
        )
    return max(next_stability, STABILITY_MIN)


def _forgetting_curve(elapsed_days: float, stability: float, config: SchedulerConfig) -> float:
    return float((1 + config.factor * elapsed_days / stability) ** config.decay)


def _interval_days(stability: float, config: SchedulerConfig) -> int:
    days = float((stability / config.factor) * (config.desired_retention ** (1 / config.decay) - 1))
    return min(max(round(days), 1), config.maximum_interval)


def fuzz_range(interval_days: int, config: SchedulerConfig = DEFAULT_CONFIG) -> tuple[int, int]:
    """The whole-day range a fuzzed `interval_days` is drawn from (the ranges of ``fsrs``).

    Intervals under 2.5 days are not fuzzed: the range is the interval itself.
    """
    if interval_days < 2.5:
        return interval_days, interval_days
    delta = 1.0
    for fuzz in FUZZ_RANGES:
        delta += fuzz["factor"] * max(min(float(interval_days), fuzz["end"]) - fuzz["start"], 0.0)
    low = max(2, round(interval_days - delta))
    high = min(round(interval_days + delta), config.maximum_interval)
    return min(low, high), high


class _Draws(Protocol):
    def random(self) -> float: ...


def _fuzzed(interval_days: int, rng: _Draws, config: SchedulerConfig) -> int:
    low, high = fuzz_range(interval_days, config)
    if low == high:
        return low
    return low + math.floor(rng.random() * (high - low + 1))


# --- reviewing --------------------------------------------------------------------------


def _review(
    state: SchedulingState,
    rating: Rating,
    now: datetime,
    rng: _Draws | None,
    config: SchedulerConfig,
) -> tuple[SchedulingState, timedelta]:
    """The new state and the interval until it is due. Fuzz only when `rng` is given; a
    review draws from it once at most (`_fuzzed`)."""
    _require_utc(now, "now")
    rating = Rating(rating)
    w = config.parameters

    phase = state.state
    step = state.step
    if phase == CardState.NEW or state.stability is None or state.difficulty is None:
        phase, step = CardState.LEARNING, 0
        stability = _initial_stability(w, rating)
        difficulty = _clamp_difficulty(_initial_difficulty(w, rating))
    else:
        if state.last_review is None:
            raise ValueError("a reviewed card needs its last_review time")
        _require_utc(state.last_review, "last_review")
        elapsed = calendar_days_between(state.last_review, now, config)
        if elapsed == 0:
            stability = _short_term_stability(w, state.stability, rating)
        else:
            recall = _forgetting_curve(elapsed, state.stability, config)
            stability = _next_stability(w, state.difficulty, state.stability, recall, rating)
        difficulty = _next_difficulty(w, state.difficulty, rating)

    interval: timedelta | None = None  # None: graduate to REVIEW with an interval in days
    if phase in (CardState.LEARNING, CardState.RELEARNING):
        steps = config.learning_steps if phase == CardState.LEARNING else config.relearning_steps
        step = 0 if step is None else step
        if steps and not (step >= len(steps) and rating != Rating.AGAIN):
            if rating == Rating.AGAIN:
                step = 0
                interval = steps[0]
            elif rating == Rating.HARD:
                if step == 0:
                    interval = steps[0] * 1.5 if len(steps) == 1 else (steps[0] + steps[1]) / 2
                else:
                    interval = steps[step]
            elif rating == Rating.GOOD and step + 1 < len(steps):
                step += 1
                interval = steps[step]
    elif rating == Rating.AGAIN and config.relearning_steps:
        phase, step = CardState.RELEARNING, 0
        interval = config.relearning_steps[0]

    if interval is None:
        phase, step = CardState.REVIEW, None
        days = _interval_days(stability, config)
        if rng is not None and config.fuzz:
            days = _fuzzed(days, rng, config)
        interval = timedelta(days=days)

    lapsed = state.state == CardState.REVIEW and rating == Rating.AGAIN
    new_state = SchedulingState(
        state=phase,
        step=step,
        stability=stability,
        difficulty=difficulty,
        due=now + interval,
        last_review=now,
        reps=state.reps + 1,
        lapses=state.lapses + (1 if lapsed else 0),
    )
    return new_state, interval


def review(
    state: SchedulingState,
    rating: Rating,
    now: datetime,
    rng: random.Random,
    config: SchedulerConfig = DEFAULT_CONFIG,
) -> SchedulingState:
    """The card's state after it is answered with `rating` at `now` (UTC).

    `state` is not changed. ``reps`` goes up by one and ``lapses`` by one when a REVIEW card
    is forgotten (AGAIN). A NEW card enters LEARNING. When the card gets an interval in days
    and ``config.fuzz`` is on, the interval is fuzzed with `rng`; to be able to replay the
    log exactly, pass ``fuzz_rng(card_id, state.reps)``.

    Raises ValueError when `now` (or the state's ``last_review``) is naive or not UTC.
    """
    return _review(state, rating, now, rng, config)[0]


def preview(
    state: SchedulingState,
    now: datetime,
    config: SchedulerConfig = DEFAULT_CONFIG,
    fuzz: Callable[[], random.Random] | None = None,
    ratings: Iterable[Rating] = tuple(Rating),
) -> dict[Rating, timedelta]:
    """The next interval for each rating (for "Again 1m / Good 10m / Easy 8d"), or for
    each of `ratings`.

    ``fuzz()`` gives a fresh generator for the review; pass
    ``lambda: fuzz_rng(card_id, state.reps)``, the generator that ``review`` is given when
    the card is answered, and each interval is exactly the one that answering at `now`
    saves. Without `fuzz` the intervals are not fuzzed.
    """
    if fuzz is None:
        return {rating: _review(state, rating, now, None, config)[1] for rating in ratings}
    first = _FirstDraw(fuzz)
    return {
        rating: _review(state, rating, now, _OneDraw(first), config)[1] for rating in ratings
    }


class _FirstDraw:
    """The first number of a fresh generator from `make`, drawn when it is first asked for:
    each rating's review would draw that same number from a generator of its own."""

    def __init__(self, make: Callable[[], random.Random]) -> None:
        self._make = make
        self._value: float | None = None

    def value(self) -> float:
        if self._value is None:
            self._value = self._make().random()
        return self._value


class _OneDraw:
    """A fresh generator for a review that draws from it once: it gives `first`'s number."""

    def __init__(self, first: _FirstDraw) -> None:
        self._first = first
        self._drawn = False

    def random(self) -> float:
        if self._drawn:
            raise AssertionError("a review draws one number from its generator")
        self._drawn = True
        return self._first.value()


def retrievability(
    state: SchedulingState, now: datetime, config: SchedulerConfig = DEFAULT_CONFIG
) -> float:
    """The predicted probability of recalling the card at `now` (0.0 for a card never seen).

    Elapsed time is in the learner's calendar days: 1.0 on the day of the last review.
    """
    _require_utc(now, "now")
    if state.state == CardState.NEW or state.stability is None or state.last_review is None:
        return 0.0
    _require_utc(state.last_review, "last_review")
    elapsed = calendar_days_between(state.last_review, now, config)
    return _forgetting_curve(elapsed, state.stability, config)


def fuzz_rng(card_id: int, review_number: int) -> random.Random:
    """The generator that fuzzes review number `review_number` (0-based) of card `card_id`.

    It depends only on its arguments (not on PYTHONHASHSEED), so a card's log replays to the
    same state. The number of a new review is the card's ``reps`` before it.
    """
    return random.Random(f"retain-fuzz:{card_id}:{review_number}")


@dataclass(frozen=True)
class LoggedReview:
    """One answer of a card's review log, as replay reads it.

    ``config`` holds the settings that were in force when the answer was made (None: the
    config given to ``replay``). An ``undone`` answer was taken back later by an undo entry
    of the log: replay skips it, as if it had never been given.
    """

    rating: Rating
    reviewed_at: datetime
    config: SchedulerConfig | None = None
    undone: bool = False


def replay(
    events: Iterable[tuple[Rating, datetime] | LoggedReview],
    config: SchedulerConfig = DEFAULT_CONFIG,
    rng_for: Callable[[int], random.Random] | None = None,
) -> SchedulingState:
    """Rebuild a card's state from its review log, given in the order the reviews were made.

    Each review is replayed with the settings it was made under (``LoggedReview.config``,
    or `config`), and undone answers are skipped. ``rng_for(n)`` gives the generator for
    review number `n` (0-based, counting the answers that stand); pass
    ``lambda n: fuzz_rng(card_id, n)`` to get the state that ``review`` gave when it was
    called with ``fuzz_rng(card_id, state.reps)``. Without ``rng_for`` nothing is fuzzed.
    """
    state = SchedulingState()
    number = 0
    for event in events:
        if isinstance(event, LoggedReview):
            if event.undone:
                continue
            rating, reviewed_at = event.rating, event.reviewed_at
            used = event.config if event.config is not None else config
        else:
            (rating, reviewed_at), used = event, config
        rng = rng_for(number) if rng_for is not None else None
        state = _review(state, rating, reviewed_at, rng, used)[0]
        number += 1
    return state


# --- display ----------------------------------------------------------------------------


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


def _one_decimal(value: float) -> str:
    text = f"{value:.1f}"
    return text.removesuffix(".0")


def format_interval(interval: timedelta) -> str:
    """A short label for an interval: "45s", "10m", "3h", "4d", "2.1mo", "1.3y".

    A month is 30 days and a year 365 days, as Anki shows them.
    """
    seconds = interval.total_seconds()
    if seconds < 0:
        return "-" + format_interval(-interval)
    if seconds < 59.5:
        return f"{_half_up(seconds)}s"
    minutes = _half_up(seconds / 60)
    if minutes < 60:
        return f"{minutes}m"
    hours = _half_up(seconds / 3600)
    if hours < 24:
        return f"{hours}h"
    days = seconds / 86400
    if _half_up(days) < 30:
        return f"{_half_up(days)}d"
    if days < 365:
        return f"{_one_decimal(days / 30)}mo"
    return f"{_one_decimal(days / 365)}y"
