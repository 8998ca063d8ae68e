//! Akinon-style privileges: `<domain>:<action>`.
//!
//! Grammar: `word ":" (word | "*")` or exactly `*:*`, where `word = [A-Za-z0-9_.-]+`, at most
//! 100 bytes in all. `orders:read` grants exactly that privilege; `orders:*` grants every
//! action of the `orders` domain; `*:*` grants everything. `*` is a wildcard only as a whole
//! action (or in `*:*`): `orders:re*` and `*:read` are malformed, and malformed privileges are
//! errors, never silent non-matches. Matching is case-sensitive. A request names one concrete
//! privilege (no wildcard) in `action`.
//!
//! Attenuation is exact and complete: a child is covered when each of its privileges is granted
//! by one of the parent's (`*:*` ⊇ `d:*` ⊇ `d:a`).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{string_list, Decision, Request, ScopeError, MAX_RULES};

/// Longest privilege string (bytes).
pub const MAX_PRIVILEGE: usize = 100;

/// A validated privilege list (deduplicated, in the order given).
#[derive(Debug, Clone, PartialEq)]
pub struct Privileges {
    list: Vec<String>,
}

fn word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Whether `p` is a well-formed privilege (wildcards allowed).
pub fn is_privilege(p: &str) -> bool {
    if p.len() > MAX_PRIVILEGE {
        return false;
    }
    if p == "*:*" {
        return true;
    }
    match p.split_once(':') {
        Some((d, a)) => word(d) && (word(a) || a == "*"),
        None => false,
    }
}

/// Whether holding `held` grants `wanted` (both well-formed; `wanted` may itself be a wildcard).
pub fn grants(held: &str, wanted: &str) -> bool {
    if held == wanted || held == "*:*" {
        return true;
    }
    match (held.split_once(':'), wanted.split_once(':')) {
        (Some((hd, "*")), Some((wd, _))) => hd == wd && wanted != "*:*",
        _ => false,
    }
}

impl Privileges {
    /// Builds from a list of privilege strings.
    ///
    /// # Errors
    /// [`ScopeError::InvalidScope`] naming `privileges[i]` for a malformed entry.
    pub fn new<I: IntoIterator<Item = String>>(items: I) -> Result<Privileges, ScopeError> {
        let mut list: Vec<String> = Vec::new();
        for (i, p) in items.into_iter().enumerate() {
            if i >= MAX_RULES {
                return Err(ScopeError::invalid("privileges", format!("at most {MAX_RULES} privileges")));
            }
            if !is_privilege(&p) {
                return Err(ScopeError::invalid(
                    format!("privileges[{i}]"),
                    "must be <domain>:<action> with [A-Za-z0-9_.-] words, the action may be *, or *:*",
                ));
            }
            if !list.contains(&p) {
                list.push(p);
            }
        }
        Ok(Privileges { list })
    }

    pub(crate) fn from_json(o: &Map<String, Value>) -> Result<Privileges, ScopeError> {
        let items = string_list(o, "privileges", MAX_RULES)?
            .ok_or_else(|| ScopeError::invalid("privileges", "is required (an array, possibly empty)"))?;
        Privileges::new(items)
    }

    pub(crate) fn to_json(&self) -> Map<String, Value> {
        let mut o = Map::new();
        o.insert("privileges".into(), Value::Array(self.list.iter().cloned().map(Value::String).collect()));
        o
    }

    /// The privileges, in order.
    pub fn list(&self) -> &[String] {
        &self.list
    }

    pub(crate) fn summary(&self) -> String {
        if self.list.is_empty() {
            return "privileges: none".into();
        }
        format!("privileges: {}", self.list.join(", "))
    }

    pub(crate) fn compile(&self) -> CompiledPrivileges {
        let mut c = CompiledPrivileges { all: None, domains: Vec::new(), exact: HashMap::new() };
        for (i, p) in self.list.iter().enumerate() {
            if p == "*:*" {
                c.all.get_or_insert(i);
            } else if let Some(d) = p.strip_suffix(":*") {
                c.domains.push((d.to_string(), i));
            } else {
                c.exact.entry(p.clone()).or_insert(i);
            }
        }
        c
    }

    pub(crate) fn covers(&self, child: &Privileges) -> Result<(), String> {
        let missing: Vec<&str> =
            child.list.iter().filter(|c| !self.list.iter().any(|p| grants(p, c))).map(String::as_str).collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("privileges not held by the issuer: {}", missing.join(", ")))
        }
    }
}

