//! JS bindings for `crate::patch`.
//!
//! `applyPatch` takes JS values: it serialises them with `JSON.stringify` (which throws on a
//! circular structure instead of recursing forever), patches the text with the text-splicing
//! core and `JSON.parse`s the result, so the caller's objects are never touched and the result
//! shares nothing with them.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::patch;
#[cfg(feature = "service")]
use crate::patch::policy;
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
// which measured ~5 ns per character: more than patching itself for a 1 MB document. The
// encoder is a plain import of the global `TextEncoder` (no JS snippet file to ship).
#[wasm_bindgen]
extern "C" {
    type TextEncoder;
    #[wasm_bindgen(constructor, catch)]
    fn new() -> Result<TextEncoder, JsValue>;
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(this: &TextEncoder, s: &JsValue, dest: &js_sys::Uint8Array) -> EncodeIntoResult;
    type EncodeIntoResult;
    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeIntoResult) -> f64;
}

struct Encoder(TextEncoder);

impl Encoder {
    fn new() -> Option<Encoder> {
        TextEncoder::new().ok().map(Encoder)
    }

    /// Encodes `s` into `buf`; `Some(bytes written)` when all of `s` fitted. `view` caches the
    /// JS view of `buf` between calls (rebuilt when `buf` moved or linear memory grew, which
    /// detaches the old buffer).
    fn encode(&self, s: &JsValue, buf: &mut [u8], view: &mut Option<(u32, u32, usize, js_sys::Uint8Array)>) -> Option<usize> {
        let ptr = u32::try_from(buf.as_mut_ptr() as usize).ok()?;
        let cap = u32::try_from(buf.len()).ok()?;
        let pages = core::arch::wasm32::memory_size::<0>();
        let fresh = match view {
            Some((p, c, m, _)) if *p == ptr && *c == cap && *m == pages => None,
            _ => {
                let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().dyn_into().ok()?;
                Some(js_sys::Uint8Array::new_with_byte_offset_and_length(&memory.buffer(), ptr, cap))
            }
        };
        if let Some(v) = fresh {
            *view = Some((ptr, cap, pages, v));
        }
        let (_, _, _, v) = view.as_ref()?;
        let written = self.0.encode_into(s, v).written();
        // (NaN or negative cannot come from encodeInto; refuse rather than trust.)
        if written.is_nan() || written < 0.0 {
            return None;
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let written = written as usize;
        // encodeInto stops only before a character that does not fit (at most 4 bytes), so with
        // 4 bytes to spare everything was read.
        (written.saturating_add(4) <= buf.len()).then_some(written)
    }
}

thread_local! {
    static ENCODER: Option<Encoder> = Encoder::new();
    // Reused input buffers: no allocation or zeroing per call once warm. (wasm is single-threaded;
    // one buffer per argument position.)
    static SCRATCH_A: core::cell::RefCell<Scratch> = const { core::cell::RefCell::new(Scratch { buf: Vec::new(), view: None }) };
    static SCRATCH_B: core::cell::RefCell<Scratch> = const { core::cell::RefCell::new(Scratch { buf: Vec::new(), view: None }) };
}

/// A reused input buffer and its cached JS view.
struct Scratch {
    buf: Vec<u8>,
    view: Option<(u32, u32, usize, js_sys::Uint8Array)>,
}

/// Above this a scratch buffer is released after the call instead of kept.
const SCRATCH_KEEP: usize = 2 << 20;

/// Copies the JS string `s` into a Rust `String` (wasm-bindgen's own conversion).
fn rust_string(field: &str, s: &JsValue) -> Result<String, Error> {
    s.as_string().ok_or_else(|| Error::invalid_input(field, "must be a string"))
}

/// Encodes the JS string `s` into a reused buffer and runs `f` on it as `&str`.
fn with_js_str<R>(
    scratch: &'static std::thread::LocalKey<core::cell::RefCell<Scratch>>,
    field: &str,
    s: &JsValue,
    f: impl FnOnce(&str) -> Result<R, Error>,
) -> Result<R, Error> {
    if !s.is_string() {
        return Err(Error::invalid_input(field, "must be a string"));
    }
    scratch.with(|cell| {
        let Ok(mut scratch) = cell.try_borrow_mut() else {
            // Re-entered (cannot happen today): fall back to an owned copy.
            let owned = rust_string(field, s)?;
            return f(&owned);
        };
        let Scratch { buf, view } = &mut *scratch;
        let written = ENCODER.with(|enc| -> Option<usize> {
            let enc = enc.as_ref()?;
            if buf.len() < 1024 {
                buf.resize(1024, 0);
            }
            if let Some(n) = enc.encode(s, buf, view) {
                return Some(n);
            }
            // Too small: first room for mostly-ASCII text, then the UTF-8 worst case
            // (3 bytes per UTF-16 unit), each with the 4 bytes `encode` wants to spare.
            let units = s.dyn_ref::<js_sys::JsString>()?.length() as usize;
            for need in [units.saturating_add(units / 8).saturating_add(16), units.saturating_mul(3).saturating_add(8)] {
                if need > buf.len() {
                    buf.resize(need, 0);
                    if let Some(n) = enc.encode(s, buf, view) {
                        return Some(n);
                    }
                }
            }
            None
        });
        let result = match written {
            Some(n) => match buf.get(..n).map(core::str::from_utf8) {
                Some(Ok(text)) => f(text),
                _ => Err(Error::invalid_input(field, "is not valid UTF-16")),
            },
            // No TextEncoder in this host (or a string too long to encode): wasm-bindgen's copy.
            None => {
                let owned = rust_string(field, s)?;
                f(&owned)
            }
        };
        if buf.len() > SCRATCH_KEEP {
            *buf = Vec::new();
            *view = None;
        }
        result
    })
}

/// `JSON.stringify(v)` as a JS string (throws on circular structures: mapped to an error).
fn json_string(field: &str, v: &JsValue) -> Result<JsValue, Error> {
    let s = js_sys::JSON::stringify(v).map_err(|_| Error::invalid_input(field, "cannot be serialised as JSON (circular or too deep)"))?;
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
    let out =
        with_js_str(&SCRATCH_A, "document", &doc, |d| with_js_str(&SCRATCH_B, "operations", &ops, |p| Ok(patch::apply_patch_json(d, p)?)))?;
    parse(&out)
}

/// Applies the JSON Patch in `patchText` to the JSON document in `documentText` and returns the
/// patched document as text. Untouched parts are copied through byte for byte (key order and
/// number spelling are kept). For hosts that hold JSON as text (a request body, a database row).
///
/// The result is joined in JS from slices of `documentText` and `patchText` and the text written
/// anew (see `splice.js`): the untouched text is never copied back out of linear memory and
/// decoded, which for a large document cost as much as the patch itself.
#[wasm_bindgen(js_name = applyPatchJson, unchecked_return_type = "string")]
pub fn apply_patch_json(
    #[wasm_bindgen(js_name = documentText, unchecked_param_type = "string")] document_text: JsValue,
    #[wasm_bindgen(js_name = patchText, unchecked_param_type = "string")] patch_text: JsValue,
) -> Result<JsValue, Error> {
    with_js_str(&SCRATCH_A, "documentText", &document_text, |d| {
        with_js_str(&SCRATCH_B, "patchText", &patch_text, |p| {
            if d.len().saturating_add(p.len()) < JOIN_MIN {
                return Ok(JsValue::from_str(&patch::apply_patch_json(d, p)?));
            }
            let spliced = patch::apply_patch_json_pieces(d, p)?;
            Ok(join(&spliced, (&document_text, d), (&patch_text, p)))
        })
    })
}

/// Below this many bytes of input, the text is written in wasm and decoded once: cheaper than
/// the slices for a token-sized document.
const JOIN_MIN: usize = 4096;

#[wasm_bindgen(module = "/src/wasm/splice.js")]
extern "C" {
    #[wasm_bindgen(js_name = joinPieces)]
    fn join_pieces(doc: &JsValue, patch: &JsValue, generated: &str, pieces: &[u32]) -> JsValue;
}

/// Whether the JS string `js` (whose UTF-8 is `text`) is ASCII: only then are its UTF-16 length
/// and its UTF-8 length the same.
fn is_ascii_js(js: &JsValue, text: &str) -> bool {
    js.dyn_ref::<js_sys::JsString>().is_some_and(|s| s.length() as usize == text.len())
}

/// The patched text as a JS string joined from slices of the inputs (`splice.js`).
fn join(spliced: &patch::Spliced, doc: (&JsValue, &str), patch_in: (&JsValue, &str)) -> JsValue {
    let generated = core::str::from_utf8(&spliced.generated).unwrap_or_default();
    let doc16 = patch::Utf16Offsets::new(doc.1, is_ascii_js(doc.0, doc.1));
    let patch16 = patch::Utf16Offsets::new(patch_in.1, is_ascii_js(patch_in.0, patch_in.1));
    let gen16 = patch::Utf16Offsets::new(generated, false);
    let mut pieces: Vec<u32> = Vec::with_capacity(spliced.pieces.len() * 3);
    for piece in &spliced.pieces {
        let (kind, offsets, s, e) = match *piece {
            patch::Piece::Document(s, e) => (0, &doc16, s, e),
            patch::Piece::Patch(s, e) => (1, &patch16, s, e),
            patch::Piece::Generated(s, e) => (2, &gen16, s, e),
        };
        // (JS strings are shorter than 2^32 units.)
        #[allow(clippy::cast_possible_truncation)]
        pieces.extend_from_slice(&[kind, offsets.at(s) as u32, offsets.at(e) as u32]);
    }
    join_pieces(doc.0, patch_in.0, generated, &pieces)
}

/// Checks that `operations` is a well-formed JSON Patch (every `op` known, pointers valid,
/// required members present) without applying it. Returns the operations normalised to
/// `{op, from?, path, value?}`; throws a `TokenkitError` naming the first bad operation.
#[wasm_bindgen(js_name = validatePatch, unchecked_return_type = "PatchOperation[]")]
pub fn validate_patch(#[wasm_bindgen(unchecked_param_type = "unknown")] operations: JsValue) -> Result<JsValue, Error> {
    let text = stringify("operations", &operations)?;
    let ops = patch::parse_patch_json(&text)?;
    let normalised = serde_json::Value::Array(ops.iter().map(patch::Operation::to_json).collect());
    parse(&normalised.to_string())
}

// The token patch policy (which fields of a stored token a patch may touch, and the checks of
// the patched token) is the token service's rule: in the full build only.
#[cfg(feature = "service")]
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
  /** The caller's own scope (tagged scope JSON, as `scopeCovers` takes). When given and the patch changes the token's scope, the patched scope must be covered by it (`scope_not_covered` otherwise). */
  callerScope?: JsonPatchValue | null;
}
/** The result of `applyTokenPatch`. */
export interface TokenPatchResult {
  /** The patched token as JSON text (untouched fields byte for byte). */
  token: string;
  /** Top-level fields whose value changed. */
  changed: string[];
  /** True when a scope field changed. Without `options.callerScope`, the caller MUST then check `scopeCovers(callerScope, scope)` before storing. */
  scopeChanged: boolean;
  /** The patched scope as the scope engine reads it: tokenkit's `scope`, or LaunchDarkly's `{language: "policy", role?, customRoleIds?, inlineRole?}`. */
  scope: JsonPatchValue;
}
"#;

