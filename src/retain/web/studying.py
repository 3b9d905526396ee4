"""Study over HTTP, with no study state kept between requests.

Each request builds a `StudySession` afresh from the store, so that any app process can
serve any request. What the terminal keeps in memory is found again instead:

* the question: drawn from a `random.Random` seeded with the card and its number of
  reviews, so the question a page showed is the one its answer is checked against, in
  whichever process the answer arrives (an answer to a card that was answered since is
  refused as stale);
* the next card: the store's queue, as `Collection.next_card` gives it;
* undo: the last answer that stands in the review log (`Collection.undo`);
* the progress of the day: the answers counted today and the cards still to do;
* a learn round: a new card is recognised first (choice), a card seen before is recalled
  (typed), and a card answered wrong comes back through its learning steps.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from retain.collection import AnswerResult, Collection, StudyCounts, StudyItem, UndoResult
from retain.core.grading import Judge
from retain.core.model import Card, CardId, Deck, Rating
from retain.core.questions import Mode, Question
from retain.core.scheduling import format_interval
from retain.errors import CollectionError
from retain.session import Outcome, StudySession, parse_mode
from retain.storage.errors import StorageError
from retain.web.errors import Conflict, NotFound, WebError

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Asked:
    """A question to show: the card, the question, the interval each rating would give."""

    item: StudyItem
    question: Question
    intervals: dict[Rating, timedelta]


@dataclass(frozen=True)
class MatchRound:
    question: Question
    items: list[StudyItem]


@dataclass(frozen=True)
class Checked:
    item: StudyItem
    question: Question
    outcome: Outcome
    intervals: dict[Rating, timedelta]


def question_rng(card: Card) -> random.Random:
    """The randomness of the question about `card` at its present number of reviews."""
    return random.Random(f"retain-question:{card.id}:{card.schedule.reps}")


def checked_mode(mode: str) -> str:
    try:
        return parse_mode(mode)
    except ValueError as error:
        raise WebError(str(error)) from None


def _session(
    col: Collection, deck: Deck | None, mode: str, clock: Clock, card: Card, judge: Judge | None
) -> StudySession:
    wanted = checked_mode(mode)
    if wanted == "learn":
        wanted = "choice" if card.schedule.reps == 0 else "type"
    return StudySession(
        col, deck, clock=clock, rng=question_rng(card), mode=wanted, judge=judge, prefetch=False
    )


def progress(counts: StudyCounts) -> tuple[int, int]:
    """(answers today, answers today plus cards still to study now)."""
    return counts.done_today, counts.done_today + counts.due + counts.new


def next_question(
    col: Collection, deck: Deck | None, mode: str, clock: Clock, judge: Judge | None = None
) -> Asked | None:
    """The question about the next card to study, or None when nothing is left now."""
    checked_mode(mode)
    item = col.study.next_card(clock(), deck)
    if item is None:
        return None
    return ask(col, deck, mode, clock, item, judge)


def ask(
    col: Collection,
    deck: Deck | None,
    mode: str,
    clock: Clock,
    item: StudyItem,
    judge: Judge | None = None,
) -> Asked:
    session = _session(col, deck, mode, clock, item.card, judge)
    question = session.question(item)
    now = clock()
    return Asked(item, question, col.study.preview(item.card, now))


def card_to_answer(
    col: Collection, deck: Deck | None, card_id: int, reps: int, *, to_record: bool = False
) -> StudyItem:
    """The card an answer is for, as it is now; refused if it was answered since the
    question was shown (`reps` is the number of reviews it had then). `to_record`: the
    answer is recorded next, and the card is read as `Study.card` reads it to be answered."""
    try:
        item = col.study.card(CardId(card_id), to_answer=to_record)
    except StorageError:
        raise
    except CollectionError as error:
        raise NotFound(f"no card with id {card_id}") from error
    if deck is not None and item.card.deck_id != deck.id:
        raise NotFound(f"no card with id {card_id}")
    if item.card.schedule.reps != reps:
        raise Conflict(
            f"card {card_id} has been answered since this question was shown: "
            "load the next question"
        )
    return item


def check(
    col: Collection,
    deck: Deck | None,
    mode: str,
    clock: Clock,
    *,
    card_id: int,
    reps: int,
    response: str | None,
    duration_ms: int | None = None,
    judge: Judge | None = None,
) -> Checked:
    """Check or grade a response, recording nothing (flip: turn the card over)."""
    item = card_to_answer(col, deck, card_id, reps)
    session = _session(col, deck, mode, clock, item.card, judge)
    question = session.question(item)
    outcome = _outcome(session, item, question, response, duration_ms)
    return Checked(item, question, outcome, col.study.preview(item.card, clock()))


def _outcome(
    session: StudySession,
    item: StudyItem,
    question: Question,
    response: str | None,
    duration_ms: int | None,
) -> Outcome:
    if question.mode is Mode.FLIP:
        return session.reveal(item, question)
    if response is None:
        raise WebError(f"a {question.mode.value} question needs a response")
    value: object = response
    if question.mode in (Mode.CHOICE, Mode.TRUE_FALSE):
        chosen = response.strip()
        # An option's number: ASCII digits, and not thousands of them (which `int` refuses).
        short = chosen.isascii() and chosen.isdigit() and len(chosen) <= 6
        number = int(chosen) if short else -1
        if not 0 <= number < len(question.options):
            raise WebError(f"choose an option by its number, 0 to {len(question.options) - 1}")
        value = number
    return session.submit(item, question, value, duration_ms=duration_ms)


def record(
    col: Collection,
    deck: Deck | None,
    mode: str,
    clock: Clock,
    *,
    card_id: int,
    reps: int,
    rating: Rating,
    response: str | None = None,
    overruled: str | None = None,
    duration_ms: int | None = None,
    judge: Judge | None = None,
) -> tuple[Checked, AnswerResult]:
    """Record the rating of an answer (on disk when this returns). The response is checked
    again, so the review log keeps what was answered and how it was graded. The intervals
    of the `Checked` given back are the rating's alone: the one its button showed."""
    if overruled not in (None, "right", "wrong"):
        raise WebError("overruled is 'right' or 'wrong'")
    item = card_to_answer(col, deck, card_id, reps, to_record=True)
    session = _session(col, deck, mode, clock, item.card, judge)
    question = session.question(item)
    if question.mode is Mode.FLIP or response is not None:
        outcome: Outcome | None = _outcome(session, item, question, response, duration_ms)
    else:
        outcome = None
    intervals = col.study.preview(item.card, clock(), (rating,))
    result = session.answer(
        item, rating, duration_ms=duration_ms, outcome=outcome, overruled=overruled
    )
    shown = outcome if outcome is not None else session.reveal(item, question)
    return Checked(item, question, shown, intervals), result


