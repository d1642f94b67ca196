-- The model router's record of every model turn: which tier was chosen and
-- why, which provider answered after which fallbacks, and how long it took.
-- `/why` reads the last row of a session; /status and `steward doctor` count
-- the requests each provider served.
-- Timestamps are ISO-8601 UTC instants; durations are milliseconds.

CREATE TABLE turns (
  id                 INTEGER PRIMARY KEY,
  purpose            TEXT NOT NULL,                 -- chat | briefing
  session_id         INTEGER REFERENCES sessions (id),
  inbound_id         INTEGER REFERENCES messages (id),  -- the owner's message (chat turns)
  reply_id           INTEGER REFERENCES messages (id),  -- the stored reply
  channel            TEXT,                          -- repl | cli | signal (chat turns)
  tier               TEXT NOT NULL CHECK (tier IN ('fast', 'quality')),
  tier_source        TEXT NOT NULL,                 -- turn-override | session-override | caller | classifier | router-model
  tier_reason        TEXT NOT NULL,
  tier_score         REAL,                          -- the rules' score, 0-1
  decision_ms        REAL NOT NULL,                 -- time to choose the tier
  outcome            TEXT NOT NULL CHECK (outcome IN ('answered', 'failed', 'cancelled')),
  provider           TEXT,                          -- who answered; null when nothing did
  provider_kind      TEXT,                          -- local | cloud
  model              TEXT,
  fallback_from      TEXT NOT NULL DEFAULT '[]',    -- JSON [{provider, reason}] skipped or failed first, in chain order
  notices            TEXT NOT NULL DEFAULT '[]',    -- JSON [string] shown during the turn
  error              TEXT,                          -- why nothing answered
  first_token_ms     REAL,                          -- turn start to the first token of the answer kept
  total_ms           REAL NOT NULL,
  prompt_tokens      INTEGER,                       -- as the provider reported them; null when it did not
  completion_tokens  INTEGER,
  model_requests     INTEGER NOT NULL DEFAULT 0,    -- requests sent to the answering provider (tool loops send several)
  started_at         TEXT NOT NULL
);
CREATE INDEX turns_session ON turns (session_id, id);
CREATE INDEX turns_provider ON turns (provider, outcome);
