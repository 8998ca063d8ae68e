# The operator CLI (cli/, docs/cli.md): its Rust tests (scanner, arguments, the binary on temp
# files and git repositories) and clippy, then the release binary against a real `wrangler dev`.
set -eu
make --no-print-directory cli
cargo test --quiet -p tokenkit-cli 2>&1
cargo clippy --quiet -p tokenkit-cli --all-targets -- -D warnings 2>&1
echo "clippy: tokenkit-cli clean"
node --test cli/tests/
