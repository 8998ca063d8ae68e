//! The four seed APIs' wire shapes and their mapping to one common token model.
//!
//! Each seed product (S2, Akinon AppMaker, LaunchDarkly, Space Invoices) documents its own
//! access-token API: routes, auth header, field names and casing, status codes, error bodies,
//! pagination. Each submodule implements one of them as pure functions:
//!
//! - *parse* a request (body text, query string, path segment) into a validated [`TokenDraft`]
//!   or a [`DialectError`] that already knows the vendor's status and error body;
//! - *render* a stored [`Token`] (the common model) in the vendor's response shape.
//!
//! The worker owns HTTP, storage, time and randomness; it calls these functions and never
//! builds a vendor body by hand. Decisions on every point the vendors leave open are in
//! `docs/dialects.md`, each pinned by a test.
//!
//! # The common model
//!
//! A [`Token`] is what the store keeps for every token, whatever dialect issued it. Its
//! `scope` is tagged JSON `{"language": …, …}`; each dialect owns one language:
//!
//! | dialect | language | scope JSON |
//! |---|---|---|
//! | S2 | `s2` | `{basins, streams, access_tokens, op_groups, ops, auto_prefix_streams}` (normalised) |
//! | Akinon | `privileges` | `{privileges: ["<domain>:<action>", …]}` |
//! | LaunchDarkly | `policy` | `{role, customRoleIds, inlineRole}` |
//! | Space | `names` | `{scopes: [..] \| null}` (`null` = LoopBack's default, full access) |
//!
//! A dialect lists only tokens whose scope is in its own language (a token in another
//! language cannot be expressed in that vendor's shape); tokenkit's own API lists them all.

use core::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub mod akinon;
pub mod launchdarkly;
pub mod s2;
pub mod space;

/// The API a request or error speaks: one of the four seed APIs here (tokenkit's own API is
/// [`Dialect::Tokenkit`]). The one enum of [`crate::api`].
pub use crate::api::Dialect;

/// What went wrong, independent of how a vendor spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The body is not JSON, or does not have the vendor's shape (wrong type, unknown field,
    /// a value its wire type rejects).
    MalformedBody,
    /// A query parameter does not parse.
    MalformedQuery,
    /// A path parameter does not parse.
    MalformedPath,
    /// The request parses but a value is not acceptable.
    Invalid,
    /// A JSON Patch parses but cannot be applied (forbidden path, failed `test`, bad result).
    InvalidPatch,
    /// No credential, or one that is not valid.
    Unauthenticated,
    /// The caller's token may not do this.
    Forbidden,
    /// The addressed token does not exist (or is not the caller's to see).
    NotFound,
    /// A token with the requested id already exists.
    AlreadyExists,
    /// The stored token changed under the request (optimistic concurrency).
    Conflict,
}

impl Failure {
    /// The stable tokenkit code of this failure (the `code` of [`crate::Error`]).
    pub fn code(self) -> &'static str {
        match self {
            Failure::MalformedBody => "malformed_body",
            Failure::MalformedQuery => "malformed_query",
            Failure::MalformedPath => "malformed_path",
            Failure::Invalid => "invalid_request",
            Failure::InvalidPatch => "invalid_patch",
            Failure::Unauthenticated => "unauthenticated",
            Failure::Forbidden => "forbidden",
            Failure::NotFound => "not_found",
            Failure::AlreadyExists => "already_exists",
            Failure::Conflict => "conflict",
        }
    }

    /// Parses [`Failure::code`] back (for the worker, which raises store-level failures).
    pub fn from_code(code: &str) -> Option<Failure> {
        ALL_FAILURES.iter().copied().find(|f| f.code() == code)
    }
}

const ALL_FAILURES: [Failure; 10] = [
    Failure::MalformedBody,
    Failure::MalformedQuery,
    Failure::MalformedPath,
    Failure::Invalid,
    Failure::InvalidPatch,
    Failure::Unauthenticated,
    Failure::Forbidden,
    Failure::NotFound,
    Failure::AlreadyExists,
    Failure::Conflict,
];

