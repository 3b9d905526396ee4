"""The time index of the review log also holds each review's state before it, so that
today's answers and today's new cards are counted from the index alone.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reviews_day", "reviews", ["reviewed_at", "state_before"])
    op.drop_index("ix_reviews_time", table_name="reviews")


def downgrade() -> None:
    op.create_index("ix_reviews_time", "reviews", ["reviewed_at"])
    op.drop_index("ix_reviews_day", table_name="reviews")
