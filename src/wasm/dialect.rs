//! JS bindings for `crate::dialect`: one function per dialect operation, for the worker's thin
//! route files.
//!
//! Parsers return a validated `TokenDraft` (or the id to act on); renderers return
//! `{status, body}`. A rejected request throws a `TokenkitError` whose `status` and `body` are
//! the vendor's HTTP status and JSON error body, so a route file is
//! `try { … } catch (e) { if (e.status) return json(e.status, e.body); throw e; }`.

use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::prelude::*;

use crate::dialect::{self, akinon, launchdarkly as ld, s2, space, Caller, Credentials, Dialect, DialectError, Failure, Response, Token};
use crate::Error;

#[wasm_bindgen(typescript_custom_section)]
const TS_DIALECT: &'static str = r#"
/** A seed API: "s2" | "akinon" | "launchdarkly" | "space". */
export type DialectName = "s2" | "akinon" | "launchdarkly" | "space";
/** tokenkit's failure codes for dialect requests (`TokenkitError.code`). */
export type DialectFailure = "malformed_body" | "malformed_query" | "malformed_path" | "invalid_request"
  | "invalid_patch" | "unauthenticated" | "forbidden" | "not_found" | "already_exists" | "conflict"
  | "ip_not_allowed" | "too_many_requests";
/** A stored token (the common model). Times are Unix epoch milliseconds. */
export interface DialectToken {
  id: string; account: string; owner: string; name: string; description?: string;
  /** Tagged scope JSON: `{language: "s2" | "privileges" | "policy" | "names", ...}`. */
  scope: { language: string; [k: string]: unknown };
  createdAt: number; updatedAt: number; expiresAt: number | null; lastUsedAt?: number;
  /** Last four characters of the current secret. */
  hint: string;
  meta?: Record<string, unknown>;
  version: number;
  /** Its conditions of use (stored form), compared by a reset (`holds`). */
  conditions?: Conditions | null;
}
/** A validated create/issue request: the worker adds secret, digest, hint, id (when null), account, owner, times. */
export interface TokenDraft {
  id: string | null; name: string; description: string | null;
  scope: { language: string; [k: string]: unknown };
  expiresAt: number | null;
  meta: Record<string, unknown>;
}
/** The authenticated caller (the token that made the request). */
export interface DialectCaller {
  account: string; owner: string; tokenId?: string;
  scope: { language: string; [k: string]: unknown };
  expiresAt: number | null;
  /** Its conditions of use (stored form): a reset may not hand it a laxer token's secret. */
  conditions?: Conditions | null;
}
/** Where a credential may come from. */
export interface DialectCredentials { authorization?: string | null; xAccessToken?: string | null; accessTokenQuery?: string | null }
/** A vendor response: status and JSON body (`null` for an empty body). */
export interface DialectResponse { status: number; body: unknown }
export interface S2ListQuery { prefix: string; startAfter: string; limit: number }
export interface LdListQuery { showAll: boolean; limit: number; offset: number }
/** A rejected dialect request: `status` and `body` are the vendor's. */
export interface DialectError extends TokenkitError {
  code: DialectFailure; dialect: DialectName; status: number; body: unknown; vendorCode?: string;
}
"#;

fn arg<T: DeserializeOwned>(field: &str, v: JsValue) -> Result<T, Error> {
    super::from_js_json(field, &v)
}

fn out<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, Error> {
    super::to_js(v)
}

fn ms(field: &str, v: f64) -> Result<i64, Error> {
    if v.is_finite() && v.fract() == 0.0 && v.abs() <= 8.64e15 {
        Ok(v as i64)
    } else {
        Err(Error::invalid_input(field, "must be an integer number of epoch milliseconds"))
    }
}

fn dialect_arg(name: &str) -> Result<Dialect, Error> {
    Dialect::seed_from_name(name).ok_or_else(|| Error::invalid_input("dialect", format!("unknown dialect {name:?}")))
}

fn caller(v: JsValue) -> Result<Caller, Error> {
    arg("caller", v)
}

fn token(v: JsValue) -> Result<Token, Error> {
    arg("token", v)
}

fn opt_token(v: JsValue) -> Result<Option<Token>, Error> {
    if v.is_null() || v.is_undefined() { Ok(None) } else { token(v).map(Some) }
}

fn tokens(v: JsValue) -> Result<Vec<Token>, Error> {
    arg("tokens", v)
}

