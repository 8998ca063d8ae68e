//! Space Invoices access tokens ("launch codes"): `POST|GET /v1/accounts/{id}/accessTokens`,
//! `DELETE /v1/accounts/{id}/accessTokens/{tokenId}`.
//!
//! The backend is LoopBack 3: the model is LoopBack's `AccessToken` `{id, ttl, scopes,
//! created, userId}`, create answers 200 (not 201), errors are strong-error-handler's
//! `{"error": {statusCode, name, message, code}}` and an ACL denial is a 401
//! `AUTHORIZATION_REQUIRED`. tokenkit never stores a secret, so the `id` is the secret only in
//! the create response; the list shows the token's public id, and DELETE takes either.

use serde_json::{json, Map, Value};

use super::{iso_ms, type_name, Caller, Dialect, DialectError, Failure, Response, Token, TokenDraft};

const D: Dialect = Dialect::Space;

/// ttl used when the request has none or `0` (the .NET SDK sends `0` when unset): the
/// documented "2 months", as 60 days in seconds.
pub const DEFAULT_TTL: i64 = 60 * 24 * 3600;
/// Longest accepted ttl (seconds): the .NET SDK reads `ttl` into an `int`, so anything larger
/// would break its client (about 68 years).
pub const MAX_TTL: i64 = i32::MAX as i64;
/// Longest accepted scope name (bytes).
pub const MAX_SCOPE: usize = 100;

pub(crate) fn status_of(f: Failure) -> u16 {
    match f {
        Failure::MalformedBody | Failure::MalformedQuery | Failure::MalformedPath => 400,
        Failure::Unauthenticated | Failure::Forbidden => 401,
        Failure::IpNotAllowed => 403,
        Failure::NotFound => 404,
        Failure::AlreadyExists | Failure::Conflict => 409,
        Failure::Invalid | Failure::InvalidPatch => 422,
        Failure::TooManyRequests => 429,
    }
}

pub(crate) fn code_of(f: Failure) -> &'static str {
    match f {
        Failure::MalformedBody | Failure::MalformedQuery | Failure::MalformedPath => "BAD_REQUEST",
        Failure::Unauthenticated | Failure::Forbidden => "AUTHORIZATION_REQUIRED",
        Failure::NotFound => "MODEL_NOT_FOUND",
        Failure::AlreadyExists | Failure::Conflict => "CONFLICT",
        Failure::Invalid | Failure::InvalidPatch => "VALIDATION_ERROR",
        Failure::IpNotAllowed => "ACCESS_DENIED",
        Failure::TooManyRequests => "TOO_MANY_REQUESTS",
    }
}

pub(crate) fn error_body(e: &DialectError) -> Value {
    let status = status_of(e.failure);
    match e.failure {
        Failure::Invalid | Failure::InvalidPatch => {
            let mut codes = Map::new();
            let mut messages = Map::new();
            let mut details = Vec::new();
            for (f, m) in e.fields() {
                codes.insert(f.clone(), json!(["invalid"]));
                messages.insert(f.clone(), json!([m]));
                details.push(format!("`{f}` {m}"));
            }
            json!({ "error": {
                "statusCode": status,
                "name": "ValidationError",
                "message": format!("The `AccessToken` instance is not valid. Details: {}.", details.join("; ")),
                "code": code_of(e.failure),
                "details": { "context": "AccessToken", "codes": codes, "messages": messages },
            }})
        }
        Failure::Unauthenticated | Failure::Forbidden => json!({ "error": {
            "statusCode": status, "name": "Error", "message": "Authorization Required", "code": code_of(e.failure),
        }}),
        _ => json!({ "error": { "statusCode": status, "name": "Error", "message": e.message, "code": code_of(e.failure) } }),
    }
}

fn invalid(field: &str, msg: impl Into<String>) -> DialectError {
    DialectError::field(D, Failure::Invalid, field, msg)
}

/// A denial: LoopBack's `$owner` ACL answers 401 "Authorization Required".
fn denied(why: &str) -> DialectError {
    DialectError::new(D, Failure::Forbidden, why)
}

