//! tokenkit — access-token management as one pure Rust core.
//!
//! Every fact about a token lives here: its text format ([`secret`]), its stored digest
//! ([`digest`]), its expiry ([`lifetime`]), what it may do ([`scope`]), how it may be changed
//! ([`patch`]) and how the four seed APIs spell all of that on the wire ([`dialect`]). Instants
//! and durations are [`time`]'s: UTC only, no dependency.
//! The core does no I/O and never reads the clock or the random source behind the caller's
//! back: time is a parameter, randomness goes through one injectable seam.
//!
//! The JS facade in `src/wasm/` is the only module that knows about wasm-bindgen.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// No panic on any input: a panic traps the wasm instance. Outside tests, clippy refuses the
// calls that can panic; errors go through the error enums instead.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::unreachable, clippy::todo, clippy::unimplemented))]

pub mod api;
pub mod dialect;
pub mod digest;
pub mod error;
pub mod lifetime;
pub mod patch;
pub mod rules;
pub mod scope;
pub mod secret;
mod sort;
pub mod time;
pub mod webhook;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod wasm;

pub use error::Error;
