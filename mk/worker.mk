# The token service: `make run` serves the API and the dashboard on http://127.0.0.1:8787.
.PHONY: run pkg-www migrate-local

# The dashboard loads the wasm package from /pkg/: a git-ignored copy next to www/.
pkg-www: pkg
	@mkdir -p www/pkg && cp pkg/tokenkit.js pkg/tokenkit_bg.wasm pkg/tokenkit.d.ts www/pkg/

migrate-local: setup-node
	wrangler d1 migrations apply DB --local -c worker/wrangler.jsonc

run: pkg-www migrate-local
	@node scripts/bootstrap-root.mjs
	@echo "tokenkit: API and dashboard on http://127.0.0.1:8787 (Ctrl-C stops; data stays in .wrangler/state)"
	wrangler dev -c worker/wrangler.jsonc --ip 127.0.0.1 --port 8787 --show-interactive-dev-session=false
