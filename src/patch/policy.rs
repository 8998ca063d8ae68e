//! The token patch policy: which paths and operations each API allows on a token, as data,
//! and the re-validation of the patched token.
//!
//! A policy is a table of [`PathRule`]s (a top-level field, whether its children may be
//! patched too, and the operations allowed) plus a table of immutable fields with the reason
//! they are immutable, and the few facts the engine cannot read from a table (whether the API
//! takes an envelope, where its scope is, its own rules for the scope fields). This module is the
//! engine and tokenkit's own [`TOKENKIT`]; a seed API's policy lives with its dialect, and
//! [`Dialect::patch_policy`] says which is whose. `test` is allowed on every path (it changes nothing, and is how a client
//! makes a patch conditional, e.g. `test /version`). Every other operation must target an
//! editable path, and `move`/`copy` must also read *from* an editable path (so a patch can
//! neither move an immutable field away nor copy a digest or secret into a visible field).
//!
//! After the patch, [`apply_token_patch`] re-validates the editable fields (types, lengths,
//! the expiry may only be shortened, or moved up to a cap the caller passes, and must stay
//! after `now`; a changed scope must be a valid scope for the scope engine) and, when the
//! caller passes its own scope in [`TokenPatchOptions::caller_scope`], checks that it covers
//! the patched scope ([`crate::scope::covers_explain`]). Without a caller scope, a caller must do
//! that check itself whenever [`TokenPatchOutcome::scope_changed`] is true.

use serde_json::{Map, Value};

use super::{apply_patch_json, json_eq, parse_patch_json, Operation, PatchError, Pointer};
use crate::rules::limits::{DESCRIPTION_MAX, NAME_MAX};
use crate::scope::{covers_explain, Scope};

/// The API whose policy applies: those with a PATCH on tokens are tokenkit's own
/// ([`Dialect::Tokenkit`]: `/name`, `/description`, `/scope…`, `/expiresAt`) and LaunchDarkly
/// `PATCH /api/v2/tokens/{id}` ([`Dialect::LaunchDarkly`]: `/name`, `/description`, `/role`,
/// `/customRoleIds`, `/inlineRole`); see [`Dialect::patch_policy`]. The one enum of [`crate::api`].
pub use crate::api::Dialect;

/// Parses the name of an API that accepts a JSON Patch on a token: `"tokenkit"` or
/// `"launchdarkly"`.
///
/// # Errors
/// [`PatchError::UnknownDialect`] for any other name (S2, Akinon and Space have no PATCH).
pub fn dialect_named(name: &str) -> Result<Dialect, PatchError> {
    Dialect::from_name(name)
        .filter(|d| d.patch_policy().is_some())
        .ok_or_else(|| PatchError::UnknownDialect { name: name.chars().take(64).collect() })
}

/// `dialect`'s patch policy, or [`PatchError::UnknownDialect`] for an API without a PATCH.
fn policy_of(dialect: Dialect) -> Result<&'static Policy, PatchError> {
    dialect.patch_policy().ok_or_else(|| PatchError::UnknownDialect { name: dialect.name().into() })
}

/// What kind of value a field holds (checked after the patch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldKind {
    /// A required display name: a non-empty string of at most 256 characters, no control characters.
    Name,
    /// An optional string of at most 1024 characters (absent or `null` allowed).
    Description,
    /// The token's scope in the dialect's scope language (checked by the scope engine, not here;
    /// it must stay present and not `null`).
    Scope,
    /// The expiry: an RFC 3339 instant, epoch milliseconds, or `null` for never.
    Expiry,
    /// A LaunchDarkly built-in role name: a non-empty string, or absent.
    Role,
    /// A list of strings (LaunchDarkly custom role keys), or absent.
    StringList,
    /// A list of policy statements `{effect, resources?, notResources?, actions?, notActions?}`, or absent.
    Statements,
    /// One of a token's conditions of use (`notBefore`, `allowedIps`, `remaining`, `refill`,
    /// `rateLimit`): any value here; the patched token's conditions are parsed and checked
    /// against the caller's by [`crate::rules::conditions::patched`].
    Condition,
}

