//! Leak reports from secret scanners (GitHub's secret-scanning partner format).
//!
//! A scanner that finds strings shaped like tokenkit tokens POSTs them as a JSON array of
//! `{token, type, url, source}`, signed with ECDSA P-256 / SHA-256 over the raw body by one of
//! its published public keys (a document `{"public_keys": [{"key_identifier", "key", "is_current"}]}`,
//! the `key` a PEM `PUBLIC KEY`). The service answers `[{token_hash, token_type, label}]`.
//!
//! What is decided here, without I/O:
//!
//! - [`parse_scanning_keys`] — the configured key listing: each key a P-256 SubjectPublicKeyInfo;
//! - [`signature_check`] — the request's headers against that listing: which key (its SPKI DER
//!   bytes) and the signature converted from DER (what GitHub sends) to the 64-byte `r‖s` form
//!   WebCrypto's ECDSA verify expects (IEEE P1363). The host runs the verify itself, then
//!   [`require_signature`] turns its answer into the refusal;
//! - [`parse_report`] — the body, bounded ([`MAX_CANDIDATES`], [`MAX_REPORT_BYTES`]);
//! - [`classify`] — per candidate, before any storage read: its `token_hash` (SHA-256 hex) and
//!   whether it is a well-formed tokenkit token with a valid checksum (only those are looked up);
//! - [`label`] — from the stored row of a well-formed candidate: `true_positive` for a live
//!   token, and what to do about it ([`LeakAction`]).

use serde::{Deserialize, Serialize};

use super::policy::OnLeak;
use super::verify::{self, StoredState};
use super::RuleError;
use crate::digest;

/// The most candidates one report may carry (a larger batch is refused with 413
/// `too_many_candidates`; a scanner splits its batches).
pub const MAX_CANDIDATES: usize = 1000;
/// The largest report body in bytes (413 `payload_too_large` past it).
pub const MAX_REPORT_BYTES: usize = 1024 * 1024;
/// The longest candidate `token` (a foreign string is hashed and labelled, never stored).
pub const MAX_CANDIDATE_LEN: usize = 4096;
/// The longest `type`, `url` or `source` of a candidate.
pub const MAX_CANDIDATE_FIELD_LEN: usize = 2048;
/// The most keys a key listing may hold.
pub const MAX_SCANNING_KEYS: usize = 64;

/// The DER header of a P-256 SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { id-ecPublicKey,
/// prime256v1 }, BIT STRING (66 bytes, no unused bits) }, followed by the 65-byte uncompressed
/// point `04‖X‖Y`. A P-256 public key in SPKI form is always these 26 bytes and 65 more.
const P256_SPKI_HEADER: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
    0x07, 0x03, 0x42, 0x00,
];

/// One public key of a scanner's key listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanningKey {
    /// The scanner's identifier of the key (the `GITHUB-PUBLIC-KEY-IDENTIFIER` header's value).
    pub key_identifier: String,
    /// The key's SubjectPublicKeyInfo, DER (91 bytes), for `crypto.subtle.importKey("spki", …)`.
    #[serde(skip)]
    pub spki: Vec<u8>,
    /// Whether the scanner marks it as its current key.
    pub is_current: bool,
}

#[derive(Deserialize)]
struct KeyListing {
    public_keys: Option<serde_json::Value>,
}

fn keys_error(field: impl Into<String>, message: impl Into<String>) -> RuleError {
    RuleError::on(503, "invalid_scanning_keys", field, message)
}

