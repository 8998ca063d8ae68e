//! Regression tests for what `cargo fuzz` (fuzz/, docs/fuzzing.md) found. Each test names the
//! target and the property that failed.

use tokenkit::scope::{Request, Scope};

/// fuzz target `scope_parse`, property "check agrees with the hot path allows_action": a policy
/// request with an empty resource was allowed by `check` (`writer` allows `*` on `*`, and `*`
/// matches "") but refused by `allows_action`, which treats "" as no resource. Both now refuse
/// it: a policy request names a resource.
#[test]
fn policy_request_with_empty_resource_is_malformed_on_both_paths() {
    let s = Scope::from_json_str(r#"{"language":"policy","role":"writer"}"#).unwrap();
    let c = s.compile();
    let r = Request { action: "*".into(), resource: Some(String::new()), ..Request::default() };
    let e = c.check(&r).unwrap_err();
    assert_eq!((e.code(), e.field()), ("invalid_scope_request", Some("resource")));
    assert!(!c.allows(&r));
    assert!(!c.allows_action("*", Some("")));
    // A real resource still decides as before.
    assert!(c.allows(&Request::on("updateFlag", "proj/default:env/production:flag/f")));
    assert!(c.allows_action("updateFlag", Some("proj/default:env/production:flag/f")));
}
