//! Where a request's credential comes from in each dialect ([`Credentials`], [`credential`]) and
//! the vendor's 401 when there is none ([`unauthenticated`]).

use serde::{Deserialize, Serialize};

use super::{Dialect, DialectError, Failure};

/// Where a request's credential may come from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    /// The `Authorization` header.
    #[serde(default)]
    pub authorization: Option<String>,
    /// The `x-access-token` header.
    #[serde(default)]
    pub x_access_token: Option<String>,
    /// The `access_token` query parameter.
    #[serde(default)]
    pub access_token_query: Option<String>,
}

/// Extracts the secret the way `dialect` documents it, or the vendor's 401.
///
/// - S2: `Authorization: Bearer <token>` only.
/// - Akinon: `Authorization: Bearer <token>` or `x-access-token: <token>`.
/// - LaunchDarkly: `Authorization: <token>` (raw, no scheme).
/// - Space: `Authorization: <token>` raw, or `?access_token=`; like LoopBack, also
///   `Bearer <token>` and `X-Access-Token`.
/// - tokenkit's own API: `Authorization: Bearer <token>` or `Authorization: <token>`, else
///   `x-access-token: <token>` (the worker's `presented`).
pub fn credential(dialect: Dialect, c: &Credentials) -> Result<String, DialectError> {
    let auth = c.authorization.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let bearer = auth.and_then(|a| {
        let (scheme, rest) = a.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    });
    let xat = c.x_access_token.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let found = match dialect {
        Dialect::Tokenkit => auth.map(|a| bearer.unwrap_or(a)).or(xat),
        Dialect::S2 => bearer,
        Dialect::Akinon => bearer.or(xat),
        Dialect::LaunchDarkly => auth.filter(|a| !a.contains(' ')),
        Dialect::Space => bearer
            .or(auth.filter(|a| !a.contains(' ')))
            .or(xat)
            .or(c.access_token_query.as_deref().filter(|s| !s.is_empty())),
    };
    match found {
        Some(s) if !s.is_empty() => Ok(s.to_string()),
        _ => Err(unauthenticated(dialect)),
    }
}

/// The vendor's 401 for a missing or unusable credential.
#[cold]
pub fn unauthenticated(dialect: Dialect) -> DialectError {
    let msg = match dialect {
        Dialect::Tokenkit | Dialect::S2 => "missing or invalid access token",
        Dialect::Akinon => "Unauthorized",
        Dialect::LaunchDarkly => "Invalid access token",
        Dialect::Space => "Authorization Required",
    };
    DialectError::new(dialect, Failure::Unauthenticated, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_styles_per_dialect() {
        let c = |a: Option<&str>, x: Option<&str>, q: Option<&str>| Credentials {
            authorization: a.map(str::to_string),
            x_access_token: x.map(str::to_string),
            access_token_query: q.map(str::to_string),
        };
        let cases: &[(Dialect, Credentials, Option<&str>)] = &[
            (Dialect::S2, c(Some("Bearer tok123"), None, None), Some("tok123")),
            (Dialect::S2, c(Some("bearer tok123"), None, None), Some("tok123")),
            (Dialect::S2, c(Some("tok123"), None, None), None),
            (Dialect::S2, c(None, Some("tok123"), None), None),
            (Dialect::Akinon, c(Some("Bearer t"), None, None), Some("t")),
            (Dialect::Akinon, c(None, Some("t"), None), Some("t")),
            (Dialect::Akinon, c(Some("t"), None, None), None),
            (Dialect::LaunchDarkly, c(Some("api-key-xyz"), None, None), Some("api-key-xyz")),
            (Dialect::LaunchDarkly, c(Some("Bearer api-key-xyz"), None, None), None),
            (Dialect::LaunchDarkly, c(None, None, None), None),
            (Dialect::Space, c(Some("code"), None, None), Some("code")),
            (Dialect::Space, c(Some("Bearer code"), None, None), Some("code")),
            (Dialect::Space, c(None, None, Some("code")), Some("code")),
            (Dialect::Space, c(None, Some("code"), None), Some("code")),
            (Dialect::Space, c(Some(""), None, None), None),
            (Dialect::Tokenkit, c(Some("Bearer t"), None, None), Some("t")),
            (Dialect::Tokenkit, c(Some("t"), Some("x"), None), Some("t")),
            (Dialect::Tokenkit, c(None, Some("x"), None), Some("x")),
            (Dialect::Tokenkit, c(None, None, Some("q")), None),
        ];
        for (d, creds, want) in cases {
            let got = credential(*d, creds);
            match want {
                Some(w) => assert_eq!(got.as_deref(), Ok(*w), "{d:?} {creds:?}"),
                None => {
                    let e = got.expect_err("must fail");
                    assert_eq!(e.status(), 401, "{d:?}");
                    assert_eq!(e.failure, Failure::Unauthenticated);
                }
            }
        }
    }

    #[test]
    fn unauthenticated_bodies() {
        use serde_json::json;
        assert_eq!(unauthenticated(Dialect::S2).body(), json!({"code":"authn","message":"missing or invalid access token"}));
        assert_eq!(unauthenticated(Dialect::Akinon).body(), json!({"apiError":["Unauthorized"]}));
        assert_eq!(unauthenticated(Dialect::LaunchDarkly).body(), json!({"code":"unauthorized","message":"Invalid access token"}));
        assert_eq!(
            unauthenticated(Dialect::Space).body(),
            json!({"error":{"statusCode":401,"name":"Error","message":"Authorization Required","code":"AUTHORIZATION_REQUIRED"}})
        );
    }
}
