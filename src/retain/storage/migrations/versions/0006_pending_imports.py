"""Imports that are written in batches and become visible only once they are complete.

A big import is written in many short transactions, so that a student studying meanwhile
never waits long for the write lock. Until the import is complete its rows are pending: a
deck it creates and the notes it adds carry its id in `import_id`, its cards have the state
-1 (which no study query selects), and the changes it makes to notes already stored wait in
`import_note_updates`. `imports` records who is writing each one, so that an import whose
process died is undone by the next retain that opens the store.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("deck_name", sa.String(300), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("owner_host", sa.String(255), nullable=False),
        sa.Column("owner_pid", sa.Integer, nullable=False),
        sa.Column("started_at", sa.BigInteger, nullable=False),
        sa.Column("heartbeat_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "import_note_updates",
        sa.Column("import_id", sa.Integer, primary_key=True),
        sa.Column(
            "note_id",
            sa.Integer,
            sa.ForeignKey("notes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer_points", sa.Text, nullable=False),
    )
    op.add_column("decks", sa.Column("import_id", sa.Integer))
    op.add_column("notes", sa.Column("import_id", sa.Integer))
    op.create_index(
        "ix_notes_import",
        "notes",
        ["import_id"],
        sqlite_where=sa.text("import_id IS NOT NULL"),
        postgresql_where=sa.text("import_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_notes_import", table_name="notes")
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("import_id")
    with op.batch_alter_table("decks") as batch:
        batch.drop_column("import_id")
    op.drop_table("import_note_updates")
    op.drop_table("imports")
