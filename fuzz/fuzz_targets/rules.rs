//! The service's rules (src/rules/): the verification decision and the management request.
//!
//! - `decide` never panics, and its answer follows the documented order from the row's fields
//!   alone: no row → unknown; revoked → revoked; a digest that is neither of the row's → unknown;
//!   the previous digest outside its grace (`now ≥ previousExpiresAt`, or none) → rotated;
//!   `now ≥ expiresAt` → expired; otherwise valid, `previous` exactly when the digest is the
//!   previous one.
//! - `management_request` for ids and owners full of `:`, `%` and other bytes: the policy
//!   resource always has exactly two segments, `member/<owner>` and `token/<id>`, each of which
//!   unescapes back to the given value; so a deny on `member/*:token/*` denies every id; the S2
//!   request names the id itself.
//! - `check_text` never panics, and what it returns is trimmed, within the table's limit, and
//!   free of control characters.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use tokenkit::rules::limits::{check_text, NAME_MAX};
use tokenkit::rules::manage::{management_request, may_manage, Target, Verb};
use tokenkit::rules::verify::{decide, StoredState};
use tokenkit::scope::{Language, Scope};
use tokenkit_fuzz::G;

const VERBS: [Verb; 5] = [Verb::Read, Verb::Create, Verb::Update, Verb::Rotate, Verb::Delete];
const ID_CHARS: &[char] = &[':', '%', '3', 'A', 'a', '2', '5', '/', '*', ' ', 'é', '\u{0}', 'x'];
const DIGESTS: &[&str] = &["sha256:a", "sha256:b", "sha256:c", ""];

fn time(g: &mut G<'_>) -> i64 {
    match g.below(4) {
        0 => g.i64_in(i64::MIN, i64::MAX),
        1 => g.i64_in(-5, 5),
        _ => g.i64_in(1_000, 1_010),
    }
}

fn opt_time(g: &mut G<'_>) -> Option<i64> {
    if g.bool() {
        Some(time(g))
    } else {
        None
    }
}

fn unescape(s: &str) -> String {
    s.replace("%3A", ":").replace("%25", "%")
}

fuzz_target!(|data: &[u8]| {
    let mut g = G::new(data);

    // ---- the verification decision ----
    let row = g.bool().then(|| StoredState {
        digest: g.pick(DIGESTS).to_string(),
        previous_digest: g.bool().then(|| g.pick(DIGESTS).to_string()),
        previous_expires_at: opt_time(&mut g),
        revoked_at: opt_time(&mut g),
        disabled_at: opt_time(&mut g),
        expires_at: opt_time(&mut g),
        retired_digest: g.bool().then(|| g.pick(DIGESTS).to_string()),
    });
    let digest = g.pick(DIGESTS).to_string();
    let now = time(&mut g);
    let v = decide(row.as_ref(), &digest, now);
    let want = match &row {
        None => "unknown_token",
        Some(r) if r.revoked_at.is_some() => "revoked",
        Some(r) if r.digest != digest && r.previous_digest.as_deref() != Some(digest.as_str()) && r.retired_digest.as_deref() == Some(digest.as_str()) => "reused_secret",
        Some(r) if r.digest != digest && r.previous_digest.as_deref() != Some(digest.as_str()) => "unknown_token",
        Some(r) if r.digest != digest && !r.previous_expires_at.is_some_and(|p| now < p) => "reused_secret",
        Some(r) if r.disabled_at.is_some() => "disabled",
        Some(r) if r.expires_at.is_some_and(|e| now >= e) => "expired",
        Some(_) => "ok",
    };
    assert_eq!(v.code, want, "{row:?} {digest} {now}");
    assert_eq!(v.valid, want == "ok");
    assert_eq!(v.revoke, want == "reused_secret", "only a retired secret revokes");
    assert_eq!(v.previous, v.valid && row.as_ref().is_some_and(|r| r.digest != digest));

    // ---- the management request ----
    let id = g.string_from(ID_CHARS, 12);
    let owner = g.string_from(ID_CHARS, 12);
    let target = Target { id: id.clone(), owner: owner.clone() };
    let verb = g.one(&VERBS);
    let r = management_request(Language::Policy, verb, &target);
    let resource = r.resource.expect("a policy request names a resource");
    let segments: Vec<&str> = resource.split(':').collect();
    assert_eq!(segments.len(), 2, "{resource}");
    assert_eq!(segments[0].strip_prefix("member/").map(unescape).as_deref(), Some(owner.as_str()), "{resource}");
    assert_eq!(segments[1].strip_prefix("token/").map(unescape).as_deref(), Some(id.as_str()), "{resource}");
    let deny_all_tokens = Scope::from_json(&json!({"language": "policy", "role": "owner", "inlineRole": [
        {"effect": "allow", "actions": ["*"], "resources": ["*"]},
        {"effect": "deny", "actions": ["*"], "resources": ["member/*:token/*"]}
    ]}))
    .expect("a valid scope");
    assert!(!may_manage(&deny_all_tokens, verb, &target).allowed, "{resource}");
    let s2 = management_request(Language::S2, verb, &target);
    match verb {
        Verb::Read => assert_eq!(s2.access_token, None),
        _ => assert_eq!(s2.access_token.as_deref(), Some(id.as_str())),
    }

    // ---- display text ----
    let text = g.text(300);
    if let Ok(Some(t)) = check_text("name", Some(&Value::String(text.clone()))) {
        assert_eq!(t, tokenkit::rules::limits::trim(&text));
        assert!(!t.is_empty() && t.chars().count() <= NAME_MAX as usize && !t.chars().any(char::is_control));
    }
});
