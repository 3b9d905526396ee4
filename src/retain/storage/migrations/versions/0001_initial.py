"""The first schema: settings, decks, notes, cards and the review log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "decks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(300), nullable=False, unique=True),
        sa.Column("title", sa.Text),
        sa.Column("source_format", sa.String(50)),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer_points", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("deck_id", "key", name="uq_notes_deck_key"),
    )
    op.create_table(
        "cards",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "note_id", sa.Integer, sa.ForeignKey("notes.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("template", sa.String(50), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("state", sa.Integer, nullable=False),
        sa.Column("step", sa.Integer),
        sa.Column("stability", sa.Float),
        sa.Column("difficulty", sa.Float),
        sa.Column("due", sa.BigInteger),
        sa.Column("last_review", sa.BigInteger),
        sa.Column("reps", sa.Integer, nullable=False),
        sa.Column("lapses", sa.Integer, nullable=False),
        sa.UniqueConstraint("note_id", "template", name="uq_cards_note_template"),
    )
    op.create_index("ix_cards_due", "cards", ["due"])
    op.create_index("ix_cards_deck_due", "cards", ["deck_id", "due"])
    op.create_index("ix_cards_new", "cards", ["state", "position", "id"])
    op.create_index("ix_cards_deck_new", "cards", ["deck_id", "state", "position", "id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "card_id", sa.Integer, sa.ForeignKey("cards.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("reviewed_at", sa.BigInteger, nullable=False),
        sa.Column("duration_ms", sa.Integer),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("state_before", sa.Integer, nullable=False),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_reviews_card", "reviews", ["card_id", "id"])
    op.create_index("ix_reviews_time", "reviews", ["reviewed_at"])


def downgrade() -> None:
    op.drop_table("reviews")
    op.drop_table("cards")
    op.drop_table("notes")
    op.drop_table("decks")
    op.drop_table("settings")
