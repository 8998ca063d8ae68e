//! Expiry rules of the service: a new token's expiry, the patch cap, the rotation grace, and
//! what an expiry means now.
//!
//! - A new token's expiry ([`issue_expiry`]): the lifetime asked for, or the default lifetime
//!   ([`DEFAULT_LIFETIME`]; a first token's is [`FIRST_TOKEN_LIFETIME`]) shortened to the
//!   issuer's expiry when omitted. A lifetime asked for that outlives the issuer is refused
//!   (403 `outlives_issuer`), never shortened: the caller learns.
//! - A patch may only move an expiry earlier, and not past the caller's own: the latest
//!   allowed expiry is the earlier of the two ([`patch_expiry_cap`]).
//! - A rotation's grace ([`rotation_grace`]): none (`null`, `0`, `"now"`), or a lifetime capped
//!   at the token's own expiry; a grace must end, so `never` on a token that never expires is
//!   refused. The store keeps the rotated-out digest until the grace ends, or until now.
//! - Expired means `now ≥ expiry` ([`is_expired_ms`]); "expires soon" means within
//!   [`SOON_DAYS`] ([`expiry_state`]).

use serde::Serialize;

use super::limits::check_length;
use super::RuleError;
use crate::lifetime::{self, Lifetime, LifetimeError};
use crate::time::Timestamp;

/// The lifetime of a token created without one.
pub const DEFAULT_LIFETIME: &str = "90-days";
/// The lifetime of a new account's or member's first token created without one.
pub const FIRST_TOKEN_LIFETIME: &str = "one-year";
/// A token expiring within this many days "expires soon".
pub const SOON_DAYS: i64 = 7;
/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// A lifetime as a request gives it: text (a preset, `never`, an ISO 8601 duration, an RFC 3339
/// instant) or a TTL in whole seconds (`-1` = never).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LifetimeArg<'a> {
    /// A text form.
    Text(&'a str),
    /// A TTL in seconds (a JSON number; a fraction is refused).
    Ttl(f64),
}

fn lifetime_error(field: &str, status: u16, e: LifetimeError) -> RuleError {
    RuleError::on(status, e.code(), field, e.to_string())
}

/// Parses a lifetime given on `field` (`lifetime`, `grace`): text at most
/// [`super::limits::LIFETIME_TEXT_MAX`] characters, or a whole TTL. 422 with the lifetime
/// error's code (`invalid_lifetime`, `invalid_ttl`…) on `field`.
pub fn parse_lifetime(field: &str, arg: LifetimeArg<'_>) -> Result<Lifetime, RuleError> {
    match arg {
        LifetimeArg::Text(t) => {
            check_length(field, t)?;
            Lifetime::parse(t).map_err(|e| lifetime_error(field, 422, e))
        }
        LifetimeArg::Ttl(n) => {
            if !n.is_finite() || n.fract() != 0.0 {
                return Err(lifetime_error(field, 422, LifetimeError::InvalidTtl { reason: "a ttl must be a whole number of seconds" }));
            }
            // Saturating: a huge positive ttl overflows later, a huge negative is refused.
            Lifetime::from_ttl_seconds(n as i64).map_err(|e| lifetime_error(field, 422, e))
        }
    }
}

fn ts(field: &str, ms: i64) -> Result<Timestamp, RuleError> {
    Timestamp::from_millisecond(ms).map_err(|_| RuleError::on(422, "invalid_input", field, "time out of range"))
}

fn expiry_ms(field: &str, l: &Lifetime, now: Timestamp) -> Result<Option<i64>, RuleError> {
    Ok(l.expires_at(now).map_err(|e| lifetime_error(field, 422, e))?.map(|t| t.as_millisecond()))
}

/// The expiry (epoch ms, `None` = never) of a token issued at `now_ms` by a token expiring at
/// `issuer_expires_at` (`None` = never), with `lifetime` asked for, or `default` when omitted.
///
/// Omitted, the default is shortened to the issuer's expiry; asked for, a lifetime past the
/// issuer's expiry is 403 `outlives_issuer` on `lifetime`. Bad input is 422 on `lifetime`.
pub fn issue_expiry(lifetime: Option<LifetimeArg<'_>>, default: &str, issuer_expires_at: Option<i64>, now_ms: i64) -> Result<Option<i64>, RuleError> {
    let now = ts("now", now_ms)?;
    let asked = lifetime.is_some();
    let l = match lifetime {
        Some(arg) => parse_lifetime("lifetime", arg)?,
        None => Lifetime::parse(default).map_err(|e| lifetime_error("lifetime", 422, e))?,
    };
    let mut ms = expiry_ms("lifetime", &l, now)?;
    if !asked {
        if let Some(issuer) = issuer_expires_at {
            if ms.is_none_or(|m| m > issuer) {
                ms = Some(issuer);
            }
        }
    }
    let child = ms.map(|m| ts("lifetime", m)).transpose()?;
    let issuer = issuer_expires_at.map(|m| ts("issuerExpiresAt", m)).transpose()?;
    lifetime::check_outlives(child, issuer).map_err(|e| lifetime_error("lifetime", 403, e))?;
    Ok(ms)
}

