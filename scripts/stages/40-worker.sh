# The token service under a real `wrangler dev` (workerd + local D1) on loopback.
set -eu
node --test --test-concurrency=1 worker/test/
