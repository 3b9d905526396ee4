BEGIN TRANSACTION;
CREATE TABLE account_sessions (
	id VARCHAR(64) NOT NULL, 
	account_id INTEGER NOT NULL, 
	created_at BIGINT NOT NULL, 
	seen_at BIGINT NOT NULL, 
	expires_at BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE TABLE accounts (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	name_key VARCHAR(100) NOT NULL, 
	password_hash TEXT, 
	local BOOLEAN NOT NULL, 
	created_at BIGINT NOT NULL, role VARCHAR(10) DEFAULT 'student' NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name_key)
);
INSERT INTO "accounts" VALUES(1,'local','local',NULL,1,1796287442138,'student');
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('0013');
CREATE TABLE auth_throttle (
	"key" VARCHAR(300) NOT NULL, 
	failures INTEGER NOT NULL, 
	window_start BIGINT NOT NULL, 
	blocked_until BIGINT NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE "cards" (
	id INTEGER NOT NULL, 
	note_id INTEGER NOT NULL, 
	deck_id INTEGER NOT NULL, 
	template VARCHAR(50) NOT NULL, 
	position INTEGER NOT NULL, 
	state INTEGER NOT NULL, 
	step INTEGER, 
	stability FLOAT, 
	difficulty FLOAT, 
	due BIGINT, 
	last_review BIGINT, 
	reps INTEGER NOT NULL, 
	lapses INTEGER NOT NULL, account_id INTEGER REFERENCES accounts (id), 
	PRIMARY KEY (id), 
	CONSTRAINT uq_cards_note_template_account UNIQUE (note_id, template, account_id), 
	FOREIGN KEY(note_id) REFERENCES notes (id) ON DELETE CASCADE, 
	FOREIGN KEY(deck_id) REFERENCES decks (id) ON DELETE CASCADE
);
CREATE TABLE class_decks (
	class_id INTEGER NOT NULL, 
	deck_id INTEGER NOT NULL, 
	assigned_at BIGINT NOT NULL, 
	PRIMARY KEY (class_id, deck_id), 
	FOREIGN KEY(class_id) REFERENCES classes (id) ON DELETE CASCADE, 
	FOREIGN KEY(deck_id) REFERENCES decks (id) ON DELETE CASCADE
);
CREATE TABLE class_members (
	class_id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	joined_at BIGINT NOT NULL, 
	PRIMARY KEY (class_id, account_id), 
	FOREIGN KEY(class_id) REFERENCES classes (id) ON DELETE CASCADE, 
	FOREIGN KEY(account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE TABLE classes (
	id INTEGER NOT NULL, 
	teacher_id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	join_code VARCHAR(20) NOT NULL, 
	created_at BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(teacher_id) REFERENCES accounts (id) ON DELETE CASCADE, 
	UNIQUE (join_code)
);
CREATE TABLE deck_card_counts (
	deck_id INTEGER NOT NULL, 
	total INTEGER NOT NULL, 
	new INTEGER NOT NULL, 
	learning INTEGER NOT NULL, 
	PRIMARY KEY (deck_id), 
	FOREIGN KEY(deck_id) REFERENCES decks (id) ON DELETE CASCADE
);
CREATE TABLE deck_exams (
	deck_id INTEGER NOT NULL, 
	exam_at BIGINT NOT NULL, 
	minutes_per_day FLOAT NOT NULL, 
	weekdays_off VARCHAR(20) NOT NULL, 
	created_at BIGINT NOT NULL, 
	PRIMARY KEY (deck_id), 
	FOREIGN KEY(deck_id) REFERENCES decks (id) ON DELETE CASCADE
);
CREATE TABLE "decks" (
	id INTEGER NOT NULL, 
	name VARCHAR(300) NOT NULL, 
	title TEXT, 
	source_format VARCHAR(50), 
	created_at BIGINT NOT NULL, import_id INTEGER, owner_id INTEGER REFERENCES accounts (id), 
	PRIMARY KEY (id), 
	CONSTRAINT uq_decks_owner_name UNIQUE (owner_id, name)
);
CREATE TABLE import_note_updates (
	import_id INTEGER NOT NULL, 
	note_id INTEGER NOT NULL, 
	question TEXT NOT NULL, 
	answer_points TEXT NOT NULL, tags TEXT, 
	PRIMARY KEY (import_id, note_id), 
	FOREIGN KEY(note_id) REFERENCES notes (id) ON DELETE CASCADE
);
CREATE TABLE imports (
	id INTEGER NOT NULL, 
	deck_name VARCHAR(300) NOT NULL, 
	state VARCHAR(20) NOT NULL, 
	owner_host VARCHAR(255) NOT NULL, 
	owner_pid INTEGER NOT NULL, 
	started_at BIGINT NOT NULL, 
	heartbeat_at BIGINT NOT NULL, owner_id INTEGER, 
	PRIMARY KEY (id)
);
CREATE TABLE index_candidates (
	id INTEGER NOT NULL, 
	deck_id INTEGER NOT NULL, 
	note_id INTEGER NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	rand_key BIGINT NOT NULL, 
	text TEXT NOT NULL, 
	shape VARCHAR(50) NOT NULL, 
	keys TEXT NOT NULL, 
	whole BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(deck_id) REFERENCES decks (id) ON DELETE CASCADE, 
	FOREIGN KEY(note_id) REFERENCES notes (id) ON DELETE CASCADE
);
CREATE TABLE index_decks (
	deck_id INTEGER NOT NULL, 
	notes INTEGER NOT NULL, 
	PRIMARY KEY (deck_id), 
	FOREIGN KEY(deck_id) REFERENCES decks (id) ON DELETE CASCADE
);
CREATE TABLE index_names (
	deck_id INTEGER NOT NULL, 
	word TEXT NOT NULL, 
	note_id INTEGER NOT NULL, 
	PRIMARY KEY (deck_id, word, note_id), 
	FOREIGN KEY(deck_id) REFERENCES decks (id) ON DELETE CASCADE, 
	FOREIGN KEY(note_id) REFERENCES notes (id) ON DELETE CASCADE
);
CREATE TABLE index_notes (
	note_id INTEGER NOT NULL, 
	deck_id INTEGER NOT NULL, 
	rand_key BIGINT NOT NULL, 
	asks VARCHAR(20) NOT NULL, 
	question_keys TEXT NOT NULL, 
	runs TEXT NOT NULL, 
	PRIMARY KEY (note_id), 
	FOREIGN KEY(note_id) REFERENCES notes (id) ON DELETE CASCADE, 
	FOREIGN KEY(deck_id) REFERENCES decks (id) ON DELETE CASCADE
);
CREATE TABLE index_terms (
	deck_id INTEGER NOT NULL, 
	term TEXT NOT NULL, 
	notes INTEGER NOT NULL, 
	questions INTEGER NOT NULL, 
	PRIMARY KEY (deck_id, term), 
	FOREIGN KEY(deck_id) REFERENCES decks (id) ON DELETE CASCADE
);
CREATE TABLE index_words (
	deck_id INTEGER NOT NULL, 
	word TEXT NOT NULL, 
	lower INTEGER NOT NULL, 
	capital_mid INTEGER NOT NULL, 
	possessive INTEGER NOT NULL, 
	who INTEGER NOT NULL, 
	last INTEGER NOT NULL, 
	first INTEGER NOT NULL, 
	PRIMARY KEY (deck_id, word), 
	FOREIGN KEY(deck_id) REFERENCES decks (id) ON DELETE CASCADE
);
CREATE TABLE media (
	id INTEGER NOT NULL, 
	deck_id INTEGER NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	file VARCHAR(100) NOT NULL, 
	size BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_media_deck_name UNIQUE (deck_id, name), 
	FOREIGN KEY(deck_id) REFERENCES decks (id) ON DELETE CASCADE
);
CREATE TABLE notes (
	id INTEGER NOT NULL, 
	deck_id INTEGER NOT NULL, 
	"key" TEXT NOT NULL, 
	question TEXT NOT NULL, 
	answer_points TEXT NOT NULL, 
	position INTEGER NOT NULL, 
	created_at BIGINT NOT NULL, 
	updated_at BIGINT NOT NULL, import_id INTEGER, tags TEXT, owner_id INTEGER REFERENCES accounts (id), 
	PRIMARY KEY (id), 
	CONSTRAINT uq_notes_deck_key UNIQUE (deck_id, "key"), 
	FOREIGN KEY(deck_id) REFERENCES decks (id) ON DELETE CASCADE
);
CREATE TABLE plan_cards (
	deck_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	day VARCHAR(10) NOT NULL, 
	card_id INTEGER NOT NULL, 
	extra BOOLEAN NOT NULL, 
	PRIMARY KEY (deck_id, position), 
	FOREIGN KEY(deck_id) REFERENCES decks (id) ON DELETE CASCADE, 
	FOREIGN KEY(card_id) REFERENCES cards (id) ON DELETE CASCADE
);
CREATE TABLE plan_days (
	deck_id INTEGER NOT NULL, 
	day VARCHAR(10) NOT NULL, 
	exam_at BIGINT NOT NULL, 
	readiness FLOAT NOT NULL, 
	expected_at_exam FLOAT NOT NULL, 
	planned_seconds FLOAT NOT NULL, 
	new INTEGER NOT NULL, 
	reviews INTEGER NOT NULL, 
	PRIMARY KEY (deck_id, day), 
	FOREIGN KEY(deck_id) REFERENCES decks (id) ON DELETE CASCADE
);
CREATE TABLE review_points (
	id INTEGER NOT NULL, 
	review_id INTEGER NOT NULL, 
	card_id INTEGER NOT NULL, 
	point_index INTEGER NOT NULL, 
	covered BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(review_id) REFERENCES reviews (id) ON DELETE CASCADE, 
	FOREIGN KEY(card_id) REFERENCES cards (id) ON DELETE CASCADE
);
CREATE TABLE reviews (
	id INTEGER NOT NULL, 
	card_id INTEGER NOT NULL, 
	rating INTEGER NOT NULL, 
	reviewed_at BIGINT NOT NULL, 
	duration_ms INTEGER, 
	mode VARCHAR(20) NOT NULL, 
	state_before INTEGER NOT NULL, 
	detail TEXT, config_id INTEGER REFERENCES scheduler_configs (id), "before" TEXT, account_id INTEGER REFERENCES accounts (id), 
	PRIMARY KEY (id), 
	FOREIGN KEY(card_id) REFERENCES cards (id) ON DELETE CASCADE
);
CREATE TABLE scheduler_configs (
	id INTEGER NOT NULL, 
	desired_retention FLOAT NOT NULL, 
	day_start_hour INTEGER NOT NULL, 
	utc_offset_s INTEGER, 
	parameters TEXT NOT NULL, 
	created_at BIGINT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE settings (
	"key" VARCHAR(100) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE undos (
	id INTEGER NOT NULL, 
	review_id INTEGER NOT NULL, 
	card_id INTEGER NOT NULL, 
	undone_at BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (review_id), 
	FOREIGN KEY(review_id) REFERENCES reviews (id) ON DELETE CASCADE, 
	FOREIGN KEY(card_id) REFERENCES cards (id) ON DELETE CASCADE
);
CREATE INDEX ix_review_points_card ON review_points (card_id, point_index);
CREATE INDEX ix_index_notes_sample ON index_notes (deck_id, rand_key);
CREATE INDEX ix_index_candidates_sample ON index_candidates (deck_id, kind, rand_key);
CREATE INDEX ix_index_candidates_note ON index_candidates (note_id);
CREATE INDEX ix_index_names_note ON index_names (note_id);
CREATE INDEX ix_notes_import ON notes (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX ix_plan_cards_card ON plan_cards (card_id);
CREATE INDEX ix_reviews_card ON reviews (card_id, id);
CREATE INDEX ix_account_sessions_account ON account_sessions (account_id);
CREATE INDEX ix_classes_teacher ON classes (teacher_id);
CREATE INDEX ix_class_members_account ON class_members (account_id);
CREATE INDEX ix_class_decks_deck ON class_decks (deck_id);
CREATE INDEX ix_reviews_account_day ON reviews (account_id, reviewed_at, state_before);
CREATE INDEX ix_decks_owner ON decks (owner_id);
CREATE INDEX ix_cards_account_due ON cards (account_id, due, deck_id);
CREATE INDEX ix_cards_account_new ON cards (account_id, state, position, id, deck_id);
CREATE TRIGGER cards_count_insert AFTER INSERT ON cards
    WHEN NEW.account_id = (SELECT owner_id FROM decks WHERE id = NEW.deck_id) BEGIN
        INSERT OR IGNORE INTO deck_card_counts (deck_id, total, new, learning)
            VALUES (NEW.deck_id, 0, 0, 0);
        UPDATE deck_card_counts SET total = total + 1, new = new + (NEW.state = 0),
            learning = learning + (NEW.state IN (1, 3)) WHERE deck_id = NEW.deck_id;
    END;
CREATE TRIGGER cards_count_delete AFTER DELETE ON cards
    WHEN OLD.account_id = (SELECT owner_id FROM decks WHERE id = OLD.deck_id) BEGIN
        UPDATE deck_card_counts SET total = total - 1, new = new - (OLD.state = 0),
            learning = learning - (OLD.state IN (1, 3)) WHERE deck_id = OLD.deck_id;
    END;
CREATE TRIGGER cards_count_update AFTER UPDATE OF state, deck_id ON cards
    WHEN (OLD.state != NEW.state OR OLD.deck_id != NEW.deck_id)
        AND NEW.account_id = (SELECT owner_id FROM decks WHERE id = NEW.deck_id) BEGIN
        UPDATE deck_card_counts SET total = total - 1, new = new - (OLD.state = 0),
            learning = learning - (OLD.state IN (1, 3)) WHERE deck_id = OLD.deck_id;
        INSERT OR IGNORE INTO deck_card_counts (deck_id, total, new, learning)
            VALUES (NEW.deck_id, 0, 0, 0);
        UPDATE deck_card_counts SET total = total + 1, new = new + (NEW.state = 0),
            learning = learning + (NEW.state IN (1, 3)) WHERE deck_id = NEW.deck_id;
    END;
COMMIT;
