#![cfg(target_arch = "wasm32")]
//! The scope facade at the wasm boundary (Node and headless Chromium): JS names, error codes,
//! and no trap on bad input.

use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

use tokenkit::wasm::scope as ws;

fn js(text: &str) -> JsValue {
    JSON::parse(text).expect("test JSON")
}

fn code(e: JsValue) -> String {
    Reflect::get(&e, &"code".into()).ok().and_then(|v| v.as_string()).unwrap_or_default()
}

#[wasm_bindgen_test]
fn compile_and_explain() {
    let c = ws::compile_scope(js(r#"{"language":"privileges","privileges":["orders:*"]}"#)).expect("compiles");
    assert!(c.allows(js(r#"{"action":"orders:read"}"#)).expect("checks"));
    let d = c.explain(js(r#"{"action":"users:read"}"#)).expect("explains");
    assert_eq!(Reflect::get(&d, &"allowed".into()).ok().and_then(|v| v.as_bool()), Some(false));
    assert!(c.allows_action("orders:x", None));
}

#[wasm_bindgen_test]
fn errors_carry_codes() {
    let e = ws::compile_scope(js(r#"{"language":"privileges","privileges":["bad"]}"#)).err().map(JsValue::from).expect("error");
    assert_eq!(code(e.clone()), "invalid_scope");
    assert!(e.is_instance_of::<js_sys::Error>());
    assert_eq!(code(ws::compile_scope(JsValue::from_f64(1.0)).err().map(JsValue::from).expect("error")), "invalid_input");
    assert_eq!(code(ws::validate_scope(Object::new().into()).err().map(JsValue::from).expect("error")), "unknown_scope_language");
}

#[wasm_bindgen_test]
fn no_trap_on_junk() {
    for j in [JsValue::UNDEFINED, JsValue::NULL, JsValue::from_str("{"), js("[1,2]"), js(r#"{"language":"s2","ops":[1]}"#), js(r#"{"language":"policy","inlineRole":[{}]}"#)] {
        assert!(ws::compile_scope(j.clone()).is_err());
        assert!(ws::scope_covers(j.clone(), j).is_err());
    }
    assert!(ws::s2_operation_groups().is_ok());
}
