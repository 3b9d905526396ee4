"""The figures of `retain stats --plot DIR`, drawn with matplotlib as PNG and SVG.

matplotlib comes with the ``plots`` extra (``pip install 'retain[plots]'``); the base
install does not need it. Each figure has a title, labelled axes and units.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from retain.errors import CollectionError
from retain.stats import DeckStats

FIGURES = (
    "retention",
    "forecast",
    "calendar",
    "memory",
    "weakest",
    "readiness",
)
"""The names of the figures, each written as NAME.png and NAME.svg."""


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise CollectionError(
            "plots need matplotlib: pip install 'retain[plots]'"
        ) from error
    return plt


def _short(text: str, width: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _draw(plt: Any, stats: DeckStats, name: str) -> Any:
    """The figure `name`, drawn (the caller closes it)."""
    where = stats.deck.name if stats.deck is not None else "all decks"
    figure = plt.figure(figsize=(9, 5), dpi=110)
    _DRAWERS[name](figure, stats)
    figure.suptitle(f"{figure.get_label()} — {_short(where, 60)}", fontsize=13)
    figure.tight_layout()
    return figure


def available() -> bool:
    """Whether matplotlib is installed (the plots extra)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def figure_bytes(stats: DeckStats, name: str, form: str = "svg") -> bytes:
    """One figure as SVG (or PNG) bytes, for the web app."""
    import io

    if name not in FIGURES:
        raise CollectionError(f"no figure called {name!r} (there are {', '.join(FIGURES)})")
    plt = _pyplot()
    figure = _draw(plt, stats, name)
    try:
        buffer = io.BytesIO()
        figure.savefig(buffer, format=form)
        return buffer.getvalue()
    finally:
        plt.close(figure)


def write_plots(stats: DeckStats, folder: Path) -> list[Path]:
    """Write every figure into `folder` (made if missing); returns the files written."""
    plt = _pyplot()
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in FIGURES:
        figure = _draw(plt, stats, name)
        try:
            for suffix in ("png", "svg"):
                path = folder / f"{name}.{suffix}"
                figure.savefig(path, format=suffix)
                written.append(path)
        finally:
            plt.close(figure)
    return written


def _empty(axes: Any, text: str) -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, fontsize=12)
    axes.set_xticks([])
    axes.set_yticks([])


def _retention(figure: Any, stats: DeckStats) -> None:
    figure.set_label("True retention by interval")
    axes = figure.add_subplot()
    labels = [b.label for b in stats.retention]
    rates = [100 * (b.rate or 0.0) for b in stats.retention]
    bars = axes.bar(labels, rates, color="#4C72B0")
    for bar, bucket in zip(bars, stats.retention, strict=True):
        if bucket.reviews:
            axes.annotate(
                f"{bucket.rate:.0%}\nn={bucket.reviews}",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center", va="bottom", fontsize=9,
            )
    axes.set_ylim(0, 115)
    axes.set_xlabel("Days since the previous review")
    axes.set_ylabel("Reviews recalled (%)")
    if not any(b.reviews for b in stats.retention):
        axes.text(0.5, 0.5, "No reviews of learned cards yet", ha="center",
                  transform=axes.transAxes)


def _forecast(figure: Any, stats: DeckStats) -> None:
    figure.set_label("Forecast of due reviews")
    axes = figure.add_subplot()
    days = [d for d, _ in stats.forecast]
    axes.bar(days, [n for _, n in stats.forecast], color="#55A868")
    axes.set_xlabel("Day")
    axes.set_ylabel("Reviews due (cards)")
    figure.autofmt_xdate()


