"""The exam planner: what to study each day so that as much as possible is recalled at the exam.

**Objective.** Maximise the expected share of a deck's cards recalled at the exam, the mean
over the cards of FSRS's predicted recall at the exam time, within a daily time budget
(minutes, with days off). A card never seen counts as not recalled.

**Method.** A greedy allocation of the marginal gain in exam-day recall per second, day by
day over FSRS-6's forgetting curve, in expectation:

* For each study day from today to the day before the exam, every card gets a *gain*: how
  much reviewing it that day raises its expected recall at the exam, assuming it is not
  reviewed again, and a *cost*: the expected seconds the review takes (the learner's
  measured cost of a first sight, of a recalled review, and of a forgotten one with its
  relearning step, weighted by the predicted recall that day). A card seen for the first
  time gains its whole recall at the exam. The day's budget is filled with the cards of
  highest gain per second; cards whose gain is negligible (`MIN_GAIN`) are left out, so a
  day's work can be less than the budget.
* The chosen reviews are applied in expectation: the card's recall at the exam becomes the
  mixture of the recalled branch (rated Good) and the forgotten branch (Again, then Good at
  the relearning step), and its stability becomes the one that gives that recall at the
  exam; its difficulty the mixture of the two. The next day is planned from there.
* New cards are introduced from the day that gives the most: the plan is made from several
  first days for new cards (today, and days counted back from the exam), and the one kept
  has the most expected recall at the exam less the time it takes (`SECOND_VALUE`, what a
  review's time is worth). A card first seen the day before the exam is recalled better
  than one seen weeks before, so when the last days' budget can hold the deck, the days
  before carry only the reviews worth their time. New cards are put off only to days
  whose budget holds their first sights one and a half times over (`DEFER_MARGIN`), for
  first sights slower than measured.
* The learner's memory is measured from their answers (`memory_fit`): when cards are
  forgotten sooner (or later) than FSRS predicts, every stability is scaled to match and
  the forgetting curve's decay is fitted (steeper when memory fades like an exponential),
  and the plan reviews more (or less). While that fit rests on few answers
  (`PROBE_ANSWERS`; `PROBE_FIRST` once they show memory lasting at least as long as FSRS
  predicts), each day but the last starts with reviews of cards seen on earlier days, as
  many as the fit lacks within `PROBE_SHARE` of the budget: a plan that only ever
  introduces new cards would never learn that this learner forgets them before the exam.
* Only today's choice is followed: the plan is made again each day from the real state,
  so what the learner actually recalled and forgot (and the days they skipped) counts.

New cards have a high gain per second (from nothing to their whole recall), so when the
budget allows it every card is seen before the exam; when it does not, `ExamPlan.warning`
says so. After the exam the planner has nothing to say, and cards follow ordinary FSRS.

Everything is vectorised with numpy over the cards: a day costs a few passes over arrays
of the deck's size, so planning 100,000 cards to an exam months away takes seconds (see
``benchmarks/exam_sim.py``). Pure: the time is passed in.
"""

from __future__ import annotations

from collections.abc import Collection as AbstractCollection
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from retain.core.model import CardState, Rating, SchedulingState
from retain.core.scheduling import (
    DEFAULT_CONFIG,
    SchedulerConfig,
    calendar_days_between,
    learner_day,
    replay,
)

__all__ = [
    "DEFAULT_COSTS",
    "MIN_GAIN",
    "PROBE_ANSWERS",
    "PROBE_FIRST",
    "PROBE_SHARE",
    "DayPlan",
    "ExamPlan",
    "PlanInput",
    "ReviewCosts",
    "StudyBudget",
    "budget_for_target",
    "plan_exam",
    "readiness",
    "skipped_day_cost",
    "memory_fit",
    "study_days",
]

Floats = npt.NDArray[np.float64]

