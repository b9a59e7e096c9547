"""Strip a Parquet dataset with Ray Data (map_batches + ChaffBatch).

    python examples/ray_parquet.py IN_PARQUET OUT_PARQUET [--actors N]

Each actor holds one CPU while the job runs, and the reading and writing
tasks need one more: the default is one actor fewer than the CPUs Ray
counts, and with more actors than that Ray is given a CPU more.
"""

from __future__ import annotations

import argparse

import ray

from chaff.ray import ChaffBatch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--actors", type=int, default=None)
    args = parser.parse_args()

    ray.init()
    # Ray's own count of the CPUs it may use (it reads the container's limit).
    cpus = int(ray.cluster_resources().get("CPU", 1))
    actors = args.actors if args.actors is not None else max(1, cpus - 1)
    if actors >= cpus:
        # With every CPU held by an actor, the write tasks would never run.
        ray.shutdown()
        ray.init(num_cpus=actors + 1)
    ds = ray.data.read_parquet(args.input)
    ds = ds.map_batches(
        ChaffBatch,
        batch_format="pyarrow",
        concurrency=actors,
        fn_constructor_kwargs={"text_column": args.text_column},
    )
    ds.write_parquet(args.output)


if __name__ == "__main__":
    main()
