//! JS bindings for `crate::scope`.
//!
//! A scope crosses the boundary as a plain object or as JSON text (both accepted everywhere);
//! `compileScope` returns a `CompiledScope` that lives in wasm memory: check many requests
//! against it, and call `free()` when done (a `FinalizationRegistry` also frees it when the
//! object is garbage-collected, as wasm-bindgen's generated glue registers every instance).

use wasm_bindgen::prelude::*;

use crate::scope::{self, s2, Compiled, Request, Scope};
use crate::Error;

#[wasm_bindgen(typescript_custom_section)]
const TS_SCOPE: &'static str = r#"
/** An S2 resource set: exact name, name prefix (`""` = all), or null (nothing). */
export type ResourceSet = { exact: string } | { prefix: string } | null;
/** S2's 24 operations. */
export type S2Operation =
  | "list-basins" | "create-basin" | "delete-basin" | "reconfigure-basin" | "get-basin-config"
  | "issue-access-token" | "revoke-access-token" | "list-access-tokens"
  | "list-streams" | "create-stream" | "delete-stream" | "get-stream-config" | "reconfigure-stream"
  | "check-tail" | "append" | "read" | "trim" | "fence"
  | "account-metrics" | "basin-metrics" | "stream-metrics"
  | "list-locations" | "get-default-location" | "set-default-location";
/** Read/write permissions of one S2 op group. */
export interface ReadWrite { read?: boolean | null; write?: boolean | null }
/** S2 resource-set scope. */
export interface S2Scope {
  language: "s2";
  basins?: ResourceSet;
  streams?: ResourceSet;
  access_tokens?: ResourceSet;
  op_groups?: { account?: ReadWrite | null; basin?: ReadWrite | null; stream?: ReadWrite | null } | null;
  ops?: S2Operation[] | null;
  auto_prefix_streams?: boolean | null;
}
/** Akinon privileges `<domain>:<action>` (`<domain>:*` and `*:*` are wildcards). */
export interface PrivilegesScope { language: "privileges"; privileges: string[] }
/** One IAM-style statement: exactly one of resources/notResources and of actions/notActions. */
export interface PolicyStatement {
  effect: "allow" | "deny";
  resources?: string[];
  notResources?: string[];
  actions?: string[];
  notActions?: string[];
}
/** Built-in roles, lowest first. */
export type BuiltinRole = "no_access" | "reader" | "writer" | "admin" | "owner";
/** LaunchDarkly-style policy: a built-in role, custom role keys and inline statements. */
export interface PolicyScope {
  language: "policy";
  role?: BuiltinRole | null;
  customRoleIds?: string[] | null;
  inlineRole?: PolicyStatement[] | null;
}
/** Space Invoices scope names; null = unrestricted (LoopBack's default). */
export interface NamesScope { language: "names"; scopes?: string[] | null }
/** A scope in any of tokenkit's four languages. */
export type Scope = S2Scope | PrivilegesScope | PolicyScope | NamesScope;
/**
 * A request to check. `action`: the S2 operation, the privilege `<domain>:<action>`, the policy
 * action, or the scope name. `resource`: the policy resource specifier, or for S2 the shorthand
 * `"<basin>"`, `"<basin>/<stream>"` or the token id. S2 may name `basin`/`stream`/`accessToken` instead.
 */
export interface ScopeRequest { action: string; resource?: string; basin?: string; stream?: string; accessToken?: string }
/** A decision and why: `rule` names the rule that decided (absent when nothing matched). */
export interface Decision { allowed: boolean; reason: string; rule?: string }
/** Whether a parent scope may issue a child scope, and why not. */
export interface Coverage { covered: boolean; reason: string }
/** One row of the S2 op-group table. */
export interface S2OpGroup { group: "account" | "basin" | "stream"; permission: "read" | "write"; operations: S2Operation[] }
/** Error codes thrown by the scope functions. */
export type ScopeErrorCode = "invalid_input" | "invalid_scope" | "unknown_scope_language" | "invalid_scope_request" | "auto_prefix_unavailable" | "stream_outside_prefix";
"#;

