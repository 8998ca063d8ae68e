//! The service's rules against the shared vectors (`tests/vectors/rules/`), which the Node tests
//! (`tests/js/rules.test.mjs`) run through the package too: one answer for every host.

use serde_json::{json, Value};
use tokenkit::rules::manage::{management_request, Target, Verb};
use tokenkit::rules::verify::{decide, StoredState};
use tokenkit::scope::Language;

fn vectors(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/vectors/rules/{name}", env!("CARGO_MANIFEST_DIR"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["cases"].as_array().unwrap().clone()
}

#[test]
fn verification_vectors() {
    let cases = vectors("verify.json");
    assert!(cases.len() >= 12);
    for c in cases {
        let row: Option<StoredState> = serde_json::from_value(c["row"].clone()).unwrap();
        let v = decide(row.as_ref(), c["digest"].as_str().unwrap(), c["now"].as_i64().unwrap());
        let got = json!({"valid": v.valid, "code": v.code, "rule": v.rule, "previous": v.previous, "revoke": v.revoke});
        let want = json!({"valid": c["valid"], "code": c["code"], "rule": c["rule"], "previous": c["previous"], "revoke": c["revoke"]});
        assert_eq!(got, want, "{}", c["name"]);
    }
}

#[test]
fn management_request_vectors() {
    let cases = vectors("manage.json");
    assert!(cases.len() >= 14);
    for c in cases {
        let lang = Language::from_name(c["language"].as_str().unwrap()).unwrap();
        let verb = Verb::from_name(c["verb"].as_str().unwrap()).unwrap();
        let target: Target = serde_json::from_value(c["target"].clone()).unwrap();
        let got = serde_json::to_value(management_request(lang, verb, &target)).unwrap();
        assert_eq!(got, c["request"], "{c}");
    }
}
