//! The service's rules: who may do what to which token, and what a stored token's state means.
//!
//! Everything here is pure (time is a parameter, no I/O) and is the one definition the token
//! service (`worker/`), the dashboard (`www/`) and any other host of the package use:
//!
//! - [`limits`] — one table of field limits for every API (names, descriptions, lifetime inputs,
//!   presented tokens, list pages, patches) and the check of a display string;
//! - [`manage`] — the scope request that managing a token means in each scope language, and the
//!   member-role rules (who acts on whose tokens, who adds members and accounts);
//! - [`holds`] — may a holder be handed a token's secret (rotation, reset): it covers the
//!   token's scope and the token does not outlive it, or it is the token itself;
//! - [`verify`] — the verification decision from a stored row, the presented digest and now;
//! - [`list`] — the query of tokenkit's own token list, checked against the table;
//! - [`audit`] — the audit log's actions, who reads which events, and its query;
//! - [`members`] — offboarding: role changes, member removal, the bulk revocation filter;
//! - [`policy`] — account policies (`maxLifetime`, `requireExpiry`) on every issue and change;
//! - [`idempotency`] — the `Idempotency-Key` decision (claim, replay, reused) and what a replay
//!   may show (never a secret);
//! - [`cache_sync`] — how stale a verification cache may be (the poll interval and bound of
//!   the invalidation log, what a request does with the cache, what a read of the log evicts);
//! - [`expiry`] — a new token's expiry (the default lifetime clamped to the issuer's), the
//!   patch expiry cap, the rotation grace rules, and the expiry state the page shows;
//! - [`webhooks`] — who manages an account's webhook endpoints, their URLs and events, which
//!   expiry warnings are due for a token now, and the delivery retry schedule.
//!
//! Every refusal is a [`RuleError`]: a stable code, the HTTP status tokenkit's own API answers
//! with, and the field at fault when there is one.

use core::fmt;

pub mod audit;
pub mod cache_sync;
pub mod cidr;
pub mod conditions;
pub mod expiry;
pub mod holds;
pub mod idempotency;
pub mod limits;
pub mod list;
pub mod manage;
pub mod members;
pub mod policy;
pub mod leaks;
pub mod peppers;
pub mod verify;
pub mod webhooks;

/// A request refused by a rule: a stable `code`, the HTTP `status` tokenkit's own API answers
/// with, the `field` at fault (when there is one) and a lowercase message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// Stable machine-readable code (`invalid_field`, `outlives_issuer`, `scope_not_covered`…).
    pub code: &'static str,
    /// The HTTP status of tokenkit's own API for this refusal (400, 403, 422…).
    pub status: u16,
    /// The request field at fault, if any.
    pub field: Option<String>,
    /// What is wrong, in words.
    pub message: String,
}

impl RuleError {
    /// A refusal with no field.
    #[cold]
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> RuleError {
        RuleError { code, status, field: None, message: message.into() }
    }

    /// A refusal about `field`.
    #[cold]
    pub fn on(status: u16, code: &'static str, field: impl Into<String>, message: impl Into<String>) -> RuleError {
        RuleError { code, status, field: Some(field.into()), message: message.into() }
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuleError {}
