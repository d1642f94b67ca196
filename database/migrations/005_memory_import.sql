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
