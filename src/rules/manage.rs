//! Who may manage which token.
//!
//! Two rules decide it, and both must allow:
//! - the calling token's **scope** must allow the management request ([`management_request`]:
//!   what listing, creating, updating, rotating or revoking a token means in each scope
//!   language), decided by the scope engine ([`may_manage`]);
//! - the calling **member's role**: owners and admins act on every member's tokens of their
//!   account, members on their own ([`may_act_on`]); accounts are created by the root account's
//!   owners and admins, members by an account's owners and admins ([`may_add_member`]).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::RuleError;
use crate::scope::{Compiled, Decision, Language, Request, Scope};

/// What a management request does to a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verb {
    /// List or read tokens.
    Read,
    /// Issue a token.
    Create,
    /// Change a token's name, description, scope or expiry.
    Update,
    /// Replace a token's secret (rotate, reset).
    Rotate,
    /// Revoke a token.
    Delete,
}

impl Verb {
    /// Parses `read`, `create`, `update`, `rotate` or `delete`.
    pub fn from_name(name: &str) -> Option<Verb> {
        Some(match name {
            "read" => Verb::Read,
            "create" => Verb::Create,
            "update" => Verb::Update,
            "rotate" => Verb::Rotate,
            "delete" => Verb::Delete,
            _ => return None,
        })
    }

    /// The policy language's action for this verb (LaunchDarkly's token actions).
    fn policy_action(self) -> &'static str {
        match self {
            Verb::Read => "viewAccessToken",
            Verb::Create => "createAccessToken",
            Verb::Update => "updateAccessToken",
            Verb::Rotate => "resetAccessToken",
            Verb::Delete => "deleteAccessToken",
        }
    }
}

/// The token a management request is about: its id and its owner (member id). `*` stands for
/// any (a list, or a token not created yet whose id is not known).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The token's id, or `*`.
    pub id: String,
    /// The owning member's id, or `*`.
    pub owner: String,
}

/// A stand-in for the id the service will give a new token (24 hex digits, like its ids), for
/// a page that asks before it creates.
pub const NEW_ID: &str = "000000000000000000000000";

/// `:` separates a policy resource's segments, so an id or owner that contains one (S2 ids are
/// the client's) must not add a segment that a deny on `member/*:token/*` would no longer
/// match: `%` becomes `%25` and `:` becomes `%3A`.
pub fn escape_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            c => out.push(c),
        }
    }
    out
}

/// The request that `verb` on `target` means in `language` (docs/service.md):
/// - S2: `list-access-tokens` to read; `revoke-access-token` to delete; `issue-access-token`
///   (with the token id) to create, update and rotate;
/// - policy: `<verb>AccessToken` on `member/<owner>:token/<id>` (segments escaped);
/// - privileges and names: `tokens:read` to read, `tokens:write` for the rest.
pub fn management_request(language: Language, verb: Verb, target: &Target) -> Request {
    match language {
        Language::S2 => match verb {
            Verb::Read => Request::action("list-access-tokens"),
            Verb::Delete => Request { action: "revoke-access-token".into(), access_token: Some(target.id.clone()), ..Request::default() },
            _ => Request { action: "issue-access-token".into(), access_token: Some(target.id.clone()), ..Request::default() },
        },
        Language::Policy => {
            Request::on(verb.policy_action(), format!("member/{}:token/{}", escape_segment(&target.owner), escape_segment(&target.id)))
        }
        Language::Privileges | Language::Names => Request::action(if verb == Verb::Read { "tokens:read" } else { "tokens:write" }),
    }
}

/// Does `scope` allow `verb` on `target`? The scope engine's decision, with its reason and rule.
pub fn may_manage(scope: &Scope, verb: Verb, target: &Target) -> Decision {
    may_manage_compiled(scope.language(), &scope.compile(), verb, target)
}

/// [`may_manage`] on a scope already compiled (a host that checks one token's scope per request
/// keeps it compiled); `language` is the scope's.
pub fn may_manage_compiled(language: Language, compiled: &Compiled, verb: Verb, target: &Target) -> Decision {
    let req = management_request(language, verb, target);
    match compiled.check(&req) {
        Ok(d) => d,
        Err(e) => Decision { allowed: false, reason: e.to_string(), rule: None },
    }
}

/// [`may_manage`], as the service answers it: 403 `insufficient_scope` when not allowed.
pub fn require_manage(scope: &Scope, verb: Verb, target: &Target) -> Result<(), RuleError> {
    require_manage_compiled(scope.language(), &scope.compile(), verb, target)
}

