//! Idempotent creates: the `Idempotency-Key` of a POST that creates something (a token, a
//! rotation, an account, a member, the dialects' creates).
//!
//! - A key is 1 to 255 visible ASCII characters ([`check_key`]; 400 `invalid_field` on
//!   `Idempotency-Key`).
//! - The service claims a key atomically before it runs the request (a unique row); what it
//!   finds when the key is already claimed decides ([`decide`]): the same request (its
//!   fingerprint: method, path, body, credential) with a stored outcome is replayed; another
//!   request is 422 `idempotency_key_reused`; the same request still running is 409
//!   `idempotency_in_progress`; a claim older than [`KEY_TTL_MS`] (24 h), or a running claim
//!   older than [`LEASE_MS`], is taken over.
//! - A replay never shows a secret: the stored outcome has every tokenkit token in it replaced
//!   by `null` ([`redact_secrets`]) before it is written, so no secret is ever readable from the
//!   database; the client that lost the first answer rotates the token it now knows the id of.

use serde_json::Value;

use super::RuleError;
use crate::secret;

/// How long an outcome is replayed, in ms (24 h).
pub const KEY_TTL_MS: i64 = 86_400_000;
/// How long a claim without an outcome (the first request still running) holds, in ms.
pub const LEASE_MS: i64 = 60_000;
/// The longest key, in characters.
pub const KEY_MAX: usize = 255;

/// The header a key comes in, named as the field of its errors.
pub const FIELD: &str = "Idempotency-Key";

/// Checks a key: 1 to [`KEY_MAX`] visible ASCII characters.
pub fn check_key(key: &str) -> Result<(), RuleError> {
    if key.is_empty() || key.len() > KEY_MAX || !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(RuleError::on(400, "invalid_field", FIELD, format!("{FIELD} must be 1 to {KEY_MAX} visible ASCII characters")));
    }
    Ok(())
}

/// A claimed key as stored: the fingerprint of the request that claimed it, when, and its
/// outcome's HTTP status once it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The claiming request's fingerprint (a hash the service computes).
    pub fingerprint: String,
    /// When it was claimed (epoch ms).
    pub created_at: i64,
    /// The stored outcome's status; `None` while the first request runs.
    pub status: Option<u16>,
}

/// What to do with a request carrying a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Run it: the key is this request's (newly claimed, or taken over from an expired claim).
    Proceed,
    /// Answer the stored outcome, running nothing.
    Replay,
}

impl Decision {
    /// `proceed` or `replay`.
    pub fn name(self) -> &'static str {
        match self {
            Decision::Proceed => "proceed",
            Decision::Replay => "replay",
        }
    }
}

/// The decision for a request with `fingerprint` at `now` when the key's claim is `claim`
/// (`None`: no claim, the request may claim it). 422 `idempotency_key_reused` for another
/// request's live claim, 409 `idempotency_in_progress` for the same request still running.
pub fn decide(claim: Option<&Claim>, fingerprint: &str, now: i64) -> Result<Decision, RuleError> {
    let Some(c) = claim else { return Ok(Decision::Proceed) };
    if now.saturating_sub(c.created_at) >= KEY_TTL_MS {
        return Ok(Decision::Proceed);
    }
    if c.fingerprint != fingerprint {
        return Err(RuleError::on(422, "idempotency_key_reused", FIELD, "this Idempotency-Key was used with another request in the last 24 hours; use a new key"));
    }
    match c.status {
        Some(_) => Ok(Decision::Replay),
        None if now.saturating_sub(c.created_at) >= LEASE_MS => Ok(Decision::Proceed),
        None => Err(RuleError::on(409, "idempotency_in_progress", FIELD, "a request with this Idempotency-Key is still running; retry later")),
    }
}

/// `value` with every string that is a well-formed tokenkit token replaced by `null`: what the
/// service stores of an outcome to replay.
pub fn redact_secrets(value: Value) -> Value {
    match value {
        Value::String(s) if secret::parse(&s).is_ok() => Value::Null,
        Value::Array(a) => Value::Array(a.into_iter().map(redact_secrets).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, redact_secrets(v))).collect()),
        v => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_767_225_600_000;

    #[test]
    fn keys() {
        assert!(check_key("a").is_ok() && check_key(&"k".repeat(255)).is_ok() && check_key("7f1c-…").is_err());
        for bad in ["", " ", "a b", "é", &"k".repeat(256), "a\n"] {
            let e = check_key(bad).unwrap_err();
            assert_eq!((e.status, e.code, e.field.as_deref()), (400, "invalid_field", Some(FIELD)), "{bad:?}");
        }
    }

    #[test]
    fn decision_table() {
        let done = Claim { fingerprint: "f".into(), created_at: NOW - 1000, status: Some(201) };
        let running = Claim { status: None, ..done.clone() };
        // (claim, fingerprint, now, result)
        let cases: &[(Option<&Claim>, &str, i64, Result<Decision, &str>)] = &[
            (None, "f", NOW, Ok(Decision::Proceed)),
            (Some(&done), "f", NOW, Ok(Decision::Replay)),
            (Some(&done), "g", NOW, Err("idempotency_key_reused")),
            (Some(&running), "f", NOW, Err("idempotency_in_progress")),
            (Some(&running), "g", NOW, Err("idempotency_key_reused")),
            // a running claim past its lease is taken over
            (Some(&running), "f", NOW - 1000 + LEASE_MS, Ok(Decision::Proceed)),
            // after 24 h a key is new again, whatever the request
            (Some(&done), "g", NOW - 1000 + KEY_TTL_MS, Ok(Decision::Proceed)),
            (Some(&done), "f", NOW - 1001 + KEY_TTL_MS, Ok(Decision::Replay)),
        ];
        for (claim, fp, now, want) in cases {
            let got = decide(*claim, fp, *now).map_err(|e| e.code);
            assert_eq!(got, *want, "{claim:?} {fp} {now}");
        }
        assert_eq!(decide(Some(&done), "g", NOW).unwrap_err().status, 422);
        assert_eq!(decide(Some(&running), "f", NOW).unwrap_err().status, 409);
    }

    #[test]
    fn secrets_are_redacted() {
        let s = crate::secret::generate("tk").unwrap();
        let out = redact_secrets(json!({"token": {"id": "abc", "hint": "tk_…a1B2"}, "secret": s, "list": [s, 1, "x"], "access_token": s}));
        assert_eq!(out, json!({"token": {"id": "abc", "hint": "tk_…a1B2"}, "secret": null, "list": [null, 1, "x"], "access_token": null}));
        assert!(!out.to_string().contains(&s));
    }
}
