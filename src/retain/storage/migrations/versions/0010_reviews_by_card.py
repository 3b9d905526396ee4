"""An index of the review log by card.

Reading one card's log (replaying it, listing its answers, undoing one) reads that card's
rows only, not everyone's: an import that brings a review history replays each card's log.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reviews_card", "reviews", ["card_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_reviews_card", "reviews")
