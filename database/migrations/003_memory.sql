-- Memory: episodes (one per finished conversation session), the semantic
-- profile (facts with a dated history), stored embeddings, the durable
-- embedding queue, and FTS5 indexes over messages, episodes and facts.
-- Timestamps are ISO-8601 UTC instants, as in 001_core.

-- When a session was summarized into an episode (or found to hold nothing
-- worth one): a finished session with this unset still needs its episode.
ALTER TABLE sessions ADD COLUMN summarized_at TEXT;

-- Fact extraction of a user message of a model turn:
-- null = not wanted (commands, replies), pending, running (claimed by a
-- process until facts_lease_until), done, failed (gave up).
ALTER TABLE messages ADD COLUMN facts_state TEXT CHECK (facts_state IN ('pending', 'running', 'done', 'failed'));
ALTER TABLE messages ADD COLUMN facts_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN facts_lease_until TEXT;
CREATE INDEX messages_facts_pending ON messages (facts_state) WHERE facts_state = 'pending';

CREATE TABLE episodes (
  id           INTEGER PRIMARY KEY,
  session_id   INTEGER NOT NULL UNIQUE REFERENCES sessions (id),
  channel      TEXT NOT NULL,
  summary      TEXT NOT NULL,
  topics       TEXT NOT NULL DEFAULT '[]',     -- JSON array of short strings
  sentiment    TEXT NOT NULL CHECK (sentiment IN ('positive', 'neutral', 'negative', 'mixed', 'unknown')),
  actions      TEXT NOT NULL DEFAULT '[]',     -- JSON array: what was done in the session
  followups    TEXT NOT NULL DEFAULT '[]',     -- JSON array: what is still open
  method       TEXT NOT NULL CHECK (method IN ('model', 'heuristic')),  -- heuristic ones are upgraded when a model is up
  provider     TEXT,                           -- the model provider that wrote it
  attempts     INTEGER NOT NULL DEFAULT 0,     -- failed model attempts (upgrades stop after a few)
  started      TEXT NOT NULL,                  -- the session's first message
  ended        TEXT NOT NULL,                  -- its last message
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX episodes_ended ON episodes (ended);
CREATE INDEX episodes_heuristic ON episodes (method) WHERE method = 'heuristic';

-- The semantic profile. A current fact has valid_to NULL. A contradicting
-- fact supersedes it: the old row gets valid_to and superseded_by, and
-- nothing is deleted. "forget" sets valid_to and retired_at.
CREATE TABLE facts (
  id             INTEGER PRIMARY KEY,
  category       TEXT NOT NULL CHECK (category IN ('preference', 'habit', 'goal', 'relationship', 'schedule', 'other')),
  key            TEXT NOT NULL,                -- normalised: lower case, single spaces ("coffee order")
  value          TEXT NOT NULL,
  confidence     REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  source         TEXT NOT NULL CHECK (source IN ('explicit', 'inferred')),
  message_id     INTEGER REFERENCES messages (id),  -- where it was said, when known
  valid_from     TEXT NOT NULL,
  valid_to       TEXT,
  superseded_by  INTEGER REFERENCES facts (id),
  retired_at     TEXT,                         -- set by "forget"
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
-- One current fact per key, whatever two processes do at once.
CREATE UNIQUE INDEX facts_current ON facts (key) WHERE valid_to IS NULL;
CREATE INDEX facts_key ON facts (key, valid_from);

-- Every change to the profile, for "profile <key>" and for audits.
CREATE TABLE fact_audit (
  id          INTEGER PRIMARY KEY,
  fact_id     INTEGER NOT NULL REFERENCES facts (id),
  action      TEXT NOT NULL CHECK (action IN ('created', 'confirmed', 'superseded', 'rejected', 'forgotten')),
  detail      TEXT NOT NULL,                   -- one line: old and new value, confidence, reason
  message_id  INTEGER REFERENCES messages (id),
  at          TEXT NOT NULL
);
CREATE INDEX fact_audit_fact ON fact_audit (fact_id, id);

-- Stored embeddings: the only copy of each vector. (model, text_hash) is
-- embedded once; the HNSW index files are a cache of these rows, labelled by
-- id. AUTOINCREMENT keeps ids increasing, so an index catches up by id.
CREATE TABLE embeddings (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  owner_type  TEXT NOT NULL CHECK (owner_type IN ('message', 'episode', 'fact')),
  owner_id    INTEGER NOT NULL,
  model       TEXT NOT NULL,                   -- embedder id, for example hashing:v1:384 or http:nomic-embed-text
  dim         INTEGER NOT NULL,
  text_hash   TEXT NOT NULL,                   -- sha256 of the embedded text
  vector      BLOB NOT NULL,                   -- dim little-endian float32
  created_at  TEXT NOT NULL,
  UNIQUE (owner_type, owner_id, model)
);
CREATE INDEX embeddings_model ON embeddings (model, id);
CREATE INDEX embeddings_hash ON embeddings (model, text_hash);

-- The durable embedding queue: triggers add one row per embedding model in
-- use (memory_state.active_models; '*' before any is known) in the same
-- transaction as the text, so a crash never loses one; a process embeds
-- only its own model's rows and deletes each in the transaction that
-- stores its vector.
CREATE TABLE embedding_jobs (
  owner_type   TEXT NOT NULL,
  owner_id     INTEGER NOT NULL,
  model        TEXT NOT NULL,
  enqueued_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (owner_type, owner_id, model)
);
CREATE INDEX embedding_jobs_model ON embedding_jobs (model, attempts);

-- Key/value state of the memory engine: which embedder serves recall, the
-- models in use, a re-embedding in progress, and this database's id (the
-- index files name it, so a file from another database is never loaded).
CREATE TABLE memory_state (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);
INSERT INTO memory_state (key, value) VALUES ('database_id', lower(hex(randomblob(16))));

-- FTS5 external-content indexes, kept current by triggers.
CREATE VIRTUAL TABLE messages_fts USING fts5 (text, content = 'messages', content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE episodes_fts USING fts5 (summary, topics, followups, content = 'episodes', content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE facts_fts USING fts5 (key, value, content = 'facts', content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2');

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;

CREATE TRIGGER episodes_fts_insert AFTER INSERT ON episodes BEGIN
  INSERT INTO episodes_fts (rowid, summary, topics, followups) VALUES (new.id, new.summary, new.topics, new.followups);
END;
CREATE TRIGGER episodes_fts_delete AFTER DELETE ON episodes BEGIN
  INSERT INTO episodes_fts (episodes_fts, rowid, summary, topics, followups) VALUES ('delete', old.id, old.summary, old.topics, old.followups);
END;
CREATE TRIGGER episodes_fts_update AFTER UPDATE OF summary, topics, followups ON episodes BEGIN
  INSERT INTO episodes_fts (episodes_fts, rowid, summary, topics, followups) VALUES ('delete', old.id, old.summary, old.topics, old.followups);
  INSERT INTO episodes_fts (rowid, summary, topics, followups) VALUES (new.id, new.summary, new.topics, new.followups);
END;

CREATE TRIGGER facts_fts_insert AFTER INSERT ON facts BEGIN
  INSERT INTO facts_fts (rowid, key, value) VALUES (new.id, new.key, new.value);
END;
CREATE TRIGGER facts_fts_delete AFTER DELETE ON facts BEGIN
  INSERT INTO facts_fts (facts_fts, rowid, key, value) VALUES ('delete', old.id, old.key, old.value);
END;
CREATE TRIGGER facts_fts_update AFTER UPDATE OF key, value ON facts BEGIN
  INSERT INTO facts_fts (facts_fts, rowid, key, value) VALUES ('delete', old.id, old.key, old.value);
  INSERT INTO facts_fts (rowid, key, value) VALUES (new.id, new.key, new.value);
END;

-- (ON CONFLICT DO NOTHING, not INSERT OR IGNORE: an outer UPSERT, as the
-- episodes' save is, overrides a trigger's OR IGNORE and the insert would fail.)
-- What gets embedded: the owner's messages (not command lines), the model's
-- answers (not command output, errors or outbound briefings), every
-- episode, and current facts.
CREATE TRIGGER messages_embed AFTER INSERT ON messages
  WHEN (new.role = 'user' AND json_extract(new.meta, '$.command') IS NULL) OR json_extract(new.meta, '$.kind') = 'agent'
BEGIN
  INSERT INTO embedding_jobs (owner_type, owner_id, model)
    SELECT 'message', new.id, value FROM json_each(coalesce((SELECT value FROM memory_state WHERE key = 'active_models'), '["*"]')) WHERE true
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER episodes_embed AFTER INSERT ON episodes BEGIN
  INSERT INTO embedding_jobs (owner_type, owner_id, model)
    SELECT 'episode', new.id, value FROM json_each(coalesce((SELECT value FROM memory_state WHERE key = 'active_models'), '["*"]')) WHERE true
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER episodes_embed_update AFTER UPDATE OF summary, topics, followups ON episodes BEGIN
  INSERT INTO embedding_jobs (owner_type, owner_id, model)
    SELECT 'episode', new.id, value FROM json_each(coalesce((SELECT value FROM memory_state WHERE key = 'active_models'), '["*"]')) WHERE true
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER facts_embed AFTER INSERT ON facts WHEN new.valid_to IS NULL BEGIN
  INSERT INTO embedding_jobs (owner_type, owner_id, model)
    SELECT 'fact', new.id, value FROM json_each(coalesce((SELECT value FROM memory_state WHERE key = 'active_models'), '["*"]')) WHERE true
    ON CONFLICT DO NOTHING;
END;

-- Messages stored before this migration: index them and queue them (for
-- whichever model the first process uses).
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
INSERT OR IGNORE INTO embedding_jobs (owner_type, owner_id, model)
  SELECT 'message', id, '*' FROM messages WHERE (role = 'user' AND json_extract(meta, '$.command') IS NULL) OR json_extract(meta, '$.kind') = 'agent';
