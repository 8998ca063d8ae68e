//! The JSON Patch facade at the wasm boundary: JS values in, `TokenkitError`-ready errors out,
//! no trap on hostile input.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

use tokenkit::wasm::patch::{apply_patch, apply_patch_json, apply_token_patch, check_token_patch, validate_patch};

fn js(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap()
}

fn text(v: &JsValue) -> String {
    js_sys::JSON::stringify(v).unwrap().as_string().unwrap()
}

#[wasm_bindgen_test]
fn apply_patch_json_splices_text() {
    let out = apply_patch_json(JsValue::from_str(r#"{"b":1.50,"a":[1]}"#), JsValue::from_str(r#"[{"op":"add","path":"/a/-","value":2}]"#))
        .unwrap();
    assert_eq!(out, r#"{"b":1.50,"a":[1,2]}"#);
}

#[wasm_bindgen_test]
fn non_ascii_text_round_trips() {
    let doc = "{\"n\":\"h\u{e9}llo \u{1F600}\",\"k\":\"\u{4e2d}\"}";
    let out = apply_patch_json(JsValue::from_str(doc), JsValue::from_str(r#"[{"op":"add","path":"/x","value":"\u00e9"}]"#)).unwrap();
    // Values from the patch are copied as written too (the escape stays an escape).
    assert_eq!(out, "{\"n\":\"h\u{e9}llo \u{1F600}\",\"k\":\"\u{4e2d}\",\"x\":\"\\u00e9\"}");
}

#[wasm_bindgen_test]
fn large_documents_are_joined_from_slices_at_utf16_offsets() {
    // From 4 KiB of input the result is joined in JS from slices of the arguments (splice.js),
    // at UTF-16 offsets: the same text as the core's flat join, ASCII or not.
    for filler in ["ascii filler", "h\u{e9}llo \u{1F600} \u{4e2d}"] {
        let items: Vec<String> = (0..200).map(|i| format!("{{\"i\":{i},\"s\":\"{filler} {i}\"}}")).collect();
        let doc = format!("{{\"items\": [{}], \"tail\": \"{filler}\"}}", items.join(", "));
        assert!(doc.len() >= 4096);
        let patch = format!(
            "[{{\"op\":\"replace\",\"path\":\"/items/7/s\",\"value\":\"{filler} \u{2603}\"}},{{\"op\":\"remove\",\"path\":\"/items/3\"}},{{\"op\":\"move\",\"from\":\"/tail\",\"path\":\"/items/0/moved\"}},{{\"op\":\"add\",\"path\":\"/items/-\",\"value\":[\"\u{1F600}\"]}}]"
        );
        let out = apply_patch_json(JsValue::from_str(&doc), JsValue::from_str(&patch)).unwrap();
        assert_eq!(out.as_string().unwrap(), tokenkit::patch::apply_patch_json(&doc, &patch).unwrap(), "{filler}");
    }
}

#[wasm_bindgen_test]
fn apply_patch_returns_a_new_value_and_leaves_input() {
    let doc = js(r#"{"a":{"b":1}}"#);
    let out = apply_patch(doc.clone(), js(r#"[{"op":"move","from":"/a/b","path":"/c"}]"#)).unwrap();
    assert_eq!(text(&out), r#"{"a":{},"c":1}"#);
    assert_eq!(text(&doc), r#"{"a":{"b":1}}"#);
}

#[wasm_bindgen_test]
fn errors_carry_code_operation_and_pointer() {
    let e = apply_patch(js(r#"{"a":{"b":1}}"#), js(r#"[{"op":"move","from":"/a","path":""},{"op":"test","path":"/b","value":2}]"#))
        .unwrap_err();
    assert_eq!(e.code(), "test_failed");
    let tokenkit::Error::Patch(p) = &e else { panic!("{e:?}") };
    assert_eq!((p.operation_index(), p.pointer()), (Some(1), Some("/b")));
    let thrown: JsValue = e.into();
    let get = |k: &str| js_sys::Reflect::get(&thrown, &k.into()).unwrap();
    assert_eq!(get("name").as_string().as_deref(), Some("TokenkitError"));
    assert_eq!(get("code").as_string().as_deref(), Some("test_failed"));
    assert_eq!(get("operation").as_f64(), Some(1.0));
    assert_eq!(get("path").as_string().as_deref(), Some("/b"));
}

#[wasm_bindgen_test]
fn hostile_inputs_are_errors_not_traps() {
    // Not strings.
    assert_eq!(apply_patch_json(JsValue::from_f64(1.0), JsValue::from_str("[]")).unwrap_err().code(), "invalid_input");
    // Deep nesting, both as text and as objects.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(apply_patch_json(JsValue::from_str(&deep), JsValue::from_str("[]")).unwrap_err().code(), "invalid_json");
    let circular = js_sys::Object::new();
    js_sys::Reflect::set(&circular, &"self".into(), &circular).unwrap();
    assert_eq!(apply_patch(circular.into(), js("[]")).unwrap_err().code(), "invalid_input");
    // Doubling by copy is bounded.
    let ops: Vec<String> = (0..30).map(|_| r#"{"op":"copy","from":"/a","path":"/a/-"}"#.to_string()).collect();
    let e = apply_patch_json(JsValue::from_str(r#"{"a":[1]}"#), JsValue::from_str(&format!("[{}]", ops.join(",")))).unwrap_err();
    assert_eq!(e.code(), "patch_too_large");
    // Huge array index.
    let e = apply_patch_json(JsValue::from_str("[]"), JsValue::from_str(r#"[{"op":"add","path":"/99999999999999999999999","value":1}]"#))
        .unwrap_err();
    assert_eq!(e.code(), "invalid_array_index");
}

#[wasm_bindgen_test]
fn validate_patch_normalises() {
    let out = validate_patch(js(r#"[{"path":"/a","op":"remove","x":1}]"#)).unwrap();
    assert_eq!(text(&out), r#"[{"op":"remove","path":"/a"}]"#);
    assert_eq!(validate_patch(js(r#"[{"op":"add","path":"/01"}]"#)).unwrap_err().code(), "invalid_operation");
}

#[wasm_bindgen_test]
fn token_policy_at_the_boundary() {
    let token = JsValue::from_str(r#"{"id":"t","name":"n","scope":{"language":"s2","ops":["read"]},"expiresAt":"2027-01-01T00:00:00Z"}"#);
    let opts = js(r#"{"now":1767225600000}"#);
    let out = apply_token_patch(
        JsValue::from_str("tokenkit"),
        token.clone(),
        JsValue::from_str(r#"[{"op":"add","path":"/scope/ops/-","value":"append"}]"#),
        opts.clone(),
    )
    .unwrap();
    let get = |k: &str| js_sys::Reflect::get(&out, &k.into()).unwrap();
    assert_eq!(get("scopeChanged").as_bool(), Some(true));
    assert_eq!(text(&get("scope")), r#"{"language":"s2","ops":["read","append"]}"#);
    let e =
        apply_token_patch(JsValue::from_str("tokenkit"), token, JsValue::from_str(r#"[{"op":"remove","path":"/id"}]"#), opts).unwrap_err();
    assert_eq!(e.code(), "patch_forbidden_path");
    let e = check_token_patch(JsValue::from_str("launchdarkly"), js(r#"[{"op":"replace","path":"/_id","value":"x"}]"#)).unwrap_err();
    assert_eq!(e.code(), "patch_forbidden_path");
}
