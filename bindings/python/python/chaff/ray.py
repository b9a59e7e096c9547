"""Ray Data: strip a dataset's text column with ``map_batches``.

>>> import ray
>>> from chaff.ray import ChaffBatch
>>> ds = ray.data.read_parquet("in/")  # doctest: +SKIP
>>> ds = ds.map_batches(ChaffBatch, batch_format="pyarrow", concurrency=2,
...                     fn_constructor_kwargs={"text_column": "text"})  # doctest: +SKIP
>>> ds.write_parquet("out/")  # doctest: +SKIP

Each actor builds one :class:`chaff.Stripper`; batches stay Arrow tables
from end to end.
"""

from __future__ import annotations

from typing import Any, Optional

from ._config import RulesArg, StripperConfig


class ChaffBatch:
    """A callable class for ``Dataset.map_batches(..., batch_format="pyarrow")``:
    takes a ``pyarrow.Table`` and returns it stripped, with the chaff columns
    of :func:`chaff.strip_arrow`."""

    def __init__(
        self,
        text_column: str = "text",
        url_column: Optional[str] = None,
        id_column: Optional[str] = None,
        clean_column: Optional[str] = None,
        rules: RulesArg = None,
        builtin: bool = True,
        mode: str = "strip",
        hash: str = "blake3",
    ) -> None:
        self.text_column = text_column
        self.url_column = url_column
        self.id_column = id_column
        self.clean_column = clean_column
        self.stripper = StripperConfig(rules, builtin, mode, hash).stripper()

    def __call__(self, batch: Any) -> Any:
        return self.stripper.strip_arrow(
            batch,
            self.text_column,
            self.url_column,
            id_column=self.id_column,
            clean_column=self.clean_column,
        )
