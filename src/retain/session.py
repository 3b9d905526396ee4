"""A study session: the loop every interface runs, kept out of the interfaces.

The terminal app, the plain line mode and the web app all drive a `StudySession`: ask it for
the next card and the question to show, pass the student's response back to be checked or
graded, then record the rating. The session reads the clock through the function it is
given and draws questions from the `random.Random` it is given, so tests and simulations can
run it at any time and seed they like.

Modes: ``auto`` picks each card's mode (`questions.choose_mode`); ``flip``, ``type``,
``choice``, ``truefalse``, ``cloze`` and ``match`` ask every card that way (falling back to
another mode when the deck cannot give a fair question); ``learn`` works like a learning
round: new cards are first recognised (choice), then recalled (typed), and a card is learned
once it has been typed correctly, so wrong answers come back. Every answer, in every mode,
is recorded as an FSRS rating.
"""

from __future__ import annotations

import functools
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from retain.collection import AnswerResult, Collection, StudyCounts, StudyItem, UndoResult
from retain.core import questions
from retain.core.deckview import DeckView
from retain.core.grading import (
    Grade,
    Judge,
    cut_to_limits,
    grade_typed_answer,
    prepare_grading,
    suggest_rating,
)
from retain.core.model import CardId, Deck, DeckId, Note, NoteId, Rating
from retain.core.questions import Mode, Question, QuestionUnavailable
from retain.core.scheduling import format_interval
from retain.errors import CollectionError

STUDY_MODES = ("auto", "flip", "type", "choice", "truefalse", "cloze", "match", "learn")
"""The names `retain study --mode` accepts."""

LEARN_ROUND = 7
"""How many cards a learn round works on at once."""

STUDY_AHEAD = timedelta(days=1)
"""Studying ahead takes the cards that fall due within this time of the next one."""

PREFETCH_FRESH = timedelta(seconds=2)
"""An answer picks the next card in its own transaction; the pick is used if the next card
is asked for within this time (it always is, when a screen moves straight on)."""

_FALLBACK = {
    Mode.CHOICE: (Mode.TRUE_FALSE, Mode.FLIP),
    Mode.TRUE_FALSE: (Mode.CHOICE, Mode.FLIP),
    Mode.CLOZE: (Mode.TYPE,),
    Mode.MATCH: (Mode.CHOICE, Mode.FLIP),
}


_P = ParamSpec("_P")
_T = TypeVar("_T")


def _foreground(method: Callable[_P, _T]) -> Callable[_P, _T]:
    """A step the student waits for: indexing in the background gives way to it (see
    `DeckIndex.foreground`)."""

    @functools.wraps(method)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        session = args[0]
        assert isinstance(session, StudySession)
        with session.collection.index.foreground():
            return method(*args, **kwargs)

    return run


def system_clock() -> datetime:
    return datetime.now(UTC)


def parse_mode(name: str) -> str:
    """A `--mode` value, checked; `true_false` and `true-false` are read as `truefalse`."""
    value = name.strip().lower().replace("_", "").replace("-", "")
    if value not in STUDY_MODES:
        raise ValueError(f"unknown mode {name!r} (choose from {', '.join(STUDY_MODES)})")
    return value


@dataclass(frozen=True)
class Outcome:
    """What the session made of a response, before it is recorded.

    `rating` is the suggested FSRS rating; `correct` is None for flip. For typed answers
    `grade` holds the point-by-point grade. `points` maps answer point index to whether it
    was answered right, for the statistics per point.
    """

    question: Question
    rating: Rating
    correct: bool | None = None
    grade: Grade | None = None
    response: str | None = None
    points: dict[int, bool] | None = None


@dataclass
class SessionSummary:
    answered: int = 0
    correct: int = 0
    checked: int = 0
    by_rating: Counter[Rating] = field(default_factory=Counter)
    seconds: float = 0.0

    def copy(self) -> SessionSummary:
        return replace(self, by_rating=Counter(self.by_rating))

    def lines(self) -> list[str]:
        if not self.answered:
            return ["No cards answered."]
        parts = ", ".join(f"{r.label} {self.by_rating[r]}" for r in Rating if self.by_rating[r])
        minutes, seconds = divmod(int(self.seconds), 60)
        lines = [
            f"Answered {self.answered} card{'s' if self.answered != 1 else ''} "
            f"in {minutes}m {seconds:02d}s.",
            f"Ratings: {parts}.",
        ]
        if self.checked:
            lines.append(f"Right first time: {self.correct} of {self.checked}.")
        return lines


