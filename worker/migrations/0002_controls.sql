-- A token's conditions of use (issue #17; decided by the core, src/rules/conditions.rs).
-- NULL everywhere = no condition, so every existing token keeps working as before.
ALTER TABLE tokens ADD COLUMN not_before INTEGER;       -- epoch ms; before it: 401 not_yet_valid
ALTER TABLE tokens ADD COLUMN allowed_ips TEXT;         -- normalised JSON array of CIDR blocks; NULL = anywhere
ALTER TABLE tokens ADD COLUMN remaining INTEGER;        -- uses left; NULL = unlimited; spent by one atomic UPDATE
ALTER TABLE tokens ADD COLUMN refill_amount INTEGER;    -- remaining is set to this at each boundary
ALTER TABLE tokens ADD COLUMN refill_interval TEXT CHECK (refill_interval IN ('daily', 'monthly'));
ALTER TABLE tokens ADD COLUMN refilled_at INTEGER;      -- the last refill boundary applied (epoch ms)
ALTER TABLE tokens ADD COLUMN rate_limit INTEGER;       -- uses per window; NULL = no rate limit
ALTER TABLE tokens ADD COLUMN rate_period INTEGER;      -- the window in seconds (the counter is a Durable Object)
