//! The four seed APIs' wire shapes and their mapping to the core model.
//!
//! (Being written: see the open issue for this area.)

use core::fmt;

/// Errors of this area.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DialectError {}

impl DialectError {
    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match *self {}
    }
}

impl fmt::Display for DialectError {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

impl std::error::Error for DialectError {}
