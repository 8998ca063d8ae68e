//! The verification decision: what a presented token's stored row means now.
//!
//! The order (DESIGN.md, "Digest and verification"): the token's format and checksum — decided
//! before any storage read ([`check_presented`]) — then, from the row found by the presented
//! digest ([`decide`]): none → `unknown_token`; revoked → `revoked`; the presented digest is a
//! retired secret — the row's previous one after its rotation grace, or one of the older
//! retired secrets kept for reuse detection ([`RETIRED_SECRETS_KEPT`]) → `reused_secret`, and
//! the token is to be revoked (`revoke`: a retired secret presented again is a sign it was
//! stolen, OAuth 2.0 Security BCP §4.14), disabled or not; disabled (a reversible pause,
//! `POST /tk/v1/tokens/{id}/disable`) → `disabled`; the token has expired (`now ≥ expiry`) →
//! `expired`; otherwise valid (`previous` when it is the rotated-out secret in its grace, which
//! may not mint secrets: [`require_current`]).

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::RuleError;
use crate::secret::{self, SecretError};

/// The rule that decided a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A token was presented at all.
    Presented,
    /// Its text is a tokenkit token (prefix, length, characters).
    Format,
    /// Its checksum matches.
    Checksum,
    /// A stored row has its digest.
    Lookup,
    /// The row is not revoked.
    Revocation,
    /// The row is not disabled (a reversible pause).
    Disabled,
    /// A rotated-out secret is within its grace.
    RotationGrace,
    /// The secret is not a retired one presented again.
    Reuse,
    /// The token has not expired.
    Expiry,
}

impl Rule {
    /// The rule's name (`presented`, `format`, … `expiry`), as `POST /tk/v1/verify` answers it.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Presented => "presented",
            Rule::Format => "format",
            Rule::Checksum => "checksum",
            Rule::Lookup => "lookup",
            Rule::Revocation => "revocation",
            Rule::Disabled => "disabled",
            Rule::RotationGrace => "rotation_grace",
            Rule::Reuse => "reuse",
            Rule::Expiry => "expiry",
        }
    }
}

/// The answer: valid or not, with a stable `code`, the deciding `rule` and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Whether the token may be used now.
    pub valid: bool,
    /// `ok`, or why not: `missing_token`, `malformed_token`, `invalid_checksum`,
    /// `unknown_token`, `revoked`, `reused_secret`, `disabled`, `expired`.
    pub code: &'static str,
    /// The rule that decided (for a valid token: the last one checked, `expiry`).
    pub rule: Rule,
    /// The decision in words.
    pub message: String,
    /// The presented secret is the row's rotated-out one, still in its grace.
    pub previous: bool,
    /// The host must revoke the token now (reason `reused`): a retired secret was presented.
    pub revoke: bool,
}

impl Verdict {
    fn no(code: &'static str, rule: Rule, message: impl Into<String>) -> Verdict {
        Verdict { valid: false, code, rule, message: message.into(), previous: false, revoke: false }
    }

    fn reused() -> Verdict {
        Verdict { revoke: true, ..Verdict::no("reused_secret", Rule::Reuse, "a retired secret of this access token was presented again; the token has been revoked") }
    }
}

/// How many retired secrets of a token are kept for reuse detection: the rotated-out one (the
/// row's previous digest) and up to `RETIRED_SECRETS_KEPT - 1` older ones.
pub const RETIRED_SECRETS_KEPT: usize = 10;

/// What the decision reads of a stored token row (times in epoch ms).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredState {
    /// The current secret's digest.
    pub digest: String,
    /// The rotated-out secret's digest, if kept.
    #[serde(default)]
    pub previous_digest: Option<String>,
    /// Until when the rotated-out secret works (it works while `now < previous_expires_at`).
    #[serde(default)]
    pub previous_expires_at: Option<i64>,
    /// When the token was revoked, if it was.
    #[serde(default)]
    pub revoked_at: Option<i64>,
    /// When the token was disabled, if it is (enabling clears it).
    #[serde(default)]
    pub disabled_at: Option<i64>,
    /// The token's expiry; `None` for never.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// The older retired secret's digest through which the row was found, if it was (the
    /// store's list of retired secrets, [`RETIRED_SECRETS_KEPT`]).
    #[serde(default)]
    pub retired_digest: Option<String>,
}

