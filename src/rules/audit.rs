//! The audit log's rules: which events exist, who may read which, and the query of
//! `GET /tk/v1/audit`.
//!
//! - Every mutation of every API writes one event ([`ACTIONS`]); the service stores it in the
//!   same D1 transaction as the mutation.
//! - Owners and admins read every event of their account; members the events about themselves:
//!   their own tokens', and their own membership's ([`audit_view`], [`may_read_event`]). An event's
//!   `subject` is the member it is about (a token's owner, or the member added, removed or
//!   changed; none for an account-wide event such as a policy change).
//! - The query ([`parse_audit_query`]): `target`, `actor`, `action`, `since`, `until`, `limit`,
//!   `cursor`; 400 `invalid_query` naming the parameter.
//! - A client's user agent is kept bounded ([`bound_user_agent`]).

use serde::Serialize;

use super::limits::{check_length, parse_integer, PAGE_DEFAULT};
use super::manage::Role;
use super::RuleError;
use crate::lifetime::parse_instant;

/// Every action the audit log records.
pub const ACTIONS: &[&str] = &[
    "token.created",
    "token.patched",
    "token.rotated",
    "token.disabled",
    "token.enabled",
    "token.revoked",
    "member.added",
    "member.removed",
    "member.role_changed",
    "account.created",
    "account.policy_changed",
];

/// The longest user agent kept, in characters.
pub const USER_AGENT_MAX: usize = 256;

/// Which events a caller reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditView {
    /// The caller's account: never another's.
    pub account: String,
    /// `None`: every event of the account (owners, admins); `Some(member)`: only the events whose
    /// subject is that member (members: their own tokens and membership).
    pub subject: Option<String>,
}

/// The events a caller with `role`, member `member` of `account`, may read.
pub fn audit_view(role: Role, account: &str, member: &str) -> AuditView {
    AuditView { account: account.to_string(), subject: if role.is_admin() { None } else { Some(member.to_string()) } }
}

/// May that caller read an event of `event_account` about `event_subject`?
pub fn may_read_event(role: Role, account: &str, member: &str, event_account: &str, event_subject: Option<&str>) -> bool {
    let view = audit_view(role, account, member);
    view.account == event_account && view.subject.as_deref().is_none_or(|s| event_subject == Some(s))
}

/// A checked audit query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditQuery {
    /// Page size (1–100, 20 by default).
    pub limit: u32,
    /// The cursor of the page before (an event sequence number the service returned).
    pub cursor: Option<u64>,
    /// Only events about this target (a token, member or account id).
    pub target: Option<String>,
    /// Only events by this actor (a token id or a member id).
    pub actor: Option<String>,
    /// Only this action (one of [`ACTIONS`]).
    pub action: Option<String>,
    /// Only events at or after this instant (epoch ms).
    pub since: Option<i64>,
    /// Only events before this instant (epoch ms, exclusive).
    pub until: Option<i64>,
}

const PARAMS: [&str; 7] = ["limit", "cursor", "target", "actor", "action", "since", "until"];

fn bad(field: &str, message: impl Into<String>) -> RuleError {
    RuleError::on(400, "invalid_query", field, message)
}

fn id_param(field: &str, v: Option<&str>) -> Result<Option<String>, RuleError> {
    match v {
        None | Some("") => Ok(None),
        Some(v) if v.chars().count() <= 300 => Ok(Some(v.to_string())),
        Some(_) => Err(bad(field, format!("{field} is longer than 300 characters"))),
    }
}

fn instant_param(field: &str, v: Option<&str>) -> Result<Option<i64>, RuleError> {
    match v {
        None | Some("") => Ok(None),
        Some(v) => {
            check_length("lifetime", v).map_err(|_| bad(field, format!("{field} is too long")))?;
            parse_instant(v).map(|t| Some(t.as_millisecond())).map_err(|_| bad(field, format!("{field} must be an RFC 3339 instant")))
        }
    }
}

