"""Ray Data: map_batches(ChaffBatch, batch_format="pyarrow") on a local Ray."""

from __future__ import annotations

import json

import pytest

import chaff

from conftest import EXAMPLES, assert_restores_corpus, need

ray = need("ray")
pa = need("pyarrow")

from chaff.ray import ChaffBatch  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def test_map_batches(local_ray, tmp_path, corpus):
    names = list(corpus)
    table = pa.table({"n": list(range(len(names))), "id": names, "text": list(corpus.values())})
    ds = ray.data.from_arrow(table).repartition(2)
    out = ds.map_batches(
        ChaffBatch,
        batch_format="pyarrow",
        batch_size=2,
        concurrency=1,
        fn_constructor_kwargs={"id_column": "id"},
    )
    out.write_parquet(str(tmp_path / "out"))
    import pyarrow.parquet as pq

    result = pq.read_table(str(tmp_path / "out")).sort_by("n").to_pylist()
    assert [r["id"] for r in result] == names
    stripper = chaff.Stripper()
    for row in result:
        original = corpus[row["id"]]
        expected = stripper.strip(original, id=row["id"])
        assert row["text"] == expected.clean
        assert json.loads(row["chaff_record"]) == expected.record
        assert chaff.restore(row["text"], row["chaff_record"]) == original


def test_callable_directly(corpus):
    fn = ChaffBatch(mode="tag")
    table = pa.table({"text": list(corpus.values())})
    out = fn(table)
    assert out.column("text").to_pylist() == list(corpus.values())
    assert all(n > 0 for n in out.column("chaff_edits").to_pylist())


def test_example_runs(tmp_path, corpus, corpus_shards):
    import subprocess
    import sys

    example = EXAMPLES / "ray_parquet.py"
    # Two actors hold every CPU of a 2-core machine: the example gives Ray a
    # CPU more for the read and write tasks, or the job would never end.
    done = subprocess.run(
        [sys.executable, str(example), str(corpus_shards), str(tmp_path / "out"), "--actors", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert_restores_corpus(tmp_path / "out", corpus)