fn json_out(v: &impl serde::Serialize) -> Result<JsValue, Error> {
    super::to_js(v)
}

/// A scope argument: a plain object or JSON text.
pub(crate) fn scope_arg(field: &str, v: &JsValue) -> Result<Scope, Error> {
    let json: serde_json::Value = match v.as_string() {
        Some(text) => serde_json::from_str(&text).map_err(|e| Error::invalid_input(field, format!("not JSON: {e}")))?,
        None if v.is_object() => super::from_js_json(field, v)?,
        None => return Err(Error::invalid_input(field, "expected a scope object or JSON text")),
    };
    Ok(Scope::from_json(&json)?)
}

fn request_arg(v: &JsValue) -> Result<Request, Error> {
    match v.as_string() {
        Some(text) => {
            let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::invalid_input("request", e.to_string()))?;
            Request::from_json(&json).map_err(|m| Error::invalid_input("request", m))
        }
        // As JSON text, like a string argument: unknown fields are refused and nesting is bounded.
        None if v.is_object() => Request::from_json(&super::from_js_json("request", v)?).map_err(|m| Error::invalid_input("request", m)),
        None => Err(Error::invalid_input("request", "expected {action, resource?} or JSON text")),
    }
}

#[cfg(feature = "dialects")]
fn s2_arg(v: &JsValue) -> Result<s2::S2Scope, Error> {
    match scope_arg("scope", v)? {
        Scope::S2(s) => Ok(s),
        _ => Err(Error::invalid_input("scope", "expected an S2 scope (language \"s2\")")),
    }
}

/// A scope compiled once for many checks. Call `free()` when done with it.
#[wasm_bindgen]
pub struct CompiledScope {
    inner: Compiled,
    language: &'static str,
}

#[wasm_bindgen]
impl CompiledScope {
    /// The scope's language: "s2", "privileges", "policy" or "names".
    #[wasm_bindgen(getter, unchecked_return_type = "\"s2\" | \"privileges\" | \"policy\" | \"names\"")]
    pub fn language(&self) -> String {
        self.language.to_string()
    }

    /// Whether the scope allows the request. Throws `invalid_scope_request` for a malformed one.
    pub fn allows(&self, #[wasm_bindgen(unchecked_param_type = "ScopeRequest | string")] request: JsValue) -> Result<bool, Error> {
        Ok(self.inner.check(&request_arg(&request)?)?.allowed)
    }

    /// The decision with its reason and the rule that decided.
    #[wasm_bindgen(unchecked_return_type = "Decision")]
    pub fn explain(&self, #[wasm_bindgen(unchecked_param_type = "ScopeRequest | string")] request: JsValue) -> Result<JsValue, Error> {
        json_out(&self.inner.check(&request_arg(&request)?)?)
    }

    /// The hot path: action and resource as strings, no object crosses the boundary. A
    /// malformed request is simply not allowed.
    #[wasm_bindgen(js_name = allowsAction)]
    pub fn allows_action(&self, action: &str, resource: Option<String>) -> bool {
        self.inner.allows_action(action, resource.as_deref())
    }
}

/// Validates a scope and compiles it for many checks.
#[wasm_bindgen(js_name = compileScope)]
pub fn compile_scope(#[wasm_bindgen(unchecked_param_type = "Scope | string")] scope: JsValue) -> Result<CompiledScope, Error> {
    let s = scope_arg("scope", &scope)?;
    Ok(CompiledScope { language: s.language().as_str(), inner: s.compile() })
}

/// Validates a scope and returns its normalised form (what the service stores).
#[wasm_bindgen(js_name = validateScope, unchecked_return_type = "Scope")]
pub fn validate_scope(#[wasm_bindgen(unchecked_param_type = "Scope | string")] scope: JsValue) -> Result<JsValue, Error> {
    json_out(&scope_arg("scope", &scope)?.to_json())
}

