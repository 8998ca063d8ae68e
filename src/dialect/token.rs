//! The common token model: a stored [`Token`] whatever dialect issued it, the [`TokenDraft`] a
//! validated create asks the store for, and the authenticated [`Caller`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
    /// The caller's scope, if it is in `dialect`'s language; otherwise a vendor 403.
    pub(crate) fn scope_in(&self, dialect: Dialect) -> Result<&Map<String, Value>, DialectError> {
        match self.scope.as_object() {
            Some(o) if o.get("language").and_then(Value::as_str) == Some(dialect.language()) => Ok(o),
            _ => Err(DialectError::new(
                dialect,
                Failure::Forbidden,
                format!("the calling token's scope is not in the {} language", dialect.language()),
            )),
        }
    }
}