/// Parses a key listing (`TOKENKIT_SECRET_SCANNING_KEYS`): `{"public_keys": [{"key_identifier":
/// string, "key": PEM "PUBLIC KEY" of a P-256 key, "is_current": bool}]}`, other fields ignored
/// (GitHub's listing may grow). At least one key, at most [`MAX_SCANNING_KEYS`], identifiers
/// unique.
///
/// # Errors
/// 503 `invalid_scanning_keys` naming the field at fault (`public_keys[2].key`…): a service
/// configuration error, never the scanner's.
pub fn parse_scanning_keys(doc: &str) -> Result<Vec<ScanningKey>, RuleError> {
    let listing: KeyListing = serde_json::from_str(doc).map_err(|_| keys_error("public_keys", "the key listing is not a JSON object"))?;
    let Some(serde_json::Value::Array(items)) = listing.public_keys else {
        return Err(keys_error("public_keys", "the key listing needs a public_keys array"));
    };
    if items.is_empty() || items.len() > MAX_SCANNING_KEYS {
        return Err(keys_error("public_keys", format!("the key listing needs 1 to {MAX_SCANNING_KEYS} keys")));
    }
    let mut keys: Vec<ScanningKey> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |f: &str| format!("public_keys[{i}].{f}");
        let Some(obj) = item.as_object() else {
            return Err(keys_error(format!("public_keys[{i}]"), "each key must be an object"));
        };
        let id = match obj.get("key_identifier") {
            Some(serde_json::Value::String(s)) if !s.is_empty() && s.len() <= 256 && s.bytes().all(|b| (0x21..0x7f).contains(&b)) => s.clone(),
            _ => return Err(keys_error(at("key_identifier"), "key_identifier must be 1 to 256 printable ASCII characters")),
        };
        if keys.iter().any(|k| k.key_identifier == id) {
            return Err(keys_error(at("key_identifier"), "key identifiers must be unique"));
        }
        let Some(serde_json::Value::String(pem)) = obj.get("key") else {
            return Err(keys_error(at("key"), "key must be a PEM string"));
        };
        let spki = p256_spki_from_pem(pem).map_err(|m| keys_error(at("key"), m))?;
        let is_current = match obj.get("is_current") {
            None | Some(serde_json::Value::Null) => false,
            Some(serde_json::Value::Bool(b)) => *b,
            Some(_) => return Err(keys_error(at("is_current"), "is_current must be a boolean")),
        };
        keys.push(ScanningKey { key_identifier: id, spki, is_current });
    }
    Ok(keys)
}

/// The DER of a PEM `PUBLIC KEY` block holding a P-256 key.
fn p256_spki_from_pem(pem: &str) -> Result<Vec<u8>, &'static str> {
    const BEGIN: &str = "-----BEGIN PUBLIC KEY-----";
    const END: &str = "-----END PUBLIC KEY-----";
    let text = pem.trim();
    let body = text
        .strip_prefix(BEGIN)
        .and_then(|r| r.strip_suffix(END))
        .ok_or("key must be a PEM block -----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----")?;
    let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = base64_decode(&b64).ok_or("key's PEM body is not base64")?;
    if der.len() != P256_SPKI_HEADER.len() + 65 || der[..P256_SPKI_HEADER.len()] != P256_SPKI_HEADER || der[P256_SPKI_HEADER.len()] != 0x04 {
        return Err("key must be an ECDSA P-256 (prime256v1) public key, uncompressed");
    }
    Ok(der)
}

/// Standard base64 (RFC 4648 §4) with padding required when the length needs it; `None` for
/// any other character, a bad length or non-zero trailing bits.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let b = text.as_bytes();
    if b.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    for (n, chunk) in b.chunks_exact(4).enumerate() {
        let last = n + 1 == b.len() / 4;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut acc = 0u32;
        for &c in &chunk[..4 - pad] {
            acc = acc << 6 | val(c)?;
        }
        acc <<= 6 * pad as u32;
        let bytes = [(acc >> 16) as u8, (acc >> 8) as u8, acc as u8];
        // The bits a padded group does not carry must be zero (a canonical encoding).
        if pad == 2 && bytes[1..] != [0, 0] || pad == 1 && bytes[2] != 0 {
            return None;
        }
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

/// An ECDSA signature in DER (`SEQUENCE { INTEGER r, INTEGER s }`, what GitHub sends) as the
/// 64-byte `r‖s` WebCrypto verifies (IEEE P1363): each integer positive, minimally encoded, at
/// most 32 bytes of value, left-padded with zeros.
///
/// # Errors
/// The reason, for the caller's 401 `malformed_signature`.
pub fn der_signature_to_raw(der: &[u8]) -> Result<[u8; 64], &'static str> {
    fn integer(der: &[u8]) -> Result<(&[u8], &[u8]), &'static str> {
        let [0x02, len, rest @ ..] = der else { return Err("expected an INTEGER") };
        let len = usize::from(*len);
        if len == 0 || len > 33 || rest.len() < len {
            return Err("bad INTEGER length");
        }
        let (v, rest) = rest.split_at(len);
        if v[0] & 0x80 != 0 {
            return Err("negative INTEGER");
        }
        if v.len() > 1 && v[0] == 0 && v[1] & 0x80 == 0 {
            return Err("INTEGER not minimally encoded");
        }
        let v = if v[0] == 0 && v.len() > 1 { &v[1..] } else { v };
        if v.len() > 32 {
            return Err("INTEGER longer than 32 bytes");
        }
        Ok((v, rest))
    }
    let [0x30, len, body @ ..] = der else { return Err("expected a DER SEQUENCE") };
    if usize::from(*len) != body.len() || *len >= 0x80 {
        return Err("bad SEQUENCE length");
    }
    let (r, rest) = integer(body)?;
    let (s, rest) = integer(rest)?;
    if !rest.is_empty() {
        return Err("trailing bytes after the signature");
    }
    if r.iter().all(|&b| b == 0) || s.iter().all(|&b| b == 0) {
        return Err("zero r or s");
    }
    let mut out = [0u8; 64];
    out[32 - r.len()..32].copy_from_slice(r);
    out[64 - s.len()..].copy_from_slice(s);
    Ok(out)
}

