//! The query of tokenkit's own token list (`GET /tk/v1/tokens`): its parameters, checked
//! against the field-limit table, and the expiry window they select.

use serde::Serialize;

use super::expiry::expiring_within;
use super::limits::{check_length, parse_integer, PAGE_DEFAULT};
use super::RuleError;

/// A checked list query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    /// Page size (1–100, 20 by default).
    pub limit: u32,
    /// The cursor of the page before (the service's own, a row sequence number).
    pub cursor: Option<u64>,
    /// A name filter (a substring, case-insensitive), when not empty.
    pub name: Option<String>,
    /// Every member's tokens (`all=true`; admins only).
    pub all: bool,
    /// Only expired (`true`) or only live (`false`) tokens.
    pub expired: Option<bool>,
    /// Only tokens expiring after `now` and up to this instant (epoch ms, inclusive).
    pub expiring_until: Option<i64>,
    /// Revoked tokens instead of live ones (`revoked=true`): their `revokedAt` and `revokedReason`.
    pub revoked: bool,
}

const PARAMS: [&str; 7] = ["limit", "cursor", "name", "expired", "expiring_within_days", "all", "revoked"];

fn bad(field: &str, message: impl Into<String>) -> RuleError {
    RuleError::on(400, "invalid_query", field, message)
}

fn boolean(field: &str, v: &str) -> Result<bool, RuleError> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad(field, format!("{field} must be true or false"))),
    }
}

/// Checks the (decoded) query `pairs` at `now` (epoch ms). The first value of a repeated
/// parameter counts. 400 `invalid_query` naming the parameter.
pub fn parse_list_query(pairs: &[(String, String)], now: i64) -> Result<ListQuery, RuleError> {
    for (k, _) in pairs {
        if !PARAMS.contains(&k.as_str()) {
            let short: String = k.chars().take(40).collect();
            return Err(bad(&short, format!("unknown query parameter {short}")));
        }
    }
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let all = get("all").map(|v| boolean("all", v)).transpose()?.unwrap_or(false);
    let revoked = get("revoked").map(|v| boolean("revoked", v)).transpose()?.unwrap_or(false);
    let expired = get("expired").map(|v| boolean("expired", v)).transpose()?;
    let within = get("expiring_within_days").map(|v| parse_integer("query.expiring_within_days", v)).transpose()?;
    let cursor = match get("cursor") {
        None => None,
        Some(c) if (1..=15).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_digit()) => c.parse::<u64>().ok(),
        Some(_) => return Err(bad("cursor", "cursor is not one this API returned")),
    };
    let name = match get("name") {
        None | Some("") => None,
        Some(n) => {
            check_length("query.name", n)?;
            Some(n.to_string())
        }
    };
    let limit = get("limit").map(|v| parse_integer("query.limit", v)).transpose()?.unwrap_or(PAGE_DEFAULT);
    Ok(ListQuery { limit, cursor, name, all, expired, expiring_until: within.map(|d| expiring_within(d, now).1), revoked })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Result<ListQuery, RuleError> {
        let v: Vec<(String, String)> = pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        parse_list_query(&v, 1000)
    }

    #[test]
    fn defaults_and_values() {
        let d = q(&[]).unwrap();
        assert_eq!(d, ListQuery { limit: 20, cursor: None, name: None, all: false, expired: None, expiring_until: None, revoked: false });
        let v = q(&[("limit", "5"), ("cursor", "42"), ("name", "ci"), ("all", "true"), ("expired", "false"), ("expiring_within_days", "2")]).unwrap();
        assert_eq!(v, ListQuery { limit: 5, cursor: Some(42), name: Some("ci".into()), all: true, expired: Some(false), expiring_until: Some(1000 + 2 * 86_400_000), revoked: false });
        assert!(q(&[("revoked", "true")]).unwrap().revoked);
        assert_eq!(q(&[("name", "")]).unwrap().name, None);
        assert_eq!(q(&[("limit", "7"), ("limit", "x")]).unwrap().limit, 7);
    }

    #[test]
    fn refusals_name_the_parameter() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("nope", "1")], "nope"),
            (&[("limit", "0")], "limit"),
            (&[("limit", "101")], "limit"),
            (&[("all", "yes")], "all"),
            (&[("expired", "1")], "expired"),
            (&[("revoked", "yes")], "revoked"),
            (&[("expiring_within_days", "0")], "expiring_within_days"),
            (&[("expiring_within_days", "3651")], "expiring_within_days"),
            (&[("cursor", "abc")], "cursor"),
            (&[("cursor", "1234567890123456")], "cursor"),
        ];
        for (pairs, field) in cases {
            let e = q(pairs).unwrap_err();
            assert_eq!((e.status, e.code, e.field.as_deref()), (400, "invalid_query", Some(*field)), "{pairs:?}");
        }
        let long = "n".repeat(257);
        assert_eq!(q(&[("name", long.as_str())]).unwrap_err().field.as_deref(), Some("name"));
        let k = "k".repeat(50);
        assert_eq!(q(&[(k.as_str(), "1")]).unwrap_err().field.map(|f| f.len()), Some(40));
    }
}
