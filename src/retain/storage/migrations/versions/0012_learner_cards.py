"""Per-learner cards and per-owner deck names.

A deck assigned to a class is studied by each student on their own schedule: a student has
cards of their own for the deck's notes (the notes stay the teacher's, so an edit reaches
everyone), so a note's card is unique per learner, not per store. Deck names are unique per
owner: a teacher's "Biology" and a student's "Biology" are two decks. An import remembers
whose it is, since a deck is found by its name and owner. The kept card counts of a deck
are those of its owner's cards (a student's progress is read from their own cards).

On SQLite a constraint is changed by rebuilding its table, which is done with references
unenforced (SQLite would otherwise delete the cards' answers as it drops the old table):
the work before it is committed first, and the rebuild is its own transaction, checked with
``foreign_key_check`` before it commits.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_OWNERS_CARD = "{row}.account_id = (SELECT owner_id FROM decks WHERE id = {row}.deck_id)"

_SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER cards_count_insert AFTER INSERT ON cards
    WHEN {_OWNERS_CARD.format(row="NEW")} BEGIN
        INSERT OR IGNORE INTO deck_card_counts (deck_id, total, new, learning)
            VALUES (NEW.deck_id, 0, 0, 0);
        UPDATE deck_card_counts SET total = total + 1, new = new + (NEW.state = 0),
            learning = learning + (NEW.state IN (1, 3)) WHERE deck_id = NEW.deck_id;
    END""",
    f"""CREATE TRIGGER cards_count_delete AFTER DELETE ON cards
    WHEN {_OWNERS_CARD.format(row="OLD")} BEGIN
        UPDATE deck_card_counts SET total = total - 1, new = new - (OLD.state = 0),
            learning = learning - (OLD.state IN (1, 3)) WHERE deck_id = OLD.deck_id;
    END""",
    f"""CREATE TRIGGER cards_count_update AFTER UPDATE OF state, deck_id ON cards
    WHEN (OLD.state != NEW.state OR OLD.deck_id != NEW.deck_id)
        AND {_OWNERS_CARD.format(row="NEW")} BEGIN
        UPDATE deck_card_counts SET total = total - 1, new = new - (OLD.state = 0),
            learning = learning - (OLD.state IN (1, 3)) WHERE deck_id = OLD.deck_id;
        INSERT OR IGNORE INTO deck_card_counts (deck_id, total, new, learning)
            VALUES (NEW.deck_id, 0, 0, 0);
        UPDATE deck_card_counts SET total = total + 1, new = new + (NEW.state = 0),
            learning = learning + (NEW.state IN (1, 3)) WHERE deck_id = NEW.deck_id;
    END""",
)

_POSTGRES_FUNCTION = f"""CREATE OR REPLACE FUNCTION retain_count_cards() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND {_OWNERS_CARD.format(row="OLD")} THEN
            UPDATE deck_card_counts SET total = deck_card_counts.total - 1,
                new = deck_card_counts.new - (OLD.state = 0)::int,
                learning = deck_card_counts.learning - (OLD.state IN (1, 3))::int
            WHERE deck_card_counts.deck_id = OLD.deck_id;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') AND {_OWNERS_CARD.format(row="NEW")} THEN
            INSERT INTO deck_card_counts (deck_id, total, new, learning)
                VALUES (NEW.deck_id, 0, 0, 0) ON CONFLICT (deck_id) DO NOTHING;
            UPDATE deck_card_counts SET total = deck_card_counts.total + 1,
                new = deck_card_counts.new + (NEW.state = 0)::int,
                learning = deck_card_counts.learning + (NEW.state IN (1, 3))::int
            WHERE deck_card_counts.deck_id = NEW.deck_id;
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql"""

_OLD_DECK_NAME = "UNIQUE (name)"
_NEW_DECK_NAME = "CONSTRAINT uq_decks_owner_name UNIQUE (owner_id, name)"
_OLD_CARD = "CONSTRAINT uq_cards_note_template UNIQUE (note_id, template)"
_NEW_CARD = "CONSTRAINT uq_cards_note_template_account UNIQUE (note_id, template, account_id)"


def upgrade() -> None:
    op.add_column("imports", sa.Column("owner_id", sa.Integer))
    op.execute("UPDATE imports SET owner_id = 1")
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
        return
    op.drop_constraint("decks_name_key", "decks", type_="unique")
    op.create_unique_constraint("uq_decks_owner_name", "decks", ["owner_id", "name"])
    op.drop_constraint("uq_cards_note_template", "cards", type_="unique")
    op.create_unique_constraint(
        "uq_cards_note_template_account", "cards", ["note_id", "template", "account_id"]
    )
    op.execute(_POSTGRES_FUNCTION)


def _upgrade_sqlite() -> None:
    driver = op.get_bind().connection.driver_connection
    assert driver is not None
    driver.execute("COMMIT")
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        driver.execute("BEGIN IMMEDIATE")
        try:
            for name in ("cards_count_insert", "cards_count_delete", "cards_count_update"):
                driver.execute(f"DROP TRIGGER IF EXISTS {name}")
            _rebuild(driver, "decks", _OLD_DECK_NAME, _NEW_DECK_NAME)
            _rebuild(driver, "cards", _OLD_CARD, _NEW_CARD)
            for statement in _SQLITE_TRIGGERS:
                driver.execute(statement)
            broken = driver.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the rebuilt tables break {len(broken)} references")
            driver.execute("COMMIT")
        except BaseException:
            driver.execute("ROLLBACK")
            raise
    finally:
        driver.execute("PRAGMA foreign_keys=ON")
        driver.execute("BEGIN IMMEDIATE")


def _rebuild(driver: object, table: str, old: str, new: str) -> None:
    """Make `table` again with constraint `old` replaced by `new`, its rows and indexes
    kept (the twelve steps of SQLite's "other kinds of table schema changes")."""
    run = driver.execute  # type: ignore[attr-defined]
    (sql,) = run(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    if new in sql:  # rebuilt already
        return
    if old not in sql:
        raise RuntimeError(f"the table {table} is not as expected: {sql}")
    indexes = [
        row[0]
        for row in run(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
            " AND sql IS NOT NULL", (table,)
        ).fetchall()
    ]
    made = sql.replace(f"CREATE TABLE {table} (", f"CREATE TABLE _new_{table} (", 1)
    run(made.replace(old, new))
    columns = ", ".join(row[1] for row in run(f"PRAGMA table_info({table})").fetchall())
    run(f"INSERT INTO _new_{table} ({columns}) SELECT {columns} FROM {table}")
    run(f"DROP TABLE {table}")
    run(f"ALTER TABLE _new_{table} RENAME TO {table}")
    for index in indexes:
        run(index)


def downgrade() -> None:
    raise NotImplementedError("a store with per-learner cards cannot go back to 0011")
