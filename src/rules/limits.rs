//! One table of field limits for every API: tokenkit's own, the four dialects, JSON Patch and
//! the dashboard's inputs. The OpenAPI document's `maxLength`/`maximum`/`maxItems` are checked
//! against [`LIMITS`] by the service's tests.
//!
//! The numbers (docs/service.md, "Field limits"): a name is at most [`NAME_MAX`] = 256
//! characters and a description at most [`DESCRIPTION_MAX`] = 1024. Before this table the APIs
//! disagreed (tokenkit's own 100/1000, LaunchDarkly 256/1000, Akinon's name 100, the patch
//! policy 256/1024); the largest of each was chosen so that no request any API accepted before
//! is refused now, and 256 leaves room for the names other services allow (GitLab 255).
//! Lengths count Unicode scalar values (code points), as JSON Schema's `maxLength` does.

use serde::Serialize;
use serde_json::Value;

use super::RuleError;

/// A token's display name, in characters.
pub const NAME_MAX: u32 = 256;
/// A token's description, in characters.
pub const DESCRIPTION_MAX: u32 = 1024;
/// A lifetime or grace input given as text (a preset, an ISO 8601 duration, an instant).
pub const LIFETIME_TEXT_MAX: u32 = 100;
/// A presented token in a request body (verify): longer than any tokenkit token.
pub const TOKEN_TEXT_MAX: u32 = 200;
/// Operations in one JSON Patch (its cost grows with its length).
pub const PATCH_OPS_MAX: u32 = 1000;
/// Tokens in one page of tokenkit's own list.
pub const PAGE_MAX: u32 = 100;
/// The page size when none is asked for.
pub const PAGE_DEFAULT: u32 = 20;
/// A webhook endpoint's URL, in characters.
pub const URL_MAX: u32 = 2048;
/// The widest "expiring within" window of the list, in days (ten years).
pub const EXPIRING_WITHIN_DAYS_MAX: u32 = 3650;

/// What kind of value a limit bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A display string: trimmed, no control characters, at most `max` characters;
    /// `min` = 1 means required and not blank.
    Text,
    /// A string taken as it is, at most `max` characters.
    String,
    /// A whole number from `min` to `max`.
    Integer,
    /// A list of at most `max` items.
    Items,
}

impl Kind {
    /// `text`, `string`, `integer` or `items`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Items => "items",
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldLimit {
    /// The field as the APIs name it; query parameters as `query.<name>`.
    pub field: &'static str,
    /// What is bounded.
    pub kind: Kind,
    /// The least length (Text: 1 = required), value (Integer) or item count.
    pub min: u32,
    /// The greatest length in characters, value or item count.
    pub max: u32,
    /// The error code a value past the limit is refused with.
    pub code: &'static str,
    /// The HTTP status of that refusal on tokenkit's own API.
    pub status: u16,
}

const fn row(field: &'static str, kind: Kind, min: u32, max: u32, code: &'static str, status: u16) -> FieldLimit {
    FieldLimit { field, kind, min, max, code, status }
}

/// Every field limit, for every API.
pub const LIMITS: &[FieldLimit] = &[
    row("name", Kind::Text, 1, NAME_MAX, "invalid_field", 422),
    row("description", Kind::Text, 0, DESCRIPTION_MAX, "invalid_field", 422),
    // An account's first owner (optional: "owner" when omitted) and a member's name.
    row("owner", Kind::Text, 0, NAME_MAX, "invalid_field", 422),
    row("lifetime", Kind::String, 0, LIFETIME_TEXT_MAX, "invalid_lifetime", 422),
    row("grace", Kind::String, 0, LIFETIME_TEXT_MAX, "invalid_lifetime", 422),
    row("token", Kind::String, 0, TOKEN_TEXT_MAX, "invalid_field", 422),
    row("patch", Kind::Items, 0, PATCH_OPS_MAX, "patch_too_large", 422),
    row("query.name", Kind::String, 0, NAME_MAX, "invalid_query", 400),
    row("query.limit", Kind::Integer, 1, PAGE_MAX, "invalid_query", 400),
    row("query.expiring_within_days", Kind::Integer, 1, EXPIRING_WITHIN_DAYS_MAX, "invalid_query", 400),
    // A token's conditions (src/rules/conditions.rs): 1–100 address blocks of at most 64 characters each.
    row("allowedIps", Kind::Items, 1, super::conditions::ALLOWED_IPS_MAX, "invalid_field", 422),
    row("allowedIps[]", Kind::String, 1, super::cidr::CIDR_TEXT_MAX as u32, "invalid_field", 422),
    row("remaining", Kind::Integer, 0, super::conditions::REMAINING_MAX, "invalid_field", 422),
    row("refill.amount", Kind::Integer, 1, super::conditions::REMAINING_MAX, "invalid_field", 422),
    row("rateLimit.limit", Kind::Integer, 1, super::conditions::RATE_LIMIT_MAX, "invalid_field", 422),
    row("rateLimit.periodSeconds", Kind::Integer, 1, super::conditions::RATE_PERIOD_MAX, "invalid_field", 422),
    // A webhook endpoint's URL (src/rules/webhooks.rs).
    row("url", Kind::String, 1, URL_MAX, "invalid_field", 422),
];

/// The row for `field`, if the table has one.
pub fn limit(field: &str) -> Option<&'static FieldLimit> {
    LIMITS.iter().find(|l| l.field == field)
}

