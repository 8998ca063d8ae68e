//! S2 (s2.dev) access tokens: `GET|POST /v1/access-tokens`, `DELETE /v1/access-tokens/{id}`.
//!
//! Wire types follow `s2-streamstore/s2:api/src/v1/access.rs` (snake_case; unknown fields are
//! ignored, as serde does there; `scope` and `id` are required; a ResourceSet is exactly one
//! of `{"exact": …}` / `{"prefix": …}`). Body shape errors are `400 bad_json`, post-parse
//! validation is `422 invalid`, missing permissions are `403 permission_denied`.
//!
//! The stored scope is S2's normalised form (resource sets `null` for "none", a full
//! `op_groups` object, explicit `ops` only) plus `auto_prefix_streams`, tagged `"language":"s2"`.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{rfc3339, Caller, Dialect, DialectError, Failure, Response, Token, TokenDraft};

const D: Dialect = Dialect::S2;

/// Maximum page size (and the default) of `GET /v1/access-tokens`.
pub const MAX_LIMIT: usize = 1000;

/// Maximum token id length in bytes.
pub const MAX_ID_BYTES: usize = 96;

pub(crate) fn status_of(f: Failure) -> u16 {
    match f {
        Failure::MalformedBody | Failure::MalformedQuery | Failure::MalformedPath => 400,
        Failure::Unauthenticated => 401,
        Failure::Forbidden | Failure::IpNotAllowed => 403,
        Failure::NotFound => 404,
        Failure::AlreadyExists | Failure::Conflict => 409,
        Failure::Invalid | Failure::InvalidPatch => 422,
        Failure::TooManyRequests => 429,
    }
}

pub(crate) fn code_of(f: Failure) -> &'static str {
    match f {
        Failure::MalformedBody => "bad_json",
        Failure::MalformedQuery => "bad_query",
        Failure::MalformedPath => "bad_path",
        Failure::Unauthenticated => "authn",
        Failure::Forbidden | Failure::IpNotAllowed => "permission_denied",
        Failure::TooManyRequests => "rate_limited",
        Failure::NotFound => "access_token_not_found",
        Failure::AlreadyExists => "resource_already_exists",
        Failure::Conflict => "transaction_conflict",
        Failure::Invalid | Failure::InvalidPatch => "invalid",
    }
}

pub(crate) fn error_body(e: &DialectError) -> Value {
    json!({ "code": code_of(e.failure), "message": e.message })
}

/// S2 operations (kebab-case on the wire), all 24 of the current code: the scope engine's list.
pub use crate::scope::s2::OPERATIONS;
use crate::scope::s2::GROUP_NAMES;

/// Operation-group membership: the scope engine's table (S2 does not publish one; the mapping
/// of the research note, gRPC service split × read/write verb, decided in `docs/dialects.md`).
pub use crate::scope::s2::GROUPS;

// ---- wire types -----------------------------------------------------------------------------

#[derive(Deserialize)]
struct IssueBody {
    id: String,
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    auto_prefix_streams: Option<bool>,
    scope: ScopeBody,
}

#[derive(Deserialize)]
struct ScopeBody {
    #[serde(default)]
    basins: Option<ResourceSet>,
    #[serde(default)]
    streams: Option<ResourceSet>,
    #[serde(default)]
    access_tokens: Option<ResourceSet>,
    #[serde(default)]
    op_groups: Option<OpGroupsBody>,
    #[serde(default)]
    ops: Option<Vec<String>>,
}

/// `{"exact": s}` or `{"prefix": s}`; serde rejects zero or two keys.
#[derive(Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "kebab-case")]
enum ResourceSet {
    Exact(String),
    Prefix(String),
}

#[derive(Deserialize, Default)]
struct OpGroupsBody {
    #[serde(default)]
    account: Option<RwBody>,
    #[serde(default)]
    basin: Option<RwBody>,
    #[serde(default)]
    stream: Option<RwBody>,
}

#[derive(Deserialize, Default, Clone, Copy)]
struct RwBody {
    #[serde(default)]
    read: Option<bool>,
    #[serde(default)]
    write: Option<bool>,
}

// ---- normalised scope -----------------------------------------------------------------------

