# The operator CLI (cli/, docs/cli.md): `make cli` builds target/release/tokenkit; `make bench-scan`
# times `tokenkit scan` against `grep -rE` of the same pattern on a generated tree (bench/NOTES.md).
# make test stage 45 builds it (make cli) and tests it against a real `wrangler dev`.
.PHONY: cli bench-scan

cli:
	cargo build --release --quiet -p tokenkit-cli

bench-scan: cli
	node bench/scan.bench.mjs $(BENCH_ARGS)
