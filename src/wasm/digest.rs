//! JS bindings for `crate::digest`.