/// A resource set after normalisation: `None` matches nothing.
#[derive(Clone, Debug, PartialEq)]
enum Set {
    None,
    Exact(String),
    Prefix(String),
}

impl Set {
    fn from_wire(rs: Option<ResourceSet>) -> Set {
        match rs {
            None => Set::None,
            Some(ResourceSet::Exact(e)) if e.is_empty() => Set::None,
            Some(ResourceSet::Exact(e)) => Set::Exact(e),
            Some(ResourceSet::Prefix(p)) => Set::Prefix(p),
        }
    }

    fn from_json(v: Option<&Value>) -> Set {
        let Some(o) = v.and_then(Value::as_object) else { return Set::None };
        match (o.get("exact").and_then(Value::as_str), o.get("prefix").and_then(Value::as_str)) {
            (Some(e), None) if !e.is_empty() => Set::Exact(e.to_string()),
            (None, Some(p)) => Set::Prefix(p.to_string()),
            _ => Set::None,
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Set::None => Value::Null,
            Set::Exact(e) => json!({ "exact": e }),
            Set::Prefix(p) => json!({ "prefix": p }),
        }
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Set::None => false,
            Set::Exact(e) => e == name,
            Set::Prefix(p) => name.starts_with(p.as_str()),
        }
    }
}

/// S2's scope in normalised form.
#[derive(Clone, Debug, PartialEq)]
struct Scope {
    basins: Set,
    streams: Set,
    access_tokens: Set,
    /// `[account, basin, stream]` × `(read, write)`.
    groups: [(bool, bool); 3],
    ops: Vec<String>,
    auto_prefix_streams: bool,
}

impl Scope {
    fn from_json(o: &Map<String, Value>) -> Scope {
        let og = o.get("op_groups");
        let mut groups = [(false, false); 3];
        for (g, name) in groups.iter_mut().zip(GROUP_NAMES) {
            let rw = og.and_then(|v| v.get(name));
            *g = (
                rw.and_then(|v| v.get("read")).and_then(Value::as_bool).unwrap_or(false),
                rw.and_then(|v| v.get("write")).and_then(Value::as_bool).unwrap_or(false),
            );
        }
        let ops = o
            .get("ops")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).filter(|s| OPERATIONS.contains(s)).map(str::to_string).collect())
            .unwrap_or_default();
        Scope {
            basins: Set::from_json(o.get("basins")),
            streams: Set::from_json(o.get("streams")),
            access_tokens: Set::from_json(o.get("access_tokens")),
            groups,
            ops,
            auto_prefix_streams: o.get("auto_prefix_streams").and_then(Value::as_bool).unwrap_or(false),
        }
    }

    /// The stored, tagged JSON form.
    fn to_json(&self) -> Value {
        json!({
            "language": "s2",
            "basins": self.basins.to_json(),
            "streams": self.streams.to_json(),
            "access_tokens": self.access_tokens.to_json(),
            "op_groups": self.op_groups_json(),
            "ops": self.ops,
            "auto_prefix_streams": self.auto_prefix_streams,
        })
    }

    fn op_groups_json(&self) -> Value {
        let mut m = Map::new();
        for (name, (r, w)) in GROUP_NAMES.iter().zip(self.groups) {
            m.insert((*name).to_string(), json!({ "read": r, "write": w }));
        }
        Value::Object(m)
    }

    /// `ops` ∪ the ops of every granted group.
    fn effective_ops(&self) -> Vec<&'static str> {
        OPERATIONS.iter().copied().filter(|op| self.allows_op(op)).collect()
    }

    fn allows_op(&self, op: &str) -> bool {
        if self.ops.iter().any(|o| o == op) {
            return true;
        }
        GROUPS.iter().any(|(group, rw, ops)| {
            let i = GROUP_NAMES.iter().position(|g| g == group).unwrap_or(0);
            let (r, w) = self.groups.get(i).copied().unwrap_or((false, false));
            let granted = if *rw == "read" { r } else { w };
            granted && ops.contains(&op)
        })
    }
}

// ---- validation of names ----------------------------------------------------------------------

