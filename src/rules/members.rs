//! Offboarding: changing a member's role, removing a member (whose tokens are all revoked in the
//! same transaction), and the filter of a bulk revocation.
//!
//! - Only an owner (or an admin of the root account) may change an owner's role, make an owner,
//!   or remove an owner ([`may_change_role`], [`may_remove_member`]); admins manage admins and
//!   members. An account always keeps an owner: the last one can be neither demoted nor removed
//!   (409 `last_owner`).
//! - A bulk revocation ([`parse_bulk_revoke`]) names at least one filter (an empty one would
//!   revoke everything); a member revokes only its own tokens, an owner or admin anyone's.

use serde::Serialize;
use serde_json::Value;

use super::limits::check_length;
use super::manage::Role;
use super::RuleError;
use crate::lifetime::parse_instant;

/// The most tokens one bulk revocation revokes (the service answers `more: true` past it).
pub const BULK_REVOKE_MAX: u32 = 500;

fn may_touch_owners(caller: Role, is_root: bool) -> bool {
    caller == Role::Owner || (is_root && caller.is_admin())
}

/// May the caller (an owner or admin of the account; `require_manage_members` first) give a
/// member whose role is `current` the role `new_role` (a name, checked here)? `owners` is the
/// account's number of owners now. Returns the new role.
pub fn may_change_role(caller: Role, is_root: bool, current: Role, new_role: &str, owners: u32) -> Result<Role, RuleError> {
    let r = Role::from_name(new_role).ok_or_else(|| RuleError::on(422, "invalid_field", "role", "role must be one of owner, admin, member"))?;
    if (r == Role::Owner || current == Role::Owner) && !may_touch_owners(caller, is_root) {
        return Err(RuleError::on(403, "forbidden", "role", "only an owner may make an owner or change an owner's role"));
    }
    if current == Role::Owner && r != Role::Owner && owners <= 1 {
        return Err(RuleError::new(409, "last_owner", "the account's last owner cannot be demoted; make another owner first"));
    }
    Ok(r)
}

/// May the caller remove a member whose role is `target` from an account with `owners` owners?
pub fn may_remove_member(caller: Role, is_root: bool, target: Role, owners: u32) -> Result<(), RuleError> {
    if target == Role::Owner && !may_touch_owners(caller, is_root) {
        return Err(RuleError::new(403, "forbidden", "only an owner may remove an owner"));
    }
    if target == Role::Owner && owners <= 1 {
        return Err(RuleError::new(409, "last_owner", "the account's last owner cannot be removed; make another owner first"));
    }
    Ok(())
}

/// A checked bulk revocation filter: the live tokens of the caller's account matching all of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkRevoke {
    /// Only this member's tokens (a member's own, always).
    pub owner: Option<String>,
    /// Only tokens whose name contains this (case-insensitive).
    pub name: Option<String>,
    /// Only tokens created before this instant (epoch ms, exclusive).
    pub created_before: Option<i64>,
    /// Only tokens not used since this instant (never used, or last used before it).
    pub not_used_since: Option<i64>,
}

const FIELDS: [&str; 4] = ["owner", "name", "createdBefore", "notUsedSince"];

fn text(body: &serde_json::Map<String, Value>, key: &str, max: usize) -> Result<Option<String>, RuleError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= max => Ok(Some(s.clone())),
        Some(_) => Err(RuleError::on(422, "invalid_field", key, format!("{key} must be a non-empty string of at most {max} characters"))),
    }
}

fn instant(body: &serde_json::Map<String, Value>, key: &str) -> Result<Option<i64>, RuleError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            check_length("lifetime", s).map_err(|_| RuleError::on(422, "invalid_field", key, format!("{key} is too long")))?;
            parse_instant(s).map(|t| Some(t.as_millisecond())).map_err(|_| RuleError::on(422, "invalid_field", key, format!("{key} must be an RFC 3339 instant")))
        }
        Some(_) => Err(RuleError::on(422, "invalid_field", key, format!("{key} must be an RFC 3339 instant"))),
    }
}

