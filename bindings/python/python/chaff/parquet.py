"""Strip Parquet shards: the same file names, row count and row order, every
other column kept, the text column replaced by the clean text, and the
provenance records in ``OUT/provenance.jsonl``.

    python -m chaff.parquet PATH... --out DIR [--text-column text] [--url-column url]

A folder is walked recursively for ``*.parquet`` files, in sorted order;
each output goes at its relative path under ``DIR``. Shards are read and
written one row group at a time, so memory stays bounded by the largest row
group. Records are written in input order, with ``file`` (the output's path
relative to ``DIR``) and ``line`` (the 1-based row number in that file), as
for a JSONL shard. A row whose text is null is kept as it is and counted as
an error; it has no record.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import Stripper, default_stripper

PathLike = Union[str, "os.PathLike[str]"]

_CHAFF_COLUMNS = ("chaff_record", "chaff_edits", "chaff_chars_removed", "chaff_error")


def _inputs(paths: Sequence[PathLike]) -> List[Tuple[Path, str]]:
    """(file, path relative to the output folder) for every input."""
    found: List[Tuple[Path, str]] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*.parquet")):
                found.append((f, f.relative_to(p).as_posix()))
        elif p.is_file():
            found.append((p, p.name))
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    names = [rel for _, rel in found]
    if len(set(names)) != len(names):
        raise ValueError("two inputs would be written to the same output path")
    return found


def strip_files(
    paths: Sequence[PathLike],
    out: PathLike,
    text_column: str = "text",
    url_column: Optional[str] = None,
    id_column: Optional[str] = None,
    stripper: Optional[Stripper] = None,
) -> Dict[str, int]:
    """Strips Parquet shards into ``out``; returns counts (``files``,
    ``rows``, ``changed``, ``errors``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    s = stripper if stripper is not None else default_stripper()
    out_dir = Path(out)
    inputs = _inputs(paths)
    out_dir.mkdir(parents=True, exist_ok=True)
    for source, _ in inputs:
        if source.resolve().is_relative_to(out_dir.resolve()):
            raise ValueError(f"input {source} is inside the output folder")
    counts = {"files": 0, "rows": 0, "changed": 0, "errors": 0}
    with open(out_dir / "provenance.jsonl", "w", encoding="utf-8") as records:
        for source, rel in inputs:
            target = out_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            reader = pq.ParquetFile(source)
            schema = reader.schema_arrow
            if text_column not in schema.names:
                raise ValueError(f"{source}: no column {text_column!r} (columns: {schema.names})")
            line = 0
            tmp = target.with_name(target.name + ".chaff-tmp")
            with pq.ParquetWriter(tmp, schema) as writer:
                for group in range(reader.num_row_groups):
                    table = reader.read_row_group(group)
                    done = s.strip_arrow(
                        table, text_column, url_column, id_column=id_column
                    )
                    for rec, err in zip(
                        done.column("chaff_record").to_pylist(),
                        done.column("chaff_error").to_pylist(),
                    ):
                        line += 1
                        if err is not None:
                            counts["errors"] += 1
                            continue
                        record = json.loads(rec)
                        if id_column is None:
                            record["id"] = f"{rel}:{line}"
                        record["source"] = f"{source}:{line}"
                        record["file"] = rel
                        record["line"] = line
                        if any(e["rule"] != "chaff.tidy" for e in record["edits"]):
                            counts["changed"] += 1
                        records.write(json.dumps(record, ensure_ascii=False) + "\n")
                    kept = done.select(schema.names).cast(schema)
                    writer.write_table(kept)
            os.replace(tmp, target)
            counts["files"] += 1
            counts["rows"] += line
    return counts


def main(argv: Optional[Iterable[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chaff.parquet",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--url-column")
    parser.add_argument("--id-column")
    parser.add_argument("--rules", action="append", default=[], help="more rule packs")
    parser.add_argument("--no-builtin", action="store_true")
    parser.add_argument("--mode", default="strip", choices=["strip", "mask", "tag"])
    args = parser.parse_args(None if argv is None else list(argv))
    stripper = Stripper(args.rules, not args.no_builtin, args.mode)
    counts = strip_files(
        args.paths, args.out, args.text_column, args.url_column, args.id_column, stripper
    )
    print(
        f"{counts['files']} files, {counts['rows']} rows: "
        f"{counts['changed']} changed, {counts['errors']} errors"
    )
    return 1 if counts["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
