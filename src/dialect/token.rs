//! The common token model: a stored [`Token`] whatever dialect issued it, the [`TokenDraft`] a
//! validated create asks the store for, and the authenticated [`Caller`].

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{Dialect, DialectError, Failure};

/// A stored token, whatever dialect issued it (the common model).
///
/// Times are Unix epoch milliseconds (UTC). `id` is unique within `account`. Other fields
/// (the worker's `digest`, rotation state…) are ignored on input, so the store's token objects
/// can be passed as they are; secrets and digests never appear in any dialect's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    /// Public id (never the secret). Client-chosen for S2, 24 hex digits otherwise.
    pub id: String,
    /// The account (tenant) the token belongs to.
    pub account: String,
    /// The member who created the token.
    pub owner: String,
    /// Display name (S2 has none: its id doubles as the name).
    #[serde(default)]
    pub name: String,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Tagged scope JSON `{"language": …, …}`.
    pub scope: Value,
    /// Creation time.
    pub created_at: i64,
    /// Last modification time.
    pub updated_at: i64,
    /// Expiry, or `None` for a token that never expires.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// Last successful use, if recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<i64>,
    /// The last four characters of the current secret (for display; never more).
    #[serde(default)]
    pub hint: String,
    /// Dialect-specific fields that are not scope (LaunchDarkly `serviceToken`,
    /// `defaultApiVersion`; Space's `ttl` as issued).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub meta: Map<String, Value>,
    /// Version for optimistic concurrency.
    #[serde(default)]
    pub version: u64,
    /// The token's conditions of use (stored form, `crate::rules::conditions`), when the host
    /// gives them (compared by a reset: [`crate::rules::holds`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Value>,
}

impl Token {
    /// The scope's `language` tag, if any.
    pub fn language(&self) -> Option<&str> {
        self.scope.get("language").and_then(Value::as_str)
    }
}

/// Sorts a list page oldest first, ties by id: the order of the Akinon, LaunchDarkly and Space
/// lists. One named function, so the three lists share one instance of the sort.
pub(crate) fn sort_by_creation(tokens: &mut [&Token]) {
    crate::sort::sort_by(tokens, |a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
}

/// What a validated create/issue request asks the store to create.
///
/// The worker adds the secret (and its digest and hint), the id when `id` is `None`, the
/// account and owner from the caller, and the creation time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenDraft {
    /// The client-chosen id (S2), or `None` for a server-generated one.
    pub id: Option<String>,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Tagged scope JSON.
    pub scope: Value,
    /// Expiry in epoch ms, or `None` for never.
    pub expires_at: Option<i64>,
    /// Dialect-specific non-scope fields (see [`Token::meta`]).
    pub meta: Map<String, Value>,
}

/// The authenticated caller: the token that made the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Caller {
    /// The caller's account.
    pub account: String,
    /// The member the caller's token belongs to.
    pub owner: String,
    /// The caller token's id.
    #[serde(default)]
    pub token_id: String,
    /// The caller token's scope (tagged JSON).
    pub scope: Value,
    /// The caller token's expiry (epoch ms), `None` for never.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// The caller token's conditions of use (stored form, `crate::rules::conditions`), when the
    /// host gives them: a rotation or reset may not hand it a laxer token's secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Value>,
}

impl Caller {
    /// The caller's scope in `dialect`'s language: its own when it is written in it; for a
    /// **universal** caller ([`crate::scope::Scope::is_universal`]: the root token, an owner,
    /// `*:*`, unrestricted names, all of S2) written in another language, the dialect's
    /// universal scope ([`universal_scope`]), so the root token works with every vendor's client
    /// on first run; otherwise a vendor 403.
    pub(crate) fn scope_in(&self, dialect: Dialect) -> Result<Cow<'_, Map<String, Value>>, DialectError> {
        match self.scope.as_object() {
            Some(o) if o.get("language").and_then(Value::as_str) == Some(dialect.language()) => Ok(Cow::Borrowed(o)),
            _ if crate::scope::Scope::from_json(&self.scope).is_ok_and(|s| s.is_universal()) => match universal_scope(dialect) {
                Value::Object(o) => Ok(Cow::Owned(o)),
                _ => Err(not_in_language(dialect)),
            },
            _ => Err(not_in_language(dialect)),
        }
    }
}

fn not_in_language(dialect: Dialect) -> DialectError {
    DialectError::new(dialect, Failure::Forbidden, format!("the calling token's scope is not in the {} language", dialect.language()))
}

/// The scope in `dialect`'s language that allows every request of that language: S2's every
/// resource with every operation, Akinon's `*:*`, LaunchDarkly's `owner`, Space's unrestricted
/// names (tokenkit's own API has no language of its own: `null`).
pub fn universal_scope(dialect: Dialect) -> Value {
    let all = json!({ "prefix": "" });
    let rw = json!({ "read": true, "write": true });
    match dialect {
        Dialect::S2 => json!({
            "language": "s2", "basins": all, "streams": all, "access_tokens": all,
            "op_groups": { "account": rw, "basin": rw, "stream": rw }, "ops": crate::scope::s2::OPERATIONS,
        }),
        Dialect::Akinon => json!({ "language": "privileges", "privileges": ["*:*"] }),
        Dialect::LaunchDarkly => json!({ "language": "policy", "role": "owner" }),
        Dialect::Space => json!({ "language": "names", "scopes": null }),
        Dialect::Tokenkit => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::Scope;

    fn caller(scope: Value) -> Caller {
        Caller { account: "a".into(), owner: "o".into(), token_id: "t".into(), scope, expires_at: None, conditions: None }
    }

    #[test]
    fn universal_scopes_are_universal_in_their_language() {
        for d in crate::api::SEEDS {
            let s = Scope::from_json(&universal_scope(d)).unwrap();
            assert!(s.is_universal(), "{d:?}");
            assert_eq!(s.language().as_str(), d.language());
        }
    }

    #[test]
    fn a_universal_caller_speaks_every_dialect_and_no_other_caller_does() {
        let root = caller(json!({"language": "policy", "role": "owner"}));
        let star = caller(json!({"language": "privileges", "privileges": ["*:*"]}));
        let reader = caller(json!({"language": "policy", "role": "reader"}));
        let orders = caller(json!({"language": "privileges", "privileges": ["orders:*"]}));
        for d in crate::api::SEEDS {
            for c in [&root, &star] {
                let s = c.scope_in(d).unwrap();
                assert_eq!(s.get("language").and_then(Value::as_str), Some(d.language()), "{d:?}");
            }
            if d != Dialect::LaunchDarkly {
                assert_eq!(reader.scope_in(d).unwrap_err().failure, Failure::Forbidden, "{d:?}");
            } else {
                assert!(matches!(reader.scope_in(d).unwrap(), Cow::Borrowed(_)), "its own language: its own scope");
            }
            if d != Dialect::Akinon {
                assert_eq!(orders.scope_in(d).unwrap_err().failure, Failure::Forbidden, "{d:?}");
            }
        }
    }
}
