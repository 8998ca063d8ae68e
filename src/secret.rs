//! Token text format: generate, parse, checksum, mask.
//!
//! (Being written: see the open issue for this area.)

use core::fmt;

/// Errors of this area.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SecretError {}

impl SecretError {
    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match *self {}
    }
}

impl fmt::Display for SecretError {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

impl std::error::Error for SecretError {}
