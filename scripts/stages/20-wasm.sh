# The same core compiled to wasm32, through its JS facade: under Node and in headless Chromium.
set -eu
wasm-pack --log-level warn test --node
WASM_BINDGEN_USE_BROWSER=1 wasm-pack --log-level warn test --headless --chrome