/// Privileges compiled for matching: one hash lookup for exact grants.
#[derive(Debug, Clone)]
pub struct CompiledPrivileges {
    all: Option<usize>,
    domains: Vec<(String, usize)>,
    /// Concrete privilege → its index in the list.
    exact: HashMap<String, usize>,
}

impl CompiledPrivileges {
    pub(crate) fn check(&self, req: &Request) -> Result<Decision, ScopeError> {
        let want = req.action.as_str();
        let concrete = want.len() <= MAX_PRIVILEGE && want.split_once(':').is_some_and(|(d, a)| word(d) && word(a));
        if !concrete {
            return Err(ScopeError::bad_request("action", "must be one privilege <domain>:<action>, without wildcards"));
        }
        if let Some(i) = self.exact.get(want) {
            return Ok(Decision::allow(format!("privileges[{i}]"), format!("allowed by privilege {want}")));
        }
        let domain = want.split_once(':').map(|(d, _)| d).unwrap_or("");
        if let Some((d, i)) = self.domains.iter().find(|(d, _)| d == domain) {
            return Ok(Decision::allow(format!("privileges[{i}]"), format!("allowed by privilege {d}:* (every {d} action)")));
        }
        if let Some(i) = self.all {
            return Ok(Decision::allow(format!("privileges[{i}]"), "allowed by privilege *:* (every privilege)"));
        }
        Ok(Decision::deny(None, format!("no privilege grants {want}")))
    }

    pub(crate) fn allows_str(&self, want: &str) -> bool {
        if self.exact.contains_key(want) {
            return true;
        }
        if want.len() > MAX_PRIVILEGE {
            return false;
        }
        let Some((d, a)) = want.split_once(':') else { return false };
        if !word(d) || !word(a) {
            return false;
        }
        self.all.is_some() || self.domains.iter().any(|(x, _)| x == d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(list: &[&str]) -> Privileges {
        Privileges::new(list.iter().map(|s| s.to_string())).expect("valid")
    }

    #[test]
    fn grammar() {
        for ok in ["orders:read", "orders:*", "*:*", "a.b-c_d:x.y", "A:B"] {
            assert!(is_privilege(ok), "{ok}");
        }
        for bad in ["", "orders", ":read", "orders:", "*:read", "orders:re*", "a:b:c", "o rders:read", "órders:read", "*", "orders:**"] {
            assert!(!is_privilege(bad), "{bad}");
        }
        assert!(!is_privilege(&format!("a:{}", "b".repeat(MAX_PRIVILEGE))));
    }

    #[test]
    fn malformed_entry_is_an_error_naming_its_index() {
        let e = Privileges::new(["orders:read".to_string(), "bad".to_string()]).unwrap_err();
        assert_eq!(e.field(), Some("privileges[1]"));
        assert_eq!(e.code(), "invalid_scope");
    }

    #[test]
    fn matching_and_reasons() {
        let c = p(&["orders:read", "users:*"]).compile();
        let d = c.check(&Request::action("orders:read")).unwrap();
        assert!(d.allowed);
        assert_eq!(d.rule.as_deref(), Some("privileges[0]"));
        let d = c.check(&Request::action("users:delete")).unwrap();
        assert!(d.allowed);
        assert_eq!(d.rule.as_deref(), Some("privileges[1]"));
        assert!(!c.check(&Request::action("orders:write")).unwrap().allowed);
        assert!(c.check(&Request::action("orders:*")).is_err());
        assert!(!p(&[]).compile().allows_str("orders:read"));
        assert!(p(&["*:*"]).compile().allows_str("x:y"));
        assert!(!p(&["*:*"]).compile().allows_str("x:*"));
    }

    #[test]
    fn covers_table() {
        let cases: &[(&[&str], &[&str], bool)] = &[
            (&["*:*"], &["a:b", "c:*", "*:*"], true),
            (&["a:*"], &["a:b", "a:*"], true),
            (&["a:*"], &["*:*"], false),
            (&["a:b"], &["a:*"], false),
            (&["a:b"], &["a:b"], true),
            (&["a:b"], &[], true),
            (&[], &["a:b"], false),
        ];
        for (parent, child, want) in cases {
            assert_eq!(p(parent).covers(&p(child)).is_ok(), *want, "{parent:?} covers {child:?}");
        }
    }
}
