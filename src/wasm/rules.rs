//! JS bindings for `crate::rules`: the service's rules, for the token service, the dashboard and
//! any host of the package. Refusals throw a `TokenkitError` whose `status` is the HTTP status
//! tokenkit's own API answers with and whose `field` names the field at fault.

use wasm_bindgen::prelude::*;

use super::scope::scope_arg;
use super::secret::set;
use super::{from_js_json, to_js};
use crate::rules::expiry::{self, GraceArg, LifetimeArg};
use crate::rules::holds::{self, Party};
use crate::rules::limits::{self, LIMITS};
use crate::rules::list::parse_list_query;
use crate::rules::manage::{self, Role, Target, Verb};
use super::verify::{get, ms, ms_opt, object_arg, opt_ms_field, opt_str_field, str_field};
use crate::Error;

#[wasm_bindgen(typescript_custom_section)]
const TS_RULES: &'static str = r#"
/** One row of the field-limit table (`fieldLimits()`); query parameters as `query.<name>`. */
export interface FieldLimit {
  field: string;
  kind: "text" | "string" | "integer" | "items";
  /** Least length (text: 1 = required), value or item count. */
  min: number;
  /** Greatest length in characters, value or item count. */
  max: number;
  /** The code a value past the limit is refused with. */
  code: string;
  /** The HTTP status of that refusal on tokenkit's own API. */
  status: number;
}
/** What a management request does to a token. */
export type ManageVerb = "read" | "create" | "update" | "rotate" | "delete";
/** The token a management request is about; `"*"` for any. */
export interface ManageTarget { id: string; owner: string }
/** A member's role in its account. */
export type MemberRole = "owner" | "admin" | "member";
/** A token as `holds` compares it: expiry in epoch ms or an RFC 3339 string, null = never. */
export interface HoldParty { account?: string | null; id: string; scope: Scope; expiresAt?: number | string | null; conditions?: Conditions | null }
/** `holds`'s answer. */
export type Holding = { held: true } | { held: false; code: "scope_not_covered" | "outlives_issuer" | "conditions_not_covered"; reason: string };
/** A rotation's grace: when the old secret stops (null: at once) and what the store keeps. */
export interface Grace { until: number | null; previousValidUntil: number }
/** A checked query of tokenkit's own token list. */
export interface ListQuery {
  limit: number;
  cursor: number | null;
  name: string | null;
  all: boolean;
  expired: boolean | null;
  /** Only tokens expiring after now and up to this instant (epoch ms). */
  expiringUntil: number | null;
  /** Revoked tokens instead of live ones. */
  revoked: boolean;
}
/** Which audit events a caller reads: its account's, all of them (subject null) or those about one member. */
export interface AuditView { account: string; subject: string | null }
/** An audit log action. */
export type AuditAction = "token.created" | "token.patched" | "token.rotated" | "token.disabled" | "token.enabled" | "token.revoked" | "member.added" | "member.removed" | "member.role_changed" | "account.created" | "account.policy_changed";
/** A checked query of `GET /tk/v1/audit` (instants in epoch ms). */
export interface AuditQuery { limit: number; cursor: number | null; target: string | null; actor: string | null; action: AuditAction | null; since: number | null; until: number | null }
/** A checked bulk revocation filter (instants in epoch ms). */
export interface BulkRevoke { owner: string | null; name: string | null; createdBefore: number | null; notUsedSince: number | null }
/** An account's policy. */
export interface AccountPolicy { maxLifetime: string | null; requireExpiry: boolean; onLeak: "revoke" | "disable" }
/** A claimed Idempotency-Key as stored (createdAt in epoch ms; status null while the first request runs). */
export interface IdempotencyClaim { fingerprint: string; createdAt: number; status: number | null }
/** The service's defaults. */
export interface RuleDefaults { defaultLifetime: LifetimePreset; firstTokenLifetime: LifetimePreset; soonDays: number; newId: string; idempotencyTtlMs: number; bulkRevokeMax: number }
"#;

fn verb_arg(v: &str) -> Result<Verb, Error> {
    Verb::from_name(v).ok_or_else(|| Error::invalid_input("verb", "expected read, create, update, rotate or delete"))
}

fn role_arg(v: &str) -> Result<Role, Error> {
    Role::from_name(v).ok_or_else(|| Error::invalid_input("role", "expected owner, admin or member"))
}

fn ms_js(m: Option<i64>) -> JsValue {
    m.map_or(JsValue::NULL, |m| JsValue::from_f64(m as f64))
}

fn target_arg(v: &JsValue) -> Result<Target, Error> {
    let v = object_arg("target", v)?;
    Ok(Target { id: str_field("target", v, "id")?, owner: str_field("target", v, "owner")? })
}

