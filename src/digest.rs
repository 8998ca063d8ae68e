//! Stored digests of a secret (SHA-256, HMAC-SHA-256) and constant-time verification.
//!
//! A service stores only a digest of each secret, as text:
//!
//! - `sha256:<64 lowercase hex>` — SHA-256 of the token's UTF-8 bytes (no pepper).
//! - `hmac-sha256:<key-version>:<64 lowercase hex>` — HMAC-SHA-256 keyed with a *pepper*: a
//!   service-wide secret kept outside the database (a worker secret). `key-version` names the
//!   pepper (`[A-Za-z0-9][A-Za-z0-9._-]{0,31}`), so a pepper can rotate: new digests use the new
//!   version, old digests still name the version that verifies them.
//!
//! The text form is canonical (lowercase hex, no padding, no whitespace), so a unique index on
//! the digest column is a lookup by secret. Secrets are high-entropy random tokens, so a fast
//! hash is right here; this is not for passwords.
//!
//! [`verify`] compares digests in constant time (`subtle`).

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

/// Text prefix of a plain SHA-256 digest.
pub const SHA256_TAG: &str = "sha256";
/// Text prefix of a peppered HMAC-SHA-256 digest.
pub const HMAC_SHA256_TAG: &str = "hmac-sha256";
/// Maximum length of a key version.
pub const MAX_KEY_VERSION_LEN: usize = 32;
/// Minimum pepper length in bytes (256 bits, the HMAC-SHA-256 output size).
pub const MIN_PEPPER_LEN: usize = 32;

/// Errors of this area.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DigestError {
    /// A stored digest is not `sha256:<hex>` or `hmac-sha256:<version>:<hex>`.
    MalformedDigest {
        /// What is wrong.
        reason: &'static str,
    },
    /// A stored digest names an algorithm this version does not know.
    UnsupportedAlgorithm,
    /// A key version (in a stored digest or a pepper) is not `[A-Za-z0-9][A-Za-z0-9._-]{0,31}`.
    InvalidKeyVersion,
    /// A pepper key is shorter than [`MIN_PEPPER_LEN`] bytes.
    WeakPepper {
        /// The key's length in bytes.
        len: usize,
    },
    /// A stored HMAC digest names a key version for which no pepper was given (or none at all).
    UnknownKeyVersion {
        /// The key version the digest names.
        version: String,
    },
    /// The secret to digest is empty.
    EmptySecret,
}

impl DigestError {
    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            DigestError::MalformedDigest { .. } => "malformed_digest",
            DigestError::UnsupportedAlgorithm => "unsupported_digest_algorithm",
            DigestError::InvalidKeyVersion => "invalid_key_version",
            DigestError::WeakPepper { .. } => "weak_pepper",
            DigestError::UnknownKeyVersion { .. } => "unknown_key_version",
            DigestError::EmptySecret => "empty_secret",
        }
    }
}

impl fmt::Display for DigestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DigestError::MalformedDigest { reason } => write!(f, "malformed digest: {reason}"),
            DigestError::UnsupportedAlgorithm => {
                f.write_str("unsupported digest algorithm: expected sha256 or hmac-sha256")
            }
            DigestError::InvalidKeyVersion => f.write_str(
                "invalid key version: expected 1 to 32 characters of A-Z a-z 0-9 . _ - starting with a letter or digit",
            ),
            DigestError::WeakPepper { len } => {
                write!(f, "pepper key too short: {len} bytes, at least {MIN_PEPPER_LEN} required")
            }
            DigestError::UnknownKeyVersion { version } => write!(f, "no pepper for key version {version}"),
            DigestError::EmptySecret => f.write_str("cannot digest an empty secret"),
        }
    }
}

impl std::error::Error for DigestError {}

/// A pepper: the HMAC key and the version that names it in stored digests.
///
/// The HMAC is keyed once, in [`Pepper::new`]; each digest clones the keyed state (the inner
/// and outer pads are not recomputed per token). `Debug` never shows the key.
#[derive(Clone)]
pub struct Pepper {
    version: String,
    key: Vec<u8>,
    mac: Hmac<Sha256>,
}

