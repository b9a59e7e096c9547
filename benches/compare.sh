#!/usr/bin/env bash
# chaff strip side by side with the tools users would pick instead.
#
# On one generated corpus (text tree and JSONL shards), for synthetic rule
# packs of N rules, with one thread and with all cores, it times:
#   chaff strip (built-in rules plus the N synthetic ones), with provenance
#   on and with --provenance none,
#   LC_ALL=C grep -v -F -f ANCHORS, rg -v -F -f ANCHORS (where installed),
#   a Rust line modifier (benches/peer: a serde_json Value per row, one regex
#   alternation of the anchors per line, as DCLM-style filters do),
#   a Python pyahocorasick filter and a Python `re` alternation (on a sample),
#   and the floors: cat > file, and cp -r for the text tree.
# The grep, rg and Python jobs get the same anchors (`chaff rules --json`).
#
# Usage: benches/compare.sh
# Settings (environment):
#   SIZE=1G            corpus size per format
#   RULES="10 1000 100000"
#   FORMATS="text jsonl"
#   WORK=target/compare  where corpora, rule packs and results go
#   OUT=$WORK/out      where each run writes (emptied before every run). On
#                      ext4, creating files where many were just deleted is
#                      slow for about a minute (the inode allocator skips
#                      recently deleted inodes), which a text-tree run then
#                      measures; a tmpfs such as /dev/shm/chaff-compare
#                      measures the tools instead.
#   SAMPLE=16M         input of the Python `re` runs
#   RE_BUDGET=60       seconds a Python `re` run may take before it stops
#   PY_BUDGET=0        the same for pyahocorasick (0: the whole corpus)
#   PEER_BUDGET=60     the same for the Rust peer
#   SEED=1             generator seed
#   TOOLS="chaff chaff-none grep rg peer pyahocorasick re floors"
#                      which runs to make
#   APPEND=1           add to the results of an earlier run instead of
#                      starting over; the table keeps each run's latest row
# Prints a Markdown table and writes it to $WORK/results.md (raw: results.tsv).
set -euo pipefail

cd "$(dirname "$0")/.."
SIZE=${SIZE:-1G}
RULES=${RULES:-"10 1000 100000"}
FORMATS=${FORMATS:-"text jsonl"}
WORK=${WORK:-target/compare}
SAMPLE=${SAMPLE:-16M}
RE_BUDGET=${RE_BUDGET:-60}
PY_BUDGET=${PY_BUDGET:-0}
PEER_BUDGET=${PEER_BUDGET:-60}
SEED=${SEED:-1}
TOOLS=${TOOLS:-"chaff chaff-none grep rg peer pyahocorasick re floors"}
APPEND=${APPEND:-0}
CORES=$(nproc)
THREADS="1 $CORES"
[ "$CORES" = 1 ] && THREADS=1

cargo build --release --quiet
CHAFF=${CARGO_TARGET_DIR:-$PWD/target}/release/chaff
cargo build --release --quiet --locked --manifest-path benches/peer/Cargo.toml \
    --target-dir "${CARGO_TARGET_DIR:-$PWD/target}/peer"
PEER=${CARGO_TARGET_DIR:-$PWD/target}/peer/release/chaff-bench-peer
FILTERS=$PWD/benches/compare_filters.py
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
OUT=${OUT:-$WORK/out}
TSV=$WORK/results.tsv
[ "$APPEND" = 1 ] || : >"$TSV"

