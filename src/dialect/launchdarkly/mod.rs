//! LaunchDarkly REST API v2 access tokens: `/api/v2/tokens` (list, get, create, JSON Patch,
//! reset, delete).
//!
//! Shapes follow the vendor's OpenAPI (`Token`, `Tokens`, `AccessTokenPost`, `Statement`,
//! `PatchOperation`) in its own casing (`_id`, `creationDate`, `lastModified`, `inlineRole`…).
//! Errors are `{code, message}`. The scope is the `policy` language:
//! `{"language":"policy","role":…,"customRoleIds":[…],"inlineRole":[statements]}`.

use serde_json::{json, Map, Value};

use super::{type_name, Caller, Dialect, DialectError, Failure, Response, Token, TokenDraft};

mod patch;

pub use self::patch::{apply_patch, patchable, PATCHABLE, PATCH_POLICY};

const D: Dialect = Dialect::LaunchDarkly;

/// Default page size of `GET /api/v2/tokens`.
pub const DEFAULT_LIMIT: usize = 25;
/// Largest accepted `limit`.
pub const MAX_LIMIT: usize = 1000;
/// Built-in roles a token may carry, lowest first.
pub const ROLES: [&str; 4] = ["no_access", "reader", "writer", "admin"];
/// Earliest API version (`defaultApiVersion` must be a `YYYYMMDD` date from here on).
pub const FIRST_API_VERSION: i64 = 20160426;

pub(crate) fn status_of(f: Failure) -> u16 {
    match f {
        Failure::MalformedBody | Failure::MalformedQuery | Failure::MalformedPath | Failure::Invalid => 400,
        Failure::Unauthenticated => 401,
        Failure::Forbidden | Failure::IpNotAllowed => 403,
        Failure::NotFound => 404,
        Failure::AlreadyExists | Failure::Conflict => 409,
        Failure::InvalidPatch => 422,
        Failure::TooManyRequests => 429,
    }
}

pub(crate) fn code_of(f: Failure) -> &'static str {
    match f {
        Failure::MalformedBody | Failure::MalformedQuery | Failure::MalformedPath | Failure::Invalid | Failure::InvalidPatch => {
            "invalid_request"
        }
        Failure::Unauthenticated => "unauthorized",
        Failure::Forbidden | Failure::IpNotAllowed => "forbidden",
        Failure::TooManyRequests => "rate_limited",
        Failure::NotFound => "not_found",
        Failure::AlreadyExists => "conflict",
        Failure::Conflict => "optimistic_locking_error",
    }
}

pub(crate) fn error_body(e: &DialectError) -> Value {
    json!({ "code": code_of(e.failure), "message": e.message })
}

fn invalid(field: &str, msg: impl Into<String>) -> DialectError {
    DialectError::field(D, Failure::Invalid, field, msg)
}

/// The vendor's 404 body text.
pub const NOT_FOUND: &str = "Invalid resource identifier";
/// The vendor's 403 body text.
pub const FORBIDDEN: &str = "Forbidden. Access to the requested resource was denied.";
/// The vendor's 409 body text.
pub const CONFLICT: &str = "Conflict. Optimistic lock error. Try again later.";

// ---- the policy scope ------------------------------------------------------------------------

/// A token's policy: exactly one of a built-in role, custom role keys, or inline statements.
#[derive(Debug, Clone, PartialEq)]
struct Policy {
    role: Option<String>,
    custom_role_ids: Vec<String>,
    inline_role: Vec<Value>,
}

impl Policy {
    fn from_json(o: &Map<String, Value>) -> Policy {
        let strings = |k: &str| -> Vec<String> {
            o.get(k).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default()
        };
        Policy {
            role: o.get("role").and_then(Value::as_str).map(str::to_string),
            custom_role_ids: strings("customRoleIds"),
            inline_role: o.get("inlineRole").and_then(Value::as_array).cloned().unwrap_or_default(),
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "language": "policy",
            "role": self.role,
            "customRoleIds": self.custom_role_ids,
            "inlineRole": self.inline_role,
        })
    }

    /// Rank of the built-in role (`owner` above `admin`); `None` for a custom or inline policy.
    fn rank(&self) -> Option<usize> {
        let r = self.role.as_deref()?;
        if r == "owner" {
            return Some(ROLES.len());
        }
        ROLES.iter().position(|x| *x == r)
    }

    fn is_admin(&self) -> bool {
        self.rank().is_some_and(|r| r >= 3)
    }
}

