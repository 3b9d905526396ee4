"""`retain study --plain`: the study loop on plain lines of stdin and stdout, for scripts,
pipes and screen readers. A line "Recorded: ..." is printed only once the answer is on disk."""

from __future__ import annotations

import time
from typing import TextIO

from retain.core.model import Rating
from retain.core.scheduling import format_interval
from retain.session import StudySession


def run_plain(session: StudySession, stdin: TextIO, stdout: TextIO) -> int:
    def say(text: str = "") -> None:
        stdout.write(text + "\n")
        stdout.flush()

    def ask(prompt: str) -> str | None:
        stdout.write(prompt)
        stdout.flush()
        line = stdin.readline()
        if not line:
            return None
        return line.strip()

    counts = session.counts()
    name = session.deck.name if session.deck else "all decks"
    say(f"Studying {name}: {counts.due} due, {counts.new} new, {counts.done_today} done today.")
    while True:
        item = session.next()
        if item is None:
            say("No more cards to study now.")
            break
        counts = session.counts()
        say("")
        say(f"[due {counts.due} · new {counts.new} · done today {counts.done_today}]")
        say(f"Q: {item.note.question}")
        shown_at = time.monotonic()
        reply = ask("Press Enter to show the answer (q to quit): ")
        if reply is None or reply.lower() in {"q", "quit"}:
            break
        say("A:")
        for point in item.note.answer_points:
            say(f"  - {point}")
        intervals = session.preview(item)
        choices = "  ".join(f"{r.value} {r.label} ({format_interval(intervals[r])})" for r in Rating)
        rating: Rating | None = None
        while rating is None:
            reply = ask(f"Rate: {choices}  q quit: ")
            if reply is None or reply.lower() in {"q", "quit"}:
                break
            try:
                rating = Rating.parse(reply)
            except ValueError as error:
                say(str(error))
        if rating is None:
            break
        duration = int((time.monotonic() - shown_at) * 1000)
        result = session.answer(item, rating, duration_ms=duration)
        due = result.card.schedule.due
        when = format_interval(due - session.clock()) if due else "-"
        say(f"Recorded: {rating.label} (card {item.card.id}) — next in {when}")
    say("")
    for line in session.summary.lines():
        say(line)
    return 0
