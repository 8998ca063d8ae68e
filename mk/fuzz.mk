# Long fuzzing runs of the Rust core (cargo-fuzz, libFuzzer; see docs/fuzzing.md). `make test`
# runs the same targets briefly (stage 50). Override: FUZZ_TIME (seconds per target),
# FUZZ_TARGETS ("secret scope_covers …"), FUZZ_SANITIZER (address | none), FUZZ_JOBS.
.PHONY: fuzz fuzz-list

FUZZ_TIME ?= 600
FUZZ_SANITIZER ?= address
FUZZ_JOBS ?= 1

fuzz:
	@FUZZ_TIME=$(FUZZ_TIME) FUZZ_SANITIZER=$(FUZZ_SANITIZER) FUZZ_JOBS=$(FUZZ_JOBS) $(if $(FUZZ_TARGETS),FUZZ_TARGETS="$(FUZZ_TARGETS)") bash fuzz/run.sh

fuzz-list:
	@cargo +nightly fuzz list