/// Whether a holder of `parent` may issue `child` (sound: never true when the child can do
/// something the parent cannot).
#[wasm_bindgen(js_name = scopeCovers)]
pub fn scope_covers(
    #[wasm_bindgen(unchecked_param_type = "Scope | string")] parent: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Scope | string")] child: JsValue,
) -> Result<bool, Error> {
    Ok(scope::covers(&scope_arg("parent", &parent)?, &scope_arg("child", &child)?))
}

/// Like `scopeCovers`, with the reason when the child is broader.
#[wasm_bindgen(js_name = explainCovers, unchecked_return_type = "Coverage")]
pub fn explain_covers(
    #[wasm_bindgen(unchecked_param_type = "Scope | string")] parent: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Scope | string")] child: JsValue,
) -> Result<JsValue, Error> {
    let r = scope::covers_explain(&scope_arg("parent", &parent)?, &scope_arg("child", &child)?);
    let (covered, reason) = match r {
        Ok(()) => (true, "the issuer holds everything the new scope grants".to_string()),
        Err(why) => (false, why),
    };
    json_out(&serde_json::json!({ "covered": covered, "reason": reason }))
}

/// A one-line human summary of a scope, for lists.
#[wasm_bindgen(js_name = summarizeScope)]
pub fn summarize_scope(#[wasm_bindgen(unchecked_param_type = "Scope | string")] scope: JsValue) -> Result<String, Error> {
    Ok(scope_arg("scope", &scope)?.summary())
}

// S2 auto-prefixing is the S2 dialect's wire behaviour: in the full build only.
/// S2 auto-prefixing, way in: the stored name of a client's stream name.
#[cfg(feature = "dialects")]
#[wasm_bindgen(js_name = s2PrefixStream)]
pub fn s2_prefix_stream(#[wasm_bindgen(unchecked_param_type = "S2Scope | string")] scope: JsValue, name: &str) -> Result<String, Error> {
    Ok(s2_arg(&scope)?.prefix_stream(name)?)
}

/// S2 auto-prefixing, way out: the client's name of a stored stream name.
#[cfg(feature = "dialects")]
#[wasm_bindgen(js_name = s2StripStream)]
pub fn s2_strip_stream(#[wasm_bindgen(unchecked_param_type = "S2Scope | string")] scope: JsValue, stored: &str) -> Result<String, Error> {
    Ok(s2_arg(&scope)?.strip_stream(stored)?)
}

/// S2 auto-prefixing of list-streams `prefix` and `start_after`.
#[cfg(feature = "dialects")]
#[wasm_bindgen(js_name = s2PrefixList, unchecked_return_type = "{ prefix: string; startAfter: string }")]
pub fn s2_prefix_list(
    #[wasm_bindgen(unchecked_param_type = "S2Scope | string")] scope: JsValue,
    prefix: &str,
    #[wasm_bindgen(js_name = startAfter)] start_after: &str,
) -> Result<JsValue, Error> {
    let (p, s) = s2_arg(&scope)?.prefix_list(prefix, start_after)?;
    json_out(&serde_json::json!({ "prefix": p, "startAfter": s }))
}

/// The S2 op-group table: which group and permission grants which operations.
#[wasm_bindgen(js_name = s2OperationGroups, unchecked_return_type = "S2OpGroup[]")]
pub fn s2_operation_groups() -> Result<JsValue, Error> {
    let rows: Vec<serde_json::Value> = s2::GROUPS
        .iter()
        .map(|(g, p, ops)| serde_json::json!({ "group": g, "permission": p, "operations": ops }))
        .collect();
    json_out(&rows)
}

/// The built-in roles of the policy language, lowest first.
#[wasm_bindgen(js_name = builtinRoles, unchecked_return_type = "BuiltinRole[]")]
pub fn builtin_roles() -> Result<JsValue, Error> {
    json_out(&scope::policy::ROLES)
}
