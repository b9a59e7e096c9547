"""Type stubs of the native module ``chaff._chaff`` (re-exported by ``chaff``)."""

import os
from typing import Any, Dict, Iterable, List, Literal, Optional, Sequence, Union, final

import pyarrow

__version__: str
SCHEMA_VERSION: int

_Text = Union[str, bytes]
_Path = Union[str, "os.PathLike[str]"]
Mode = Literal["strip", "mask", "tag"]
Hash = Literal["blake3", "sha256"]

class ChaffError(Exception):
    """Base class of the errors chaff raises."""

class RuleError(ChaffError):
    """Rule files did not load. ``diagnostics`` holds every problem found."""

    diagnostics: List["Diagnostic"]

class RestoreError(ChaffError):
    """A clean text and a record do not rebuild an original."""

@final
class Diagnostic:
    """One problem in a rule file."""

    @property
    def kind(self) -> str:
        """Stable kebab-case name of the problem (``bad-regex``, ``unknown-key``, …)."""
    @property
    def file(self) -> str:
        """The rule file, as named when loaded."""
    @property
    def line(self) -> int:
        """1-based line (0 when the problem has no position, as for an I/O error)."""
    @property
    def column(self) -> int:
        """1-based column, in characters."""
    @property
    def rule(self) -> Optional[str]:
        """The rule id, when the problem is inside a rule whose id is known."""
    @property
    def message(self) -> str:
        """What is wrong."""
    @property
    def help(self) -> Optional[str]:
        """What to do about it."""

