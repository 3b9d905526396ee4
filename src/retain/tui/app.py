"""`retain study`: the full-screen study app.

It is a view over a `StudySession` and nothing more: the session picks the cards, builds
the question in the session's mode, checks or grades the response, previews the intervals
and records the answers (each answer is on disk before `answer` returns). The app shows the
question the way its mode asks for it, then the feedback and the four ratings with the
interval each would give, and moves on; when no card is left it shows what was done and
waits to close.

Everything on screen fits an 80×24 terminal: the ratings and the key hints stay at the
bottom, and what does not fit above them scrolls (arrow keys, page up/down, the mouse).
ctrl+q or ctrl+c ends the session from anywhere, and q does where no answer is being typed;
every answer given is already recorded.

* flip: space or Enter turns the card over; 1-4 rate it, space is Good.
* type: the answer is typed in a box (Enter checks it, ctrl+j or shift+enter starts a new
  line); the feedback shows each answer point as covered or missed. Enter accepts the
  suggested rating, 1-4 picks another, r says "I was right" and w "I was wrong".
* choice and true/false: a-d (t/f) or a click picks an option; cloze: the term is typed.
  Enter accepts the suggested rating, 1-4 picks another.
* match: the questions on the left, the shuffled answers on the right. The highlighted
  question is paired with the answer picked (a-f or a click); 1-6 or a click picks another
  question. Pairs lock in; when all are paired the round is recorded and Enter starts the
  next one.
* learn: cards come in rounds, first as a choice, then typed, until each is typed right.
* u undoes the last answer (a whole round in match): the card comes back as it was and is
  asked again; e edits the card on screen (its question and answer points).

When nothing is left, the summary says when the next card is due, and `a` studies ahead:
the cards due within a day of the next one.
"""

from __future__ import annotations

import string
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import Enum
from typing import ClassVar

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Static, TextArea

from retain.collection import AnswerResult, CollectionError, StudyItem
from retain.core.grading import Grade
from retain.core.model import Note, Rating
from retain.core.questions import Mode, Question
from retain.core.scheduling import format_interval
from retain.session import Outcome, StudySession
from retain.terminal import safe_text

RATING_KEYS: dict[Rating, str] = {r: str(r.value) for r in Rating}
LETTERS = string.ascii_lowercase
MAX_MATCH_PAIRS = 6


class Phase(Enum):
    """What the screen shows: a question, its feedback with the ratings, a match round, the
    result of a match round, or the summary."""

    QUESTION = "question"
    ANSWER = "answer"
    MATCH = "match"
    MATCHED = "matched"
    DONE = "done"


