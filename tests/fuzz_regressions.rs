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

mod dialects {
    use serde_json::{json, Value};
    use tokenkit::dialect::{launchdarkly, space, Caller};

    fn caller(scope: Value) -> Caller {
        Caller { conditions: None, account: "a".into(), owner: "m1".into(), token_id: "t".into(), scope, expires_at: None }
    }

    /// fuzz target `dialect_space`, property "malformed scope names are a 422 naming the field,
    /// not LoopBack's 401": a scope name with a control character passed the dialect's own check
    /// (no whitespace) and was then refused by the scope engine inside the attenuation check,
    /// which answers 401 Authorization Required.
    #[test]
    fn space_scope_name_with_control_character_is_invalid() {
        let c = caller(json!({"language": "names", "scopes": null}));
        let e = space::parse_create(r#"{"scopes":["\u0001x"]}"#, "m1", &c, 1_800_000_000_000).unwrap_err();
        assert_eq!((e.status(), e.field.as_deref()), (422, Some("scopes")));
    }

    /// fuzz target `dialect_launchdarkly`, property "a malformed policy is a 400, not a 403": a
    /// custom role key or a statement specifier with a control character, or longer than the
    /// scope engine's 512 bytes, was answered 403 Forbidden by the attenuation check.
    #[test]
    fn launchdarkly_malformed_policy_values_are_invalid_requests() {
        let owner = caller(json!({"language": "policy", "role": "owner"}));
        let long = "x".repeat(513);
        for (body, field) in [
            (json!({"customRoleIds": ["ops\u{1}"]}), "customRoleIds[0]"),
            (json!({"customRoleIds": [long]}), "customRoleIds[0]"),
            (json!({"inlineRole": [{"effect": "allow", "actions": ["get\u{7f}*"], "resources": ["*"]}]}), "inlineRole[0].actions[0]"),
            (json!({"inlineRole": [{"effect": "deny", "actions": ["*"], "notResources": [long]}]}), "inlineRole[0].notResources[0]"),
        ] {
            let e = launchdarkly::parse_create(&body.to_string(), &owner, 0).unwrap_err();
            assert_eq!((e.status(), e.field.as_deref()), (400, Some(field)), "{body}");
        }
        // Within the limits it is still accepted.
        assert!(launchdarkly::parse_create(r#"{"customRoleIds":["ops"]}"#, &owner, 0).is_ok());
    }
}

/// `webhook` target: a URL whose port part starts with a multi-byte character (`https://[0]�:8`)
/// was sliced at byte 1, inside the character: a panic (a trapped wasm instance in the service).
/// The port is now checked with `strip_prefix`, and a bracketed host must be an IPv6 literal.
#[test]
fn webhook_url_with_a_multibyte_port_is_refused_not_a_panic() {
    use serde_json::json;
    use tokenkit::rules::webhooks::check_webhook_url;
    for u in ["https://[0]\u{FFFD}\u{FFFD}:8", "https://example.com:\u{e9}/", "https://[0]/", "https://[::1]\u{FFFD}/"] {
        for local in [false, true] {
            let e = check_webhook_url(Some(&json!(u)), local).unwrap_err();
            assert_eq!((e.code, e.field.as_deref()), ("invalid_field", Some("url")), "{u}");
        }
    }
}
