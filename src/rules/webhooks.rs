//! Webhook rules: who may manage an account's webhook endpoints, which URLs and events they may
//! name, which expiry warnings are due for a token now, and when a failed delivery is retried.
//! The signature itself is [`crate::webhook`].
//!
//! - Events: a fixed set ([`EVENTS`]); an endpoint subscribes to one or more of them.
//! - URLs: `https://` only, unless the service runs locally and allows `http://` to a loopback
//!   host (`127.0.0.1`, `localhost`, `[::1]`) for a receiver on the developer's machine. A
//!   loopback or credential-bearing URL is never accepted otherwise.
//! - Expiry warnings: at [`WARNING_DAYS`] (30, 7 and 1 days before a token's expiry), at most one
//!   per threshold per token and expiry instant; a token that enters the window already past a
//!   wider threshold gets the tightest one it has reached only (a token created with 5 days left
//!   is warned at 7 and 1, not at 30).
//! - Deliveries: at most [`MAX_ATTEMPTS`] attempts; after the n-th failure the next one waits
//!   [`RETRY_BASE_SECONDS`] × 3^(n−1) (1 min, 3, 9, 27, 81 min, 4 h 3 min, 12 h 9 min).

use serde_json::Value;

use super::limits::check_length;
use super::manage::Role;
use super::RuleError;

/// The events an endpoint may subscribe to.
pub const EVENTS: &[&str] = &["token.expiring", "token.leaked", "token.reused"];
/// The expiry warnings' thresholds, in days before the expiry, widest first.
pub const WARNING_DAYS: [u32; 3] = [30, 7, 1];
/// Endpoints per account.
pub const MAX_WEBHOOKS: u32 = 10;
/// Attempts per delivery, the first included.
pub const MAX_ATTEMPTS: u32 = 8;
/// The wait after the first failed attempt; each further failure multiplies it by 3.
pub const RETRY_BASE_SECONDS: i64 = 60;

const DAY_MS: i64 = 86_400_000;

/// May the caller (role `role`, of the root account or not) manage the webhooks of an account
/// (`own`: its own)? 404 `not_found` for an account it may not see, 403 `forbidden` for a
/// non-admin of its own: owners and admins only, as for members.
pub fn require_manage_webhooks(role: Role, is_root: bool, own: bool) -> Result<(), RuleError> {
    if !(own || (is_root && role.is_admin())) {
        return Err(RuleError::new(404, "not_found", "no such account"));
    }
    if !role.is_admin() {
        return Err(RuleError::new(403, "forbidden", "only the account's owners and admins may manage webhooks"));
    }
    Ok(())
}

/// An account with `existing` endpoints may add one more? 409 `too_many_webhooks` if not.
pub fn check_webhook_count(existing: u32) -> Result<(), RuleError> {
    if existing >= MAX_WEBHOOKS {
        return Err(RuleError::new(409, "too_many_webhooks", format!("an account has at most {MAX_WEBHOOKS} webhook endpoints")));
    }
    Ok(())
}

/// Checks the `events` of a new endpoint: a non-empty array of distinct names from [`EVENTS`].
/// Returns them in [`EVENTS`] order. 422 `invalid_field` on `events` otherwise.
pub fn check_events(value: Option<&Value>) -> Result<Vec<&'static str>, RuleError> {
    let bad = |m: String| RuleError::on(422, "invalid_field", "events", m);
    let Some(Value::Array(items)) = value else {
        return Err(bad(format!("events must be an array of event names: {}", EVENTS.join(", "))));
    };
    if items.is_empty() {
        return Err(bad("events must name at least one event".into()));
    }
    let mut picked = [false; EVENTS.len()];
    for item in items {
        let Some(name) = item.as_str() else { return Err(bad("events must hold strings".into())) };
        let Some(i) = EVENTS.iter().position(|e| *e == name) else {
            let shown: String = name.chars().take(40).collect();
            return Err(bad(format!("unknown event {shown:?}: expected one of {}", EVENTS.join(", "))));
        };
        if picked[i] {
            return Err(bad(format!("event {name} is listed twice")));
        }
        picked[i] = true;
    }
    Ok(EVENTS.iter().zip(picked).filter(|(_, p)| *p).map(|(e, _)| *e).collect())
}

fn is_loopback(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    h == "localhost" || h.ends_with(".localhost") || h == "[::1]" || (h.starts_with("127.") && h.bytes().all(|c| c.is_ascii_digit() || c == b'.'))
}