class AnswerBox(TextArea):
    """The box a typed answer is written in: Enter checks it, ctrl+j or shift+enter starts a
    new line, and ctrl+z undoes what was typed or, with nothing typed, the last answer (the
    `u` of the other modes, which here is a letter of the answer)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "check", "Check answer"),
        Binding("ctrl+j", "newline", "New line"),
        Binding("shift+enter", "newline", "New line", show=False),
        Binding("ctrl+z", "undo_here", "Undo", key_display="ctrl+z"),
    ]

    class Checked(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class UndoAnswer(Message):
        """Nothing is typed, and ctrl+z was pressed: undo the last answer."""

    def action_check(self) -> None:
        self.post_message(self.Checked(self.text))

    def action_undo_here(self) -> None:
        if self.text:
            self.undo()
        else:
            self.post_message(self.UndoAnswer())

    async def _on_key(self, event: events.Key) -> None:
        # Enter (and the new-line keys) are taken here, in turn with the keys typed before
        # them, not as app-wide priority bindings: keys that arrive in one burst (fast
        # typing, a paste without bracketed paste) are all in the answer before it is checked.
        if event.key in ("enter", "ctrl+j", "shift+enter"):
            event.stop()
            event.prevent_default()
            if event.key == "enter":
                self.action_check()
            else:
                self.action_newline()
            return
        await super()._on_key(event)

    def action_newline(self) -> None:
        self.insert("\n")


class OptionButton(Button, can_focus=False):
    """A clickable option; the keyboard picks options by letter, so it never takes focus
    (Enter stays free for accepting the rating)."""

    def __init__(self, label: str, value: int, *, id: str, classes: str = "") -> None:
        super().__init__(Content(safe_text(label)), id=id, classes=classes, compact=True)
        self.value = value


class EditCardScreen(ModalScreen[tuple[str, list[str]] | None]):
    """Edit a card's question and its answer points (one per line); ctrl+s saves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = """
    EditCardScreen { align: center middle; }
    #edit-box {
        width: 90%; height: auto; max-height: 100%;
        border: round $accent; padding: 0 1; background: $surface;
    }
    #edit-points { height: 8; }
    .edit-label { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, note: Note) -> None:
        super().__init__()
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-box"):
            yield Static("Edit the card", id="edit-title")
            yield Static("Question", classes="edit-label")
            yield Input(self.note.question, id="edit-question")
            yield Static("Answer points, one per line", classes="edit-label")
            yield TextArea(
                "\n".join(self.note.answer_points), id="edit-points", soft_wrap=True,
                show_line_numbers=False,
            )
            yield Static("ctrl+s saves · escape cancels", id="edit-help")

    def on_mount(self) -> None:
        self.query_one("#edit-question", Input).focus()

    @on(Input.Submitted, "#edit-question")
    def _to_points(self) -> None:
        self.query_one("#edit-points", TextArea).focus()

    def action_save(self) -> None:
        question = self.query_one("#edit-question", Input).value.strip()
        text = self.query_one("#edit-points", TextArea).text
        points = [line.strip() for line in text.splitlines() if line.strip()]
        if not question:
            self.notify("The question is empty.", severity="error")
        elif not points:
            self.notify("The card needs at least one answer point.", severity="error")
        else:
            self.dismiss((question, points))

    def action_cancel(self) -> None:
        self.dismiss(None)


def _points(lines: Iterable[str]) -> list[Widget]:
    return [
        Horizontal(
            Static("•", classes="bullet"),
            Static(safe_text(line), classes="point-text", markup=False),
            classes="point",
        )
        for line in lines
    ]


