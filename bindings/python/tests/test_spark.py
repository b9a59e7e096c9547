"""Spark: DataFrame.mapInArrow with strip_arrow on a local[2] session, the
output written as Parquet."""

from __future__ import annotations

import json
import os
import shutil
import sys

import pytest

import chaff

from conftest import EXAMPLES, assert_restores_corpus, need

pyspark = need("pyspark")
pq = need("pyarrow.parquet")

if shutil.which("java") is None and "JAVA_HOME" not in os.environ:
    if "pyspark" in os.environ.get("CHAFF_REQUIRE", "") or "all" in os.environ.get("CHAFF_REQUIRE", ""):
        raise RuntimeError("Spark needs Java: apt-get install -y default-jre-headless")
    pytest.skip("Spark needs Java", allow_module_level=True)

from chaff.spark import strip_dataframe  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("chaff-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_map_in_arrow_to_parquet(spark, tmp_path, corpus):
    names = list(corpus)
    rows = [(i, name, corpus[name]) for i, name in enumerate(names)]
    rows.append((len(rows), "null-text", None))
    df = spark.createDataFrame(rows, "n int, id string, text string").repartition(2, "n")
    out = strip_dataframe(df, id_column="id")
    assert out.columns == ["n", "id", "text", "chaff_record", "chaff_edits", "chaff_chars_removed", "chaff_error"]
    out.write.parquet(str(tmp_path / "out"))

    table = pq.read_table(str(tmp_path / "out")).sort_by("n")
    assert table.num_rows == len(rows)
    got = table.to_pylist()
    stripper = chaff.Stripper()
    for row in got[:-1]:
        original = corpus[row["id"]]
        expected = stripper.strip(original, id=row["id"])
        assert row["text"] == expected.clean
        assert json.loads(row["chaff_record"]) == expected.record
        assert row["chaff_chars_removed"] == expected.chars_removed
        assert row["chaff_error"] is None
        assert chaff.restore(row["text"], row["chaff_record"]) == original
    last = got[-1]
    assert last["text"] is None and last["chaff_record"] is None
    assert last["chaff_error"] == 'column "text" is null'


def test_modes_and_clean_column(spark, corpus):
    df = spark.createDataFrame([(t,) for t in corpus.values()], "text string")
    out = strip_dataframe(df, clean_column="masked", mode="mask").collect()
    for row, text in zip(out, corpus.values()):
        assert row["text"] == text
        assert "[chaff:" in row["masked"]
        assert chaff.restore(row["masked"], row["chaff_record"]) == text


def test_example_runs(tmp_path, corpus, corpus_shards):
    import subprocess

    example = EXAMPLES / "spark_parquet.py"
    env = {k: v for k, v in os.environ.items() if k not in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON")}
    done = subprocess.run(
        [sys.executable, str(example), str(corpus_shards), str(tmp_path / "out"), "--master", "local[2]"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert_restores_corpus(tmp_path / "out", corpus)