/// One editable top-level field.
#[derive(Debug, Clone, Copy)]
pub struct PathRule {
    /// The field's name (the pointer is `/` + name).
    pub field: &'static str,
    /// Whether pointers below the field (`/scope/ops/0`) may be patched too.
    pub children: bool,
    /// The operations allowed on the field itself (`test` is always allowed).
    pub ops: &'static [&'static str],
    /// What the field holds.
    pub kind: FieldKind,
    /// Whether the field belongs to what the token may do (a change needs the caller's scope to cover it).
    pub scope: bool,
}

/// One API's patch policy.
///
/// tokenkit's own is [`TOKENKIT`]; a seed API's lives with its dialect. [`Dialect::patch_policy`]
/// says which is whose.
#[derive(Debug)]
pub struct Policy {
    /// Editable fields.
    pub rules: &'static [PathRule],
    /// Fields that never change through a patch, with the reason given in the error.
    pub immutable: &'static [(&'static str, &'static str)],
    /// Whether the operations may also come in the `{"comment": "…", "patch": [ … ]}` envelope
    /// (LaunchDarkly's API accepts it).
    pub envelope: bool,
    /// The patched scope as the scope engine reads it, from the patched token
    /// ([`TokenPatchOutcome::scope`]).
    pub scope_of: fn(&Map<String, Value>) -> Value,
    /// The API's own rules for its scope fields, checked on the patched token when a scope field
    /// changed, before the scope engine reads the scope: `Err(message)` names what is wrong.
    pub check_scope: Option<ScopeCheck>,
}

/// An API's own check of a patched token's scope fields: `Err(message)` names what is wrong.
pub type ScopeCheck = fn(&Map<String, Value>) -> Result<(), String>;

/// The operations `replace` only.
pub const REPLACE: &[&str] = &["replace"];
/// The operations `add` and `replace` (a field that may be set but not removed).
pub const SET: &[&str] = &["add", "replace"];
/// The operations `add`, `replace` and `remove`.
pub const ANY: &[&str] = &["add", "replace", "remove"];

/// tokenkit's own API.
pub static TOKENKIT: Policy = Policy {
    rules: &[
        PathRule { field: "name", children: false, ops: SET, kind: FieldKind::Name, scope: false },
        PathRule { field: "description", children: false, ops: ANY, kind: FieldKind::Description, scope: false },
        // The scope itself may be replaced but not removed; inside it, anything goes (the
        // result is re-checked by the caller's scope engine).
        PathRule { field: "scope", children: true, ops: SET, kind: FieldKind::Scope, scope: true },
        // Removing the expiry would make the token live forever: not allowed.
        PathRule { field: "expiresAt", children: false, ops: SET, kind: FieldKind::Expiry, scope: false },
        // The conditions of use: set, changed or removed (= none), also inside (`/allowedIps/-`,
        // `/rateLimit/limit`); the result is re-checked (rules::conditions::patched).
        PathRule { field: "notBefore", children: false, ops: ANY, kind: FieldKind::Condition, scope: false },
        PathRule { field: "allowedIps", children: true, ops: ANY, kind: FieldKind::Condition, scope: false },
        PathRule { field: "remaining", children: false, ops: ANY, kind: FieldKind::Condition, scope: false },
        PathRule { field: "refill", children: true, ops: ANY, kind: FieldKind::Condition, scope: false },
        PathRule { field: "rateLimit", children: true, ops: ANY, kind: FieldKind::Condition, scope: false },
    ],
    immutable: &[
        ("id", "identifier"),
        ("_id", "identifier"),
        ("accountId", "owner"),
        ("ownerId", "owner"),
        ("owner", "owner"),
        ("memberId", "owner"),
        ("digest", "secret digest"),
        ("previousDigest", "secret digest"),
        ("previousDigestExpiresAt", "rotation state"),
        ("secret", "secret"),
        ("token", "secret"),
        ("prefix", "secret format"),
        ("hint", "secret hint"),
        ("createdAt", "creation time"),
        ("creationDate", "creation time"),
        ("updatedAt", "set by the server"),
        ("lastUsedAt", "set by the server"),
        ("revokedAt", "revocation has its own route"),
        ("revokedReason", "revocation has its own route"),
        ("version", "concurrency version, set by the server"),
    ],
    envelope: false,
    scope_of: scope_field,
    check_scope: None,
};