impl PartialEq for Pepper {
    fn eq(&self, other: &Pepper) -> bool {
        self.version == other.version && bool::from(self.key.ct_eq(&other.key))
    }
}

impl Eq for Pepper {}

impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pepper").field("version", &self.version).field("key", &"<redacted>").finish()
    }
}

impl Pepper {
    /// A pepper named `version` with key bytes `key`.
    ///
    /// # Errors
    /// [`DigestError::InvalidKeyVersion`] for a bad version, [`DigestError::WeakPepper`] for a
    /// key shorter than [`MIN_PEPPER_LEN`] bytes.
    pub fn new(version: &str, key: &[u8]) -> Result<Pepper, DigestError> {
        validate_key_version(version)?;
        if key.len() < MIN_PEPPER_LEN {
            return Err(DigestError::WeakPepper { len: key.len() });
        }
        let mac = keyed(key)?;
        Ok(Pepper { version: version.to_owned(), key: key.to_vec(), mac })
    }

    fn mac(&self, msg: &[u8]) -> [u8; 32] {
        let mut m = self.mac.clone();
        m.update(msg);
        m.finalize().into_bytes().into()
    }

    /// The key version.
    pub fn version(&self) -> &str {
        &self.version
    }
}

/// Checks a key version: `[A-Za-z0-9][A-Za-z0-9._-]{0,31}`.
///
/// # Errors
/// [`DigestError::InvalidKeyVersion`].
pub fn validate_key_version(v: &str) -> Result<(), DigestError> {
    let b = v.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= MAX_KEY_VERSION_LEN
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(DigestError::InvalidKeyVersion)
    }
}

/// A parsed stored digest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoredDigest {
    /// `sha256:<hex>`.
    Sha256([u8; 32]),
    /// `hmac-sha256:<key_version>:<hex>`.
    HmacSha256 {
        /// The pepper's key version.
        key_version: String,
        /// The MAC.
        mac: [u8; 32],
    },
}

impl StoredDigest {
    /// Parses the text form.
    ///
    /// # Errors
    /// [`DigestError::UnsupportedAlgorithm`] for an unknown tag (including upper-case `SHA256`),
    /// [`DigestError::InvalidKeyVersion`], or [`DigestError::MalformedDigest`] (missing parts,
    /// hex not exactly 64 lowercase hex digits).
    pub fn parse(text: &str) -> Result<StoredDigest, DigestError> {
        let Some((tag, rest)) = text.split_once(':') else {
            return Err(DigestError::MalformedDigest { reason: "expected <algorithm>:<hex>" });
        };
        match tag {
            SHA256_TAG => Ok(StoredDigest::Sha256(decode_hex32(rest)?)),
            HMAC_SHA256_TAG => {
                let Some((version, hex)) = rest.split_once(':') else {
                    return Err(DigestError::MalformedDigest { reason: "expected hmac-sha256:<key-version>:<hex>" });
                };
                validate_key_version(version)?;
                Ok(StoredDigest::HmacSha256 { key_version: version.to_owned(), mac: decode_hex32(hex)? })
            }
            _ => Err(DigestError::UnsupportedAlgorithm),
        }
    }

    /// The algorithm tag (`sha256` or `hmac-sha256`).
    pub fn algorithm(&self) -> &'static str {
        match self {
            StoredDigest::Sha256(_) => SHA256_TAG,
            StoredDigest::HmacSha256 { .. } => HMAC_SHA256_TAG,
        }
    }

    /// The key version, for an HMAC digest.
    pub fn key_version(&self) -> Option<&str> {
        match self {
            StoredDigest::Sha256(_) => None,
            StoredDigest::HmacSha256 { key_version, .. } => Some(key_version),
        }
    }

    /// The raw 32 digest bytes.
    pub fn bytes(&self) -> &[u8; 32] {
        match self {
            StoredDigest::Sha256(b) => b,
            StoredDigest::HmacSha256 { mac, .. } => mac,
        }
    }
}

impl fmt::Display for StoredDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoredDigest::Sha256(b) => write!(f, "{SHA256_TAG}:{}", hex(b)),
            StoredDigest::HmacSha256 { key_version, mac } => write!(f, "{HMAC_SHA256_TAG}:{key_version}:{}", hex(mac)),
        }
    }
}

