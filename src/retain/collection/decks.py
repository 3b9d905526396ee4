"""Decks and their notes: listing, finding, importing, editing, deleting, counting (`col.decks`)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from retain.collection._rows import (
    PENDING_STATE,
    _check_now,
    _ms,
    _note,
)
from retain.collection.classes import AssignedDeck, give_cards
from retain.collection.importing import IMPORT_BATCH, ImportProgress, ImportReport
from retain.core.model import (
    CardState,
    Deck,
    DeckDraft,
    DeckId,
    DeckStream,
    Note,
    NoteDraft,
    NoteId,
    question_key,
)
from retain.deck_index import StoredDeck
from retain.errors import CollectionError, NotFound
from retain.storage import schema

if TYPE_CHECKING:
    from retain.collection import Collection

@dataclass(frozen=True)
class DeckEdit:
    """What applying an edited deck will do, worked out before anything is written (see
    `plan_deck_edit`): notes kept (changed or not, each with its card history), notes
    added, and notes removed with their cards and review history."""

    deck: Deck
    title: str | None
    kept: tuple[tuple[NoteId, NoteDraft], ...]
    added: tuple[NoteDraft, ...]
    removed: tuple[Note, ...]
    updated: int
    unchanged: int
    reordered: bool

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.added or self.removed or self.updated or self.reordered
            or self.title != self.deck.title
        )


@dataclass(frozen=True)
class DeckCounts:
    deck: Deck
    new: int
    learning: int
    due: int
    total: int


def _reworded(old: Note, new: NoteDraft) -> bool:
    """Whether `new`, in the place of `old` in an edited deck, is `old` reworded."""
    if tuple(new.answer_points) == old.answer_points:
        return True
    same = difflib.SequenceMatcher(None, old.question.casefold(), new.question.casefold())
    return same.ratio() >= 0.6


def _checked_note(question: str, answer_points: Sequence[str]) -> tuple[str, list[str]]:
    """A note's question and points as stored: stripped, and neither may be empty."""
    text = question.strip()
    if not text:
        raise CollectionError("the question is empty")
    points = [p.strip() for p in answer_points if p.strip()]
    if not points:
        raise CollectionError("the card needs at least one answer point")
    return text, points


