//! JS bindings for `crate::webhook`: signing and verifying deliveries, the same code for the
//! token service and for a receiver (in both builds). The service's webhook rules are in
//! `webhook_rules.rs` (full build only).

use wasm_bindgen::prelude::*;

use super::secret::string_arg;
use crate::webhook;
use crate::Error;

#[wasm_bindgen(typescript_custom_section)]
const TS_WEBHOOK: &'static str = r#"
/** An event a webhook endpoint may subscribe to. */
export type WebhookEvent = "token.expiring" | "token.leaked" | "token.reused";
/** The codes `verifyWebhookSignature` and `signWebhook` throw. */
export type WebhookSignatureErrorCode = "malformed_signature_header" | "signature_mismatch" | "signature_timestamp_out_of_tolerance" | "empty_secret" | "invalid_input";
"#;

/// Reads a body given as a string (its UTF-8 bytes) or as bytes (a `Uint8Array`/`ArrayBuffer`).
fn body_arg(v: &JsValue) -> Result<Vec<u8>, Error> {
    if let Some(s) = v.as_string() {
        return Ok(s.into_bytes());
    }
    if v.is_instance_of::<js_sys::Uint8Array>() {
        return Ok(js_sys::Uint8Array::new(v).to_vec());
    }
    if v.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(js_sys::Uint8Array::new(v).to_vec());
    }
    Err(Error::invalid_input("body", "expected a string, a Uint8Array or an ArrayBuffer"))
}

/// A whole number of seconds since the epoch (a JS number).
fn seconds_arg(field: &str, v: &JsValue) -> Result<i64, Error> {
    let n = v.as_f64().ok_or_else(|| Error::invalid_input(field, "expected a number of seconds"))?;
    if !n.is_finite() || n.fract() != 0.0 || !(0.0..=1e12).contains(&n) {
        return Err(Error::invalid_input(field, "expected whole seconds since 1970, at most 10^12"));
    }
    Ok(n as i64)
}

/// A new signing secret (`whsec_…`, the token format: 30 random base62 characters and a check),
/// from the platform CSPRNG. Shown once; the service keeps it encrypted, never in clear.
#[wasm_bindgen(js_name = generateWebhookSecret)]
pub fn generate_webhook_secret() -> Result<String, Error> {
    Ok(crate::secret::generate(webhook::SECRET_PREFIX)?)
}

/// The signature header value for a delivery of `body` at `timestampSeconds` (unix seconds):
/// `t=<t>,v1=<hex HMAC-SHA-256(secret, "<t>.<body>")>`. Throws `empty_secret`, `invalid_input`.
#[wasm_bindgen(js_name = signWebhook)]
pub fn sign_webhook(
    #[wasm_bindgen(unchecked_param_type = "string")] secret: JsValue,
    #[wasm_bindgen(js_name = timestampSeconds, unchecked_param_type = "number")] timestamp_seconds: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array | ArrayBuffer")] body: JsValue,
) -> Result<String, Error> {
    let secret = string_arg("secret", &secret)?;
    let t = seconds_arg("timestampSeconds", &timestamp_seconds)?;
    Ok(webhook::sign(secret.as_bytes(), t, &body_arg(&body)?)?)
}

/// Verifies a delivery: the `Tokenkit-Signature` header (`null` when absent), the raw body as
/// received (the string of `await request.text()` or its bytes), the endpoint's signing secret,
/// the receiver's clock in unix seconds and the tolerance in seconds (default 300). Returns the
/// signed timestamp. Throws `malformed_signature_header`, `signature_mismatch` (altered body,
/// wrong secret), `signature_timestamp_out_of_tolerance` (a replay), `empty_secret`,
/// `invalid_input`.
#[wasm_bindgen(js_name = verifyWebhookSignature)]
pub fn verify_webhook_signature(
    #[wasm_bindgen(unchecked_param_type = "string | null | undefined")] header: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array | ArrayBuffer")] body: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] secret: JsValue,
    #[wasm_bindgen(js_name = nowSeconds, unchecked_param_type = "number")] now_seconds: JsValue,
    #[wasm_bindgen(js_name = toleranceSeconds, unchecked_optional_param_type = "number")] tolerance_seconds: Option<JsValue>,
) -> Result<f64, Error> {
    let secret = string_arg("secret", &secret)?;
    let now = seconds_arg("nowSeconds", &now_seconds)?;
    let tolerance = match tolerance_seconds {
        None => webhook::DEFAULT_TOLERANCE_SECONDS,
        Some(v) if v.is_undefined() => webhook::DEFAULT_TOLERANCE_SECONDS,
        Some(v) => {
            let n = v.as_f64().filter(|n| n.is_finite() && n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(n));
            n.ok_or_else(|| Error::invalid_input("toleranceSeconds", "expected whole seconds, 0 or more"))? as u32
        }
    };
    let body = body_arg(&body)?;
    let header = if header.is_null() || header.is_undefined() { String::new() } else { string_arg("header", &header)? };
    Ok(webhook::verify(&header, &body, secret.as_bytes(), now, tolerance)? as f64)
}