fn resp(r: Result<Response, DialectError>) -> Result<JsValue, Error> {
    out(&r?)
}

fn not_in_language(d: Dialect) -> Error {
    Error::invalid_input("token", format!("token scope is not in the {} language", d.language()))
}

// ---- shared ------------------------------------------------------------------------------------

/// Extracts the request's secret the way `dialect` documents its auth header; throws the
/// vendor's 401 otherwise.
#[wasm_bindgen(js_name = dialectCredential)]
pub fn dialect_credential(#[wasm_bindgen(unchecked_param_type = "DialectName")] dialect: &str, #[wasm_bindgen(unchecked_param_type = "DialectCredentials")] creds: JsValue) -> Result<String, JsValue> {
    let d = dialect_arg(dialect)?;
    let c: Credentials = arg("credentials", creds)?;
    Ok(dialect::credential(d, &c).map_err(Error::from)?)
}

/// The vendor's `{status, body}` for a failure the worker detects itself (`"unauthenticated"`
/// after a failed verification, `"not_found"`, `"already_exists"` on a duplicate id,
/// `"conflict"` on a version mismatch, `"forbidden"`).
#[wasm_bindgen(js_name = dialectErrorResponse, unchecked_return_type = "DialectResponse")]
pub fn dialect_error_response(#[wasm_bindgen(unchecked_param_type = "DialectName")] dialect: &str, #[wasm_bindgen(unchecked_param_type = "DialectFailure")] code: &str, message: Option<String>) -> Result<JsValue, JsValue> {
    let d = dialect_arg(dialect)?;
    let f = Failure::from_code(code).ok_or_else(|| Error::invalid_input("code", format!("unknown dialect failure {code:?}")))?;
    let e = match (f, message) {
        (Failure::Unauthenticated, None) => dialect::unauthenticated(d),
        (Failure::NotFound, None) if d == Dialect::LaunchDarkly => DialectError::new(d, f, ld::NOT_FOUND),
        (Failure::Forbidden, None) if d == Dialect::LaunchDarkly => DialectError::new(d, f, ld::FORBIDDEN),
        (Failure::Conflict, None) if d == Dialect::LaunchDarkly => DialectError::new(d, f, ld::CONFLICT),
        (_, m) => DialectError::new(d, f, m.unwrap_or_else(|| f.code().replace('_', " "))),
    };
    Ok(out(&Response::from(&e))?)
}

/// A dialect's answer to a use its token's conditions refuse (`decideConditions`'s `code`):
/// `not_yet_valid` as the vendor's 401, `ip_not_allowed` as its 403, `rate_limited` and
/// `usage_exhausted` as its 429 (docs/dialects.md, "Conditions of use").
#[wasm_bindgen(js_name = dialectUseRefusal, unchecked_return_type = "DialectResponse")]
pub fn dialect_use_refusal(
    #[wasm_bindgen(unchecked_param_type = "DialectName")] dialect: &str,
    #[wasm_bindgen(unchecked_param_type = "\"not_yet_valid\" | \"ip_not_allowed\" | \"rate_limited\" | \"usage_exhausted\"")] code: &str,
    message: &str,
) -> Result<JsValue, JsValue> {
    let d = dialect_arg(dialect)?;
    let e = crate::dialect::use_refusal(d, code, message).ok_or_else(|| Error::invalid_input("code", format!("not a refusal of a token's conditions: {code:?}")))?;
    Ok(out(&Response::from(&e))?)
}

/// The dialect whose shape a token is listed in (from its scope language), or `null`.
#[wasm_bindgen(js_name = dialectOf, unchecked_return_type = "DialectName | null")]
pub fn dialect_of(#[wasm_bindgen(unchecked_param_type = "DialectToken")] t: JsValue) -> Result<JsValue, JsValue> {
    let t = token(t)?;
    Ok(t.language().and_then(Dialect::for_language).map_or(JsValue::NULL, |d| JsValue::from_str(d.name())))
}

