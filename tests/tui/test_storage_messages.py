"""The study app when the store fails, and with hostile deck text: an answer that cannot be
written is not acknowledged and the screen says so; deck text is shown as written."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Static

from retain.collection import Collection
from retain.core.model import DeckDraft, NoteDraft
from retain.session import StudySession
from retain.tui.app import Phase, StudyApp
from tests.conftest import NOW, make_draft
from tests.storage.faults import no_busy_wait, write_lock_held
from tests.tui.test_app import Clock


async def test_an_answer_that_cannot_be_written_stays_on_screen_to_retry(
    tmp_path: Path,
) -> None:
    path = tmp_path / "retain.sqlite3"
    with Collection.open(path) as col:
        col.decks.import_deck(make_draft(3), now=NOW)
        no_busy_wait(col)
        app = StudyApp(StudySession(col, clock=Clock(NOW), mode="flip"))
        async with app.run_test() as pilot:
            await pilot.press("space")
            await pilot.pause()
            first = app.item
            with write_lock_held(path):
                await pilot.press("3")
                await pilot.pause()
                assert app.phase is Phase.ANSWER and app.item is first
                shown = [n.message for n in app._notifications]
                assert any("another retain is writing" in m for m in shown), shown
                assert col.stats.review_count() == 0
            await pilot.press("3")  # the lock is gone: rated again, it is recorded
            await pilot.pause()
            assert col.stats.review_count() == 1
            assert app.item is not first


async def test_markup_in_a_card_is_shown_literally(collection: Collection) -> None:
    collection.decks.import_deck(
        DeckDraft("[bold]Deck[/bold]", "text/questions", (
            NoteDraft("What is [bold]this[/]?", ("[red]a point[/red]", "[link=x]y[/link]")),
        )),
        now=NOW,
    )
    app = StudyApp(StudySession(collection, clock=Clock(NOW), mode="flip"))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert str(app.query_one("#question", Static).content) == "What is [bold]this[/]?"
        await pilot.press("space")
        await pilot.pause()
        points = [str(w.content) for w in app.query(".point-text").results(Static)]
        assert points == ["[red]a point[/red]", "[link=x]y[/link]"]


async def test_escape_sequences_in_a_card_never_reach_the_screen(
    collection: Collection,
) -> None:
    hostile = "\x1b]0;owned\x07\x1b[2J"
    collection.decks.import_deck(
        DeckDraft("Deck", "text/questions", (
            NoteDraft(f"What is{hostile} this?", (f"a{hostile} point", "b\x9b2J point")),
        )),
        now=NOW,
    )
    app = StudyApp(StudySession(collection, clock=Clock(NOW), mode="flip"))
    async with app.run_test() as pilot:
        await pilot.press("space")
        await pilot.pause()
        screen = "".join(
            segment.text
            for strip in app.screen._compositor.render_strips()
            for segment in strip
        )
        assert "What is this?" in screen and "a point" in screen
        assert not any(ch in screen for ch in "\x1b\x07\x9b")


async def test_a_store_that_fails_mid_session_ends_it_with_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retain.storage.errors import corrupt

    path = tmp_path / "retain.sqlite3"
    with Collection.open(path) as col:
        col.decks.import_deck(make_draft(3), now=NOW)
        session = StudySession(col, clock=Clock(NOW), mode="flip")
        app = StudyApp(session)
        async with app.run_test() as pilot:
            await pilot.press("space", "3")
            await pilot.pause()
            assert col.stats.review_count() == 1

            def damaged(*_args: object, **_kwargs: object) -> None:
                raise corrupt(path, "database disk image is malformed")

            monkeypatch.setattr(session, "next", damaged)
            await pilot.press("space")
            await pilot.pause()
            # Rated: recorded, but the next card cannot be read, and the app exits (so the
            # key is not sent through the pilot, which would wait for the screen).
            app.call_later(app.action_rate, 3)
            for _ in range(10_000):
                if app.failure is not None:
                    break
                await asyncio.sleep(0)
        assert app.failure is not None and "retain check --repair" in app.failure
        assert app.return_code == 2
        assert col.stats.review_count() == 2
