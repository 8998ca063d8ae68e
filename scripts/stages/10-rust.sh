# Native Rust: unit, integration, conformance and property tests, plus doctests; then clippy on
# the library for both targets (src/lib.rs denies unwrap/expect/panic outside tests: a panic
# traps the wasm instance).
set -eu
cargo test --quiet --no-fail-fast 2>&1
cargo clippy --quiet --lib -- -D warnings 2>&1
cargo clippy --quiet --lib --target wasm32-unknown-unknown -- -D warnings 2>&1
cargo clippy --quiet --lib --target wasm32-unknown-unknown --features full -- -D warnings 2>&1
echo "clippy: library clean (native; wasm32, default and full builds)"