/// Lowercase hex of `bytes` (sha2 0.11's output type has no `LowerHex`).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

fn decode_hex32(text: &str) -> Result<[u8; 32], DigestError> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    let b = text.as_bytes();
    if b.len() != 64 {
        return Err(DigestError::MalformedDigest { reason: "expected 64 hex digits" });
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
        let (Some(hi), Some(lo)) = (nibble(pair[0]), nibble(pair[1])) else {
            return Err(DigestError::MalformedDigest { reason: "expected lowercase hex digits 0-9 a-f" });
        };
        *o = hi << 4 | lo;
    }
    Ok(out)
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// An HMAC-SHA-256 state keyed with `key`.
///
/// HMAC accepts keys of every length (RFC 2104: longer than the block are hashed first), and the
/// `hmac` crate's `new_from_slice` never fails for it; its signature is fallible only because the
/// `KeyInit` trait is shared with ciphers. Should it ever fail, the key is reported unusable
/// rather than replaced by anything.
fn keyed(key: &[u8]) -> Result<Hmac<Sha256>, DigestError> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).map_err(|_| DigestError::WeakPepper { len: key.len() })
}

/// HMAC-SHA-256 of `msg` under `key` (any length, as RFC 2104 allows; no minimum here, so the
/// RFC 4231 vectors can be checked — [`Pepper::new`] enforces [`MIN_PEPPER_LEN`]).
///
/// # Errors
/// [`DigestError::WeakPepper`] if the HMAC implementation rejects the key (it does not for any
/// length today).
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> Result<[u8; 32], DigestError> {
    let mut mac = keyed(key)?;
    mac.update(msg);
    Ok(mac.finalize().into_bytes().into())
}

/// The stored digest of `secret`: HMAC-SHA-256 with `pepper` when given, SHA-256 otherwise.
///
/// # Errors
/// [`DigestError::EmptySecret`].
///
/// # Example
/// ```
/// use tokenkit::digest::{digest, Pepper};
/// assert_eq!(digest("abc", None).unwrap().to_string(),
///     "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
/// let p = Pepper::new("v1", &[7u8; 32]).unwrap();
/// assert!(digest("abc", Some(&p)).unwrap().to_string().starts_with("hmac-sha256:v1:"));
/// ```
pub fn digest(secret: &str, pepper: Option<&Pepper>) -> Result<StoredDigest, DigestError> {
    if secret.is_empty() {
        return Err(DigestError::EmptySecret);
    }
    Ok(match pepper {
        None => StoredDigest::Sha256(sha256(secret.as_bytes())),
        Some(p) => StoredDigest::HmacSha256 { key_version: p.version.clone(), mac: p.mac(secret.as_bytes()) },
    })
}

/// Does `secret` match the stored digest? Constant-time in the digest bytes.
///
/// `peppers` is the keyring: for an HMAC digest the pepper with the digest's key version is used.
/// A `sha256:` digest verifies without any pepper (so unpeppered digests keep working after a
/// pepper is introduced). An empty `secret` never matches.
///
/// # Errors
/// Anything [`StoredDigest::parse`] returns for `stored`, and
/// [`DigestError::UnknownKeyVersion`] when no pepper has the digest's key version: that is a
/// configuration error, not a wrong secret, so it is not reported as `false`.
pub fn verify(secret: &str, stored: &str, peppers: &[Pepper]) -> Result<bool, DigestError> {
    let stored = StoredDigest::parse(stored)?;
    verify_parsed(secret, &stored, peppers)
}

