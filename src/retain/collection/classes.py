"""Classes (`col.classes`): a teacher makes a class, shares its join code, and assigns decks
of their own to it; students join with the code.

Each student studies an assigned deck on their own schedule, with cards of their own: the
deck's notes stay the teacher's (an edit reaches every student), and each student has a
card per note, with its own state and review log. A student's cards are made when they
join, when a deck is assigned, and when the teacher adds notes to an assigned deck, all in
one statement per event (200 students joining a deck of 1,000 notes write 200,000 rows in
one INSERT ... SELECT), so that studying reads only the student's own cards, through the
same indexes as a deck of their own. When a class stops sharing a deck with a student
(the deck unassigned, the student gone, the class deleted), the student keeps the cards
they answered, with their history, and loses those they never saw.

Every access is checked against the account the collection acts for: a teacher reaches only
the classes they teach, a student only the classes they joined, and the code of a class only
its teacher. An id that does not exist and an id that is not the caller's raise the same
`NotFound`, with the same words, so that no one can learn which ids exist.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NewType

from sqlalchemy import delete, insert, literal, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from retain.collection._rows import PENDING_STATE, _check_now, _ms
from retain.collection.accounts import Account, AccountId
from retain.collection.class_reports import DeckReport, deck_report
from retain.core.model import CardState, Deck, DeckId
from retain.errors import CollectionError, NotFound
from retain.storage import schema

if TYPE_CHECKING:
    from retain.collection import Collection

ClassId = NewType("ClassId", int)

# Letters and digits that cannot be mistaken for one another when read aloud or copied from
# a board: no 0/O, 1/I/L.
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8
CLASS_NAME_MAX = 200


@dataclass(frozen=True)
class ClassInfo:
    id: ClassId
    name: str
    teacher_id: AccountId
    join_code: str | None
    """The code students join with; None for anyone but the class's teacher."""


@dataclass(frozen=True)
class AssignedDeck:
    """A deck a class the account joined shares with it, and the class it comes from."""

    deck: Deck
    class_id: ClassId
    class_name: str


def _class(row: Row[Any], viewer: int) -> ClassInfo:
    teacher = int(row.teacher_id)
    return ClassInfo(
        ClassId(int(row.id)), str(row.name), AccountId(teacher),
        str(row.join_code) if teacher == viewer else None,
    )


