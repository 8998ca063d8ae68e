//! Webhook signatures, Stripe-style: the sender adds
//! `Tokenkit-Signature: t=<unix seconds>,v1=<hex HMAC-SHA-256(secret, "<t>.<raw body>")>` and the
//! receiver recomputes the MAC over the raw body it got, compares it in constant time and refuses
//! a timestamp outside its tolerance (a replay of an old delivery).
//!
//! Both sides are these pure functions: the token service signs with [`sign`] and a receiver (a
//! Worker, Node, a browser) verifies with [`verify`] through the package (`signWebhook`,
//! `verifyWebhookSignature`). The clock is a parameter. The MAC is the core's own HMAC-SHA-256
//! (`digest::hmac_sha256`, RFC 2104 over the `sha2` compression function, checked against the
//! RFC 4231 vectors and the `hmac` crate). The key is the signing secret's UTF-8 bytes, whole
//! (`whsec_…`), as Stripe keys its MAC with the whole `whsec_…` string.
//!
//! A header may carry several `v1=` signatures (a sender rolling its secret signs with both);
//! the delivery is accepted when any of them matches. Unknown schemes (`v0=`, `v2=`) are ignored.

use core::fmt;

use crate::digest::{hex, hmac_sha256};
use subtle::ConstantTimeEq;

/// The header the service sends its signature in.
pub const SIGNATURE_HEADER: &str = "Tokenkit-Signature";
/// The signing secrets' prefix (`whsec_<30 base62><6 check>`, the token format).
pub const SECRET_PREFIX: &str = "whsec";
/// The tolerance a receiver should use when it has no reason to pick another: five minutes.
pub const DEFAULT_TOLERANCE_SECONDS: u32 = 300;
/// A longer header is refused before it is parsed.
pub const MAX_HEADER_LEN: usize = 4096;
/// At most this many `v1=` signatures are compared.
pub const MAX_SIGNATURES: usize = 8;

/// Why a signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookError {
    /// No header, or not `t=<digits>,v1=<64 hex>[,…]` (no `t`, two `t`s, no `v1`, a bad value).
    MalformedHeader,
    /// No `v1` signature matches the body under the secret (altered body, wrong secret).
    SignatureMismatch,
    /// The signature matches but its timestamp is further from now than the tolerance.
    TimestampOutsideTolerance,
    /// The signing secret is empty.
    EmptySecret,
}

impl WebhookError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::MalformedHeader => "malformed_signature_header",
            WebhookError::SignatureMismatch => "signature_mismatch",
            WebhookError::TimestampOutsideTolerance => "signature_timestamp_out_of_tolerance",
            WebhookError::EmptySecret => "empty_secret",
        }
    }
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WebhookError::MalformedHeader => "the signature header is missing or malformed: expected t=<unix seconds>,v1=<64 hex digits>",
            WebhookError::SignatureMismatch => "no signature matches the body under this secret",
            WebhookError::TimestampOutsideTolerance => "the signature's timestamp is outside the tolerance",
            WebhookError::EmptySecret => "the signing secret is empty",
        })
    }
}

impl std::error::Error for WebhookError {}

/// The MAC of `"<t>.<body>"` under `secret`.
fn mac(secret: &[u8], t: i64, body: &[u8]) -> [u8; 32] {
    let ts = t.to_string();
    let mut msg = Vec::with_capacity(ts.len() + 1 + body.len());
    msg.extend_from_slice(ts.as_bytes());
    msg.push(b'.');
    msg.extend_from_slice(body);
    // hmac_sha256 accepts every key length; its Result never holds an error.
    hmac_sha256(secret, &msg).unwrap_or([0; 32])
}

