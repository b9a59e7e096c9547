"""The datatrove step, run by LocalPipelineExecutor over the bundled corpus
as JSONL."""

from __future__ import annotations

import gzip
import json

import chaff

from conftest import need

need("datatrove")

from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.readers import JsonlReader  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

from chaff.datatrove import ChaffStripper  # noqa: E402


def write_corpus(folder, corpus):
    folder.mkdir()
    with open(folder / "docs.jsonl", "w", encoding="utf-8") as f:
        for name, text in corpus.items():
            f.write(json.dumps({"id": name, "text": text, "url": None, "n": 1}) + "\n")
        f.write(json.dumps({"id": "no-boilerplate", "text": "Just a sentence.\n", "n": 1}) + "\n")


def read_output(folder):
    rows = []
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            rows += [json.loads(line) for line in f]
    return rows


def test_pipeline_strips_and_records(tmp_path, corpus):
    write_corpus(tmp_path / "in", corpus)
    LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(tmp_path / "in")),
            ChaffStripper(batch_size=2),
            JsonlWriter(str(tmp_path / "out")),
        ],
        tasks=1,
        workers=1,
        logging_dir=str(tmp_path / "logs"),
    ).run()
    rows = read_output(tmp_path / "out")
    originals = dict(corpus, **{"no-boilerplate": "Just a sentence.\n"})
    assert [r["id"] for r in rows] == list(originals)
    stripper = chaff.Stripper()
    for row in rows:
        original = originals[row["id"]]
        expected = stripper.strip(original, id=row["id"])
        assert row["text"] == expected.clean
        record = row["metadata"]["chaff"]
        assert record == expected.record
        assert row["metadata"]["n"] == 1
        assert chaff.restore(row["text"], record) == original

    stats = json.loads((tmp_path / "logs" / "stats.json").read_text())
    step = next(s for s in stats if "chaff" in s["name"])
    # A counter is saved as a plain number, or as a dict of its summary.
    counters = {k: v if isinstance(v, int) else v["total"] for k, v in step["stats"].items()}
    assert counters["total"] == len(originals)
    assert counters["changed"] == len(corpus)
    rule_edits = sum(
        1
        for t in corpus.values()
        for e in stripper.strip(t).edits
        if e.rule != "chaff.tidy"
    )
    assert counters["edits"] == rule_edits
    assert counters["category_caption"] >= 1
    assert "errors" not in counters


def test_summary_records_and_bad_rows(tmp_path):
    from datatrove.data import Document

    step = ChaffStripper(record="summary", metadata_key="c")
    docs = [
        Document(text="Talks went on.\nShare this story\nThey ended.", id="a"),
        Document(text=None, id="b"),  # type: ignore[arg-type]
    ]
    out = list(step.run(iter(docs)))
    assert out[0].text == "Talks went on.\nThey ended."
    assert out[0].metadata["c"]["edits"] == 1
    assert set(out[0].metadata["c"]) == {"rules_digest", "mode", "edits", "chars_removed"}
    assert out[1].text is None and "c" not in out[1].metadata
    assert step.stats["errors"].total == 1


def test_step_pickles_without_its_stripper():
    import pickle

    step = ChaffStripper(mode="mask")
    step.config.stripper()
    clone = pickle.loads(pickle.dumps(step))
    assert clone.config._stripper is None
    assert clone.config.stripper().mode == "mask"


def test_example_runs(tmp_path, corpus):
    import subprocess
    import sys
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "examples" / "datatrove_pipeline.py"
    write_corpus(tmp_path / "in", corpus)
    done = subprocess.run(
        [sys.executable, str(example), str(tmp_path / "in"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    rows = read_output(tmp_path / "out")
    assert len(rows) == len(corpus) + 1
    assert all(chaff.verify(r["text"], r["metadata"]["chaff"]) for r in rows)
