//! JS bindings for `crate::lifetime`.
