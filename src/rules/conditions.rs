//! A token's conditions of use — `notBefore`, `allowedIps`, `remaining` (with `refill`) and
//! `rateLimit` — their parsing, the decision on each use, the refill, and attenuation.
//!
//! **The decision** ([`decide`]) is pure: the token's conditions, now, the client's address and
//! the counters the host has read so far. It checks, in order: `notBefore` (401
//! `not_yet_valid` while `now < notBefore`), `allowedIps` (403 `ip_not_allowed` unless a block
//! contains the client's address; no address = not allowed), the rate limit (429
//! `rate_limited` when this use is the `limit + 1`-th or later of its window, with the seconds
//! until the window ends), then `remaining` (429 `usage_exhausted` when the host's atomic spend
//! found none left). Until the host has a counter the decision needs, it answers
//! [`Decision::Count`] naming it: the host reads the counter (its rate-limit counter for the
//! window, the atomic spend of one use with the refill folded in) and asks again. A use refused
//! by the rate limit does not spend `remaining`.
//!
//! **Rate windows** are fixed and aligned to the epoch: the window of a use at `now` is
//! `floor(now / period)`, and it ends at `(window + 1) · period`. At most `limit` uses are
//! allowed in one window (so at most `2 · limit` in a span of one period that straddles two).
//!
//! **Refill** sets `remaining` to `amount` (it does not add) at every boundary — each UTC
//! midnight (`daily`) or the first of each month at 00:00 UTC (`monthly`) — passed since the
//! last refill ([`refill_boundary`], [`refilled`]).
//!
//! **Attenuation** ([`cover`]): a child is never laxer than its issuer, field by field (docs/rules.md).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::cidr::{parse_addr, Cidr};
use super::RuleError;
use crate::time::{civil_from_days, days_from_civil, Timestamp};

/// The most blocks in `allowedIps`.
pub const ALLOWED_IPS_MAX: u32 = 100;
/// The greatest `remaining` and refill `amount`.
pub const REMAINING_MAX: u32 = 1_000_000_000;
/// The greatest rate `limit` per period.
pub const RATE_LIMIT_MAX: u32 = 1_000_000;
/// The longest rate period, in seconds (30 days).
pub const RATE_PERIOD_MAX: u32 = 2_592_000;

const DAY_MS: i64 = 86_400_000;

/// How often a refill happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    /// At each UTC midnight.
    Daily,
    /// On the first of each month, 00:00 UTC.
    Monthly,
}

/// `remaining` is set back to `amount` at every `interval` boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refill {
    /// What `remaining` is set to.
    pub amount: u32,
    /// When.
    pub interval: Interval,
}

/// At most `limit` uses per fixed window of `period_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    /// Uses allowed per window.
    pub limit: u32,
    /// The window's length in seconds.
    pub period_seconds: u32,
}

/// A token's conditions (all `None`: none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    /// Epoch ms before which the token is not valid.
    pub not_before: Option<i64>,
    /// The client address must be in one of these blocks.
    pub allowed_ips: Option<Vec<Cidr>>,
    /// Uses left; `None` = unlimited.
    pub remaining: Option<u32>,
    /// How `remaining` is refilled (only with a `remaining`).
    pub refill: Option<Refill>,
    /// The rate limit.
    pub rate_limit: Option<RateLimit>,
}

/// The field names of the conditions, as the APIs spell them.
pub const FIELDS: [&str; 5] = ["notBefore", "allowedIps", "remaining", "refill", "rateLimit"];

fn bad(field: impl Into<String>, message: impl Into<String>) -> RuleError {
    RuleError::on(422, "invalid_field", field, message)
}

fn int(field: &str, v: &Value, min: u32, max: u32) -> Result<u32, RuleError> {
    match v.as_u64() {
        Some(n) if n >= u64::from(min) && n <= u64::from(max) => Ok(n as u32),
        _ => Err(bad(field, format!("{field} must be an integer from {min} to {max}"))),
    }
}

