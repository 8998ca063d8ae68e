//! JS bindings for `crate::dialect`.
