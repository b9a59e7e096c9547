"""A datatrove pipeline step: strips ``doc.text`` and keeps the provenance
record under ``doc.metadata["chaff"]``.

>>> from datatrove.executor import LocalPipelineExecutor
>>> from datatrove.pipeline.readers import JsonlReader
>>> from datatrove.pipeline.writers import JsonlWriter
>>> from chaff.datatrove import ChaffStripper
>>> LocalPipelineExecutor(pipeline=[
...     JsonlReader("in/"), ChaffStripper(), JsonlWriter("out/"),
... ], tasks=1).run()  # doctest: +SKIP

Stats (in the executor's stats files and its summary): ``total`` documents,
``changed`` (something was removed), ``edits``, ``chars_removed`` (per
document), ``category_<name>`` spans per category, ``errors``.
"""

from __future__ import annotations

from typing import Iterator, List, Optional

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from . import Result, RowError
from ._config import RulesArg, StripperConfig


class ChaffStripper(PipelineStep):
    """Strips each document's text with chaff, in batches of ``batch_size``
    stripped in parallel.

    - ``metadata_key``: where the record goes in ``doc.metadata`` (the whole
      record as a dict, or only its summary with ``record="summary"``:
      ``rules_digest``, ``mode``, ``edits``, ``chars_removed``, as in the
      command line's JSONL output);
    - ``url_key``: the metadata field holding the document's URL, which
      resolves its publisher by domain;
    - ``rules``, ``builtin``, ``mode``, ``hash``: as for :class:`chaff.Stripper`.

    A document whose text is not a string is passed on unchanged and counted
    under ``errors``.
    """

    name = "✂️ chaff"
    type = "✂️ - FORMAT"

    def __init__(
        self,
        rules: RulesArg = None,
        builtin: bool = True,
        mode: str = "strip",
        hash: str = "blake3",
        metadata_key: str = "chaff",
        record: str = "full",
        url_key: Optional[str] = "url",
        batch_size: int = 256,
    ) -> None:
        super().__init__()
        if record not in ("full", "summary"):
            raise ValueError('record must be "full" or "summary"')
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.config = StripperConfig(rules, builtin, mode, hash)
        self.metadata_key = metadata_key
        self.record = record
        self.url_key = url_key
        self.batch_size = batch_size

    def _apply(self, docs: List[Document]) -> Iterator[Document]:
        stripper = self.config.stripper()
        urls = None
        if self.url_key:
            urls = [
                u if isinstance(u := d.metadata.get(self.url_key), str) else None
                for d in docs
            ]
        ids = [str(d.id) if d.id is not None else None for d in docs]
        with self.track_time(unit="batch"):
            results = stripper.strip_batch([d.text for d in docs], urls, ids)
        for doc, r in zip(docs, results):
            self.stat_update("total")
            if isinstance(r, RowError):
                self.stat_update("errors")
                yield doc
                continue
            assert isinstance(r, Result)
            record = r.record
            doc.text = r.clean
            if self.record == "full":
                doc.metadata[self.metadata_key] = record
            else:
                doc.metadata[self.metadata_key] = {
                    "rules_digest": record["rules_digest"],
                    "mode": record["mode"],
                    "edits": sum(1 for e in record["edits"] if e["rule"] != "chaff.tidy"),
                    "chars_removed": r.chars_removed,
                }
            rule_edits = [e for e in record["edits"] if e["rule"] != "chaff.tidy"]
            if rule_edits:
                self.stat_update("changed")
            self.stat_update("edits", value=len(rule_edits))
            self.stat_update("chars_removed", value=r.chars_removed)
            for e in rule_edits:
                self.stat_update(f"category_{e['category']}")
            yield doc

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        batch: List[Document] = []
        for doc in data:
            batch.append(doc)
            if len(batch) >= self.batch_size:
                yield from self._apply(batch)
                batch = []
        if batch:
            yield from self._apply(batch)
