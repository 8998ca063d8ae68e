#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ one after another, each for a bounded time, and ends
# with one countable line "N passed, N failed" (a target passes when libFuzzer finds no crash,
# no property failure, no timeout and no memory blow-up in its time).
#
# Used by `make test` (scripts/stages/50-fuzz.sh: the whole run, set-up and build included,
# shares FUZZ_BUDGET seconds) and by `make fuzz` (FUZZ_TIME seconds per target).
#
#   FUZZ_TIME=<s>        seconds per target (default: share FUZZ_BUDGET after the build)
#   FUZZ_BUDGET=<s>      seconds for the whole run when FUZZ_TIME is unset (default 540)
#   FUZZ_TARGETS="a b"   only these targets (default: all, from `cargo fuzz list`)
#   FUZZ_SANITIZER=<s>   none (default) or address; the core forbids unsafe code, so ASan
#                        mostly slows the run: use it for long runs (`make fuzz` does)
#   FUZZ_JOBS=<n>        parallel libFuzzer processes per target (-fork; default 1: the machine is shared)
set -u
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
start=$(date +%s)
budget=${FUZZ_BUDGET:-540}
san=${FUZZ_SANITIZER:-none}
jobs=${FUZZ_JOBS:-1}

# ---- set-up (idempotent: each step checks first) ----
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "installing the nightly toolchain (cargo-fuzz needs it; the product stays on stable)"
  rustup toolchain install nightly --profile minimal || { echo "0 passed, 1 failed"; exit 1; }
fi
if ! command -v cargo-fuzz >/dev/null; then
  echo "installing cargo-fuzz (about a minute)"
  cargo install cargo-fuzz --version 0.13.2 --locked || { echo "0 passed, 1 failed"; exit 1; }
fi

echo "building the fuzz targets (sanitizer: $san)"
# One target directory per sanitizer, so `make fuzz` (address) and `make test` (none) do not
# rebuild each other's artifacts.
target_dir=fuzz/target; [ "$san" != none ] && target_dir="fuzz/target/$san"
build_log=$(mktemp)
if ! cargo +nightly fuzz build -s "$san" --target-dir "$target_dir" >"$build_log" 2>&1; then
  tail -30 "$build_log"
  echo "fuzz build failed"
  echo "0 passed, 1 failed"
  exit 1
fi
grep -E '^warning|Finished' "$build_log" | tail -3
node fuzz/seed-corpus.mjs || { echo "0 passed, 1 failed"; exit 1; }

if [ -n "${FUZZ_TARGETS:-}" ]; then targets=$FUZZ_TARGETS; else targets=$(cargo +nightly fuzz list); fi
# Run the binaries built above directly: `cargo fuzz run` would re-check (and, if src/ changed
# meanwhile, rebuild) before every target, outside the time limit.
bin_dir="$target_dir/$(rustc +nightly -vV | sed -n 's/^host: //p')/release"
fork=(); [ "$jobs" -gt 1 ] && fork=(-fork="$jobs")
n=$(wc -w <<<"$targets")
if [ -n "${FUZZ_TIME:-}" ]; then
  per=$FUZZ_TIME
else
  left=$(( budget - ($(date +%s) - start) ))
  per=$(( left / n - 3 ))      # about 3 s per target go to start-up and the final merge
  [ "$per" -gt 30 ] && per=30
  [ "$per" -lt 5 ] && per=5
fi
echo "fuzzing $n targets, ${per}s each (set-up and build took $(( $(date +%s) - start ))s)"

logs=$(mktemp -d)
pass=0; fail=0; total_execs=0
for t in $targets; do
  mkdir -p "fuzz/corpus/$t"
  log="$logs/$t.log"
  t0=$(date +%s)
  mkdir -p "fuzz/artifacts/$t"
  "$bin_dir/$t" "${fork[@]}" -artifact_prefix="fuzz/artifacts/$t/" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - t0 ))
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
  total_execs=$(( total_execs + execs ))
  corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
  if [ "$rc" -eq 0 ]; then
    pass=$((pass + 1))
    echo "fuzz $t: ok, $execs executions in ${secs}s, corpus $corpus"
  else
    fail=$((fail + 1))
    echo "fuzz $t: FAILED (exit $rc) after $execs executions in ${secs}s"
    grep -E -A6 "panicked at|ERROR: libFuzzer|SUMMARY:" "$log" | head -24 | sed 's/^/  | /'
    grep -E "Test unit written to" "$log" | head -2 | sed 's/^/  | /'
    echo "  | replay: $bin_dir/$t <that file>   (or: cargo +nightly fuzz run -s $san $t <that file>)"
  fi
done
echo "fuzz total: $total_execs executions, $(( $(date +%s) - start ))s wall"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