class Decks:
    """The decks of the store and their notes (`col.decks`)."""

    def __init__(self, col: Collection) -> None:
        self._col = col

    def import_deck(
        self,
        draft: DeckDraft | DeckStream,
        *,
        now: datetime,
        deck_name: str | None = None,
        progress: ImportProgress | None = None,
        batch_size: int = IMPORT_BATCH,
        index_later: bool = False,
    ) -> ImportReport:
        """Store a draft as a deck, or merge it into the deck of that name: a question
        already in the deck keeps its cards and their history (see `Importer.import_deck`,
        which writes it in batches, all or nothing). With `index_later`, the new notes are
        left for the question index to read when the deck is first studied."""
        return self._col._importer.import_deck(
            draft, now=now, deck_name=deck_name, progress=progress, batch_size=batch_size,
            index_later=index_later,
        )

    def all(self) -> list[Deck]:
        """The account's decks, without one whose import is not complete."""
        with self._col._read() as conn:
            rows = conn.execute(
                select(schema.decks)
                .where(
                    schema.decks.c.import_id.is_(None),
                    schema.decks.c.owner_id == self._col.account_id,
                )
                .order_by(schema.decks.c.id)
            ).all()
        return [Deck(DeckId(r.id), r.name, r.title) for r in rows]

    def studyable(self, deck_id: int) -> Deck:
        """A deck the account may study: one of its own, or one a class it joined shares
        with it (`NotFound` for any other id, as for one that does not exist)."""
        for deck in self.all():
            if deck.id == deck_id:
                return deck
        for assigned in self._col.classes.assigned():
            if assigned.deck.id == deck_id:
                return assigned.deck
        raise NotFound(f"no deck with id {deck_id}")

    def class_counts(self, now: datetime) -> list[tuple[AssignedDeck, DeckCounts]]:
        """The decks the account's classes share with it (`Classes.assigned`), each with
        the counts of the account's own cards of it: new, learning, due and total."""
        _check_now(now)
        assigned = self._col.classes.assigned()
        if not assigned:
            return []
        ids = [int(a.deck.id) for a in assigned]
        c = schema.cards.c
        me = self._col.account_id
        with self._col._read() as conn:
            kept = {
                int(r.deck_id): r
                for r in conn.execute(
                    select(
                        c.deck_id,
                        func.count().label("total"),
                        func.count().filter(c.state == int(CardState.NEW)).label("new"),
                        func.count()
                        .filter(
                            c.state.in_([int(CardState.LEARNING), int(CardState.RELEARNING)])
                        )
                        .label("learning"),
                    )
                    .where(c.account_id == me, c.deck_id.in_(ids), c.state != PENDING_STATE)
                    .group_by(c.deck_id)
                )
            }
            due = {
                int(r[0]): int(r[1])
                for r in conn.execute(
                    select(c.deck_id, func.count())
                    .where(
                        c.account_id == me, c.deck_id.in_(ids), c.due.is_not(None),
                        c.due <= _ms(now),
                    )
                    .group_by(c.deck_id)
                )
            }
        result = []
        for a in assigned:
            r = kept.get(int(a.deck.id))
            result.append(
                (
                    a,
                    DeckCounts(
                        a.deck,
                        new=int(r.new) if r else 0,
                        learning=int(r.learning) if r else 0,
                        due=due.get(int(a.deck.id), 0),
                        total=int(r.total) if r else 0,
                    ),
                )
            )
        return result

    def find(self, name: str) -> Deck:
        """A deck by id, exact name, or an unambiguous part of its name (any case)."""
        decks = self.all()
        wanted = name.strip().casefold()
        for deck in decks:
            if str(deck.id) == wanted or deck.name.casefold() == wanted:
                return deck
        matches = [d for d in decks if wanted in d.name.casefold()]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            known = "; ".join(d.name for d in decks) or "none yet"
            raise CollectionError(f"no deck called {name!r} (decks: {known})")
        names = "; ".join(d.name for d in matches)
        raise CollectionError(f"{name!r} matches several decks: {names}")

    def media_files(self, deck: Deck) -> list[tuple[str, Path]]:
        """The media files of a deck: (the name its cards use, where the file is)."""
        if self._col.media_dir is None:
            return []
        m = schema.media.c
        with self._col._read() as conn:
            rows = conn.execute(
                select(m.name, m.file).where(m.deck_id == deck.id).order_by(m.name)
            ).all()
        return [(row.name, self._col.media_dir / row.file) for row in rows]

    def edit_note(
        self, note_id: NoteId, question: str, answer_points: Sequence[str], *, now: datetime
    ) -> Note:
        """Change a note's question and answer points. Its cards keep their scheduling
        state and review history, as when a re-import changes a card."""
        _check_now(now)
        question, points = _checked_note(question, answer_points)
        with self._col._write() as conn:
            row = conn.execute(
                select(schema.notes).where(
                    schema.notes.c.id == note_id,
                    schema.notes.c.owner_id == self._col.account_id,
                )
            ).first()
            if row is None:
                raise NotFound(f"no note with id {note_id}")
            key = question_key(question)
            n = schema.notes.c
            clash = conn.execute(
                select(n.id).where(n.deck_id == row.deck_id, n.key == key, n.id != note_id)
            ).first()
            if clash is not None:
                raise CollectionError(f"the deck already has the question {question!r}")
            self._update_note(conn, note_id, key, question, points, _ms(now))
        return Note(NoteId(note_id), DeckId(row.deck_id), question, tuple(points))

    def _update_note(
        self,
        conn: Connection,
        note_id: int,
        key: str,
        question: str,
        answer_points: Sequence[str],
        stamp: int,
    ) -> None:
        """Write a note's new text (as `import_deck` writes an updated note). Every change
        to a stored note's text goes through here."""
        before = conn.execute(select(schema.notes).where(schema.notes.c.id == note_id)).one()
        conn.execute(
            update(schema.notes)
            .where(schema.notes.c.id == note_id)
            .values(
                key=key, question=question,
                answer_points=json.dumps(list(answer_points), ensure_ascii=False),
                updated_at=stamp,
            )
        )
        after = Note(NoteId(note_id), DeckId(before.deck_id), question, tuple(answer_points))
        self._col.index.notes_changed(conn, before.deck_id, [after], [_note(before)])

    def _delete_notes(self, conn: Connection, note_ids: Sequence[int]) -> None:
        """Delete notes with their cards, the cards' review log, undo entries and points.
        Every deletion of stored notes goes through here, so nothing is left pointing at
        them."""
        self._col.study._day_counts.clear()
        c = schema.cards.c
        n = schema.notes.c
        gone: dict[int, list[Note]] = {}
        for start in range(0, len(note_ids), 500):
            for row in conn.execute(
                select(schema.notes).where(n.id.in_(list(note_ids[start : start + 500])))
            ):
                gone.setdefault(row.deck_id, []).append(_note(row))
        for deck_id, notes in gone.items():
            self._col.index.notes_changed(conn, deck_id, removed=notes)
        for start in range(0, len(note_ids), 500):
            chunk = list(note_ids[start : start + 500])
            cards = select(c.id).where(c.note_id.in_(chunk)).scalar_subquery()
            conn.execute(delete(schema.review_points).where(
                schema.review_points.c.card_id.in_(cards)
            ))
            conn.execute(delete(schema.undos).where(schema.undos.c.card_id.in_(cards)))
            conn.execute(delete(schema.reviews).where(schema.reviews.c.card_id.in_(cards)))
            conn.execute(delete(schema.cards).where(c.note_id.in_(chunk)))
            conn.execute(delete(schema.notes).where(schema.notes.c.id.in_(chunk)))

    def plan_edit(self, deck: Deck, draft: DeckDraft) -> DeckEdit:
        """Compare an edited copy of a deck with the stored deck, as a re-import would: a
        question found in the deck keeps its note (and so its cards' history) and takes the
        new answer points. A question that is reworded in place, between the same
        neighbours, is the same note too when it reads much the same or keeps its answer
        points. Questions that are gone are to be removed, new
        ones added. Nothing is written."""
        if not draft.notes:
            raise CollectionError("there are no cards in the edited deck")
        stored = self.notes(deck)
        drafts: list[NoteDraft] = []
        seen: set[str] = set()
        for note in draft.notes:
            key = question_key(note.question)
            if key not in seen:
                seen.add(key)
                drafts.append(note)
        old_keys = [question_key(n.question) for n in stored]
        new_keys = [question_key(n.question) for n in drafts]
        by_key = dict(zip(old_keys, stored, strict=True))
        match: dict[int, Note] = {j: by_key[k] for j, k in enumerate(new_keys) if k in by_key}
        matched = {note.id for note in match.values()}
        lines = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
        for tag, i1, i2, j1, j2 in lines.get_opcodes():
            if tag != "replace":
                continue
            old_left = [n for n in stored[i1:i2] if n.id not in matched]
            new_left = [j for j in range(j1, j2) if j not in match]
            for reworded, j in zip(old_left, new_left, strict=False):
                if _reworded(reworded, drafts[j]):
                    match[j] = reworded
                    matched.add(reworded.id)
        kept: list[tuple[NoteId, NoteDraft]] = []
        added: list[NoteDraft] = []
        updated = unchanged = 0
        for j, note_draft in enumerate(drafts):
            old = match.get(j)
            if old is None:
                added.append(note_draft)
                continue
            kept.append((old.id, note_draft))
            same = (old.question, old.answer_points) == (
                note_draft.question, tuple(note_draft.answer_points)
            )
            unchanged += same
            updated += not same
        removed = tuple(n for n in stored if n.id not in matched)
        order = [note_id for note_id, _ in kept]
        reordered = order != [n.id for n in stored if n.id in matched]
        title = draft.title if draft.title is not None else deck.title
        return DeckEdit(
            deck, title, tuple(kept), tuple(added), removed, updated, unchanged, reordered
        )

    def apply_edit(self, edit: DeckEdit, *, now: datetime) -> ImportReport:
        """Write a planned deck edit in one transaction: notes kept are updated (their
        cards keep state and history), new ones added with new cards, and the removed ones
        deleted with their cards and review history. The notes take the edited order."""
        _check_now(now)
        stamp = _ms(now)
        n = schema.notes.c
        with self._col._write() as conn:
            if conn.execute(select(schema.decks.c.id).where(
                schema.decks.c.id == edit.deck.id, schema.decks.c.owner_id == self._col.account_id
            )).first() is None:
                raise CollectionError(f"the deck {edit.deck.name!r} no longer exists")
            current = {
                r.id: r for r in conn.execute(select(schema.notes).where(n.deck_id == edit.deck.id))
            }
            gone = [note_id for note_id, _ in edit.kept if note_id not in current]
            if gone or any(note.id not in current for note in edit.removed):
                raise CollectionError("the deck changed while it was being edited; edit it again")
            self._delete_notes(conn, [note.id for note in edit.removed])
            for position, (note_id, draft) in enumerate(edit.kept):
                row = current[note_id]
                points = json.dumps(list(draft.answer_points), ensure_ascii=False)
                if row.question != draft.question or row.answer_points != points:
                    self._update_note(
                        conn, note_id, question_key(draft.question), draft.question,
                        draft.answer_points, stamp,
                    )
                if row.position != position:
                    conn.execute(
                        update(schema.notes).where(n.id == note_id).values(position=position)
                    )
            if edit.added:
                self._add_notes(conn, edit.deck.id, edit.added, len(edit.kept), stamp)
            if edit.title != edit.deck.title:
                conn.execute(
                    update(schema.decks)
                    .where(schema.decks.c.id == edit.deck.id)
                    .values(title=edit.title)
                )
        deck = replace(edit.deck, title=edit.title)
        return ImportReport(deck, len(edit.added), edit.updated, edit.unchanged)

    def _add_notes(
        self,
        conn: Connection,
        deck_id: int,
        drafts: Sequence[NoteDraft],
        position: int,
        stamp: int,
    ) -> None:
        """Store new notes of a deck, each with a new card (as `import_deck` stores them)."""
        card_position = conn.execute(
            select(func.coalesce(func.max(schema.cards.c.position), -1))
        ).scalar_one() + 1
        ids: Sequence[int] = conn.execute(
            insert(schema.notes).returning(schema.notes.c.id, sort_by_parameter_order=True),
            [
                {
                    "deck_id": deck_id, "key": question_key(note.question),
                    "question": note.question,
                    "answer_points": json.dumps(list(note.answer_points), ensure_ascii=False),
                    "position": position + i, "created_at": stamp, "updated_at": stamp,
                    "owner_id": self._col.account_id,
                }
                for i, note in enumerate(drafts)
            ],
        ).scalars().all()
        conn.execute(
            insert(schema.cards),
            [
                {
                    "note_id": note_id, "deck_id": deck_id, "template": "basic",
                    "position": card_position + i, "state": int(CardState.NEW),
                    "step": None, "stability": None, "difficulty": None, "due": None,
                    "last_review": None, "reps": 0, "lapses": 0,
                    "account_id": self._col.account_id,
                }
                for i, note_id in enumerate(ids)
            ],
        )
        give_cards(conn, deck_id=deck_id, note_ids=list(ids))
        self._col.index.notes_changed(
            conn, deck_id,
            [
                Note(NoteId(note_id), DeckId(deck_id), note.question, tuple(note.answer_points))
                for note_id, note in zip(ids, drafts, strict=True)
            ],
        )

    def delete(self, deck: Deck) -> int:
        """Delete a deck with its notes, cards and their review history; returns how many
        cards went with it."""
        c = schema.cards.c
        with self._col._write() as conn:
            self._owned(conn, deck)
            cards = conn.execute(
                select(func.count()).select_from(schema.cards).where(c.deck_id == deck.id)
            ).scalar_one()
            note_ids: list[int] = list(
                conn.execute(
                    select(schema.notes.c.id).where(schema.notes.c.deck_id == deck.id)
                ).scalars()
            )
            self._col.index.drop(conn, deck.id)
            self._delete_notes(conn, note_ids)
            conn.execute(delete(schema.decks).where(schema.decks.c.id == deck.id))
        return int(cards)

    def rename(self, deck: Deck, new_name: str) -> Deck:
        """Give a deck a new name (its cards and history stay as they are)."""
        name = new_name.strip()
        if not name:
            raise CollectionError("the new name is empty")
        d = schema.decks.c
        with self._col._write() as conn:
            clash = conn.execute(
                select(d.id).where(
                    d.name == name, d.owner_id == self._col.account_id, d.id != deck.id
                )
            ).first()
            if clash is not None:
                raise CollectionError(f"there is already a deck called {name!r}")
            changed = conn.execute(
                update(schema.decks)
                .where(d.id == deck.id, d.owner_id == self._col.account_id)
                .values(name=name)
            )
            if changed.rowcount == 0:
                raise NotFound(f"no deck called {deck.name!r}")
        return replace(deck, name=name)

    def counts(self, now: datetime) -> list[DeckCounts]:
        """New, learning, due and total cards per deck. The totals are kept as cards change
        (`schema.deck_card_counts`); the due cards are one range of the due-card index."""
        _check_now(now)
        c = schema.cards.c
        with self._col._read() as conn:
            kept = {
                r.deck_id: r
                for r in conn.execute(
                    select(schema.deck_card_counts).join(
                        schema.decks, schema.decks.c.id == schema.deck_card_counts.c.deck_id
                    ).where(schema.decks.c.owner_id == self._col.account_id)
                )
            }
            due: dict[int, int] = {
                int(r[0]): int(r[1])
                for r in conn.execute(
                    select(c.deck_id, func.count())
                    .where(
                        c.account_id == self._col.account_id, c.due.is_not(None),
                        c.due <= _ms(now),
                    )
                    .group_by(c.deck_id)
                )
            }
            # The cards of an import that is not complete are counted as they are written,
            # but not shown.
            pending: dict[int, int] = {
                int(r[0]): int(r[1])
                for r in conn.execute(
                    select(c.deck_id, func.count())
                    .where(c.account_id == self._col.account_id, c.state == PENDING_STATE)
                    .group_by(c.deck_id)
                )
            }
        result = []
        for deck in self.all():
            r = kept.get(deck.id)
            result.append(
                DeckCounts(
                    deck,
                    new=int(r.new) if r else 0,
                    learning=int(r.learning) if r else 0,
                    due=int(due.get(deck.id, 0)),
                    total=int(r.total) - pending.get(deck.id, 0) if r else 0,
                )
            )
        return result

    def _owned(self, conn: Connection, deck: Deck) -> None:
        """Raise NotFound unless the deck is the account's own."""
        d = schema.decks.c
        if conn.execute(
            select(d.id).where(d.id == deck.id, d.owner_id == self._col.account_id)
        ).first() is None:
            raise NotFound(f"no deck called {deck.name!r}")

    def view(self, deck_id: DeckId) -> StoredDeck:
        """What question generation needs from the rest of a deck, read from the deck index
        a little at a time (see `retain.deck_index`): the same cost at any deck size."""
        return self._col.index.view(deck_id, self._col._prepared)

    def notes(self, deck: Deck) -> list[Note]:
        """The deck's notes in order, without those of an import that is not complete."""
        with self._col._read() as conn:
            self._owned(conn, deck)
            rows = conn.execute(
                select(schema.notes)
                .where(schema.notes.c.deck_id == deck.id, schema.notes.c.import_id.is_(None))
                .order_by(schema.notes.c.position)
            ).all()
        return [_note(r) for r in rows]
