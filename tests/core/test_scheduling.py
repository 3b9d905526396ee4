"""The scheduling wrapper: exact histories, calendar days, fuzz, replay, and agreement with fsrs."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import fsrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retain.core.model import CardState, Rating, SchedulingState
from retain.core.scheduling import (
    DEFAULT_CONFIG,
    SchedulerConfig,
    calendar_days_between,
    format_interval,
    fuzz_range,
    fuzz_rng,
    learner_day,
    next_day_start,
    preview,
    replay,
    retrievability,
    review,
)

NOW = datetime(2022, 11, 29, 12, 30, tzinfo=UTC)
NO_FUZZ = SchedulerConfig(fuzz=False)

ratings = st.sampled_from(list(Rating))


def _rng() -> random.Random:
    return random.Random(0)


def _run(
    ratings_: list[int], start: datetime = NOW, config: SchedulerConfig = NO_FUZZ
) -> list[int]:
    """Answer each rating when the card falls due; return the whole days of each interval."""
    state = SchedulingState()
    now = start
    intervals = []
    for value in ratings_:
        state = review(state, Rating(value), now, _rng(), config)
        assert state.due is not None
        intervals.append((state.due - now).days)
        now = state.due
    return intervals


# --- exact histories --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratings_", "expected"),
    [
        (
            [3, 3, 3, 3, 3, 3, 1, 1, 3, 3, 3, 3, 3],
            [0, 2, 11, 46, 163, 498, 0, 0, 2, 4, 7, 12, 21],
        ),
        ([4, 4, 4, 4], [8, 66, 397, 1875]),
        ([1, 1, 3, 3, 3], [0, 0, 0, 1, 1]),
        ([2, 3, 3, 2, 1, 3], [0, 0, 1, 3, 0, 1]),
        ([3, 3, 2, 2, 2, 4, 1, 3], [0, 2, 8, 19, 36, 103, 0, 4]),
    ],
)
def test_interval_history_with_a_fixed_clock_and_no_fuzz(
    ratings_: list[int], expected: list[int]
) -> None:
    assert _run(ratings_) == expected


def test_first_review_enters_learning_and_counts() -> None:
    state = review(SchedulingState(), Rating.GOOD, NOW, _rng(), NO_FUZZ)
    assert state.state == CardState.LEARNING
    assert state.step == 1
    assert state.reps == 1
    assert state.lapses == 0
    assert state.last_review == NOW
    assert state.due == NOW + timedelta(minutes=10)
    assert state.due.tzinfo == UTC


def test_forgetting_a_review_card_is_a_lapse() -> None:
    state = SchedulingState()
    now = NOW
    for rating in (Rating.GOOD, Rating.GOOD):
        state = review(state, rating, now, _rng(), NO_FUZZ)
        assert state.due is not None
        now = state.due
    assert state.state == CardState.REVIEW
    lapsed = review(state, Rating.AGAIN, now, _rng(), NO_FUZZ)
    assert (lapsed.state, lapsed.step, lapsed.reps, lapsed.lapses) == (
        CardState.RELEARNING,
        0,
        3,
        1,
    )
    # Again while relearning is no further lapse.
    again = review(lapsed, Rating.AGAIN, now + timedelta(minutes=10), _rng(), NO_FUZZ)
    assert (again.reps, again.lapses) == (4, 1)


def test_review_does_not_change_its_argument() -> None:
    state = SchedulingState()
    review(state, Rating.EASY, NOW, _rng(), NO_FUZZ)
    assert state == SchedulingState()


# --- time checks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        datetime(2024, 1, 1, 12, 0),
        datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_naive_or_non_utc_time_is_rejected(bad: datetime) -> None:
    with pytest.raises(ValueError, match="UTC"):
        review(SchedulingState(), Rating.GOOD, bad, _rng(), NO_FUZZ)
    with pytest.raises(ValueError, match="UTC"):
        preview(SchedulingState(), bad, NO_FUZZ)
    reviewed = review(SchedulingState(), Rating.GOOD, NOW, _rng(), NO_FUZZ)
    with pytest.raises(ValueError, match="UTC"):
        retrievability(reviewed, bad, NO_FUZZ)
    with pytest.raises(ValueError, match="UTC"):
        review(replace(reviewed, last_review=bad), Rating.GOOD, NOW, _rng(), NO_FUZZ)


# --- calendar days ----------------------------------------------------------------------


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("earlier", "later", "days"),
    [
        (_at(1, 23), _at(2, 5), 1),  # late evening, then next morning
        (_at(1, 4, 30), _at(2, 0, 30), 0),  # 20 hours later, before the day starts at 4:00
        (_at(1, 3, 59), _at(1, 4, 0), 1),  # a minute across the day start
        (_at(1, 12), _at(8, 11), 7),
        (_at(2, 12), _at(1, 12), 0),  # never negative
    ],
)
def test_calendar_days_between(earlier: datetime, later: datetime, days: int) -> None:
    assert calendar_days_between(earlier, later, DEFAULT_CONFIG) == days


def test_learner_day_follows_the_timezone_and_day_start() -> None:
    new_york_winter = SchedulerConfig(tz=timezone(timedelta(hours=-5)))
    # 08:30 UTC is 03:30 in UTC-5: still the learner's previous day.
    assert learner_day(_at(10, 8, 30), new_york_winter) == date(2024, 5, 9)
    assert learner_day(_at(10, 9, 0), new_york_winter) == date(2024, 5, 10)
    midnight = SchedulerConfig(day_start_hour=0)
    assert learner_day(_at(10, 0, 0), midnight) == date(2024, 5, 10)
    assert next_day_start(_at(10, 8, 30), new_york_winter) == _at(10, 9, 0)
    assert next_day_start(_at(10, 2, 0)) == _at(10, 4, 0)
    assert next_day_start(_at(10, 4, 0)) == _at(11, 4, 0)


def _graduated(at: datetime) -> SchedulingState:
    return review(SchedulingState(), Rating.EASY, at, _rng(), NO_FUZZ)


def test_late_evening_then_next_morning_is_one_day() -> None:
    card = _graduated(_at(1, 23))
    assert card.stability is not None
    morning = _at(2, 5)
    expected_recall = (1 + NO_FUZZ.factor * 1 / card.stability) ** NO_FUZZ.decay
    assert retrievability(card, morning, NO_FUZZ) == pytest.approx(expected_recall)
    assert retrievability(card, morning, NO_FUZZ) < 1.0
    # The long-term update: the same state as a review a full day later.
    after_morning = review(card, Rating.GOOD, morning, _rng(), NO_FUZZ)
    after_full_day = review(card, Rating.GOOD, _at(2, 23), _rng(), NO_FUZZ)
    assert after_morning.stability == after_full_day.stability
    assert after_morning.difficulty == after_full_day.difficulty
    assert after_morning.stability is not None
    assert after_morning.stability > card.stability * 1.5


def test_twenty_hours_on_the_same_calendar_day_is_zero_days() -> None:
    card = _graduated(_at(1, 4, 30))
    late = _at(2, 0, 30)
    assert retrievability(card, late, NO_FUZZ) == 1.0
    # The short-term update: the same state as a review a minute later.
    after_late = review(card, Rating.GOOD, late, _rng(), NO_FUZZ)
    after_minute = review(card, Rating.GOOD, _at(1, 4, 31), _rng(), NO_FUZZ)
    assert after_late.stability == after_minute.stability
    assert after_late.difficulty == after_minute.difficulty


def test_new_card_has_no_recall() -> None:
    assert retrievability(SchedulingState(), NOW, NO_FUZZ) == 0.0


# --- agreement with fsrs ----------------------------------------------------------------

# A review plan: (rating, whole days later, minutes later). The minutes add up to at most
# 14 * 30 minutes after 10:00, so every review stays between 10:00 and 17:00 UTC: there,
# 24-hour periods and calendar days (day start 4:00 UTC) count the same.
plans = st.lists(
    st.tuples(
        ratings,
        st.one_of(st.just(0), st.integers(min_value=1, max_value=400)),
        st.integers(min_value=0, max_value=30),
    ),
    min_size=1,
    max_size=14,
)


@settings(deadline=None, max_examples=200)
@given(plans)
def test_agrees_with_fsrs_when_days_and_24_hour_periods_agree(
    plan: list[tuple[Rating, int, int]],
) -> None:
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    start = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    theirs = fsrs.Card(card_id=1, due=start)
    ours = SchedulingState()
    now = start
    for rating, days, minutes in plan:
        now += timedelta(days=days, minutes=minutes)
        assert retrievability(ours, now, NO_FUZZ) == scheduler.get_card_retrievability(theirs, now)
        theirs, _ = scheduler.review_card(theirs, fsrs.Rating(int(rating)), now)
        ours = review(ours, rating, now, _rng(), NO_FUZZ)
        assert int(ours.state) == int(theirs.state)
        assert ours.step == theirs.step
        assert ours.stability == theirs.stability
        assert ours.difficulty == theirs.difficulty
        assert ours.due == theirs.due
        assert ours.last_review == theirs.last_review


# --- fuzz -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interval", "low", "high"),
    [(1, 1, 1), (2, 2, 2), (3, 2, 4), (7, 5, 9), (20, 17, 23), (100, 93, 107)],
)
def test_fuzz_range(interval: int, low: int, high: int) -> None:
    assert fuzz_range(interval) == (low, high)


def _review_card(config: SchedulerConfig) -> SchedulingState:
    """A REVIEW card whose next Good interval is about 45 days."""
    state = SchedulingState()
    now = NOW
    for rating in (Rating.GOOD, Rating.GOOD, Rating.GOOD):
        state = review(state, rating, now, _rng(), NO_FUZZ)
        assert state.due is not None
        now = state.due
    return state


def test_fuzz_is_deterministic_and_stays_in_range() -> None:
    config = SchedulerConfig(fuzz=True)
    card = _review_card(config)
    assert card.due is not None
    when = card.due
    plain = preview(card, when, config)[Rating.GOOD].days
    low, high = fuzz_range(plain, config)
    assert (low, high) != (plain, plain)
    seen = set()
    for seed in range(300):
        first = review(card, Rating.GOOD, when, random.Random(seed), config)
        second = review(card, Rating.GOOD, when, random.Random(seed), config)
        assert first == second
        assert first.due is not None
        days = (first.due - when).days
        assert low <= days <= high
        seen.add(days)
    assert seen == set(range(low, high + 1))


def test_fuzz_does_not_touch_the_global_generator() -> None:
    card = _review_card(DEFAULT_CONFIG)
    assert card.due is not None
    before = random.getstate()
    review(card, Rating.GOOD, card.due, random.Random(1), DEFAULT_CONFIG)
    assert random.getstate() == before


def test_fuzz_off_ignores_the_generator() -> None:
    card = _review_card(NO_FUZZ)
    assert card.due is not None
    results = {review(card, Rating.GOOD, card.due, random.Random(s), NO_FUZZ) for s in range(20)}
    assert len(results) == 1


def test_fuzz_rng_depends_only_on_card_and_review_number() -> None:
    assert fuzz_rng(7, 3).random() == fuzz_rng(7, 3).random()
    assert fuzz_rng(7, 3).random() != fuzz_rng(7, 4).random()
    assert fuzz_rng(7, 3).random() != fuzz_rng(8, 3).random()


# --- replay -----------------------------------------------------------------------------

logs = st.lists(
    st.tuples(ratings, st.integers(min_value=0, max_value=60 * 24 * 90)),
    min_size=0,
    max_size=25,
)


@settings(deadline=None, max_examples=150)
@given(logs, st.integers(min_value=1, max_value=10**12))
def test_replay_equals_review_step_by_step(log: list[tuple[Rating, int]], card_id: int) -> None:
    config = SchedulerConfig(fuzz=True)
    state = SchedulingState()
    now = NOW
    events = []
    for rating, minutes_later in log:
        now += timedelta(minutes=minutes_later)
        state = review(state, rating, now, fuzz_rng(card_id, state.reps), config)
        events.append((rating, now))
    assert replay(events, config, lambda n: fuzz_rng(card_id, n)) == state


def test_replay_without_generators_does_not_fuzz() -> None:
    events = [(Rating.GOOD, NOW), (Rating.GOOD, NOW + timedelta(minutes=10))]
    events.append((Rating.GOOD, NOW + timedelta(days=3)))
    fuzzed = SchedulerConfig(fuzz=True)
    assert replay(events, fuzzed) == replay(events, NO_FUZZ)


# --- preview ----------------------------------------------------------------------------


def test_preview_of_a_new_card() -> None:
    labels = {r: format_interval(t) for r, t in preview(SchedulingState(), NOW, NO_FUZZ).items()}
    assert labels == {Rating.AGAIN: "1m", Rating.HARD: "6m", Rating.GOOD: "10m", Rating.EASY: "8d"}


def test_preview_matches_review_without_fuzz() -> None:
    card = _review_card(NO_FUZZ)
    assert card.due is not None
    for rating, interval in preview(card, card.due, NO_FUZZ).items():
        after = review(card, rating, card.due, _rng(), NO_FUZZ)
        assert after.due == card.due + interval


@settings(deadline=None, max_examples=150)
@given(logs, st.integers(min_value=0, max_value=60 * 24 * 400))
def test_preview_is_ordered(log: list[tuple[Rating, int]], minutes_later: int) -> None:
    state = SchedulingState()
    now = NOW
    for rating, gap in log:
        now += timedelta(minutes=gap)
        state = review(state, rating, now, _rng(), NO_FUZZ)
    now += timedelta(minutes=minutes_later)
    intervals = preview(state, now, NO_FUZZ)
    assert (
        intervals[Rating.AGAIN]
        <= intervals[Rating.HARD]
        <= intervals[Rating.GOOD]
        <= intervals[Rating.EASY]
    )


# --- config and display -----------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"parameters": (0.1,) * 5},
        {"parameters": (1000.0,) * 21},
        {"desired_retention": 1.0},
        {"maximum_interval": 0},
        {"day_start_hour": 24},
        {"learning_steps": (timedelta(0),)},
    ],
)
def test_config_rejects_nonsense(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SchedulerConfig(**bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("interval", "label"),
    [
        (timedelta(seconds=0), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=1), "1m"),
        (timedelta(minutes=5, seconds=30), "6m"),
        (timedelta(minutes=10), "10m"),
        (timedelta(minutes=59, seconds=50), "1h"),
        (timedelta(hours=3), "3h"),
        (timedelta(hours=23, minutes=50), "1d"),
        (timedelta(days=4), "4d"),
        (timedelta(days=29), "29d"),
        (timedelta(days=63), "2.1mo"),
        (timedelta(days=90), "3mo"),
        (timedelta(days=475), "1.3y"),
        (timedelta(days=730), "2y"),
        (timedelta(minutes=-10), "-10m"),
    ],
)
def test_format_interval(interval: timedelta, label: str) -> None:
    assert format_interval(interval) == label


def test_day_start_follows_daylight_saving_time() -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        new_york = zoneinfo.ZoneInfo("America/New_York")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no time zone database")
    config = SchedulerConfig(tz=new_york)
    # 4:00 local is 09:00 UTC in winter (EST) and 08:00 UTC from 10 March 2024 (EDT).
    assert next_day_start(datetime(2024, 3, 9, 12, 0, tzinfo=UTC), config) == datetime(
        2024, 3, 10, 8, 0, tzinfo=UTC
    )
    assert next_day_start(datetime(2024, 3, 8, 12, 0, tzinfo=UTC), config) == datetime(
        2024, 3, 9, 9, 0, tzinfo=UTC
    )
    assert learner_day(datetime(2024, 3, 10, 7, 59, tzinfo=UTC), config) == date(2024, 3, 9)
    assert learner_day(datetime(2024, 3, 10, 8, 0, tzinfo=UTC), config) == date(2024, 3, 10)
