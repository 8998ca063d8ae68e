//! JS bindings for `crate::digest`.

use core::cell::RefCell;

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
    // The last pepper `digestToken` keyed: a worker passes the same pepper on every request, and
    // keying HMAC costs two SHA-256 blocks. Reused only when the version and the key bytes read
    // on this call are equal to its own (`Pepper::is`: the key in constant time), or when this
    // call's version and key are the very strings (`===`: strings are immutable values) it was
    // last confirmed from; never by object identity. (The key was in linear memory during every
    // call before, too; now one keyed copy stays there between calls.)
    static LAST_PEPPER: RefCell<Option<LastPepper>> = const { RefCell::new(None) };
    // The strings of a call, in linear memory (see `Scratch`).
    static SCRATCH: RefCell<Option<Scratch>> = const { RefCell::new(None) };
}

// Scratch's regions. A string that does not fit its region takes the general path (a heap copy).
const TOKEN_AT: usize = 0;
const TOKEN_CAP: usize = 256;
const VERSION_AT: usize = TOKEN_AT + TOKEN_CAP;
const VERSION_CAP: usize = 64;
const KEY_AT: usize = VERSION_AT + VERSION_CAP;
const KEY_CAP: usize = 256;
const OUT_AT: usize = KEY_AT + KEY_CAP;
const SCRATCH_LEN: usize = OUT_AT + digest::MAX_DIGEST_TEXT_LEN;

#[wasm_bindgen]
extern "C" {
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;
    /// Never throws for a string and an attached Uint8Array, and runs no user code for a string.
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(this: &TextEncoder, s: &JsValue, dst: &js_sys::Uint8Array) -> EncodeIntoResult;
    type EncodeIntoResult;
    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeIntoResult) -> u32;
    type TextDecoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextDecoder;
    /// Never throws (not `fatal`) for an attached Uint8Array.
    #[wasm_bindgen(method)]
    fn decode(this: &TextDecoder, bytes: &js_sys::Uint8Array) -> JsValue;
}

/// A fixed buffer in linear memory for the strings of one `digestToken` call: JS encodes the
/// token (and the pepper's version and key) into it with `TextEncoder.encodeInto`, the core
/// writes the digest text into it, and JS decodes that from a cached view. No heap allocation
/// and no malloc/free call from JS per call.
///
/// JS writes only during the `encodeInto` calls, through views of the address that
/// [`Scratch::views`] takes from the buffer (and so hands out) right before them; Rust reads and
/// writes the buffer only between those calls.
struct Scratch {
    buf: Box<[u8; SCRATCH_LEN]>,
    views: Views,
}

/// JS views of the scratch buffer, valid while linear memory keeps its size (growing it
/// detaches the old `ArrayBuffer`), and the encoder and decoder.
struct Views {
    pages: usize,
    base: usize,
    all: js_sys::Uint8Array,
    token: js_sys::Uint8Array,
    version: js_sys::Uint8Array,
    key: js_sys::Uint8Array,
    /// Views of the output region by text length (one per pepper version length; two kept).
    out: [Option<(usize, js_sys::Uint8Array)>; 2],
    encoder: TextEncoder,
    decoder: TextDecoder,
}

impl Scratch {
    fn new() -> Scratch {
        let mut buf = Box::new([0; SCRATCH_LEN]);
        let views = Views::new(buf.as_mut_ptr() as usize, TextEncoder::new(), TextDecoder::new());
        Scratch { buf, views }
    }

    /// Views valid now. Call right before JS touches the buffer, after anything that may have
    /// grown memory.
    fn views(&mut self) -> &mut Views {
        let base = self.buf.as_mut_ptr() as usize;
        if self.views.pages != core::arch::wasm32::memory_size::<0>() || self.views.base != base {
            let encoder = core::mem::replace(&mut self.views.encoder, JsValue::UNDEFINED.unchecked_into());
            let decoder = core::mem::replace(&mut self.views.decoder, JsValue::UNDEFINED.unchecked_into());
            self.views = Views::new(base, encoder, decoder);
        }
        &mut self.views
    }
}