/// The latest expiry a patch may set on a token expiring at `current`, patched by a caller
/// expiring at `caller` (epoch ms, `None` = never): the earlier of the two, `None` when neither
/// expires.
pub fn patch_expiry_cap(current: Option<i64>, caller: Option<i64>) -> Option<i64> {
    match (current, caller) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A grace as a request gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GraceArg<'a> {
    /// No grace: absent, `null`, `0` or `"now"`.
    None,
    /// A lifetime from now.
    Lifetime(LifetimeArg<'a>),
}

impl<'a> GraceArg<'a> {
    /// Text: `"now"` is no grace, anything else a lifetime.
    pub fn text(t: &'a str) -> GraceArg<'a> {
        if t == "now" {
            GraceArg::None
        } else {
            GraceArg::Lifetime(LifetimeArg::Text(t))
        }
    }

    /// A number: `0` is no grace, anything else a TTL.
    pub fn seconds(n: f64) -> GraceArg<'a> {
        if n == 0.0 {
            GraceArg::None
        } else {
            GraceArg::Lifetime(LifetimeArg::Ttl(n))
        }
    }
}

/// The outcome of a rotation's grace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Grace {
    /// When the rotated-out secret stops working, if it has a grace at all (epoch ms).
    pub until: Option<i64>,
    /// What the store keeps as the rotated-out secret's end: `until`, or `now` when there is no
    /// grace (the digest is kept so a late use answers `rotated`, not `unknown_token`).
    pub previous_valid_until: i64,
}

/// The grace of a rotation at `now_ms` of a token expiring at `token_expires_at`: `min(now +
/// grace, the token's expiry)`. 422 on `grace` for bad input, and `invalid_field` for a grace
/// that never ends (a token that never expires with a `never` grace).
pub fn rotation_grace(grace: GraceArg<'_>, token_expires_at: Option<i64>, now_ms: i64) -> Result<Grace, RuleError> {
    let none = Grace { until: None, previous_valid_until: now_ms };
    let GraceArg::Lifetime(arg) = grace else { return Ok(none) };
    let g = parse_lifetime("grace", arg)?;
    let now = ts("now", now_ms)?;
    let token = token_expires_at.map(|m| ts("tokenExpiresAt", m)).transpose()?;
    let until = lifetime::rotation_grace_expiry(&g, token, now).map_err(|e| lifetime_error("grace", 422, e))?;
    let Some(until) = until else {
        return Err(RuleError::on(422, "invalid_field", "grace", "grace must end: the token never expires, so give a finite grace"));
    };
    let until = until.as_millisecond();
    Ok(Grace { until: Some(until), previous_valid_until: until.max(now_ms) })
}

/// `true` when a token with this expiry (epoch ms, `None` = never) is no longer valid at `now`:
/// `now ≥ expiry`.
pub fn is_expired_ms(expires_at: Option<i64>, now: i64) -> bool {
    expires_at.is_some_and(|e| now >= e)
}

/// What an expiry means to a person now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExpiryState {
    /// `now ≥ expiry`.
    Expired,
    /// Expires within [`SOON_DAYS`].
    Soon,
}

impl ExpiryState {
    /// `expired` or `soon`.
    pub fn name(self) -> &'static str {
        match self {
            ExpiryState::Expired => "expired",
            ExpiryState::Soon => "soon",
        }
    }
}

/// [`ExpiryState`] of an expiry at `now`, `None` for a token that is neither (or never expires).
pub fn expiry_state(expires_at: Option<i64>, now: i64) -> Option<ExpiryState> {
    let e = expires_at?;
    if is_expired_ms(Some(e), now) {
        Some(ExpiryState::Expired)
    } else if e.saturating_sub(now) <= SOON_DAYS * DAY_MS {
        Some(ExpiryState::Soon)
    } else {
        None
    }
}

