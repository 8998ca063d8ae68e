//! Scope languages: compile once, match many; attenuation; explain.
//!
//! A scope says what a token may do. tokenkit speaks the scope language of each seed API
//! exactly, behind one interface:
//!
//! | language | JSON (`{"language": …, …}`) | from |
//! |---|---|---|
//! | [`s2`] | `{basins, streams, access_tokens, op_groups, ops, auto_prefix_streams}` | S2 resource sets |
//! | [`privileges`] | `{privileges: ["<domain>:<action>", …]}` | Akinon AppMaker |
//! | [`policy`] | `{role?, customRoleIds?, inlineRole?: [statement, …]}` | LaunchDarkly (IAM-style) |
//! | [`names`] | `{scopes: [name, …] \| null}` | Space Invoices (LoopBack) |
//!
//! [`Scope::from_json`] validates and normalises (malformed scopes are errors, never silent
//! non-matches); [`Scope::compile`] builds a [`Compiled`] matcher once, whose
//! [`Compiled::check`] answers a [`Request`] with a [`Decision`] that names the rule that
//! decided. [`covers`] is attenuation: may a holder of `parent` issue `child`? It is sound
//! (never true when the child can do something the parent cannot); where completeness is
//! impossible it is conservative, as each language's module documents. The full grammar and
//! tables are in `docs/scopes.md`.

use core::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

pub mod glob;
pub mod names;
pub mod policy;
pub mod privileges;
pub mod s2;

/// Errors of the scope engine.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ScopeError {
    /// The scope JSON is not valid in its language.
    InvalidScope {
        /// Path of the offending field inside the scope, e.g. `privileges[2]`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The `language` tag is missing or unknown.
    UnknownLanguage {
        /// The tag found, if any.
        language: Option<String>,
    },
    /// A request to check is malformed.
    InvalidRequest {
        /// The request field at fault.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// S2 auto-prefixing was asked of a scope whose `streams` is not a prefix set.
    AutoPrefixUnavailable,
    /// A stream name coming out of storage does not carry the scope's prefix.
    StreamOutsidePrefix,
}

impl ScopeError {
    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            ScopeError::InvalidScope { .. } => "invalid_scope",
            ScopeError::UnknownLanguage { .. } => "unknown_scope_language",
            ScopeError::InvalidRequest { .. } => "invalid_scope_request",
            ScopeError::AutoPrefixUnavailable => "auto_prefix_unavailable",
            ScopeError::StreamOutsidePrefix => "stream_outside_prefix",
        }
    }

    /// The field at fault, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            ScopeError::InvalidScope { field, .. } | ScopeError::InvalidRequest { field, .. } => Some(field),
            ScopeError::UnknownLanguage { .. } => Some("language"),
            _ => None,
        }
    }

    #[cold]
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> ScopeError {
        ScopeError::InvalidScope { field: field.into(), message: message.into() }
    }

    #[cold]
    pub(crate) fn bad_request(field: impl Into<String>, message: impl Into<String>) -> ScopeError {
        ScopeError::InvalidRequest { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeError::InvalidScope { field, message } => write!(f, "invalid scope at {field}: {message}"),
            ScopeError::UnknownLanguage { language: Some(l) } => {
                write!(f, "unknown scope language {l:?} (expected s2, privileges, policy or names)")
            }
            ScopeError::UnknownLanguage { language: None } => {
                write!(f, "scope has no \"language\" (expected s2, privileges, policy or names)")
            }
            ScopeError::InvalidRequest { field, message } => write!(f, "invalid request {field}: {message}"),
            ScopeError::AutoPrefixUnavailable => {
                write!(f, "auto_prefix_streams needs scope.streams to be a prefix set")
            }
            ScopeError::StreamOutsidePrefix => write!(f, "stream name does not carry the scope's prefix"),
        }
    }
}

impl std::error::Error for ScopeError {}

/// The scope languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// S2 resource sets and operations.
    S2,
    /// Akinon `<domain>:<action>` privileges.
    Privileges,
    /// IAM-style policy statements (LaunchDarkly roles).
    Policy,
    /// Plain scope names (Space Invoices).
    Names,
}

impl Language {
    /// Parses a language's name (`s2`, `privileges`, `policy`, `names`).
    pub fn from_name(name: &str) -> Option<Language> {
        [Language::S2, Language::Privileges, Language::Policy, Language::Names].into_iter().find(|l| l.as_str() == name)
    }

    /// The language's tag in scope JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::S2 => "s2",
            Language::Privileges => "privileges",
            Language::Policy => "policy",
            Language::Names => "names",
        }
    }
}