/// tokenkit's scope: the token's `/scope` value.
fn scope_field(token: &Map<String, Value>) -> Value {
    token.get("scope").cloned().unwrap_or(Value::Null)
}

impl Policy {
    fn rule(&self, field: &str) -> Option<&PathRule> {
        self.rules.iter().find(|r| r.field == field)
    }

    /// Checks one pointer for a writing operation `op` (`test` always passes).
    fn check(&self, index: usize, op: &'static str, p: &Pointer) -> Result<(), PatchError> {
        if op == "test" {
            return Ok(());
        }
        let forbidden = |reason: &'static str| PatchError::ForbiddenPath { index, pointer: p.as_str().into(), reason };
        let Some(field) = p.tokens().first() else {
            return Err(forbidden("the whole token cannot be replaced"));
        };
        if let Some((_, reason)) = self.immutable.iter().find(|(f, _)| f == field) {
            return Err(forbidden(reason));
        }
        let rule = self.rule(field).ok_or_else(|| forbidden("not an editable field"))?;
        if p.tokens().len() > 1 {
            return if rule.children { Ok(()) } else { Err(forbidden("not an editable field")) };
        }
        if rule.ops.contains(&op) {
            Ok(())
        } else {
            Err(PatchError::ForbiddenOperation { index, op, pointer: p.as_str().into() })
        }
    }

    /// Checks every operation of a patch against this policy, without a token.
    ///
    /// # Errors
    /// [`PatchError::ForbiddenPath`] (immutable, unknown or whole-token paths) or
    /// [`PatchError::ForbiddenOperation`], naming the first offending operation.
    pub fn check_operations(&self, ops: &[Operation]) -> Result<(), PatchError> {
        for (index, op) in ops.iter().enumerate() {
            let name = op.name();
            if let Some(from) = op.from() {
                // Reading from `from`: `move` removes there, `copy` must not leak a protected field.
                self.check(index, if name == "move" { "remove" } else { "add" }, from).map_err(|e| match e {
                    PatchError::ForbiddenOperation { index, pointer, .. } => PatchError::ForbiddenOperation { index, op: name, pointer },
                    other => other,
                })?;
                // The target of a move/copy is written as an `add`.
                self.check(index, "add", op.path()).map_err(|e| match e {
                    PatchError::ForbiddenOperation { index, pointer, .. } => PatchError::ForbiddenOperation { index, op: name, pointer },
                    other => other,
                })?;
            } else {
                self.check(index, name, op.path())?;
            }
        }
        Ok(())
    }
}

/// Caller-supplied facts for re-validating a patched token.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TokenPatchOptions {
    /// The current time, epoch milliseconds (the core never reads the clock).
    pub now_ms: i64,
    /// The latest expiry the caller's policy allows (e.g. its own expiry or a maximum lifetime),
    /// epoch milliseconds. `None`: the expiry may only be shortened.
    pub max_expires_at_ms: Option<i64>,
    /// The caller's own scope. When given and the patch changes the token's scope, the patched
    /// scope must be covered by it ([`PatchError::ScopeNotCovered`] otherwise).
    pub caller_scope: Option<Scope>,
}

/// The result of [`apply_token_patch`].
#[derive(Debug, Clone, PartialEq)]
pub struct TokenPatchOutcome {
    /// The patched token as JSON text (untouched fields byte for byte).
    pub token: String,
    /// The top-level fields whose value changed, in policy order.
    pub changed: Vec<&'static str>,
    /// Whether a scope field changed: then the caller must check that its scope covers [`Self::scope`].
    pub scope_changed: bool,
    /// The patched scope as the scope engine reads it: tokenkit's `/scope` value, or for
    /// LaunchDarkly `{"language": "policy", role?, customRoleIds?, inlineRole?}` from the token.
    pub scope: Value,
}

/// Checks a patch against a dialect's policy without applying it (for forms and early 4xx).
///
/// # Errors
/// As [`Policy::check_operations`], plus the errors of [`parse_patch_json`].
pub fn check_token_patch(dialect: Dialect, patch_text: &str) -> Result<Vec<Operation>, PatchError> {
    let policy = policy_of(dialect)?;
    let unwrapped = unwrap_envelope(policy, patch_text)?;
    let ops = parse_patch_json(unwrapped.as_deref().unwrap_or(patch_text))?;
    policy.check_operations(&ops)?;
    Ok(ops)
}