/// A request in one of the seed dialects failed. Knows its vendor status and error body.
///
/// `failure` says what went wrong in tokenkit's terms; [`DialectError::status`],
/// [`DialectError::vendor_code`] and [`DialectError::body`] say it in the vendor's.
#[derive(Debug, Clone, PartialEq)]
pub struct DialectError {
    /// The dialect whose conventions render this error.
    pub dialect: Dialect,
    /// What went wrong.
    pub failure: Failure,
    /// The request field at fault, when there is one (a JSON field name, query parameter or
    /// path parameter; nested fields as `inlineRole[0].effect`).
    pub field: Option<String>,
    /// Human-readable message, as the vendor's body carries it.
    pub message: String,
    /// Further invalid fields (Akinon's `validationError` names each bad field).
    pub more: Vec<(String, String)>,
}

impl DialectError {
    /// Builds an error with no field.
    #[cold]
    pub fn new(dialect: Dialect, failure: Failure, message: impl Into<String>) -> DialectError {
        DialectError { dialect, failure, field: None, message: message.into(), more: Vec::new() }
    }

    /// Builds an error about one field.
    #[cold]
    pub fn field(dialect: Dialect, failure: Failure, field: impl Into<String>, message: impl Into<String>) -> DialectError {
        DialectError { dialect, failure, field: Some(field.into()), message: message.into(), more: Vec::new() }
    }

    /// The stable tokenkit code (see [`Failure::code`]).
    pub fn code(&self) -> &'static str {
        self.failure.code()
    }

    /// The HTTP status the vendor answers with.
    pub fn status(&self) -> u16 {
        match self.dialect {
            Dialect::Tokenkit => tokenkit_status(self.failure),
            Dialect::S2 => s2::status_of(self.failure),
            Dialect::Akinon => akinon::status_of(self.failure),
            Dialect::LaunchDarkly => launchdarkly::status_of(self.failure),
            Dialect::Space => space::status_of(self.failure),
        }
    }

    /// The vendor's own error code, where its body has one (Akinon's has none: `None`).
    pub fn vendor_code(&self) -> Option<&'static str> {
        match self.dialect {
            Dialect::Tokenkit => None,
            Dialect::S2 => Some(s2::code_of(self.failure)),
            Dialect::Akinon => None,
            Dialect::LaunchDarkly => Some(launchdarkly::code_of(self.failure)),
            Dialect::Space => Some(space::code_of(self.failure)),
        }
    }

    /// The vendor's error body, as JSON.
    pub fn body(&self) -> Value {
        match self.dialect {
            Dialect::Tokenkit => tokenkit_error_body(self),
            Dialect::S2 => s2::error_body(self),
            Dialect::Akinon => akinon::error_body(self),
            Dialect::LaunchDarkly => launchdarkly::error_body(self),
            Dialect::Space => space::error_body(self),
        }
    }

    /// Every `(field, message)` pair this error names: the main one first, then [`Self::more`].
    pub fn fields(&self) -> Vec<(String, String)> {
        let mut out = Vec::with_capacity(1 + self.more.len());
        if let Some(f) = &self.field {
            out.push((f.clone(), self.message.clone()));
        }
        out.extend(self.more.iter().cloned());
        out
    }
}

/// The status tokenkit's own API answers a failure with (`worker/src/http.js`, `routes/`).
fn tokenkit_status(f: Failure) -> u16 {
    match f {
        Failure::MalformedBody | Failure::MalformedQuery | Failure::MalformedPath => 400,
        Failure::Invalid | Failure::InvalidPatch => 422,
        Failure::Unauthenticated => 401,
        Failure::Forbidden => 403,
        Failure::NotFound => 404,
        Failure::AlreadyExists => 409,
        Failure::Conflict => 412,
    }
}

/// tokenkit's own error body: `{error: {code, message, field?}}` (`worker/src/http.js`).
fn tokenkit_error_body(e: &DialectError) -> Value {
    let mut error = Map::new();
    error.insert("code".into(), Value::String(e.code().into()));
    error.insert("message".into(), Value::String(e.message.clone()));
    if let Some(field) = &e.field {
        error.insert("field".into(), Value::String(field.clone()));
    }
    let mut body = Map::new();
    body.insert("error".into(), Value::Object(error));
    Value::Object(body)
}

