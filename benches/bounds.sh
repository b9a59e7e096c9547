#!/usr/bin/env bash
# Time and memory of `chaff strip` on the inputs that cost most per byte:
# one big document (a text file, a JSONL row), a text with no line break,
# a row full of anchor hits, and a rule whose anchor fires on prose.
#
# For each case it prints the input size, the wall-clock time, MB/s, the
# peak resident memory and how much of it is beyond what the same rules
# take on a one-line input (the rules and their caches), as a multiple of
# the input size. Cost linear in the input shows as MB/s that does not fall
# from the small to the large size of a case.
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

# The generated rows, as one text, one JSONL row, and one line.
python3 - "$WORK" <<'EOF'
import glob, json, sys
work = sys.argv[1]
texts = []
for path in sorted(glob.glob(f"{work}/gen/**/*.jsonl", recursive=True)):
    with open(path, encoding="utf-8") as f:
        texts.extend(json.loads(line)["text"] for line in f)
text = "\n\n".join(texts) + "\n"
def put(name, s):
    with open(f"{work}/in/{name}", "w", encoding="utf-8") as f:
        f.write(s)
put("one.txt", text)
put("row.jsonl", json.dumps({"id": "big", "text": text}) + "\n")
put("flat.txt", " ".join(text.split()) + "\n")
for n in (2_000, 20_000, 200_000):
    hits = "".join(f"word {i}, external " for i in range(n))
    put(f"hits-{n}.jsonl", json.dumps({"id": "h", "text": hits}) + "\n")
prose = "the cat sat on the mat and the dog ran to the door. "
for kib in (90, 1440):
    put(f"prose-{kib}.txt", prose * (kib * 1024 // len(prose)) + "\n")
put("tiny.txt", "One line.\n")
put("tiny.jsonl", json.dumps({"id": "t", "text": "One line."}) + "\n")
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

# run NAME FILE [ARGS...]: strips FILE and prints seconds and peak KiB.
measure() {
  local file=$1; shift
  rm -rf "$WORK/out"
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$CHAFF" strip "$file" --out "$WORK/out" \
    --jobs 1 --quiet "$@" >/dev/null 2>&1 || true
  cat "$WORK/time"
}

printf '| case | input | seconds | MB/s | peak MiB | beyond the rules, × input |\n'
printf '|---|---:|---:|---:|---:|---:|\n'
row() {
  local name=$1 file=$2 base=$3; shift 3
  local size secs peak base_peak
  size=$(stat -c %s "$file")
  read -r secs peak < <(measure "$file" "$@")
  read -r _ base_peak < <(measure "$base" "$@")
  awk -v n="$name" -v s="$size" -v t="$secs" -v p="$peak" -v b="$base_peak" 'BEGIN {
    t = (t < 0.01 ? 0.01 : t);
    printf "| %s | %.1f MB | %.2f | %.1f | %.0f | %.2f |\n", n, s / 1e6, t, s / 1e6 / t, p / 1024, (p - b) * 1024 / s
  }'
}
row "one text file" "$WORK/in/one.txt" "$WORK/in/tiny.txt"
row "one JSONL row" "$WORK/in/row.jsonl" "$WORK/in/tiny.jsonl"
row "text with no line break" "$WORK/in/flat.txt" "$WORK/in/tiny.txt"
row "row with 2,000 \`, external\`" "$WORK/in/hits-2000.jsonl" "$WORK/in/tiny.jsonl"
row "row with 20,000 \`, external\`" "$WORK/in/hits-20000.jsonl" "$WORK/in/tiny.jsonl"
row "row with 200,000 \`, external\`" "$WORK/in/hits-200000.jsonl" "$WORK/in/tiny.jsonl"
row "anchor \`the cat\` in every sentence, 90 KiB" "$WORK/in/prose-90.txt" "$WORK/in/tiny.txt" --rules "$WORK/prose-rules"
row "anchor \`the cat\` in every sentence, 1.4 MiB" "$WORK/in/prose-1440.txt" "$WORK/in/tiny.txt" --rules "$WORK/prose-rules"
