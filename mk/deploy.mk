# Deploying the token service to Cloudflare (docs/deploy.md):
#   make deploy ENV=staging|production   build pkg/ and www/pkg/, find or create the environment's
#                                        D1 database, apply its migrations remotely, wrangler deploy
#                                        the service (worker/wrangler.jsonc), then the dashboard's
#                                        Worker (worker/dashboard/wrangler.jsonc, bound to it)
# Needs credentials (CLOUDFLARE_API_TOKEN, or `wrangler login`); without them it stops with
# wrangler's error. `make test` (stage deploy) checks both builds with `wrangler deploy --dry-run`.
.PHONY: deploy deploy-env

deploy-env:
	@case "$(ENV)" in staging|production) ;; *) echo "usage: make deploy ENV=staging|production" >&2; exit 2;; esac

deploy: deploy-env pkg-www
	node scripts/deploy.mjs $(ENV)
