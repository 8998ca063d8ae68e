//! JS bindings for `crate::patch`.
//!
//! `applyPatch` takes JS values: it serialises them with `JSON.stringify` (which throws on a
//! circular structure instead of recursing forever), patches the text with the text-splicing
//! core and `JSON.parse`s the result, so the caller's objects are never touched and the result
//! shares nothing with them.

use wasm_bindgen::prelude::*;

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

fn stringify(field: &str, v: &JsValue) -> Result<String, Error> {
    let s = js_sys::JSON::stringify(v)
        .map_err(|_| Error::invalid_input(field, "cannot be serialised as JSON (circular or too deep)"))?;
    s.as_string().ok_or_else(|| Error::invalid_input(field, "is not a JSON value"))
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
    let doc = stringify("document", &document)?;
    let ops = stringify("operations", &operations)?;
    parse(&patch::apply_patch_json(&doc, &ops)?)
}

/// Applies the JSON Patch in `patchText` to the JSON document in `documentText` and returns the
/// patched document as text. Untouched parts are copied through byte for byte (key order and
/// number spelling are kept). For hosts that hold JSON as text (a request body, a database row).
#[wasm_bindgen(js_name = applyPatchJson)]
pub fn apply_patch_json(
    #[wasm_bindgen(js_name = documentText)] document_text: &str,
    #[wasm_bindgen(js_name = patchText)] patch_text: &str,
) -> Result<String, Error> {
    Ok(patch::apply_patch_json(document_text, patch_text)?)
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

#[allow(unused_imports)]
use policy as _;
