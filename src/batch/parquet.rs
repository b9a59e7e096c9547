//! Parquet shards: each row a document, its text in one string column.
//!
//! A shard is read one row group at a time, in record batches of
//! [`BLOCK_ROWS`] rows; each batch's texts are stripped on
//! the worker threads and the batch is written straight out, with the text
//! column replaced and every other column as it was. Each input row group
//! becomes one output row group, so the file keeps its name, schema, row
//! count, row order and row-group layout. The output is compressed with the
//! codec of the input's first column chunk; every codec of the format but
//! LZO is read and written (snappy, gzip, zstd, Brotli, LZ4_RAW and the
//! Hadoop-framed LZ4).
//!
//! The text column may be `Utf8`, `LargeUtf8` or `Utf8View`, and keeps its
//! type. A text column that the file's Arrow schema makes a dictionary of
//! strings (`Dictionary<Int32, Utf8>`, as pandas categoricals and some
//! writers leave it) is read as the plain strings of the dictionary's value
//! type, and the output column is of that type: stripped texts seldom
//! repeat, and Parquet dictionary-encodes the column's pages either way. Any
//! other type is the file's failure, naming the column.
//!
//! Hashes: a shard's `input_hash` is of its text column's values, in row
//! order, each as a tag byte (0 for null, 1 for a value), the value's length
//! in bytes (8 bytes, little-endian) and its bytes. That is what `restore`
//! rebuilds and checks; Parquet encodings leave the file's own bytes free to
//! differ. The `output_hash` is of the output file's bytes, so `verify`
//! catches any change to it, in any column.

use super::docs::{self, CellResult};
use super::manifest::FileSummary;
use super::output::{AtomicFile, CompressedAtomic};
use super::read::{BLOCK_ROWS, Doc, ReadError, Reader, Visitor};
use super::restore::RebuildError;
use super::{
    Ctx, Entry, Failure, Input, PROVENANCE_COLUMN, ProvenanceMode, WriteError, add_outcome, guard,
};
use crate::compress::Compression;
use crate::engine::Document;
use crate::provenance::{self, Hasher, Record};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, LargeStringArray, RecordBatch, StringArray, StringViewArray};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::file::metadata::ParquetMetaData;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

/// The text column of a string kind, by row.
#[derive(Clone, Copy)]
enum Strings<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Strings<'a> {
    fn of(array: &'a dyn Array) -> Option<Strings<'a>> {
        match array.data_type() {
            DataType::Utf8 => array.as_string_opt::<i32>().map(Strings::Utf8),
            DataType::LargeUtf8 => array.as_string_opt::<i64>().map(Strings::Large),
            DataType::Utf8View => array.as_string_view_opt().map(Strings::View),
            _ => None,
        }
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strings::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }

    /// A column of `values` of the same kind.
    fn build(&self, values: Vec<Option<&str>>) -> ArrayRef {
        match self {
            Strings::Utf8(_) => Arc::new(StringArray::from(values)),
            Strings::Large(_) => Arc::new(LargeStringArray::from(values)),
            Strings::View(_) => Arc::new(StringViewArray::from(values)),
        }
    }
}

/// A column found by a dotted name, and the struct columns it is inside
/// (a row has a value only if every one of them has one).
struct Column<'a> {
    leaf: &'a dyn Array,
    parents: Vec<&'a dyn Array>,
}

