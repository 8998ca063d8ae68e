#![cfg(all(target_arch = "wasm32", feature = "dialects"))]
//! The dialect bindings at the wasm boundary: a rejected request throws a `TokenkitError`
//! carrying the vendor's `status` and `body`; bad arguments throw `invalid_input`, never trap.

use js_sys::Reflect;
use serde_json::json;
use tokenkit::wasm::dialect as d;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn js(v: serde_json::Value) -> JsValue {
    js_sys::JSON::parse(&v.to_string()).unwrap()
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap()
}

fn json_of(v: &JsValue) -> serde_json::Value {
    serde_json::from_str(&String::from(js_sys::JSON::stringify(v).unwrap())).unwrap()
}

fn root() -> JsValue {
    js(json!({"account":"a","owner":"m","expiresAt":null,"scope":{"language":"s2","basins":{"prefix":""},"streams":{"prefix":""},
        "access_tokens":{"prefix":""},"op_groups":{"account":{"read":true,"write":true}},"ops":[]}}))
}

#[wasm_bindgen_test]
fn issue_returns_a_draft() {
    let draft = d::s2_parse_issue(r#"{"id":"t","scope":{"ops":["list-basins"]}}"#, root(), 0.0).unwrap();
    assert_eq!(get(&draft, "id").as_string().as_deref(), Some("t"));
    assert_eq!(json_of(&get(&draft, "scope"))["ops"], json!(["list-basins"]));
}

#[wasm_bindgen_test]
fn a_vendor_error_carries_status_and_body() {
    let e = d::s2_parse_issue(r#"{"id":"t","scope":{"ops":["read"]}}"#, root(), 0.0).unwrap_err();
    assert!(e.is_instance_of::<js_sys::Error>());
    assert_eq!(get(&e, "name").as_string().as_deref(), Some("TokenkitError"));
    assert_eq!(get(&e, "code").as_string().as_deref(), Some("forbidden"));
    assert_eq!(get(&e, "status").as_f64(), Some(403.0));
    assert_eq!(get(&e, "vendorCode").as_string().as_deref(), Some("permission_denied"));
    assert_eq!(json_of(&get(&e, "body")), json!({"code":"permission_denied","message":"operations not permitted to the issuer: read"}));
}

#[wasm_bindgen_test]
fn space_error_body_is_loopbacks() {
    let e = d::space_parse_create("{}", "someone-else", js(json!({"account":"a","owner":"m","expiresAt":null,"scope":{"language":"names","scopes":null}})), 0.0).unwrap_err();
    assert_eq!(get(&e, "status").as_f64(), Some(401.0));
    assert_eq!(
        json_of(&get(&e, "body")),
        json!({"error":{"statusCode":401,"name":"Error","message":"Authorization Required","code":"AUTHORIZATION_REQUIRED"}})
    );
}

#[wasm_bindgen_test]
fn bad_arguments_are_errors_not_traps() {
    for e in [
        d::s2_parse_issue("{}", JsValue::from(3), 0.0).unwrap_err(),
        d::s2_parse_issue("{}", root(), f64::NAN).unwrap_err(),
        d::dialect_credential("nope", JsValue::NULL).unwrap_err(),
        d::ld_parse_reset("", JsValue::UNDEFINED, root(), 0.0).unwrap_err(),
    ] {
        assert_eq!(get(&e, "code").as_string().as_deref(), Some("invalid_input"));
    }
    // The instance is still usable.
    assert_eq!(get(&d::s2_issue_response("x").unwrap(), "status").as_f64(), Some(201.0));
}