/// Applies a patch to a stored token under a dialect's policy, then re-validates the result.
///
/// Order: parse and policy-check every operation; apply atomically (RFC 6902); re-validate the
/// editable fields. The immutable fields are compared before and after as a second line of
/// defence.
///
/// # Errors
/// The policy and patch errors, then [`PatchError::InvalidTokenField`],
/// [`PatchError::ExpiryExtended`] or [`PatchError::ExpiryInPast`].
///
/// # Example
/// ```
/// use tokenkit::patch::policy::{apply_token_patch, Dialect, TokenPatchOptions};
/// let token = r#"{"id":"t1","name":"ci","scope":{"ops":["read"]},"expiresAt":"2030-01-01T00:00:00Z"}"#;
/// let opts = TokenPatchOptions { now_ms: 1_800_000_000_000, ..TokenPatchOptions::default() }; // 2027-01-15
/// let out = apply_token_patch(Dialect::Tokenkit, token,
///     r#"[{"op":"replace","path":"/expiresAt","value":"2029-06-01T00:00:00Z"}]"#, &opts).unwrap();
/// assert_eq!(out.changed, ["expiresAt"]);
///
/// let err = apply_token_patch(Dialect::Tokenkit, token, r#"[{"op":"replace","path":"/id","value":"x"}]"#, &opts)
///     .unwrap_err();
/// assert_eq!((err.code(), err.pointer()), ("patch_forbidden_path", Some("/id")));
/// ```
pub fn apply_token_patch(
    dialect: Dialect,
    token_text: &str,
    patch_text: &str,
    opts: &TokenPatchOptions,
) -> Result<TokenPatchOutcome, PatchError> {
    let policy = policy_of(dialect)?;
    let before: Value = serde_json::from_str(token_text)
        .map_err(|e| PatchError::InvalidJson { input: super::JsonInput::Document, message: e.to_string() })?;
    let Value::Object(before) = before else {
        return Err(PatchError::InvalidTokenField { pointer: String::new(), message: "a token must be a JSON object".into() });
    };
    check_token_patch(dialect, patch_text)?;
    let unwrapped = unwrap_envelope(policy, patch_text)?;
    let token = apply_patch_json(token_text, unwrapped.as_deref().unwrap_or(patch_text))?;
    let after: Value =
        serde_json::from_str(&token).map_err(|e| PatchError::InvalidJson { input: super::JsonInput::Document, message: e.to_string() })?;
    let Value::Object(after) = after else {
        return Err(PatchError::InvalidTokenField { pointer: String::new(), message: "a token must be a JSON object".into() });
    };

    // Defence in depth: nothing outside the editable fields changed.
    let editable = |k: &str| policy.rule(k).is_some();
    for key in before.keys().chain(after.keys()) {
        if !editable(key) && !opt_eq(before.get(key), after.get(key)) {
            return Err(PatchError::InvalidTokenField { pointer: format!("/{}", escape(key)), message: "this field cannot change".into() });
        }
    }

    let mut changed = Vec::new();
    let mut scope_changed = false;
    for rule in policy.rules {
        let (old, new) = (before.get(rule.field), after.get(rule.field));
        if opt_eq(old, new) {
            continue;
        }
        changed.push(rule.field);
        scope_changed |= rule.scope;
        validate_field(rule, old, new, opts)?;
    }
    let scope = (policy.scope_of)(&after);
    if scope_changed {
        let pointer =
            changed.iter().find(|f| policy.rule(f).is_some_and(|r| r.scope)).map_or(String::new(), |f| format!("/{f}"));
        if let Some(check_scope) = policy.check_scope {
            // The API's own rules for its scope fields (LaunchDarkly's: one of role,
            // customRoleIds, inlineRole, with an entry, and never the owner role).
            check_scope(&after).map_err(|message| PatchError::InvalidTokenField { pointer: pointer.clone(), message })?;
        }
        let patched = Scope::from_json(&scope)
            .map_err(|e| PatchError::InvalidTokenField { pointer: pointer.clone(), message: format!("not a valid scope: {e}") })?;
        if let Some(caller) = &opts.caller_scope {
            covers_explain(caller, &patched).map_err(|reason| PatchError::ScopeNotCovered { pointer, reason })?;
        }
    }
    Ok(TokenPatchOutcome { token, changed, scope_changed, scope })
}

