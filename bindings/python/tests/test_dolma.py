"""The Dolma tagger: registered under ``chaff``, its spans are the removals
the command line writes as attributes."""

from __future__ import annotations

import json
import subprocess

from conftest import CORPUS, need

need("dolma")

from dolma.core.data_types import Document, InputSpec  # noqa: E402
from dolma.core.registry import TaggerRegistry  # noqa: E402

import chaff  # noqa: E402
from chaff.dolma import ChaffTagger  # noqa: E402


def test_registered():
    assert TaggerRegistry.get("chaff") is ChaffTagger


def test_spans_are_the_cli_attributes(tmp_path, corpus, chaff_command):
    docs = tmp_path / "documents"
    docs.mkdir()
    with open(docs / "shard.jsonl", "w", encoding="utf-8") as f:
        for name, text in corpus.items():
            f.write(json.dumps({"id": name, "text": text, "source": "corpus"}) + "\n")
    out = tmp_path / "out"
    done = subprocess.run(
        [chaff_command, "strip", str(docs), "--out", str(out), "--attributes", "chaff"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(l) for l in (out / "attributes" / "chaff" / "shard.jsonl").read_text().splitlines()]

    tagger = ChaffTagger()
    for row, (name, text) in zip(rows, corpus.items()):
        assert row["id"] == name
        tagged = tagger.tag(InputSpec(id=name, text=text, source="corpus"))
        # The CLI's NAME is the tagger's "boilerplate"; NAME__category its categories.
        expected = {
            ("boilerplate" if k == "chaff" else k.split("__", 1)[1]): [list(s) for s in v]
            for k, v in row["attributes"].items()
        }
        assert {k: [list(s) for s in v] for k, v in tagged.items()} == expected
        for start, end, score in tagged["boilerplate"]:
            assert score == 1.0
            assert text[start:end] in text


def test_predict_leaves_the_text():
    tagger = ChaffTagger()
    text = "Talks went on.\nShare this story\nThey ended."
    doc = Document(source="s", id="1", text=text)
    result = tagger.predict(doc)
    assert result.doc.text == text
    share = [s for s in result.spans if s.type == "share"]
    assert [s.select(doc) for s in share] == ["Share this story\n"]
    assert chaff.strip(text).clean == "Talks went on.\nThey ended."
