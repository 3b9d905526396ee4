"""The `retain` command. It parses arguments and calls the Collection; nothing more.

Heavy modules (the database layer, Textual) are imported inside the commands that need
them, so that `retain --help` starts fast.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple, NoReturn

import click

from retain.errors import CollectionError
from retain.terminal import replace_unencodable_std, safe_text

if TYPE_CHECKING:
    import sqlite3
    import threading
    from collections.abc import Iterator, Sequence

    from retain.collection import Collection, ImportReport
    from retain.core.grading import Judge
    from retain.core.model import Deck, DeckDraft, DeckStream
    from retain.plans import PlanReport
    from retain.stats import DeckStats

# DEL and the C1 controls, which JSON leaves as they are, written as escapes.
_JSON_CONTROLS = {code: f"\\u{code:04x}" for code in range(0x7F, 0xA0)}


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print a line that may hold a deck's text: escape sequences and control characters
    are removed first (see terminal.py)."""
    click.echo(safe_text(text), err=err, nl=nl)


def echo_json(value: object) -> None:
    """Print one JSON value. JSON escapes the C0 controls itself; DEL and C1 are escaped
    too, so that no byte of a deck reaches a terminal as a control."""
    click.echo(json.dumps(value, ensure_ascii=False).translate(_JSON_CONTROLS))


def fail(message: str, *, status: int = 2) -> NoReturn:
    """Bad input or a request that cannot be met: a message on stderr and exit status 2."""
    echo(f"retain: {message}", err=True)
    sys.exit(status)


class RetainGroup(click.Group):
    """The command group: whatever a command cannot carry out (a `CollectionError`, which
    includes every storage error) ends in its message, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except CollectionError as error:
            fail(str(error))


BACKUP_WAIT_AT_END_S = 0.25
"""How long a command waits at its end for the day's backup made beside it (see
`Context._start_daily_backup`)."""


class Context:
    def __init__(self, home: str | None) -> None:
        from retain.paths import data_home

        self.home = data_home(home)
        self._collection: Collection | None = None
        self._backup: threading.Thread | None = None
        self._backup_problem: str | None = None

    def target(self) -> str | Path:
        from retain.paths import database_target

        return database_target(self.home)

    def collection(self, *, read_only: bool = False, backup_beside: bool = False) -> Collection:
        """The collection, opened once. A command that only reads passes `read_only`: the
        store is then opened read-only. A command that writes makes the day's backup first
        (see storage/backup.py), or, with `backup_beside`, while it runs."""
        if self._collection is None:
            from sqlalchemy.exc import SQLAlchemyError

            from retain.collection import Collection

            target = self.target()
            try:
                self._collection = Collection.open(target, read_only=read_only)
            except CollectionError as error:
                fail(str(error))
            except OSError as error:
                fail(f"cannot open the data directory {self.home}: {error}")
            except SQLAlchemyError as error:
                reason = getattr(error, "orig", None) or error
                where = target if isinstance(target, Path) else "the database server"
                fail(f"cannot open the store at {where}: {str(reason).splitlines()[0]}")
            if not read_only and isinstance(target, Path):
                self._start_daily_backup(target)
                if not backup_beside:
                    self._finish_daily_backup()
        return self._collection

    def peek(self) -> sqlite3.Connection | None:
        """The store open read-only through the standard library, for commands that only
        read; None when it must be opened as a Collection (on a server, before the store
        exists, when a migration is due, or when the file does not pass its check)."""
        target = self.target()
        if not isinstance(target, Path):
            return None
        from retain.storage.peek import open_store

        return open_store(target)

    def _start_daily_backup(self, store: Path) -> None:
        """Make the day's backup beside the command, in a thread of its own: SQLite copies
        the pages without holding Python's lock, so a big store's copy (about a second at
        100,000 cards) delays neither the first question nor the answers. A command that
        runs beside it waits for it at its end for `BACKUP_WAIT_AT_END_S` at most, so that
        quitting stays immediate: a copy not finished by then is dropped with the process
        (it leaves only a partial file, which the next copy removes, see `backup_to`), and
        the next command that writes makes the day's backup."""
        import sqlite3
        import threading

        from retain.storage.backup import daily_backup

        def run() -> None:
            try:
                daily_backup(store, now_utc())
            except (CollectionError, OSError, sqlite3.Error) as error:
                self._backup_problem = str(error)  # the store itself is still usable

        self._backup = threading.Thread(target=run, name="daily-backup", daemon=True)
        self._backup.start()

    def _finish_daily_backup(self, *, wait_s: float | None = None) -> None:
        if self._backup is not None:
            self._backup.join(wait_s)
            if self._backup.is_alive():
                return  # still copying: a daemon thread, dropped when the process ends
            self._backup = None
            if self._backup_problem is not None:
                echo(f"retain: no backup made today: {self._backup_problem}", err=True)

    def close(self) -> None:
        self._finish_daily_backup(wait_s=BACKUP_WAIT_AT_END_S)
        if self._collection is not None:
            collection, self._collection = self._collection, None
            try:
                collection.close()
            except Exception as error:  # everything was committed before this
                echo(f"retain: the store did not close cleanly: {error}", err=True)


pass_context = click.make_pass_decorator(Context)


@click.group(cls=RetainGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar="RETAIN_HOME",
    help="Data directory (default: the platform's user data directory; env RETAIN_HOME).",
)
@click.version_option(package_name="retain")
@click.pass_context
def cli(ctx: click.Context, home: str | None) -> None:
    """retain: flashcards for real revision decks, scheduled with FSRS."""
    replace_unencodable_std()
    ctx.obj = Context(home)
    ctx.call_on_close(ctx.obj.close)


