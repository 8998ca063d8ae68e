# The token service: `make run` serves the API and the dashboard on http://127.0.0.1:8787.
# Data stays in worker/.wrangler/state (SQLite-backed D1) across restarts. Local secrets — the
# optional pepper of the digests (docs/service.md), a chosen root token — live in the git-ignored
# worker/.dev.vars (see worker/.dev.vars.example), read by both the root bootstrap and
# `wrangler dev`: never on a command line, where `ps` shows them.
# TOKENKIT_SECRET_SCANNING_KEYS (the scanners' public key listing, docs/leaks.md) is not a
# secret: `make run` passes it to the worker from the environment when it is set there.
.PHONY: run pkg-www migrate-local pepper-report

# The dashboard loads the wasm package from /pkg/: a git-ignored copy next to www/ (with the
# snippets/ tokenkit.js imports the TokenkitError class from). It is the full build (npm
# `tokenkit/full`, as pkg/full/): the page uses the service's rules (field limits, roles, lifetimes
# of the account, webhook events), which the default build leaves out.
pkg-www: pkg
	@mkdir -p www/pkg/full && cp pkg/full/tokenkit.js pkg/full/tokenkit_bg.wasm pkg/full/tokenkit.d.ts www/pkg/full/ && rm -rf www/pkg/snippets && cp -r pkg/snippets www/pkg/

migrate-local: setup-node
	wrangler d1 migrations apply DB --local -c worker/wrangler.jsonc

run: pkg-www migrate-local
	@if [ -n "$${TOKENKIT_PEPPER:-}$${TOKENKIT_PEPPERS:-}" ] && ! grep -qsE '^TOKENKIT_PEPPERS?=' worker/.dev.vars; then \
	  echo "make run: TOKENKIT_PEPPER(S) is set in the environment, which wrangler dev does not read: put it in worker/.dev.vars (see worker/.dev.vars.example)" >&2; exit 2; fi
	@node scripts/bootstrap-root.mjs
	@echo "tokenkit: API and dashboard on http://127.0.0.1:8787 (Ctrl-C stops; data stays in worker/.wrangler/state)"
	@wrangler dev -c worker/wrangler.jsonc --ip 127.0.0.1 --port 8787 --show-interactive-dev-session=false \
	  $${TOKENKIT_SECRET_SCANNING_KEYS:+--var "TOKENKIT_SECRET_SCANNING_KEYS:$$TOKENKIT_SECRET_SCANNING_KEYS"}

# How many stored digests are on each pepper version (docs/service.md, "Pepper rotation"), in the
# local database of `make run`; scripts/pepper-report.mjs takes --remote --env NAME --config FILE
# for a deployment (docs/deploy.md).
pepper-report: pkg
	@node scripts/pepper-report.mjs