MIN_GAIN = 0.002
"""A review that raises a card's expected recall at the exam by less than this is not worth
planning (0.2 percentage points of one card)."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class ReviewCosts:
    """Seconds the learner spends on a card: seen for the first time, reviewed and
    recalled, reviewed and forgotten (with the relearning step)."""

    first_sight: float = 20.0
    recalled: float = 12.0
    forgotten: float = 30.0

    def __post_init__(self) -> None:
        for name in ("first_sight", "recalled", "forgotten"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive seconds, got {getattr(self, name)}")


DEFAULT_COSTS = ReviewCosts()


@dataclass(frozen=True)
class StudyBudget:
    """Minutes a day to study, and the weekdays off (0 Monday ... 6 Sunday) or dates off."""

    minutes_per_day: float
    weekdays_off: frozenset[int] = frozenset()
    dates_off: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if self.minutes_per_day < 0:
            raise ValueError(f"minutes per day must be 0 or more, got {self.minutes_per_day}")
        bad = [d for d in self.weekdays_off if not 0 <= d <= 6]
        if bad:
            raise ValueError(f"weekdays off are 0 (Monday) to 6 (Sunday), got {bad}")

    def seconds_on(self, day: date) -> float:
        if day.weekday() in self.weekdays_off or day in self.dates_off:
            return 0.0
        return self.minutes_per_day * 60.0

    @staticmethod
    def parse_days_off(text: str) -> frozenset[int]:
        """Weekdays off from "sat,sun" (names or their first three letters, any case)."""
        days: set[int] = set()
        for part in text.split(","):
            name = part.strip().lower()[:3]
            if not name:
                continue
            if name not in WEEKDAYS:
                raise ValueError(f"not a weekday: {part.strip()!r} (use mon,tue,...,sun)")
            days.add(WEEKDAYS.index(name))
        return frozenset(days)


@dataclass(frozen=True)
class PlanInput:
    """A card as the planner sees it: an id of the caller's and its FSRS state."""

    card_id: int
    state: SchedulingState


@dataclass(frozen=True)
class DayPlan:
    """One study day of the plan: the cards to study (the first day's are real card ids in
    the order to study them; later days are the plan's expectation), and the expected time."""

    day: date
    new: int
    reviews: int
    seconds: float
    budget_seconds: float
    card_ids: tuple[int, ...] = ()

    @property
    def minutes(self) -> float:
        return self.seconds / 60.0


@dataclass(frozen=True)
class ExamPlan:
    """The plan from `now` to the exam, and what it is expected to give."""

    exam: datetime
    days: tuple[DayPlan, ...]
    cards: int
    readiness_now: float
    """Mean predicted recall of the deck's cards now (never seen: 0)."""
    expected_at_exam: float
    """Mean expected recall at the exam if the plan is followed."""
    without_study: float
    """Mean recall at the exam if nothing more is studied."""
    unseen_at_exam: int
    """Cards the plan does not reach before the exam."""

    @property
    def today(self) -> DayPlan | None:
        return self.days[0] if self.days else None

    @property
    def warning(self) -> str | None:
        """Why the budget cannot cover the deck, or None when it can."""
        if self.unseen_at_exam:
            return (
                f"the budget cannot cover the deck: {self.unseen_at_exam} of {self.cards} cards "
                "would not be seen before the exam"
            )
        return None


# --- FSRS-6 over arrays (the formulas of retain.core.scheduling) ------------------------


