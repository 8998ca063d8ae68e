# The operator CLI (cli/, docs/cli.md): its Rust tests (scanner, arguments, the binary on temp
# files and git repositories), then the release binary against a real `wrangler dev`.
set -eu
make --no-print-directory cli
cargo test --quiet -p tokenkit-cli 2>&1
node --test cli/tests/