fn request_js(r: &crate::scope::Request) -> JsValue {
    let o = js_sys::Object::new();
    set(&o, "action", r.action.as_str());
    for (k, v) in [("resource", &r.resource), ("basin", &r.basin), ("stream", &r.stream), ("accessToken", &r.access_token)] {
        if let Some(v) = v {
            set(&o, k, v.as_str());
        }
    }
    o.into()
}

/// The field-limit table, the same for every API (docs/service.md, "Field limits").
#[wasm_bindgen(js_name = fieldLimits, unchecked_return_type = "FieldLimit[]")]
pub fn field_limits() -> JsValue {
    let rows = js_sys::Array::new();
    for l in LIMITS {
        let o = js_sys::Object::new();
        set(&o, "field", l.field);
        set(&o, "kind", l.kind.name());
        set(&o, "min", l.min);
        set(&o, "max", l.max);
        set(&o, "code", l.code);
        set(&o, "status", l.status);
        rows.push(&o);
    }
    rows.into()
}

/// Checks a display string (`name`, `description`, `owner`) against the table and returns it
/// trimmed, or `null` when it is absent and not required. Throws `invalid_field` (status 422).
#[wasm_bindgen(js_name = checkText, unchecked_return_type = "string | null")]
pub fn check_text(field: &str, #[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue) -> Result<JsValue, Error> {
    let v = if value.is_null() || value.is_undefined() {
        None
    } else if let Some(s) = value.as_string() {
        Some(serde_json::Value::String(s))
    } else {
        Some(serde_json::Value::Bool(false)) // any non-string: "must be a string"
    };
    Ok(limits::check_text(field, v.as_ref())?.map_or(JsValue::NULL, |s| JsValue::from_str(&s)))
}

/// Checks a string taken as it is (`token`, `lifetime`, `grace`, `query.name`) against the table.
#[wasm_bindgen(js_name = checkLength)]
pub fn check_length(field: &str, value: &str) -> Result<(), Error> {
    Ok(limits::check_length(field, value)?)
}

/// Checks a count of items (`patch`: operations in one JSON Patch) against the table.
#[wasm_bindgen(js_name = checkItems)]
pub fn check_items(field: &str, count: u32) -> Result<(), Error> {
    Ok(limits::check_items(field, count as usize)?)
}

/// The scope request that `verb` on `target` means in a scope language (`"s2"`, `"policy"`,
/// `"privileges"`, `"names"`).
#[wasm_bindgen(js_name = managementRequest, unchecked_return_type = "ScopeRequest")]
pub fn management_request(
    #[wasm_bindgen(unchecked_param_type = "\"s2\" | \"privileges\" | \"policy\" | \"names\"")] language: &str,
    #[wasm_bindgen(unchecked_param_type = "ManageVerb")] verb: &str,
    #[wasm_bindgen(unchecked_param_type = "ManageTarget")] target: JsValue,
) -> Result<JsValue, Error> {
    let lang = crate::scope::Language::from_name(language).ok_or_else(|| Error::invalid_input("language", "expected s2, privileges, policy or names"))?;
    let t = target_arg(&target)?;
    Ok(request_js(&manage::management_request(lang, verb_arg(verb)?, &t)))
}

/// Does `scope` allow `verb` on `target`? The decision with its reason (never throws for a
/// refusal; throws for a scope that is not valid).
#[wasm_bindgen(js_name = mayManage, unchecked_return_type = "Decision")]
pub fn may_manage(
    #[wasm_bindgen(unchecked_param_type = "Scope | string")] scope: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ManageVerb")] verb: &str,
    #[wasm_bindgen(unchecked_param_type = "ManageTarget")] target: JsValue,
) -> Result<JsValue, Error> {
    let s = scope_arg("scope", &scope)?;
    let t = target_arg(&target)?;
    to_js(&manage::may_manage(&s, verb_arg(verb)?, &t))
}

/// `mayManage`, as the service answers it: throws 403 `insufficient_scope` when not allowed.
#[wasm_bindgen(js_name = requireManage)]
pub fn require_manage(
    #[wasm_bindgen(unchecked_param_type = "Scope | string")] scope: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ManageVerb")] verb: &str,
    #[wasm_bindgen(unchecked_param_type = "ManageTarget")] target: JsValue,
) -> Result<(), Error> {
    // Scope text (a stored row's, as the service passes it): compiled once per text and kept
    // (the service checks the caller's scope on every request, and the same few tokens call).
    if let Some(text) = scope.as_string() {
        let verb = verb_arg(verb)?;
        let t = target_arg(&target)?;
        return with_compiled_scope(&text, |language, compiled| Ok(manage::require_manage_compiled(language, compiled, verb, &t)?));
    }
    let s = scope_arg("scope", &scope)?;
    let t = target_arg(&target)?;
    Ok(manage::require_manage(&s, verb_arg(verb)?, &t)?)
}