class _Fsrs:
    def __init__(
        self, config: SchedulerConfig, scale: float = 1.0, decay: float | None = None
    ) -> None:
        self.w = np.asarray(config.parameters, dtype=np.float64)
        self.decay = config.decay if decay is None else -abs(decay)
        self.factor = float(0.9 ** (1.0 / self.decay) - 1.0)
        self.scale = scale
        """The learner's memory lasts `scale` times FSRS's stability (`stability_scale`)."""

    def recall(self, elapsed: Floats, stability: Floats) -> Floats:
        out: Floats = (
            1.0 + self.factor * np.maximum(elapsed, 0.0) / (stability * self.scale)
        ) ** self.decay
        return out

    def stability_for(self, recall: Floats, elapsed: Floats) -> Floats:
        """The (FSRS) stability whose recall after `elapsed` days is `recall`."""
        r = np.clip(recall, 1e-6, 1.0 - 1e-9)
        out: Floats = self.factor * np.maximum(elapsed, 1.0) / (r ** (1.0 / self.decay) - 1.0)
        return np.maximum(out / self.scale, 0.001)

    def _init_difficulty(self, rating: int) -> float:
        w = self.w
        return float(w[4] - np.exp(w[5] * (rating - 1)) + 1)

    def next_difficulty(self, difficulty: Floats, rating: int) -> Floats:
        w = self.w
        delta = -(w[6] * (rating - 3))
        damped = difficulty + (10.0 - difficulty) * delta / 9.0
        out: Floats = w[7] * self._init_difficulty(int(Rating.EASY)) + (1 - w[7]) * damped
        return np.clip(out, 1.0, 10.0)

    def short_term(self, stability: Floats, rating: int) -> Floats:
        w = self.w
        increase = np.exp(w[17] * (rating - 3 + w[18])) * stability ** -w[19]
        if rating != Rating.AGAIN:
            increase = np.maximum(increase, 1.0)
        out: Floats = np.maximum(stability * increase, 0.001)
        return out

    def recalled(self, difficulty: Floats, stability: Floats, recall: Floats) -> Floats:
        w = self.w
        grown = stability * (
            1
            + np.exp(w[8])
            * (11 - difficulty)
            * stability ** -w[9]
            * (np.exp((1 - recall) * w[10]) - 1)
        )
        out: Floats = np.maximum(grown, 0.001)
        return out

    def forgotten(self, difficulty: Floats, stability: Floats, recall: Floats) -> Floats:
        w = self.w
        long_term = (
            w[11]
            * difficulty ** -w[12]
            * ((stability + 1) ** w[13] - 1)
            * np.exp((1 - recall) * w[14])
        )
        short = stability / np.exp(w[17] * w[18])
        out: Floats = np.maximum(np.minimum(long_term, short), 0.001)
        return out


def _first_day_state(now: datetime, config: SchedulerConfig) -> SchedulingState:
    """A new card seen once and answered Good (its learning steps are not counted on)."""
    return replay([(Rating.GOOD, now)], replace(config, fuzz=False))


# --- planning ---------------------------------------------------------------------------


def study_days(
    now: datetime, exam: datetime, config: SchedulerConfig = DEFAULT_CONFIG
) -> list[date]:
    """The learner's days from today to the day before the exam's day."""
    today, exam_day = learner_day(now, config), learner_day(exam, config)
    return [today + timedelta(days=k) for k in range((exam_day - today).days)]


@dataclass
class _Arrays:
    ids: npt.NDArray[np.int64]
    seen: npt.NDArray[np.bool_]
    stability: Floats
    difficulty: Floats
    last: Floats  # learner day of the last review, counted from today (<= 0)

    def copy(self) -> _Arrays:
        return _Arrays(
            self.ids.copy(),
            self.seen.copy(),
            self.stability.copy(),
            self.difficulty.copy(),
            self.last.copy(),
        )


def _arrays(cards: Sequence[PlanInput], now: datetime, config: SchedulerConfig) -> _Arrays:
    n = len(cards)
    ids = np.fromiter((c.card_id for c in cards), dtype=np.int64, count=n)
    seen = np.zeros(n, dtype=np.bool_)
    stability = np.ones(n, dtype=np.float64)
    difficulty = np.full(n, 5.0, dtype=np.float64)
    last = np.zeros(n, dtype=np.float64)
    for k, card in enumerate(cards):
        s = card.state
        if s.state == CardState.NEW or s.stability is None or s.last_review is None:
            continue
        seen[k] = True
        stability[k] = s.stability
        difficulty[k] = s.difficulty if s.difficulty is not None else 5.0
        last[k] = -calendar_days_between(s.last_review, now, config)
    return _Arrays(ids, seen, stability, difficulty, last)