/// Checks an endpoint URL and returns it as given. `https://host[:port][/path][?query]`; with
/// `allow_loopback_http` (a local service), also `http://` to a loopback host. Refused (422
/// `invalid_field` on `url`): not a string, longer than the table's `url` limit, whitespace or
/// control characters, another scheme, user info (`user:pass@`), a fragment, an empty host or
/// a bad port, a loopback host when not allowed, plain `http` to anything else.
pub fn check_webhook_url(value: Option<&Value>, allow_loopback_http: bool) -> Result<String, RuleError> {
    let bad = |m: &str| RuleError::on(422, "invalid_field", "url", m.to_string());
    let Some(Value::String(url)) = value else { return Err(bad("url must be a string")) };
    check_length("url", url)?;
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("url must not contain spaces or control characters"));
    }
    let lower = url.to_ascii_lowercase();
    let (https, rest) = if lower.starts_with("https://") {
        (true, &url[8..])
    } else if lower.starts_with("http://") {
        (false, &url[7..])
    } else {
        return Err(bad("url must start with https://"));
    };
    if url.contains('#') {
        return Err(bad("url must not have a fragment"));
    }
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(bad("url must not carry user info"));
    }
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(i) => (&authority[..=i], &authority[i + 1..]),
            None => return Err(bad("url has a malformed host")),
        }
    } else {
        match authority.find(':') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, ""),
        }
    };
    if host.is_empty() || host == "[]" {
        return Err(bad("url has no host"));
    }
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        // An IPv6 literal: hex digits, `:` and `.` (an embedded IPv4), at least one `:`.
        Some(v6) => v6.contains(':') && v6.bytes().all(|c| c.is_ascii_hexdigit() || c == b':' || c == b'.'),
        None => host.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-'),
    };
    if !host_ok {
        return Err(bad("url has a malformed host"));
    }
    if !port.is_empty() {
        // Checked as bytes, never sliced by byte offset (the text may hold any character).
        let digits = port.strip_prefix(':').unwrap_or("");
        if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|c| c.is_ascii_digit()) || digits.parse::<u32>().map_or(true, |p| p == 0 || p > 65535) {
            return Err(bad("url has a malformed port"));
        }
    }
    let loopback = is_loopback(host);
    if loopback && !allow_loopback_http {
        return Err(bad("url must not point at a loopback host"));
    }
    if !https && !loopback {
        return Err(bad("url must start with https:// (http:// only to a loopback host, and only on a local service)"));
    }
    Ok(url.clone())
}

/// An expiry warning due now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryWarning {
    /// The threshold reached, in days (one of [`WARNING_DAYS`]).
    pub threshold_days: u32,
    /// When the next tighter threshold is reached (epoch ms); the token's expiry after the last.
    /// Until then nothing more is due for this token and expiry.
    pub next_due_at: i64,
}

/// Which expiry warning is due now for a token expiring at `expires_at` (epoch ms; `None` =
/// never), given the thresholds already sent for this expiry (`sent`, in days). `None` when
/// nothing is due: no expiry, already expired, further out than the widest threshold, or the
/// tightest threshold reached already sent.
pub fn expiry_warning_due(expires_at: Option<i64>, now: i64, sent: &[u32]) -> Option<ExpiryWarning> {
    let exp = expires_at?;
    if exp <= now {
        return None;
    }
    let left = exp - now;
    // The tightest threshold whose window holds now.
    let (i, days) = WARNING_DAYS.iter().enumerate().rev().find(|(_, d)| left <= i64::from(**d) * DAY_MS)?;
    if sent.contains(days) {
        return None;
    }
    let next_due_at = WARNING_DAYS.get(i + 1).map_or(exp, |d| exp - i64::from(*d) * DAY_MS);
    Some(ExpiryWarning { threshold_days: *days, next_due_at })
}

/// The widest threshold in ms: tokens expiring within it from now are the candidates.
pub fn expiry_warning_horizon_ms() -> i64 {
    i64::from(WARNING_DAYS[0]) * DAY_MS
}

/// What becomes of a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// The receiver answered 2xx.
    Delivered,
    /// It failed; the next attempt is at this instant (epoch ms).
    Retry(i64),
    /// It failed and that was the last attempt.
    Failed,
}

impl DeliveryState {
    /// `delivered`, `pending` or `failed`: the delivery's stored status.
    pub fn name(self) -> &'static str {
        match self {
            DeliveryState::Delivered => "delivered",
            DeliveryState::Retry(_) => "pending",
            DeliveryState::Failed => "failed",
        }
    }
}