fn basin_chars_ok(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn check_basin(set: &Set) -> Result<(), String> {
    match set {
        Set::None => Ok(()),
        Set::Exact(e) => {
            let ok = (8..=48).contains(&e.len())
                && basin_chars_ok(e)
                && !e.starts_with('-')
                && !e.ends_with('-');
            if ok { Ok(()) } else { Err(format!("invalid basin name {e:?}: 8 to 48 bytes of [a-z0-9-], starting and ending with [a-z0-9]")) }
        }
        Set::Prefix(p) => {
            let ok = p.len() <= 48 && basin_chars_ok(p) && !p.starts_with('-');
            if ok { Ok(()) } else { Err(format!("invalid basin prefix {p:?}: at most 48 bytes of [a-z0-9-], not starting with '-'")) }
        }
    }
}

fn check_stream(set: &Set) -> Result<(), String> {
    match set {
        Set::None => Ok(()),
        Set::Exact(e) => {
            if e.len() > 512 || e == "." || e == ".." {
                Err(format!("invalid stream name {e:?}: 1 to 512 bytes, not \".\" or \"..\""))
            } else {
                Ok(())
            }
        }
        Set::Prefix(p) if p.len() > 512 => Err("invalid stream prefix: at most 512 bytes".to_string()),
        Set::Prefix(_) => Ok(()),
    }
}

/// Checks an access token id: 1–96 bytes, no NUL, not `.` or `..`.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > MAX_ID_BYTES {
        return Err(format!("access token id must be 1 to {MAX_ID_BYTES} bytes"));
    }
    if id.contains('\0') {
        return Err("access token id must not contain NUL bytes".to_string());
    }
    if id == "." || id == ".." {
        return Err("access token id must not be \".\" or \"..\"".to_string());
    }
    Ok(())
}

fn check_token_set(set: &Set) -> Result<(), String> {
    match set {
        Set::None => Ok(()),
        Set::Exact(e) => check_id(e),
        Set::Prefix(p) if p.len() > MAX_ID_BYTES || p.contains('\0') => {
            Err(format!("access token id prefix must be at most {MAX_ID_BYTES} bytes without NUL"))
        }
        Set::Prefix(_) => Ok(()),
    }
}

fn bad_json(msg: impl Into<String>) -> DialectError {
    DialectError::new(D, Failure::MalformedBody, msg)
}

fn caller_scope(caller: &Caller) -> Result<Scope, DialectError> {
    caller.scope_in(D).map(|o| Scope::from_json(&o))
}

fn need_op(scope: &Scope, op: &str) -> Result<(), DialectError> {
    if scope.allows_op(op) {
        Ok(())
    } else {
        Err(DialectError::new(D, Failure::Forbidden, format!("operation not permitted: {op}")))
    }
}

fn need_token_id(scope: &Scope, id: &str) -> Result<(), DialectError> {
    if scope.access_tokens.matches(id) {
        Ok(())
    } else {
        Err(DialectError::new(D, Failure::Forbidden, format!("access token id not permitted: {id}")))
    }
}

// ---- operations -------------------------------------------------------------------------------

