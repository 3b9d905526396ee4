"""Fitting FSRS to the learner: the split by time, the choice of parameters, exact replay."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta

import pytest
from click.testing import CliRunner

from retain.cli import cli
from retain.collection import Collection
from retain.core.model import Rating
from retain.core.scheduling import DEFAULT_CONFIG, SchedulerConfig
from retain.fitting import MIN_REVIEWS, TimedReview, auc, log_loss, optimize, split_time
from tests.conftest import NOW, make_draft

CONFIG = SchedulerConfig(fuzz=False)


def simulated_log(cards: int, days: int, seed: int = 3) -> list[TimedReview]:
    """A learner who forgets faster than FSRS's defaults expect: recall halves in 2 days."""
    rng = random.Random(seed)
    log = []
    for card in range(cards):
        at = NOW + timedelta(minutes=card)
        log.append(TimedReview(card, Rating.GOOD, at, 8000))
        gap = 1
        while True:
            at += timedelta(days=gap)
            if at > NOW + timedelta(days=days):
                break
            recalled = rng.random() < 0.5 ** (gap / (2.0 + 0.5 * gap))
            log.append(TimedReview(card, Rating.GOOD if recalled else Rating.AGAIN, at, 9000))
            gap = gap * 2 if recalled else 1
    return sorted(log, key=lambda r: r.at)


def test_the_split_is_by_time() -> None:
    log = simulated_log(50, 30)
    cut = split_time(log)
    before = [r for r in log if r.at < cut]
    assert abs(len(before) - 0.8 * len(log)) <= 2


def test_metrics_of_perfect_and_useless_predictions() -> None:
    assert auc([0.9, 0.8, 0.1], [1, 1, 0]) == 1.0
    assert auc([0.5, 0.5], [1, 0]) == 0.5
    assert log_loss([0.5, 0.5], [1, 0]) > log_loss([0.9, 0.1], [1, 0])


def test_too_few_reviews_are_not_fitted() -> None:
    def never(
        reviews: Sequence[TimedReview], verbose: bool, config: SchedulerConfig
    ) -> tuple[float, ...]:
        raise AssertionError("no fit with too few reviews")

    report = optimize(simulated_log(10, 10), CONFIG, fit=never)
    assert report.parameters is None and report.reason is not None
    assert f"at least {MIN_REVIEWS}" in report.reason


def test_parameters_that_predict_better_are_taken_and_worse_ones_are_not() -> None:
    log = simulated_log(400, 60)
    faster = list(DEFAULT_CONFIG.parameters)
    faster[0:4] = [0.3, 0.6, 1.0, 3.0]  # lower initial stabilities: forgets faster

    def fit(
        reviews: Sequence[TimedReview], verbose: bool, config: SchedulerConfig
    ) -> tuple[float, ...]:
        assert max(r.at for r in reviews) < split_time(log)  # fitted on the oldest 80% only
        return tuple(faster)

    report = optimize(log, CONFIG, fit=fit)
    assert report.fitted is not None and report.defaults is not None
    assert report.fitted.log_loss < report.defaults.log_loss
    assert report.parameters == tuple(faster)
    # The learner correction, fitted on the same oldest 80%, predicts better still.
    assert report.corrected is not None and report.corrected.reviews == report.fitted.reviews
    assert report.corrected.log_loss < report.fitted.log_loss

    slower = list(DEFAULT_CONFIG.parameters)
    slower[0:4] = [20.0, 30.0, 50.0, 90.0]
    worse = optimize(log, CONFIG, fit=lambda reviews, verbose, config: tuple(slower))
    assert worse.parameters is None


def test_fitted_parameters_are_used_and_the_log_still_replays(collection: Collection) -> None:
    deck = collection.decks.import_deck(make_draft(3), now=NOW).deck
    first = collection.study.next_card(NOW, deck)
    assert first is not None
    collection.study.answer(first.card.id, Rating.GOOD, NOW)
    fitted = list(DEFAULT_CONFIG.parameters)
    fitted[2] = 9.0
    collection.set_parameters(fitted)
    assert collection.scheduler_config.parameters[2] == 9.0
    later = NOW + timedelta(days=3)
    for _ in range(6):
        item = collection.study.next_card(later, deck)
        if item is None:
            break
        collection.study.answer(item.card.id, Rating.GOOD, later)
        later += timedelta(minutes=11)
    assert collection.check().ok
    collection.set_parameters(None)
    assert collection.scheduler_config.parameters == DEFAULT_CONFIG.parameters
    assert collection.check().ok


def test_retain_optimize_with_few_reviews_keeps_the_defaults(tmp_path: object) -> None:
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "optimize"])
    assert result.exit_code == 0, result.output
    assert "Not enough reviews yet" in result.output
    assert "default parameters stay" in result.output


