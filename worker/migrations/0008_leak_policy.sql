-- What a secret scanner's report of a live token does to it, per account (issue #19 with #18;
-- the core's policy `onLeak`, src/rules/policy.rs): 'revoke' (the default, final) or 'disable'
-- (reversible: POST /tk/v1/tokens/{id}/enable).
ALTER TABLE account_policies ADD COLUMN on_leak TEXT NOT NULL DEFAULT 'revoke' CHECK (on_leak IN ('revoke', 'disable'));
