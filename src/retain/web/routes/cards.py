"""Cards of a deck: the deck editor (add, edit and delete cards and their points, search)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from retain.collection import Collection, StudyItem
from retain.core.model import Deck, DeckDraft, NoteDraft, NoteId
from retain.errors import CollectionError
from retain.storage.errors import StorageError
from retain.web.deps import ClockDep, CollectionDep
from retain.web.errors import NotFound
from retain.web.models import CardIn, CardOut, DeletedOut, Id, Problem
from retain.web.routes.decks import find_deck
from retain.web.sanitize import clean_field, clean_points
from retain.web.studying import Clock
from retain.web.views import is_htmx, redirect, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(
    prefix="/api", tags=["cards"], responses={404: {"model": Problem}, 400: {"model": Problem}}
)

MAX_LISTED = 500
"""The deck editor lists this many matching cards at most (search narrows the rest)."""


def _item_of_note(col: Collection, note_id: int) -> StudyItem:
    try:
        return col.study.card_for_note(NoteId(note_id))
    except StorageError:
        raise
    except CollectionError as error:
        raise NotFound(f"no card with id {note_id}") from error


def card_out(item: StudyItem) -> CardOut:
    schedule = item.card.schedule
    return CardOut(
        note_id=item.note.id,
        card_id=item.card.id,
        deck_id=item.card.deck_id,
        question=item.note.question,
        answer_points=list(item.note.answer_points),
        state=schedule.state.name.lower(),
        due=schedule.due,
        reps=schedule.reps,
    )


def search(col: Collection, deck: Deck, query: str) -> tuple[list[CardOut], int]:
    """The deck's cards whose question or points contain `query` (any case), and how many
    matched in all."""
    wanted = query.strip().casefold()
    notes = col.decks.notes(deck)
    found = [
        n
        for n in notes
        if not wanted
        or wanted in n.question.casefold()
        or any(wanted in p.casefold() for p in n.answer_points)
    ]
    return [card_out(col.study.card_for_note(n.id)) for n in found[:MAX_LISTED]], len(found)


def _points_of(text: str) -> list[str]:
    return [line.strip().removeprefix("- ").strip() for line in text.splitlines() if line.strip()]


def add_card(
    col: Collection, deck: Deck, question: str, points: Sequence[str], clock: Clock
) -> StudyItem:
    """A new card at the end of the deck; the other cards stay as they are."""
    question = clean_field(question).strip()
    notes = col.decks.notes(deck)
    draft = DeckDraft(
        deck.title,
        "text/edited",
        (
            *(NoteDraft(n.question, n.answer_points) for n in notes),
            NoteDraft(question, clean_points(points)),
        ),
    )
    edit = col.decks.plan_edit(deck, draft)
    if not edit.added:
        raise CollectionError(f"the deck already has the question {question!r}")
    col.decks.apply_edit(edit, now=clock())
    added = [n for n in col.decks.notes(deck) if n.id not in {m.id for m in notes}]
    return col.study.card_for_note(added[-1].id)


def edit_card(
    col: Collection, note_id: int, question: str, points: Sequence[str], clock: Clock
) -> StudyItem:
    _item_of_note(col, note_id)
    col.decks.edit_note(
        NoteId(note_id), clean_field(question).strip(), clean_points(points), now=clock()
    )
    return col.study.card_for_note(NoteId(note_id))


def delete_card(col: Collection, note_id: int, clock: Clock) -> int:
    """Delete a card with its history; returns its deck's id."""
    item = _item_of_note(col, note_id)
    deck = find_deck(col, item.card.deck_id)
    notes = col.decks.notes(deck)
    rest = tuple(NoteDraft(n.question, n.answer_points) for n in notes if n.id != note_id)
    if not rest:
        col.decks.delete(deck)
        return int(deck.id)
    edit = col.decks.plan_edit(deck, DeckDraft(deck.title, "text/edited", rest))
    col.decks.apply_edit(edit, now=clock())
    return int(deck.id)


