# tokenkit — two commands: `make run` and `make test`. Every set-up step below is idempotent:
# it checks what is already installed and skips it, so a kept machine starts in seconds and a
# fresh Debian machine with Rust and Node installs what it needs from the package registries.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

WASM_BINDGEN_VERSION := 0.2.130
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export WRANGLER_SEND_METRICS := false
export WRANGLER_SEND_ERROR_REPORTS := false
export CLOUDFLARE_CF_FETCH_ENABLED := false
export DEBIAN_FRONTEND := noninteractive
export CARGO_TERM_COLOR := never

.PHONY: run test setup setup-rust setup-browser setup-node pkg size clean help

help:
	@echo "make run    - set up what is missing, build pkg/, serve the API on http://127.0.0.1:8787, the dashboard on :8788"
	@echo "make test   - set up what is missing, run every test suite, print a summary"
	@echo "make bench  - benchmarks against the peers, writes bench/RESULTS.md (bench-quick: short runs)"
	@echo "make fuzz   - long cargo-fuzz runs of the core (fuzz-list, fuzz-cmin)"
	@echo "make api-fuzz / abuse / load - the service's hardening suites alone (api-fuzz-long: more examples)"
	@echo "make dialect-clients - the seed APIs' own npm clients against the dialects (downloads them)"
	@echo "make bench-patch - the JSON Patch benchmark alone"
	@echo "make cluster N=3 - N service instances on 8787, 8788, … over one local D1 (docs/service.md, Many isolates)"
	@echo "make cli    - build the operator CLI to target/release/tokenkit (docs/cli.md); make bench-scan times its scan"
	@echo "make deploy ENV=staging|production - build and deploy the service and the dashboard to Cloudflare (docs/deploy.md)"

## ---- set-up (idempotent) -------------------------------------------------------------------
setup: setup-rust setup-node

setup-rust:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@if wasm-bindgen --version 2>/dev/null | grep -q ' $(WASM_BINDGEN_VERSION)$$'; then :; else \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (about 5 minutes)"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force; fi
	@command -v wasm-pack >/dev/null || { echo "installing wasm-pack (about 4 minutes)"; cargo install wasm-pack --locked; }

# Debian's chromium + chromedriver, for wasm-bindgen browser tests and the dashboard's end-to-end tests.
setup-browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; else \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; fi

# npm ci only when package-lock.json changed since the last install. wasm-opt comes from the npm
# package `binaryen` (Debian's binaryen 108 silently emits broken wasm: never install it).
setup-node: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## ---- build ---------------------------------------------------------------------------------
# Two builds of the core with --target web (one glue for a browser page, Node and a Worker): the
# default, pkg/ (npm `tokenkit`: no Cargo features: token format, digests and the verification
# decision, lifetimes, scopes, JSON Patch, webhook signatures), and the full build, pkg/full/ (npm
# `tokenkit/full`: --features full = the seed dialects' wire code and the service's rules; the
# token service and the dashboard import it).
# The second build recompiles only this crate (~10-20 s). scripts/package.mjs then writes each
# build's entries (node.js, workerd.js, browser.js: instantiated on import, index.d.ts),
# pkg/package.json from npm/package.template.json, and puts the package README (npm/README.md),
# CHANGELOG and licence texts in pkg/.
pkg: setup
	wasm-pack --log-level warn build --target web --release --out-name tokenkit
	wasm-pack --log-level warn build --target web --release --out-name tokenkit --out-dir pkg/full -- --features full
	@node scripts/package.mjs

size: pkg
	@node scripts/size.mjs

## ---- test ----------------------------------------------------------------------------------
test: setup setup-browser pkg
	@bash scripts/run-tests.sh

clean:
	rm -rf target pkg www/pkg .wrangler

-include mk/*.mk