/// Validates `POST /v1/access-tokens` and returns the token to store.
///
/// `now` and the caller's expiry are epoch ms. The draft's `id` is the client's; its name is
/// the id; its expiry is the requested one, or the caller's when none is given.
///
/// # Errors
/// - `400 bad_json`: not JSON, wrong shape, a bad id, name or prefix, an unknown operation,
///   a ResourceSet with zero or two keys, an `expires_at` that is not RFC 3339;
/// - `422 invalid`: `auto_prefix_streams` without a prefix `streams` set, an empty effective
///   operation set, an `expires_at` not in the future;
/// - `403 permission_denied`: the caller lacks `issue-access-token`, the id is outside the
///   caller's `access_tokens` set, the scope or expiry is broader than the caller's.
pub fn parse_issue(body: &str, caller: &Caller, now: i64) -> Result<TokenDraft, DialectError> {
    let v = super::parse_body(D, body)?;
    let req: IssueBody = serde_json::from_value(v).map_err(|e| bad_json(format!("invalid request body: {e}")))?;
    check_id(&req.id).map_err(bad_json)?;
    let expires_at = match &req.expires_at {
        None => None,
        Some(s) => Some(
            crate::lifetime::parse_instant(s)
                .map_err(|e| bad_json(format!("invalid expires_at: {e}")))?
                .as_millisecond(),
        ),
    };
    let sb = req.scope;
    let og = sb.op_groups.unwrap_or_default();
    let rw = |g: Option<RwBody>| {
        let g = g.unwrap_or_default();
        (g.read.unwrap_or(false), g.write.unwrap_or(false))
    };
    let mut ops: Vec<String> = Vec::new();
    for op in sb.ops.unwrap_or_default() {
        if !OPERATIONS.contains(&op.as_str()) {
            return Err(bad_json(format!("invalid request body: unknown operation {op:?}")));
        }
        if !ops.contains(&op) {
            ops.push(op);
        }
    }
    let child = Scope {
        basins: Set::from_wire(sb.basins),
        streams: Set::from_wire(sb.streams),
        access_tokens: Set::from_wire(sb.access_tokens),
        groups: [rw(og.account), rw(og.basin), rw(og.stream)],
        ops,
        auto_prefix_streams: req.auto_prefix_streams.unwrap_or(false),
    };
    check_basin(&child.basins).map_err(bad_json)?;
    check_stream(&child.streams).map_err(bad_json)?;
    check_token_set(&child.access_tokens).map_err(bad_json)?;

    let invalid = |m: &str| DialectError::new(D, Failure::Invalid, m);
    if child.auto_prefix_streams && !matches!(child.streams, Set::Prefix(_)) {
        return Err(invalid("auto_prefix_streams requires scope.streams to be a prefix"));
    }
    if child.effective_ops().is_empty() {
        return Err(invalid("access token scope must permit at least one operation"));
    }
    if let Some(e) = expires_at {
        if e <= now {
            return Err(invalid("expires_at must be in the future"));
        }
    }

    let parent = caller_scope(caller)?;
    need_op(&parent, "issue-access-token")?;
    need_token_id(&parent, &req.id)?;
    super::issuer_covers(caller, &child.to_json()).map_err(|m| DialectError::new(D, Failure::Forbidden, m))?;
    let expires_at = match (expires_at, caller.expires_at) {
        (None, cap) => cap,
        (Some(e), Some(cap)) if e > cap => {
            return Err(DialectError::new(D, Failure::Forbidden, "expires_at exceeds the issuing token's expiry"));
        }
        (Some(e), _) => Some(e),
    };
    Ok(TokenDraft { id: Some(req.id.clone()), name: req.id, description: None, scope: child.to_json(), expires_at, meta: Map::new() })
}

/// The `201 {"access_token": …}` answer to a successful issue.
pub fn issue_response(secret: &str) -> Response {
    Response::json(201, json!({ "access_token": secret }))
}

/// The query of `GET /v1/access-tokens`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    /// Only ids starting with this.
    pub prefix: String,
    /// Only ids sorting strictly after this.
    pub start_after: String,
    /// Page size, 1–1000.
    pub limit: usize,
}

/// Parses `prefix`, `start_after`, `limit`. Unknown parameters are ignored. A missing or `0`
/// limit means 1000; a larger one is capped at 1000 (S2's `ListLimit`).
///
/// # Errors
/// `400 bad_query` for a limit that is not a non-negative integer, or a prefix / start_after
/// longer than 96 bytes, or a bad percent-escape.
pub fn parse_list_query(query: &str) -> Result<ListQuery, DialectError> {
    let pairs = super::parse_query(query)
        .map_err(|k| DialectError::field(D, Failure::MalformedQuery, k.clone(), format!("invalid query parameter {k}")))?;
    let mut q = ListQuery { prefix: String::new(), start_after: String::new(), limit: MAX_LIMIT };
    for (k, v) in pairs {
        let bad = |m: String| DialectError::field(D, Failure::MalformedQuery, k.clone(), m);
        match k.as_str() {
            "prefix" | "start_after" => {
                if v.len() > MAX_ID_BYTES {
                    return Err(bad(format!("{k} must be at most {MAX_ID_BYTES} bytes")));
                }
                if k == "prefix" { q.prefix = v } else { q.start_after = v }
            }
            "limit" => {
                let n: usize = v.parse().map_err(|_| bad(format!("invalid limit {v:?}")))?;
                q.limit = if n == 0 { MAX_LIMIT } else { n.min(MAX_LIMIT) };
            }
            _ => {}
        }
    }
    Ok(q)
}

