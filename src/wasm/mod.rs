//! The JS facade: the only module that imports wasm-bindgen.
//!
//! Each submodule is a thin layer over one core area: convert JS values in, call the core,
//! convert the result out. Every failure becomes a JS `Error` carrying a stable `code`
//! (see [`error`]). Nothing here may panic on any input: a panic traps the wasm instance.

pub mod error;
pub mod secret;
pub mod digest;
pub mod lifetime;
pub mod scope;
pub mod patch;
pub mod dialect;
