//! Akinon AppMaker user access tokens: `GET|POST /api/v1/me/tokens`,
//! `DELETE /api/v1/me/tokens/{tokenId}`.
//!
//! The vendor publishes only OpenAPI fragments; its `{validationError, apiError}` 400 body is
//! the shape of a Joi/celebrate validator, so request validation follows Joi's conventions:
//! every bad field is reported (not just the first), keys not in the schema are rejected
//! (`"x" is not allowed`), and messages quote the field name. See `docs/dialects.md`.

use serde_json::{json, Map, Value};

use super::{iso_ms, Caller, Dialect, DialectError, Failure, Response, Token, TokenDraft};
use crate::lifetime::{Lifetime, Preset};

const D: Dialect = Dialect::Akinon;

/// The `lifetime` enum, in the vendor's order.
pub const LIFETIMES: [&str; 5] = ["one-week", "one-month", "three-months", "six-months", "one-year"];

/// Longest accepted token name (characters): the one field-limit table's ([`crate::rules::limits`]).
pub const MAX_NAME: usize = crate::rules::limits::NAME_MAX as usize;

/// Longest accepted privilege string (bytes).
pub const MAX_PRIVILEGE: usize = 100;

/// What a masked token looks like before its last four characters.
pub const MASK: &str = "********";

pub(crate) fn status_of(f: Failure) -> u16 {
    match f {
        Failure::MalformedBody | Failure::MalformedQuery | Failure::MalformedPath | Failure::Invalid | Failure::InvalidPatch => 400,
        Failure::Unauthenticated => 401,
        Failure::Forbidden | Failure::IpNotAllowed => 403,
        Failure::NotFound => 404,
        Failure::AlreadyExists | Failure::Conflict => 409,
        Failure::TooManyRequests => 429,
    }
}

/// `{apiError: [message]}`; a 400 about the create body is
/// `{validationError: {field: message, …}, apiError: [message?]}`.
pub(crate) fn error_body(e: &DialectError) -> Value {
    match e.failure {
        Failure::Invalid | Failure::InvalidPatch => {
            let mut ve = Map::new();
            for (k, m) in e.fields() {
                ve.entry(k).or_insert(Value::String(m));
            }
            json!({ "validationError": ve, "apiError": [] })
        }
        Failure::MalformedBody => json!({ "validationError": {}, "apiError": [e.message] }),
        _ => json!({ "apiError": [e.message] }),
    }
}

/// `<domain>:<action>`, each `[A-Za-z0-9_.-]+`; the action may be `*` (all actions of the
/// domain) and `*:*` means every privilege.
pub fn is_privilege(p: &str) -> bool {
    let Some((d, a)) = p.split_once(':') else { return false };
    let word = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    p.len() <= MAX_PRIVILEGE && ((word(d) && (word(a) || a == "*")) || p == "*:*")
}

/// Adds the lifetime to `created` (epoch ms) with [`crate::lifetime`]'s calendar rule: a week
/// is 7 days, months and years are calendar units in UTC clamped to the month's end (Jan 31 +
/// one month = Feb 28/29). `None` for a name outside [`LIFETIMES`] or an out-of-range result.
pub fn expires_on(created: i64, lifetime: &str) -> Option<i64> {
    if !LIFETIMES.contains(&lifetime) {
        return None;
    }
    let preset = Preset::from_name(lifetime)?;
    let now = crate::time::Timestamp::from_millisecond(created).ok()?;
    Lifetime::Preset(preset).expires_at(now).ok().flatten().map(|t| t.as_millisecond())
}

