//! Token text: `secret::parse` on any text, and generate → parse round trips.
//!
//! Properties: `parse` is `Ok` exactly when `is_well_formed`; a parsed token is its three
//! parts joined, with a valid prefix and the CRC32 checksum of the rest; `mask` succeeds exactly
//! on valid tokens and its output never parses; error messages never echo the input's body;
//! every generated token parses, and any one-character substitution or adjacent swap of it is
//! refused.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tokenkit::secret::{self, SecretError, ALPHABET, BODY_LEN, CHECK_LEN};
use tokenkit_fuzz::{mode_and_text, G};

fn longest_alnum_run(s: &str) -> &str {
    s.split(|c: char| !c.is_ascii_alphanumeric()).max_by_key(|r| r.len()).unwrap_or("")
}

fn check_text(text: &str) {
    let parsed = secret::parse(text);
    assert_eq!(parsed.is_ok(), secret::is_well_formed(text));
    match parsed {
        Ok(p) => {
            assert_eq!(format!("{}_{}{}", p.prefix, p.body, p.checksum), text);
            assert!(secret::validate_prefix(p.prefix).is_ok());
            assert_eq!((p.body.len(), p.checksum.len()), (BODY_LEN, CHECK_LEN));
            assert_eq!(secret::checksum(p.prefix, p.body).as_slice(), p.checksum.as_bytes());
            let m = secret::mask(text).expect("a valid token masks");
            assert!(!secret::is_well_formed(&m), "a mask parsed as a token");
            assert!(m.starts_with(&format!("{}_", p.prefix)) && m.ends_with(&text[text.len() - 4..]));
            assert!(!format!("{p:?}").contains(p.body), "Debug shows the body");
        }
        Err(e) => {
            assert_eq!(secret::mask(text), Err(e.clone()), "mask must fail like parse");
            assert!(!e.code().is_empty());
            let run = longest_alnum_run(text);
            if run.len() >= 16 {
                assert!(!e.to_string().contains(run), "error message echoes the input: {e}");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, text)) = mode_and_text(data) else { return };
    if mode % 2 == 0 {
        check_text(&text);
        return;
    }
    // Structured: a prefix from a small alphabet (valid or not), random bytes for the body.
    let mut g = G::new(&data[1..]);
    let prefix = g.string_from(&['t', 'k', 'a', 'z', '0', '9', '_', 'A', '-'], 18);
    let mut fill = |buf: &mut [u8]| -> Result<(), ()> {
        for b in buf.iter_mut() {
            if g.is_empty() {
                return Err(());
            }
            *b = g.byte();
        }
        Ok(())
    };
    let generated = secret::generate_with_rng(&prefix, &mut fill);
    let valid_prefix = secret::validate_prefix(&prefix).is_ok();
    match &generated {
        Ok(t) => {
            assert!(valid_prefix);
            let p = secret::parse(t).expect("a generated token parses");
            assert_eq!(p.prefix, prefix);
            check_text(t);
            // Every single substitution in body or checksum is caught (CRC32 catches all
            // single-symbol errors), and so is every swap of two different adjacent characters.
            let bytes = t.as_bytes();
            let start = prefix.len() + 1;
            for i in start..bytes.len() {
                let mut b = bytes.to_vec();
                b[i] = ALPHABET[(ALPHABET.iter().position(|&c| c == bytes[i]).unwrap() + 1 + i % 61) % 62];
                let s = String::from_utf8(b).unwrap();
                assert_eq!(secret::parse(&s).unwrap_err(), SecretError::InvalidChecksum, "substitution at {i} not caught");
                if i + 1 < bytes.len() && bytes[i] != bytes[i + 1] {
                    let mut b = bytes.to_vec();
                    b.swap(i, i + 1);
                    let s = String::from_utf8(b).unwrap();
                    assert!(secret::parse(&s).is_err(), "swap at {i} not caught");
                }
            }
        }
        Err(SecretError::MalformedPrefix(_)) => assert!(!valid_prefix),
        Err(SecretError::RandomUnavailable) => assert!(valid_prefix),
        Err(e) => panic!("unexpected generate error {e:?}"),
    }
});
