//! JS bindings for `crate::patch`.
//!
//! `applyPatch` takes JS values: it serialises them with `JSON.stringify` (which throws on a
//! circular structure instead of recursing forever), patches the text with the text-splicing
//! core and `JSON.parse`s the result, so the caller's objects are never touched and the result
//! shares nothing with them.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::patch::{self, policy};
use crate::Error;

#[wasm_bindgen(typescript_custom_section)]
const TS_PATCH: &'static str = r#"
/** A JSON value as `JSON.parse` returns it. */
export type JsonPatchValue = null | boolean | number | string | JsonPatchValue[] | { [key: string]: JsonPatchValue };
/** RFC 6902 `add`: `path` may end in `-` to append to an array. */
export interface AddOperation { op: "add"; path: string; value: JsonPatchValue }
/** RFC 6902 `remove`. */
export interface RemoveOperation { op: "remove"; path: string }
/** RFC 6902 `replace`: the location must exist. */
export interface ReplaceOperation { op: "replace"; path: string; value: JsonPatchValue }
/** RFC 6902 `move`: `from` may not be a parent of `path`. */
export interface MoveOperation { op: "move"; from: string; path: string }
/** RFC 6902 `copy`. */
export interface CopyOperation { op: "copy"; from: string; path: string }
/** RFC 6902 `test`: numbers compare by value (1 equals 1.0). */
export interface TestOperation { op: "test"; path: string; value: JsonPatchValue }
/** One JSON Patch operation (RFC 6902) with RFC 6901 pointers. */
export type PatchOperation = AddOperation | RemoveOperation | ReplaceOperation | MoveOperation | CopyOperation | TestOperation;
"#;

// Strings cross into wasm with one `TextEncoder.encodeInto` straight into linear memory. The
// glue wasm-bindgen generates for `&str` copies ASCII one character at a time in a JS loop,
// which measured ~5 ns per character: more than patching itself for a 1 MB document.
#[wasm_bindgen(inline_js = r#"
const encoder = new TextEncoder();
export function tk_encode_into(s, memory, ptr, cap) {
  if (typeof s !== "string") return -2;
  const r = encoder.encodeInto(s, new Uint8Array(memory.buffer, ptr, cap));
  return r.read === s.length ? r.written : -1;
}
export function tk_encode_scratch(s, memory, ptr, cap) {
  if (typeof s !== "string") return -1;
  if (s.length > cap) return -2 - s.length;
  const r = encoder.encodeInto(s, new Uint8Array(memory.buffer, ptr, cap));
  return r.read === s.length ? r.written : -2 - s.length;
}
"#)]
extern "C" {
    fn tk_encode_into(s: &JsValue, memory: &JsValue, ptr: u32, cap: u32) -> f64;
    fn tk_encode_scratch(s: &JsValue, memory: &JsValue, ptr: u32, cap: u32) -> f64;
}

