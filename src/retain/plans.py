"""Exam plans: a deck's exam, the day's plan that study follows, and the readiness it gives.

A deck with an exam ahead is studied by plan (`retain.core.planner`) instead of by FSRS's
due dates. The plan is made once a day, the first time the deck is studied (or shown) that
day, from the real state of its cards: the cards chosen for the day are kept in
`plan_cards`, in the order to study them, so that picking the next card costs the same at
any deck size. A day's study ends when the day's planned cards have been answered and the
steps of the cards forgotten today are done: the plan counts those in a forgotten review's
time. A card answered Good, a new card among them, is not asked again the same day: FSRS
gives a review the same day next to nothing at the exam, and its time is not in the plan.
Studying ahead takes the next cards the planner would choose. Once the exam is past, the
deck is scheduled by FSRS again. Answers are recorded and scheduled exactly as always, so
the review log replays the same with or without an exam.

`Plans` is the Collection's manager for all this (`Collection.plans`).
"""

from __future__ import annotations

import functools
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, and_, bindparam, delete, func, insert, or_, select

from retain.core.model import CardState, Deck, DeckId, SchedulingState
from retain.core.scheduling import learner_day, next_day_start
from retain.errors import CollectionError
from retain.storage import schema
from retain.storage.engine import is_read_only
from retain.storage.prepared import Driver

if TYPE_CHECKING:
    from retain.collection import Collection
    from retain.core.planner import ExamPlan, PlanInput, ReviewCosts, StudyBudget

PLAN_AHEAD = 200
"""How many cards beyond the day's budget are kept for studying ahead."""
COST_SAMPLE = 5000
"""The newest answers the learner's costs per review are measured from."""
COST_PRIOR = 3
"""The default cost of a kind of answer counts as this many answers of the learner's: their
first few timed answers already move the costs the plan is made with (a plan made with a
first sight twice as fast as the learner's would put off cards it has no time for), and
one slow answer moves them little."""


@dataclass(frozen=True)
class Exam:
    deck_id: DeckId
    exam_at: datetime
    minutes_per_day: float
    weekdays_off: frozenset[int]

    @property
    def budget(self) -> StudyBudget:
        from retain.core import planner

        return planner.StudyBudget(self.minutes_per_day, self.weekdays_off)

    def days_off_text(self) -> str:
        from retain.core import planner

        return ",".join(planner.WEEKDAYS[d] for d in sorted(self.weekdays_off))


@dataclass(frozen=True)
class PlanReport:
    """What `retain plan` shows: the plan, and what it would take to do better."""

    deck: Deck
    exam: Exam
    plan: ExamPlan
    costs: ReviewCosts
    target: float
    minutes_for_target: float | None
    skipped_day_cost: float


@dataclass(frozen=True)
class ReadinessDay:
    """One day planned: the readiness that day and the recall then expected at the exam."""

    day: date
    readiness: float
    expected_at_exam: float
    planned_seconds: float


def _ms(moment: datetime) -> int:
    return int(round(moment.timestamp() * 1000))


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _cards_with_notes() -> Any:
    """Cards with their notes' text, as `Collection` reads them back into a `StudyItem`."""
    c, n = schema.cards.c, schema.notes.c
    return select(
        schema.cards,
        n.question.label("note_question"),
        n.answer_points.label("note_answer_points"),
        n.deck_id.label("note_deck_id"),
    ).join(schema.notes, n.id == c.note_id)


def any_exam_ahead() -> Any:
    """EXISTS: a deck of the account `account_id` has an exam after `now` (one that
    `Plans.active` lists)."""
    return _statements()["active"].exists()


