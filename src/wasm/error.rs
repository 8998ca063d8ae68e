//! Errors cross into JS as instances of the package's `TokenkitError` class with a stable `code`.
//!
//! The class lives in the file snippet `src/wasm/error.js` (`class TokenkitError extends Error`),
//! which wasm-bindgen copies to `pkg/snippets/` and the generated `tokenkit.js` re-exports with
//! the guard `isTokenkitError`: `e instanceof TokenkitError` holds for every error the core
//! throws. `name` is `"TokenkitError"`, `message` the lowercase message, `code` the stable code
//! from [`crate::Error::code`], and `field` (when known) the argument or field at fault. JS
//! callers branch on `err.code`, typed as the union `TokenkitErrorCode` of every stable code
//! (`tests/js/codes.test.mjs` derives the list from the Rust sources and checks it).

use wasm_bindgen::prelude::*;

use crate::Error;

#[wasm_bindgen(module = "/src/wasm/error.js")]
extern "C" {
    /// The JS class of every error thrown by the package.
    #[wasm_bindgen(extends = js_sys::Error)]
    type TokenkitError;

    #[wasm_bindgen(constructor)]
    fn new(message: &str, code: &str) -> TokenkitError;

    // Re-exported from `tokenkit.js`, never called from Rust: the class (imported as a function,
    // because a re-exported type import would add `export let TokenkitError: unknown` to the
    // `.d.ts`) and the type guard. Their types are in `TS_ERROR`.
    #[wasm_bindgen(reexport, js_name = TokenkitError, skip_typescript)]
    #[allow(dead_code)]
    fn tokenkit_error_class();

    #[wasm_bindgen(reexport, js_name = isTokenkitError, skip_typescript)]
    #[allow(dead_code)]
    fn is_tokenkit_error(e: &JsValue) -> bool;
}

#[wasm_bindgen(typescript_custom_section)]
const TS_ERROR: &'static str = r#"
/** Every stable `TokenkitError.code`: the core's, the scope languages', JSON Patch's, the seed
 *  dialects' failures and the service rules'. Removing or renaming one is a breaking change. */
export type TokenkitErrorCode =
  | "already_exists"
  | "auto_prefix_unavailable"
  | "cannot_remove_root"
  | "conditions_not_covered"
  | "conflict"
  | "empty_secret"
  | "expiry_extended"
  | "expiry_in_past"
  | "forbidden"
  | "idempotency_in_progress"
  | "idempotency_key_reused"
  | "index_out_of_bounds"
  | "insufficient_scope"
  | "invalid_array_index"
  | "invalid_character"
  | "invalid_checksum"
  | "invalid_field"
  | "invalid_input"
  | "invalid_instant"
  | "invalid_json"
  | "invalid_key_version"
  | "invalid_length"
  | "invalid_lifetime"
  | "invalid_operation"
  | "invalid_patch"
  | "invalid_pepper_config"
  | "invalid_pointer"
  | "invalid_query"
  | "invalid_request"
  | "invalid_scanning_keys"
  | "invalid_scope"
  | "invalid_scope_request"
  | "invalid_signature"
  | "invalid_token_field"
  | "invalid_ttl"
  | "ip_not_allowed"
  | "last_owner"
  | "lifetime_exceeds_maximum"
  | "lifetime_in_past"
  | "lifetime_overflow"
  | "malformed_body"
  | "malformed_digest"
  | "malformed_path"
  | "malformed_prefix"
  | "malformed_query"
  | "malformed_signature_header"
  | "malformed_signature"
  | "missing_signature"
  | "move_into_child"
  | "not_found"
  | "outlives_issuer"
  | "patch_forbidden_operation"
  | "patch_forbidden_path"
  | "patch_too_large"
  | "path_not_found"
  | "policy_violation"
  | "previous_secret"
  | "random_unavailable"
  | "scanning_not_configured"
  | "scope_not_covered"
  | "signature_mismatch"
  | "signature_timestamp_out_of_tolerance"
  | "stream_outside_prefix"
  | "test_failed"
  | "too_deep"
  | "too_many_candidates"
  | "too_many_requests"
  | "too_many_webhooks"
  | "unauthenticated"
  | "unknown_dialect"
  | "unknown_field"
  | "unknown_key_identifier"
  | "unknown_key_version"
  | "unknown_scope_language"
  | "unsupported_digest_algorithm"
  | "weak_pepper";
