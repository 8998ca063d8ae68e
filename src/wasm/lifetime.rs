//! JS bindings for `crate::lifetime`.
//!
//! Instants cross the boundary as `Date`, epoch milliseconds or RFC 3339 strings, and come
//! back as RFC 3339 strings with milliseconds (the `toISOString()` form) or epoch ms numbers.
//! `null` (or `undefined`) means "never expires" wherever an expiry is taken or returned.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::lifetime::{self, CapMode, Lifetime, LifetimeError, Preset};
use crate::time::Timestamp;
use crate::Error;

#[wasm_bindgen(typescript_custom_section)]
const TS_LIFETIME: &'static str = r#"
/** Named lifetimes. Months and years are calendar arithmetic in UTC, clamped to month end. */
export type LifetimePreset =
  | "one-week" | "one-month" | "three-months" | "six-months" | "one-year"
  | "7-days" | "30-days" | "60-days" | "90-days";

/**
 * How long a token lives: a preset, `"never"`, a TTL in whole seconds (`-1` = never; `0` and
 * other negatives are rejected), an ISO 8601 duration (`"P30D"`, `"PT12H"`, `"P1Y2M"`) or an
 * RFC 3339 instant (`"2027-01-01T00:00:00Z"`).
 */
export type LifetimeInput = LifetimePreset | "never" | number | (string & {});

/** A point in time: a `Date`, epoch milliseconds, or an RFC 3339 string with a UTC offset. */
export type InstantInput = Date | number | string;

/** What `capExpiry` does with an expiry past the maximum: throw, or shorten it. */
export type CapMode = "error" | "clamp";
"#;

fn lifetime_err(e: LifetimeError) -> Error {
    e.into()
}

/// Reads an instant argument.
pub(crate) fn instant_from_js(field: &str, v: &JsValue) -> Result<Timestamp, Error> {
    let ms = if let Some(d) = v.dyn_ref::<js_sys::Date>() {
        d.get_time()
    } else if let Some(n) = v.as_f64() {
        n
    } else if let Some(s) = v.as_string() {
        return lifetime::parse_instant(&s)
            .map_err(|_| Error::invalid_input(field, "expected an RFC 3339 date-time with a UTC offset"));
    } else {
        return Err(Error::invalid_input(field, "expected a Date, epoch milliseconds or an RFC 3339 string"));
    };
    if !ms.is_finite() {
        return Err(Error::invalid_input(field, "not a valid time"));
    }
    // f64 → i64 saturates; out-of-range values are then rejected by `Timestamp::from_millisecond`.
    Timestamp::from_millisecond(ms.floor() as i64).map_err(|_| Error::invalid_input(field, "time out of range"))
}

/// Reads an optional instant: `null`/`undefined` = never.
fn optional_instant_from_js(field: &str, v: &JsValue) -> Result<Option<Timestamp>, Error> {
    if v.is_null() || v.is_undefined() {
        Ok(None)
    } else {
        instant_from_js(field, v).map(Some)
    }
}

/// Reads a lifetime argument: a string form or a TTL number.
pub(crate) fn lifetime_from_js(field: &str, v: &JsValue) -> Result<Lifetime, Error> {
    if let Some(s) = v.as_string() {
        return Lifetime::parse(&s).map_err(lifetime_err);
    }
    if let Some(n) = v.as_f64() {
        if !n.is_finite() || n.fract() != 0.0 {
            return Err(LifetimeError::InvalidTtl { reason: "a ttl must be a whole number of seconds" }.into());
        }
        // Saturating conversion: a huge positive ttl overflows later, a huge negative is rejected.
        return Lifetime::from_ttl_seconds(n as i64).map_err(lifetime_err);
    }
    Err(Error::invalid_input(field, "expected a preset, never, a ttl in seconds, an ISO 8601 duration or an RFC 3339 instant"))
}

fn instant_to_js(ts: Option<Timestamp>) -> JsValue {
    ts.map_or(JsValue::NULL, |t| JsValue::from_str(&lifetime::format_instant(t)))
}

fn instant_to_ms(ts: Option<Timestamp>) -> JsValue {
    ts.map_or(JsValue::NULL, |t| JsValue::from_f64(t.as_millisecond() as f64))
}

/// The expiry of a token created at `now` with `lifetime`, as an RFC 3339 string with
/// milliseconds (`"2027-01-01T00:00:00.000Z"`), or `null` for never.
/// Throws `invalid_lifetime`, `invalid_ttl`, `lifetime_in_past`, `lifetime_overflow`, `invalid_input`.
#[wasm_bindgen(js_name = expiresAt, unchecked_return_type = "string | null")]
pub fn expires_at(
    #[wasm_bindgen(unchecked_param_type = "LifetimeInput")] lifetime: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
) -> Result<JsValue, Error> {
    let lt = lifetime_from_js("lifetime", &lifetime)?;
    let now = instant_from_js("now", &now)?;
    Ok(instant_to_js(lt.expires_at(now)?))
}

