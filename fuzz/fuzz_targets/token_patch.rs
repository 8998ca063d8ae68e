//! The token patch policy (`patch::policy::apply_token_patch`) for tokenkit's API and
//! LaunchDarkly's, on generated tokens and patches that aim at editable, immutable, nested and
//! unknown paths.
//!
//! Properties of a successful patch: only editable fields changed, exactly those listed in
//! `changed` (immutable and unknown fields are byte-for-byte equal in value); the new name,
//! description and expiry obey their rules (an expiry is never removed, never extended past the
//! cap or the old expiry, never in the past); a changed scope is a valid scope, covered by the
//! caller's scope when one is given; `check_token_patch` accepts the patch. A patch that
//! `check_token_patch` refuses is refused by `apply_token_patch` with the same code. A digest or
//! secret never moves or is copied into an editable field.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use tokenkit::patch::json_eq;
use tokenkit::patch::policy::{apply_token_patch, check_token_patch, Dialect, TokenPatchOptions};
use tokenkit::scope::{self, Scope};
use tokenkit_fuzz::{mode_and_text, policy_scope, scope_of, statement, value, G, ROLES};

const NOW: i64 = 1_800_000_000_000; // 2027-01-15
const SECRET: &str = "sha256:5ec2e7d16e57";

fn expiry_value(g: &mut G<'_>) -> Value {
    let ms = NOW + g.i64_in(-5, 5) * 86_400_000;
    match g.below(5) {
        0 => Value::Null,
        1 => json!(ms),
        2 => json!(tokenkit::lifetime::format_instant(tokenkit::time::Timestamp::from_millisecond(ms).unwrap())),
        3 => json!(g.pick(&["2030-01-01T00:00:00Z", "not a date", "", "2027-01-15T08:00:00+02:00"])),
        _ => json!(1.5),
    }
}

fn token(g: &mut G<'_>, d: Dialect) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!("t1"));
    o.insert("name".into(), json!(g.pick(&["ci", "deploy", " ", ""])));
    if g.bool() {
        o.insert("description".into(), json!("about"));
    }
    // A secret-looking value in protected fields: it must never reach an editable one.
    o.insert(if g.bool() { "digest" } else { "token" }.into(), json!(SECRET));
    for k in ["createdAt", "version", "hint", "_id", "ownerId", "_version", "serviceToken"] {
        if g.chance(100) {
            o.insert(k.into(), value(g, 1));
        }
    }
    match d {
        Dialect::Tokenkit => {
            let lang = g.below(4);
            o.insert("scope".into(), scope_of(g, lang));
            if g.chance(200) {
                o.insert("expiresAt".into(), expiry_value(g));
            }
        }
        _ => {
            let p = policy_scope(g);
            for k in ["role", "customRoleIds", "inlineRole"] {
                if let Some(v) = p.get(k).filter(|_| g.bool()) {
                    o.insert(k.into(), v.clone());
                }
            }
        }
    }
    Value::Object(o)
}

const PATHS: &[&str] = &[
    "/name",
    "/description",
    "/scope",
    "/scope/ops/-",
    "/scope/ops/0",
    "/scope/privileges/-",
    "/scope/privileges/0",
    "/scope/scopes",
    "/scope/scopes/-",
    "/scope/language",
    "/scope/basins",
    "/scope/inlineRole/-",
    "/expiresAt",
    "/id",
    "/digest",
    "/token",
    "/version",
    "",
    "/role",
    "/customRoleIds",
    "/customRoleIds/-",
    "/inlineRole",
    "/inlineRole/0",
    "/inlineRole/-",
    "/inlineRole/0/actions/0",
    "/inlineRole/0/effect",
    "/unknown",
    "/name/x",
    "/_id",
    "/serviceToken",
];

fn patch_value(g: &mut G<'_>, path: &str) -> Value {
    match g.below(9) {
        0 => json!(g.pick(&["renamed", "", "  ", "a\u{7}b", "x"])),
        1 => expiry_value(g),
        2 => {
            let lang = g.below(4);
            scope_of(g, lang)
        }
        3 => statement(g),
        4 => json!(g.pick(ROLES)),
        5 => json!(g.pick(&["orders:read", "*:*", "append", "invoices", "ops", "policy", "names", "s2"])),
        6 => json!([statement(g)]),
        7 if path.ends_with("expiresAt") => json!(NOW + g.i64_in(-3, 3) * 3_600_000),
        _ => value(g, 2),
    }
}

fn patch(g: &mut G<'_>) -> Value {
    let ops: Vec<Value> = g.list(4, |g| {
        let op = g.pick(&["add", "replace", "replace", "remove", "move", "copy", "test"]);
        let path = g.pick(PATHS);
        let mut m = Map::new();
        m.insert("op".into(), json!(op));
        m.insert("path".into(), json!(path));
        if matches!(op, "move" | "copy") {
            m.insert("from".into(), json!(g.pick(PATHS)));
        }
        if matches!(op, "add" | "replace" | "test") {
            m.insert("value".into(), patch_value(g, path));
        }
        Value::Object(m)
    });
    Value::Array(ops)
}

