"""Study: the next question, checking an answer, recording its rating, undo; in every mode
the terminal has, driven by the same `StudySession` (see `retain.web.studying`)."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from retain.collection import Collection, StudyCounts
from retain.core.model import Deck, Rating
from retain.core.questions import Mode, Question
from retain.core.scheduling import format_interval
from retain.web import studying
from retain.web.deps import ClockDep, CollectionDep, SettingsDep, one_transaction
from retain.web.errors import WebError
from retain.web.lane import LaneRoute, json_body, one_of, plain_id, query_values
from retain.web.models import (
    AnswerIn,
    CountsOut,
    FeedbackOut,
    GradeIn,
    MatchIn,
    MatchOut,
    MatchResultOut,
    NextOut,
    OptionalId,
    PointOut,
    Problem,
    QuestionOut,
    RecordedOut,
    StudyMode,
    UndoIn,
    UndoOut,
)
from retain.web.routes.decks import optional_deck
from retain.web.studying import Checked, Clock
from retain.web.views import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(
    prefix="/api/study",
    tags=["study"],
    responses={400: {"model": Problem}, 404: {"model": Problem}, 409: {"model": Problem}},
)

MODE_LABELS = {
    "auto": "Mixed (recommended)",
    "flip": "Flip cards",
    "type": "Type the answer",
    "choice": "Multiple choice",
    "truefalse": "True or false",
    "cloze": "Fill the gap",
    "match": "Match pairs",
    "learn": "Learn new cards",
}


def counts_out(counts: StudyCounts) -> CountsOut:
    done, total = studying.progress(counts)
    return CountsOut(
        due=counts.due,
        new=counts.new,
        done_today=counts.done_today,
        progress_done=done,
        progress_total=total,
    )


def intervals_out(intervals: dict[Rating, Any]) -> dict[str, str]:
    return {r.label: format_interval(i) for r, i in intervals.items()}


def right_answer(question: Question) -> str | None:
    if question.mode in (Mode.CHOICE, Mode.TRUE_FALSE) and isinstance(question.answer, int):
        return question.options[question.answer]
    if question.mode is Mode.CLOZE and isinstance(question.answer, str):
        return question.answer
    return None


def feedback_out(checked: Checked) -> FeedbackOut:
    outcome = checked.outcome
    grade = outcome.grade
    return FeedbackOut(
        card_id=checked.item.card.id,
        mode=checked.question.mode.value,
        correct=outcome.correct,
        suggested=outcome.rating.label,
        verdict=None if grade is None else grade.verdict,
        score=None if grade is None else round(grade.score, 4),
        points=[]
        if grade is None
        else [
            PointOut(
                index=p.index,
                text=p.text,
                covered=p.covered,
                matched_terms=list(p.matched_terms),
                contradicted=p.contradicted,
            )
            for p in grade.points
        ],
        answer_points=list(checked.item.note.answer_points),
        right_answer=right_answer(checked.question),
        intervals=intervals_out(checked.intervals),
    )


# -- pages ------------------------------------------------------------------------------


def _study_context(
    col: Collection,
    deck: Deck | None,
    mode: str,
    clock: Clock,
    settings: Any,
    **extra: Any,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "deck": deck,
        "mode": mode,
        "modes": MODE_LABELS,
        "page": "study",
        "decks": col.decks.all(),
        "class_decks": col.classes.assigned(),
        **extra,
    }
    if "asked" not in context and "checked" not in context and "match" not in context:
        if mode == "match":
            context["match"] = studying.match_round(col, deck, clock)
        else:
            context["asked"] = studying.next_question(col, deck, mode, clock, settings.judge)
    counts = col.study.counts(clock(), deck)
    done, total = studying.progress(counts)
    context.update(counts=counts, done=done, total=total)
    if not context.get("asked") and not context.get("checked") and not context.get("match"):
        next_due = col.study.next_due(clock(), deck)
        context["next_due"] = None if next_due is None else studying.when(col, clock, next_due)
    return context


def _mode(mode: str) -> str:
    return studying.checked_mode(mode)


@pages.get("/study", response_class=HTMLResponse)
@one_transaction
def study_page(
    request: Request,
    col: CollectionDep,
    clock: ClockDep,
    settings: SettingsDep,
    deck: OptionalId = None,
    mode: Annotated[str, Query(max_length=20)] = "auto",
) -> HTMLResponse:
    mode = _mode(mode)
    context = _study_context(col, optional_deck(col, deck), mode, clock, settings)
    if request.headers.get("hx-target") == "study":
        return _study_page(request, context)
    return render(request, "study.html", context)


def _study_page(request: Request, context: dict[str, Any]) -> HTMLResponse:
    """The study part alone for htmx, which swaps it in; the whole page for a form sent
    without it (before the page's scripts have set the form up, or with no scripts)."""
    if request.headers.get("hx-request"):
        return render(request, "_study.html", context)
    return render(request, "study.html", context)


Int = Annotated[int, Form(ge=0, le=2**53)]
OptionalInt = Annotated[int | None, Form(ge=0, le=2**53)]
Str = Annotated[str, Form(max_length=20)]


def _optional_int(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit():
        raise WebError(f"not a number: {value!r}")
    return int(value)


@pages.post("/study/answer", response_class=HTMLResponse)
@one_transaction
def answer_page(
    request: Request,
    col: CollectionDep,
    clock: ClockDep,
    settings: SettingsDep,
    card_id: Int,
    reps: Int,
    mode: Str = "auto",
    deck: Annotated[str | None, Form(max_length=20)] = None,
    response: Annotated[str | None, Form(max_length=20000)] = None,
    duration_ms: Annotated[str | None, Form(max_length=20)] = None,
) -> HTMLResponse:
    mode = _mode(mode)
    the_deck = optional_deck(col, _optional_int(deck))
    checked = studying.check(
        col,
        the_deck,
        mode,
        clock,
        card_id=card_id,
        reps=reps,
        response=response,
        duration_ms=_optional_int(duration_ms),
        judge=settings.judge,
    )
    context = _study_context(
        col,
        the_deck,
        mode,
        clock,
        settings,
        checked=checked,
        feedback=feedback_out(checked),
        response=response,
        duration_ms=duration_ms,
    )
    return _study_page(request, context)


@pages.post("/study/grade", response_class=HTMLResponse)
@one_transaction
def grade_page(
    request: Request,
    col: CollectionDep,
    clock: ClockDep,
    settings: SettingsDep,
    card_id: Int,
    reps: Int,
    rating: Annotated[str, Form(max_length=10)],
    mode: Str = "auto",
    deck: Annotated[str | None, Form(max_length=20)] = None,
    response: Annotated[str | None, Form(max_length=20000)] = None,
    overruled: Annotated[str | None, Form(max_length=10)] = None,
    duration_ms: Annotated[str | None, Form(max_length=20)] = None,
) -> HTMLResponse:
    mode = _mode(mode)
    the_deck = optional_deck(col, _optional_int(deck))
    try:
        chosen = Rating.parse(rating)
    except ValueError as error:
        raise WebError(str(error)) from None
    checked, result = studying.record(
        col,
        the_deck,
        mode,
        clock,
        card_id=card_id,
        reps=reps,
        rating=chosen,
        response=response,
        overruled=overruled or None,
        duration_ms=_optional_int(duration_ms),
        judge=settings.judge,
    )
    recorded = {
        "rating": result.rating.label.capitalize(),
        "comes_back": studying.comes_back(col, clock, checked, result),
        "overruled": overruled or None,
        "question": checked.item.note.question,
    }
    context = _study_context(col, the_deck, mode, clock, settings, recorded=recorded)
    return _study_page(request, context)


@pages.post("/study/undo", response_class=HTMLResponse)
@one_transaction
def undo_page(
    request: Request,
    col: CollectionDep,
    clock: ClockDep,
    settings: SettingsDep,
    mode: Str = "auto",
    deck: Annotated[str | None, Form(max_length=20)] = None,
) -> HTMLResponse:
    mode = _mode(mode)
    the_deck = optional_deck(col, _optional_int(deck))
    result = studying.undo(col, clock)
    item = col.study.card(result.card.id)
    extra: dict[str, Any] = {"undone": result.rating.label.capitalize()}
    if mode != "match":
        extra["asked"] = studying.ask(col, the_deck, mode, clock, item, settings.judge)
    context = _study_context(col, the_deck, mode, clock, settings, **extra)
    return _study_page(request, context)


@pages.post("/study/match", response_class=HTMLResponse)
async def match_page(
    request: Request, col: CollectionDep, clock: ClockDep, settings: SettingsDep
) -> HTMLResponse:
    form = await request.form()
    deck_value = form.get("deck")
    the_deck = optional_deck(
        col, _optional_int(deck_value if isinstance(deck_value, str) else None)
    )
    card_ids = [int(v) for v in form.getlist("card_id") if isinstance(v, str) and v.isdigit()]
    chosen: list[int | None] = []
    for i in range(len(card_ids)):
        value = form.get(f"chosen{i}")
        chosen.append(int(value) if isinstance(value, str) and value.isdigit() else None)
    seconds_value = form.get("duration_ms")
    seconds = (
        int(seconds_value) / 1000
        if isinstance(seconds_value, str) and seconds_value.isdigit()
        else 0.0
    )
    found, results = studying.answer_match(
        col, the_deck, clock, card_ids=card_ids, chosen=chosen, seconds=seconds
    )
    right = [r.rating is Rating.GOOD for r in results]
    assert isinstance(found.question.answer, tuple)
    pairs = [
        {
            "prompt": p[0],
            "answer": p[1],
            "right": ok,
            "chosen": (
                found.question.options[c]
                if c is not None and c < len(found.question.options)
                else "—"
            ),
        }
        for p, ok, c in zip(found.question.pairs, right, chosen, strict=False)
    ]
    context = _study_context(
        col, the_deck, "match", clock, settings, match_result={"pairs": pairs, "right": sum(right)}
    )
    return _study_page(request, context)


# -- API --------------------------------------------------------------------------------


def question_out(asked: studying.Asked) -> QuestionOut:
    q = asked.question
    return QuestionOut(
        card_id=asked.item.card.id,
        reps=asked.item.card.schedule.reps,
        deck_id=asked.item.card.deck_id,
        mode=q.mode.value,
        prompt=q.prompt,
        statement=q.statement,
        options=list(q.options),
        intervals=intervals_out(asked.intervals),
    )


@api.get("/next", response_model=NextOut, summary="The next question (or none left now)")
@one_transaction
def next_question(
    col: CollectionDep,
    clock: ClockDep,
    settings: SettingsDep,
    deck_id: Annotated[int | None, Query(ge=1, le=2**53)] = None,
    mode: StudyMode = "auto",
) -> NextOut:
    deck = optional_deck(col, deck_id)
    counts = counts_out(col.study.counts(clock(), deck))
    if mode == "match":
        found = studying.match_round(col, deck, clock)
        if found is not None:
            return NextOut(
                done=False,
                counts=counts,
                match=MatchOut(
                    card_ids=[i.card.id for i in found.items],
                    prompts=[p[0] for p in found.question.pairs],
                    options=list(found.question.options),
                ),
            )
    else:
        asked = studying.next_question(col, deck, mode, clock, settings.judge)
        if asked is not None:
            return NextOut(done=False, counts=counts, question=question_out(asked))
    return NextOut(done=True, counts=counts, next_due=col.study.next_due(clock(), deck))


@api.post("/answer", response_model=FeedbackOut, summary="Check or grade an answer; record nothing")
@one_transaction
def answer(
    body: AnswerIn, col: CollectionDep, clock: ClockDep, settings: SettingsDep
) -> FeedbackOut:
    deck = optional_deck(col, body.deck_id)
    checked = studying.check(
        col,
        deck,
        _mode(body.mode),
        clock,
        card_id=body.card_id,
        reps=body.reps,
        response=body.response,
        duration_ms=body.duration_ms,
        judge=settings.judge,
    )
    return feedback_out(checked)


@api.post("/grade", response_model=RecordedOut, summary="Record the rating of an answer")
@one_transaction
def grade(body: GradeIn, col: CollectionDep, clock: ClockDep, settings: SettingsDep) -> RecordedOut:
    deck = optional_deck(col, body.deck_id)
    checked, result = studying.record(
        col,
        deck,
        _mode(body.mode),
        clock,
        card_id=body.card_id,
        reps=body.reps,
        rating=Rating.parse(body.rating),
        response=body.response,
        overruled=body.overruled,
        duration_ms=body.duration_ms,
        judge=settings.judge,
    )
    return RecordedOut(
        review_id=result.review_id,
        card_id=result.card.id,
        rating=result.rating.label,
        comes_back=studying.comes_back(col, clock, checked, result),
        due=result.card.schedule.due,
        counts=counts_out(col.study.counts(clock(), deck)),
    )


@api.post("/match", response_model=MatchResultOut, summary="Record a round of matching")
@one_transaction
def match(body: MatchIn, col: CollectionDep, clock: ClockDep) -> MatchResultOut:
    deck = optional_deck(col, body.deck_id)
    _found, results = studying.answer_match(
        col, deck, clock, card_ids=body.card_ids, chosen=body.chosen, seconds=body.seconds
    )
    return MatchResultOut(
        right=[r.rating is Rating.GOOD for r in results],
        review_ids=[r.review_id for r in results],
        counts=counts_out(col.study.counts(clock(), deck)),
    )


@api.post("/undo", response_model=UndoOut, summary="Take back the last answer (or one by id)")
@one_transaction
def undo(body: UndoIn, col: CollectionDep, clock: ClockDep) -> UndoOut:
    result = studying.undo(col, clock, body.review_id)
    return UndoOut(review_id=result.review_id, card_id=result.card.id, rating=result.rating.label)


def _next_query(request: Request, _body: bytes) -> dict[str, Any] | None:
    return query_values(request, {"deck_id": plain_id, "mode": one_of(*get_args(StudyMode))})


LANE = (
    LaneRoute("GET", "/api/study/next", _next_query, next_question),
    LaneRoute("POST", "/api/study/grade", json_body(GradeIn, "body"), grade),
)
"""The study loop's requests, served by `retain.web.lane` when they are plain."""
