#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 60), one after the other, and
# exits non-zero if one crashes (or cannot be built). A crashing input is
# saved under tests/fuzz/artifacts/TARGET/; each target's log goes to
# $CARGO_TARGET_DIR/fuzz-logs/TARGET.log (target/ by default).
#
#   tests/fuzz/run.sh [SECONDS]
#
# TARGETS="strip_restore" limits the run to some targets. SANITIZER=address
# builds with AddressSanitizer; the default is none (chaff has no unsafe
# code, and the targets run about twice as fast without it). Needs a nightly
# toolchain and `cargo install cargo-fuzz`.
set -uo pipefail
cd "$(dirname "$0")/../.."

secs=${1:-60}
targets=${TARGETS:-"rule_load jsonl_row strip_restore"}
sanitizer=${SANITIZER:-none}
logs=${CARGO_TARGET_DIR:-target}/fuzz-logs
mkdir -p "$logs"

fuzz=(cargo +nightly fuzz)
"${fuzz[@]}" build --fuzz-dir tests/fuzz --sanitizer "$sanitizer" || exit 2

failed=0
for t in $targets; do
  log="$logs/$t.log"
  "${fuzz[@]}" run --fuzz-dir tests/fuzz --sanitizer "$sanitizer" "$t" -- \
    -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  if [ "$rc" -eq 0 ]; then
    echo "$t: ${runs:-?} executions in ${secs} s, corpus ${corpus:-?} inputs, no crash"
  else
    failed=$((failed + 1))
    crash=$(grep -o 'artifacts/[^ ]*' "$log" | head -1)
    echo "$t: CRASH after ${runs:-?} executions (exit $rc): tests/fuzz/${crash:-?}; see $log"
  fi
done
exit $((failed > 0))