/// What the host verifies: the key's SPKI and the `r‖s` signature over the raw body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCheck {
    /// The SubjectPublicKeyInfo (DER) of the key the request names.
    pub spki: Vec<u8>,
    /// The signature as `r‖s` (IEEE P1363).
    pub signature: [u8; 64],
}

/// The header naming the key.
pub const KEY_ID_HEADER: &str = "GITHUB-PUBLIC-KEY-IDENTIFIER";
/// The header carrying the base64 DER signature.
pub const SIGNATURE_HEADER: &str = "GITHUB-PUBLIC-KEY-SIGNATURE";

/// A report's signature headers against the configured key listing (`None`: not configured).
///
/// # Errors
/// 503 `scanning_not_configured` without a listing, 503 `invalid_scanning_keys` for a bad one;
/// 401 `missing_signature` (field: the header) without either header, 401
/// `unknown_key_identifier` for a key the listing does not hold, 401 `malformed_signature` for a
/// signature that is not base64 of a DER ECDSA signature.
pub fn signature_check(keys_doc: Option<&str>, key_id: Option<&str>, signature: Option<&str>) -> Result<SignatureCheck, RuleError> {
    let Some(doc) = keys_doc.filter(|d| !d.trim().is_empty()) else {
        return Err(RuleError::new(503, "scanning_not_configured", "leak reports are not accepted: no scanner keys are configured (TOKENKIT_SECRET_SCANNING_KEYS)"));
    };
    let keys = parse_scanning_keys(doc)?;
    let Some(key_id) = key_id.map(str::trim).filter(|k| !k.is_empty()) else {
        return Err(RuleError::on(401, "missing_signature", KEY_ID_HEADER, "the GITHUB-PUBLIC-KEY-IDENTIFIER header is required"));
    };
    let Some(signature) = signature.map(str::trim).filter(|s| !s.is_empty()) else {
        return Err(RuleError::on(401, "missing_signature", SIGNATURE_HEADER, "the GITHUB-PUBLIC-KEY-SIGNATURE header is required"));
    };
    let Some(key) = keys.into_iter().find(|k| k.key_identifier == key_id) else {
        return Err(RuleError::on(401, "unknown_key_identifier", KEY_ID_HEADER, "no configured scanner key has this identifier"));
    };
    let malformed = |why: &str| RuleError::on(401, "malformed_signature", SIGNATURE_HEADER, format!("the signature is not a base64 DER ECDSA signature: {why}"));
    let der = base64_decode(signature).ok_or_else(|| malformed("not base64"))?;
    let signature = der_signature_to_raw(&der).map_err(malformed)?;
    Ok(SignatureCheck { spki: key.spki, signature })
}

/// The host's verify answer as the decision: 401 `invalid_signature` unless it verified.
///
/// # Errors
/// 401 `invalid_signature`.
pub fn require_signature(verified: bool) -> Result<(), RuleError> {
    if verified {
        Ok(())
    } else {
        Err(RuleError::on(401, "invalid_signature", SIGNATURE_HEADER, "the signature does not verify with the named key over the request body"))
    }
}

/// One reported string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    /// The reported string.
    pub token: String,
    /// The scanner's name for the pattern that matched (echoed as `token_type`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Where it was found, if given.
    pub url: Option<String>,
    /// The kind of place it was found in (`content`, `commit`, …), if given.
    pub source: Option<String>,
}

fn report_error(field: impl Into<String>, message: impl Into<String>) -> RuleError {
    RuleError::on(422, "invalid_field", field, message)
}