/// Compiled scopes by their JSON text: the last [`COMPILED_KEEP`] distinct texts, most recent
/// last. A scope's meaning is a function of its text, so a kept one is the one parsing would make.
struct CompiledScopes(Vec<(String, crate::scope::Language, crate::scope::Compiled)>);

const COMPILED_KEEP: usize = 16;
/// Longer texts are compiled per call and not kept (bounds the memory kept).
const COMPILED_MAX_TEXT: usize = 16 * 1024;

thread_local! {
    static COMPILED: core::cell::RefCell<CompiledScopes> = const { core::cell::RefCell::new(CompiledScopes(Vec::new())) };
}

/// Runs `f` on the compiled scope of the scope text `text` (parsed as `scope_arg` parses it).
fn with_compiled_scope<R>(text: &str, f: impl FnOnce(crate::scope::Language, &crate::scope::Compiled) -> Result<R, Error>) -> Result<R, Error> {
    COMPILED.with(|cell| {
        let Ok(mut kept) = cell.try_borrow_mut() else {
            let s = scope_arg("scope", &JsValue::from_str(text))?;
            return f(s.language(), &s.compile());
        };
        if let Some(i) = kept.0.iter().position(|(t, _, _)| t == text) {
            let entry = kept.0.remove(i);
            kept.0.push(entry);
        } else {
            let json: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::invalid_input("scope", format!("not JSON: {e}")))?;
            let s = crate::scope::Scope::from_json(&json)?;
            let (language, compiled) = (s.language(), s.compile());
            if text.len() > COMPILED_MAX_TEXT {
                return f(language, &compiled);
            }
            if kept.0.len() >= COMPILED_KEEP {
                kept.0.remove(0);
            }
            kept.0.push((text.to_owned(), language, compiled));
        }
        match kept.0.last() {
            Some((_, language, compiled)) => f(*language, compiled),
            None => Err(Error::invalid_input("scope", "internal error: no compiled scope")),
        }
    })
}

fn party(field: &str, v: &JsValue) -> Result<Party, Error> {
    let v = object_arg(field, v)?;
    // Expiries may come as epoch ms or RFC 3339 (the API's token objects).
    Ok(Party {
        account: opt_str_field(field, v, "account")?,
        id: str_field(field, v, "id")?,
        scope: from_js_json(&format!("{field}.scope"), &get(v, "scope"))?,
        expires_at: opt_ms_field(field, v, "expiresAt")?,
        conditions: {
            let c = get(v, "conditions");
            if c.is_null() || c.is_undefined() {
                None
            } else {
                Some(from_js_json(&format!("{field}.conditions"), &c)?)
            }
        },
    })
}

/// May `holder` be handed a new secret for `token` (a rotation, a reset)? `{held: true}`, or
/// `{held: false, code, reason}` with the code the service answers 403 with.
#[wasm_bindgen(unchecked_return_type = "Holding")]
pub fn holds(
    #[wasm_bindgen(unchecked_param_type = "HoldParty")] holder: JsValue,
    #[wasm_bindgen(unchecked_param_type = "HoldParty")] token: JsValue,
) -> Result<JsValue, Error> {
    let r = holds::holds(&party("holder", &holder)?, &party("token", &token)?);
    to_js(&match r {
        Ok(()) => serde_json::json!({ "held": true }),
        Err(e) => serde_json::json!({ "held": false, "code": e.code, "reason": e.message }),
    })
}

/// `holds`, as the service answers it: throws 403 `scope_not_covered` / `outlives_issuer`.
#[wasm_bindgen(js_name = requireHolds)]
pub fn require_holds(
    #[wasm_bindgen(unchecked_param_type = "HoldParty")] holder: JsValue,
    #[wasm_bindgen(unchecked_param_type = "HoldParty")] token: JsValue,
) -> Result<(), Error> {
    Ok(holds::holds(&party("holder", &holder)?, &party("token", &token)?)?)
}