have() { command -v "$1" >/dev/null 2>&1; }
want() { case " $TOOLS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
python_has() { python3 -c "import $1" >/dev/null 2>&1; }
bytes_of() { du -sb --apparent-size "$1" | cut -f1; }
to_bytes() { numfmt --from=iec "$1"; }

# The corpus of one format, made again only when its settings change.
corpus() {
    local format=$1 dir=$WORK/corpus-$1
    local stamp="$SIZE $SEED $($CHAFF --version)"
    if [ "$(cat "$dir.stamp" 2>/dev/null)" != "$stamp" ]; then
        rm -rf "$dir" "$dir.stamp"
        "$CHAFF" generate corpus "$dir" --size "$SIZE" --format "$format" --seed "$SEED" >&2
        echo "$stamp" >"$dir.stamp"
    fi
    echo "$dir"
}

# A sample of a corpus, about $SAMPLE bytes, with the same layout.
sample() {
    local format=$1 src=$2 dir=$WORK/sample-$1 limit
    limit=$(to_bytes "$SAMPLE")
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ "$format" = jsonl ]; then
        local first
        first=$(find "$src" -type f -name '*.jsonl' | sort | head -1)
        head -c "$limit" "$first" | sed '$d' >"$dir/sample.jsonl"
    else
        local total=0 f
        while IFS= read -r f; do
            mkdir -p "$dir/$(dirname "${f#"$src"/}")"
            cp "$f" "$dir/${f#"$src"/}"
            total=$((total + $(stat -c %s "$f")))
            [ "$total" -ge "$limit" ] && break
        done < <(find "$src" -type f | sort)
    fi
    echo "$dir"
}

# Runs a command with the cache warm and the output folder empty; records
# wall seconds and peak resident memory (the largest process of the run).
measure() {
    local format=$1 rules=$2 tool=$3 threads=$4 input=$5
    shift 5
    local out=$OUT time_file=$WORK/time.txt
    rm -rf "$out"
    mkdir -p "$out"
    cat "$(find "$input" -type f | head -1)" >/dev/null
    sync
    if ! /usr/bin/time -f "%e %M" -o "$time_file" "$@" >"$WORK/stdout.txt" 2>"$WORK/stderr.txt"; then
        echo "  $tool failed: $(tail -3 "$WORK/stderr.txt")" >&2
        return 0
    fi
    local seconds peak bytes
    read -r seconds peak <"$time_file"
    bytes=$(bytes_of "$input")
    # A filter stopped by its budget reports what it read and how long it
    # took (several processes: the sum, and the slowest).
    if grep -q '^bytes=' "$WORK/stdout.txt"; then
        bytes=$(sed -n 's/^bytes=\([0-9]*\) .*/\1/p' "$WORK/stdout.txt" | paste -sd+ | bc)
        seconds=$(sed -n 's/.* seconds=\([0-9.]*\)$/\1/p' "$WORK/stdout.txt" | sort -g | tail -1)
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$format" "$rules" "$tool" "$threads" \
        "$bytes" "$seconds" "$peak" >>"$TSV"
    printf '  %-14s %2s threads  %8.1f MB/s  %6.0f MiB\n' "$tool" "$threads" \
        "$(echo "$bytes / $seconds / 1000000" | bc -l)" "$(echo "$peak / 1024" | bc -l)" >&2
}

# The sorted files under INPUT, split over THREADS processes of the shell
# command SCRIPT (its $0 is ARG, its other arguments the files). As few
# processes as the threads allow: each one builds its matcher from all the
# anchors first.
split_files() {
    local threads=$1 input=$2 script=$3 arg=$4
    local files per
    files=$(find "$input" -type f | wc -l)
    per=$(((files + threads - 1) / threads))
    find "$input" -type f -print0 | sort -z |
        xargs -0 -P "$threads" -n "$per" sh -c "$script" "$arg"
}
# grep over every file with T processes, each writing its own output.
grep_files() {
    local threads=$1 anchors=$2 input=$3
    split_files "$threads" "$input" \
        'LC_ALL=C grep -h -v -F -f "$0" "$@" >"'"$OUT"'/$$.out"; [ $? -le 1 ]' "$anchors"
}
# The Rust peer over every file with T processes, each writing its own
# folder.
peer_files() {
    local threads=$1 anchors=$2 input=$3 budget=$4
    split_files "$threads" "$input" \
        'd="'"$OUT"'/peer-$$"; mkdir -p "$d"; "'"$PEER"'" "$0" "$d" "'"$budget"'" "$@"' "$anchors"
}
cat_files() {
    find "$1" -type f -print0 | sort -z | xargs -0 cat >"$OUT/all"
}
# /usr/bin/time runs programs, so the two functions run in a child bash.
export -f split_files grep_files peer_files cat_files
export OUT PEER

for format in $FORMATS; do
    input=$(corpus "$format")
    [ -d "$input" ] || { echo "compare.sh: no $format corpus" >&2; exit 1; }
    echo "== $format: $(bytes_of "$input") bytes in $(find "$input" -type f | wc -l) files" >&2
    small=$(sample "$format" "$input")
    want floors && measure "$format" - "cat > file" 1 "$input" bash -c 'cat_files "$1"' _ "$input"
    if want floors && [ "$format" = text ]; then
        measure "$format" - "cp -r" 1 "$input" cp -r "$input" "$OUT/tree"
    fi
    for n in $RULES; do
        pack=$WORK/rules-$n.toml
        anchors=$WORK/anchors-$n.txt
        [ -f "$pack" ] || "$CHAFF" generate rules "$pack" --count "$n" --seed "$SEED" >&2
        "$CHAFF" rules --rules "$pack" --json |
            python3 -c 'import json, sys
for rule in json.load(sys.stdin):
    for anchor in rule["anchors"]:
        print(anchor)' >"$anchors"
        echo "-- N=$n synthetic rules ($(wc -l <"$anchors") anchors with the built-in ones)" >&2
        for t in $THREADS; do
            want chaff && measure "$format" "$n" chaff "$t" "$input" \
                "$CHAFF" strip "$input" --out "$OUT/chaff" --rules "$pack" --jobs "$t" --quiet
            want chaff-none && measure "$format" "$n" "chaff none" "$t" "$input" \
                "$CHAFF" strip "$input" --out "$OUT/chaff" --rules "$pack" --jobs "$t" --quiet \
                --provenance none
            want peer && measure "$format" "$n" "rust peer" "$t" "$input" \
                bash -c 'peer_files "$@"' _ "$t" "$anchors" "$input" "$PEER_BUDGET"
            want grep && measure "$format" "$n" grep "$t" "$input" \
                bash -c 'grep_files "$@"' _ "$t" "$anchors" "$input"
            if want rg && have rg; then
                measure "$format" "$n" rg "$t" "$input" \
                    sh -c 'rg -uuu --no-filename -v -F -f "$1" -j "$2" "$3" >"$4/all"; [ $? -le 1 ]' \
                    _ "$anchors" "$t" "$input" "$OUT"
            fi
            if want pyahocorasick && python_has ahocorasick; then
                measure "$format" "$n" pyahocorasick "$t" "$input" \
                    python3 "$FILTERS" --engine aho --anchors "$anchors" --jobs "$t" \
                    --budget "$PY_BUDGET" "$input" "$OUT/py"
            fi
            want re && measure "$format" "$n" "python re" "$t" "$small" \
                python3 "$FILTERS" --engine re --anchors "$anchors" --jobs "$t" \
                --budget "$RE_BUDGET" "$small" "$OUT/py"
        done
    done
done
rm -rf "$OUT"

# The table: MB/s (10^6 bytes of input per second), peak memory, and how many
# times faster chaff was than each tool on the same format, N and threads.
python3 - "$TSV" >"$WORK/results.md" <<'PY'
import sys
latest = {}
for line in open(sys.argv[1]):
    if line.strip():
        row = line.rstrip("\n").split("\t")
        latest[tuple(row[:4])] = row
rows = list(latest.values())
chaff = {(f, n, t): int(b) / float(s) for f, n, tool, t, b, s, _ in rows if tool == "chaff"}
print("| input | rules | tool | threads | MB/s | peak MiB | chaff ÷ tool |")
print("|---|---:|---|---:|---:|---:|---:|")
for f, n, tool, t, b, s, peak in rows:
    speed = int(b) / float(s)
    ours = chaff.get((f, n, t))
    # A run that read nothing in its time (a Python `re` alternation of
    # 100,000 anchors is still compiling) has no ratio.
    ratio = f"{ours / speed:.2f}" if ours and speed > 0 and tool != "chaff" else ""
    print(f"| {f} | {n} | {tool} | {t} | {speed / 1e6:.1f} | {int(peak) / 1024:.0f} | {ratio} |")
PY
{
    echo
    echo "Machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
        "$(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -sr); corpus $SIZE per format, seed $SEED."
} >>"$WORK/results.md"
cat "$WORK/results.md"
