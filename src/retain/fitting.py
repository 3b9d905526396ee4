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

The learner correction (`recall_features`, `fit_correction`) predicts recall better than
FSRS alone: a logistic regression over FSRS's prediction and what FSRS leaves out (how
long answers took, the hours since the card's last review, the learner's form today and
in this session, the time of day). It needs numpy only, and is fitted the same way: on
the oldest reviews, judged on the newest.
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
    corrected: Scores | None = None
    """The fitted parameters with the learner correction (`fit_correction`), fitted on the
    same oldest 80% and judged on the same newest reviews. Scheduling does not use it."""


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
    fitted_scored = replay_scored(ordered, fitted_config)
    fitted_scores = fitted_scored.scores(since=cut)
    better = fitted_scores.log_loss < defaults_scores.log_loss
    return FitReport(
        len(ordered), len(train), defaults_scores.reviews, defaults_scores, fitted_scores,
        parameters if better else None,
        reason=None if better else "the fitted parameters predict the newest reviews no better",
        corrected=corrected_predictions(ordered, fitted_config, cut).scores(),
    )


def corrected_predictions(
    reviews: Sequence[TimedReview], config: SchedulerConfig, cut: datetime
) -> Scored:
    """`config`'s predictions of the scored reviews from `cut` on, corrected by a
    `fit_correction` fitted on the scored reviews before `cut` alone (`reviews` in time
    order). `retain optimize` and ``benchmarks/recall_prediction.py`` both score this."""
    features = recall_features(reviews, config)
    scored = replay_scored(reviews, config)
    before = [k for k, t in enumerate(features.at) if t < cut]
    after = [k for k, t in enumerate(features.at) if t >= cut]
    correction = fit_correction(
        [features.rows[k] for k in before], [features.recalled[k] for k in before]
    )
    return Scored(
        correction.predict([features.rows[k] for k in after]),
        [features.recalled[k] for k in after],
        [scored.bins[k] for k in after],
        [features.at[k] for k in after],
    )


# --- the learner correction -------------------------------------------------------------

CORRECTION_PENALTY = 30.0
"""The L2 penalty of `fit_correction` on the standardised features. It was chosen, with the
features, on time splits of the oldest 80% of a real learner's log alone (see
`benchmarks/recall_prediction.py`)."""
SESSION_BREAK = timedelta(minutes=30)
"""A pause this long between two reviews ends a study session."""
FORM_WINDOW = 50

RECALL_FEATURES: tuple[str, ...] = (
    "logit_recall",
    "log_days_elapsed",
    "log_stability",
    "difficulty",
    "last_again",
    "last_hard",
    "last_easy",
    "log_reviews",
    "log_lapses",
    "again_share",
    "form",
    "log_last_seconds",
    "log_mean_seconds",
    "recall_at_last_review",
    "log_reviews_last_day",
    "log_reviews_today",
    "log_elapsed_over_stability",
    "session_form",
    "log_hours_elapsed",
    "time_of_day_sin",
    "time_of_day_cos",
    "log_days_since_first_review",
)
"""The names of the columns of `RecallFeatures.rows`, in order."""