impl<'a> Column<'a> {
    /// The column at `path`: a top-level column of that name, or a dotted
    /// path through struct columns (`metadata.url`). A name spelled with the
    /// dot wins, as in JSONL rows.
    fn find(columns: &'a [ArrayRef], fields: &Fields, path: &str) -> Option<Column<'a>> {
        let mut parents = Vec::new();
        let leaf = lookup(columns, fields, path, &mut parents)?;
        Some(Column { leaf, parents })
    }

    /// The value at row `i` as text: a string as it is, an integer written
    /// in decimal; `None` for a null or another kind of value.
    fn get(&self, i: usize) -> Option<Cow<'a, str>> {
        if self.parents.iter().any(|p| p.is_null(i)) || self.leaf.is_null(i) {
            return None;
        }
        if let Some(s) = Strings::of(self.leaf) {
            return s.get(i).map(Cow::Borrowed);
        }
        let a = self.leaf;
        macro_rules! int {
            ($($t:ty),*) => {
                $(if let Some(p) = a.as_primitive_opt::<$t>() {
                    return Some(Cow::Owned(p.value(i).to_string()));
                })*
            };
        }
        int!(
            Int64Type, Int32Type, Int16Type, Int8Type, UInt64Type, UInt32Type, UInt16Type,
            UInt8Type
        );
        None
    }
}

fn lookup<'a>(
    columns: &'a [ArrayRef],
    fields: &Fields,
    path: &str,
    parents: &mut Vec<&'a dyn Array>,
) -> Option<&'a dyn Array> {
    if let Some(i) = fields.iter().position(|f| f.name() == path) {
        return columns.get(i).map(|c| c.as_ref());
    }
    for (dot, _) in path.match_indices('.') {
        let Some(i) = fields.iter().position(|f| f.name() == &path[..dot]) else {
            continue;
        };
        let Some(s) = columns.get(i).and_then(|c| c.as_struct_opt()) else {
            continue;
        };
        parents.push(columns[i].as_ref());
        if let Some(found) = lookup(s.columns(), s.fields(), &path[dot + 1..], parents) {
            return Some(found);
        }
        parents.pop();
    }
    None
}

/// The id, URL and publisher columns of a batch.
struct Meta<'a> {
    id: Option<Column<'a>>,
    url: Vec<Column<'a>>,
    publisher: Vec<Column<'a>>,
}

impl<'a> Meta<'a> {
    fn of(batch: &'a RecordBatch, fields: &super::Fields) -> Meta<'a> {
        let schema = batch.schema_ref();
        let find = |name: &str| Column::find(batch.columns(), schema.fields(), name);
        Meta {
            id: find(&fields.id),
            url: fields.url.iter().filter_map(|n| find(n)).collect(),
            publisher: fields.publisher.iter().filter_map(|n| find(n)).collect(),
        }
    }

    fn id(&self, i: usize) -> Option<String> {
        self.id.as_ref().and_then(|c| c.get(i)).map(Cow::into_owned)
    }
}

fn first<'a>(columns: &[Column<'a>], i: usize) -> Option<Cow<'a, str>> {
    columns.iter().find_map(|c| c.get(i))
}

/// The documents of one record batch: its text column, and the id, URL
/// and publisher columns.
struct BatchDocs<'b> {
    texts: Strings<'b>,
    meta: Meta<'b>,
}

impl<'b> BatchDocs<'b> {
    fn of(
        batch: &'b RecordBatch,
        text_at: usize,
        fields: &super::Fields,
        input: &Input,
    ) -> Result<BatchDocs<'b>, ReadError> {
        let texts =
            Strings::of(batch.column(text_at).as_ref()).ok_or_else(|| ReadError::NoStrings {
                file: input.path.display().to_string(),
                column: fields.text.clone(),
            })?;
        Ok(BatchDocs {
            texts,
            meta: Meta::of(batch, fields),
        })
    }

    /// Row `i` of the batch, row `row` of the file, as a document; a null
    /// text is the failure of its row.
    fn cell(
        &self,
        reader: &Reader<'_>,
        input: &Input,
        i: usize,
        row: u64,
    ) -> Result<Cell<'b>, ReadError> {
        let text = self.texts.get(i).ok_or_else(|| ReadError::NullText {
            file: input.path.display().to_string(),
            row,
            column: reader.fields.text.clone(),
        })?;
        Ok(Cell {
            row,
            text,
            source: format!("{}:{row}", input.path.display()),
            id: self
                .meta
                .id(i)
                .unwrap_or_else(|| format!("{}:{row}", input.rel)),
            url: first(&self.meta.url, i),
            publisher: first(&self.meta.publisher, i),
        })
    }
}

