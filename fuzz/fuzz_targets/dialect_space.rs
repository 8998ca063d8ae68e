//! Space Invoices `/v1/accounts/{id}/accessTokens`: create bodies, delete path segments, lists.
//!
//! Properties: a refusal is a 4xx with a JSON body; only the caller's own account path is
//! accepted; a created draft has a valid `names` scope covered by the caller's, an expiry that
//! is now + ttl (or none only for ttl -1 from a caller that never expires) and never outlives
//! the caller; a list shows only the caller's own tokens; a delete names a non-empty id.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use tokenkit::dialect::{space, Caller};
use tokenkit_fuzz::{caller, check_draft, check_refusal, mode_and_text, tokens, G, NAMES, NOW};

fn create(body: &str, path: &str, c: &Caller) {
    match space::parse_create(body, path, c, NOW) {
        Ok(d) => {
            assert_eq!(path, c.owner, "created under another account's path");
            check_draft(&d, c, "names");
            let ttl = d.meta.get("ttl").and_then(Value::as_i64).expect("ttl in meta");
            match d.expires_at {
                None => assert!(ttl == -1 && c.expires_at.is_none()),
                Some(e) => assert!(ttl > 0 && ttl <= space::MAX_TTL && e == NOW + ttl * 1000, "ttl {ttl} expiry {e}"),
            }
        }
        Err(e) => {
            check_refusal(&e);
            // Malformed scope names are a 422 naming the field, not LoopBack's 401 (that is for
            // another account's path or names the caller lacks).
            if e.status() == 401 && path == c.owner && c.scope.get("language") == Some(&json!("names")) {
                if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(body) {
                    if let Some(list) = o.get("scopes").filter(|v| v.is_array()) {
                        let asked = json!({"language": "names", "scopes": list});
                        assert!(tokenkit::scope::Scope::from_json(&asked).is_ok(), "malformed scope names answered 401: {body}");
                    }
                }
            }
        }
    }
}

fn delete_and_list(path: &str, segment: &str, c: &Caller) {
    match space::parse_delete(path, segment, c) {
        Ok(id) => assert!(path == c.owner && !id.is_empty() && id.len() <= 256),
        Err(e) => check_refusal(&e),
    }
    let all = tokens();
    match space::list_response(&all, path, c) {
        Ok(r) => {
            assert_eq!(path, c.owner);
            let text = r.body.expect("a body").to_string();
            for t in all.iter().filter(|t| t.account != c.account || t.owner != c.owner) {
                assert!(!text.contains(&t.id), "listed someone else's token {}", t.id);
            }
        }
        Err(e) => check_refusal(&e),
    }
    for t in &all {
        if space::check_delete(Some(t), c).is_ok() {
            assert!(t.account == c.account && t.owner == c.owner && t.language() == Some("names"));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, text)) = mode_and_text(data) else { return };
    if mode % 2 == 0 {
        let c = caller(&mut G::new(&[]), 3, usize::from(mode >> 3) % 4);
        match (mode >> 1) % 4 {
            0 | 1 => create(&text, "m1", &c),
            2 => delete_and_list("m1", &text, &c),
            _ => {
                let (path, body) = text.split_once('\n').unwrap_or((&text, ""));
                create(body, path, &c);
            }
        }
        return;
    }
    let mut g = G::new(&data[1..]);
    let which = g.below(6);
    let c = caller(&mut g, 3, which);
    let path = g.pick(&["m1", "m1", "m2", "", "M1"]);
    if g.chance(50) {
        let seg = g.pick(&["6109a0000000000000000030", "", "%", "%41", "tk_abc", "%00", "a%2Fb"]);
        delete_and_list(path, seg, &c);
        return;
    }
    let mut o = serde_json::Map::new();
    match g.below(6) {
        0 => {}
        1 => {
            o.insert("ttl".into(), json!(g.one(&[-1i64, 0, 1, 60, 1209600, 5_184_000, 2_147_483_647, 2_147_483_648, -2])));
        }
        2 => {
            o.insert("ttl".into(), json!(g.i64_in(-5, 50_000_000)));
        }
        3 => {
            o.insert("ttl".into(), json!(g.one(&[1.5f64, 60.0])));
        }
        4 => {
            o.insert("ttl".into(), json!(g.pick(&["60", "-1"])));
        }
        _ => {
            o.insert("ttl".into(), Value::Null);
        }
    }
    if g.chance(200) {
        let list: Vec<Value> =
            g.list(3, |g| if g.chance(30) { json!(g.pick(&["", "a b", "\u{1}x", &"s".repeat(101)])) } else { json!(g.pick(NAMES)) });
        o.insert("scopes".into(), if g.chance(30) { Value::Null } else { Value::Array(list) });
    }
    if g.chance(20) {
        o.insert("userId".into(), json!("m2"));
    }
    let body = if g.chance(10) { g.pick(&["", "  ", "[]", "null", "{"]).to_string() } else { Value::Object(o).to_string() };
    create(&body, path, &c);
});
