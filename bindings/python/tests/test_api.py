"""The Python API: round trips in every mode, records, rule sets, errors."""

from __future__ import annotations

import json

import pytest

import chaff

EXAMPLE = "A file photo shows both presidents. (AFP)\n\nThe talks lasted an hour.\n"

AWKWARD = [
    "",
    "no boilerplate at all",
    "Talks went on.\nShare this story\nThey ended.",
    "Ünïcödé ✓ — “quotes” … \r\n\r\nSHARE THIS ARTICLE\r\n\r\nend",
    "\n\n\n",
    "A picture taken on May 3 shows the plant. (Reuters)\n\n😀 emoji body text stays.\n",
]


def test_readme_example():
    r = chaff.strip(EXAMPLE)
    assert r.clean == "The talks lasted an hour.\n"
    assert r.attribution["agencies"] == ["AFP"]
    assert chaff.restore(r.clean, r.record) == EXAMPLE
    assert r.restore() == EXAMPLE
    assert r.changed and r.mode == "strip"


@pytest.mark.parametrize("mode", ["strip", "mask", "tag"])
def test_round_trip_every_mode(mode, corpus):
    s = chaff.Stripper(mode=mode)
    assert s.mode == mode
    for text in list(corpus.values()) + AWKWARD:
        r = s.strip(text)
        assert r.mode == mode
        assert r.record["mode"] == mode
        assert chaff.restore(r.clean, r.record) == text
        assert chaff.restore(r.clean, r.record_json()) == text
        assert chaff.restore(r.clean, r) == text
        assert chaff.verify(r.clean, r.record)
        assert chaff.verify(r.clean, r.record, text)
        if mode == "tag":
            assert r.clean == text
        if mode == "mask":
            for e in r.edits:
                if e.rule != "chaff.tidy":
                    assert f"[chaff:{e.rule}]" in r.clean


def test_strip_is_a_fixed_point(corpus, stripper):
    for text in corpus.values():
        once = stripper.strip(text).clean
        assert stripper.strip(once).clean == once


def test_edits_point_into_the_original(corpus, stripper):
    for text in corpus.values():
        r = stripper.strip(text)
        raw = text.encode("utf-8")
        assert r.edits, "every bundled article has boilerplate"
        for e in r.edits:
            assert text[e.char_start : e.char_end] == e.text
            assert raw[e.start : e.end].decode("utf-8") == e.text
        record = r.record
        assert record["schema_version"] == chaff.SCHEMA_VERSION
        assert [e["text"] for e in record["edits"]] == [e.text for e in r.edits]
        assert record["attribution"] == r.attribution
        assert r.chars_removed == sum(e.char_end - e.char_start for e in r.edits)


def test_metadata_reaches_the_record(stripper):
    r = stripper.strip(EXAMPLE, id="doc-7", url="https://www.bbc.com/news/x", source="a.txt")
    assert r.record["id"] == "doc-7"
    assert r.record["source"] == "a.txt"
    assert r.publisher == "bbc"
    assert r.record["publisher"]["resolved_by"] == "domain"
    r = stripper.strip(EXAMPLE, publisher="presstv")
    assert r.record["publisher"] == {"id": "presstv", "resolved_by": "explicit"}


def test_bytes_in_utf8_are_text(stripper):
    assert stripper.strip(EXAMPLE.encode()).clean == stripper.strip(EXAMPLE).clean


def test_hash_choice():
    r = chaff.Stripper(hash="sha256").strip(EXAMPLE)
    assert r.record["input_hash"].startswith("sha256:")
    assert chaff.restore(r.clean, r.record) == EXAMPLE
    with pytest.raises(ValueError, match="hash"):
        chaff.Stripper(hash="md5")
    with pytest.raises(ValueError, match="mode"):
        chaff.Stripper(mode="erase")


@pytest.mark.parametrize("bad", [None, 3, 4.5, ["text"], object()])
def test_text_that_is_not_text_is_a_type_error(stripper, bad):
    with pytest.raises(TypeError, match="text must be str or UTF-8 bytes"):
        stripper.strip(bad)


def test_invalid_utf8_is_a_decode_error(stripper):
    with pytest.raises(UnicodeDecodeError):
        stripper.strip(b"caf\xe9 (AFP)")


def test_lone_surrogates_are_an_encode_error(stripper):
    with pytest.raises(UnicodeEncodeError):
        stripper.strip("bad \ud800 text")