/// The fields of one Parquet row that a document is made of.
struct Cell<'b> {
    /// The 1-based row number in the file.
    row: u64,
    text: &'b str,
    /// `file:row`.
    source: String,
    /// The id column's value, else `rel:row`.
    id: String,
    /// The first URL column with a value.
    url: Option<Cow<'b, str>>,
    /// The first publisher column with a value.
    publisher: Option<Cow<'b, str>>,
}

impl Cell<'_> {
    fn doc<'s>(&'s self, reader: &Reader<'s>, input: &'s Input) -> Doc<'s> {
        Doc {
            input,
            line: Some(self.row),
            document: Document {
                id: &self.id,
                text: self.text,
                source: Some(&self.source),
                publisher: reader.publisher.or(self.publisher.as_deref()),
                url: self.url.as_deref(),
            },
            group: None,
        }
    }
}

/// The index of the text column `name` in `schema`, and the string type to
/// read it as when the file's Arrow schema makes it a dictionary of strings
/// (`None` when it is read as it is); or why there is no column that can be
/// read from `file`.
fn text_column(
    schema: &Schema,
    name: &str,
    file: &str,
) -> Result<(usize, Option<DataType>), ReadError> {
    let (at, field) = schema
        .column_with_name(name)
        .ok_or_else(|| ReadError::NoTextColumn {
            file: file.to_string(),
            column: name.to_string(),
        })?;
    match field.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ok((at, None)),
        DataType::Dictionary(_, value)
            if matches!(
                value.as_ref(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) =>
        {
            Ok((at, Some(value.as_ref().clone())))
        }
        other => Err(ReadError::TextColumnType {
            file: file.to_string(),
            column: name.to_string(),
            found: other.to_string(),
        }),
    }
}

