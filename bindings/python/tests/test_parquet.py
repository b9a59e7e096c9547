"""chaff.parquet: Parquet shards in, the same shards stripped out, records in
provenance.jsonl."""

from __future__ import annotations

import json
import subprocess
import sys

import chaff

from conftest import need

pa = need("pyarrow")
pq = need("pyarrow.parquet")

from chaff.parquet import strip_files  # noqa: E402


def test_shards_keep_names_rows_order_and_columns(tmp_path, corpus):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    names = list(corpus)
    texts = list(corpus.values())
    table = pa.table({"n": list(range(len(texts))), "text": texts, "lang": ["en"] * len(texts)})
    pq.write_table(table, src / "a.parquet", row_group_size=2)
    nulls = pa.table({"n": [0, 1], "text": [texts[0], None], "lang": ["en", "en"]})
    pq.write_table(nulls, src / "sub" / "b.parquet")

    counts = strip_files([src], tmp_path / "out")
    assert counts == {"files": 2, "rows": len(texts) + 2, "changed": len(texts) + 1, "errors": 1}

    out = pq.read_table(tmp_path / "out" / "a.parquet")
    assert out.schema == table.schema
    assert out.column("n").to_pylist() == list(range(len(texts)))
    assert out.column("lang").to_pylist() == ["en"] * len(texts)
    stripper = chaff.Stripper()
    assert out.column("text").to_pylist() == [stripper.strip(t).clean for t in texts]
    b = pq.read_table(tmp_path / "out" / "sub" / "b.parquet")
    assert b.column("text").to_pylist() == [stripper.strip(texts[0]).clean, None]

    records = [json.loads(l) for l in (tmp_path / "out" / "provenance.jsonl").read_text().splitlines()]
    assert [(r["file"], r["line"]) for r in records] == [
        ("a.parquet", i + 1) for i in range(len(texts))
    ] + [("sub/b.parquet", 1)]
    for r, text in zip(records, texts):
        assert chaff.restore(stripper.strip(text).clean, r) == text
    assert names  # the corpus is not empty


def test_command(tmp_path, corpus):
    texts = list(corpus.values())
    pq.write_table(pa.table({"body": texts}), tmp_path / "x.parquet")
    done = subprocess.run(
        [sys.executable, "-m", "chaff.parquet", str(tmp_path / "x.parquet"),
         "--out", str(tmp_path / "out"), "--text-column", "body", "--mode", "mask"],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"1 files, {len(texts)} rows: {len(texts)} changed, 0 errors"
    out = pq.read_table(tmp_path / "out" / "x.parquet").column("body").to_pylist()
    assert all("[chaff:" in t for t in out)
