"""FSRS parameters fitted to the learner's own reviews (`retain optimize`).

The fit is py-fsrs's own optimizer (``fsrs.Optimizer``, from the ``optimizer`` extra:
``pip install 'retain[optimizer]'``, which brings torch; the base install does not need
it). The reviews are split by time: the parameters are fitted on the oldest 80% and judged
on the newest 20%, where they predict each review from the whole history before it, as
retain schedules (elapsed time in the learner's calendar days). The fitted parameters are
used only when they predict the held-out reviews better than the defaults.

Once adopted they are a setting of the collection, and every answer from then on records
the scheduler settings it was made under (`scheduler_configs`), so `retain check` replays
each answer with the parameters in force when it was made.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from retain.core.model import Rating, SchedulingState
from retain.core.scheduling import (
    SchedulerConfig,
    calendar_days_between,
    learner_day,
    retrievability,
    review,
)
from retain.errors import CollectionError

TRAIN_SHARE = 0.8
MIN_REVIEWS = 1000
"""Fewer reviews than this (on a later day than the card's previous one) are too few to fit."""
EPSILON = 1e-15


@dataclass(frozen=True)
class TimedReview:
    card_id: int
    rating: Rating
    at: datetime
    duration_ms: int | None = None


@dataclass(frozen=True)
class Scores:
    """How well a predictor did on a set of reviews."""

    reviews: int
    log_loss: float
    rmse_bins: float
    auc: float


@dataclass(frozen=True)
class FitReport:
    reviews: int
    train_reviews: int
    held_out: int
    defaults: Scores | None
    fitted: Scores | None
    parameters: tuple[float, ...] | None
    """The fitted parameters when they beat the defaults on the held-out reviews."""
    reason: str | None = None
    """Why nothing was fitted, or why the fit was not used."""


# --- scoring ----------------------------------------------------------------------------


def _log_bin(value: float, base: float, scale: float, digits: int) -> float:
    return round(scale * base ** math.floor(math.log(value) / math.log(base)), digits)


def srs_benchmark_bin(
    elapsed_days: int, review_number: int, lapses: int
) -> tuple[float, float, float]:
    """The groups of srs-benchmark's RMSE(bins): elapsed days, review number, lapses."""
    return (
        _log_bin(elapsed_days, 3.62, 2.48, 2),
        _log_bin(review_number, 1.89, 1.99, 0),
        _log_bin(lapses, 1.73, 1.65, 0) if lapses else 0.0,
    )


def log_loss(predicted: Sequence[float], recalled: Sequence[int]) -> float:
    total = 0.0
    for p, y in zip(predicted, recalled, strict=True):
        p = min(max(p, EPSILON), 1 - EPSILON)
        total -= math.log(p) if y else math.log(1 - p)
    return total / len(predicted)


def rmse_bins(
    predicted: Sequence[float], recalled: Sequence[int], bins: Sequence[tuple[float, ...]]
) -> float:
    groups: dict[tuple[float, ...], list[tuple[float, int]]] = {}
    for features, p, y in zip(bins, predicted, recalled, strict=True):
        groups.setdefault(features, []).append((p, y))
    squared = 0.0
    for members in groups.values():
        mean_p = sum(p for p, _ in members) / len(members)
        mean_y = sum(y for _, y in members) / len(members)
        squared += (mean_y - mean_p) ** 2 * len(members)
    return math.sqrt(squared / len(predicted))


def auc(predicted: Sequence[float], recalled: Sequence[int]) -> float:
    """The Mann-Whitney statistic, ties counted half."""
    order = sorted(range(len(predicted)), key=lambda k: predicted[k])
    ranks = [0.0] * len(predicted)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and predicted[order[end + 1]] == predicted[order[start]]:
            end += 1
        for k in order[start : end + 1]:
            ranks[k] = (start + end) / 2 + 1
        start = end + 1
    positives = sum(recalled)
    negatives = len(recalled) - positives
    if not positives or not negatives:
        return 0.5
    rank_sum = sum(rank for rank, y in zip(ranks, recalled, strict=True) if y)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


@dataclass
class Scored:
    """Predictions, outcomes and bins of the scored reviews, with their times."""

    predicted: list[float]
    recalled: list[int]
    bins: list[tuple[float, float, float]]
    at: list[datetime]

    def scores(self, since: datetime | None = None) -> Scores:
        keep = [k for k, t in enumerate(self.at) if since is None or t >= since]
        p = [self.predicted[k] for k in keep]
        y = [self.recalled[k] for k in keep]
        b = [self.bins[k] for k in keep]
        return Scores(len(p), log_loss(p, y), rmse_bins(p, y, b), auc(p, y))


def replay_scored(reviews: Sequence[TimedReview], config: SchedulerConfig) -> Scored:
    """Replay `reviews` (in time order) through retain's scheduler; before each review on a
    later calendar day than the card's previous one, record the predicted recall with the
    outcome (recalled: Hard, Good or Easy), as srs-benchmark scores."""
    import random

    rng = random.Random(0)  # fuzz is off; it never changes predictions
    unfuzzed = config if not config.fuzz else _unfuzzed(config)
    states: dict[int, SchedulingState] = {}
    counts: dict[int, int] = {}
    lapses: dict[int, int] = {}
    scored = Scored([], [], [], [])
    for item in reviews:
        state = states.get(item.card_id, SchedulingState())
        number = counts.get(item.card_id, 0) + 1
        if state.last_review is not None:
            elapsed = calendar_days_between(state.last_review, item.at, unfuzzed)
            if elapsed > 0:
                scored.predicted.append(retrievability(state, item.at, unfuzzed))
                scored.recalled.append(int(item.rating != Rating.AGAIN))
                scored.bins.append(srs_benchmark_bin(elapsed, number, lapses.get(item.card_id, 0)))
                scored.at.append(item.at)
                if item.rating == Rating.AGAIN:
                    lapses[item.card_id] = lapses.get(item.card_id, 0) + 1
        states[item.card_id] = review(state, item.rating, item.at, rng, unfuzzed)
        counts[item.card_id] = number
    return scored


def _unfuzzed(config: SchedulerConfig) -> SchedulerConfig:
    from dataclasses import replace

    return replace(config, fuzz=False)


def split_time(reviews: Sequence[TimedReview], share: float = TRAIN_SHARE) -> datetime:
    """The time that splits `reviews` (in time order): the first `share` are before it."""
    return reviews[min(len(reviews) - 1, int(len(reviews) * share))].at


# --- fitting ----------------------------------------------------------------------------


def calendar_times(
    reviews: Sequence[TimedReview], config: SchedulerConfig
) -> list[datetime]:
    """Times for py-fsrs that count elapsed time as retain does: each review (in time
    order) is put at midnight UTC of its learner day, plus its number in the log in
    microseconds. py-fsrs counts whole 24-hour periods between two times, which is then
    exactly the number of the learner's calendar days between them (a later review always
    has the larger number, and the numbers add up to less than a day)."""
    return [
        datetime.combine(learner_day(r.at, config), time(0), tzinfo=UTC)
        + timedelta(microseconds=k)
        for k, r in enumerate(reviews)
    ]


def fit_parameters(
    reviews: Sequence[TimedReview],
    verbose: bool = False,
    config: SchedulerConfig | None = None,
) -> tuple[float, ...]:
    """FSRS-6 parameters fitted to `reviews` (in time order) by py-fsrs's optimizer (needs
    torch), with elapsed time in the calendar days of `config` (see `calendar_times`)."""
    try:
        import fsrs
        from fsrs.optimizer import Optimizer
    except ImportError as error:  # pragma: no cover - depends on the install
        raise CollectionError(
            "fitting needs the optimizer extra: pip install 'retain[optimizer]'"
        ) from error
    try:
        times = calendar_times(reviews, config or SchedulerConfig())
        logs = [
            fsrs.ReviewLog(
                card_id=r.card_id,
                rating=fsrs.Rating(int(r.rating)),
                review_datetime=at,
                review_duration=r.duration_ms,
            )
            for r, at in zip(reviews, times, strict=True)
        ]
        return tuple(float(w) for w in Optimizer(logs).compute_optimal_parameters(verbose))
    except (NameError, ImportError) as error:
        # Without torch, fsrs defines a stand-in Optimizer that raises ImportError (or, in
        # some releases, fails with NameError) when it is made.
        raise CollectionError(
            "fitting needs the optimizer extra: pip install 'retain[optimizer]'"
        ) from error


def optimize(
    reviews: Sequence[TimedReview],
    config: SchedulerConfig,
    *,
    verbose: bool = False,
    fit: Callable[[Sequence[TimedReview], bool, SchedulerConfig], tuple[float, ...]] = (
        fit_parameters
    ),
) -> FitReport:
    """Fit on the oldest 80% of `reviews` (in time order), judge on the newest 20% against
    `config`'s parameters; `FitReport.parameters` is set only when the fit is better."""
    from dataclasses import replace

    ordered = sorted(reviews, key=lambda r: r.at)
    baseline = replay_scored(ordered, config)
    if len(baseline.predicted) < MIN_REVIEWS:
        return FitReport(
            len(ordered), 0, 0, None, None, None,
            reason=(
                f"{len(baseline.predicted)} reviews on a later day than the card's previous "
                f"review; at least {MIN_REVIEWS} are needed to fit parameters"
            ),
        )
    cut = split_time(ordered)
    train = [r for r in ordered if r.at < cut]
    parameters = fit(train, verbose, config)
    fitted_config = replace(config, parameters=parameters)
    defaults_scores = baseline.scores(since=cut)
    fitted_scores = replay_scored(ordered, fitted_config).scores(since=cut)
    better = fitted_scores.log_loss < defaults_scores.log_loss
    return FitReport(
        len(ordered), len(train), defaults_scores.reviews, defaults_scores, fitted_scores,
        parameters if better else None,
        reason=None if better else "the fitted parameters predict the newest reviews no better",
    )