fn expiry_ms(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse::<tokenkit::time::Timestamp>().ok().map(|t| t.as_millisecond()),
        _ => None,
    }
}

fn check(d: Dialect, token_text: &str, patch_text: &str, opts: &TokenPatchOptions) {
    let result = apply_token_patch(d, token_text, patch_text, opts);
    let checked = check_token_patch(d, patch_text);
    let before: Option<Map<String, Value>> = serde_json::from_str(token_text).ok();
    let Ok(out) = result else {
        let e = result.unwrap_err();
        assert!(!e.code().is_empty() && !e.to_string().is_empty());
        if let (Err(c), Some(_)) = (&checked, &before) {
            assert_eq!(c.code(), e.code(), "check_token_patch and apply_token_patch refuse differently");
        }
        return;
    };
    assert!(checked.is_ok(), "applied a patch that check_token_patch refuses: {checked:?}");
    let before = before.expect("a patched token was an object");
    let after: Map<String, Value> = serde_json::from_str(&out.token).expect("the patched token is a JSON object");
    let policy = d.patch_policy().expect("a dialect with a patch policy");
    let editable = |k: &str| policy.rules.iter().any(|r| r.field == k);
    for k in before.keys().chain(after.keys()) {
        let same = match (before.get(k), after.get(k)) {
            (Some(a), Some(b)) => json_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if out.changed.contains(&k.as_str()) {
            assert!(editable(k) && !same, "{k} listed as changed");
        } else {
            assert!(same, "{k} changed without being listed: {token_text} + {patch_text} -> {}", out.token);
        }
        if policy.immutable.iter().any(|(f, _)| f == k) {
            assert!(same, "immutable {k} changed");
        }
    }
    for f in &out.changed {
        assert!(!after.get(*f).is_some_and(|v| v.to_string().contains(SECRET)), "a protected value was copied into /{f}");
    }
    let scope_fields: Vec<&str> = policy.rules.iter().filter(|r| r.scope).map(|r| r.field).collect();
    assert_eq!(out.scope_changed, out.changed.iter().any(|f| scope_fields.contains(f)));
    if out.scope_changed {
        let s = Scope::from_json(&out.scope).unwrap_or_else(|e| panic!("a changed scope is not valid: {e}: {}", out.scope));
        if let Some(c) = &opts.caller_scope {
            assert!(scope::covers(c, &s), "the caller's scope {} does not cover the patched {}", c.to_json(), out.scope);
        }
    }
    if out.changed.contains(&"name") {
        let n = after.get("name").and_then(Value::as_str).expect("name is a string");
        assert!(!n.trim().is_empty() && n.chars().count() <= 256 && !n.chars().any(char::is_control));
    }
    if out.changed.contains(&"description") {
        assert!(matches!(after.get("description"), None | Some(Value::Null) | Some(Value::String(_))));
    }
    if out.changed.contains(&"expiresAt") {
        let new = expiry_ms(after.get("expiresAt")).expect("an expiry was removed or made unreadable");
        assert!(new > opts.now_ms, "expiry in the past");
        match (opts.max_expires_at_ms, expiry_ms(before.get("expiresAt"))) {
            (Some(max), _) => assert!(new <= max, "expiry past the cap"),
            (None, Some(old)) => assert!(new <= old, "expiry extended"),
            (None, None) => {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, text)) = mode_and_text(data) else { return };
    let d = if mode & 2 == 0 { Dialect::Tokenkit } else { Dialect::LaunchDarkly };
    if mode % 2 == 0 {
        // Raw: "<token JSON>\n<patch JSON>"
        let (t, p) = text.split_once('\n').unwrap_or((&text, "[]"));
        check(d, t, p, &TokenPatchOptions { now_ms: NOW, ..TokenPatchOptions::default() });
        return;
    }
    let mut g = G::new(&data[1..]);
    let t = token(&mut g, d);
    let mut p = patch(&mut g);
    if d == Dialect::LaunchDarkly && g.chance(40) {
        p = json!({ "comment": "fuzz", "patch": p });
    }
    let caller_scope = if g.chance(150) {
        let lang = if d == Dialect::Tokenkit { g.below(4) } else { 2 };
        Scope::from_json(&scope_of(&mut g, lang)).ok()
    } else {
        None
    };
    let opts = TokenPatchOptions { now_ms: NOW, max_expires_at_ms: g.bool().then(|| NOW + g.i64_in(-2, 4) * 86_400_000), caller_scope };
    check(d, &t.to_string(), &p.to_string(), &opts);
});