def readiness(
    cards: Sequence[PlanInput], at: datetime, config: SchedulerConfig = DEFAULT_CONFIG
) -> float:
    """Mean predicted recall of the cards at `at` (a card never seen counts 0)."""
    if not cards:
        return 0.0
    fsrs = _Fsrs(config)
    a = _arrays(cards, at, config)
    r = np.where(a.seen, fsrs.recall(-a.last, a.stability), 0.0)
    return float(r.mean())


def plan_exam(
    cards: Sequence[PlanInput],
    now: datetime,
    exam: datetime,
    budget: StudyBudget,
    costs: ReviewCosts = DEFAULT_COSTS,
    config: SchedulerConfig = DEFAULT_CONFIG,
    *,
    done_today: AbstractCollection[int] = (),
    spent_today: float = 0.0,
    keep_ids: int = 0,
    stability_scale: float = 1.0,
    decay: float | None = None,
    measured: int | None = None,
) -> ExamPlan:
    """The plan from `now` (UTC) to `exam` (UTC) for `cards`.

    `done_today`: ids of cards already studied today (they are not planned again today);
    `spent_today`: seconds already studied today, taken from today's budget. The first day's
    `card_ids` list the cards to study today, highest gain per second first, followed by up
    to `keep_ids` more (what studying ahead takes next); later days carry only counts.
    `stability_scale`: how much longer (or shorter) than FSRS predicts the learner's memory
    lasts, and `decay` the forgetting curve's decay (None: FSRS's); `memory_fit` measures
    both from their answers. `measured`: how many answers that fit rests on; while they are
    fewer than `PROBE_ANSWERS` (`PROBE_FIRST` when `stability_scale` is 1 or more), today's
    plan starts with reviews of cards seen on earlier days, as many as the fit lacks within
    `PROBE_SHARE` of today's budget, so that the learner's forgetting is measured before
    the plan leans on it; none the day before the exam, whose answers no later day of the
    plan uses (None: no such reviews).

    New cards are introduced from the day that gives the most recall at the exam for the
    time spent (`SECOND_VALUE`): a card first seen the day before the exam is recalled
    better than one seen weeks before and never reviewed, so when the budget of the last
    days can hold the deck, the days before carry reviews only.
    """
    if exam <= now:
        raise ValueError("the exam must be after now")
    if not stability_scale > 0:
        raise ValueError(f"the stability scale must be positive, got {stability_scale}")
    fsrs = _Fsrs(config, stability_scale, decay)
    days = study_days(now, exam, config)
    exam_index = float(len(days))  # the exam's learner day, counted from today
    a = _arrays(cards, now, config)
    n = len(cards)
    at_exam = np.where(a.seen, fsrs.recall(exam_index - a.last, a.stability), 0.0)
    readiness_now = (
        float(np.where(a.seen, fsrs.recall(-a.last, a.stability), 0.0).mean()) if n else 0.0
    )
    without_study = float(at_exam.mean()) if n else 0.0
    done = np.isin(a.ids, np.fromiter(done_today, dtype=np.int64)) if done_today else None
    # Today's answers can change only the days after today: none on the last one.
    probes = 0
    if measured is not None and len(days) > 1:
        # Once a few answers show memory lasting as long as FSRS predicts, or longer,
        # measuring more costs first sights and guards against little.
        enough = PROBE_FIRST if stability_scale >= 1.0 else PROBE_ANSWERS
        probes = max(enough - measured, 0)
    context = _Context(
        fsrs, costs, budget, days, exam_index, spent_today, done, now, config,
        probes, PROBE_SHARE * budget.seconds_on(days[0]) if days else 0.0,
    )
    value_of_second = SECOND_VALUE / costs.recalled
    best: tuple[float, list[DayPlan], Floats, _Arrays] | None = None
    # The days before a trial's first day for new cards are the same in every trial that
    # starts them later: they are planned once, each from where the earlier trial's ended.
    shared, shared_exam = a.copy(), at_exam.copy()
    shared_plans: list[DayPlan] = []
    # New cards are put off only to a day from which the budget holds their first sights
    # `DEFER_MARGIN` times over.
    room = np.cumsum([budget.seconds_on(day) for day in reversed(days)])[::-1]
    room[:1] -= spent_today
    needed = DEFER_MARGIN * costs.first_sight * float((~a.seen).sum())
    tried = [
        k for k in _first_new_days(len(days), bool((~a.seen).any())) if k == 0 or room[k] >= needed
    ]
    for first_new in tried:
        _simulate(context, shared, shared_exam, len(days), keep_ids, shared_plans, first_new)
        trial, recall = shared.copy(), shared_exam.copy()
        plans = _simulate(context, trial, recall, first_new, keep_ids, list(shared_plans))
        worth = float(recall.sum()) - value_of_second * sum(p.seconds for p in plans)
        if best is None or worth > best[0] + 1e-9:
            best = (worth, plans, recall, trial)
    assert best is not None
    _, plans, recall, final = best
    return ExamPlan(
        exam=exam,
        days=tuple(plans),
        cards=n,
        readiness_now=readiness_now,
        expected_at_exam=float(recall.mean()) if n else 0.0,
        without_study=without_study,
        unseen_at_exam=int((~final.seen).sum()),
    )


