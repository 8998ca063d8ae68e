# Long fuzzing runs of the Rust core (cargo-fuzz, libFuzzer; see docs/fuzzing.md). `make test`
# runs the same targets briefly (stage 50). Override: FUZZ_TIME (seconds per target),
# FUZZ_TARGETS ("secret scope_covers …"), FUZZ_SANITIZER (address | none), FUZZ_JOBS.
.PHONY: fuzz fuzz-list fuzz-cmin

FUZZ_TIME ?= 600
FUZZ_SANITIZER ?= address
FUZZ_JOBS ?= 1

fuzz:
	@FUZZ_TIME=$(FUZZ_TIME) FUZZ_SANITIZER=$(FUZZ_SANITIZER) FUZZ_JOBS=$(FUZZ_JOBS) $(if $(FUZZ_TARGETS),FUZZ_TARGETS="$(FUZZ_TARGETS)") bash fuzz/run.sh

fuzz-list:
	@cargo +nightly fuzz list

# Shrink each kept corpus to the inputs that add coverage (the corpus grows with every run).
fuzz-cmin:
	@for t in $(or $(FUZZ_TARGETS),$$(cargo +nightly fuzz list)); do cargo +nightly fuzz cmin -s none $$t fuzz/corpus/$$t 2>&1 | grep -E "MERGE-OUTER: [0-9]+ new files" || true; done
