#!/usr/bin/env bash
# Crash test of `chaff strip --resume`: a run killed at any moment and then
# resumed must leave the same output folder as a run that was never killed.
#
# It generates a corpus (a text tree and JSONL shards, SIZE each), strips it
# once as the reference, then N times: starts a fresh strip into a new folder,
# kills it (kill -9) after a random delay, sometimes kills the first resumed
# run too, runs `chaff strip --resume` to completion, and compares with the
# reference:
#   - every file of the output folder, byte for byte (clean texts, JSONL
#     shards, provenance.jsonl), and no file more or less; the run state in
#     .chaff/ is left out;
#   - _manifest.json, except what describes the run rather than its output:
#     `timing`, each file's `resumed` flag and `totals.files_resumed`;
#   - `chaff verify` on the resumed folder.
# Prints one line per round, then `N passed, M failed`; exits 1 on any
# mismatch.
#
# Usage: benches/crash.sh [N]          (N rounds, default 20)
# Settings (environment):
#   CHAFF=path     the binary to test; default: cargo build --release
#   SIZE=50M       corpus size per format
#   WORK=target/crash  where the corpus and the outputs go (emptied first)
#   SEED=1         generator seed; RANDOM_SEED seeds the kill delays
#   JOBS=          --jobs of every strip (default: all cores)
set -uo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-20}
SIZE=${SIZE:-50M}
WORK=${WORK:-${CARGO_TARGET_DIR:-target}/crash}
SEED=${SEED:-1}
RANDOM=${RANDOM_SEED:-$$}
jobs=()
[ -n "${JOBS:-}" ] && jobs=(--jobs "$JOBS")

if [ -z "${CHAFF:-}" ]; then
  cargo build --release --locked --quiet || exit 2
  CHAFF=${CARGO_TARGET_DIR:-target}/release/chaff
fi
[ -x "$CHAFF" ] || { echo "crash.sh: no binary at $CHAFF" >&2; exit 2; }
command -v jq >/dev/null || { echo "crash.sh: needs jq (to compare manifests)" >&2; exit 2; }

rm -rf "$WORK"
mkdir -p "$WORK"
corpus=$WORK/corpus
"$CHAFF" generate corpus "$corpus/jsonl" --size "$SIZE" --seed "$SEED" --shard-size 8M >/dev/null 2>"$WORK/generate.log" || exit 2
"$CHAFF" generate corpus "$corpus/text" --size "$SIZE" --seed "$SEED" --format text >/dev/null 2>>"$WORK/generate.log" || exit 2
echo "corpus: $(find "$corpus" -type f | wc -l) files, $(du -sh "$corpus" | cut -f1) in $corpus"

ref=$WORK/reference
start=$(date +%s.%N)
"$CHAFF" strip "$corpus" --out "$ref" --quiet "${jobs[@]}" || { echo "crash.sh: the reference run failed" >&2; exit 2; }
ref_secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
"$CHAFF" verify "$ref" >/dev/null || { echo "crash.sh: the reference does not verify" >&2; exit 2; }
echo "reference: $ref_secs s"

# The manifest without what describes the run rather than its output.
manifest() {
  jq -S 'del(.timing) | del(.totals.files_resumed) | .files |= map(del(.resumed))' "$1/_manifest.json"
}
manifest "$ref" >"$WORK/reference.manifest" || exit 2

# $1% of the reference run's time, in seconds.
delay() {
  awk -v s="$ref_secs" -v p="$1" 'BEGIN { printf "%.3f", s * p / 100 }'
}

# Starts a strip into $1 (with the extra arguments), kills it after $2
# seconds; prints whether it was still running then.
kill_after() {
  local out=$1 secs=$2
  shift 2
  "$CHAFF" strip "$corpus" --out "$out" --quiet "${jobs[@]}" "$@" 2>/dev/null &
  local pid=$!
  sleep "$secs"
  if kill -9 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null
    echo killed
  else
    wait "$pid" 2>/dev/null
    echo finished
  fi
}

passed=0
failed=0
kills=0
for i in $(seq 1 "$rounds"); do
  run=$WORK/run
  rm -rf "$run"
  # From 2% to 98% of the reference run's time (RANDOM is drawn here, not
  # in a subshell, whose draws would not advance it).
  d1=$(delay $((2 + RANDOM % 97)))
  what="kill at ${d1}s: $(kill_after "$run" "$d1")"
  [[ $what == *killed ]] && kills=$((kills + 1))
  if [ $((RANDOM % 3)) -eq 0 ]; then
    d2=$(delay $((2 + RANDOM % 97)))
    second=$(kill_after "$run" "$d2" --resume)
    what="$what, resumed and killed at ${d2}s: $second"
    [ "$second" = killed ] && kills=$((kills + 1))
  fi
  problems=()
  if ! "$CHAFF" strip "$corpus" --out "$run" --quiet --resume "${jobs[@]}" 2>"$WORK/resume.err"; then
    problems+=("the resumed run failed: $(head -c 300 "$WORK/resume.err")")
  fi
  if ! diff -r -q --exclude=.chaff --exclude=_manifest.json "$ref" "$run" >"$WORK/diff.txt" 2>&1; then
    problems+=("outputs differ: $(head -3 "$WORK/diff.txt" | tr '\n' ';')")
  fi
  if ! manifest "$run" | cmp -s - "$WORK/reference.manifest"; then
    problems+=("manifests differ: $(manifest "$run" | diff "$WORK/reference.manifest" - | head -5 | tr '\n' ';')")
  fi
  if ! "$CHAFF" verify "$run" >"$WORK/verify.txt" 2>&1; then
    problems+=("verify failed: $(tail -2 "$WORK/verify.txt" | tr '\n' ';')")
  fi
  if [ ${#problems[@]} -eq 0 ]; then
    passed=$((passed + 1))
    echo "round $i: $what; resumed: identical, verify ok"
  else
    failed=$((failed + 1))
    echo "round $i: $what; FAILED: ${problems[*]}"
    # Keep the folder for a look.
    mv "$run" "$WORK/failed-$i"
  fi
done
rm -rf "$WORK/run"
echo "$kills kills in $rounds rounds (binary $CHAFF, corpus $SIZE per format, seed $SEED)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