/// The expiry (epoch ms, `null` = never) of a token issued at `now` by a token expiring at
/// `issuerExpiresAt`: the `lifetime` asked for (refused with 403 `outlives_issuer` past the
/// issuer), or when it is `undefined`, `defaultLifetime` (default `"90-days"`) shortened to the
/// issuer's expiry. Bad input throws 422 on `lifetime`.
#[wasm_bindgen(js_name = issueExpiry, unchecked_return_type = "number | null")]
pub fn issue_expiry(
    #[wasm_bindgen(unchecked_param_type = "LifetimeInput | undefined")] lifetime: JsValue,
    #[wasm_bindgen(js_name = issuerExpiresAt, unchecked_param_type = "InstantInput | null")] issuer_expires_at: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
    #[wasm_bindgen(js_name = defaultLifetime)] default_lifetime: Option<String>,
) -> Result<JsValue, Error> {
    let issuer = ms_opt("issuerExpiresAt", &issuer_expires_at)?;
    let now = ms("now", &now)?;
    let default = default_lifetime.unwrap_or_else(|| expiry::DEFAULT_LIFETIME.to_string());
    let text = lifetime.as_string();
    let arg = if lifetime.is_undefined() {
        None
    } else if let Some(t) = &text {
        Some(LifetimeArg::Text(t))
    } else if let Some(n) = lifetime.as_f64() {
        Some(LifetimeArg::Ttl(n))
    } else {
        // No status: the service names it as any argument error (`lifetime.lifetime`).
        return Err(Error::invalid_input("lifetime", "expected a preset, never, a ttl in seconds, an ISO 8601 duration or an RFC 3339 instant"));
    };
    let out = expiry::issue_expiry(arg, &default, issuer, now)?;
    Ok(ms_js(out))
}

/// The latest expiry a patch may set: the earlier of the token's current expiry and the
/// caller's (epoch ms; `null` = never, so `null` when neither expires).
#[wasm_bindgen(js_name = patchExpiryCap, unchecked_return_type = "number | null")]
pub fn patch_expiry_cap(
    #[wasm_bindgen(unchecked_param_type = "InstantInput | null")] current: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InstantInput | null")] caller: JsValue,
) -> Result<JsValue, Error> {
    let cap = expiry::patch_expiry_cap(ms_opt("current", &current)?, ms_opt("caller", &caller)?);
    Ok(ms_js(cap))
}

/// A rotation's grace at `now` for a token expiring at `tokenExpiresAt`: `null`, `0`, `"now"`
/// or absent is none; otherwise a lifetime, capped at the token's expiry; a grace must end.
/// Throws 422 on `grace`.
#[wasm_bindgen(js_name = rotationGrace, unchecked_return_type = "Grace")]
pub fn rotation_grace(
    #[wasm_bindgen(unchecked_param_type = "LifetimeInput | \"now\" | 0 | null | undefined")] grace: JsValue,
    #[wasm_bindgen(js_name = tokenExpiresAt, unchecked_param_type = "InstantInput | null")] token_expires_at: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
) -> Result<JsValue, Error> {
    let text = grace.as_string();
    let arg = if grace.is_null() || grace.is_undefined() {
        GraceArg::None
    } else if let Some(t) = &text {
        GraceArg::text(t)
    } else if let Some(n) = grace.as_f64() {
        GraceArg::seconds(n)
    } else {
        return Err(crate::rules::RuleError::on(422, "invalid_lifetime", "grace", "grace must be a duration, a ttl in seconds, now or null").into());
    };
    let g = expiry::rotation_grace(arg, ms_opt("tokenExpiresAt", &token_expires_at)?, ms("now", &now)?)?;
    let o = js_sys::Object::new();
    set(&o, "until", ms_js(g.until));
    set(&o, "previousValidUntil", g.previous_valid_until as f64);
    Ok(o.into())
}

/// `"expired"` (`now ≥ expiry`), `"soon"` (within `soonDays`) or `null` (also for never).
#[wasm_bindgen(js_name = expiryState, unchecked_return_type = "\"expired\" | \"soon\" | null")]
pub fn expiry_state(
    #[wasm_bindgen(js_name = expiresAt, unchecked_param_type = "InstantInput | null")] expires_at: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
) -> Result<JsValue, Error> {
    Ok(match expiry::expiry_state(ms_opt("expiresAt", &expires_at)?, ms("now", &now)?) {
        Some(s) => JsValue::from_str(s.name()),
        None => JsValue::NULL,
    })
}

fn pairs_arg(pairs: &JsValue) -> Result<Vec<(String, String)>, Error> {
    if !js_sys::Array::is_array(pairs) {
        return Err(Error::invalid_input("query", "expected [name, value] pairs"));
    }
    let mut list = Vec::new();
    for p in js_sys::Array::from(pairs).iter() {
        let (k, v) = (js_sys::Reflect::get_u32(&p, 0), js_sys::Reflect::get_u32(&p, 1));
        match (k.ok().and_then(|k| k.as_string()), v.ok().and_then(|v| v.as_string())) {
            (Some(k), Some(v)) => list.push((k, v)),
            _ => return Err(Error::invalid_input("query", "expected [name, value] pairs of strings")),
        }
    }
    Ok(list)
}