def normal_code(code: str) -> str:
    """A join code as typed (any case, spaces and dashes allowed) in its stored form."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


class Classes:
    """The classes the collection's account teaches or has joined (`col.classes`)."""

    def __init__(self, col: Collection) -> None:
        self._col = col

    @property
    def _me(self) -> int:
        return int(self._col.account_id)

    # -- teaching -----------------------------------------------------------------------

    def create(self, name: str, *, now: datetime) -> ClassInfo:
        """A new class taught by this account, with a fresh join code."""
        _check_now(now)
        shown = unicodedata.normalize("NFKC", name).strip()
        if not shown:
            raise CollectionError("the class needs a name")
        if len(shown) > CLASS_NAME_MAX:
            raise CollectionError(f"the name is too long: at most {CLASS_NAME_MAX} characters")
        c = schema.classes.c
        for _ in range(10):
            code = _new_code()
            try:
                with self._col._write() as conn:
                    class_id: int = conn.execute(
                        insert(schema.classes)
                        .values(
                            teacher_id=self._me, name=shown, join_code=code,
                            created_at=_ms(now),
                        )
                        .returning(c.id)
                    ).scalar_one()
            except IntegrityError:
                continue  # the code was taken: draw another
            return ClassInfo(ClassId(int(class_id)), shown, AccountId(self._me), code)
        raise CollectionError("could not find a free join code; try again")

    def taught(self) -> list[ClassInfo]:
        """The classes this account teaches."""
        c = schema.classes.c
        with self._col._read() as conn:
            rows = conn.execute(
                select(schema.classes).where(c.teacher_id == self._me).order_by(c.id)
            ).all()
        return [_class(r, self._me) for r in rows]

    def new_join_code(self, class_id: int) -> ClassInfo:
        """Give a class a new join code (the old one stops working); teacher only."""
        with self._col._write() as conn:
            self._taught(conn, class_id)
            for _ in range(10):
                code = _new_code()
                taken = conn.execute(
                    select(schema.classes.c.id).where(schema.classes.c.join_code == code)
                ).first()
                if taken is None:
                    conn.execute(
                        update(schema.classes)
                        .where(schema.classes.c.id == class_id)
                        .values(join_code=code)
                    )
                    return _class(self._taught(conn, class_id), self._me)
        raise CollectionError("could not find a free join code; try again")

    def delete(self, class_id: int) -> None:
        """Delete a class (its students and their own decks stay); teacher only."""
        with self._col._write() as conn:
            self._taught(conn, class_id)
            take_unseen_cards(conn, class_id=class_id)
            conn.execute(
                delete(schema.class_decks).where(schema.class_decks.c.class_id == class_id)
            )
            conn.execute(
                delete(schema.class_members).where(schema.class_members.c.class_id == class_id)
            )
            conn.execute(delete(schema.classes).where(schema.classes.c.id == class_id))

    def assign(self, class_id: int, deck: Deck, *, now: datetime) -> None:
        """Share one of this account's decks with a class; teacher only. Assigning it twice
        changes nothing."""
        _check_now(now)
        cd = schema.class_decks.c
        with self._col._write() as conn:
            self._taught(conn, class_id)
            self._own_deck(conn, deck.id)
            if conn.execute(
                select(cd.deck_id).where(cd.class_id == class_id, cd.deck_id == deck.id)
            ).first() is None:
                conn.execute(
                    insert(schema.class_decks).values(
                        class_id=class_id, deck_id=deck.id, assigned_at=_ms(now)
                    )
                )
            give_cards(conn, class_id=class_id, deck_id=int(deck.id))

    def unassign(self, class_id: int, deck: Deck) -> None:
        """Stop sharing a deck with a class; teacher only."""
        cd = schema.class_decks.c
        with self._col._write() as conn:
            self._taught(conn, class_id)
            take_unseen_cards(conn, class_id=class_id, deck_id=int(deck.id))
            conn.execute(
                delete(schema.class_decks).where(cd.class_id == class_id, cd.deck_id == deck.id)
            )

    def students(self, class_id: int) -> list[Account]:
        """The students of a class, in the order they joined; teacher only."""
        with self._col._read() as conn:
            self._taught(conn, class_id)
            return _students(conn, class_id)

    def report(
        self, class_id: int, deck: Deck, *, now: datetime, limit: int = 10
    ) -> DeckReport:
        """How the class is doing with one of its decks: each student's progress (cards
        seen of the deck's, due now, answers, true retention), and the `limit` cards and
        answer points the class misses most; teacher only. Its tables come as CSV from
        `DeckReport.students_csv` and `DeckReport.missed_csv`."""
        _check_now(now)
        cd = schema.class_decks.c
        with self._col._read() as conn:
            self._taught(conn, class_id)
            if conn.execute(
                select(cd.deck_id).where(cd.class_id == class_id, cd.deck_id == deck.id)
            ).first() is None:
                raise NotFound(f"no deck with id {deck.id} in class {class_id}")
            return deck_report(
                conn, class_id, deck, _students(conn, class_id), now=now, limit=limit
            )

    def remove_student(self, class_id: int, account_id: int) -> None:
        """Take a student out of a class; teacher only. Unknown students are a NotFound."""
        m = schema.class_members.c
        with self._col._write() as conn:
            self._taught(conn, class_id)
            take_unseen_cards(conn, class_id=class_id, student_id=account_id)
            gone = conn.execute(
                delete(schema.class_members).where(
                    m.class_id == class_id, m.account_id == account_id
                )
            ).rowcount
        if not gone:
            raise NotFound(f"no student with id {account_id} in class {class_id}")

    # -- studying in a class ------------------------------------------------------------

    def join(self, code: str, *, now: datetime) -> ClassInfo:
        """Join the class whose join code this is. A wrong code, and the code of a class
        the account teaches, are refused alike."""
        _check_now(now)
        wanted = normal_code(code)
        c, m = schema.classes.c, schema.class_members.c
        with self._col._write() as conn:
            row = conn.execute(select(schema.classes).where(c.join_code == wanted)).first()
            if not wanted or row is None or int(row.teacher_id) == self._me:
                raise NotFound("no class has that join code")
            if conn.execute(
                select(m.class_id).where(m.class_id == row.id, m.account_id == self._me)
            ).first() is None:
                conn.execute(
                    insert(schema.class_members).values(
                        class_id=row.id, account_id=self._me, joined_at=_ms(now)
                    )
                )
            give_cards(conn, class_id=int(row.id), student_id=self._me)
        return _class(row, self._me)

    def leave(self, class_id: int) -> None:
        """Leave a class this account joined."""
        m = schema.class_members.c
        with self._col._write() as conn:
            take_unseen_cards(conn, class_id=class_id, student_id=self._me)
            gone = conn.execute(
                delete(schema.class_members).where(
                    m.class_id == class_id, m.account_id == self._me
                )
            ).rowcount
        if not gone:
            raise NotFound(f"no class with id {class_id}")

    def joined(self) -> list[ClassInfo]:
        """The classes this account has joined as a student."""
        c, m = schema.classes.c, schema.class_members.c
        with self._col._read() as conn:
            rows = conn.execute(
                select(schema.classes)
                .join(schema.class_members, m.class_id == c.id)
                .where(m.account_id == self._me)
                .order_by(c.id)
            ).all()
        return [_class(r, self._me) for r in rows]

    def get(self, class_id: int) -> ClassInfo:
        """A class this account teaches or has joined."""
        with self._col._read() as conn:
            return _class(self._visible(conn, class_id), self._me)

    def decks(self, class_id: int) -> list[Deck]:
        """The decks assigned to a class this account teaches or has joined."""
        d, cd = schema.decks.c, schema.class_decks.c
        with self._col._read() as conn:
            self._visible(conn, class_id)
            rows = conn.execute(
                select(d.id, d.name, d.title)
                .join(schema.class_decks, cd.deck_id == d.id)
                .where(cd.class_id == class_id, d.import_id.is_(None))
                .order_by(cd.assigned_at, d.id)
            ).all()
        return [Deck(DeckId(int(r.id)), str(r.name), r.title) for r in rows]

    def assigned(self) -> list[AssignedDeck]:
        """The decks the classes this account joined share with it, class by class in
        the order joined (and then assigned); a deck two classes share is listed once,
        with the first, and a deck of the account's own is not listed."""
        c, m, d, cd = (
            schema.classes.c, schema.class_members.c, schema.decks.c, schema.class_decks.c
        )
        with self._col._read() as conn:
            rows = conn.execute(
                select(d.id, d.name, d.title, c.id.label("class_id"), c.name.label("class_name"))
                .select_from(schema.class_members)
                .join(schema.classes, c.id == m.class_id)
                .join(schema.class_decks, cd.class_id == c.id)
                .join(schema.decks, d.id == cd.deck_id)
                .where(m.account_id == self._me, d.import_id.is_(None), d.owner_id != self._me)
                .order_by(m.joined_at, c.id, cd.assigned_at, d.id)
            ).all()
        seen: set[int] = set()
        found = []
        for r in rows:
            if int(r.id) not in seen:
                seen.add(int(r.id))
                found.append(
                    AssignedDeck(
                        Deck(DeckId(int(r.id)), str(r.name), r.title),
                        ClassId(int(r.class_id)), str(r.class_name),
                    )
                )
        return found

    # -- checks -------------------------------------------------------------------------

    def _taught(self, conn: Connection, class_id: int) -> Row[Any]:
        c = schema.classes.c
        row = conn.execute(
            select(schema.classes).where(c.id == class_id, c.teacher_id == self._me)
        ).first()
        if row is None:
            raise NotFound(f"no class with id {class_id}")
        return row

    def _visible(self, conn: Connection, class_id: int) -> Row[Any]:
        c, m = schema.classes.c, schema.class_members.c
        member = select(m.class_id).where(m.class_id == c.id, m.account_id == self._me).exists()
        row = conn.execute(
            select(schema.classes).where(c.id == class_id, (c.teacher_id == self._me) | member)
        ).first()
        if row is None:
            raise NotFound(f"no class with id {class_id}")
        return row

    def _own_deck(self, conn: Connection, deck_id: int) -> None:
        d = schema.decks.c
        if conn.execute(
            select(d.id).where(d.id == deck_id, d.owner_id == self._me, d.import_id.is_(None))
        ).first() is None:
            raise NotFound(f"no deck with id {deck_id}")


