"""Classes for their teacher: the list, a class's page (join code, assigned decks, each
student's progress and the points the class misses most) and its CSV downloads."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from retain.collection import Collection
from retain.collection.class_reports import DeckReport
from retain.core.model import Deck
from retain.web.deps import AccountDep, ClockDep, CollectionDep, require_teacher
from retain.web.errors import NotFound
from retain.web.models import (
    ClassReportOut,
    Id,
    MissedCardOut,
    MissedPointOut,
    Problem,
    StudentProgressOut,
)
from retain.web.routes.decks import find_deck
from retain.web.views import redirect, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["classes"], responses={404: {"model": Problem}})


def class_deck(col: Collection, class_id: int, deck_id: int) -> Deck:
    for deck in col.classes.decks(class_id):
        if deck.id == deck_id:
            return deck
    raise NotFound(f"no deck with id {deck_id} in class {class_id}")


def report_out(report: DeckReport) -> ClassReportOut:
    return ClassReportOut(
        deck_id=report.deck.id,
        students=[
            StudentProgressOut(
                account_id=s.student.id, name=s.student.name, seen=s.seen, total=s.total,
                due=s.due, answers=s.answers,
                retention=None if s.retention is None else round(s.retention, 4),
            )
            for s in report.students
        ],
        missed_cards=[
            MissedCardOut(
                note_id=c.note_id, question=c.question, answers=c.answers, missed=c.missed,
                students=c.students,
            )
            for c in report.missed_cards
        ],
        missed_points=[
            MissedPointOut(
                note_id=p.note_id, question=p.question, index=p.index, point=p.point,
                asked=p.asked, missed=p.missed,
            )
            for p in report.missed_points
        ],
    )


# -- pages ------------------------------------------------------------------------------


@pages.get("/classes", response_class=HTMLResponse)
def classes_page(request: Request, col: CollectionDep, account: AccountDep) -> HTMLResponse:
    joined = col.classes.joined()
    return render(
        request, "classes.html",
        {
            "page": "classes", "taught": col.classes.taught(), "joined": joined,
            "joined_decks": {c.id: col.classes.decks(c.id) for c in joined},
        },
    )


@pages.post("/classes", response_model=None)
def create_class_page(
    request: Request, col: CollectionDep, clock: ClockDep, account: AccountDep,
    name: Annotated[str, Form(max_length=200)],
) -> HTMLResponse | RedirectResponse:
    require_teacher(account)
    made = col.classes.create(name, now=clock())
    return redirect(request, f"/classes/{made.id}")


@pages.get("/classes/{class_id}", response_class=HTMLResponse)
def class_page(
    request: Request, class_id: Id, col: CollectionDep, clock: ClockDep, account: AccountDep
) -> HTMLResponse:
    info = col.classes.get(class_id)
    if info.teacher_id != account.id:
        raise NotFound(f"no class with id {class_id}")
    decks = col.classes.decks(class_id)
    reports = [col.classes.report(class_id, deck, now=clock()) for deck in decks]
    assigned = {int(d.id) for d in decks}
    return render(
        request, "class.html",
        {
            "page": "classes", "info": info, "reports": reports,
            "students": col.classes.students(class_id),
            "assignable": [d for d in col.decks.all() if int(d.id) not in assigned],
        },
    )


@pages.post("/classes/{class_id}/decks", response_model=None)
def assign_page(
    request: Request, class_id: Id, col: CollectionDep, clock: ClockDep, account: AccountDep,
    deck_id: Annotated[int, Form(ge=1, le=2**53)],
) -> HTMLResponse | RedirectResponse:
    col.classes.assign(class_id, find_deck(col, deck_id), now=clock())
    return redirect(request, f"/classes/{class_id}")


@pages.get("/classes/{class_id}/decks/{deck_id}/report.csv")
def report_csv(
    class_id: Id, deck_id: Id, col: CollectionDep, clock: ClockDep, account: AccountDep,
    table: Annotated[Literal["students", "missed"], Query()] = "students",
) -> Response:
    report = col.classes.report(class_id, class_deck(col, class_id, deck_id), now=clock())
    text = report.students_csv() if table == "students" else report.missed_csv()
    return Response(
        text, media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="class-{class_id}-deck-{deck_id}-'
            f'{table}.csv"'
        },
    )


# -- API --------------------------------------------------------------------------------


@api.get(
    "/classes/{class_id}/decks/{deck_id}/report",
    response_model=ClassReportOut,
    summary="A class's progress with one of its decks, and what it misses most",
)
def class_report(
    class_id: Id, deck_id: Id, col: CollectionDep, clock: ClockDep, account: AccountDep
) -> ClassReportOut:
    return report_out(
        col.classes.report(class_id, class_deck(col, class_id, deck_id), now=clock())
    )
