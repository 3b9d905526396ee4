"""Which answer points each graded review covered, for statistics per point.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_points",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "review_id", sa.Integer, sa.ForeignKey("reviews.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "card_id", sa.Integer, sa.ForeignKey("cards.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("point_index", sa.Integer, nullable=False),
        sa.Column("covered", sa.Boolean, nullable=False),
    )
    op.create_index("ix_review_points_card", "review_points", ["card_id", "point_index"])


def downgrade() -> None:
    op.drop_table("review_points")