@dataclass(frozen=True)
class RecallFeatures:
    """One row per scored review (on a later calendar day than the card's previous one)."""

    rows: list[tuple[float, ...]]
    recalled: list[int]
    index: list[int]
    """Each row's position in the reviews it was computed from."""
    at: list[datetime]


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def recall_features(reviews: Sequence[TimedReview], config: SchedulerConfig) -> RecallFeatures:
    """The features of every scored review in `reviews` (in time order), each computed from
    the reviews before it alone, so a row never changes when later reviews are added.

    They are FSRS's predicted recall (with `config`'s parameters) and what FSRS leaves out:
    the card's state (days and hours elapsed, stability, difficulty, last rating, reviews,
    lapses, share of Again answers, days since its first review, its recall predicted at
    its previous review, its reviews on its last day), how long the card's answers took,
    and the learner's form: the share recalled of their last 50 scored reviews and of
    those in this session, their reviews so far today, and the time of day."""
    import random

    rng = random.Random(0)
    unfuzzed = config if not config.fuzz else _unfuzzed(config)
    states: dict[int, SchedulingState] = {}
    last_rating: dict[int, Rating] = {}
    reps: dict[int, int] = {}
    agains: dict[int, int] = {}
    lapses: dict[int, int] = {}
    took: dict[int, float] = {}
    took_total: dict[int, float] = {}
    first_review: dict[int, datetime] = {}
    recall_before: dict[int, float] = {}
    day_reviews: dict[int, int] = {}
    recent: list[int] = []
    session: list[int] = []
    previous_at: datetime | None = None
    today: tuple[object, int] = (None, 0)
    found = RecallFeatures([], [], [], [])
    for k, item in enumerate(reviews):
        card = item.card_id
        if previous_at is None or item.at - previous_at > SESSION_BREAK:
            session = []
        day = learner_day(item.at, unfuzzed)
        state = states.get(card, SchedulingState())
        elapsed = (
            calendar_days_between(state.last_review, item.at, unfuzzed)
            if state.last_review is not None
            else 0
        )
        if state.last_review is not None and elapsed > 0:
            n = reps.get(card, 0)
            stability = max(state.stability or 0.01, 0.01)
            last = last_rating[card]
            window = recent[-FORM_WINDOW:]
            form = (sum(window) + 0.85 * 5) / (len(window) + 5)
            hour = item.at.astimezone(unfuzzed.tz)
            angle = 2 * math.pi * (hour.hour + hour.minute / 60) / 24
            found.rows.append(
                (
                    _logit(retrievability(state, item.at, unfuzzed)),
                    math.log(elapsed),
                    math.log(stability),
                    float(state.difficulty or 5.0),
                    float(last == Rating.AGAIN),
                    float(last == Rating.HARD),
                    float(last == Rating.EASY),
                    math.log1p(n),
                    math.log1p(lapses.get(card, 0)),
                    (agains.get(card, 0) + 0.2) / (n + 1.0),
                    math.log(form / (1 - form)),
                    math.log(took[card]),
                    math.log(took_total[card] / (n or 1)),
                    recall_before.get(card, 0.0),
                    math.log(day_reviews.get(card, 1)),
                    math.log1p(today[1]) if today[0] == day else 0.0,
                    math.log(elapsed / stability),
                    _logit((sum(session) + 0.85 * 3) / (len(session) + 3)),
                    math.log((item.at - state.last_review).total_seconds() / 3600),
                    math.sin(angle),
                    math.cos(angle),
                    math.log1p((item.at - first_review[card]).total_seconds() / 86400),
                )
            )
            outcome = int(item.rating != Rating.AGAIN)
            found.recalled.append(outcome)
            found.index.append(k)
            found.at.append(item.at)
            recent.append(outcome)
            session.append(outcome)
            if item.rating == Rating.AGAIN:
                lapses[card] = lapses.get(card, 0) + 1
        if state.last_review is not None:
            recall_before[card] = retrievability(state, item.at, unfuzzed)
        same_day = state.last_review is not None and elapsed == 0
        day_reviews[card] = day_reviews.get(card, 0) + 1 if same_day else 1
        today = (day, today[1] + 1) if today[0] == day else (day, 1)
        states[card] = review(state, item.rating, item.at, rng, unfuzzed)
        seconds = min(max((item.duration_ms or 10_000) / 1000, 1.0), 300.0)
        took[card] = seconds
        took_total[card] = took_total.get(card, 0.0) + seconds
        first_review.setdefault(card, item.at)
        last_rating[card] = item.rating
        reps[card] = reps.get(card, 0) + 1
        agains[card] = agains.get(card, 0) + int(item.rating == Rating.AGAIN)
        previous_at = item.at
    return found


@dataclass(frozen=True)
class RecallCorrection:
    """A logistic regression over `RECALL_FEATURES`, standardised by `mean` and `spread`."""

    mean: tuple[float, ...]
    spread: tuple[float, ...]
    intercept: float
    weights: tuple[float, ...]

    def predict(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """The probability of recall for each row of features."""
        import numpy as np

        if not rows:
            return []
        x = (np.asarray(rows, dtype=np.float64) - self.mean) / np.asarray(self.spread)
        z = self.intercept + x @ np.asarray(self.weights)
        return [float(p) for p in 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))]


def fit_correction(
    rows: Sequence[Sequence[float]],
    recalled: Sequence[int],
    penalty: float = CORRECTION_PENALTY,
) -> RecallCorrection:
    """Fit a `RecallCorrection` to `rows` and their outcomes by Newton's method. Features
    are standardised on `rows`; `penalty` is the L2 penalty on every weight but the
    intercept, which keeps the weights small when the reviews are few."""
    import numpy as np

    if not rows:
        raise ValueError("no reviews to fit a correction to")
    raw = np.asarray(rows, dtype=np.float64)
    y = np.asarray(recalled, dtype=np.float64)
    mean = raw.mean(axis=0)
    spread = raw.std(axis=0)
    spread[spread == 0] = 1.0
    x = np.hstack([np.ones((len(raw), 1)), (raw - mean) / spread])
    penalties = np.full(x.shape[1], float(penalty))
    penalties[0] = 0.0
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (p - y) + penalties * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalties)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return RecallCorrection(
        tuple(float(v) for v in mean),
        tuple(float(v) for v in spread),
        float(w[0]),
        tuple(float(v) for v in w[1:]),
    )
