//! JS bindings for `crate::rules::conditions` and `crate::rules::cidr`: a token's conditions of
//! use (not-before, IP allow-list, usage limit with refill, rate limit), the decision on each
//! use, and attenuation. Refusals throw a `TokenkitError` with `status`, `code` and `field`.

use wasm_bindgen::prelude::*;

use super::lifetime::instant_from_js;
use super::{from_js_json, to_js};
use crate::rules::cidr::Cidr;
use crate::rules::conditions::{self, Conditions, Counters, Form, Refill};
use crate::rules::RuleError;
use crate::Error;

#[wasm_bindgen(typescript_custom_section)]
const TS_CONDITIONS: &'static str = r#"
/** A token's conditions in their stored form (`notBefore` in epoch ms, blocks normalised). */
export interface Conditions {
  notBefore: number | null;
  allowedIps: string[] | null;
  remaining: number | null;
  refill: { amount: number; interval: "daily" | "monthly" } | null;
  rateLimit: { limit: number; periodSeconds: number } | null;
}
/** The conditions as a request body gives them (`notBefore` as RFC 3339); absent = not given. */
export interface ConditionsInput {
  notBefore?: string | null;
  allowedIps?: string[] | null;
  remaining?: number | null;
  refill?: { amount: number; interval: "daily" | "monthly" } | null;
  rateLimit?: { limit: number; periodSeconds: number } | null;
}
/** The counters the host has read for one use. */
export interface UseCounters { rateCount?: number; spent?: boolean; remaining?: number }
/** A counter the decision needs: the rate window's count, or the atomic spend of one use. */
export type CounterNeed =
  | { counter: "rate"; window: number; resetAt: number; periodSeconds: number }
  | { counter: "spend"; boundary: number | null; amount: number | null };
/** The decision on one use of a token. */
export type UseDecision =
  | { outcome: "ok"; remaining: number | null }
  | ({ outcome: "count" } & CounterNeed)
  | { outcome: "refused"; status: 401 | 403 | 429; code: "not_yet_valid" | "ip_not_allowed" | "rate_limited" | "usage_exhausted"; rule: "not_before" | "allowed_ips" | "rate_limit" | "remaining"; message: string; retryAfterSeconds?: number; remaining?: number };
/** `coverConditions`'s answer. */
export type ConditionsCover = { covered: true } | { covered: false; field: string; reason: string };
"#;

fn object(field: &str, v: &JsValue) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    match from_js_json::<serde_json::Value>(field, v)? {
        serde_json::Value::Object(m) => Ok(m),
        serde_json::Value::Null => Ok(serde_json::Map::new()),
        _ => Err(RuleError::on(422, "invalid_field", field, format!("{field} must be an object")).into()),
    }
}

/// Stored conditions (`null`/`undefined` = none).
fn stored(field: &str, v: &JsValue) -> Result<Conditions, Error> {
    if v.is_null() || v.is_undefined() {
        return Ok(Conditions::default());
    }
    Ok(Conditions::parse(&object(field, v)?, Form::Stored)?)
}

/// Parses the conditions of a request body (any of `notBefore`, `allowedIps`, `remaining`,
/// `refill`, `rateLimit`; other keys ignored) into their stored form. Throws 422 naming the
/// field (`allowedIps[3]`, `refill.amount`…).
#[wasm_bindgen(js_name = parseConditions, unchecked_return_type = "Conditions")]
pub fn parse_conditions(#[wasm_bindgen(unchecked_param_type = "ConditionsInput")] body: JsValue) -> Result<JsValue, Error> {
    to_js(&Conditions::parse(&object("conditions", &body)?, Form::Api)?.to_stored())
}

/// The conditions a caller under `caller` (stored form, `null` = none) grants a new token when
/// the request body is `body`: a field absent from it is the caller's (inherited); a field given
/// is parsed (422) and may not be laxer than the caller's (403 `conditions_not_covered`).
#[wasm_bindgen(js_name = grantConditions, unchecked_return_type = "Conditions")]
pub fn grant_conditions(
    #[wasm_bindgen(unchecked_param_type = "Conditions | null")] caller: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ConditionsInput")] body: JsValue,
) -> Result<JsValue, Error> {
    to_js(&conditions::grant(&stored("caller", &caller)?, &object("conditions", &body)?)?.to_stored())
}

/// The conditions of a patched token (`patched`: the patched document, API form): parsed (422),
/// and each field that differs from `old` (stored) may not be laxer than the caller's (403).
#[wasm_bindgen(js_name = patchConditions, unchecked_return_type = "Conditions")]
pub fn patch_conditions(
    #[wasm_bindgen(unchecked_param_type = "Conditions | null")] caller: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Conditions | null")] old: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ConditionsInput")] patched: JsValue,
) -> Result<JsValue, Error> {
    to_js(&conditions::patched(&stored("caller", &caller)?, &stored("old", &old)?, &object("patched", &patched)?)?.to_stored())
}

/// Is `child` nowhere laxer than `parent` (both stored form)?
#[wasm_bindgen(js_name = coverConditions, unchecked_return_type = "ConditionsCover")]
pub fn cover_conditions(
    #[wasm_bindgen(unchecked_param_type = "Conditions | null")] parent: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Conditions | null")] child: JsValue,
) -> Result<JsValue, Error> {
    to_js(&match conditions::cover(&stored("parent", &parent)?, &stored("child", &child)?) {
        Ok(()) => serde_json::json!({ "covered": true }),
        Err(e) => serde_json::json!({ "covered": false, "field": e.field, "reason": e.message }),
    })
}