/// Checks the query of tokenkit's own token list (decoded `[name, value]` pairs, as
/// `[...url.searchParams]`) at `now`. Throws 400 `invalid_query` naming the parameter.
#[wasm_bindgen(js_name = parseListQuery, unchecked_return_type = "ListQuery")]
pub fn list_query(
    #[wasm_bindgen(unchecked_param_type = "[string, string][]")] pairs: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
) -> Result<JsValue, Error> {
    let list = pairs_arg(&pairs)?;
    let q = parse_list_query(&list, ms("now", &now)?)?;
    let o = js_sys::Object::new();
    set(&o, "limit", q.limit);
    set(&o, "cursor", q.cursor.map_or(JsValue::NULL, |c| JsValue::from_f64(c as f64)));
    set(&o, "name", q.name.map_or(JsValue::NULL, |n| JsValue::from_str(&n)));
    set(&o, "all", q.all);
    set(&o, "expired", q.expired.map_or(JsValue::NULL, JsValue::from_bool));
    set(&o, "expiringUntil", ms_js(q.expiring_until));
    set(&o, "revoked", q.revoked);
    Ok(o.into())
}

/// May a member with `role` (member `callerOwner`) act on a token of `tokenOwner`? Owners and
/// admins on every member's, members on their own.
#[wasm_bindgen(js_name = mayActOn)]
pub fn may_act_on(
    #[wasm_bindgen(unchecked_param_type = "MemberRole")] role: &str,
    #[wasm_bindgen(js_name = callerOwner)] caller_owner: &str,
    #[wasm_bindgen(js_name = tokenOwner)] token_owner: &str,
) -> Result<bool, Error> {
    Ok(manage::may_act_on(role_arg(role)?, caller_owner, token_owner))
}

/// Owners and admins administer their account.
#[wasm_bindgen(js_name = isAdminRole)]
pub fn is_admin_role(#[wasm_bindgen(unchecked_param_type = "MemberRole")] role: &str) -> Result<bool, Error> {
    Ok(role_arg(role)?.is_admin())
}

/// Throws 403 `forbidden` (field `all`) unless `role` may list every member's tokens.
#[wasm_bindgen(js_name = requireListAll)]
pub fn require_list_all(#[wasm_bindgen(unchecked_param_type = "MemberRole")] role: &str) -> Result<(), Error> {
    Ok(manage::require_list_all(role_arg(role)?)?)
}

/// Throws 403 `forbidden` unless the caller is an owner or admin of the root account.
#[wasm_bindgen(js_name = requireCreateAccount)]
pub fn require_create_account(#[wasm_bindgen(unchecked_param_type = "MemberRole")] role: &str, #[wasm_bindgen(js_name = isRoot)] is_root: bool) -> Result<(), Error> {
    Ok(manage::require_create_account(role_arg(role)?, is_root)?)
}

/// Throws 404 `not_found` for an account the caller may not see (`own`: its own), 403
/// `forbidden` for a non-admin of its own.
#[wasm_bindgen(js_name = requireManageMembers)]
pub fn require_manage_members(#[wasm_bindgen(unchecked_param_type = "MemberRole")] role: &str, #[wasm_bindgen(js_name = isRoot)] is_root: bool, own: bool) -> Result<(), Error> {
    Ok(manage::require_manage_members(role_arg(role)?, is_root, own)?)
}

/// Throws 404 `not_found` for an account the caller may not see (`own`: its own), 403
/// `forbidden` for a non-admin of its own: only owners and admins manage webhook endpoints.
#[wasm_bindgen(js_name = requireManageWebhooks)]
pub fn require_manage_webhooks(#[wasm_bindgen(unchecked_param_type = "MemberRole")] role: &str, #[wasm_bindgen(js_name = isRoot)] is_root: bool, own: bool) -> Result<(), Error> {
    Ok(crate::rules::webhooks::require_manage_webhooks(role_arg(role)?, is_root, own)?)
}

/// Checks the role of a member the caller adds (`undefined` = `"member"`): 422 `invalid_field`
/// for an unknown role, 403 `forbidden` for an owner added by a non-owner. Returns the role.
#[wasm_bindgen(js_name = checkNewMemberRole, unchecked_return_type = "MemberRole")]
pub fn check_new_member_role(
    #[wasm_bindgen(js_name = callerRole, unchecked_param_type = "MemberRole")] caller_role: &str,
    #[wasm_bindgen(js_name = isRoot)] is_root: bool,
    #[wasm_bindgen(js_name = newRole, unchecked_param_type = "unknown")] new_role: JsValue,
) -> Result<String, Error> {
    let asked = if new_role.is_undefined() { Some("member".to_string()) } else { new_role.as_string() };
    let r = manage::may_add_member(role_arg(caller_role)?, is_root, asked.as_deref().unwrap_or(""))?;
    Ok(match r {
        Role::Owner => "owner",
        Role::Admin => "admin",
        Role::Member => "member",
    }
    .to_string())
}