/// A validated, normalised scope in one of the four languages.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// S2 resource-set scope.
    S2(s2::S2Scope),
    /// Akinon privileges.
    Privileges(privileges::Privileges),
    /// Policy statements and built-in roles.
    Policy(policy::Policy),
    /// Plain scope names.
    Names(names::Names),
}

impl Scope {
    /// Validates tagged scope JSON and normalises it.
    ///
    /// # Errors
    /// [`ScopeError::UnknownLanguage`] when `language` is missing or unknown;
    /// [`ScopeError::InvalidScope`] naming the field when the body is not valid in its language.
    pub fn from_json(v: &Value) -> Result<Scope, ScopeError> {
        let Value::Object(o) = v else {
            return Err(ScopeError::invalid("scope", "a scope must be a JSON object with a \"language\""));
        };
        let lang = match o.get("language") {
            Some(Value::String(s)) => s.as_str(),
            Some(_) | None => return Err(ScopeError::UnknownLanguage { language: None }),
        };
        let body = |allowed: &[&str]| -> Result<&Map<String, Value>, ScopeError> {
            for k in o.keys() {
                if k != "language" && !allowed.contains(&k.as_str()) {
                    return Err(ScopeError::invalid(k.clone(), format!("unknown field {k:?} in a {lang} scope")));
                }
            }
            Ok(o)
        };
        match lang {
            "s2" => Ok(Scope::S2(s2::S2Scope::from_json(body(s2::FIELDS)?)?)),
            "privileges" => Ok(Scope::Privileges(privileges::Privileges::from_json(body(&["privileges"])?)?)),
            "policy" => Ok(Scope::Policy(policy::Policy::from_json(body(&["role", "customRoleIds", "inlineRole"])?)?)),
            "names" => Ok(Scope::Names(names::Names::from_json(body(&["scopes"])?)?)),
            other => Err(ScopeError::UnknownLanguage { language: Some(other.chars().take(64).collect()) }),
        }
    }

    /// Parses scope JSON text (see [`Scope::from_json`]).
    ///
    /// # Errors
    /// As [`Scope::from_json`], plus [`ScopeError::InvalidScope`] for text that is not JSON.
    pub fn from_json_str(text: &str) -> Result<Scope, ScopeError> {
        let v: Value = serde_json::from_str(text).map_err(|e| ScopeError::invalid("scope", format!("not JSON: {e}")))?;
        Scope::from_json(&v)
    }

    /// The scope's language.
    pub fn language(&self) -> Language {
        match self {
            Scope::S2(_) => Language::S2,
            Scope::Privileges(_) => Language::Privileges,
            Scope::Policy(_) => Language::Policy,
            Scope::Names(_) => Language::Names,
        }
    }

    /// The normalised, tagged JSON form (what the service stores).
    pub fn to_json(&self) -> Value {
        let mut o = match self {
            Scope::S2(s) => s.to_json(),
            Scope::Privileges(p) => p.to_json(),
            Scope::Policy(p) => p.to_json(),
            Scope::Names(n) => n.to_json(),
        };
        o.insert("language".into(), Value::String(self.language().as_str().into()));
        Value::Object(o)
    }

    /// Builds the matcher once; check many requests against it.
    pub fn compile(&self) -> Compiled {
        let inner = match self {
            Scope::S2(s) => Inner::S2(s.clone()),
            Scope::Privileges(p) => Inner::Privileges(p.compile()),
            Scope::Policy(p) => Inner::Policy(p.compile()),
            Scope::Names(n) => Inner::Names(n.compile()),
        };
        Compiled { inner }
    }

    /// Whether the scope allows every request of its language: a policy that allows `*` on `*`
    /// with no deny (the `owner` role), privileges holding `*:*`, unrestricted names, or an S2
    /// scope with all 24 operations and `{"prefix": ""}` for basins, streams and tokens.
    pub fn is_universal(&self) -> bool {
        match self {
            Scope::Policy(p) => p.is_universal(),
            Scope::Privileges(p) => p.list().iter().any(|x| x == "*:*"),
            Scope::Names(n) => n.names().is_none(),
            Scope::S2(s) => {
                let all = |r: &s2::ResourceSet| matches!(r, s2::ResourceSet::Prefix(p) if p.is_empty());
                s.effective_ops().len() == s2::OPERATIONS.len() && all(&s.basins) && all(&s.streams) && all(&s.access_tokens)
            }
        }
    }

    /// A short human summary, e.g. `privileges: orders:read, users:*`.
    pub fn summary(&self) -> String {
        match self {
            Scope::S2(s) => s.summary(),
            Scope::Privileges(p) => p.summary(),
            Scope::Policy(p) => p.summary(),
            Scope::Names(n) => n.summary(),
        }
    }
}

