//! LaunchDarkly `/api/v2/tokens`: create bodies, JSON Patch bodies, list queries, resets, access.
//!
//! Properties: a refusal is a 4xx with a JSON body; a created or patched token has a valid
//! `policy` scope covered by the caller's and never outlives the caller; a patch changes only
//! name, description and the policy (never the id, account, owner, times, hint or meta) and
//! fails as a whole; `showAll` is for admins and owners only, and a list shows only tokens the
//! caller may see; a reset never keeps the old secret past the token's own expiry, and hands a
//! new secret only of a token the caller could issue (covered scope, no later expiry).
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use tokenkit::dialect::{launchdarkly as ld, Caller, Token};
use tokenkit::scope::{covers, Scope};
use tokenkit_fuzz::{caller, check_draft, check_refusal, mode_and_text, statement, tokens, G, NOW, ROLES};

fn is_admin(c: &Caller) -> bool {
    // A universal caller of another language acts as LaunchDarkly's owner (issue #20).
    let universal_other = tokenkit::scope::Scope::from_json(&c.scope).is_ok_and(|s| s.language().as_str() != "policy" && s.is_universal());
    universal_other || matches!(c.scope.get("role").and_then(Value::as_str), Some("admin" | "owner"))
}

/// Whether the policy a create body asks for is malformed for the scope engine.
fn malformed_policy(body: &str) -> bool {
    let Ok(Value::Object(o)) = serde_json::from_str::<Value>(body) else { return false };
    let mut m = serde_json::Map::new();
    m.insert("language".into(), json!("policy"));
    for k in ["role", "customRoleIds", "inlineRole"] {
        if let Some(v) = o.get(k).filter(|v| !v.is_null()) {
            m.insert(k.into(), v.clone());
        }
    }
    Scope::from_json(&Value::Object(m)).is_err()
}

fn create(body: &str, c: &Caller) {
    match ld::parse_create(body, c, NOW) {
        Ok(d) => {
            check_draft(&d, c, "policy");
            assert_eq!(d.expires_at, c.expires_at);
        }
        Err(e) => {
            check_refusal(&e);
            // Malformed input is a 400 naming the field, not a 403 (that is for a valid policy
            // broader than the caller's).
            if e.status() == 403 && Scope::from_json(&c.scope).is_ok_and(|s| s.language().as_str() == "policy") {
                assert!(!malformed_policy(body), "a malformed policy is answered 403: {body}");
            }
        }
    }
}

fn patch(t: &Token, body: &str, c: &Caller) {
    match ld::apply_patch(t, body, c, NOW) {
        Ok(out) => {
            let parent = Scope::from_json(&c.scope).expect("a patch accepted from an invalid caller scope");
            let child = Scope::from_json(&out.scope).unwrap_or_else(|e| panic!("patched scope {} is not valid: {e}", out.scope));
            assert!(covers(&parent, &child), "patched scope {} is broader than the caller's {}", out.scope, c.scope);
            assert_eq!(
                (&out.id, &out.account, &out.owner, out.created_at, out.expires_at, &out.hint, &out.meta, out.version),
                (&t.id, &t.account, &t.owner, t.created_at, t.expires_at, &t.hint, &t.meta, t.version),
                "a patch changed a field it may not"
            );
            assert_eq!(out.updated_at, NOW);
        }
        Err(e) => check_refusal(&e),
    }
}

fn list(query: &str, c: &Caller) {
    match ld::parse_list_query(query) {
        Ok(q) => {
            assert!((1..=ld::MAX_LIMIT).contains(&q.limit));
            match ld::list_response(&tokens(), &q, c) {
                Ok(r) => {
                    assert!(!q.show_all || is_admin(c), "showAll for a non-admin");
                    let body = r.body.expect("a body");
                    let items = body["items"].as_array().expect("items");
                    assert!(items.len() <= q.limit);
                    for it in items {
                        let id = it["_id"].as_str().expect("an id");
                        let t = tokens().into_iter().find(|t| t.id == id).expect("a listed token exists");
                        assert!(t.account == c.account && t.language() == Some("policy"));
                        assert!(q.show_all || t.owner == c.owner, "listed another member's token without showAll");
                        assert_eq!(it["token"].as_str().map(str::len), Some(4), "a list shows more than the hint");
                    }
                }
                Err(e) => check_refusal(&e),
            }
        }
        Err(e) => check_refusal(&e),
    }
}

fn reset(query: &str, t: &Token, c: &Caller) {
    let result = ld::parse_reset(query, t, c, NOW);
    if result.is_ok() && !(t.account == c.account && t.id == c.token_id) {
        // The reset hands the caller the new secret: only of a token it could issue itself.
        let parent = Scope::from_json(&c.scope).expect("a reset accepted from an invalid caller scope");
        let child = Scope::from_json(&t.scope).expect("a reset of a token with an invalid scope");
        assert!(covers(&parent, &child), "reset of {} by the narrower {}", t.scope, c.scope);
        assert!(c.expires_at.is_none() || t.expires_at.is_some_and(|e| Some(e) <= c.expires_at), "reset of a token that outlives the caller");
    }
    match result {
        Ok(Some(until)) => {
            // After now, unless the token itself has already expired (then its past expiry).
            assert!(until > NOW || t.expires_at == Some(until));
            if let Some(e) = t.expires_at {
                assert!(until <= e, "the old secret outlives the token");
            }
        }
        Ok(None) => {}
        Err(e) => check_refusal(&e),
    }
}

