"""Read flashcards pasted as plain text, in whatever shape the student typed them.

There are no settings: the reader finds the structure itself. It knows these, named in
`DeckDraft.format`:

- ``text/questions``: a title line (optional), then questions that end in "?", each
  followed by its answer lines, one answer point per line (the shape of the sample deck).
- ``text/tab``: ``term<TAB>definition``, one card per line (what Quizlet copies).
- ``text/dash``: ``term - definition`` (also with an en or em dash), cards separated by
  blank lines; each further line of a card is a further point.
- ``text/qa``: ``Q:`` / ``A:`` blocks (also ``Question:`` / ``Answer:``, or both on one
  line).
- ``text/markdown``: headings are questions, the bullets or lines below them are points;
  a single top ``# Title`` above deeper headings is the deck's title.
- ``text/numbered``: numbered prompts (``1.``, ``1)``, ``Q1.``), which need not end in "?",
  with their answer lines below.
- ``text/colon``: ``term: definition``, one card per line (a line without a colon continues
  the card above).
- The flashcard syntaxes of note apps, read card by card, so that a deck may mix them:
  ``text/inline`` (``Q :: A`` or ``Q >> A`` on one line, as RemNote, Logseq and Obsidian
  write them), ``text/separated`` (the question, a line with only ``?``, then the answer
  lines, as Obsidian writes a card of several lines), ``text/mochi`` (the question, a line
  with only ``---``, then the answer, as Mochi writes a card's sides), and ``text/notes``
  for a deck that mixes them (``term: definition`` lines among them are cards too).

Characters are kept as written. Only the whitespace around a line, the bullet or number
marker in front of it, and control characters (other than tab and newline, which can move
the cursor or retitle a terminal) are removed. Anything that cannot be read raises
`DeckImportError`, and nothing else.

Reading takes time linear in the size of the text, whatever its content: no regular
expression here can backtrack over a run of characters more than once (runs of whitespace
are matched possessively, or only from their first character), and blank lines are skipped
without building anything for them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from retain.core.model import DeckDraft, NoteDraft
from retain.formats.decode import decode_bytes, normalise_newlines
from retain.formats.errors import DeckImportError

if TYPE_CHECKING:
    from retain.core.model import DeckStream

__all__ = ["NAME", "read", "read_bytes", "read_text", "sniff", "stream", "write"]

NAME = "text"

# A question line is not much longer than this; a longer line ending in "?" is an answer.
_MAX_QUESTION_LENGTH = 250

_BULLET = r"[-*+•·▪◦‣●○■□➢➤►–—]"
# A bullet ("- ", "• ", "– ", ...) or a short list number ("1. ", "2) ") in front of a point.
# The patterns below are written so that matching is linear in the length of the line: a
# run of whitespace that may be followed by something else is matched possessively (`\s*+`,
# `\s++`), and an unanchored one only from its first character (`(?<!\s)`), so that no run
# is tried again from each of its positions.
_MARKER_RE = re.compile(rf"^(?:{_BULLET}\s+|[•·▪◦‣●○■□➢➤►](?=\S)|\d{{1,2}}[.)]\s+)")
# What may close a question after its "?": quotes, brackets, emphasis.
_QUESTION_CLOSERS = "\"'”’»)]*_"
_QA_QUESTION_RE = re.compile(r"^(?:q|question)\s*+\d{0,3}+\s*+[:：]\s*+(.*)$", re.IGNORECASE)
_QA_ANSWER_RE = re.compile(r"^(?:a|ans|answer)\s*+\d{0,3}+\s*+[:：]\s*+(.*)$", re.IGNORECASE)
# "Q: ... A: ..." on one line; the answer label must be capitalised to count mid-line.
_QA_INLINE_RE = re.compile(
    r"^(.*?)(?<!\s)\s++(?:A|Ans|ANS|Answer|ANSWER)\s*+\d{0,3}+\s*+[:：]\s*+(.*)$"
)
# A heading's text; a closing run of "#" after whitespace is taken off in `_heading`.
_HEADING_RE = re.compile(r"^(#{1,6})\s++(\S.*)$")
_RULE_RE = re.compile(r"^(?:(?:-\s*+){3,}+|(?:\*\s*+){3,}+|(?:_\s*+){3,}+)$")
_FENCE_RE = re.compile(r"^(?:```|~~~)")
_NUMBERED_RE = re.compile(
    r"^(?:q(?:uestion)?\s*+(\d{1,3})\s*+[.):]\s*+|(\d{1,3})[.)]\s++)(\S.*)$", re.IGNORECASE
)
_DASH_RE = re.compile(r"(?<!\s)\s++[-–—]\s++")
# A line with something on it, from its start: its indent, then the rest of the line.
# Blank lines between are skipped by the search itself.
_ROW_RE = re.compile(r"^([^\S\n]*+)(\S[^\n]*)", re.MULTILINE)
# Control characters, except tab and newline: read from a deck, they could move the cursor,
# clear the screen or retitle the window of the terminal that shows them.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ASCII_CONTROLS = bytes(range(0x00, 0x09)) + bytes(range(0x0B, 0x20)) + b"\x7f"

_NO_CARDS = (
    "no cards found: retain reads questions ending in '?' with their answer lines below, "
    "'term<TAB>definition' lines, 'term - definition' lines, 'term: definition' lines, "
    "Q:/A: blocks, 'Q :: A' or 'Q >> A' lines, a question over a line with only '?' or "
    "'---' and its answer, Markdown headings with bullets below, or numbered questions "
    "with answers below"
)


def read_text(text: str, *, source: str | None = None) -> DeckDraft:
    """Find the structure of pasted text and read its cards, or raise `DeckImportError`.

    Control characters other than tab and newline are removed; the draft says how many
    (`DeckDraft.control_characters_removed`)."""
    return _read_rows(*_clean_rows(text), source=source)


def _clean_rows(text: str) -> tuple[list[_Line], int]:
    """The rows of `text` once control characters are removed, and how many were. The text
    itself is not kept: on return, only the rows hold memory."""
    text = normalise_newlines(text.removeprefix("\ufeff"))
    removed = 0
    if _has_controls(text):
        text, removed = _CONTROL_RE.subn("", text)
    return _rows(text), removed


def _has_controls(text: str) -> bool:
    if text.isascii():  # the usual case, checked at the speed of bytes
        data = text.encode("ascii")
        return len(data.translate(None, _ASCII_CONTROLS)) != len(data)
    return _CONTROL_RE.search(text) is not None


def _read_rows(rows: list[_Line], removed: int, *, source: str | None) -> DeckDraft:
    if not rows:
        raise DeckImportError("the text is empty: there are no cards to read", source=source)
    draft = _detect(rows, source=source)
    return replace(draft, control_characters_removed=removed) if removed else draft


def _rows(text: str) -> list[_Line]:
    """The lines of `text` that have something on them; blank lines cost nothing."""
    rows: list[_Line] = []
    number, end = 1, 0
    for match in _ROW_RE.finditer(text):
        breaks = text.count("\n", end, match.start())
        number += breaks
        rows.append(
            _Line(number, match.group(2).rstrip(), len(match.group(1)), breaks > 1 or not rows)
        )
        end = match.end()
    return rows


def read_bytes(data: bytes, *, source: str | None = None) -> DeckDraft:
    """Decode saved or pasted bytes (see `decode_bytes`) and read them as `read_text` does."""
    return _read_rows(*_clean_rows(decode_bytes(data, source=source)), source=source)


def read(data: bytes | str, *, source: str | None = None) -> DeckDraft:
    """The format reader's entry point: text or bytes in, a `DeckDraft` out."""
    if isinstance(data, str):
        return read_text(data, source=source)
    return read_bytes(data, source=source)