/// Renders one token as S2's `AccessTokenInfo` (normalised scope), or `None` when the token's
/// scope is not in the `s2` language.
pub fn render_info(t: &Token) -> Option<Value> {
    let o = t.scope.as_object().filter(|o| o.get("language").and_then(Value::as_str) == Some("s2"))?;
    let s = Scope::from_json(o);
    Some(json!({
        "id": t.id,
        "expires_at": t.expires_at.map(rfc3339),
        "auto_prefix_streams": s.auto_prefix_streams,
        "scope": {
            "basins": s.basins.to_json(),
            "streams": s.streams.to_json(),
            "access_tokens": s.access_tokens.to_json(),
            "op_groups": s.op_groups_json(),
            "ops": s.ops,
        },
    }))
}

/// `GET /v1/access-tokens`: the caller needs `list-access-tokens`; only ids in the caller's
/// `access_tokens` set are listed. `tokens` may be any superset of the page (for example all
/// of the account's tokens, or those `>= start_after` with the prefix); they are filtered,
/// sorted by id bytes and cut here.
///
/// # Errors
/// `403 permission_denied` without `list-access-tokens`.
pub fn list_response(tokens: &[Token], q: &ListQuery, caller: &Caller) -> Result<Response, DialectError> {
    let parent = caller_scope(caller)?;
    need_op(&parent, "list-access-tokens")?;
    let mut hits: Vec<&Token> = tokens
        .iter()
        .filter(|t| t.account == caller.account && t.language() == Some("s2"))
        .filter(|t| t.id.starts_with(q.prefix.as_str()) && t.id.as_str() > q.start_after.as_str())
        .filter(|t| parent.access_tokens.matches(&t.id))
        .collect();
    crate::sort::sort_by(&mut hits, |a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
    hits.dedup_by(|a, b| a.id == b.id);
    let has_more = hits.len() > q.limit;
    let items: Vec<Value> = hits.iter().take(q.limit).filter_map(|t| render_info(t)).collect();
    Ok(Response::json(200, json!({ "access_tokens": items, "has_more": has_more })))
}

/// `DELETE /v1/access-tokens/{id}`: decodes the percent-encoded path segment and checks that
/// the caller may revoke it. Returns the id to delete; the worker answers 204, or
/// `404 access_token_not_found` when the id does not exist. A token may revoke itself.
///
/// # Errors
/// `400 bad_path` for a bad escape or id; `403 permission_denied` without
/// `revoke-access-token` or for an id outside the caller's `access_tokens` set.
pub fn parse_revoke(raw_segment: &str, caller: &Caller) -> Result<String, DialectError> {
    let bad = |m: String| DialectError::field(D, Failure::MalformedPath, "id", m);
    let id = super::percent_decode(raw_segment, false).ok_or_else(|| bad("invalid percent-encoding in access token id".into()))?;
    check_id(&id).map_err(bad)?;
    let parent = caller_scope(caller)?;
    need_op(&parent, "revoke-access-token")?;
    need_token_id(&parent, &id)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope_all() -> Value {
        json!({"language":"s2","basins":{"prefix":""},"streams":{"prefix":""},"access_tokens":{"prefix":""},
               "op_groups":{"account":{"read":true,"write":true},"basin":{"read":true,"write":true},"stream":{"read":true,"write":true}},
               "ops":[],"auto_prefix_streams":false})
    }

    #[test]
    fn every_operation_is_in_exactly_one_group() {
        for op in OPERATIONS {
            let n = GROUPS.iter().filter(|(_, _, ops)| ops.contains(&op)).count();
            assert_eq!(n, 1, "{op}");
        }
    }

    #[test]
    fn normalises_scope() {
        let caller = Caller { conditions: None, account: "a".into(), owner: "m".into(), token_id: "root".into(), scope: scope_all(), expires_at: None };
        let d = parse_issue(r#"{"id":"t","scope":{"basins":{"exact":""},"ops":["read","read"]}}"#, &caller, 0).unwrap();
        assert_eq!(
            d.scope,
            json!({"language":"s2","basins":null,"streams":null,"access_tokens":null,
                   "op_groups":{"account":{"read":false,"write":false},"basin":{"read":false,"write":false},"stream":{"read":false,"write":false}},
                   "ops":["read"],"auto_prefix_streams":false})
        );
    }
}
