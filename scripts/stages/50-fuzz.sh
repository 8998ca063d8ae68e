# Coverage-guided fuzzing of the Rust core (cargo-fuzz / libFuzzer, fuzz/): every target for a
# short bounded run. The whole stage, installing cargo-fuzz and building included, stays within
# FUZZ_BUDGET seconds (default 540); `make fuzz` runs the same targets for long. See docs/fuzzing.md.
set -u
bash fuzz/run.sh
