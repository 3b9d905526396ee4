"""The exam planner on small cases whose best plan is known; time is passed in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from retain.core.model import Rating, SchedulingState
from retain.core.planner import (
    PROBE_ANSWERS,
    PROBE_FIRST,
    PlanInput,
    ReviewCosts,
    StudyBudget,
    budget_for_target,
    memory_fit,
    plan_exam,
    readiness,
    skipped_day_cost,
    study_days,
)
from retain.core.scheduling import SchedulerConfig, replay, retrievability

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)  # a Tuesday
CONFIG = SchedulerConfig(fuzz=False)
COSTS = ReviewCosts(first_sight=60.0, recalled=10.0, forgotten=30.0)


def new_cards(count: int, start: int = 0) -> list[PlanInput]:
    return [PlanInput(start + k, SchedulingState()) for k in range(count)]


def reviewed(card_id: int, days_ago: int, ratings: int = 1) -> PlanInput:
    """A card answered Good `ratings` times, a day apart, the last `days_ago` days ago."""
    first = NOW - timedelta(days=days_ago + ratings - 1)
    state = replay([(Rating.GOOD, first + timedelta(days=k)) for k in range(ratings)], CONFIG)
    return PlanInput(card_id, state)


def test_study_days_run_to_the_day_before_the_exam() -> None:
    days = study_days(NOW, datetime(2027, 6, 4, 9, 0, tzinfo=UTC), CONFIG)
    assert days == [date(2027, 6, 1), date(2027, 6, 2), date(2027, 6, 3)]


def test_every_new_card_is_seen_when_the_budget_allows_it() -> None:
    # 2 first sights a day (120 s), 5 days: 10 cards, all seen, in their order, 2 a day.
    plan = plan_exam(new_cards(10), NOW, NOW + timedelta(days=5), StudyBudget(2.0), COSTS, CONFIG)
    assert [d.new for d in plan.days] == [2, 2, 2, 2, 2]
    assert plan.today is not None and plan.today.card_ids == (0, 1)
    assert plan.unseen_at_exam == 0 and plan.warning is None


def test_a_budget_too_small_for_the_deck_is_warned_about() -> None:
    plan = plan_exam(new_cards(10), NOW, NOW + timedelta(days=3), StudyBudget(2.0), COSTS, CONFIG)
    assert plan.unseen_at_exam == 4
    assert plan.warning is not None and "4 of 10 cards" in plan.warning


def test_days_off_get_no_study() -> None:
    # 1 June 2027 is a Tuesday; Wednesday off.
    budget = StudyBudget(2.0, weekdays_off=StudyBudget.parse_days_off("wed"))
    plan = plan_exam(new_cards(10), NOW, NOW + timedelta(days=5), budget, COSTS, CONFIG)
    assert [d.new for d in plan.days] == [2, 0, 2, 2, 2]
    assert plan.days[1].budget_seconds == 0


def test_the_card_closest_to_being_forgotten_is_reviewed_first() -> None:
    # One review fits today; the exam is tomorrow. The card last seen 20 days ago gains most.
    cards = [reviewed(1, days_ago=2), reviewed(2, days_ago=20), reviewed(3, days_ago=5)]
    plan = plan_exam(cards, NOW, NOW + timedelta(days=1), StudyBudget(0.3), COSTS, CONFIG)
    assert plan.today is not None and plan.today.card_ids == (2,)
    assert plan.expected_at_exam > plan.without_study


def test_a_new_card_is_worth_more_than_a_review_of_a_known_card() -> None:
    cards = [reviewed(1, days_ago=3), *new_cards(1, start=2)]
    budget = StudyBudget(1.0)  # one first sight (60 s), not both
    plan = plan_exam(cards, NOW, NOW + timedelta(days=1), budget, COSTS, CONFIG)
    assert plan.today is not None and plan.today.card_ids == (2,)


def test_with_time_for_everything_the_last_day_reviews_every_card() -> None:
    cards = [reviewed(k, days_ago=k, ratings=2) for k in range(1, 6)]
    plan = plan_exam(cards, NOW, NOW + timedelta(days=4), StudyBudget(30.0), COSTS, CONFIG)
    assert plan.days[-1].reviews == 5
    assert plan.expected_at_exam > 0.95


def test_cards_studied_today_are_not_planned_again_today() -> None:
    cards = new_cards(4)
    plan = plan_exam(
        cards,
        NOW,
        NOW + timedelta(days=2),
        StudyBudget(2.0),
        COSTS,
        CONFIG,
        done_today={0},
        spent_today=60.0,
    )
    assert plan.today is not None and plan.today.card_ids == (1,)


def test_nothing_studied_means_the_recall_the_cards_already_have() -> None:
    cards = [reviewed(1, days_ago=1), *new_cards(3, start=2)]
    plan = plan_exam(cards, NOW, NOW + timedelta(days=10), StudyBudget(0.0), COSTS, CONFIG)
    assert plan.expected_at_exam == pytest.approx(plan.without_study)
    assert 0 < plan.without_study < 0.25
    assert plan.unseen_at_exam == 3


def test_readiness_counts_unseen_cards_as_not_recalled() -> None:
    cards = [reviewed(1, days_ago=0), *new_cards(1, start=2)]
    assert readiness(cards, NOW, CONFIG) == pytest.approx(0.5)


def test_a_skipped_day_costs_recall_and_more_minutes_reach_a_target() -> None:
    cards = new_cards(20)
    exam = NOW + timedelta(days=4)
    assert skipped_day_cost(cards, NOW, exam, StudyBudget(5.0), COSTS, CONFIG) > 0
    minutes = budget_for_target(cards, NOW, exam, StudyBudget(5.0), 0.9, COSTS, CONFIG)
    assert minutes is not None
    enough = plan_exam(cards, NOW, exam, StudyBudget(minutes), COSTS, CONFIG)
    short = plan_exam(cards, NOW, exam, StudyBudget(minutes - 1), COSTS, CONFIG)
    assert enough.expected_at_exam >= 0.9 > short.expected_at_exam


def test_a_target_out_of_reach_is_none() -> None:
    cards = new_cards(2000)
    exam = NOW + timedelta(days=1)
    assert (
        budget_for_target(cards, NOW, exam, StudyBudget(5.0), 0.99, COSTS, CONFIG, most_minutes=60)
        is None
    )


def test_the_exam_must_be_ahead() -> None:
    with pytest.raises(ValueError, match="after now"):
        plan_exam(new_cards(1), NOW, NOW, StudyBudget(5.0))


def test_unknown_days_off_are_refused() -> None:
    with pytest.raises(ValueError, match="not a weekday"):
        StudyBudget.parse_days_off("sat,funday")


def test_new_cards_are_seen_as_late_as_the_budget_allows() -> None:
    # 4 cards, 2 first sights a day, 10 days: the last two days hold the deck, and a card
    # first seen the day before the exam is recalled best; the days before are free.
    plan = plan_exam(new_cards(4), NOW, NOW + timedelta(days=10), StudyBudget(2.0), COSTS, CONFIG)
    assert sum(d.new for d in plan.days) == 4
    assert all(d.new == 0 for d in plan.days[:-4])
    assert plan.today is not None and plan.today.new == 0
    early = plan_exam(
        new_cards(4), NOW, NOW + timedelta(days=2), StudyBudget(2.0), COSTS, CONFIG
    )
    assert [d.new for d in early.days] == [2, 2]


def test_known_cards_are_reviewed_in_the_days_before_new_cards_start() -> None:
    # Two cards last seen 20 days ago and 4 new ones, 2 first sights a day, 6 days: the old
    # cards are reviewed from today, the new ones come as late as the budget lets them
    # before a last day that reviews every card.
    cards = [reviewed(1, days_ago=20), reviewed(2, days_ago=20), *new_cards(4, start=3)]
    plan = plan_exam(cards, NOW, NOW + timedelta(days=6), StudyBudget(2.0), COSTS, CONFIG)
    assert [(d.new, d.reviews) for d in plan.days] == [
        (0, 2), (0, 2), (0, 2), (2, 0), (2, 0), (0, 6)
    ]
    assert plan.today is not None and plan.today.card_ids == (1, 2)
    assert plan.unseen_at_exam == 0 and plan.expected_at_exam > 0.95


def follow(
    cards: int, days: int, minutes: float, true_first_sight: float, planned: ReviewCosts
) -> set[int]:
    """A learner follows the plan made again each morning, with first sights that take
    `true_first_sight` seconds while the plan counts `planned`: the cards seen by the exam.
    Each day they study the plan's cards in order while they fit the day's minutes."""
    exam = NOW + timedelta(days=days)
    states = {k: SchedulingState() for k in range(cards)}
    for day in range(days):
        now = NOW + timedelta(days=day)
        inputs = [PlanInput(k, s) for k, s in states.items()]
        today = plan_exam(inputs, now, exam, StudyBudget(minutes), planned, CONFIG).today
        left = minutes * 60
        for card in today.card_ids if today is not None else ():
            state = states[card]
            cost = true_first_sight if state.reps == 0 else planned.recalled
            if cost > left:
                break
            left -= cost
            events = [] if state.last_review is None else [(Rating.GOOD, state.last_review)]
            states[card] = replay([*events, (Rating.GOOD, now)], CONFIG)
    return {k for k, s in states.items() if s.reps > 0}


def test_first_sights_slower_than_counted_still_see_every_card() -> None:
    # 16 cards, 12 days, 4 minutes a day. The plan counts 60 s a first sight (4 a day) while
    # the learner takes 80 s (3 a day): had the cards been put off to the last four days,
    # which the plan fills, one would be left unseen; put off only to days that hold them
    # one and a half times over, every card is seen.
    assert follow(16, 12, 4.0, 80.0, COSTS) == set(range(16))


def test_a_lone_new_card_is_seen_two_days_before_the_exam_and_reviewed_the_day_before() -> None:
    # One card and time for everything: two sights, the second the day before the exam,
    # recall it better at the exam than a single sight that day.
    exam = NOW + timedelta(days=5)
    plan = plan_exam(new_cards(1), NOW, exam, StudyBudget(10.0), COSTS, CONFIG)
    assert [(d.new, d.reviews) for d in plan.days] == [(0, 0), (0, 0), (0, 0), (1, 0), (0, 1)]
    once = replay([(Rating.GOOD, exam - timedelta(days=1))], CONFIG)
    assert plan.expected_at_exam > retrievability(once, exam, CONFIG) + 0.02


def test_a_memory_that_lasts_less_lowers_the_expected_recall_and_asks_for_reviews() -> None:
    cards = [reviewed(k, days_ago=1) for k in range(1, 6)]
    exam = NOW + timedelta(days=5)
    usual = plan_exam(cards, NOW, exam, StudyBudget(30.0), COSTS, CONFIG)
    weak = plan_exam(cards, NOW, exam, StudyBudget(30.0), COSTS, CONFIG, stability_scale=0.2)
    assert weak.without_study < usual.without_study
    assert sum(d.reviews for d in weak.days) >= sum(d.reviews for d in usual.days)
    with pytest.raises(ValueError, match="positive"):
        plan_exam(cards, NOW, exam, StudyBudget(30.0), stability_scale=0.0)


def test_the_memory_fit_follows_the_answers() -> None:
    # FSRS's recall after 10 days at stability 10 is 0.9: answers recalled that often agree.
    agree = [(10.0, 10.0, k % 10 != 0) for k in range(200)]
    scale, decay = memory_fit(agree, CONFIG)
    assert scale * 10 == pytest.approx(10, rel=0.5)
    forgotten = [(2.0, 10.0, k % 2 == 0) for k in range(200)]  # half forgotten in 2 days
    assert memory_fit(forgotten, CONFIG)[0] < 0.5
    # Recalled after a day, forgotten after ten: a curve steeper than FSRS's.
    steep = [(1.0, 2.0, k % 5 != 0) for k in range(100)]
    steep += [(10.0, 2.0, k % 20 == 0) for k in range(100)]
    assert memory_fit(steep, CONFIG)[1] > -CONFIG.decay
    one = memory_fit([(10.0, 10.0, False)], CONFIG)  # one answer moves it little
    assert one[0] > 0.3
    assert memory_fit([], CONFIG) == (1.0, -CONFIG.decay)


def test_reviews_that_measure_forgetting_lead_the_day_while_the_fit_has_few_answers() -> None:
    # Two cards seen yesterday and ten new ones, 2 minutes a day for 5 days: first sights
    # give the most per second, so a plan that trusts FSRS's forgetting starts today with
    # new cards. While the memory fit rests on no answer, a fifth of the day (24 s) goes
    # first to the two reviews (about 12 s each), then one first sight fills the rest.
    cards = [reviewed(1, days_ago=1), reviewed(2, days_ago=1), *new_cards(10, start=3)]
    exam = NOW + timedelta(days=5)

    def today(measured: int | None) -> tuple[int, ...]:
        plan = plan_exam(cards, NOW, exam, StudyBudget(2.0), COSTS, CONFIG, measured=measured)
        assert plan.today is not None
        return plan.today.card_ids

    assert today(None) == (3, 4)
    assert today(PROBE_ANSWERS) == (3, 4)
    assert today(0) == (1, 2, 3)


def test_no_review_measures_forgetting_the_day_before_the_exam() -> None:
    # The same cards with the exam tomorrow: no later day would use what today's answers
    # tell, so the day goes to what gives the most at the exam, first sights.
    cards = [reviewed(1, days_ago=1), reviewed(2, days_ago=1), *new_cards(10, start=3)]
    plan = plan_exam(
        cards, NOW, NOW + timedelta(days=1), StudyBudget(2.0), COSTS, CONFIG, measured=0
    )
    assert plan.today is not None and plan.today.card_ids == (3, 4)


def test_reviews_that_measure_forgetting_are_as_many_as_the_fit_lacks() -> None:
    # Ten cards seen yesterday, 10 minutes a day (a fifth: 120 s, room for about ten
    # reviews), memory fading a little faster than FSRS predicts: with 18 answers
    # measured, two reviews lead the day.
    cards = [reviewed(k, days_ago=1) for k in range(1, 11)] + new_cards(40, start=11)
    exam = NOW + timedelta(days=5)
    plan = plan_exam(
        cards, NOW, exam, StudyBudget(10.0), COSTS, CONFIG,
        stability_scale=0.9, measured=PROBE_ANSWERS - 2,
    )
    assert plan.today is not None
    assert [k < 11 for k in plan.today.card_ids[:3]] == [True, True, False]


@pytest.mark.parametrize(
    ("scale", "leading_reviews"),
    [(1.0, 0), (1.5, 0), (0.5, 2)],
)
def test_a_few_answers_that_show_memory_lasting_end_the_measuring_reviews(
    scale: float, leading_reviews: int
) -> None:
    # Two cards seen yesterday and ten new ones, with as many answers measured as
    # `PROBE_FIRST`: memory lasting as long as FSRS predicts (or longer) needs no more
    # measuring, and the day starts with first sights; memory fading faster still does.
    cards = [reviewed(1, days_ago=1), reviewed(2, days_ago=1), *new_cards(10, start=3)]
    plan = plan_exam(
        cards, NOW, NOW + timedelta(days=5), StudyBudget(2.0), COSTS, CONFIG,
        stability_scale=scale, measured=PROBE_FIRST,
    )
    assert plan.today is not None
    first = plan.today.card_ids[:leading_reviews + 1]
    assert [k < 3 for k in first] == [True] * leading_reviews + [False]
