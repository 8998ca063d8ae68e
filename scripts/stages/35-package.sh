# The npm package as a user gets it: `npm pack` of pkg/ (built by `make pkg`, which writes its
# package.json from npm/package.template.json), `npm publish --dry-run` (offline: an unreachable
# registry), the tarball installed into fresh projects, where tests/package/ runs
# - package.test.mjs: a Node ESM consumer (one import line), the package README's Node snippets,
#   which entry each host resolves, and a TypeScript consumer of every export (tsc --strict);
# - vite-app.test.mjs: examples/vite-app under `vite` (dev) and `vite build` + `vite preview`,
#   driven in Chromium, its answers equal to Node's;
# - resource-worker.test.mjs: examples/resource-worker under `wrangler dev` with the token
#   service (worker/, another `wrangler dev`) behind its Service Binding.
# Vite comes from npm's cache (the root devDependencies, installed by `make setup`).
set -eu
ROOT=$(pwd)
test -f pkg/CHANGELOG.md || { echo "pkg/ is not the npm package: run make pkg" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(cd pkg && npm pack --pack-destination "$work" --loglevel=error | tail -n 1)
echo "npm pack: $tarball ($(du -k "$work/$tarball" | cut -f1) KiB)"
(cd pkg && npm publish --dry-run --offline --registry http://127.0.0.1:9/ --loglevel=error >/dev/null 2>&1) \
  && echo "npm publish --dry-run: ok" \
  || { echo "npm publish --dry-run failed:" >&2; (cd pkg && npm publish --dry-run --offline --registry http://127.0.0.1:9/) >&2; exit 1; }
mkdir "$work/consumer"
cd "$work/consumer"
echo '{ "name": "tokenkit-consumer", "private": true, "type": "module" }' > package.json
npm install "$work/$tarball" --offline --no-audit --no-fund --loglevel=error >/dev/null
echo "installed: $(node -p 'require("./node_modules/tokenkit/package.json").version') into a fresh project"
cd "$ROOT"
TOKENKIT_CONSUMER="$work/consumer" TOKENKIT_TARBALL="$work/$tarball" node --test tests/package/