/// One request to check against a scope. Every language reads `action`; `resource` and the
/// S2 names are read by the languages that use them (see `docs/scopes.md`).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Request {
    /// S2: the operation (`append`); privileges: `<domain>:<action>`; policy: the action
    /// (`updateFlag`); names: the scope name.
    pub action: String,
    /// Policy: the resource specifier (`proj/default:env/production:flag/my-flag`). S2: a
    /// shorthand `<basin>` or `<basin>/<stream>` (or the token id for token operations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// S2: the basin the operation touches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basin: Option<String>,
    /// S2: the stream the operation touches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// S2: the access-token id the operation touches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}

impl Request {
    /// A request with only an action.
    pub fn action(action: impl Into<String>) -> Request {
        Request { action: action.into(), ..Request::default() }
    }

    /// A request read from a JSON object: `action` (a string) and the optional strings (or
    /// nulls) `resource`, `basin`, `stream`, `accessToken`; any other member is refused. The
    /// same as the derived `Deserialize` (but for a repeated member of JSON text, which counts
    /// once, the last one, as with `JSON.parse`), in serde's words, without serde's typed reader (whose
    /// error path links `f64` printing into the package's wasm; bench/NOTES.md).
    pub fn from_json(v: &serde_json::Value) -> Result<Request, String> {
        const FIELDS: &str = "`action`, `resource`, `basin`, `stream`, `accessToken`";
        let serde_json::Value::Object(m) = v else { return Err("invalid type: expected struct Request".into()) };
        let mut r = Request::default();
        let mut action = None;
        for (k, x) in m {
            let slot = match k.as_str() {
                "action" => {
                    let serde_json::Value::String(s) = x else { return Err("invalid type for `action`: expected a string".into()) };
                    action = Some(s.clone());
                    continue;
                }
                "resource" => &mut r.resource,
                "basin" => &mut r.basin,
                "stream" => &mut r.stream,
                "accessToken" => &mut r.access_token,
                _ => return Err(format!("unknown field `{k}`, expected one of {FIELDS}")),
            };
            *slot = match x {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s.clone()),
                _ => return Err(format!("invalid type for `{k}`: expected a string or null")),
            };
        }
        r.action = action.ok_or("missing field `action`")?;
        Ok(r)
    }

    /// A request with an action and a resource.
    pub fn on(action: impl Into<String>, resource: impl Into<String>) -> Request {
        Request { action: action.into(), resource: Some(resource.into()), ..Request::default() }
    }
}

/// The answer to a request, with the reason (the `explain`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Whether the scope allows the request.
    pub allowed: bool,
    /// Why, in words, naming the rule that decided.
    pub reason: String,
    /// The rule that decided (e.g. `privileges[1]`, `inlineRole[0]`, `op_groups.stream.write`),
    /// absent when nothing matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl Decision {
    pub(crate) fn allow(rule: impl Into<String>, reason: impl Into<String>) -> Decision {
        Decision { allowed: true, reason: reason.into(), rule: Some(rule.into()) }
    }
    pub(crate) fn deny(rule: Option<String>, reason: impl Into<String>) -> Decision {
        Decision { allowed: false, reason: reason.into(), rule }
    }
}

/// A compiled scope: built once, checked many times.
#[derive(Debug, Clone)]
pub struct Compiled {
    inner: Inner,
}

#[derive(Debug, Clone)]
enum Inner {
    S2(s2::S2Scope),
    Privileges(privileges::CompiledPrivileges),
    Policy(policy::CompiledPolicy),
    Names(names::CompiledNames),
}

impl Compiled {
    /// Checks one request and explains the decision.
    ///
    /// # Errors
    /// [`ScopeError::InvalidRequest`] when the request is malformed for this language (an
    /// empty action, a privilege that is not `<domain>:<action>`, an S2 operation that does
    /// not exist).
    pub fn check(&self, req: &Request) -> Result<Decision, ScopeError> {
        if req.action.is_empty() {
            return Err(ScopeError::bad_request("action", "must not be empty"));
        }
        match &self.inner {
            Inner::S2(s) => s.check(req),
            Inner::Privileges(p) => p.check(req),
            Inner::Policy(p) => p.check(req),
            Inner::Names(n) => Ok(n.check(req)),
        }
    }

    /// Whether the scope allows `req`; a malformed request is not allowed.
    pub fn allows(&self, req: &Request) -> bool {
        self.check(req).map(|d| d.allowed).unwrap_or(false)
    }