def match_round(col: Collection, deck: Deck | None, clock: Clock) -> MatchRound | None:
    """A round of 5-6 pairs, the same in any process until one of its cards is answered."""
    first = col.study.next_card(clock(), deck)
    if first is None:
        return None
    session = StudySession(col, deck, clock=clock, rng=question_rng(first.card), mode="match")
    found = session.match_round()
    if found is None:
        return None
    question, items = found
    return MatchRound(question, items)


def answer_match(
    col: Collection,
    deck: Deck | None,
    clock: Clock,
    *,
    card_ids: Sequence[int],
    chosen: Sequence[int | None],
    seconds: float,
) -> tuple[MatchRound, list[AnswerResult]]:
    """Record a match round: `chosen[i]` is the option picked for pair i."""
    found = match_round(col, deck, clock)
    if found is None or [i.card.id for i in found.items] != list(card_ids):
        raise Conflict("this round has changed since it was shown: load the next question")
    first = found.items[0]
    session = StudySession(col, deck, clock=clock, rng=question_rng(first.card), mode="match")
    results = session.answer_match(found.question, found.items, chosen, seconds=seconds)
    return found, results


def undo(col: Collection, clock: Clock, review_id: int | None = None) -> UndoResult:
    """Take back the last answer that stands (or the answer `review_id`)."""
    return col.study.undo(clock(), review_id=review_id)


def comes_back(col: Collection, clock: Clock, checked: Checked, result: AnswerResult) -> str:
    """When an answered card comes back: the interval its button showed (the one saved),
    and the time on the learner's clock, "in 6m (at 14:05)"."""
    due = result.card.schedule.due
    interval = checked.intervals.get(result.rating)
    described = when(col, clock, due)
    if interval is None or due is None or " (" not in described:
        return described
    return f"in {format_interval(interval)}{described[described.index(' ('):]}"


def when(col: Collection, clock: Clock, due: datetime | None) -> str:
    """When a card comes back, on the learner's clock: "in 10m (at 14:05)"."""
    if due is None:
        return "not scheduled"
    return StudySession(col, clock=clock).describe_due(due)
