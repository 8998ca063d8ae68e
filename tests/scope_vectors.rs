#![cfg(not(target_arch = "wasm32"))]
//! The scope vectors (`tests/vectors/scope/*.json`, shared with the Node tests) and property
//! tests that `covers` is sound in every language: no random (parent, child, request) shows
//! `covers(parent, child) && child.allows(request) && !parent.allows(request)`.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{json, Value};
use tokenkit::scope::{covers, s2, Request, Scope};

fn load(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/vectors/scope/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str::<Vec<Value>>(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn check_vectors() {
    let cases = load("checks.json");
    assert!(cases.len() >= 30);
    for c in cases {
        let name = c["name"].as_str().unwrap_or("?");
        let scope = Scope::from_json(&c["scope"]).unwrap_or_else(|e| panic!("{name}: {e}"));
        let req: Request = serde_json::from_value(c["request"].clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let compiled = scope.compile();
        if let Some(code) = c["error"].as_str() {
            // A malformed request is an error naming its field, never a quiet match or miss.
            let e = compiled.check(&req).expect_err(name);
            assert_eq!(e.code(), code, "{name}: {e}");
            assert_eq!(e.field(), c["field"].as_str(), "{name}: {e}");
            assert!(!compiled.allows_action(&req.action, req.resource.as_deref()) || req.stream.is_some(), "{name}: fast path");
            continue;
        }
        let d = compiled.check(&req).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(Value::Bool(d.allowed), c["allowed"], "{name}: {}", d.reason);
        assert_eq!(d.rule.as_deref(), c["rule"].as_str(), "{name}: {}", d.reason);
        assert!(!d.reason.is_empty());
        // The string fast path agrees with the full check (it carries action and resource only).
        if req.basin.is_none() && req.stream.is_none() && req.access_token.is_none() {
            assert_eq!(compiled.allows_action(&req.action, req.resource.as_deref()), d.allowed, "{name}: fast path");
        }
        // Normalising is idempotent: the stored form validates to itself.
        let stored = scope.to_json();
        assert_eq!(Scope::from_json(&stored).map(|s| s.to_json()).ok(), Some(stored), "{name}: normal form");
    }
}

#[test]
fn covers_vectors() {
    for c in load("covers.json") {
        let name = c["name"].as_str().unwrap_or("?");
        let p = Scope::from_json(&c["parent"]).unwrap_or_else(|e| panic!("{name}: {e}"));
        let ch = Scope::from_json(&c["child"]).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(Value::Bool(covers(&p, &ch)), c["covered"], "{name}");
        // Every scope covers itself.
        assert!(covers(&p, &p), "{name}: parent covers itself");
        assert!(covers(&ch, &ch), "{name}: child covers itself");
    }
}

#[test]
fn invalid_vectors() {
    for c in load("invalid.json") {
        let name = c["name"].as_str().unwrap_or("?");
        let e = Scope::from_json(&c["scope"]).expect_err(name);
        assert_eq!(Some(e.code()), c["code"].as_str(), "{name}: {e}");
        assert_eq!(e.field(), c["field"].as_str(), "{name}: {e}");
    }
}

// ---- property tests: covers is sound ----------------------------------------------------------

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", "a", "b", "ab", "aa", "ba", "abc"]).prop_map(str::to_string)
}

fn set() -> impl Strategy<Value = s2::ResourceSet> {
    prop_oneof![
        Just(s2::ResourceSet::None),
        name().prop_map(s2::ResourceSet::Prefix),
        name().prop_filter("non-empty", |n| !n.is_empty()).prop_map(s2::ResourceSet::Exact),
    ]
}

fn s2_scope() -> impl Strategy<Value = Scope> {
    (set(), set(), set(), prop::array::uniform3((any::<bool>(), any::<bool>())), prop::collection::vec(prop::sample::select(s2::OPERATIONS.to_vec()), 0..4))
        .prop_map(|(basins, streams, access_tokens, groups, ops)| {
            let v = json!({
                "language": "s2",
                "basins": set_json(&basins), "streams": set_json(&streams), "access_tokens": set_json(&access_tokens),
                "op_groups": {"account": {"read": groups[0].0, "write": groups[0].1}, "basin": {"read": groups[1].0, "write": groups[1].1}, "stream": {"read": groups[2].0, "write": groups[2].1}},
                "ops": ops,
            });
            s2_unchecked(&v)
        })
}

fn set_json(s: &s2::ResourceSet) -> Value {
    match s {
        s2::ResourceSet::None => Value::Null,
        s2::ResourceSet::Exact(e) => json!({ "exact": e }),
        s2::ResourceSet::Prefix(p) => json!({ "prefix": p }),
    }
}

/// Builds an S2 scope with short test names that basin-name validation would refuse: covers
/// and checks do not depend on name validation, and short names make overlaps likely.
fn s2_unchecked(v: &Value) -> Scope {
    let mut scope = s2::S2Scope {
        basins: s2::ResourceSet::None,
        streams: s2::ResourceSet::None,
        access_tokens: s2::ResourceSet::None,
        groups: [(false, false); 3],
        ops: vec![],
        auto_prefix_streams: false,
    };
    let parse = |x: &Value| match (x.get("exact").and_then(Value::as_str), x.get("prefix").and_then(Value::as_str)) {
        (Some(e), _) => s2::ResourceSet::Exact(e.into()),
        (_, Some(p)) => s2::ResourceSet::Prefix(p.into()),
        _ => s2::ResourceSet::None,
    };
    scope.basins = parse(&v["basins"]);
    scope.streams = parse(&v["streams"]);
    scope.access_tokens = parse(&v["access_tokens"]);
    for (i, g) in ["account", "basin", "stream"].iter().enumerate() {
        scope.groups[i] = (v["op_groups"][g]["read"] == json!(true), v["op_groups"][g]["write"] == json!(true));
    }
    scope.ops = v["ops"].as_array().map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default();
    Scope::S2(scope)
}

fn s2_request() -> impl Strategy<Value = Request> {
    (prop::sample::select(s2::OPERATIONS.to_vec()), prop::option::of(name()), prop::option::of(name()), prop::option::of(name())).prop_map(
        |(op, basin, stream, token)| Request { action: op.into(), basin, stream, access_token: token, resource: None },
    )
}

fn privilege() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a:x", "a:y", "b:x", "a:*", "b:*", "*:*"]).prop_map(str::to_string)
}

fn privileges_scope() -> impl Strategy<Value = Scope> {
    prop::collection::vec(privilege(), 0..4).prop_map(|p| Scope::from_json(&json!({"language": "privileges", "privileges": p})).expect("valid"))
}

fn glob() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["*", "a", "b", "ab", "a*", "*b", "a*b", "a:b", "a:*", "*:b", "a*:b", "a:b*", "member/*", "acct"]).prop_map(str::to_string)
}

