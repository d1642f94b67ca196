-- Imported conversations (a ChatGPT export, a transcript, a benchmark):
-- each becomes a session whose messages keep their original times, written
-- through the same table and triggers as a turn's messages.
-- Timestamps are ISO-8601 UTC instants, as in 001_core.

-- A conversation's title, when it has one (imports; null for live sessions).
ALTER TABLE sessions ADD COLUMN title TEXT;
-- The idempotency key of an imported conversation, `<source>:<external id>`:
-- importing the same conversation again finds it and adds nothing.
ALTER TABLE sessions ADD COLUMN import_key TEXT;
CREATE UNIQUE INDEX sessions_import_key ON sessions (import_key) WHERE import_key IS NOT NULL;

-- Imported messages (meta.kind = 'imported') are embedded whatever their
-- role: an imported answer or another speaker's line is memory too.
DROP TRIGGER messages_embed;
CREATE TRIGGER messages_embed AFTER INSERT ON messages
  WHEN (new.role = 'user' AND json_extract(new.meta, '$.command') IS NULL) OR json_extract(new.meta, '$.kind') IN ('agent', 'imported')
BEGIN
  INSERT INTO embedding_jobs (owner_type, owner_id, model)
    SELECT 'message', new.id, value FROM json_each(coalesce((SELECT value FROM memory_state WHERE key = 'active_models'), '["*"]')) WHERE true
    ON CONFLICT DO NOTHING;
END;

-- Recall reads an imported message as "<speaker>: <text>": in a transcript
-- of several people, who said a line is part of what it means. The FTS5
-- index of messages reads that text from a view (an external-content
-- table may be a view), and its triggers write the same.
CREATE VIEW message_texts AS
  SELECT id, CASE WHEN json_extract(meta, '$.kind') = 'imported' THEN sender || ': ' || text ELSE text END AS text
  FROM messages;
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5 (text, content = 'message_texts', content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, text)
    VALUES (new.id, CASE WHEN json_extract(new.meta, '$.kind') = 'imported' THEN new.sender || ': ' || new.text ELSE new.text END);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, text)
    VALUES ('delete', old.id, CASE WHEN json_extract(old.meta, '$.kind') = 'imported' THEN old.sender || ': ' || old.text ELSE old.text END);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text, sender, meta ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, text)
    VALUES ('delete', old.id, CASE WHEN json_extract(old.meta, '$.kind') = 'imported' THEN old.sender || ': ' || old.text ELSE old.text END);
  INSERT INTO messages_fts (rowid, text)
    VALUES (new.id, CASE WHEN json_extract(new.meta, '$.kind') = 'imported' THEN new.sender || ': ' || new.text ELSE new.text END);
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