/// Checks the `{id}` of `/v1/accounts/{id}/accessTokens`: a caller manages only its own
/// tokens, and Space's account is tokenkit's member (`owner`), whose id is `userId`.
///
/// # Errors
/// `401 AUTHORIZATION_REQUIRED` for any other id (as LoopBack's ACL does).
pub fn check_account(path_id: &str, caller: &Caller) -> Result<(), DialectError> {
    if path_id == caller.owner {
        Ok(())
    } else {
        Err(denied("the account in the path is not the caller's"))
    }
}

/// The caller's scope, which must be in the `names` language (else LoopBack's 401).
fn space_caller(caller: &Caller) -> Result<std::borrow::Cow<'_, Map<String, Value>>, DialectError> {
    caller.scope_in(D).map_err(|_| denied("the calling token is not a Space token"))
}

/// `None` = LoopBack's default scope (the account's full access); otherwise the scope names.
fn scopes_of(o: &Map<String, Value>) -> Option<Vec<String>> {
    o.get("scopes").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
}

/// Validates `POST /v1/accounts/{id}/accessTokens` and returns the token to store.
///
/// `ttl` is seconds from creation; `-1` never expires; `0` or no ttl means [`DEFAULT_TTL`]
/// shortened to the caller's remaining lifetime. The created time must be the same `now`.
///
/// # Errors
/// `400 BAD_REQUEST` for a body that is not JSON; `422 ValidationError` for a body that is not
/// an object, a ttl that is not an integer `>= -1`, longer than [`MAX_TTL`] or outliving the
/// caller (including `-1` from an expiring caller), scopes that are not a list of names;
/// `401 AUTHORIZATION_REQUIRED` for another account's path or scopes the caller lacks.
pub fn parse_create(body: &str, path_id: &str, caller: &Caller, now: i64) -> Result<TokenDraft, DialectError> {
    check_account(path_id, caller)?;
    space_caller(caller)?;
    let v = if body.trim().is_empty() { Value::Object(Map::new()) } else { super::parse_body(D, body)? };
    let Value::Object(o) = v else { return Err(invalid("body", format!("must be an object, not {}", type_name(&v)))) };

    let ttl = match o.get("ttl") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_i64() {
            Some(0) => None,
            Some(t) if t < -1 => return Err(invalid("ttl", "must be -1 (never expires) or a positive number of seconds")),
            Some(t) if t > MAX_TTL => return Err(invalid("ttl", format!("must be at most {MAX_TTL} seconds"))),
            Some(t) => Some(t),
            None => return Err(invalid("ttl", "must be an integer")),
        },
        Some(v) => return Err(invalid("ttl", format!("must be a number, not {}", type_name(v)))),
    };
    let scopes: Option<Vec<String>> = match o.get("scopes") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => {
            let mut out: Vec<String> = Vec::new();
            for x in a {
                match x.as_str() {
                    Some(s) if !s.is_empty() && s.len() <= MAX_SCOPE && !s.chars().any(|c| c.is_whitespace() || c.is_control()) => {
                        if !out.iter().any(|y| y == s) {
                            out.push(s.to_string());
                        }
                    }
                    _ => return Err(invalid("scopes", format!("must be an array of scope names (1 to {MAX_SCOPE} bytes, no spaces)"))),
                }
            }
            Some(out)
        }
        Some(v) => return Err(invalid("scopes", format!("must be an array, not {}", type_name(v)))),
    };
    super::issuer_covers(caller, &json!({ "language": "names", "scopes": scopes })).map_err(|m| denied(&m))?;

    let cap = caller.expires_at;
    let remaining = cap.map(|c| c.saturating_sub(now) / 1000);
    let (ttl, expires_at) = match (ttl, remaining) {
        (Some(-1), None) => (-1, None),
        (Some(-1), Some(_)) => return Err(invalid("ttl", "cannot be -1: the calling token expires")),
        (Some(t), r) => {
            if r.is_some_and(|r| t > r) {
                return Err(invalid("ttl", "must not outlive the calling token"));
            }
            (t, Some(now.saturating_add(t.saturating_mul(1000))))
        }
        (None, r) => {
            let t = r.map_or(DEFAULT_TTL, |r| r.min(DEFAULT_TTL));
            if t <= 0 {
                return Err(invalid("ttl", "the calling token expires in less than a second"));
            }
            (t, Some(now.saturating_add(t.saturating_mul(1000))))
        }
    };
    let mut meta = Map::new();
    meta.insert("ttl".into(), json!(ttl));
    Ok(TokenDraft {
        id: None,
        name: String::new(),
        description: None,
        scope: json!({ "language": "names", "scopes": scopes }),
        expires_at,
        meta,
    })
}