# -- pages ------------------------------------------------------------------------------


@pages.get("/decks/{deck_id}", response_class=HTMLResponse)
def deck_page(
    request: Request,
    deck_id: Id,
    col: CollectionDep,
    clock: ClockDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    deck = find_deck(col, deck_id)
    cards, matched = search(col, deck, q)
    counts = next(c for c in col.decks.counts(clock()) if c.deck.id == deck.id)
    context = {
        "deck": deck,
        "cards": cards,
        "matched": matched,
        "q": q,
        "counts": counts,
        "page": "decks",
        "listed_limit": MAX_LISTED,
    }
    if is_htmx(request) and request.headers.get("hx-target") == "card-list":
        return render(request, "_card_list.html", context)
    return render(request, "deck.html", context)


@pages.post("/decks/{deck_id}/cards", response_model=None)
def add_card_page(
    request: Request,
    deck_id: Id,
    col: CollectionDep,
    clock: ClockDep,
    question: Annotated[str, Form(max_length=2000)],
    answer_points: Annotated[str, Form(max_length=20000)] = "",
) -> HTMLResponse | RedirectResponse:
    add_card(col, find_deck(col, deck_id), question, _points_of(answer_points), clock)
    return redirect(request, f"/decks/{deck_id}")


@pages.post("/cards/{note_id}", response_model=None)
def edit_card_page(
    request: Request,
    note_id: Id,
    col: CollectionDep,
    clock: ClockDep,
    question: Annotated[str, Form(max_length=2000)],
    answer_points: Annotated[str, Form(max_length=20000)] = "",
) -> HTMLResponse | RedirectResponse:
    item = edit_card(col, note_id, question, _points_of(answer_points), clock)
    if is_htmx(request):
        return render(request, "_card.html", {"card": card_out(item), "saved": True})
    return redirect(request, f"/decks/{item.card.deck_id}#card-{note_id}")


@pages.post("/cards/{note_id}/delete", response_model=None)
def delete_card_page(
    request: Request, note_id: Id, col: CollectionDep, clock: ClockDep
) -> HTMLResponse | RedirectResponse:
    deck_id = delete_card(col, note_id, clock)
    if is_htmx(request):
        return HTMLResponse("")
    return redirect(request, f"/decks/{deck_id}")


# -- API --------------------------------------------------------------------------------


@api.get("/decks/{deck_id}/cards", response_model=list[CardOut], summary="A deck's cards")
def list_cards(
    deck_id: Id, col: CollectionDep, q: Annotated[str, Query(max_length=200)] = ""
) -> list[CardOut]:
    cards, _ = search(col, find_deck(col, deck_id), q)
    return cards


@api.post(
    "/decks/{deck_id}/cards",
    response_model=CardOut,
    status_code=201,
    summary="Add a card to a deck",
)
def create_card(deck_id: Id, body: CardIn, col: CollectionDep, clock: ClockDep) -> CardOut:
    return card_out(
        add_card(col, find_deck(col, deck_id), body.question, body.answer_points, clock)
    )


@api.get("/cards/{note_id}", response_model=CardOut, summary="One card")
def get_card(note_id: Id, col: CollectionDep) -> CardOut:
    return card_out(_item_of_note(col, note_id))


@api.put(
    "/cards/{note_id}",
    response_model=CardOut,
    summary="Change a card's question and points (its history stays)",
)
def update_card(note_id: Id, body: CardIn, col: CollectionDep, clock: ClockDep) -> CardOut:
    return card_out(edit_card(col, note_id, body.question, body.answer_points, clock))


@api.delete("/cards/{note_id}", response_model=DeletedOut, summary="Delete a card with its history")
def remove_card(note_id: Id, col: CollectionDep, clock: ClockDep) -> DeletedOut:
    delete_card(col, note_id, clock)
    return DeletedOut(deleted=1)
