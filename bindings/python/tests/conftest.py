"""Shared fixtures: the repository's bundled corpus and the installed
``chaff`` command."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "corpus"


def corpus_files() -> list[Path]:
    files = sorted(p for p in CORPUS.glob("*.txt"))
    assert files, f"no bundled corpus at {CORPUS}"
    return files


@pytest.fixture(scope="session")
def corpus() -> dict[str, str]:
    """File name -> text of every bundled corpus article."""
    return {p.name: p.read_text(encoding="utf-8") for p in corpus_files()}


@pytest.fixture(scope="session")
def chaff_command() -> str:
    """The ``chaff`` console script installed with the package (next to this
    interpreter first, as in a virtual environment)."""
    here = Path(sys.executable).parent / "chaff"
    if here.exists():
        return str(here)
    found = shutil.which("chaff")
    if found is None:
        pytest.fail("the chaff command is not installed")
    return found


@pytest.fixture(scope="session")
def stripper():
    import chaff

    return chaff.Stripper()


EXAMPLES = ROOT / "bindings" / "python" / "examples"


@pytest.fixture()
def corpus_shards(tmp_path, corpus) -> Path:
    """A folder of one Parquet shard holding the bundled corpus (``id`` is
    the file name, ``text`` its text), as the pipeline examples read."""
    pa = need("pyarrow")
    import pyarrow.parquet as pq

    names = list(corpus)
    folder = tmp_path / "in"
    folder.mkdir()
    pq.write_table(
        pa.table({"id": names, "text": [corpus[n] for n in names]}),
        str(folder / "part-0.parquet"),
    )
    return folder


def assert_restores_corpus(out: Path, corpus: dict[str, str]) -> None:
    """Every article is a row of the Parquet output ``out``, and its record
    rebuilds its text from the clean one."""
    import pyarrow.parquet as pq

    import chaff

    rows = pq.read_table(str(out)).to_pylist()
    assert sorted(r["id"] for r in rows) == sorted(corpus)
    assert all(chaff.restore(r["text"], r["chaff_record"]) == corpus[r["id"]] for r in rows)


@pytest.fixture()
def env_no_color() -> dict[str, str]:
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    return env


def need(module: str):
    """Imports ``module`` for a stage's test, skipping the test when it is
    not installed, unless the environment variable ``CHAFF_REQUIRE`` (a
    comma-separated list, or ``all``) names it: then its absence fails."""
    import importlib

    required = {m.strip() for m in os.environ.get("CHAFF_REQUIRE", "").split(",") if m.strip()}
    if module in required or "all" in required:
        return importlib.import_module(module)
    return pytest.importorskip(module)