impl Views {
    /// Views of the buffer at `base` in linear memory as it is now.
    fn new(base: usize, encoder: TextEncoder, decoder: TextDecoder) -> Views {
        let pages = core::arch::wasm32::memory_size::<0>();
        let buffer = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>().buffer();
        let all = js_sys::Uint8Array::new_with_byte_offset_and_length(&buffer, base as u32, SCRATCH_LEN as u32);
        let view = |at: usize, len: usize| all.subarray(at as u32, (at + len) as u32);
        let (token, version, key) = (view(TOKEN_AT, TOKEN_CAP), view(VERSION_AT, VERSION_CAP), view(KEY_AT, KEY_CAP));
        Views { pages, base, all, token, version, key, out: [None, None], encoder, decoder }
    }

    /// Encodes the JS string `s` (checked to be a string) into `dst`; its byte length, or `None`
    /// when it may not have fit (written within 4 bytes of the end: the next character could
    /// have been cut off).
    fn encode(&self, s: &JsValue, dst: &js_sys::Uint8Array, cap: usize) -> Option<usize> {
        let n = self.encoder.encode_into(s, dst).written() as usize;
        (n + 4 <= cap).then_some(n)
    }

    /// The first `n` bytes of the output region as a JS string.
    fn decode_out(&mut self, n: usize) -> JsValue {
        let i = match self.out.iter().position(|o| o.as_ref().is_some_and(|(len, _)| *len == n)) {
            Some(i) => i,
            None => {
                self.out.swap(0, 1);
                self.out[0] = Some((n, self.all.subarray(OUT_AT as u32, (OUT_AT + n) as u32)));
                0
            }
        };
        match &self.out[i] {
            Some((_, view)) => self.decoder.decode(view),
            None => self.decoder.decode(&self.all.subarray(OUT_AT as u32, (OUT_AT + n) as u32)),
        }
    }
}

/// The pepper `digestToken` keyed last, and the JS strings (version, key) its bytes were last
/// read from, when they were strings.
struct LastPepper {
    pepper: Pepper,
    strings: Option<(JsValue, JsValue)>,
}

/// The key of a pepper, read with its version: a string (its UTF-8 bytes) or a Uint8Array.
enum Key {
    Str(JsValue),
    Bytes(Vec<u8>),
}

/// The `version` and `key` of a `Pepper` object, checked for type only. All JS code the pepper
/// can run (getters, proxies) runs here, before anything is written to SCRATCH.
fn pepper_values(field: &str, v: &JsValue) -> Result<(JsValue, Key), Error> {
    if !v.is_object() || js_sys::Array::is_array(v) {
        return Err(Error::invalid_input(field, "expected a pepper {version, key}"));
    }
    let get = |k: &'static std::thread::LocalKey<JsValue>| k.with(|k| js_sys::Reflect::get(v, k).unwrap_or(JsValue::UNDEFINED));
    let version = get(&K_VERSION);
    let key = get(&K_KEY);
    if !version.is_string() {
        return Err(Error::invalid_input(field, "pepper.version must be a string"));
    }
    let key = if key.is_string() {
        Key::Str(key)
    } else if let Some(a) = key.dyn_ref::<js_sys::Uint8Array>() {
        Key::Bytes(a.to_vec())
    } else {
        return Err(Error::invalid_input(field, "pepper.key must be a string or a Uint8Array"));
    };
    Ok((version, key))
}

/// The `version` and `key` bytes of a `Pepper` object (the general path: heap copies).
fn pepper_parts(field: &str, v: &JsValue) -> Result<(String, Vec<u8>), Error> {
    let (version, key) = pepper_values(field, v)?;
    pepper_bytes(field, &version, key)
}