def plural(count: int, noun: str) -> str:
    """ "1 card", "2 cards", "12,580 reviews"."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def now_utc() -> datetime:
    return datetime.now(UTC)


@cli.command("import", short_help="Import cards from a file or standard input.")
@click.argument("file", type=click.Path(dir_okay=True, allow_dash=True))
@click.option("--deck", "deck_name", help="Deck to import into (default: the title of the cards).")
@click.option("--dry-run", is_flag=True, help="Read and show the cards; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--no-limit",
    is_flag=True,
    help="Read input larger than 200 MB or with more than 1,000,000 cards.",
)
@click.option(
    "--term-separator",
    help="Read Quizlet's text with this between term and definition (tab, comma, or any "
    "string).",
)
@click.option(
    "--card-separator",
    help="Read Quizlet's text with this between cards (newline, semicolon, or any string).",
)
@click.option(
    "--anki-settings",
    is_flag=True,
    help="Use an Anki package's desired retention and FSRS parameters as retain's.",
)
@pass_context
def import_command(
    ctx: Context,
    file: str,
    deck_name: str | None,
    dry_run: bool,
    as_json: bool,
    no_limit: bool,
    term_separator: str | None,
    card_separator: str | None,
    anki_settings: bool,
) -> None:
    """Import cards from FILE (pasted text, or '-' to read standard input).

    The format is detected from the content: pasted text (a question per line ending in
    '?' followed by answer lines, term<TAB>definition, 'term - definition',
    'term: definition', Q:/A: blocks, 'Q :: A' and 'Q >> A', a question over a line with
    only '?' or '---', Markdown headings with bullets, numbered questions), CSV and TSV
    (with or without a header row), Anki's text export, Quizlet's text, and a JSON backup
    made by `retain export --json`, and Anki packages (.apkg, .colpkg) with their review
    history and media. Importing the same cards again adds no duplicates.
    Ctrl+C stores nothing of the import.
    """
    from retain.collection import CollectionError
    from retain.core.model import DeckDraft, DeckStream
    from retain.formats import open_path, open_stream
    from retain.formats.errors import DeckImportError, DeckTooLargeError

    source = "standard input" if file == "-" else file
    quizlet = term_separator is not None or card_separator is not None
    from retain.archive import is_backup

    if not quizlet and is_backup(_backup_head(file)):
        if deck_name:
            fail("a backup restores its own decks; --deck does not apply to it")
        _import_backup(ctx, file, source, dry_run, as_json, no_limit)
        return
    draft: DeckDraft | DeckStream
    with _ImportProgress(enabled=sys.stderr.isatty() and not dry_run) as progress:
        try:
            progress.reading(source)
            if quizlet:
                draft = _read_quizlet(file, source, term_separator, card_separator, no_limit)
            elif file == "-":
                draft = open_stream(sys.stdin.buffer, source=source, limit=not no_limit)
            else:
                draft = open_path(Path(file), limit=not no_limit)
            if dry_run and isinstance(draft, DeckStream):
                draft = draft.to_draft()  # read here, where its errors are reported
        except DeckTooLargeError as error:
            fail(f"{error}; --no-limit imports it anyway")
        except DeckImportError as error:
            fail(str(error))
        except KeyboardInterrupt:
            fail("interrupted: nothing was imported", status=130)
        if dry_run:
            _print_dry_run(draft.to_draft() if isinstance(draft, DeckStream) else draft, as_json)
            return
        if not deck_name and not draft.title:
            deck_name = "Pasted cards" if file == "-" else Path(file).stem
        applied: list[str] = []
        if anki_settings and draft.scheduler is not None:
            # Before the import, so that the history is replayed with them.
            applied = ctx.collection().use_scheduler(draft.scheduler)
        try:
            # The question index reads the new cards when the deck is first studied.
            report = ctx.collection().decks.import_deck(
                draft, now=now_utc(), deck_name=deck_name, progress=progress.update,
                index_later=True,
            )
        except DeckTooLargeError as error:  # found as a large file is read
            fail(f"{error}; --no-limit imports it anyway")
        except (CollectionError, DeckImportError) as error:
            fail(str(error))
        except KeyboardInterrupt:
            fail("interrupted: nothing was imported", status=130)
    if progress.interrupted_when_complete:
        echo("retain: every card was written when Ctrl+C came; the import is kept", err=True)
    removed = report.control_characters_removed
    if as_json:
        shape: dict[str, Any] = {
            "deck": report.deck.name,
            "format": draft.format,
            "added": report.added,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "control_characters_removed": removed,
        }
        if isinstance(draft, DeckDraft) and draft.format == "apkg":
            shape.update(reviews=report.reviews, media=report.media)
            if draft.scheduler is not None:
                shape["scheduler"] = draft.to_json_dict()["scheduler"]
            if anki_settings:
                shape["settings_used"] = applied
        echo_json(shape)
    else:
        echo(
            f"Imported into “{report.deck.name}” ({draft.format}): {report.added} added, "
            f"{report.updated} updated, {report.unchanged} unchanged."
        )
        if report.reviews or report.media:
            echo(
                f"Brought in {plural(report.reviews, 'answer')} of review history "
                f"and {plural(report.media, 'media file')}."
            )
        if report.media_skipped:
            echo(
                f"{plural(report.media_skipped, 'media file')} not kept: a server store "
                "keeps no media."
            )
        if anki_settings:
            for line in applied or ["the package has no scheduler settings to use"]:
                echo(f"Anki's settings: {line}")
        else:
            _offer_scheduler(draft, ctx)
        if removed:
            echo(
                f"Removed {removed} control character{'s' if removed != 1 else ''} "
                "(such as terminal escape codes) from the text."
            )


def _offer_scheduler(draft: DeckDraft | DeckStream, ctx: Context) -> None:
    """Show the scheduler settings that came with the deck, and how to use them."""
    found = draft.scheduler
    if found is None:
        return
    settings = ctx.collection().settings
    differ = False
    if found.desired_retention is not None:
        ours = float(settings["desired_retention"])
        if abs(ours - found.desired_retention) > 1e-9:
            differ = True
            echo(
                f"Anki's desired retention for these cards is {found.desired_retention:g} "
                f"(retain's is {ours:g})."
            )
    if found.parameters is not None and list(found.parameters) != list(
        settings.get("fsrs_parameters") or []
    ):
        differ = True
        echo(
            "Anki's FSRS parameters for these cards: "
            + ", ".join(f"{p:.4g}" for p in found.parameters)
            + "."
        )
    if differ:
        echo(
            "To schedule with them, import into a new deck with --anki-settings (the history "
            "is replayed with them), or set them for the answers to come: "
            "retain config desired_retention / fsrs_parameters."
        )


def _read_quizlet(
    file: str,
    source: str,
    term_separator: str | None,
    card_separator: str | None,
    no_limit: bool,
) -> DeckDraft:
    """Read Quizlet's text with the separators given (tab and new line by default)."""
    from retain.formats import MAX_INPUT_BYTES, read_data
    from retain.formats import quizlet as quizlet_format
    from retain.formats.errors import DeckImportError

    try:
        term = quizlet_format.separator(term_separator or "tab")
        card = quizlet_format.separator(card_separator or "newline")
    except ValueError as error:
        raise DeckImportError(str(error), source=source) from None
    most = -1 if no_limit else MAX_INPUT_BYTES + 1
    if file == "-":
        data = sys.stdin.buffer.read(most)
    else:
        try:
            with open(file, "rb") as stream:
                data = stream.read(most)
        except OSError as error:
            raise DeckImportError(
                f"the file cannot be read: {error.strerror or error}", source=source
            ) from None
    if not no_limit and len(data) > MAX_INPUT_BYTES:
        read_data(data, source=source)  # refused with the size limit's message
    return quizlet_format.read(data, source=source, term_separator=term, card_separator=card)


def _print_dry_run(draft: DeckDraft, as_json: bool) -> None:
    if as_json:
        echo_json(draft.to_json_dict())
        return
    echo(f"{draft.title or '(no title)'} — {len(draft.notes)} cards ({draft.format})")
    for i, note in enumerate(draft.notes, 1):
        echo(f"{i:3}. {note.question}")
        for point in note.answer_points:
            echo(f"       - {point}")
    if draft.control_characters_removed:
        echo(f"Control characters removed: {draft.control_characters_removed}.")
    echo("Dry run: nothing was stored.")


