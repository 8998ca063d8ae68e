//! JS bindings for `crate::secret`.
