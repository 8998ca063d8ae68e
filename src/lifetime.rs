//! Lifetime inputs to expiry instants; caps; rotation grace.
//!
//! (Being written: see the open issue for this area.)

use core::fmt;

/// Errors of this area.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LifetimeError {}

impl LifetimeError {
    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match *self {}
    }
}

impl fmt::Display for LifetimeError {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

impl std::error::Error for LifetimeError {}
