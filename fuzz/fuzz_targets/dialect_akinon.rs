//! Akinon `/api/v1/me/tokens`: create bodies, token ids, lists, deletes.
//!
//! Properties: a refusal is a 4xx with a JSON body; a created draft has a valid `privileges`
//! scope covered by the caller's, a trimmed non-empty name, an expiry after now that is the
//! lifetime's and never after the caller's; a token id is 24 hex digits, lower-cased; a list and
//! a delete reach only the caller's own tokens.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use tokenkit::dialect::{akinon, Caller};
use tokenkit_fuzz::{caller, check_draft, check_refusal, mode_and_text, tokens, G, NOW, PRIVILEGES};

fn create(body: &str, c: &Caller) {
    match akinon::parse_create(body, c, NOW) {
        Ok(d) => {
            check_draft(&d, c, "privileges");
            assert!(!d.name.is_empty() && d.name.trim() == d.name && d.name.chars().count() <= akinon::MAX_NAME);
            let lifetime = d.meta.get("lifetime").and_then(Value::as_str).expect("lifetime in meta");
            let full = akinon::expires_on(NOW, lifetime).expect("a known lifetime");
            assert_eq!(d.expires_at, Some(c.expires_at.map_or(full, |cap| full.min(cap))));
        }
        Err(e) => check_refusal(&e),
    }
}

fn token_id(raw: &str) {
    match akinon::parse_token_id(raw) {
        Ok(id) => {
            assert!(id.len() == 24 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) && id.eq_ignore_ascii_case(raw))
        }
        Err(e) => check_refusal(&e),
    }
}

fn list_and_delete(c: &Caller) {
    let all = tokens();
    match akinon::list_response(&all, &json!({"_id": "org"}), c) {
        Ok(r) => {
            let body = r.body.expect("a body");
            let text = body.to_string();
            for t in &all {
                let mine = t.account == c.account && t.owner == c.owner && t.language() == Some("privileges");
                if !mine {
                    assert!(!text.contains(&t.id), "listed someone else's token {}: {text}", t.id);
                }
            }
        }
        Err(e) => check_refusal(&e),
    }
    for t in &all {
        if akinon::check_delete(Some(t), c).is_ok() {
            assert!(t.account == c.account && t.owner == c.owner && t.language() == Some("privileges"));
        }
    }
    assert!(akinon::check_delete(None, c).is_err());
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, text)) = mode_and_text(data) else { return };
    if mode % 2 == 0 {
        let c = caller(&mut G::new(&[]), 1, usize::from(mode >> 3) % 4);
        match (mode >> 1) % 4 {
            0 | 1 => create(&text, &c),
            2 => token_id(&text),
            _ => list_and_delete(&c),
        }
        return;
    }
    let mut g = G::new(&data[1..]);
    let which = g.below(6);
    let c = caller(&mut g, 1, which);
    if g.chance(30) {
        let id =
            g.pick(&["6109a00000000000000000a1", "6109A00000000000000000A1", "6109a0000000000000000a1", "6109a00000000000000000g1", ""]);
        token_id(id);
        list_and_delete(&c);
        return;
    }
    let mut o = serde_json::Map::new();
    if g.chance(230) {
        o.insert("name".into(), json!(g.pick(&["CI token", "  padded  ", "", "   ", "x", &"n".repeat(101), "tab\there"])));
    }
    if g.chance(230) {
        o.insert(
            "lifetime".into(),
            json!(g.pick(&["one-week", "one-month", "three-months", "six-months", "one-year", "7-days", "never", "One-Week"])),
        );
    }
    match g.below(5) {
        0 => {}
        1 => {
            o.insert("privileges".into(), json!(g.pick(&["orders:read", "x"])));
        }
        _ => {
            let list: Vec<Value> = g.list(4, |g| {
                if g.chance(20) {
                    json!(g.pick(&["bad", "a:b:c", "orders:re*", "*:read", "", " orders:read"]))
                } else {
                    json!(g.pick(PRIVILEGES))
                }
            });
            o.insert("privileges".into(), Value::Array(list));
        }
    }
    if g.chance(20) {
        o.insert(g.pick(&["extra", "expiresOn", "userId"]).into(), json!(1));
    }
    create(&Value::Object(o).to_string(), &c);
});
