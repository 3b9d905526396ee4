"""The JSON shapes of the API (and so of /openapi.json)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from retain.core.drafts import MAX_DRAFT_CARDS

Text = Field(min_length=1, max_length=2000)

MAX_ID = 2**53
"""Ids are whole numbers from 1 to this (they fit every database's integers)."""

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]

StudyMode = Literal["auto", "flip", "type", "choice", "truefalse", "cloze", "match", "learn"]


class Input(BaseModel):
    """A request body: values of the wrong JSON type are refused, not converted."""

    model_config = ConfigDict(strict=True)


class Problem(BaseModel):
    detail: str


class CsrfOut(BaseModel):
    csrf_token: str
    header: str = "X-CSRF-Token"


class DeckOut(BaseModel):
    id: int
    name: str
    title: str | None
    new: int
    learning: int
    due: int
    total: int
    next_due: datetime | None


class RenameIn(Input):
    name: str = Field(min_length=1, max_length=200)


class DeletedOut(BaseModel):
    deleted: int


class CardIn(Input):
    question: str = Text
    answer_points: list[str] = Field(default_factory=list, max_length=100)


class CardOut(BaseModel):
    note_id: int
    card_id: int
    deck_id: int
    question: str
    answer_points: list[str]
    state: str
    due: datetime | None
    reps: int


class DraftCard(Input):
    question: str = Field(max_length=2000)
    answer_points: list[str] = Field(default_factory=list, max_length=100)


class DraftModel(Input):
    title: str | None = Field(default=None, max_length=200)
    format: str = Field(default="text/edited", max_length=100)
    cards: list[DraftCard] = Field(default_factory=list, max_length=MAX_DRAFT_CARDS)
    control_characters_removed: int = Field(default=0, ge=0)


class PreviewIn(Input):
    text: str = Field(max_length=2 * 1024 * 1024)


class DraftEditIn(Input):
    draft: DraftModel
    op: Literal["merge", "split", "move_up", "move_down", "delete"]
    card: int = Field(ge=0, description="0-based index of the card")
    point: int = Field(default=0, ge=0, description="0-based index of the answer point")


class ImportIn(Input):
    draft: DraftModel
    deck_name: str | None = Field(default=None, max_length=200)


class ImportOut(BaseModel):
    deck_id: int
    deck_name: str
    added: int
    updated: int
    unchanged: int


class CountsOut(BaseModel):
    due: int
    new: int
    done_today: int
    progress_done: int
    progress_total: int


class QuestionOut(BaseModel):
    card_id: int
    reps: int = Field(description="the card's reviews when asked; send it back with the answer")
    deck_id: int
    mode: str = Field(description="how this card is asked: flip, type, choice, true_false, cloze")
    prompt: str
    statement: str | None
    options: list[str]
    intervals: dict[str, str] = Field(description="rating -> the interval it would save")


class MatchOut(BaseModel):
    card_ids: list[int]
    prompts: list[str]
    options: list[str]


class NextOut(BaseModel):
    done: bool
    question: QuestionOut | None = None
    match: MatchOut | None = None
    counts: CountsOut
    next_due: datetime | None = None


class AnswerIn(Input):
    card_id: int = Field(ge=1, le=2**53)
    reps: int = Field(ge=0, le=2**31)
    mode: StudyMode = "auto"
    deck_id: int | None = Field(default=None, ge=1, le=2**53)
    response: str | None = Field(default=None, max_length=20000)
    duration_ms: int | None = Field(default=None, ge=0, le=86_400_000)


class GradeIn(AnswerIn):
    rating: Literal["again", "hard", "good", "easy"]
    overruled: Literal["right", "wrong"] | None = None


class PointOut(BaseModel):
    index: int
    text: str
    covered: bool
    matched_terms: list[str]
    contradicted: bool


class FeedbackOut(BaseModel):
    card_id: int
    mode: str
    correct: bool | None
    suggested: str
    verdict: str | None
    score: float | None
    points: list[PointOut]
    answer_points: list[str]
    right_answer: str | None
    intervals: dict[str, str]


class RecordedOut(BaseModel):
    review_id: int
    card_id: int
    rating: str
    comes_back: str
    due: datetime | None
    counts: CountsOut


class MatchIn(Input):
    card_ids: list[int] = Field(min_length=1, max_length=10)
    chosen: list[int | None] = Field(max_length=10)
    deck_id: int | None = Field(default=None, ge=1, le=2**53)
    seconds: float = Field(default=0.0, ge=0, le=86400)


class MatchResultOut(BaseModel):
    right: list[bool]
    review_ids: list[int]
    counts: CountsOut


class UndoIn(Input):
    review_id: int | None = Field(default=None, ge=1, le=2**53)


class UndoOut(BaseModel):
    review_id: int
    card_id: int
    rating: str


class DeckStatsOut(BaseModel):
    deck: DeckOut
    today: CountsOut


class RetentionOut(BaseModel):
    label: str = Field(description="days since the previous review")
    reviews: int
    recalled: int


class DayCountOut(BaseModel):
    day: date
    count: int


class WeakCardOut(BaseModel):
    card_id: int
    question: str
    recall_now: float
    lapses: int
    reviews: int


class WeakPointOut(BaseModel):
    card_id: int
    question: str
    point: str
    asked: int
    missed: int


class FiguresOut(BaseModel):
    """What `retain stats` shows, for all decks or one."""

    deck_id: int | None
    cards: int
    new: int
    readiness_now: float = Field(description="the share of the cards you would recall now")
    retention: list[RetentionOut]
    forecast: list[DayCountOut] = Field(description="reviews falling due on each coming day")
    answers_per_day: list[DayCountOut]
    weakest_cards: list[WeakCardOut]
    weakest_points: list[WeakPointOut]


class StatsOut(BaseModel):
    decks: list[DeckOut]
    reviews: int
    today: CountsOut
    settings: dict[str, float | int | str | None]
    per_deck: list[DeckStatsOut]
    next_due: datetime | None
    figures: FiguresOut


class StudentProgressOut(BaseModel):
    account_id: int
    name: str
    seen: int
    total: int
    due: int
    answers: int
    retention: float | None


class MissedCardOut(BaseModel):
    note_id: int
    question: str
    answers: int
    missed: int
    students: int


class MissedPointOut(BaseModel):
    note_id: int
    question: str
    index: int
    point: str
    asked: int
    missed: int


class ClassReportOut(BaseModel):
    deck_id: int
    students: list[StudentProgressOut]
    missed_cards: list[MissedCardOut]
    missed_points: list[MissedPointOut]
