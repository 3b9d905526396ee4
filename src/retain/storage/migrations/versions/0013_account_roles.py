"""Account roles: an account signs up as a student or as a teacher. Only a teacher makes
classes; every account already stored (the local one included) is a student.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "accounts",
        sa.Column("role", sa.String(10), nullable=False, server_default="student"),
    )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("role")