impl fmt::Display for DialectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let msg = self.message.trim_end_matches('.');
        // The messages are tokenkit's own English text: the first letter is ASCII, and an ASCII
        // lowering keeps Unicode's case tables (~12 KiB) out of the wasm.
        let first_lower: String = {
            let mut c = msg.chars();
            match c.next() {
                Some(h) => core::iter::once(h.to_ascii_lowercase()).chain(c).collect(),
                None => String::new(),
            }
        };
        match &self.field {
            Some(field) => write!(f, "{} request rejected ({}): {field}: {first_lower}", self.dialect.name(), self.code()),
            None => write!(f, "{} request rejected ({}): {first_lower}", self.dialect.name(), self.code()),
        }
    }
}

impl std::error::Error for DialectError {}

/// A vendor response: the status and the JSON body (`None` for an empty body, e.g. 204).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// JSON body, or `None` for no body.
    pub body: Option<Value>,
}

impl Response {
    /// A response with a JSON body.
    pub fn json(status: u16, body: Value) -> Response {
        Response { status, body: Some(body) }
    }
    /// A response with no body.
    pub fn empty(status: u16) -> Response {
        Response { status, body: None }
    }
}

impl From<&DialectError> for Response {
    fn from(e: &DialectError) -> Response {
        Response::json(e.status(), e.body())
    }
}

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

/// Attenuation through the scope engine ([`crate::scope::covers_explain`]): may the caller
/// issue (or keep, after a patch) a token with scope `child`? `Err(reason)` when not, or when
/// either scope is not valid in its language.
pub(crate) fn issuer_covers(caller: &Caller, child: &Value) -> Result<(), String> {
    use crate::scope::{covers_explain, Scope};
    let parent = Scope::from_json(&caller.scope).map_err(|e| format!("the calling token's scope is not valid: {e}"))?;
    let child = Scope::from_json(child).map_err(|e| format!("the requested scope is not valid: {e}"))?;
    covers_explain(&parent, &child)
}

/// May the caller be handed a new secret for `t` (a rotation; LaunchDarkly's reset)? The secret
/// carries `t`'s scope and expiry, so the caller must be able to issue `t` itself: its scope
/// covers `t`'s, and `t` does not outlive it. A token may always rotate itself. `Err(reason)`
/// otherwise, or when either scope is not valid in its language.
pub(crate) fn issuer_holds(caller: &Caller, t: &Token) -> Result<(), String> {
    if t.account == caller.account && t.id == caller.token_id {
        return Ok(());
    }
    issuer_covers(caller, &t.scope)?;
    match (t.expires_at, caller.expires_at) {
        (_, None) => Ok(()),
        (Some(t), Some(c)) if t <= c => Ok(()),
        _ => Err("the token outlives the calling token".into()),
    }
}

/// Where a request's credential may come from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    /// The `Authorization` header.
    #[serde(default)]
    pub authorization: Option<String>,
    /// The `x-access-token` header.
    #[serde(default)]
    pub x_access_token: Option<String>,
    /// The `access_token` query parameter.
    #[serde(default)]
    pub access_token_query: Option<String>,
}

/// Extracts the secret the way `dialect` documents it, or the vendor's 401.
///
/// - S2: `Authorization: Bearer <token>` only.
/// - Akinon: `Authorization: Bearer <token>` or `x-access-token: <token>`.
/// - LaunchDarkly: `Authorization: <token>` (raw, no scheme).
/// - Space: `Authorization: <token>` raw, or `?access_token=`; like LoopBack, also
///   `Bearer <token>` and `X-Access-Token`.
/// - tokenkit's own API: `Authorization: Bearer <token>` or `Authorization: <token>`, else
///   `x-access-token: <token>` (the worker's `presented`).
pub fn credential(dialect: Dialect, c: &Credentials) -> Result<String, DialectError> {
    let auth = c.authorization.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let bearer = auth.and_then(|a| {
        let (scheme, rest) = a.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    });
    let xat = c.x_access_token.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let found = match dialect {
        Dialect::Tokenkit => auth.map(|a| bearer.unwrap_or(a)).or(xat),
        Dialect::S2 => bearer,
        Dialect::Akinon => bearer.or(xat),
        Dialect::LaunchDarkly => auth.filter(|a| !a.contains(' ')),
        Dialect::Space => bearer
            .or(auth.filter(|a| !a.contains(' ')))
            .or(xat)
            .or(c.access_token_query.as_deref().filter(|s| !s.is_empty())),
    };
    match found {
        Some(s) if !s.is_empty() => Ok(s.to_string()),
        _ => Err(unauthenticated(dialect)),
    }
}

