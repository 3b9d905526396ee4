"""Statistics: what the collection counts (`col.stats`), per deck and in all."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from retain.collection import Collection
from retain.core.model import Deck
from retain.plots import FIGURES, available, figure_bytes
from retain.stats import DeckStats
from retain.web.deps import ClockDep, CollectionDep
from retain.web.errors import NotFound
from retain.web.models import (
    DayCountOut,
    DeckStatsOut,
    FiguresOut,
    OptionalId,
    Problem,
    RetentionOut,
    StatsOut,
    WeakCardOut,
    WeakPointOut,
)
from retain.web.routes.decks import all_decks, optional_deck
from retain.web.routes.study import counts_out
from retain.web.studying import Clock, when
from retain.web.views import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["stats"], responses={404: {"model": Problem}})

CHART_DAYS = 14


def figures_out(figures: DeckStats) -> FiguresOut:
    return FiguresOut(
        deck_id=None if figures.deck is None else figures.deck.id,
        cards=figures.cards,
        new=figures.new,
        readiness_now=round(figures.readiness_now, 4),
        retention=[
            RetentionOut(label=b.label, reviews=b.reviews, recalled=b.recalled)
            for b in figures.retention
        ],
        forecast=[DayCountOut(day=d, count=n) for d, n in figures.forecast],
        answers_per_day=[DayCountOut(day=d, count=n) for d, n, _ in figures.daily],
        weakest_cards=[
            WeakCardOut(
                card_id=w.card_id, question=w.question, recall_now=round(w.recall_now, 4),
                lapses=w.lapses, reviews=w.reviews,
            )
            for w in figures.weakest_cards
        ],
        weakest_points=[
            WeakPointOut(
                card_id=w.card_id, question=w.question, point=w.point, asked=w.asked,
                missed=w.missed,
            )
            for w in figures.weakest_points
        ],
    )


def collect(col: Collection, clock: Clock, deck: Deck | None = None) -> tuple[StatsOut, DeckStats]:
    now = clock()
    decks = all_decks(col, clock)
    by_id = {int(d.id): d for d in col.decks.all()}
    settings = {
        k: v for k, v in col.settings.items() if isinstance(v, int | float | str) or v is None
    }
    figures = col.stats.deck_stats(now, deck)
    stats = StatsOut(
        decks=decks,
        reviews=col.stats.review_count(),
        today=counts_out(col.study.counts(now, deck)),
        settings=settings,
        per_deck=[
            DeckStatsOut(deck=d, today=counts_out(col.study.counts(now, by_id[d.id])))
            for d in decks
        ],
        next_due=col.study.next_due(now, deck),
        figures=figures_out(figures),
    )
    return stats, figures


def bar_chart(values: list[tuple[str, int]], height: int = 120) -> dict[str, Any]:
    """The bars of a small SVG chart (drawn by the template; sizes are SVG attributes, not
    styles, so the Content-Security-Policy allows them)."""
    top = max((v for _, v in values), default=0) or 1
    width = 28
    bars = []
    for i, (label, value) in enumerate(values):
        h = round(value / top * (height - 28))
        bars.append(
            {"x": i * width + 4, "y": height - 20 - h, "h": h, "w": width - 8, "label": label,
             "value": value, "lx": i * width + width // 2}
        )
    return {"bars": bars, "width": len(values) * width + 8, "height": height}


@pages.get("/stats", response_class=HTMLResponse)
def stats_page(
    request: Request, col: CollectionDep, clock: ClockDep, deck: OptionalId = None
) -> HTMLResponse:
    chosen = optional_deck(col, deck)
    stats, figures = collect(col, clock, chosen)
    total = sum(d.total for d in stats.decks)
    known = sum(d.total - d.new - d.learning for d in stats.decks)
    forecast = [(f"{d:%a}"[:2], n) for d, n in figures.forecast[:CHART_DAYS]]
    recent = {d: n for d, n, _ in figures.daily}
    days = [figures.today.fromordinal(figures.today.toordinal() - k) for k in range(13, -1, -1)]
    studied = [(f"{d:%a}"[:2], recent.get(d, 0)) for d in days]
    return render(
        request,
        "stats.html",
        {
            "stats": stats,
            "figures": figures,
            "deck": chosen,
            "decks": col.decks.all(),
            "class_decks": col.classes.assigned(),
            "page": "stats",
            "total": total,
            "known": known,
            "forecast": bar_chart(forecast),
            "forecast_total": sum(n for _, n in figures.forecast),
            "studied": bar_chart(studied),
            "next_due": when(col, clock, stats.next_due) if stats.next_due else None,
            "plot_names": FIGURES if available() else (),
        },
    )


@pages.get("/stats/figures/{name}.svg")
def figure(name: str, col: CollectionDep, clock: ClockDep, deck: OptionalId = None) -> Response:
    """One of the figures of `retain stats --plot`, as SVG (all decks, or `deck`)."""
    if name not in FIGURES or not available():
        raise NotFound(f"no figure called {name!r}")
    figures = col.stats.deck_stats(clock(), optional_deck(col, deck))
    return Response(figure_bytes(figures, name), media_type="image/svg+xml")


@api.get("/stats", response_model=StatsOut, summary="Counts and figures, all decks or one")
def stats(
    col: CollectionDep,
    clock: ClockDep,
    deck_id: Annotated[int | None, Query(ge=1, le=2**53)] = None,
) -> StatsOut:
    return collect(col, clock, optional_deck(col, deck_id))[0]
