"""Fewer indexes on the study path. Every answer writes to each index of the review log and
to every card index whose columns it changes, so each one is paid for on every answer:

* the review log keeps one index, by time, which also holds each review's state before it,
  so that today's answers and today's new cards are counted from the index alone; a card's
  own history is read rarely (`retain check` reads the whole log anyway);
* cards keep one queue index for due cards and one for new cards, each ending in the deck,
  so that studying one deck reads the queue in order and skips other decks' cards in the
  index, without a second pair of per-deck indexes.

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
    op.drop_index("ix_reviews_card", table_name="reviews")
    op.drop_index("ix_cards_deck_due", table_name="cards")
    op.drop_index("ix_cards_deck_new", table_name="cards")
    op.drop_index("ix_cards_due", table_name="cards")
    op.drop_index("ix_cards_new", table_name="cards")
    op.create_index("ix_cards_due", "cards", ["due", "deck_id"])
    op.create_index("ix_cards_new", "cards", ["state", "position", "id", "deck_id"])


def downgrade() -> None:
    op.drop_index("ix_cards_due", table_name="cards")
    op.drop_index("ix_cards_new", table_name="cards")
    op.create_index("ix_cards_due", "cards", ["due"])
    op.create_index("ix_cards_new", "cards", ["state", "position", "id"])
    op.create_index("ix_cards_deck_due", "cards", ["deck_id", "due"])
    op.create_index("ix_cards_deck_new", "cards", ["deck_id", "state", "position", "id"])
    op.create_index("ix_reviews_card", "reviews", ["card_id", "id"])
    op.create_index("ix_reviews_time", "reviews", ["reviewed_at"])
    op.drop_index("ix_reviews_day", table_name="reviews")
