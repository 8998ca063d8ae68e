# JSON Patch benchmark: tokenkit vs fast-json-patch 3.1.1 (see docs/patch.md). Not part of `make test`.
.PHONY: bench-patch
bench-patch: pkg
	node bench/patch.bench.mjs