/// Renders a stored token in `dialect`'s list-item shape (no secret), or `null` when its scope
/// is not in that dialect's language.
#[wasm_bindgen(js_name = dialectRender, unchecked_return_type = "Record<string, JsonPatchValue> | null")]
pub fn dialect_render(#[wasm_bindgen(unchecked_param_type = "DialectName")] dialect: &str, #[wasm_bindgen(unchecked_param_type = "DialectToken")] t: JsValue) -> Result<JsValue, JsValue> {
    let d = dialect_arg(dialect)?;
    let t = token(t)?;
    let v = match d {
        Dialect::Tokenkit => None,
        Dialect::S2 => s2::render_info(&t),
        Dialect::Akinon => akinon::create_response(&t, &akinon::masked(&t.hint)).and_then(|r| r.body),
        Dialect::LaunchDarkly => ld::render(&t, None),
        Dialect::Space => space::render(&t, None),
    };
    Ok(out(&v)?)
}

// ---- S2 ----------------------------------------------------------------------------------------

/// Validates `POST /v1/access-tokens` (body text) for `caller` at `now` (epoch ms).
#[wasm_bindgen(js_name = s2ParseIssue, unchecked_return_type = "TokenDraft")]
pub fn s2_parse_issue(body: &str, #[wasm_bindgen(unchecked_param_type = "DialectCaller")] c: JsValue, now: f64) -> Result<JsValue, JsValue> {
    Ok(out(&s2::parse_issue(body, &caller(c)?, ms("now", now)?).map_err(Error::from)?)?)
}

/// The 201 `{access_token}` response.
#[wasm_bindgen(js_name = s2IssueResponse, unchecked_return_type = "DialectResponse")]
pub fn s2_issue_response(secret: &str) -> Result<JsValue, JsValue> {
    Ok(out(&s2::issue_response(secret))?)
}

/// Parses the list query string (`prefix`, `start_after`, `limit`).
#[wasm_bindgen(js_name = s2ParseListQuery, unchecked_return_type = "S2ListQuery")]
pub fn s2_parse_list_query(query: &str) -> Result<JsValue, JsValue> {
    Ok(out(&s2::parse_list_query(query).map_err(Error::from)?)?)
}

/// The 200 list page: filters, sorts and cuts `tokens` (any superset of the page).
#[wasm_bindgen(js_name = s2ListResponse, unchecked_return_type = "DialectResponse")]
pub fn s2_list_response(
    #[wasm_bindgen(unchecked_param_type = "DialectToken[]")] ts: JsValue,
    #[wasm_bindgen(unchecked_param_type = "S2ListQuery")] q: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DialectCaller")] c: JsValue,
) -> Result<JsValue, JsValue> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Q {
        prefix: String,
        start_after: String,
        limit: usize,
    }
    let q: Q = arg("query", q)?;
    let q = s2::ListQuery { prefix: q.prefix, start_after: q.start_after, limit: q.limit.clamp(1, s2::MAX_LIMIT) };
    Ok(resp(s2::list_response(&tokens(ts)?, &q, &caller(c)?))?)
}

/// Decodes and authorises the `{id}` of `DELETE /v1/access-tokens/{id}`; returns the id.
#[wasm_bindgen(js_name = s2ParseRevoke)]
pub fn s2_parse_revoke(#[wasm_bindgen(js_name = "rawSegment")] raw_segment: &str, #[wasm_bindgen(unchecked_param_type = "DialectCaller")] c: JsValue) -> Result<String, JsValue> {
    Ok(s2::parse_revoke(raw_segment, &caller(c)?).map_err(Error::from)?)
}

// ---- Akinon --------------------------------------------------------------------------------------

/// Validates `POST /api/v1/me/tokens`.
#[wasm_bindgen(js_name = akinonParseCreate, unchecked_return_type = "TokenDraft")]
pub fn akinon_parse_create(body: &str, #[wasm_bindgen(unchecked_param_type = "DialectCaller")] c: JsValue, now: f64) -> Result<JsValue, JsValue> {
    Ok(out(&akinon::parse_create(body, &caller(c)?, ms("now", now)?).map_err(Error::from)?)?)
}

/// The 201 `UserAccessToken` with the full secret.
#[wasm_bindgen(js_name = akinonCreateResponse, unchecked_return_type = "DialectResponse")]
pub fn akinon_create_response(#[wasm_bindgen(unchecked_param_type = "DialectToken")] t: JsValue, secret: &str) -> Result<JsValue, JsValue> {
    let r = akinon::create_response(&token(t)?, secret).ok_or_else(|| not_in_language(Dialect::Akinon))?;
    Ok(out(&r)?)
}