def write(deck: DeckDraft) -> str:
    """The deck as pasted text that `read_text` reads back to the same title and cards.

    It is written in the questions structure (a title line, then each question with one
    answer point per line, a blank line between cards). A deck that structure cannot hold
    exactly (a question that does not end in "?", a point that reads as a bullet or a
    question) is written as Markdown instead: ``# title``, a ``## question`` heading per
    card and a ``- point`` bullet per point. Raises ValueError when neither reads back.
    """
    blocks = [] if deck.title is None else [deck.title]
    blocks += ["\n".join((note.question, *note.answer_points)) for note in deck.notes]
    questions = "\n\n".join(blocks) + "\n"
    if _reads_back(questions, deck):
        return questions
    head = [] if deck.title is None else [f"# {deck.title}"]
    cards = [
        "\n".join((f"## {note.question}", *(f"- {point}" for point in note.answer_points)))
        for note in deck.notes
    ]
    markdown = "\n\n".join(head + cards) + "\n"
    if _reads_back(markdown, deck):
        return markdown
    raise ValueError("these cards cannot be written as text that reads back the same")


def _reads_back(text: str, deck: DeckDraft) -> bool:
    try:
        again = read_text(text)
    except DeckImportError:
        return False
    return again.title == deck.title and again.notes == deck.notes


def sniff(data: bytes, source: str | None = None) -> float:
    """How sure this reader is that `data` is its format, from 0 to 1.

    Pasted text is the fallback for anything: it answers with a low score so that any
    more specific reader that recognises the data wins.
    """
    return 0.1


class _Line(NamedTuple):
    """A line that is not blank (a tuple: a big deck has a million of them)."""

    number: int  # 1-based, in the source
    text: str  # without surrounding whitespace
    indent: int  # width of the leading whitespace, in characters
    after_blank: bool  # a blank line comes before it (or it is the first line read)


