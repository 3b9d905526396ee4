"""Text fields that arrive with HTML in them (a deck exported from another program, a
pasted web page) are sanitized with nh3 before they are stored: every tag is removed, and
the content of script and style elements with it. Text with no markup is kept exactly as
written. What is stored is plain text, and every page escapes it on output."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

import nh3

from retain.core.model import DeckDraft, NoteDraft

_MARKUP = re.compile(r"<[A-Za-z!/?]|&[A-Za-z#][A-Za-z0-9]{0,31};")


def clean_field(text: str) -> str:
    """`text` with its HTML markup removed (and entities read), or `text` as it is when it
    has none."""
    if not _MARKUP.search(text):
        return text
    cleaned = nh3.clean(text, tags=set(), attributes={}, strip_comments=True)
    return " ".join(html.unescape(cleaned).split(" ")).strip()


def clean_points(points: Iterable[str]) -> tuple[str, ...]:
    return tuple(p for p in (clean_field(p).strip() for p in points) if p)


def clean_draft(draft: DeckDraft) -> DeckDraft:
    notes = []
    for note in draft.notes:
        question = clean_field(note.question).strip()
        if question:
            notes.append(NoteDraft(question, clean_points(note.answer_points)))
    title = None if draft.title is None else clean_field(draft.title).strip() or None
    return DeckDraft(title, draft.format, tuple(notes), draft.control_characters_removed)
