//! JS bindings for `crate::secret`.
//!
//! Every argument is taken as a `JsValue` and checked here, so a caller passing the wrong JS
//! type gets a `TokenkitError` with `code: "invalid_input"` and `field` set — never a
//! wasm-bindgen `TypeError` or a trap.

use wasm_bindgen::prelude::*;

use crate::secret;
use crate::Error;

#[wasm_bindgen(typescript_custom_section)]
const TS_SECRET: &'static str = r#"
/** The parts of a well-formed token `<prefix>_<body><checksum>`. */
export interface TokenParts {
  /** `[a-z][a-z0-9]{0,15}`, e.g. "tk". */
  prefix: string;
  /** The 30 random base62 characters (the secret part). */
  body: string;
  /** The 6 base62 characters of the CRC32 checksum of `<prefix>_<body>`. */
  checksum: string;
}

/** Error codes thrown by the token, digest and lifetime functions. */
export type CoreErrorCode =
  | "invalid_input"
  | "malformed_prefix" | "invalid_length" | "invalid_character" | "invalid_checksum" | "random_unavailable"
  | "malformed_digest" | "unsupported_digest_algorithm" | "invalid_key_version" | "weak_pepper"
  | "unknown_key_version" | "empty_secret"
  | "invalid_lifetime" | "invalid_ttl" | "invalid_instant" | "lifetime_in_past" | "lifetime_overflow"
  | "lifetime_exceeds_maximum" | "outlives_issuer";
"#;

/// A required string argument.
pub(crate) fn string_arg(field: &str, v: &JsValue) -> Result<String, Error> {
    v.as_string().ok_or_else(|| Error::invalid_input(field, "expected a string"))
}

/// Generates a new token from the platform CSPRNG (`crypto.getRandomValues`).
/// `prefix` defaults to `"tk"`; it must match `[a-z][a-z0-9]{0,15}`.
#[wasm_bindgen(js_name = generateToken)]
pub fn generate_token(
    #[wasm_bindgen(unchecked_optional_param_type = "string")] prefix: Option<JsValue>,
) -> Result<String, Error> {
    let prefix = match prefix {
        None => secret::DEFAULT_PREFIX.to_owned(),
        Some(p) => string_arg("prefix", &p)?,
    };
    Ok(secret::generate(&prefix)?)
}

/// Parses and checks a token (length, prefix, characters, checksum) without any storage read.
/// Throws `malformed_prefix`, `invalid_length`, `invalid_character` or `invalid_checksum`.
#[wasm_bindgen(js_name = parseToken, unchecked_return_type = "TokenParts")]
pub fn parse_token(#[wasm_bindgen(unchecked_param_type = "string")] token: JsValue) -> Result<JsValue, Error> {
    let token = string_arg("token", &token)?;
    let p = secret::parse(&token)?;
    let obj = js_sys::Object::new();
    set(&obj, "prefix", p.prefix);
    set(&obj, "body", p.body);
    set(&obj, "checksum", p.checksum);
    Ok(obj.into())
}

/// `true` when `token` is a string that `parseToken` accepts. Never throws.
#[wasm_bindgen(js_name = isWellFormedToken)]
pub fn is_well_formed_token(#[wasm_bindgen(unchecked_param_type = "unknown")] token: JsValue) -> bool {
    token.as_string().is_some_and(|t| secret::is_well_formed(&t))
}

/// The display form of a valid token: prefix, `_`, `…` (U+2026) and the last four characters,
/// e.g. `"tk_…a1B2"`. Throws like `parseToken` for an invalid token.
#[wasm_bindgen(js_name = maskToken)]
pub fn mask_token(#[wasm_bindgen(unchecked_param_type = "string")] token: JsValue) -> Result<String, Error> {
    let token = string_arg("token", &token)?;
    Ok(secret::mask(&token)?)
}

/// Source of a regular expression that finds tokens in text (shape only; confirm hits with
/// `isWellFormedToken`): `new RegExp(tokenPattern(), "g")`.
#[wasm_bindgen(js_name = tokenPattern)]
pub fn token_pattern() -> String {
    secret::TOKEN_PATTERN.to_owned()
}

/// Sets a string property on a fresh plain object (cannot fail; the result is ignored).
pub(crate) fn set(obj: &js_sys::Object, key: &'static str, value: impl Into<JsValue>) {
    let _ = js_sys::Reflect::set(obj, &super::constant(key), &value.into());
}
