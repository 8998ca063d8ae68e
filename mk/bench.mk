# Benchmarks against the peers (bench/README.md). Not part of `make test`; nothing here passes or fails.
#   make bench         full run (~5 min on a quiet 2-core machine): writes bench/RESULTS.md, prints it
#   make bench-quick   short runs of everything (~2 min): bench/out/RESULTS.md only
# BENCH_ARGS passes options to bench/run.mjs (e.g. BENCH_ARGS="--only digest,scope").
# NO_PKG_BUILD=1 uses the pkg/ already built instead of rebuilding it first.
.PHONY: bench bench-quick
BENCH_DEPS := $(if $(NO_PKG_BUILD),setup-node,pkg)

bench: $(BENCH_DEPS)
	node bench/run.mjs $(BENCH_ARGS)

bench-quick: $(BENCH_DEPS)
	node bench/run.mjs --quick $(BENCH_ARGS)
