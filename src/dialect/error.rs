//! What went wrong with a dialect request, and how each vendor says it: [`Failure`] (tokenkit's
//! terms), [`DialectError`] (with the vendor's status, code and body) and the vendor
//! [`Response`].

use core::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use super::{akinon, launchdarkly, s2, space, Dialect};

/// What went wrong, independent of how a vendor spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The body is not JSON, or does not have the vendor's shape (wrong type, unknown field,
    /// a value its wire type rejects).
    MalformedBody,
    /// A query parameter does not parse.
    MalformedQuery,
    /// A path parameter does not parse.
    MalformedPath,
    /// The request parses but a value is not acceptable.
    Invalid,
    /// A JSON Patch parses but cannot be applied (forbidden path, failed `test`, bad result).
    InvalidPatch,
    /// No credential, or one that is not valid.
    Unauthenticated,
    /// The caller's token may not do this.
    Forbidden,
    /// The addressed token does not exist (or is not the caller's to see).
    NotFound,
    /// A token with the requested id already exists.
    AlreadyExists,
    /// The stored token changed under the request (optimistic concurrency).
    Conflict,
    /// The token may not be used from the client's address (its `allowedIps`).
    IpNotAllowed,
    /// The token's rate limit is reached or its uses are spent (429).
    TooManyRequests,
}

impl Failure {
    /// The stable tokenkit code of this failure (the `code` of [`crate::Error`]).
    pub fn code(self) -> &'static str {
        match self {
            Failure::MalformedBody => "malformed_body",
            Failure::MalformedQuery => "malformed_query",
            Failure::MalformedPath => "malformed_path",
            Failure::Invalid => "invalid_request",
            Failure::InvalidPatch => "invalid_patch",
            Failure::Unauthenticated => "unauthenticated",
            Failure::Forbidden => "forbidden",
            Failure::NotFound => "not_found",
            Failure::AlreadyExists => "already_exists",
            Failure::Conflict => "conflict",
            Failure::IpNotAllowed => "ip_not_allowed",
            Failure::TooManyRequests => "too_many_requests",
        }
    }

    /// Parses [`Failure::code`] back (for the worker, which raises store-level failures).
    pub fn from_code(code: &str) -> Option<Failure> {
        ALL_FAILURES.iter().copied().find(|f| f.code() == code)
    }
}

const ALL_FAILURES: [Failure; 12] = [
    Failure::MalformedBody,
    Failure::MalformedQuery,
    Failure::MalformedPath,
    Failure::Invalid,
    Failure::InvalidPatch,
    Failure::Unauthenticated,
    Failure::Forbidden,
    Failure::NotFound,
    Failure::AlreadyExists,
    Failure::Conflict,
    Failure::IpNotAllowed,
    Failure::TooManyRequests,
];

/// The vendor's error for a use a token's conditions refuse (`code` of
/// [`crate::rules::conditions::Decision::Refused`]): `not_yet_valid` is the vendor's 401
/// (unauthenticated, with the message), `ip_not_allowed` its 403, `rate_limited` and
/// `usage_exhausted` its 429. `None` for any other code.
pub fn use_refusal(dialect: Dialect, code: &str, message: &str) -> Option<DialectError> {
    let f = match code {
        "not_yet_valid" => Failure::Unauthenticated,
        "ip_not_allowed" => Failure::IpNotAllowed,
        "rate_limited" | "usage_exhausted" => Failure::TooManyRequests,
        _ => return None,
    };
    Some(DialectError::new(dialect, f, message))
}

/// A request in one of the seed dialects failed. Knows its vendor status and error body.
///
/// `failure` says what went wrong in tokenkit's terms; [`DialectError::status`],
/// [`DialectError::vendor_code`] and [`DialectError::body`] say it in the vendor's.
#[derive(Debug, Clone, PartialEq)]
pub struct DialectError {
    /// The dialect whose conventions render this error.
    pub dialect: Dialect,
    /// What went wrong.
    pub failure: Failure,
    /// The request field at fault, when there is one (a JSON field name, query parameter or
    /// path parameter; nested fields as `inlineRole[0].effect`).
    pub field: Option<String>,
    /// Human-readable message, as the vendor's body carries it.
    pub message: String,
    /// Further invalid fields (Akinon's `validationError` names each bad field).
    pub more: Vec<(String, String)>,
}

