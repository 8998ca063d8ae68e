//! The token, digest and lifetime JS API at the wasm boundary, under Node and headless Chromium
//! (`wasm-pack test --node`, `WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --chrome`):
//! exported JS names, `TokenkitError` shape and codes, and no trap on garbage of every JS type.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Date, Object, Reflect, Uint8Array};
use tokenkit::wasm::{digest as d, lifetime as l, secret as s};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(k)).unwrap()
}

/// The thrown value must be a real `Error`, an instance of the `TokenkitError` class, with this code.
fn assert_code<T: core::fmt::Debug>(r: Result<T, tokenkit::Error>, code: &str) -> JsValue {
    let err: JsValue = r.expect_err(code).into();
    assert!(err.is_instance_of::<js_sys::Error>(), "not an Error");
    // an instance of the class of src/wasm/error.js, not a plain Error renamed
    assert_eq!(get(&get(&err, "constructor"), "name").as_string().as_deref(), Some("TokenkitError"));
    assert_eq!(get(&err, "name").as_string().as_deref(), Some("TokenkitError"));
    assert_eq!(get(&err, "code").as_string().as_deref(), Some(code));
    err
}

fn str(v: &str) -> JsValue {
    JsValue::from_str(v)
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &str(k), v).unwrap();
    }
    o.into()
}

/// One value of every JS type, and some awkward values of the expected types.
fn garbage() -> Vec<JsValue> {
    vec![
        JsValue::UNDEFINED,
        JsValue::NULL,
        JsValue::TRUE,
        JsValue::from_f64(0.0),
        JsValue::from_f64(-1.0),
        JsValue::from_f64(f64::NAN),
        JsValue::from_f64(f64::INFINITY),
        JsValue::from_f64(1e308),
        JsValue::bigint_from_str("123"),
        str(""),
        str("\u{0}"),
        str(&"x".repeat(100_000)),
        str("tk_…abcd"),
        JsValue::symbol(Some("s")),
        Object::new().into(),
        Array::new().into(),
        Date::new(&str("nope")).into(),
        Uint8Array::new_with_length(4).into(),
        js_sys::Function::new_no_args("return 1").into(),
    ]
}

#[wasm_bindgen_test]
fn js_names_are_exported() {
    let names = [
        "generateToken", "parseToken", "maskToken", "isWellFormedToken", "tokenPattern",
        "digestToken", "verifyDigest", "parseDigest",
        "expiresAt", "expiresAtMs", "capExpiry", "checkOutlives", "rotationGraceExpiresAt", "isExpired",
        "formatInstant", "lifetimePresets",
    ];
    // wasm-bindgen names each wasm export after its `js_name`, and the JS glue re-exports it
    // under the same name; a snake_case name must not leak.
    let exports = wasm_bindgen::exports();
    for n in names {
        assert!(get(&exports, n).is_function(), "export {n}");
    }
    for snake in ["generate_token", "verify_digest", "expires_at"] {
        assert!(get(&exports, snake).is_undefined(), "{snake} must not be exported");
    }
}

#[wasm_bindgen_test]
fn tokens_round_trip() {
    let t = s::generate_token(None).unwrap();
    assert!(t.starts_with("tk_") && t.len() == 39, "{t}");
    let parts = s::parse_token(str(&t)).unwrap();
    assert_eq!(get(&parts, "prefix").as_string().as_deref(), Some("tk"));
    assert_eq!(get(&parts, "body").as_string().map(|b| b.len()), Some(30));
    assert_eq!(get(&parts, "checksum").as_string().as_deref(), Some(&t[33..]));
    let m = s::mask_token(str(&t)).unwrap();
    assert_eq!(m, format!("tk_\u{2026}{}", &t[35..]));
    assert!(s::is_well_formed_token(str(&t)));
    assert!(!s::is_well_formed_token(JsValue::from_f64(1.0)));
    let other = s::generate_token(Some(str("abc"))).unwrap();
    assert!(other.starts_with("abc_"));
    assert_ne!(s::generate_token(None).unwrap(), t);
}

