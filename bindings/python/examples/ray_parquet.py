"""Strip a Parquet dataset with Ray Data (map_batches + ChaffBatch).

    python examples/ray_parquet.py IN_PARQUET OUT_PARQUET [--actors 2]
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
    parser.add_argument("--actors", type=int, default=2)
    args = parser.parse_args()

    ray.init()
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
