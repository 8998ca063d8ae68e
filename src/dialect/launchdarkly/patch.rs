//! LaunchDarkly's token PATCH: the route `PATCH /api/v2/tokens/{id}` ([`apply_patch`]), and the
//! same rules as a token patch policy for tokenkit's patch engine ([`PATCH_POLICY`], which
//! `applyTokenPatch("launchdarkly", …)` uses): the paths and operations the vendor allows and
//! its rules for `role`, `customRoleIds` and `inlineRole`.

use serde_json::{json, Map, Value};

use super::{caller_policy, opt_string, policy_from, NoPolicy, Policy, D, FORBIDDEN, NOT_FOUND};
use crate::dialect::{Caller, DialectError, Failure, Token};
use crate::patch::policy::{FieldKind, PathRule, Policy as PatchPolicy, ANY, REPLACE};
use crate::patch::Operation;

/// JSON Pointer roots a token PATCH may touch.
pub const PATCHABLE: [&str; 5] = ["/name", "/description", "/role", "/customRoleIds", "/inlineRole"];

/// LaunchDarkly `PATCH /api/v2/tokens/{id}` as a token patch policy (paths from the vendor's
/// Terraform provider), for [`crate::patch::policy::apply_token_patch`]. The `{comment, patch}`
/// envelope is accepted; a changed scope must keep exactly one of `role`, `customRoleIds`,
/// `inlineRole`, with an entry, and never the owner role.
pub static PATCH_POLICY: PatchPolicy = PatchPolicy {
    rules: &[
        PathRule { field: "name", children: false, ops: REPLACE, kind: FieldKind::Name, scope: false },
        PathRule { field: "description", children: false, ops: ANY, kind: FieldKind::Description, scope: false },
        PathRule { field: "role", children: false, ops: ANY, kind: FieldKind::Role, scope: true },
        PathRule { field: "customRoleIds", children: true, ops: ANY, kind: FieldKind::StringList, scope: true },
        PathRule { field: "inlineRole", children: true, ops: ANY, kind: FieldKind::Statements, scope: true },
    ],
    immutable: &[
        ("_id", "identifier"),
        ("ownerId", "owner"),
        ("memberId", "owner"),
        ("_member", "owner"),
        ("token", "secret"),
        ("creationDate", "creation time"),
        ("lastModified", "set by the server"),
        ("lastUsed", "set by the server"),
        ("serviceToken", "fixed at creation"),
        ("defaultApiVersion", "fixed at creation"),
        ("_links", "set by the server"),
        ("_version", "set by the server"),
    ],
    envelope: true,
    scope_of: patched_scope,
    check_scope: Some(check_patched_policy),
};

/// The patched scope as the scope engine reads it: `{"language": "policy", role?,
/// customRoleIds?, inlineRole?}` from the token's fields.
fn patched_scope(token: &Map<String, Value>) -> Value {
    let mut m = Map::new();
    m.insert("language".into(), Value::String("policy".into()));
    for f in ["role", "customRoleIds", "inlineRole"] {
        if let Some(v) = token.get(f) {
            m.insert(f.into(), v.clone());
        }
    }
    Value::Object(m)
}

/// The vendor's rules for a patched token's `role`, `customRoleIds` and `inlineRole` (the
/// [`PATCH_POLICY`]'s scope check; [`apply_patch`] applies them too): exactly one of them, with
/// at least one entry, and never the owner role. `Err(message)` otherwise.
fn check_patched_policy(token: &Map<String, Value>) -> Result<(), String> {
    policy_from(token.get("role"), token.get("customRoleIds"), token.get("inlineRole"), NoPolicy::Refuse).map(|_| ()).map_err(|e| e.message)
}

fn bad_patch(msg: impl Into<String>) -> DialectError {
    DialectError::new(D, Failure::MalformedBody, msg)
}

fn patch_fail(field: Option<String>, msg: impl core::fmt::Display) -> DialectError {
    DialectError { dialect: D, failure: Failure::InvalidPatch, field, message: format!("Invalid patch content: {msg}"), more: Vec::new() }
}

/// Whether a token PATCH may touch `path`: one of [`PATCHABLE`], or anything below
/// `/customRoleIds` and `/inlineRole`.
pub fn patchable(path: &str) -> bool {
    PATCHABLE.iter().any(|root| {
        path == *root
            || (matches!(*root, "/customRoleIds" | "/inlineRole") && path.strip_prefix(root).is_some_and(|rest| rest.starts_with('/')))
    })
}