/// Parses a report body: a JSON array of at most [`MAX_CANDIDATES`] objects, each with a
/// non-empty string `token` (at most [`MAX_CANDIDATE_LEN`] bytes) and a string `type`; `url` and
/// `source` optional strings; other fields ignored (the partner format may grow).
///
/// # Errors
/// 400 `invalid_json` for text that is not a JSON array, 413 `too_many_candidates`, 422
/// `invalid_field` naming the field (`[3].token`).
pub fn parse_report(body: &str) -> Result<Vec<Candidate>, RuleError> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(|_| RuleError::new(400, "invalid_json", "the report is not valid JSON"))?;
    let serde_json::Value::Array(items) = value else {
        return Err(RuleError::new(400, "invalid_json", "the report must be a JSON array of {token, type, url, source}"));
    };
    if items.len() > MAX_CANDIDATES {
        return Err(RuleError::new(413, "too_many_candidates", format!("a report may hold at most {MAX_CANDIDATES} candidates; split the batch")));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let serde_json::Value::Object(mut obj) = item else {
            return Err(report_error(format!("[{i}]"), "each candidate must be an object {token, type, url, source}"));
        };
        let token = match obj.remove("token") {
            Some(serde_json::Value::String(s)) if !s.is_empty() && s.len() <= MAX_CANDIDATE_LEN => s,
            _ => return Err(report_error(format!("[{i}].token"), format!("token must be a string of 1 to {MAX_CANDIDATE_LEN} bytes"))),
        };
        let mut text = |f: &str, required: bool| -> Result<Option<String>, RuleError> {
            match obj.remove(f) {
                Some(serde_json::Value::String(s)) if s.len() <= MAX_CANDIDATE_FIELD_LEN => Ok(Some(s)),
                None | Some(serde_json::Value::Null) if !required => Ok(None),
                _ => Err(report_error(format!("[{i}].{f}"), format!("{f} must be a string of at most {MAX_CANDIDATE_FIELD_LEN} bytes"))),
            }
        };
        let kind = text("type", true)?.unwrap_or_default();
        let url = text("url", false)?;
        let source = text("source", false)?;
        out.push(Candidate { token, kind, url, source });
    }
    Ok(out)
}

/// A candidate before any storage read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Classified {
    /// SHA-256 of the candidate's UTF-8 bytes, lowercase hex (the answer's `token_hash`).
    pub token_hash: String,
    /// A tokenkit token with a valid checksum: only these are looked up. Every other candidate
    /// is `false_positive` without a read.
    pub lookup: bool,
}

/// Classifies a candidate: its hash, and whether it is worth a lookup (format and checksum).
pub fn classify(token: &str) -> Classified {
    Classified { token_hash: digest::hex(&digest::sha256(token.as_bytes())), lookup: verify::check_presented(Some(token)).is_ok() }
}

/// What the service does about a labelled candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakAction {
    /// Nothing: not a live token.
    None,
    /// Revoke the token at once (reason `leaked`).
    Revoke,
    /// Disable the token (the account's policy `onLeak: "disable"`).
    Disable,
}

/// The label of a candidate and the action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// `true_positive` or `false_positive`.
    pub label: &'static str,
    /// What to do.
    pub action: LeakAction,
    /// The verification code the candidate got (`ok`, `revoked`, `unknown_token`, …).
    pub code: &'static str,
}