/// The header value for `body` sent at `t` (unix seconds): `t=<t>,v1=<hex>`.
///
/// # Errors
/// [`WebhookError::EmptySecret`].
///
/// # Example
/// ```
/// use tokenkit::webhook::{sign, verify};
/// let h = sign(b"whsec_x", 1_700_000_000, b"{}").unwrap();
/// assert!(h.starts_with("t=1700000000,v1="));
/// assert_eq!(verify(&h, b"{}", b"whsec_x", 1_700_000_010, 300), Ok(1_700_000_000));
/// ```
pub fn sign(secret: &[u8], t: i64, body: &[u8]) -> Result<String, WebhookError> {
    if secret.is_empty() {
        return Err(WebhookError::EmptySecret);
    }
    Ok(format!("t={t},v1={}", hex(&mac(secret, t, body))))
}

/// A parsed header: the timestamp and the `v1` signatures.
struct Parsed {
    t: i64,
    v1: Vec<[u8; 32]>,
}

fn hex_nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn decode_sig(text: &str) -> Option<[u8; 32]> {
    let b = text.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = hex_nibble(b[2 * i])? << 4 | hex_nibble(b[2 * i + 1])?;
    }
    Some(out)
}

fn parse(header: &str) -> Result<Parsed, WebhookError> {
    if header.len() > MAX_HEADER_LEN {
        return Err(WebhookError::MalformedHeader);
    }
    let mut t = None;
    let mut v1 = Vec::new();
    for item in header.split(',') {
        let (k, v) = item.split_once('=').ok_or(WebhookError::MalformedHeader)?;
        match k.trim() {
            "t" => {
                let v = v.trim();
                // At most 12 digits: any time up to the year 33658, no overflow.
                if t.is_some() || v.is_empty() || v.len() > 12 || !v.bytes().all(|c| c.is_ascii_digit()) {
                    return Err(WebhookError::MalformedHeader);
                }
                t = Some(v.parse::<i64>().map_err(|_| WebhookError::MalformedHeader)?);
            }
            "v1" => {
                if v1.len() == MAX_SIGNATURES {
                    return Err(WebhookError::MalformedHeader);
                }
                v1.push(decode_sig(v.trim()).ok_or(WebhookError::MalformedHeader)?);
            }
            _ => {} // another scheme: ignored
        }
    }
    match t {
        Some(t) if !v1.is_empty() => Ok(Parsed { t, v1 }),
        _ => Err(WebhookError::MalformedHeader),
    }
}

