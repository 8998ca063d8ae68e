//! Token format against the shared vectors (`tests/vectors/secret/tokens.json`, whose checksums
//! come from Python's zlib, not from this crate) and property tests.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use serde_json::Value;
use tokenkit::secret::{self, BODY_LEN};

fn vectors() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/secret/tokens.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("vector field {k}"))
}

#[test]
fn valid_vectors_parse_and_mask() {
    let v = vectors();
    let valid = v["valid"].as_array().unwrap();
    assert!(valid.len() >= 5);
    for case in valid {
        let token = s(case, "token");
        let p = secret::parse(token).unwrap_or_else(|e| panic!("{token}: {e}"));
        assert_eq!((p.prefix, p.body, p.checksum), (s(case, "prefix"), s(case, "body"), s(case, "checksum")));
        assert_eq!(secret::mask(token).unwrap(), s(case, "mask"));
        // Our checksum function agrees with the independent one.
        assert_eq!(secret::checksum(p.prefix, p.body).as_slice(), p.checksum.as_bytes());
    }
}

#[test]
fn invalid_vectors_fail_with_their_code() {
    let v = vectors();
    let invalid = v["invalid"].as_array().unwrap();
    assert!(invalid.len() >= 15);
    for case in invalid {
        let token = s(case, "token");
        let err = secret::parse(token).expect_err(token);
        assert_eq!(err.code(), s(case, "code"), "{token:?}: {err}");
    }
}

/// A token with its body chosen by the property test (the checksum is computed).
fn token_from(prefix: &str, body: &[u8]) -> String {
    let body: String = body.iter().map(|&b| char::from(secret::ALPHABET[usize::from(b % 62)])).collect();
    let check = secret::checksum(prefix, &body);
    format!("{prefix}_{body}{}", std::str::from_utf8(&check).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Parsing never panics, whatever the input.
    #[test]
    fn parse_total(s in any::<String>()) {
        let _ = secret::parse(&s);
        let _ = secret::mask(&s);
    }

    /// Any random-byte stream yields a token that parses, with the expected shape.
    #[test]
    fn generated_tokens_parse(bytes in proptest::collection::vec(any::<u8>(), 64..256), prefix in "[a-z][a-z0-9]{0,15}") {
        let mut src = bytes.clone().into_iter().cycle();
        let t = secret::generate_with_rng(&prefix, |buf: &mut [u8]| { for b in buf { *b = src.next().unwrap_or(0); } Ok::<(), ()>(()) });
        match t {
            Ok(t) => {
                let p = secret::parse(&t).unwrap();
                prop_assert_eq!(p.prefix, prefix.as_str());
                prop_assert_eq!(p.body.len(), BODY_LEN);
            }
            // Only a stream of bytes that are all rejected (>= 248) can fail.
            Err(e) => { prop_assert_eq!(e.code(), "random_unavailable"); prop_assert!(bytes.iter().all(|&b| b >= 248)); }
        }
    }

    /// CRC32 catches every single-character substitution (a burst of at most 8 bits).
    #[test]
    fn every_substitution_is_caught(body in proptest::collection::vec(any::<u8>(), 30), pos in 3usize..39, with in 0u8..62) {
        let t = token_from("tk", &body);
        let mut b = t.clone().into_bytes();
        let new = secret::ALPHABET[usize::from(with)];
        prop_assume!(b[pos] != new);
        b[pos] = new;
        let typo = String::from_utf8(b).unwrap();
        prop_assert_eq!(secret::parse(&typo).unwrap_err().code(), "invalid_checksum");
    }

    /// CRC32 catches every transposition of two adjacent different characters (a 16-bit burst).
    #[test]
    fn every_adjacent_swap_is_caught(body in proptest::collection::vec(any::<u8>(), 30), pos in 3usize..38) {
        let t = token_from("tk", &body);
        let mut b = t.clone().into_bytes();
        prop_assume!(b[pos] != b[pos + 1]);
        b.swap(pos, pos + 1);
        let typo = String::from_utf8(b).unwrap();
        prop_assert_eq!(secret::parse(&typo).unwrap_err().code(), "invalid_checksum");
    }

    /// A masked token never parses as a token, and it ends with the token's last four characters.
    #[test]
    fn mask_is_never_a_token(body in proptest::collection::vec(any::<u8>(), 30)) {
        let t = token_from("tk", &body);
        let m = secret::mask(&t).unwrap();
        prop_assert!(secret::parse(&m).is_err());
        prop_assert!(m.ends_with(&t[t.len() - 4..]));
    }
}