def test_restore_refuses_a_wrong_text():
    r = chaff.strip(EXAMPLE)
    with pytest.raises(chaff.RestoreError, match="clean text does not match"):
        chaff.restore(r.clean + "x", r.record)
    assert not chaff.verify(r.clean + "x", r.record)
    assert not chaff.verify(r.clean, r.record, EXAMPLE + "x")
    assert issubclass(chaff.RestoreError, chaff.ChaffError)


def test_restore_refuses_what_is_not_a_record():
    with pytest.raises(ValueError, match="not a chaff provenance record"):
        chaff.restore("x", {"id": "nothing else"})
    with pytest.raises(TypeError, match="record must be"):
        chaff.restore("x", 42)  # type: ignore[arg-type]


def test_restore_reads_a_cli_record_line():
    r = chaff.strip(EXAMPLE)
    line = json.dumps(r.record)
    assert chaff.restore(r.clean, line) == EXAMPLE
    assert chaff.restore(r.clean, line.encode()) == EXAMPLE


PACK = """\
[pack]
id = "test.pack"
scope = "common"
name = "Test pack"

[[rules]]
id = "test.subscribe"
category = "newsletter"
description = "A subscription prompt on its own line."
anchors = ["Subscribe to our newsletter"]
remove = "line"
where = "equals"
strip = [
  { text = "Talks went on.\\nSubscribe to our newsletter\\nThey ended.", clean = "Talks went on.\\nThey ended." },
]
keep = ["Readers can subscribe to our newsletter online."]
"""


def test_rule_pack_loads_and_strips(tmp_path):
    path = tmp_path / "pack.toml"
    path.write_text(PACK)
    rules = chaff.RuleSet(path, builtin=False)
    assert rules.rule_ids == ["test.subscribe"]
    assert rules.pack_ids == ["test.pack"]
    assert len(rules) == 1
    assert rules.rules()[0]["anchors"] == ["Subscribe to our newsletter"]
    report = rules.test()
    assert report.passed and report.rules == 1 and report.examples == 2
    s = chaff.Stripper(rules)
    assert s.rules_digest == rules.digest
    out = s.strip("A.\nSubscribe to our newsletter\nB.")
    assert out.clean == "A.\nB."
    # Paths work directly too, added to the built-in packs.
    both = chaff.Stripper([str(path)])
    assert "test.subscribe" in both.rules.rule_ids
    assert len(both.rules) == len(chaff.RuleSet()) + 1


def test_rule_self_test_reports_failures(tmp_path):
    path = tmp_path / "pack.toml"
    path.write_text(PACK.replace('keep = ["Readers', 'keep = ["Subscribe to our newsletter", "Readers'))
    report = chaff.RuleSet(path, builtin=False).test()
    assert not report.passed and not report
    [failure] = report.failures
    assert failure.kind == "noisy"
    assert failure.rule == "test.subscribe"
    assert failure.text == "Subscribe to our newsletter"


def test_builtin_rules_pass_their_own_tests():
    report = chaff.RuleSet().test()
    assert report.passed, report.failures
    assert report.rules > 0 and report.examples > report.rules


def test_rule_errors_carry_every_diagnostic(tmp_path):
    bad = PACK.replace('remove = "line"', 'remove = "line"\nregex = "(unclosed"\ncolour = "red"')
    path = tmp_path / "bad.toml"
    path.write_text(bad)
    missing = tmp_path / "missing.toml"
    with pytest.raises(chaff.RuleError) as info:
        chaff.Stripper([path, missing])
    err = info.value
    assert isinstance(err, chaff.ChaffError)
    kinds = sorted(d.kind for d in err.diagnostics)
    assert "io" in kinds and "bad-regex" in kinds and "unknown-key" in kinds
    regex = next(d for d in err.diagnostics if d.kind == "bad-regex")
    assert regex.file == str(path)
    assert regex.rule == "test.subscribe"
    lines = bad.splitlines()
    assert lines[regex.line - 1].startswith("regex")
    assert regex.column >= 1
    assert regex.message
    assert "problems in rule files" in str(err)
    with pytest.raises(chaff.RuleError):
        chaff.RuleSet(missing)


def test_rules_argument_type_is_checked():
    with pytest.raises(TypeError, match="rules must be"):
        chaff.Stripper(rules=42)  # type: ignore[arg-type]