/// The expiries a "expiring within `days`" filter selects at `now`: after `now` (exclusive) and
/// up to the returned instant (inclusive).
pub fn expiring_within(days: u32, now: i64) -> (i64, i64) {
    (now, now.saturating_add(i64::from(days) * DAY_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
    const DAY: i64 = DAY_MS;

    #[test]
    fn issue_expiry_table() {
        let t = LifetimeArg::Text;
        let cases: &[(Option<LifetimeArg>, &str, Option<i64>, Result<Option<i64>, (u16, &str)>)] = &[
            // omitted: the default, shortened to the issuer
            (None, DEFAULT_LIFETIME, None, Ok(Some(NOW + 90 * DAY))),
            (None, DEFAULT_LIFETIME, Some(NOW + DAY), Ok(Some(NOW + DAY))),
            (None, DEFAULT_LIFETIME, Some(NOW + 100 * DAY), Ok(Some(NOW + 90 * DAY))),
            (None, "never", Some(NOW + DAY), Ok(Some(NOW + DAY))),
            (None, FIRST_TOKEN_LIFETIME, None, Ok(Some(NOW + 365 * DAY))),
            // asked for: refused past the issuer
            (Some(t("7-days")), DEFAULT_LIFETIME, Some(NOW + DAY), Err((403, "outlives_issuer"))),
            (Some(t("never")), DEFAULT_LIFETIME, Some(NOW + DAY), Err((403, "outlives_issuer"))),
            (Some(t("PT1H")), DEFAULT_LIFETIME, Some(NOW + DAY), Ok(Some(NOW + 3_600_000))),
            (Some(t("never")), DEFAULT_LIFETIME, None, Ok(None)),
            (Some(LifetimeArg::Ttl(-1.0)), DEFAULT_LIFETIME, None, Ok(None)),
            (Some(LifetimeArg::Ttl(60.0)), DEFAULT_LIFETIME, None, Ok(Some(NOW + 60_000))),
            // bad input
            (Some(LifetimeArg::Ttl(1.5)), DEFAULT_LIFETIME, None, Err((422, "invalid_ttl"))),
            (Some(LifetimeArg::Ttl(0.0)), DEFAULT_LIFETIME, None, Err((422, "invalid_ttl"))),
            (Some(t("soon")), DEFAULT_LIFETIME, None, Err((422, "invalid_lifetime"))),
            (Some(t("2020-01-01T00:00:00Z")), DEFAULT_LIFETIME, None, Err((422, "lifetime_in_past"))),
        ];
        for (arg, default, issuer, want) in cases {
            let got = issue_expiry(*arg, default, *issuer, NOW);
            match want {
                Ok(w) => assert_eq!(got, Ok(*w), "{arg:?} {issuer:?}"),
                Err((status, code)) => {
                    let e = got.unwrap_err();
                    assert_eq!((e.status, e.code, e.field.as_deref()), (*status, *code, Some("lifetime")), "{arg:?} {issuer:?}");
                }
            }
        }
        let long = "x".repeat(101);
        let e = issue_expiry(Some(t(&long)), DEFAULT_LIFETIME, None, NOW).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), ("invalid_lifetime", "lifetime is longer than 100 characters"));
    }

    #[test]
    fn patch_cap() {
        assert_eq!(patch_expiry_cap(None, None), None);
        assert_eq!(patch_expiry_cap(Some(5), None), Some(5));
        assert_eq!(patch_expiry_cap(None, Some(7)), Some(7));
        assert_eq!(patch_expiry_cap(Some(5), Some(7)), Some(5));
        assert_eq!(patch_expiry_cap(Some(9), Some(7)), Some(7));
    }

    #[test]
    fn grace_table() {
        let none = Grace { until: None, previous_valid_until: NOW };
        assert_eq!(rotation_grace(GraceArg::None, None, NOW), Ok(none));
        assert_eq!(rotation_grace(GraceArg::text("now"), None, NOW), Ok(none));
        assert_eq!(rotation_grace(GraceArg::seconds(0.0), None, NOW), Ok(none));
        let h = NOW + 3_600_000;
        assert_eq!(rotation_grace(GraceArg::text("PT1H"), None, NOW), Ok(Grace { until: Some(h), previous_valid_until: h }));
        assert_eq!(rotation_grace(GraceArg::seconds(3600.0), None, NOW), Ok(Grace { until: Some(h), previous_valid_until: h }));
        // capped at the token's own expiry
        assert_eq!(rotation_grace(GraceArg::text("P7D"), Some(NOW + DAY), NOW).unwrap().until, Some(NOW + DAY));
        assert_eq!(rotation_grace(GraceArg::text("never"), Some(NOW + DAY), NOW).unwrap().until, Some(NOW + DAY));
        // an already expired token: the past expiry, and the store keeps now
        assert_eq!(rotation_grace(GraceArg::text("P7D"), Some(NOW - DAY), NOW), Ok(Grace { until: Some(NOW - DAY), previous_valid_until: NOW }));
        // must end
        let e = rotation_grace(GraceArg::text("never"), None, NOW).unwrap_err();
        assert_eq!((e.status, e.code, e.field.as_deref()), (422, "invalid_field", Some("grace")));
        let e = rotation_grace(GraceArg::seconds(-5.0), None, NOW).unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), ("invalid_ttl", Some("grace")));
        let e = rotation_grace(GraceArg::text(&"P".repeat(101)), None, NOW).unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), ("invalid_lifetime", Some("grace")));
    }

    #[test]
    fn states() {
        assert!(!is_expired_ms(None, i64::MAX));
        assert!(is_expired_ms(Some(NOW), NOW));
        assert!(!is_expired_ms(Some(NOW + 1), NOW));
        assert_eq!(expiry_state(None, NOW), None);
        assert_eq!(expiry_state(Some(NOW), NOW), Some(ExpiryState::Expired));
        assert_eq!(expiry_state(Some(NOW + 7 * DAY), NOW), Some(ExpiryState::Soon));
        assert_eq!(expiry_state(Some(NOW + 7 * DAY + 1), NOW), None);
        assert_eq!(expiry_state(Some(i64::MIN), i64::MAX), Some(ExpiryState::Expired));
        assert_eq!(expiring_within(7, NOW), (NOW, NOW + 7 * DAY));
    }
}
