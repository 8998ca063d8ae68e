//! Webhook signatures and endpoint URLs: `webhook::verify` on any header and body, `sign` →
//! `verify` round trips, and `check_webhook_url` on any text.
//!
//! Properties: `verify` accepts exactly when the header parses and one of its `v1` values is the
//! HMAC-SHA-256 of `"<t>.<body>"` (recomputed here with the core's `hmac_sha256`) and `t` is within
//! the tolerance; a signed body verifies, and one changed byte of the body, the secret or the
//! timestamp never does; an accepted URL is https (or http to a loopback host when allowed), has
//! a host, no user info, no fragment, no whitespace; `allow = false` accepts a subset of `allow = true`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tokenkit::digest::{hex, hmac_sha256};
use tokenkit::rules::webhooks::check_webhook_url;
use tokenkit::webhook::{sign, verify, WebhookError};
use tokenkit_fuzz::{mode_and_text, G};

const SECRET: &[u8] = b"whsec_fuzzfuzzfuzzfuzzfuzzfuzzfuzz000000";
const NOW: i64 = 1_767_225_600;

fn check_url(text: &str) {
    let v = Value::String(text.to_string());
    let strict = check_webhook_url(Some(&v), false);
    let local = check_webhook_url(Some(&v), true);
    if strict.is_ok() {
        assert!(local.is_ok(), "strict accepts what local refuses: {text:?}");
    }
    if let Ok(u) = &local {
        assert_eq!(u, text);
        let lower = u.to_ascii_lowercase();
        assert!(lower.starts_with("https://") || lower.starts_with("http://"));
        if strict.is_ok() {
            assert!(lower.starts_with("https://"), "strict accepted plain http: {text:?}");
        }
        let rest = &u[u.find("://").unwrap() + 3..];
        let authority = rest.split(['/', '?']).next().unwrap();
        assert!(!authority.is_empty() && !authority.contains('@') && !u.contains('#'));
        assert!(!u.chars().any(|c| c.is_whitespace() || c.is_control()));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, text)) = mode_and_text(data) else { return };
    if mode % 3 == 0 {
        // Raw: "<header>\n<body>".
        let (header, body) = text.split_once('\n').unwrap_or((&text, ""));
        let got = verify(header, body.as_bytes(), SECRET, NOW, 300);
        if let Ok(t) = got {
            let mac = hex(&hmac_sha256(SECRET, format!("{t}.{body}").as_bytes()).unwrap());
            assert!(header.to_ascii_lowercase().contains(&mac), "accepted without the MAC: {header:?}");
            assert!((t - NOW).abs() <= 300);
        }
        return;
    }
    if mode % 3 == 1 {
        check_url(&text);
        return;
    }
    // Structured: sign, verify, tamper.
    let mut g = G::new(&data[1..]);
    let body = g.text(200);
    let t = g.i64_in(0, 999_999_999_999);
    let h = sign(SECRET, t, body.as_bytes()).unwrap();
    assert_eq!(verify(&h, body.as_bytes(), SECRET, t, 0), Ok(t));
    let mut other = body.clone().into_bytes();
    if other.is_empty() {
        other.push(b'x');
    } else {
        let i = g.below(other.len());
        other[i] ^= 1 + g.below(255) as u8;
    }
    assert_eq!(verify(&h, &other, SECRET, t, 0), Err(WebhookError::SignatureMismatch));
    let mut key = SECRET.to_vec();
    let i = g.below(key.len());
    key[i] ^= 1 + g.below(255) as u8;
    assert_eq!(verify(&h, body.as_bytes(), &key, t, 0), Err(WebhookError::SignatureMismatch));
    let moved = h.replacen(&format!("t={t},"), &format!("t={},", t + 1), 1);
    assert_eq!(verify(&moved, body.as_bytes(), SECRET, t + 1, 10), Err(WebhookError::SignatureMismatch));
    let late = g.i64_in(1, 1_000_000);
    assert_eq!(verify(&h, body.as_bytes(), SECRET, t + 300 + late, 300), Err(WebhookError::TimestampOutsideTolerance));
});