fn object<'a>(field: &str, v: &'a Value, keys: &[&str]) -> Result<&'a Map<String, Value>, RuleError> {
    let Value::Object(m) = v else { return Err(bad(field, format!("{field} must be an object or null"))) };
    for k in m.keys() {
        if !keys.contains(&k.as_str()) {
            let shown: String = k.chars().take(60).collect();
            return Err(RuleError::on(422, "unknown_field", format!("{field}.{shown}"), format!("unknown field {field}.{shown}")));
        }
    }
    Ok(m)
}

fn member<'a>(m: &'a Map<String, Value>, field: &str, key: &str) -> Result<&'a Value, RuleError> {
    m.get(key).ok_or_else(|| bad(format!("{field}.{key}"), format!("{field}.{key} is required")))
}

/// How `notBefore` is written: an RFC 3339 instant (the APIs) or epoch ms (the stored form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `notBefore` as RFC 3339 text.
    Api,
    /// `notBefore` as epoch ms.
    Stored,
}

/// Parses a list of blocks (`allowedIps`): 1–100 blocks, each refused on `allowedIps[i]`;
/// normalised, duplicates dropped, order kept.
pub fn parse_blocks(v: &Value) -> Result<Vec<Cidr>, RuleError> {
    let f = "allowedIps";
    let Value::Array(items) = v else { return Err(bad(f, "allowedIps must be a list of address blocks or null")) };
    if items.is_empty() || items.len() > ALLOWED_IPS_MAX as usize {
        return Err(bad(f, format!("allowedIps must have 1 to {ALLOWED_IPS_MAX} address blocks")));
    }
    let mut out: Vec<Cidr> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("{f}[{i}]");
        let Value::String(s) = item else { return Err(bad(field, format!("allowedIps[{i}] must be a string"))) };
        let c = Cidr::parse(s).map_err(|e| bad(field, format!("allowedIps[{i}] is not an address block: {e}")))?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

impl Conditions {
    /// Reads the conditions from an object holding any of [`FIELDS`] (absent or `null` = none;
    /// other keys are ignored). Refusals are 422 `invalid_field` (or `unknown_field` inside
    /// `refill` and `rateLimit`) naming the field: `allowedIps[3]`, `refill.amount`…
    pub fn parse(obj: &Map<String, Value>, form: Form) -> Result<Conditions, RuleError> {
        let get = |k: &str| obj.get(k).filter(|v| !v.is_null());
        let not_before = match get("notBefore") {
            None => None,
            Some(v) => Some(match form {
                Form::Api => v
                    .as_str()
                    .and_then(|s| Timestamp::parse(s).ok())
                    .map(|t| t.as_millisecond())
                    .ok_or_else(|| bad("notBefore", "notBefore must be an RFC 3339 date-time with a UTC offset, or null"))?,
                Form::Stored => v.as_i64().filter(|ms| Timestamp::from_millisecond(*ms).is_ok()).ok_or_else(|| bad("notBefore", "notBefore must be epoch milliseconds or null"))?,
            }),
        };
        let allowed_ips = get("allowedIps").map(parse_blocks).transpose()?;
        let remaining = get("remaining").map(|v| int("remaining", v, 0, REMAINING_MAX)).transpose()?;
        let refill = match get("refill") {
            None => None,
            Some(v) => {
                let m = object("refill", v, &["amount", "interval"])?;
                let amount = int("refill.amount", member(m, "refill", "amount")?, 1, REMAINING_MAX)?;
                let interval = match member(m, "refill", "interval")?.as_str() {
                    Some("daily") => Interval::Daily,
                    Some("monthly") => Interval::Monthly,
                    _ => return Err(bad("refill.interval", "refill.interval must be daily or monthly")),
                };
                if remaining.is_none() {
                    return Err(bad("refill", "refill needs a remaining count"));
                }
                Some(Refill { amount, interval })
            }
        };
        let rate_limit = match get("rateLimit") {
            None => None,
            Some(v) => {
                let m = object("rateLimit", v, &["limit", "periodSeconds"])?;
                let limit = int("rateLimit.limit", member(m, "rateLimit", "limit")?, 1, RATE_LIMIT_MAX)?;
                let period_seconds = int("rateLimit.periodSeconds", member(m, "rateLimit", "periodSeconds")?, 1, RATE_PERIOD_MAX)?;
                Some(RateLimit { limit, period_seconds })
            }
        };
        Ok(Conditions { not_before, allowed_ips, remaining, refill, rate_limit })
    }

    /// The stored form (`notBefore` in epoch ms, blocks normalised), which [`Conditions::parse`]
    /// with [`Form::Stored`] reads back.
    pub fn to_stored(&self) -> Value {
        json!({
            "notBefore": self.not_before,
            "allowedIps": self.allowed_ips.as_ref().map(|l| l.iter().map(ToString::to_string).collect::<Vec<_>>()),
            "remaining": self.remaining,
            "refill": self.refill,
            "rateLimit": self.rate_limit,
        })
    }

    /// Whether the token has any condition.
    pub fn is_empty(&self) -> bool {
        *self == Conditions::default()
    }
}

/// The counters the host has read for this use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    /// This use's number within its rate window (1 = the first), from the host's counter.
    #[serde(default)]
    pub rate_count: Option<u64>,
    /// The atomic spend of one use: `Some(true)` spent (then `remaining` is what is left),
    /// `Some(false)` none was left.
    #[serde(default)]
    pub spent: Option<bool>,
    /// What is left after the spend.
    #[serde(default)]
    pub remaining: Option<u32>,
}

