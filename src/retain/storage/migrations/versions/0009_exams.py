"""Exams: a deck's exam date and daily budget, the day's plan, and readiness day by day.

`deck_exams` holds a deck's exam (time, minutes a day, weekdays off). `plan_cards` holds the
cards the exam planner chose for the day it last planned (`plan_days.day`), in the order to
study them; `extra` marks the ones beyond the day's budget, for studying ahead. `plan_days`
keeps one row per day planned: the readiness then and the recall expected at the exam, so
that readiness over time can be shown planned against actual.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deck_exams",
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("exam_at", sa.BigInteger, nullable=False),
        sa.Column("minutes_per_day", sa.Float, nullable=False),
        sa.Column("weekdays_off", sa.String(20), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "plan_days",
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("exam_at", sa.BigInteger, nullable=False),
        sa.Column("readiness", sa.Float, nullable=False),
        sa.Column("expected_at_exam", sa.Float, nullable=False),
        sa.Column("planned_seconds", sa.Float, nullable=False),
        sa.Column("new", sa.Integer, nullable=False),
        sa.Column("reviews", sa.Integer, nullable=False),
    )
    op.create_table(
        "plan_cards",
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column(
            "card_id", sa.Integer, sa.ForeignKey("cards.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("extra", sa.Boolean, nullable=False),
    )
    op.create_index("ix_plan_cards_card", "plan_cards", ["card_id"])


def downgrade() -> None:
    op.drop_index("ix_plan_cards_card", table_name="plan_cards")
    op.drop_table("plan_cards")
    op.drop_table("plan_days")
    op.drop_table("deck_exams")
