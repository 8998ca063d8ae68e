# Native Rust: unit, integration, conformance and property tests, plus doctests.
set -eu
cargo test --quiet 2>&1