def _students(conn: Connection, class_id: int) -> list[Account]:
    m, a = schema.class_members.c, schema.accounts.c
    rows = conn.execute(
        select(a.id, a.name, a.local)
        .join(schema.class_members, m.account_id == a.id)
        .where(m.class_id == class_id)
        .order_by(m.joined_at, a.id)
    ).all()
    return [Account(AccountId(int(r.id)), str(r.name), bool(r.local)) for r in rows]


def give_cards(
    conn: Connection,
    *,
    class_id: int | None = None,
    deck_id: int | None = None,
    student_id: int | None = None,
    note_ids: list[int] | None = None,
) -> int:
    """Make the cards that students lack of the decks assigned to their classes, new and
    in the deck's order: each student gets a card of their own for each of the owner's
    cards of the deck. Scoped to a class, a deck, a student and/or some notes; one
    statement, however many students and cards. Returns how many cards were made."""
    c, m, cd, d = (
        schema.cards.c, schema.class_members.c, schema.class_decks.c, schema.decks.c
    )
    if deck_id is not None and class_id is None and conn.execute(
        select(cd.deck_id).where(cd.deck_id == deck_id).limit(1)
    ).first() is None:
        return 0  # a deck in no class (every deck of a local store): nothing to look for
    mine = schema.cards.alias("mine")
    source = (
        select(
            c.note_id, c.deck_id, c.template, c.position, literal(int(CardState.NEW)),
            literal(0), literal(0), m.account_id,
        )
        .select_from(schema.cards)
        .join(schema.class_decks, cd.deck_id == c.deck_id)
        .join(schema.class_members, m.class_id == cd.class_id)
        .join(schema.decks, d.id == c.deck_id)
        .where(
            c.account_id == d.owner_id, c.state != PENDING_STATE, d.import_id.is_(None),
            m.account_id != d.owner_id,
            ~select(mine.c.id)
            .where(
                mine.c.note_id == c.note_id, mine.c.template == c.template,
                mine.c.account_id == m.account_id,
            )
            .exists(),
        )
        .distinct()
    )
    if class_id is not None:
        source = source.where(cd.class_id == class_id)
    if deck_id is not None:
        source = source.where(c.deck_id == deck_id)
    if student_id is not None:
        source = source.where(m.account_id == student_id)
    if note_ids is not None:
        source = source.where(c.note_id.in_(note_ids))
    columns = [
        "note_id", "deck_id", "template", "position", "state", "reps", "lapses", "account_id"
    ]
    if conn.dialect.name == "postgresql":
        # Two transactions giving one student the same cards (a join while the deck is
        # assigned): the second skips what the first made. SQLite runs one writer at a time.
        made = conn.execute(
            postgresql.insert(schema.cards).from_select(columns, source).on_conflict_do_nothing()
        )
    else:
        made = conn.execute(insert(schema.cards).from_select(columns, source))
    return int(made.rowcount or 0)