class _ImportProgress:
    """A progress bar on stderr while an import reads and writes, when stderr is a terminal;
    nothing at all otherwise. Once every card is written ("finishing"), Ctrl+C waits for the
    few seconds that make them visible, since the import is complete by then."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._task: Any = None
        self._stage = ""
        self.interrupted_when_complete = False
        self._previous_handler: Any = None

    def __enter__(self) -> _ImportProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
        if self._previous_handler is not None:
            import signal

            signal.signal(signal.SIGINT, self._previous_handler)
            self._previous_handler = None

    def reading(self, source: str) -> None:
        if self._bar is not None:
            self._task = self._bar.add_task(f"Reading {source}", total=None)

    def update(self, stage: str, done: int, total: int) -> None:
        if stage == "finishing" and self._previous_handler is None:
            import signal
            import threading

            if threading.current_thread() is threading.main_thread():
                self._previous_handler = signal.signal(signal.SIGINT, self._hold_interrupt)
        if self._bar is None:
            return
        if stage != self._stage:
            self._stage = stage
            words = {
                "writing": "Writing cards", "finishing": "Finishing",
                "indexing": "Indexing questions",
            }
            if self._task is not None:
                self._bar.remove_task(self._task)
            self._task = self._bar.add_task(words.get(stage, stage), total=total)
        self._bar.update(self._task, completed=done, total=total)

    def _hold_interrupt(self, _signum: int, _frame: object) -> None:
        self.interrupted_when_complete = True


def ensure_sample_deck(col: Collection) -> ImportReport | None:
    """With nothing imported yet, import the sample deck that ships with retain."""
    if col.decks.all():
        return None
    from retain.formats import read_path
    from retain.paths import sample_deck_path

    return col.decks.import_deck(read_path(sample_deck_path()), now=now_utc())


WARM_UP_AFTER_S = 1.0
"""When `retain study` starts loading the grader's word lists: once the first question is
on the screen."""

SEMANTIC_OPTION = click.option(
    "--semantic/--no-semantic",
    default=None,
    help="Ask the answer encoder whether a typed answer says a point in other words. "
    "On by default when the semantic extra is installed (pip install 'retain[semantic]').",
)


def _judge(semantic: bool | None, *, preload: bool = False) -> Judge | None:
    """The paraphrase judge for typed answers: the answer encoder when it is wanted and
    installed. Asked for and missing, it is an error; by default it is used if present."""
    from retain import answer_encoder

    if semantic is False or (semantic is None and not answer_encoder.available()):
        return None
    if not answer_encoder.available():
        fail(f"--semantic needs the semantic extra: {answer_encoder.INSTALL_HINT}")
    if preload:
        answer_encoder.preload()  # in the background, so that a session starts at once

    def judge(question: str, points: Sequence[str], typed: str) -> Sequence[float]:
        return answer_encoder.shared().point_probabilities(question, points, typed)

    return judge


TYPES_OPTION = click.option(
    "--types",
    default="written,choice,truefalse,match",
    show_default=True,
    help="The kinds of question, taking turns: written, choice, truefalse, match.",
)


@cli.command(short_help="Study the cards that are due now.")
@click.argument("deck", required=False)
@click.option(
    "--plain", is_flag=True, help="Plain lines on stdin/stdout instead of the full screen."
)
@click.option(
    "--mode",
    type=click.Choice(
        ["auto", "flip", "type", "choice", "truefalse", "cloze", "match", "learn"],
        case_sensitive=False,
    ),
    default="auto",
    show_default=True,
    help="How cards are asked. auto picks per card: a new card as a choice, a short fact "
    "typed; a longer answer as a cloze or true/false on its second review, then typed if it is "
    "short enough (3 points, 300 characters), else flipped. learn: recognise, then type, "
    "until each card is typed right.",
)
@click.option("--seed", type=int, help="Seed for the questions, to repeat a session exactly.")
@SEMANTIC_OPTION
@click.option(
    "--test", "as_test", is_flag=True,
    help="Take a practice test of DECK and see the score (what `retain test` prints; "
    "nothing is recorded).",
)
@click.option("--questions", type=click.IntRange(min=1), default=20, show_default=True,
              help="With --test: how many questions.")
@TYPES_OPTION
@pass_context
def study(
    ctx: Context,
    deck: str | None,
    plain: bool,
    mode: str,
    seed: int | None,
    semantic: bool | None,
    as_test: bool,
    questions: int,
    types: str,
) -> None:
    """Study the cards that are due now (all decks, or DECK by name or part of it).

    With --test, take a practice test of DECK instead: the questions `retain test` prints
    for the same options and seed, each graded as you answer, and the score at the end."""
    if as_test:
        from retain.practice import run_plain_test

        if deck is None:
            fail("name the deck to be tested on: retain study DECK --test")
        test = _practice_test(ctx.collection(read_only=True), deck, questions, types, seed)
        run_plain_test(test, sys.stdin, sys.stdout)
        return
    import random

    from retain.collection import CollectionError
    from retain.session import StudySession

    if not plain and not (sys.stdin.isatty() and sys.stdout.isatty()):
        # The full screen needs a terminal; in a pipe or a script, plain lines do the job.
        echo("retain: not a terminal, so studying with plain lines (--plain)", err=True)
        plain = True
    col = ctx.collection(backup_beside=True)
    sample = ensure_sample_deck(col)
    notice = None
    if sample is not None and plain:
        echo(
            f"No cards yet, so retain imported its sample deck “{sample.deck.name}” "
            f"({sample.added} cards). Import your own with: retain import FILE",
            err=True,
        )
    elif sample is not None:  # one line on the screen, under the deck's name
        notice = f"Sample deck imported ({sample.added} cards). Your own: retain import FILE"
    try:
        chosen = col.decks.find(deck) if deck else None
    except CollectionError as error:
        fail(str(error))
    judge = _judge(semantic, preload=True)
    if mode.lower() not in ("flip", "match"):
        # Typed answers may come: the grader loads its word lists while the student reads
        # the first question, not before it is shown, nor after the first answer.
        import threading

        from retain.core.grading import warm_up

        warming = threading.Timer(WARM_UP_AFTER_S, warm_up)
        warming.daemon = True
        warming.start()
    session = StudySession(col, chosen, mode=mode.lower(), rng=random.Random(seed), judge=judge)
    if plain:
        from retain.plain import run_plain

        sys.exit(run_plain(session, sys.stdin, sys.stdout))
    from retain.tui.app import StudyApp

    app = StudyApp(session, notice=notice)
    app.run()
    for line in session.summary.lines():
        echo(line)
    if app.failure is not None:
        fail(app.failure)


def _practice_test(
    col: Collection, deck: str, questions: int, types: str, seed: int | None
) -> Any:
    from retain.practice import test_for_deck

    chosen = _deck(col, deck)
    try:
        return test_for_deck(
            col, chosen, questions=questions,
            types=[t.strip().lower() for t in types.split(",") if t.strip()],
            seed=0 if seed is None else seed,
        )
    except ValueError as error:
        fail(str(error))


@cli.command("test", short_help="Print a practice test of a deck (HTML or PDF).")
@click.argument("deck")
@click.option("--questions", type=click.IntRange(min=1), default=20, show_default=True)
@TYPES_OPTION
@click.option("--seed", type=int, help="Seed: the same seed gives the same test (default 0).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    required=True,
    help="The file to write: FILE.html or FILE.pdf.",
)
@pass_context
def test_command(
    ctx: Context, deck: str, questions: int, types: str, seed: int | None, out: str
) -> None:
    """Write a practice test of DECK to print: numbered questions built from its cards,
    with lines to write on, options to circle and columns to match, and the answer key on
    pages of its own. `retain study DECK --test` with the same options and seed takes the
    same test on screen."""
    from retain.printing import render_html, render_pdf

    suffix = Path(out).suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        fail("--out must name an .html or a .pdf file")
    test = _practice_test(ctx.collection(read_only=True), deck, questions, types, seed)
    data = render_pdf(test) if suffix == ".pdf" else render_html(test).encode("utf-8")
    _write_file(Path(out), data)
    echo(
        f"Wrote a practice test of {plural(len(test.items), 'question')} on “{test.title}” "
        f"to {out} (seed {test.seed}); the answer key is on its last pages."
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_context
def decks(ctx: Context, as_json: bool) -> None:
    """Each deck with its counts of new, learning, due and total cards."""
    from retain.storage.peek import DeckRow, deck_rows, read

    now = now_utc()
    counts = read(ctx.peek(), lambda conn: deck_rows(conn, int(round(now.timestamp() * 1000))))
    if counts is None:
        counts = [
            DeckRow(c.deck.id, c.deck.name, c.new, c.learning, c.due, c.total)
            for c in ctx.collection(read_only=True).decks.counts(now)
        ]
    if as_json:
        echo_json(
            [
                {
                    "id": c.id, "name": c.name, "new": c.new,
                    "learning": c.learning, "due": c.due, "total": c.total,
                }
                for c in counts
            ]
        )
        return
    if not counts:
        echo("No decks yet. Import cards with: retain import FILE")
        return
    width = max(len(c.name) for c in counts)
    exams = _exam_lines(ctx, now)
    echo(f"{'deck':<{width}}  {'new':>5} {'learn':>5} {'due':>5} {'total':>6}")
    for c in counts:
        line = f"{c.name:<{width}}  {c.new:>5} {c.learning:>5} {c.due:>5} {c.total:>6}"
        echo(f"{line}  {exams[c.id]}" if c.id in exams else line)


def _exam_lines(ctx: Context, now: datetime) -> dict[int, str]:
    """For each deck with an exam: when it is and how ready the student is."""
    from retain.storage.peek import read

    def has_exams(conn: sqlite3.Connection) -> bool:
        return bool(conn.execute("SELECT count(*) FROM deck_exams").fetchone()[0] > 0)

    if read(ctx.peek(), has_exams) is False:
        return {}
    col = ctx.collection(read_only=True)
    lines = {}
    for deck_id, exam in col.plans.exams().items():
        when = exam.exam_at.astimezone(col.tz)
        ready, expected = col.plans.outlook(deck_id, now)
        text = f"exam {when:%a} {when.day} {when:%b %Y %H:%M}: ready {ready:.0%} now"
        if expected is None:
            text += " (the exam is past)"
        else:
            text += f", {expected:.0%} expected at the exam"
        lines[int(deck_id)] = text
    return lines


@cli.command(short_help="Verify the store against the review log; --repair recovers it.")
@click.option(
    "--repair",
    is_flag=True,
    help="Rewrite card states that differ from the log; recover a damaged store.",
)
@pass_context
def check(ctx: Context, repair: bool) -> None:
    """Verify the store: SQLite's integrity check, then every card's state rebuilt from its
    review log.

    With --repair, a damaged store is first saved aside (in the backups folder) and what can
    still be read is recovered into a fresh store; then every card state that differs from
    the review log is rewritten from it.
    """
    from retain.storage.errors import StoreCorrupt
    from retain.storage.repair import integrity_problems, recover

    target = ctx.target()
    path = target if isinstance(target, Path) else None
    problems = integrity_problems(path) if path is not None else []
    if path is not None:
        for problem in problems:
            echo(f"problem: database integrity: {problem}")
        if not problems:
            echo("Database integrity: ok.")
    if problems and path is not None:
        if not repair:
            echo("The store is damaged: run `retain check --repair` to save a copy of it and "
                 "recover what can be read.")
            sys.exit(1)
        for line in recover(path, now_utc()).lines():
            echo(line)

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            end = "\n" if done == total else ""
            click.echo(f"\rChecking cards: {done:,} of {total:,}", err=True, nl=False)
            click.echo(end, err=True, nl=False)

    try:
        report = ctx.collection(read_only=not repair).check(repair=repair, progress=progress)
    except StoreCorrupt as error:  # damage the integrity check did not see, found by reading
        fail(str(error))
    for problem in report.problems:
        echo(f"problem: {problem}")
    echo(
        f"Checked {plural(report.cards, 'card')} and {plural(report.reviews, 'review')}: "
        + ("all consistent." if report.ok else f"{plural(len(report.problems), 'problem')}.")
    )
    if report.repaired:
        states = "card state" if report.repaired == 1 else "card states"
        echo(f"Repaired {report.repaired:,} {states} from the review log.")
    if not report.ok and not report.repaired:
        sys.exit(1)


def _store_file(ctx: Context) -> Path:
    target = ctx.target()
    if not isinstance(target, Path):
        fail("backups are kept for the SQLite store; back a database server up with its own "
             "tools (pg_dump)")
    return target


@cli.command(short_help="Back the store up now.")
@pass_context
def backup(ctx: Context) -> None:
    """Back the store up now, into the backups folder of the data directory.

    A backup is also made once a day when a command that writes runs; the newest 7 are
    kept."""
    from retain.storage.backup import backup_now

    store = _store_file(ctx)
    if not store.exists():
        fail(f"there is no store at {store} yet")
    echo(f"Backed up to {backup_now(store, now_utc())}")


@cli.command(short_help="List the backups, or restore one.")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Restore without asking.")
@pass_context
def restore(ctx: Context, file: str | None, yes: bool) -> None:
    """List the backups, or restore FILE (a path, or a name from the list).

    The store as it is now is saved in the backups folder first."""
    from retain.storage.backup import backup_folder, backups
    from retain.storage.backup import restore as restore_store

    store = _store_file(ctx)
    if file is None:
        found = backups(store)
        if not found:
            echo(f"No backups yet in {backup_folder(store)}. Make one with: retain backup")
            return
        echo(f"Backups in {backup_folder(store)}, newest first:")
        for path in found:
            echo(f"  {path.name}  {path.stat().st_size / 1e6:.1f} MB")
        echo("Restore one with: retain restore NAME")
        return
    chosen = Path(file)
    if not chosen.exists() and (backup_folder(store) / file).exists():
        chosen = backup_folder(store) / file
    if not chosen.is_file():
        fail(f"no backup called {file} (see `retain restore` for the list)")
    if not _confirmed(
        f"Replace the store with {chosen.name}? The store as it is now is saved first.", yes
    ):
        fail("nothing was restored")
    aside = restore_store(store, chosen, now_utc())
    echo(f"Restored {chosen.name}.")
    if aside is not None:
        echo(f"The store as it was is saved as {aside}.")


@cli.command(
    "config",
    short_help="Show or change the settings.",
    # a negative VALUE ("-5") is a value to check, not an option
    context_settings={"ignore_unknown_options": True},
)
@click.argument("key", required=False)
@click.argument("value", required=False)
@pass_context
def config_command(ctx: Context, key: str | None, value: str | None) -> None:
    """Show the settings, or set KEY to VALUE (e.g. `retain config new_per_day 30`).

    The settings: new_per_day (new cards a day, 0 or more), desired_retention (0.7 to
    0.99), day_start_hour (0 to 23, when a study day starts) and fsrs_parameters (21
    numbers separated by commas, or "default")."""
    if key is None or value is None:  # only reading: without the database layer if it can
        from retain.settings import DEFAULT_SETTINGS
        from retain.storage.peek import read, stored_settings

        stored = read(ctx.peek(), stored_settings)
        if stored is not None:
            settings = {**DEFAULT_SETTINGS, **stored}
        else:
            settings = ctx.collection(read_only=True).settings
        if key is None:
            for name, current in sorted(settings.items()):
                echo(f"{name} = {current}")
            return
        if key not in settings:
            known = ", ".join(sorted(DEFAULT_SETTINGS))
            fail(f"unknown setting {key!r} (known: {known})")
        echo(str(settings[key]))
        return
    from retain.collection import CollectionError

    col = ctx.collection()
    try:
        col.set_setting(key, value)
    except CollectionError as error:
        fail(str(error))
    echo(f"{key} = {col.settings[key]}")


@cli.command(short_help="Plan a deck's study to its exam date; --clear removes the exam.")
@click.argument("deck")
@click.option("--exam", "exam_text", help="The exam's date and time, e.g. 2027-06-15T09:00.")
@click.option("--minutes", type=float, help="Minutes a day to study.")
@click.option("--off", "days_off", default="", help="Weekdays off, e.g. sat,sun.")
@click.option("--target", type=float, default=0.9, show_default=True,
              help="The recall at the exam to find the daily minutes for.")
@click.option("--clear", is_flag=True, help="Remove the exam: the deck follows FSRS again.")
@pass_context
def plan(
    ctx: Context, deck: str, exam_text: str | None, minutes: float | None, days_off: str,
    target: float, clear: bool,
) -> None:
    """Set DECK's exam and daily study time, and show the plan day by day.

    Studying the deck then follows the plan: each day's session serves the day's planned
    cards, new ones included, and ends when they are done (study ahead goes on). Without
    --exam, the plan of the exam already set is shown."""
    from retain.core.planner import StudyBudget
    from retain.plans import parse_exam_time

    col = ctx.collection()
    chosen = _deck(col, deck)
    now = now_utc()
    if clear:
        if col.plans.clear_exam(chosen):
            echo(f"Exam removed from {chosen.name}: it is scheduled by FSRS again.")
        else:
            echo(f"{chosen.name} has no exam.")
        return
    if not 0 < target < 1:
        fail("--target must be between 0 and 1, e.g. 0.9")
    existing = col.plans.exam(chosen)
    if exam_text is None and existing is None:
        fail(f"{chosen.name} has no exam yet: give one with --exam 2027-06-15T09:00 --minutes 25")
    try:
        off = StudyBudget.parse_days_off(days_off)
    except ValueError as error:
        fail(str(error))
    if exam_text is not None or minutes is not None or days_off:
        if exam_text is not None:
            exam_at = parse_exam_time(exam_text, col.tz)
        else:
            assert existing is not None
            exam_at = existing.exam_at
        per_day = minutes
        if per_day is None:
            per_day = existing.minutes_per_day if existing is not None else 20.0
        if not days_off and existing is not None and exam_text is None:
            off = existing.weekdays_off
        if len(off) == 7:
            fail("--off leaves no day to study")
        col.plans.set_exam(chosen, exam_at, per_day, off, now)
    report = col.plans.report(chosen, now, target=target)
    for line in plan_lines(report, col.tz):
        echo(line)


def plan_lines(report: PlanReport, tz: tzinfo) -> list[str]:
    """The plan as `retain plan` prints it: the exam, a table day by day, and readiness."""
    plan, exam = report.plan, report.exam
    when = exam.exam_at.astimezone(tz)
    off = f", days off: {exam.days_off_text()}" if exam.weekdays_off else ""
    lines = [
        f"{report.deck.name}: exam on {when:%a} {when.day} {when:%b %Y at %H:%M}, "
        f"{exam.minutes_per_day:g} minutes a day{off}.",
        f"Costs per card: first sight {report.costs.first_sight:.0f} s, recalled "
        f"{report.costs.recalled:.0f} s, forgotten {report.costs.forgotten:.0f} s.",
        "",
        f"{'day':<15} {'new':>5} {'reviews':>8} {'minutes':>8}",
    ]
    for day in plan.days:
        label = f"{day.day:%a} {day.day.day} {day.day:%b}"
        if day.budget_seconds == 0:
            lines.append(f"{label:<15} {'day off':>23}")
            continue
        lines.append(f"{label:<15} {day.new:>5} {day.reviews:>8} {day.minutes:>8.0f}")
    total = sum(d.seconds for d in plan.days) / 60
    lines += [
        f"{'total':<15} {sum(d.new for d in plan.days):>5} "
        f"{sum(d.reviews for d in plan.days):>8} {total:>8.0f}",
        "",
        f"Readiness now: {plan.readiness_now:.0%} of {plural(plan.cards, 'card')} recalled.",
        f"At the exam: {plan.expected_at_exam:.0%} expected if the plan is followed "
        f"({plan.without_study:.0%} with no more study).",
    ]
    if report.minutes_for_target is None:
        lines.append(f"{report.target:.0%} at the exam is out of reach even at 10 hours a day.")
    else:
        lines.append(
            f"{report.target:.0%} at the exam needs {report.minutes_for_target:.0f} minutes a day."
        )
    lines.append(f"Skipping today would cost {report.skipped_day_cost:.1%} at the exam.")
    if plan.warning:
        lines.append(f"Warning: {plan.warning}.")
    return lines


@cli.command(short_help="Fit FSRS's parameters to your own reviews.")
@click.option("--reset", is_flag=True, help="Go back to the default parameters.")
@pass_context
def optimize(ctx: Context, reset: bool) -> None:
    """Fit FSRS's parameters to your reviews (needs the optimizer extra, which brings torch:
    pip install 'retain[optimizer]').

    The parameters are fitted on your oldest 80% of reviews and judged on the newest 20%;
    they are used from then on only when they predict those better than the defaults. Each
    answer records the parameters it was scheduled with, so `retain check` still replays
    the log exactly."""
    from retain.core.model import Rating
    from retain.fitting import TimedReview
    from retain.fitting import optimize as fit

    col = ctx.collection()
    if reset:
        col.set_parameters(None)
        echo("Scheduling with FSRS's default parameters from now on.")
        return
    reviews = [TimedReview(c, Rating(r), t, d) for c, r, t, d in col.stats.review_history()]
    echo(f"Fitting FSRS to {plural(len(reviews), 'review')} ...", err=True)
    report = fit(reviews, col.scheduler_config, verbose=sys.stderr.isatty())
    if report.defaults is None or report.fitted is None:
        echo(f"Not enough reviews yet: {report.reason}. The default parameters stay.")
        return
    echo(
        f"Fitted on {plural(report.train_reviews, 'review')}, judged on the newest "
        f"{plural(report.held_out, 'review')} (on a later day than the card's previous one):"
    )
    echo(f"{'parameters':<12} {'log loss':>9} {'RMSE(bins)':>11} {'AUC':>7}")
    rows = [("current", report.defaults), ("fitted", report.fitted)]
    if report.corrected is not None:
        rows.append(("+ correction", report.corrected))
    for name, scores in rows:
        echo(
            f"{name:<12} {scores.log_loss:>9.4f} {scores.rmse_bins:>11.4f} {scores.auc:>7.4f}"
        )
    if report.corrected is not None:
        echo(
            "(+ correction: the fitted parameters corrected for how long your answers take, "
            "the time of day and your form that day; a measure only, scheduling does not "
            "use it.)"
        )
    if report.parameters is None:
        echo(f"Kept the current parameters: {report.reason}.")
        return
    col.set_parameters(report.parameters)
    echo("Scheduling with the fitted parameters from now on (retain optimize --reset undoes it).")


@cli.command(short_help="Statistics of all decks or one, in the terminal and as plots.")
@click.argument("deck", required=False)
@click.option(
    "--plot", "plot_dir", type=click.Path(file_okay=False),
    help="Also write each figure as PNG and SVG into this folder (needs the plots extra).",
)
@pass_context
def stats(ctx: Context, deck: str | None, plot_dir: str | None) -> None:
    """How well you remember, what is coming up, and what is weakest (all decks, or DECK)."""
    col = ctx.collection(read_only=plot_dir is None)
    chosen = _deck(col, deck) if deck else None
    figures = col.stats.deck_stats(now_utc(), chosen)
    for line in stats_lines(figures):
        echo(line)
    if plot_dir is not None:
        from retain.plots import write_plots

        written = write_plots(figures, Path(plot_dir))
        echo("")
        echo(f"Wrote {len(written)} files into {plot_dir}: "
             + ", ".join(p.name for p in written if p.suffix == ".png"))


def _bar(share: float, width: int = 20) -> str:
    filled = round(max(0.0, min(1.0, share)) * width)
    return "█" * filled + "·" * (width - filled)


def stats_lines(figures: DeckStats) -> list[str]:
    """The figures of `retain stats` as lines of text."""
    where = figures.deck.name if figures.deck is not None else "all decks"
    lines = [
        f"{where}: {plural(figures.cards, 'card')}, {figures.new:,} never studied; "
        f"readiness now {figures.readiness_now:.0%} (the share you would recall now).",
        "",
        "True retention by days since the previous review:",
    ]
    for bucket in figures.retention:
        if bucket.rate is None:
            lines.append(f"  {bucket.label:<7} {'':20}    -  (no reviews)")
        else:
            lines.append(
                f"  {bucket.label:<7} {_bar(bucket.rate)} {bucket.rate:>4.0%}  "
                f"({plural(bucket.reviews, 'review')})"
            )
    week = figures.forecast[:7]
    lines += ["", "Reviews due in the next days:"]
    lines.append("  " + "  ".join(f"{d:%a %d} {n:>3}" for d, n in week))
    lines.append(f"  next 30 days: {sum(n for _, n in figures.forecast):,}")
    recent = figures.daily[-14:]
    lines += ["", "Study in the last days (answers, minutes):"]
    if recent:
        lines += [f"  {d:%a %d %b}  {n:>4}  {m:>5.1f} min" for d, n, m in recent]
    else:
        lines.append("  nothing studied yet")
    if figures.stabilities:
        ordered = sorted(figures.stabilities)
        middle = ordered[len(ordered) // 2]
        lines += ["", f"Stability: median {middle:.1f} days (from {ordered[0]:.1f} to "
                  f"{ordered[-1]:.1f}); difficulty: median "
                  f"{sorted(figures.difficulties)[len(figures.difficulties) // 2]:.1f} of 10."]
    if figures.weakest_cards:
        lines += ["", "Weakest cards (predicted recall now, lapses):"]
        lines += [
            f"  {c.recall_now:>4.0%}  {c.lapses:>2}  {safe_text(c.question)[:70]}"
            for c in figures.weakest_cards
        ]
    if figures.weakest_points:
        lines += ["", "Weakest answer points (missed of graded answers):"]
        lines += [
            f"  {p.missed:>3}/{p.asked:<3} {safe_text(p.point)[:50]}  "
            f"({safe_text(p.question)[:30]})"
            for p in figures.weakest_points
        ]
    if figures.readiness_history:
        lines += ["", "Readiness for the exam, day by day (actual now / expected at the exam):"]
        lines += [
            f"  {h.day:%a %d %b}  {h.readiness:>4.0%} / {h.expected_at_exam:>4.0%}"
            for h in figures.readiness_history[-14:]
        ]
    return lines


def _confirmed(question: str, yes: bool) -> bool:
    """`--yes`, or the student's answer to `question` (no, at the end of the input)."""
    if yes:
        return True
    try:
        return click.confirm(safe_text(question), default=False)
    except click.Abort:
        echo()
        return False