fn access(c: &Caller) {
    for t in tokens() {
        if ld::check_access(Some(&t), c).is_ok() {
            assert!(t.account == c.account && t.language() == Some("policy") && (t.owner == c.owner || is_admin(c)));
        }
    }
}

fn target_token(g: &mut G<'_>) -> Token {
    let mut t =
        tokens().into_iter().find(|t| t.language() == Some("policy") && t.owner == "m1" && t.account == "acct").expect("a policy token");
    if g.bool() {
        t.scope = json!({"language": "policy", "role": g.pick(ROLES), "customRoleIds": [], "inlineRole": []});
    } else if g.bool() {
        t.scope = json!({"language": "policy", "role": null, "customRoleIds": [], "inlineRole": [statement(g)]});
    }
    if g.bool() {
        t.expires_at = Some(NOW + g.i64_in(-1000, 86_400_000));
    }
    t
}

fn policy_fields(g: &mut G<'_>, o: &mut serde_json::Map<String, Value>) {
    match g.below(5) {
        0 => {}
        1 => {
            o.insert("role".into(), json!(g.pick(&["reader", "writer", "admin", "owner", "no_access", "root", ""])));
        }
        2 => {
            o.insert("customRoleIds".into(), json!(g.list(2, |g| g.pick(&["ops", "devs", "", " "]))));
        }
        3 => {
            o.insert("inlineRole".into(), Value::Array(g.list(3, statement)));
        }
        _ => {
            o.insert("role".into(), json!("reader"));
            o.insert("inlineRole".into(), Value::Array(g.list(2, statement)));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, text)) = mode_and_text(data) else { return };
    let mut g = G::new(data.get(1..).unwrap_or(&[]));
    if mode % 2 == 0 {
        let c = caller(&mut G::new(&[]), 2, usize::from(mode >> 3) % 4);
        let t = target_token(&mut G::new(&[]));
        match (mode >> 1) % 4 {
            0 => create(&text, &c),
            1 => patch(&t, &text, &c),
            2 => list(&text, &c),
            _ => reset(&text, &t, &c),
        }
        return;
    }
    let which = g.below(6);
    let c = caller(&mut g, 2, which);
    match g.below(5) {
        0 | 1 => {
            let mut o = serde_json::Map::new();
            if g.bool() {
                o.insert("name".into(), json!(g.pick(&["n", "", "deploy"])));
            }
            if g.chance(60) {
                o.insert("description".into(), json!(g.pick(&["d", ""])));
            }
            policy_fields(&mut g, &mut o);
            if g.chance(25) {
                // Values the scope engine refuses: control characters, overlong specifiers.
                let bad = json!(g.pick(&["ops\u{1}", "get\u{7f}*", &"x".repeat(513)]));
                match g.below(3) {
                    0 => o.insert("customRoleIds".into(), json!([bad])),
                    1 => o.insert("inlineRole".into(), json!([{"effect": "allow", "actions": [bad], "resources": ["*"]}])),
                    _ => o.insert("inlineRole".into(), json!([{"effect": "deny", "actions": ["*"], "notResources": [bad]}])),
                };
                o.remove("role");
            }
            if g.chance(60) {
                o.insert("serviceToken".into(), json!(g.bool()));
            }
            if g.chance(60) {
                o.insert("defaultApiVersion".into(), json!(g.one(&[20220603i64, 20160426, 20160425, 20221399, 99999999, -1])));
            }
            if g.chance(15) {
                o.insert("token".into(), json!("x"));
            }
            create(&Value::Object(o).to_string(), &c);
        }
        2 => {
            let t = target_token(&mut g);
            let paths = [
                "/name",
                "/description",
                "/role",
                "/customRoleIds",
                "/customRoleIds/-",
                "/inlineRole",
                "/inlineRole/-",
                "/inlineRole/0",
                "/inlineRole/0/effect",
                "/inlineRole/0/actions/-",
                "/_id",
                "/token",
                "/ownerId",
                "",
                "/serviceToken",
                "/roles",
            ];
            let ops: Vec<Value> = g.list(4, |g| {
                let op = g.pick(&["add", "replace", "remove", "test", "move", "copy"]);
                let path = g.pick(&paths);
                let value = match g.below(6) {
                    0 => json!(g.pick(ROLES)),
                    1 => statement(g),
                    2 => json!([statement(g)]),
                    3 => json!(g.pick(&["ops", "n", "allow", "deny", "*", ""])),
                    4 => Value::Null,
                    _ => json!(["ops"]),
                };
                json!({"op": op, "path": path, "value": value, "from": "/name"})
            });
            let body = if g.bool() { json!({"comment": "c", "patch": ops}) } else { Value::Array(ops) };
            patch(&t, &body.to_string(), &c);
        }
        3 => {
            let pairs: Vec<String> = g.list(4, |g| {
                format!(
                    "{}={}",
                    g.pick(&["showAll", "limit", "offset", "x", "show%41ll"]),
                    g.pick(&["true", "false", "1", "0", "1000", "1001", "-1", "%ZZ", "TRUE", "25"])
                )
            });
            list(&pairs.join("&"), &c);
            access(&c);
        }
        _ => {
            let t = target_token(&mut g);
            let q = format!(
                "expiry={}",
                g.pick(&[
                    &(NOW + 5).to_string()[..],
                    &(NOW - 5).to_string()[..],
                    "1e3",
                    "",
                    "99999999999999999999",
                    &(NOW + 86_400_000 * 9).to_string()[..]
                ])
            );
            reset(&q, &t, &c);
        }
    }
});
