"""chaff: strip publisher boilerplate from extracted news text, and record
exactly what was removed.

The engine is the Rust crate ``chaff``; this package runs it in-process, with
the GIL released while it works.

>>> import chaff
>>> s = chaff.Stripper()
>>> r = s.strip("A file photo shows both presidents. (AFP)\\n\\nThe talks lasted an hour.\\n")
>>> r.clean
'The talks lasted an hour.\\n'
>>> r.attribution["agencies"]
['AFP']
>>> chaff.restore(r.clean, r.record) == "A file photo shows both presidents. (AFP)\\n\\nThe talks lasted an hour.\\n"
True

A :class:`Stripper` is built once (compiling the rules is the costly part)
and shared: it is safe to use from many threads at once.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Mapping, Optional, Union

from ._chaff import (
    SCHEMA_VERSION,
    ChaffError,
    Diagnostic,
    Edit,
    Result,
    RestoreError,
    RowError,
    RuleError,
    RuleSet,
    Stripper,
    TestFailure,
    TestReport,
    __version__,
    restore_json as _restore_json,
    verify_json as _verify_json,
)

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow

__all__ = [
    "SCHEMA_VERSION",
    "ChaffError",
    "Diagnostic",
    "Edit",
    "Result",
    "RestoreError",
    "RowError",
    "RuleError",
    "RuleSet",
    "Stripper",
    "TestFailure",
    "TestReport",
    "__version__",
    "default_stripper",
    "restore",
    "strip",
    "strip_arrow",
    "strip_batch",
    "verify",
]

RecordLike = Union[Mapping[str, Any], str, bytes, Result]

_default: Optional[Stripper] = None


def default_stripper() -> Stripper:
    """The stripper over the built-in rules in strip mode, built on first use
    and shared by the module-level functions."""
    global _default
    if _default is None:
        _default = Stripper()
    return _default


def _record_json(record: RecordLike) -> str:
    if isinstance(record, Result):
        return record.record_json()
    if isinstance(record, bytes):
        return record.decode("utf-8")
    if isinstance(record, str):
        return record
    if isinstance(record, Mapping):
        return json.dumps(record, ensure_ascii=False)
    raise TypeError(
        "record must be a dict, a JSON string or a chaff.Result, not "
        + type(record).__name__
    )


def restore(clean: Union[str, bytes], record: RecordLike) -> str:
    """Rebuilds the original text from an output text (clean, masked or
    tagged, as the record's ``mode`` says) and its provenance record.

    ``record`` is a dict (``Result.record``, or a line of
    ``provenance.jsonl`` parsed), its JSON text, or a :class:`Result`. Both
    hashes are checked; a mismatch raises :class:`RestoreError`.
    """
    return _restore_json(clean, _record_json(record))


def verify(
    clean: Union[str, bytes],
    record: RecordLike,
    original: Union[str, bytes, None] = None,
) -> bool:
    """Whether ``record`` rebuilds an original from ``clean`` with both hashes
    matching, and, when ``original`` is given, whether that is the text it
    rebuilds. Use :func:`restore` to learn why a check fails."""
    return _verify_json(clean, _record_json(record), original) is None


def strip(
    text: Union[str, bytes],
    *,
    id: Optional[str] = None,
    url: Optional[str] = None,
    publisher: Optional[str] = None,
) -> Result:
    """Strips one document with the built-in rules (see :meth:`Stripper.strip`)."""
    return default_stripper().strip(text, id=id, url=url, publisher=publisher)


def strip_batch(
    texts: Any,
    urls: Any = None,
    ids: Any = None,
    publishers: Any = None,
    *,
    stripper: Optional[Stripper] = None,
) -> "list[Union[Result, RowError]]":
    """Strips many documents in parallel (see :meth:`Stripper.strip_batch`)."""
    s = stripper if stripper is not None else default_stripper()
    return s.strip_batch(texts, urls, ids, publishers)


def strip_arrow(
    data: "Union[pyarrow.RecordBatch, pyarrow.Table]",
    text_column: str = "text",
    url_column: Optional[str] = None,
    *,
    id_column: Optional[str] = None,
    clean_column: Optional[str] = None,
    stripper: Optional[Stripper] = None,
) -> "Union[pyarrow.RecordBatch, pyarrow.Table]":
    """Strips the text column of a ``pyarrow.RecordBatch`` or ``pyarrow.Table``
    and returns the same kind of object.

    The data crosses into Rust through the Arrow C data interface: no Python
    object is made per row, and the rows of a batch are stripped in parallel.

    The output has every input column, in order, with ``text_column``
    holding the output text (or, when ``clean_column`` is given, the input
    text kept and the output text added as ``clean_column``), and four more
    columns:

    - ``chaff_record`` (string): the provenance record as JSON, the schema of
      the command line's ``provenance.jsonl``;
    - ``chaff_edits`` (int32): spans removed by rules;
    - ``chaff_chars_removed`` (int64): characters removed, tidy-up included;
    - ``chaff_error`` (string): null, or why the row was not stripped (a null
      text); such a row has nulls in the other chaff columns.

    ``url_column`` (publisher resolution by domain) and ``id_column`` (the
    records' ``id``; the row number in the batch otherwise) are optional.
    """
    s = stripper if stripper is not None else default_stripper()
    return s.strip_arrow(
        data,
        text_column=text_column,
        url_column=url_column,
        id_column=id_column,
        clean_column=clean_column,
    )
