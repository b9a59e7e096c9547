#!/usr/bin/env python3
"""The jobs a user would write instead of chaff, for benches/compare.sh.

Each filter drops every line that contains one of the anchors, and writes one
output file per input file, as `chaff strip` does (without provenance):

- text files: the lines of the file;
- JSONL shards: each row is parsed, the lines of its `text` field are
  filtered, and the row is written back with `json.dumps`.

Matching is done with pyahocorasick (`--engine aho`) or with one `re`
alternation of the escaped anchors (`--engine re`). `--jobs N` runs N worker
processes over the files. `--budget S` stops taking new files after S
seconds, for the engines too slow to run on the whole corpus; the script then
reports only the bytes it did read.

Prints one line: `bytes=<input bytes read> seconds=<wall time>`.
"""

import argparse
import json
import os
import re
import sys
import time
from multiprocessing import Pool

MATCHER = None


def load_anchors(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def build(engine, anchors):
    if engine == "aho":
        import ahocorasick

        automaton = ahocorasick.Automaton()
        for i, anchor in enumerate(anchors):
            automaton.add_word(anchor, i)
        automaton.make_automaton()

        def hit(line):
            for _ in automaton.iter(line):
                return True
            return False

        return hit
    pattern = re.compile("|".join(re.escape(a) for a in anchors))
    return lambda line: pattern.search(line) is not None


def init(engine, anchors_path):
    global MATCHER
    MATCHER = build(engine, load_anchors(anchors_path))


def clean(text):
    return "".join(line for line in text.splitlines(keepends=True) if not MATCHER(line))


def run_one(task):
    src, dst, kind = task
    with open(src, "rb") as f:
        data = f.read()
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if kind == "jsonl":
        out = []
        for line in data.decode("utf-8").splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                out.append(line)
                continue
            if isinstance(row, dict) and isinstance(row.get("text"), str):
                row["text"] = clean(row["text"])
            out.append(json.dumps(row))
        body = ("\n".join(out) + "\n").encode("utf-8")
    else:
        body = clean(data.decode("utf-8")).encode("utf-8")
    with open(dst, "wb") as f:
        f.write(body)
    return len(data)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--engine", choices=["aho", "re"], required=True)
    p.add_argument("--anchors", required=True)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--budget", type=float, default=0.0)
    p.add_argument("input")
    p.add_argument("out")
    args = p.parse_args()

    tasks = []
    for root, dirs, files in os.walk(args.input):
        dirs.sort()
        for name in sorted(files):
            src = os.path.join(root, name)
            kind = "jsonl" if name.endswith(".jsonl") else "text"
            tasks.append((src, os.path.join(args.out, os.path.relpath(src, args.input)), kind))

    started = time.monotonic()
    read = 0
    deadline = started + args.budget if args.budget > 0 else None
    if args.jobs <= 1:
        init(args.engine, args.anchors)
        for task in tasks:
            if deadline and time.monotonic() > deadline:
                break
            read += run_one(task)
    else:
        with Pool(args.jobs, initializer=init, initargs=(args.engine, args.anchors)) as pool:
            # Small chunks: a chunk's results come back only when all of it
            # is done, and a JSONL corpus is a few large shards.
            chunk = max(1, len(tasks) // (args.jobs * 64))
            for n in pool.imap(run_one, tasks, chunksize=chunk):
                read += n
                if deadline and time.monotonic() > deadline:
                    pool.terminate()
                    break
    print(f"bytes={read} seconds={time.monotonic() - started:.3f}")


if __name__ == "__main__":
    sys.exit(main())
