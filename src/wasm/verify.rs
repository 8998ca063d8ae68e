//! JS bindings for the verification decision (`crate::rules::verify`): is a presented token
//! well-formed with a valid checksum (no storage read), and what does the row found by its
//! digest say. In the default build: a resource server that shares the token store decides with
//! these exactly as the token service does (the service's other rules are in `rules`, only in
//! the full build).

use wasm_bindgen::prelude::*;

use super::lifetime::instant_from_js;
use super::secret::set;
use crate::rules::verify::{self, StoredState};
use crate::Error;

#[wasm_bindgen(typescript_custom_section)]
const TS_VERIFY: &'static str = r#"
/** What the verification decision reads of a stored token (epoch ms). */
export interface StoredState {
  digest: string;
  previousDigest?: string | null;
  previousExpiresAt?: number | null;
  revokedAt?: number | null;
  /** When the token was disabled (a reversible pause); null = enabled. */
  disabledAt?: number | null;
  expiresAt?: number | null;
  /** The older retired secret's digest the row was found through (reuse detection), if any. */
  retiredDigest?: string | null;
}
/** The rule that decided a verification. */
export type VerifyRule = "presented" | "format" | "checksum" | "lookup" | "revocation" | "disabled" | "rotation_grace" | "reuse" | "expiry";
/** A verification decision. */
export interface Verdict {
  valid: boolean;
  code: "ok" | "missing_token" | "malformed_token" | "invalid_checksum" | "unknown_token" | "revoked" | "reused_secret" | "disabled" | "expired";
  rule: VerifyRule;
  message: string;
  /** The presented secret is the rotated-out one, in its grace: it may not mint secrets. */
  previous: boolean;
  /** Revoke the token now (reason `reused`): a retired secret was presented (`reused_secret`). */
  revoke: boolean;
}
"#;

pub(crate) fn ms_opt(field: &str, v: &JsValue) -> Result<Option<i64>, Error> {
    if v.is_null() || v.is_undefined() {
        Ok(None)
    } else {
        Ok(Some(instant_from_js(field, v)?.as_millisecond()))
    }
}

pub(crate) fn ms(field: &str, v: &JsValue) -> Result<i64, Error> {
    Ok(instant_from_js(field, v)?.as_millisecond())
}

// Arguments are read field by field and results built as plain objects, not through a serde
// type each: every derived (de)serializer the facade instantiates costs wasm size (bench/NOTES.md).

pub(crate) fn get(v: &JsValue, key: &'static str) -> JsValue {
    js_sys::Reflect::get(v, &super::constant(key)).unwrap_or(JsValue::UNDEFINED)
}

pub(crate) fn object_arg<'a>(field: &str, v: &'a JsValue) -> Result<&'a JsValue, Error> {
    if v.is_object() {
        Ok(v)
    } else {
        Err(Error::invalid_input(field, "expected an object"))
    }
}

pub(crate) fn str_field(field: &str, v: &JsValue, key: &'static str) -> Result<String, Error> {
    get(v, key).as_string().ok_or_else(|| Error::invalid_input(format!("{field}.{key}"), "expected a string"))
}

pub(crate) fn opt_str_field(field: &str, v: &JsValue, key: &'static str) -> Result<Option<String>, Error> {
    let x = get(v, key);
    if x.is_null() || x.is_undefined() {
        return Ok(None);
    }
    x.as_string().map(Some).ok_or_else(|| Error::invalid_input(format!("{field}.{key}"), "expected a string or null"))
}

pub(crate) fn opt_ms_field(field: &str, v: &JsValue, key: &'static str) -> Result<Option<i64>, Error> {
    let x = get(v, key);
    if x.is_null() || x.is_undefined() {
        return Ok(None);
    }
    // The field's name is formatted only for an error.
    match instant_from_js("", &x) {
        Ok(t) => Ok(Some(t.as_millisecond())),
        Err(_) => ms_opt(&format!("{field}.{key}"), &x),
    }
}

pub(crate) fn state_arg(v: &JsValue) -> Result<Option<StoredState>, Error> {
    if v.is_null() || v.is_undefined() {
        return Ok(None);
    }
    let v = object_arg("row", v)?;
    Ok(Some(StoredState {
        digest: str_field("row", v, "digest")?,
        previous_digest: opt_str_field("row", v, "previousDigest")?,
        previous_expires_at: opt_ms_field("row", v, "previousExpiresAt")?,
        revoked_at: opt_ms_field("row", v, "revokedAt")?,
        disabled_at: opt_ms_field("row", v, "disabledAt")?,
        expires_at: opt_ms_field("row", v, "expiresAt")?,
        retired_digest: opt_str_field("row", v, "retiredDigest")?,
    }))
}

pub(crate) fn verdict_js(v: &verify::Verdict) -> JsValue {
    let o = js_sys::Object::new();
    set(&o, "valid", v.valid);
    set(&o, "code", super::constant(v.code));
    set(&o, "rule", super::constant(v.rule.name()));
    set(&o, "message", v.message.as_str());
    set(&o, "previous", v.previous);
    set(&o, "revoke", v.revoke);
    o.into()
}

/// The first verification step, before any storage read: `null` for a well-formed token with a
/// valid checksum, else the verdict (`missing_token`, `malformed_token`, `invalid_checksum`).
#[wasm_bindgen(js_name = checkPresented, unchecked_return_type = "Verdict | null")]
pub fn check_presented(#[wasm_bindgen(unchecked_param_type = "unknown")] token: JsValue) -> Result<JsValue, Error> {
    match verify::check_presented(token.as_string().as_deref()) {
        Ok(()) => Ok(JsValue::NULL),
        Err(v) => Ok(verdict_js(&v)),
    }
}

/// The verification decision from the row found by the presented secret's `digest` (or
/// `null`), at `now`.
#[wasm_bindgen(js_name = decideVerification, unchecked_return_type = "Verdict")]
pub fn decide_verification(
    #[wasm_bindgen(unchecked_param_type = "StoredState | null")] row: JsValue,
    digest: &str,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
) -> Result<JsValue, Error> {
    let state = state_arg(&row)?;
    Ok(verdict_js(&verify::decide(state.as_ref(), digest, ms("now", &now)?)))
}

/// Throws 403 `previous_secret` for a rotated-out secret in its grace: it may not mint secrets.
#[wasm_bindgen(js_name = requireCurrent)]
pub fn require_current(previous: bool) -> Result<(), Error> {
    Ok(verify::require_current(previous)?)
}

/// Is `digest` the current secret of a stored token that is not revoked (expiry aside)?
#[wasm_bindgen(js_name = isCurrentSecret)]
pub fn is_current_secret(#[wasm_bindgen(unchecked_param_type = "StoredState | null")] row: JsValue, digest: &str) -> Result<bool, Error> {
    let state = state_arg(&row)?;
    Ok(verify::is_current(state.as_ref(), digest))
}