/// Validates `POST /api/v1/me/tokens` and returns the token to store.
///
/// `expiresOn` is `now + lifetime`, but never later than the caller's own expiry (a child never
/// outlives its issuer). Privileges must each be held by the caller.
///
/// # Errors
/// `400 {validationError:{}, apiError:[…]}` for a body that is not a JSON object;
/// `400 {validationError:{field: message, …}, apiError:[]}` naming every bad field (missing or
/// mistyped `name` / `lifetime`, a lifetime outside the enum, malformed or unheld privileges,
/// unknown keys); `403` when the caller's token is not a privileges token.
pub fn parse_create(body: &str, caller: &Caller, now: i64) -> Result<TokenDraft, DialectError> {
    let v = super::parse_body(D, body)?;
    let Value::Object(o) = v else {
        return Err(DialectError::new(D, Failure::MalformedBody, "\"value\" must be of type object"));
    };
    caller.scope_in(D)?;
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut bad = |f: &str, m: String| errors.push((f.to_string(), m));

    for k in o.keys() {
        if !matches!(k.as_str(), "name" | "lifetime" | "privileges") {
            bad(k, format!("\"{k}\" is not allowed"));
        }
    }
    let name = match o.get("name") {
        None | Some(Value::Null) => {
            bad("name", "\"name\" is required".into());
            String::new()
        }
        Some(Value::String(s)) if crate::rules::limits::trim(s).is_empty() => {
            bad("name", "\"name\" is not allowed to be empty".into());
            String::new()
        }
        Some(Value::String(s)) if s.chars().count() > MAX_NAME => {
            bad("name", format!("\"name\" length must be less than or equal to {MAX_NAME} characters long"));
            String::new()
        }
        Some(Value::String(s)) if s.chars().any(char::is_control) => {
            bad("name", "\"name\" must not contain control characters".into());
            String::new()
        }
        Some(Value::String(s)) => crate::rules::limits::trim(s).to_string(),
        Some(_) => {
            bad("name", "\"name\" must be a string".into());
            String::new()
        }
    };
    let lifetime = match o.get("lifetime") {
        None | Some(Value::Null) => {
            bad("lifetime", "\"lifetime\" is required".into());
            None
        }
        Some(Value::String(s)) if LIFETIMES.contains(&s.as_str()) => Some(s.as_str()),
        Some(_) => {
            bad("lifetime", format!("\"lifetime\" must be one of [{}]", LIFETIMES.join(", ")));
            None
        }
    };
    let mut privileges: Vec<String> = Vec::new();
    match o.get("privileges") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            let mut malformed = Vec::new();
            let mut unheld = Vec::new();
            for (i, p) in a.iter().enumerate() {
                match p.as_str() {
                    Some(s) if is_privilege(s) => {
                        let one = json!({ "language": "privileges", "privileges": [s] });
                        if super::issuer_covers(caller, &one).is_err() {
                            unheld.push(s.to_string());
                        } else if !privileges.iter().any(|x| x == s) {
                            privileges.push(s.to_string());
                        }
                    }
                    _ => malformed.push(i),
                }
            }
            if let Some(i) = malformed.first() {
                bad("privileges", format!("\"privileges[{i}]\" must be a string formatted as <domain>:<action>"));
            } else if !unheld.is_empty() {
                bad("privileges", format!("\"privileges\" contains privileges you do not have: {}", unheld.join(", ")));
            }
        }
        Some(_) => bad("privileges", "\"privileges\" must be an array".into()),
    }
    if let Some((first, rest)) = errors.split_first() {
        let mut e = DialectError::field(D, Failure::Invalid, first.0.clone(), first.1.clone());
        e.more = rest.to_vec();
        return Err(e);
    }
    let lifetime = lifetime.unwrap_or("one-week");
    let mut expires = expires_on(now, lifetime)
        .ok_or_else(|| DialectError::field(D, Failure::Invalid, "lifetime", "\"lifetime\" is out of range"))?;
    if let Some(cap) = caller.expires_at {
        expires = expires.min(cap);
    }
    let mut meta = Map::new();
    meta.insert("lifetime".into(), Value::String(lifetime.to_string()));
    Ok(TokenDraft {
        id: None,
        name,
        description: None,
        scope: json!({ "language": "privileges", "privileges": privileges }),
        expires_at: Some(expires),
        meta,
    })
}

fn render(t: &Token, token_field: String) -> Option<Map<String, Value>> {
    let o = t.scope.as_object().filter(|o| o.get("language").and_then(Value::as_str) == Some("privileges"))?;
    let privileges = o.get("privileges").cloned().filter(Value::is_array).unwrap_or_else(|| json!([]));
    let mut m = Map::new();
    m.insert("_id".into(), json!(t.id));
    m.insert("name".into(), json!(t.name));
    m.insert("token".into(), json!(token_field));
    m.insert("privileges".into(), privileges);
    m.insert("userId".into(), json!(t.owner));
    m.insert("organizationId".into(), json!(t.account));
    m.insert("expiresOn".into(), t.expires_at.map(iso_ms).map_or(Value::Null, Value::String));
    m.insert("createdAt".into(), json!(iso_ms(t.created_at)));
    m.insert("updatedAt".into(), json!(iso_ms(t.updated_at)));
    Some(m)
}

/// The `201` answer to a create: the `UserAccessToken` with the full secret (shown once).
/// `None` if `t` is not a privileges token.
pub fn create_response(t: &Token, secret: &str) -> Option<Response> {
    render(t, secret.to_string()).map(|m| Response::json(201, Value::Object(m)))
}

/// The masked form of a token in the list: [`MASK`] then the last four characters.
pub fn masked(hint: &str) -> String {
    let tail: String = {
        let n = hint.chars().count();
        hint.chars().skip(n.saturating_sub(4)).collect()
    };
    format!("{MASK}{tail}")
}

/// The organization object of the list items. tokenkit accounts carry none of Akinon's
/// organization fields but an id and a name, so the rest is derived (see `docs/dialects.md`)
/// unless the worker passes a stored one.
pub fn organization(account: &str, name: &str, owner: &str, privileges: &[String], created_at: i64) -> Value {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug: String = slug.trim_end_matches('-').chars().take(100).collect();
    if slug.len() < 2 {
        slug = format!("org-{}", account.chars().filter(|c| c.is_ascii_alphanumeric()).take(96).collect::<String>().to_ascii_lowercase());
    }
    let name = if name.chars().count() >= 2 { name.to_string() } else { format!("Organization {account}") };
    json!({
        "_id": account,
        "name": name,
        "slug": slug,
        "description": name,
        "owner": owner,
        "isExecutive": false,
        "status": 1,
        "privileges": privileges,
        "createdAt": iso_ms(created_at),
        "updatedAt": iso_ms(created_at),
    })
}