class _NoFit(Exception):
    """The text does not have a structure; `near` when it has it but breaks it somewhere."""

    def __init__(
        self, message: str, *, line: int | None = None, near: bool = False, cards: int = 0
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.near = near
        self.cards = cards


_Parser = Callable[[Sequence[_Line], str | None], tuple[str | None, list[NoteDraft]]]


def _detect(rows: Sequence[_Line], *, source: str | None) -> DeckDraft:
    """Read `rows` (the lines that are not blank) by the first structure that fits."""
    failures: list[_NoFit] = []

    # A lone heading at the top ("# Unit 1") titles a deck of any other structure.
    heading = _heading(rows[0])
    if heading is not None and not any(_heading(row) for row in rows[1:]):
        rest = rows[1:]
        # Only bullets below it: a Markdown card, not a title.
        if rest and not all(_MARKER_RE.match(row.text) for row in rest):
            found = _first_fit(rest, heading[1], failures, source=source, skip="text/markdown")
            if found is not None:
                return found

    found = _first_fit(rows, None, failures, source=source)
    if found is not None:
        return found
    near = [failure for failure in failures if failure.near]
    if near:
        best = max(near, key=lambda failure: failure.cards)
        raise DeckImportError(best.message, source=source, line=best.line)
    raise DeckImportError(_NO_CARDS, source=source)


def _first_fit(
    lines: Sequence[_Line],
    title: str | None,
    failures: list[_NoFit],
    *,
    source: str | None,
    skip: str | None = None,
) -> DeckDraft | None:
    """The deck read by the first structure that fits, or None (with why, in `failures`)."""
    for name, parser in _PARSERS:
        if name == skip:
            continue
        try:
            found_title, notes = parser(lines, title)
        except _NoFit as failure:
            if failure.near and name in _UNMISTAKABLE and _unmistakable(name, lines):
                raise DeckImportError(failure.message, source=source, line=failure.line) from None
            failures.append(failure)
            continue
        if isinstance(notes, _Notes):
            name = notes.format
        if name == "text/questions":
            # "term - definition" (or "term: definition") cards where a definition happens
            # to end in "?" also read as questions, but as fewer cards: a clean layout of
            # one card a line with more cards wins.
            for other, strict in (("text/dash", _parse_dash_strict), ("text/colon", _colon_strict)):
                try:
                    other_title, other_notes = strict(lines, title)
                except _NoFit:
                    continue
                if len(other_notes) > len(notes):
                    name, found_title, notes = other, other_title, other_notes
                    break
        return DeckDraft(title=found_title, format=name, notes=tuple(notes))
    return None


# Structures whose markers leave no doubt: when text has them but breaks them, saying where
# helps more than reading it as some other structure.
_UNMISTAKABLE = frozenset({"text/qa", "text/markdown", "text/notes"})


def _unmistakable(name: str, rows: Sequence[_Line]) -> bool:
    if name == "text/qa":
        return True  # it has Q: and A: lines, or it would not be near
    if name == "text/notes":
        return any(_inline_split(row.text) for row in rows)
    headings = [row for row in rows if _heading(row)]
    return len(headings) >= 2 and _heading(rows[0]) is not None


# --- helpers shared by the structures ---------------------------------------------------


def _point(text: str) -> str:
    """A line as an answer point: without its bullet or list-number marker."""
    marker = _MARKER_RE.match(text)
    return (text[marker.end() :] if marker else text).strip()


def _heading(row: _Line) -> tuple[int, str] | None:
    if row.indent > 3:
        return None
    match = _HEADING_RE.match(row.text)
    if match is None:
        return None
    text = match.group(2)
    # A closing sequence ("## Title ##") is a run of "#" after whitespace at the end.
    unclosed = text.rstrip("#")
    if unclosed != text and unclosed[-1:].isspace():
        text = unclosed
    return len(match.group(1)), text.strip()


def _title_from_preamble(
    preamble: Sequence[_Line], title: str | None, what: str, *, near: bool
) -> str | None:
    """The lines before the first card: none, or one line that is the deck's title."""
    if not preamble:
        return title
    if len(preamble) == 1 and title is None:
        return preamble[0].text
    extra = preamble[0] if title is not None else preamble[1]
    raise _NoFit(
        f"this line comes before the first {what} and is not part of any card: "
        f"{_quote(extra.text)}",
        line=extra.number,
        near=near,
    )


def _quote(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


class _Cards:
    """Collects notes, and refuses a question that has no answer."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.notes: list[NoteDraft] = []
        self.question: str | None = None
        self.line = 0
        self.points: list[str] = []

    def start(self, question: str, line: int) -> None:
        self.finish()
        self.question, self.line, self.points = question, line, []

    def add(self, text: str) -> None:
        point = _point(text)
        if point:
            self.points.append(point)

    def finish(self) -> None:
        if self.question is None:
            return
        if not self.question:
            raise _NoFit(
                f"the {self.what} on this line is empty",
                line=self.line,
                near=True,
                cards=len(self.notes),
            )
        if not self.points:
            raise _NoFit(
                f"the {self.what} {_quote(self.question)} has no answer below it",
                line=self.line,
                near=True,
                cards=len(self.notes),
            )
        self.notes.append(NoteDraft(self.question, tuple(self.points)))
        self.question = None

    def done(self) -> list[NoteDraft]:
        self.finish()
        if not self.notes:
            raise _NoFit(_NO_CARDS)
        return self.notes


# --- the structures ---------------------------------------------------------------------


def _parse_qa(rows: Sequence[_Line], title: str | None) -> tuple[str | None, list[NoteDraft]]:
    starts = [i for i, row in enumerate(rows) if _QA_QUESTION_RE.match(row.text)]
    if not starts or not any(
        _QA_ANSWER_RE.match(row.text) or _QA_INLINE_RE.match(row.text) for row in rows[starts[0] :]
    ):
        raise _NoFit("no Q: and A: lines")
    title = _title_from_preamble(rows[: starts[0]], title, "Q: line", near=True)
    cards = _Cards("question")
    in_answer = False
    # A question over several lines is joined once it is complete, not at each line.
    question_parts: list[str] = []
    for row in rows[starts[0] :]:
        question = _QA_QUESTION_RE.match(row.text)
        answer = _QA_ANSWER_RE.match(row.text)
        if question:
            if not in_answer and question_parts:
                cards.question = " ".join(question_parts)
            text = question.group(1).strip()
            inline = _QA_INLINE_RE.match(text)
            if inline:
                text = inline.group(1).strip()
            cards.start(text, row.number)
            question_parts = [text] if text else []
            in_answer = inline is not None
            if inline:
                cards.add(inline.group(2))
        elif answer and not in_answer:
            in_answer = True
            cards.question = " ".join(question_parts)
            cards.add(answer.group(1))
        elif answer:
            cards.add(answer.group(1))
        elif in_answer:
            cards.add(row.text)
        else:
            question_parts.append(row.text)
    if not in_answer and question_parts:
        cards.question = " ".join(question_parts)
    return title, cards.done()


def _parse_markdown(
    lines: Sequence[_Line], title: str | None
) -> tuple[str | None, list[NoteDraft]]:
    rows: list[_Line] = []
    in_fence = False
    for line in lines:
        if _FENCE_RE.match(line.text):
            in_fence = not in_fence
            continue
        if not in_fence and not _RULE_RE.match(line.text):
            rows.append(line)
    headings = [(i, found) for i, row in enumerate(rows) if (found := _heading(row))]
    if not headings:
        raise _NoFit("no Markdown headings")
    top = min(level for _, (level, _) in headings)
    first_index, (first_level, first_text) = headings[0]
    if (
        title is None
        and len(headings) > 1
        and first_index == 0
        and first_level == top
        and all(level > top for _, (level, _) in headings[1:])
    ):
        title = first_text
        headings = headings[1:]
    preamble_end = headings[0][0]
    preamble = [row for row in rows[:preamble_end] if _heading(row) is None]
    title = _title_from_preamble(preamble, title, "heading", near=True)

    cards = _Cards("heading")
    for position, (index, (level, text)) in enumerate(headings):
        end = headings[position + 1][0] if position + 1 < len(headings) else len(rows)
        body = rows[index + 1 : end]
        if not body and position + 1 < len(headings) and headings[position + 1][1][0] > level:
            continue  # a section heading above deeper question headings
        cards.start(text, rows[index].number)
        for row in body:
            cards.add(row.text)
    return title, cards.done()


def _parse_tab(rows: Sequence[_Line], title: str | None) -> tuple[str | None, list[NoteDraft]]:
    pairs = [row for row in rows if "\t" in row.text]
    if not pairs or len(pairs) * 2 < len(rows):
        raise _NoFit("no term<TAB>definition lines")
    first = rows.index(pairs[0])
    title = _title_from_preamble(rows[:first], title, "term<TAB>definition line", near=True)
    cards = _Cards("term")
    for row in rows[first:]:
        if "\t" in row.text:
            term, definition = row.text.split("\t", 1)
            cards.start(term.strip(), row.number)
            for part in _split_inline_bullets(definition.strip()):
                cards.add(part)
        else:
            cards.add(row.text)
    return title, cards.done()


def _split_inline_bullets(definition: str) -> list[str]:
    """Several "•" bullets run together on one line are several points; anything else is one."""
    if definition.count("•") >= 2:
        return [part for part in (p.strip() for p in definition.split("•")) if part]
    return [definition]


def _parse_numbered(
    rows: Sequence[_Line], title: str | None
) -> tuple[str | None, list[NoteDraft]]:
    starts: list[tuple[int, int, str]] = []  # (row index, number, prompt)
    for i, row in enumerate(rows):
        match = _NUMBERED_RE.match(row.text) if row.indent == 0 else None
        if match:
            starts.append((i, int(match.group(1) or match.group(2)), match.group(3).strip()))
    if not starts:
        raise _NoFit("no numbered questions")
    numbers = [number for _, number, _ in starts]
    if any(b < a for a, b in zip(numbers, numbers[1:], strict=False)) or (
        len(numbers) > 1 and len(set(numbers)) == 1
    ):
        raise _NoFit("the numbers do not count up, so they number answer points")
    indexes = [i for i, _, _ in starts]
    if any(b == a + 1 for a, b in zip(indexes, indexes[1:], strict=False)):
        raise _NoFit("consecutive numbered lines are a list, not questions with answers")
    title = _title_from_preamble(rows[: indexes[0]], title, "numbered question", near=False)
    cards = _Cards("question")
    prompts = {i: prompt for i, _, prompt in starts}
    for i, row in enumerate(rows[indexes[0] :], start=indexes[0]):
        if i in prompts:
            cards.start(prompts[i], row.number)
        else:
            cards.add(row.text)
    return title, cards.done()


def _is_question(row: _Line) -> bool:
    return (
        len(row.text) <= _MAX_QUESTION_LENGTH
        and row.text.rstrip(_QUESTION_CLOSERS)[-1:] in ("?", "？")
        and _MARKER_RE.match(row.text) is None
    )


def _parse_questions(
    rows: Sequence[_Line], title: str | None
) -> tuple[str | None, list[NoteDraft]]:
    candidate = [_is_question(row) for row in rows]
    # A line ending in "?" asks a question only when an answer line follows it; otherwise
    # it is an answer point that happens to end in "?" (or the deck's title).
    asks = [candidate[i] and i + 1 < len(rows) and not candidate[i + 1] for i in range(len(rows))]
    if not any(asks):
        if candidate[-1] and not any(candidate[:-1]):
            # One question, at the end, with nothing below it: a card cut short.
            raise _NoFit(
                f"the question {_quote(rows[-1].text)} has no answer below it",
                line=rows[-1].number,
                near=True,
            )
        raise _NoFit("no questions ending in '?' with answers below them")
    first = asks.index(True)
    # When blank lines separate the cards, a line ending in "?" inside a card is a point.
    later = [i for i in range(first + 1, len(rows)) if asks[i]]
    separated = [i for i in later if rows[i].after_blank]
    if len(separated) >= 3 and len(separated) >= 0.75 * len(later):
        for i in later:
            asks[i] = rows[i].after_blank
    title = _title_from_preamble(rows[:first], title, "question", near=True)
    cards = _Cards("question")
    for row, is_question in zip(rows[first:], asks[first:], strict=True):
        if is_question:
            cards.start(row.text, row.number)
        else:
            cards.add(row.text)
    return title, cards.done()


def _parse_dash(
    lines: Sequence[_Line], title: str | None, *, strict: bool = False
) -> tuple[str | None, list[NoteDraft]]:
    """`strict` accepts only the clean layouts: every card's first line, or every line,
    is "term - definition"."""
    blocks: list[list[_Line]] = []
    for line in lines:
        if line.after_blank or not blocks:
            blocks.append([])
        blocks[-1].append(line)
    rows = list(lines)
    if not any(_dashed(row.text) for row in rows):
        raise _NoFit("no 'term - definition' lines")
    if title is None and len(blocks) > 1 and len(blocks[0]) == 1:
        if not _dashed(blocks[0][0].text):
            title = blocks[0][0].text
            blocks = blocks[1:]
            rows = rows[1:]

    cards = _Cards("term")
    separated = [row for row in rows if _dashed(row.text)]
    if len(blocks) > 1 and len(separated) < len(rows):
        # One card per block: "term - definition", then one point per further line.
        for block in blocks:
            head = block[0]
            if not _dashed(head.text):
                raise _NoFit(
                    f"this card does not start with 'term - definition': {_quote(head.text)}",
                    line=head.number,
                    near=len(separated) * 2 >= len(blocks),
                    cards=len(cards.notes),
                )
            _start_dash_card(cards, head)
            for row in block[1:]:
                cards.add(row.text)
        return title, cards.done()

    # One card per "term - definition" line; a line without a dash continues the card.
    if strict and len(separated) < len(rows):
        raise _NoFit("not every line is 'term - definition'")
    first = rows.index(separated[0])
    title = _title_from_preamble(rows[:first], title, "'term - definition' line", near=False)
    for row in rows[first:]:
        if _dashed(row.text):
            _start_dash_card(cards, row)
        else:
            cards.add(row.text)
    return title, cards.done()


def _parse_dash_strict(
    lines: Sequence[_Line], title: str | None
) -> tuple[str | None, list[NoteDraft]]:
    return _parse_dash(lines, title, strict=True)


def _dashed(text: str) -> bool:
    """Whether the line is "term - definition" (a dash between spaces)."""
    return ("-" in text or "–" in text or "—" in text) and _DASH_RE.search(text) is not None


def _start_dash_card(cards: _Cards, row: _Line) -> None:
    term, definition = _DASH_RE.split(row.text, maxsplit=1)
    cards.start(_point(term) or term.strip(), row.number)
    cards.add(definition)


# --- note-app syntaxes ------------------------------------------------------------------

# "term: definition": a colon followed by a space, after a term of a few words.
_MAX_TERM_LENGTH = 80
_QA_LABEL_RE = re.compile(r"^(?:q|question|a|ans|answer)\s*+\d{0,3}+$", re.IGNORECASE)
_COLONS = (": ", "： ", "：")


def _colon_split(text: str) -> tuple[str, str] | None:
    """("term", "definition") for a "term: definition" line, else None."""
    for colon in _COLONS:
        at = text.find(colon)
        if at > 0:
            break
    else:
        return None
    term, definition = text[:at].strip(), text[at + len(colon) :].strip()
    if (
        not term
        or not definition
        or len(term) > _MAX_TERM_LENGTH
        or _QA_LABEL_RE.match(term)
        or term.endswith(("http", "https"))
        or _MARKER_RE.match(text)
    ):
        return None
    return term, definition


def _inline_split(text: str) -> tuple[str, str] | None:
    """("question", "answer") for a "Q :: A" or "Q >> A" line (also ":::" and without
    spaces), else None. A cloze ("{{c1::...}}") is not a card of this kind."""
    if "{{" in text:
        return None
    for mark in ("::", ">>"):
        at = text.find(mark)
        if at < 0:
            continue
        end = at + len(mark)
        while end < len(text) and text[end] == mark[0]:
            end += 1  # ":::" (a card both ways) or ">>>"
        question, answer = text[:at].strip(), text[end:].strip()
        if not question or not answer or question[-1] in ":>":
            continue
        if text[at - 1].isalnum() and text[end : end + 1].isalnum() and answer.endswith("?"):
            continue  # "What does std::move do?" is a question, not a card
        return question, answer
    return None


def _is_separator(row: _Line, *, rules: bool) -> bool:
    text = row.text
    return text in ("?", "？") or (rules and text == "---")


def _parse_notes(rows: Sequence[_Line], title: str | None) -> tuple[str | None, list[NoteDraft]]:
    """The note-app syntaxes, card by card (see the module's docstring).

    A card starts at a "Q :: A", "Q >> A" or "term: definition" line, or at the run of
    lines (after a blank line) just above a separator line (``?``, or ``---`` when the text
    has no Markdown headings). The lines after a card's start, up to the next card, are its
    points; a heading between cards is a section title and is skipped. The deck fits only
    when a line has ``::``, ``>>`` or a separator, and nothing is left over but a title."""
    start = 0
    if rows and rows[0].text == "---":  # front matter, as note apps keep it
        for i in range(1, len(rows)):
            if rows[i].text == "---":
                start = i + 1
                break
    rows = rows[start:]
    if not any(
        "::" in row.text or ">>" in row.text or row.text in ("?", "？", "---") for row in rows
    ):
        raise _NoFit("no note-app flashcards")
    rules = not any(_heading(row) for row in rows)
    separators = [_is_separator(row, rules=rules) for row in rows]
    inline = [
        None if sep else _inline_split(row.text)
        for row, sep in zip(rows, separators, strict=True)
    ]
    if not any(separators) and not any(inline):
        raise _NoFit("no note-app flashcards")
    # The lines of the question above each separator: back from it to the blank line before
    # (or to the start, or to the card above); only the line just above it when the run
    # meets the answer of a card above it without a blank line.
    asks = [False] * len(rows)
    sep_rows = [i for i, sep in enumerate(separators) if sep]
    previous_end = -1
    for i in sep_rows:
        j = i - 1
        while (
            j > previous_end
            and not separators[j]
            and inline[j] is None
            and _heading(rows[j]) is None
            and not rows[j + 1].after_blank
        ):
            j -= 1
        first = j + 1
        if first <= previous_end or first >= i:
            first = i  # no question above it: the separator of a further side
        elif not (rows[first].after_blank or first == 0 or inline[first - 1] is not None):
            if rows[i].text == "---":
                first = i  # a further side of a Mochi card
            else:
                first = i - 1
        for k in range(first, i):
            asks[k] = True
        previous_end = i
    kinds: set[str] = set()
    cards = _Cards("question")
    preamble: list[_Line] = []
    question: list[str] = []
    question_line = 0
    in_card = False
    after_separator = False
    for i, row in enumerate(rows):
        if row.after_blank:
            after_separator = False
        if asks[i]:
            if not question:
                cards.finish()
                in_card = False
                question_line = row.number
            question.append(row.text)
            continue
        if separators[i]:
            if question:
                cards.start(" ".join(question), question_line)
                question = []
                in_card = True
                after_separator = True
                kinds.add("text/mochi" if row.text == "---" else "text/separated")
            elif not in_card or row.after_blank:
                raise _NoFit(
                    f"the {row.text!r} on this line has no question above it",
                    line=row.number, near=True, cards=len(cards.notes),
                )
            continue
        pair = inline[i]
        colon = None
        if pair is None and not (in_card and after_separator):
            colon = _colon_split(row.text)
        if pair is not None or colon is not None:
            q, a = pair if pair is not None else colon  # type: ignore[misc]
            kinds.add("text/inline" if pair is not None else "text/colon")
            cards.start(_point(q) or q, row.number)  # "- Q :: A", as outliners write it
            cards.add(a)
            in_card, after_separator = True, False
            continue
        heading = _heading(row)
        if heading is not None:
            after = i + 1
            if after < len(rows) and not (
                inline[after] is not None
                or asks[after]
                or _heading(rows[after]) is not None
                or _colon_split(rows[after].text) is not None
            ):
                raise _NoFit("Markdown headings with points below them")
            cards.finish()
            if not cards.notes and not preamble and title is None:
                title = heading[1]
            in_card = False
            continue
        if in_card:
            cards.add(row.text)
        elif not cards.notes:
            preamble.append(row)
        else:
            raise _NoFit(
                f"this line is not part of any card: {_quote(row.text)}",
                line=row.number, near=True, cards=len(cards.notes),
            )
    title = _title_from_preamble(preamble, title, "card", near=False)
    notes = cards.done()
    strong = kinds - {"text/colon"}
    if not strong:
        raise _NoFit("no note-app flashcards")
    return title, _Notes(notes, next(iter(kinds)) if len(kinds) == 1 else "text/notes")


class _Notes(list[NoteDraft]):
    """Notes read by a parser that names the structure it found itself."""

    def __init__(self, notes: list[NoteDraft], format: str) -> None:
        super().__init__(notes)
        self.format = format


def _parse_colon(rows: Sequence[_Line], title: str | None) -> tuple[str | None, list[NoteDraft]]:
    """"term: definition" lines, one card each; a line without one continues the card."""
    pairs = [_colon_split(row.text) for row in rows]
    starts = sum(1 for pair in pairs if pair is not None)
    if not starts or starts * 2 < len(rows):
        raise _NoFit("no 'term: definition' lines")
    first = next(i for i, pair in enumerate(pairs) if pair is not None)
    title = _title_from_preamble(rows[:first], title, "'term: definition' line", near=False)
    cards = _Cards("term")
    for row, pair in zip(rows[first:], pairs[first:], strict=True):
        if pair is not None:
            cards.start(pair[0], row.number)
            cards.add(pair[1])
        else:
            cards.add(row.text)
    return title, cards.done()


def _colon_strict(rows: Sequence[_Line], title: str | None) -> tuple[str | None, list[NoteDraft]]:
    """`_parse_colon` when every line but a title is "term: definition"."""
    misses = 0
    for row in rows:
        if _colon_split(row.text) is None:
            misses += 1
            if misses > 1:
                raise _NoFit("not every line is 'term: definition'")
    return _parse_colon(rows, title)


_PARSERS: tuple[tuple[str, _Parser], ...] = (
    ("text/notes", _parse_notes),
    ("text/qa", _parse_qa),
    ("text/markdown", _parse_markdown),
    ("text/tab", _parse_tab),
    ("text/numbered", _parse_numbered),
    ("text/questions", _parse_questions),
    ("text/colon", _parse_colon),
    ("text/dash", _parse_dash),
)


# --- reading a large file as it is imported ---------------------------------------------

STREAM_PREFIX_BYTES = 1024 * 1024
"""Text up to this size is read whole; from a larger file, the structure is found in its
first `STREAM_PREFIX_BYTES` and the cards are read a segment at a time (`stream`)."""
_SEGMENT_ROWS = 20_000


def _starts_question(rows: Sequence[_Line], i: int, separated: bool) -> bool:
    return (
        i + 1 < len(rows)
        and (rows[i].after_blank or not separated)
        and _is_question(rows[i])
        and not _is_question(rows[i + 1])
    )


def _starts_tab(rows: Sequence[_Line], i: int, separated: bool) -> bool:
    return "\t" in rows[i].text


def _starts_colon(rows: Sequence[_Line], i: int, separated: bool) -> bool:
    return _colon_split(rows[i].text) is not None


def _starts_qa(rows: Sequence[_Line], i: int, separated: bool) -> bool:
    return _QA_QUESTION_RE.match(rows[i].text) is not None


def _starts_heading(rows: Sequence[_Line], i: int, separated: bool) -> bool:
    # A heading over a card's body, not one just under a section heading (whose cards
    # follow it) nor one in a fenced block of code.
    return _heading(rows[i]) is not None and _heading(rows[i - 1]) is None


_Starts = Callable[[Sequence[_Line], int, bool], bool]
_LastStart = Callable[[Sequence[_Line], bool], int]


def _last_start(starts: _Starts, *, fences: bool = False) -> _LastStart:
    """Where the last card of `rows` starts (after the first row, before the last), or 0
    if none does: the rows before it make a segment. With `fences`, a row inside a fenced
    block is never a start (the segment begins outside one)."""

    def last(rows: Sequence[_Line], separated: bool) -> int:
        if not fences:
            return next((i for i in range(len(rows) - 2, 0, -1) if starts(rows, i, separated)), 0)
        found, inside = 0, False
        for i in range(len(rows) - 1):
            if _FENCE_RE.match(rows[i].text):
                inside = not inside
            elif not inside and i > 0 and starts(rows, i, separated):
                found = i
        return found

    return last


# The structures a large file is read in a segment at a time: what they read a card by,
# and where the last card of some rows starts (a segment ends just before it, so that no
# card is cut in two). A file of any other structure is read whole.
_STREAMED: dict[str, tuple[_Parser, _LastStart]] = {
    "text/questions": (_parse_questions, _last_start(_starts_question)),
    "text/tab": (_parse_tab, _last_start(_starts_tab)),
    "text/colon": (_parse_colon, _last_start(_starts_colon)),
    "text/qa": (_parse_qa, _last_start(_starts_qa)),
    "text/markdown": (_parse_markdown, _last_start(_starts_heading, fences=True)),
}


def _stream_rows(chunks: Iterable[str], counter: list[int]) -> Iterator[_Line]:
    """The rows of the text (as `_rows` gives them), a chunk at a time; `counter[0]` counts
    the control characters removed."""
    number, breaks, first = 1, 0, True
    for text in chunks:
        if _has_controls(text):
            text, removed = _CONTROL_RE.subn("", text)
            counter[0] += removed
        end = 0
        for match in _ROW_RE.finditer(text):
            breaks += text.count("\n", end, match.start())
            number += breaks
            yield _Line(number, match.group(2).rstrip(), len(match.group(1)), breaks > 1 or first)
            first, breaks = False, 0
            end = match.end()
        breaks += text.count("\n", end)


def stream(data: BinaryIO, size: int, *, source: str | None = None) -> DeckStream | None:
    """Read a large UTF-8 file (`data`, seekable, of `size` bytes) as it is imported: its
    structure is found in its first `STREAM_PREFIX_BYTES`, then the whole file is read again
    a segment of rows at a time, each segment ending where a card starts. Memory stays
    bounded by a segment, whatever the size of the file. Returns None for a file that must
    be read whole: one that is not UTF-8, or whose structure is not read card by card."""
    from retain.core.model import DeckStream
    from retain.formats.decode import Utf8Chunks, is_utf8_text_file

    if not is_utf8_text_file(data):
        return None  # read whole, by a reader that says what is wrong with it
    data.seek(0)
    head = data.read(STREAM_PREFIX_BYTES)
    prefix_text = head.decode("utf-8-sig", errors="ignore")
    prefix_text = prefix_text[: prefix_text.rfind("\n") + 1] or prefix_text
    prefix_rows, _ = _clean_rows(prefix_text)
    if not prefix_rows:
        return None
    try:
        found = _detect(prefix_rows, source=source)
    except DeckImportError:
        return None  # the whole reader says what is wrong, and where
    if found.format not in _STREAMED:
        return None
    parse, last_start = _STREAMED[found.format]
    heading = _heading(prefix_rows[0])
    lone = (
        heading is not None
        and found.title == heading[1]
        and not any(_heading(row) for row in prefix_rows[1:])
    )
    # As `_parse_questions` decides it: whether blank lines separate the cards.
    candidate = [_is_question(row) for row in prefix_rows]
    asks = [i for i in range(len(prefix_rows) - 1) if candidate[i] and not candidate[i + 1]]
    apart = [i for i in asks[1:] if prefix_rows[i].after_blank]
    separated = len(apart) >= 3 and len(apart) >= 0.75 * len(asks[1:])
    del prefix_rows, prefix_text, head
    chunks = Utf8Chunks(data, size)
    counter = [0]
    deck = DeckStream(
        found.title, found.format, iter(()),
        read_fraction=lambda: min(chunks.read / chunks.size, 1.0),
    )

    def segments() -> Iterator[list[_Line]]:
        rows: list[_Line] = []
        limit = _SEGMENT_ROWS
        for row in _stream_rows(chunks, counter):
            rows.append(row)
            if len(rows) < limit:
                continue
            cut = last_start(rows, separated)
            if cut:
                yield rows[:cut]
                rows = rows[cut:]
                limit = len(rows) + _SEGMENT_ROWS
            else:  # a card longer than a segment: it is read whole
                limit = 2 * len(rows)
        if rows:
            yield rows

    def notes() -> Iterator[NoteDraft]:
        first = True
        for rows in segments():
            title = None
            if first and lone:
                rows, title = rows[1:], found.title
            try:
                _, read = parse(rows, title)
            except _NoFit as failure:
                raise DeckImportError(failure.message, source=source, line=failure.line) from None
            first = False
            deck.control_characters_removed = counter[0]
            yield from read
        deck.control_characters_removed = counter[0]

    deck.notes = notes()
    return deck
