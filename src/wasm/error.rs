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
    err.into()
}

fn field_of(e: &Error) -> Option<String> {
    match e {
        Error::InvalidInput { field, .. } => Some(field.clone()),
        Error::Scope(s) => s.field().map(str::to_string),
        _ => None,
    }
}

/// Converts a `serde_wasm_bindgen` failure on argument `field` into an [`Error`].
pub(crate) fn bad_arg(field: &str, e: impl core::fmt::Display) -> Error {
    Error::invalid_input(field, e.to_string())
}