/// The first step, before any storage read: `Ok(())` for a well-formed token with a valid
/// checksum, else the verdict (`missing_token`, `malformed_token` or `invalid_checksum`).
pub fn check_presented(presented: Option<&str>) -> Result<(), Verdict> {
    let Some(text) = presented.filter(|t| !t.is_empty()) else {
        return Err(Verdict::no("missing_token", Rule::Presented, "no access token presented"));
    };
    match secret::parse(text) {
        Ok(_) => Ok(()),
        Err(e @ SecretError::InvalidChecksum) => Err(Verdict::no("invalid_checksum", Rule::Checksum, e.to_string())),
        Err(e) => Err(Verdict::no("malformed_token", Rule::Format, e.to_string())),
    }
}

/// The decision from the row found by `digest` (the presented secret's), at `now` (epoch ms).
pub fn decide(row: Option<&StoredState>, digest: &str, now: i64) -> Verdict {
    let Some(row) = row else {
        return Verdict::no("unknown_token", Rule::Lookup, "the access token is not known");
    };
    if row.revoked_at.is_some() {
        return Verdict::no("revoked", Rule::Revocation, "the access token has been revoked");
    }
    let current = bool::from(row.digest.as_bytes().ct_eq(digest.as_bytes()));
    if !current {
        let is_previous = row.previous_digest.as_deref().is_some_and(|p| bool::from(p.as_bytes().ct_eq(digest.as_bytes())));
        if !is_previous {
            if row.retired_digest.as_deref().is_some_and(|p| bool::from(p.as_bytes().ct_eq(digest.as_bytes()))) {
                return Verdict::reused();
            }
            // The row was found by another digest than any of its own: treat as unknown.
            return Verdict::no("unknown_token", Rule::Lookup, "the access token is not known");
        }
        if row.previous_expires_at.is_none_or(|until| now >= until) {
            return Verdict::reused();
        }
    }
    // Disabled: refused for every live secret of the row (current or previous in its grace),
    // whatever its expiry; revoked stays first (revoke is final, disable reversible) and a
    // retired secret presented again revokes a disabled token too (reuse is a sign of theft).
    if row.disabled_at.is_some() {
        return Verdict::no("disabled", Rule::Disabled, "the access token is disabled");
    }
    if super::expiry::is_expired_ms(row.expires_at, now) {
        return Verdict::no("expired", Rule::Expiry, "the access token has expired");
    }
    let message = if current { "the access token is valid" } else { "the access token is a rotated-out secret in its grace period" };
    Verdict { valid: true, code: "ok", rule: Rule::Expiry, message: message.into(), previous: !current, revoke: false }
}

/// Is `digest` the current secret of a row that is not revoked? (Expiry aside: what Space's
/// delete-by-secret addresses.)
pub fn is_current(row: Option<&StoredState>, digest: &str) -> bool {
    row.is_some_and(|r| r.revoked_at.is_none() && bool::from(r.digest.as_bytes().ct_eq(digest.as_bytes())))
}

