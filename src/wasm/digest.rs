//! JS bindings for `crate::digest`.

use subtle::ConstantTimeEq as _;
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

thread_local! {
    // Property names, created once (each `JsValue::from_str` is a call into JS and a decode).
    static K_VERSION: JsValue = JsValue::from_str("version");
    static K_KEY: JsValue = JsValue::from_str("key");
    // The last pepper `digestToken` keyed, with its key bytes: a worker passes the same pepper on
    // every request, and keying HMAC costs two SHA-256 blocks. Reused only when the version and
    // the key bytes (compared in constant time) are equal. (The key was in linear memory during
    // every call before, too; now one copy stays there between calls.)
    static LAST_PEPPER: core::cell::RefCell<Option<(Vec<u8>, Pepper)>> = const { core::cell::RefCell::new(None) };
}

/// The `version` and `key` bytes of a `Pepper` object, checked for type only.
fn pepper_parts(field: &str, v: &JsValue) -> Result<(String, Vec<u8>), Error> {
    if !v.is_object() || js_sys::Array::is_array(v) {
        return Err(Error::invalid_input(field, "expected a pepper {version, key}"));
    }
    let get = |k: &'static std::thread::LocalKey<JsValue>| k.with(|k| js_sys::Reflect::get(v, k).unwrap_or(JsValue::UNDEFINED));
    let version = get(&K_VERSION)
        .as_string()
        .ok_or_else(|| Error::invalid_input(field, "pepper.version must be a string"))?;
    let key = get(&K_KEY);
    let bytes = if let Some(s) = key.as_string() {
        s.into_bytes()
    } else if let Some(a) = key.dyn_ref::<js_sys::Uint8Array>() {
        a.to_vec()
    } else {
        return Err(Error::invalid_input(field, "pepper.key must be a string or a Uint8Array"));
    };
    Ok((version, bytes))
}

/// Reads a `Pepper` object.
fn pepper_from_js(field: &str, v: &JsValue) -> Result<Pepper, Error> {
    let (version, bytes) = pepper_parts(field, v)?;
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
//
// The hot path of every authenticated request, so the boundary is kept small (bench/digest.bench.mjs):
// the text is built in a stack buffer and becomes a JS string in one step (no heap String, no
// free call from JS), and the keyed pepper is reused while it stays the same.
#[wasm_bindgen(js_name = digestToken, unchecked_return_type = "string")]
pub fn digest_token_js(
    #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Pepper")] pepper: Option<JsValue>,
) -> Result<JsValue, Error> {
    Ok(stored_to_js(&stored_digest(&token, pepper)?))
}

/// `digestToken` for Rust callers (the wasm tests): the same digest as a `String`.
pub fn digest_token(token: JsValue, pepper: Option<JsValue>) -> Result<String, Error> {
    Ok(stored_digest(&token, pepper)?.to_string())
}

fn stored_digest(token: &JsValue, pepper: Option<JsValue>) -> Result<StoredDigest, Error> {
    let token = string_arg("token", token)?;
    Ok(match pepper {
        None => digest::digest(&token, None)?,
        Some(p) => {
            let (version, key) = pepper_parts("pepper", &p)?;
            LAST_PEPPER.with(|cell| -> Result<StoredDigest, Error> {
                let Ok(mut last) = cell.try_borrow_mut() else {
                    // Re-entered (cannot happen: nothing here calls back into JS): no cache.
                    return Ok(digest::digest(&token, Some(&Pepper::new(&version, &key)?))?);
                };
                let reuse = last
                    .as_ref()
                    .is_some_and(|(k, p)| p.version() == version && bool::from(k.as_slice().ct_eq(key.as_slice())));
                if !reuse {
                    *last = Some((key.clone(), Pepper::new(&version, &key)?));
                }
                Ok(digest::digest(&token, last.as_ref().map(|(_, p)| p))?)
            })?
        }
    })
}

/// `StoredDigest`'s text as a JS string, formatted without a heap allocation.
fn stored_to_js(d: &StoredDigest) -> JsValue {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    // "hmac-sha256:" (12) + key version (at most 32) + ":" + 64 hex digits.
    let mut buf = [0u8; 12 + digest::MAX_KEY_VERSION_LEN + 1 + 64];
    let mut n = 0;
    let mut put = |bytes: &[u8]| match buf.get_mut(n..n + bytes.len()) {
        Some(dst) => {
            dst.copy_from_slice(bytes);
            n += bytes.len();
            true
        }
        None => false,
    };
    let mut hex = [0u8; 64];
    for (pair, &b) in hex.chunks_exact_mut(2).zip(d.bytes()) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0x0f)];
    }
    let fits = put(d.algorithm().as_bytes()) && put(b":") && d.key_version().is_none_or(|v| put(v.as_bytes()) && put(b":")) && put(&hex);
    match buf.get(..n).map(core::str::from_utf8) {
        // ASCII only: the tag, a validated key version and hex digits.
        Some(Ok(text)) if fits => JsValue::from_str(text),
        // Cannot happen (the buffer fits the longest digest); the core's formatter then.
        _ => JsValue::from_str(&d.to_string()),
    }
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
