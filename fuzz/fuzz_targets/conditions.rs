//! A token's conditions (src/rules/cidr.rs, src/rules/conditions.rs).
//!
//! - `Cidr::parse` never panics on any text; what it accepts is normalised (its text parses back
//!   to the same block) and contains its own first address;
//! - block containment agrees with address containment on the first and last address;
//! - `decide` never panics, and follows the documented order: not yet valid → 401; address
//!   outside every block (or none) → 403; a rate count past the limit → 429 with a Retry-After
//!   of 1 to `periodSeconds`; a failed spend → 429 usage_exhausted; a refused rate never asks to spend;
//! - `cover` is sound: a covered child allows no (now, address) the parent refuses, and its
//!   rate limit and remaining are not above the parent's.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use tokenkit::rules::cidr::{parse_addr, Cidr};
use tokenkit::rules::conditions::{cover, decide, Conditions, Counters, Decision, Form, Need};
use tokenkit_fuzz::G;

const CIDR_CHARS: &[char] = &['0', '1', '2', '5', '9', 'a', 'f', 'F', ':', '.', '/', '%', ' ', '[', 'x', '-', '+'];
const BLOCKS: &[&str] = &["10.0.0.0/8", "10.1.0.0/16", "0.0.0.0/0", "::/0", "2001:db8::/32", "2001:db8:1::1", "::ffff:10.2.0.0/112", "1.2.3.4", "::1", "192.0.2.0/24"];
const IPS: &[&str] = &["10.0.0.1", "10.1.2.3", "::ffff:10.2.0.9", "2001:db8::1", "2001:db8:1::1", "1.2.3.4", "::1", "192.0.2.77", "8.8.8.8", "bogus", ""];

fn conditions(g: &mut G<'_>) -> Value {
    let mut m = Map::new();
    if g.bool() {
        m.insert("notBefore".into(), json!(g.i64_in(-3, 3)));
    }
    if g.bool() {
        let mut list: Vec<&str> = g.list(3, |g| g.pick(BLOCKS));
        list.push(g.pick(BLOCKS));
        m.insert("allowedIps".into(), json!(list));
    }
    if g.bool() {
        m.insert("remaining".into(), json!(g.below(4)));
        if g.bool() {
            m.insert("refill".into(), json!({"amount": 1 + g.below(4), "interval": if g.bool() { "daily" } else { "monthly" }}));
        }
    }
    if g.bool() {
        m.insert("rateLimit".into(), json!({"limit": 1 + g.below(4), "periodSeconds": 1 + g.below(4)}));
    }
    Value::Object(m)
}

fn allowed(c: &Conditions, now: i64, ip: &str) -> bool {
    matches!(decide(c, now, Some(ip), &Counters { rate_count: Some(1), spent: Some(true), remaining: Some(0) }), Decision::Ok { .. })
}

fuzz_target!(|data: &[u8]| {
    let mut g = G::new(data);

    // ---- the CIDR parser ----
    let text = if g.bool() { g.string_from(CIDR_CHARS, 50) } else { g.text(70) };
    if let Ok(b) = Cidr::parse(&text) {
        assert_eq!(Cidr::parse(&b.to_string()).ok(), Some(b), "{text:?}");
        assert!(b.contains_addr(b.addr()));
        let other = Cidr::new(b.addr() ^ (1u128 << g.below(128)), g.below(129) as u8);
        if b.contains(&other) {
            let last = other.addr() | (!0u128).checked_shr(u32::from(other.prefix())).unwrap_or(0);
            assert!(b.contains_addr(other.addr()) && b.contains_addr(last));
        }
    }
    let _ = parse_addr(&text);

    // ---- the decision ----
    let cv = conditions(&mut g);
    let Ok(c) = Conditions::parse(cv.as_object().unwrap(), Form::Stored) else { panic!("generated conditions refused: {cv}") };
    assert_eq!(Conditions::parse(c.to_stored().as_object().unwrap(), Form::Stored).ok(), Some(c.clone()));
    let now = g.i64_in(-4, 4) * if g.bool() { 1 } else { 1_000 };
    let ip = if g.bool() { None } else { Some(g.pick(IPS)) };
    let counters = Counters { rate_count: g.bool().then(|| g.below(8) as u64), spent: g.bool().then(|| g.bool()), remaining: g.bool().then(|| g.below(4) as u32) };
    match decide(&c, now, ip, &counters) {
        Decision::Refused { status: 401, code, .. } => assert!(code == "not_yet_valid" && c.not_before.is_some_and(|nb| now < nb)),
        Decision::Refused { status: 403, code, .. } => assert!(code == "ip_not_allowed" && c.allowed_ips.is_some()),
        Decision::Refused { status: 429, code: "rate_limited", retry_after_seconds, .. } => {
            let r = c.rate_limit.unwrap();
            assert!(counters.rate_count.unwrap() > u64::from(r.limit));
            assert!(retry_after_seconds.is_some_and(|s| s >= 1 && s <= u64::from(r.period_seconds)));
        }
        Decision::Refused { status: 429, code: "usage_exhausted", .. } => assert!(c.remaining.is_some() && counters.spent == Some(false)),
        Decision::Refused { code, .. } => panic!("unexpected refusal {code}"),
        Decision::Count(Need::Rate { .. }) => assert!(c.rate_limit.is_some() && counters.rate_count.is_none()),
        Decision::Count(Need::Spend { .. }) => assert!(c.remaining.is_some() && counters.spent.is_none() && c.rate_limit.is_none_or(|r| counters.rate_count.is_some_and(|n| n <= u64::from(r.limit)))),
        Decision::Ok { .. } => assert!(c.remaining.is_none() || counters.spent == Some(true)),
    }

    // ---- attenuation is sound ----
    let pv = conditions(&mut g);
    let p = Conditions::parse(pv.as_object().unwrap(), Form::Stored).unwrap();
    if cover(&p, &c).is_ok() {
        for ip in IPS {
            for t in -4..4 {
                assert!(!allowed(&c, t, ip) || allowed(&p, t, ip), "{pv} {cv} {t} {ip}");
            }
        }
        if let Some(pr) = p.rate_limit {
            let cr = c.rate_limit.unwrap();
            assert!(cr.limit <= pr.limit && cr.period_seconds >= pr.period_seconds);
        }
        if let Some(pn) = p.remaining {
            assert!(c.remaining.is_some_and(|n| n <= pn));
        }
    }
});
