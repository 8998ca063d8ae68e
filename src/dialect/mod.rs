//! The four seed APIs' wire shapes and their mapping to one common token model.
//!
//! Each seed product (S2, Akinon AppMaker, LaunchDarkly, Space Invoices) documents its own
//! access-token API: routes, auth header, field names and casing, status codes, error bodies,
//! pagination. Each submodule implements one of them as pure functions:
//!
//! - *parse* a request (body text, query string, path segment) into a validated [`TokenDraft`]
//!   or a [`DialectError`] that already knows the vendor's status and error body;
//! - *render* a stored [`Token`] (the common model) in the vendor's response shape.
//!
//! The worker owns HTTP, storage, time and randomness; it calls these functions and never
//! builds a vendor body by hand. Decisions on every point the vendors leave open are in
//! `docs/dialects.md`, each pinned by a test.
//!
//! # The common model
//!
//! A [`Token`] is what the store keeps for every token, whatever dialect issued it. Its
//! `scope` is tagged JSON `{"language": …, …}`; each dialect owns one language:
//!
//! | dialect | language | scope JSON |
//! |---|---|---|
//! | S2 | `s2` | `{basins, streams, access_tokens, op_groups, ops, auto_prefix_streams}` (normalised) |
//! | Akinon | `privileges` | `{privileges: ["<domain>:<action>", …]}` |
//! | LaunchDarkly | `policy` | `{role, customRoleIds, inlineRole}` |
//! | Space | `names` | `{scopes: [..] \| null}` (`null` = LoopBack's default, full access) |
//!
//! A dialect lists only tokens whose scope is in its own language (a token in another
//! language cannot be expressed in that vendor's shape); tokenkit's own API lists them all.

use serde_json::Value;

pub mod akinon;
mod credentials;
mod error;
pub mod launchdarkly;
pub mod s2;
pub mod space;
mod token;
mod wire;

/// The API a request or error speaks: one of the four seed APIs here (tokenkit's own API is
/// [`Dialect::Tokenkit`]). The one enum of [`crate::api`].
pub use crate::api::Dialect;
pub use credentials::{credential, unauthenticated, Credentials};
pub use error::{use_refusal, DialectError, Failure, Response};
pub(crate) use token::sort_by_creation;
pub use token::{Caller, Token, TokenDraft};
pub use wire::is_object_id;
pub(crate) use wire::{display_text_problem, iso_ms, parse_body, parse_query, percent_decode, rfc3339, type_name};

/// Attenuation through the scope engine ([`crate::scope::covers_explain`]): may the caller
/// issue (or keep, after a patch) a token with scope `child`? `Err(reason)` when not, or when
/// either scope is not valid in its language.
pub(crate) fn issuer_covers(caller: &Caller, child: &Value) -> Result<(), String> {
    use crate::scope::{covers_explain, Scope};
    let parent = Scope::from_json(&caller.scope).map_err(|e| format!("the calling token's scope is not valid: {e}"))?;
    let child = Scope::from_json(child).map_err(|e| format!("the requested scope is not valid: {e}"))?;
    covers_explain(&parent, &child)
}

/// May the caller be handed a new secret for `t` (a rotation; LaunchDarkly's reset)? The one
/// rule of [`crate::rules::holds`]: the caller's scope covers `t`'s and `t` does not outlive it,
/// or `t` is the caller itself. `Err(reason)` otherwise.
pub(crate) fn issuer_holds(caller: &Caller, t: &Token) -> Result<(), String> {
    use crate::rules::holds::{holds, Party};
    let holder = Party { account: Some(caller.account.clone()), id: caller.token_id.clone(), scope: caller.scope.clone(), expires_at: caller.expires_at, conditions: caller.conditions.clone() };
    let token = Party { account: Some(t.account.clone()), id: t.id.clone(), scope: t.scope.clone(), expires_at: t.expires_at, conditions: t.conditions.clone() };
    holds(&holder, &token).map_err(|e| e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_name_one_dialect_each() {
        for d in [Dialect::S2, Dialect::Akinon, Dialect::LaunchDarkly, Dialect::Space] {
            assert_eq!(Dialect::for_language(d.language()), Some(d));
            assert_eq!(Dialect::from_name(d.name()), Some(d));
        }
        assert_eq!(Dialect::for_language("tokenkit"), None);
    }
}