def _calendar(figure: Any, stats: DeckStats) -> None:
    figure.set_label("Study calendar")
    axes = figure.add_subplot()
    first = stats.daily[0][0] if stats.daily else stats.today
    weeks = min(52, max(8, (stats.today - first).days // 7 + 2))
    start = stats.today - timedelta(days=stats.today.weekday() + 7 * (weeks - 1))
    counts = {d: n for d, n, _ in stats.daily}
    grid = [[0.0] * weeks for _ in range(7)]
    for week in range(weeks):
        for weekday in range(7):
            day = start + timedelta(days=7 * week + weekday)
            grid[weekday][week] = float(counts.get(day, 0)) if day <= stats.today else float("nan")
    image = axes.imshow(grid, aspect="auto", cmap="Greens", vmin=0)
    axes.set_yticks(range(7), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    ticks = list(range(0, weeks, 4))
    axes.set_xticks(ticks, [(start + timedelta(days=7 * w)).strftime("%d %b") for w in ticks])
    axes.set_xlabel("Week starting")
    bar = figure.colorbar(image, ax=axes)
    bar.set_label("Answers that day")


def _memory(figure: Any, stats: DeckStats) -> None:
    figure.set_label("Memory of the cards studied")
    left, right = figure.subplots(1, 2)
    if stats.stabilities:
        low = max(min(stats.stabilities), 0.01)
        high = max(max(stats.stabilities), low * 10)
        edges = [low * (high / low) ** (k / 20) for k in range(21)]
        left.hist(stats.stabilities, bins=edges, color="#8172B2")
        left.set_xscale("log")
    else:
        _empty(left, "No card studied yet")
    left.set_xlabel("Stability (days until recall falls to 90%)")
    left.set_ylabel("Cards")
    left.set_title("Stability")
    if stats.difficulties:
        right.hist(stats.difficulties, bins=[1 + 0.5 * k for k in range(19)], color="#C44E52")
    else:
        _empty(right, "No card studied yet")
    right.set_xlabel("Difficulty (1 easy - 10 hard)")
    right.set_ylabel("Cards")
    right.set_title("Difficulty")


def _weakest(figure: Any, stats: DeckStats) -> None:
    figure.set_label("Weakest cards and points")
    left, right = figure.subplots(1, 2)
    cards = list(reversed(stats.weakest_cards))
    if cards:
        left.barh(
            [f"{_short(c.question, 30)} #{c.card_id}" for c in cards],
            [100 * c.recall_now for c in cards],
            color="#DD8452",
        )
        left.set_xlim(0, 100)
    else:
        _empty(left, "No card studied yet")
    left.set_xlabel("Predicted recall now (%)")
    left.set_title("Cards")
    points = list(reversed(stats.weakest_points))
    if points:
        right.barh([f"{_short(p.point, 26)} #{p.card_id}" for p in points],
                   [100 * p.missed / p.asked for p in points], color="#C44E52")
        right.set_xlim(0, 100)
    else:
        _empty(right, "No typed answer graded yet")
    right.set_xlabel("Graded answers missing it (%)")
    right.set_title("Answer points")
    for axes in (left, right):
        axes.tick_params(axis="y", labelsize=8)


def _readiness(figure: Any, stats: DeckStats) -> None:
    figure.set_label("Readiness for the exam")
    axes = figure.add_subplot()
    history = stats.readiness_history
    if not history:
        _empty(axes, "No exam plan yet: retain plan DECK --exam ... --minutes ...")
        return
    days = [h.day for h in history]
    axes.plot(days, [100 * h.readiness for h in history], marker="o", label="actual, that day")
    axes.plot(days, [100 * h.expected_at_exam for h in history], marker="s", linestyle="--",
              label="planned: expected at the exam")
    if stats.exam is not None:
        axes.axvline(stats.exam.date(), color="grey", linestyle=":", label="exam")
    axes.set_ylim(0, 100)
    axes.set_xlabel("Day")
    axes.set_ylabel("Cards recalled (%)")
    axes.legend(loc="lower right")
    figure.autofmt_xdate()


_DRAWERS: dict[str, Callable[[Any, DeckStats], None]] = {
    "retention": _retention,
    "forecast": _forecast,
    "calendar": _calendar,
    "memory": _memory,
    "weakest": _weakest,
    "readiness": _readiness,
}