/// A list of role keys or specifiers, within the scope engine's limits (so a malformed value is
/// a 400 here, not a 403 from the attenuation check).
fn check_string_list(field: &str, v: &Value) -> Result<Vec<String>, DialectError> {
    use crate::scope::{MAX_RULES, MAX_STRING};
    let Value::Array(a) = v else { return Err(invalid(field, format!("{field} must be an array of strings"))) };
    if a.len() > MAX_RULES {
        return Err(invalid(field, format!("{field} must hold at most {MAX_RULES} entries")));
    }
    let mut out = Vec::with_capacity(a.len());
    for (i, x) in a.iter().enumerate() {
        match x.as_str() {
            Some(s) if !s.trim().is_empty() && s.len() <= MAX_STRING && !s.chars().any(char::is_control) => out.push(s.to_string()),
            _ => {
                return Err(invalid(
                    &format!("{field}[{i}]"),
                    format!("{field}[{i}] must be a non-empty string of at most {MAX_STRING} bytes without control characters"),
                ))
            }
        }
    }
    Ok(out)
}

/// Validates one `StatementPost`: `effect` allow|deny, exactly one of `resources` /
/// `notResources` and of `actions` / `notActions`, each a non-empty list of strings.
fn check_statement(i: usize, v: &Value) -> Result<Value, DialectError> {
    let at = |k: &str| format!("inlineRole[{i}].{k}");
    let Value::Object(o) = v else { return Err(invalid(&format!("inlineRole[{i}]"), format!("inlineRole[{i}] must be an object"))) };
    for k in o.keys() {
        if !matches!(k.as_str(), "effect" | "resources" | "notResources" | "actions" | "notActions") {
            return Err(invalid(&at(k), format!("unknown field {} in statement", at(k))));
        }
    }
    match o.get("effect").and_then(Value::as_str) {
        Some("allow") | Some("deny") => {}
        _ => return Err(invalid(&at("effect"), format!("{} must be \"allow\" or \"deny\"", at("effect")))),
    }
    let mut out = Map::new();
    out.insert("effect".into(), o.get("effect").cloned().unwrap_or(Value::Null));
    for (a, b) in [("resources", "notResources"), ("actions", "notActions")] {
        let (k, val) = match (o.get(a), o.get(b)) {
            (Some(x), None) => (a, x),
            (None, Some(x)) => (b, x),
            _ => return Err(invalid(&at(a), format!("statement {i} must have exactly one of {a} or {b}"))),
        };
        let list = check_string_list(&at(k), val)?;
        if list.is_empty() {
            return Err(invalid(&at(k), format!("{} must not be empty", at(k))));
        }
        out.insert(k.into(), json!(list));
    }
    Ok(Value::Object(out))
}

/// What [`policy_from`] makes of a token with none of the three fields.
#[derive(Clone, Copy, PartialEq)]
enum NoPolicy {
    /// A create: the built-in `reader` role, as the vendor documents.
    Reader,
    /// A patch: refused. Removing a token's last restriction (an inline statement, its custom
    /// roles) must not turn it into a reader of everything.
    Refuse,
}

/// Builds the policy from the three fields; rejects more than one of them. No field at all is
/// `none`'s answer.
fn policy_from(role: Option<&Value>, custom: Option<&Value>, inline: Option<&Value>, none: NoPolicy) -> Result<Policy, DialectError> {
    let role = match role {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) if ROLES.contains(&r.as_str()) => Some(r.clone()),
        Some(Value::String(r)) if r == "owner" => return Err(invalid("role", "the owner role cannot be given to an access token")),
        Some(_) => return Err(invalid("role", format!("role must be one of {}", ROLES.join(", ")))),
    };
    let custom_role_ids = match custom {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => check_string_list("customRoleIds", v)?,
    };
    let inline_role = match inline {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) if a.len() > crate::scope::MAX_RULES => {
            return Err(invalid("inlineRole", format!("inlineRole must hold at most {} statements", crate::scope::MAX_RULES)))
        }
        Some(Value::Array(a)) => a.iter().enumerate().map(|(i, s)| check_statement(i, s)).collect::<Result<_, _>>()?,
        Some(v) => return Err(invalid("inlineRole", format!("inlineRole must be an array of statements, not {}", type_name(v)))),
    };
    let given = [role.is_some(), !custom_role_ids.is_empty(), !inline_role.is_empty()].iter().filter(|b| **b).count();
    if given > 1 {
        return Err(invalid("role", "specify only one of role, customRoleIds or inlineRole"));
    }
    if given == 0 && none == NoPolicy::Refuse {
        return Err(invalid("role", "a token keeps one of role, customRoleIds or inlineRole (with at least one entry); the patch would leave none"));
    }
    let role = if given == 0 { Some("reader".to_string()) } else { role };
    Ok(Policy { role, custom_role_ids, inline_role })
}

