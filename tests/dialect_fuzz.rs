#![cfg(not(target_arch = "wasm32"))]
//! No input makes a dialect function panic (a panic would trap the worker's wasm instance):
//! arbitrary text, and arbitrary JSON built from the fields each vendor reads.

use proptest::prelude::*;
use serde_json::{json, Value};
use tokenkit::dialect::{akinon, launchdarkly as ld, s2, space, Caller, Token};

fn caller(scope: Value, expires_at: Option<i64>) -> Caller {
    Caller { conditions: None, account: "a".into(), owner: "m".into(), token_id: "t".into(), scope, expires_at }
}

fn callers(expires_at: Option<i64>) -> Vec<Caller> {
    vec![
        caller(json!({"language":"s2","basins":{"prefix":""},"streams":{"prefix":""},"access_tokens":{"prefix":""},"op_groups":{"account":{"read":true,"write":true},"basin":{"read":true,"write":true},"stream":{"read":true,"write":true}}}), expires_at),
        caller(json!({"language":"privileges","privileges":["*:*","a:*"]}), expires_at),
        caller(json!({"language":"policy","role":"writer"}), expires_at),
        caller(json!({"language":"names","scopes":["x"]}), expires_at),
        caller(json!({"language":"names","scopes":null}), expires_at),
    ]
}

fn token(scope: Value) -> Token {
    serde_json::from_value(json!({"id":"6109a0000000000000000001","account":"a","owner":"m","scope":scope,"createdAt":0,"updatedAt":0,"expiresAt":null,"hint":"abcd"})).unwrap()
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        prop::sample::select(vec!["", ".", "..", "-", "/", "/name", "/role", "/inlineRole/0", "/customRoleIds/-", "replace", "add", "remove", "test", "move",
            "allow", "deny", "reader", "admin", "owner", "one-week", "one-year", "a:b", "*:*", "exact", "prefix", "read", "append", "-1", "2027-01-01T00:00:00Z"])
            .prop_map(|s| json!(s)),
        ".{0,12}".prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec!["id", "scope", "basins", "streams", "access_tokens", "op_groups", "ops", "account", "read", "write", "exact", "prefix",
        "expires_at", "auto_prefix_streams", "name", "lifetime", "privileges", "role", "customRoleIds", "inlineRole", "effect", "resources", "notResources",
        "actions", "notActions", "serviceToken", "defaultApiVersion", "description", "op", "path", "value", "from", "patch", "comment", "ttl", "scopes"]);
    leaf().prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone().prop_map(str::to_string), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn exercise(body: &str, query: &str, segment: &str, now: i64, exp: Option<i64>) {
    let tokens: Vec<Token> = ["s2", "privileges", "policy", "names"].iter().map(|l| token(json!({"language": l}))).collect();
    for c in callers(exp) {
        let _ = s2::parse_issue(body, &c, now);
        let _ = s2::parse_revoke(segment, &c);
        if let Ok(q) = s2::parse_list_query(query) {
            let _ = s2::list_response(&tokens, &q, &c);
        }
        let _ = akinon::parse_create(body, &c, now);
        let _ = akinon::parse_token_id(segment);
        let _ = akinon::list_response(&tokens, &json!({}), &c);
        let _ = ld::parse_create(body, &c, now);
        if let Ok(q) = ld::parse_list_query(query) {
            let _ = ld::list_response(&tokens, &q, &c);
        }
        for t in &tokens {
            let _ = ld::apply_patch(t, body, &c, now);
            let _ = ld::parse_reset(query, t, &c, now);
            let _ = ld::render(t, None);
            let _ = s2::render_info(t);
        }
        let _ = space::parse_create(body, "m", &c, now);
        let _ = space::parse_delete("m", segment, &c);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(body in ".{0,64}", query in "[a-zA-Z_=&%0-9+-]{0,40}", segment in "[%0-9a-fA-Z./ -]{0,30}", now in any::<i64>(), exp in any::<Option<i64>>()) {
        exercise(&body, &query, &segment, now, exp);
    }

    #[test]
    fn arbitrary_json_never_panics(v in value(), now in -10_000_000_000_000i64..10_000_000_000_000, exp in any::<Option<i64>>()) {
        let body = v.to_string();
        exercise(&body, "limit=3&offset=1&expiry=5&showAll=true", "x", now, exp);
        // And the same values wrapped the way each vendor expects them.
        exercise(&json!({"id": "t", "scope": v}).to_string(), "", "x", now, exp);
        exercise(&json!([{"op": "add", "path": "/inlineRole", "value": [v.clone()]}]).to_string(), "", "x", now, exp);
        exercise(&json!({"name": "n", "lifetime": "one-year", "privileges": v}).to_string(), "", "x", now, exp);
    }
}