@dataclass
class _LearnCard:
    item: StudyItem
    stage: int  # 0: recognise (choice), 1: recall (type)


@dataclass(frozen=True)
class _Undoable:
    """One step the session can take back: the answers it recorded (one, or a match
    round's), and what the session looked like before them."""

    review_ids: tuple[int, ...]
    item: StudyItem
    summary: SessionSummary
    learn: tuple[tuple[StudyItem, int], ...]
    learned: frozenset[CardId]


class StudySession:
    def __init__(
        self,
        collection: Collection,
        deck: Deck | None = None,
        *,
        clock: Callable[[], datetime] = system_clock,
        rng: random.Random | None = None,
        mode: str = "auto",
        judge: Judge | None = None,
        prefetch: bool = True,
    ) -> None:
        """`prefetch`: an answer also picks the next card, in its own transaction (see
        `PREFETCH_FRESH`); off for a session that asks one question and ends (a request of
        the web app), which would never use the pick."""
        self.collection = collection
        self._prefetch = prefetch
        self.judge = judge
        self.deck = deck
        self.clock = clock
        self.rng = rng if rng is not None else random.Random()
        self.mode = parse_mode(mode)
        self.summary = SessionSummary()
        self._started = clock()
        self._views: dict[DeckId, DeckView] = {}
        self._learn: list[_LearnCard] = []
        self._learned: set[CardId] = set()
        self._upcoming: tuple[datetime, StudyItem | None] | None = None
        self._counted: tuple[datetime, StudyCounts] | None = None  # see `counts`
        self._undoable: list[_Undoable] = []
        self._again: StudyItem | None = None  # an undone card, to be asked again first
        self._ready: tuple[StudyItem, Question] | None = None  # see `prepare_ahead`
        self.ahead_until: datetime | None = None
        """While studying ahead: cards due by this time are asked once nothing is due."""

    # -- what to ask --------------------------------------------------------------------

    @_foreground
    def next(self) -> StudyItem | None:
        if self.mode == "learn":
            return self._next_learn()
        again, self._again = self._again, None
        if again is not None:
            return again
        upcoming, self._upcoming = self._upcoming, None
        if upcoming is not None and self.clock() - upcoming[0] < PREFETCH_FRESH:
            item = upcoming[1]
        else:
            item = self.collection.study.next_card(self.clock(), self.deck)
        if item is None and self.ahead_until is not None:
            ahead = self._ahead(1)
            item = ahead[0] if ahead else None
        return item

    def _cards(self, limit: int) -> list[StudyItem]:
        """Up to `limit` cards to study now, then (while studying ahead) cards due soon."""
        items = self.collection.study.next_cards(self.clock(), self.deck, limit=limit)
        if len(items) < limit and self.ahead_until is not None:
            seen = {i.card.id for i in items}
            items += [i for i in self._ahead(limit) if i.card.id not in seen][: limit - len(items)]
        return items

    def _ahead(self, limit: int) -> list[StudyItem]:
        assert self.ahead_until is not None
        return self.collection.study.cards_ahead(
            self.clock(), self.deck, until=self.ahead_until, limit=limit
        )

    def next_due(self) -> datetime | None:
        """When the next card that is not due now falls due; None if no card is scheduled."""
        return self.collection.study.next_due(self.clock(), self.deck)

    def describe_due(self, due: datetime) -> str:
        """How long until `due` and when that is on the learner's clock: "in 5h (at 17:04)",
        "in 3d (on Sat 5 Dec at 09:30)"."""
        now = self.clock()
        local, today = due.astimezone(self.collection.tz), now.astimezone(self.collection.tz)
        when = f"at {local:%H:%M}"
        if local.date() != today.date():
            when = f"on {local:%a} {local.day} {local:%b} {when}"
        return f"in {format_interval(due - now)} ({when})"

    def study_ahead(self) -> datetime | None:
        """Go on with cards that are not due yet: those due within `STUDY_AHEAD` of the next
        one, soonest first, once nothing is due. Returns the time they are due by, or None
        (and changes nothing) when no card is scheduled."""
        upcoming = self.next_due()
        if upcoming is None:
            return None
        self.ahead_until = upcoming + STUDY_AHEAD
        return self.ahead_until

    @_foreground
    def counts(self) -> StudyCounts:
        """What the screen shows: due, new and done today. Right after an answer, the counts
        its transaction made with the next card (within `PREFETCH_FRESH`)."""
        counted, self._counted = self._counted, None
        now = self.clock()
        if counted is not None and timedelta(0) <= now - counted[0] < PREFETCH_FRESH:
            return counted[1]
        return self.collection.study.counts(now, self.deck)

    @_foreground
    def preview(self, item: StudyItem) -> dict[Rating, timedelta]:
        return self.collection.study.preview(item.card, self.clock())

    def deck_view(self, deck_id: DeckId) -> DeckView:
        """The rest of a card's deck, as question generation and grading see it: read from
        the deck index a little at a time, never loaded whole."""
        if deck_id not in self._views:
            self._views[deck_id] = self.collection.decks.view(deck_id)
        return self._views[deck_id]

    @_foreground
    def question(self, item: StudyItem) -> Question:
        """The question to ask about this card, in the session's mode (or the card's own
        mode under ``auto``), falling back to another mode when the deck cannot give a fair
        question in it. A question made ahead for this card, in the state it is in now, is
        the one asked (see `prepare_ahead`)."""
        ready, self._ready = self._ready, None
        if ready is not None and ready[0] == item:
            return ready[1]
        view = self.deck_view(item.card.deck_id)
        wanted = self._wanted_mode(item, view)
        for mode in (wanted, *_FALLBACK.get(wanted, ()), Mode.FLIP):
            try:
                return questions.build_question(mode, item.note, view, self.rng)
            except QuestionUnavailable:
                continue
        raise AssertionError("flip questions are always available")  # pragma: no cover

    def prepare_ahead(self, item: StudyItem, question: Question) -> None:
        """Do now, while the student is answering `question` about `item`, the work that
        would otherwise be waited for after the answer: the intervals of the rating buttons
        are worked out, the grader reads the card (for a typed question), and the question of
        the card that comes next (the first one queued after this card) is made. Screens call
        it once the question is on screen; the student's keys wait in the input buffer
        meanwhile.

        Nothing is recorded and nothing the student sees changes. If another card comes
        next after all (the answer put this card first again, a learning step fell due, the
        card was edited), its question is made when it is asked, as without this.

        A storage error here is not raised: the same reads are made again when they are
        needed, and fail (or not) there, where the screens report it."""
        try:
            self.collection.study.preview(item.card, self.clock())  # for the rating buttons
            if question.mode is Mode.TYPE:
                note = item.note
                others = self.deck_view(item.card.deck_id).related_answers(note, "")
                prepare_grading(note.question, note.answer_points, other_answers=others)
            if self.mode in ("learn", "match") or self._again is not None:
                return
            following = next((i for i in self._cards(2) if i.card.id != item.card.id), None)
            if following is not None:
                self._ready = (following, self.question(following))
        except CollectionError:
            self._ready = None

    def _wanted_mode(self, item: StudyItem, notes: DeckView) -> Mode:
        if self.mode == "auto":
            return questions.choose_mode(
                item.note, notes, review_count=item.card.schedule.reps, rng=self.rng
            )
        if self.mode == "learn":
            entry = self._learn_entry(item.card.id)
            return Mode.CHOICE if entry is not None and entry.stage == 0 else Mode.TYPE
        if self.mode == "truefalse":
            return Mode.TRUE_FALSE
        return Mode(self.mode)

    # -- checking a response ------------------------------------------------------------

    def reveal(self, item: StudyItem, question: Question) -> Outcome:
        """A flip card turned over: the student rates it; GOOD is suggested."""
        return Outcome(question=question, rating=Rating.GOOD)

    @_foreground
    def submit(
        self,
        item: StudyItem,
        question: Question,
        response: object,
        *,
        duration_ms: int | None = None,
    ) -> Outcome:
        """Check or grade a response, without recording anything.

        type: the typed text, graded point by point; choice / truefalse: the chosen option's
        index (or True/False); cloze: the typed term. The suggested rating follows: a
        correct answer is GOOD, a wrong one AGAIN, and a typed answer is rated from its
        grade (HARD for a partial answer)."""
        if question.mode is Mode.TYPE:
            typed = str(response)
            others = self.deck_view(item.card.deck_id).related_answers(item.note, typed)
            grade = grade_typed_answer(  # what is past the grader's limits is not read
                *cut_to_limits(item.note.question, item.note.answer_points, typed),
                other_answers=others,
                judge=self.judge,
            )
            return Outcome(
                question=question,
                rating=suggest_rating(grade, duration_ms),
                correct=grade.verdict == "correct",
                grade=grade,
                response=typed,
                points={p.index: p.covered for p in grade.points},
            )
        correct = bool(questions.check(question, response))
        points = None if question.point_index is None else {question.point_index: correct}
        return Outcome(
            question=question,
            rating=Rating.GOOD if correct else Rating.AGAIN,
            correct=correct,
            response=str(response),
            points=points,
        )

    # -- recording ----------------------------------------------------------------------

    @_foreground
    def answer(
        self,
        item: StudyItem,
        rating: Rating,
        *,
        duration_ms: int | None = None,
        outcome: Outcome | None = None,
        overruled: str | None = None,
    ) -> AnswerResult:
        """Record the rating (committed when this returns). `overruled` is ``"right"`` or
        ``"wrong"`` when the student overruled the grader ("I was right" / "I was wrong");
        a checked answer rated other than the suggested rating counts as overruled too, in
        the direction of the change. Overrules are kept in the review log."""
        now = self.clock()
        said = overruled
        mode = outcome.question.mode.value if outcome else "flip"
        detail: dict[str, Any] | None = None
        points = None
        checked = outcome is not None and outcome.question.mode is not Mode.FLIP
        if not checked:
            overruled = None
        elif overruled is None and outcome is not None and rating != outcome.rating:
            overruled = "right" if rating > outcome.rating else "wrong"
        if outcome is not None and checked:
            detail = {"prompt": outcome.question.prompt, "response": outcome.response}
            if outcome.question.point_index is not None:
                detail["point"] = outcome.question.point_index
            if outcome.correct is not None:
                detail["correct"] = outcome.correct
            if outcome.grade is not None:
                detail["grade"] = outcome.grade.to_json_dict()
            if overruled:
                detail["overruled"] = overruled
                detail["suggested"] = outcome.rating.label
            points = outcome.points
            if overruled == "right" and points is not None:
                points = dict.fromkeys(points, True)
        prefetch = self._prefetch and self.mode not in ("learn", "match")
        before = _Undoable(
            (), item, self.summary.copy(),
            tuple((e.item, e.stage) for e in self._learn), frozenset(self._learned),
        )
        result = self.collection.study.answer(
            item.card.id, rating, now, duration_ms=duration_ms, mode=mode, detail=detail,
            points=points, pick_next=prefetch, deck=self.deck,
        )
        self._undoable.append(replace(before, review_ids=(result.review_id,)))
        self._again = None
        self._upcoming = (now, result.next) if prefetch else None
        self._counted = (now, result.counts) if result.counts is not None else None
        self.summary.answered += 1
        self.summary.by_rating[rating] += 1
        if outcome is not None and outcome.correct is not None:
            # "I was right" counts as right; "I was wrong" as wrong. A rating other than the
            # suggested one counts as right when it raises a wrong answer's rating.
            right = outcome.correct and said != "wrong"
            self.summary.checked += 1
            self.summary.correct += int(right or overruled == "right")
        self.summary.seconds = (now - self._started).total_seconds()
        if self.mode == "learn" and outcome is not None:
            self._advance_learn(item, outcome, overruled)
        return result

    # -- undo ---------------------------------------------------------------------------

    def can_undo(self) -> bool:
        """Whether this session has recorded an answer it can take back."""
        return bool(self._undoable)

    @_foreground
    def undo(self) -> UndoResult | None:
        """Take back the session's last answer (a whole round, in match mode): the card
        gets back its previous state, the summary and a learn round go back to what they
        were, and the card is the next one asked. Several undos go back several answers.
        None when there is nothing left to undo in this session."""
        if not self._undoable:
            return None
        step = self._undoable.pop()
        now = self.clock()
        result: UndoResult | None = None
        for review_id in reversed(step.review_ids):
            result = self.collection.study.undo(now, review_id=review_id)
        assert result is not None
        self.summary = step.summary
        self._upcoming = self._ready = self._counted = None
        if self.mode == "learn":
            self._learn = [_LearnCard(item, stage) for item, stage in step.learn]
            self._learned = set(step.learned)
        elif self.mode != "match":
            self._again = StudyItem(result.card, step.item.note)
        return result

    # -- editing ------------------------------------------------------------------------

    def edit(self, item: StudyItem, question: str, answer_points: Sequence[str]) -> StudyItem:
        """Change the question and answer points of the card's note (its history stays);
        returns the card with its new text."""
        note = self.collection.decks.edit_note(
            item.note.id, question, answer_points, now=self.clock()
        )
        self._views.pop(item.card.deck_id, None)  # the deck has changed: read it afresh

        def fresh(old: StudyItem) -> StudyItem:
            return StudyItem(old.card, note) if old.note.id == note.id else old

        for entry in self._learn:
            entry.item = fresh(entry.item)
        self._undoable = [replace(step, item=fresh(step.item)) for step in self._undoable]
        if self._again is not None:
            self._again = fresh(self._again)
        self._upcoming = self._ready = self._counted = None
        return StudyItem(item.card, note)

    # -- matching -----------------------------------------------------------------------

    def match_round(self) -> tuple[Question, list[StudyItem]] | None:
        """A round of 5-6 question-answer pairs, taken from the cards due now where there
        are enough of them, and from the rest of the deck otherwise. Returns the question
        and, for each pair in order, its card; None when there is nothing to study."""
        queued = self._cards(max(questions.MATCH_PAIRS))
        if not queued:
            return None
        first = queued[0]
        same_deck = [i for i in queued if i.card.deck_id == first.card.deck_id]
        pool: Sequence[Note] = [i.note for i in same_deck]
        try:
            question = questions.build_question(Mode.MATCH, first.note, pool, self.rng)
        except QuestionUnavailable:
            view = self.deck_view(first.card.deck_id)
            try:
                question = questions.build_question(Mode.MATCH, first.note, view, self.rng)
            except QuestionUnavailable:
                return None
        by_note: dict[NoteId, StudyItem] = {i.note.id: i for i in same_deck}
        items = []
        for note_id in question.pair_note_ids:
            item = by_note.get(note_id)
            if item is None:
                item = self.collection.study.card_for_note(note_id)
            items.append(item)
        return question, items

    def answer_match(
        self,
        question: Question,
        items: Sequence[StudyItem],
        chosen: Sequence[int | None],
        *,
        seconds: float,
    ) -> list[AnswerResult]:
        """Record a match round: each pair matched right is GOOD, a wrong or missing match
        is AGAIN. `chosen[i]` is the option picked for pair i."""
        assert isinstance(question.answer, tuple)
        results = []
        first_step = len(self._undoable)
        for index, item in enumerate(items):
            right = index < len(chosen) and chosen[index] == question.answer[index]
            outcome = Outcome(
                question=question,
                rating=Rating.GOOD if right else Rating.AGAIN,
                correct=right,
                response=None if index >= len(chosen) else str(chosen[index]),
            )
            results.append(
                self.answer(
                    item, outcome.rating, duration_ms=int(seconds * 1000 / max(1, len(items))),
                    outcome=outcome,
                )
            )
        steps = self._undoable[first_step:]
        if steps:  # the round is undone as a whole
            del self._undoable[first_step:]
            self._undoable.append(
                replace(steps[0], review_ids=tuple(i for s in steps for i in s.review_ids))
            )
        return results

    # -- learn rounds -------------------------------------------------------------------

    def _learn_entry(self, card_id: CardId) -> _LearnCard | None:
        return next((e for e in self._learn if e.item.card.id == card_id), None)

    def _next_learn(self) -> StudyItem | None:
        if not self._learn:
            fetched = self._cards(LEARN_ROUND + len(self._learned))
            fresh = [i for i in fetched if i.card.id not in self._learned][:LEARN_ROUND]
            self._learn = [
                _LearnCard(i, stage=0 if i.card.schedule.reps == 0 else 1) for i in fresh
            ]
        return self._learn[0].item if self._learn else None

    def learn_progress(self) -> tuple[int, int]:
        """(cards learned in this session, cards still in the current round)."""
        return len(self._learned), len(self._learn)

    def _advance_learn(self, item: StudyItem, outcome: Outcome, overruled: str | None) -> None:
        entry = self._learn_entry(item.card.id)
        if entry is None:
            return
        self._learn.remove(entry)
        right = overruled == "right" or (overruled is None and bool(outcome.correct))
        if outcome.question.mode is Mode.FLIP:
            right = overruled != "wrong" and outcome.rating >= Rating.GOOD
        if right and entry.stage == 0:
            entry.stage = 1
        elif right:
            self._learned.add(item.card.id)
            return
        refreshed = self.collection.study.card(item.card.id)
        entry.item = refreshed
        # A card answered wrong comes back after a couple of others, not straight away.
        self._learn.insert(min(len(self._learn), 2), entry)