/// With [`Policy::envelope`], the patch may be `{"comment": "…", "patch": [ … ]}`: the operations
/// as text, when `patch_text` is that envelope (`None` when it is not, and for other policies).
fn unwrap_envelope(policy: &Policy, patch_text: &str) -> Result<Option<String>, PatchError> {
    if !policy.envelope || !patch_text.trim_start().starts_with('{') {
        return Ok(None);
    }
    let v: Value =
        serde_json::from_str(patch_text).map_err(|e| PatchError::InvalidJson { input: super::JsonInput::Patch, message: e.to_string() })?;
    let Value::Object(m) = v else { return Ok(None) };
    let comment_ok = m.get("comment").is_none_or(Value::is_string);
    match m.get("patch") {
        Some(p @ Value::Array(_)) if comment_ok && m.len() <= 2 => Ok(Some(p.to_string())),
        _ => Err(PatchError::NotAnArray),
    }
}

fn opt_eq(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => json_eq(x, y),
        (None, None) => true,
        _ => false,
    }
}

fn escape(field: &str) -> String {
    field.replace('~', "~0").replace('/', "~1")
}

fn validate_field(rule: &PathRule, old: Option<&Value>, new: Option<&Value>, opts: &TokenPatchOptions) -> Result<(), PatchError> {
    let pointer = || format!("/{}", escape(rule.field));
    let invalid = |message: &str| PatchError::InvalidTokenField { pointer: pointer(), message: message.into() };
    match rule.kind {
        FieldKind::Name => match new {
            Some(Value::String(s)) if !crate::rules::limits::trim(s).is_empty() && s.chars().count() <= NAME_MAX as usize && !s.chars().any(char::is_control) => Ok(()),
            Some(Value::String(_)) => Err(invalid(&format!("must be 1 to {NAME_MAX} characters, not blank, without control characters"))),
            _ => Err(invalid("must be a string")),
        },
        FieldKind::Description => match new {
            None | Some(Value::Null) => Ok(()),
            Some(Value::String(s)) if s.chars().count() <= DESCRIPTION_MAX as usize => Ok(()),
            Some(Value::String(_)) => Err(invalid(&format!("must be at most {DESCRIPTION_MAX} characters"))),
            _ => Err(invalid("must be a string")),
        },
        FieldKind::Scope => match new {
            Some(Value::Object(_) | Value::Array(_) | Value::String(_)) => Ok(()),
            _ => Err(invalid("must be present (an object, array or string)")),
        },
        FieldKind::Role => match new {
            None => Ok(()),
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 64 => Ok(()),
            _ => Err(invalid("must be a role name")),
        },
        FieldKind::StringList => match new {
            None => Ok(()),
            Some(Value::Array(a)) if a.iter().all(|v| v.as_str().is_some_and(|s| !s.is_empty())) => Ok(()),
            _ => Err(invalid("must be an array of non-empty strings")),
        },
        FieldKind::Statements => match new {
            None => Ok(()),
            Some(Value::Array(a)) if a.iter().all(valid_statement) => Ok(()),
            _ => Err(invalid("must be an array of statements {effect: allow|deny, resources|notResources, actions|notActions}")),
        },
        FieldKind::Condition => Ok(()),
        FieldKind::Expiry => {
            let old = expiry_ms(old).map_err(invalid)?;
            let new = expiry_ms(new).map_err(invalid)?;
            let Some(new) = new else {
                // Removing or nulling the expiry makes the token live forever.
                return Err(PatchError::ExpiryExtended { pointer: pointer() });
            };
            let cap = match (old, opts.max_expires_at_ms) {
                (_, Some(max)) => Some(max),
                (Some(old), None) => Some(old),
                (None, None) => None,
            };
            if cap.is_some_and(|cap| new > cap) {
                return Err(PatchError::ExpiryExtended { pointer: pointer() });
            }
            if new <= opts.now_ms {
                return Err(PatchError::ExpiryInPast { pointer: pointer() });
            }
            Ok(())
        }
    }
}

