//! Account policies: `maxLifetime` (an ISO 8601 duration or a preset) and `requireExpiry`, set
//! per account by its owners and admins, enforced on every create, rotate, reset and patch of
//! every API; and `onLeak`, what a secret scanner's report of a live token does to it
//! (`revoke`, the default, or `disable`: [`super::leaks::label`]).
//!
//! - A new token's expiry ([`policy_expiry`]): asked for (a lifetime the client gave) and past
//!   `now + maxLifetime`, or never while the policy requires an expiry, is refused (403
//!   `policy_violation` on `lifetime`); not asked for (a default), it is shortened to the
//!   policy's maximum, as a default is shortened to the issuer's expiry.
//! - A rotation, a reset or a patch keeps or sets an expiry that must meet the policy now
//!   ([`policy_allows`]): a token that breaks a policy set after it was issued may only be
//!   patched into compliance (an earlier expiry), never silently changed; the service lists such
//!   tokens ([`policy_violation`]).

use serde::Serialize;
use serde_json::Value;

use super::limits::check_length;
use super::RuleError;
use crate::lifetime::Lifetime;
use crate::time::Timestamp;

/// An account's policy. The default (no maximum, no requirement) allows what the service's
/// other rules allow.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// The longest lifetime a token may have, from the moment it is issued, rotated or patched:
    /// an ISO 8601 duration (`P90D`, `PT12H`) or a preset (`one-year`); `None` = no maximum.
    pub max_lifetime: Option<String>,
    /// Every token must expire.
    pub require_expiry: bool,
    /// What a leak report of a live token of the account does: revoke it (final) or disable it
    /// (reversible, for an account that wants to look before it breaks a client).
    pub on_leak: OnLeak,
}

/// What a leak report of a live token does to it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnLeak {
    /// Revoke the token at once (reason `leaked`).
    #[default]
    Revoke,
    /// Disable the token (`POST /tk/v1/tokens/{id}/enable` undoes it).
    Disable,
}

fn invalid(field: &str, message: impl Into<String>) -> RuleError {
    RuleError::on(422, "invalid_field", field, message)
}

/// Checks a policy body `{maxLifetime?: string|null, requireExpiry?: boolean, onLeak?: "revoke" |
/// "disable"}` (absent fields are the default). 422 `invalid_field` / `unknown_field` naming the field.
pub fn parse_policy(body: &Value) -> Result<Policy, RuleError> {
    let Value::Object(m) = body else {
        return Err(RuleError::new(400, "invalid_json", "request body must be a JSON object"));
    };
    if let Some(k) = m.keys().find(|k| !["maxLifetime", "requireExpiry", "onLeak"].contains(&k.as_str())) {
        let short: String = k.chars().take(60).collect();
        return Err(RuleError::on(422, "unknown_field", short.clone(), format!("unknown field {short}")));
    }
    let max_lifetime = match m.get("maxLifetime") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            check_length("lifetime", s).map_err(|e| invalid("maxLifetime", e.message))?;
            match Lifetime::parse(s) {
                Ok(Lifetime::Duration(_) | Lifetime::Preset(_)) => {}
                Ok(_) => return Err(invalid("maxLifetime", "maxLifetime must be an ISO 8601 duration (P90D, PT12H) or a preset; null for no maximum")),
                Err(e) => return Err(RuleError::on(422, e.code(), "maxLifetime", e.to_string())),
            }
            // A maximum must be a positive span from any instant.
            max_ms(s, 0)?;
            Some(s.clone())
        }
        Some(_) => return Err(invalid("maxLifetime", "maxLifetime must be a string or null")),
    };
    let require_expiry = match m.get("requireExpiry") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("requireExpiry", "requireExpiry must be true or false")),
    };
    let on_leak = match m.get("onLeak") {
        None | Some(Value::Null) => OnLeak::Revoke,
        Some(Value::String(s)) if s == "revoke" => OnLeak::Revoke,
        Some(Value::String(s)) if s == "disable" => OnLeak::Disable,
        Some(_) => return Err(invalid("onLeak", "onLeak must be \"revoke\" or \"disable\"")),
    };
    Ok(Policy { max_lifetime, require_expiry, on_leak })
}

