"""Media files (images, sounds) that imported cards refer to.

A row names a media file of a deck as its cards refer to it (`name`, a plain file name);
the file itself is kept once, under its SHA-256, in the `media` folder of the data
directory (`file`: the hash and the name's extension), so that two decks with the same
image share it and no name from outside ever becomes a path.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("file", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("deck_id", "name", name="uq_media_deck_name"),
    )


def downgrade() -> None:
    op.drop_table("media")