fn caller_policy(caller: &Caller) -> Result<Policy, DialectError> {
    caller.scope_in(D).map(|o| Policy::from_json(&o)).map_err(|_| DialectError::new(D, Failure::Forbidden, FORBIDDEN))
}

/// Longest accepted `name` (characters): the one field-limit table's ([`crate::rules::limits`]).
pub const MAX_NAME: usize = crate::rules::limits::NAME_MAX as usize;
/// Longest accepted `description` (characters): the one field-limit table's.
pub const MAX_DESCRIPTION: usize = crate::rules::limits::DESCRIPTION_MAX as usize;

fn opt_string(o: &Map<String, Value>, k: &str) -> Result<Option<String>, DialectError> {
    let max = if k == "description" { MAX_DESCRIPTION } else { MAX_NAME };
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => match super::display_text_problem(s, max) {
            Some(why) => Err(invalid(k, format!("{k} {why}"))),
            None => Ok(Some(s.clone())),
        },
        Some(v) => Err(invalid(k, format!("{k} must be a string, not {}", type_name(v)))),
    }
}

/// Validates `POST /api/v2/tokens` (`AccessTokenPost`) and returns the token to store.
///
/// Unknown fields are rejected. `serviceToken` and `defaultApiVersion` go to `meta`. The
/// token never outlives the caller: its expiry is the caller's (usually none).
///
/// # Errors
/// `400 invalid_request` for bad JSON, unknown or mistyped fields, an unknown role, more than
/// one of role / customRoleIds / inlineRole, a malformed statement, a bad `defaultApiVersion`;
/// `403 forbidden` when the policy is broader than the caller's.
pub fn parse_create(body: &str, caller: &Caller, _now: i64) -> Result<TokenDraft, DialectError> {
    let v = super::parse_body(D, body)?;
    let Value::Object(o) = v else { return Err(DialectError::new(D, Failure::MalformedBody, "request body must be a JSON object")) };
    for k in o.keys() {
        if !matches!(k.as_str(), "name" | "description" | "role" | "customRoleIds" | "inlineRole" | "serviceToken" | "defaultApiVersion") {
            return Err(invalid(k, format!("unknown field {k}")));
        }
    }
    let name = opt_string(&o, "name")?.unwrap_or_default();
    let description = opt_string(&o, "description")?;
    let policy = policy_from(o.get("role"), o.get("customRoleIds"), o.get("inlineRole"), NoPolicy::Reader)?;
    let mut meta = Map::new();
    match o.get("serviceToken") {
        None | Some(Value::Null) => {
            meta.insert("serviceToken".into(), Value::Bool(false));
        }
        Some(Value::Bool(b)) => {
            meta.insert("serviceToken".into(), Value::Bool(*b));
        }
        Some(_) => return Err(invalid("serviceToken", "serviceToken must be a boolean")),
    }
    match o.get("defaultApiVersion") {
        None | Some(Value::Null) => {}
        Some(v) => {
            let n = v.as_i64().filter(|n| is_api_version(*n)).ok_or_else(|| {
                invalid("defaultApiVersion", "defaultApiVersion must be an API version date such as 20220603")
            })?;
            meta.insert("defaultApiVersion".into(), json!(n));
        }
    }
    caller_policy(caller)?;
    if super::issuer_covers(caller, &policy.to_json()).is_err() {
        return Err(DialectError::new(D, Failure::Forbidden, FORBIDDEN));
    }
    Ok(TokenDraft { id: None, name, description, scope: policy.to_json(), expires_at: caller.expires_at, meta })
}

