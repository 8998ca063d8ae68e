//! Errors cross into JS as real `Error` objects with a stable `code`.
//!
//! `name` is `"TokenkitError"`, `message` the lowercase message, `code` the stable code from
//! [`crate::Error::code`], and `field` (when known) the argument or field at fault. JS callers
//! branch on `err.code`; the `.d.ts` declares the shape and a type guard.

use wasm_bindgen::prelude::*;

use crate::Error;

#[wasm_bindgen(typescript_custom_section)]
const TS_ERROR: &'static str = r#"
/** Every function of this package throws a `TokenkitError` on failure. */
export interface TokenkitError extends Error {
  name: "TokenkitError";
  /** Stable machine-readable code, e.g. "invalid_checksum", "invalid_lifetime". */
  code: string;
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
"#;

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        to_js_error(&e)
    }
}

/// Builds the JS `Error` for `e`. Property sets on a fresh `Error` object cannot fail, so
/// their results are ignored rather than unwrapped.
pub(crate) fn to_js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("TokenkitError");
    let obj: &JsValue = err.as_ref();
    let _ = js_sys::Reflect::set(obj, &"code".into(), &e.code().into());
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
        _ => None,
    }
}

/// Converts a (serde_json) failure on argument `field` into an [`Error`].
pub(crate) fn bad_arg(field: &str, e: impl core::fmt::Display) -> Error {
    Error::invalid_input(field, e.to_string())
}