/// [`verify`] against an already parsed digest.
///
/// # Errors
/// [`DigestError::UnknownKeyVersion`].
pub fn verify_parsed(secret: &str, stored: &StoredDigest, peppers: &[Pepper]) -> Result<bool, DigestError> {
    let computed = match stored {
        StoredDigest::Sha256(_) => sha256(secret.as_bytes()),
        StoredDigest::HmacSha256 { key_version, .. } => {
            let Some(p) = peppers.iter().find(|p| &p.version == key_version) else {
                return Err(DigestError::UnknownKeyVersion { version: key_version.clone() });
            };
            p.mac(secret.as_bytes())
        }
    };
    let equal: bool = computed.ct_eq(stored.bytes()).into();
    Ok(equal && !secret.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// FIPS 180-4 examples (NIST CSRC "SHA256.pdf" example values) plus the empty message.
    #[test]
    fn sha256_known_answers() {
        let cases: &[(&[u8], &str)] = &[
            (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            ),
            (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ];
        for &(msg, want) in cases {
            assert_eq!(hex(&sha256(msg)), want);
        }
    }

    /// RFC 4231 section 4, HMAC-SHA-256 outputs for test cases 1–4, 6, 7
    /// (case 5 is a truncated output and is not applicable).
    #[test]
    fn hmac_sha256_rfc4231() {
        let cases: &[(&str, Vec<u8>, Vec<u8>, &str)] = &[
            ("1", vec![0x0b; 20], b"Hi There".to_vec(), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            ("2", b"Jefe".to_vec(), b"what do ya want for nothing?".to_vec(), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ("3", vec![0xaa; 20], vec![0xdd; 50], "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            (
                "4",
                unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                vec![0xcd; 50],
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            ),
            (
                "6",
                vec![0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                "7",
                vec![0xaa; 131],
                b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".to_vec(),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
        ];
        for (name, key, msg, want) in cases {
            assert_eq!(hex(&hmac_sha256(key, msg).unwrap()), *want, "RFC 4231 test case {name}");
        }
    }

    #[test]
    fn digest_text_forms_round_trip() {
        let p = Pepper::new("2026-11.a_b", &[1u8; 32]).unwrap();
        let d = digest("tk_x", Some(&p)).unwrap();
        let text = d.to_string();
        assert_eq!(text, format!("hmac-sha256:2026-11.a_b:{}", hex(&hmac_sha256(&[1u8; 32], b"tk_x").unwrap())));
        assert_eq!(StoredDigest::parse(&text).unwrap(), d);
        assert_eq!(d.key_version(), Some("2026-11.a_b"));
        assert_eq!(d.algorithm(), "hmac-sha256");
        let s = digest("tk_x", None).unwrap();
        assert_eq!(StoredDigest::parse(&s.to_string()).unwrap(), s);
        assert_eq!(s.key_version(), None);
        assert_eq!(digest("", None), Err(DigestError::EmptySecret));
        assert_eq!(digest("", Some(&p)), Err(DigestError::EmptySecret));
    }

    #[test]
    fn parse_stored_table() {
        let h = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let malformed = |r| Err(DigestError::MalformedDigest { reason: r });
        let hexlen = "expected 64 hex digits";
        let hexchar = "expected lowercase hex digits 0-9 a-f";
        let cases: Vec<(String, Result<(), DigestError>)> = vec![
            (format!("sha256:{h}"), Ok(())),
            (format!("hmac-sha256:v1:{h}"), Ok(())),
            (String::new(), malformed("expected <algorithm>:<hex>")),
            (h.to_string(), malformed("expected <algorithm>:<hex>")),
            (format!("SHA256:{h}"), Err(DigestError::UnsupportedAlgorithm)),
            (format!("md5:{h}"), Err(DigestError::UnsupportedAlgorithm)),
            (format!("sha256:{}", &h[..63]), malformed(hexlen)),
            (format!("sha256:{h}0"), malformed(hexlen)),
            (format!("sha256:{}", h.to_uppercase()), malformed(hexchar)),
            (format!("sha256:{}g", &h[..63]), malformed(hexchar)),
            (format!("sha256:{}é", &h[..62]), malformed(hexchar)),
            (format!("sha256: {}", &h[..63]), malformed(hexchar)),
            (format!("hmac-sha256:{h}"), malformed("expected hmac-sha256:<key-version>:<hex>")),
            (format!("hmac-sha256::{h}"), Err(DigestError::InvalidKeyVersion)),
            (format!("hmac-sha256:-v:{h}"), Err(DigestError::InvalidKeyVersion)),
            (format!("hmac-sha256:{}:{h}", "v".repeat(33)), Err(DigestError::InvalidKeyVersion)),
            (format!("hmac-sha256:vé:{h}"), Err(DigestError::InvalidKeyVersion)),
            (format!("hmac-sha256:v1:{h}:x"), malformed(hexlen)),
        ];
        for (text, want) in cases {
            let got = StoredDigest::parse(&text).map(|d| assert_eq!(d.to_string(), text));
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn peppers() {
        assert!(Pepper::new("v1", &[0; 32]).is_ok());
        assert_eq!(Pepper::new("v1", &[0; 31]), Err(DigestError::WeakPepper { len: 31 }));
        assert_eq!(Pepper::new("", &[0; 32]), Err(DigestError::InvalidKeyVersion));
        assert_eq!(Pepper::new("a:b", &[0; 32]), Err(DigestError::InvalidKeyVersion));
        let dbg = format!("{:?}", Pepper::new("v1", &[0x41; 32]).unwrap());
        assert!(!dbg.contains("AAAA") && !dbg.contains("65") && dbg.contains("<redacted>"), "{dbg}");
    }

    #[test]
    fn verify_table_with_rotation() {
        let v1 = Pepper::new("v1", &[1u8; 32]).unwrap();
        let v2 = Pepper::new("v2", &[2u8; 32]).unwrap();
        let secret = "tk_0123456789ABCDEFGHIJKLMNOPQRST4IOrqg";
        let plain = digest(secret, None).unwrap().to_string();
        let d1 = digest(secret, Some(&v1)).unwrap().to_string();
        let d2 = digest(secret, Some(&v2)).unwrap().to_string();
        // A digest under v1 with v2's key bytes: same version label, wrong key.
        let forged = format!("hmac-sha256:v1:{}", &d2["hmac-sha256:v2:".len()..]);
        let both = [v2.clone(), v1.clone()];
        type Case<'a> = (&'a str, &'a str, &'a [Pepper], Result<bool, DigestError>);
        let cases: Vec<Case> = vec![
            (secret, &plain, &[], Ok(true)),
            (secret, &plain, &both, Ok(true)),
            ("tk_other", &plain, &[], Ok(false)),
            ("", &plain, &[], Ok(false)),
            (secret, &d1, &both, Ok(true)),
            (secret, &d2, &both, Ok(true)),
            (secret, &d1, core::slice::from_ref(&v1), Ok(true)),
            ("tk_other", &d1, &both, Ok(false)),
            ("", &d1, &both, Ok(false)),
            (secret, &forged, &both, Ok(false)),
            (secret, &d1, core::slice::from_ref(&v2), Err(DigestError::UnknownKeyVersion { version: "v1".into() })),
            (secret, &d1, &[], Err(DigestError::UnknownKeyVersion { version: "v1".into() })),
            (secret, "sha256:xyz", &both, Err(DigestError::MalformedDigest { reason: "expected 64 hex digits" })),
        ];
        for (i, (s, d, keys, want)) in cases.into_iter().enumerate() {
            assert_eq!(verify(s, d, keys), want, "case {i}: {s:?} vs {d:?}");
        }
        // A one-bit change anywhere in the stored hex fails.
        let mut bytes = plain.clone().into_bytes();
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(verify(secret, core::str::from_utf8(&bytes).unwrap(), &[]), Ok(false));
    }

    #[test]
    fn unicode_secrets_digest_their_utf8_bytes() {
        let d = digest("ключ🔑", None).unwrap();
        assert_eq!(d.bytes(), &sha256("ключ🔑".as_bytes()));
        assert_eq!(verify("ключ🔑", &d.to_string(), &[]), Ok(true));
    }

    #[test]
    fn error_codes_are_distinct() {
        let all = [
            DigestError::MalformedDigest { reason: "x" },
            DigestError::UnsupportedAlgorithm,
            DigestError::InvalidKeyVersion,
            DigestError::WeakPepper { len: 1 },
            DigestError::UnknownKeyVersion { version: "v".into() },
            DigestError::EmptySecret,
        ];
        let codes: std::collections::BTreeSet<_> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), all.len());
        for e in &all {
            let m = e.to_string();
            assert!(m.starts_with(|c: char| c.is_ascii_lowercase()) && !m.ends_with('.'), "{m}");
        }
    }
}