/// The latest expiry `max` allows from `now_ms`.
fn max_ms(max: &str, now_ms: i64) -> Result<i64, RuleError> {
    let now = Timestamp::from_millisecond(now_ms).map_err(|_| RuleError::on(422, "invalid_input", "now", "time out of range"))?;
    let l = Lifetime::parse(max).map_err(|e| RuleError::on(422, e.code(), "maxLifetime", e.to_string()))?;
    match l.expires_at(now) {
        Ok(Some(t)) if t.as_millisecond() > now_ms => Ok(t.as_millisecond()),
        Ok(_) => Err(invalid("maxLifetime", "maxLifetime must be a positive duration")),
        Err(e) => Err(RuleError::on(422, e.code(), "maxLifetime", e.to_string())),
    }
}

fn violation(message: String) -> RuleError {
    RuleError::on(403, "policy_violation", "lifetime", message)
}

/// The expiry (epoch ms, `None` = never) a token issued at `now_ms` gets under `policy`, from
/// the expiry the other rules gave it: `asked` (the client gave the lifetime) past the maximum or
/// never under `requireExpiry` is 403 `policy_violation`; a default is shortened to the maximum.
pub fn policy_expiry(policy: &Policy, expires_at: Option<i64>, asked: bool, now_ms: i64) -> Result<Option<i64>, RuleError> {
    let limit = policy.max_lifetime.as_deref().map(|m| max_ms(m, now_ms)).transpose()?;
    match (expires_at, limit) {
        (None, Some(l)) if !asked => Ok(Some(l)),
        (None, Some(_)) => Err(violation(format!("the account's policy caps lifetimes at {}; this token would never expire", policy.max_lifetime.as_deref().unwrap_or("")))),
        (None, None) if policy.require_expiry => Err(violation("the account's policy requires every token to expire".into())),
        (Some(e), Some(l)) if e > l && !asked => Ok(Some(l)),
        (Some(e), Some(l)) if e > l => Err(violation(format!("the account's policy caps lifetimes at {}", policy.max_lifetime.as_deref().unwrap_or("")))),
        (e, _) => Ok(e),
    }
}

/// Does a token expiring at `expires_at` meet `policy` at `now_ms` (rotate, reset, patch)? 403
/// `policy_violation` when it does not.
pub fn policy_allows(policy: &Policy, expires_at: Option<i64>, now_ms: i64) -> Result<(), RuleError> {
    policy_expiry(policy, expires_at, true, now_ms).map(|_| ())
}

