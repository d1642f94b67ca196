-- Core tables: conversation sessions, every inbound and outbound message,
-- the persisted outbox and the scheduler's run log.
-- Timestamps are ISO-8601 UTC instants (2026-11-21T07:00:00.000Z).

CREATE TABLE sessions (
  id               INTEGER PRIMARY KEY,
  channel          TEXT NOT NULL,             -- repl | cli | signal
  peer             TEXT NOT NULL,             -- who the session is with
  started_at       TEXT NOT NULL,
  last_activity_at TEXT NOT NULL,
  ended_at         TEXT
);
CREATE INDEX sessions_open ON sessions (channel, peer, ended_at);

CREATE TABLE messages (
  id          INTEGER PRIMARY KEY,
  session_id  INTEGER REFERENCES sessions (id),
  channel     TEXT NOT NULL,                  -- repl | cli | signal
  sender      TEXT NOT NULL,                  -- the owner's name or number, or 'steward'
  role        TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  text        TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  meta        TEXT                            -- JSON: command, provider, tier, via, ...
);
CREATE INDEX messages_session ON messages (session_id, id);
CREATE INDEX messages_created ON messages (created_at);

CREATE TABLE outbox (
  id               INTEGER PRIMARY KEY,
  idempotency_key  TEXT NOT NULL UNIQUE,      -- e.g. briefing:morning:2026-11-21
  channel          TEXT NOT NULL,             -- signal
  recipients       TEXT NOT NULL,             -- JSON array of addresses
  text             TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT,
  created_at       TEXT NOT NULL,
  next_attempt_at  TEXT NOT NULL,
  lease_until      TEXT,                      -- a delivery attempt in progress holds the row until then
  sent_at          TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE job_runs (
  id             INTEGER PRIMARY KEY,
  job            TEXT NOT NULL,               -- plugin:schedule, e.g. briefings:morning
  scheduled_for  TEXT NOT NULL,
  started_at     TEXT NOT NULL,
  finished_at    TEXT,
  status         TEXT NOT NULL CHECK (status IN ('running', 'ok', 'error')),
  error          TEXT,
  UNIQUE (job, scheduled_for)
);
