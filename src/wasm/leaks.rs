//! JS bindings for `crate::rules::leaks` (leak reports from secret scanners) and the reuse and
//! pepper-keyring rules the service's lookups follow. The host (the token service) reads the
//! request, runs the WebCrypto ECDSA verify and the storage reads; every decision is here.

use wasm_bindgen::prelude::*;

use super::verify::{ms, state_arg};
use super::to_js;
use crate::rules::leaks;
use crate::rules::peppers;
use crate::rules::verify::RETIRED_SECRETS_KEPT;
use crate::Error;

#[wasm_bindgen(typescript_custom_section)]
const TS_LEAKS: &'static str = r#"
/** What the host verifies for a leak report: `crypto.subtle.importKey("spki", spki, {name: "ECDSA",
 *  namedCurve: "P-256"}, …)` then `verify({name: "ECDSA", hash: "SHA-256"}, key, signature, body)`. */
export interface LeakSignatureCheck {
  /** The SubjectPublicKeyInfo (DER) of the key the request names. */
  spki: Uint8Array;
  /** The signature converted from DER to `r‖s` (IEEE P1363, 64 bytes). */
  signature: Uint8Array;
}
/** One reported string of a leak report (GitHub's partner format). */
export interface LeakCandidate { token: string; type: string; url: string | null; source: string | null }
/** A candidate before any storage read. */
export interface LeakClassification {
  /** SHA-256 hex of the candidate (the answer's `token_hash`). */
  tokenHash: string;
  /** A tokenkit token with a valid checksum: look it up. Anything else is `false_positive` without a read. */
  lookup: boolean;
}
/** A looked-up candidate's label and what to do about it. */
export interface LeakLabel {
  label: "true_positive" | "false_positive";
  /** `revoke`: a live token, revoke it now (reason `leaked`); `disable`: a live token of an
   *  account whose policy says `onLeak: "disable"`, disable it now. */
  action: "none" | "revoke" | "disable";
  /** The verification code the candidate got (`ok`, `revoked`, `unknown_token`, …). */
  code: string;
}
/** The bounds of a leak report. */
export interface LeakLimits { maxBytes: number; maxCandidates: number }
/** A pepper keyring: the current pepper (null: plain SHA-256 digests) and every configured one,
 *  current first then older versions, newest first. */
export interface PepperRing { current: Pepper | null; peppers: Pepper[] }
"#;

/// The leak report's signature headers against the key listing (`TOKENKIT_SECRET_SCANNING_KEYS`):
/// the key and the `r‖s` signature to verify. Throws 503 `scanning_not_configured` /
/// `invalid_scanning_keys`, 401 `missing_signature` / `unknown_key_identifier` /
/// `malformed_signature` (the `field` names the header).
#[wasm_bindgen(js_name = leakSignatureCheck, unchecked_return_type = "LeakSignatureCheck")]
pub fn leak_signature_check(
    #[wasm_bindgen(js_name = keysDocument)] keys_document: Option<String>,
    #[wasm_bindgen(js_name = keyIdentifier)] key_identifier: Option<String>,
    signature: Option<String>,
) -> Result<JsValue, Error> {
    let c = leaks::signature_check(keys_document.as_deref(), key_identifier.as_deref(), signature.as_deref())?;
    let o = js_sys::Object::new();
    super::secret::set(&o, "spki", js_sys::Uint8Array::from(c.spki.as_slice()));
    super::secret::set(&o, "signature", js_sys::Uint8Array::from(c.signature.as_slice()));
    Ok(o.into())
}

/// The host's ECDSA verify answer as the decision: throws 401 `invalid_signature` unless `verified`.
#[wasm_bindgen(js_name = requireLeakSignature)]
pub fn require_leak_signature(verified: bool) -> Result<(), Error> {
    Ok(leaks::require_signature(verified)?)
}

/// Parses a leak report body (a JSON array of `{token, type, url, source}`). Throws 400
/// `invalid_json`, 413 `too_many_candidates`, 422 `invalid_field` (`field`: `[3].token`).
#[wasm_bindgen(js_name = parseLeakReport, unchecked_return_type = "LeakCandidate[]")]
pub fn parse_leak_report(body: &str) -> Result<JsValue, Error> {
    to_js(&leaks::parse_report(body)?)
}

/// A candidate's `token_hash` and whether it is worth a lookup (format and checksum), before any
/// storage read.
#[wasm_bindgen(js_name = classifyLeakCandidate, unchecked_return_type = "LeakClassification")]
pub fn classify_leak_candidate(token: &str) -> Result<JsValue, Error> {
    to_js(&leaks::classify(token))
}

/// The label of a looked-up candidate from the row found by its `digest` (or `null`), at `now`,
/// under its account's `policy` (`onLeak`; null or absent: revoke).
#[wasm_bindgen(js_name = labelLeak, unchecked_return_type = "LeakLabel")]
pub fn label_leak(
    #[wasm_bindgen(unchecked_param_type = "StoredState | null")] row: JsValue,
    digest: &str,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
    #[wasm_bindgen(unchecked_param_type = "AccountPolicy | null | undefined")] policy: JsValue,
) -> Result<JsValue, Error> {
    let state = state_arg(&row)?;
    let on_leak = super::rules::policy_arg(&policy)?.on_leak;
    to_js(&leaks::label(state.as_ref(), digest, ms("now", &now)?, on_leak))
}

/// The bounds of a leak report: body bytes and candidates.
#[wasm_bindgen(js_name = leakLimits, unchecked_return_type = "LeakLimits")]
pub fn leak_limits() -> JsValue {
    let o = js_sys::Object::new();
    super::secret::set(&o, "maxBytes", leaks::MAX_REPORT_BYTES as f64);
    super::secret::set(&o, "maxCandidates", leaks::MAX_CANDIDATES as f64);
    o.into()
}

/// How many retired secrets of a token are kept for reuse detection (the rotated-out one
/// included).
#[wasm_bindgen(js_name = retiredSecretsKept)]
pub fn retired_secrets_kept() -> u32 {
    RETIRED_SECRETS_KEPT as u32
}

/// The pepper keyring from the service's settings: `ring` (`TOKENKIT_PEPPERS`, JSON `{"current":
/// "3", "peppers": {"2": "…", "3": "…"}}`), `single` (`TOKENKIT_PEPPER`) and `singleVersion`
/// (`TOKENKIT_PEPPER_VERSION`, default `v1`); both forms may be set (the single pepper joins the
/// ring). Throws 500 `invalid_pepper_config` naming the setting at fault.
#[wasm_bindgen(js_name = pepperRing, unchecked_return_type = "PepperRing")]
pub fn pepper_ring(ring: Option<String>, single: Option<String>, #[wasm_bindgen(js_name = singleVersion)] single_version: Option<String>) -> Result<JsValue, Error> {
    to_js(&peppers::pepper_ring(ring.as_deref(), single.as_deref(), single_version.as_deref())?)
}

/// Should a secret that matched the stored digest `stored` be re-digested under the current
/// pepper version (`null`: no pepper)? True for a digest under another version.
#[wasm_bindgen(js_name = needsRedigest)]
pub fn needs_redigest(stored: &str, #[wasm_bindgen(js_name = currentVersion)] current_version: Option<String>) -> bool {
    peppers::needs_redigest(stored, current_version.as_deref())
}