def _deck(col: Collection, name: str) -> Deck:
    from retain.collection import CollectionError

    try:
        return col.decks.find(name)
    except CollectionError as error:
        fail(str(error))


@cli.command("export", short_help="Write a deck out: Anki, CSV, TSV, Quizlet, Markdown or JSON.")
@click.argument("deck", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["apkg", "csv", "tsv", "quizlet", "markdown", "json"], case_sensitive=False),
    help="What to write (default: from the name given to --out, else csv).",
)
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="The file to write (default: standard output, for the text formats).",
)
@click.option(
    "--term-separator",
    default="tab",
    show_default=True,
    help="Quizlet: between term and definition (tab, comma, or any string).",
)
@click.option(
    "--card-separator",
    default="newline",
    show_default=True,
    help="Quizlet: between cards (newline, semicolon, or any string).",
)
@click.option("--type-in", is_flag=True, help="Anki asks for the answer to be typed (apkg).")
@pass_context
def export_command(
    ctx: Context,
    deck: str | None,
    fmt: str | None,
    as_json: bool,
    out: str | None,
    term_separator: str,
    card_separator: str,
    type_in: bool,
) -> None:
    """Write DECK out in a format another tool reads, or back everything up as JSON.

    apkg is an Anki package of Basic notes, the answer points one a line on the back (with
    --type-in, Basic (type in the answer)), with the deck's media files; csv and tsv are
    rows of front, back and tags (tsv as Anki's text export, which Anki imports as it is);
    quizlet is Quizlet's import text with the separators you choose; markdown is a heading
    per question and a bullet per point. json is the full backup of the store (every deck,
    or DECK only, with its review history): `retain import` reads it back into an empty
    store exactly.
    """
    from retain.exporting import BINARY_FORMATS, export_deck
    from retain.formats.quizlet import separator

    fmt = "json" if as_json else (fmt or _format_from_name(out) or "csv").lower()
    if fmt == "json":
        _export_json(ctx, deck, out)
        return
    if deck is None:
        fail(f"name the deck to export as {fmt} (see `retain decks`)")
    try:
        term_sep, card_sep = separator(term_separator), separator(card_separator)
    except ValueError as error:
        fail(str(error))
    col = ctx.collection(read_only=True)
    chosen = _deck(col, deck)
    if fmt in BINARY_FORMATS and (out is None or out == "-") and sys.stdout.isatty():
        fail("an Anki package is binary: give --out FILE (or redirect standard output)")
    data = export_deck(
        col, chosen, fmt, term_separator=term_sep, card_separator=card_sep, type_in=type_in
    )
    _write_out(data, out)
    if out not in (None, "-"):
        cards = plural(len(col.decks.notes(chosen)), "card")
        echo(f"Exported “{chosen.name}” ({cards}) as {fmt} to {out}.")


