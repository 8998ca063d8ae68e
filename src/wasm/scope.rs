//! JS bindings for `crate::scope`.
