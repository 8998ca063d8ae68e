//! One error type for the whole crate.
//!
//! Each area keeps its own small enum (`SecretError`, `DigestError`, …) next to the code that
//! raises it; [`Error`] wraps them all so callers and the JS facade deal with one type. Every
//! variant has a stable machine-readable [`Error::code`] (snake_case, never changed once
//! published) and a lowercase `Display` message with no final period.

use core::fmt;

use crate::{dialect::DialectError, digest::DigestError, lifetime::LifetimeError, patch::PatchError, rules::RuleError, scope::ScopeError, secret::SecretError, webhook::WebhookError};

/// Any error tokenkit can return.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A token's text is not a valid tokenkit token.
    Secret(SecretError),
    /// A stored digest is malformed, or a pepper is unusable.
    Digest(DigestError),
    /// A lifetime input cannot be turned into an expiry.
    Lifetime(LifetimeError),
    /// A scope does not parse, or a scope operation failed.
    Scope(ScopeError),
    /// A JSON Patch is malformed, failed, or is not allowed on a token.
    Patch(PatchError),
    /// A request in one of the seed API dialects is not valid.
    Dialect(DialectError),
    /// A service rule refused the request (limits, management, lifetimes, grace).
    Rule(RuleError),
    /// A webhook signature is malformed, does not match, or is too old.
    Webhook(WebhookError),
    /// An input value does not have the expected shape (for example a JS value of the wrong type).
    InvalidInput {
        /// The argument or field that is wrong.
        field: String,
        /// What is wrong with it.
        message: String,
    },
}

impl Error {
    /// The stable, machine-readable code of this error (snake_case).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Secret(e) => e.code(),
            Error::Digest(e) => e.code(),
            Error::Lifetime(e) => e.code(),
            Error::Scope(e) => e.code(),
            Error::Patch(e) => e.code(),
            Error::Dialect(e) => e.code(),
            Error::Rule(e) => e.code(),
            Error::Webhook(e) => e.code(),
            Error::InvalidInput { .. } => "invalid_input",
        }
    }

    /// Builds an [`Error::InvalidInput`].
    #[cold]
    pub fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::InvalidInput { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Secret(e) => e.fmt(f),
            Error::Digest(e) => e.fmt(f),
            Error::Lifetime(e) => e.fmt(f),
            Error::Scope(e) => e.fmt(f),
            Error::Patch(e) => e.fmt(f),
            Error::Dialect(e) => e.fmt(f),
            Error::Rule(e) => e.fmt(f),
            Error::Webhook(e) => e.fmt(f),
            Error::InvalidInput { field, message } => write!(f, "invalid {field}: {message}"),
        }
    }
}

impl std::error::Error for Error {}

macro_rules! wrap {
    ($($ty:ident => $variant:ident),*) => {$(
        impl From<$ty> for Error {
            fn from(e: $ty) -> Error { Error::$variant(e) }
        }
    )*};
}
wrap!(SecretError => Secret, DigestError => Digest, LifetimeError => Lifetime, ScopeError => Scope, PatchError => Patch, DialectError => Dialect, RuleError => Rule, WebhookError => Webhook);