fn is_api_version(n: i64) -> bool {
    let (y, m, d) = (n / 10000, n / 100 % 100, n % 100);
    n >= FIRST_API_VERSION && y <= 9999 && (1..=12).contains(&m) && (1..=31).contains(&d)
}

/// Renders `t` as LaunchDarkly's `Token`. `secret` is the full value right after create or
/// reset; otherwise `token` holds the last four characters. `None` if `t` is not a policy token.
pub fn render(t: &Token, secret: Option<&str>) -> Option<Value> {
    let o = t.scope.as_object().filter(|o| o.get("language").and_then(Value::as_str) == Some("policy"))?;
    let p = Policy::from_json(o);
    let mut m = Map::new();
    m.insert("_id".into(), json!(t.id));
    m.insert("ownerId".into(), json!(t.account));
    m.insert("memberId".into(), json!(t.owner));
    m.insert("name".into(), json!(t.name));
    if let Some(d) = &t.description {
        m.insert("description".into(), json!(d));
    }
    m.insert("creationDate".into(), json!(t.created_at));
    m.insert("lastModified".into(), json!(t.updated_at));
    if let Some(u) = t.last_used_at {
        m.insert("lastUsed".into(), json!(u));
    }
    if let Some(r) = &p.role {
        m.insert("role".into(), json!(r));
    }
    if !p.custom_role_ids.is_empty() {
        m.insert("customRoleIds".into(), json!(p.custom_role_ids));
    }
    if !p.inline_role.is_empty() {
        m.insert("inlineRole".into(), Value::Array(p.inline_role));
    }
    let last4: String = {
        let n = t.hint.chars().count();
        t.hint.chars().skip(n.saturating_sub(4)).collect()
    };
    m.insert("token".into(), json!(secret.map_or(last4, str::to_string)));
    m.insert("serviceToken".into(), t.meta.get("serviceToken").cloned().filter(Value::is_boolean).unwrap_or(Value::Bool(false)));
    if let Some(v) = t.meta.get("defaultApiVersion").filter(|v| v.is_i64()) {
        m.insert("defaultApiVersion".into(), v.clone());
    }
    let href = format!("/api/v2/tokens/{}", t.id);
    m.insert(
        "_links".into(),
        json!({
            "parent": { "href": "/api/v2/tokens", "type": "application/json" },
            "self": { "href": href, "type": "application/json" },
        }),
    );
    Some(Value::Object(m))
}

/// A `Token` response with `status` (201 after create, 200 otherwise).
pub fn token_response(t: &Token, secret: Option<&str>, status: u16) -> Result<Response, DialectError> {
    render(t, secret).map(|b| Response::json(status, b)).ok_or_else(|| DialectError::new(D, Failure::NotFound, NOT_FOUND))
}

/// The query of `GET /api/v2/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    /// Every member's tokens (admins only).
    pub show_all: bool,
    /// Page size, 1–1000 (default 25).
    pub limit: usize,
    /// Items to skip.
    pub offset: usize,
}

/// Parses `showAll`, `limit`, `offset`; unknown parameters are ignored.
///
/// # Errors
/// `400 invalid_request` for a `showAll` that is not `true`/`false`, a `limit` outside
/// 1–1000, a negative or non-integer `offset`.
pub fn parse_list_query(query: &str) -> Result<ListQuery, DialectError> {
    let pairs = super::parse_query(query).map_err(|k| invalid(&k, format!("invalid query parameter {k}")))?;
    let mut q = ListQuery { show_all: false, limit: DEFAULT_LIMIT, offset: 0 };
    for (k, v) in pairs {
        let bad = |m: String| DialectError::field(D, Failure::MalformedQuery, k.clone(), m);
        match k.as_str() {
            "showAll" => {
                q.show_all = match v.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad(format!("showAll must be true or false, not {v:?}"))),
                }
            }
            "limit" => {
                q.limit = v.parse().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| bad(format!("limit must be an integer from 1 to {MAX_LIMIT}")))?;
            }
            "offset" => {
                q.offset = v.parse().map_err(|_| bad("offset must be a non-negative integer".into()))?;
            }
            _ => {}
        }
    }
    Ok(q)
}

