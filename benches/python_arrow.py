#!/usr/bin/env python3
"""strip_arrow on an Arrow table against the chaff command on the same
documents as JSONL, one table row each.

    python benches/python_arrow.py [--size 200M] [--jobs N] [--work DIR] [--chaff CMD]

Needs the Python package installed (`pip install ./bindings/python`, a
release build) and pyarrow. The corpus is `chaff generate corpus --size SIZE`
(deterministic JSONL shards); the table holds the same rows (`id`, `url`,
`text`). Prints one Markdown row per way, with MB/s of input text:

| way | docs | MB | seconds | MB/s |

The command-line figure includes reading and writing the shards and the
records; the strip_arrow figure starts from a table in memory and ends with
one (clean text and records as JSON), as in a Spark or Ray batch. With
`--jobs N`, both use N threads (`RAYON_NUM_THREADS` for the module,
`--jobs` for the command); all cores otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def shard_table(shard: Path):
    """The rows of one generated JSONL shard as an Arrow table of `id`,
    `url` and `text`."""
    import pyarrow as pa

    ids, urls, texts = [], [], []
    with open(shard, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            ids.append(row["id"])
            urls.append(row.get("url"))
            texts.append(row["text"])
    return pa.table({"id": ids, "url": urls, "text": texts})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="200M")
    parser.add_argument("--work", help="folder for the corpus and outputs (a temporary one otherwise)")
    parser.add_argument("--chaff", default=shutil.which("chaff") or "chaff", help="the chaff command")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs of strip_arrow")
    parser.add_argument("--jobs", type=int, help="threads for both (default: all cores)")
    args = parser.parse_args()
    if args.jobs:
        # Read by the thread pool when the module first uses it.
        os.environ["RAYON_NUM_THREADS"] = str(args.jobs)
    threads = args.jobs or os.cpu_count()
    threads = f"{threads} thread{'s' if threads != 1 else ''}"

    import pyarrow as pa
    import pyarrow.compute as pc

    import chaff

    work = Path(args.work or tempfile.mkdtemp(prefix="chaff-bench-"))
    corpus = work / "corpus"
    if not corpus.exists():
        subprocess.run([args.chaff, "generate", "corpus", str(corpus), "--size", args.size], check=True)
    # One table of every shard's rows, in one chunk.
    table = pa.concat_tables([shard_table(s) for s in sorted(corpus.glob("*.jsonl"))]).combine_chunks()
    mb = pc.sum(pc.binary_length(table.column("text"))).as_py() / 1e6
    rows = table.num_rows

    stripper = chaff.Stripper()
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        out = stripper.strip_arrow(table, url_column="url", id_column="id")
        best = min(best, time.perf_counter() - start)
    assert out.num_rows == rows

    out_dir = work / "cli-out"
    shutil.rmtree(out_dir, ignore_errors=True)
    start = time.perf_counter()
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    subprocess.run([args.chaff, "strip", str(corpus), "--out", str(out_dir), *jobs], check=True,
                   stdout=subprocess.DEVNULL)
    cli = time.perf_counter() - start

    print("| way | docs | MB | seconds | MB/s |")
    print("|---|---|---|---|---|")
    print(f"| strip_arrow (Table in memory, {threads}) | {rows} | {mb:.0f} | {best:.2f} | {mb / best:.0f} |")
    print(f"| chaff strip (JSONL shards on disk, {threads}) | {rows} | {mb:.0f} | {cli:.2f} | {mb / cli:.0f} |")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
