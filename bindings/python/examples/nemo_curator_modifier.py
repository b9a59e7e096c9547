"""A NeMo Curator document modifier backed by chaff.

NOT TESTED HERE: NeMo Curator is not installed in this repository's CI (it
pulls a GPU-oriented stack). The interface is NeMo Curator's
``DocumentModifier`` (``modify_document(text) -> str``), applied with
``Modify``; the import path moved between releases, both are tried.

    from nemo_curator import Modify  # or nemo_curator.stages.text.modifiers
    pipeline.add_stage(Modify(ChaffModifier(), text_field="text"))

A modifier returns only the text, so the provenance record is lost: where the
records matter, strip with ``chaff.strip_arrow`` on the dataset's Arrow
batches (as the Ray stage does) or run the datatrove step instead.
"""

from __future__ import annotations

try:  # NeMo Curator 1.x
    from nemo_curator.stages.text.modifiers.doc_modifier import DocumentModifier
except ImportError:  # 0.x
    from nemo_curator.modifiers import DocumentModifier

import chaff


class ChaffModifier(DocumentModifier):
    """Strips publisher boilerplate from each document's text."""

    def __init__(self, rules=None, mode: str = "strip") -> None:
        super().__init__()
        self._rules = rules
        self._mode = mode
        self._stripper = None

    def modify_document(self, text: str) -> str:
        if self._stripper is None:  # built in the worker, not pickled to it
            self._stripper = chaff.Stripper(self._rules, mode=self._mode)
        return self._stripper.strip(text).clean
