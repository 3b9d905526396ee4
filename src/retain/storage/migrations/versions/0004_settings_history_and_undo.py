"""The scheduler settings each review was made under, and undo entries.

* `scheduler_configs` keeps every set of scheduler settings answers were made under
  (desired retention, day start hour, offset from UTC, FSRS parameters); each review points
  at its own, so that changing a setting never makes the log disagree with the cards.
  Reviews already in the log point at one row made from the settings stored now.
* `reviews.before` keeps the card's scheduling state before the answer (JSON), so that an
  undo restores it without replaying the card's whole log.
* `undos` holds one row per undone review; the review stays in the log.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import json
import time

import sqlalchemy as sa
from alembic import op
from fsrs.scheduler import DEFAULT_PARAMETERS

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_configs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("desired_retention", sa.Float, nullable=False),
        sa.Column("day_start_hour", sa.Integer, nullable=False),
        sa.Column("utc_offset_s", sa.Integer),
        sa.Column("parameters", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    # Plain ADD COLUMN (never a copy of the table: on SQLite dropping the old copy would
    # cascade to the points of every review).
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE reviews ADD COLUMN config_id INTEGER REFERENCES scheduler_configs (id)"
        )
    else:
        op.add_column(
            "reviews",
            sa.Column("config_id", sa.Integer, sa.ForeignKey("scheduler_configs.id")),
        )
    op.add_column("reviews", sa.Column("before", sa.Text))
    op.create_table(
        "undos",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "review_id", sa.Integer, sa.ForeignKey("reviews.id", ondelete="CASCADE"),
            nullable=False, unique=True,
        ),
        sa.Column(
            "card_id", sa.Integer, sa.ForeignKey("cards.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("undone_at", sa.BigInteger, nullable=False),
    )
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM reviews LIMIT 1")).first() is None:
        return
    stored = {
        row.key: json.loads(row.value)
        for row in bind.execute(sa.text("SELECT key, value FROM settings"))
    }
    config_id: int = bind.execute(
        sa.text(
            "INSERT INTO scheduler_configs"
            " (desired_retention, day_start_hour, utc_offset_s, parameters, created_at)"
            " VALUES (:retention, :hour, NULL, :parameters, :now) RETURNING id"
        ),
        {
            "retention": float(stored.get("desired_retention", 0.9)),
            "hour": int(stored.get("day_start_hour", 4)),
            "parameters": json.dumps(list(DEFAULT_PARAMETERS)),
            "now": int(time.time() * 1000),
        },
    ).scalar_one()
    bind.execute(sa.text("UPDATE reviews SET config_id = :id"), {"id": config_id})


def downgrade() -> None:
    op.drop_table("undos")
    op.drop_column("reviews", "before")
    op.drop_column("reviews", "config_id")
    op.drop_table("scheduler_configs")
