//! RFC 6902 JSON Patch over RFC 6901 pointers, atomic, and the token patch policy.
//!
//! (Being written: see the open issue for this area.)

use core::fmt;

/// Errors of this area.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PatchError {}

impl PatchError {
    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match *self {}
    }
}

impl fmt::Display for PatchError {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

impl std::error::Error for PatchError {}

impl PatchError {
    /// The index of the failing operation, when the error is about one operation.
    pub fn operation_index(&self) -> Option<usize> {
        match *self {}
    }
    /// The JSON Pointer at fault, when there is one.
    pub fn pointer(&self) -> Option<&str> {
        match *self {}
    }
}
