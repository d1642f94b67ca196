-- The daemon: its lock, catch-up bookkeeping in the run log, the Signal
-- inbox, the receive cursor, and ordered parts in the outbox.
-- Timestamps are ISO-8601 UTC instants, as in 001_core.

-- job_runs gains two statuses (skipped: a missed time that the catch-up
-- policy or an overlap left out; interrupted: the daemon stopped during the
-- run), the kind of run (scheduled or catch-up) and an attempt count (an
-- interrupted run may be tried again). SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt with its rows.
CREATE TABLE job_runs_new (
  id             INTEGER PRIMARY KEY,
  job            TEXT NOT NULL,               -- plugin:schedule, e.g. briefings:morning
  scheduled_for  TEXT NOT NULL,               -- the cron time this run is for
  started_at     TEXT NOT NULL,
  finished_at    TEXT,
  status         TEXT NOT NULL CHECK (status IN ('running', 'ok', 'error', 'skipped', 'interrupted')),
  error          TEXT,                        -- the failure, or why it was skipped or interrupted
  kind           TEXT NOT NULL DEFAULT 'scheduled' CHECK (kind IN ('scheduled', 'catch-up')),
  attempts       INTEGER NOT NULL DEFAULT 1,
  UNIQUE (job, scheduled_for)
);
INSERT INTO job_runs_new (id, job, scheduled_for, started_at, finished_at, status, error)
  SELECT id, job, scheduled_for, started_at, finished_at, status, error FROM job_runs;
DROP TABLE job_runs;
ALTER TABLE job_runs_new RENAME TO job_runs;

-- One row per lock name ('daemon'): the daemon that holds it renews
-- heartbeat_at; a row whose heartbeat is stale, or whose process is gone,
-- may be taken over. state is the holder's health snapshot (JSON) for
-- `steward health`.
CREATE TABLE daemon_lock (
  name          TEXT PRIMARY KEY,
  holder        TEXT NOT NULL,                -- random id of the holding daemon
  pid           INTEGER NOT NULL,
  host          TEXT NOT NULL,
  acquired_at   TEXT NOT NULL,
  heartbeat_at  TEXT NOT NULL,
  released_at   TEXT,                         -- set by a clean stop
  state         TEXT
);

-- The inbox (the transactional-inbox pattern): every allowed inbound Signal
-- message is written here first, keyed by its envelope, then answered. A
-- redelivered envelope hits the key and is not answered twice; a message
-- still pending at a restart is answered then.
CREATE TABLE inbox (
  id               INTEGER PRIMARY KEY,
  idempotency_key  TEXT NOT NULL UNIQUE,      -- e.g. signal:+15551112222:1700000000000
  channel          TEXT NOT NULL,             -- signal
  sender           TEXT NOT NULL,             -- E.164 number or UUID
  group_id         TEXT,                      -- the Signal group, for group messages
  text             TEXT NOT NULL,
  sent_at          TEXT NOT NULL,             -- the sender's timestamp
  received_at      TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'answered', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT,
  reply_key        TEXT,                      -- the outbox key of the reply
  handled_at       TEXT
);
CREATE INDEX inbox_pending ON inbox (status, id);

-- Where each receive stream stopped (the SSE Last-Event-ID), so that a
-- restarted daemon asks the server for what it missed.
CREATE TABLE channel_cursors (
  channel     TEXT PRIMARY KEY,
  cursor      TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

-- A message split into parts is sent in order: a part waits for the row
-- named by after_id to be sent first.
ALTER TABLE outbox ADD COLUMN after_id INTEGER REFERENCES outbox (id);