/// A counter the decision needs before it can answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "counter", rename_all = "camelCase")]
pub enum Need {
    /// Count this use in the rate window `window` (it ends at `reset_at`, epoch ms): the host
    /// increments its counter for (token, window) and passes the new value as `rateCount`.
    #[serde(rename_all = "camelCase")]
    Rate {
        /// The window's number (`floor(now / period)`).
        window: i64,
        /// When the window ends (epoch ms).
        reset_at: i64,
        /// The window's length in seconds.
        period_seconds: u32,
    },
    /// Spend one use atomically: if `refilled_at < boundary` (a refill is due) `remaining`
    /// becomes `amount - 1` and `refilled_at` `boundary`, else `remaining - 1`, provided the
    /// value before the spend is above 0. The host passes `spent` and `remaining`.
    #[serde(rename_all = "camelCase")]
    Spend {
        /// The last refill boundary at or before now (`null` without a refill).
        boundary: Option<i64>,
        /// What a refill sets `remaining` to (`null` without a refill).
        amount: Option<u32>,
    },
}

/// The decision on one use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum Decision {
    /// Allowed; `remaining` is what is left (`null`: unlimited).
    #[serde(rename_all = "camelCase")]
    Ok {
        /// Uses left after this one.
        remaining: Option<u32>,
    },
    /// The host must read a counter and ask again.
    Count(Need),
    /// Refused: the HTTP status of tokenkit's own API, a stable code, a message, and for
    /// `rate_limited` the seconds until the window ends (`Retry-After`).
    #[serde(rename_all = "camelCase")]
    Refused {
        /// 401, 403 or 429.
        status: u16,
        /// `not_yet_valid`, `ip_not_allowed`, `rate_limited` or `usage_exhausted`.
        code: &'static str,
        /// The condition that refused: `not_before`, `allowed_ips`, `rate_limit` or `remaining`.
        rule: &'static str,
        /// In words.
        message: String,
        /// Seconds until a use may succeed again (rate limit only).
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_seconds: Option<u64>,
        /// Uses left (`usage_exhausted`: 0).
        #[serde(skip_serializing_if = "Option::is_none")]
        remaining: Option<u32>,
    },
}

fn refused(status: u16, code: &'static str, rule: &'static str, message: &str) -> Decision {
    Decision::Refused { status, code, rule, message: message.into(), retry_after_seconds: None, remaining: None }
}

/// The rate window of a use at `now`: `(window, reset_at)`.
pub fn rate_window(rate: &RateLimit, now: i64) -> (i64, i64) {
    let period = i64::from(rate.period_seconds.max(1)) * 1000;
    let window = now.div_euclid(period);
    (window, window.saturating_add(1).saturating_mul(period))
}

/// Is `client_ip` (text) in one of `blocks`? An address that does not parse is in none.
pub fn ip_allowed(blocks: &[Cidr], client_ip: Option<&str>) -> bool {
    let Some(addr) = client_ip.and_then(|s| parse_addr(s).ok()) else { return false };
    blocks.iter().any(|b| b.contains_addr(addr))
}

