"""strip_batch and strip_arrow: the same results as strip, row errors kept
in place, Arrow columns as documented, and threads."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

import chaff

pa = pytest.importorskip("pyarrow")


def test_strip_batch_matches_strip(corpus, stripper):
    texts = list(corpus.values())
    out = stripper.strip_batch(texts)
    assert len(out) == len(texts)
    for i, (r, text) in enumerate(zip(out, texts)):
        assert isinstance(r, chaff.Result)
        one = stripper.strip(text, id=str(i))
        assert r.clean == one.clean
        assert r.record == one.record


def test_strip_batch_reports_bad_rows_in_place(corpus, stripper):
    good = next(iter(corpus.values()))
    out = chaff.strip_batch([good, None, b"\xff\xfe", 7, good.encode(), "plain"])
    assert [type(r).__name__ for r in out] == [
        "Result", "RowError", "RowError", "RowError", "Result", "Result",
    ]
    assert out[1].index == 1 and "None" in out[1].message
    assert out[2].index == 2 and "UnicodeDecodeError" in out[2].message
    assert "int" in out[3].message
    assert not out[1]
    assert out[4].clean == out[0].clean


def test_strip_batch_metadata(stripper):
    text = "A file photo shows both presidents. (AFP)\n\nThe talks lasted an hour.\n"
    out = stripper.strip_batch(
        [text, text],
        urls=["https://www.bbc.com/news/1", None],
        ids=["a", "b"],
        publishers=[None, "presstv"],
    )
    assert [r.record["id"] for r in out] == ["a", "b"]
    assert [r.publisher for r in out] == ["bbc", "presstv"]
    with pytest.raises(ValueError, match="urls has 1 items"):
        stripper.strip_batch([text, text], urls=["x"])


def test_strip_batch_takes_any_iterable(stripper):
    out = stripper.strip_batch(t for t in ["a", "b"])
    assert [r.clean for r in out] == ["a", "b"]
    assert stripper.strip_batch([]) == []


def test_threads_share_one_stripper(corpus, stripper):
    texts = list(corpus.values()) * 20
    expected = [stripper.strip(t).record_json() for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda t: stripper.strip(t).record_json(), texts))
    assert got == expected
    with ThreadPoolExecutor(max_workers=4) as pool:
        batches = list(pool.map(lambda _: [r.clean for r in stripper.strip_batch(texts)], range(4)))
    assert all(b == [stripper.strip(t).clean for t in texts] for b in batches)


def corpus_table(corpus, text_type=None):
    names = list(corpus)
    texts = list(corpus.values())
    text = pa.array(texts, type=text_type or pa.string())
    return pa.table(
        {
            "id": names,
            "text": text,
            "url": [None] * len(names),
            "n": list(range(len(names))),
        }
    )


def test_strip_arrow_batch(corpus, stripper):
    table = corpus_table(corpus)
    [batch] = table.to_batches()
    out = chaff.strip_arrow(batch, id_column="id")
    assert isinstance(out, pa.RecordBatch)
    assert out.schema.names == [
        "id", "text", "url", "n",
        "chaff_record", "chaff_edits", "chaff_chars_removed", "chaff_error",
    ]
    assert out.column("n").to_pylist() == batch.column("n").to_pylist()
    assert out.schema.field("chaff_edits").type == pa.int32()
    assert out.schema.field("chaff_chars_removed").type == pa.int64()
    for i, (name, text) in enumerate(corpus.items()):
        r = stripper.strip(text, id=name)
        assert out.column("text")[i].as_py() == r.clean
        record = json.loads(out.column("chaff_record")[i].as_py())
        assert record == r.record
        assert out.column("chaff_edits")[i].as_py() == sum(e.rule != "chaff.tidy" for e in r.edits)
        assert out.column("chaff_chars_removed")[i].as_py() == r.chars_removed
        assert out.column("chaff_error")[i].as_py() is None
        assert chaff.restore(out.column("text")[i].as_py(), record) == text


@pytest.mark.parametrize("text_type", ["string", "large_string", "string_view"])
def test_strip_arrow_table_of_any_string_type(corpus, stripper, text_type):
    table = corpus_table(corpus, getattr(pa, text_type)())
    table = pa.concat_tables([table, table]).combine_chunks()
    table = pa.Table.from_batches(table.to_batches(max_chunksize=3))
    out = stripper.strip_arrow(table)
    assert isinstance(out, pa.Table)
    assert out.num_rows == table.num_rows
    assert out.schema.field("text").type == table.schema.field("text").type
    expected = [stripper.strip(t).clean for t in table.column("text").to_pylist()]
    assert out.column("text").to_pylist() == expected


def test_strip_arrow_keeps_the_original_when_asked(corpus, stripper):
    table = corpus_table(corpus)
    out = stripper.strip_arrow(table, clean_column="clean")
    assert out.column("text").to_pylist() == list(corpus.values())
    assert out.column("clean").to_pylist() == [stripper.strip(t).clean for t in corpus.values()]


def test_strip_arrow_null_rows_and_urls(stripper):
    text = "A file photo shows both presidents. (AFP)\n\nThe talks lasted an hour.\n"
    batch = pa.record_batch(
        {"body": [text, None, text], "link": ["https://www.bbc.com/n", None, None]}
    )
    out = stripper.strip_arrow(batch, text_column="body", url_column="link")
    assert out.column("body").to_pylist()[1] is None
    assert out.column("chaff_record").to_pylist()[1] is None
    assert out.column("chaff_edits").to_pylist()[1] is None
    assert out.column("chaff_error").to_pylist() == [None, 'column "body" is null', None]
    records = [json.loads(r) for r in out.column("chaff_record").to_pylist() if r]
    assert records[0]["publisher"]["id"] == "bbc"
    assert records[1]["publisher"]["resolved_by"] == "unknown"


def test_strip_arrow_empty_and_rerun(corpus, stripper):
    table = corpus_table(corpus)
    empty = table.slice(0, 0)
    out = stripper.strip_arrow(empty)
    assert out.num_rows == 0
    assert "chaff_record" in out.schema.names
    # Stripping an output again replaces the chaff columns, it does not add more.
    once = stripper.strip_arrow(table)
    twice = stripper.strip_arrow(once)
    assert twice.schema.names == once.schema.names
    assert twice.column("text").to_pylist() == once.column("text").to_pylist()


def test_strip_arrow_dictionary_text(corpus, stripper):
    texts = list(corpus.values())
    # A pandas categorical arrives as a dictionary: its values are the texts.
    column = pa.array(texts + [None, texts[0]]).dictionary_encode()
    assert pa.types.is_dictionary(column.type)
    out = stripper.strip_arrow(pa.table({"text": column}))
    assert out.schema.field("text").type == pa.string()
    plain = stripper.strip_arrow(pa.table({"text": pa.array(texts + [None, texts[0]])}))
    assert out.column("text").to_pylist() == plain.column("text").to_pylist()
    assert out.column("chaff_record").to_pylist() == plain.column("chaff_record").to_pylist()
    assert out.column("chaff_error").to_pylist()[-2] == 'column "text" is null'
    # With a clean column, the input column is kept as it came.
    kept = stripper.strip_arrow(pa.table({"text": column}), clean_column="clean")
    assert kept.schema.field("text").type == column.type
    assert kept.column("clean").to_pylist() == plain.column("text").to_pylist()


def test_strip_arrow_errors(stripper):
    batch = pa.record_batch({"text": [1, 2]})
    with pytest.raises(TypeError, match="must hold strings"):
        stripper.strip_arrow(batch)
    with pytest.raises(ValueError, match="no column"):
        stripper.strip_arrow(batch, text_column="body")
    with pytest.raises(TypeError, match="RecordBatch or pyarrow.Table"):
        stripper.strip_arrow({"text": ["x"]})


def test_the_gil_is_released_while_rust_works(corpus, stripper):
    import threading
    import time

    texts = list(corpus.values()) * 1000
    span = {}

    def work():
        span["start"] = time.perf_counter()
        stripper.strip_batch(texts)
        span["end"] = time.perf_counter()

    ticks = []
    worker = threading.Thread(target=work)
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
    worker.join()
    # Leave out the ends of the call, where it reads its arguments and builds
    # its results with the GIL held; in between this thread must have run.
    length = span["end"] - span["start"]
    inside = [t for t in ticks if span["start"] + 0.25 * length < t < span["end"] - 0.25 * length]
    assert length > 0.05, "the batch is too small to tell"
    assert inside, f"no Python ran during a {length:.2f} s strip_batch"
