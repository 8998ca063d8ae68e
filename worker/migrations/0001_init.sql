-- tokenkit schema: accounts, members, tokens. One token table for tokenkit's own API and the
-- four seed dialects. Never a plaintext secret: only digests (sha256:… or hmac-sha256:v:…).
CREATE TABLE accounts (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  is_root     INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL
);

CREATE TABLE members (
  id          TEXT PRIMARY KEY,
  account_id  TEXT NOT NULL REFERENCES accounts(id),
  name        TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  created_at  INTEGER NOT NULL
);
CREATE INDEX members_by_account ON members(account_id);

CREATE TABLE tokens (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,  -- cursor order
  id               TEXT NOT NULL,                      -- public id: 24 hex, or S2's client-chosen id
  account_id       TEXT NOT NULL REFERENCES accounts(id),
  owner_id         TEXT NOT NULL REFERENCES members(id),
  dialect          TEXT NOT NULL DEFAULT 'tokenkit',   -- which API issued it
  name             TEXT NOT NULL,
  description      TEXT,
  scope            TEXT NOT NULL,                      -- tagged scope JSON (normalised)
  scope_language   TEXT NOT NULL,
  digest           TEXT NOT NULL UNIQUE,
  prev_digest      TEXT UNIQUE,                        -- the rotated-out secret, valid until prev_expires_at
  prev_expires_at  INTEGER,
  hint             TEXT NOT NULL,                      -- masked secret, e.g. tk_…a1B2
  meta             TEXT NOT NULL DEFAULT '{}',         -- dialect fields that are not scope
  created_at       INTEGER NOT NULL,                   -- epoch ms, UTC
  updated_at       INTEGER NOT NULL,
  expires_at       INTEGER,                            -- NULL = never
  last_used_at     INTEGER,
  revoked_at       INTEGER,
  version          INTEGER NOT NULL DEFAULT 1,
  UNIQUE (account_id, id)
);
CREATE INDEX tokens_by_owner ON tokens(account_id, owner_id, seq);
CREATE INDEX tokens_by_account ON tokens(account_id, seq);
