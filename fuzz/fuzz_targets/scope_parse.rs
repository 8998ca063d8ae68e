//! Scope JSON in every language: `Scope::from_json_str` on any text, then requests against it.
//!
//! Properties: a valid scope normalises idempotently (`from_json(to_json(s)) == s`, and the
//! JSON is a fixed point); a scope covers itself; `check` never panics and agrees with `allows`
//! and with the hot path `allows_action`; a universal scope allows every well-formed request of
//! its language.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tokenkit::scope::{self, Request, Scope};
use tokenkit_fuzz::{mode_and_text, request_of, scope_of, G};

/// Whether an S2 request names every resource its operation needs (other languages: always).
fn names_everything(r: &Request) -> bool {
    use scope::s2::{needs, Needs};
    let res = r.resource.as_deref();
    match needs(&r.action) {
        None | Some(Needs::Nothing) => true,
        Some(Needs::Basin) => r.basin.is_some() || res.is_some(),
        Some(Needs::Stream) => (r.basin.is_some() || res.is_some()) && (r.stream.is_some() || res.is_some_and(|x| x.contains('/'))),
        Some(Needs::AccessToken) => r.access_token.is_some() || res.is_some(),
    }
}

fn check_scope(s: &Scope, requests: &[Request]) {
    let j = s.to_json();
    let again = Scope::from_json(&j).unwrap_or_else(|e| panic!("normal form {j} does not validate: {e}"));
    assert_eq!(&again, s, "normal form changes the scope");
    assert_eq!(again.to_json(), j, "normal form is not a fixed point");
    assert_eq!(j.get("language").and_then(Value::as_str), Some(s.language().as_str()));
    let _ = s.summary();
    assert!(scope::covers(s, s), "a scope does not cover itself: {j} ({:?})", scope::covers_explain(s, s));
    let c = s.compile();
    for r in requests {
        let d = c.check(r);
        assert_eq!(d.as_ref().map(|d| d.allowed).unwrap_or(false), c.allows(r));
        if let Ok(d) = &d {
            assert!(!d.allowed || d.rule.is_some(), "an allow names no rule");
            if s.is_universal() && names_everything(r) {
                assert!(d.allowed, "universal scope {j} denies {r:?}: {}", d.reason);
            }
        }
        let plain = r.basin.is_none() && r.stream.is_none() && r.access_token.is_none();
        let comparable = match s.language() {
            scope::Language::Policy => r.resource.is_some(),
            _ => true,
        };
        if plain && comparable {
            assert_eq!(c.allows_action(&r.action, r.resource.as_deref()), c.allows(r), "allows_action differs on {r:?} for {j}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, text)) = mode_and_text(data) else { return };
    if mode % 2 == 0 {
        // Raw: "<scope JSON>\n<request JSON>\n<request JSON>…"
        let mut lines = text.split('\n');
        let scope_text = lines.next().unwrap_or("");
        let requests: Vec<Request> = lines.filter_map(|l| serde_json::from_str(l).ok()).collect();
        if let Ok(s) = Scope::from_json_str(scope_text) {
            check_scope(&s, &requests);
        } else if let Err(e) = Scope::from_json_str(scope_text) {
            assert!(!e.code().is_empty());
        }
        return;
    }
    // Structured: a scope from the vocabularies of its language, and requests of that language.
    let mut g = G::new(&data[1..]);
    let lang = g.below(4);
    let v = scope_of(&mut g, lang);
    let reqs: Vec<Request> = (0..8).filter_map(|_| serde_json::from_value(request_of(&mut g, lang, Some(&v))).ok()).collect();
    match Scope::from_json(&v) {
        Ok(s) => check_scope(&s, &reqs),
        Err(e) => assert!(e.field().is_some() || !e.code().is_empty()),
    }
});