/// The decision on one use at `now` from `client_ip` (module docs).
pub fn decide(c: &Conditions, now: i64, client_ip: Option<&str>, counters: &Counters) -> Decision {
    if c.not_before.is_some_and(|nb| now < nb) {
        return refused(401, "not_yet_valid", "not_before", "the access token is not valid yet");
    }
    if let Some(blocks) = &c.allowed_ips {
        if !ip_allowed(blocks, client_ip) {
            return refused(403, "ip_not_allowed", "allowed_ips", "the access token may not be used from this address");
        }
    }
    if let Some(rate) = &c.rate_limit {
        let (window, reset_at) = rate_window(rate, now);
        match counters.rate_count {
            None => return Decision::Count(Need::Rate { window, reset_at, period_seconds: rate.period_seconds }),
            Some(n) if n > u64::from(rate.limit) => {
                let ms = reset_at.saturating_sub(now).max(1);
                let secs = (ms as u64).div_ceil(1000);
                return Decision::Refused {
                    status: 429,
                    code: "rate_limited",
                    rule: "rate_limit",
                    message: format!("the access token's rate limit ({} per {} s) is reached", rate.limit, rate.period_seconds),
                    retry_after_seconds: Some(secs),
                    remaining: None,
                };
            }
            Some(_) => {}
        }
    }
    if c.remaining.is_some() {
        return match counters.spent {
            None => Decision::Count(Need::Spend { boundary: c.refill.map(|r| refill_boundary(r.interval, now)), amount: c.refill.map(|r| r.amount) }),
            Some(false) => Decision::Refused { status: 429, code: "usage_exhausted", rule: "remaining", message: "the access token has no uses left".into(), retry_after_seconds: None, remaining: Some(0) },
            Some(true) => Decision::Ok { remaining: Some(counters.remaining.unwrap_or(0)) },
        };
    }
    Decision::Ok { remaining: None }
}

/// The last refill boundary at or before `now` (epoch ms): the UTC midnight, or the first of
/// the month at 00:00 UTC.
pub fn refill_boundary(interval: Interval, now: i64) -> i64 {
    let day = now.div_euclid(DAY_MS);
    match interval {
        Interval::Daily => day.saturating_mul(DAY_MS),
        Interval::Monthly => {
            let (y, m, _) = civil_from_days(day);
            days_from_civil(y, m, 1).saturating_mul(DAY_MS)
        }
    }
}

/// `remaining` at `now` for a token last refilled at `refilled_at`: `amount` when a boundary
/// has passed since (or it was never refilled), else `remaining` as it is. Returns the value
/// and the new `refilled_at`. What the store's atomic spend computes in one statement.
pub fn refilled(remaining: u32, refill: Option<Refill>, refilled_at: Option<i64>, now: i64) -> (u32, Option<i64>) {
    match refill {
        None => (remaining, refilled_at),
        Some(r) => {
            let b = refill_boundary(r.interval, now);
            if refilled_at.is_none_or(|at| at < b) {
                (r.amount, Some(b))
            } else {
                (remaining, refilled_at)
            }
        }
    }
}

fn not_covered(field: impl Into<String>, message: impl Into<String>) -> RuleError {
    RuleError::on(403, "conditions_not_covered", field, message)
}

/// Is `child`'s `interval` no more frequent than `parent`'s? (daily is more frequent than monthly)
fn interval_within(parent: Interval, child: Interval) -> bool {
    parent == child || (parent == Interval::Daily && child == Interval::Monthly)
}