/// `schema` with column `at` of type `to`, all else as it was.
fn with_column_type(schema: &Schema, at: usize, to: DataType) -> SchemaRef {
    let fields: Vec<Arc<Field>> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if i == at {
                Arc::new(f.as_ref().clone().with_data_type(to.clone()))
            } else {
                f.clone()
            }
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// Adds one text value to a shard's text hash.
fn hash_cell(hasher: &mut Hasher, value: Option<&str>) {
    match value {
        None => hasher.update(&[0]),
        Some(s) => {
            hasher.update(&[1]);
            hasher.update(&(s.len() as u64).to_le_bytes());
            hasher.update(s.as_bytes());
        }
    }
}

/// Writer settings for a shard like the one `meta` describes: its codec,
/// and no row-group limit (row groups end where the input's do).
fn writer_properties(meta: &ParquetMetaData) -> WriterProperties {
    let codec = meta
        .row_groups()
        .first()
        .and_then(|rg| rg.columns().first())
        .map_or(parquet::basic::Compression::UNCOMPRESSED, |c| {
            c.compression()
        });
    WriterProperties::builder()
        .set_compression(codec)
        .set_max_row_group_row_count(None)
        .set_max_row_group_bytes(None)
        .build()
}

/// A writer that hashes what goes through it.
struct Hashing<W> {
    inner: W,
    hasher: Hasher,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// An open shard: its metadata, schema and text column.
struct Shard {
    file: File,
    shown: String,
    meta: ArrowReaderMetadata,
    text_at: usize,
}

impl Shard {
    /// Opens the shard at `path`. A text column that the file's Arrow
    /// schema makes a dictionary of strings is read as the plain strings of
    /// the dictionary's value type (the values, not the keys, are the
    /// texts), so it is stripped, hashed and written out as one.
    fn open(path: &Path, text_field: &str) -> Result<Shard, ReadError> {
        let shown = path.display().to_string();
        let file = File::open(path).map_err(|source| ReadError::Open {
            file: shown.clone(),
            source,
        })?;
        let unreadable = |e: parquet::errors::ParquetError| ReadError::NotParquet {
            file: shown.clone(),
            message: e.to_string(),
        };
        let mut meta =
            ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(unreadable)?;
        let (text_at, plain) = text_column(meta.schema(), text_field, &shown)?;
        if let Some(plain) = plain {
            let schema = with_column_type(meta.schema(), text_at, plain);
            meta = ArrowReaderMetadata::try_new(
                meta.metadata().clone(),
                ArrowReaderOptions::new().with_schema(schema),
            )
            .map_err(unreadable)?;
        }
        Ok(Shard {
            file,
            shown,
            meta,
            text_at,
        })
    }

    fn schema(&self) -> &SchemaRef {
        self.meta.schema()
    }

    fn row_groups(&self) -> usize {
        self.meta.metadata().num_row_groups()
    }

    /// Calls `each` with every record batch of row group `rg`, in order;
    /// the shard's own read errors become `E` by `error`.
    fn each_batch<E>(
        &self,
        rg: usize,
        error: &dyn Fn(ReadError) -> E,
        each: &mut dyn FnMut(&RecordBatch) -> Result<(), E>,
    ) -> Result<(), E> {
        let file = self.file.try_clone().map_err(|source| {
            error(ReadError::Open {
                file: self.shown.clone(),
                source,
            })
        })?;
        let row_group = |message: String| {
            error(ReadError::RowGroup {
                file: self.shown.clone(),
                group: rg,
                message,
            })
        };
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone())
            .with_row_groups(vec![rg])
            .with_batch_size(BLOCK_ROWS)
            .build()
            .map_err(|e| row_group(e.to_string()))?;
        for batch in reader {
            let batch = batch.map_err(|e| row_group(e.to_string()))?;
            each(&batch)?;
        }
        Ok(())
    }
}

/// The schema of an output shard: the input's, with the provenance column
/// when records go there.
fn output_schema(schema: &SchemaRef, column: bool) -> SchemaRef {
    if !column {
        return schema.clone();
    }
    let mut fields: Vec<Arc<Field>> = schema.fields().iter().cloned().collect();
    fields.push(Arc::new(Field::new(
        PROVENANCE_COLUMN,
        DataType::Utf8,
        true,
    )));
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// What a panic says.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string())
}

/// Runs `f` on the shard `path`, turning a panic into the error `on_panic`
/// makes of it: the Parquet and Arrow readers should return errors on
/// damaged files, but no file is worth the run.
fn guarded<T, E>(
    f: impl FnOnce() -> Result<T, E>,
    path: &Path,
    on_panic: impl FnOnce(ReadError) -> E,
) -> Result<T, E> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        Err(on_panic(ReadError::Panicked {
            file: path.display().to_string(),
            message: panic_message(panic.as_ref()),
        }))
    })
}

/// Strips one Parquet shard into its outputs; a failure of the reader on a
/// damaged file is the file's failure.
pub(super) fn process(ctx: &Ctx<'_>, input: &Input, entry: &mut Entry) -> Result<(), Failure> {
    guarded(
        || process_shard(ctx, input, entry),
        &input.path,
        Failure::from,
    )
}

/// Visits every row of the shard `input` as a document; a row whose text
/// is null is a failure of that row, and reading stops at a failure of the
/// file.
pub(super) fn visit<V: Visitor>(
    reader: &Reader<'_>,
    input: &Input,
    visitor: &V,
    part: &mut V::Part,
) {
    let read = guarded(
        || {
            let shard = Shard::open(&input.path, &reader.fields.text)?;
            let mut rows = 0u64;
            for rg in 0..shard.row_groups() {
                shard.each_batch(rg, &|e| e, &mut |batch| {
                    let docs = BatchDocs::of(batch, shard.text_at, reader.fields, input)?;
                    for i in 0..batch.num_rows() {
                        rows += 1;
                        if !visitor.wants(rows) {
                            continue;
                        }
                        match docs.cell(reader, input, i, rows) {
                            Ok(cell) => visitor.document(&cell.doc(reader, input), part),
                            Err(e) => visitor.failure(e, part),
                        }
                    }
                    Ok(())
                })?;
            }
            Ok(())
        },
        &input.path,
        |e| e,
    );
    if let Err(e) = read {
        visitor.failure(e, part);
    }
}

