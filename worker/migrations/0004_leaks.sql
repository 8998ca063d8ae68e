-- Leaks and rotation safety (issue #19): why a token was revoked, and its retired secrets.
-- NULL = revoked by a request (DELETE, a dialect's revoke); 'leaked' = a secret scanner reported
-- it live (POST /tk/v1/leaks); 'reused' = a retired secret of it was presented again.
ALTER TABLE tokens ADD COLUMN revoked_reason TEXT;

-- Reuse detection: the digests of a token's older retired secrets. The most recent retired
-- secret is the token's prev_digest; a rotation moves the one it displaces here, and keeps the
-- newest (the core's retiredSecretsKept() - 1) per token. Presenting any of them revokes the
-- token (401 reused_secret).
CREATE TABLE retired_secrets (
  digest      TEXT PRIMARY KEY,
  token_seq   INTEGER NOT NULL,     -- tokens.seq
  retired_at  INTEGER NOT NULL      -- epoch ms, UTC
);
CREATE INDEX retired_secrets_by_token ON retired_secrets(token_seq, retired_at);

-- A token row deleted (S2 reissues a revoked id) takes its retired secrets with it.
CREATE TRIGGER retired_secrets_follow_token AFTER DELETE ON tokens
BEGIN
  DELETE FROM retired_secrets WHERE token_seq = OLD.seq;
END;