/** Every function of this package throws a `TokenkitError` on failure (`e instanceof TokenkitError`). */
export class TokenkitError extends Error {
  constructor(message: string, code: TokenkitErrorCode);
  name: "TokenkitError";
  /** Stable machine-readable code, e.g. "invalid_checksum", "invalid_lifetime". */
  code: TokenkitErrorCode;
  /** The argument or field at fault, when known. */
  field?: string;
  /** For JSON Patch failures: the index of the failing operation. */
  operation?: number;
  /** For JSON Patch failures: the JSON Pointer that failed. */
  path?: string;
  /** For service rules (`requireManage`, `issueExpiry`, …): the HTTP status tokenkit's own API
   *  answers with. For seed-dialect requests: the vendor's HTTP status. */
  status?: number;
  /** For seed-dialect requests: the vendor's JSON error body. */
  body?: unknown;
  /** For seed-dialect requests: the dialect ("s2", "akinon", "launchdarkly", "space"). */
  dialect?: string;
  /** For seed-dialect requests: the vendor's own error code, where its body has one. */
  vendorCode?: string;
}
/** True for a `TokenkitError`: an instance of the class, or an `Error` named "TokenkitError" with
 *  a string `code` (thrown by another copy of the package, or built by a host in the same shape). */
export function isTokenkitError(e: unknown): e is TokenkitError;
"#;

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        to_js_error(&e)
    }
}

/// Builds the JS `Error` for `e`. Property sets on a fresh `Error` object cannot fail, so
/// their results are ignored rather than unwrapped.
pub(crate) fn to_js_error(e: &Error) -> JsValue {
    let err = TokenkitError::new(&e.to_string(), e.code());
    let obj: &JsValue = err.as_ref();
    if let Some(field) = field_of(e) {
        let _ = js_sys::Reflect::set(obj, &"field".into(), &field.into());
    }
    if let Error::Patch(p) = e {
        if let Some(i) = p.operation_index() {
            let _ = js_sys::Reflect::set(obj, &"operation".into(), &JsValue::from_f64(i as f64));
        }
        if let Some(path) = p.pointer() {
            let _ = js_sys::Reflect::set(obj, &"path".into(), &path.into());
        }
    }
    if let Error::Rule(r) = e {
        let _ = js_sys::Reflect::set(obj, &"status".into(), &JsValue::from_f64(f64::from(r.status)));
    }
    // Only the dialects' exports (the full build) fail with a dialect error; building the
    // vendor's body is ~10 KiB of wasm the default build does without.
    #[cfg(feature = "dialects")]
    if let Error::Dialect(d) = e {
        let _ = js_sys::Reflect::set(obj, &"status".into(), &JsValue::from_f64(f64::from(d.status())));
        let body = super::to_js(&d.body()).unwrap_or(JsValue::NULL);
        let _ = js_sys::Reflect::set(obj, &"body".into(), &body);
        let _ = js_sys::Reflect::set(obj, &"dialect".into(), &d.dialect.name().into());
        if let Some(v) = d.vendor_code() {
            let _ = js_sys::Reflect::set(obj, &"vendorCode".into(), &v.into());
        }
    }
    err.into()
}

fn field_of(e: &Error) -> Option<String> {
    match e {
        Error::InvalidInput { field, .. } => Some(field.clone()),
        Error::Scope(s) => s.field().map(str::to_string),
        Error::Dialect(d) => d.field.clone(),
        Error::Rule(r) => r.field.clone(),
        Error::Webhook(w) if *w == crate::webhook::WebhookError::EmptySecret => Some("secret".into()),
        Error::Webhook(_) => Some("header".into()),
        _ => None,
    }
}

/// Converts a (serde_json) failure on argument `field` into an [`Error`].
pub(crate) fn bad_arg(field: &str, e: impl core::fmt::Display) -> Error {
    Error::invalid_input(field, e.to_string())
}
