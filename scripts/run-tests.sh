#!/usr/bin/env bash
# Runs every test stage in scripts/stages/ (in name order), even after a failure, and ends with
# one summary line: "N passed, N failed". Counts come from each runner's own summary lines
# (cargo test's "test result:", node --test's "# pass"/"# fail"); a stage that exits non-zero
# without a countable failure counts as one failure itself, so nothing fails silently.
set -u
cd "$(dirname "$0")/.."
only="${STAGES:-}"
total_pass=0; total_fail=0; failed_stages=()
log_dir=$(mktemp -d)
for stage in scripts/stages/*.sh; do
  name=$(basename "$stage" .sh)
  # STAGES="worker api-fuzz" (or comma-separated) runs only the stages so named, matched whole.
  if [ -n "$only" ] && ! tr ', ' '\n\n' <<<"$only" | grep -qxF -- "${name#*-}"; then continue; fi
  echo
  echo "==== stage $name ===="
  start=$(date +%s)
  bash "$stage" 2>&1 | tee "$log_dir/$name.log"
  rc=${PIPESTATUS[0]}
  read -r sp sf < <(awk '
    /^test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed/ { p += $4; f += $6 }
    /^# pass [0-9]+$/ { p += $3 }
    /^# fail [0-9]+$/ { f += $3 }
    /^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3 }
    END { print p + 0, f + 0 }' "$log_dir/$name.log")
  if [ "$rc" -ne 0 ] && [ "$sf" -eq 0 ]; then sf=1; fi
  total_pass=$((total_pass + sp)); total_fail=$((total_fail + sf))
  [ "$rc" -ne 0 ] && failed_stages+=("$name")
  echo "---- stage $name: $sp passed, $sf failed, exit $rc, $(( $(date +%s) - start ))s"
done
echo
[ ${#failed_stages[@]} -gt 0 ] && echo "failed stages: ${failed_stages[*]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] && [ ${#failed_stages[@]} -eq 0 ]
