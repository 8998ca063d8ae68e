//! Plain scope names (Space Invoices / LoopBack `scopes`).
//!
//! `{"scopes": ["invoices", "documents"]}` allows a request whose `action` is exactly one of the
//! names (case-sensitive, no wildcards: `*` is an ordinary character here). `{"scopes": null}`
//! (or the field missing) is LoopBack's default: a token without scopes is not restricted by
//! scope, so it allows every request. `{"scopes": []}` allows nothing. Names are non-empty,
//! at most 512 bytes, without control characters.
//!
//! Attenuation is exact: the unrestricted default covers everything; a list covers a list that
//! is a subset of it, and never the unrestricted default.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{string_list, Decision, Request, ScopeError, MAX_RULES, MAX_STRING};

/// A validated names scope; `None` = unrestricted (LoopBack's default scope).
#[derive(Debug, Clone, PartialEq)]
pub struct Names {
    names: Option<Vec<String>>,
}

impl Names {
    /// Builds from a list (`None` = unrestricted).
    ///
    /// # Errors
    /// [`ScopeError::InvalidScope`] naming `scopes[i]` for an empty, too long or control-character name.
    pub fn new(names: Option<Vec<String>>) -> Result<Names, ScopeError> {
        let Some(list) = names else { return Ok(Names { names: None }) };
        let mut out: Vec<String> = Vec::with_capacity(list.len());
        for (i, n) in list.into_iter().enumerate() {
            if n.is_empty() || n.len() > MAX_STRING || n.chars().any(char::is_control) {
                return Err(ScopeError::invalid(format!("scopes[{i}]"), "must be 1 to 512 bytes without control characters"));
            }
            if !out.contains(&n) {
                out.push(n);
            }
        }
        Ok(Names { names: Some(out) })
    }

    pub(crate) fn from_json(o: &Map<String, Value>) -> Result<Names, ScopeError> {
        Names::new(string_list(o, "scopes", MAX_RULES)?)
    }

    pub(crate) fn to_json(&self) -> Map<String, Value> {
        let mut o = Map::new();
        let v = match &self.names {
            None => Value::Null,
            Some(l) => Value::Array(l.iter().cloned().map(Value::String).collect()),
        };
        o.insert("scopes".into(), v);
        o
    }

    /// The names, or `None` when unrestricted.
    pub fn names(&self) -> Option<&[String]> {
        self.names.as_deref()
    }

    pub(crate) fn summary(&self) -> String {
        match &self.names {
            None => "scopes: unrestricted (default)".into(),
            Some(l) if l.is_empty() => "scopes: none".into(),
            Some(l) => format!("scopes: {}", l.join(", ")),
        }
    }

    pub(crate) fn compile(&self) -> CompiledNames {
        CompiledNames {
            names: self.names.as_ref().map(|l| l.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect()),
        }
    }

    pub(crate) fn covers(&self, child: &Names) -> Result<(), String> {
        match (&self.names, &child.names) {
            (None, _) => Ok(()),
            (Some(_), None) => Err("the issuer's scopes are restricted, so it cannot issue an unrestricted token".into()),
            (Some(p), Some(c)) => {
                let missing: Vec<&str> = c.iter().filter(|n| !p.contains(n)).map(String::as_str).collect();
                if missing.is_empty() {
                    Ok(())
                } else {
                    Err(format!("scopes not held by the issuer: {}", missing.join(", ")))
                }
            }
        }
    }
}

/// A names scope compiled to a hash set.
#[derive(Debug, Clone)]
pub struct CompiledNames {
    names: Option<HashMap<String, usize>>,
}

impl CompiledNames {
    pub(crate) fn check(&self, req: &Request) -> Decision {
        match &self.names {
            None => Decision::allow("scopes", "allowed: the token's scopes are unrestricted (LoopBack default)"),
            Some(m) => match m.get(req.action.as_str()) {
                Some(i) => Decision::allow(format!("scopes[{i}]"), format!("allowed by scope {:?}", req.action)),
                None => Decision::deny(None, format!("scope {:?} is not among the token's scopes", req.action)),
            },
        }
    }

    pub(crate) fn allows_str(&self, action: &str) -> bool {
        match &self.names {
            None => true,
            Some(m) => m.contains_key(action),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(l: Option<&[&str]>) -> Names {
        Names::new(l.map(|l| l.iter().map(|s| s.to_string()).collect())).expect("valid")
    }

    #[test]
    fn membership() {
        let c = n(Some(&["invoices", "*"])).compile();
        assert!(c.allows_str("invoices"));
        assert!(c.allows_str("*"));
        assert!(!c.allows_str("documents"));
        assert!(!c.allows_str("Invoices"));
        assert!(n(None).compile().allows_str("anything"));
        assert!(!n(Some(&[])).compile().allows_str("anything"));
    }

    #[test]
    fn bad_names() {
        for bad in ["", "a\u{0}b", "line\nbreak"] {
            assert!(Names::new(Some(vec!["ok".into(), bad.into()])).is_err(), "{bad:?}");
        }
        assert!(Names::new(Some(vec!["x".repeat(MAX_STRING + 1)])).is_err());
    }

    #[test]
    fn covers_table() {
        assert!(n(None).covers(&n(None)).is_ok());
        assert!(n(None).covers(&n(Some(&["a"]))).is_ok());
        assert!(n(Some(&["a", "b"])).covers(&n(Some(&["a"]))).is_ok());
        assert!(n(Some(&["a"])).covers(&n(Some(&["a", "b"]))).is_err());
        assert!(n(Some(&["a"])).covers(&n(None)).is_err());
        assert!(n(Some(&[])).covers(&n(Some(&[]))).is_ok());
    }
}