/// The vendor's 401 for a missing or unusable credential.
#[cold]
pub fn unauthenticated(dialect: Dialect) -> DialectError {
    let msg = match dialect {
        Dialect::Tokenkit | Dialect::S2 => "missing or invalid access token",
        Dialect::Akinon => "Unauthorized",
        Dialect::LaunchDarkly => "Invalid access token",
        Dialect::Space => "Authorization Required",
    };
    DialectError::new(dialect, Failure::Unauthenticated, msg)
}

// ---- small shared helpers ------------------------------------------------------------------

/// Formats epoch ms as RFC 3339 UTC with exactly three fractional digits, as JavaScript's
/// `Date.prototype.toISOString` does (Akinon, Space: Mongoose / LoopBack dates).
pub(crate) fn iso_ms(ms: i64) -> String {
    match crate::time::Timestamp::from_millisecond(ms) {
        Ok(ts) => format!("{ts:.3}"),
        Err(_) => String::new(),
    }
}

/// Formats epoch ms as RFC 3339 UTC with only as many fractional digits as needed (S2).
pub(crate) fn rfc3339(ms: i64) -> String {
    match crate::time::Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.to_string(),
        Err(_) => String::new(),
    }
}

/// Decodes an `application/x-www-form-urlencoded` query string into ordered pairs.
/// A leading `?` is ignored. Invalid percent-escapes are an error naming the parameter.
pub(crate) fn parse_query(q: &str) -> Result<Vec<(String, String)>, String> {
    let q = q.strip_prefix('?').unwrap_or(q);
    let mut out = Vec::new();
    for part in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let k = percent_decode(k, true).ok_or_else(|| k.to_string())?;
        let v = percent_decode(v, true).ok_or_else(|| k.clone())?;
        out.push((k, v));
    }
    Ok(out)
}