thread_local! {
    // Reused input buffers: no allocation or zeroing per call once warm. (wasm is single-threaded;
    // one buffer per argument position.)
    static SCRATCH_A: core::cell::RefCell<Vec<u8>> = const { core::cell::RefCell::new(Vec::new()) };
    static SCRATCH_B: core::cell::RefCell<Vec<u8>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// Above this a scratch buffer is released after the call instead of kept.
const SCRATCH_KEEP: usize = 2 << 20;

/// Encodes the JS string `s` into a reused buffer and runs `f` on it as `&str`.
fn with_js_str<R>(
    scratch: &'static std::thread::LocalKey<core::cell::RefCell<Vec<u8>>>,
    field: &str,
    s: &JsValue,
    f: impl FnOnce(&str) -> Result<R, Error>,
) -> Result<R, Error> {
    scratch.with(|cell| {
        let Ok(mut buf) = cell.try_borrow_mut() else {
            // Re-entered (cannot happen today): fall back to an owned copy.
            let owned = rust_string(field, s)?;
            return f(&owned);
        };
        if buf.len() < 1024 {
            buf.resize(1024, 0);
        }
        let memory = wasm_bindgen::memory();
        let written = loop {
            let (Ok(ptr), Ok(cap)) = (u32::try_from(buf.as_mut_ptr() as usize), u32::try_from(buf.len())) else {
                return Err(Error::invalid_input(field, "is too long"));
            };
            let r = tk_encode_scratch(s, &memory, ptr, cap);
            if r >= 0.0 {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                break r as usize;
            }
            if r == -1.0 {
                return Err(Error::invalid_input(field, "must be a string"));
            }
            // Too small: first room for mostly-ASCII text, then the UTF-8 worst case
            // (3 bytes per UTF-16 unit).
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let units = (-r - 2.0) as usize;
            let ascii = units.saturating_add(units / 8).saturating_add(16);
            let need = if buf.len() < ascii { ascii } else { units.saturating_mul(3) };
            if need <= buf.len() || need > u32::MAX as usize {
                return Err(Error::invalid_input(field, "is too long"));
            }
            buf.resize(need, 0);
        };
        let result = match buf.get(..written).map(core::str::from_utf8) {
            Some(Ok(text)) => f(text),
            _ => Err(Error::invalid_input(field, "is not valid UTF-16")),
        };
        if buf.len() > SCRATCH_KEEP {
            *buf = Vec::new();
        }
        result
    })
}

/// Copies the JS string `s` into a Rust `String`. Errors if `s` is not a string.
fn rust_string(field: &str, s: &JsValue) -> Result<String, Error> {
    let not_a_string = || Error::invalid_input(field, "must be a string");
    let len = s.dyn_ref::<js_sys::JsString>().map(|j| j.length() as usize).ok_or_else(not_a_string)?;
    let memory = wasm_bindgen::memory();
    // First try room for mostly-ASCII text, then the UTF-8 worst case (3 bytes per UTF-16 unit).
    for cap in [len.saturating_add(len / 8).saturating_add(16), len.saturating_mul(3)] {
        let mut buf = vec![0u8; cap];
        let (Ok(ptr), Ok(cap32)) = (u32::try_from(buf.as_mut_ptr() as usize), u32::try_from(cap)) else {
            return Err(Error::invalid_input(field, "is too long"));
        };
        let written = tk_encode_into(s, &memory, ptr, cap32);
        if written == -2.0 {
            return Err(not_a_string());
        }
        if written >= 0.0 {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            buf.truncate(written as usize);
            // encodeInto writes well-formed UTF-8 (lone surrogates become U+FFFD).
            return String::from_utf8(buf).map_err(|_| Error::invalid_input(field, "is not valid UTF-16"));
        }
    }
    s.as_string().ok_or_else(not_a_string)
}

/// `JSON.stringify(v)` as a JS string (throws on circular structures: mapped to an error).
fn json_string(field: &str, v: &JsValue) -> Result<JsValue, Error> {
    let s = js_sys::JSON::stringify(v)
        .map_err(|_| Error::invalid_input(field, "cannot be serialised as JSON (circular or too deep)"))?;
    if s.is_undefined() {
        return Err(Error::invalid_input(field, "is not a JSON value"));
    }
    Ok(s.into())
}

fn stringify(field: &str, v: &JsValue) -> Result<String, Error> {
    rust_string(field, &json_string(field, v)?)
}

fn parse(text: &str) -> Result<JsValue, Error> {
    // The text comes from the core's serialiser, so this cannot fail; map it anyway.
    js_sys::JSON::parse(text).map_err(|_| Error::invalid_input("result", "is not valid JSON"))
}

/// Applies a JSON Patch to `document` and returns the patched copy. The input is never mutated;
/// on any failure nothing is applied and a `TokenkitError` with `.code`, `.operation` and `.path`
/// is thrown.
#[wasm_bindgen(js_name = applyPatch, unchecked_return_type = "JsonPatchValue")]
pub fn apply_patch(
    #[wasm_bindgen(unchecked_param_type = "JsonPatchValue")] document: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PatchOperation[]")] operations: JsValue,
) -> Result<JsValue, Error> {
    let doc = json_string("document", &document)?;
    let ops = json_string("operations", &operations)?;
    let out = with_js_str(&SCRATCH_A, "document", &doc, |d| {
        with_js_str(&SCRATCH_B, "operations", &ops, |p| Ok(patch::apply_patch_json(d, p)?))
    })?;
    parse(&out)
}

/// Applies the JSON Patch in `patchText` to the JSON document in `documentText` and returns the
/// patched document as text. Untouched parts are copied through byte for byte (key order and
/// number spelling are kept). For hosts that hold JSON as text (a request body, a database row).
#[wasm_bindgen(js_name = applyPatchJson)]
pub fn apply_patch_json(
    #[wasm_bindgen(js_name = documentText, unchecked_param_type = "string")] document_text: JsValue,
    #[wasm_bindgen(js_name = patchText, unchecked_param_type = "string")] patch_text: JsValue,
) -> Result<String, Error> {
    with_js_str(&SCRATCH_A, "documentText", &document_text, |d| {
        with_js_str(&SCRATCH_B, "patchText", &patch_text, |p| Ok(patch::apply_patch_json(d, p)?))
    })
}

/// Checks that `operations` is a well-formed JSON Patch (every `op` known, pointers valid,
/// required members present) without applying it. Returns the operations normalised to
/// `{op, from?, path, value?}`; throws a `TokenkitError` naming the first bad operation.
#[wasm_bindgen(js_name = validatePatch, unchecked_return_type = "PatchOperation[]")]
pub fn validate_patch(
    #[wasm_bindgen(unchecked_param_type = "unknown")] operations: JsValue,
) -> Result<JsValue, Error> {
    let text = stringify("operations", &operations)?;
    let ops = patch::parse_patch_json(&text)?;
    let normalised = serde_json::Value::Array(ops.iter().map(patch::Operation::to_json).collect());
    parse(&normalised.to_string())
}

#[wasm_bindgen(typescript_custom_section)]
const TS_TOKEN_PATCH: &'static str = r#"
/** The APIs that accept a JSON Patch on a token. */
export type TokenPatchDialect = "tokenkit" | "launchdarkly";
/** Facts the caller supplies to re-validate a patched token (the core never reads the clock). */
export interface TokenPatchOptions {
  /** The current time, epoch milliseconds. */
  now: number;
  /** Latest expiry the caller's policy allows (epoch ms). Omitted: the expiry may only be shortened. */
  maxExpiresAt?: number | null;
}
/** The result of `applyTokenPatch`. */
export interface TokenPatchResult {
  /** The patched token as JSON text (untouched fields byte for byte). */
  token: string;
  /** Top-level fields whose value changed. */
  changed: string[];
  /** True when a scope field changed: the caller MUST check that its own scope covers `scope` (scopeCovers) before storing. */
  scopeChanged: boolean;
  /** The patched scope: tokenkit's `scope`, or LaunchDarkly's `{role?, customRoleIds?, inlineRole?}`. */
  scope: JsonPatchValue;
}
"#;

/// Epoch milliseconds from a JS number: finite, integral, within the range of a JS `Date`.
fn epoch_ms(field: &str, v: &JsValue) -> Result<i64, Error> {
    const LIMIT: f64 = 8.64e15;
    match v.as_f64() {
        #[allow(clippy::cast_possible_truncation)]
        Some(x) if x.is_finite() && x.fract() == 0.0 && x.abs() <= LIMIT => Ok(x as i64),
        _ => Err(Error::invalid_input(field, "must be epoch milliseconds (an integer number)")),
    }
}

fn token_patch_options(options: &JsValue) -> Result<policy::TokenPatchOptions, Error> {
    if !options.is_object() {
        return Err(Error::invalid_input("options", "must be an object with `now` (epoch ms)"));
    }
    let get = |k: &str| js_sys::Reflect::get(options, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    let now_ms = epoch_ms("options.now", &get("now"))?;
    let max = get("maxExpiresAt");
    let max_expires_at_ms = if max.is_undefined() || max.is_null() { None } else { Some(epoch_ms("options.maxExpiresAt", &max)?) };
    Ok(policy::TokenPatchOptions { now_ms, max_expires_at_ms })
}

/// Applies a JSON Patch to a stored token (as JSON text) under a dialect's policy: forbidden
/// paths and operations are refused (`patch_forbidden_path`, `patch_forbidden_operation`), the
/// patch is applied atomically, and the editable fields are re-validated (the expiry may only be
/// shortened, or moved up to `maxExpiresAt`, and must stay after `now`). When `scopeChanged` is
/// true the caller must still check that its own scope covers `scope`.
#[wasm_bindgen(js_name = applyTokenPatch, unchecked_return_type = "TokenPatchResult")]
pub fn apply_token_patch(
    #[wasm_bindgen(unchecked_param_type = "TokenPatchDialect")] dialect: JsValue,
    #[wasm_bindgen(js_name = tokenText, unchecked_param_type = "string")] token_text: JsValue,
    #[wasm_bindgen(js_name = patchText, unchecked_param_type = "string")] patch_text: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TokenPatchOptions")] options: JsValue,
) -> Result<JsValue, Error> {
    let dialect = policy::Dialect::from_name(&rust_string("dialect", &dialect)?)?;
    let opts = token_patch_options(&options)?;
    let out = with_js_str(&SCRATCH_A, "tokenText", &token_text, |t| {
        with_js_str(&SCRATCH_B, "patchText", &patch_text, |p| Ok(policy::apply_token_patch(dialect, t, p, &opts)?))
    })?;
    let result = serde_json::json!({
        "token": out.token,
        "changed": out.changed,
        "scopeChanged": out.scope_changed,
        "scope": out.scope,
    });
    parse(&result.to_string())
}

/// Checks a patch against a dialect's token policy without a token (for forms and an early
/// 403/422): returns the normalised operations or throws a `TokenkitError` naming the first
/// offending operation and path.
#[wasm_bindgen(js_name = checkTokenPatch, unchecked_return_type = "PatchOperation[]")]
pub fn check_token_patch(
    #[wasm_bindgen(unchecked_param_type = "TokenPatchDialect")] dialect: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PatchOperation[]")] operations: JsValue,
) -> Result<JsValue, Error> {
    let dialect = policy::Dialect::from_name(&rust_string("dialect", &dialect)?)?;
    let text = stringify("operations", &operations)?;
    let ops = policy::check_token_patch(dialect, &text)?;
    let normalised = serde_json::Value::Array(ops.iter().map(patch::Operation::to_json).collect());
    parse(&normalised.to_string())
}
