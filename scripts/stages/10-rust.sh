# Native Rust: unit, integration, conformance and property tests, plus doctests.
set -eu
cargo test --quiet --no-fail-fast 2>&1