/// Checks a signature header against the raw `body` received, the signing `secret`, the
/// receiver's clock `now` (unix seconds) and a `tolerance` in seconds (how far the timestamp may
/// be from now, either way). Returns the signed timestamp.
///
/// The MAC is checked before the timestamp, and compared in constant time.
///
/// # Errors
/// [`WebhookError::EmptySecret`], [`WebhookError::MalformedHeader`],
/// [`WebhookError::SignatureMismatch`], [`WebhookError::TimestampOutsideTolerance`].
pub fn verify(header: &str, body: &[u8], secret: &[u8], now: i64, tolerance: u32) -> Result<i64, WebhookError> {
    if secret.is_empty() {
        return Err(WebhookError::EmptySecret);
    }
    let p = parse(header)?;
    let expected = mac(secret, p.t, body);
    let mut any = subtle::Choice::from(0);
    for s in &p.v1 {
        any |= s.ct_eq(&expected);
    }
    if !bool::from(any) {
        return Err(WebhookError::SignatureMismatch);
    }
    if now.abs_diff(p.t) > u64::from(tolerance) {
        return Err(WebhookError::TimestampOutsideTolerance);
    }
    Ok(p.t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{KeyInit, Mac};

    type Reference = hmac::Hmac<sha2::Sha256>;

    fn reference(secret: &[u8], t: i64, body: &[u8]) -> String {
        let mut m = <Reference as KeyInit>::new_from_slice(secret).unwrap();
        m.update(format!("{t}.").as_bytes());
        m.update(body);
        hex(&m.finalize().into_bytes())
    }

    #[test]
    fn signs_like_the_reference_hmac() {
        for (secret, t, body) in [
            (&b"whsec_abc"[..], 0i64, &b""[..]),
            (b"k", 1_700_000_000, b"{\"a\":1}"),
            (&[0x0b; 100][..], 999_999_999_999, &[0u8; 300][..]),
        ] {
            assert_eq!(sign(secret, t, body).unwrap(), format!("t={t},v1={}", reference(secret, t, body)));
        }
        assert_eq!(sign(b"", 1, b"x"), Err(WebhookError::EmptySecret));
    }

    #[test]
    fn rfc4231_vectors_through_the_signing_mac() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?". The signature's
        // MAC is over "<t>.<body>": with t = 0 that is "0." + body, so the vector is checked on
        // hmac_sha256 directly and the framing on the reference above.
        let m = hmac_sha256(b"Jefe", b"what do ya want for nothing?").unwrap();
        assert_eq!(hex(&m), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // Test case 6: a 131-byte key (hashed first).
        let m = hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First").unwrap();
        assert_eq!(hex(&m), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    #[test]
    fn verifies_and_refuses() {
        let (s, t, body) = (b"whsec_secret".as_slice(), 1_700_000_000i64, br#"{"type":"token.expiring"}"#.as_slice());
        let h = sign(s, t, body).unwrap();
        assert_eq!(verify(&h, body, s, t, 300), Ok(t));
        assert_eq!(verify(&h, body, s, t + 300, 300), Ok(t));
        assert_eq!(verify(&h, body, s, t - 300, 300), Ok(t));
        // a tampered body, a wrong secret
        assert_eq!(verify(&h, br#"{"type":"token.expirinG"}"#, s, t, 300), Err(WebhookError::SignatureMismatch));
        assert_eq!(verify(&h, body, b"whsec_other", t, 300), Err(WebhookError::SignatureMismatch));
        // an old (replayed) or a future timestamp
        assert_eq!(verify(&h, body, s, t + 301, 300), Err(WebhookError::TimestampOutsideTolerance));
        assert_eq!(verify(&h, body, s, t - 301, 300), Err(WebhookError::TimestampOutsideTolerance));
        // the timestamp is under the MAC: moving it breaks the signature
        let moved = h.replace("t=1700000000", "t=1700000500");
        assert_eq!(verify(&moved, body, s, t + 500, 300), Err(WebhookError::SignatureMismatch));
        assert_eq!(verify(&h, body, b"", t, 300), Err(WebhookError::EmptySecret));
    }

    #[test]
    fn header_forms() {
        let (s, t, body) = (b"k".as_slice(), 10i64, b"b".as_slice());
        let good = sign(s, t, body).unwrap();
        let sig = good.split_once(",v1=").unwrap().1.to_string();
        let wrong = "0".repeat(64);
        // several v1 (one matches), another scheme, spaces, order, upper-case hex
        for h in [
            format!("t=10,v1={wrong},v1={sig}"),
            format!("v1={sig},t=10"),
            format!("t=10, v0=abc, v1={sig}"),
            format!(" t = 10 ,v1= {} ", sig.to_uppercase()),
        ] {
            assert_eq!(verify(&h, body, s, t, 0), Ok(10), "{h}");
        }
        for h in [
            String::new(),
            "garbage".into(),
            format!("v1={sig}"),
            "t=10".into(),
            format!("t=10,t=10,v1={sig}"),
            format!("t=-10,v1={sig}"),
            format!("t=1e3,v1={sig}"),
            format!("t=1234567890123,v1={sig}"),
            format!("t=10,v1={}", &sig[1..]),
            format!("t=10,v1={}g", &sig[1..]),
            format!("t=10,{}", format!("v1={wrong},").repeat(9)),
            format!("t=10,v1={sig},{}", "x".repeat(MAX_HEADER_LEN)),
            format!("t=10,v1={sig},é"),
        ] {
            assert_eq!(verify(&h, body, s, t, 0), Err(WebhookError::MalformedHeader), "{h}");
        }
        assert_eq!(verify(&format!("t=10,v1={wrong}"), body, s, t, 0), Err(WebhookError::SignatureMismatch));
        assert_eq!(WebhookError::TimestampOutsideTolerance.code(), "signature_timestamp_out_of_tolerance");
    }
}
