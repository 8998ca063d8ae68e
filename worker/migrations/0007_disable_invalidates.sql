-- Disable and enable end a cached row everywhere too (issue #21 with #18): they change no
-- version (enabling restores the token as it was), so 0005's tokens_changed trigger does not
-- list them; this one does, in the same transaction as the change.
CREATE TRIGGER tokens_disabled_changed AFTER UPDATE OF disabled_at ON tokens
  WHEN NEW.disabled_at IS NOT OLD.disabled_at AND NEW.version IS OLD.version
BEGIN
  INSERT INTO invalidations (token_seq) VALUES (NEW.seq);
  DELETE FROM invalidations WHERE seq <= (SELECT MAX(seq) FROM invalidations) - 10000;
END;