def take_unseen_cards(
    conn: Connection,
    *,
    class_id: int,
    deck_id: int | None = None,
    student_id: int | None = None,
) -> int:
    """Before a class stops sharing decks with students (a deck unassigned, a student gone,
    the class deleted): delete the students' cards of those decks that they never
    answered, unless another class of theirs still has the deck. The cards they answered
    stay, with their history. Returns how many cards were deleted."""
    c, m, cd, r = (
        schema.cards.c, schema.class_members.c, schema.class_decks.c, schema.reviews.c
    )
    decks = select(cd.deck_id).where(cd.class_id == class_id)
    if deck_id is not None:
        decks = decks.where(cd.deck_id == deck_id)
    students = select(m.account_id).where(m.class_id == class_id)
    if student_id is not None:
        students = students.where(m.account_id == student_id)
    m2, cd2 = schema.class_members.alias("m2"), schema.class_decks.alias("cd2")
    elsewhere = (
        select(m2.c.class_id)
        .join(cd2, cd2.c.class_id == m2.c.class_id)
        .where(
            m2.c.account_id == c.account_id, cd2.c.deck_id == c.deck_id,
            m2.c.class_id != class_id,
        )
        .exists()
    )
    owner = select(schema.decks.c.owner_id).where(schema.decks.c.id == c.deck_id)
    gone = conn.execute(
        delete(schema.cards).where(
            c.deck_id.in_(decks), c.account_id.in_(students),
            c.account_id != owner.scalar_subquery(), c.state == int(CardState.NEW),
            ~select(r.id).where(r.card_id == c.id).exists(), ~elsewhere,
        )
    )
    return int(gone.rowcount or 0)


def _new_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