PROBE_LEAD = 1e6
"""Added to the value of the reviews that measure forgetting, so that they lead the day."""

SECOND_VALUE = 0.01
"""What a recalled review's time is worth, in recall at the exam (one card's share): the
plan that spends more time for less than this per review's time is not taken."""


DEFER_MARGIN = 1.5
"""New cards are put off to the last days only when those days' budget holds their first
sights this many times over: the plan is made with costs measured from past answers (the
defaults before any is timed), and first sights slower than that would leave the last
cards unseen. A card seen a day earlier than needed loses little; one left unseen loses
all."""


PROBE_ANSWERS = 20
"""The answers (spaced half a day or more from the card's previous one) the memory fit
wants before the plan leans on it."""

PROBE_FIRST = 5
"""The answers the memory fit wants before the plan leans on it when they show memory
lasting as long as FSRS predicts, or longer."""

PROBE_SHARE = 0.2
"""The share of today's budget that reviews measuring the learner's forgetting may take
while the fit rests on fewer than `PROBE_ANSWERS` answers: a plan made with FSRS's
forgetting alone, for a learner who forgets faster, would spend its days on first sights
the learner has forgotten by the exam."""


def _first_new_days(count: int, unseen: bool) -> list[int]:
    """The days (counted from today) from which new cards may be introduced that are tried:
    today, and days counted back from the exam, closer together near it."""
    if not unseen or count <= 1:
        return [0]
    tried = {0}
    back = 1
    while back < count:
        tried.add(count - back)
        back = max(back + 1, int(back * 1.4))
    return sorted(tried)


@dataclass(frozen=True)
class _Context:
    fsrs: _Fsrs
    costs: ReviewCosts
    budget: StudyBudget
    days: list[date]
    exam_index: float
    spent_today: float
    done: npt.NDArray[np.bool_] | None
    now: datetime
    config: SchedulerConfig
    probes: int = 0
    """How many reviews that measure the learner's forgetting lead today's plan, at most."""
    probe_seconds: float = 0.0
    """The seconds of today's budget those reviews may take."""