/// `GET /api/v2/tokens`: the caller's own policy tokens, or with `showAll` (admins and owners
/// only) every member's in the account; oldest first; `totalCount` counts all matches before
/// `limit`/`offset`. Secrets show their last four characters only.
///
/// # Errors
/// `403 forbidden` for `showAll` without an admin or owner role.
pub fn list_response(tokens: &[Token], q: &ListQuery, caller: &Caller) -> Result<Response, DialectError> {
    let parent = caller_policy(caller)?;
    if q.show_all && !parent.is_admin() {
        return Err(DialectError::new(D, Failure::Forbidden, FORBIDDEN));
    }
    let mut hits: Vec<&Token> = tokens
        .iter()
        .filter(|t| t.account == caller.account && t.language() == Some("policy"))
        .filter(|t| q.show_all || t.owner == caller.owner)
        .collect();
    super::sort_by_creation(&mut hits);
    let total = hits.len();
    let items: Vec<Value> = hits.into_iter().skip(q.offset).take(q.limit).filter_map(|t| render(t, None)).collect();
    let page = |offset: usize| format!("/api/v2/tokens?limit={}&offset={offset}{}", q.limit, if q.show_all { "&showAll=true" } else { "" });
    let mut links = Map::new();
    links.insert("self".into(), json!({ "href": page(q.offset), "type": "application/json" }));
    if q.offset.saturating_add(q.limit) < total {
        links.insert("next".into(), json!({ "href": page(q.offset.saturating_add(q.limit)), "type": "application/json" }));
    }
    if q.offset > 0 {
        links.insert("prev".into(), json!({ "href": page(q.offset.saturating_sub(q.limit)), "type": "application/json" }));
    }
    Ok(Response::json(200, json!({ "items": items, "_links": links, "totalCount": total })))
}

/// Whether the caller may see and manage `t` (get, patch, reset, delete): its own tokens, or
/// any of the account's as admin/owner. Anything else is the vendor's 404, so other members'
/// token ids are not revealed.
///
/// # Errors
/// `404 not_found`; `403 forbidden` if the caller is not a policy token.
pub fn check_access(t: Option<&Token>, caller: &Caller) -> Result<(), DialectError> {
    let parent = caller_policy(caller)?;
    match t {
        Some(t) if t.account == caller.account && t.language() == Some("policy") && (t.owner == caller.owner || parent.is_admin()) => Ok(()),
        _ => Err(DialectError::new(D, Failure::NotFound, NOT_FOUND)),
    }
}