/// Strips one Parquet shard into its outputs.
fn process_shard(ctx: &Ctx<'_>, input: &Input, entry: &mut Entry) -> Result<(), Failure> {
    let path = input.path.display().to_string();
    let fail = |m: String| Failure::file(path.clone(), m);
    let options = ctx.options;
    let shard = Shard::open(&input.path, &options.fields.text)?;
    let column = options.provenance == ProvenanceMode::Column;
    if column && shard.schema().column_with_name(PROVENANCE_COLUMN).is_some() {
        return Err(fail(format!(
            "already has a column `{PROVENANCE_COLUMN}`, where --provenance column would write the records; skipped"
        )));
    }
    let schema = output_schema(shard.schema(), column);
    let out_path = options.out.join(&input.rel);
    let shown_out = out_path.display().to_string();
    let cannot_write = |e: WriteError| Failure::write(shown_out.clone(), e);
    let out = AtomicFile::create(&out_path).map_err(|e| cannot_write(WriteError::Output(e)))?;
    let out = Hashing {
        inner: out,
        hasher: ctx.stripper.hash().hasher(),
    };
    let mut writer = ArrowWriter::try_new(
        out,
        schema.clone(),
        Some(writer_properties(shard.meta.metadata())),
    )
    .map_err(|e| cannot_write(WriteError::Parquet(e)))?;
    let spool_rel = format!(
        ".chaff/records/{}{}.jsonl",
        input.rel,
        options.rank_suffix()
    );
    let sidecar_rel = options.sidecar_name(&input.rel, input.kind);
    let mut records = match options.provenance {
        ProvenanceMode::Sidecar => Some(
            CompressedAtomic::create_with(
                &options.out.join(&sidecar_rel),
                options.records_compression.compression(),
                options.levels,
            )
            .map_err(|e| Failure::write(path.clone(), WriteError::Sidecar(e)))?,
        ),
        ProvenanceMode::Jsonl => Some(
            CompressedAtomic::create(&options.out.join(&spool_rel), Compression::None)
                .map_err(|e| Failure::write(path.clone(), WriteError::Records(e)))?,
        ),
        ProvenanceMode::Column | ProvenanceMode::None => None,
    };
    let attributes_rel = options
        .attributes
        .as_ref()
        .map(|name| guard::attributes_rel(name, input));
    let mut attributes = match &attributes_rel {
        Some(rel) => Some(
            CompressedAtomic::create(&options.out.join(rel), Compression::None)
                .map_err(|e| Failure::write(path.clone(), WriteError::Attributes(e)))?,
        ),
        None => None,
    };
    let mut in_hash = ctx.stripper.hash().hasher();
    let mut records_hash = ctx.stripper.hash().hasher();
    let mut attributes_hash = ctx.stripper.hash().hasher();
    let mut rows = 0u64;
    let mut lone_cr = false;
    let reader = Reader::of(options);
    for rg in 0..shard.row_groups() {
        shard.each_batch(rg, &Failure::from, &mut |batch| {
            let docs = BatchDocs::of(batch, shard.text_at, &options.fields, input)?;
            let texts = docs.texts;
            let first_row = rows + 1;
            let n = batch.num_rows();
            let results: Vec<Result<CellResult, ReadError>> = ctx.pool.install(|| {
                (0..n)
                    .into_par_iter()
                    .map(|i| {
                        let cell = docs.cell(&reader, input, i, first_row + i as u64)?;
                        Ok(docs::strip_cell(
                            ctx.stripper,
                            options,
                            &cell.doc(&reader, input),
                        ))
                    })
                    .collect()
            });
            let mut out_texts: Vec<Option<&str>> = Vec::with_capacity(n);
            let mut out_records: Vec<Option<&str>> = Vec::with_capacity(n);
            for (i, result) in results.iter().enumerate() {
                let row = first_row + i as u64;
                let text = texts.get(i);
                hash_cell(&mut in_hash, text);
                entry.summary.bytes_in += text.map_or(0, |t| t.len() as u64);
                let attributes_line = match result {
                    Err(null) => {
                        entry.errors.push(Failure::from(null));
                        out_texts.push(None);
                        out_records.push(None);
                        options.attributes.as_deref().map(|name| {
                            docs::attributes_row(name, &docs.meta.id(i).unwrap_or_default(), None)
                        })
                    }
                    Ok(r) => {
                        out_texts.push(Some(&r.outcome.output));
                        out_records.push(r.record_json.as_deref());
                        entry.summary.bytes_out += r.outcome.output.len() as u64;
                        if r.lone_cr && !lone_cr {
                            lone_cr = true;
                            entry.warnings.push(Failure {
                                file: path.clone(),
                                line: Some(row),
                                message: docs::LONE_CR.to_string(),
                            });
                        }
                        if let (Some(w), Some(json)) = (records.as_mut(), &r.record_json) {
                            w.write_all(json.as_bytes())
                                .and_then(|_| w.write_all(b"\n"))
                                .map_err(|e| {
                                    Failure::write(path.clone(), WriteError::Records(e))
                                })?;
                            records_hash.update(json.as_bytes());
                            records_hash.update(b"\n");
                        }
                        add_outcome(entry, &r.outcome);
                        options.attributes.as_deref().map(|name| {
                            docs::attributes_row(
                                name,
                                &r.outcome.record.id,
                                Some(&r.outcome.record),
                            )
                        })
                    }
                };
                if let (Some(a), Some(line)) = (attributes.as_mut(), attributes_line) {
                    a.write_all(line.as_bytes())
                        .and_then(|_| a.write_all(b"\n"))
                        .map_err(|e| Failure::write(path.clone(), WriteError::Attributes(e)))?;
                    attributes_hash.update(line.as_bytes());
                    attributes_hash.update(b"\n");
                }
            }
            let mut columns = batch.columns().to_vec();
            columns[shard.text_at] = texts.build(out_texts);
            if column {
                columns.push(Arc::new(StringArray::from(out_records)));
            }
            let out_batch = RecordBatch::try_new(schema.clone(), columns).map_err(|e| {
                Failure::write(path.clone(), WriteError::Batch(shown_out.clone(), e))
            })?;
            writer.write(&out_batch).map_err(|e| {
                Failure::write(path.clone(), WriteError::RowGroup(shown_out.clone(), e))
            })?;
            rows += n as u64;
            Ok(())
        })?;
        // One output row group per input row group.
        writer
            .flush()
            .map_err(|e| cannot_write(WriteError::Parquet(e)))?;
    }
    let out = writer
        .into_inner()
        .map_err(|e| cannot_write(WriteError::Parquet(e)))?;
    entry.summary.output_hash = out.hasher.finish();
    out.inner
        .commit()
        .map_err(|e| cannot_write(WriteError::Output(e)))?;
    if let Some(w) = records {
        w.commit()
            .map_err(|e| Failure::write(path.clone(), WriteError::Records(e)))?;
        let rel = if options.provenance == ProvenanceMode::Jsonl {
            entry.spool = Some(spool_rel.clone());
            spool_rel
        } else {
            sidecar_rel
        };
        entry.side_hashes.insert(rel, records_hash.finish());
    }
    if let (Some(a), Some(rel)) = (attributes, attributes_rel) {
        a.commit()
            .map_err(|e| Failure::write(path.clone(), WriteError::Attributes(e)))?;
        entry.side_hashes.insert(rel, attributes_hash.finish());
    }
    entry.summary.rows = rows;
    entry.summary.input_hash = in_hash.finish();
    Ok(())
}