/// The label of a well-formed candidate from the row found by its digest (`None`: none), at
/// `now`: `true_positive` when the token would verify now — its current secret, or a rotated-out
/// one still in its grace, not revoked, not disabled, not expired — with the action the
/// account's policy asks for (`on_leak`: [`LeakAction::Revoke`] by default, or
/// [`LeakAction::Disable`]); `false_positive` for anything else (unknown, revoked, disabled,
/// expired, a retired secret).
///
/// This is the one place the response to a live leak is decided.
pub fn label(row: Option<&StoredState>, digest: &str, now: i64, on_leak: OnLeak) -> Label {
    let v = verify::decide(row, digest, now);
    if v.valid {
        let action = match on_leak {
            OnLeak::Revoke => LeakAction::Revoke,
            OnLeak::Disable => LeakAction::Disable,
        };
        Label { label: "true_positive", action, code: v.code }
    } else {
        Label { label: "false_positive", action: LeakAction::None, code: v.code }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A P-256 public key (`openssl ecparam -name prime256v1 -genkey | openssl ec -pubout`).
    const PEM: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEJeCCXR4sXztiLDnJt2ZzBjmSvYKf\no7Cz46loNdEI26iuYP85aHN3OP2VS0v1WgpaSAWTwiCda1YfAsigtX0t3Q==\n-----END PUBLIC KEY-----\n";

    fn listing(keys: &str) -> String {
        format!(r#"{{"public_keys": [{keys}]}}"#)
    }

    fn key(id: &str, current: bool) -> String {
        format!(r#"{{"key_identifier": "{id}", "key": {}, "is_current": {current}}}"#, serde_json::to_string(PEM).unwrap())
    }

    #[test]
    fn base64_strict() {
        assert_eq!(base64_decode("").unwrap(), b"");
        assert_eq!(base64_decode("Zm9vYmFy").unwrap(), b"foobar");
        assert_eq!(base64_decode("Zm9vYg==").unwrap(), b"foob");
        assert_eq!(base64_decode("Zm9vYmE=").unwrap(), b"fooba");
        for bad in ["Zm9vYg=", "Zm9vYh==", "Zm9=Ymar", "Zm9v YmFy", "Zg===", "Zm9vYmE_"] {
            assert_eq!(base64_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn key_listing() {
        let keys = parse_scanning_keys(&listing(&format!("{}, {}", key("a", false), key("b", true)))).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!((keys[1].key_identifier.as_str(), keys[1].is_current, keys[1].spki.len()), ("b", true, 91));
        let cases: &[(&str, &str)] = &[
            ("[]", "public_keys"),
            ("{}", "public_keys"),
            (r#"{"public_keys": []}"#, "public_keys"),
            (r#"{"public_keys": [1]}"#, "public_keys[0]"),
            (r#"{"public_keys": [{"key": "x"}]}"#, "public_keys[0].key_identifier"),
            (r#"{"public_keys": [{"key_identifier": "a", "key": "x"}]}"#, "public_keys[0].key"),
        ];
        for (doc, field) in cases {
            let e = parse_scanning_keys(doc).unwrap_err();
            assert_eq!((e.status, e.code, e.field.as_deref()), (503, "invalid_scanning_keys", Some(*field)), "{doc}");
        }
        let dup = parse_scanning_keys(&listing(&format!("{}, {}", key("a", false), key("a", true)))).unwrap_err();
        assert_eq!(dup.field.as_deref(), Some("public_keys[1].key_identifier"));
        // An RSA or P-384 key is refused (a P-384 SPKI has another length and OID).
        let p384 = "-----BEGIN PUBLIC KEY-----\nMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE\n-----END PUBLIC KEY-----";
        let doc = format!(r#"{{"public_keys": [{{"key_identifier": "a", "key": {}}}]}}"#, serde_json::to_string(p384).unwrap());
        assert_eq!(parse_scanning_keys(&doc).unwrap_err().field.as_deref(), Some("public_keys[0].key"));
    }

    #[test]
    fn der_signatures() {
        // r = 1, s = 0x80 (needs a leading zero byte in DER).
        let der = [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80];
        let raw = der_signature_to_raw(&der).unwrap();
        assert_eq!(raw[31], 1);
        assert_eq!(raw[63], 0x80);
        assert!(raw[..31].iter().chain(&raw[32..63]).all(|&b| b == 0));
        // 32-byte values with a high bit: 33 bytes in DER.
        let mut full = vec![0x30, 0x44, 0x02, 0x21, 0x00];
        full.extend([0xff; 32]);
        full.extend([0x02, 0x1f]);
        full.extend([0x11; 31]);
        let raw = der_signature_to_raw(&full).unwrap();
        assert_eq!(&raw[..32], &[0xff; 32]);
        assert_eq!(raw[32], 0);
        assert_eq!(&raw[33..], &[0x11; 31]);
        let bad: &[&[u8]] = &[
            &[],
            &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00],
            &[0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01],
            &[0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01],
            &[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01],
            &[0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00],
            &[0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
        ];
        for b in bad {
            assert!(der_signature_to_raw(b).is_err(), "{b:?}");
        }
    }

    #[test]
    fn signature_headers() {
        let doc = listing(&key("k1", true));
        let sig = "MAYCAQECAQE="; // r = 1, s = 1
        assert_eq!(signature_check(None, Some("k1"), Some(sig)).unwrap_err().code, "scanning_not_configured");
        assert_eq!(signature_check(Some("{"), Some("k1"), Some(sig)).unwrap_err().code, "invalid_scanning_keys");
        let e = signature_check(Some(&doc), None, Some(sig)).unwrap_err();
        assert_eq!((e.status, e.code, e.field.as_deref()), (401, "missing_signature", Some(KEY_ID_HEADER)));
        let e = signature_check(Some(&doc), Some("k1"), Some(" ")).unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), ("missing_signature", Some(SIGNATURE_HEADER)));
        assert_eq!(signature_check(Some(&doc), Some("k2"), Some(sig)).unwrap_err().code, "unknown_key_identifier");
        assert_eq!(signature_check(Some(&doc), Some("k1"), Some("!!")).unwrap_err().code, "malformed_signature");
        assert_eq!(signature_check(Some(&doc), Some("k1"), Some("MAA=")).unwrap_err().code, "malformed_signature");
        let ok = signature_check(Some(&doc), Some("k1"), Some(sig)).unwrap();
        assert_eq!((ok.spki.len(), ok.signature[31], ok.signature[63]), (91, 1, 1));
        assert_eq!(require_signature(false).unwrap_err().code, "invalid_signature");
        assert_eq!(require_signature(true), Ok(()));
    }

    #[test]
    fn reports() {
        let r = parse_report(r#"[{"token": "a", "type": "tokenkit", "url": "https://x", "source": "content", "extra": 1}, {"token": "b", "type": "t"}]"#).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].kind.as_str(), r[0].url.as_deref(), r[1].source.as_deref()), ("tokenkit", Some("https://x"), None));
        assert_eq!(parse_report("[]").unwrap(), vec![]);
        let cases: &[(&str, u16, &str, Option<&str>)] = &[
            ("nope", 400, "invalid_json", None),
            ("{}", 400, "invalid_json", None),
            ("[1]", 422, "invalid_field", Some("[0]")),
            (r#"[{"type": "t"}]"#, 422, "invalid_field", Some("[0].token")),
            (r#"[{"token": "", "type": "t"}]"#, 422, "invalid_field", Some("[0].token")),
            (r#"[{"token": "a"}]"#, 422, "invalid_field", Some("[0].type")),
            (r#"[{"token": "a", "type": "t"}, {"token": "b", "type": "t", "url": 3}]"#, 422, "invalid_field", Some("[1].url")),
        ];
        for (body, status, code, field) in cases {
            let e = parse_report(body).unwrap_err();
            assert_eq!((e.status, e.code, e.field.as_deref()), (*status, *code, *field), "{body}");
        }
        let many = format!("[{}]", vec![r#"{"token":"a","type":"t"}"#; MAX_CANDIDATES + 1].join(","));
        assert_eq!(parse_report(&many).unwrap_err().code, "too_many_candidates");
    }

    #[test]
    fn classification_and_labels() {
        let good = crate::secret::generate("tk").unwrap();
        let c = classify(&good);
        assert!(c.lookup);
        assert_eq!(c.token_hash, digest::hex(&digest::sha256(good.as_bytes())));
        let mut bad = good.clone();
        let last = bad.pop().unwrap();
        bad.push(if last == 'A' { 'B' } else { 'A' });
        assert!(!classify(&bad).lookup, "wrong checksum: no lookup");
        assert!(!classify("ghp_notours").lookup, "foreign format: no lookup");
        assert_eq!(classify("abc").token_hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

        let now = 1_800_000_000_000;
        let live = StoredState { digest: "d".into(), ..Default::default() };
        let l = label(Some(&live), "d", now, OnLeak::Revoke);
        assert_eq!((l.label, l.action, l.code), ("true_positive", LeakAction::Revoke, "ok"));
        let grace = StoredState { digest: "d".into(), previous_digest: Some("p".into()), previous_expires_at: Some(now + 1), ..Default::default() };
        assert_eq!(label(Some(&grace), "p", now, OnLeak::Revoke).label, "true_positive", "a rotated-out secret in its grace is live");
        let revoked = StoredState { revoked_at: Some(1), ..live.clone() };
        assert_eq!(label(Some(&revoked), "d", now, OnLeak::Disable), Label { label: "false_positive", action: LeakAction::None, code: "revoked" });
        let expired = StoredState { expires_at: Some(now), ..live.clone() };
        assert_eq!(label(Some(&expired), "d", now, OnLeak::Revoke).label, "false_positive");
        assert_eq!(label(None, "d", now, OnLeak::Revoke).code, "unknown_token");
        // the account's policy: disable instead of revoke, for a live token only
        let l = label(Some(&live), "d", now, OnLeak::Disable);
        assert_eq!((l.label, l.action), ("true_positive", LeakAction::Disable));
        let disabled = StoredState { disabled_at: Some(1), ..live.clone() };
        assert_eq!(label(Some(&disabled), "d", now, OnLeak::Disable), Label { label: "false_positive", action: LeakAction::None, code: "disabled" });
    }
}