/// `GET /api/v1/me/tokens`: the caller's own privileges tokens, oldest first, each with a
/// masked `token` and the `organization` object.
///
/// # Errors
/// `403` when the caller's token is not a privileges token.
pub fn list_response(tokens: &[Token], organization: &Value, caller: &Caller) -> Result<Response, DialectError> {
    caller.scope_in(D)?;
    let mut mine: Vec<&Token> = tokens.iter().filter(|t| t.account == caller.account && t.owner == caller.owner).collect();
    super::sort_by_creation(&mut mine);
    let items: Vec<Value> = mine
        .into_iter()
        .filter_map(|t| {
            let mut m = render(t, masked(&t.hint))?;
            m.insert("organization".into(), organization.clone());
            Some(Value::Object(m))
        })
        .collect();
    Ok(Response::json(200, Value::Array(items)))
}

/// Checks the `{tokenId}` of `DELETE /api/v1/me/tokens/{tokenId}`: 24 hexadecimal digits.
///
/// # Errors
/// `400 {apiError:[…]}` otherwise.
pub fn parse_token_id(raw: &str) -> Result<String, DialectError> {
    if super::is_object_id(raw) {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err(DialectError::field(
            D,
            Failure::MalformedPath,
            "tokenId",
            format!("\"tokenId\" with value \"{}\" fails to match the required pattern: /^[0-9a-fA-F]{{24}}$/", raw.chars().take(64).collect::<String>()),
        ))
    }
}

/// Whether the caller may delete `t`: only its own tokens, in its own account. Anything else
/// (unknown id, another member's or account's token) is the same `404`, so ids of other
/// members' tokens are not revealed.
///
/// # Errors
/// `404 {apiError:["Token not found"]}`; `403` when the caller's token is not a privileges
/// token.
pub fn check_delete(t: Option<&Token>, caller: &Caller) -> Result<(), DialectError> {
    caller.scope_in(D)?;
    match t {
        Some(t) if t.account == caller.account && t.owner == caller.owner && t.language() == Some("privileges") => Ok(()),
        _ => Err(DialectError::new(D, Failure::NotFound, "Token not found")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privilege_format_table() {
        for (p, ok) in [
            ("product:read", true),
            ("product:*", true),
            ("*:*", true),
            ("*:read", false),
            ("product", false),
            (":read", false),
            ("product:", false),
            ("a b:read", false),
            ("a:b:c", false),
        ] {
            assert_eq!(is_privilege(p), ok, "{p}");
        }
    }

    #[test]
    fn a_name_with_control_characters_is_a_validation_error() {
        let caller = Caller { conditions: None,
            account: "a".into(),
            owner: "m".into(),
            token_id: "t".into(),
            scope: serde_json::json!({"language": "privileges", "privileges": ["*:*"]}),
            expires_at: None,
        };
        for name in ["ci\u{0}", "a\u{7}b", "x\u{9b}"] {
            let body = serde_json::json!({"name": name, "lifetime": "one-week", "privileges": ["product:read"]}).to_string();
            let e = parse_create(&body, &caller, 0).expect_err(name);
            assert_eq!(e.field.as_deref(), Some("name"), "{name}");
        }
        let body = serde_json::json!({"name": "Entegrasyon — ürün", "lifetime": "one-week", "privileges": ["product:read"]}).to_string();
        assert_eq!(parse_create(&body, &caller, 0).expect("unicode name").name, "Entegrasyon — ürün");
    }

    #[test]
    fn lifetimes_are_calendar_arithmetic() {
        let t = |s: &str| s.parse::<crate::time::Timestamp>().unwrap().as_millisecond();
        assert_eq!(expires_on(t("2024-01-31T10:00:00Z"), "one-month"), Some(t("2024-02-29T10:00:00Z")));
        assert_eq!(expires_on(t("2023-01-31T10:00:00Z"), "one-month"), Some(t("2023-02-28T10:00:00Z")));
        assert_eq!(expires_on(t("2024-02-29T00:00:00Z"), "one-year"), Some(t("2025-02-28T00:00:00Z")));
        assert_eq!(expires_on(t("2024-08-31T00:00:00Z"), "six-months"), Some(t("2025-02-28T00:00:00Z")));
        assert_eq!(expires_on(t("2024-11-30T00:00:00Z"), "three-months"), Some(t("2025-02-28T00:00:00Z")));
        assert_eq!(expires_on(t("2024-12-28T00:00:00Z"), "one-week"), Some(t("2025-01-04T00:00:00Z")));
        assert_eq!(expires_on(0, "two-weeks"), None);
        assert_eq!(expires_on(0, "30-days"), None, "a tokenkit preset that is not in Akinon's enum");
        assert_eq!(expires_on(i64::MAX, "one-week"), None);
    }

    #[test]
    fn mask_keeps_last_four() {
        assert_eq!(masked("wxyz"), "********wxyz");
        assert_eq!(masked("tk_abcdef"), "********cdef");
        assert_eq!(masked(""), "********");
    }
}