class StudyApp(App[None]):
    """Study the cards of a session, one at a time, until none is left or the student quits."""

    TITLE = "retain"
    CSS_PATH = "study.tcss"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "reveal", "Show answer", key_display="space"),
        Binding("enter", "reveal", "Show answer", show=False),
        *(Binding(str(i + 1), f"pick_left({i})", show=False) for i in range(MAX_MATCH_PAIRS)),
        # the ratings row names these keys, so the footer does not
        Binding("1", "rate(1)", "Again", show=False),
        Binding("2", "rate(2)", "Hard", show=False),
        Binding("3", "rate(3)", "Good", show=False),
        Binding("4", "rate(4)", "Easy", show=False),
        Binding("space", "flip_good", "Good", show=False),
        Binding("enter", "flip_good", "Good", show=False),
        Binding("enter", "accept", "Accept", key_display="enter"),
        Binding("r", "overrule('right')", "I was right"),
        Binding("w", "overrule('wrong')", "I was wrong"),
        Binding("t", "pick('t')", show=False),
        *(Binding(letter, f"pick('{letter}')", show=False) for letter in "abcdef"),
        Binding("u", "undo", "Undo"),
        Binding("e", "edit", "Edit"),
        Binding("enter", "next_round", "Next round", key_display="enter"),
        Binding("a", "study_ahead", "Study ahead"),
        Binding("enter", "close", "Close", key_display="enter"),
        *(Binding(key, f"scroll('{key}')", show=False)
          for key in ("up", "down", "pageup", "pagedown", "home", "end")),
        Binding("ctrl+q", "quit", "Quit", key_display="ctrl+q", priority=True),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("q", "quit_key", "Quit", show=False),
    ]

    def __init__(
        self,
        session: StudySession,
        *,
        timer: Callable[[], float] = time.monotonic,
        notice: str | None = None,
    ) -> None:
        """`timer` is a monotonic clock in seconds; the time from showing a card to rating
        it is recorded with the answer, and a match round is timed with it. `notice` is shown
        in a line under the top bar until the first answer."""
        super().__init__()
        self.session = session
        self.notice = notice
        self.failure: str | None = None
        """Why the session stopped, when the store failed (a `CollectionError`)."""
        self._timer = timer
        self.phase = Phase.QUESTION
        self.item: StudyItem | None = None
        self.question: Question | None = None
        self.outcome: Outcome | None = None
        self._shown_at = 0.0
        # a match round: its question, cards, the option chosen for each pair, the pair
        # the next pick goes to
        self._match: tuple[Question, list[StudyItem]] | None = None
        self.chosen: list[int | None] = []
        self.selected: int | None = None
        self._clock: Timer | None = None
        self.next_due: datetime | None = None  # shown on the summary, for studying ahead

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Static(self._deck_name(), id="deck", markup=False)
            yield Static("", id="progress")
        yield Static(self.notice or "", id="notice", markup=False)
        with VerticalScroll(id="stage"):
            with Vertical(id="card"):
                yield Static("", id="mode")
                yield Static("", id="question", markup=False)
                yield Static("", id="statement", markup=False)
                yield Vertical(id="options")
                yield AnswerBox(id="typed", soft_wrap=True, show_line_numbers=False)
                yield Input(placeholder="the missing term", id="term")
                yield Vertical(id="feedback")
                yield Vertical(id="answer")
            with Vertical(id="match"):
                with Horizontal(id="match-head"):
                    yield Static("", id="match-title")
                    yield Static("", id="match-clock")
                with Horizontal(id="match-columns"):
                    yield Vertical(id="match-left")
                    yield Vertical(id="match-right")
                yield Vertical(id="match-result")
            with Vertical(id="summary"):
                yield Static("", id="summary-title")
                yield Static("", id="summary-body", markup=False)
        with Vertical(id="bottom"):
            yield Static("", id="recorded", markup=False)
            with Horizontal(id="ratings"):
                for rating in Rating:
                    yield Static("", id=f"rating-{rating.value}", classes=f"rating {rating.label}")
            yield Static("", id="help")
        yield Footer()

    def _deck_name(self) -> str:
        deck = self.session.deck
        return safe_text(deck.name) if deck is not None else "All decks"

    async def on_mount(self) -> None:
        self.sub_title = self._deck_name()
        self.query_one("#notice").display = bool(self.notice)
        self.query_one("#recorded").display = False
        await self._show_next()

    # -- showing ------------------------------------------------------------------------

    @property
    def mode(self) -> Mode | None:
        return self.question.mode if self.question is not None else None

    def _update_progress(self) -> None:
        counts = self.session.counts()
        parts: list[tuple[str, str]] = []
        if self.session.mode == "learn":
            learned, left = self.session.learn_progress()
            parts = [("learned ", "dim"), (str(learned), "bold"),
                     ("  ·  in this round ", "dim"), (str(left), "bold")]
        else:
            parts = [("due ", "dim"), (str(counts.due), "bold"),
                     ("  ·  new ", "dim"), (str(counts.new), "bold")]
        parts += [("  ·  done today ", "dim"), (str(counts.done_today), "bold")]
        if self.session.ahead_until is not None:
            parts += [("  ·  ahead", "dim")]
        self.query_one("#progress", Static).update(Content.assemble(*parts))

    def _help(self) -> str:
        mode = self.mode
        if self.phase is Phase.QUESTION:
            if mode is Mode.TYPE:
                return "Type your answer; enter checks it, ctrl+j starts a new line."
            if mode is Mode.CHOICE:
                last = LETTERS[len(self.question.options) - 1] if self.question else "d"
                return f"Press a–{last} or click the right option."
            if mode is Mode.TRUE_FALSE:
                return "True or false? Press t or f, or click."
            if mode is Mode.CLOZE:
                return "Type the missing term, then press enter."
            return "Recall the answer, then press space to check it."
        if self.phase is Phase.ANSWER:
            if mode is Mode.FLIP or self.outcome is None:
                return "How well did you know it? Press 1–4, or space for good."
            suggested = self.outcome.rating.label
            extra = "  r: I was right, w: I was wrong." if mode is Mode.TYPE else ""
            return f"Enter = {suggested}, or 1–4 to rate.{extra}"
        if self.phase is Phase.MATCH:
            return "Press 1–6 (or click) for a question, a–f (or click) for its answer."
        if self.phase is Phase.MATCHED:
            return "Press enter for the next round."
        if self.next_due is not None:
            return "Press a to study ahead, or enter to close."
        return "Press enter or q to close."

    def _set_phase(self, phase: Phase) -> None:
        self.phase = phase
        mode = self.mode
        asking = phase is Phase.QUESTION
        in_card = phase in (Phase.QUESTION, Phase.ANSWER)
        self.query_one("#card").display = in_card
        self.query_one("#match").display = phase in (Phase.MATCH, Phase.MATCHED)
        self.query_one("#summary").display = phase is Phase.DONE
        # a choice shows its options, which say what to do; typing needs saying
        self.query_one("#mode").display = in_card and mode in (Mode.TYPE, Mode.CLOZE)
        self.query_one("#statement").display = in_card and bool(
            self.question and self.question.statement
        )
        self.query_one("#options").display = in_card and mode in (Mode.CHOICE, Mode.TRUE_FALSE)
        self.query_one("#typed").display = asking and mode is Mode.TYPE
        self.query_one("#term").display = asking and mode is Mode.CLOZE
        self.query_one("#feedback").display = phase is Phase.ANSWER and mode is not Mode.FLIP
        self.query_one("#answer").display = phase is Phase.ANSWER and mode is not Mode.TYPE
        self.query_one("#ratings").display = phase is Phase.ANSWER
        self.query_one("#recorded").display = phase is not Phase.ANSWER and bool(
            self.query_one("#recorded", Static).content
        )
        self.query_one("#match-result").display = phase is Phase.MATCHED
        self.query_one("#help", Static).update(self._help())
        if asking and mode is Mode.TYPE:
            self.query_one("#typed", AnswerBox).focus()
        elif asking and mode is Mode.CLOZE:
            self.query_one("#term", Input).focus()
        else:
            self.screen.set_focus(None)
        self.refresh_bindings()

    async def _show_next(self) -> None:
        self.item = self.question = self.outcome = None
        if self.session.mode == "match":
            await self._show_match()
            return
        await self._show_item(self.session.next())

    async def _show_item(self, item: StudyItem | None) -> None:
        """Ask about this card from the start (or show the summary when there is none)."""
        self.item, self.question, self.outcome = item, None, None
        self._update_progress()
        if self.item is None:
            self._show_summary()
            return
        self.question = question = self.session.question(self.item)
        self.query_one("#mode", Static).update(
            {Mode.TYPE: "Type the answer", Mode.CHOICE: "Choose the right answer",
             Mode.CLOZE: "Fill in the blank"}.get(question.mode, "")
        )
        self.query_one("#question", Static).update(safe_text(question.prompt))
        self.query_one("#statement", Static).update(safe_text(question.statement or ""))
        options = self.query_one("#options", Vertical)
        await options.remove_children()
        if question.mode in (Mode.CHOICE, Mode.TRUE_FALSE):
            await options.mount_all(
                OptionButton(f"{self._option_key(i)})  {text}", i, id=f"option-{i}",
                             classes="option")
                for i, text in enumerate(question.options)
            )
        self.query_one("#typed", AnswerBox).clear()
        self.query_one("#term", Input).clear()
        await self.query_one("#feedback", Vertical).remove_children()
        points = self.item.note.answer_points or ("(no answer on this card)",)
        answer = self.query_one("#answer", Vertical)
        await answer.remove_children()
        await answer.mount_all(_points(points))
        self.query_one("#stage", VerticalScroll).scroll_home(animate=False)
        self._shown_at = self._timer()
        self._set_phase(Phase.QUESTION)
        self.call_after_refresh(self._prepare_ahead, self.item, question)

    def _prepare_ahead(self, item: StudyItem, question: Question) -> None:
        """Once the question is drawn, while the student reads it: the work the answer
        would otherwise wait for (see `StudySession.prepare_ahead`)."""
        if self.item is item and self.question is question and self.outcome is None:
            self.session.prepare_ahead(item, question)

    def _option_key(self, index: int) -> str:
        if self.mode is Mode.TRUE_FALSE:
            return "tf"[index]
        return LETTERS[index]

    def _show_summary(self) -> None:
        answered = self.session.summary.answered
        self.query_one("#summary-title", Static).update(
            "Session complete" if answered else "Nothing to study now"
        )
        lines = self.session.summary.lines()
        self.next_due = self.session.next_due()
        if self.next_due is not None:
            lines.append(f"The next card is due {self.session.describe_due(self.next_due)}.")
            lines.append("Press a to study ahead: the cards due within a day of it.")
        elif not answered:
            lines.append("No cards are due. Come back later, or import more cards.")
        self.query_one("#summary-body", Static).update("\n".join(lines))
        self._set_phase(Phase.DONE)

    def _show_ratings(self) -> None:
        assert self.item is not None
        intervals = self.session.preview(self.item)
        suggested = self.outcome.rating if self.outcome and self.mode is not Mode.FLIP else None
        for rating in Rating:
            label = Content.assemble(
                (f"{RATING_KEYS[rating]} ", "dim"),
                (rating.label.capitalize(), "bold"),
                (f"  {format_interval(intervals[rating])}", ""),
            )
            box = self.query_one(f"#rating-{rating.value}", Static)
            box.update(label)
            box.set_class(rating is suggested, "suggested")

    async def _show_feedback(self, outcome: Outcome) -> None:
        question = outcome.question
        feedback = self.query_one("#feedback", Vertical)
        await feedback.remove_children()
        widgets: list[Widget] = []
        if question.mode in (Mode.TYPE, Mode.CLOZE):
            widgets.append(Static(
                safe_text(f"Your answer: {outcome.response or '(nothing)'}"), id="response",
                markup=False,
            ))
        if outcome.grade is not None:
            widgets += self._grade_widgets(outcome.grade, outcome.rating)
        elif outcome.correct:
            widgets.append(Static("Right!", id="verdict", classes="verdict right"))
        else:
            shown = self._right_answer(question)
            if question.mode is Mode.CHOICE and isinstance(question.answer, int):
                shown = f"{LETTERS[question.answer]}), marked ✓"  # the option is on screen
            widgets.append(Horizontal(
                Static("Not quite.", id="verdict", classes="verdict wrong"),
                Static(safe_text(f"The answer is: {shown}"), id="right-answer",
                       markup=False),
                id="verdict-line",
            ))
        await feedback.mount_all(widgets)
        self.call_after_refresh(feedback.scroll_visible, animate=False)
        if question.mode in (Mode.CHOICE, Mode.TRUE_FALSE) and isinstance(question.answer, int):
            picked = int(outcome.response) if outcome.response is not None else -1
            for button in self.query(".option").results(OptionButton):
                right = button.value == question.answer
                wrong = button.value == picked and not outcome.correct
                button.set_class(right, "right")
                button.set_class(wrong, "wrong")
                if right or wrong:
                    button.label = Content(f"{button.label}  {'✓' if right else '✗'}")

    def _grade_widgets(self, grade: Grade, rating: Rating) -> list[Widget]:
        covered, total = len(grade.covered), len(grade.points)
        widgets: list[Widget] = [
            Static(
                f"{grade.verdict.capitalize()} — {covered} of {total} "
                f"point{'s' if total != 1 else ''} (score {grade.score:.2f}); "
                f"suggested: {rating.label}",
                id="verdict", classes=f"verdict {grade.verdict}", markup=False,
            )
        ]
        for point in grade.points:
            mark = "✓" if point.covered else "✗"
            line = f"{point.index + 1}. {point.text}"
            if point.in_other_words:
                line += "   [said in other words]"
            elif point.covered and point.matched_terms:
                line += f"   [matched: {', '.join(point.matched_terms)}]"
            elif point.contradicted:
                line += "   [your answer says otherwise]"
            state = "covered" if point.covered else "missed"
            widgets.append(Horizontal(
                Static(mark, classes="mark"),
                Static(safe_text(line), classes="graded-text", markup=False),
                classes=f"graded-point {state}",
            ))
        if grade.contradiction:
            widgets.append(Static(
                "Your answer contradicts the card: check the dates, numbers, names and sides.",
                id="contradiction",
            ))
        return widgets

    @staticmethod
    def _right_answer(question: Question) -> str:
        if isinstance(question.answer, int):
            key = "tf"[question.answer] if question.mode is Mode.TRUE_FALSE else LETTERS[
                question.answer]
            return f"{key}) {question.options[question.answer]}"
        return str(question.answer)

    # -- actions ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        phase, mode = self.phase, self.mode
        if action == "reveal":
            return phase is Phase.QUESTION and mode is Mode.FLIP
        if action == "rate":
            return phase is Phase.ANSWER
        if action == "flip_good":
            # space/enter mean Good on a flip card; elsewhere enter accepts the grade
            return phase is Phase.ANSWER and mode is Mode.FLIP
        if action == "accept":
            return phase is Phase.ANSWER and mode is not Mode.FLIP
        if action == "overrule":
            return phase is Phase.ANSWER and mode is Mode.TYPE
        if action == "pick":
            if phase is Phase.MATCH:
                return parameters[0] != "t"
            if phase is not Phase.QUESTION or self.question is None:
                return False
            if mode is Mode.TRUE_FALSE:
                return parameters[0] in ("t", "f", "a", "b")
            key = str(parameters[0])
            return mode is Mode.CHOICE and key in LETTERS[: len(self.question.options)]
        if action == "pick_left":
            return phase is Phase.MATCH
        if action == "next_round":
            return phase is Phase.MATCHED
        if action == "close":
            return phase is Phase.DONE
        if action == "undo":
            return self.session.can_undo()
        if action == "edit":
            return self.item is not None and phase in (Phase.QUESTION, Phase.ANSWER)
        if action == "study_ahead":
            return phase is Phase.DONE and self.next_due is not None
        if action in ("scroll", "quit_key"):
            # keys that a focused answer box or term field takes as text or cursor moves
            return not isinstance(self.focused, (Input, TextArea))
        return True

    def action_reveal(self) -> None:
        if self.item is None or self.question is None or self.phase is not Phase.QUESTION:
            return
        self.outcome = self.session.reveal(self.item, self.question)
        self._show_ratings()
        self._set_phase(Phase.ANSWER)
        self.call_after_refresh(self.query_one("#answer").scroll_visible, animate=False)

    async def _submit(self, response: object) -> None:
        if self.item is None or self.question is None or self.phase is not Phase.QUESTION:
            return
        duration_ms = max(0, int((self._timer() - self._shown_at) * 1000))
        self.outcome = outcome = self.session.submit(
            self.item, self.question, response, duration_ms=duration_ms
        )
        await self._show_feedback(outcome)
        self._show_ratings()
        self._set_phase(Phase.ANSWER)

    @on(AnswerBox.Checked)
    async def _typed(self, event: AnswerBox.Checked) -> None:
        if self.mode is Mode.TYPE:
            await self._submit(event.text.strip())

    @on(AnswerBox.UndoAnswer)
    async def _undo_from_the_box(self, event: AnswerBox.UndoAnswer) -> None:
        if self.session.can_undo():
            await self.action_undo()

    @on(Input.Submitted, "#term")
    async def _term(self, event: Input.Submitted) -> None:
        if self.mode is Mode.CLOZE:
            await self._submit(event.value.strip())

    async def action_pick(self, key: str) -> None:
        if self.phase is Phase.MATCH:
            await self._pair(LETTERS.index(key))
            return
        if self.question is None:
            return
        if self.mode is Mode.TRUE_FALSE:
            index = 0 if key in ("t", "a") else 1
        else:
            index = LETTERS.index(key)
        if index < len(self.question.options):
            await self._submit(index)

    @on(Button.Pressed, ".option")
    async def _option_clicked(self, event: Button.Pressed) -> None:
        assert isinstance(event.button, OptionButton)
        if self.phase is Phase.QUESTION:
            await self._submit(event.button.value)

    async def action_rate(self, value: int) -> None:
        await self._record(Rating(value))

    async def action_flip_good(self) -> None:
        await self._record(Rating.GOOD)

    async def action_accept(self) -> None:
        if self.outcome is not None:
            await self._record(self.outcome.rating)

    async def action_overrule(self, side: str) -> None:
        await self._record(Rating.GOOD if side == "right" else Rating.AGAIN, overruled=side)

    async def _record(self, rating: Rating, *, overruled: str | None = None) -> None:
        if self.item is None or self.phase is not Phase.ANSWER:
            return
        duration_ms = max(0, int((self._timer() - self._shown_at) * 1000))
        try:
            result = self.session.answer(
                self.item, rating, duration_ms=duration_ms, outcome=self.outcome,
                overruled=overruled,
            )
        except CollectionError as error:  # not on disk: the card stays, to rate again or quit
            self.notify(
                f"{error}\nRate again to retry, or press q to quit.", title="Not recorded",
                severity="error", markup=False, timeout=30,
            )
            return
        self._show_recorded(result, overruled)
        self.query_one("#notice").display = False
        await self._show_next()

    def _handle_exception(self, error: Exception) -> None:
        # A store that fails mid-session (damaged, unreadable) ends the session with its
        # message, which the command prints once the screen is closed; every answer
        # acknowledged before is on disk.
        if isinstance(error, CollectionError):
            self.failure = str(error)
            self.exit(return_code=2)
            return
        super()._handle_exception(error)

    def _show_recorded(self, result: AnswerResult, overruled: str | None) -> None:
        """What the last answer recorded, shown while the next card is asked."""
        said = {"right": " (you were right)", "wrong": " (you were wrong)"}.get(overruled or "", "")
        due = result.card.schedule.due
        when = f", next review in {format_interval(due - self.session.clock())}" if due else ""
        self.query_one("#recorded", Static).update(
            f"Recorded {result.rating.label}{said} for the last card{when}."
        )

    def action_close(self) -> None:
        self.exit()

    async def action_undo(self) -> None:
        try:
            result = self.session.undo()
        except CollectionError as error:
            self.notify(str(error), title="Not undone", severity="error")
            return
        if result is None:
            return
        if self._clock is not None:
            self._clock.pause()
        self.notify(
            f"Undone: {result.rating.label}. The card is back as it was.", title="Undo",
            timeout=3,
        )
        await self._show_next()

    def action_edit(self) -> None:
        item = self.item
        if item is None or self.phase not in (Phase.QUESTION, Phase.ANSWER):
            return

        async def save(result: tuple[str, list[str]] | None) -> None:
            if result is None:
                return
            try:
                edited = self.session.edit(item, *result)
            except CollectionError as error:
                self.notify(str(error), title="Not saved", severity="error")
                return
            self.notify("Card saved; its history is kept.", timeout=3)
            await self._show_item(edited)

        self.push_screen(EditCardScreen(item.note), save)

    def action_quit_key(self) -> None:
        self.exit()

    def action_scroll(self, key: str) -> None:
        stage = self.query_one("#stage", VerticalScroll)
        {
            "up": stage.scroll_up, "down": stage.scroll_down, "pageup": stage.scroll_page_up,
            "pagedown": stage.scroll_page_down, "home": stage.scroll_home,
            "end": stage.scroll_end,
        }[key](animate=False)

    async def action_study_ahead(self) -> None:
        if self.phase is Phase.DONE and self.session.study_ahead() is not None:
            self.query_one("#recorded", Static).update("")
            await self._show_next()

    # -- match rounds -------------------------------------------------------------------

    async def _show_match(self) -> None:
        self._match = round_ = self.session.match_round()
        self._update_progress()
        if round_ is None:
            self._show_summary()
            return
        question, _ = round_
        self.chosen = [None] * len(question.pairs)
        self.selected = 0
        self.query_one("#match-title", Static).update(
            f"Match each question with its answer ({len(question.pairs)} pairs)"
        )
        left = self.query_one("#match-left", Vertical)
        right = self.query_one("#match-right", Vertical)
        await left.remove_children()
        await right.remove_children()
        await left.mount_all(
            OptionButton(f"{i + 1}.  {text}", i, id=f"left-{i}", classes="left")
            for i, (text, _) in enumerate(question.pairs)
        )
        await right.mount_all(
            OptionButton(f"{LETTERS[i]})  {text}", i, id=f"right-{i}", classes="right")
            for i, text in enumerate(question.options)
        )
        await self.query_one("#match-result", Vertical).remove_children()
        self._shown_at = self._timer()
        self._tick()
        if self._clock is None:
            self._clock = self.set_interval(1.0, self._tick)
        else:
            self._clock.resume()
        self._mark_match()
        self.query_one("#stage", VerticalScroll).scroll_home(animate=False)
        self._set_phase(Phase.MATCH)

    def _tick(self) -> None:
        seconds = int(self._timer() - self._shown_at)
        self.query_one("#match-clock", Static).update(f"⏱ {seconds}s")

    def _mark_match(self) -> None:
        for button in self.query(".left").results(OptionButton):
            paired = self.chosen[button.value]
            button.set_class(paired is not None, "paired")
            button.set_class(button.value == self.selected, "selected")
            if self._match is not None:
                text = self._match[0].pairs[button.value][0]
                arrow = f"  → {LETTERS[paired]}" if paired is not None else ""
                marker = "▸ " if button.value == self.selected else "  "
                button.label = Content(safe_text(f"{marker}{button.value + 1}.  {text}{arrow}"))
        used = {c for c in self.chosen if c is not None}
        for button in self.query(".right").results(OptionButton):
            button.set_class(button.value in used, "paired")

    async def action_pick_left(self, index: int) -> None:
        self._select_left(index)

    def _select_left(self, index: int) -> None:
        if self.phase is Phase.MATCH and index < len(self.chosen) and self.chosen[index] is None:
            self.selected = index
            self._mark_match()

    async def _pair(self, option: int) -> None:
        if self._match is None or self.phase is not Phase.MATCH or self.selected is None:
            return
        question, items = self._match
        if option >= len(question.options) or option in self.chosen:
            return
        self.chosen[self.selected] = option
        free = [i for i, c in enumerate(self.chosen) if c is None]
        self.selected = next((i for i in free if i > self.selected), free[0] if free else None)
        self._mark_match()
        if self.selected is None:
            await self._finish_match(question, items)

    @on(Button.Pressed, ".left")
    def _left_clicked(self, event: Button.Pressed) -> None:
        assert isinstance(event.button, OptionButton)
        self._select_left(event.button.value)

    @on(Button.Pressed, ".right")
    async def _right_clicked(self, event: Button.Pressed) -> None:
        assert isinstance(event.button, OptionButton)
        await self._pair(event.button.value)

    async def _finish_match(self, question: Question, items: list[StudyItem]) -> None:
        seconds = max(0.0, self._timer() - self._shown_at)
        if self._clock is not None:
            self._clock.pause()
        self.query_one("#match-clock", Static).update(f"⏱ {seconds:.0f}s")
        try:
            self.session.answer_match(question, items, self.chosen, seconds=seconds)
        except CollectionError as error:
            self.notify(str(error), title="Not recorded", severity="error", markup=False)
        assert isinstance(question.answer, tuple)
        wrong = [i for i, (c, a) in enumerate(zip(self.chosen, question.answer, strict=True))
                 if c != a]
        right = len(items) - len(wrong)
        widgets: list[Widget] = [
            Static(f"{right} of {len(items)} right in {seconds:.1f}s", id="match-score",
                   classes="verdict " + ("right" if not wrong else "wrong"))
        ]
        for index in wrong:
            left, answer = question.pairs[index]
            widgets.append(
                Static(
                    safe_text(f"✗ {index + 1}. {left} → {answer}"), classes="wrong-pair",
                    markup=False,
                )
            )
        for button in self.query(".left").results(OptionButton):
            button.set_class(button.value in wrong, "wrong")
        result = self.query_one("#match-result", Vertical)
        await result.mount_all(widgets)
        self._update_progress()
        self.query_one("#notice").display = False
        self._set_phase(Phase.MATCHED)
        self.call_after_refresh(result.scroll_visible, animate=False)

    async def action_next_round(self) -> None:
        if self.phase is Phase.MATCHED:
            await self._show_next()
