"""Accounts and classes: who owns a deck, who may sign in, and which class shares which
decks.

A store made before accounts belongs to one account, the local one, which this migration
makes: every deck it holds is owned by it, so nothing of it changes hands or is lost. A new
store gets the same local account. Sessions and sign-in throttling are rows too, so that any
number of app processes can serve one store.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

LOCAL_ACCOUNT = "local"


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        # The name as it is compared: case-folded, so that "Ana" and "ana" are one account.
        sa.Column("name_key", sa.String(100), nullable=False, unique=True),
        # argon2id (PHC string); NULL for the local account, which never signs in.
        sa.Column("password_hash", sa.Text),
        sa.Column("local", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "account_sessions",
        # The SHA-256 of the opaque id the browser holds: a copy of this table lets no one in.
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "account_id", sa.Integer, sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("seen_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_account_sessions_account", "account_sessions", ["account_id"])
    op.create_table(
        "auth_throttle",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_start", sa.BigInteger, nullable=False),
        sa.Column("blocked_until", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "classes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "teacher_id", sa.Integer, sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("join_code", sa.String(20), nullable=False, unique=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_classes_teacher", "classes", ["teacher_id"])
    op.create_table(
        "class_members",
        sa.Column(
            "class_id", sa.Integer, sa.ForeignKey("classes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "account_id", sa.Integer, sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("joined_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_class_members_account", "class_members", ["account_id"])
    op.create_table(
        "class_decks",
        sa.Column(
            "class_id", sa.Integer, sa.ForeignKey("classes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("assigned_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_class_decks_deck", "class_decks", ["deck_id"])
    accounts = sa.table(
        "accounts",
        sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("name_key", sa.String),
        sa.column("password_hash", sa.Text), sa.column("local", sa.Boolean),
        sa.column("created_at", sa.BigInteger),
    )
    op.bulk_insert(
        accounts,
        [
            {
                "id": 1, "name": LOCAL_ACCOUNT, "name_key": LOCAL_ACCOUNT, "password_hash": None,
                "local": True, "created_at": int(time.time() * 1000),
            }
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval('accounts_id_seq', (SELECT MAX(id) FROM accounts))")
    # Every deck and note already stored belongs to the local account. The column is added
    # in place (NULL at first, as SQLite requires of a new column with a reference), without
    # rebuilding the table, which on SQLite would delete the decks' notes and cards through
    # their ON DELETE CASCADE.
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column in (
        ("decks", "owner_id"), ("notes", "owner_id"), ("cards", "account_id"),
        ("reviews", "account_id"),
    ):
        if sqlite:  # alembic adds no reference in place on SQLite; SQLite itself does
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES accounts (id)")
        else:
            op.add_column(table, sa.Column(column, sa.Integer, sa.ForeignKey("accounts.id")))
        op.execute(f"UPDATE {table} SET {column} = 1")
    op.create_index("ix_decks_owner", "decks", ["owner_id"])
    # The study path reads one learner's cards and answers: its indexes lead with the
    # account, so that its cost stays that of one learner's cards, however many share the
    # store.
    op.drop_index("ix_cards_due", "cards")
    op.drop_index("ix_cards_new", "cards")
    op.drop_index("ix_reviews_day", "reviews")
    op.create_index("ix_cards_account_due", "cards", ["account_id", "due", "deck_id"])
    op.create_index(
        "ix_cards_account_new", "cards", ["account_id", "state", "position", "id", "deck_id"]
    )
    op.create_index(
        "ix_reviews_account_day", "reviews", ["account_id", "reviewed_at", "state_before"]
    )


def downgrade() -> None:
    op.drop_index("ix_reviews_account_day", "reviews")
    op.drop_index("ix_cards_account_new", "cards")
    op.drop_index("ix_cards_account_due", "cards")
    op.create_index("ix_reviews_day", "reviews", ["reviewed_at", "state_before"])
    op.create_index("ix_cards_new", "cards", ["state", "position", "id", "deck_id"])
    op.create_index("ix_cards_due", "cards", ["due", "deck_id"])
    op.drop_index("ix_decks_owner", "decks")
    for table, column in (
        ("reviews", "account_id"), ("cards", "account_id"), ("notes", "owner_id"),
        ("decks", "owner_id"),
    ):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
    for table in (
        "class_decks", "class_members", "classes", "auth_throttle", "account_sessions",
        "accounts",
    ):
        op.drop_table(table)
