# Hardening (docs/hardening.md): the API fuzzing stage, the abuse suite and the load test, alone.
# `make test` runs all three, bounded; `make api-fuzz-long` runs schemathesis with more examples.
.PHONY: api-fuzz api-fuzz-long abuse load
api-fuzz: pkg
	@bash scripts/stages/60-api-fuzz.sh
api-fuzz-long: pkg
	@FUZZ_MAX_EXAMPLES=400 FUZZ_TIMEOUT_S=1800 bash scripts/stages/60-api-fuzz.sh
abuse: pkg
	node --test worker/test/abuse.test.mjs
load: pkg
	node --test worker/test/load.test.mjs
