#!/usr/bin/env python3
"""Whole jobs from Parquet to Parquet: the chaff command, a Spark job
(`chaff.spark.strip_dataframe`, that is `mapInArrow` with `strip_arrow`)
and a Ray Data job (`map_batches(ChaffBatch, batch_format="pyarrow")`), on
the same shards.

    python benches/python_parquet.py [--size 200M] [--parallel 1,2] [--ways cli,spark,ray]
                                     [--work DIR] [--chaff CMD]

Needs the Python package installed (`pip install ./bindings/python`, a
release build), pyarrow, and for their rows pyspark (with Java) and
`ray[data]`. The corpus is `chaff generate corpus --size SIZE`; each of its
JSONL shards becomes one Parquet shard (`id`, `url`, `text`, snappy, row
groups of `--row-group` rows), and every way reads those shards and writes
Parquet shards with the stripped text and the records:

- `chaff strip DIR --out OUT --jobs N` (records in `provenance.jsonl.zst`, compressed since the inputs are Parquet shards);
- Spark on `local[N]`: `spark.read.parquet`, `strip_dataframe`,
  `write.parquet` (records in the `chaff_record` column);
- Ray Data with `concurrency=N` actors: `read_parquet`,
  `map_batches(ChaffBatch, ...)`, `write_parquet` (the same columns), on a
  local cluster of N + 1 logical CPUs (one per actor, one for the read and
  write tasks).

Each Spark and Ray worker strips with `--threads` threads (1 by default, so
that N is the number of threads stripping); the command uses N threads.
Each way runs in a process of its own. Prints one Markdown row per way, with
MB of input text per second over the whole process (`total`: Python start,
imports, session or cluster start-up and shutdown included) and over the
job alone (`job`: from reading the input to the last output written, start-up
and shutdown excluded; the same as `total` for the command):

| way | docs | MB | total s | job s | MB/s total | MB/s job |
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

# The script's own folder is on the path: the JSONL reader is python_arrow's.
from python_arrow import shard_table


def spark_job(src: Path, out: Path, parallel: int, threads: int) -> float:
    from pyspark.sql import SparkSession

    from chaff.spark import strip_dataframe

    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (
        SparkSession.builder.master(f"local[{parallel}]")
        .appName("chaff-bench")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.executorEnv.RAYON_NUM_THREADS", str(threads))
        .config("spark.driver.memory", "4g")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # Splits of at most 16 MB of Parquet, so that both task slots have
        # work to the end rather than a few large splits.
        .config("spark.sql.files.maxPartitionBytes", str(16 << 20))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    start = time.perf_counter()
    df = spark.read.parquet(str(src))
    strip_dataframe(df, "text", "url", id_column="id").write.mode("overwrite").parquet(str(out))
    job = time.perf_counter() - start
    spark.stop()
    return job


def ray_job(src: Path, out: Path, parallel: int, threads: int) -> float:
    import ray

    from chaff.ray import ChaffBatch

    # One logical CPU per actor and one more for the read and write tasks,
    # which would otherwise wait for an actor's CPU.
    ray.init(
        num_cpus=parallel + 1,
        runtime_env={"env_vars": {"RAYON_NUM_THREADS": str(threads)}},
        include_dashboard=False,
        log_to_driver=False,
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    start = time.perf_counter()
    ds = ray.data.read_parquet(str(src))
    ds = ds.map_batches(
        ChaffBatch,
        batch_format="pyarrow",
        concurrency=parallel,
        fn_constructor_kwargs={"text_column": "text", "url_column": "url", "id_column": "id"},
    )
    ds.write_parquet(str(out))
    job = time.perf_counter() - start
    ray.shutdown()
    return job


def worker(way: str, src: Path, out: Path, parallel: int, threads: int) -> None:
    """Runs one framework's job in this process and prints its job time."""
    os.environ["RAYON_NUM_THREADS"] = str(threads)
    job = {"spark": spark_job, "ray": ray_job}[way](src, out, parallel, threads)
    print(json.dumps({"job": job}))


