"""Decks: the list with counts and due cards, renaming and deleting."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from retain.collection import Collection, DeckCounts
from retain.core.model import Deck
from retain.web.deps import AccountDep, ClockDep, CollectionDep
from retain.web.errors import NotFound
from retain.web.models import DeckOut, DeletedOut, Id, Problem, RenameIn
from retain.web.studying import Clock, progress, when
from retain.web.views import local_time, redirect, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["decks"], responses={404: {"model": Problem}})


def find_deck(col: Collection, deck_id: int) -> Deck:
    for deck in col.decks.all():
        if deck.id == deck_id:
            return deck
    raise NotFound(f"no deck with id {deck_id}")


def optional_deck(col: Collection, deck_id: int | None) -> Deck | None:
    """A deck to study or count: one of the account's own, or one a class it joined
    shares with it."""
    return None if deck_id is None else col.decks.studyable(deck_id)


def deck_out(col: Collection, clock: Clock, counts: DeckCounts) -> DeckOut:
    return DeckOut(
        id=counts.deck.id,
        name=counts.deck.name,
        title=counts.deck.title,
        new=counts.new,
        learning=counts.learning,
        due=counts.due,
        total=counts.total,
        next_due=col.study.next_due(clock(), counts.deck),
    )


def all_decks(col: Collection, clock: Clock) -> list[DeckOut]:
    return [deck_out(col, clock, c) for c in col.decks.counts(clock())]


# -- pages ------------------------------------------------------------------------------


def _row(col: Collection, clock: Clock, deck: DeckOut) -> dict[str, object]:
    return {
        "deck": deck,
        "next_due": when(col, clock, deck.next_due) if deck.next_due and not deck.due else "",
        "next_due_at": local_time(deck.next_due, col.tz),
    }


@pages.get("/", response_class=HTMLResponse)
def decks_page(
    request: Request, col: CollectionDep, clock: ClockDep, account: AccountDep
) -> HTMLResponse:
    today = col.study.counts(clock())
    done, total = progress(today)
    rows = [_row(col, clock, d) for d in all_decks(col, clock)]
    class_rows = [
        {**_row(col, clock, deck_out(col, clock, counts)), "class_name": assigned.class_name}
        for assigned, counts in col.decks.class_counts(clock())
    ]
    return render(
        request,
        "decks.html",
        {
            "rows": rows,
            "class_rows": class_rows,
            "today": today,
            "done": done,
            "total": total,
            "account": account,
            "page": "decks",
        },
    )


@pages.post("/decks/{deck_id}/rename", response_model=None)
def rename_page(
    request: Request, deck_id: Id, col: CollectionDep, name: Annotated[str, Form()]
) -> HTMLResponse | RedirectResponse:
    col.decks.rename(find_deck(col, deck_id), name)
    return redirect(request, f"/decks/{deck_id}")


@pages.post("/decks/{deck_id}/delete", response_model=None)
def delete_page(
    request: Request, deck_id: Id, col: CollectionDep
) -> HTMLResponse | RedirectResponse:
    col.decks.delete(find_deck(col, deck_id))
    return redirect(request, "/")


# -- API --------------------------------------------------------------------------------


@api.get("/decks", response_model=list[DeckOut], summary="The decks, with their counts")
def list_decks(col: CollectionDep, clock: ClockDep, account: AccountDep) -> list[DeckOut]:
    return all_decks(col, clock)


@api.get("/decks/{deck_id}", response_model=DeckOut, summary="One deck, with its counts")
def get_deck(deck_id: Id, col: CollectionDep, clock: ClockDep) -> DeckOut:
    deck = find_deck(col, deck_id)
    counts = next(c for c in col.decks.counts(clock()) if c.deck.id == deck.id)
    return deck_out(col, clock, counts)


@api.patch(
    "/decks/{deck_id}",
    response_model=DeckOut,
    summary="Rename a deck",
    responses={400: {"model": Problem}},
)
def rename_deck(deck_id: Id, body: RenameIn, col: CollectionDep, clock: ClockDep) -> DeckOut:
    col.decks.rename(find_deck(col, deck_id), body.name)
    return get_deck(deck_id, col, clock)


@api.delete(
    "/decks/{deck_id}",
    response_model=DeletedOut,
    summary="Delete a deck with its cards and their history",
)
def delete_deck(deck_id: Id, col: CollectionDep) -> DeletedOut:
    return DeletedOut(deleted=col.decks.delete(find_deck(col, deck_id)))
