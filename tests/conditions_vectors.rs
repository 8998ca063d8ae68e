//! A token's conditions (src/rules/cidr.rs, src/rules/conditions.rs) against the shared vectors
//! (`tests/vectors/rules/cidr.json`, `conditions.json`, also run through the package by
//! `tests/js/rules.test.mjs`), and the soundness of attenuation as a property.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use tokenkit::rules::cidr::{parse_addr, Cidr};
use tokenkit::rules::conditions::{cover, decide, Conditions, Counters, Decision, Form, RateLimit, Refill, Interval};

fn file(name: &str) -> Value {
    let path = format!("{}/tests/vectors/rules/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn api(v: &Value) -> Result<Conditions, tokenkit::rules::RuleError> {
    Conditions::parse(v.as_object().unwrap(), Form::Api)
}

#[test]
fn cidr_vectors() {
    let v = file("cidr.json");
    let parse = v["parse"].as_array().unwrap();
    assert!(parse.len() >= 30);
    for c in parse {
        let got = Cidr::parse(c["input"].as_str().unwrap()).ok().map(|b| b.to_string());
        assert_eq!(json!(got), c["normalised"], "{c}");
        // the normalised form is a fixed point
        if let Some(n) = got {
            assert_eq!(Cidr::parse(&n).unwrap().to_string(), n);
        }
    }
    for c in v["contains"].as_array().unwrap() {
        let o = Cidr::parse(c["outer"].as_str().unwrap()).unwrap();
        let i = Cidr::parse(c["inner"].as_str().unwrap()).unwrap();
        assert_eq!(json!(o.contains(&i)), c["contains"], "{c}");
    }
    for c in v["match"].as_array().unwrap() {
        let blocks = tokenkit::rules::conditions::parse_blocks(&c["blocks"]).unwrap();
        let got = tokenkit::rules::conditions::ip_allowed(&blocks, c["ip"].as_str());
        assert_eq!(json!(got), c["allowed"], "{c}");
    }
}

#[test]
fn conditions_vectors() {
    let v = file("conditions.json");
    for c in v["decide"].as_array().unwrap() {
        let conds = api(&c["conditions"]).unwrap();
        let counters: Counters = serde_json::from_value(c["counters"].clone()).unwrap();
        let d = serde_json::to_value(decide(&conds, c["now"].as_i64().unwrap(), c["ip"].as_str(), &counters)).unwrap();
        let mut got = d.as_object().unwrap().clone();
        got.remove("message");
        assert_eq!(Value::Object(got), c["expect"], "{}", c["name"]);
    }
    for c in v["cover"].as_array().unwrap() {
        let r = cover(&api(&c["parent"]).unwrap(), &api(&c["child"]).unwrap());
        assert_eq!(json!(r.is_ok()), c["covered"], "{}", c["name"]);
        assert_eq!(json!(r.err().and_then(|e| e.field)), c["field"], "{}", c["name"]);
    }
    for c in v["invalid"].as_array().unwrap() {
        let e = api(&c["conditions"]).unwrap_err();
        assert_eq!((json!(e.field), json!(e.code)), (c["field"].clone(), c["code"].clone()), "{c}");
    }
}

// ---- soundness of `cover`: whatever a covered child allows, the parent allows ----

fn block() -> impl Strategy<Value = Cidr> {
    // Few distinct high bits so that containment happens often.
    (0u8..4, any::<u32>(), 0u8..=128, any::<bool>()).prop_map(|(hi, lo, p, v4)| {
        let addr = if v4 { (0xffffu128 << 32) | u128::from(lo) } else { (u128::from(hi) << 120) | u128::from(lo) };
        let prefix = if v4 { 96 + p % 33 } else { p };
        Cidr::new(addr, prefix)
    })
}

fn conditions() -> impl Strategy<Value = Conditions> {
    (
        prop::option::of(-5i64..5),
        prop::option::of(prop::collection::vec(block(), 1..4)),
        prop::option::of(0u32..5),
        prop::option::of((1u32..5, any::<bool>())),
        prop::option::of((1u32..5, 1u32..5)),
    )
        .prop_map(|(nb, ips, rem, refill, rate)| Conditions {
            not_before: nb,
            allowed_ips: ips,
            remaining: rem,
            refill: rem.and(refill.map(|(amount, d)| Refill { amount, interval: if d { Interval::Daily } else { Interval::Monthly } })),
            rate_limit: rate.map(|(limit, period_seconds)| RateLimit { limit, period_seconds }),
        })
}

/// The largest number of uses `c` allows within one window of `seconds` seconds starting at 0,
/// before any refill: min(remaining, the rate limit's windows × limit).
fn uses_within(c: &Conditions, seconds: u32) -> u64 {
    let rate = c.rate_limit.map_or(u64::MAX, |r| u64::from(seconds.div_ceil(r.period_seconds)) * u64::from(r.limit));
    c.remaining.map_or(rate, |n| u64::from(n).min(rate))
}

fn allows(c: &Conditions, now: i64, ip: u128) -> bool {
    let text = std::net::Ipv6Addr::from(ip).to_string();
    let counters = Counters { rate_count: Some(1), spent: Some(true), remaining: Some(0) };
    matches!(decide(c, now, Some(&text), &counters), Decision::Ok { .. })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    #[test]
    fn covered_child_is_never_laxer(p in conditions(), c in conditions(), now in -6i64..6, ip in prop_oneof![block().prop_map(|b| b.addr()), any::<u128>()], secs in 1u32..20) {
        if cover(&p, &c).is_ok() {
            // every (now, address) the child allows, the parent allows
            prop_assert!(!allows(&c, now, ip) || allows(&p, now, ip), "{p:?} {c:?} {now} {ip:x}");
            // never more uses in a span than the parent
            prop_assert!(uses_within(&c, secs) <= uses_within(&p, secs), "{p:?} {c:?} {secs}");
            // a refill no larger, no more often
            if let Some(cr) = c.refill {
                let pr = p.refill;
                prop_assert!(p.remaining.is_none() || pr.is_some_and(|pr| cr.amount <= pr.amount && !(cr.interval == Interval::Daily && pr.interval == Interval::Monthly)));
            }
        }
        // cover is reflexive
        prop_assert!(cover(&p, &p).is_ok());
    }

    #[test]
    fn block_containment_is_address_containment(a in block(), b in block(), ip in any::<u128>()) {
        if a.contains(&b) {
            prop_assert!(!b.contains_addr(ip) || a.contains_addr(ip));
            prop_assert!(a.contains_addr(b.addr()));
        }
        // the normalised text reads back to the same block
        prop_assert_eq!(Cidr::parse(&a.to_string()).unwrap(), a);
    }

    #[test]
    fn parse_never_panics(s in "[0-9a-fA-F:./%\\[\\] -]{0,60}") {
        if let Ok(c) = Cidr::parse(&s) {
            prop_assert_eq!(Cidr::parse(&c.to_string()).unwrap(), c);
        }
        let _ = parse_addr(&s);
        let mut m = Map::new();
        m.insert("allowedIps".into(), json!([s]));
        let _ = Conditions::parse(&m, Form::Api);
    }
}
