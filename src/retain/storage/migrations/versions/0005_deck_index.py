"""The deck index: what question generation needs from the rest of a deck (word counts for
the lexicon and for frequencies, wrong-option candidates by kind with a random key to sample
them by, and which notes use which capitalised words), kept up to date at import.

Decks stored before this revision are indexed the first time they are studied.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _deck() -> sa.Column[int]:
    return sa.Column(
        "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"), nullable=False
    )


def _note(*, primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(
        "note_id", sa.Integer, sa.ForeignKey("notes.id", ondelete="CASCADE"), nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "index_decks",
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("notes", sa.Integer, nullable=False),
    )
    op.create_table(
        "index_notes",
        _note(primary_key=True),
        _deck(),
        sa.Column("rand_key", sa.BigInteger, nullable=False),
        sa.Column("asks", sa.String(20), nullable=False),
        sa.Column("question_keys", sa.Text, nullable=False),
        sa.Column("runs", sa.Text, nullable=False),
    )
    op.create_index("ix_index_notes_sample", "index_notes", ["deck_id", "rand_key"])
    op.create_table(
        "index_candidates",
        sa.Column("id", sa.Integer, primary_key=True),
        _deck(),
        _note(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("rand_key", sa.BigInteger, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("shape", sa.String(50), nullable=False),
        sa.Column("keys", sa.Text, nullable=False),
        sa.Column("whole", sa.Boolean, nullable=False),
    )
    op.create_index(
        "ix_index_candidates_sample", "index_candidates", ["deck_id", "kind", "rand_key"]
    )
    op.create_index("ix_index_candidates_note", "index_candidates", ["note_id"])
    op.create_table(
        "index_words",
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("word", sa.Text, primary_key=True),
        *(
            sa.Column(name, sa.Integer, nullable=False)
            for name in ("lower", "capital_mid", "possessive", "who", "last", "first")
        ),
    )
    op.create_table(
        "index_terms",
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("term", sa.Text, primary_key=True),
        sa.Column("notes", sa.Integer, nullable=False),
        sa.Column("questions", sa.Integer, nullable=False),
    )
    op.create_table(
        "index_names",
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("word", sa.Text, primary_key=True),
        sa.Column(
            "note_id", sa.Integer, sa.ForeignKey("notes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_index_names_note", "index_names", ["note_id"])


def downgrade() -> None:
    for table in (
        "index_names", "index_terms", "index_words", "index_candidates", "index_notes",
        "index_decks",
    ):
        op.drop_table(table)