_SUFFIX_FORMATS = {
    ".apkg": "apkg", ".csv": "csv", ".tsv": "tsv", ".md": "markdown", ".markdown": "markdown",
    ".json": "json",
}


def _format_from_name(out: str | None) -> str | None:
    return None if out is None else _SUFFIX_FORMATS.get(Path(out).suffix.lower())


def _write_out(data: str | bytes, out: str | None) -> None:
    """Write an export to the file `out`, or to standard output (None or '-')."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if out is None or out == "-":
        if isinstance(data, str) and sys.stdout.isatty():
            echo(data, nl=False)  # a terminal sees no control characters
        else:
            sys.stdout.buffer.write(raw)
            sys.stdout.buffer.flush()
        return
    _write_file(Path(out), raw)


def _export_json(ctx: Context, deck: str | None, out: str | None) -> None:
    """The JSON backup of the store (or of one deck) to `out` or standard output."""
    import io
    import os
    import tempfile

    from retain.archive import write_backup

    col = ctx.collection(read_only=True)
    chosen = _deck(col, deck) if deck else None
    if out is None or out == "-":
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
        write_backup(col, stream, deck=chosen)
        stream.flush()
        stream.detach()
        return
    path = Path(out)
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
                write_backup(col, file, deck=chosen)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        fail(f"cannot write {out}: {error.strerror or error}")
    what = f"“{chosen.name}”" if chosen else "the whole store"
    echo(f"Backed up {what} as JSON to {out}.")


def _backup_head(file: str) -> bytes:
    """The first bytes of the input, read without consuming standard input."""
    if file == "-":
        peek = getattr(sys.stdin.buffer, "peek", None)
        return peek(256)[:256] if peek is not None else b""
    import stat

    try:
        if not stat.S_ISREG(os.stat(file).st_mode):
            # A named pipe or a device is read once, by the reader: a look ahead here
            # would take its first bytes, and leave the reader waiting on a closed pipe.
            return b""
        with open(file, "rb") as stream:
            return stream.read(256)
    except OSError:
        return b""  # the reader says what is wrong with it


def _import_backup(
    ctx: Context, file: str, source: str, dry_run: bool, as_json: bool, no_limit: bool
) -> None:
    """Restore a JSON backup (see retain/archive.py) into an empty store."""
    from retain.archive import read_backup, restore_backup, summary
    from retain.formats import MAX_INPUT_BYTES

    most = -1 if no_limit else MAX_INPUT_BYTES + 1
    try:
        if file == "-":
            data = sys.stdin.buffer.read(most)
        else:
            with open(file, "rb") as stream:
                data = stream.read(most)
    except OSError as error:
        fail(f"{source}: the file cannot be read: {error.strerror or error}")
    if not no_limit and len(data) > MAX_INPUT_BYTES:
        fail(f"{source}: it is larger than 200 MB, the limit; --no-limit imports it anyway")
    backup = read_backup(data, source=source)
    del data
    found = summary(backup) if dry_run else restore_backup(ctx.collection(), backup)
    if as_json:
        echo_json(found.to_json_dict())
    else:
        cards = sum(count for _, count in found.decks)
        verb = "Would restore" if dry_run else "Restored"
        echo(
            f"{verb} a backup: {plural(len(found.decks), 'deck')}, {plural(cards, 'card')}, "
            f"{plural(found.rows.get('reviews', 0), 'review')}."
        )
        if dry_run:
            echo("Dry run: nothing was stored.")


def _write_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (a temporary file renamed into place)."""
    import os
    import tempfile

    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        fail(f"cannot write {path}: {error.strerror or error}")


