//! The JS facade: the only module that imports wasm-bindgen.
//!
//! Each submodule is a thin layer over one core area: convert JS values in, call the core,
//! convert the result out. Every failure becomes a JS `Error` carrying a stable `code`
//! (see [`error`]). Nothing here may panic on any input: a panic traps the wasm instance.

pub mod error;
pub mod secret;
pub mod digest;
pub mod lifetime;
pub mod scope;
pub mod patch;
pub mod dialect;

use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

/// Reads a JS object argument as `T` through `JSON.stringify` and serde_json, never through a
/// recursive walk of the JS value: serde_json stops at 128 levels of nesting with an error,
/// where a recursive conversion of a deeply nested object (a few thousand levels fit in 64 KiB
/// of JSON) overflows the wasm stack and poisons the instance for every later call.
/// Circular objects, BigInts and values JSON cannot carry are errors on `field`.
pub(crate) fn from_js_json<T: DeserializeOwned>(field: &str, v: &JsValue) -> Result<T, crate::Error> {
    let text = js_sys::JSON::stringify(v)
        .map_err(|_| crate::Error::invalid_input(field, "cannot be serialised as JSON (circular, too deep or a BigInt)"))?;
    let text = text.as_string().ok_or_else(|| crate::Error::invalid_input(field, "is not a JSON value"))?;
    serde_json::from_str(&text).map_err(|e| error::bad_arg(field, e))
}