/// Checks one field (one of [`FIELDS`]) of `child` against `parent`: `Ok(())` when the child is
/// not laxer there, else 403 `conditions_not_covered` on the field (`allowedIps[i]` for a block
/// no parent block contains).
///
/// - `notBefore`: none under a parent's, or an earlier one, is laxer;
/// - `allowedIps`: every child block inside some parent block (none under a parent's list is laxer);
/// - `remaining`: at most the parent's; a refill only under a parent's refill, with an `amount`
///   at most the parent's and an interval no more frequent (monthly under daily is fine);
/// - `rateLimit` "not above": `limit ≤` the parent's and `periodSeconds ≥` the parent's, so no
///   span of time lets the child more uses than the parent (a lower average rate with a larger
///   burst — 15 per 120 s under 10 per 60 s — is refused: sound, not complete).
pub fn cover_field(parent: &Conditions, child: &Conditions, field: &str) -> Result<(), RuleError> {
    match field {
        "notBefore" => match (parent.not_before, child.not_before) {
            (None, _) => Ok(()),
            (Some(p), Some(c)) if c >= p => Ok(()),
            _ => Err(not_covered("notBefore", "notBefore may not be earlier than the caller's")),
        },
        "allowedIps" => match (&parent.allowed_ips, &child.allowed_ips) {
            (None, _) => Ok(()),
            (Some(_), None) => Err(not_covered("allowedIps", "allowedIps may not be wider than the caller's (any address)")),
            (Some(p), Some(c)) => match c.iter().position(|cb| !p.iter().any(|pb| pb.contains(cb))) {
                None => Ok(()),
                Some(i) => Err(not_covered(format!("allowedIps[{i}]"), format!("allowedIps[{i}] is not inside the caller's allowedIps"))),
            },
        },
        "remaining" => match (parent.remaining, child.remaining) {
            (None, _) => Ok(()),
            (Some(_), None) => Err(not_covered("remaining", "remaining may not be unlimited under a caller with a limited number of uses")),
            (Some(p), Some(c)) if c > p => Err(not_covered("remaining", "remaining may not be above the caller's")),
            (Some(_), Some(_)) => Ok(()),
        },
        "refill" => match (parent.remaining, parent.refill, child.refill) {
            (None, _, _) | (_, _, None) => Ok(()),
            (Some(_), None, Some(_)) => Err(not_covered("refill", "refill is not allowed under a caller whose uses are not refilled")),
            (Some(_), Some(p), Some(c)) if c.amount <= p.amount && interval_within(p.interval, c.interval) => Ok(()),
            _ => Err(not_covered("refill", "refill may not be more, or more often, than the caller's")),
        },
        "rateLimit" => match (parent.rate_limit, child.rate_limit) {
            (None, _) => Ok(()),
            (Some(_), None) => Err(not_covered("rateLimit", "rateLimit may not be unlimited under a rate-limited caller")),
            (Some(p), Some(c)) if c.limit <= p.limit && c.period_seconds >= p.period_seconds => Ok(()),
            _ => Err(not_covered("rateLimit", "rateLimit may not be above the caller's (limit at most, period at least the caller's)")),
        },
        _ => Ok(()),
    }
}

/// Attenuation: `Ok(())` when `child` is nowhere laxer than `parent` ([`cover_field`] on every field).
pub fn cover(parent: &Conditions, child: &Conditions) -> Result<(), RuleError> {
    FIELDS.iter().try_for_each(|f| cover_field(parent, child, f))
}

/// The conditions a caller with `parent` grants when it asks for `body` (an object holding any
/// of [`FIELDS`], API form): a field absent from `body` is the caller's own (inherited); a field
/// given (`null` = none) is parsed (422) and must be covered by the caller's (403). `remaining`
/// inherited without being asked for is the caller's current count.
pub fn grant(parent: &Conditions, body: &Map<String, Value>) -> Result<Conditions, RuleError> {
    let asked = Conditions::parse(body, Form::Api)?;
    let mut c = asked.clone();
    if !body.contains_key("notBefore") {
        c.not_before = parent.not_before;
    }
    if !body.contains_key("allowedIps") {
        c.allowed_ips.clone_from(&parent.allowed_ips);
    }
    if !body.contains_key("remaining") {
        c.remaining = parent.remaining;
        if !body.contains_key("refill") {
            c.refill = parent.refill;
        }
    }
    if !body.contains_key("rateLimit") {
        c.rate_limit = parent.rate_limit;
    }
    if c.refill.is_some() && c.remaining.is_none() {
        return Err(bad("refill", "refill needs a remaining count"));
    }
    cover(parent, &c)?;
    Ok(c)
}