@cli.command()
@click.argument("deck")
@click.option(
    "--yes", "-y", is_flag=True, help="Delete the cards removed in the editor without asking."
)
@pass_context
def edit(ctx: Context, deck: str, yes: bool) -> None:
    """Edit DECK as text in $EDITOR.

    The deck is written as pasted text: a title line, then each question ending in '?'
    with one answer point per line. The saved text is applied as a re-import is: a card
    whose question stays (or is reworded in place) keeps its history, new questions become
    new cards, and cards whose question is removed are deleted with their history once you
    confirm (or with --yes).
    """
    import os
    import tempfile

    from retain.collection import CollectionError
    from retain.core.model import DeckDraft, NoteDraft
    from retain.formats import text as text_format
    from retain.formats.errors import DeckImportError

    col = ctx.collection()
    chosen = _deck(col, deck)
    notes = tuple(NoteDraft(n.question, n.answer_points) for n in col.decks.notes(chosen))
    try:
        original = text_format.write(DeckDraft(chosen.title, "text/questions", notes))
    except ValueError as error:
        fail(f"“{chosen.name}” cannot be edited as text: {error}")
    handle, name = tempfile.mkstemp(prefix="retain-", suffix=".txt")
    path = Path(name)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(original)
    kept = f"Your edited text is kept in {path}"
    try:
        click.edit(filename=str(path))
    except click.ClickException as error:
        path.unlink(missing_ok=True)
        fail(f"the editor did not run: {error.format_message()}")
    edited = path.read_text(encoding="utf-8", errors="replace")
    if edited == original:
        path.unlink(missing_ok=True)
        echo(f"No changes to “{chosen.name}”.")
        return
    try:
        draft = text_format.read_text(edited, source=str(path))
        plan = col.decks.plan_edit(chosen, draft)
    except (DeckImportError, CollectionError) as error:
        fail(f"{error}\nNothing was changed. {kept}")
    if not plan.changes_anything:
        path.unlink(missing_ok=True)
        echo(f"No changes to “{chosen.name}”.")
        return
    if plan.removed:
        echo(f"These {len(plan.removed)} cards are no longer in the text:")
        for note in plan.removed[:10]:
            echo(f"  - {note.question}")
        if len(plan.removed) > 10:
            echo(f"  ... and {len(plan.removed) - 10} more")
        if not _confirmed("Delete them, with their review history?", yes):
            echo(f"Nothing was changed. {kept}")
            sys.exit(1)
    try:
        report = col.decks.apply_edit(plan, now=now_utc())
    except CollectionError as error:
        fail(f"{error}\n{kept}")
    path.unlink(missing_ok=True)
    echo(
        f"Edited “{report.deck.name}”: {report.added} added, {report.updated} updated, "
        f"{len(plan.removed)} deleted, {report.unchanged} unchanged."
    )