/// Epoch milliseconds from a JS number: finite, integral, within the range of a JS `Date`.
#[cfg(feature = "service")]
fn epoch_ms(field: &str, v: &JsValue) -> Result<i64, Error> {
    const LIMIT: f64 = 8.64e15;
    match v.as_f64() {
        #[allow(clippy::cast_possible_truncation)]
        Some(x) if x.is_finite() && x.fract() == 0.0 && x.abs() <= LIMIT => Ok(x as i64),
        _ => Err(Error::invalid_input(field, "must be epoch milliseconds (an integer number)")),
    }
}

#[cfg(feature = "service")]
fn token_patch_options(options: &JsValue) -> Result<policy::TokenPatchOptions, Error> {
    if !options.is_object() {
        return Err(Error::invalid_input("options", "must be an object with `now` (epoch ms)"));
    }
    let get = |k: &str| js_sys::Reflect::get(options, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    let now_ms = epoch_ms("options.now", &get("now"))?;
    let max = get("maxExpiresAt");
    let max_expires_at_ms = if max.is_undefined() || max.is_null() { None } else { Some(epoch_ms("options.maxExpiresAt", &max)?) };
    let caller = get("callerScope");
    let caller_scope = if caller.is_undefined() || caller.is_null() {
        None
    } else {
        let text = stringify("options.callerScope", &caller)?;
        let scope = crate::scope::Scope::from_json_str(&text)
            .map_err(|e| Error::invalid_input("options.callerScope", format!("not a valid scope: {e}")))?;
        Some(scope)
    };
    Ok(policy::TokenPatchOptions { now_ms, max_expires_at_ms, caller_scope })
}

/// Applies a JSON Patch to a stored token (as JSON text) under a dialect's policy: forbidden
/// paths and operations are refused (`patch_forbidden_path`, `patch_forbidden_operation`), the
/// patch is applied atomically, and the editable fields are re-validated (the expiry may only be
/// shortened, or moved up to `maxExpiresAt`, and must stay after `now`; a changed scope must be a
/// valid scope and, when `callerScope` is given, covered by it). When `scopeChanged` is true and no
/// `callerScope` was given, the caller must check that its own scope covers `scope`.
#[cfg(feature = "service")]
#[wasm_bindgen(js_name = applyTokenPatch, unchecked_return_type = "TokenPatchResult")]
pub fn apply_token_patch(
    #[wasm_bindgen(unchecked_param_type = "TokenPatchDialect")] dialect: JsValue,
    #[wasm_bindgen(js_name = tokenText, unchecked_param_type = "string")] token_text: JsValue,
    #[wasm_bindgen(js_name = patchText, unchecked_param_type = "string")] patch_text: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TokenPatchOptions")] options: JsValue,
) -> Result<JsValue, Error> {
    let dialect = policy::dialect_named(&rust_string("dialect", &dialect)?)?;
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
#[cfg(feature = "service")]
#[wasm_bindgen(js_name = checkTokenPatch, unchecked_return_type = "PatchOperation[]")]
pub fn check_token_patch(
    #[wasm_bindgen(unchecked_param_type = "TokenPatchDialect")] dialect: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PatchOperation[]")] operations: JsValue,
) -> Result<JsValue, Error> {
    let dialect = policy::dialect_named(&rust_string("dialect", &dialect)?)?;
    let text = stringify("operations", &operations)?;
    let ops = policy::check_token_patch(dialect, &text)?;
    let normalised = serde_json::Value::Array(ops.iter().map(patch::Operation::to_json).collect());
    parse(&normalised.to_string())
}
