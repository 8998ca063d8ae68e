//! JS bindings for `crate::digest`.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::secret::{set, string_arg};
use crate::digest::{self, Pepper, StoredDigest};
use crate::Error;

#[wasm_bindgen(typescript_custom_section)]
const TS_DIGEST: &'static str = r#"
/**
 * A pepper: the service-wide HMAC key (keep it in a worker secret, never in the database) and
 * the version that names it inside stored digests, so it can rotate.
 */
export interface Pepper {
  /** `[A-Za-z0-9][A-Za-z0-9._-]{0,31}`, e.g. "v1" or "2026-11". */
  version: string;
  /** At least 32 bytes: a string (its UTF-8 bytes are the key) or raw bytes. */
  key: string | Uint8Array;
}

/** A stored digest's algorithm. */
export type DigestAlgorithm = "sha256" | "hmac-sha256";

/** The parts of a stored digest (`sha256:<hex>` or `hmac-sha256:<keyVersion>:<hex>`). */
export interface DigestParts {
  algorithm: DigestAlgorithm;
  /** The pepper's version for `hmac-sha256`; `null` for `sha256`. */
  keyVersion: string | null;
  /** 64 lowercase hex digits. */
  hex: string;
}
"#;

/// Reads a `Pepper` object.
fn pepper_from_js(field: &str, v: &JsValue) -> Result<Pepper, Error> {
    if !v.is_object() || js_sys::Array::is_array(v) {
        return Err(Error::invalid_input(field, "expected a pepper {version, key}"));
    }
    let get = |k: &str| js_sys::Reflect::get(v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    let version = get("version")
        .as_string()
        .ok_or_else(|| Error::invalid_input(field, "pepper.version must be a string"))?;
    let key = get("key");
    let bytes = if let Some(s) = key.as_string() {
        s.into_bytes()
    } else if let Some(a) = key.dyn_ref::<js_sys::Uint8Array>() {
        a.to_vec()
    } else {
        return Err(Error::invalid_input(field, "pepper.key must be a string or a Uint8Array"));
    };
    Ok(Pepper::new(&version, &bytes)?)
}

/// Reads an optional pepper or keyring (array of peppers).
fn peppers_from_js(field: &str, v: Option<JsValue>) -> Result<Vec<Pepper>, Error> {
    let Some(v) = v else { return Ok(Vec::new()) };
    if let Some(arr) = v.dyn_ref::<js_sys::Array>() {
        let mut out = Vec::new();
        for item in arr.iter() {
            out.push(pepper_from_js(field, &item)?);
        }
        return Ok(out);
    }
    Ok(vec![pepper_from_js(field, &v)?])
}

/// The digest to store for `token`: `"sha256:<hex>"`, or `"hmac-sha256:<version>:<hex>"` with a
/// pepper. The exact string is digested (call `parseToken` first to reject malformed tokens).
/// Throws `empty_secret`, `weak_pepper`, `invalid_key_version`, `invalid_input`.
#[wasm_bindgen(js_name = digestToken)]
pub fn digest_token(
    #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Pepper")] pepper: Option<JsValue>,
) -> Result<String, Error> {
    let token = string_arg("token", &token)?;
    let pepper = match pepper {
        None => None,
        Some(p) => Some(pepper_from_js("pepper", &p)?),
    };
    Ok(digest::digest(&token, pepper.as_ref())?.to_string())
}

/// Does `token` match the stored `digest`? Constant-time comparison. `false` for a token that
/// does not match (including `""`). `pepper` may be one pepper or a keyring: an HMAC digest is
/// checked with the pepper of its key version. Throws for a malformed digest
/// (`malformed_digest`, `unsupported_digest_algorithm`, `invalid_key_version`) and when no
/// pepper has the digest's version (`unknown_key_version`): those are configuration errors.
#[wasm_bindgen(js_name = verifyDigest)]
pub fn verify_digest(
    #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] digest: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Pepper | Pepper[]")] pepper: Option<JsValue>,
) -> Result<bool, Error> {
    let token = string_arg("token", &token)?;
    let stored = string_arg("digest", &digest)?;
    let peppers = peppers_from_js("pepper", pepper)?;
    Ok(digest::verify(&token, &stored, &peppers)?)
}

/// Parses a stored digest into `{algorithm, keyVersion, hex}`. Throws like `verifyDigest`.
#[wasm_bindgen(js_name = parseDigest, unchecked_return_type = "DigestParts")]
pub fn parse_digest(#[wasm_bindgen(unchecked_param_type = "string")] digest: JsValue) -> Result<JsValue, Error> {
    let text = string_arg("digest", &digest)?;
    let d = StoredDigest::parse(&text)?;
    let obj = js_sys::Object::new();
    set(&obj, "algorithm", d.algorithm());
    set(&obj, "keyVersion", d.key_version().map_or(JsValue::NULL, JsValue::from_str));
    set(&obj, "hex", digest::hex(d.bytes()));
    Ok(obj.into())
}
