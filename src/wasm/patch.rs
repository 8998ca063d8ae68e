//! JS bindings for `crate::patch`.