/// Checks the (decoded) query `pairs` of `GET /tk/v1/audit`. The first value of a repeated
/// parameter counts. 400 `invalid_query` naming the parameter.
pub fn parse_audit_query(pairs: &[(String, String)]) -> Result<AuditQuery, RuleError> {
    for (k, _) in pairs {
        if !PARAMS.contains(&k.as_str()) {
            let short: String = k.chars().take(40).collect();
            return Err(bad(&short, format!("unknown query parameter {short}")));
        }
    }
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let cursor = match get("cursor") {
        None => None,
        Some(c) if (1..=15).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_digit()) => c.parse::<u64>().ok(),
        Some(_) => return Err(bad("cursor", "cursor is not one this API returned")),
    };
    let action = match get("action") {
        None | Some("") => None,
        Some(a) if ACTIONS.contains(&a) => Some(a.to_string()),
        Some(_) => return Err(bad("action", format!("action must be one of {}", ACTIONS.join(", ")))),
    };
    let since = instant_param("since", get("since"))?;
    let until = instant_param("until", get("until"))?;
    if let (Some(s), Some(u)) = (since, until) {
        if s >= u {
            return Err(bad("until", "until must be after since"));
        }
    }
    let limit = get("limit").map(|v| parse_integer("query.limit", v)).transpose()?.unwrap_or(PAGE_DEFAULT);
    Ok(AuditQuery { limit, cursor, target: id_param("target", get("target"))?, actor: id_param("actor", get("actor"))?, action, since, until })
}

/// A client's user agent as the audit log keeps it: control characters replaced by `?`, at most
/// [`USER_AGENT_MAX`] characters (cut on a character boundary).
pub fn bound_user_agent(ua: &str) -> String {
    ua.chars().take(USER_AGENT_MAX).map(|c| if c.is_control() { '?' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Result<AuditQuery, RuleError> {
        let v: Vec<(String, String)> = pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        parse_audit_query(&v)
    }

    #[test]
    fn visibility_table() {
        // (role, caller account, caller member, event account, event subject, may read)
        let cases: &[(Role, &str, &str, &str, Option<&str>, bool)] = &[
            (Role::Owner, "a", "m1", "a", Some("m2"), true),
            (Role::Admin, "a", "m1", "a", Some("m2"), true),
            (Role::Admin, "a", "m1", "a", None, true),
            (Role::Member, "a", "m1", "a", Some("m1"), true),
            (Role::Member, "a", "m1", "a", Some("m2"), false),
            (Role::Member, "a", "m1", "a", None, false),
            // never another account's, whatever the role
            (Role::Owner, "a", "m1", "b", Some("m1"), false),
            (Role::Member, "a", "m1", "b", Some("m1"), false),
        ];
        for (role, acc, member, ea, es, want) in cases {
            assert_eq!(may_read_event(*role, acc, member, ea, *es), *want, "{role:?} {acc} {member} {ea} {es:?}");
        }
        assert_eq!(audit_view(Role::Member, "a", "m1").subject.as_deref(), Some("m1"));
        assert_eq!(audit_view(Role::Admin, "a", "m1").subject, None);
    }

    #[test]
    fn query_table() {
        let d = q(&[]).unwrap();
        assert_eq!((d.limit, d.cursor, d.target, d.action), (PAGE_DEFAULT, None, None, None));
        let ok = q(&[("target", "t1"), ("actor", "m1"), ("action", "token.revoked"), ("since", "2026-01-01T00:00:00Z"), ("until", "2026-01-02T00:00:00Z"), ("limit", "5"), ("cursor", "42")]).unwrap();
        assert_eq!(ok.target.as_deref(), Some("t1"));
        assert_eq!(ok.actor.as_deref(), Some("m1"));
        assert_eq!(ok.since, Some(1_767_225_600_000));
        assert_eq!(ok.until, Some(1_767_312_000_000));
        assert_eq!((ok.limit, ok.cursor), (5, Some(42)));
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("bogus", "1")], "bogus"),
            (&[("action", "token.exploded")], "action"),
            (&[("since", "yesterday")], "since"),
            (&[("until", "2026-01-01")], "until"),
            (&[("since", "2026-01-02T00:00:00Z"), ("until", "2026-01-01T00:00:00Z")], "until"),
            (&[("cursor", "-1")], "cursor"),
            (&[("cursor", "1234567890123456")], "cursor"),
            (&[("limit", "0")], "limit"),
            (&[("limit", "101")], "limit"),
        ];
        for (pairs, field) in cases {
            let e = q(pairs).unwrap_err();
            assert_eq!((e.status, e.field.as_deref()), (400, Some(*field)), "{pairs:?} {e:?}");
        }
        assert_eq!(q(&[("target", &"x".repeat(301))]).unwrap_err().field.as_deref(), Some("target"));
    }

    #[test]
    fn user_agent_is_bounded() {
        assert_eq!(bound_user_agent("curl/8.0"), "curl/8.0");
        assert_eq!(bound_user_agent("a\nb\u{0}c"), "a?b?c");
        let long = "é".repeat(1000);
        assert_eq!(bound_user_agent(&long).chars().count(), USER_AGENT_MAX);
    }
}
