"""`retain study --plain`: the study loop on plain lines of stdin and stdout, for scripts,
pipes and screen readers. A line "Recorded: ..." is printed only once the answer is on disk.

Each mode reads one kind of reply: Enter to turn a flip card over; typed lines ending with
an empty line for a typed answer; a letter (or number) for a choice; t or f for true/false;
a term for a cloze; a letter for each pair of a match round. Then 1-4 rates the card, and
Enter takes the suggested rating (Good for a flip card); for a typed answer r says "I was
right" and w "I was wrong". q quits at any prompt, and undo at any prompt takes back the
last answer (the card is asked again, with the state it had before). When nothing is left
to study, it says when the next card is due, and `a` studies ahead: the cards due within a
day of it.
"""

from __future__ import annotations

import string
import time
from collections.abc import Callable
from typing import TextIO

from retain.collection import CollectionError, StudyItem
from retain.core.model import Rating
from retain.core.questions import Mode, Question
from retain.core.scheduling import format_interval
from retain.session import Outcome, StudySession
from retain.terminal import safe_text

LETTERS = string.ascii_lowercase


class _Quit(Exception):
    pass


class _Undo(Exception):
    pass


class PlainStudy:
    def __init__(self, session: StudySession, stdin: TextIO, stdout: TextIO) -> None:
        self.session = session
        self.stdin = stdin
        self.stdout = stdout
        self._before_input: Callable[[], None] | None = None
        """Work to do once the next prompt is on screen, before the reply is read."""

    def say(self, text: str = "") -> None:
        """Write a line. Everything printed passes `safe_text`: a deck's text never reaches
        the terminal with an escape sequence in it."""
        self.stdout.write(safe_text(text) + "\n")
        self.stdout.flush()

    def ask(self, prompt: str) -> str:
        self.stdout.write(safe_text(prompt))
        self.stdout.flush()
        work, self._before_input = self._before_input, None
        if work is not None:  # done while the student reads: typed keys wait in the buffer
            work()
        line = self.stdin.readline()
        if not line:
            raise _Quit
        reply = line.strip()
        if reply.lower() in {"q", "quit"}:
            raise _Quit
        if reply.lower() == "undo":
            raise _Undo
        return reply

    def run(self) -> int:
        session = self.session
        counts = session.counts()
        name = session.deck.name if session.deck else "all decks"
        self.say(
            f"Studying {name} ({session.mode} mode): {counts.due} due, {counts.new} new, "
            f"{counts.done_today} done today."
        )
        status = 0
        try:
            while self.step():
                pass
        except (_Quit, KeyboardInterrupt):  # every answer so far is already on disk
            pass
        except CollectionError as error:  # the store failed: every answer before is on disk
            self.say(f"Stopped: {error}")
            status = 2
        self.say("")
        for line in session.summary.lines():
            self.say(line)
        return status

    def nothing_left(self) -> bool:
        """Say that nothing is due and when the next card is; True to study ahead."""
        self.say("")
        self.say("No more cards to study now.")
        due = self.session.next_due()
        if due is None:
            return self.offer_undo()
        self.say(f"The next card is due {self.session.describe_due(due)}.")
        undo = ", undo to take back the last answer," if self.session.can_undo() else ","
        reply = self.ask(
            f"Type a to study ahead (the cards due within a day of it){undo} or Enter to finish: "
        )
        if reply.lower() not in {"a", "ahead"}:
            return False
        self.session.study_ahead()
        return True

    def progress(self) -> str:
        if self.session.mode == "learn":
            learned, left = self.session.learn_progress()
            return f"[learned {learned} · in this round {left}]"
        counts = self.session.counts()
        return f"[due {counts.due} · new {counts.new} · done today {counts.done_today}]"

    def step(self) -> bool:
        try:
            return self.ask_next()
        except _Undo:
            self.undo()
            return True

    def undo(self) -> None:
        try:
            result = self.session.undo()
        except CollectionError as error:
            self.say(f"Cannot undo: {error}")
            return
        if result is None:
            self.say("Nothing to undo in this session.")
            return
        self.say(
            f"Undone: {result.rating.label} (card {result.card.id}); "
            "the card is as it was before."
        )

    def ask_next(self) -> bool:
        if self.session.mode == "match":
            return self.match_round()
        item = self.session.next()
        if item is None:
            return self.nothing_left()
        question = self.session.question(item)
        self.say("")
        self.say(self.progress())
        shown_at = time.monotonic()
        outcome = self.ask_question(item, question, shown_at)
        self.rate(item, outcome, shown_at)
        return True

    def offer_undo(self) -> bool:
        """At the end, the last answer can still be taken back; True if it was."""
        if not self.session.can_undo():
            return False
        self.ask("Press Enter to finish, or type undo to take back the last answer: ")
        return False

    def ask_question(self, item: StudyItem, question: Question, shown_at: float) -> Outcome:
        mode = question.mode
        self._before_input = lambda: self.session.prepare_ahead(item, question)
        self.say(f"Q: {question.prompt}")
        if mode is Mode.FLIP:
            self.ask("Press Enter to show the answer (q to quit): ")
            self.show_answer(item)
            return self.session.reveal(item, question)
        if mode is Mode.TYPE:
            self.say("Type your answer; finish with an empty line (q to quit):")
            lines: list[str] = []
            while True:
                line = self.ask("> " if not lines else ". ")
                if not line:
                    break
                lines.append(line)
            duration = int((time.monotonic() - shown_at) * 1000)
            outcome = self.session.submit(item, question, "\n".join(lines), duration_ms=duration)
            self.show_grade(outcome)
            return outcome
        if mode in (Mode.CHOICE, Mode.TRUE_FALSE):
            if question.statement:
                self.say(f"   {question.statement}")
            for index, option in enumerate(question.options):
                self.say(f"  {LETTERS[index]}) {option}")
            response: int | str = self.ask_option(question)
        else:  # cloze
            self.say(f"   {question.statement}")
            response = self.ask("Fill in the blank: ")
        outcome = self.session.submit(item, question, response)
        if outcome.correct:
            self.say("Right!")
        else:
            self.say(f"Not quite. The answer is: {self.right_answer(question)}")
        self.show_answer(item)
        return outcome

    def ask_option(self, question: Question) -> int:
        count = len(question.options)
        while True:
            reply = self.ask(f"Your choice ({LETTERS[0]}-{LETTERS[count - 1]}): ").lower()
            if question.mode is Mode.TRUE_FALSE and reply in {"t", "true", "f", "false"}:
                return 0 if reply.startswith("t") else 1
            if len(reply) == 1 and reply in LETTERS[:count]:
                return LETTERS.index(reply)
            if reply.isdigit() and 1 <= int(reply) <= count:
                return int(reply) - 1
            self.say(f"Type a letter from {LETTERS[0]} to {LETTERS[count - 1]}.")

    @staticmethod
    def right_answer(question: Question) -> str:
        if isinstance(question.answer, int):
            return f"{LETTERS[question.answer]}) {question.options[question.answer]}"
        return str(question.answer)

    def show_answer(self, item: StudyItem) -> None:
        self.say("A:")
        for point in item.note.answer_points:
            self.say(f"  - {point}")

    def show_grade(self, outcome: Outcome) -> None:
        grade = outcome.grade
        assert grade is not None
        covered = len(grade.covered)
        total = len(grade.points)
        self.say(
            f"Grade: {grade.verdict} — {covered} of {total} point{'s' if total != 1 else ''}"
            f" (score {grade.score:.2f}); suggested rating: {outcome.rating.label}"
        )
        for point in grade.points:
            mark = "✓" if point.covered else ("✗ wrong" if point.contradicted else "✗")
            matched = ""
            if point.in_other_words:
                matched = "  [said in other words]"
            elif point.covered and point.matched_terms:
                matched = f"  [matched: {', '.join(point.matched_terms)}]"
            self.say(f"  {mark} {point.index + 1}. {point.text}{matched}")
        if grade.contradiction:
            self.say("Your answer contradicts the card: check the dates, numbers, names and sides.")

    def rate(self, item: StudyItem, outcome: Outcome, shown_at: float) -> None:
        intervals = self.session.preview(item)
        choices = "  ".join(
            f"{r.value} {r.label} ({format_interval(intervals[r])})" for r in Rating
        )
        typed = outcome.question.mode is Mode.TYPE
        overruled: str | None = None
        rating: Rating | None = None
        while rating is None:
            if outcome.question.mode is Mode.FLIP:
                prompt = f"Rate: {choices}  Enter = good  q quit: "
            else:
                extra = "  r I was right  w I was wrong" if typed else ""
                prompt = f"Enter = {outcome.rating.label}, or {choices}{extra}  q quit: "
            reply = self.ask(prompt).lower()
            if not reply:  # the suggested rating; Good for a flip card
                rating = outcome.rating
            elif typed and reply in {"r", "w"}:
                overruled = "right" if reply == "r" else "wrong"
                rating = Rating.GOOD if reply == "r" else Rating.AGAIN
            else:
                try:
                    rating = Rating.parse(reply)
                except ValueError as error:
                    self.say(str(error))
        duration = int((time.monotonic() - shown_at) * 1000)
        while True:
            try:
                result = self.session.answer(
                    item, rating, duration_ms=duration, outcome=outcome, overruled=overruled
                )
                break
            except CollectionError as error:  # not on disk, so not acknowledged
                self.say(f"Not recorded: {error}")
                self.ask("Press Enter to try again (q to quit): ")
        due = result.card.schedule.due
        when = format_interval(due - self.session.clock()) if due else "-"
        said = {"right": ": you were right", "wrong": ": you were wrong"}.get(overruled or "", "")
        self.say(f"Recorded: {rating.label} (card {item.card.id}){said} — next in {when}")

    def match_round(self) -> bool:
        round_ = self.session.match_round()
        if round_ is None:
            return self.nothing_left()
        question, items = round_
        self.say("")
        self.say(f"Match each question with its answer ({len(items)} pairs, timed).")
        for index, (left, _) in enumerate(question.pairs, 1):
            self.say(f"  {index}. {left}")
        for index, option in enumerate(question.options):
            self.say(f"  {LETTERS[index]}) {option}")
        started = time.monotonic()
        chosen: list[int | None] = []
        for index in range(len(question.pairs)):
            while True:
                reply = self.ask(f"{index + 1} → ").lower()
                if len(reply) == 1 and reply in LETTERS[: len(question.options)]:
                    chosen.append(LETTERS.index(reply))
                    break
                self.say(f"Type a letter from a to {LETTERS[len(question.options) - 1]}.")
        seconds = time.monotonic() - started
        try:
            results = self.session.answer_match(question, items, chosen, seconds=seconds)
        except CollectionError as error:
            self.say(f"Not recorded: {error}")
            self.ask("Press Enter for the next round (q to quit): ")
            return True
        assert isinstance(question.answer, tuple)
        right = sum(1 for c, a in zip(chosen, question.answer, strict=True) if c == a)
        self.say(f"{right} of {len(items)} right in {seconds:.1f}s.")
        for index, result in enumerate(results):
            if result.rating is Rating.AGAIN:
                left, answer = question.pairs[index]
                self.say(f"  {index + 1}. {left} → {answer}")
        self.say(f"Recorded: {len(results)} answers")
        return True


def run_plain(session: StudySession, stdin: TextIO, stdout: TextIO) -> int:
    return PlainStudy(session, stdin, stdout).run()
