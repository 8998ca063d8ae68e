//! Attenuation soundness in every scope language: if `covers(parent, child)` then every request
//! the child allows, the parent allows too.
//!
//! The child is either independent of the parent or derived from it by narrowing (dropping
//! entries, lengthening prefixes, specialising globs, adding denies), so that `covers` is true
//! often; requests are built from the child's own grants (instances of its allow statements,
//! names inside its sets), from the parent's, and at random. Also: across languages, only a
//! universal parent covers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use tokenkit::scope::{self, Request, Scope};
use tokenkit_fuzz::{request_of, scope_of, statement, G, S2_OPS};

/// A narrower variant of a scope's JSON (not always strictly narrower: that is for `covers`
/// to decide).
fn narrow(g: &mut G<'_>, v: &Value) -> Value {
    let mut v = v.clone();
    let Some(o) = v.as_object_mut() else { return v };
    if let Some(Value::Array(a)) = o.get_mut("privileges") {
        a.retain(|_| g.chance(170));
        for p in a.iter_mut() {
            if let Some(d) = p.as_str().and_then(|s| s.strip_suffix(":*")).filter(|_| g.bool()) {
                *p = json!(format!("{}:read", if d == "*" { "orders" } else { d }));
            }
        }
    }
    if let Some(Value::Array(a)) = o.get_mut("scopes") {
        a.retain(|_| g.chance(170));
    }
    if o.get("scopes") == Some(&Value::Null) && g.bool() {
        o.insert("scopes".into(), json!(["invoices"]));
    }
    if let Some(Value::Array(a)) = o.get_mut("ops") {
        a.retain(|_| g.chance(170));
        if g.chance(30) {
            a.push(json!(g.pick(S2_OPS)));
        }
    }
    if let Some(Value::Object(groups)) = o.get_mut("op_groups") {
        for (_, rw) in groups.iter_mut() {
            if let Some(rw) = rw.as_object_mut() {
                for (_, b) in rw.iter_mut() {
                    if g.chance(80) {
                        *b = json!(false);
                    }
                }
            }
        }
    }
    for k in ["basins", "streams", "access_tokens"] {
        let Some(set) = o.get_mut(k) else { continue };
        let Some(p) = set.get("prefix").and_then(Value::as_str).map(str::to_string) else { continue };
        let tail = g.string_from(&['a', '0', '-', '/', 'x'], 3);
        *set = match g.below(3) {
            0 => json!({ "prefix": format!("{p}{tail}") }),
            1 => json!({ "exact": format!("{p}{tail}") }),
            _ => Value::Null,
        };
    }
    if let Some(Value::Array(st)) = o.get_mut("inlineRole") {
        st.retain(|_| g.chance(200));
        for s in st.iter_mut() {
            for k in ["actions", "resources", "notActions", "notResources"] {
                if let Some(Value::Array(specs)) = s.get_mut(k) {
                    for spec in specs.iter_mut() {
                        if let Some(t) = spec.as_str().filter(|_| g.chance(100)) {
                            // Specialise a star, or a whole spec.
                            let with = g.pick(&["a*", "*a", "get*", "x", "proj/default", "*:env/*", "a:b"]);
                            *spec = json!(t.replacen('*', with, 1));
                        }
                    }
                }
            }
        }
        if g.chance(60) {
            let mut d = statement(g);
            d["effect"] = json!("deny");
            st.push(d);
        }
    }
    if let Some(r) = o.get("role").and_then(Value::as_str) {
        let lower = ["no_access", "reader", "writer", "admin", "owner"];
        let i = lower.iter().position(|x| *x == r).unwrap_or(0);
        if g.chance(80) {
            o.insert("role".into(), json!(lower[g.below(i + 1)]));
        }
    }
    if let Some(Value::Array(a)) = o.get_mut("customRoleIds") {
        a.retain(|_| g.bool());
    }
    v
}

/// With `FUZZ_STATS` set, each case prints one line (language, covered, requests the child
/// allows): run the binary over its corpus with `-runs=0` to see that covered pairs with
/// allowed requests are common, i.e. that the soundness check is not vacuous.
fn stats() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("FUZZ_STATS").is_some())
}

fuzz_target!(|data: &[u8]| {
    let mut g = G::new(data);
    let lang = g.below(4);
    let pv = scope_of(&mut g, lang);
    let cross = g.chance(12);
    let clang = if cross { g.below(4) } else { lang };
    let cv = if clang == lang && g.chance(160) { narrow(&mut g, &pv) } else { scope_of(&mut g, clang) };
    let (Ok(p), Ok(c)) = (Scope::from_json(&pv), Scope::from_json(&cv)) else { return };
    let covered = scope::covers(&p, &c);
    assert_eq!(covered, scope::covers_explain(&p, &c).is_ok());
    if p.language() != c.language() {
        assert_eq!(covered, p.is_universal(), "across languages only a universal parent covers: {pv} / {cv}");
        return;
    }
    if !covered {
        if stats() {
            eprintln!("stat {} covered=false", p.language().as_str());
        }
        return;
    }
    let (pc, cc) = (p.compile(), c.compile());
    let mut allowed = 0;
    for i in 0..24 {
        let hint = match i % 3 {
            0 => Some(&cv),
            1 => Some(&pv),
            _ => None,
        };
        let rv = request_of(&mut g, lang, hint);
        let Ok(r) = serde_json::from_value::<Request>(rv.clone()) else { continue };
        if cc.allows(&r) {
            allowed += 1;
            assert!(
                pc.allows(&r),
                "covers is unsound: parent {} covers child {} but the child allows {rv} and the parent does not ({:?})",
                p.to_json(),
                c.to_json(),
                pc.check(&r).map(|d| d.reason)
            );
        }
    }
    if stats() {
        eprintln!("stat {} covered=true child_allowed={}", p.language().as_str(), if allowed > 0 { "some" } else { "none" });
    }
});
