//! JS bindings for `crate::rules::webhooks` (endpoint URLs and events, expiry warnings, the retry
//! schedule): the token service's, in the full build only. `requireManageWebhooks` is in
//! `rules.rs` with the other role rules.

use wasm_bindgen::prelude::*;

use super::lifetime::instant_from_js;
use super::secret::set;
use super::from_js_json;
use crate::rules::webhooks::{self as rules, DeliveryState};
use crate::webhook;
use crate::Error;

#[wasm_bindgen(typescript_custom_section)]
const TS_WEBHOOK_RULES: &'static str = r#"
/** The webhook rules' constants (`webhookRules()`). */
export interface WebhookRules {
  /** The header the service signs deliveries in: "Tokenkit-Signature". */
  signatureHeader: string;
  /** The tolerance to verify with when there is no reason to pick another (seconds). */
  defaultToleranceSeconds: number;
  events: WebhookEvent[];
  /** Expiry warnings' thresholds, days before the expiry, widest first. */
  warningDays: number[];
  /** Tokens expiring within this many ms from now are candidates for a warning. */
  warningHorizonMs: number;
  maxWebhooks: number;
  /** Attempts per delivery, the first included. */
  maxAttempts: number;
}
/** An expiry warning due now. */
export interface ExpiryWarning { thresholdDays: number; nextDueAt: number }
/** A delivery after an attempt: its stored status and, when pending, its next attempt (epoch ms). */
export interface DeliveryOutcome { status: "delivered" | "pending" | "failed"; nextAttemptAt: number | null }
"#;

/// The webhook rules' constants: the signature header, the events, the warning thresholds, the
/// limits.
#[wasm_bindgen(js_name = webhookRules, unchecked_return_type = "WebhookRules")]
pub fn webhook_rules() -> JsValue {
    let o = js_sys::Object::new();
    set(&o, "signatureHeader", webhook::SIGNATURE_HEADER);
    set(&o, "defaultToleranceSeconds", webhook::DEFAULT_TOLERANCE_SECONDS);
    let events = js_sys::Array::new();
    for e in rules::EVENTS {
        events.push(&JsValue::from_str(e));
    }
    set(&o, "events", events);
    let days = js_sys::Array::new();
    for d in rules::WARNING_DAYS {
        days.push(&JsValue::from(d));
    }
    set(&o, "warningDays", days);
    set(&o, "warningHorizonMs", rules::expiry_warning_horizon_ms() as f64);
    set(&o, "maxWebhooks", rules::MAX_WEBHOOKS);
    set(&o, "maxAttempts", rules::MAX_ATTEMPTS);
    o.into()
}

/// Checks a new endpoint's URL (`https://`; `http://` to a loopback host only when
/// `allowLoopbackHttp`, a local service) and returns it. Throws 422 `invalid_field` on `url`.
#[wasm_bindgen(js_name = checkWebhookUrl)]
pub fn check_webhook_url(
    #[wasm_bindgen(unchecked_param_type = "unknown")] url: JsValue,
    #[wasm_bindgen(js_name = allowLoopbackHttp)] allow_loopback_http: bool,
) -> Result<String, Error> {
    let v = url.as_string().map(serde_json::Value::String);
    Ok(rules::check_webhook_url(v.as_ref(), allow_loopback_http)?)
}

/// Checks a new endpoint's events (a non-empty array of distinct `WebhookEvent`s) and returns
/// them in the canonical order. Throws 422 `invalid_field` on `events`.
#[wasm_bindgen(js_name = checkWebhookEvents, unchecked_return_type = "WebhookEvent[]")]
pub fn check_webhook_events(#[wasm_bindgen(unchecked_param_type = "unknown")] events: JsValue) -> Result<JsValue, Error> {
    let v: Option<serde_json::Value> = if events.is_undefined() { None } else { Some(from_js_json("events", &events)?) };
    let out = js_sys::Array::new();
    for e in rules::check_events(v.as_ref())? {
        out.push(&JsValue::from_str(e));
    }
    Ok(out.into())
}

/// Throws 409 `too_many_webhooks` when an account with `existing` endpoints may not add one.
#[wasm_bindgen(js_name = checkWebhookCount)]
pub fn check_webhook_count(existing: u32) -> Result<(), Error> {
    Ok(rules::check_webhook_count(existing)?)
}

/// The expiry warning due now for a token expiring at `expiresAt` (epoch ms or RFC 3339; null =
/// never) given the thresholds already sent for this expiry (days), or null.
#[wasm_bindgen(js_name = expiryWarningDue, unchecked_return_type = "ExpiryWarning | null")]
pub fn expiry_warning_due(
    #[wasm_bindgen(js_name = expiresAt, unchecked_param_type = "number | string | null")] expires_at: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number | string")] now: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number[]")] sent: JsValue,
) -> Result<JsValue, Error> {
    let exp = if expires_at.is_null() || expires_at.is_undefined() { None } else { Some(instant_from_js("expiresAt", &expires_at)?.as_millisecond()) };
    let now = instant_from_js("now", &now)?.as_millisecond();
    let sent: Vec<u32> = from_js_json("sent", &sent)?;
    Ok(match rules::expiry_warning_due(exp, now, &sent) {
        None => JsValue::NULL,
        Some(w) => {
            let o = js_sys::Object::new();
            set(&o, "thresholdDays", w.threshold_days);
            set(&o, "nextDueAt", w.next_due_at as f64);
            o.into()
        }
    })
}

/// What becomes of a delivery after attempt number `attempt` (1 for the first) made at `now`
/// (epoch ms) that got the HTTP `status` (null: no response). 2xx is delivered; otherwise it is
/// retried with exponential backoff, or failed after the last attempt.
#[wasm_bindgen(js_name = deliveryOutcome, unchecked_return_type = "DeliveryOutcome")]
pub fn delivery_outcome(
    #[wasm_bindgen(unchecked_param_type = "number | null")] status: JsValue,
    attempt: u32,
    #[wasm_bindgen(unchecked_param_type = "number | string")] now: JsValue,
) -> Result<JsValue, Error> {
    let status = if status.is_null() || status.is_undefined() {
        None
    } else {
        let n = status.as_f64().filter(|n| n.fract() == 0.0 && (0.0..=999.0).contains(n));
        Some(n.ok_or_else(|| Error::invalid_input("status", "expected an HTTP status or null"))? as u16)
    };
    let now = instant_from_js("now", &now)?.as_millisecond();
    let d = rules::delivery_outcome(status, attempt, now);
    let o = js_sys::Object::new();
    set(&o, "status", d.name());
    set(&o, "nextAttemptAt", if let DeliveryState::Retry(at) = d { JsValue::from_f64(at as f64) } else { JsValue::NULL });
    Ok(o.into())
}