impl DialectError {
    /// Builds an error with no field.
    #[cold]
    pub fn new(dialect: Dialect, failure: Failure, message: impl Into<String>) -> DialectError {
        DialectError { dialect, failure, field: None, message: message.into(), more: Vec::new() }
    }

    /// Builds an error about one field.
    #[cold]
    pub fn field(dialect: Dialect, failure: Failure, field: impl Into<String>, message: impl Into<String>) -> DialectError {
        DialectError { dialect, failure, field: Some(field.into()), message: message.into(), more: Vec::new() }
    }

    /// The stable tokenkit code (see [`Failure::code`]).
    pub fn code(&self) -> &'static str {
        self.failure.code()
    }

    /// The HTTP status the vendor answers with.
    pub fn status(&self) -> u16 {
        match self.dialect {
            Dialect::Tokenkit => tokenkit_status(self.failure),
            Dialect::S2 => s2::status_of(self.failure),
            Dialect::Akinon => akinon::status_of(self.failure),
            Dialect::LaunchDarkly => launchdarkly::status_of(self.failure),
            Dialect::Space => space::status_of(self.failure),
        }
    }

    /// The vendor's own error code, where its body has one (Akinon's has none: `None`).
    pub fn vendor_code(&self) -> Option<&'static str> {
        match self.dialect {
            Dialect::Tokenkit => None,
            Dialect::S2 => Some(s2::code_of(self.failure)),
            Dialect::Akinon => None,
            Dialect::LaunchDarkly => Some(launchdarkly::code_of(self.failure)),
            Dialect::Space => Some(space::code_of(self.failure)),
        }
    }

    /// The vendor's error body, as JSON.
    pub fn body(&self) -> Value {
        match self.dialect {
            Dialect::Tokenkit => tokenkit_error_body(self),
            Dialect::S2 => s2::error_body(self),
            Dialect::Akinon => akinon::error_body(self),
            Dialect::LaunchDarkly => launchdarkly::error_body(self),
            Dialect::Space => space::error_body(self),
        }
    }

    /// Every `(field, message)` pair this error names: the main one first, then [`Self::more`].
    pub fn fields(&self) -> Vec<(String, String)> {
        let mut out = Vec::with_capacity(1 + self.more.len());
        if let Some(f) = &self.field {
            out.push((f.clone(), self.message.clone()));
        }
        out.extend(self.more.iter().cloned());
        out
    }
}

/// The status tokenkit's own API answers a failure with (`worker/src/http.js`, `routes/`).
fn tokenkit_status(f: Failure) -> u16 {
    match f {
        Failure::MalformedBody | Failure::MalformedQuery | Failure::MalformedPath => 400,
        Failure::Invalid | Failure::InvalidPatch => 422,
        Failure::Unauthenticated => 401,
        Failure::Forbidden | Failure::IpNotAllowed => 403,
        Failure::NotFound => 404,
        Failure::AlreadyExists => 409,
        Failure::Conflict => 412,
        Failure::TooManyRequests => 429,
    }
}

/// tokenkit's own error body: `{error: {code, message, field?}}` (`worker/src/http.js`).
fn tokenkit_error_body(e: &DialectError) -> Value {
    let mut error = Map::new();
    error.insert("code".into(), Value::String(e.code().into()));
    error.insert("message".into(), Value::String(e.message.clone()));
    if let Some(field) = &e.field {
        error.insert("field".into(), Value::String(field.clone()));
    }
    let mut body = Map::new();
    body.insert("error".into(), Value::Object(error));
    Value::Object(body)
}

