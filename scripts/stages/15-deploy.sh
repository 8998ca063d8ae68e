# The deploy builds, offline, from a clean copy of the tree (`wrangler deploy --dry-run` for
# staging and production), and the bundle is within Cloudflare's size and start-up limits; prints
# the figures (docs/deploy.md, "Limits").
set -eu
node scripts/deploy-check.mjs
