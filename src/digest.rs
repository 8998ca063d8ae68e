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

use sha2::block_api::compress256;
use subtle::ConstantTimeEq;

/// Text prefix of a plain SHA-256 digest.
pub const SHA256_TAG: &str = "sha256";
/// Text prefix of a peppered HMAC-SHA-256 digest.
pub const HMAC_SHA256_TAG: &str = "hmac-sha256";
/// Maximum length of a key version.
pub const MAX_KEY_VERSION_LEN: usize = 32;
/// Minimum pepper length in bytes (256 bits, the HMAC-SHA-256 output size).
pub const MIN_PEPPER_LEN: usize = 32;
/// Length of the longest stored-digest text: `hmac-sha256:` + a 32-character key version + `:`
/// + 64 hex digits.
pub const MAX_DIGEST_TEXT_LEN: usize = HMAC_SHA256_TAG.len() + 1 + MAX_KEY_VERSION_LEN + 1 + 64;

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
/// The HMAC is keyed once, in [`Pepper::new`]: it keeps the SHA-256 states after the inner and
/// the outer pad block, so a digest of a token up to 55 bytes is two compressions and nothing
/// else. `Debug` never shows the key.
#[derive(Clone)]
pub struct Pepper {
    version: String,
    key: Vec<u8>,
    keyed: HmacKey,
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
        Ok(Pepper { version: version.to_owned(), key: key.to_vec(), keyed: HmacKey::new(key) })
    }

    fn mac(&self, msg: &[u8]) -> [u8; 32] {
        self.keyed.mac(msg)
    }

    /// The key version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Is this the pepper named `version` with key bytes `key`? The key is compared in constant
    /// time (so a caller can keep one keyed pepper and check it against the configured one on
    /// every call without timing the comparison of secrets).
    pub fn is(&self, version: &[u8], key: &[u8]) -> bool {
        self.version.as_bytes() == version && bool::from(self.key.as_slice().ct_eq(key))
    }
}

/// SHA-256's initial hash value (FIPS 180-4, 5.3.3).
const SHA256_IV: [u32; 8] = [0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19];

/// Finishes a SHA-256 computation over `msg`, starting from `state` after `blocks_done` whole
/// 64-byte blocks (0 for a plain hash, 1 after an HMAC pad block): the remaining whole blocks,
/// then the padded tail (FIPS 180-4, 5.1.1). Only the `sha2` compression function is used.
fn sha256_from(mut state: [u32; 8], blocks_done: u64, msg: &[u8]) -> [u32; 8] {
    // Written for a size-optimised build too (`opt-level` "s"/"z" inline almost nothing): whole
    // arrays and one copy per piece, no iterator adapters (bench/NOTES.md: this is the hot path
    // of `digestToken`).
    let mut chunks = msg.chunks_exact(64);
    for chunk in &mut chunks {
        if let Ok(block) = <&[u8; 64]>::try_from(chunk) {
            compress256(&mut state, core::slice::from_ref(block));
        }
    }
    let tail = chunks.remainder();
    let mut block = [0u8; 64];
    block[..tail.len()].copy_from_slice(tail);
    block[tail.len()] = 0x80;
    if tail.len() >= 56 {
        compress256(&mut state, core::slice::from_ref(&block));
        block = [0u8; 64];
    }
    // The message length in bits, modulo 2^64 as the standard defines it.
    let bits = blocks_done.wrapping_mul(64).wrapping_add(msg.len() as u64).wrapping_mul(8);
    if let Some(len) = block.last_chunk_mut::<8>() {
        *len = bits.to_be_bytes();
    }
    compress256(&mut state, core::slice::from_ref(&block));
    state
}

