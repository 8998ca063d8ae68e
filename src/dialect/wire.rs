//! Small wire helpers the dialects share: timestamps as the vendors format them, query strings
//! and percent-decoding, JSON bodies, display-text rules, type names for messages.

use serde_json::Value;

use super::{Dialect, DialectError, Failure};

/// Formats epoch ms as RFC 3339 UTC with exactly three fractional digits, as JavaScript's
/// `Date.prototype.toISOString` does (Akinon, Space: Mongoose / LoopBack dates).
pub(crate) fn iso_ms(ms: i64) -> String {
    match crate::time::Timestamp::from_millisecond(ms) {
        Ok(ts) => format!("{ts:.3}"),
        Err(_) => String::new(),
    }
}

/// Formats epoch ms as RFC 3339 UTC with only as many fractional digits as needed (S2).
pub(crate) fn rfc3339(ms: i64) -> String {
    match crate::time::Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.to_string(),
        Err(_) => String::new(),
    }
}

/// Decodes an `application/x-www-form-urlencoded` query string into ordered pairs.
/// A leading `?` is ignored. Invalid percent-escapes are an error naming the parameter.
pub(crate) fn parse_query(q: &str) -> Result<Vec<(String, String)>, String> {
    let q = q.strip_prefix('?').unwrap_or(q);
    let mut out = Vec::new();
    for part in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let k = percent_decode(k, true).ok_or_else(|| k.to_string())?;
        let v = percent_decode(v, true).ok_or_else(|| k.clone())?;
        out.push((k, v));
    }
    Ok(out)
}

/// Percent-decodes `s` (and `+` as space when `plus` is set). `None` for a bad escape or
/// bytes that are not UTF-8.
pub(crate) fn percent_decode(s: &str, plus: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'%' => {
                let h = hex(*b.get(i + 1)?)?;
                let l = hex(*b.get(i + 2)?)?;
                out.push(h * 16 + l);
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// True for a 24-digit hexadecimal id (Mongo ObjectId, as Akinon and LaunchDarkly use).
pub fn is_object_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parses JSON body text, mapping a syntax error to the dialect's malformed-body error.
pub(crate) fn parse_body(dialect: Dialect, text: &str) -> Result<Value, DialectError> {
    serde_json::from_str::<Value>(text).map_err(|e| DialectError::new(dialect, Failure::MalformedBody, body_message(dialect, &e)))
}

fn body_message(dialect: Dialect, e: &serde_json::Error) -> String {
    match dialect {
        Dialect::S2 => format!("invalid JSON body: {e}"),
        _ => format!("Invalid JSON body: {e}"),
    }
}

/// Why a display string (a token's name or description) is refused, if it is: control
/// characters (C0, DEL, C1) never reach the store or a page, and `max` bounds its length in
/// characters. The same rule as tokenkit's own API (`worker/src/http.js`).
pub(crate) fn display_text_problem(s: &str, max: usize) -> Option<String> {
    if s.chars().any(char::is_control) {
        return Some("must not contain control characters".into());
    }
    if s.chars().count() > max {
        return Some(format!("must be at most {max} characters long"));
    }
    None
}

/// The JSON type name of `v`, for messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_percent_decoding() {
        assert_eq!(
            parse_query("?prefix=user-&start_after=user-0&limit=10").unwrap(),
            vec![("prefix".into(), "user-".into()), ("start_after".into(), "user-0".into()), ("limit".into(), "10".into())]
        );
        assert_eq!(percent_decode("user%2F1234%20rw", false).as_deref(), Some("user/1234 rw"));
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
        assert_eq!(percent_decode("a+b", true).as_deref(), Some("a b"));
        assert_eq!(percent_decode("%zz", false), None);
        assert_eq!(percent_decode("%4", false), None);
        assert_eq!(percent_decode("%ff", false), None);
        assert!(parse_query("a=%").is_err());
    }

    #[test]
    fn time_formats() {
        assert_eq!(iso_ms(1587902144346), "2020-04-26T11:55:44.346Z");
        assert_eq!(iso_ms(1587902144000), "2020-04-26T11:55:44.000Z");
        assert_eq!(rfc3339(1798761600000), "2027-01-01T00:00:00Z");
        assert_eq!(iso_ms(i64::MAX), "");
    }
}