/// The organization object of list items, derived from tokenkit's account fields.
#[wasm_bindgen(js_name = akinonOrganization, unchecked_return_type = "Record<string, JsonPatchValue>")]
pub fn akinon_organization(account: &str, name: &str, owner: &str, #[wasm_bindgen(unchecked_param_type = "string[]")] privileges: JsValue, #[wasm_bindgen(js_name = "createdAt")] created_at: f64) -> Result<JsValue, JsValue> {
    let p: Vec<String> = arg("privileges", privileges)?;
    Ok(out(&akinon::organization(account, name, owner, &p, ms("createdAt", created_at)?))?)
}

/// The 200 list of the caller's tokens (masked), each with `organization`.
#[wasm_bindgen(js_name = akinonListResponse, unchecked_return_type = "DialectResponse")]
pub fn akinon_list_response(
    #[wasm_bindgen(unchecked_param_type = "DialectToken[]")] ts: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Record<string, unknown>")] organization: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DialectCaller")] c: JsValue,
) -> Result<JsValue, JsValue> {
    let org: serde_json::Value = arg("organization", organization)?;
    Ok(resp(akinon::list_response(&tokens(ts)?, &org, &caller(c)?))?)
}

/// Checks the 24-hex `{tokenId}`; returns it lowercased.
#[wasm_bindgen(js_name = akinonParseTokenId)]
pub fn akinon_parse_token_id(raw: &str) -> Result<String, JsValue> {
    Ok(akinon::parse_token_id(raw).map_err(Error::from)?)
}

/// Throws the 404 unless `token` (as looked up, or null) is the caller's own.
#[wasm_bindgen(js_name = akinonCheckDelete)]
pub fn akinon_check_delete(#[wasm_bindgen(unchecked_param_type = "DialectToken | null")] t: JsValue, #[wasm_bindgen(unchecked_param_type = "DialectCaller")] c: JsValue) -> Result<(), JsValue> {
    Ok(akinon::check_delete(opt_token(t)?.as_ref(), &caller(c)?).map_err(Error::from)?)
}

// ---- LaunchDarkly ------------------------------------------------------------------------------

/// Validates `POST /api/v2/tokens`.
#[wasm_bindgen(js_name = ldParseCreate, unchecked_return_type = "TokenDraft")]
pub fn ld_parse_create(body: &str, #[wasm_bindgen(unchecked_param_type = "DialectCaller")] c: JsValue, now: f64) -> Result<JsValue, JsValue> {
    Ok(out(&ld::parse_create(body, &caller(c)?, ms("now", now)?).map_err(Error::from)?)?)
}

/// A `Token` response; `secret` (full value) only after create or reset.
#[wasm_bindgen(js_name = ldTokenResponse, unchecked_return_type = "DialectResponse")]
pub fn ld_token_response(#[wasm_bindgen(unchecked_param_type = "DialectToken")] t: JsValue, secret: Option<String>, status: u16) -> Result<JsValue, JsValue> {
    Ok(resp(ld::token_response(&token(t)?, secret.as_deref(), status))?)
}

/// Parses `showAll`, `limit`, `offset`.
#[wasm_bindgen(js_name = ldParseListQuery, unchecked_return_type = "LdListQuery")]
pub fn ld_parse_list_query(query: &str) -> Result<JsValue, JsValue> {
    Ok(out(&ld::parse_list_query(query).map_err(Error::from)?)?)
}

/// The 200 `Tokens` page.
#[wasm_bindgen(js_name = ldListResponse, unchecked_return_type = "DialectResponse")]
pub fn ld_list_response(
    #[wasm_bindgen(unchecked_param_type = "DialectToken[]")] ts: JsValue,
    #[wasm_bindgen(unchecked_param_type = "LdListQuery")] q: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DialectCaller")] c: JsValue,
) -> Result<JsValue, JsValue> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Q {
        show_all: bool,
        limit: usize,
        offset: usize,
    }
    let q: Q = arg("query", q)?;
    let q = ld::ListQuery { show_all: q.show_all, limit: q.limit.clamp(1, ld::MAX_LIMIT), offset: q.offset };
    Ok(resp(ld::list_response(&tokens(ts)?, &q, &caller(c)?))?)
}

/// Throws the 404 unless the caller may see and manage `token` (as looked up, or null).
#[wasm_bindgen(js_name = ldCheckAccess)]
pub fn ld_check_access(#[wasm_bindgen(unchecked_param_type = "DialectToken | null")] t: JsValue, #[wasm_bindgen(unchecked_param_type = "DialectCaller")] c: JsValue) -> Result<(), JsValue> {
    Ok(ld::check_access(opt_token(t)?.as_ref(), &caller(c)?).map_err(Error::from)?)
}

