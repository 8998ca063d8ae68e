# The token service: `make run` serves the API and the dashboard on http://127.0.0.1:8787.
# Data stays in worker/.wrangler/state (SQLite-backed D1) across restarts. A pepper for the
# digests (docs/service.md) is taken from TOKENKIT_PEPPER / TOKENKIT_PEPPER_VERSION when set,
# for both the root bootstrap and the worker.
.PHONY: run pkg-www migrate-local

RUN_VARS = $(if $(TOKENKIT_PEPPER),--var TOKENKIT_PEPPER:$(TOKENKIT_PEPPER)) $(if $(TOKENKIT_PEPPER_VERSION),--var TOKENKIT_PEPPER_VERSION:$(TOKENKIT_PEPPER_VERSION))

# The dashboard loads the wasm package from /pkg/: a git-ignored copy next to www/.
pkg-www: pkg
	@mkdir -p www/pkg && cp pkg/tokenkit.js pkg/tokenkit_bg.wasm pkg/tokenkit.d.ts www/pkg/

migrate-local: setup-node
	wrangler d1 migrations apply DB --local -c worker/wrangler.jsonc

run: pkg-www migrate-local
	@node scripts/bootstrap-root.mjs
	@echo "tokenkit: API and dashboard on http://127.0.0.1:8787 (Ctrl-C stops; data stays in worker/.wrangler/state)"
	@wrangler dev -c worker/wrangler.jsonc --ip 127.0.0.1 --port 8787 --show-interactive-dev-session=false $(RUN_VARS)