/// The bytes of a pepper's `version` and `key` as `pepper_values` read them.
fn pepper_bytes(field: &str, version: &JsValue, key: Key) -> Result<(String, Vec<u8>), Error> {
    let version = string_arg(field, version)?;
    let key = match key {
        Key::Str(s) => string_arg(field, &s)?.into_bytes(),
        Key::Bytes(b) => b,
    };
    Ok((version, key))
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
// The hot path of every authenticated request, so the boundary is kept small (bench/digest.bench.mjs,
// bench/NOTES.md): the token (and the pepper's strings) are encoded by JS straight into a fixed
// buffer in linear memory, the text is built there and decoded by JS from a cached view: no heap
// allocation, no malloc/free call from JS. The keyed pepper is reused while it stays the same.
#[wasm_bindgen(js_name = digestToken, unchecked_return_type = "string")]
pub fn digest_token_js(
    #[wasm_bindgen(unchecked_param_type = "string")] token: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Pepper")] pepper: Option<JsValue>,
) -> Result<JsValue, Error> {
    if !token.is_string() {
        return Err(Error::invalid_input("token", "expected a string"));
    }
    let pepper = match &pepper {
        None => None,
        Some(p) => Some(pepper_values("pepper", p)?),
    };
    // No JS code of the caller's runs from here on.
    match fast_digest(token, pepper.as_ref()) {
        Some(result) => Ok(result?),
        None => {
            // A string that did not fit was partly written into the buffer: wipe it too.
            wipe_scratch_input();
            slow_digest(token, pepper)
        }
    }
}

/// Zeroes the token, version and key regions of the scratch buffer (when it is not in use).
fn wipe_scratch_input() {
    SCRATCH.with(|cell| {
        if let Ok(mut slot) = cell.try_borrow_mut() {
            if let Some(s) = slot.as_mut() {
                s.buf[..OUT_AT].fill(0);
            }
        }
    });
}

/// `digestToken` through the scratch buffer; `None` for the general path (a string too long
/// for its region, or re-entered).
fn fast_digest(token: &JsValue, pepper: Option<&(JsValue, Key)>) -> Option<Result<JsValue, digest::DigestError>> {
    /// Where the pepper comes from: none, the last one (same strings), or bytes in the buffer.
    enum From {
        Plain,
        SameStrings,
        Buffer(usize, usize),
    }
    SCRATCH.with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        let s = slot.get_or_insert_with(Scratch::new);
        let v = s.views();
        let token_len = v.encode(token, &v.token, TOKEN_CAP)?;
        let from = match pepper {
            None => From::Plain,
            Some((version, Key::Str(key))) if same_strings(version, key) => From::SameStrings,
            Some((version, Key::Str(key))) => From::Buffer(v.encode(version, &v.version, VERSION_CAP)?, v.encode(key, &v.key, KEY_CAP)?),
            Some((version, Key::Bytes(_))) => From::Buffer(v.encode(version, &v.version, VERSION_CAP)?, 0),
        };
        // JS has written the strings; now the core reads them and writes the text.
        let (input, out) = s.buf.split_at_mut(OUT_AT);
        let out: &mut [u8; digest::MAX_DIGEST_TEXT_LEN] = out.try_into().ok()?;
        let token = input.get(TOKEN_AT..TOKEN_AT + token_len)?;
        let (n, key_len) = match (from, pepper) {
            (From::Buffer(version_len, key_len), Some((js_version, key))) => {
                let version = input.get(VERSION_AT..VERSION_AT + version_len)?;
                let (bytes, strings) = match key {
                    Key::Str(js_key) => (input.get(KEY_AT..KEY_AT + key_len)?, Some((js_version, js_key))),
                    Key::Bytes(b) => (b.as_slice(), None),
                };
                (with_pepper(version, bytes, strings, |p| digest::digest_text(token, Some(p), out)), key_len)
            }
            // Checked by `same_strings` above; only this function's Rust code ran since.
            (From::SameStrings, Some(_)) => (with_last_pepper(|p| digest::digest_text(token, Some(p), out))?, 0),
            (From::Plain, None) => (digest::digest_text(token, None, out), 0),
            _ => return None,
        };
        // The secrets do not stay in the buffer after the call (the key stays keyed in LAST_PEPPER).
        s.buf[TOKEN_AT..TOKEN_AT + token_len].fill(0);
        s.buf[KEY_AT..KEY_AT + key_len].fill(0);
        // Keying a new pepper may have grown memory: `views` again.
        Some(n.map(|n| s.views().decode_out(n)))
    })
}

/// Are `version` and `key` (strings) the strings the last pepper was confirmed from (`===`)?
fn same_strings(version: &JsValue, key: &JsValue) -> bool {
    LAST_PEPPER.with(|cell| {
        let Ok(last) = cell.try_borrow() else { return false };
        last.as_ref().and_then(|l| l.strings.as_ref()).is_some_and(|(v, k)| v == version && k == key)
    })
}

/// Runs `f` with the last pepper (`None` when there is none): for a call whose strings
/// `same_strings` has just confirmed.
fn with_last_pepper<R>(f: impl FnOnce(&Pepper) -> R) -> Option<R> {
    LAST_PEPPER.with(|cell| cell.try_borrow().ok()?.as_ref().map(|l| f(&l.pepper)))
}