def _simulate(
    c: _Context,
    a: _Arrays,
    at_exam: Floats,
    first_new: int,
    keep_ids: int,
    plans: list[DayPlan],
    stop: int | None = None,
) -> list[DayPlan]:
    """The day-by-day greedy plan, new cards only from day `first_new` on, from the day
    after those already in `plans` to the day before `stop` (None: the last day), added
    to `plans`; `a` and `at_exam` are brought to the plan's expectation then."""
    fsrs, costs = c.fsrs, c.costs
    n = len(a.ids)
    first = _first_day_state(c.now, c.config)
    first_stability = float(first.stability or 1.0)
    first_difficulty = float(first.difficulty or 5.0)
    # Within a day, cards keep the order of the input (their position) among equals.
    order_bias = -np.arange(n, dtype=np.float64) * 1e-12
    for index in range(len(plans), len(c.days) if stop is None else stop):
        day = c.days[index]
        budget_seconds = c.budget.seconds_on(day)
        available = budget_seconds - (c.spent_today if index == 0 else 0.0)
        t_exam = c.exam_index - index
        elapsed = index - a.last
        r = np.where(a.seen, fsrs.recall(elapsed, a.stability), 0.0)
        stab_ok = fsrs.recalled(a.difficulty, a.stability, r)
        stab_bad = fsrs.short_term(fsrs.forgotten(a.difficulty, a.stability, r), int(Rating.GOOD))
        exam_ok = fsrs.recall(np.full(n, t_exam), stab_ok)
        exam_bad = fsrs.recall(np.full(n, t_exam), stab_bad)
        reviewed = r * exam_ok + (1 - r) * exam_bad
        new_exam = float(fsrs.recall(np.array([t_exam]), np.array([first_stability]))[0])
        after = np.where(a.seen, reviewed, new_exam)
        gain = after - at_exam
        cost = np.where(a.seen, r * costs.recalled + (1 - r) * costs.forgotten, costs.first_sight)
        eligible = (gain >= MIN_GAIN) & np.where(a.seen, elapsed >= 1, index >= first_new)
        if index == 0 and c.done is not None:
            eligible &= ~c.done
        value = np.where(eligible, gain / cost + order_bias, -np.inf)
        if index == 0 and c.probes > 0:
            # Reviews that measure the learner's forgetting lead the day, the most useful
            # first, whatever their gain.
            probing = a.seen & (elapsed >= 1)
            if c.done is not None:
                probing &= ~c.done
            review_value = np.where(probing, gain / cost + order_bias, -np.inf)
            review_ranked = np.argsort(-review_value, kind="stable")[: int(probing.sum())]
            within = np.cumsum(cost[review_ranked]) <= min(c.probe_seconds, available)
            lead = review_ranked[within][: c.probes]
            eligible[lead] = True
            value[lead] = PROBE_LEAD + review_value[lead]
        candidates = int(eligible.sum())
        ranked = np.argsort(-value, kind="stable")[:candidates]
        spend = np.cumsum(cost[ranked])
        take = int(np.searchsorted(spend, available, side="right")) if available > 0 else 0
        chosen = ranked[:take]
        ids: tuple[int, ...] = ()
        if index == 0:
            ahead = ranked[: take + keep_ids]
            if len(ahead) < take + keep_ids:  # studying ahead may take new cards early
                rest = np.flatnonzero(~a.seen & (gain >= MIN_GAIN))
                rest = rest[~np.isin(rest, ahead)][: take + keep_ids - len(ahead)]
                ahead = np.concatenate([ahead, rest])
            ids = tuple(int(i) for i in a.ids[ahead])
        new_mask = ~a.seen[chosen]
        plans.append(
            DayPlan(
                day=day,
                new=int(new_mask.sum()),
                reviews=int(take - new_mask.sum()),
                seconds=float(spend[take - 1]) if take else 0.0,
                budget_seconds=budget_seconds,
                card_ids=ids,
            )
        )
        if take:
            seen = a.seen[chosen]
            rr = r[chosen]
            at_exam[chosen] = after[chosen]
            a.stability[chosen] = np.where(
                seen, fsrs.stability_for(after[chosen], np.full(take, t_exam)), first_stability
            )
            d_ok = fsrs.next_difficulty(a.difficulty[chosen], int(Rating.GOOD))
            d_bad = fsrs.next_difficulty(
                fsrs.next_difficulty(a.difficulty[chosen], int(Rating.AGAIN)), int(Rating.GOOD)
            )
            a.difficulty[chosen] = np.where(seen, rr * d_ok + (1 - rr) * d_bad, first_difficulty)
            a.last[chosen] = index
            a.seen[chosen] = True
    return plans