def write_shards(corpus: Path, dest: Path, row_group: int) -> tuple[int, float]:
    """One Parquet shard per JSONL shard; returns the rows and MB of text."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    dest.mkdir(parents=True, exist_ok=True)
    rows, text_bytes = 0, 0
    for shard in sorted(corpus.glob("*.jsonl")):
        table = shard_table(shard)
        pq.write_table(table, dest / f"{shard.stem}.parquet", row_group_size=row_group, compression="snappy")
        rows += table.num_rows
        text_bytes += pc.sum(pc.binary_length(table.column("text"))).as_py()
    return rows, text_bytes / 1e6


def output_rows(out: Path) -> int:
    """The rows of the Parquet shards under `out`, from their footers."""
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for p in out.rglob("*.parquet")
               if not any(part.startswith((".", "_")) for part in p.relative_to(out).parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="200M")
    parser.add_argument("--work", help="folder for the corpus and outputs (a temporary one otherwise)")
    parser.add_argument("--chaff", default=shutil.which("chaff") or "chaff", help="the chaff command")
    parser.add_argument("--ways", default="cli,spark,ray", help="comma-separated: cli, spark, ray")
    parser.add_argument("--parallel", default="1,2", help="comma-separated numbers of workers (threads for the command)")
    parser.add_argument("--threads", type=int, default=1, help="threads each Spark or Ray worker strips with")
    parser.add_argument("--row-group", type=int, default=1000, help="rows per Parquet row group")
    parser.add_argument("--worker", nargs=5, metavar=("WAY", "SRC", "OUT", "N", "THREADS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        way, src, out, n, threads = args.worker
        worker(way, Path(src), Path(out), int(n), int(threads))
        return

    work = Path(args.work or tempfile.mkdtemp(prefix="chaff-bench-"))
    corpus = work / "corpus"
    if not corpus.exists():
        subprocess.run([args.chaff, "generate", "corpus", str(corpus), "--size", args.size], check=True)
    shards = work / "parquet"
    shutil.rmtree(shards, ignore_errors=True)
    rows, mb = write_shards(corpus, shards, args.row_group)

    lines = []
    for way in args.ways.split(","):
        for n in (int(p) for p in args.parallel.split(",")):
            out = work / f"out-{way}-{n}"
            shutil.rmtree(out, ignore_errors=True)
            start = time.perf_counter()
            if way == "cli":
                subprocess.run([args.chaff, "strip", str(shards), "--out", str(out), "--jobs", str(n)],
                               check=True, stdout=subprocess.DEVNULL)
                total = time.perf_counter() - start
                job = total
                label = f"chaff strip (Parquet shards, --jobs {n})"
            else:
                done = subprocess.run(
                    [sys.executable, __file__, "--worker", way, str(shards), str(out), str(n), str(args.threads)],
                    check=True, stdout=subprocess.PIPE, text=True,
                )
                total = time.perf_counter() - start
                job = json.loads(done.stdout.strip().splitlines()[-1])["job"]
                per = f"{args.threads} thread{'s' if args.threads != 1 else ''} each"
                label = (f"Spark local[{n}], mapInArrow ({per})" if way == "spark"
                         else f"Ray Data, {n} actor{'s' if n != 1 else ''} ({per})")
            written = output_rows(out)
            if written != rows:
                raise SystemExit(f"{label}: {written} rows written, {rows} read")
            shutil.rmtree(out, ignore_errors=True)
            lines.append(f"| {label} | {rows} | {mb:.0f} | {total:.2f} | {job:.2f} | {mb / total:.0f} | {mb / job:.0f} |")
            print(lines[-1], file=sys.stderr, flush=True)

    print("| way | docs | MB | total s | job s | MB/s total | MB/s job |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(lines))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