/// The scope of a new member's first token when the request gives none.
#[wasm_bindgen(js_name = firstTokenScope, unchecked_return_type = "Scope")]
pub fn first_token_scope(#[wasm_bindgen(unchecked_param_type = "MemberRole")] role: &str) -> Result<JsValue, Error> {
    to_js(&manage::first_token_scope(role_arg(role)?))
}

/// The service's defaults: lifetimes, the "expires soon" window, and the stand-in id of a token
/// not created yet.
#[wasm_bindgen(js_name = ruleDefaults, unchecked_return_type = "RuleDefaults")]
pub fn rule_defaults() -> Result<JsValue, Error> {
    to_js(&serde_json::json!({
        "defaultLifetime": expiry::DEFAULT_LIFETIME,
        "firstTokenLifetime": expiry::FIRST_TOKEN_LIFETIME,
        "soonDays": expiry::SOON_DAYS,
        "newId": manage::NEW_ID,
        "idempotencyTtlMs": crate::rules::idempotency::KEY_TTL_MS,
        "bulkRevokeMax": crate::rules::members::BULK_REVOKE_MAX,
    }))
}

/// The scope a holder of `holderScope` may grant when it asks for `scope`: validated and
/// normalised (throws 422 with the scope error's code on `scope.<field>`) and covered by the
/// holder's (throws 403 `scope_not_covered` on `scope`); a missing scope is 422 `invalid_field`.
#[wasm_bindgen(js_name = grantScope, unchecked_return_type = "Scope")]
pub fn grant_scope(
    #[wasm_bindgen(js_name = holderScope, unchecked_param_type = "Scope")] holder_scope: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Scope | null | undefined")] scope: JsValue,
) -> Result<JsValue, Error> {
    let holder: serde_json::Value = from_js_json("holderScope", &holder_scope)?;
    let requested: Option<serde_json::Value> = if scope.is_null() || scope.is_undefined() { None } else { Some(from_js_json("scope", &scope)?) };
    to_js(&holds::grant(&holder, requested.as_ref())?.to_json())
}

// ---- accountability: audit log, offboarding, account policies, idempotent creates ----

use crate::rules::{audit, idempotency, members, policy};

/// The events a caller (`role`, member `member` of `account`) may read of the audit log:
/// owners and admins every event of their account, members those about themselves.
#[wasm_bindgen(js_name = auditView, unchecked_return_type = "AuditView")]
pub fn audit_view(#[wasm_bindgen(unchecked_param_type = "MemberRole")] role: &str, account: &str, member: &str) -> Result<JsValue, Error> {
    let v = audit::audit_view(role_arg(role)?, account, member);
    let o = js_sys::Object::new();
    set(&o, "account", v.account.as_str());
    set(&o, "subject", v.subject.map_or(JsValue::NULL, |s| JsValue::from_str(&s)));
    Ok(o.into())
}

/// May that caller read an event of `eventAccount` about the member `eventSubject` (null: an
/// account-wide event)?
#[wasm_bindgen(js_name = mayReadEvent)]
pub fn may_read_event(
    #[wasm_bindgen(unchecked_param_type = "MemberRole")] role: &str,
    account: &str,
    member: &str,
    #[wasm_bindgen(js_name = eventAccount)] event_account: &str,
    #[wasm_bindgen(js_name = eventSubject)] event_subject: Option<String>,
) -> Result<bool, Error> {
    Ok(audit::may_read_event(role_arg(role)?, account, member, event_account, event_subject.as_deref()))
}

/// Every action the audit log records.
#[wasm_bindgen(js_name = auditActions, unchecked_return_type = "AuditAction[]")]
pub fn audit_actions() -> JsValue {
    let a = js_sys::Array::new();
    for x in audit::ACTIONS {
        a.push(&JsValue::from_str(x));
    }
    a.into()
}

