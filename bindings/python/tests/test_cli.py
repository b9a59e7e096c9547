"""The installed ``chaff`` command is the Rust command line, and the Python
API gives the same clean texts and records as it does."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import chaff

from conftest import CORPUS, ROOT


def run(cmd, *args, **kw):
    return subprocess.run([cmd, *args], capture_output=True, text=True, **kw)


def test_version_and_help(chaff_command):
    out = run(chaff_command, "--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"chaff {chaff.__version__}"
    assert "strip" in run(chaff_command, "--help").stdout


def test_usage_error_exit_code(chaff_command):
    out = run(chaff_command, "no-such-command")
    assert out.returncode == 2
    assert "no-such-command" in out.stderr


def test_rule_tests_pass(chaff_command):
    out = run(chaff_command, "test", cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "0 failed" in out.stdout


@pytest.mark.parametrize("mode", ["strip", "mask", "tag"])
def test_same_output_as_the_command_line(chaff_command, tmp_path, mode):
    out_dir = tmp_path / "out"
    done = run(chaff_command, "strip", str(CORPUS), "--out", str(out_dir), "--mode", mode)
    assert done.returncode == 0, done.stderr
    records = [
        json.loads(line)
        for line in (out_dir / "provenance.jsonl").read_text().splitlines()
    ]
    by_file = {r["file"]: r for r in records}
    stripper = chaff.Stripper(mode=mode)
    files = sorted(CORPUS.glob("*.txt"))
    assert len(by_file) == len(files)
    for path in files:
        text = path.read_text(encoding="utf-8")
        cli_record = by_file[path.name]
        cli_clean = (out_dir / path.name).read_text(encoding="utf-8")
        r = stripper.strip(text, id=cli_record["id"], source=cli_record["source"])
        assert r.clean == cli_clean, path.name
        mine = r.record
        # Batch runs add where the output went.
        for key in ("file", "line"):
            cli_record.pop(key, None)
            mine.pop(key, None)
        assert mine == cli_record, path.name
        assert chaff.restore(cli_clean, by_file[path.name]) == text


def test_stdin_pipe_mode(chaff_command, corpus):
    rows = [json.dumps({"id": name, "text": text}) for name, text in corpus.items()]
    done = subprocess.run(
        [chaff_command, "strip", "-"],
        input="\n".join(rows) + "\n",
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["id"] for o in out] == list(corpus)
    for o, text in zip(out, corpus.values()):
        assert o["text"] == chaff.strip(text).clean


def test_closed_stdout_is_not_an_error(chaff_command, corpus):
    import threading

    rows = "".join(json.dumps({"text": t}) + "\n" for t in corpus.values()) * 200
    proc = subprocess.Popen(
        [chaff_command, "strip", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stdin is not None

    def feed():
        try:
            proc.stdin.write(rows.encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed)
    writer.start()
    assert proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0
    writer.join()


def test_python_m_chaff(tmp_path):
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "chaff", "verify", str(tmp_path / "nothing")],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert done.stderr