/// Runs `f` with the pepper named `version` with key `key`: the one keyed last when it is the
/// same (version equal, key equal in constant time), else a new one (which is kept). `strings`
/// are the JS strings the bytes were read from, if they were strings (kept for `same_strings`).
fn with_pepper<R>(
    version: &[u8],
    key: &[u8],
    strings: Option<(&JsValue, &JsValue)>,
    f: impl FnOnce(&Pepper) -> Result<R, digest::DigestError>,
) -> Result<R, digest::DigestError> {
    let new = || -> Result<Pepper, digest::DigestError> {
        // A string from `encodeInto` is UTF-8; anything else is not a valid version either.
        let version = core::str::from_utf8(version).map_err(|_| digest::DigestError::InvalidKeyVersion)?;
        Pepper::new(version, key)
    };
    LAST_PEPPER.with(|cell| {
        let Ok(mut last) = cell.try_borrow_mut() else {
            // Re-entered (cannot happen: nothing here calls back into JS): no cache.
            return f(&new()?);
        };
        let last = match last.as_mut() {
            Some(l) if l.pepper.is(version, key) => l,
            _ => last.insert(LastPepper { pepper: new()?, strings: None }),
        };
        last.strings = strings.map(|(v, k)| (v.clone(), k.clone()));
        f(&last.pepper)
    })
}

/// The general path of `digestToken`: strings copied to the heap (a token or key too long for
/// SCRATCH, or re-entered). Same result and errors.
fn slow_digest(token: &JsValue, pepper: Option<(JsValue, Key)>) -> Result<JsValue, Error> {
    let token = string_arg("token", token)?;
    let mut text = [0u8; digest::MAX_DIGEST_TEXT_LEN];
    let n = match pepper {
        None => digest::digest_text(token.as_bytes(), None, &mut text)?,
        Some((version, key)) => {
            let (version, key) = pepper_bytes("pepper", &version, key)?;
            with_pepper(version.as_bytes(), &key, None, |p| digest::digest_text(token.as_bytes(), Some(p), &mut text))?
        }
    };
    Ok(JsValue::from_str(core::str::from_utf8(text.get(..n).unwrap_or_default()).unwrap_or_default()))
}

/// `digestToken` for Rust callers (the wasm tests): the same digest as a `String`.
pub fn digest_token(token: JsValue, pepper: Option<JsValue>) -> Result<String, Error> {
    Ok(digest_token_js(&token, pepper)?.as_string().unwrap_or_default())
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

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// The token, version and key regions of the scratch buffer, as the last call left them.
    fn scratch_input() -> Vec<u8> {
        SCRATCH.with(|cell| cell.borrow().as_ref().map(|s| s.buf[..OUT_AT].to_vec()).unwrap_or_default())
    }

    fn pepper(version: &str, key: &str) -> JsValue {
        let p = js_sys::Object::new();
        set(&p, "version", version);
        set(&p, "key", key);
        p.into()
    }

    #[wasm_bindgen_test]
    fn no_secret_stays_in_the_scratch_buffer() {
        let fits = JsValue::from_str("tk_0123456789ABCDEFGHIJKLMNOPQRST4IOrqg");
        let long = JsValue::from_str(&"a".repeat(TOKEN_CAP + 40)); // too long: the general path
        let key = "k".repeat(40);
        let long_key = "k".repeat(KEY_CAP + 40);
        let cases: [(&JsValue, Option<JsValue>); 4] =
            [(&fits, None), (&fits, Some(pepper("v1", &key))), (&long, None), (&fits, Some(pepper("v1", &long_key)))];
        for (token, p) in cases {
            let got = digest_token_js(token, p.clone()).and_then(|v| v.as_string().ok_or_else(|| Error::invalid_input("t", "not a string")));
            assert!(got.is_ok_and(|d| d.starts_with("sha256:") || d.starts_with("hmac-sha256:v1:")));
            let left = scratch_input();
            assert!(!left.is_empty(), "the fast path ran first");
            let version_region = VERSION_AT..VERSION_AT + VERSION_CAP;
            let secret_bytes = left.iter().enumerate().filter(|(i, &b)| b != 0 && !version_region.contains(i)).count();
            assert_eq!(secret_bytes, 0, "token or key bytes left in the buffer (pepper: {})", p.is_some());
        }
    }
}
