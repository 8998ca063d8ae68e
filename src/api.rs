//! The APIs tokenkit speaks: its own (the dashboard's) and the four seed APIs.
//!
//! One enum, [`Dialect`], names each of them for every module that needs to tell them apart:
//! the seed dialects' wire shapes ([`crate::dialect`]) and the token patch policy
//! ([`crate::patch::policy`]). Each API's tables stay with the module that owns them; this module
//! only names the APIs and says which table belongs to which ([`Dialect::patch_policy`]).

use serde::{Deserialize, Serialize};

use crate::patch::policy::Policy;

/// One API: tokenkit's own or one of the four seed APIs.
///
/// JS names it by [`Dialect::name`]. The seed dialect functions accept only the four seed APIs
/// ([`Dialect::is_seed`]); the token patch functions only those with a PATCH policy
/// ([`Dialect::patch_policy`]: tokenkit and LaunchDarkly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// tokenkit's own API (the dashboard's). Its tokens may be in any scope language.
    Tokenkit,
    /// S2 (s2.dev) `/v1/access-tokens`.
    S2,
    /// Akinon AppMaker `/api/v1/me/tokens`.
    Akinon,
    /// LaunchDarkly REST API v2 `/api/v2/tokens`.
    #[serde(rename = "launchdarkly")]
    LaunchDarkly,
    /// Space Invoices `/v1/accounts/{id}/accessTokens`.
    Space,
}

/// The four seed APIs, in the order the docs list them.
pub const SEEDS: [Dialect; 4] = [Dialect::S2, Dialect::Akinon, Dialect::LaunchDarkly, Dialect::Space];

impl Dialect {
    /// Parses an API's name as used in JS (`"tokenkit"`, `"s2"`, `"akinon"`, `"launchdarkly"`,
    /// `"space"`).
    pub fn from_name(name: &str) -> Option<Dialect> {
        match name {
            "tokenkit" => Some(Dialect::Tokenkit),
            "s2" => Some(Dialect::S2),
            "akinon" => Some(Dialect::Akinon),
            "launchdarkly" => Some(Dialect::LaunchDarkly),
            "space" => Some(Dialect::Space),
            _ => None,
        }
    }

    /// Parses the name of one of the four seed APIs (`"s2"`, `"akinon"`, `"launchdarkly"`,
    /// `"space"`); `None` for any other name, `"tokenkit"` included.
    pub fn seed_from_name(name: &str) -> Option<Dialect> {
        Dialect::from_name(name).filter(|d| d.is_seed())
    }

    /// The API's name (`"tokenkit"`, `"s2"`, `"akinon"`, `"launchdarkly"`, `"space"`).
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Tokenkit => "tokenkit",
            Dialect::S2 => "s2",
            Dialect::Akinon => "akinon",
            Dialect::LaunchDarkly => "launchdarkly",
            Dialect::Space => "space",
        }
    }

    /// Whether this is one of the four seed APIs (not tokenkit's own).
    pub fn is_seed(self) -> bool {
        self != Dialect::Tokenkit
    }

    /// The seed dialect whose tokens are written in scope language `language`, if any.
    pub fn for_language(language: &str) -> Option<Dialect> {
        SEEDS.into_iter().find(|d| d.language() == language)
    }

    /// The scope language this dialect's tokens are written in. tokenkit's own API has none of
    /// its own (it lists and accepts every language): `""`, which names no language.
    pub fn language(self) -> &'static str {
        match self {
            Dialect::Tokenkit => "",
            Dialect::S2 => "s2",
            Dialect::Akinon => "privileges",
            Dialect::LaunchDarkly => "policy",
            Dialect::Space => "names",
        }
    }

    /// The API's token patch policy: tokenkit's own ([`crate::patch::policy::TOKENKIT`]) or
    /// LaunchDarkly's `PATCH /api/v2/tokens/{id}` ([`crate::dialect::launchdarkly::PATCH_POLICY`]);
    /// `None` for S2, Akinon and Space, which have no PATCH.
    pub fn patch_policy(self) -> Option<&'static Policy> {
        match self {
            Dialect::Tokenkit => Some(&crate::patch::policy::TOKENKIT),
            Dialect::LaunchDarkly => Some(&crate::dialect::launchdarkly::PATCH_POLICY),
            Dialect::S2 | Dialect::Akinon | Dialect::Space => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for d in [Dialect::Tokenkit, Dialect::S2, Dialect::Akinon, Dialect::LaunchDarkly, Dialect::Space] {
            assert_eq!(Dialect::from_name(d.name()), Some(d));
            assert_eq!(Dialect::seed_from_name(d.name()), Some(d).filter(|d| d.is_seed()));
            assert_eq!(serde_json::to_value(d).ok(), Some(serde_json::Value::String(d.name().into())));
        }
        assert_eq!(Dialect::from_name("S2"), None);
        assert_eq!(Dialect::seed_from_name("tokenkit"), None);
        assert_eq!(Dialect::for_language(""), None);
    }
}