@functools.cache
def _statements() -> dict[str, Any]:
    c, e, p, d = schema.cards.c, schema.deck_exams.c, schema.plan_cards.c, schema.plan_days.c
    limit = bindparam("limit", type_=Integer)
    # The learner's cards of the deck: the study indexes lead with the account.
    in_deck = and_(c.account_id == bindparam("account_id"), c.deck_id == bindparam("deck_id"))
    learning = or_(c.state == int(CardState.LEARNING), c.state == int(CardState.RELEARNING))
    not_done = or_(c.last_review.is_(None), c.last_review < bindparam("since"))
    # `+ 0` keeps the state index out of it: the due index's range for today is smaller.
    stepping = or_(c.state + 0 == int(CardState.LEARNING), c.state + 0 == int(CardState.RELEARNING))
    # The steps of cards forgotten today (step 0: answered Again), which the plan counts in
    # a forgotten review's time; a card answered Good is not asked again the same day.
    today_steps = and_(
        stepping, c.step == 0, c.due >= bindparam("since"), c.last_review >= bindparam("since")
    )

    def planned(extra: bool) -> Any:
        return (
            _cards_with_notes()
            .join(schema.plan_cards, p.card_id == c.id)
            .where(
                p.deck_id == bindparam("deck_id"),
                p.day == bindparam("day"),
                p.extra == extra,
                not_done,
            )
            .order_by(p.position)
            .limit(limit)
        )

    def counted(extra: bool, *where: Any) -> Any:
        return (
            select(func.count())
            .select_from(schema.plan_cards.join(schema.cards, p.card_id == c.id))
            .where(
                p.deck_id == bindparam("deck_id"),
                p.day == bindparam("day"),
                p.extra == extra,
                not_done,
                *where,
            )
        )

    return {
        "active": select(e.deck_id, e.exam_at)
        .join(schema.decks, schema.decks.c.id == e.deck_id)
        .where(e.exam_at > bindparam("now"), schema.decks.c.owner_id == bindparam("account_id"))
        .order_by(e.exam_at, e.deck_id),
        "planned_day": select(d.day).where(
            d.deck_id == bindparam("deck_id"), d.day == bindparam("day")
        ),
        # Only the steps of cards studied today, and a range of the due index: cards left
        # in their steps on an earlier day are for the plan to weigh, like any other.
        "learning_due": _cards_with_notes()
        .where(in_deck, today_steps, c.due <= bindparam("now"))
        .order_by(c.due, c.id)
        .limit(limit),
        "learning_ahead": _cards_with_notes()
        .where(in_deck, learning, c.due > bindparam("now"), c.due <= bindparam("ahead"))
        .order_by(c.due, c.id)
        .limit(limit),
        "planned": planned(False),
        "extra": planned(True),
        "count_learning": select(func.count()).where(
            in_deck, today_steps, c.due <= bindparam("now")
        ),
        "count_new": counted(False, c.state == int(CardState.NEW)),
        "count_reviews": counted(False, c.state != int(CardState.NEW)),
    }


