#!/usr/bin/env bash
# Time and memory of `chaff strip` on the inputs that cost most per byte:
# one big document (a text file, a JSONL row), a text with no line break,
# a row full of anchor hits, and a rule whose anchor fires on prose.
#
# Each case runs at two sizes, the small one a tenth of the large. For the
# large one it prints the input size, the wall-clock time and the peak
# resident memory; from the difference between the two sizes, the rate in
# MB/s and the memory per input byte, so that start-up and the rules' own
# memory (about 150 MiB for the built-in library) drop out. Cost linear in
# the input shows as a rate that does not fall with the size.
#
# Usage: benches/bounds.sh
# Settings (environment):
#   CHAFF=path     the binary; default: cargo build --release
#   SIZE=200M      size of the big-document cases
#   WORK=target/bounds   where inputs and outputs go (emptied first)
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-200M}
WORK=${WORK:-${CARGO_TARGET_DIR:-target}/bounds}
if [ -z "${CHAFF:-}" ]; then
  cargo build --release --locked --quiet
  CHAFF=${CARGO_TARGET_DIR:-target}/release/chaff
fi
command -v python3 >/dev/null || { echo "bounds.sh needs python3" >&2; exit 2; }

rm -rf "$WORK"
mkdir -p "$WORK/in"
"$CHAFF" generate corpus "$WORK/gen" --size "$SIZE" --seed 1 >/dev/null
# The generated rows as one text, one JSONL row and one line, and the other
# cases; each at two sizes, the small one a tenth of the large.
python3 - "$WORK" <<'EOF'
import glob, json, sys
work = sys.argv[1]
texts = []
for path in sorted(glob.glob(f"{work}/gen/**/*.jsonl", recursive=True)):
    with open(path, encoding="utf-8") as f:
        texts.extend(json.loads(line)["text"] for line in f)
def put(name, s):
    with open(f"{work}/in/{name}", "w", encoding="utf-8") as f:
        f.write(s)
for size, part in (("large", texts), ("small", texts[: len(texts) // 10])):
    text = "\n\n".join(part) + "\n"
    put(f"one-{size}.txt", text)
    put(f"row-{size}.jsonl", json.dumps({"id": "big", "text": text}) + "\n")
    put(f"flat-{size}.txt", " ".join(text.split()) + "\n")
for size, n in (("large", 200_000), ("small", 20_000)):
    hits = "".join(f"word {i}, external " for i in range(n))
    put(f"hits-{size}.jsonl", json.dumps({"id": "h", "text": hits}) + "\n")
prose = "the cat sat on the mat and the dog ran to the door. "
for size, mib in (("large", 16), ("small", 1.6)):
    put(f"prose-{size}.txt", prose * int(mib * (1 << 20) / len(prose)) + "\n")
EOF

# A rule that fires on prose, to show it costs linear time all the same.
mkdir -p "$WORK/prose-rules"
cat > "$WORK/prose-rules/the.toml" <<'EOF'
[pack]
id = "prose"
scope = "common"

[[rules]]
id = "prose.the-cat"
category = "other"
anchor = "the cat"
regex = '(?m)^the cat$'
remove = "line"
strip = [{ text = "a\nthe cat\nb", clean = "a\nb" }]
keep = ["the cat sat on the mat"]
EOF

# measure FILE [ARGS...]: strips FILE and prints seconds and peak KiB.
measure() {
  local file=$1; shift
  rm -rf "$WORK/out"
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$CHAFF" strip "$file" --out "$WORK/out" \
    --jobs 1 --quiet "$@" >/dev/null 2>&1 || true
  cat "$WORK/time"
}

printf '| case | input | seconds | MB/s | peak MiB | memory per input byte |\n'
printf '|---|---:|---:|---:|---:|---:|\n'
# row NAME CASE [ARGS...]: the large input's size, time and peak; the rate
# and the memory per byte from the difference between the two sizes, so
# that start-up and the rules' own memory drop out.
row() {
  local name=$1 case=$2; shift 2
  local large small secs peak small_secs small_peak
  large=$(ls "$WORK/in/$case-large".*)
  small=$(ls "$WORK/in/$case-small".*)
  read -r secs peak < <(measure "$large" "$@")
  read -r small_secs small_peak < <(measure "$small" "$@")
  awk -v n="$name" -v s="$(stat -c %s "$large")" -v s0="$(stat -c %s "$small")" \
    -v t="$secs" -v t0="$small_secs" -v p="$peak" -v p0="$small_peak" 'BEGIN {
    dt = t - t0; if (dt < 0.01) dt = 0.01;
    printf "| %s | %.1f MB | %.2f | %.1f | %.0f | %.2f |\n", n, s / 1e6, t, (s - s0) / 1e6 / dt, p / 1024, (p - p0) * 1024 / (s - s0)
  }'
}
row "one text file" one
row "one JSONL row" row
row "text with no line break" flat
row "a JSONL row of \`, external\` hits (200,000)" hits
row "anchor \`the cat\` in every sentence" prose --rules "$WORK/prose-rules"