@cli.command()
@click.argument("deck")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_context
def delete(ctx: Context, deck: str, yes: bool) -> None:
    """Delete DECK with all its cards and their review history."""
    col = ctx.collection()
    chosen = _deck(col, deck)
    total = next((c.total for c in col.decks.counts(now_utc()) if c.deck.id == chosen.id), 0)
    cards = f"{total} card{'s' if total != 1 else ''}"
    if not _confirmed(
        f"Delete the deck “{chosen.name}” with its {cards} and their review history?", yes
    ):
        echo("Nothing was deleted.")
        sys.exit(1)
    removed = col.decks.delete(chosen)
    echo(f"Deleted “{chosen.name}” and its {removed} card{'s' if removed != 1 else ''}.")


@cli.command(short_help="Rename a deck.")
@click.argument("deck")
@click.argument("new_name", metavar="NEW")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_context
def rename(ctx: Context, deck: str, new_name: str, yes: bool) -> None:
    """Rename DECK to NEW (its cards and their history stay as they are)."""
    from retain.collection import CollectionError

    col = ctx.collection()
    chosen = _deck(col, deck)
    if not _confirmed(f"Rename “{chosen.name}” to “{new_name.strip()}”?", yes):
        echo("Nothing was renamed.")
        sys.exit(1)
    try:
        renamed = col.decks.rename(chosen, new_name)
    except CollectionError as error:
        fail(str(error))
    echo(f"Renamed “{chosen.name}” to “{renamed.name}”.")