/// The decision on one use of a token under `conditions` (stored form) at `now` from
/// `clientIp`, with the `counters` read so far: `ok`, `refused`, or `count` naming the counter
/// to read before asking again (docs/rules.md, "Conditions of use").
#[wasm_bindgen(js_name = decideConditions, unchecked_return_type = "UseDecision")]
pub fn decide_conditions(
    #[wasm_bindgen(unchecked_param_type = "Conditions | null")] conditions: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
    #[wasm_bindgen(js_name = clientIp)] client_ip: Option<String>,
    #[wasm_bindgen(unchecked_param_type = "UseCounters | null | undefined")] counters: JsValue,
) -> Result<JsValue, Error> {
    let c = stored("conditions", &conditions)?;
    let counters: Counters = if counters.is_null() || counters.is_undefined() { Counters::default() } else { from_js_json("counters", &counters)? };
    let now = instant_from_js("now", &now)?.as_millisecond();
    match conditions::decide(&c, now, client_ip.as_deref(), &counters) {
        // The answer of (nearly) every use: built directly (no JSON text, constant keys), the
        // same object `to_js` would make.
        conditions::Decision::Ok { remaining } => {
            let o = js_sys::Object::new();
            super::secret::set(&o, "outcome", super::constant("ok"));
            super::secret::set(&o, "remaining", remaining.map_or(JsValue::NULL, |n| JsValue::from_f64(f64::from(n))));
            Ok(o.into())
        }
        other => to_js(&other),
    }
}

/// `remaining` as it stands at `now` for a token last refilled at `refilledAt` (a refill due
/// since then sets it to the refill's amount): `{remaining, refilledAt}`.
#[wasm_bindgen(js_name = refilledRemaining, unchecked_return_type = "{ remaining: number; refilledAt: number | null }")]
pub fn refilled_remaining(
    remaining: u32,
    #[wasm_bindgen(unchecked_param_type = "{ amount: number; interval: \"daily\" | \"monthly\" } | null")] refill: JsValue,
    #[wasm_bindgen(js_name = refilledAt)] refilled_at: Option<f64>,
    #[wasm_bindgen(unchecked_param_type = "InstantInput")] now: JsValue,
) -> Result<JsValue, Error> {
    let refill: Option<Refill> = if refill.is_null() || refill.is_undefined() { None } else { Some(from_js_json("refill", &refill)?) };
    let now = instant_from_js("now", &now)?.as_millisecond();
    let (r, at) = conditions::refilled(remaining, refill, refilled_at.filter(|f| f.is_finite()).map(|f| f as i64), now);
    to_js(&serde_json::json!({ "remaining": r, "refilledAt": at }))
}

/// The normalised form of an address block (`10.1.2.3/8` → `10.0.0.0/8`, a bare address →
/// `/32` or `/128`, `::ffff:a.b.c.d` blocks as IPv4). Throws 422 `invalid_field` on `field`
/// (default `allowedIps`).
#[wasm_bindgen(js_name = parseCidr)]
pub fn parse_cidr(text: &str, field: Option<String>) -> Result<String, Error> {
    Cidr::parse(text).map(|c| c.to_string()).map_err(|e| RuleError::on(422, "invalid_field", field.unwrap_or_else(|| "allowedIps".into()), format!("not an address block: {e}")).into())
}

/// Is every address of block `inner` in block `outer`? Throws for a block that does not parse.
#[wasm_bindgen(js_name = cidrContains)]
pub fn cidr_contains(outer: &str, inner: &str) -> Result<bool, Error> {
    let o = Cidr::parse(outer).map_err(|e| RuleError::on(422, "invalid_field", "outer", e.to_string()))?;
    let i = Cidr::parse(inner).map_err(|e| RuleError::on(422, "invalid_field", "inner", e.to_string()))?;
    Ok(o.contains(&i))
}

/// Is the address `ip` in one of `blocks`? (An address that does not parse is in none.)
#[wasm_bindgen(js_name = ipAllowed)]
pub fn ip_allowed(#[wasm_bindgen(unchecked_param_type = "string[]")] blocks: JsValue, ip: &str) -> Result<bool, Error> {
    let list: serde_json::Value = from_js_json("blocks", &blocks)?;
    let blocks = conditions::parse_blocks(&list)?;
    Ok(conditions::ip_allowed(&blocks, Some(ip)))
}

/// Checks a client address given in a request body (`ip` of `POST /tk/v1/verify`): an IPv4 or
/// IPv6 address (no block, no zone), at most 64 characters. Throws 422 `invalid_field` on `field`.
#[wasm_bindgen(js_name = checkIp)]
pub fn check_ip(#[wasm_bindgen(unchecked_param_type = "unknown")] ip: JsValue, field: Option<String>) -> Result<(), Error> {
    let field = field.unwrap_or_else(|| "ip".into());
    let ok = ip.as_string().is_some_and(|s| s.len() <= crate::rules::cidr::CIDR_TEXT_MAX && crate::rules::cidr::parse_addr(&s).is_ok());
    if ok {
        Ok(())
    } else {
        Err(RuleError::on(422, "invalid_field", field.clone(), format!("{field} must be an IPv4 or IPv6 address")).into())
    }
}