/// The hash of a file's bytes, made with the function of `like`.
fn file_hash(path: &Path, like: &str) -> Result<String, RebuildError> {
    let kind = provenance::HashKind::of(like).unwrap_or_default();
    let mut file = File::open(path).map_err(RebuildError::Io)?;
    super::read_hash(&mut file, kind)
        .map(|(hash, _)| hash)
        .map_err(RebuildError::Io)
}

/// Rebuilds the input of the output shard `source` (or only checks that it
/// would be rebuilt, when `target` is `None`): each stripped row's text from
/// its record, every other column as it is, the provenance column dropped.
/// `records` are the shard's records, or `None` when they are in its
/// provenance column. Checks the output's hash, each record against its row,
/// the row count and the rebuilt texts' hash. Returns the documents rebuilt.
pub(super) fn restore_file(
    source: &Path,
    target: Option<&Path>,
    file: &FileSummary,
    records: Option<Vec<Record>>,
    text_field: &str,
) -> Result<u64, RebuildError> {
    guarded(
        || rebuild(source, target, file, records, text_field),
        source,
        RebuildError::Read,
    )
}

fn rebuild(
    source: &Path,
    target: Option<&Path>,
    file: &FileSummary,
    records: Option<Vec<Record>>,
    text_field: &str,
) -> Result<u64, RebuildError> {
    let shown = source.display().to_string();
    let at_file = |e: RebuildError| RebuildError::in_file(&shown, e);
    if !file.output_hash.is_empty() {
        let found = file_hash(source, &file.output_hash).map_err(at_file)?;
        if found != file.output_hash {
            return Err(at_file(RebuildError::OutputHash {
                found,
                expected: file.output_hash.clone(),
            }));
        }
    }
    let shard = Shard::open(source, text_field).map_err(RebuildError::Read)?;
    let schema = shard.schema().clone();
    let column_at = match records {
        Some(_) => None,
        None => Some(
            schema
                .index_of(PROVENANCE_COLUMN)
                .map_err(|_| at_file(RebuildError::NoRecordsColumn))?,
        ),
    };
    let mut by_row: HashMap<u64, Record> = records
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| r.line.map(|l| (l, r)))
        .collect();
    let rebuilt_schema = match column_at {
        Some(at) => {
            let mut fields: Vec<Arc<Field>> = schema.fields().iter().cloned().collect();
            fields.remove(at);
            Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
        }
        None => schema.clone(),
    };
    let mut writer = match target {
        Some(target) => {
            let out = AtomicFile::create(target).map_err(|source| RebuildError::Write {
                file: target.display().to_string(),
                source,
            })?;
            Some(
                ArrowWriter::try_new(
                    out,
                    rebuilt_schema.clone(),
                    Some(writer_properties(shard.meta.metadata())),
                )
                .map_err(|source| RebuildError::ParquetWrite {
                    file: target.display().to_string(),
                    source,
                })?,
            )
        }
        None => None,
    };
    let written = target.unwrap_or(Path::new("")).display();
    let cannot_write = |source: parquet::errors::ParquetError| RebuildError::ParquetWrite {
        file: written.to_string(),
        source,
    };
    let mut in_hash = provenance::HashKind::of(&file.input_hash)
        .unwrap_or_default()
        .hasher();
    let mut rows = 0u64;
    let mut docs = 0u64;
    for rg in 0..shard.row_groups() {
        shard
            .each_batch(rg, &RebuildError::Batch, &mut |batch| {
                let texts = Strings::of(batch.column(shard.text_at).as_ref())
                    .ok_or_else(|| RebuildError::NoStrings(text_field.to_string()))?;
                let in_column = match column_at {
                    Some(at) => {
                        Some(Strings::of(batch.column(at).as_ref()).ok_or_else(|| {
                            RebuildError::NoStrings(PROVENANCE_COLUMN.to_string())
                        })?)
                    }
                    None => None,
                };
                let mut rebuilt: Vec<Option<String>> = Vec::with_capacity(batch.num_rows());
                for i in 0..batch.num_rows() {
                    rows += 1;
                    let row = rows;
                    let at = |e: RebuildError| RebuildError::at_row(row, e);
                    let record = match in_column {
                        Some(c) => match c.get(i) {
                            Some(json) => Some(
                                serde_json::from_str::<Record>(json)
                                    .map_err(|e| at(RebuildError::CellRecord(e)))?,
                            ),
                            None => None,
                        },
                        None => by_row.remove(&row),
                    };
                    let text = texts.get(i);
                    let original = match (record, text) {
                        (None, text) => text.map(str::to_string),
                        (Some(_), None) => {
                            return Err(at(RebuildError::NullText(text_field.to_string())));
                        }
                        (Some(record), Some(text)) => {
                            let original =
                                provenance::restore(text, &record).map_err(|e| at(e.into()))?;
                            super::restore::check_record(&original, text, &record).map_err(at)?;
                            docs += 1;
                            Some(original)
                        }
                    };
                    hash_cell(&mut in_hash, original.as_deref());
                    rebuilt.push(original);
                }
                if let Some(w) = writer.as_mut() {
                    let mut columns = batch.columns().to_vec();
                    columns[shard.text_at] =
                        texts.build(rebuilt.iter().map(|t| t.as_deref()).collect());
                    if let Some(at) = column_at {
                        columns.remove(at);
                    }
                    let out = RecordBatch::try_new(rebuilt_schema.clone(), columns)
                        .map_err(RebuildError::Arrow)?;
                    w.write(&out).map_err(cannot_write)?;
                }
                Ok(())
            })
            .map_err(at_file)?;
        if let Some(w) = writer.as_mut() {
            w.flush().map_err(cannot_write)?;
        }
    }
    if let Some(row) = by_row.keys().min() {
        return Err(at_file(RebuildError::at_row(*row, RebuildError::NoSuchRow)));
    }
    if rows != file.rows {
        return Err(at_file(RebuildError::RowCount {
            found: rows,
            expected: file.rows,
        }));
    }
    let found = in_hash.finish();
    if found != file.input_hash {
        return Err(at_file(RebuildError::InputHash {
            found,
            expected: file.input_hash.clone(),
        }));
    }
    if let Some(w) = writer {
        w.into_inner()
            .map_err(cannot_write)?
            .commit()
            .map_err(|source| RebuildError::Write {
                file: written.to_string(),
                source,
            })?;
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_of_the_reader_is_an_error() {
        let message = |e: ReadError| Failure::from(e).message;
        let r: Result<(), String> =
            guarded(|| panic!("index out of bounds"), Path::new("f"), message);
        assert_eq!(
            r.unwrap_err(),
            "the Parquet reader failed on it (index out of bounds); skipped"
        );
        let r: Result<u8, String> = guarded(|| Ok(1), Path::new("f"), message);
        assert_eq!(r, Ok(1));
    }

    #[test]
    fn the_text_hash_tells_null_from_empty_and_splits_apart() {
        let hash = |cells: &[Option<&str>]| {
            let mut h = provenance::HashKind::Blake3.hasher();
            for c in cells {
                hash_cell(&mut h, *c);
            }
            h.finish()
        };
        assert_ne!(hash(&[None]), hash(&[Some("")]));
        assert_ne!(
            hash(&[Some("ab"), Some("c")]),
            hash(&[Some("a"), Some("bc")])
        );
        assert_eq!(hash(&[Some("ab")]), hash(&[Some("ab")]));
    }
}