fn row_of(field: &str) -> Result<&'static FieldLimit, RuleError> {
    limit(field).ok_or_else(|| RuleError::on(422, "invalid_input", field, format!("{field} has no entry in the field-limit table")))
}

/// The name a field has in messages (`query.name` → `name`).
fn shown(field: &str) -> &str {
    field.strip_prefix("query.").unwrap_or(field)
}

/// Checks a display string (a [`Kind::Text`] row: `name`, `description`, `owner`) and returns
/// it trimmed; `Ok(None)` when it is absent (`None` or JSON `null`) and not required.
///
/// Refused with the row's code (422 `invalid_field`): a required value absent or blank, a value
/// that is not a string, control characters (C0, DEL, C1), more than `max` characters (counted
/// before trimming).
///
/// # Example
/// ```
/// use tokenkit::rules::limits::check_text;
/// use serde_json::json;
/// assert_eq!(check_text("name", Some(&json!("  CI deploys "))).unwrap().as_deref(), Some("CI deploys"));
/// assert_eq!(check_text("name", None).unwrap_err().message, "name is required");
/// assert_eq!(check_text("description", None).unwrap(), None);
/// ```
pub fn check_text(field: &str, value: Option<&Value>) -> Result<Option<String>, RuleError> {
    let l = row_of(field)?;
    let bad = |m: String| RuleError::on(l.status, l.code, field, m);
    let required = l.min > 0;
    let s = match value {
        None | Some(Value::Null) if required => return Err(bad(format!("{field} is required"))),
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s,
        Some(_) => return Err(bad(format!("{field} must be a string"))),
    };
    if s.chars().any(char::is_control) {
        return Err(bad(format!("{field} must not contain control characters")));
    }
    if too_long(s, l.max) {
        return Err(bad(format!("{field} is longer than {} characters", l.max)));
    }
    let t = trim(s);
    if required && t.is_empty() {
        return Err(bad(format!("{field} must not be blank")));
    }
    Ok(Some(t.to_string()))
}

/// Checks the length of a string taken as it is (a [`Kind::String`] row: `lifetime`, `grace`,
/// `token`, `query.name`).
pub fn check_length(field: &str, value: &str) -> Result<(), RuleError> {
    let l = row_of(field)?;
    if too_long(value, l.max) {
        return Err(RuleError::on(l.status, l.code, shown(field), format!("{} is longer than {} characters", shown(field), l.max)));
    }
    Ok(())
}

/// Checks a count of items (a [`Kind::Items`] row: `patch`).
pub fn check_items(field: &str, count: usize) -> Result<(), RuleError> {
    let l = row_of(field)?;
    if count > l.max as usize {
        return Err(RuleError::new(l.status, l.code, format!("a {field} has at most {} operations", l.max)));
    }
    Ok(())
}

/// Parses a whole number in a query parameter (an [`Kind::Integer`] row) from its text: ASCII
/// digits only, within `min..=max`.
pub fn parse_integer(field: &str, text: &str) -> Result<u32, RuleError> {
    let l = row_of(field)?;
    let n = (!text.is_empty() && text.len() <= 10 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse::<u64>().ok())
        .flatten()
        .filter(|n| (u64::from(l.min)..=u64::from(l.max)).contains(n));
    n.and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
        RuleError::on(l.status, l.code, shown(field), format!("{} must be an integer from {} to {}", shown(field), l.min, l.max))
    })
}

/// Trims white space as JavaScript's `String.prototype.trim` does: Unicode White_Space and the
/// byte-order mark U+FEFF (which Rust's `str::trim` keeps).
pub fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

