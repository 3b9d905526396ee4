"""Tags on notes: the words a deck from Anki, a CSV or a Quizlet set files its notes under,
kept so that they go out again with the cards. Separated by spaces; NULL when there are none.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notes", sa.Column("tags", sa.Text))
    op.add_column("import_note_updates", sa.Column("tags", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("import_note_updates") as batch:
        batch.drop_column("tags")
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("tags")
