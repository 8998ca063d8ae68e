# Schema-driven API fuzzing: schemathesis (PyPI, pinned) against the OpenAPI document served by a
# real `wrangler dev` on loopback (scripts/api-fuzz.mjs starts and stops it). Bounded: about a
# minute (FUZZ_MAX_EXAMPLES cases per operation and phase). Ends with "N passed, N failed".
set -eu
ST_VERSION=4.32.5
VENV=.venv/schemathesis
if ! "$VENV/bin/st" --version 2>/dev/null | grep -q " $ST_VERSION\$"; then
  echo "installing schemathesis $ST_VERSION into $VENV (git-ignored, about a minute)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi
FUZZ_MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-40}" node scripts/api-fuzz.mjs