/// Why a token expiring at `expires_at` breaks `policy` at `now_ms`, or `None`.
pub fn policy_violation(policy: &Policy, expires_at: Option<i64>, now_ms: i64) -> Option<String> {
    policy_allows(policy, expires_at, now_ms).err().map(|e| e.message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
    const DAY: i64 = 86_400_000;

    fn p(max: Option<&str>, req: bool) -> Policy {
        Policy { max_lifetime: max.map(str::to_string), require_expiry: req, on_leak: OnLeak::Revoke }
    }

    #[test]
    fn parse_table() {
        assert_eq!(parse_policy(&json!({})), Ok(Policy::default()));
        assert_eq!(parse_policy(&json!({"maxLifetime": "P30D", "requireExpiry": true})), Ok(p(Some("P30D"), true)));
        assert_eq!(parse_policy(&json!({"maxLifetime": "one-year"})), Ok(p(Some("one-year"), false)));
        assert_eq!(parse_policy(&json!({"maxLifetime": null, "requireExpiry": null})), Ok(Policy::default()));
        let cases: &[(Value, &str, &str)] = &[
            (json!({"maxLifetime": "never"}), "invalid_field", "maxLifetime"),
            (json!({"maxLifetime": "2030-01-01T00:00:00Z"}), "invalid_field", "maxLifetime"),
            (json!({"maxLifetime": "3600"}), "invalid_field", "maxLifetime"),
            (json!({"maxLifetime": "P"}), "invalid_lifetime", "maxLifetime"),
            (json!({"maxLifetime": "-P1D"}), "lifetime_in_past", "maxLifetime"),
            (json!({"maxLifetime": 30}), "invalid_field", "maxLifetime"),
            (json!({"maxLifetime": "P".repeat(101)}), "invalid_field", "maxLifetime"),
            (json!({"requireExpiry": "yes"}), "invalid_field", "requireExpiry"),
            (json!({"maxAge": "P1D"}), "unknown_field", "maxAge"),
        ];
        for (body, code, field) in cases {
            let e = parse_policy(body).unwrap_err();
            assert_eq!((e.status, e.code, e.field.as_deref()), (422, *code, Some(*field)), "{body}");
        }
        assert_eq!(parse_policy(&json!([])).unwrap_err().status, 400);
    }

    #[test]
    fn expiry_table() {
        let max30 = p(Some("P30D"), false);
        let req = p(None, true);
        let none = Policy::default();
        // (policy, expiry, asked, result)
        let cases: &[(&Policy, Option<i64>, bool, Result<Option<i64>, &str>)] = &[
            (&none, None, true, Ok(None)),
            (&none, Some(NOW + 400 * DAY), true, Ok(Some(NOW + 400 * DAY))),
            (&max30, Some(NOW + 30 * DAY), true, Ok(Some(NOW + 30 * DAY))),
            (&max30, Some(NOW + 30 * DAY + 1), true, Err("policy_violation")),
            (&max30, None, true, Err("policy_violation")),
            // a default is shortened to the maximum
            (&max30, Some(NOW + 90 * DAY), false, Ok(Some(NOW + 30 * DAY))),
            (&max30, None, false, Ok(Some(NOW + 30 * DAY))),
            (&max30, Some(NOW + DAY), false, Ok(Some(NOW + DAY))),
            (&req, None, true, Err("policy_violation")),
            (&req, None, false, Err("policy_violation")),
            (&req, Some(NOW + 9999 * DAY), true, Ok(Some(NOW + 9999 * DAY))),
        ];
        for (policy, e, asked, want) in cases {
            let got = policy_expiry(policy, *e, *asked, NOW).map_err(|e| {
                assert_eq!((e.status, e.field.as_deref()), (403, Some("lifetime")));
                e.code
            });
            assert_eq!(got, *want, "{policy:?} {e:?} {asked}");
        }
        assert!(policy_violation(&max30, None, NOW).is_some());
        assert!(policy_violation(&max30, Some(NOW + DAY), NOW).is_none());
        assert!(policy_allows(&req, Some(NOW), NOW).is_ok());
    }

    #[test]
    fn on_leak() {
        assert_eq!(parse_policy(&json!({})).unwrap().on_leak, OnLeak::Revoke);
        assert_eq!(parse_policy(&json!({"onLeak": null})).unwrap().on_leak, OnLeak::Revoke);
        assert_eq!(parse_policy(&json!({"onLeak": "disable"})).unwrap().on_leak, OnLeak::Disable);
        assert_eq!(serde_json::to_value(parse_policy(&json!({"onLeak": "disable"})).unwrap()).unwrap()["onLeak"], json!("disable"));
        for bad in [json!("delete"), json!(true), json!(["disable"])] {
            let e = parse_policy(&json!({ "onLeak": bad })).unwrap_err();
            assert_eq!((e.status, e.code, e.field.as_deref()), (422, "invalid_field", Some("onLeak")));
        }
    }
}
