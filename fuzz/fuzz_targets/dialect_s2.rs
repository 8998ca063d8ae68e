//! S2 `/v1/access-tokens`: issue bodies, list queries, revoke path segments, credentials.
//!
//! Properties: a refusal is a 4xx with a JSON body; an issued draft has a valid `s2` scope
//! covered by the caller's, the client's id, an expiry after now and never after the caller's,
//! and the caller may issue that id; a list shows only the caller's account's s2 tokens inside
//! its `access_tokens` set and the query's bounds; a revoke names an id the caller may revoke;
//! a credential is a non-empty piece of what the client sent.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use tokenkit::dialect::{self, s2, Caller, Credentials, Dialect};
use tokenkit::scope::{Request, Scope};
use tokenkit_fuzz::{caller, check_draft, check_refusal, mode_and_text, s2_scope, tokens, G, NOW};

/// Whether the scope engine lets the caller do `action` on token `id` (`true` when the caller's
/// stored scope is not a valid scope at all: stored scopes are validated when issued, so that
/// case says nothing about the dialect).
fn may(c: &Caller, action: &str, id: &str) -> bool {
    let Ok(s) = Scope::from_json(&c.scope) else { return true };
    // A universal caller of another language acts as S2's universal scope (issue #20).
    if s.language().as_str() != "s2" && s.is_universal() {
        return true;
    }
    s.compile().allows(&Request { action: action.into(), access_token: Some(id.into()), ..Request::default() })
}

fn issue(body: &str, c: &Caller) {
    match s2::parse_issue(body, c, NOW) {
        Ok(d) => {
            check_draft(&d, c, "s2");
            let id = d.id.clone().expect("S2 drafts carry the client's id");
            assert!(s2::check_id(&id).is_ok() && d.name == id);
            assert!(may(c, "issue-access-token", &id), "issued {id:?} outside the caller's access_tokens");
        }
        Err(e) => check_refusal(&e),
    }
}

fn list(query: &str, c: &Caller) {
    match s2::parse_list_query(query) {
        Ok(q) => {
            assert!((1..=s2::MAX_LIMIT).contains(&q.limit) && q.prefix.len() <= 96 && q.start_after.len() <= 96);
            match s2::list_response(&tokens(), &q, c) {
                Ok(r) => {
                    assert_eq!(r.status, 200);
                    let body = r.body.expect("a list body");
                    let items = body["access_tokens"].as_array().expect("access_tokens array");
                    assert!(items.len() <= q.limit);
                    let all = tokens();
                    for it in items {
                        let id = it["id"].as_str().expect("an id");
                        let t = all.iter().find(|t| t.id == id).expect("a listed token exists");
                        assert!(t.account == c.account && t.language() == Some("s2"), "listed another account's or language's token");
                        assert!(id.starts_with(&q.prefix) && id > q.start_after.as_str());
                        // (A caller scope that is not valid cannot be stored; nothing to compare then.)
                        if let Ok(Scope::S2(s)) = Scope::from_json(&c.scope) {
                            assert!(s.access_tokens.matches(id), "listed {id} outside the caller's access_tokens");
                        }
                    }
                }
                Err(e) => check_refusal(&e),
            }
        }
        Err(e) => check_refusal(&e),
    }
}

fn revoke(segment: &str, c: &Caller) {
    match s2::parse_revoke(segment, c) {
        Ok(id) => assert!(may(c, "revoke-access-token", &id), "may revoke {id:?} outside the caller's access_tokens"),
        Err(e) => check_refusal(&e),
    }
}

fn credential(auth: Option<String>, x: Option<String>, q: Option<String>) {
    let creds = Credentials { authorization: auth.clone(), x_access_token: x.clone(), access_token_query: q.clone() };
    for d in [Dialect::S2, Dialect::Akinon, Dialect::LaunchDarkly, Dialect::Space] {
        match dialect::credential(d, &creds) {
            Ok(s) => {
                assert!(!s.is_empty(), "empty credential");
                assert!([&auth, &x, &q].iter().any(|v| v.as_deref().is_some_and(|v| v.contains(s.as_str()))), "credential from nowhere");
                if d == Dialect::S2 {
                    assert!(
                        auth.as_deref().is_some_and(|a| a.trim_start().to_ascii_lowercase().starts_with("bearer ")),
                        "S2 takes only Bearer"
                    );
                }
            }
            Err(e) => {
                check_refusal(&e);
                assert_eq!(e.status(), 401);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, text)) = mode_and_text(data) else { return };
    let mut g = G::new(data.get(1..).unwrap_or(&[]));
    if mode % 2 == 0 {
        // Raw: mode bits 1-2 pick the operation, bits 3-4 the fixed caller; text is the input.
        let c = caller(&mut G::new(&[]), 0, usize::from(mode >> 3) % 4);
        match (mode >> 1) % 4 {
            0 => issue(&text, &c),
            1 => list(&text, &c),
            2 => revoke(&text, &c),
            _ => {
                let mut parts = text.splitn(3, '\n').map(str::to_string);
                credential(parts.next(), parts.next(), parts.next());
            }
        }
        return;
    }
    let which = g.below(6);
    let c = caller(&mut g, 0, which);
    match g.below(4) {
        0 | 1 => {
            let mut scope = s2_scope(&mut g);
            let o = scope.as_object_mut().expect("object");
            o.remove("language");
            let auto = o.remove("auto_prefix_streams");
            let mut body = json!({
                "id": g.pick(&["ci-a", "ci-b", "x", "", ".", "ci-\u{0}", "other", "my-token"]),
                "scope": scope,
            });
            if let Some(a) = auto {
                body["auto_prefix_streams"] = a;
            }
            match g.below(4) {
                0 => {}
                1 => {
                    body["expires_at"] = json!(tokenkit::lifetime::format_instant(
                        tokenkit::time::Timestamp::from_millisecond(NOW + g.i64_in(-2, 500) * 86_400_000).unwrap()
                    ))
                }
                2 => {
                    body["expires_at"] = json!(g.pick(&["2027-01-15T08:00:00Z", "tomorrow", "2027-01-15T08:00:00", "9999-12-31T23:59:59Z"]))
                }
                _ => body[g.pick(&["extra", "name", "expires_at"])] = Value::Null,
            }
            issue(&body.to_string(), &c);
        }
        2 => {
            let k = |g: &mut G<'_>| g.pick(&["prefix", "start_after", "limit", "other", "prefix%00", "li%6dit"]).to_string();
            let v = |g: &mut G<'_>| {
                g.pick(&["", "6109a", "6109a00000000000000000", "0", "1", "1001", "-1", "%ZZ", "%C3%A9", "%FF", "+", "x%2Fy"]).to_string()
            };
            let pairs: Vec<String> = g.list(4, |g| format!("{}={}", k(g), v(g)));
            list(&pairs.join("&"), &c);
        }
        _ => {
            if g.bool() {
                let seg = g.pick(&["ci-a", "ci-b", "x", "%2E", "%2e%2E", "ci-%00", "ci-%41", "%", "ci%2Fa", "other"]).to_string();
                revoke(&seg, &c);
            } else {
                let piece = |g: &mut G<'_>| -> Option<String> {
                    g.bool().then(|| {
                        format!(
                            "{}{}{}",
                            g.pick(&["", " ", "Bearer ", "bearer  ", "Basic ", "BEARER\t"]),
                            g.pick(&["tk_abc", "", " x ", "a b"]),
                            g.pick(&["", " "])
                        )
                    })
                };
                let (a, x, q) = (piece(&mut g), piece(&mut g), piece(&mut g));
                credential(a, x, q);
            }
        }
    }
});