/// Renders `t` as LoopBack's `AccessToken`: `id` is `secret` when given (create), else the
/// public id. `scopes` is omitted for an unscoped token. `None` if `t` is not a names token.
pub fn render(t: &Token, secret: Option<&str>) -> Option<Value> {
    let o = t.scope.as_object().filter(|o| o.get("language").and_then(Value::as_str) == Some("names"))?;
    let ttl = t.meta.get("ttl").and_then(Value::as_i64).unwrap_or_else(|| match t.expires_at {
        None => -1,
        // A token made through another API: its remaining span, within the SDK's `int`.
        Some(e) => (e.saturating_sub(t.created_at) / 1000).clamp(1, MAX_TTL),
    });
    let mut m = Map::new();
    m.insert("id".into(), json!(secret.unwrap_or(&t.id)));
    m.insert("ttl".into(), json!(ttl));
    if let Some(s) = scopes_of(o) {
        m.insert("scopes".into(), json!(s));
    }
    m.insert("created".into(), json!(iso_ms(t.created_at)));
    m.insert("userId".into(), json!(t.owner));
    Some(Value::Object(m))
}

/// The `200` answer to a create (LoopBack answers 200, not 201), with the secret as `id`.
pub fn create_response(t: &Token, secret: &str) -> Option<Response> {
    render(t, Some(secret)).map(|b| Response::json(200, b))
}

/// `GET /v1/accounts/{id}/accessTokens`: the caller's own names tokens, oldest first.
///
/// # Errors
/// `401 AUTHORIZATION_REQUIRED` for another account's path or a caller token that is not a
/// Space token.
pub fn list_response(tokens: &[Token], path_id: &str, caller: &Caller) -> Result<Response, DialectError> {
    check_account(path_id, caller)?;
    space_caller(caller)?;
    let mut mine: Vec<&Token> = tokens.iter().filter(|t| t.account == caller.account && t.owner == caller.owner).collect();
    super::sort_by_creation(&mut mine);
    Ok(Response::json(200, Value::Array(mine.into_iter().filter_map(|t| render(t, None)).collect())))
}

/// Decodes the `{tokenId}` path segment (a public id from the list, or the secret `id` from
/// the create response; the worker looks up the latter by digest).
///
/// # Errors
/// `401` for another account's path; `400 BAD_REQUEST` for a bad escape or an empty id.
pub fn parse_delete(path_id: &str, raw_token_id: &str, caller: &Caller) -> Result<String, DialectError> {
    check_account(path_id, caller)?;
    space_caller(caller)?;
    match super::percent_decode(raw_token_id, false) {
        Some(s) if !s.is_empty() && s.len() <= 256 => Ok(s),
        _ => Err(DialectError::field(D, Failure::MalformedPath, "tokenId", "invalid tokenId")),
    }
}

/// Whether `t` (the token `tokenId` resolved to) is the caller's to delete. An unknown id and
/// another member's token are the same 404; the message never echoes the id (it may be a
/// secret).
///
/// # Errors
/// `404 MODEL_NOT_FOUND`.
pub fn check_delete(t: Option<&Token>, caller: &Caller) -> Result<(), DialectError> {
    match t {
        Some(t) if t.account == caller.account && t.owner == caller.owner && t.language() == Some("names") => Ok(()),
        _ => Err(DialectError::new(D, Failure::NotFound, "No instance with the given id found for AccessToken")),
    }
}