MAX_GRADE_LINE_BYTES = 1_000_000
"""The longest line `retain grade --jsonl` reads; a longer one is refused, unread."""


@cli.command(short_help="Grade typed answers in a batch (JSON lines).")
@click.option(
    "--jsonl", "jsonl", is_flag=True,
    help="Read one JSON object per line on stdin, write one result per line on stdout "
    "(the only format, and the default).",
)
@SEMANTIC_OPTION
def grade(jsonl: bool, semantic: bool | None) -> None:
    """Grade typed answers in a batch, point by point, as JSON lines on stdin and stdout.

    Each input line is {"question": str, "answer_points": [str, ...], "typed": str}, with
    two optional fields: "other_answers" (the answer points of the deck's other cards, a
    list of lists of strings) and "duration_ms" (how long the answer took). Each output
    line, in the same order, is {"covered": [indices], "contradiction": bool,
    "score": float, "verdict": "correct"|"partial"|"incorrect",
    "rating": "again"|"hard"|"good"|"easy"}, or {"error": "..."} for a line that cannot be
    graded (not UTF-8, not JSON, a field of the wrong type, past the grader's limits, or
    longer than 1,000,000 bytes); the lines after it are still graded. The rating is the
    one `retain study` suggests for the same answer: a correct answer is easy only when it
    was quick, so without "duration_ms" it is good.
    """
    from retain.core.grading import grade_typed_answer, suggest_rating

    judge = _judge(semantic)
    if sys.stdin.isatty():
        echo(
            'retain: reading answers to grade, one JSON object a line: {"question": ..., '
            '"answer_points": [...], "typed": ...} (end with Ctrl+D)',
            err=True,
        )
    out = sys.stdout
    for number, line in enumerate(_request_lines(sys.stdin.buffer), 1):
        try:
            request = _grading_request(line, first=number == 1)
            graded = grade_typed_answer(
                request.question, request.answer_points, request.typed,
                other_answers=request.other_answers, judge=judge,
            )
            result: dict[str, object] = graded.to_json_dict()
            result["rating"] = suggest_rating(graded, request.duration_ms).label
        except ValueError as error:
            result = {"error": f"line {number}: {error}"}
        out.write(json.dumps(result, ensure_ascii=False).translate(_JSON_CONTROLS) + "\n")
        out.flush()


class _GradingRequest(NamedTuple):
    question: str
    answer_points: list[str]
    typed: str
    other_answers: list[list[str]]
    duration_ms: int | None


def _request_lines(stream: BinaryIO) -> Iterator[bytes | None]:
    """The lines of `stream`, and None for a line longer than `MAX_GRADE_LINE_BYTES`, whose
    bytes are skipped, never held whole in memory."""
    while True:
        line = stream.readline(MAX_GRADE_LINE_BYTES + 1)
        if not line:
            return
        if len(line) <= MAX_GRADE_LINE_BYTES or line.endswith(b"\n"):
            yield line
            continue
        while line and not line.endswith(b"\n"):
            line = stream.readline(65536)
        yield None


def _parse_int(digits: str) -> int:
    if len(digits) > 100:
        raise ValueError(f"not valid JSON (a number of {len(digits):,} digits)")
    return int(digits)


def _grading_request(line: bytes | None, *, first: bool = False) -> _GradingRequest:
    if line is None:
        raise ValueError(
            f"the line is longer than {MAX_GRADE_LINE_BYTES:,} bytes; it was not read"
        )
    try:
        text = line.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"not valid UTF-8 (byte {line[error.start]:#04x} at position {error.start + 1})"
        ) from None
    if not text.strip():
        raise ValueError("empty line; expected a JSON object")
    try:
        data = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg} at column {error.colno})") from None
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    question = data.get("question", "")
    points = data.get("answer_points")
    typed = data.get("typed")
    if not isinstance(question, str):
        raise ValueError('"question" must be a string')
    if (
        not isinstance(points, list)
        or not points
        or not all(isinstance(p, str) and p.strip() for p in points)
    ):
        raise ValueError('"answer_points" must be a non-empty list of non-empty strings')
    if not isinstance(typed, str):
        raise ValueError('"typed" must be a string')
    others = data.get("other_answers", [])
    if not isinstance(others, list) or not all(
        isinstance(o, list) and all(isinstance(p, str) for p in o) for o in others
    ):
        raise ValueError('"other_answers" must be a list of lists of strings')
    duration = data.get("duration_ms")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int) or duration < 0
    ):
        raise ValueError('"duration_ms" must be a whole number of milliseconds, 0 or more')
    return _GradingRequest(question, points, typed, others, duration)


@cli.command(short_help="Study in the browser: the web app, on this computer or a server.")
@click.option("--port", type=click.IntRange(0, 65535), default=8400, show_default=True,
              help="Port to listen on (0: any free port, local mode).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; local mode listens on this computer only.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@click.option("--database", envvar="RETAIN_DATABASE_URL", default=None, metavar="URL",
              help="Server mode: serve this database (postgresql://...) with accounts and "
              "sign-in, on any address [env RETAIN_DATABASE_URL].")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server mode: how many app processes serve requests.")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="Server mode: a Host name the app answers to (repeat; default any) "
              "[env RETAIN_ALLOWED_HOSTS, comma-separated].")
@click.option("--secure-cookies", is_flag=True,
              help="Server mode: mark every cookie Secure (the app is behind HTTPS) "
              "[env RETAIN_SECURE_COOKIES=1].")
@SEMANTIC_OPTION
@pass_context
def serve(
    ctx: Context, port: int, host: str, no_browser: bool, database: str | None,
    workers: int, allowed_hosts: tuple[str, ...], secure_cookies: bool, semantic: bool | None,
) -> None:
    """Start the web app on 127.0.0.1, print its address and open it in a browser.

    With --database (or RETAIN_DATABASE_URL) it runs in server mode instead: accounts
    with sign-up and sign-in, teachers' classes, on any address, in --workers processes."""
    from retain.web.serve import LocalOnly, serve_local, serve_server

    if database:
        try:
            serve_server(
                database, host=host, port=port, workers=workers,
                allowed_hosts=allowed_hosts, secure_cookies=secure_cookies, announce=echo,
            )
        except CollectionError as error:
            fail(str(error))
        except OSError as error:
            fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
        return
    if workers != 1:
        fail("--workers needs --database: local mode runs one process")
    ctx.collection()  # a store that cannot be opened is reported before the app starts
    ctx.close()
    try:
        serve_local(
            ctx.target(), host=host, port=port, open_browser=not no_browser,
            judge=_judge(semantic), announce=echo,
        )
    except LocalOnly as error:
        fail(str(error) + "; to serve other computers, use --database (accounts and sign-in)")
    except OSError as error:
        fail(f"cannot listen on {host}:{port}: {error.strerror or error}")


def main() -> NoReturn:
    """The `retain` command. Once the command has ended (its store closed, everything
    committed), the process ends at once, without taking the interpreter apart object by
    object: after studying a big deck that took longer than the command's last step."""
    try:
        cli()
        code = 0
    except SystemExit as end:
        if end.code is None or isinstance(end.code, int):
            code = end.code or 0
        else:
            print(end.code, file=sys.stderr)
            code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed pipe: nothing more can reach the reader anyway
    os._exit(code)
