"""The deck index: what question generation needs from the rest of a deck (word counts for
the lexicon and for frequencies, wrong-option candidates by kind with a random key to sample
them by, and which notes use which capitalised words), kept up to date at import.

Decks stored before this revision are indexed the first time they are studied.

Also the cards of each deck counted (all, new, learning) in `deck_card_counts`, kept by
triggers on `cards`, so that listing the decks does not read every card.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _deck() -> sa.Column[int]:
    return sa.Column(
        "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"), nullable=False
    )


def _note(*, primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(
        "note_id", sa.Integer, sa.ForeignKey("notes.id", ondelete="CASCADE"), nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "index_decks",
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("notes", sa.Integer, nullable=False),
    )
    op.create_table(
        "index_notes",
        _note(primary_key=True),
        _deck(),
        sa.Column("rand_key", sa.BigInteger, nullable=False),
        sa.Column("asks", sa.String(20), nullable=False),
        sa.Column("question_keys", sa.Text, nullable=False),
        sa.Column("runs", sa.Text, nullable=False),
    )
    op.create_index("ix_index_notes_sample", "index_notes", ["deck_id", "rand_key"])
    op.create_table(
        "index_candidates",
        sa.Column("id", sa.Integer, primary_key=True),
        _deck(),
        _note(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("rand_key", sa.BigInteger, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("shape", sa.String(50), nullable=False),
        sa.Column("keys", sa.Text, nullable=False),
        sa.Column("whole", sa.Boolean, nullable=False),
    )
    op.create_index(
        "ix_index_candidates_sample", "index_candidates", ["deck_id", "kind", "rand_key"]
    )
    op.create_index("ix_index_candidates_note", "index_candidates", ["note_id"])
    op.create_table(
        "index_words",
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("word", sa.Text, primary_key=True),
        *(
            sa.Column(name, sa.Integer, nullable=False)
            for name in ("lower", "capital_mid", "possessive", "who", "last", "first")
        ),
    )
    op.create_table(
        "index_terms",
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("term", sa.Text, primary_key=True),
        sa.Column("notes", sa.Integer, nullable=False),
        sa.Column("questions", sa.Integer, nullable=False),
    )
    op.create_table(
        "index_names",
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("word", sa.Text, primary_key=True),
        sa.Column(
            "note_id", sa.Integer, sa.ForeignKey("notes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_index_names_note", "index_names", ["note_id"])
    _count_cards()


_SQLITE_TRIGGERS = (
    """CREATE TRIGGER cards_count_insert AFTER INSERT ON cards BEGIN
        INSERT OR IGNORE INTO deck_card_counts (deck_id, total, new, learning)
            VALUES (NEW.deck_id, 0, 0, 0);
        UPDATE deck_card_counts SET total = total + 1, new = new + (NEW.state = 0),
            learning = learning + (NEW.state IN (1, 3)) WHERE deck_id = NEW.deck_id;
    END""",
    """CREATE TRIGGER cards_count_delete AFTER DELETE ON cards BEGIN
        UPDATE deck_card_counts SET total = total - 1, new = new - (OLD.state = 0),
            learning = learning - (OLD.state IN (1, 3)) WHERE deck_id = OLD.deck_id;
    END""",
    """CREATE TRIGGER cards_count_update AFTER UPDATE OF state, deck_id ON cards
    WHEN OLD.state != NEW.state OR OLD.deck_id != NEW.deck_id BEGIN
        UPDATE deck_card_counts SET total = total - 1, new = new - (OLD.state = 0),
            learning = learning - (OLD.state IN (1, 3)) WHERE deck_id = OLD.deck_id;
        INSERT OR IGNORE INTO deck_card_counts (deck_id, total, new, learning)
            VALUES (NEW.deck_id, 0, 0, 0);
        UPDATE deck_card_counts SET total = total + 1, new = new + (NEW.state = 0),
            learning = learning + (NEW.state IN (1, 3)) WHERE deck_id = NEW.deck_id;
    END""",
)

_POSTGRES_TRIGGERS = (
    """CREATE FUNCTION retain_count_cards() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE deck_card_counts SET total = deck_card_counts.total - 1,
                new = deck_card_counts.new - (OLD.state = 0)::int,
                learning = deck_card_counts.learning - (OLD.state IN (1, 3))::int
            WHERE deck_card_counts.deck_id = OLD.deck_id;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            INSERT INTO deck_card_counts (deck_id, total, new, learning)
                VALUES (NEW.deck_id, 0, 0, 0) ON CONFLICT (deck_id) DO NOTHING;
            UPDATE deck_card_counts SET total = deck_card_counts.total + 1,
                new = deck_card_counts.new + (NEW.state = 0)::int,
                learning = deck_card_counts.learning + (NEW.state IN (1, 3))::int
            WHERE deck_card_counts.deck_id = NEW.deck_id;
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER cards_count_insert_delete AFTER INSERT OR DELETE ON cards
    FOR EACH ROW EXECUTE FUNCTION retain_count_cards()""",
    """CREATE TRIGGER cards_count_update AFTER UPDATE OF state, deck_id ON cards
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.deck_id <> NEW.deck_id)
    EXECUTE FUNCTION retain_count_cards()""",
)


def _count_cards() -> None:
    op.create_table(
        "deck_card_counts",
        sa.Column(
            "deck_id", sa.Integer, sa.ForeignKey("decks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("new", sa.Integer, nullable=False),
        sa.Column("learning", sa.Integer, nullable=False),
    )
    op.execute(
        "INSERT INTO deck_card_counts (deck_id, total, new, learning)"
        " SELECT deck_id, COUNT(*), SUM(CASE WHEN state = 0 THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN state IN (1, 3) THEN 1 ELSE 0 END) FROM cards GROUP BY deck_id"
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE_TRIGGERS if sqlite else _POSTGRES_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("cards_count_insert", "cards_count_delete", "cards_count_update"):
            op.execute(f"DROP TRIGGER {name}")
    else:
        op.execute("DROP TRIGGER cards_count_insert_delete ON cards")
        op.execute("DROP TRIGGER cards_count_update ON cards")
        op.execute("DROP FUNCTION retain_count_cards()")
    op.drop_table("deck_card_counts")
    for table in (
        "index_names", "index_terms", "index_words", "index_candidates", "index_notes",
        "index_decks",
    ):
        op.drop_table(table)