/// `expiresAt` as epoch milliseconds, or `null` for never.
#[wasm_bindgen(js_name = expiresAtMs, unchecked_return_type = "number | null")]
pub fn expires_at_ms(
    #[wasm_bindgen(unchecked_param_type = "LifetimeInput")] lifetime: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
) -> Result<JsValue, Error> {
    let lt = lifetime_from_js("lifetime", &lifetime)?;
    let now = instant_from_js("now", &now)?;
    Ok(instant_to_ms(lt.expires_at(now)?))
}

/// Applies a maximum lifetime (counted from `now`) to an expiry (`null` = never). With `mode`
/// `"error"` (the default) an expiry past the maximum throws `lifetime_exceeds_maximum`; with
/// `"clamp"` it is shortened to the maximum. A `maxLifetime` of `"never"` means no maximum.
/// Returns the (possibly clamped) expiry as an RFC 3339 string, or `null`.
#[wasm_bindgen(js_name = capExpiry, unchecked_return_type = "string | null")]
pub fn cap_expiry(
    #[wasm_bindgen(unchecked_param_type = "InstantInput | null")] expiry: JsValue,
    #[wasm_bindgen(js_name = maxLifetime, unchecked_param_type = "LifetimeInput")] max_lifetime: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CapMode")] mode: Option<JsValue>,
) -> Result<JsValue, Error> {
    let expiry = optional_instant_from_js("expiry", &expiry)?;
    let max = lifetime_from_js("maxLifetime", &max_lifetime)?;
    let now = instant_from_js("now", &now)?;
    let mode = match mode {
        None => CapMode::default(),
        Some(m) => m
            .as_string()
            .and_then(|s| CapMode::from_name(&s))
            .ok_or_else(|| Error::invalid_input("mode", "expected \"error\" or \"clamp\""))?,
    };
    Ok(instant_to_js(lifetime::cap_lifetime(expiry, &max, now, mode)?))
}

/// Throws `outlives_issuer` when a token expiring at `childExpiry` would outlive its issuer
/// expiring at `issuerExpiry` (`null` = never). Equal expiries are allowed.
#[wasm_bindgen(js_name = checkOutlives)]
pub fn check_outlives(
    #[wasm_bindgen(js_name = childExpiry, unchecked_param_type = "InstantInput | null")] child_expiry: JsValue,
    #[wasm_bindgen(js_name = issuerExpiry, unchecked_param_type = "InstantInput | null")] issuer_expiry: JsValue,
) -> Result<(), Error> {
    let child = optional_instant_from_js("childExpiry", &child_expiry)?;
    let issuer = optional_instant_from_js("issuerExpiry", &issuer_expiry)?;
    Ok(lifetime::check_outlives(child, issuer)?)
}

/// When the previous secret of a rotated token stops working: `min(now + grace, tokenExpiry)`,
/// as an RFC 3339 string, or `null` when both are never.
#[wasm_bindgen(js_name = rotationGraceExpiresAt, unchecked_return_type = "string | null")]
pub fn rotation_grace_expires_at(
    #[wasm_bindgen(unchecked_param_type = "LifetimeInput")] grace: JsValue,
    #[wasm_bindgen(js_name = tokenExpiry, unchecked_param_type = "InstantInput | null")] token_expiry: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
) -> Result<JsValue, Error> {
    let grace = lifetime_from_js("grace", &grace)?;
    let token_expiry = optional_instant_from_js("tokenExpiry", &token_expiry)?;
    let now = instant_from_js("now", &now)?;
    Ok(instant_to_js(lifetime::rotation_grace_expiry(&grace, token_expiry, now)?))
}

/// `true` when a token expiring at `expiry` (`null` = never) is expired at `now` (`now >= expiry`).
#[wasm_bindgen(js_name = isExpired)]
pub fn is_expired(
    #[wasm_bindgen(unchecked_param_type = "InstantInput | null")] expiry: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
) -> Result<bool, Error> {
    let expiry = optional_instant_from_js("expiry", &expiry)?;
    let now = instant_from_js("now", &now)?;
    Ok(lifetime::is_expired(expiry, now))
}

/// The canonical form of an instant: RFC 3339 UTC with milliseconds (`toISOString()` form).
#[wasm_bindgen(js_name = formatInstant)]
pub fn format_instant(#[wasm_bindgen(unchecked_param_type = "InstantInput")] instant: JsValue) -> Result<String, Error> {
    Ok(lifetime::format_instant(instant_from_js("instant", &instant)?))
}

/// Every preset, in picker order (shortest first).
#[wasm_bindgen(js_name = lifetimePresets, unchecked_return_type = "LifetimePreset[]")]
pub fn lifetime_presets() -> JsValue {
    let arr = js_sys::Array::new();
    for p in Preset::ALL {
        arr.push(&JsValue::from_str(p.name()));
    }
    arr.into()
}