fn action_glob() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["*", "getX", "setX", "get*", "set*", "*X", "delete*", "view*"]).prop_map(str::to_string)
}

fn statement() -> impl Strategy<Value = Value> {
    (any::<bool>(), any::<bool>(), any::<bool>(), prop::collection::vec(action_glob(), 1..3), prop::collection::vec(glob(), 1..3)).prop_map(
        |(allow, not_a, not_r, actions, resources)| {
            let mut o = serde_json::Map::new();
            o.insert("effect".into(), json!(if allow { "allow" } else { "deny" }));
            o.insert(if not_a { "notActions" } else { "actions" }.into(), json!(actions));
            o.insert(if not_r { "notResources" } else { "resources" }.into(), json!(resources));
            Value::Object(o)
        },
    )
}

fn policy_scope() -> impl Strategy<Value = Scope> {
    (prop::option::of(prop::sample::select(tokenkit::scope::policy::ROLES.to_vec())), prop::collection::vec(statement(), 0..4)).prop_map(|(role, st)| {
        Scope::from_json(&json!({"language": "policy", "role": role, "inlineRole": st})).expect("valid")
    })
}

fn policy_request() -> impl Strategy<Value = Request> {
    (
        prop::sample::select(vec!["getX", "setX", "getY", "deleteX", "viewA", "X"]),
        prop::sample::select(vec!["a", "b", "ab", "aab", "a:b", "a:c", "ab:b", "member/x", "acct", "", "a:b:c"]),
    )
        .prop_map(|(a, r)| Request::on(a, r))
}

fn names_scope() -> impl Strategy<Value = Scope> {
    prop::option::of(prop::collection::vec(prop::sample::select(vec!["a", "b", "c"]), 0..3))
        .prop_map(|n| Scope::from_json(&json!({"language": "names", "scopes": n})).expect("valid"))
}

fn sound(p: &Scope, c: &Scope, r: &Request) -> Result<(), TestCaseError> {
    if covers(p, c) {
        let (pc, cc) = (p.compile(), c.compile());
        prop_assert!(!(cc.allows(r) && !pc.allows(r)), "covers({p:?}, {c:?}) but child allows {r:?} and parent does not");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn s2_covers_is_sound(p in s2_scope(), c in s2_scope(), r in s2_request()) { sound(&p, &c, &r)?; }

    #[test]
    fn privileges_covers_is_sound(p in privileges_scope(), c in privileges_scope(), a in prop::sample::select(vec!["a:x", "a:y", "b:x", "b:z", "c:x"])) {
        sound(&p, &c, &Request::action(a))?;
    }

    #[test]
    fn policy_covers_is_sound(p in policy_scope(), c in policy_scope(), r in policy_request()) { sound(&p, &c, &r)?; }

    #[test]
    fn names_covers_is_sound(p in names_scope(), c in names_scope(), a in prop::sample::select(vec!["a", "b", "c", "d"])) {
        sound(&p, &c, &Request::action(a))?;
    }

    #[test]
    fn covers_is_reflexive(p in policy_scope()) { prop_assert!(covers(&p, &p)); }
}

#[test]
fn policy_covers_is_not_trivially_false() {
    // Soundness alone would be met by `false` everywhere: make sure real coverage is found.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut covered, mut total) = (0, 0);
    for _ in 0..2000 {
        let p = policy_scope().new_tree(&mut runner).expect("tree").current();
        let c = policy_scope().new_tree(&mut runner).expect("tree").current();
        total += 1;
        if covers(&p, &c) {
            covered += 1;
        }
    }
    assert!(covered * 10 > total, "only {covered} of {total} random pairs covered");
}