/// The conditions of a patched token: `patched` (API form) parsed (422), and every field that
/// differs from `old` covered by the caller's `parent` (403): a caller cannot lift a condition
/// it is itself under, nor loosen its own.
pub fn patched(parent: &Conditions, old: &Conditions, patched: &Map<String, Value>) -> Result<Conditions, RuleError> {
    let new = Conditions::parse(patched, Form::Api)?;
    let changed = |f: &str| match f {
        "notBefore" => new.not_before != old.not_before,
        "allowedIps" => new.allowed_ips != old.allowed_ips,
        "remaining" => new.remaining != old.remaining,
        "refill" => new.refill != old.refill,
        _ => new.rate_limit != old.rate_limit,
    };
    for f in FIELDS {
        if changed(f) {
            cover_field(parent, &new, f)?;
        }
    }
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn conds(v: Value) -> Conditions {
        Conditions::parse(v.as_object().unwrap(), Form::Api).unwrap()
    }

    fn err(v: Value) -> (String, &'static str) {
        let e = Conditions::parse(v.as_object().unwrap(), Form::Api).unwrap_err();
        (e.field.unwrap_or_default(), e.code)
    }

    #[test]
    fn parse_table() {
        let c = conds(json!({"notBefore": "2027-01-15T00:00:00Z", "allowedIps": ["10.1.2.3/8", "::1", "10.0.0.0/8"], "remaining": 5, "refill": {"amount": 10, "interval": "daily"}, "rateLimit": {"limit": 3, "periodSeconds": 60}}));
        assert_eq!(c.to_stored(), json!({"notBefore": Timestamp::parse("2027-01-15T00:00:00Z").unwrap().as_millisecond(), "allowedIps": ["10.0.0.0/8", "::1/128"], "remaining": 5, "refill": {"amount": 10, "interval": "daily"}, "rateLimit": {"limit": 3, "periodSeconds": 60}}));
        let back = Conditions::parse(c.to_stored().as_object().unwrap(), Form::Stored).unwrap();
        assert_eq!(back, c);
        assert!(conds(json!({})).is_empty());
        assert!(conds(json!({"notBefore": null, "allowedIps": null, "remaining": null, "refill": null, "rateLimit": null})).is_empty());
        let cases: &[(Value, &str, &str)] = &[
            (json!({"notBefore": "tomorrow"}), "notBefore", "invalid_field"),
            (json!({"notBefore": 5}), "notBefore", "invalid_field"),
            (json!({"allowedIps": []}), "allowedIps", "invalid_field"),
            (json!({"allowedIps": "10.0.0.0/8"}), "allowedIps", "invalid_field"),
            (json!({"allowedIps": ["10.0.0.0/8", "::1", "1.2.3.4", "10.0.0.0/33"]}), "allowedIps[3]", "invalid_field"),
            (json!({"allowedIps": [1]}), "allowedIps[0]", "invalid_field"),
            (json!({"allowedIps": vec!["1.2.3.4"; 101]}), "allowedIps", "invalid_field"),
            (json!({"remaining": -1}), "remaining", "invalid_field"),
            (json!({"remaining": 1.5}), "remaining", "invalid_field"),
            (json!({"remaining": "3"}), "remaining", "invalid_field"),
            (json!({"remaining": 1_000_000_001u64}), "remaining", "invalid_field"),
            (json!({"refill": {"amount": 1, "interval": "daily"}}), "refill", "invalid_field"),
            (json!({"remaining": 1, "refill": {"amount": 0, "interval": "daily"}}), "refill.amount", "invalid_field"),
            (json!({"remaining": 1, "refill": {"amount": 1, "interval": "weekly"}}), "refill.interval", "invalid_field"),
            (json!({"remaining": 1, "refill": {"amount": 1}}), "refill.interval", "invalid_field"),
            (json!({"remaining": 1, "refill": {"amount": 1, "interval": "daily", "x": 1}}), "refill.x", "unknown_field"),
            (json!({"rateLimit": {"limit": 0, "periodSeconds": 1}}), "rateLimit.limit", "invalid_field"),
            (json!({"rateLimit": {"limit": 1, "periodSeconds": 0}}), "rateLimit.periodSeconds", "invalid_field"),
            (json!({"rateLimit": {"limit": 1}}), "rateLimit.periodSeconds", "invalid_field"),
            (json!({"rateLimit": [1, 2]}), "rateLimit", "invalid_field"),
        ];
        for (v, field, code) in cases {
            assert_eq!(err(v.clone()), (field.to_string(), *code), "{v}");
        }
    }

    #[test]
    fn decision_table() {
        let c = conds(json!({"notBefore": "2027-01-15T08:00:00Z", "allowedIps": ["10.0.0.0/8"], "remaining": 2, "rateLimit": {"limit": 2, "periodSeconds": 60}}));
        let nb = c.not_before.unwrap();
        let code = |d: Decision| match d {
            Decision::Ok { .. } => "ok".to_string(),
            Decision::Count(Need::Rate { .. }) => "count rate".into(),
            Decision::Count(Need::Spend { .. }) => "count spend".into(),
            Decision::Refused { code, .. } => code.into(),
        };
        let none = Counters::default();
        assert_eq!(code(decide(&c, nb - 1, Some("10.0.0.1"), &none)), "not_yet_valid");
        assert_eq!(code(decide(&c, nb, Some("11.0.0.1"), &none)), "ip_not_allowed");
        assert_eq!(code(decide(&c, nb, None, &none)), "ip_not_allowed");
        assert_eq!(code(decide(&c, nb, Some("garbage"), &none)), "ip_not_allowed");
        assert_eq!(code(decide(&c, nb, Some("::ffff:10.0.0.1"), &none)), "count rate");
        let rate = |n| Counters { rate_count: Some(n), ..none };
        assert_eq!(code(decide(&c, nb, Some("10.0.0.1"), &rate(2))), "count spend");
        assert_eq!(code(decide(&c, nb, Some("10.0.0.1"), &Counters { spent: Some(true), remaining: Some(1), ..rate(2) })), "ok");
        assert_eq!(code(decide(&c, nb, Some("10.0.0.1"), &Counters { spent: Some(false), ..rate(1) })), "usage_exhausted");
        match decide(&c, nb + 30_500, Some("10.0.0.1"), &rate(3)) {
            Decision::Refused { status: 429, code: "rate_limited", retry_after_seconds: Some(s), .. } => {
                let (_, reset) = rate_window(&c.rate_limit.unwrap(), nb + 30_500);
                assert_eq!(s, ((reset - nb - 30_500) as u64).div_ceil(1000));
                assert!((1..=60).contains(&s));
            }
            d => panic!("{d:?}"),
        }
        assert_eq!(decide(&Conditions::default(), NOW, None, &none), Decision::Ok { remaining: None });
    }

    #[test]
    fn refill() {
        let t = |s: &str| Timestamp::parse(s).unwrap().as_millisecond();
        assert_eq!(refill_boundary(Interval::Daily, t("2027-03-15T13:14:15Z")), t("2027-03-15T00:00:00Z"));
        assert_eq!(refill_boundary(Interval::Monthly, t("2027-03-15T13:14:15Z")), t("2027-03-01T00:00:00Z"));
        assert_eq!(refill_boundary(Interval::Monthly, t("2027-03-01T00:00:00Z")), t("2027-03-01T00:00:00Z"));
        assert_eq!(refill_boundary(Interval::Daily, -1), -DAY_MS);
        let r = Some(Refill { amount: 10, interval: Interval::Daily });
        let now = t("2027-03-15T13:00:00Z");
        assert_eq!(refilled(3, r, Some(t("2027-03-15T00:00:00Z")), now), (3, Some(t("2027-03-15T00:00:00Z"))));
        assert_eq!(refilled(3, r, Some(t("2027-03-14T23:59:59Z")), now), (10, Some(t("2027-03-15T00:00:00Z"))));
        assert_eq!(refilled(3, None, Some(0), now), (3, Some(0)));
    }

    #[test]
    fn cover_table() {
        let p = conds(json!({"notBefore": "2027-01-01T00:00:00Z", "allowedIps": ["10.0.0.0/8", "2001:db8::/32"], "remaining": 10, "refill": {"amount": 10, "interval": "daily"}, "rateLimit": {"limit": 10, "periodSeconds": 60}}));
        assert_eq!(cover(&p, &p), Ok(()));
        assert_eq!(cover(&Conditions::default(), &p), Ok(()));
        let field = |child: Value| {
            let mut m = p.to_stored().as_object().unwrap().clone();
            m.insert("notBefore".into(), json!("2027-01-01T00:00:00Z"));
            for (k, v) in child.as_object().unwrap() {
                m.insert(k.clone(), v.clone());
            }
            cover(&p, &conds(Value::Object(m))).err().map(|e| e.field.unwrap_or_default())
        };
        assert_eq!(field(json!({"notBefore": "2027-06-01T00:00:00Z"})), None);
        assert_eq!(field(json!({"notBefore": "2026-06-01T00:00:00Z"})).as_deref(), Some("notBefore"));
        assert_eq!(field(json!({"notBefore": null})).as_deref(), Some("notBefore"));
        assert_eq!(field(json!({"allowedIps": ["10.1.0.0/16", "2001:db8:1::1"]})), None);
        assert_eq!(field(json!({"allowedIps": ["10.1.0.0/16", "11.0.0.0/8"]})).as_deref(), Some("allowedIps[1]"));
        assert_eq!(field(json!({"allowedIps": ["0.0.0.0/0"]})).as_deref(), Some("allowedIps[0]"));
        assert_eq!(field(json!({"allowedIps": null})).as_deref(), Some("allowedIps"));
        assert_eq!(field(json!({"remaining": 11})).as_deref(), Some("remaining"));
        assert_eq!(field(json!({"remaining": null, "refill": null})).as_deref(), Some("remaining"));
        assert_eq!(field(json!({"refill": {"amount": 11, "interval": "daily"}})).as_deref(), Some("refill"));
        assert_eq!(field(json!({"refill": {"amount": 10, "interval": "monthly"}})), None);
        assert_eq!(field(json!({"refill": null})), None);
        assert_eq!(field(json!({"rateLimit": {"limit": 10, "periodSeconds": 120}})), None);
        assert_eq!(field(json!({"rateLimit": {"limit": 11, "periodSeconds": 120}})).as_deref(), Some("rateLimit"));
        assert_eq!(field(json!({"rateLimit": {"limit": 5, "periodSeconds": 30}})).as_deref(), Some("rateLimit"));
        assert_eq!(field(json!({"rateLimit": null})).as_deref(), Some("rateLimit"));
        // a daily refill under a monthly one is more often
        let pm = conds(json!({"remaining": 10, "refill": {"amount": 10, "interval": "monthly"}}));
        let cd = conds(json!({"remaining": 1, "refill": {"amount": 1, "interval": "daily"}}));
        assert!(cover(&pm, &cd).is_err());
        assert!(cover(&conds(json!({"remaining": 10})), &cd).is_err());
    }

    #[test]
    fn grant_inherits_and_patch_checks_changes() {
        let p = conds(json!({"allowedIps": ["10.0.0.0/8"], "remaining": 10, "rateLimit": {"limit": 10, "periodSeconds": 60}}));
        let g = grant(&p, json!({"remaining": 3}).as_object().unwrap()).unwrap();
        assert_eq!((g.allowed_ips.clone(), g.remaining, g.rate_limit), (p.allowed_ips.clone(), Some(3), p.rate_limit));
        assert_eq!(grant(&p, json!({"allowedIps": null}).as_object().unwrap()).unwrap_err().code, "conditions_not_covered");
        assert_eq!(grant(&p, json!({"allowedIps": ["x"]}).as_object().unwrap()).unwrap_err().field.as_deref(), Some("allowedIps[0]"));
        // a patch that leaves a laxer field untouched is fine; loosening it is not
        let old = Conditions::default();
        assert!(patched(&p, &old, json!({"remaining": null}).as_object().unwrap()).is_ok());
        assert_eq!(patched(&p, &p, json!({"allowedIps": ["10.0.0.0/8"], "remaining": 10, "rateLimit": null}).as_object().unwrap()).unwrap_err().field.as_deref(), Some("rateLimit"));
        assert!(patched(&p, &p, json!({"allowedIps": ["10.0.0.0/8"], "remaining": 4, "rateLimit": {"limit": 10, "periodSeconds": 60}}).as_object().unwrap()).is_ok());
    }
}
