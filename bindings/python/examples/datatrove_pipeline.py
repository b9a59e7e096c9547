"""Strip a folder of JSONL shards with datatrove's LocalPipelineExecutor.

    python examples/datatrove_pipeline.py IN_DIR OUT_DIR [--tasks N]

With no arguments, it strips the repository's bundled corpus (written as one
JSONL shard to a temporary folder) and prints where the output went. Each
output row has the clean text in ``text`` and the provenance record in
``metadata.chaff``; the executor's logs folder has the step's counters
(``stats.json``).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from chaff.datatrove import ChaffStripper


def bundled_corpus(folder: Path) -> Path:
    corpus = Path(__file__).resolve().parents[3] / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as f:
        for path in sorted(corpus.glob("*.txt")):
            f.write(json.dumps({"id": path.name, "text": path.read_text(encoding="utf-8")}) + "\n")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", nargs="?", help="folder of .jsonl / .jsonl.gz shards")
    parser.add_argument("output", nargs="?", help="output folder")
    parser.add_argument("--tasks", type=int, default=1)
    parser.add_argument("--rules", action="append", default=[], help="more rule packs")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="chaff-datatrove-"))
    source = Path(args.input) if args.input else bundled_corpus(work / "in")
    output = Path(args.output) if args.output else work / "out"
    LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(source)),
            ChaffStripper(rules=args.rules),
            JsonlWriter(str(output)),
        ],
        tasks=args.tasks,
        logging_dir=str(work / "logs"),
    ).run()
    print(f"clean shards in {output}, stats in {work / 'logs' / 'stats.json'}")


if __name__ == "__main__":
    main()