/// [`require_manage`] on a scope already compiled; `language` is the scope's.
pub fn require_manage_compiled(language: Language, compiled: &Compiled, verb: Verb, target: &Target) -> Result<(), RuleError> {
    let d = may_manage_compiled(language, compiled, verb, target);
    if d.allowed {
        Ok(())
    } else {
        Err(RuleError::new(403, "insufficient_scope", format!("the token's scope does not allow this: {}", d.reason)))
    }
}

/// A member's role in its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Owns the account: everything, including adding owners.
    Owner,
    /// Manages members and every member's tokens.
    Admin,
    /// Manages its own tokens.
    Member,
}

impl Role {
    /// Parses `owner`, `admin` or `member`.
    pub fn from_name(name: &str) -> Option<Role> {
        Some(match name {
            "owner" => Role::Owner,
            "admin" => Role::Admin,
            "member" => Role::Member,
            _ => return None,
        })
    }

    /// Owners and admins administer the account.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

/// May a member with `role` (member id `caller_owner`) act on a token owned by `token_owner`?
/// Owners and admins act on every member's tokens; members on their own.
pub fn may_act_on(role: Role, caller_owner: &str, token_owner: &str) -> bool {
    role.is_admin() || caller_owner == token_owner
}

/// May a member with `role` list every member's tokens (`all=true`)? 403 `forbidden` if not.
pub fn require_list_all(role: Role) -> Result<(), RuleError> {
    if role.is_admin() {
        Ok(())
    } else {
        Err(RuleError::on(403, "forbidden", "all", "only admins may list every member's tokens"))
    }
}

/// May the caller create accounts? Only the root account's owners and admins.
pub fn require_create_account(role: Role, is_root: bool) -> Result<(), RuleError> {
    if is_root && role.is_admin() {
        Ok(())
    } else {
        Err(RuleError::new(403, "forbidden", "only the root account's owners and admins may create accounts"))
    }
}

/// May the caller (role `role`, of the root account or not) manage the members of an account
/// (`own`: its own)? 404 `not_found` for an account it may not see (never 403: accounts of
/// others are not disclosed), 403 `forbidden` for a non-admin of its own.
pub fn require_manage_members(role: Role, is_root: bool, own: bool) -> Result<(), RuleError> {
    if !(own || (is_root && role.is_admin())) {
        return Err(RuleError::new(404, "not_found", "no such account"));
    }
    if !role.is_admin() {
        return Err(RuleError::new(403, "forbidden", "only the account's owners and admins may manage members"));
    }
    Ok(())
}

/// May the caller add a member with role `new_role` (a name, checked here)? Only an owner, or a
/// root admin, may add an owner. Returns the role.
pub fn may_add_member(role: Role, is_root: bool, new_role: &str) -> Result<Role, RuleError> {
    let r = Role::from_name(new_role).ok_or_else(|| RuleError::on(422, "invalid_field", "role", "role must be one of owner, admin, member"))?;
    if r == Role::Owner && !(role == Role::Owner || (is_root && role.is_admin())) {
        return Err(RuleError::on(403, "forbidden", "role", "only an owner may add an owner"));
    }
    Ok(r)
}

/// The scope of a new member's first token when the request gives none: the policy role of the
/// same name (a member's is `writer`).
pub fn first_token_scope(role: Role) -> Value {
    let policy_role = match role {
        Role::Owner => "owner",
        Role::Admin => "admin",
        Role::Member => "writer",
    };
    json!({ "language": "policy", "role": policy_role })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(id: &str, owner: &str) -> Target {
        Target { id: id.into(), owner: owner.into() }
    }

    fn scope(v: Value) -> Scope {
        Scope::from_json(&v).unwrap()
    }

    #[test]
    fn requests_per_language() {
        let target = t("tok:1%", "m:a");
        let r = management_request(Language::Policy, Verb::Rotate, &target);
        assert_eq!((r.action.as_str(), r.resource.as_deref()), ("resetAccessToken", Some("member/m%3Aa:token/tok%3A1%25")));
        let cases: &[(Language, Verb, &str, Option<&str>)] = &[
            (Language::S2, Verb::Read, "list-access-tokens", None),
            (Language::S2, Verb::Create, "issue-access-token", Some("tok:1%")),
            (Language::S2, Verb::Update, "issue-access-token", Some("tok:1%")),
            (Language::S2, Verb::Rotate, "issue-access-token", Some("tok:1%")),
            (Language::S2, Verb::Delete, "revoke-access-token", Some("tok:1%")),
            (Language::Privileges, Verb::Read, "tokens:read", None),
            (Language::Privileges, Verb::Delete, "tokens:write", None),
            (Language::Names, Verb::Read, "tokens:read", None),
            (Language::Names, Verb::Create, "tokens:write", None),
        ];
        for (lang, verb, action, token) in cases {
            let r = management_request(*lang, *verb, &target);
            assert_eq!((r.action.as_str(), r.access_token.as_deref(), r.resource.as_deref()), (*action, *token, None), "{lang:?} {verb:?}");
        }
        for (v, a) in [(Verb::Read, "viewAccessToken"), (Verb::Create, "createAccessToken"), (Verb::Update, "updateAccessToken"), (Verb::Delete, "deleteAccessToken")] {
            assert_eq!(management_request(Language::Policy, v, &t("x", "y")).action, a);
        }
    }

    #[test]
    fn escaping_keeps_a_deny_on_every_token() {
        // A deny on member/*:token/* must still match an id with a ':' in it (the S2 id case).
        let s = scope(json!({"language": "policy", "role": "owner", "inlineRole": [
            {"effect": "allow", "actions": ["*"], "resources": ["*"]},
            {"effect": "deny", "actions": ["deleteAccessToken"], "resources": ["member/*:token/*"]}
        ]}));
        for id in ["plain", "a:b", "a%3Ab", "%", "::"] {
            assert!(!may_manage(&s, Verb::Delete, &t(id, "m1")).allowed, "{id}");
            assert!(may_manage(&s, Verb::Read, &t(id, "m1")).allowed, "{id}");
        }
        assert_eq!(escape_segment("a%3A:"), "a%253A%3A");
    }

    #[test]
    fn decisions_and_refusals() {
        let reader = scope(json!({"language": "policy", "role": "reader"}));
        assert!(may_manage(&reader, Verb::Read, &t("*", "m")).allowed);
        let e = require_manage(&reader, Verb::Delete, &t("x", "m")).unwrap_err();
        assert_eq!((e.status, e.code), (403, "insufficient_scope"));
        let p = scope(json!({"language": "privileges", "privileges": ["tokens:read"]}));
        assert!(require_manage(&p, Verb::Read, &t("*", "*")).is_ok());
        assert!(require_manage(&p, Verb::Create, &t("*", "*")).is_err());
        let s2 = scope(json!({"language": "s2", "access_tokens": {"prefix": "ci-"}, "ops": ["issue-access-token", "list-access-tokens"]}));
        assert!(may_manage(&s2, Verb::Rotate, &t("ci-1", "m")).allowed);
        assert!(!may_manage(&s2, Verb::Rotate, &t("prod-1", "m")).allowed);
        assert!(!may_manage(&s2, Verb::Delete, &t("ci-1", "m")).allowed);
    }

    #[test]
    fn roles() {
        assert!(may_act_on(Role::Admin, "a", "b") && may_act_on(Role::Owner, "a", "b") && may_act_on(Role::Member, "a", "a"));
        assert!(!may_act_on(Role::Member, "a", "b"));
        assert!(require_list_all(Role::Member).is_err() && require_list_all(Role::Admin).is_ok());
        assert!(require_create_account(Role::Owner, true).is_ok());
        assert_eq!(require_create_account(Role::Owner, false).unwrap_err().code, "forbidden");
        assert_eq!(require_create_account(Role::Member, true).unwrap_err().code, "forbidden");
        assert_eq!(require_manage_members(Role::Owner, false, false).unwrap_err().status, 404);
        assert_eq!(require_manage_members(Role::Member, false, true).unwrap_err().status, 403);
        assert!(require_manage_members(Role::Admin, true, false).is_ok());
        assert_eq!(may_add_member(Role::Admin, false, "member"), Ok(Role::Member));
        assert_eq!(may_add_member(Role::Admin, false, "owner").unwrap_err().code, "forbidden");
        assert_eq!(may_add_member(Role::Admin, true, "owner"), Ok(Role::Owner));
        assert_eq!(may_add_member(Role::Owner, false, "owner"), Ok(Role::Owner));
        assert_eq!(may_add_member(Role::Owner, false, "boss").unwrap_err().field.as_deref(), Some("role"));
        assert_eq!(first_token_scope(Role::Member), json!({"language": "policy", "role": "writer"}));
    }
}