impl fmt::Display for DialectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let msg = self.message.trim_end_matches('.');
        // The messages are tokenkit's own English text: the first letter is ASCII, and an ASCII
        // lowering keeps Unicode's case tables (~12 KiB) out of the wasm.
        let first_lower: String = {
            let mut c = msg.chars();
            match c.next() {
                Some(h) => core::iter::once(h.to_ascii_lowercase()).chain(c).collect(),
                None => String::new(),
            }
        };
        match &self.field {
            Some(field) => write!(f, "{} request rejected ({}): {field}: {first_lower}", self.dialect.name(), self.code()),
            None => write!(f, "{} request rejected ({}): {first_lower}", self.dialect.name(), self.code()),
        }
    }
}

impl std::error::Error for DialectError {}

/// A vendor response: the status and the JSON body (`None` for an empty body, e.g. 204).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// JSON body, or `None` for no body.
    pub body: Option<Value>,
}

impl Response {
    /// A response with a JSON body.
    pub fn json(status: u16, body: Value) -> Response {
        Response { status, body: Some(body) }
    }
    /// A response with no body.
    pub fn empty(status: u16) -> Response {
        Response { status, body: None }
    }
}

impl From<&DialectError> for Response {
    fn from(e: &DialectError) -> Response {
        Response::json(e.status(), e.body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_refusals_in_each_vendor_shape() {
        let cases = [
            (Dialect::S2, "rate_limited", 429, json_code("code", "rate_limited")),
            (Dialect::S2, "ip_not_allowed", 403, json_code("code", "permission_denied")),
            (Dialect::S2, "not_yet_valid", 401, json_code("code", "authn")),
            (Dialect::LaunchDarkly, "usage_exhausted", 429, json_code("code", "rate_limited")),
            (Dialect::LaunchDarkly, "ip_not_allowed", 403, json_code("code", "forbidden")),
            (Dialect::Space, "rate_limited", 429, json_code("error.code", "TOO_MANY_REQUESTS")),
            (Dialect::Space, "ip_not_allowed", 403, json_code("error.code", "ACCESS_DENIED")),
            (Dialect::Akinon, "rate_limited", 429, json_code("apiError", "")),
            (Dialect::Akinon, "ip_not_allowed", 403, json_code("apiError", "")),
        ];
        for (d, code, status, (path, want)) in cases {
            let e = use_refusal(d, code, "m").unwrap();
            assert_eq!(e.status(), status, "{d:?} {code}");
            let body = e.body();
            let got = path.split('.').fold(&body, |v, k| &v[k]);
            if want.is_empty() {
                assert_eq!(got, &serde_json::json!(["m"]));
            } else {
                assert_eq!(got, want, "{d:?} {code}");
            }
        }
        assert!(use_refusal(Dialect::S2, "expired", "m").is_none());
    }

    fn json_code(path: &'static str, code: &'static str) -> (&'static str, &'static str) {
        (path, code)
    }

    #[test]
    fn failure_codes_round_trip() {
        for f in ALL_FAILURES {
            assert_eq!(Failure::from_code(f.code()), Some(f));
        }
        assert_eq!(Failure::from_code("nope"), None);
    }

    #[test]
    fn display_is_lowercase_without_period() {
        let e = DialectError::field(Dialect::Akinon, Failure::Invalid, "name", "Name is required.");
        assert_eq!(e.to_string(), "akinon request rejected (invalid_request): name: name is required");
    }

    #[test]
    fn tokenkit_errors_have_the_worker_shape() {
        use serde_json::json;
        let e = DialectError::field(Dialect::Tokenkit, Failure::Invalid, "name", "Name is required.");
        assert_eq!((e.status(), e.vendor_code()), (422, None));
        assert_eq!(e.body(), json!({"error": {"code": "invalid_request", "message": "Name is required.", "field": "name"}}));
        let e = DialectError::new(Dialect::Tokenkit, Failure::Conflict, "changed");
        assert_eq!(e.status(), 412);
        assert_eq!(e.body(), json!({"error": {"code": "conflict", "message": "changed"}}));
    }
}