    /// The fast path for hosts: action and resource as strings, no allocation of a request.
    pub fn allows_action(&self, action: &str, resource: Option<&str>) -> bool {
        if action.is_empty() {
            return false;
        }
        match &self.inner {
            Inner::Privileges(p) => p.allows_str(action),
            // A policy request names a resource; without one it is malformed, so not allowed.
            Inner::Policy(p) => resource.is_some_and(|r| !r.is_empty() && p.allows_str(action, r)),
            Inner::Names(n) => n.allows_str(action),
            Inner::S2(_) => {
                let req = Request { action: action.to_string(), resource: resource.map(str::to_string), ..Request::default() };
                self.allows(&req)
            }
        }
    }
}

/// Attenuation: may a holder of `parent` issue `child`? `Ok(())` when every request the child
/// allows, the parent allows too; otherwise `Err(reason)` naming what the child has beyond
/// the parent. Sound in every language (see each module for where it is conservative). A
/// parent and child in different languages are not comparable, so the answer is no — except
/// for a universal parent ([`Scope::is_universal`]), which may issue anything.
pub fn covers_explain(parent: &Scope, child: &Scope) -> Result<(), String> {
    match (parent, child) {
        (Scope::S2(p), Scope::S2(c)) => p.covers(c),
        (Scope::Privileges(p), Scope::Privileges(c)) => p.covers(c),
        (Scope::Policy(p), Scope::Policy(c)) => p.covers(c),
        (Scope::Names(p), Scope::Names(c)) => p.covers(c),
        // A universal scope (owner, `*:*`, unrestricted names, all of S2) may issue any scope
        // in any language: it already allows everything its holder can ask for.
        (p, _) if p.is_universal() => Ok(()),
        (p, c) => Err(format!(
            "a {} scope cannot issue a {} scope: scopes in different languages are not comparable",
            p.language().as_str(),
            c.language().as_str()
        )),
    }
}

/// Whether a holder of `parent` may issue `child` (see [`covers_explain`]).
pub fn covers(parent: &Scope, child: &Scope) -> bool {
    covers_explain(parent, child).is_ok()
}

/// Reads an optional array of strings at `field`, naming the element at fault.
pub(crate) fn string_list(o: &Map<String, Value>, field: &str, max: usize) -> Result<Option<Vec<String>>, ScopeError> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => {
            if a.len() > max {
                return Err(ScopeError::invalid(field, format!("at most {max} entries")));
            }
            let mut out = Vec::with_capacity(a.len());
            for (i, v) in a.iter().enumerate() {
                match v {
                    Value::String(s) => out.push(s.clone()),
                    _ => return Err(ScopeError::invalid(format!("{field}[{i}]"), "must be a string")),
                }
            }
            Ok(Some(out))
        }
        Some(_) => Err(ScopeError::invalid(field, "must be an array of strings")),
    }
}

/// Longest list a scope may hold in any field (rules, privileges, names, statements).
pub const MAX_RULES: usize = 1000;
/// Longest single string a scope may hold (a privilege, a name, a specifier).
pub const MAX_STRING: usize = 512;

#[cfg(test)]
mod request_tests {
    use super::Request;
    use serde_json::json;

    /// `Request::from_json` accepts and refuses what the derived `Deserialize` does, with the
    /// same result.
    #[test]
    fn from_json_is_the_derived_reader() {
        let cases = [
            json!({ "action": "read" }),
            json!({ "action": "append", "basin": "b", "stream": "s" }),
            json!({ "action": "x", "resource": null, "accessToken": "t" }),
            json!({ "action": "x", "resource": "r", "basin": null, "stream": null, "accessToken": null }),
            json!({ "action": 1 }),
            json!({ "action": null }),
            json!({ "action": "x", "resource": 2 }),
            json!({ "action": "x", "resource": ["r"] }),
            json!({ "action": "x", "access_token": "t" }),
            json!({ "action": "x", "extra": true }),
            json!({ "resource": "r" }),
            json!({}),
            json!([]),
            json!("read"),
            json!(null),
            json!(1.5),
        ];
        for v in cases {
            let derived = serde_json::from_value::<Request>(v.clone()).ok();
            let own = Request::from_json(&v);
            assert_eq!(own.clone().ok(), derived, "{v}: {own:?}");
        }
        let e = Request::from_json(&json!({ "action": "x", "extra": 1 })).unwrap_err();
        assert!(e.starts_with("unknown field `extra`"), "{e}");
        assert_eq!(Request::from_json(&json!({ "basin": "b" })).unwrap_err(), "missing field `action`");
    }
}