/// Parses `POST /api/v2/tokens/{id}/reset?expiry=<epoch ms>` for `t` (already through
/// [`check_access`]) and returns until when the old secret stays valid: `None` means it is
/// invalid at once (no `expiry`, or one not in the future); otherwise `min(expiry, the token's
/// own expiry)`. The body is ignored whatever its content type (the vendor's client sends an
/// empty form-urlencoded body).
///
/// A reset hands the caller `t`'s new secret, so an admin may reset another token only if it
/// could issue that token itself: its scope covers `t`'s and `t` does not outlive it.
///
/// # Errors
/// `400 invalid_request` for an `expiry` that is not an integer in the supported range (up to
/// 9999-12-30); `403 forbidden` when the caller does not hold what `t` holds.
pub fn parse_reset(query: &str, t: &Token, caller: &Caller, now: i64) -> Result<Option<i64>, DialectError> {
    let pairs = super::parse_query(query).map_err(|k| invalid(&k, format!("invalid query parameter {k}")))?;
    let mut expiry = None;
    for (k, v) in pairs {
        if k == "expiry" {
            let n = v.parse::<i64>().ok().filter(|n| crate::time::Timestamp::from_millisecond(*n).is_ok()).ok_or_else(|| {
                DialectError::field(D, Failure::MalformedQuery, "expiry", "expiry must be a Unix time in milliseconds, up to 9999-12-30")
            })?;
            expiry = Some(n);
        }
    }
    if super::issuer_holds(caller, t).is_err() {
        return Err(DialectError::new(D, Failure::Forbidden, FORBIDDEN));
    }
    Ok(expiry.filter(|e| *e > now).map(|e| t.expires_at.map_or(e, |x| e.min(x))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions() {
        for (n, ok) in [(20220603, true), (20160426, true), (20240415, true), (20160425, false), (20221303, false), (2022, false), (-1, false)] {
            assert_eq!(is_api_version(n), ok, "{n}");
        }
    }

    fn admin() -> Caller {
        Caller { conditions: None,
            account: "a".into(),
            owner: "m".into(),
            token_id: "t".into(),
            scope: json!({"language": "policy", "role": "admin", "customRoleIds": [], "inlineRole": []}),
            expires_at: None,
        }
    }

    #[test]
    fn names_refuse_control_characters_and_overlong_text() {
        for (body, field) in [
            (json!({"name": "ci\u{0}"}), "name"),
            (json!({"name": "a\u{85}b", "role": "reader"}), "name"),
            (json!({"description": "line\nbreak"}), "description"),
            (json!({"name": "x".repeat(MAX_NAME + 1)}), "name"),
            (json!({"description": "x".repeat(MAX_DESCRIPTION + 1)}), "description"),
        ] {
            let e = parse_create(&body.to_string(), &admin(), 0).expect_err(&body.to_string());
            assert_eq!(e.failure, Failure::Invalid, "{body}");
            assert_eq!(e.field.as_deref(), Some(field), "{body}");
        }
        let ok = parse_create(&json!({"name": "CI — déploiement ✓", "role": "reader"}).to_string(), &admin(), 0).expect("plain unicode");
        assert_eq!(ok.name, "CI — déploiement ✓");
        let t = Token { conditions: None,
            id: "6109a0000000000000000001".into(),
            account: "a".into(),
            owner: "m".into(),
            name: ok.name.clone(),
            description: None,
            scope: ok.scope.clone(),
            created_at: 0,
            updated_at: 0,
            expires_at: None,
            last_used_at: None,
            hint: "abcd".into(),
            meta: Map::new(),
            version: 1,
        };
        let patch = json!([{"op": "replace", "path": "/name", "value": "bad\u{7}"}]).to_string();
        let e = apply_patch(&t, &patch, &admin(), 0).expect_err("control character in a patched name");
        assert_eq!(e.failure, Failure::InvalidPatch);
    }

    fn policy_token(id: &str, role: &str, expires_at: Option<i64>) -> Token {
        Token { conditions: None,
            id: id.into(),
            account: "a".into(),
            owner: "m2".into(),
            name: "t".into(),
            description: None,
            scope: json!({"language": "policy", "role": role, "customRoleIds": [], "inlineRole": []}),
            created_at: 0,
            updated_at: 0,
            expires_at,
            last_used_at: None,
            hint: "abcd".into(),
            meta: Map::new(),
            version: 1,
        }
    }

    #[test]
    fn a_reset_hands_over_only_what_the_caller_holds() {
        let forbidden = |r: Result<Option<i64>, DialectError>| matches!(r, Err(e) if e.failure == Failure::Forbidden);
        // An admin resets a reader's or a writer's token, with or without a grace.
        assert_eq!(parse_reset("", &policy_token("x", "reader", None), &admin(), 0), Ok(None));
        assert_eq!(parse_reset("expiry=5000", &policy_token("x", "writer", Some(9000)), &admin(), 0), Ok(Some(5000)));
        // Not an owner's: the new secret would be an owner token in an admin's hands.
        assert!(forbidden(parse_reset("", &policy_token("x", "owner", None), &admin(), 0)));
        // Not one that outlives the caller.
        let expiring = Caller { expires_at: Some(1_000), ..admin() };
        assert!(forbidden(parse_reset("", &policy_token("x", "reader", None), &expiring, 0)));
        assert!(forbidden(parse_reset("", &policy_token("x", "reader", Some(1_001)), &expiring, 0)));
        assert_eq!(parse_reset("", &policy_token("x", "reader", Some(1_000)), &expiring, 0), Ok(None));
        // Its own token, always: the secret is the caller's already.
        let own = Token { owner: "m".into(), ..policy_token("t", "owner", None) };
        assert_eq!(parse_reset("", &own, &expiring, 0), Ok(None));
        // The expiry must be an instant the core (and a JS Date) can represent.
        for q in ["expiry=9223372036854775807", "expiry=253402300800000", "expiry=1.5"] {
            let e = parse_reset(q, &policy_token("x", "reader", None), &admin(), 0).expect_err(q);
            assert_eq!((e.failure, e.field.as_deref()), (Failure::MalformedQuery, Some("expiry")), "{q}");
        }
        assert_eq!(parse_reset("expiry=253402207200000", &policy_token("x", "reader", None), &admin(), 0), Ok(Some(253_402_207_200_000)));
    }
}
