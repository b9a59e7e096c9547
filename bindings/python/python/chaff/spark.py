"""Spark: strip a DataFrame's text column with ``DataFrame.mapInArrow``.

>>> from chaff.spark import strip_dataframe
>>> clean = strip_dataframe(spark.read.parquet("in/"), text_column="text")  # doctest: +SKIP
>>> clean.write.parquet("out/")  # doctest: +SKIP

Each Python worker builds one :class:`chaff.Stripper` and hands it every
Arrow batch Spark sends: no Python object per row, the rows of a batch
stripped in parallel. The executors need the ``chaff`` package installed.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, Iterator, Optional, Tuple

from ._config import RulesArg, StripperConfig

#: The columns chaff adds, with their Spark SQL types.
CHAFF_COLUMNS = (
    ("chaff_record", "string"),
    ("chaff_edits", "int"),
    ("chaff_chars_removed", "bigint"),
    ("chaff_error", "string"),
)

_strippers: Dict[Tuple[Any, ...], Any] = {}


def output_schema(schema: Any, text_column: str = "text", clean_column: Optional[str] = None) -> Any:
    """The Spark schema of :func:`strip_dataframe`'s output for an input schema."""
    from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType

    if text_column not in schema.fieldNames():
        raise ValueError(f"no column {text_column!r} (columns: {schema.fieldNames()})")
    types = {"string": StringType(), "int": IntegerType(), "bigint": LongType()}
    added = {name for name, _ in CHAFF_COLUMNS}
    fields = [f for f in schema.fields if f.name not in added and f.name != clean_column]
    if clean_column is not None:
        fields.append(StructField(clean_column, StringType(), True))
    fields += [StructField(name, types[t], True) for name, t in CHAFF_COLUMNS]
    return StructType(fields)


def arrow_stripper(
    text_column: str = "text",
    url_column: Optional[str] = None,
    id_column: Optional[str] = None,
    clean_column: Optional[str] = None,
    config: Optional[StripperConfig] = None,
) -> Callable[[Iterable[Any]], Iterator[Any]]:
    """The function to give ``DataFrame.mapInArrow``: strips every
    ``pyarrow.RecordBatch`` of its input iterator."""
    config = config or StripperConfig()

    def strip_batches(batches: Iterable[Any]) -> Iterator[Any]:
        stripper = config.stripper()
        for batch in batches:
            yield stripper.strip_arrow(
                batch,
                text_column,
                url_column,
                id_column=id_column,
                clean_column=clean_column,
            )

    return strip_batches


def strip_dataframe(
    df: Any,
    text_column: str = "text",
    url_column: Optional[str] = None,
    *,
    id_column: Optional[str] = None,
    clean_column: Optional[str] = None,
    rules: RulesArg = None,
    builtin: bool = True,
    mode: str = "strip",
    hash: str = "blake3",
) -> Any:
    """Returns ``df`` with ``text_column`` stripped (or the output text added
    as ``clean_column``) and the columns ``chaff_record`` (the provenance
    record as JSON), ``chaff_edits``, ``chaff_chars_removed`` and
    ``chaff_error`` (see :func:`chaff.strip_arrow`). Row count and order are
    kept; other columns pass through."""
    config = StripperConfig(rules, builtin, mode, hash)
    fn = arrow_stripper(text_column, url_column, id_column, clean_column, config)
    return df.mapInArrow(fn, output_schema(df.schema, text_column, clean_column))