def test_calendar_times_count_the_learners_days() -> None:
    from datetime import UTC, datetime

    from retain.fitting import calendar_times

    config = SchedulerConfig(day_start_hour=4)
    at = [
        datetime(2026, 3, 2, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 3, 2, 0, tzinfo=UTC),  # before 4:00: the same learner day
        datetime(2026, 3, 3, 5, 0, tzinfo=UTC),  # the next day, 6 hours later
    ]
    times = calendar_times([TimedReview(1, Rating.GOOD, t) for t in at], config)
    assert [(b - a).days for a, b in zip(times, times[1:], strict=False)] == [0, 1]


def test_the_features_of_a_review_come_from_the_reviews_before_it_alone() -> None:
    from retain.fitting import RECALL_FEATURES, recall_features, replay_scored

    log = simulated_log(60, 40)
    full = recall_features(log, CONFIG)
    scored = replay_scored(log, CONFIG)
    assert len(full.rows) == len(scored.predicted) > 100
    assert all(len(row) == len(RECALL_FEATURES) for row in full.rows)
    # The first feature is FSRS's own prediction, as a logit.
    column = RECALL_FEATURES.index("logit_recall")
    for row, p in zip(full.rows, scored.predicted, strict=True):
        assert abs(row[column] - log_odds(p)) < 1e-9
    # Later reviews, whatever they are, change no earlier row.
    half = len(log) // 2
    changed = log[:half] + [
        TimedReview(r.card_id, Rating.AGAIN, r.at, 60_000) for r in log[half:]
    ]
    again = recall_features(changed, CONFIG)
    kept = sum(1 for k in full.index if k < half)
    assert again.rows[:kept] == full.rows[:kept]
    assert again.rows[kept:] != full.rows[kept:]


def log_odds(p: float) -> float:
    import math

    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def test_the_correction_predicts_the_newest_reviews_better_than_fsrs_alone() -> None:
    from retain.fitting import fit_correction, recall_features, replay_scored

    log = simulated_log(400, 60)  # a learner who forgets faster than the defaults expect
    cut = split_time(log)
    features = recall_features(log, CONFIG)
    before = [k for k, t in enumerate(features.at) if t < cut]
    after = [k for k, t in enumerate(features.at) if t >= cut]
    correction = fit_correction(
        [features.rows[k] for k in before], [features.recalled[k] for k in before]
    )
    corrected = correction.predict([features.rows[k] for k in after])
    outcomes = [features.recalled[k] for k in after]
    predicted = replay_scored(log, CONFIG).predicted
    fsrs_alone = [predicted[k] for k in after]
    assert all(0 < p < 1 for p in corrected)
    assert log_loss(corrected, outcomes) < log_loss(fsrs_alone, outcomes) - 0.01
    assert auc(corrected, outcomes) > 0.6


def test_a_heavy_penalty_predicts_the_share_recalled() -> None:
    from retain.fitting import fit_correction

    rows = [(float(k), float(k % 3)) for k in range(40)]
    recalled = [int(k % 4 != 0) for k in range(40)]
    correction = fit_correction(rows, recalled, penalty=1e9)
    for p in correction.predict(rows):
        assert abs(p - 0.75) < 1e-3
    # Without the penalty the features are used: recall follows k % 4 != 0 closely here.
    free = fit_correction([(float(k % 4 == 0),) for k in range(40)], recalled, penalty=0.01)
    assert free.predict([(1.0,)])[0] < 0.05 < 0.95 < free.predict([(0.0,)])[0]


def test_a_correction_needs_reviews_to_fit() -> None:
    from retain.fitting import fit_correction

    with pytest.raises(ValueError, match="no reviews"):
        fit_correction([], [])


def test_retain_optimize_shows_the_scores_of_the_correction(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retain import fitting
    from retain.fitting import FitReport, Scores

    def report(*args: object, **kwargs: object) -> FitReport:
        return FitReport(
            3000, 2400, 500,
            defaults=Scores(500, 0.46, 0.08, 0.64),
            fitted=Scores(500, 0.45, 0.07, 0.65),
            parameters=None,
            reason="the fitted parameters predict the newest reviews no better",
            corrected=Scores(500, 0.4321, 0.06, 0.6789),
        )

    monkeypatch.setattr(fitting, "optimize", report)
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "optimize"])
    assert result.exit_code == 0, result.output
    line = next(row for row in result.output.splitlines() if row.startswith("+ correction"))
    assert "0.4321" in line and "0.6789" in line
    assert "scheduling does not use it" in result.output
    assert "Kept the current parameters" in result.output


def test_retain_optimize_scores_the_corrected_predictions_the_benchmark_scores() -> None:
    from dataclasses import replace

    from retain.fitting import corrected_predictions

    log = simulated_log(300, 60)
    faster = list(DEFAULT_CONFIG.parameters)
    faster[0:4] = [0.3, 0.6, 1.0, 3.0]
    report = optimize(log, CONFIG, fit=lambda reviews, verbose, config: tuple(faster))
    cut = split_time(log)
    corrected = corrected_predictions(log, replace(CONFIG, parameters=tuple(faster)), cut)
    assert corrected.at and min(corrected.at) >= cut
    assert report.corrected == corrected.scores()
    assert report.fitted is not None and report.corrected.reviews == report.fitted.reviews
