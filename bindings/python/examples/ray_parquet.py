"""Strip a Parquet dataset with Ray Data (map_batches + ChaffBatch).

    python examples/ray_parquet.py IN_PARQUET OUT_PARQUET [--actors N]

Each actor holds one CPU while the job runs; the reading and writing tasks
need one more, so the default is one actor fewer than the machine's CPUs.
"""

from __future__ import annotations

import argparse
import os

import ray

from chaff.ray import ChaffBatch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--actors", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    args = parser.parse_args()

    # With every CPU held by an actor, the write tasks would never run.
    ray.init(num_cpus=max(os.cpu_count() or 1, args.actors + 1))
    ds = ray.data.read_parquet(args.input)
    ds = ds.map_batches(
        ChaffBatch,
        batch_format="pyarrow",
        concurrency=args.actors,
        fn_constructor_kwargs={"text_column": args.text_column},
    )
    ds.write_parquet(args.output)


if __name__ == "__main__":
    main()
