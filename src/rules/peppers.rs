//! The pepper keyring: which peppers the service digests secrets with, and when a stored digest
//! moves to the current one.
//!
//! A service configures either one pepper (`TOKENKIT_PEPPER`, named by `TOKENKIT_PEPPER_VERSION`,
//! default `v1`) or a keyring (`TOKENKIT_PEPPERS`: `{"current": "3", "peppers": {"2": "…", "3":
//! "…"}}`), or both (the single pepper then joins the ring as one more version: the way from
//! one pepper to a ring). New digests use the current version; a lookup tries the current
//! version, then the older ones, newest first; a secret found under an older version is
//! re-digested under the current one ([`needs_redigest`]). A version removed from the ring
//! stops verifying the secrets still stored under it (docs/service.md, "Pepper rotation").

use serde::{Deserialize, Serialize};

use super::RuleError;
use crate::digest::{Pepper, StoredDigest};

/// The most peppers a ring may hold (each is one more digest per lookup).
pub const MAX_PEPPERS: usize = 8;

/// A configured pepper: its version and key (the key as configured, a string).
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct PepperSpec {
    /// The version stored digests name.
    pub version: String,
    /// The HMAC key.
    pub key: String,
}

impl core::fmt::Debug for PepperSpec {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PepperSpec").field("version", &self.version).field("key", &"<redacted>").finish()
    }
}

/// The keyring: the current pepper (`None`: plain SHA-256 digests) and every configured
/// pepper, the current first, then the others newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PepperRing {
    /// The pepper new digests use.
    pub current: Option<PepperSpec>,
    /// Every pepper a lookup tries, in order.
    pub peppers: Vec<PepperSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RingDoc {
    current: serde_json::Value,
    peppers: serde_json::Map<String, serde_json::Value>,
}

fn config_error(field: impl Into<String>, message: impl Into<String>) -> RuleError {
    RuleError::on(500, "invalid_pepper_config", field, message)
}

fn checked(field: &str, version: &str, key: &str) -> Result<PepperSpec, RuleError> {
    Pepper::new(version, key.as_bytes()).map_err(|e| config_error(field, e.to_string()))?;
    Ok(PepperSpec { version: version.to_owned(), key: key.to_owned() })
}

/// Newest first: numerically when both versions are numbers, else by text, descending.
fn newer_first(a: &PepperSpec, b: &PepperSpec) -> core::cmp::Ordering {
    match (a.version.parse::<u64>(), b.version.parse::<u64>()) {
        (Ok(x), Ok(y)) => y.cmp(&x),
        _ => b.version.cmp(&a.version),
    }
}

/// The keyring from the service's configuration: `ring` (`TOKENKIT_PEPPERS`, JSON), `single`
/// (`TOKENKIT_PEPPER`) and `single_version` (`TOKENKIT_PEPPER_VERSION`, default `v1`). Empty
/// strings count as unset.
///
/// # Errors
/// 500 `invalid_pepper_config` naming the setting at fault: a ring that is not `{"current",
/// "peppers"}`, a current version it does not hold, more than [`MAX_PEPPERS`], a bad version or
/// a key under 32 bytes, or a single pepper whose version the ring holds with another key.
pub fn pepper_ring(ring: Option<&str>, single: Option<&str>, single_version: Option<&str>) -> Result<PepperRing, RuleError> {
    let ring = ring.filter(|r| !r.trim().is_empty());
    let single = single.filter(|s| !s.is_empty());
    let single_version = single_version.filter(|v| !v.is_empty()).unwrap_or("v1");
    let single = single.map(|key| checked("TOKENKIT_PEPPER", single_version, key)).transpose()?;
    let Some(ring) = ring else {
        return Ok(PepperRing { current: single.clone(), peppers: single.into_iter().collect() });
    };
    let doc: RingDoc = serde_json::from_str(ring).map_err(|_| config_error("TOKENKIT_PEPPERS", "expected {\"current\": \"<version>\", \"peppers\": {\"<version>\": \"<key>\", …}}"))?;
    let current = match &doc.current {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) if n.is_u64() => n.to_string(),
        _ => return Err(config_error("TOKENKIT_PEPPERS.current", "current must be a version string or number")),
    };
    let mut peppers = Vec::with_capacity(doc.peppers.len() + 1);
    for (version, key) in &doc.peppers {
        let field = format!("TOKENKIT_PEPPERS.peppers.{version}");
        let serde_json::Value::String(key) = key else {
            return Err(config_error(field, "each pepper must be a string"));
        };
        peppers.push(checked(&field, version, key)?);
    }
    if let Some(s) = single {
        match peppers.iter().find(|p| p.version == s.version) {
            Some(p) if p.key != s.key => return Err(config_error("TOKENKIT_PEPPER", "TOKENKIT_PEPPERS holds this TOKENKIT_PEPPER_VERSION with another key")),
            Some(_) => {}
            None => peppers.push(s),
        }
    }
    if peppers.len() > MAX_PEPPERS {
        return Err(config_error("TOKENKIT_PEPPERS.peppers", format!("at most {MAX_PEPPERS} peppers")));
    }
    let Some(at) = peppers.iter().position(|p| p.version == current) else {
        return Err(config_error("TOKENKIT_PEPPERS.current", "current names a version the ring does not hold"));
    };
    let cur = peppers.remove(at);
    peppers.sort_by(newer_first);
    peppers.insert(0, cur.clone());
    Ok(PepperRing { current: Some(cur), peppers })
}