/// Applies `PATCH /api/v2/tokens/{id}` to `t` and returns the updated token (`updated_at` =
/// `now`; the worker stores it under its version check).
///
/// The body is a JSON Patch array, or `{"patch": [...], "comment": "…"}`. Allowed ops:
/// `add`, `remove`, `replace`, `test`; allowed paths: `/name`, `/description`, `/role`,
/// `/customRoleIds`, `/inlineRole` and anything below the last two. The patch is
/// all-or-nothing; the result is validated like a create and must stay within the caller's
/// policy.
///
/// # Errors
/// `400 invalid_request` for a body that is not a patch document; `422 invalid_request`
/// ("Invalid patch content") for a forbidden op or path, a failing op or `test`, or an invalid
/// result; `403 forbidden` when the result is broader than the caller's policy.
pub fn apply_patch(t: &Token, body: &str, caller: &Caller, now: i64) -> Result<Token, DialectError> {
    let v = super::super::parse_body(D, body)?;
    let ops = match v {
        Value::Array(a) => a,
        Value::Object(mut o) if o.contains_key("patch") && o.keys().all(|k| k == "patch" || k == "comment") => {
            match (o.remove("patch"), o.get("comment")) {
                (_, Some(c)) if !c.is_string() => return Err(bad_patch("comment must be a string")),
                (Some(Value::Array(a)), _) => a,
                _ => return Err(bad_patch("patch must be an array of operations")),
            }
        }
        _ => return Err(bad_patch("request body must be a JSON Patch array")),
    };
    let o = t.scope.as_object().filter(|o| o.get("language").and_then(Value::as_str) == Some("policy"));
    let Some(o) = o else { return Err(DialectError::new(D, Failure::NotFound, NOT_FOUND)) };
    let p = Policy::from_json(o);
    let mut doc = Map::new();
    doc.insert("name".into(), json!(t.name));
    if let Some(d) = &t.description {
        doc.insert("description".into(), json!(d));
    }
    if let Some(r) = &p.role {
        doc.insert("role".into(), json!(r));
    }
    if !p.custom_role_ids.is_empty() {
        doc.insert("customRoleIds".into(), json!(p.custom_role_ids));
    }
    if !p.inline_role.is_empty() {
        doc.insert("inlineRole".into(), Value::Array(p.inline_role.clone()));
    }
    let doc = Value::Object(doc);
    let ops = crate::patch::parse_operations(&Value::Array(ops)).map_err(|e| bad_patch(e.to_string()))?;
    for (i, op) in ops.iter().enumerate() {
        let path = op.path().as_str();
        if !matches!(op, Operation::Add { .. } | Operation::Remove { .. } | Operation::Replace { .. } | Operation::Test { .. }) {
            return Err(patch_fail(Some(format!("/{i}")), format!("operation {i}: '{}' is not allowed on tokens", op.name())));
        }
        if !patchable(path) {
            return Err(patch_fail(Some(format!("/{i}")), format!("operation {i}: path '{path}' cannot be patched")));
        }
    }
    let doc = crate::patch::apply_patch(&doc, &ops).map_err(|e| patch_fail(e.operation_index().map(|i| format!("/{i}")), e))?;
    let Value::Object(d) = doc else { return Err(patch_fail(None, "the token is no longer an object")) };
    let as_patch_error = |e: DialectError| DialectError { failure: Failure::InvalidPatch, message: format!("Invalid patch content: {}", e.message), ..e };
    let name = opt_string(&d, "name").map_err(as_patch_error)?.unwrap_or_default();
    let description = opt_string(&d, "description").map_err(as_patch_error)?;
    let policy = policy_from(d.get("role"), d.get("customRoleIds"), d.get("inlineRole"), NoPolicy::Refuse).map_err(as_patch_error)?;
    caller_policy(caller)?;
    if super::super::issuer_covers(caller, &policy.to_json()).is_err() {
        return Err(DialectError::new(D, Failure::Forbidden, FORBIDDEN));
    }
    let mut out = t.clone();
    out.name = name;
    out.description = description;
    out.scope = policy.to_json();
    out.updated_at = now;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::policy::{apply_token_patch, Dialect, TokenPatchOptions};

    const NOW: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    fn opts() -> TokenPatchOptions {
        TokenPatchOptions { now_ms: NOW, ..TokenPatchOptions::default() }
    }

    #[test]
    fn patchable_paths() {
        for (p, ok) in [
            ("/name", true),
            ("/description", true),
            ("/role", true),
            ("/customRoleIds/-", true),
            ("/inlineRole/0/actions/1", true),
            ("/nameX", false),
            ("/name/x", false),
            ("/roleX", false),
            ("/inlineRoles", false),
            ("/_id", false),
            ("/token", false),
            ("/serviceToken", false),
            ("", false),
        ] {
            assert_eq!(patchable(p), ok, "{p}");
        }
    }

    #[test]
    fn launchdarkly_token_patch_policy() {
        let token = r#"{"_id":"6109","ownerId":"o","memberId":"m","name":"n","role":"reader","creationDate":1,"lastModified":2,"serviceToken":false,"_links":{}}"#;
        let ok: &[&str] = &[
            r#"[{"op":"replace","path":"/name","value":"x"}]"#,
            r#"[{"op":"replace","path":"/role","value":"writer"}]"#,
            r#"[{"op":"remove","path":"/role"},{"op":"add","path":"/customRoleIds","value":["devops"]}]"#,
            r#"[{"op":"remove","path":"/role"},{"op":"add","path":"/inlineRole","value":[{"effect":"allow","resources":["proj/*"],"actions":["*"]}]}]"#,
            r#"[{"op":"add","path":"/description","value":"d"}]"#,
        ];
        for p in ok {
            let out = apply_token_patch(Dialect::LaunchDarkly, token, p, &opts()).unwrap_or_else(|e| panic!("{p}: {e}"));
            assert!(out.scope.is_object());
        }
        let bad: &[(&str, &str)] = &[
            (r#"[{"op":"add","path":"/name","value":"x"}]"#, "patch_forbidden_operation"),
            (r#"[{"op":"replace","path":"/serviceToken","value":true}]"#, "patch_forbidden_path"),
            (r#"[{"op":"replace","path":"/_id","value":"x"}]"#, "patch_forbidden_path"),
            (r#"[{"op":"replace","path":"/token","value":"x"}]"#, "patch_forbidden_path"),
            (r#"[{"op":"add","path":"/customRoleIds","value":[1]}]"#, "invalid_token_field"),
            // The vendor's rules for the three policy fields, as its own PATCH route applies them.
            (r#"[{"op":"replace","path":"/role","value":"owner"}]"#, "invalid_token_field"),
            (r#"[{"op":"add","path":"/customRoleIds","value":["devops"]}]"#, "invalid_token_field"),
            (r#"[{"op":"add","path":"/inlineRole","value":[{"effect":"allow","resources":["proj/*"],"actions":["*"]}]}]"#, "invalid_token_field"),
            (r#"[{"op":"remove","path":"/role"}]"#, "invalid_token_field"),
            (
                r#"[{"op":"add","path":"/inlineRole","value":[{"effect":"maybe","resources":["*"],"actions":["*"]}]}]"#,
                "invalid_token_field",
            ),
            (
                r#"[{"op":"add","path":"/inlineRole","value":[{"effect":"allow","resources":["*"],"notResources":["x"],"actions":["*"]}]}]"#,
                "invalid_token_field",
            ),
        ];
        for (p, code) in bad {
            assert_eq!(apply_token_patch(Dialect::LaunchDarkly, token, p, &opts()).unwrap_err().code(), *code, "{p}");
        }
        // The {comment, patch} envelope (LaunchDarkly only).
        let env = r#"{"comment":"rename","patch":[{"op":"replace","path":"/name","value":"x"}]}"#;
        assert_eq!(apply_token_patch(Dialect::LaunchDarkly, token, env, &opts()).unwrap().changed, ["name"]);
        let env = r#"{"comment":"x","patch":[{"op":"replace","path":"/_id","value":"x"}]}"#;
        assert_eq!(apply_token_patch(Dialect::LaunchDarkly, token, env, &opts()).unwrap_err().code(), "patch_forbidden_path");
        let bad = r#"{"patch":{"op":"replace"}}"#;
        assert_eq!(apply_token_patch(Dialect::LaunchDarkly, token, bad, &opts()).unwrap_err().code(), "invalid_patch");
    }
}
