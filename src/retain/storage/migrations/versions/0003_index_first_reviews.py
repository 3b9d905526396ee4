"""An index for counting the new cards introduced today without reading the review rows.

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
    op.create_index("ix_reviews_first", "reviews", ["state_before", "reviewed_at"])


def downgrade() -> None:
    op.drop_index("ix_reviews_first", table_name="reviews")
