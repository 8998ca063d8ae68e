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
// The seed APIs' wire code: only in the full build (`--features dialects`, npm `tokenkit/full`).
#[cfg(feature = "dialects")]
pub mod dialect;
pub mod verify;
// The token service's rules: only in the full build (`--features service`, npm `tokenkit/full`).
#[cfg(feature = "service")]
pub mod rules;
#[cfg(feature = "service")]
pub mod conditions;
// Webhook signatures and the service's webhook rules: in the full build only.
#[cfg(feature = "service")]
pub mod webhook;
#[cfg(feature = "service")]
pub mod webhook_rules;
#[cfg(feature = "service")]
pub mod leaks;
#[cfg(feature = "service")]
pub mod cache_sync;

use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::JsValue;

thread_local! {
    /// JS strings of the facade's constant keys and values (field names, codes, rule names).
    static CONSTANTS: core::cell::RefCell<Vec<(&'static str, JsValue)>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// The JS string of a constant (`&'static str`: the set is the facade's literals, so bounded),
/// made once per instance. A Rust string crosses into JS through the glue's `TextDecoder`, which
/// costs ~0.3 µs a call (more than most rule decisions); a field read or a result object built
/// with constant keys would pay it per key, per call (bench/NOTES.md, "Verify").
pub(crate) fn constant(s: &'static str) -> JsValue {
    CONSTANTS.with(|cell| {
        let Ok(mut known) = cell.try_borrow_mut() else { return JsValue::from_str(s) };
        // The same literal is (nearly always) the same address: compare addresses first.
        let hit = known.iter().find(|(k, _)| core::ptr::eq(k.as_ptr(), s.as_ptr()) && k.len() == s.len()).or_else(|| known.iter().find(|(k, _)| *k == s));
        if let Some((_, v)) = hit {
            return v.clone();
        }
        let v = JsValue::from_str(s);
        known.push((s, v.clone()));
        v
    })
}

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

/// Returns a result to JS as a plain JSON value: serde_json writes the text and `JSON.parse`
/// builds the object. One serializer for every result type keeps the module small (a
/// serde-wasm-bindgen serializer is instantiated per type, inlined into each export), and
/// `JSON.parse` makes `__proto__` an own property, never the object's prototype.
pub(crate) fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, crate::Error> {
    let text = serde_json::to_string(v).map_err(|e| error::bad_arg("result", e))?;
    js_sys::JSON::parse(&text).map_err(|_| crate::Error::invalid_input("result", "is not JSON"))
}