@final
class TestFailure:
    """One failed rule example."""

    @property
    def kind(self) -> Literal["missing", "noisy"]:
        """``missing``: kept what it should remove; ``noisy``: removed what it should keep."""
    @property
    def rule(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def text(self) -> str:
        """The example's input."""
    @property
    def expected(self) -> str: ...
    @property
    def got(self) -> str: ...
    @property
    def fired(self) -> List[str]:
        """Rules that removed something, when another rule than ``rule`` did."""

@final
class TestReport:
    """The outcome of :meth:`RuleSet.test` (what ``chaff test`` runs)."""

    @property
    def rules(self) -> int: ...
    @property
    def examples(self) -> int: ...
    @property
    def failures(self) -> List[TestFailure]: ...
    @property
    def passed(self) -> bool: ...
    def __bool__(self) -> bool: ...

@final
class RuleSet:
    """A loaded, valid set of rule packs.

    ``RuleSet()`` is the built-in packs; ``RuleSet(paths)`` adds the packs
    in ``.toml`` files or folders; ``builtin=False`` leaves the built-in ones
    out. Raises :class:`RuleError` with every diagnostic when a file does not
    load.
    """

    def __init__(
        self, paths: Union[_Path, Sequence[_Path], None] = None, *, builtin: bool = True
    ) -> None: ...
    @property
    def digest(self) -> str:
        """Digest of the rule set, as written in every record."""
    @property
    def rule_ids(self) -> List[str]: ...
    @property
    def pack_ids(self) -> List[str]: ...
    def rules(self) -> List[Dict[str, Any]]:
        """The rules as dicts: ``id``, ``pack``, ``category``, ``anchors``."""
    def test(self) -> TestReport:
        """Runs every rule's strip and keep examples."""
    def __len__(self) -> int: ...

@final
class Edit:
    """One removed span of the original text."""

    @property
    def rule(self) -> str:
        """Id of the rule that removed it (``chaff.tidy`` for white-space tidy-up)."""
    @property
    def category(self) -> str: ...
    @property
    def start(self) -> int:
        """Byte offset in the original (UTF-8)."""
    @property
    def end(self) -> int: ...
    @property
    def char_start(self) -> int:
        """Character offset in the original: ``original[char_start:char_end] == text``."""
    @property
    def char_end(self) -> int: ...
    @property
    def text(self) -> str:
        """The removed text, exactly."""
    @property
    def captures(self) -> Dict[str, str]: ...

@final
class Result:
    """The result of stripping one document."""

    @property
    def clean(self) -> str:
        """The output text: clean (strip mode), masked (mask) or as it was (tag)."""
    @property
    def record(self) -> Dict[str, Any]:
        """The provenance record as a dict, the JSON schema of ``provenance.jsonl``."""
    def record_json(self) -> str:
        """The provenance record as one line of JSON."""
    @property
    def edits(self) -> List[Edit]:
        """Every removed span, the white-space tidy-up included."""
    @property
    def attribution(self) -> Dict[str, List[str]]:
        """Credits found: ``agencies``, ``photographers``, ``via``, ``credits``."""
    @property
    def publisher(self) -> Optional[str]: ...
    @property
    def mode(self) -> Mode: ...
    @property
    def chars_removed(self) -> int: ...
    @property
    def changed(self) -> bool: ...
    def restore(self) -> str:
        """Rebuilds the original text."""

@final
class RowError:
    """A row of :meth:`Stripper.strip_batch` that could not be stripped (falsy)."""

    @property
    def index(self) -> int: ...
    @property
    def message(self) -> str: ...
    def __bool__(self) -> Literal[False]: ...

@final
class Stripper:
    """A compiled stripper: build once, share across threads.

    ``rules`` is None (the built-in packs only), a :class:`RuleSet` (used
    as it is; ``builtin`` is then ignored), or a path or sequence of paths
    of rule packs added to the built-in ones (unless ``builtin=False``). ``mode`` is ``strip`` (remove the spans),
    ``mask`` (replace each span a rule removed with ``[chaff:RULE]``) or
    ``tag`` (leave the text, only record). ``hash`` is the records' hash
    function. Raises :class:`RuleError` when a rule file does not load.
    """

    def __init__(
        self,
        rules: Union[RuleSet, _Path, Sequence[_Path], None] = None,
        builtin: bool = True,
        mode: Mode = "strip",
        hash: Hash = "blake3",
    ) -> None: ...
    @property
    def mode(self) -> Mode: ...
    @property
    def rules(self) -> RuleSet: ...
    @property
    def rules_digest(self) -> str: ...
    def strip(
        self,
        text: _Text,
        *,
        id: Optional[str] = None,
        url: Optional[str] = None,
        publisher: Optional[str] = None,
        source: Optional[str] = None,
    ) -> Result:
        """Strips one document. ``url`` resolves the publisher by domain;
        ``publisher`` names it outright. Raises ``TypeError`` for a text that is
        not ``str``/``bytes`` and ``UnicodeDecodeError`` for bytes that are not
        UTF-8."""
    def strip_batch(
        self,
        texts: Iterable[Any],
        urls: Optional[Iterable[Optional[str]]] = None,
        ids: Optional[Iterable[Optional[str]]] = None,
        publishers: Optional[Iterable[Optional[str]]] = None,
    ) -> List[Union[Result, RowError]]:
        """Strips many documents in parallel, in input order. A row that is not
        text gives a :class:`RowError` in its place; the others are stripped."""
    def strip_arrow(
        self,
        data: Union[pyarrow.RecordBatch, pyarrow.Table],
        text_column: str = "text",
        url_column: Optional[str] = None,
        *,
        id_column: Optional[str] = None,
        clean_column: Optional[str] = None,
    ) -> Any:
        """See :func:`chaff.strip_arrow`; returns the same kind of object as ``data``."""
    def strip_arrow_batch(
        self,
        batch: pyarrow.RecordBatch,
        text_column: str = "text",
        url_column: Optional[str] = None,
        id_column: Optional[str] = None,
        clean_column: Optional[str] = None,
    ) -> pyarrow.RecordBatch: ...
    def strip_arrow_table(
        self,
        table: pyarrow.Table,
        text_column: str = "text",
        url_column: Optional[str] = None,
        id_column: Optional[str] = None,
        clean_column: Optional[str] = None,
    ) -> pyarrow.Table: ...

def restore_json(clean: _Text, record: str) -> str: ...
def verify_json(clean: _Text, record: str, original: Optional[_Text] = None) -> Optional[str]: ...
def run_cli(argv: List[str]) -> int: ...
