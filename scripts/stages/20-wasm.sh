# The same core compiled to wasm32, through its JS facade: under Node and in headless Chromium.
# With --features dialects: the full build's facade (the default build is the same minus
# src/wasm/dialect.rs, whose tests, tests/wasm_dialect.rs, need the feature).
set -eu
wasm-pack --log-level warn test --node --features dialects
WASM_BINDGEN_USE_BROWSER=1 wasm-pack --log-level warn test --headless --chrome --features dialects