#[wasm_bindgen_test]
fn token_error_codes() {
    let good = "tk_0123456789ABCDEFGHIJKLMNOPQRST4IOrqg";
    assert_code(s::parse_token(str("")), "invalid_length");
    assert_code(s::parse_token(str(&good.replace('_', "0"))), "malformed_prefix");
    assert_code(s::parse_token(str(&good.replacen('5', "é", 1))), "invalid_character");
    assert_code(s::parse_token(str(&good.replacen('5', "6", 1))), "invalid_checksum");
    assert_code(s::generate_token(Some(str("Bad"))), "malformed_prefix");
    let e = assert_code(s::parse_token(JsValue::from_f64(5.0)), "invalid_input");
    assert_eq!(get(&e, "field").as_string().as_deref(), Some("token"));
}

#[wasm_bindgen_test]
fn digests_and_peppers() {
    let t = str("tk_0123456789ABCDEFGHIJKLMNOPQRST4IOrqg");
    let plain = d::digest_token(t.clone(), None).unwrap();
    assert!(plain.starts_with("sha256:") && plain.len() == 71);
    let p1 = obj(&[("version", str("v1")), ("key", str(&"k".repeat(32)))]);
    let p1_bytes = obj(&[("version", str("v1")), ("key", Uint8Array::from(&[b'k'; 32][..]).into())]);
    let p2 = obj(&[("version", str("v2")), ("key", str(&"q".repeat(40)))]);
    let d1 = d::digest_token(t.clone(), Some(p1.clone())).unwrap();
    assert!(d1.starts_with("hmac-sha256:v1:"));
    assert_eq!(d::digest_token(t.clone(), Some(p1_bytes)).unwrap(), d1);
    let ring: JsValue = Array::of2(&p2, &p1).into();
    assert_eq!(d::verify_digest(t.clone(), str(&d1), Some(ring.clone())), Ok(true));
    assert_eq!(d::verify_digest(t.clone(), str(&plain), None), Ok(true));
    assert_eq!(d::verify_digest(str("tk_other"), str(&d1), Some(ring)), Ok(false));
    assert_code(d::verify_digest(t.clone(), str(&d1), Some(p2)), "unknown_key_version");
    assert_code(d::verify_digest(t.clone(), str(&d1), None), "unknown_key_version");
    assert_code(d::verify_digest(t.clone(), str("sha256:00"), None), "malformed_digest");
    assert_code(d::verify_digest(t.clone(), str("md5:00"), None), "unsupported_digest_algorithm");
    assert_code(d::digest_token(t.clone(), Some(obj(&[("version", str("v1")), ("key", str("short"))]))), "weak_pepper");
    assert_code(d::digest_token(str(""), None), "empty_secret");
    let parts = d::parse_digest(str(&d1)).unwrap();
    assert_eq!(get(&parts, "keyVersion").as_string().as_deref(), Some("v1"));
    assert!(get(&d::parse_digest(str(&plain)).unwrap(), "keyVersion").is_null());
}