fn valid_statement(v: &Value) -> bool {
    let Value::Object(m) = v else { return false };
    let list = |k: &str| match m.get(k) {
        None => Some(false),
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => Some(true),
        Some(_) => None,
    };
    let known = ["effect", "resources", "notResources", "actions", "notActions"];
    if m.keys().any(|k| !known.contains(&k.as_str())) {
        return false;
    }
    let effect_ok = matches!(m.get("effect").and_then(Value::as_str), Some("allow" | "deny"));
    match (list("resources"), list("notResources"), list("actions"), list("notActions")) {
        (Some(r), Some(nr), Some(a), Some(na)) => effect_ok && (r ^ nr) && (a ^ na),
        _ => false,
    }
}

/// An expiry as epoch ms: `None` for absent/`null` (never).
fn expiry_ms(v: Option<&Value>) -> Result<Option<i64>, &'static str> {
    match v {
        None | Some(Value::Null) => Ok(None),
        // Within the instants the core (and a JS Date) can represent, so the host can store it
        // and format it back.
        Some(Value::Number(n)) => n
            .as_i64()
            .filter(|ms| crate::time::Timestamp::from_millisecond(*ms).is_ok())
            .map(Some)
            .ok_or("must be epoch milliseconds (an integer, up to 9999-12-30)"),
        Some(Value::String(s)) => s
            .parse::<crate::time::Timestamp>()
            .map(|t| Some(t.as_millisecond()))
            .map_err(|_| "must be an RFC 3339 instant such as 2030-01-01T00:00:00Z"),
        Some(_) => Err("must be an RFC 3339 instant, epoch milliseconds or null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = r#"{"id":"tok_1","accountId":"acct_1","name":"ci","description":"d","digest":"sha256:ab","createdAt":"2026-01-01T00:00:00Z","expiresAt":"2027-01-01T00:00:00Z","version":3,"scope":{"language":"s2","streams":{"prefix":"users/"},"ops":["read"]}}"#;
    const NOW: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    fn opts() -> TokenPatchOptions {
        TokenPatchOptions { now_ms: NOW, ..TokenPatchOptions::default() }
    }

    #[test]
    fn allowed_tokenkit_patches() {
        let cases: &[(&str, &[&str], bool)] = &[
            (r#"[{"op":"replace","path":"/name","value":"deploy"}]"#, &["name"], false),
            (r#"[{"op":"remove","path":"/description"}]"#, &["description"], false),
            (r#"[{"op":"add","path":"/scope/ops/-","value":"append"}]"#, &["scope"], true),
            (
                r#"[{"op":"replace","path":"/scope","value":{"language":"s2","streams":{"prefix":"users/1/"},"ops":["read"]}}]"#,
                &["scope"],
                true,
            ),
            (r#"[{"op":"replace","path":"/expiresAt","value":"2026-06-01T00:00:00Z"}]"#, &["expiresAt"], false),
            (r#"[{"op":"replace","path":"/expiresAt","value":1780000000000}]"#, &["expiresAt"], false),
            (r#"[{"op":"test","path":"/version","value":3},{"op":"replace","path":"/name","value":"x"}]"#, &["name"], false),
            (r#"[{"op":"test","path":"/digest","value":"sha256:ab"}]"#, &[], false),
            (r#"[{"op":"copy","from":"/name","path":"/description"}]"#, &["description"], false),
        ];
        for (patch, changed, scope_changed) in cases {
            let out = apply_token_patch(Dialect::Tokenkit, TOKEN, patch, &opts()).unwrap_or_else(|e| panic!("{patch}: {e}"));
            assert_eq!(out.changed, *changed, "{patch}");
            assert_eq!(out.scope_changed, *scope_changed, "{patch}");
            assert!(out.scope.is_object());
        }
    }

    #[test]
    fn refused_tokenkit_patches() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            (r#"[{"op":"replace","path":"/id","value":"x"}]"#, "patch_forbidden_path", Some("/id")),
            (r#"[{"op":"replace","path":"/digest","value":"x"}]"#, "patch_forbidden_path", Some("/digest")),
            (r#"[{"op":"remove","path":"/createdAt"}]"#, "patch_forbidden_path", Some("/createdAt")),
            (r#"[{"op":"replace","path":"/version","value":4}]"#, "patch_forbidden_path", Some("/version")),
            (r#"[{"op":"add","path":"/secret","value":"tk_x"}]"#, "patch_forbidden_path", Some("/secret")),
            (r#"[{"op":"replace","path":"/accountId","value":"a2"}]"#, "patch_forbidden_path", Some("/accountId")),
            (r#"[{"op":"add","path":"/isAdmin","value":true}]"#, "patch_forbidden_path", Some("/isAdmin")),
            (r#"[{"op":"replace","path":"","value":{}}]"#, "patch_forbidden_path", Some("")),
            (r#"[{"op":"add","path":"/name/x","value":1}]"#, "patch_forbidden_path", Some("/name/x")),
            (r#"[{"op":"copy","from":"/digest","path":"/description"}]"#, "patch_forbidden_path", Some("/digest")),
            (r#"[{"op":"move","from":"/id","path":"/name"}]"#, "patch_forbidden_path", Some("/id")),
            (r#"[{"op":"move","from":"/name","path":"/description"}]"#, "patch_forbidden_operation", Some("/name")),
            (r#"[{"op":"remove","path":"/name"}]"#, "patch_forbidden_operation", Some("/name")),
            (r#"[{"op":"remove","path":"/scope"}]"#, "patch_forbidden_operation", Some("/scope")),
            (r#"[{"op":"remove","path":"/expiresAt"}]"#, "patch_forbidden_operation", Some("/expiresAt")),
            (r#"[{"op":"replace","path":"/name","value":"  "}]"#, "invalid_token_field", Some("/name")),
            (r#"[{"op":"replace","path":"/name","value":7}]"#, "invalid_token_field", Some("/name")),
            (r#"[{"op":"replace","path":"/description","value":[]}]"#, "invalid_token_field", Some("/description")),
            (r#"[{"op":"replace","path":"/scope","value":null}]"#, "invalid_token_field", Some("/scope")),
            (r#"[{"op":"add","path":"/scope/ops/-","value":"no-such-op"}]"#, "invalid_token_field", Some("/scope")),
            (r#"[{"op":"replace","path":"/scope","value":{"ops":["read"]}}]"#, "invalid_token_field", Some("/scope")),
            (r#"[{"op":"replace","path":"/expiresAt","value":"2028-01-01T00:00:00Z"}]"#, "expiry_extended", Some("/expiresAt")),
            (r#"[{"op":"replace","path":"/expiresAt","value":null}]"#, "expiry_extended", Some("/expiresAt")),
            (r#"[{"op":"replace","path":"/expiresAt","value":"2025-06-01T00:00:00Z"}]"#, "expiry_in_past", Some("/expiresAt")),
            (r#"[{"op":"replace","path":"/expiresAt","value":"tomorrow"}]"#, "invalid_token_field", Some("/expiresAt")),
            (r#"[{"op":"test","path":"/version","value":2},{"op":"replace","path":"/name","value":"x"}]"#, "test_failed", Some("/version")),
        ];
        for (patch, code, pointer) in cases {
            let err = apply_token_patch(Dialect::Tokenkit, TOKEN, patch, &opts()).unwrap_err();
            assert_eq!((err.code(), err.pointer()), (*code, *pointer), "{patch}: {err}");
        }
    }

    #[test]
    fn expiry_cap_allows_extension_within_policy() {
        let cap = TokenPatchOptions { now_ms: NOW, max_expires_at_ms: Some(1_830_297_600_000), ..TokenPatchOptions::default() }; // 2028-01-01
        let p = r#"[{"op":"replace","path":"/expiresAt","value":"2027-06-01T00:00:00Z"}]"#;
        assert!(apply_token_patch(Dialect::Tokenkit, TOKEN, p, &cap).is_ok());
        let p = r#"[{"op":"replace","path":"/expiresAt","value":"2028-06-01T00:00:00Z"}]"#;
        assert_eq!(apply_token_patch(Dialect::Tokenkit, TOKEN, p, &cap).unwrap_err().code(), "expiry_extended");
        // A token that never expires may get an expiry (a shortening).
        let never = r#"{"name":"n","scope":{"language":"names","scopes":["read"]},"expiresAt":null}"#;
        let p = r#"[{"op":"replace","path":"/expiresAt","value":"2026-02-01T00:00:00Z"}]"#;
        assert!(apply_token_patch(Dialect::Tokenkit, never, p, &opts()).is_ok());
    }

    #[test]
    fn an_expiry_beyond_the_representable_is_invalid_not_stored() {
        // A host stores the expiry and formats it back (a JS Date reaches +275760, the core 9999):
        // an epoch-ms value beyond 9999-12-30 is refused however generous the cap.
        let cap = TokenPatchOptions { now_ms: NOW, max_expires_at_ms: Some(i64::MAX), ..TokenPatchOptions::default() };
        for v in ["9007199254740991", "253402207200001", "9223372036854775807"] {
            let p = format!(r#"[{{"op":"replace","path":"/expiresAt","value":{v}}}]"#);
            let err = apply_token_patch(Dialect::Tokenkit, TOKEN, &p, &cap).unwrap_err();
            assert_eq!((err.code(), err.pointer()), ("invalid_token_field", Some("/expiresAt")), "{v}: {err}");
        }
        let p = r#"[{"op":"replace","path":"/expiresAt","value":253402207200000}]"#;
        assert!(apply_token_patch(Dialect::Tokenkit, TOKEN, p, &cap).is_ok());
    }

    #[test]
    fn caller_scope_must_cover_the_patched_scope() {
        let caller = Scope::from_json(&serde_json::json!({"language":"s2","streams":{"prefix":"users/"},"ops":["read","append"]})).unwrap();
        let opts = TokenPatchOptions { now_ms: NOW, caller_scope: Some(caller), ..TokenPatchOptions::default() };
        let ok = r#"[{"op":"add","path":"/scope/ops/-","value":"append"}]"#;
        assert!(apply_token_patch(Dialect::Tokenkit, TOKEN, ok, &opts).unwrap().scope_changed);
        let wider = r#"[{"op":"replace","path":"/scope/streams/prefix","value":""}]"#;
        let err = apply_token_patch(Dialect::Tokenkit, TOKEN, wider, &opts).unwrap_err();
        assert_eq!((err.code(), err.pointer()), ("scope_not_covered", Some("/scope")));
        let more_ops = r#"[{"op":"add","path":"/scope/ops/-","value":"trim"}]"#;
        assert_eq!(apply_token_patch(Dialect::Tokenkit, TOKEN, more_ops, &opts).unwrap_err().code(), "scope_not_covered");
        // A patch that leaves the scope alone is not checked against the caller.
        let rename = r#"[{"op":"replace","path":"/name","value":"x"}]"#;
        assert!(apply_token_patch(Dialect::Tokenkit, TOKEN, rename, &opts).is_ok());
    }

    #[test]
    fn only_patch_dialects_are_named_and_only_launchdarkly_takes_an_envelope() {
        assert_eq!(dialect_named("s2").unwrap_err().code(), "unknown_dialect");
        for d in [Dialect::S2, Dialect::Akinon, Dialect::Space] {
            let rename = r#"[{"op":"replace","path":"/name","value":"x"}]"#;
            assert_eq!(apply_token_patch(d, TOKEN, rename, &opts()).unwrap_err().code(), "unknown_dialect", "{d:?}");
            assert_eq!(check_token_patch(d, rename).unwrap_err().code(), "unknown_dialect", "{d:?}");
        }
        let env = r#"{"patch":[]}"#;
        assert_eq!(apply_token_patch(Dialect::Tokenkit, TOKEN, env, &opts()).unwrap_err().code(), "invalid_patch");
    }

    #[test]
    fn check_without_token_names_the_operation() {
        let err =
            check_token_patch(Dialect::Tokenkit, r#"[{"op":"replace","path":"/name","value":"x"},{"op":"remove","path":"/version"}]"#)
                .unwrap_err();
        assert_eq!((err.code(), err.operation_index(), err.pointer()), ("patch_forbidden_path", Some(1), Some("/version")));
        assert!(err.to_string().contains("/version"));
    }
}
