# The same core compiled to wasm32, through its JS facade: under Node and in headless Chromium.
# With --features full: the full build's facade (the default build is the same minus the
# dialects' and the service's exports; their tests, e.g. tests/wasm_dialect.rs, need the features).
set -eu
wasm-pack --log-level warn test --node --features full
WASM_BINDGEN_USE_BROWSER=1 wasm-pack --log-level warn test --headless --chrome --features full
