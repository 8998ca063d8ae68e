//! Stored digests of a secret (SHA-256, HMAC-SHA-256) and constant-time verification.
//!
//! (Being written: see the open issue for this area.)

use core::fmt;

/// Errors of this area.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DigestError {}

impl DigestError {
    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match *self {}
    }
}

impl fmt::Display for DigestError {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

impl std::error::Error for DigestError {}
