-- Accountability (issue #18): reversible disable, member removal, the audit log, account
-- policies and idempotent creates. Decided by the core (src/rules/verify.rs, audit.rs,
-- members.rs, policy.rs, idempotency.rs); never a secret or a digest in any of these tables.

-- A disabled token answers 401 `disabled` everywhere until enabled (NULL = enabled).
ALTER TABLE tokens ADD COLUMN disabled_at INTEGER;

-- A removed member stays (its tokens, revoked with it, still name it); it is no longer listed
-- and nothing may be issued to it.
ALTER TABLE members ADD COLUMN removed_at INTEGER;
CREATE TRIGGER tokens_owner_present BEFORE INSERT ON tokens
  WHEN EXISTS (SELECT 1 FROM members WHERE id = NEW.owner_id AND removed_at IS NOT NULL)
BEGIN
  SELECT RAISE(ABORT, 'tokenkit: member removed');
END;

-- The audit log: one row per mutation, written in the same D1 batch (transaction) as the
-- mutation (worker/src/audit.js). Append-only: the triggers refuse any UPDATE or DELETE.
CREATE TABLE audit_events (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,   -- cursor order
  id            TEXT NOT NULL UNIQUE,                -- public id, 24 hex
  at            INTEGER NOT NULL,                    -- epoch ms, UTC
  account_id    TEXT NOT NULL,
  actor_token   TEXT,                                -- the calling token's public id
  actor_member  TEXT,                                -- its member
  action        TEXT NOT NULL,                       -- token.created, token.patched, … (src/rules/audit.rs ACTIONS)
  target_type   TEXT NOT NULL CHECK (target_type IN ('token', 'member', 'account')),
  target_id     TEXT NOT NULL,
  subject       TEXT,                                -- the member the event is about (who may read it)
  ip            TEXT,                                -- CF-Connecting-IP
  user_agent    TEXT,                                -- at most 256 characters
  api           TEXT NOT NULL,                       -- tokenkit, s2, akinon, launchdarkly, space
  request_id    TEXT,                                -- the request log line's requestId
  detail        TEXT NOT NULL DEFAULT '{}'           -- action-specific JSON (the applied patch, versions, counts)
);
CREATE INDEX audit_by_account ON audit_events(account_id, seq);
CREATE INDEX audit_by_subject ON audit_events(account_id, subject, seq);
CREATE INDEX audit_by_target ON audit_events(account_id, target_id, seq);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'tokenkit: audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'tokenkit: audit events are append-only');
END;

-- Account policies (absent row = no policy).
CREATE TABLE account_policies (
  account_id      TEXT PRIMARY KEY REFERENCES accounts(id),
  max_lifetime    TEXT,                               -- ISO 8601 duration or preset; NULL = no maximum
  require_expiry  INTEGER NOT NULL DEFAULT 0,
  updated_at      INTEGER NOT NULL
);

-- Idempotency-Key claims: the key's hash (with the presenting credential's), the request's
-- fingerprint, and once done the outcome to replay, every tokenkit token in it replaced by null.
CREATE TABLE idempotency_keys (
  key_hash     TEXT PRIMARY KEY,
  fingerprint  TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  status       INTEGER,                               -- NULL while the first request runs
  body         TEXT
);
CREATE INDEX idempotency_by_age ON idempotency_keys(created_at);