/// More than `max` characters? The byte length bounds the count from above, so most strings are
/// answered without counting.
fn too_long(s: &str, max: u32) -> bool {
    s.len() > max as usize && s.chars().count() > max as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_row_is_named_once_and_sane() {
        for (i, l) in LIMITS.iter().enumerate() {
            assert!(LIMITS[..i].iter().all(|o| o.field != l.field), "{} twice", l.field);
            assert!(l.min <= l.max, "{}", l.field);
            assert!(matches!(l.status, 400 | 422), "{}", l.field);
        }
    }

    #[test]
    fn text_table() {
        let name_max = "é".repeat(NAME_MAX as usize);
        let name_over = "é".repeat(NAME_MAX as usize + 1);
        let desc_max = "x".repeat(DESCRIPTION_MAX as usize);
        let cases: &[(&str, Option<Value>, Result<Option<&str>, &str>)] = &[
            ("name", Some(json!("ok")), Ok(Some("ok"))),
            ("name", Some(json!("  padded\t")), Err("name must not contain control characters")),
            ("name", Some(json!("  padded  ")), Ok(Some("padded"))),
            ("name", Some(json!("\u{feff}bom\u{3000}")), Ok(Some("bom"))),
            ("name", Some(json!("\u{feff}")), Err("name must not be blank")),
            ("name", Some(json!(name_max)), Ok(Some(name_max.as_str()))),
            ("name", Some(json!(name_over)), Err("name is longer than 256 characters")),
            ("name", None, Err("name is required")),
            ("name", Some(Value::Null), Err("name is required")),
            ("name", Some(json!("   ")), Err("name must not be blank")),
            ("name", Some(json!(5)), Err("name must be a string")),
            ("name", Some(json!("a\u{85}b")), Err("name must not contain control characters")),
            ("name", Some(json!("a\u{7f}")), Err("name must not contain control characters")),
            ("description", None, Ok(None)),
            ("description", Some(json!("")), Ok(Some(""))),
            ("description", Some(json!(desc_max)), Ok(Some(desc_max.as_str()))),
            ("description", Some(json!("x".repeat(1025))), Err("description is longer than 1024 characters")),
            ("owner", None, Ok(None)),
        ];
        for (field, v, want) in cases {
            let got = check_text(field, v.as_ref());
            match want {
                Ok(w) => assert_eq!(got.unwrap().as_deref(), *w, "{field} {v:?}"),
                Err(m) => {
                    let e = got.unwrap_err();
                    assert_eq!((e.code, e.status, e.field.as_deref(), e.message.as_str()), ("invalid_field", 422, Some(*field), *m), "{field} {v:?}");
                }
            }
        }
        assert_eq!(check_text("nope", None).unwrap_err().code, "invalid_input");
    }

    #[test]
    fn lengths_items_and_integers() {
        assert!(check_length("lifetime", &"x".repeat(100)).is_ok());
        let e = check_length("lifetime", &"x".repeat(101)).unwrap_err();
        assert_eq!((e.code, e.status, e.message.as_str()), ("invalid_lifetime", 422, "lifetime is longer than 100 characters"));
        let e = check_length("query.name", &"x".repeat(257)).unwrap_err();
        assert_eq!((e.code, e.status, e.field.as_deref()), ("invalid_query", 400, Some("name")));
        assert!(check_length("token", &"t".repeat(200)).is_ok());
        assert_eq!(check_length("token", &"t".repeat(201)).unwrap_err().code, "invalid_field");
        assert!(check_items("patch", 1000).is_ok());
        let e = check_items("patch", 1001).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), ("patch_too_large", "a patch has at most 1000 operations"));
        assert_eq!(parse_integer("query.limit", "1"), Ok(1));
        assert_eq!(parse_integer("query.limit", "100"), Ok(100));
        for bad in ["0", "101", "", "-1", "+5", "1.0", "1e2", " 5", "99999999999999999999", "٣"] {
            let e = parse_integer("query.limit", bad).unwrap_err();
            assert_eq!((e.code, e.status, e.field.as_deref()), ("invalid_query", 400, Some("limit")), "{bad}");
            assert_eq!(e.message, "limit must be an integer from 1 to 100");
        }
        assert_eq!(parse_integer("query.expiring_within_days", "3650"), Ok(3650));
        assert!(parse_integer("query.expiring_within_days", "3651").is_err());
    }
}
