"""The database schema, as SQLAlchemy Core tables.

Times are stored as integer milliseconds since the Unix epoch (UTC): exact, compact, and the
same on SQLite and PostgreSQL. The review log (`reviews`) is append-only; the scheduling
columns of `cards` are a cache that `retain check` rebuilds from it. Each review points at
the scheduler settings it was made under (`scheduler_configs`, never changed once written)
and keeps the card's state before it (`before`, JSON), so that it can be undone; an undo is
a row of its own in `undos`, and the review it takes back stays in the log.

Every change to these tables goes through a migration in `storage/migrations/versions`, and
`SCHEMA_REVISION` names the newest one.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

SCHEMA_REVISION = "0013"

metadata = MetaData()

settings = Table(
    "settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

decks = Table(
    "decks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("title", Text),
    Column("source_format", String(50)),
    Column("created_at", BigInteger, nullable=False),
    # Set while the import that creates the deck is not complete: the deck is not shown.
    Column("import_id", Integer),
    # The account whose deck it is (see migration 0011); never NULL once written.
    Column("owner_id", Integer, ForeignKey("accounts.id")),
    # A name is unique among one owner's decks (see migration 0012).
    UniqueConstraint("owner_id", "name", name="uq_decks_owner_name"),
    Index("ix_decks_owner", "owner_id"),
)

notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deck_id", Integer, ForeignKey("decks.id", ondelete="CASCADE"), nullable=False),
    Column("key", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer_points", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    # The note's tags, separated by spaces (see migration 0007); NULL when it has none.
    Column("tags", Text),
    # Set while the import that adds the note is not complete: the note is not shown.
    Column("import_id", Integer),
    Column("owner_id", Integer, ForeignKey("accounts.id")),
    UniqueConstraint("deck_id", "key", name="uq_notes_deck_key"),
    Index(
        "ix_notes_import",
        "import_id",
        sqlite_where=text("import_id IS NOT NULL"),
        postgresql_where=text("import_id IS NOT NULL"),
    ),
)

cards = Table(
    "cards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("note_id", Integer, ForeignKey("notes.id", ondelete="CASCADE"), nullable=False),
    Column("deck_id", Integer, ForeignKey("decks.id", ondelete="CASCADE"), nullable=False),
    Column("template", String(50), nullable=False),
    Column("position", Integer, nullable=False),
    Column("state", Integer, nullable=False),
    Column("step", Integer),
    Column("stability", Float),
    Column("difficulty", Float),
    Column("due", BigInteger),
    Column("last_review", BigInteger),
    Column("reps", Integer, nullable=False),
    Column("lapses", Integer, nullable=False),
    # The learner whose memory the card's state is (see migration 0011).
    Column("account_id", Integer, ForeignKey("accounts.id")),
    # Each learner has their own card of a note (see migration 0012).
    UniqueConstraint(
        "note_id", "template", "account_id", name="uq_cards_note_template_account"
    ),
    Index("ix_cards_account_due", "account_id", "due", "deck_id"),
    Index("ix_cards_account_new", "account_id", "state", "position", "id", "deck_id"),
)

scheduler_configs = Table(
    "scheduler_configs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("desired_retention", Float, nullable=False),
    Column("day_start_hour", Integer, nullable=False),
    # The learner's offset from UTC; NULL: the local time of whoever reads the log.
    Column("utc_offset_s", Integer),
    Column("parameters", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("card_id", Integer, ForeignKey("cards.id", ondelete="CASCADE"), nullable=False),
    Column("rating", Integer, nullable=False),
    Column("reviewed_at", BigInteger, nullable=False),
    Column("duration_ms", Integer),
    Column("mode", String(20), nullable=False),
    Column("state_before", Integer, nullable=False),
    Column("detail", Text),
    Column("config_id", Integer, ForeignKey("scheduler_configs.id")),
    Column("before", Text),
    # The learner who answered (the account of the card).
    Column("account_id", Integer, ForeignKey("accounts.id")),
    Index("ix_reviews_account_day", "account_id", "reviewed_at", "state_before"),
    Index("ix_reviews_card", "card_id", "id"),
)

undos = Table(
    "undos",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "review_id",
        Integer,
        ForeignKey("reviews.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("card_id", Integer, ForeignKey("cards.id", ondelete="CASCADE"), nullable=False),
    Column("undone_at", BigInteger, nullable=False),
)

review_points = Table(
    "review_points",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False),
    Column("card_id", Integer, ForeignKey("cards.id", ondelete="CASCADE"), nullable=False),
    Column("point_index", Integer, nullable=False),
    Column("covered", Boolean, nullable=False),
    Index("ix_review_points_card", "card_id", "point_index"),
)


# What question generation needs from the rest of a deck, kept up to date as notes are
# imported, changed and deleted (see `retain.deck_index`); never rebuilt per question.

index_decks = Table(
    "index_decks",
    metadata,
    Column("deck_id", Integer, ForeignKey("decks.id", ondelete="CASCADE"), primary_key=True),
    Column("notes", Integer, nullable=False),
)

index_notes = Table(
    "index_notes",
    metadata,
    Column("note_id", Integer, ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True),
    Column("deck_id", Integer, ForeignKey("decks.id", ondelete="CASCADE"), nullable=False),
    Column("rand_key", BigInteger, nullable=False),
    Column("asks", String(20), nullable=False),
    Column("question_keys", Text, nullable=False),
    Column("runs", Text, nullable=False),
    Index("ix_index_notes_sample", "deck_id", "rand_key"),
)

index_candidates = Table(
    "index_candidates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deck_id", Integer, ForeignKey("decks.id", ondelete="CASCADE"), nullable=False),
    Column("note_id", Integer, ForeignKey("notes.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("rand_key", BigInteger, nullable=False),
    Column("text", Text, nullable=False),
    Column("shape", String(50), nullable=False),
    Column("keys", Text, nullable=False),
    Column("whole", Boolean, nullable=False),
    Index("ix_index_candidates_sample", "deck_id", "kind", "rand_key"),
    Index("ix_index_candidates_note", "note_id"),
)

index_words = Table(
    "index_words",
    metadata,
    Column("deck_id", Integer, ForeignKey("decks.id", ondelete="CASCADE"), primary_key=True),
    Column("word", Text, primary_key=True),
    Column("lower", Integer, nullable=False),
    Column("capital_mid", Integer, nullable=False),
    Column("possessive", Integer, nullable=False),
    Column("who", Integer, nullable=False),
    Column("last", Integer, nullable=False),
    Column("first", Integer, nullable=False),
)

index_terms = Table(
    "index_terms",
    metadata,
    Column("deck_id", Integer, ForeignKey("decks.id", ondelete="CASCADE"), primary_key=True),
    Column("term", Text, primary_key=True),
    Column("notes", Integer, nullable=False),
    Column("questions", Integer, nullable=False),
)

index_names = Table(
    "index_names",
    metadata,
    Column("deck_id", Integer, ForeignKey("decks.id", ondelete="CASCADE"), primary_key=True),
    Column("word", Text, primary_key=True),
    Column("note_id", Integer, ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_index_names_note", "note_id"),
)


deck_card_counts = Table(
    "deck_card_counts",
    metadata,
    Column("deck_id", Integer, ForeignKey("decks.id", ondelete="CASCADE"), primary_key=True),
    Column("total", Integer, nullable=False),
    Column("new", Integer, nullable=False),
    Column("learning", Integer, nullable=False),
)
"""Cards per deck: all, new, and in (re)learning steps. Kept by triggers on `cards` (see
migration 0005), so every write to a card keeps them true and no count reads the deck."""

DERIVED_TABLES = frozenset(
    {
        "deck_card_counts", "index_decks", "index_notes", "index_candidates", "index_words",
        "index_terms", "index_names",
    }
)
"""Tables computed from the others: the card counts are kept by triggers as cards are
written, and a deck without an index is indexed when it is next studied. A copy of a store
leaves them out and lets them be made again."""

# Imports under way (see migration 0006): each is written in batches and made visible only
# when it is complete. `state` is "writing" until every card is written, then "settling"
# while its rows are made visible; `owner_host` and `owner_pid` name the process, and
# `heartbeat_at` is renewed by each batch, so that an import whose process died is found.
imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deck_name", String(300), nullable=False),
    Column("state", String(20), nullable=False),
    Column("owner_host", String(255), nullable=False),
    Column("owner_pid", Integer, nullable=False),
    Column("started_at", BigInteger, nullable=False),
    Column("heartbeat_at", BigInteger, nullable=False),
    # The account importing: a deck is found by its owner and name (see migration 0012).
    Column("owner_id", Integer),
)

# What an import changes in notes already stored, applied when it is complete.
import_note_updates = Table(
    "import_note_updates",
    metadata,
    Column("import_id", Integer, primary_key=True),
    Column("note_id", Integer, ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True),
    Column("question", Text, nullable=False),
    Column("answer_points", Text, nullable=False),
    Column("tags", Text),
)


# Media files that imported cards refer to (see migration 0008): each row names one file of
# a deck; the file is kept under its hash (`file`) in the data directory's media folder.
media = Table(
    "media",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deck_id", Integer, ForeignKey("decks.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("file", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    UniqueConstraint("deck_id", "name", name="uq_media_deck_name"),
)


# Exams (see migration 0009): a deck's exam and budget, the cards planned for the day the
# deck was last planned, and one row of readiness per day planned.
deck_exams = Table(
    "deck_exams",
    metadata,
    Column("deck_id", Integer, ForeignKey("decks.id", ondelete="CASCADE"), primary_key=True),
    Column("exam_at", BigInteger, nullable=False),
    Column("minutes_per_day", Float, nullable=False),
    # Weekdays off, as digits 0 (Monday) to 6 (Sunday): "56" is Saturday and Sunday.
    Column("weekdays_off", String(20), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

plan_days = Table(
    "plan_days",
    metadata,
    Column("deck_id", Integer, ForeignKey("decks.id", ondelete="CASCADE"), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("exam_at", BigInteger, nullable=False),
    Column("readiness", Float, nullable=False),
    Column("expected_at_exam", Float, nullable=False),
    Column("planned_seconds", Float, nullable=False),
    Column("new", Integer, nullable=False),
    Column("reviews", Integer, nullable=False),
)

plan_cards = Table(
    "plan_cards",
    metadata,
    Column("deck_id", Integer, ForeignKey("decks.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("day", String(10), nullable=False),
    Column("card_id", Integer, ForeignKey("cards.id", ondelete="CASCADE"), nullable=False),
    Column("extra", Boolean, nullable=False),
    Index("ix_plan_cards_card", "card_id"),
)


# Accounts and classes (see migration 0011). Decks and notes have an owner; a class shares
# decks of its teacher with its students. Sessions and sign-in throttling live here too, so
# that app processes keep nothing between requests.
accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("name_key", String(100), nullable=False, unique=True),
    Column("password_hash", Text),
    Column("local", Boolean, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    # "student" or "teacher" (see migration 0013): only a teacher makes classes.
    Column("role", String(10), nullable=False, server_default="student"),
)

account_sessions = Table(
    "account_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("seen_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Index("ix_account_sessions_account", "account_id"),
)

auth_throttle = Table(
    "auth_throttle",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_start", BigInteger, nullable=False),
    Column("blocked_until", BigInteger, nullable=False),
)

classes = Table(
    "classes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("teacher_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("join_code", String(20), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_classes_teacher", "teacher_id"),
)

class_members = Table(
    "class_members",
    metadata,
    Column("class_id", Integer, ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("joined_at", BigInteger, nullable=False),
    Index("ix_class_members_account", "account_id"),
)

class_decks = Table(
    "class_decks",
    metadata,
    Column("class_id", Integer, ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True),
    Column("deck_id", Integer, ForeignKey("decks.id", ondelete="CASCADE"), primary_key=True),
    Column("assigned_at", BigInteger, nullable=False),
    Index("ix_class_decks_deck", "deck_id"),
)

PRIVATE_TABLES = frozenset({"account_sessions", "auth_throttle"})
"""Tables that a backup leaves out: the sessions in use and the counts of failed sign-ins
belong to the running server, not to the store's content."""

LOCAL_ACCOUNT_ID = 1
"""The local account, the one a store on one machine is studied by: every store has it
(made by migration 0011, with every deck a store held before accounts)."""