/// Checks the query of `GET /tk/v1/audit` (decoded `[name, value]` pairs). Throws 400
/// `invalid_query` naming the parameter.
#[wasm_bindgen(js_name = parseAuditQuery, unchecked_return_type = "AuditQuery")]
pub fn parse_audit_query(#[wasm_bindgen(unchecked_param_type = "[string, string][]")] pairs: JsValue) -> Result<JsValue, Error> {
    let q = audit::parse_audit_query(&pairs_arg(&pairs)?)?;
    let o = js_sys::Object::new();
    set(&o, "limit", q.limit);
    set(&o, "cursor", q.cursor.map_or(JsValue::NULL, |c| JsValue::from_f64(c as f64)));
    for (k, v) in [("target", &q.target), ("actor", &q.actor), ("action", &q.action)] {
        set(&o, k, v.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    }
    set(&o, "since", ms_js(q.since));
    set(&o, "until", ms_js(q.until));
    Ok(o.into())
}

/// A client's user agent as the audit log keeps it (control characters replaced, at most 256
/// characters).
#[wasm_bindgen(js_name = boundUserAgent)]
pub fn bound_user_agent(ua: &str) -> String {
    audit::bound_user_agent(ua)
}

/// Checks a member's new role (`PATCH /tk/v1/accounts/{id}/members/{memberId}`) against the
/// caller's role and the account's number of owners. Returns the role; throws 422
/// `invalid_field`, 403 `forbidden` or 409 `last_owner`.
#[wasm_bindgen(js_name = checkRoleChange, unchecked_return_type = "MemberRole")]
pub fn check_role_change(
    #[wasm_bindgen(js_name = callerRole, unchecked_param_type = "MemberRole")] caller_role: &str,
    #[wasm_bindgen(js_name = isRoot)] is_root: bool,
    #[wasm_bindgen(js_name = currentRole, unchecked_param_type = "MemberRole")] current_role: &str,
    #[wasm_bindgen(js_name = newRole, unchecked_param_type = "unknown")] new_role: JsValue,
    owners: u32,
) -> Result<String, Error> {
    let asked = new_role.as_string().unwrap_or_default();
    let r = members::may_change_role(role_arg(caller_role)?, is_root, role_arg(current_role)?, &asked, owners)?;
    Ok(role_name(r).to_string())
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Owner => "owner",
        Role::Admin => "admin",
        Role::Member => "member",
    }
}

/// Throws 403 `forbidden` or 409 `last_owner` unless the caller may remove a member with
/// `targetRole` from an account with `owners` owners.
#[wasm_bindgen(js_name = checkRemoveMember)]
pub fn check_remove_member(
    #[wasm_bindgen(js_name = callerRole, unchecked_param_type = "MemberRole")] caller_role: &str,
    #[wasm_bindgen(js_name = isRoot)] is_root: bool,
    #[wasm_bindgen(js_name = targetRole, unchecked_param_type = "MemberRole")] target_role: &str,
    owners: u32,
) -> Result<(), Error> {
    Ok(members::may_remove_member(role_arg(caller_role)?, is_root, role_arg(target_role)?, owners)?)
}