/// Percent-decodes `s` (and `+` as space when `plus` is set). `None` for a bad escape or
/// bytes that are not UTF-8.
pub(crate) fn percent_decode(s: &str, plus: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'%' => {
                let h = hex(*b.get(i + 1)?)?;
                let l = hex(*b.get(i + 2)?)?;
                out.push(h * 16 + l);
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// True for a 24-digit hexadecimal id (Mongo ObjectId, as Akinon and LaunchDarkly use).
pub fn is_object_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parses JSON body text, mapping a syntax error to the dialect's malformed-body error.
pub(crate) fn parse_body(dialect: Dialect, text: &str) -> Result<Value, DialectError> {
    serde_json::from_str::<Value>(text).map_err(|e| DialectError::new(dialect, Failure::MalformedBody, body_message(dialect, &e)))
}

fn body_message(dialect: Dialect, e: &serde_json::Error) -> String {
    match dialect {
        Dialect::S2 => format!("invalid JSON body: {e}"),
        _ => format!("Invalid JSON body: {e}"),
    }
}

/// The JSON type name of `v`, for messages.
/// Why a display string (a token's name or description) is refused, if it is: control
/// characters (C0, DEL, C1) never reach the store or a page, and `max` bounds its length in
/// characters. The same rule as tokenkit's own API (`worker/src/http.js`).
pub(crate) fn display_text_problem(s: &str, max: usize) -> Option<String> {
    if s.chars().any(char::is_control) {
        return Some("must not contain control characters".into());
    }
    if s.chars().count() > max {
        return Some(format!("must be at most {max} characters long"));
    }
    None
}

pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_styles_per_dialect() {
        let c = |a: Option<&str>, x: Option<&str>, q: Option<&str>| Credentials {
            authorization: a.map(str::to_string),
            x_access_token: x.map(str::to_string),
            access_token_query: q.map(str::to_string),
        };
        let cases: &[(Dialect, Credentials, Option<&str>)] = &[
            (Dialect::S2, c(Some("Bearer tok123"), None, None), Some("tok123")),
            (Dialect::S2, c(Some("bearer tok123"), None, None), Some("tok123")),
            (Dialect::S2, c(Some("tok123"), None, None), None),
            (Dialect::S2, c(None, Some("tok123"), None), None),
            (Dialect::Akinon, c(Some("Bearer t"), None, None), Some("t")),
            (Dialect::Akinon, c(None, Some("t"), None), Some("t")),
            (Dialect::Akinon, c(Some("t"), None, None), None),
            (Dialect::LaunchDarkly, c(Some("api-key-xyz"), None, None), Some("api-key-xyz")),
            (Dialect::LaunchDarkly, c(Some("Bearer api-key-xyz"), None, None), None),
            (Dialect::LaunchDarkly, c(None, None, None), None),
            (Dialect::Space, c(Some("code"), None, None), Some("code")),
            (Dialect::Space, c(Some("Bearer code"), None, None), Some("code")),
            (Dialect::Space, c(None, None, Some("code")), Some("code")),
            (Dialect::Space, c(None, Some("code"), None), Some("code")),
            (Dialect::Space, c(Some(""), None, None), None),
        ];
        for (d, creds, want) in cases {
            let got = credential(*d, creds);
            match want {
                Some(w) => assert_eq!(got.as_deref(), Ok(*w), "{d:?} {creds:?}"),
                None => {
                    let e = got.expect_err("must fail");
                    assert_eq!(e.status(), 401, "{d:?}");
                    assert_eq!(e.failure, Failure::Unauthenticated);
                }
            }
        }
    }

    #[test]
    fn unauthenticated_bodies() {
        use serde_json::json;
        assert_eq!(unauthenticated(Dialect::S2).body(), json!({"code":"authn","message":"missing or invalid access token"}));
        assert_eq!(unauthenticated(Dialect::Akinon).body(), json!({"apiError":["Unauthorized"]}));
        assert_eq!(unauthenticated(Dialect::LaunchDarkly).body(), json!({"code":"unauthorized","message":"Invalid access token"}));
        assert_eq!(
            unauthenticated(Dialect::Space).body(),
            json!({"error":{"statusCode":401,"name":"Error","message":"Authorization Required","code":"AUTHORIZATION_REQUIRED"}})
        );
    }

    #[test]
    fn query_and_percent_decoding() {
        assert_eq!(
            parse_query("?prefix=user-&start_after=user-0&limit=10").unwrap(),
            vec![("prefix".into(), "user-".into()), ("start_after".into(), "user-0".into()), ("limit".into(), "10".into())]
        );
        assert_eq!(percent_decode("user%2F1234%20rw", false).as_deref(), Some("user/1234 rw"));
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
        assert_eq!(percent_decode("a+b", true).as_deref(), Some("a b"));
        assert_eq!(percent_decode("%zz", false), None);
        assert_eq!(percent_decode("%4", false), None);
        assert_eq!(percent_decode("%ff", false), None);
        assert!(parse_query("a=%").is_err());
    }

    #[test]
    fn time_formats() {
        assert_eq!(iso_ms(1587902144346), "2020-04-26T11:55:44.346Z");
        assert_eq!(iso_ms(1587902144000), "2020-04-26T11:55:44.000Z");
        assert_eq!(rfc3339(1798761600000), "2027-01-01T00:00:00Z");
        assert_eq!(iso_ms(i64::MAX), "");
    }

    #[test]
    fn languages_name_one_dialect_each() {
        for d in [Dialect::S2, Dialect::Akinon, Dialect::LaunchDarkly, Dialect::Space] {
            assert_eq!(Dialect::for_language(d.language()), Some(d));
            assert_eq!(Dialect::from_name(d.name()), Some(d));
        }
        assert_eq!(Dialect::for_language("tokenkit"), None);
    }

    #[test]
    fn failure_codes_round_trip() {
        for f in ALL_FAILURES {
            assert_eq!(Failure::from_code(f.code()), Some(f));
        }
        assert_eq!(Failure::from_code("nope"), None);
    }

    #[test]
    fn display_is_lowercase_without_period() {
        let e = DialectError::field(Dialect::Akinon, Failure::Invalid, "name", "Name is required.");
        assert_eq!(e.to_string(), "akinon request rejected (invalid_request): name: name is required");
    }
}
