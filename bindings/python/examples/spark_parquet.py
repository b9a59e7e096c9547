"""Strip a Parquet dataset with Spark (DataFrame.mapInArrow + strip_arrow).

    python examples/spark_parquet.py IN_PARQUET OUT_PARQUET [--text-column text]

Runs on ``local[*]`` unless a master is set (``--master`` or
``spark-submit``). The output keeps every column and row, with the text
column stripped and the chaff columns added (``chaff_record`` holds the
provenance record as JSON).
"""

from __future__ import annotations

import argparse
import os
import sys

from pyspark.sql import SparkSession

from chaff.spark import strip_dataframe


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--url-column")
    parser.add_argument("--master", default=None)
    args = parser.parse_args()

    builder = SparkSession.builder.appName("chaff")
    if args.master:
        builder = builder.master(args.master)
    # The Python workers must run this interpreter, where chaff is
    # installed; in local mode only the environment variable reaches them.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = builder.config("spark.pyspark.python", sys.executable)
    spark = builder.getOrCreate()
    df = spark.read.parquet(args.input)
    strip_dataframe(df, args.text_column, args.url_column).write.mode("overwrite").parquet(args.output)
    spark.stop()


if __name__ == "__main__":
    main()