/// A rotated-out secret in its grace keeps working but may not mint secrets (create, rotate,
/// issue, reset, first tokens): a leaked old secret — the usual reason to rotate — must not turn
/// its grace into a fresh token. 403 `previous_secret`.
pub fn require_current(previous: bool) -> Result<(), RuleError> {
    if previous {
        Err(RuleError::new(403, "previous_secret", "a rotated-out secret in its grace period cannot issue or rotate secrets; use the current one"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn row() -> StoredState {
        StoredState { digest: "sha256:cur".into(), previous_digest: Some("sha256:old".into()), previous_expires_at: Some(NOW + 1), revoked_at: None, disabled_at: None, expires_at: Some(NOW + 10), retired_digest: None }
    }

    #[test]
    fn presented_table() {
        let good = crate::secret::generate("tk").unwrap();
        let mut bad_sum = good.clone();
        let last = bad_sum.pop().unwrap();
        bad_sum.push(if last == 'A' { 'B' } else { 'A' });
        assert_eq!(check_presented(Some(&good)), Ok(()));
        let cases: &[(Option<&str>, &str, Rule)] = &[
            (None, "missing_token", Rule::Presented),
            (Some(""), "missing_token", Rule::Presented),
            (Some("nope"), "malformed_token", Rule::Format),
            (Some("TK_abc"), "malformed_token", Rule::Format),
            (Some(&bad_sum), "invalid_checksum", Rule::Checksum),
        ];
        for (p, code, rule) in cases {
            let v = check_presented(*p).unwrap_err();
            assert_eq!((v.valid, v.code, v.rule), (false, *code, *rule), "{p:?}");
        }
    }

    #[test]
    fn decision_table() {
        let r = row();
        let cases: &[(Option<StoredState>, &str, i64, bool, &str, Rule, bool)] = &[
            (None, "sha256:cur", NOW, false, "unknown_token", Rule::Lookup, false),
            (Some(r.clone()), "sha256:cur", NOW, true, "ok", Rule::Expiry, false),
            (Some(r.clone()), "sha256:old", NOW, true, "ok", Rule::Expiry, true),
            // the grace ends at previous_expires_at (exclusive)
            (Some(r.clone()), "sha256:old", NOW + 1, false, "reused_secret", Rule::Reuse, false),
            (Some(StoredState { previous_expires_at: None, ..r.clone() }), "sha256:old", NOW, false, "reused_secret", Rule::Reuse, false),
            // an older retired secret (found through the store's list) is reuse too
            (Some(StoredState { retired_digest: Some("sha256:older".into()), ..r.clone() }), "sha256:older", NOW, false, "reused_secret", Rule::Reuse, false),
            (Some(StoredState { retired_digest: Some("sha256:older".into()), ..r.clone() }), "sha256:other", NOW, false, "unknown_token", Rule::Lookup, false),
            // a revoked token's retired secret answers revoked (it is revoked already)
            (Some(StoredState { revoked_at: Some(0), retired_digest: Some("sha256:older".into()), ..r.clone() }), "sha256:older", NOW, false, "revoked", Rule::Revocation, false),
            (Some(StoredState { revoked_at: Some(0), ..r.clone() }), "sha256:old", NOW + 1, false, "revoked", Rule::Revocation, false),
            // expired = now ≥ expiry, for the current and the previous secret
            (Some(r.clone()), "sha256:cur", NOW + 9, true, "ok", Rule::Expiry, false),
            (Some(r.clone()), "sha256:cur", NOW + 10, false, "expired", Rule::Expiry, false),
            (Some(StoredState { previous_expires_at: Some(NOW + 100), ..r.clone() }), "sha256:old", NOW + 10, false, "expired", Rule::Expiry, false),
            (Some(StoredState { expires_at: None, ..r.clone() }), "sha256:cur", i64::MAX, true, "ok", Rule::Expiry, false),
            // revoked beats everything after the lookup
            (Some(StoredState { revoked_at: Some(0), ..r.clone() }), "sha256:cur", NOW, false, "revoked", Rule::Revocation, false),
            (Some(StoredState { revoked_at: Some(0), expires_at: Some(0), ..r.clone() }), "sha256:old", NOW, false, "revoked", Rule::Revocation, false),
            // disabled: after revoked and reuse, before the expiry, for both live secrets
            (Some(StoredState { disabled_at: Some(0), ..r.clone() }), "sha256:cur", NOW, false, "disabled", Rule::Disabled, false),
            (Some(StoredState { disabled_at: Some(0), ..r.clone() }), "sha256:old", NOW, false, "disabled", Rule::Disabled, false),
            (Some(StoredState { disabled_at: Some(0), expires_at: Some(0), ..r.clone() }), "sha256:cur", NOW, false, "disabled", Rule::Disabled, false),
            (Some(StoredState { disabled_at: Some(0), revoked_at: Some(0), ..r.clone() }), "sha256:cur", NOW, false, "revoked", Rule::Revocation, false),
            // a retired secret presented to a disabled token is still reuse: the token is revoked
            (Some(StoredState { disabled_at: Some(0), ..r.clone() }), "sha256:old", NOW + 1, false, "reused_secret", Rule::Reuse, false),
            (Some(StoredState { disabled_at: Some(0), retired_digest: Some("sha256:older".into()), ..r.clone() }), "sha256:older", NOW, false, "reused_secret", Rule::Reuse, false),
            // a row that has neither digest is not this token's
            (Some(r.clone()), "sha256:other", NOW, false, "unknown_token", Rule::Lookup, false),
        ];
        for (row, digest, now, valid, code, rule, previous) in cases {
            let v = decide(row.as_ref(), digest, *now);
            assert_eq!((v.valid, v.code, v.rule, v.previous), (*valid, *code, *rule, *previous), "{row:?} {digest} {now}");
            assert_eq!(v.revoke, *code == "reused_secret", "only reuse revokes: {row:?} {digest}");
        }
    }

    #[test]
    fn current_secret() {
        let r = row();
        assert!(is_current(Some(&r), "sha256:cur"));
        assert!(is_current(Some(&StoredState { expires_at: Some(0), ..r.clone() }), "sha256:cur"));
        assert!(!is_current(Some(&r), "sha256:old"));
        assert!(!is_current(Some(&StoredState { revoked_at: Some(1), ..r.clone() }), "sha256:cur"));
        assert!(!is_current(None, "sha256:cur"));
    }

    #[test]
    fn previous_may_not_mint() {
        assert_eq!(require_current(false), Ok(()));
        let e = require_current(true).unwrap_err();
        assert_eq!((e.status, e.code), (403, "previous_secret"));
    }
}
