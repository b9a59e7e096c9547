"""A Dolma tagger whose spans are chaff's removals.

Importing this module registers the tagger ``chaff`` (``@add_tagger``), so
``dolma tag --taggers chaff --tagger_modules chaff.dolma …`` (or a
``tagger_modules`` entry in a Dolma config) finds it. Its attributes match
the command line's ``chaff strip --attributes NAME``: every removed span as
``[start, end, 1.0]`` in character offsets under the type ``boilerplate``
(``NAME`` there), and under each category (``caption``, ``share``, …, and
``tidy`` for the white space tidied around them). ``dolma mix`` with a
filter on them replays the removals, or ignores them.

The built-in rules are used; subclass :class:`ChaffTagger` and set
``RULES`` (paths of rule packs) or ``BUILTIN`` to change that, and register
the subclass under another name.
"""

from __future__ import annotations

from typing import ClassVar, List, Optional, Sequence

from dolma import BaseTagger, add_tagger
from dolma.core.data_types import DocResult, Document, Span

from ._chaff import Stripper

TYPE_ALL = "boilerplate"


@add_tagger("chaff")
class ChaffTagger(BaseTagger):
    """Tags the spans chaff would remove; the text is left as it is."""

    RULES: ClassVar[Sequence[str]] = ()
    BUILTIN: ClassVar[bool] = True
    _stripper: Optional[Stripper] = None

    def __init__(self) -> None:
        # Tag mode: the record of what a strip would remove, without the
        # work of building the clean text.
        self._stripper = Stripper(list(self.RULES), self.BUILTIN, "tag")

    def spans(self, text: str, id: Optional[str] = None) -> List[Span]:
        """The spans of one text: each removal under ``boilerplate`` and
        under its category."""
        assert self._stripper is not None
        result = self._stripper.strip(text, id=id)
        spans: List[Span] = []
        for e in result.edits:
            spans.append(Span(start=e.char_start, end=e.char_end, type=TYPE_ALL))
            spans.append(Span(start=e.char_start, end=e.char_end, type=e.category))
        return spans

    def predict(self, doc: Document) -> DocResult:
        return DocResult(doc=doc, spans=self.spans(doc.text, id=doc.id))