/// Should a secret that matched the stored digest `stored` be re-digested under the current
/// pepper? Yes when the digest is not under the current version: an older pepper's HMAC, or a
/// plain SHA-256 digest once a pepper is configured. Never without a current pepper, and never
/// for a digest that does not parse (it is left alone).
pub fn needs_redigest(stored: &str, current_version: Option<&str>) -> bool {
    let Some(current) = current_version else { return false };
    match StoredDigest::parse(stored) {
        Ok(d) => d.key_version() != Some(current),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "0123456789abcdef0123456789abcdef";
    const K2: &str = "fedcba9876543210fedcba9876543210";
    const K3: &str = "a-third-pepper-of-32-bytes-at-least";

    fn versions(r: &PepperRing) -> Vec<&str> {
        r.peppers.iter().map(|p| p.version.as_str()).collect()
    }

    #[test]
    fn single_and_none() {
        assert_eq!(pepper_ring(None, None, None).unwrap(), PepperRing { current: None, peppers: vec![] });
        let r = pepper_ring(Some(""), Some(K1), None).unwrap();
        assert_eq!((r.current.as_ref().unwrap().version.as_str(), versions(&r)), ("v1", vec!["v1"]));
        assert_eq!(pepper_ring(None, Some(K1), Some("7")).unwrap().current.unwrap().version, "7");
        assert_eq!(pepper_ring(None, Some("short"), None).unwrap_err().field.as_deref(), Some("TOKENKIT_PEPPER"));
    }

    #[test]
    fn rings() {
        let doc = format!(r#"{{"current": 3, "peppers": {{"2": "{K2}", "3": "{K3}", "10": "{K1}"}}}}"#);
        let r = pepper_ring(Some(&doc), None, None).unwrap();
        assert_eq!(versions(&r), vec!["3", "10", "2"], "current first, then newest first (numerically)");
        // The single pepper joins the ring (the way from one pepper to a ring).
        let doc = format!(r#"{{"current": "2", "peppers": {{"2": "{K2}"}}}}"#);
        let r = pepper_ring(Some(&doc), Some(K1), None).unwrap();
        assert_eq!((r.current.unwrap().version.as_str(), versions(&pepper_ring(Some(&doc), Some(K1), None).unwrap())), ("2", vec!["2", "v1"]));
        let same = format!(r#"{{"current": "v1", "peppers": {{"v1": "{K1}"}}}}"#);
        assert_eq!(versions(&pepper_ring(Some(&same), Some(K1), None).unwrap()), vec!["v1"]);
        let cases: &[(String, Option<&str>, &str)] = &[
            ("nope".into(), None, "TOKENKIT_PEPPERS"),
            (r#"{"current": "1"}"#.into(), None, "TOKENKIT_PEPPERS"),
            (format!(r#"{{"current": "1", "peppers": {{"2": "{K2}"}}}}"#), None, "TOKENKIT_PEPPERS.current"),
            (format!(r#"{{"current": true, "peppers": {{"2": "{K2}"}}}}"#), None, "TOKENKIT_PEPPERS.current"),
            (r#"{"current": "2", "peppers": {"2": "short"}}"#.into(), None, "TOKENKIT_PEPPERS.peppers.2"),
            (format!(r#"{{"current": "2", "peppers": {{"bad version!": "{K2}"}}}}"#), None, "TOKENKIT_PEPPERS.peppers.bad version!"),
            (format!(r#"{{"current": "v1", "peppers": {{"v1": "{K2}"}}}}"#), Some(K1), "TOKENKIT_PEPPER"),
        ];
        for (doc, single, field) in cases {
            let e = pepper_ring(Some(doc), *single, None).unwrap_err();
            assert_eq!((e.status, e.code, e.field.as_deref()), (500, "invalid_pepper_config", Some(*field)), "{doc}");
        }
    }

    #[test]
    fn redigest() {
        let hex = "0".repeat(64);
        assert!(needs_redigest(&format!("hmac-sha256:2:{hex}"), Some("3")));
        assert!(!needs_redigest(&format!("hmac-sha256:3:{hex}"), Some("3")));
        assert!(needs_redigest(&format!("sha256:{hex}"), Some("3")));
        assert!(!needs_redigest(&format!("hmac-sha256:2:{hex}"), None));
        assert!(!needs_redigest("garbage", Some("3")));
    }

    #[test]
    fn keys_never_in_debug() {
        let r = pepper_ring(None, Some(K1), None).unwrap();
        assert!(!format!("{r:?}").contains(K1));
    }
}