#[wasm_bindgen_test]
fn lifetimes_at_the_boundary() {
    let now = str("2025-01-31T10:00:00Z");
    assert_eq!(l::expires_at(str("one-month"), now.clone()).unwrap().as_string().as_deref(), Some("2025-02-28T10:00:00.000Z"));
    assert_eq!(l::expires_at(str("one-year"), str("2024-02-29T00:00:00Z")).unwrap().as_string().as_deref(), Some("2025-02-28T00:00:00.000Z"));
    assert!(l::expires_at(JsValue::from_f64(-1.0), now.clone()).unwrap().is_null());
    assert!(l::expires_at(str("never"), now.clone()).unwrap().is_null());
    let ms = Date::parse("2025-01-31T10:00:00Z");
    let date: JsValue = Date::new(&JsValue::from_f64(ms)).into();
    assert_eq!(l::expires_at_ms(str("PT1H"), date).unwrap().as_f64(), Some(ms + 3_600_000.0));
    assert_eq!(l::expires_at_ms(JsValue::from_f64(60.0), JsValue::from_f64(ms)).unwrap().as_f64(), Some(ms + 60_000.0));
    assert_code(l::expires_at(JsValue::from_f64(0.0), now.clone()), "invalid_ttl");
    assert_code(l::expires_at(JsValue::from_f64(-5.0), now.clone()), "invalid_ttl");
    assert_code(l::expires_at(JsValue::from_f64(0.5), now.clone()), "invalid_ttl");
    assert_code(l::expires_at(str("2020-01-01T00:00:00Z"), now.clone()), "lifetime_in_past");
    assert_code(l::expires_at(str("fortnight"), now.clone()), "invalid_lifetime");
    assert_code(l::expires_at(str("one-year"), str("9999-06-01T00:00:00Z")), "lifetime_overflow");
    let e = assert_code(l::expires_at(str("one-month"), JsValue::UNDEFINED), "invalid_input");
    assert_eq!(get(&e, "field").as_string().as_deref(), Some("now"));
    assert_code(l::cap_expiry(JsValue::NULL, str("one-year"), now.clone(), None), "lifetime_exceeds_maximum");
    assert_eq!(
        l::cap_expiry(JsValue::NULL, str("one-year"), now.clone(), Some(str("clamp"))).unwrap().as_string().as_deref(),
        Some("2026-01-31T10:00:00.000Z")
    );
    assert_code(l::check_outlives(JsValue::NULL, now.clone()), "outlives_issuer");
    assert_eq!(l::check_outlives(now.clone(), JsValue::NULL), Ok(()));
    assert_eq!(
        l::rotation_grace_expires_at(str("P1D"), str("2025-01-31T12:00:00Z"), now.clone()).unwrap().as_string().as_deref(),
        Some("2025-01-31T12:00:00.000Z")
    );
    assert_eq!(l::is_expired(now.clone(), now.clone()), Ok(true));
    assert_eq!(Array::from(&l::lifetime_presets()).length(), 9);
}

#[wasm_bindgen_test]
fn garbage_of_every_js_type_never_traps() {
    let now = str("2025-01-01T00:00:00Z");
    let mut errors = 0;
    for g in garbage() {
        // Each call returns normally or with a TokenkitError; a panic would abort the test binary.
        let results: Vec<Result<JsValue, tokenkit::Error>> = vec![
            s::generate_token(Some(g.clone())).map(JsValue::from),
            s::parse_token(g.clone()),
            s::mask_token(g.clone()).map(JsValue::from),
            Ok(JsValue::from_bool(s::is_well_formed_token(g.clone()))),
            d::digest_token(g.clone(), None).map(JsValue::from),
            d::digest_token(str("tk"), Some(g.clone())).map(JsValue::from),
            d::verify_digest(g.clone(), g.clone(), Some(g.clone())).map(JsValue::from),
            d::verify_digest(str("tk"), str("sha256:00"), Some(g.clone())).map(JsValue::from),
            d::parse_digest(g.clone()),
            l::expires_at(g.clone(), now.clone()),
            l::expires_at(str("one-month"), g.clone()),
            l::expires_at_ms(g.clone(), g.clone()),
            l::cap_expiry(g.clone(), g.clone(), g.clone(), Some(g.clone())),
            l::cap_expiry(JsValue::NULL, str("P1D"), now.clone(), Some(g.clone())),
            l::check_outlives(g.clone(), g.clone()).map(|()| JsValue::UNDEFINED),
            l::rotation_grace_expires_at(g.clone(), g.clone(), g.clone()),
            l::is_expired(g.clone(), g.clone()).map(JsValue::from),
            l::format_instant(g.clone()).map(JsValue::from),
        ];
        for r in results {
            if let Err(e) = r {
                errors += 1;
                let v: JsValue = e.into();
                assert_eq!(get(&v, "name").as_string().as_deref(), Some("TokenkitError"));
                assert!(get(&v, "code").as_string().is_some_and(|c| !c.is_empty()));
            }
        }
    }
    assert!(errors > 200, "{errors}");
    // Still healthy.
    assert!(s::is_well_formed_token(str(&s::generate_token(None).unwrap())));
}
