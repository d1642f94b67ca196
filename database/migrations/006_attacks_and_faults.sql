-- Holding under attack and faults (issue 10): events that could not be
-- processed, the Signal identities of allowlisted contacts, who may retry
-- an outbox row and what it is about, and the rest of long Signal replies.
-- Timestamps are ISO-8601 UTC instants, as in 001_core.

-- A receive event that failed (malformed, out of range, or its processing
-- threw) is recorded here and skipped, so that receiving goes on. One row
-- per distinct event (digest: SHA-256 of its data), counted when it comes
-- again. The message text is never kept, only why it failed.
CREATE TABLE failed_events (
  id               INTEGER PRIMARY KEY,
  source           TEXT NOT NULL,             -- the stream, e.g. signal-jsonrpc
  digest           TEXT NOT NULL UNIQUE,      -- SHA-256 (hex) of the event's data
  reason           TEXT NOT NULL,             -- one line: why it failed
  sender           TEXT,                      -- the allowlisted sender, when one could be read
  event_timestamp  INTEGER,                   -- the envelope's timestamp, when it was a usable number
  count            INTEGER NOT NULL DEFAULT 1,
  first_at         TEXT NOT NULL,
  last_at          TEXT NOT NULL
);
CREATE INDEX failed_events_last ON failed_events (last_at);

-- The number and UUID seen together for an allowlisted Signal contact
-- (trust on first use). A later envelope that pairs the number with
-- another UUID, or the UUID with another number, is dropped and logged.
CREATE TABLE signal_identities (
  number      TEXT PRIMARY KEY,               -- E.164
  uuid        TEXT NOT NULL UNIQUE,           -- lower case
  first_seen  TEXT NOT NULL,
  last_seen   TEXT NOT NULL
);

-- Who may retry an outbox row: 'daemon' (any process's retry loop) or
-- 'sender' (only the call that queued it, once: a manual send that ended
-- without delivery is never sent later by another process). topic: what the
-- message is about (e.g. briefing:morning:2026-11-21); a message whose topic
-- was sent already, under any key, is not sent again.
ALTER TABLE outbox ADD COLUMN retry_by TEXT NOT NULL DEFAULT 'daemon' CHECK (retry_by IN ('daemon', 'sender'));
ALTER TABLE outbox ADD COLUMN topic TEXT;
CREATE INDEX outbox_topic ON outbox (topic) WHERE topic IS NOT NULL;

-- The part of a long Signal reply that was not sent: the owner gets it by
-- answering "more". One row per recipient; a new long reply replaces it.
CREATE TABLE reply_rest (
  recipient   TEXT PRIMARY KEY,               -- E.164 number, UUID or group address
  text        TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