class Plans:
    """Exams and their plans, for the Collection (`col.plans`)."""

    def __init__(self, col: Collection) -> None:
        self._col = col

    # -- exams --------------------------------------------------------------------------

    def exams(self) -> dict[DeckId, Exam]:
        """Every deck's exam, past ones included."""
        with self._col._read() as conn:
            rows = conn.execute(select(schema.deck_exams)).all()
        return {
            DeckId(r.deck_id): Exam(
                DeckId(r.deck_id),
                _utc(int(r.exam_at)),
                float(r.minutes_per_day),
                frozenset(int(ch) for ch in r.weekdays_off),
            )
            for r in rows
        }

    def exam(self, deck: Deck) -> Exam | None:
        return self.exams().get(deck.id)

    def set_exam(
        self,
        deck: Deck,
        exam_at: datetime,
        minutes_per_day: float,
        weekdays_off: frozenset[int],
        now: datetime,
    ) -> Exam:
        """Store the deck's exam (replacing one already set) and plan today afresh."""
        if exam_at.tzinfo is None:
            raise CollectionError("the exam time needs a time zone")
        if exam_at <= now:
            raise CollectionError("the exam must be in the future")
        if not 0 <= minutes_per_day <= 24 * 60:
            raise CollectionError("minutes a day must be between 0 and 1440")
        exam = Exam(deck.id, exam_at.astimezone(UTC), float(minutes_per_day), weekdays_off)
        with self._col._write() as conn:
            conn.execute(delete(schema.deck_exams).where(schema.deck_exams.c.deck_id == deck.id))
            conn.execute(
                insert(schema.deck_exams).values(
                    deck_id=deck.id,
                    exam_at=_ms(exam.exam_at),
                    minutes_per_day=exam.minutes_per_day,
                    weekdays_off="".join(str(d) for d in sorted(weekdays_off)),
                    created_at=_ms(now),
                )
            )
            self._plan_day(conn, exam, now)
        return exam

    def clear_exam(self, deck: Deck) -> bool:
        """Remove the deck's exam and its plan (the readiness history stays); False when it
        had none. The deck is scheduled by FSRS again."""
        with self._col._write() as conn:
            gone = conn.execute(
                delete(schema.deck_exams).where(schema.deck_exams.c.deck_id == deck.id)
            ).rowcount
            conn.execute(delete(schema.plan_cards).where(schema.plan_cards.c.deck_id == deck.id))
        return bool(gone)

    # -- the learner's costs and the deck's cards ---------------------------------------

    def costs(self) -> ReviewCosts:
        """Seconds per first sight, recalled and forgotten review (with its relearning step),
        the medians of the learner's newest timed answers, each drawn towards its default as
        if the default were `COST_PRIOR` answers more (the defaults alone when none is timed)."""
        from retain.core import planner

        r = schema.reviews.c
        with self._col._read() as conn:
            rows = conn.execute(
                select(r.state_before, r.rating, r.duration_ms)
                .where(r.duration_ms.is_not(None), r.duration_ms > 0)
                .order_by(r.id.desc())
                .limit(COST_SAMPLE)
            ).all()
        kinds: dict[str, list[float]] = {"new": [], "step": [], "ok": [], "bad": [], "relearn": []}
        for row in rows:
            seconds = min(float(row.duration_ms) / 1000, 600.0)
            if row.state_before == CardState.NEW:
                kinds["new"].append(seconds)
            elif row.state_before == CardState.LEARNING:
                kinds["step"].append(seconds)
            elif row.state_before == CardState.RELEARNING:
                kinds["relearn"].append(seconds)
            elif row.rating == 1:
                kinds["bad"].append(seconds)
            else:
                kinds["ok"].append(seconds)
        default = planner.DEFAULT_COSTS

        def measured(kind: str, prior: float) -> float:
            values = kinds[kind]
            if not values:
                return prior
            n = len(values)
            return (n * statistics.median(values) + COST_PRIOR * prior) / (n + COST_PRIOR)

        recalled = measured("ok", default.recalled)
        # A forgotten review's time is its answer and its relearning step's.
        bad = measured("bad", default.forgotten * 0.6)
        forgotten = bad + measured("relearn", bad if kinds["bad"] else default.forgotten * 0.4)
        return planner.ReviewCosts(
            first_sight=measured("new", default.first_sight),
            recalled=recalled,
            forgotten=forgotten,
        )

    def memory_fit(self, conn: Any, deck_id: int) -> tuple[float, float, int]:
        """How the learner's memory of the deck lasts against FSRS's prediction
        (`planner.memory_fit`: a scale of the stabilities, a decay), from the deck's newest
        answers spaced half a day or more from the card's previous one, and how many
        answers that is."""
        from retain.core import planner

        r, c = schema.reviews.c, schema.cards.c
        rows = conn.execute(
            select(r.reviewed_at, r.rating, r.before)
            .join(schema.cards, c.id == r.card_id)
            .where(c.deck_id == deck_id, r.before.is_not(None))
            .order_by(r.id.desc())
            .limit(COST_SAMPLE)
        ).all()
        answers: list[tuple[float, float, bool]] = []
        for row in rows:
            try:
                before = json.loads(row.before)
                stability, last = before.get("stability"), before.get("last_review")
                if stability is None or last is None:
                    continue
                days = (int(row.reviewed_at) - int(last)) / 86_400_000
                if days >= 0.5:
                    answers.append((days, float(stability), int(row.rating) > 1))
            except (ValueError, TypeError, AttributeError):
                continue  # an answer whose state before it is unreadable tells nothing
        return (*planner.memory_fit(answers, self._col._config), len(answers))

    def _inputs(self, conn: Any, deck_id: int) -> list[PlanInput]:
        from retain.core import planner

        c = schema.cards.c
        rows = conn.execute(
            select(c.id, c.state, c.stability, c.difficulty, c.last_review)
            .where(c.deck_id == deck_id, c.state >= 0)
            .order_by(c.position, c.id)
        ).all()
        return [
            planner.PlanInput(
                int(row.id),
                SchedulingState(
                    state=CardState(row.state),
                    stability=row.stability,
                    difficulty=row.difficulty,
                    last_review=None if row.last_review is None else _utc(int(row.last_review)),
                ),
            )
            for row in rows
        ]

    # -- planning -----------------------------------------------------------------------

    def _today(self, now: datetime) -> tuple[str, int]:
        config = self._col._config
        start = next_day_start(now, config) - timedelta(days=1)
        return learner_day(now, config).isoformat(), _ms(start)

    def _plan(self, conn: Any, exam: Exam, now: datetime, *, keep: int = 0) -> ExamPlan:
        from retain.core import planner

        config = self._col._config
        cards = self._inputs(conn, exam.deck_id)
        _, since = self._today(now)
        done = {
            card.card_id
            for card in cards
            if card.state.last_review is not None and _ms(card.state.last_review) >= since
        }
        r, c = schema.reviews.c, schema.cards.c
        spent_ms = conn.execute(
            select(func.coalesce(func.sum(r.duration_ms), 0))
            .select_from(schema.reviews.join(schema.cards, c.id == r.card_id))
            .where(c.deck_id == exam.deck_id, r.reviewed_at >= since)
        ).scalar_one()
        scale, decay, measured = self.memory_fit(conn, exam.deck_id)
        return planner.plan_exam(
            cards,
            now,
            exam.exam_at,
            exam.budget,
            self.costs(),
            config,
            done_today=done,
            spent_today=float(spent_ms) / 1000,
            keep_ids=keep,
            stability_scale=scale,
            decay=decay,
            measured=measured,
        )

    def _plan_day(self, conn: Any, exam: Exam, now: datetime) -> ExamPlan:
        """Plan the deck's day and keep the day's cards and readiness."""
        plan = self._plan(conn, exam, now, keep=PLAN_AHEAD)
        day, _ = self._today(now)
        today = plan.today
        ids = today.card_ids if today is not None else ()
        counted = (today.new + today.reviews) if today is not None else 0
        p, d = schema.plan_cards, schema.plan_days
        conn.execute(delete(p).where(p.c.deck_id == exam.deck_id))
        if ids:
            conn.execute(
                insert(p),
                [
                    {
                        "deck_id": exam.deck_id,
                        "position": k,
                        "day": day,
                        "card_id": card_id,
                        "extra": k >= counted,
                    }
                    for k, card_id in enumerate(ids)
                ],
            )
        conn.execute(delete(d).where(d.c.deck_id == exam.deck_id, d.c.day == day))
        conn.execute(
            insert(d).values(
                deck_id=exam.deck_id,
                day=day,
                exam_at=_ms(exam.exam_at),
                readiness=plan.readiness_now,
                expected_at_exam=plan.expected_at_exam,
                planned_seconds=today.seconds if today is not None else 0.0,
                new=today.new if today is not None else 0,
                reviews=today.reviews if today is not None else 0,
            )
        )
        return plan

    def report(self, deck: Deck, now: datetime, *, target: float = 0.9) -> PlanReport:
        """The deck's plan to its exam, with the budget a target needs and what skipping
        today would cost."""
        from retain.core import planner

        exam = self.exam(deck)
        if exam is None or exam.exam_at <= now:
            raise CollectionError(f"deck {deck.name!r} has no exam ahead")
        config = self._col._config
        costs = self.costs()
        with self._col._read() as conn:
            plan = self._plan(conn, exam, now)
            cards = self._inputs(conn, exam.deck_id)
        minutes = planner.budget_for_target(
            cards, now, exam.exam_at, exam.budget, target, costs, config
        )
        skipped = planner.skipped_day_cost(cards, now, exam.exam_at, exam.budget, costs, config)
        return PlanReport(deck, exam, plan, costs, target, minutes, skipped)

    def outlook(self, deck_id: DeckId, now: datetime) -> tuple[float, float | None]:
        """(readiness now, recall expected at the exam if the plan is followed; None when
        the deck has no exam ahead)."""
        from retain.core import planner

        exam = self.exams().get(deck_id)
        with self._col._read() as conn:
            if exam is None or exam.exam_at <= now:
                cards = self._inputs(conn, deck_id)
                return planner.readiness(cards, now, self._col._config), None
            plan = self._plan(conn, exam, now)
        return plan.readiness_now, plan.expected_at_exam

    def readiness(self, deck_id: DeckId, now: datetime) -> float:
        """The deck's readiness now: its cards' mean predicted recall (unseen: 0)."""
        from retain.core import planner

        with self._col._read() as conn:
            cards = self._inputs(conn, deck_id)
        return planner.readiness(cards, now, self._col._config)

    def history(self, deck_id: DeckId) -> list[ReadinessDay]:
        """The deck's readiness on each day it was planned, and the recall then expected."""
        d = schema.plan_days.c
        with self._col._read() as conn:
            rows = conn.execute(
                select(schema.plan_days).where(d.deck_id == deck_id).order_by(d.day)
            ).all()
        return [
            ReadinessDay(
                date.fromisoformat(r.day),
                float(r.readiness),
                float(r.expected_at_exam),
                float(r.planned_seconds),
            )
            for r in rows
        ]

    # -- the study path -----------------------------------------------------------------

    def _memo_key(self) -> tuple[str, int]:
        return ("exams ahead", int(self._col.account_id))

    def known_ahead(self) -> bool:
        """Whether this transaction has read (`active`) that a deck has an exam ahead."""
        memo = self._col._memo()
        return bool(memo and memo.get(self._memo_key()))

    def none_ahead(self) -> None:
        """This transaction has read that no deck has an exam ahead (`any_exam_ahead`, in
        a statement that read more): `active` then reads nothing again."""
        memo = self._col._memo()
        if memo is not None:
            memo[self._memo_key()] = ()

    def active(self, db: Driver, now: datetime) -> list[int]:
        """The decks with an exam ahead, the soonest exam first."""
        memo = self._col._memo()
        key = self._memo_key()
        if memo is not None and key in memo:
            return list(memo[key])
        params = {"now": _ms(now), "account_id": self._col.account_id}
        found = [int(r.deck_id) for r in db.all(_statements()["active"], params)]
        if memo is not None:
            memo[key] = tuple(found)
        return found

    def ensure_today(self, now: datetime, deck: Deck | None) -> None:
        """Plan today for the decks with an exam ahead (in `deck`, or all) not yet planned
        today: the first study of the day does it, the rest of the day reads the plan."""
        statements = _statements()
        day, _ = self._today(now)
        with self._col._prepared.transaction(write=False) as db:
            active = self.active(db, now)
            if deck is not None:
                active = [d for d in active if d == deck.id]
            wanted = [
                d
                for d in active
                if db.first(statements["planned_day"], {"deck_id": d, "day": day}) is None
            ]
        if not wanted or is_read_only(self._col.engine):
            return
        exams = self.exams()
        with self._col._write() as conn:
            for deck_id in wanted:
                self._plan_day(conn, exams[DeckId(deck_id)], now)

    def queue(
        self,
        db: Driver,
        now: datetime,
        deck_ids: Sequence[int],
        limit: int,
        *,
        ahead: timedelta,
    ) -> list[Any]:
        """Up to `limit` rows of cards to study now in decks `deck_ids` (each with an exam
        ahead): the day's planned cards not yet studied today, then the due steps of the
        cards forgotten today. Steps are not studied ahead of time: with a budget of minutes,
        a new card seen once is worth more at the exam than a step repeated minutes later,
        so the steps take the time that is left. A card answered Good (a new card among
        them) is not asked again the same day: its learning step is not in the plan."""
        statements = _statements()
        day, since = self._today(now)
        rows: list[Any] = []
        seen: set[int] = set()
        base = {
            "now": _ms(now), "ahead": _ms(now + ahead), "day": day, "since": since,
            "account_id": self._col.account_id,
        }
        del ahead
        for name in ("planned", "learning_due"):
            for deck_id in deck_ids:
                if len(rows) >= limit:
                    return rows
                wanted = limit - len(rows)
                for row in db.all(statements[name], {**base, "deck_id": deck_id, "limit": wanted}):
                    if row.id not in seen:
                        seen.add(row.id)
                        rows.append(row)
        return rows[:limit]

    def ahead(self, db: Driver, now: datetime, deck_ids: Sequence[int], limit: int) -> list[Any]:
        """Rows of the cards the plan takes next once the day's work is done."""
        statements = _statements()
        day, since = self._today(now)
        rows: list[Any] = []
        for deck_id in deck_ids:
            if len(rows) >= limit:
                break
            rows += db.all(
                statements["extra"],
                {"deck_id": deck_id, "day": day, "since": since, "limit": limit - len(rows)},
            )
        return rows

    def counts(self, db: Driver, now: datetime, deck_ids: Sequence[int]) -> tuple[int, int]:
        """(reviews and learning steps left today, new cards left today) in `deck_ids`."""
        statements = _statements()
        day, since = self._today(now)
        due = new = 0
        for deck_id in deck_ids:
            params = {
                "deck_id": deck_id, "day": day, "since": since, "now": _ms(now),
                "account_id": self._col.account_id,
            }
            due += int(db.scalar(statements["count_learning"], params))
            due += int(db.scalar(statements["count_reviews"], params))
            new += int(db.scalar(statements["count_new"], params))
        return due, new


def parse_exam_time(text: str, tz: Any) -> datetime:
    """An exam time as `retain plan --exam` takes it ("2027-06-15T09:00", "2027-06-15 09:00",
    or a date alone, 09:00), in the learner's time zone unless it names one; in UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise CollectionError(
            f"not an exam time: {text!r} (write it as 2027-06-15T09:00)"
        ) from error
    if len(text.strip()) <= 10:
        moment = moment.replace(hour=9)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)
