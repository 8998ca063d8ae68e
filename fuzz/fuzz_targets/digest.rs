//! Stored digests: `StoredDigest::parse` on any text, `verify` against an independent
//! recomputation, and digest → verify round trips.
//!
//! Properties: a parsed digest prints back to exactly its input (one canonical spelling);
//! `verify` answers exactly "the SHA-256 / HMAC-SHA-256 of the secret equals the stored bytes,
//! and the secret is not empty"; a digest made by `digest` verifies for its secret and for no
//! other; an HMAC digest whose key version is not in the keyring is an error, never `false`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tokenkit::digest::{self, DigestError, Pepper, StoredDigest};
use tokenkit_fuzz::{mode_and_text, G};

fn keyring() -> Vec<Pepper> {
    vec![Pepper::new("v1", &[1u8; 32]).unwrap(), Pepper::new("k-2.x_y", &[2u8; 40]).unwrap()]
}
const KEYS: [(&str, &[u8]); 2] = [("v1", &[1u8; 32]), ("k-2.x_y", &[2u8; 40])];

fn check(stored: &str, secret: &str) {
    let ring = keyring();
    let parsed = StoredDigest::parse(stored);
    let verified = digest::verify(secret, stored, &ring);
    match &parsed {
        Ok(d) => {
            assert_eq!(d.to_string(), stored, "not canonical");
            assert_eq!(StoredDigest::parse(&d.to_string()).as_ref(), Ok(d));
            let expect = match d {
                StoredDigest::Sha256(_) => Some(digest::sha256(secret.as_bytes())),
                StoredDigest::HmacSha256 { key_version, .. } => {
                    KEYS.iter().find(|(v, _)| v == key_version).map(|(_, k)| digest::hmac_sha256(k, secret.as_bytes()).unwrap())
                }
                _ => unreachable!("only two algorithms"),
            };
            match (expect, &verified) {
                (Some(bytes), Ok(b)) => assert_eq!(*b, &bytes == d.bytes() && !secret.is_empty()),
                (None, Err(DigestError::UnknownKeyVersion { version })) => assert_eq!(Some(version.as_str()), d.key_version()),
                other => panic!("verify disagrees with the recomputation: {other:?}"),
            }
        }
        Err(e) => assert_eq!(verified.as_ref().err(), Some(e), "verify must fail as parse does"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, text)) = mode_and_text(data) else { return };
    if mode % 2 == 0 {
        // Raw: "<stored>\n<secret>".
        let (stored, secret) = text.split_once('\n').unwrap_or((&text, ""));
        check(stored, secret);
        return;
    }
    // Structured: digest a secret, then verify it, a different secret, and a flipped digest.
    let mut g = G::new(&data[1..]);
    let secret = g.text(48);
    let ring = keyring();
    let pepper = match g.below(3) {
        0 => None,
        i => Some(&ring[i - 1]),
    };
    match digest::digest(&secret, pepper) {
        Err(DigestError::EmptySecret) => assert!(secret.is_empty()),
        Err(e) => panic!("unexpected {e:?}"),
        Ok(d) => {
            let s = d.to_string();
            check(&s, &secret);
            assert_eq!(digest::verify(&secret, &s, &ring), Ok(true));
            let other = format!("{secret}x");
            assert_eq!(digest::verify(&other, &s, &ring), Ok(false));
            // A keyring without the digest's pepper is a configuration error, not `false`.
            if let Some(p) = pepper {
                let rest: Vec<Pepper> = ring.iter().filter(|q| q.version() != p.version()).cloned().collect();
                assert!(matches!(digest::verify(&secret, &s, &rest), Err(DigestError::UnknownKeyVersion { .. })));
            }
            // Flip one hex digit: never verifies.
            let mut b = s.clone().into_bytes();
            let i = b.len() - 1 - g.below(64);
            b[i] = if b[i] == b'0' { b'1' } else { b'0' };
            let flipped = String::from_utf8(b).unwrap();
            assert_eq!(digest::verify(&secret, &flipped, &ring), Ok(false));
        }
    }
    // Pepper construction: exactly the documented rules.
    let version = g.text(40);
    let key_len = g.below(70);
    let key = vec![7u8; key_len];
    match Pepper::new(&version, &key) {
        Ok(p) => {
            assert!(digest::validate_key_version(&version).is_ok() && key_len >= digest::MIN_PEPPER_LEN);
            assert!(!format!("{p:?}").contains("7, 7"), "Debug shows the key");
        }
        Err(DigestError::InvalidKeyVersion) => assert!(digest::validate_key_version(&version).is_err()),
        Err(DigestError::WeakPepper { len }) => assert!(len < digest::MIN_PEPPER_LEN && len == key_len),
        Err(e) => panic!("unexpected {e:?}"),
    }
});
