# The token service: `make run` serves the API on http://127.0.0.1:8787 and the dashboard (its
# own Worker, worker/dashboard/, with a Service Binding to the API) on http://127.0.0.1:8788:
# two `wrangler dev` processes started and stopped together by scripts/run.mjs.
# Data stays in worker/.wrangler/state (SQLite-backed D1) across restarts. Local secrets — the
# optional pepper of the digests (docs/service.md), a chosen root token — live in the git-ignored
# worker/.dev.vars (see worker/.dev.vars.example), read by both the root bootstrap and
# `wrangler dev`: never on a command line, where `ps` shows them.
# TOKENKIT_SECRET_SCANNING_KEYS (the scanners' public key listing, docs/leaks.md) is not a
# secret: `make run` passes it to the service from the environment when it is set there.
.PHONY: run pkg-www migrate-local pepper-report

# The dashboard's Worker serves www/; the page loads the wasm package from /pkg/: a git-ignored
# copy next to www/ (with the snippets/ tokenkit.js imports the TokenkitError class from). It is
# the full build (npm `tokenkit/full`, as pkg/full/): the page uses the service's rules (field
# limits, roles, lifetimes of the account, webhook events), which the default build leaves out.
pkg-www: pkg
	@mkdir -p www/pkg/full && cp pkg/full/tokenkit.js pkg/full/tokenkit_bg.wasm pkg/full/tokenkit.d.ts www/pkg/full/ && rm -rf www/pkg/snippets && cp -r pkg/snippets www/pkg/

migrate-local: setup-node
	wrangler d1 migrations apply DB --local -c worker/wrangler.jsonc

run: pkg-www migrate-local
	@if [ -n "$${TOKENKIT_PEPPER:-}$${TOKENKIT_PEPPERS:-}" ] && ! grep -qsE '^TOKENKIT_PEPPERS?=' worker/.dev.vars; then \
	  echo "make run: TOKENKIT_PEPPER(S) is set in the environment, which wrangler dev does not read: put it in worker/.dev.vars (see worker/.dev.vars.example)" >&2; exit 2; fi
	@node scripts/bootstrap-root.mjs
	@echo "tokenkit: starting the API on http://127.0.0.1:8787 and the dashboard on http://127.0.0.1:8788 (Ctrl-C stops both)"
	@node scripts/run.mjs --port 8787 --dashboard-port 8788

# How many stored digests are on each pepper version (docs/service.md, "Pepper rotation"), in the
# local database of `make run`; scripts/pepper-report.mjs takes --remote --env NAME --config FILE
# for a deployment (docs/deploy.md).
pepper-report: pkg
	@node scripts/pepper-report.mjs