/// Applies a `PATCH` body to `token`; returns the updated token to store.
#[wasm_bindgen(js_name = ldApplyPatch, unchecked_return_type = "DialectToken")]
pub fn ld_apply_patch(#[wasm_bindgen(unchecked_param_type = "DialectToken")] t: JsValue, body: &str, #[wasm_bindgen(unchecked_param_type = "DialectCaller")] c: JsValue, now: f64) -> Result<JsValue, JsValue> {
    Ok(out(&ld::apply_patch(&token(t)?, body, &caller(c)?, ms("now", now)?).map_err(Error::from)?)?)
}

/// Parses the reset query and checks that the caller holds what the token holds (a reset hands
/// it the new secret); returns until when the old secret stays valid (epoch ms), or `null` for
/// "invalid at once".
#[wasm_bindgen(js_name = ldParseReset, unchecked_return_type = "number | null")]
pub fn ld_parse_reset(
    query: &str,
    #[wasm_bindgen(unchecked_param_type = "DialectToken")] t: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DialectCaller")] c: JsValue,
    now: f64,
) -> Result<JsValue, JsValue> {
    let r = ld::parse_reset(query, &token(t)?, &caller(c)?, ms("now", now)?).map_err(Error::from)?;
    Ok(r.map_or(JsValue::NULL, |x| JsValue::from_f64(x as f64)))
}

// ---- Space ---------------------------------------------------------------------------------------

/// Validates `POST /v1/accounts/{id}/accessTokens`.
#[wasm_bindgen(js_name = spaceParseCreate, unchecked_return_type = "TokenDraft")]
pub fn space_parse_create(body: &str, #[wasm_bindgen(js_name = "pathId")] path_id: &str, #[wasm_bindgen(unchecked_param_type = "DialectCaller")] c: JsValue, now: f64) -> Result<JsValue, JsValue> {
    Ok(out(&space::parse_create(body, path_id, &caller(c)?, ms("now", now)?).map_err(Error::from)?)?)
}

/// The 200 `AccessToken` with the secret as `id`.
#[wasm_bindgen(js_name = spaceCreateResponse, unchecked_return_type = "DialectResponse")]
pub fn space_create_response(#[wasm_bindgen(unchecked_param_type = "DialectToken")] t: JsValue, secret: &str) -> Result<JsValue, JsValue> {
    let r = space::create_response(&token(t)?, secret).ok_or_else(|| not_in_language(Dialect::Space))?;
    Ok(out(&r)?)
}

/// The 200 array of the caller's tokens.
#[wasm_bindgen(js_name = spaceListResponse, unchecked_return_type = "DialectResponse")]
pub fn space_list_response(#[wasm_bindgen(unchecked_param_type = "DialectToken[]")] ts: JsValue, #[wasm_bindgen(js_name = "pathId")] path_id: &str, #[wasm_bindgen(unchecked_param_type = "DialectCaller")] c: JsValue) -> Result<JsValue, JsValue> {
    Ok(resp(space::list_response(&tokens(ts)?, path_id, &caller(c)?))?)
}

/// Checks the path account and decodes `{tokenId}` (a public id or the secret).
#[wasm_bindgen(js_name = spaceParseDelete)]
pub fn space_parse_delete(#[wasm_bindgen(js_name = "pathId")] path_id: &str, #[wasm_bindgen(js_name = "rawTokenId")] raw_token_id: &str, #[wasm_bindgen(unchecked_param_type = "DialectCaller")] c: JsValue) -> Result<String, JsValue> {
    Ok(space::parse_delete(path_id, raw_token_id, &caller(c)?).map_err(Error::from)?)
}

/// Throws the 404 unless `token` (as resolved, or null) is the caller's own.
#[wasm_bindgen(js_name = spaceCheckDelete)]
pub fn space_check_delete(#[wasm_bindgen(unchecked_param_type = "DialectToken | null")] t: JsValue, #[wasm_bindgen(unchecked_param_type = "DialectCaller")] c: JsValue) -> Result<(), JsValue> {
    Ok(space::check_delete(opt_token(t)?.as_ref(), &caller(c)?).map_err(Error::from)?)
}