/// The outcome of attempt number `attempt` (1 for the first) made at `now`, which got the HTTP
/// `status` (`None`: no response — a network error or a timeout). 2xx is delivered; anything
/// else is retried with exponential backoff until [`MAX_ATTEMPTS`].
pub fn delivery_outcome(status: Option<u16>, attempt: u32, now: i64) -> DeliveryState {
    if matches!(status, Some(200..=299)) {
        return DeliveryState::Delivered;
    }
    if attempt >= MAX_ATTEMPTS {
        return DeliveryState::Failed;
    }
    let wait = RETRY_BASE_SECONDS.saturating_mul(3i64.saturating_pow(attempt.saturating_sub(1))).saturating_mul(1000);
    DeliveryState::Retry(now.saturating_add(wait))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn permissions() {
        assert!(require_manage_webhooks(Role::Owner, false, true).is_ok());
        assert!(require_manage_webhooks(Role::Admin, false, true).is_ok());
        assert!(require_manage_webhooks(Role::Admin, true, false).is_ok());
        assert_eq!(require_manage_webhooks(Role::Member, false, true).unwrap_err().status, 403);
        assert_eq!(require_manage_webhooks(Role::Owner, false, false).unwrap_err().status, 404);
        assert_eq!(require_manage_webhooks(Role::Member, true, false).unwrap_err().status, 404);
        assert!(check_webhook_count(MAX_WEBHOOKS - 1).is_ok());
        assert_eq!(check_webhook_count(MAX_WEBHOOKS).unwrap_err().code, "too_many_webhooks");
    }

    #[test]
    fn events() {
        assert_eq!(check_events(Some(&json!(["token.reused", "token.expiring"]))).unwrap(), vec!["token.expiring", "token.reused"]);
        for bad in [json!(null), json!("token.expiring"), json!([]), json!(["token.expiring", "token.expiring"]), json!(["nope"]), json!([1]), json!(["a", "b", "c", "d"])] {
            let e = check_events(Some(&bad)).unwrap_err();
            assert_eq!((e.status, e.field.as_deref()), (422, Some("events")), "{bad}");
        }
        assert!(check_events(None).is_err());
    }

    #[test]
    fn urls() {
        let ok = |u: &str, local: bool| check_webhook_url(Some(&json!(u)), local);
        for u in ["https://example.com/hooks", "https://a.example:8443/x?y=1", "HTTPS://EXAMPLE.COM", "https://[2001:db8::1]/x"] {
            assert_eq!(ok(u, false).unwrap(), u);
        }
        for u in ["http://127.0.0.1:9000/hook", "http://localhost/x", "http://[::1]:80/", "https://127.0.0.1/x"] {
            assert!(ok(u, true).is_ok(), "{u}");
            assert!(ok(u, false).is_err(), "{u}");
        }
        for u in [
            "http://example.com/x",
            "ftp://example.com",
            "example.com",
            "https://",
            "https:///x",
            "https://user:pw@example.com/",
            "https://example.com/#frag",
            "https://exa mple.com",
            "https://example.com:0/",
            "https://example.com:99999/",
            "https://example.com:/",
            "https://exa_mple.com/",
            "https://[::1/",
            "http://127.0.0.1.evil.com/",
            "https://[0]\u{FFFD}:8",
            "https://[0]/",
            "https://[::1]x/",
            "https://example.com\u{e9}/",
            "https://example.com:\u{FFFD}/",
        ] {
            let e = ok(u, true).unwrap_err();
            assert_eq!((e.status, e.code, e.field.as_deref()), (422, "invalid_field", Some("url")), "{u}");
        }
        assert!(check_webhook_url(Some(&json!(5)), true).is_err());
        assert!(check_webhook_url(None, true).is_err());
        assert!(ok(&format!("https://example.com/{}", "a".repeat(3000)), false).is_err());
    }

    #[test]
    fn expiry_warnings() {
        let now = 1_000 * DAY_MS;
        let at = |days: i64, ms: i64| Some(now + days * DAY_MS + ms);
        assert_eq!(expiry_warning_due(None, now, &[]), None);
        assert_eq!(expiry_warning_due(Some(now), now, &[]), None);
        assert_eq!(expiry_warning_due(at(30, 1), now, &[]), None);
        assert_eq!(expiry_warning_due(at(30, 0), now, &[]), Some(ExpiryWarning { threshold_days: 30, next_due_at: now + 23 * DAY_MS }));
        assert_eq!(expiry_warning_due(at(10, 0), now, &[30]), None);
        assert_eq!(expiry_warning_due(at(7, 0), now, &[30]), Some(ExpiryWarning { threshold_days: 7, next_due_at: now + 6 * DAY_MS }));
        // created with 5 days left: 7 now, never 30 later
        assert_eq!(expiry_warning_due(at(5, 0), now, &[]).unwrap().threshold_days, 7);
        assert_eq!(expiry_warning_due(at(0, 5), now, &[30, 7]), Some(ExpiryWarning { threshold_days: 1, next_due_at: now + 5 }));
        assert_eq!(expiry_warning_due(at(0, 5), now, &[1]), None);
        assert_eq!(expiry_warning_horizon_ms(), 30 * DAY_MS);
    }

    #[test]
    fn backoff() {
        assert_eq!(delivery_outcome(Some(200), 1, 0), DeliveryState::Delivered);
        assert_eq!(delivery_outcome(Some(204), MAX_ATTEMPTS, 0), DeliveryState::Delivered);
        assert_eq!(delivery_outcome(Some(500), 1, 0), DeliveryState::Retry(60_000));
        assert_eq!(delivery_outcome(None, 2, 0), DeliveryState::Retry(180_000));
        assert_eq!(delivery_outcome(Some(301), 3, 10), DeliveryState::Retry(10 + 540_000));
        assert_eq!(delivery_outcome(Some(404), MAX_ATTEMPTS, 0), DeliveryState::Failed);
        assert_eq!(delivery_outcome(Some(500), u32::MAX, 0), DeliveryState::Failed);
        assert_eq!(DeliveryState::Retry(1).name(), "pending");
    }
}