/// Checks the body of `POST /tk/v1/tokens/revoke` for a caller with `role`, member `member`.
/// Throws 422 `invalid_field` (`filter` when none is given), `unknown_field`, 403 `forbidden`.
#[wasm_bindgen(js_name = parseBulkRevoke, unchecked_return_type = "BulkRevoke")]
pub fn parse_bulk_revoke(
    #[wasm_bindgen(unchecked_param_type = "unknown")] body: JsValue,
    #[wasm_bindgen(unchecked_param_type = "MemberRole")] role: &str,
    member: &str,
) -> Result<JsValue, Error> {
    let v: serde_json::Value = from_js_json("body", &body)?;
    let f = members::parse_bulk_revoke(&v, role_arg(role)?, member)?;
    let o = js_sys::Object::new();
    set(&o, "owner", f.owner.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    set(&o, "name", f.name.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    set(&o, "createdBefore", ms_js(f.created_before));
    set(&o, "notUsedSince", ms_js(f.not_used_since));
    Ok(o.into())
}

pub(crate) fn policy_arg(v: &JsValue) -> Result<policy::Policy, Error> {
    if v.is_null() || v.is_undefined() {
        return Ok(policy::Policy::default());
    }
    let body: serde_json::Value = from_js_json("policy", v)?;
    Ok(policy::parse_policy(&body)?)
}

/// Checks an account policy body `{maxLifetime?, requireExpiry?, onLeak?}` and returns it complete.
/// Throws 422 `invalid_field` / `unknown_field` (or a lifetime code) naming the field.
#[wasm_bindgen(js_name = parsePolicy, unchecked_return_type = "AccountPolicy")]
pub fn parse_policy(#[wasm_bindgen(unchecked_param_type = "unknown")] body: JsValue) -> Result<JsValue, Error> {
    let v: serde_json::Value = from_js_json("body", &body)?;
    let p = policy::parse_policy(&v)?;
    let o = js_sys::Object::new();
    set(&o, "maxLifetime", p.max_lifetime.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    set(&o, "requireExpiry", p.require_expiry);
    set(&o, "onLeak", match p.on_leak {
        policy::OnLeak::Revoke => "revoke",
        policy::OnLeak::Disable => "disable",
    });
    Ok(o.into())
}

/// The expiry (epoch ms, null = never) a token issued at `now` gets under the account's
/// `policy` (null = none): `asked` (the client gave the lifetime) past `maxLifetime`, or never
/// under `requireExpiry`, throws 403 `policy_violation` on `lifetime`; a default is shortened.
#[wasm_bindgen(js_name = policyExpiry, unchecked_return_type = "number | null")]
pub fn policy_expiry(
    #[wasm_bindgen(unchecked_param_type = "AccountPolicy | null")] policy: JsValue,
    #[wasm_bindgen(js_name = expiresAt, unchecked_param_type = "InstantInput | null")] expires_at: JsValue,
    asked: bool,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
) -> Result<JsValue, Error> {
    let p = policy_arg(&policy)?;
    Ok(ms_js(policy::policy_expiry(&p, ms_opt("expiresAt", &expires_at)?, asked, ms("now", &now)?)?))
}

/// Throws 403 `policy_violation` unless a token expiring at `expiresAt` meets `policy` at `now`
/// (a rotation, a reset, a patch).
#[wasm_bindgen(js_name = requirePolicy)]
pub fn require_policy(
    #[wasm_bindgen(unchecked_param_type = "AccountPolicy | null")] policy: JsValue,
    #[wasm_bindgen(js_name = expiresAt, unchecked_param_type = "InstantInput | null")] expires_at: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
) -> Result<(), Error> {
    let p = policy_arg(&policy)?;
    Ok(policy::policy_allows(&p, ms_opt("expiresAt", &expires_at)?, ms("now", &now)?)?)
}

/// Why a token expiring at `expiresAt` breaks `policy` at `now`, or null.
#[wasm_bindgen(js_name = policyViolation, unchecked_return_type = "string | null")]
pub fn policy_violation(
    #[wasm_bindgen(unchecked_param_type = "AccountPolicy | null")] policy: JsValue,
    #[wasm_bindgen(js_name = expiresAt, unchecked_param_type = "InstantInput | null")] expires_at: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
) -> Result<JsValue, Error> {
    let p = policy_arg(&policy)?;
    Ok(policy::policy_violation(&p, ms_opt("expiresAt", &expires_at)?, ms("now", &now)?).map_or(JsValue::NULL, |m| JsValue::from_str(&m)))
}

/// Throws 400 `invalid_field` on `Idempotency-Key` unless `key` is 1 to 255 visible ASCII
/// characters.
#[wasm_bindgen(js_name = checkIdempotencyKey)]
pub fn check_idempotency_key(key: &str) -> Result<(), Error> {
    Ok(idempotency::check_key(key)?)
}

/// What to do with a request of `fingerprint` at `now` whose key is claimed by `claim` (null:
/// unclaimed): `"proceed"` (run it) or `"replay"` (answer the stored outcome). Throws 422
/// `idempotency_key_reused` or 409 `idempotency_in_progress`.
#[wasm_bindgen(js_name = decideIdempotency, unchecked_return_type = "\"proceed\" | \"replay\"")]
pub fn decide_idempotency(
    #[wasm_bindgen(unchecked_param_type = "IdempotencyClaim | null")] claim: JsValue,
    fingerprint: &str,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
) -> Result<String, Error> {
    let c = if claim.is_null() || claim.is_undefined() {
        None
    } else {
        let v = object_arg("claim", &claim)?;
        let status = get(v, "status");
        Some(idempotency::Claim {
            fingerprint: str_field("claim", v, "fingerprint")?,
            created_at: ms("claim.createdAt", &get(v, "createdAt"))?,
            status: if status.is_null() || status.is_undefined() { None } else { Some(status.as_f64().ok_or_else(|| Error::invalid_input("claim.status", "expected a number or null"))? as u16) },
        })
    };
    Ok(idempotency::decide(c.as_ref(), fingerprint, ms("now", &now)?)?.name().to_string())
}

/// JSON text with every tokenkit token in it replaced by null: what the service stores of an
/// outcome it may replay (never a secret). Text that is not JSON is refused (`invalid_json`).
#[wasm_bindgen(js_name = redactSecrets)]
pub fn redact_secrets(json: &str) -> Result<String, Error> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|_| Error::invalid_input("json", "is not JSON"))?;
    Ok(idempotency::redact_secrets(v).to_string())
}
