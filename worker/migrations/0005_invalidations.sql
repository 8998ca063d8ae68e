-- Revocation propagation (issue #21; docs/service.md, "Many isolates"): an invalidation log each
-- isolate polls, so a row cached by one isolate (worker/src/verify-cache.js) is dropped within
-- VERIFY_CACHE_MAX_STALE_MS of a change made through any other.
--
-- The triggers below write the log in the same transaction as the change, so EVERY change to a
-- token that the service makes (all bump `version`: revoke, rotate with or without grace, patch,
-- the dialects' deletes, resets and updates, disable — any future path that bumps the version)
-- is listed, with nothing for a route to remember. Writes that do not change what a token is
-- (last_used_at, the spend of a use) leave the version alone and are not listed. A change to a
-- member's role (cached with its tokens) or a member's or token's deletion is listed too.
CREATE TABLE invalidations (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,  -- the isolates' cursor: gapless, in commit order
  token_seq  INTEGER NOT NULL                    -- tokens.seq of the token whose cached rows go
);

-- The log keeps the newest 10000 entries: an isolate whose cursor fell behind the oldest one
-- kept empties its whole cache (the core's cacheSyncBatch: the first entry is not cursor + 1).
CREATE TRIGGER tokens_changed AFTER UPDATE ON tokens WHEN NEW.version IS NOT OLD.version
BEGIN
  INSERT INTO invalidations (token_seq) VALUES (NEW.seq);
  DELETE FROM invalidations WHERE seq <= (SELECT MAX(seq) FROM invalidations) - 10000;
END;

CREATE TRIGGER tokens_deleted AFTER DELETE ON tokens
BEGIN
  INSERT INTO invalidations (token_seq) VALUES (OLD.seq);
  DELETE FROM invalidations WHERE seq <= (SELECT MAX(seq) FROM invalidations) - 10000;
END;

CREATE TRIGGER members_changed AFTER UPDATE ON members WHEN NEW.role IS NOT OLD.role OR NEW.account_id IS NOT OLD.account_id
BEGIN
  INSERT INTO invalidations (token_seq) SELECT seq FROM tokens WHERE owner_id = NEW.id;
  DELETE FROM invalidations WHERE seq <= (SELECT MAX(seq) FROM invalidations) - 10000;
END;

CREATE TRIGGER members_deleted AFTER DELETE ON members
BEGIN
  INSERT INTO invalidations (token_seq) SELECT seq FROM tokens WHERE owner_id = OLD.id;
  DELETE FROM invalidations WHERE seq <= (SELECT MAX(seq) FROM invalidations) - 10000;
END;
