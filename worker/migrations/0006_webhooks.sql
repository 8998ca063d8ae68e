-- Webhooks and expiry warnings (issue #19, docs/service.md "Webhooks"). The rules — events, URLs,
-- which warning is due, the retry schedule — are the core's (src/rules/webhooks.rs).

-- An account's endpoints. The signing secret must be usable to sign, so it cannot be a digest:
-- it is kept encrypted (AES-256-GCM under a key derived from the worker secret
-- TOKENKIT_WEBHOOK_KEY, or else TOKENKIT_PEPPER; the account and endpoint ids are its associated
-- data), never in clear; `secret_hint` is its masked form (whsec_…abcd).
CREATE TABLE webhooks (
  id           TEXT PRIMARY KEY,
  account_id   TEXT NOT NULL REFERENCES accounts(id),
  url          TEXT NOT NULL,
  events       TEXT NOT NULL,        -- JSON array of event names, checked by the core
  secret_enc   TEXT NOT NULL,        -- aes-gcm:<key id>:<iv>:<ciphertext> (base64url)
  secret_hint  TEXT NOT NULL,
  created_at   INTEGER NOT NULL,     -- epoch ms
  created_by   TEXT                  -- the creating token's id
);
CREATE INDEX webhooks_by_account ON webhooks(account_id, created_at);

-- What happened, once per event; a delivery per subscribed endpoint refers to it. Expiry
-- warnings have an id derived from (token, expiry, threshold), so enqueueing one again is a no-op.
CREATE TABLE webhook_events (
  id          TEXT PRIMARY KEY,      -- evt_…
  account_id  TEXT NOT NULL,
  type        TEXT NOT NULL,
  data        TEXT NOT NULL,         -- JSON: the payload's `data`
  created_at  INTEGER NOT NULL
);

-- One row per attempt series: each event is delivered to each endpoint at most once as a row
-- (UNIQUE), retried with the core's backoff until delivered or failed.
CREATE TABLE webhook_deliveries (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id         TEXT NOT NULL REFERENCES webhook_events(id),
  webhook_id       TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER,          -- epoch ms while pending (or the lease of a run delivering it)
  last_attempt_at  INTEGER,
  last_status      INTEGER,          -- the receiver's HTTP status; NULL = no response
  last_error       TEXT,             -- a short reason when there was no 2xx
  created_at       INTEGER NOT NULL,
  UNIQUE (event_id, webhook_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries(webhook_id, id);

-- The expiry warnings sent: at most one per token, expiry instant and threshold (the primary
-- key). `next_due_at` (the core's): until then nothing more is due for this token and expiry,
-- so the scheduled scan skips it.
CREATE TABLE expiry_warnings (
  token_seq       INTEGER NOT NULL,  -- tokens.seq
  expires_at      INTEGER NOT NULL,
  threshold_days  INTEGER NOT NULL,
  next_due_at     INTEGER NOT NULL,
  event_id        TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (token_seq, expires_at, threshold_days)
);

-- The scan's candidates: live tokens by expiry.
CREATE INDEX tokens_by_expiry ON tokens(expires_at) WHERE revoked_at IS NULL AND expires_at IS NOT NULL;
