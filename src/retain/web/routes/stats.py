"""Statistics: what the collection counts, per deck and in all."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from retain.collection import Collection
from retain.plots import FIGURES, available, figure_bytes
from retain.web.deps import ClockDep, CollectionDep
from retain.web.models import DeckStatsOut, StatsOut
from retain.web.routes.decks import all_decks
from retain.web.routes.study import counts_out
from retain.web.studying import Clock, when
from retain.web.views import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["stats"])


def collect(col: Collection, clock: Clock) -> StatsOut:
    now = clock()
    decks = all_decks(col, clock)
    by_id = {int(d.id): d for d in col.decks.all()}
    settings = {
        k: v for k, v in col.settings.items() if isinstance(v, int | float | str) or v is None
    }
    return StatsOut(
        decks=decks,
        reviews=col.stats.review_count(),
        today=counts_out(col.study.counts(now)),
        settings=settings,
        per_deck=[
            DeckStatsOut(deck=d, today=counts_out(col.study.counts(now, by_id[d.id])))
            for d in decks
        ],
        next_due=col.study.next_due(now),
    )


@pages.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, col: CollectionDep, clock: ClockDep) -> HTMLResponse:
    stats = collect(col, clock)
    total = sum(d.total for d in stats.decks)
    known = sum(d.total - d.new - d.learning for d in stats.decks)
    return render(
        request,
        "stats.html",
        {
            "stats": stats,
            "page": "stats",
            "total": total,
            "known": known,
            "next_due": when(col, clock, stats.next_due) if stats.next_due else None,
            "figures": FIGURES if available() else (),
        },
    )


@pages.get("/stats/figures/{name}.svg")
def figure(name: str, col: CollectionDep, clock: ClockDep, deck: int | None = None) -> Response:
    """One of the figures of `retain stats --plot`, as SVG (all decks, or `deck`)."""
    if name not in FIGURES or not available():
        raise HTTPException(status_code=404, detail="no such figure")
    chosen = next((d for d in col.decks.all() if d.id == deck), None) if deck is not None else None
    if deck is not None and chosen is None:
        raise HTTPException(status_code=404, detail="no such deck")
    figures = col.stats.deck_stats(clock(), chosen)
    return Response(figure_bytes(figures, name), media_type="image/svg+xml")


@api.get("/stats", response_model=StatsOut, summary="Counts per deck and in all")
def stats(col: CollectionDep, clock: ClockDep) -> StatsOut:
    return collect(col, clock)