def memory_fit(
    answers: Sequence[tuple[float, float, bool]], config: SchedulerConfig = DEFAULT_CONFIG
) -> tuple[float, float]:
    """How the learner's memory differs from FSRS's prediction, from their answers (days
    since the card's previous answer, its FSRS stability then, recalled): (the scale of
    every stability, the forgetting curve's decay). The most likely pair on a grid (scales
    1/50 to 50, decays 0.1 to 4: a steeper curve forgets more like an exponential), drawn
    towards FSRS's own (1 and its decay, a prior worth a few answers), so that a few answers
    move them little."""
    usable = [(t, s, ok) for t, s, ok in answers if t > 0 and s > 0]
    base = -config.decay
    if not usable:
        return 1.0, base
    t = np.array([u[0] for u in usable], dtype=np.float64)
    s = np.array([u[1] for u in usable], dtype=np.float64)
    ok = np.array([u[2] for u in usable], dtype=np.bool_)
    scales = np.exp(np.linspace(np.log(1 / 50), np.log(50), 81))
    decays = np.exp(np.linspace(np.log(0.1), np.log(4.0), 21))
    best = (-np.inf, 1.0, base)
    for d in decays:
        factor = 0.9 ** (-1.0 / d) - 1.0
        r = (1.0 + factor * t[None, :] / (scales[:, None] * s[None, :])) ** -d
        r = np.clip(r, 1e-4, 1 - 1e-4)
        log_likelihood = np.where(ok[None, :], np.log(r), np.log(1 - r)).sum(axis=1)
        score = log_likelihood - (np.log(scales) ** 2 + np.log(d / base) ** 2) / 2
        k = int(np.argmax(score))
        if score[k] > best[0]:
            best = (float(score[k]), float(scales[k]), float(d))
    return best[1], best[2]


def skipped_day_cost(
    cards: Sequence[PlanInput],
    now: datetime,
    exam: datetime,
    budget: StudyBudget,
    costs: ReviewCosts = DEFAULT_COSTS,
    config: SchedulerConfig = DEFAULT_CONFIG,
) -> float:
    """How much expected recall at the exam (a share, 0-1) is lost by not studying today."""
    full = plan_exam(cards, now, exam, budget, costs, config)
    today = learner_day(now, config)
    skipped = replace(budget, dates_off=budget.dates_off | {today})
    return (
        full.expected_at_exam - plan_exam(cards, now, exam, skipped, costs, config).expected_at_exam
    )


def budget_for_target(
    cards: Sequence[PlanInput],
    now: datetime,
    exam: datetime,
    budget: StudyBudget,
    target: float = 0.9,
    costs: ReviewCosts = DEFAULT_COSTS,
    config: SchedulerConfig = DEFAULT_CONFIG,
    *,
    most_minutes: float = 600.0,
) -> float | None:
    """The fewest minutes a day (to the minute, same days off) whose plan is expected to
    reach `target` recall at the exam; None when even `most_minutes` a day does not."""

    def reaches(minutes: float) -> bool:
        trial = replace(budget, minutes_per_day=minutes)
        return plan_exam(cards, now, exam, trial, costs, config).expected_at_exam >= target

    if not reaches(most_minutes):
        return None
    low, high = 0.0, most_minutes
    if reaches(low):
        return 0.0
    while high - low > 1.0:
        middle = (low + high) / 2
        if reaches(middle):
            high = middle
        else:
            low = middle
    return float(np.ceil(high))