/// The digest bytes of a final SHA-256 state (its words, big-endian).
#[inline(always)]
fn state_bytes(state: &[u32; 8]) -> [u8; 32] {
    let [a, b, c, d, e, f, g, h] = *state;
    let hi = (u128::from(a) << 96 | u128::from(b) << 64 | u128::from(c) << 32 | u128::from(d)).to_be_bytes();
    let lo = (u128::from(e) << 96 | u128::from(f) << 64 | u128::from(g) << 32 | u128::from(h)).to_be_bytes();
    let mut out = [0u8; 32];
    if let Some((first, last)) = out.split_first_chunk_mut::<16>() {
        *first = hi;
        if let Ok(last) = <&mut [u8; 16]>::try_from(last) {
            *last = lo;
        }
    }
    out
}

/// The 8 lowercase hex digits of `w`, most significant first, without a table or a loop: the
/// nibbles are spread one per byte of a `u64`, then each becomes `0`-`9` or `a`-`f`.
#[inline(always)]
fn hex8(w: u32) -> [u8; 8] {
    let x = u64::from(w);
    let x = ((x & 0xffff_0000) << 16) | (x & 0xffff);
    let x = ((x & 0x0000_ff00_0000_ff00) << 8) | (x & 0x0000_00ff_0000_00ff);
    let x = ((x & 0x00f0_00f0_00f0_00f0) << 4) | (x & 0x000f_000f_000f_000f);
    // 1 in each byte whose nibble is 10-15 (nibble + 6 carries into bit 4).
    let letters = ((x + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    (x + 0x3030_3030_3030_3030 + letters * (b'a' - b'0' - 10) as u64).to_be_bytes()
}

/// The 64 hex digits of a final SHA-256 state.
#[inline(always)]
fn state_hex(s: &[u32; 8]) -> [[u8; 8]; 8] {
    [hex8(s[0]), hex8(s[1]), hex8(s[2]), hex8(s[3]), hex8(s[4]), hex8(s[5]), hex8(s[6]), hex8(s[7])]
}

/// An HMAC-SHA-256 key (RFC 2104) as the SHA-256 states after its inner and outer pad blocks.
#[derive(Clone)]
struct HmacKey {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl HmacKey {
    fn new(key: &[u8]) -> HmacKey {
        // A key longer than the 64-byte block is replaced by its SHA-256; then zero-padded.
        let mut k0 = [0u8; 64];
        if key.len() > 64 {
            k0[..32].copy_from_slice(&sha256(key));
        } else {
            k0[..key.len()].copy_from_slice(key);
        }
        let pad = |byte: u8| {
            let mut block = k0;
            block.iter_mut().for_each(|b| *b ^= byte);
            let mut state = SHA256_IV;
            compress256(&mut state, core::slice::from_ref(&block));
            state
        };
        HmacKey { inner: pad(0x36), outer: pad(0x5c) }
    }

    fn mac(&self, msg: &[u8]) -> [u8; 32] {
        state_bytes(&self.mac_state(msg))
    }

    /// The final SHA-256 state of the outer hash (its words are the MAC, big-endian).
    fn mac_state(&self, msg: &[u8]) -> [u32; 8] {
        sha256_from(self.outer, 1, &state_bytes(&sha256_from(self.inner, 1, msg)))
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
    state_bytes(&sha256_from(SHA256_IV, 0, data))
}

/// HMAC-SHA-256 of `msg` under `key` (any length, as RFC 2104 allows; no minimum here, so the
/// RFC 4231 vectors can be checked — [`Pepper::new`] enforces [`MIN_PEPPER_LEN`]).
///
/// # Errors
/// None today: every key length is valid HMAC. (The `Result` is kept for callers written when
/// the `hmac` crate's fallible keying was behind it.)
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> Result<[u8; 32], DigestError> {
    Ok(HmacKey::new(key).mac(msg))
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

/// The stored digest of `secret` (its UTF-8 bytes) as text, written into `out`; returns the
/// text's length. The same text as `digest(secret, pepper)?.to_string()`, without a heap
/// allocation: the hot path of the JS binding, which hands `out` to JS as it is.
///
/// # Errors
/// [`DigestError::EmptySecret`].
pub fn digest_text(secret: &[u8], pepper: Option<&Pepper>, out: &mut [u8; MAX_DIGEST_TEXT_LEN]) -> Result<usize, DigestError> {
    if secret.is_empty() {
        return Err(DigestError::EmptySecret);
    }
    let (state, n) = match pepper {
        None => {
            if let Some(tag) = out.first_chunk_mut::<7>() {
                *tag = *b"sha256:";
            }
            (sha256_from(SHA256_IV, 0, secret), 7)
        }
        Some(p) => {
            if let Some(tag) = out.first_chunk_mut::<12>() {
                *tag = *b"hmac-sha256:";
            }
            // A validated version is 1 to 32 bytes, so the text fits `out`.
            let v = p.version.as_bytes();
            out[12..12 + v.len()].copy_from_slice(v);
            out[12 + v.len()] = b':';
            (p.keyed.mac_state(secret), 12 + v.len() + 1)
        }
    };
    out[n..n + 64].copy_from_slice(state_hex(&state).as_flattened());
    Ok(n + 64)
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

    /// The compression-level SHA-256 and HMAC against the `sha2` and `hmac` crates' streaming
    /// ones, for every message length around the one- and two-block boundaries (55/56, 64, 119/120)
    /// and for keys shorter than, equal to and longer than the block; `digest_text` against the
    /// `Display` form.
    #[test]
    fn compression_level_digests_match_the_crates() {
        use hmac::{KeyInit as _, Mac as _};
        use sha2::Digest as _;
        let msg: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for key_len in [0usize, 1, 20, 31, 32, 48, 63, 64, 65, 100, 131, 200] {
            let key: Vec<u8> = (0..key_len).map(|i| (i * 13 + 1) as u8).collect();
            let keyed = HmacKey::new(&key);
            for len in 0..=msg.len() {
                let m = &msg[..len];
                if key_len == 0 {
                    let want: [u8; 32] = sha2::Sha256::digest(m).into();
                    assert_eq!(sha256(m), want, "sha256 of {len} bytes");
                }
                let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
                mac.update(m);
                let want: [u8; 32] = mac.finalize().into_bytes().into();
                assert_eq!(keyed.mac(m), want, "hmac, key {key_len} bytes, message {len} bytes");
            }
        }
        let p = Pepper::new("2026-11.a_b", &[9u8; 40]).unwrap();
        let long = Pepper::new(&"v".repeat(MAX_KEY_VERSION_LEN), &[9u8; 40]).unwrap();
        let mut out = [0u8; MAX_DIGEST_TEXT_LEN];
        for secret in ["tk_x", "tk_0123456789ABCDEFGHIJKLMNOPQRST4IOrqg", "ключ🔑", &"x".repeat(200)] {
            for pepper in [None, Some(&p), Some(&long)] {
                let n = digest_text(secret.as_bytes(), pepper, &mut out).unwrap();
                assert_eq!(core::str::from_utf8(&out[..n]).unwrap(), digest(secret, pepper).unwrap().to_string());
            }
        }
        assert_eq!(digest_text(b"", None, &mut out), Err(DigestError::EmptySecret));
        assert_eq!(digest_text(b"", Some(&p), &mut out), Err(DigestError::EmptySecret));
        for w in [0u32, 1, 9, 10, 15, 0x0123_4567, 0x89ab_cdef, 0xdead_beef, 0xffff_ffff, 0xa0b1_c2d3] {
            assert_eq!(&hex8(w), format!("{w:08x}").as_bytes(), "{w:#x}");
        }
        assert!(p.is(b"2026-11.a_b", &[9u8; 40]));
        assert!(!p.is(b"2026-11.a_c", &[9u8; 40]) && !p.is(b"2026-11.a_b", &[9u8; 39]) && !p.is(b"2026-11.a_b", &[8u8; 40]));
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
