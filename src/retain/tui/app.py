"""`retain study`: the full-screen study app.

It is a view over a `StudySession` and nothing more: the session picks the cards, previews
the intervals and records the answers (each answer is on disk before `answer` returns). The
app shows a card, reveals its answer points, offers the four ratings with the interval each
would give, and moves on; when no card is left it shows what was done and waits to close.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Static

from retain.collection import CollectionError, StudyItem
from retain.core.model import Rating
from retain.core.scheduling import format_interval
from retain.session import StudySession

RATING_KEYS: dict[Rating, str] = {r: str(r.value) for r in Rating}


class Phase(Enum):
    """What the screen shows: a question, its answer with the ratings, or the summary."""

    QUESTION = "question"
    ANSWER = "answer"
    DONE = "done"


class StudyApp(App[None]):
    """Study the cards of a session, one at a time, until none is left or `q` is pressed."""

    TITLE = "retain"
    CSS_PATH = "study.tcss"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "reveal", "Show answer", key_display="space"),
        Binding("enter", "reveal", "Show answer", show=False),
        Binding("1", "rate(1)", "Again"),
        Binding("2", "rate(2)", "Hard"),
        Binding("3", "rate(3)", "Good"),
        Binding("4", "rate(4)", "Easy"),
        Binding("space", "rate(3)", "Good", show=False),
        Binding("enter", "rate(3)", "Good", show=False),
        Binding("enter", "close", "Close", key_display="enter"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self, session: StudySession, *, timer: Callable[[], float] = time.monotonic
    ) -> None:
        """`timer` is a monotonic clock in seconds; the time from showing a card to rating
        it is recorded with the answer."""
        super().__init__()
        self.session = session
        self._timer = timer
        self.phase = Phase.QUESTION
        self.item: StudyItem | None = None
        self._shown_at = 0.0

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Static(self._deck_name(), id="deck", markup=False)
            yield Static("", id="progress")
        with VerticalScroll(id="stage"):
            with Vertical(id="card"):
                yield Static("", id="question", markup=False)
                yield Vertical(id="answer")
                with Horizontal(id="ratings"):
                    for rating in Rating:
                        yield Static(
                            "", id=f"rating-{rating.value}", classes=f"rating {rating.label}"
                        )
            with Vertical(id="summary"):
                yield Static("", id="summary-title")
                yield Static("", id="summary-body", markup=False)
            yield Static("", id="help")
        yield Footer()

    def _deck_name(self) -> str:
        deck = self.session.deck
        return deck.name if deck is not None else "All decks"

    async def on_mount(self) -> None:
        self.sub_title = self._deck_name()
        await self._show_next()

    # -- showing ------------------------------------------------------------------------

    def _update_progress(self) -> None:
        counts = self.session.counts()
        self.query_one("#progress", Static).update(
            Content.assemble(
                ("due ", "dim"), (str(counts.due), "bold"),
                ("  ·  new ", "dim"), (str(counts.new), "bold"),
                ("  ·  done today ", "dim"), (str(counts.done_today), "bold"),
            )
        )

    def _set_phase(self, phase: Phase) -> None:
        self.phase = phase
        self.query_one("#card").display = phase is not Phase.DONE
        self.query_one("#summary").display = phase is Phase.DONE
        self.query_one("#answer").display = phase is Phase.ANSWER
        self.query_one("#ratings").display = phase is Phase.ANSWER
        self.query_one("#help", Static).update(
            {
                Phase.QUESTION: "Recall the answer, then press space to check it.   q quits",
                Phase.ANSWER: "How well did you know it?  1–4 to rate, space = good.   q quits",
                Phase.DONE: "Press enter or q to close.",
            }[phase]
        )
        self.refresh_bindings()

    async def _show_next(self) -> None:
        self._update_progress()
        self.item = self.session.next()
        if self.item is None:
            self._show_summary()
            return
        self.query_one("#question", Static).update(self.item.note.question)
        points = self.item.note.answer_points or ("(no answer on this card)",)
        answer = self.query_one("#answer", Vertical)
        await answer.remove_children()
        await answer.mount_all(
            Horizontal(
                Static("•", classes="bullet"),
                Static(point, classes="point-text", markup=False),
                classes="point",
            )
            for point in points
        )
        self.query_one("#stage", VerticalScroll).scroll_home(animate=False)
        self._shown_at = self._timer()
        self._set_phase(Phase.QUESTION)

    def _show_summary(self) -> None:
        answered = self.session.summary.answered
        self.query_one("#summary-title", Static).update(
            "Session complete" if answered else "Nothing to study now"
        )
        lines = self.session.summary.lines()
        if not answered:
            lines.append("No cards are due. Come back later, or import more cards.")
        self.query_one("#summary-body", Static).update("\n".join(lines))
        self._set_phase(Phase.DONE)

    # -- actions ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return self.phase is Phase.QUESTION
        if action == "rate":
            return self.phase is Phase.ANSWER
        if action == "close":
            return self.phase is Phase.DONE
        return True

    def action_reveal(self) -> None:
        if self.item is None or self.phase is not Phase.QUESTION:
            return
        intervals = self.session.preview(self.item)
        for rating in Rating:
            label = Content.assemble(
                (f"{RATING_KEYS[rating]} ", "dim"),
                (rating.label.capitalize(), "bold"),
                "\n",
                (format_interval(intervals[rating]), ""),
            )
            self.query_one(f"#rating-{rating.value}", Static).update(label)
        self._set_phase(Phase.ANSWER)

    async def action_rate(self, value: int) -> None:
        if self.item is None or self.phase is not Phase.ANSWER:
            return
        rating = Rating(value)
        duration_ms = max(0, int((self._timer() - self._shown_at) * 1000))
        try:
            self.session.answer(self.item, rating, duration_ms=duration_ms)
        except CollectionError as error:
            self.notify(str(error), title="Not recorded", severity="error")
        await self._show_next()

    def action_close(self) -> None:
        self.exit()