/// Checks the body of `POST /tk/v1/tokens/revoke` for a caller with `role`, member `member`:
/// `{owner?, name?, createdBefore?, notUsedSince?}`, at least one given (422 `invalid_field` on
/// `filter` otherwise). A member's filter is always its own tokens; naming another owner is 403
/// `forbidden` on `owner`.
pub fn parse_bulk_revoke(body: &Value, role: Role, member: &str) -> Result<BulkRevoke, RuleError> {
    let Value::Object(m) = body else {
        return Err(RuleError::new(400, "invalid_json", "request body must be a JSON object"));
    };
    if let Some(k) = m.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        let short: String = k.chars().take(60).collect();
        return Err(RuleError::on(422, "unknown_field", short.clone(), format!("unknown field {short}")));
    }
    let mut f = BulkRevoke { owner: text(m, "owner", 300)?, name: text(m, "name", 256)?, created_before: instant(m, "createdBefore")?, not_used_since: instant(m, "notUsedSince")? };
    if f.owner.is_none() && f.name.is_none() && f.created_before.is_none() && f.not_used_since.is_none() {
        return Err(RuleError::on(422, "invalid_field", "filter", "give at least one of owner, name, createdBefore, notUsedSince"));
    }
    if !role.is_admin() {
        match &f.owner {
            Some(o) if o != member => return Err(RuleError::on(403, "forbidden", "owner", "a member may only revoke its own tokens")),
            _ => f.owner = Some(member.to_string()),
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn role_changes() {
        use Role::*;
        // (caller, root, current, new, owners) -> Ok(role) or (status, code)
        let cases: &[(Role, bool, Role, &str, u32, Result<Role, (u16, &str)>)] = &[
            (Owner, false, Member, "admin", 1, Ok(Admin)),
            (Admin, false, Member, "admin", 1, Ok(Admin)),
            (Admin, false, Admin, "member", 1, Ok(Member)),
            (Admin, false, Member, "owner", 1, Err((403, "forbidden"))),
            (Admin, false, Owner, "member", 2, Err((403, "forbidden"))),
            (Admin, true, Owner, "member", 2, Ok(Member)),
            (Owner, false, Owner, "admin", 2, Ok(Admin)),
            (Owner, false, Owner, "admin", 1, Err((409, "last_owner"))),
            (Owner, false, Owner, "owner", 1, Ok(Owner)),
            (Owner, false, Member, "boss", 1, Err((422, "invalid_field"))),
        ];
        for (caller, root, current, new, owners, want) in cases {
            let got = may_change_role(*caller, *root, *current, new, *owners).map_err(|e| (e.status, e.code));
            assert_eq!(got, *want, "{caller:?} {root} {current:?} {new} {owners}");
        }
    }

    #[test]
    fn removals() {
        use Role::*;
        assert_eq!(may_remove_member(Admin, false, Member, 1), Ok(()));
        assert_eq!(may_remove_member(Admin, false, Admin, 1), Ok(()));
        assert_eq!(may_remove_member(Admin, false, Owner, 2).unwrap_err().code, "forbidden");
        assert_eq!(may_remove_member(Owner, false, Owner, 2), Ok(()));
        assert_eq!(may_remove_member(Owner, false, Owner, 1).unwrap_err().code, "last_owner");
        assert_eq!(may_remove_member(Admin, true, Owner, 2), Ok(()));
    }

    #[test]
    fn bulk_filters() {
        let f = parse_bulk_revoke(&json!({"name": "ci", "createdBefore": "2026-01-01T00:00:00Z"}), Role::Admin, "m1").unwrap();
        assert_eq!((f.owner, f.name.as_deref(), f.created_before), (None, Some("ci"), Some(1_767_225_600_000)));
        // a member's filter is its own tokens
        let f = parse_bulk_revoke(&json!({"name": "ci"}), Role::Member, "m1").unwrap();
        assert_eq!(f.owner.as_deref(), Some("m1"));
        let f = parse_bulk_revoke(&json!({"owner": "m1"}), Role::Member, "m1").unwrap();
        assert_eq!(f.owner.as_deref(), Some("m1"));
        let cases: &[(Value, Role, u16, &str, &str)] = &[
            (json!({}), Role::Admin, 422, "invalid_field", "filter"),
            (json!({"owner": null, "name": null}), Role::Owner, 422, "invalid_field", "filter"),
            (json!({"owner": "m2"}), Role::Member, 403, "forbidden", "owner"),
            (json!({"everything": true}), Role::Owner, 422, "unknown_field", "everything"),
            (json!({"name": ""}), Role::Owner, 422, "invalid_field", "name"),
            (json!({"notUsedSince": "last week"}), Role::Owner, 422, "invalid_field", "notUsedSince"),
            (json!({"createdBefore": 5}), Role::Owner, 422, "invalid_field", "createdBefore"),
        ];
        for (body, role, status, code, field) in cases {
            let e = parse_bulk_revoke(body, *role, "m1").unwrap_err();
            assert_eq!((e.status, e.code, e.field.as_deref()), (*status, *code, Some(*field)), "{body}");
        }
        assert_eq!(parse_bulk_revoke(&json!([1]), Role::Owner, "m1").unwrap_err().code, "invalid_json");
    }
}
