//! The batch pipeline: corpora in (text trees, JSONL and Parquet shards),
//! clean corpora, provenance and a manifest out.
//!
//! Inputs are processed in sorted order, in batches spread over the worker
//! threads; each batch's results are written in input order, so the output
//! bytes are the same for any number of threads. Memory is bounded by the
//! batch size, not by the corpus: JSONL files are streamed in blocks of rows.
//!
//! The library never prints: problems and progress go to an [`Observer`].

mod docs;
pub mod guard;
pub mod lock;
pub mod manifest;
mod output;
#[cfg(feature = "parquet")]
mod parquet;
pub mod read;
pub mod restore;
pub mod walk;

pub use guard::Refused;
pub use lock::Lock;
pub use manifest::Manifest;
pub use output::{AtomicFile, CompressedAtomic, named, write_atomic};
pub use walk::{Input, Kind, Skipped, WalkError, WalkOptions};

use crate::compress::{self, Compression};
use crate::engine::Stripper;
use crate::provenance::{Mode, Record, sha256_hex};
use docs::{DocOutcome, Fields};
use manifest::{FileSummary, Totals};
use rayon::prelude::*;
use read::{Doc, Lines, ReadError, Reader, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub use docs::Fields as FieldNames;
pub(crate) use docs::cut;

/// Where provenance records go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvenanceMode {
    /// `OUT/provenance.jsonl` (`provenance-RRRRR.jsonl` per rank).
    Jsonl,
    /// `<name>.prov.json` beside each text output (`<name>.prov.jsonl` beside
    /// each JSONL output).
    Sidecar,
    /// No records (the manifest is still written).
    None,
    /// In each Parquet output, a string column named [`PROVENANCE_COLUMN`]
    /// holding each row's record as JSON (null for a row not stripped).
    /// For Parquet inputs only: any other input fails.
    Column,
}

/// What each JSONL output row says of its stripping, in `metadata.chaff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowSummary {
    /// `edits` and `chars_removed` (the default).
    #[default]
    Compact,
    /// Also `rules_digest` and `mode`, which the manifest and the records
    /// hold as well.
    Full,
    /// Nothing: rows keep their `metadata` as it was.
    None,
}

impl RowSummary {
    /// What runs wrote before the summary could be chosen.
    pub(crate) fn earlier() -> RowSummary {
        RowSummary::Full
    }
}

/// Which documents get a provenance record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Records {
    /// Every document (the default).
    #[default]
    All,
    /// Only documents something was removed from. A document left as it
    /// was is written as it was (a JSONL row byte for byte, with no
    /// summary), so restore needs nothing to rebuild it; the file hashes
    /// still cover it.
    Edited,
}

/// Whether the records files are compressed: `OUT/provenance.jsonl` and the
/// sidecars of JSONL and Parquet outputs (a text output's one-record
/// sidecar never is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordsCompression {
    /// zstd when some input is compressed (a `.gz` or `.zst` JSONL shard,
    /// or a Parquet shard), plain otherwise. A run resolves it before it
    /// starts; a manifest never says `auto`.
    #[default]
    Auto,
    /// zstd: `provenance.jsonl.zst`, `<name>.prov.jsonl.zst`. The provenance
    /// file holds one zstd frame per input, so a resumed input's records are
    /// copied as they are.
    Zstd,
    /// Plain JSONL.
    None,
}

impl RecordsCompression {
    /// What a run over `inputs` writes.
    pub fn resolve(self, inputs: &[Input]) -> RecordsCompression {
        match self {
            RecordsCompression::Auto => {
                let compressed = inputs.iter().any(|i| {
                    i.kind == Kind::Parquet
                        || i.kind == Kind::Jsonl
                            && Compression::detect(&i.path, b"") != Compression::None
                });
                if compressed {
                    RecordsCompression::Zstd
                } else {
                    RecordsCompression::None
                }
            }
            other => other,
        }
    }

    /// `.zst` when compressed, else nothing.
    pub fn suffix(self) -> &'static str {
        match self {
            RecordsCompression::Zstd => ".zst",
            RecordsCompression::Auto | RecordsCompression::None => "",
        }
    }

    /// The compression of the records files.
    pub fn compression(self) -> Compression {
        match self {
            RecordsCompression::Zstd => Compression::Zstd,
            RecordsCompression::Auto | RecordsCompression::None => Compression::None,
        }
    }

    /// What manifests written before records could be compressed say.
    pub(crate) fn earlier() -> RecordsCompression {
        RecordsCompression::None
    }
}

/// The column `--provenance column` adds to Parquet outputs.
pub const PROVENANCE_COLUMN: &str = "chaff";

/// What a batch run does.
#[derive(Debug, Clone)]
pub struct Options {
    /// The output folder.
    pub out: PathBuf,
    /// Strip, mask or tag.
    pub mode: Mode,
    /// Where records go.
    pub provenance: ProvenanceMode,
    /// Which documents get a record.
    pub records: Records,
    /// Whether the records files are compressed.
    pub records_compression: RecordsCompression,
    /// Levels of the compressed outputs (shards, records, attributes).
    pub levels: compress::Levels,
    /// What each JSONL row says in `metadata.chaff`.
    pub row_summary: RowSummary,
    /// Write Dolma attribute files under `attributes/NAME/`.
    pub attributes: Option<String>,
    /// JSONL field names.
    pub fields: Fields,
    /// Publisher of every document, overriding metadata.
    pub publisher: Option<String>,
    /// This run's rank (0-based) among `world_size`.
    pub rank: usize,
    /// How many runs split the corpus; 1 for a single run.
    pub world_size: usize,
    /// Skip inputs that are unchanged since a previous run with the same
    /// rules and options (a killed run resumes where it stopped).
    pub resume: bool,
    /// How folders are walked.
    pub walk: WalkOptions,
    /// Worker threads; 0 for one per core.
    pub jobs: usize,
    /// Largest share of a document's characters that may be removed before
    /// it is flagged (0.0–1.0).
    pub budget: f64,
    /// Leave documents over the budget unstripped.
    pub budget_keep: bool,
}

impl Options {
    fn pool(&self) -> io::Result<rayon::ThreadPool> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.jobs)
            .build()
            .map_err(io::Error::other)
    }

    /// Defaults for writing into `out`.
    pub fn new(out: impl Into<PathBuf>) -> Options {
        Options {
            out: out.into(),
            mode: Mode::Strip,
            provenance: ProvenanceMode::Jsonl,
            records: Records::All,
            records_compression: RecordsCompression::Auto,
            levels: compress::Levels::default(),
            row_summary: RowSummary::Compact,
            attributes: None,
            fields: Fields::default(),
            publisher: None,
            rank: 0,
            world_size: 1,
            resume: false,
            walk: WalkOptions::default(),
            jobs: 0,
            budget: 0.5,
            budget_keep: false,
        }
    }

    /// `-RRRRR` when the run is one rank of several, else empty.
    pub fn rank_suffix(&self) -> String {
        if self.world_size > 1 {
            format!("-{:05}", self.rank)
        } else {
            String::new()
        }
    }

    /// The provenance file of this run (`provenance.jsonl`, or
    /// `provenance.jsonl.zst` with compressed records).
    pub fn provenance_path(&self) -> PathBuf {
        self.out.join(provenance_name(
            &self.rank_suffix(),
            self.records_compression,
        ))
    }

    /// The sidecar of records of the output `rel`.
    pub fn sidecar_name(&self, rel: &str, kind: Kind) -> String {
        sidecar_name(rel, kind, self.records_compression)
    }

    /// The manifest of this run.
    pub fn manifest_path(&self) -> PathBuf {
        self.out
            .join(format!("_manifest{}.json", self.rank_suffix()))
    }

    pub(crate) fn journal_path(&self) -> PathBuf {
        self.out
            .join(".chaff")
            .join(format!("journal{}.jsonl", self.rank_suffix()))
    }

    /// What must be equal for a previous output to be reused on resume.
    fn key(&self, stripper: &Stripper) -> String {
        let canonical = serde_json::json!({
            "tool": env!("CARGO_PKG_VERSION"),
            "rules": stripper.rules().digest(),
            "hash": stripper.hash().as_str(),
            "mode": self.mode,
            "provenance": self.provenance,
            "records": self.records,
            "records_compression": self.records_compression,
            "row_summary": self.row_summary,
            "attributes": self.attributes,
            "fields": self.fields,
            "publisher": self.publisher,
            "budget": self.budget,
            "budget_keep": self.budget_keep,
        });
        sha256_hex(canonical.to_string().as_bytes())
    }
}

/// A problem with one input file or row. The run goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The input file.
    pub file: String,
    /// The 1-based line, for a JSONL row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// What went wrong.
    pub message: String,
}

impl Failure {
    /// A problem with a whole file.
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Failure {
        Failure {
            file: file.into(),
            line: None,
            message: message.into(),
        }
    }
}

impl Failure {
    /// An output of the file that could not be written.
    pub fn write(file: impl Into<String>, error: WriteError) -> Failure {
        Failure::file(file, error.to_string())
    }
}

/// Why an output of a run (the output itself, its sidecar, its records or
/// its attributes) could not be written. The message leaves out the file,
/// which the [`Failure`] names.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The output could not be written.
    #[error("cannot write: {0}")]
    Output(#[source] io::Error),
    /// The sidecar of records could not be written.
    #[error("cannot write sidecar: {0}")]
    Sidecar(#[source] io::Error),
    /// The records could not be written.
    #[error("cannot write records: {0}")]
    Records(#[source] io::Error),
    /// The attributes could not be written.
    #[error("cannot write attributes: {0}")]
    Attributes(#[source] io::Error),
    /// The Parquet writer of the output failed.
    #[cfg(feature = "parquet")]
    #[error("cannot write: {0}")]
    Parquet(#[source] ::parquet::errors::ParquetError),
    /// A record batch of the output (the file named) could not be built.
    #[cfg(feature = "parquet")]
    #[error("cannot write {0}: {1}")]
    Batch(String, #[source] arrow_schema::ArrowError),
    /// A record batch could not be written to the output (the file named).
    #[cfg(feature = "parquet")]
    #[error("cannot write {0}: {1}")]
    RowGroup(String, #[source] ::parquet::errors::ParquetError),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Receives what a run has to say while it runs (on the calling thread).
pub trait Observer {
    /// A file or row failed (it is also listed in the summary).
    fn failure(&self, failure: &Failure);
    /// Something about an input that is not an error but may surprise (it
    /// is processed all the same).
    fn warning(&self, _warning: &Failure) {}
    /// Work done so far: documents and input bytes.
    fn progress(&self, _documents: u64, _bytes: u64) {}
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {
    fn failure(&self, _: &Failure) {}
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Totals over every input.
    pub totals: Totals,
    /// Every problem, in input order.
    pub failures: Vec<Failure>,
    /// Hits per rule id.
    pub hits: BTreeMap<String, u64>,
    /// Documents per publisher (`unknown` for none).
    pub publishers: BTreeMap<String, u64>,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Documents over the removal budget (`file` or `file:line`).
    pub over_budget: Vec<String>,
    /// For a stream: the rows delivered before the output was closed (as
    /// `| head` closes it), when it was; the totals and records cover those
    /// rows only.
    pub closed_after: Option<u64>,
}

impl Summary {
    /// Whether every input and row was processed.
    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Per-file result, kept in the journal so a later run can reuse it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    summary: FileSummary,
    key: String,
    size: u64,
    modified_ns: Option<u128>,
    errors: Vec<Failure>,
    /// Warnings about the input (it was processed all the same).
    #[serde(default)]
    warnings: Vec<Failure>,
    hits: BTreeMap<String, u64>,
    publishers: BTreeMap<String, u64>,
    over_budget: Vec<String>,
    records: Vec<Box<RawValue>>,
    /// For a JSONL input: its records, spooled to a file under
    /// `.chaff/records/` so a large shard's provenance never sits in memory.
    #[serde(default)]
    spool: Option<String>,
    /// Hashes of the other files written for the input (sidecar, records
    /// spool, attribute file; of their decompressed bytes), by path relative
    /// to the output folder, so resume can tell one that changed.
    #[serde(default)]
    side_hashes: BTreeMap<String, String>,
    /// Where the input's records are in the provenance file, once a run has
    /// finished: the spool and the inline records are gone then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stored: Option<Stored>,
}

/// A finished input's records: a range of the provenance file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stored {
    /// Byte offset of the first record.
    offset: u64,
    /// Bytes of the file that hold them: the records, each with its line
    /// break, or their zstd frame when records are compressed.
    len: u64,
    /// Hash of those bytes.
    hash: String,
}

/// Shared, read-only state of a run.
struct Ctx<'a> {
    stripper: &'a Stripper,
    options: &'a Options,
    key: String,
    pool: &'a rayon::ThreadPool,
}

/// Files per batch at most.
const BATCH_FILES: usize = 64;
/// Input bytes per batch at most (a larger single file is its own batch).
const BATCH_BYTES: u64 = 64 << 20;

/// Strips every input under `paths` into `options.out`.
pub fn strip(
    stripper: &Stripper,
    paths: &[PathBuf],
    options: &Options,
    observer: &dyn Observer,
) -> io::Result<Summary> {
    let started = Instant::now();
    let mut summary = Summary::default();
    let inputs = walk::find(
        paths,
        &options.walk,
        Some(&options.out),
        &mut summary.failures,
    )
    .map_err(io::Error::other)?;
    let resolved = Options {
        records_compression: options.records_compression.resolve(&inputs),
        ..options.clone()
    };
    let options = &resolved;
    guard::check_strip(paths, &inputs, options).map_err(Refused::into_io)?;
    let inputs = guard::claim(inputs, options, &mut summary.failures);
    // Held until the manifest is written: two runs into one folder would
    // interleave their journals and outputs.
    let _lock = Lock::take(&options.out, "strip")?;
    // What a killed run was writing; no other run is writing here now.
    output::remove_stale_temps(&options.out);
    for f in &summary.failures {
        observer.failure(f);
    }
    let inputs = walk::partition(inputs, options.rank, options.world_size);
    let state = options.out.join(".chaff");
    std::fs::create_dir_all(&state).map_err(named(&state))?;
    let pool = options.pool()?;
    let ctx = Ctx {
        stripper,
        options,
        key: options.key(stripper),
        pool: &pool,
    };
    let journal_path = options.journal_path();
    let previous = if options.resume {
        Journal::index(&journal_path)?
    } else {
        HashMap::new()
    };
    let mut journal = Journal::open(&journal_path, options.resume).map_err(named(&journal_path))?;
    // Offsets in the journal of each input's entry, or why it failed, in
    // input order.
    let mut entries: Vec<Result<(u64, u64), Failure>> = Vec::with_capacity(inputs.len());
    let (mut docs_done, mut bytes_done) = (0u64, 0u64);
    let mut start = 0;
    while start < inputs.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < inputs.len()
            && end - start < BATCH_FILES
            && (end == start || bytes < BATCH_BYTES)
        {
            bytes += std::fs::metadata(&inputs[end].path).map_or(0, |m| m.len());
            end += 1;
        }
        let batch = &inputs[start..end];
        let results: Vec<Result<Entry, Failure>> = pool.install(|| {
            batch
                .par_iter()
                .map(|input| {
                    if let Some(entry) = previous
                        .get(&input.rel)
                        .and_then(|&at| reusable(&ctx, input, &journal_path, at))
                    {
                        return Ok(entry);
                    }
                    process(&ctx, input)
                })
                .collect()
        });
        for result in results {
            match result {
                Ok(entry) => {
                    for w in &entry.warnings {
                        observer.warning(w);
                    }
                    for f in &entry.errors {
                        observer.failure(f);
                    }
                    docs_done += entry.summary.docs;
                    bytes_done += entry.summary.bytes_in;
                    let at = journal.append(&entry).map_err(named(&journal_path))?;
                    entries.push(Ok(at));
                }
                Err(f) => {
                    observer.failure(&f);
                    entries.push(Err(f));
                }
            }
        }
        journal.flush().map_err(named(&journal_path))?;
        observer.progress(docs_done, bytes_done);
        start = end;
    }
    drop(journal);
    finish(&ctx, &journal_path, &entries, &mut summary, started)?;
    Ok(summary)
}

/// Writes provenance and the manifest from the journal, and compacts it.
///
/// Each input's records are copied into the provenance file from where the
/// run left them (inline in its journal entry, in its spool, or in the
/// previous provenance file for a resumed input); the compacted journal then
/// says where they are in the new file, and the spools are removed.
fn finish(
    ctx: &Ctx<'_>,
    journal_path: &Path,
    entries: &[Result<(u64, u64), Failure>],
    summary: &mut Summary,
    started: Instant,
) -> io::Result<()> {
    let options = ctx.options;
    let provenance_path = options.provenance_path();
    let manifest_path = options.manifest_path();
    let mut journal = File::open(journal_path).map_err(named(journal_path))?;
    let mut provenance = match options.provenance {
        ProvenanceMode::Jsonl => {
            Some(output::AtomicFile::create(&provenance_path).map_err(named(&provenance_path))?)
        }
        _ => None,
    };
    // The provenance file of the previous run, read for resumed inputs until
    // the new one replaces it.
    let mut previous: Option<File> = None;
    let mut written = 0u64;
    let mut spools: Vec<PathBuf> = Vec::new();
    let mut compacted = output::AtomicFile::create(journal_path).map_err(named(journal_path))?;
    // File summaries go straight into the manifest: memory does not grow
    // with the number of files.
    let mut manifest = manifest::ManifestWriter::start(
        output::AtomicFile::create(&manifest_path).map_err(named(&manifest_path))?,
        ctx.stripper,
        options,
    )
    .map_err(named(&manifest_path))?;
    let mut line = Vec::new();
    for entry in entries {
        let (offset, len) = match entry {
            Ok(at) => *at,
            Err(failure) => {
                summary.failures.push(failure.clone());
                continue;
            }
        };
        line.resize(len as usize, 0);
        journal
            .seek(SeekFrom::Start(offset))
            .and_then(|_| journal.read_exact(&mut line))
            .map_err(named(journal_path))?;
        let mut entry: Entry = serde_json::from_slice(&line)
            .map_err(io::Error::other)
            .map_err(named(journal_path))?;
        if let Some(p) = provenance.as_mut() {
            let mut hashing = Hashing {
                inner: p,
                hasher: ctx.stripper.hash().hasher(),
                written: 0,
            };
            let spool_rel = entry.spool.take();
            let spool = spool_rel.as_ref().map(|rel| options.out.join(rel));
            let fresh = !entry.records.is_empty()
                || spool
                    .as_ref()
                    .is_some_and(|p| std::fs::metadata(p).map_or(true, |m| m.len() > 0));
            if fresh {
                // This input's records, compressed as one frame of their
                // own when records are.
                let copy = |w: &mut dyn Write| -> io::Result<()> {
                    for r in &entry.records {
                        w.write_all(r.get().as_bytes())
                            .and_then(|_| w.write_all(b"\n"))
                            .map_err(named(&provenance_path))?;
                    }
                    if let Some(path) = &spool {
                        File::open(path)
                            .and_then(|mut f| io::copy(&mut f, w))
                            .map_err(named(path))?;
                    }
                    Ok(())
                };
                match options.records_compression {
                    RecordsCompression::Zstd => {
                        let mut frame = compress::zstd_encoder(&mut hashing, options.levels.zstd)
                            .map_err(named(&provenance_path))?;
                        copy(&mut frame)?;
                        frame.finish().map_err(named(&provenance_path))?;
                    }
                    RecordsCompression::Auto | RecordsCompression::None => copy(&mut hashing)?,
                }
            }
            if let (Some(rel), Some(path)) = (spool_rel, spool) {
                entry.side_hashes.remove(&rel);
                spools.push(path);
            }
            let w = &mut hashing;
            if let Some(stored) = entry.stored.take() {
                if previous.is_none() {
                    previous = Some(File::open(&provenance_path).map_err(named(&provenance_path))?);
                }
                let old = previous.as_mut().expect("opened above");
                old.seek(SeekFrom::Start(stored.offset))
                    .map_err(named(&provenance_path))?;
                let copied =
                    io::copy(&mut old.take(stored.len), w).map_err(named(&provenance_path))?;
                if copied != stored.len {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "{}: records of {} cut short",
                            provenance_path.display(),
                            entry.summary.file
                        ),
                    ));
                }
            }
            entry.records.clear();
            let (hash, len) = (hashing.hasher.finish(), hashing.written);
            entry.stored = Some(Stored {
                offset: written,
                len,
                hash,
            });
            written += len;
            line = serde_json::to_vec(&entry).map_err(io::Error::other)?;
        }
        compacted
            .write_all(&line)
            .and_then(|_| compacted.write_all(b"\n"))
            .map_err(named(journal_path))?;
        summary.totals.add(&entry.summary);
        for (rule, n) in entry.hits {
            *summary.hits.entry(rule).or_default() += n;
        }
        for (p, n) in entry.publishers {
            *summary.publishers.entry(p).or_default() += n;
        }
        summary.over_budget.extend(entry.over_budget);
        summary.failures.extend(entry.errors);
        manifest
            .file(&entry.summary)
            .map_err(named(&manifest_path))?;
    }
    drop(previous);
    if let Some(p) = provenance {
        p.commit().map_err(named(&provenance_path))?;
    }
    compacted.commit().map_err(named(journal_path))?;
    // The records are in the provenance file now, and the journal says
    // where: the spools are copies.
    remove_spools(&options.out, &spools);
    summary.seconds = started.elapsed().as_secs_f64();
    summary.totals.failed_files =
        summary.failures.iter().filter(|f| f.line.is_none()).count() as u64;
    summary.totals.failed_rows = summary.failures.len() as u64 - summary.totals.failed_files;
    manifest
        .finish(summary)
        .and_then(output::AtomicFile::commit)
        .map_err(named(&manifest_path))
}

/// A writer that hashes and counts what goes through it.
struct Hashing<'a, W: Write> {
    inner: &'a mut W,
    hasher: crate::provenance::Hasher,
    written: u64,
}

impl<W: Write> Write for Hashing<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Removes this run's spool files, then the folders they leave empty (a
/// folder another rank still writes into stays).
fn remove_spools(out: &Path, spools: &[PathBuf]) {
    let root = out.join(".chaff").join("records");
    for spool in spools {
        let _ = std::fs::remove_file(spool);
        let mut dir = spool.parent();
        while let Some(d) = dir {
            if !d.starts_with(&root) || std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
}

/// A previous run's entry for `input`, if it can stand: same key, same file
/// size and modification time, and its outputs still there.
fn reusable(ctx: &Ctx<'_>, input: &Input, journal: &Path, at: (u64, u64)) -> Option<Entry> {
    let meta = std::fs::metadata(&input.path).ok()?;
    let mut file = File::open(journal).ok()?;
    file.seek(SeekFrom::Start(at.0)).ok()?;
    let mut line = vec![0; at.1 as usize];
    file.read_exact(&mut line).ok()?;
    let entry: Entry = serde_json::from_slice(&line).ok()?;
    let same = entry.key == ctx.key
        && entry.size == meta.len()
        && entry.modified_ns == modified_ns(&meta)
        && ctx.options.out.join(&input.rel).is_file()
        && (ctx.options.provenance != ProvenanceMode::Sidecar
            || ctx.options.records == Records::Edited
            || ctx
                .options
                .out
                .join(ctx.options.sidecar_name(&input.rel, input.kind))
                .is_file())
        && entry
            .spool
            .as_ref()
            .is_none_or(|s| ctx.options.out.join(s).is_file())
        && entry
            .stored
            .as_ref()
            .is_none_or(|s| stored_unchanged(&ctx.options.provenance_path(), s))
        && ctx.options.attributes.as_ref().is_none_or(|name| {
            ctx.options
                .out
                .join(guard::attributes_rel(name, input))
                .is_file()
        });
    // An output changed since (edited, truncated, replaced) is redone, and
    // so is one whose sidecar, records or attribute file changed.
    let same = same
        && output_unchanged(&ctx.options.out.join(&input.rel), &entry.summary)
        && entry
            .side_hashes
            .iter()
            .all(|(rel, hash)| has_hash(&ctx.options.out.join(rel), hash, Kind::Jsonl));
    same.then_some(entry).map(|mut e| {
        e.summary.resumed = true;
        e
    })
}

/// Whether the provenance file still holds the records `stored` says it
/// does.
fn stored_unchanged(path: &Path, stored: &Stored) -> bool {
    let Some(kind) = crate::provenance::HashKind::of(&stored.hash) else {
        return false;
    };
    let Ok(mut file) = File::open(path) else {
        return false;
    };
    if file.seek(SeekFrom::Start(stored.offset)).is_err() {
        return false;
    }
    read_hash(&mut file.take(stored.len), kind)
        .is_ok_and(|(hash, len)| len == stored.len && hash == stored.hash)
}

/// The hash (made with `kind`) of what `reader` holds, and how many bytes
/// that is.
fn read_hash(
    reader: &mut dyn Read,
    kind: crate::provenance::HashKind,
) -> io::Result<(String, u64)> {
    let mut hashing = Hashing {
        inner: &mut io::sink(),
        hasher: kind.hasher(),
        written: 0,
    };
    io::copy(reader, &mut hashing)?;
    Ok((hashing.hasher.finish(), hashing.written))
}

/// Whether the output at `path` still has the hash its run recorded (of the
/// decompressed bytes, for JSONL).
fn output_unchanged(path: &Path, summary: &FileSummary) -> bool {
    has_hash(path, &summary.output_hash, summary.kind)
}

/// Whether the file at `path` has the hash `expected` (of its decompressed
/// bytes, unless it is a text file).
fn has_hash(path: &Path, expected: &str, file_kind: Kind) -> bool {
    let Some(kind) = crate::provenance::HashKind::of(expected) else {
        return false;
    };
    let mut reader: Box<dyn Read> = match file_kind {
        Kind::Text | Kind::Parquet => match File::open(path) {
            Ok(f) => Box::new(f),
            Err(_) => return false,
        },
        Kind::Jsonl => match compress::open(path) {
            Ok((r, _)) => Box::new(r),
            Err(_) => return false,
        },
    };
    read_hash(&mut reader, kind).is_ok_and(|(hash, _)| hash == expected)
}

fn modified_ns(meta: &std::fs::Metadata) -> Option<u128> {
    meta.modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_nanos())
}

/// The provenance file of a run whose rank suffix is `suffix` (empty for a
/// single run), with records compressed as `records` says.
pub fn provenance_name(suffix: &str, records: RecordsCompression) -> String {
    format!("provenance{suffix}.jsonl{}", records.suffix())
}

/// The sidecar file of an output, with records compressed as `records`
/// says (a text output's sidecar is one record, never compressed).
pub fn sidecar_name(rel: &str, kind: Kind, records: RecordsCompression) -> String {
    match kind {
        Kind::Text => format!("{rel}.prov.json"),
        Kind::Jsonl | Kind::Parquet => format!("{rel}.prov.jsonl{}", records.suffix()),
    }
}

/// The append-only journal of per-file entries.
struct Journal {
    file: BufWriter<File>,
    at: u64,
}

impl Journal {
    fn open(path: &Path, append: bool) -> io::Result<Journal> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(append)
            .write(true)
            .truncate(!append)
            .open(path)?;
        let mut at = file.seek(SeekFrom::End(0))?;
        // A killed run may have left half a line: start on a fresh one.
        if at > 0 {
            let mut last = [0u8];
            let mut reader = File::open(path)?;
            reader.seek(SeekFrom::End(-1))?;
            reader.read_exact(&mut last)?;
            if last[0] != b'\n' {
                file.write_all(b"\n")?;
                at += 1;
            }
        }
        Ok(Journal {
            file: BufWriter::new(file),
            at,
        })
    }

    /// The last complete entry of each file in a journal: offset and length.
    fn index(path: &Path) -> io::Result<HashMap<String, (u64, u64)>> {
        #[derive(Deserialize)]
        struct Head {
            summary: HeadSummary,
        }
        #[derive(Deserialize)]
        struct HeadSummary {
            file: String,
        }
        let mut index = HashMap::new();
        let Ok(file) = File::open(path) else {
            return Ok(index);
        };
        let mut reader = io::BufReader::new(file);
        let mut at = 0u64;
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = reader.read_until(b'\n', &mut line)? as u64;
            if n == 0 {
                break;
            }
            // A line cut short by a killed run has no newline: ignore it.
            if line.last() == Some(&b'\n')
                && let Ok(head) = serde_json::from_slice::<Head>(&line[..line.len() - 1])
            {
                index.insert(head.summary.file, (at, n - 1));
            }
            at += n;
        }
        Ok(index)
    }

    fn append(&mut self, entry: &Entry) -> io::Result<(u64, u64)> {
        let bytes = serde_json::to_vec(entry).map_err(io::Error::other)?;
        self.file.write_all(&bytes)?;
        self.file.write_all(b"\n")?;
        let at = (self.at, bytes.len() as u64);
        self.at += bytes.len() as u64 + 1;
        Ok(at)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Strips one input file into its outputs.
fn process(ctx: &Ctx<'_>, input: &Input) -> Result<Entry, Failure> {
    let fail = |m: String| Failure::file(input.path.display().to_string(), m);
    let meta = std::fs::metadata(&input.path).map_err(|source| {
        Failure::from(ReadError::Open {
            file: input.path.display().to_string(),
            source,
        })
    })?;
    let mut entry = Entry {
        summary: FileSummary::new(input),
        key: ctx.key.clone(),
        size: meta.len(),
        modified_ns: modified_ns(&meta),
        errors: Vec::new(),
        warnings: Vec::new(),
        hits: BTreeMap::new(),
        publishers: BTreeMap::new(),
        over_budget: Vec::new(),
        records: Vec::new(),
        spool: None,
        side_hashes: BTreeMap::new(),
        stored: None,
    };
    if ctx.options.provenance == ProvenanceMode::Column && input.kind != Kind::Parquet {
        return Err(fail(
            "--provenance column writes records into Parquet outputs, and this input is not a Parquet shard; skipped".into(),
        ));
    }
    match input.kind {
        Kind::Text => process_text(ctx, input, &mut entry)?,
        Kind::Jsonl => process_jsonl(ctx, input, &mut entry)?,
        #[cfg(feature = "parquet")]
        Kind::Parquet => parquet::process(ctx, input, &mut entry)?,
        #[cfg(not(feature = "parquet"))]
        Kind::Parquet => {
            return Err(ReadError::NoParquet {
                file: input.path.display().to_string(),
            }
            .into());
        }
    }
    Ok(entry)
}

fn add_outcome(entry: &mut Entry, outcome: &DocOutcome) {
    let s = &mut entry.summary;
    s.docs += 1;
    s.edits += outcome.rule_edits;
    s.chars_removed += outcome.chars_removed;
    for rule in &outcome.rules {
        *entry.hits.entry(rule.clone()).or_default() += 1;
    }
    *entry
        .publishers
        .entry(
            outcome
                .publisher
                .clone()
                .unwrap_or_else(|| "unknown".into()),
        )
        .or_default() += 1;
    if outcome.over_budget {
        entry.over_budget.push(outcome.source.clone());
    }
}

fn process_text(ctx: &Ctx<'_>, input: &Input, entry: &mut Entry) -> Result<(), Failure> {
    let path = input.path.display().to_string();
    let bytes = read::read_file(input)?;
    let text = read::check_text(&path, &bytes)?;
    if docs::has_lone_cr(&bytes) {
        entry
            .warnings
            .push(Failure::file(path.clone(), docs::LONE_CR.to_string()));
    }
    let options = ctx.options;
    let doc = Reader::of(options).text_doc(input, &path, text);
    let outcome = docs::strip(ctx.stripper, options, &doc);
    let out_path = options.out.join(&input.rel);
    write_atomic(&out_path, outcome.output.as_bytes())
        .map_err(|e| Failure::write(out_path.display().to_string(), WriteError::Output(e)))?;
    let provenance = if docs::recorded(options, &outcome, text) {
        options.provenance
    } else {
        ProvenanceMode::None
    };
    match provenance {
        ProvenanceMode::Jsonl => {
            let record_json = serde_json::to_string(&outcome.record).expect("records serialize");
            entry
                .records
                .push(RawValue::from_string(record_json).expect("valid JSON"));
        }
        ProvenanceMode::Sidecar => {
            let side_rel = options.sidecar_name(&input.rel, Kind::Text);
            let side = options.out.join(&side_rel);
            let pretty = serde_json::to_vec_pretty(&outcome.record).expect("records serialize");
            write_atomic(&side, &pretty)
                .map_err(|e| Failure::write(side.display().to_string(), WriteError::Output(e)))?;
            entry
                .side_hashes
                .insert(side_rel, ctx.stripper.hash().hash(&pretty));
        }
        ProvenanceMode::None | ProvenanceMode::Column => {}
    }
    if let Some(name) = &options.attributes {
        let line = docs::attributes_row(name, &outcome.record.id, Some(&outcome.record));
        let attr_rel = guard::attributes_rel(name, input);
        let attr = options.out.join(&attr_rel);
        let bytes = format!("{line}\n");
        write_atomic(&attr, bytes.as_bytes())
            .map_err(|e| Failure::write(attr.display().to_string(), WriteError::Output(e)))?;
        entry
            .side_hashes
            .insert(attr_rel, ctx.stripper.hash().hash(bytes.as_bytes()));
    }
    let s = &mut entry.summary;
    s.bytes_in = bytes.len() as u64;
    s.bytes_out = outcome.output.len() as u64;
    s.input_hash = outcome.record.input_hash.clone();
    s.output_hash = outcome.record.output_hash.clone();
    add_outcome(entry, &outcome);
    Ok(())
}

fn process_jsonl(ctx: &Ctx<'_>, input: &Input, entry: &mut Entry) -> Result<(), Failure> {
    let path = input.path.display().to_string();
    let fail = |e: WriteError| Failure::write(path.clone(), e);
    let options = ctx.options;
    let (mut lines, compression) = Lines::open(input)?;
    entry.summary.compression = compression;
    let out_path = options.out.join(&input.rel);
    let mut out = output::CompressedAtomic::create_with(&out_path, compression, options.levels)
        .map_err(|e| Failure::write(out_path.display().to_string(), WriteError::Output(e)))?;
    // Records go to the sidecar, or to a spool that `finish` copies into
    // the provenance file.
    let spool_rel = format!(
        ".chaff/records/{}{}.jsonl",
        input.rel,
        options.rank_suffix()
    );
    let mut sidecar = match options.provenance {
        ProvenanceMode::Sidecar => Some(
            output::CompressedAtomic::create_with(
                &options
                    .out
                    .join(options.sidecar_name(&input.rel, Kind::Jsonl)),
                options.records_compression.compression(),
                options.levels,
            )
            .map_err(|e| fail(WriteError::Sidecar(e)))?,
        ),
        ProvenanceMode::Jsonl => Some(
            output::CompressedAtomic::create(&options.out.join(&spool_rel), Compression::None)
                .map_err(|e| fail(WriteError::Records(e)))?,
        ),
        ProvenanceMode::None | ProvenanceMode::Column => None,
    };
    let mut attributes = match &options.attributes {
        Some(name) => Some(
            output::CompressedAtomic::create_with(
                &options.out.join("attributes").join(name).join(&input.rel),
                compression,
                options.levels,
            )
            .map_err(|e| fail(WriteError::Attributes(e)))?,
        ),
        None => None,
    };
    let mut in_hash = ctx.stripper.hash().hasher();
    let mut out_hash = ctx.stripper.hash().hasher();
    let mut records_hash = ctx.stripper.hash().hasher();
    let mut attributes_hash = ctx.stripper.hash().hasher();
    let mut lone_cr = false;
    while lines.next_block()? {
        let block = lines.block();
        if !lone_cr && let Some(&(no, _)) = block.iter().find(|(_, line)| docs::has_lone_cr(line)) {
            lone_cr = true;
            entry.warnings.push(Failure {
                file: path.clone(),
                line: Some(no),
                message: docs::LONE_CR.to_string(),
            });
        }
        in_hash.update(lines.bytes());
        let results: Vec<docs::RowResult> = ctx.pool.install(|| {
            block
                .par_iter()
                .map(|&(no, line)| docs::strip_row(ctx.stripper, options, input, no, line))
                .collect()
        });
        for r in results {
            out_hash.update(&r.output);
            out.write_all(&r.output).map_err(|e| {
                Failure::write(out_path.display().to_string(), WriteError::Output(e))
            })?;
            entry.summary.bytes_out += r.output.len() as u64;
            if let Some(a) = attributes.as_mut() {
                a.write_all(r.attributes.as_bytes())
                    .and_then(|_| a.write_all(b"\n"))
                    .map_err(|e| fail(WriteError::Attributes(e)))?;
                attributes_hash.update(r.attributes.as_bytes());
                attributes_hash.update(b"\n");
            }
            if let Some(failure) = r.failure {
                entry.errors.push(failure);
            }
            if let Some(warning) = r.warning
                && !lone_cr
            {
                lone_cr = true;
                entry.warnings.push(warning);
            }
            if let Some(outcome) = r.outcome {
                if let Some(s) = sidecar.as_mut().filter(|_| r.recorded) {
                    let json = match r.record_json {
                        Some(json) => json,
                        None => serde_json::to_string(&outcome.record).expect("records serialize"),
                    };
                    s.write_all(json.as_bytes())
                        .and_then(|_| s.write_all(b"\n"))
                        .map_err(|e| fail(WriteError::Records(e)))?;
                    records_hash.update(json.as_bytes());
                    records_hash.update(b"\n");
                }
                add_outcome(entry, &outcome);
            }
        }
        entry.summary.bytes_in += lines.bytes().len() as u64;
    }
    out.commit()
        .map_err(|e| Failure::write(out_path.display().to_string(), WriteError::Output(e)))?;
    if let Some(s) = sidecar {
        s.commit().map_err(|e| fail(WriteError::Records(e)))?;
        let rel = if options.provenance == ProvenanceMode::Jsonl {
            entry.spool = Some(spool_rel.clone());
            spool_rel
        } else {
            options.sidecar_name(&input.rel, Kind::Jsonl)
        };
        entry.side_hashes.insert(rel, records_hash.finish());
    }
    if let (Some(a), Some(name)) = (attributes, &options.attributes) {
        a.commit().map_err(|e| fail(WriteError::Attributes(e)))?;
        entry
            .side_hashes
            .insert(guard::attributes_rel(name, input), attributes_hash.finish());
    }
    entry.summary.rows = lines.lines_read();
    entry.summary.input_hash = in_hash.finish();
    entry.summary.output_hash = out_hash.finish();
    Ok(())
}

/// Strips JSONL from `input` to `output` (a pipe: `-` on the command line).
/// Records go to `provenance` when given. Returns the summary; failed rows are
/// copied through unchanged and listed.
///
/// Each block of rows is written to `output` in one go, unbuffered here. When
/// `output` is closed (a broken pipe), reading stops: the records, totals and
/// failures are those of the rows written whole before it closed, and
/// [`Summary::closed_after`] says how many there were.
pub fn strip_stream(
    stripper: &Stripper,
    options: &Options,
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    mut provenance: Option<&mut dyn Write>,
    observer: &dyn Observer,
) -> io::Result<Summary> {
    let started = Instant::now();
    let pool = options.pool()?;
    let stdin = Input {
        path: PathBuf::from("-"),
        rel: "-".to_string(),
        kind: Kind::Jsonl,
    };
    let mut summary = Summary::default();
    let mut totals = FileSummary::new(&stdin);
    let mut delivered_rows = 0u64;
    let mut lone_cr = false;
    let mut out_buf: Vec<u8> = Vec::new();
    let mut ends: Vec<usize> = Vec::new();
    let mut lines = Lines::new(input, "-".to_string());
    while lines.next_block().map_err(ReadError::into_io)? {
        let block = lines.block();
        if !lone_cr && let Some(&(no, _)) = block.iter().find(|(_, line)| docs::has_lone_cr(line)) {
            lone_cr = true;
            observer.warning(&Failure {
                file: "-".to_string(),
                line: Some(no),
                message: docs::LONE_CR.to_string(),
            });
        }
        let results: Vec<docs::RowResult> = pool.install(|| {
            block
                .par_iter()
                .map(|&(no, line)| docs::strip_row(stripper, options, &stdin, no, line))
                .collect()
        });
        out_buf.clear();
        ends.clear();
        for r in &results {
            out_buf.extend_from_slice(&r.output);
            ends.push(out_buf.len());
        }
        let delivered = match deliver(output, &out_buf) {
            Ok(()) => out_buf.len(),
            Err((n, e)) if e.kind() == io::ErrorKind::BrokenPipe => {
                summary.closed_after = Some(0);
                n
            }
            Err((_, e)) => return Err(e),
        };
        for ((r, end), (_, line)) in results.into_iter().zip(&ends).zip(&block) {
            if *end > delivered {
                break;
            }
            delivered_rows += 1;
            totals.bytes_in += line.len() as u64;
            totals.bytes_out += r.output.len() as u64;
            if let Some(f) = r.failure {
                observer.failure(&f);
                summary.failures.push(f);
            }
            if let Some(w) = r.warning
                && !lone_cr
            {
                lone_cr = true;
                observer.warning(&w);
            }
            if let Some(o) = r.outcome {
                if let Some(p) = provenance.as_mut().filter(|_| r.recorded) {
                    match &r.record_json {
                        Some(json) => p.write_all(json.as_bytes())?,
                        None => {
                            serde_json::to_writer(&mut **p, &o.record).map_err(io::Error::other)?
                        }
                    }
                    p.write_all(b"\n")?;
                }
                totals.docs += 1;
                totals.edits += o.rule_edits;
                totals.chars_removed += o.chars_removed;
                for rule in o.rules {
                    *summary.hits.entry(rule).or_default() += 1;
                }
                *summary
                    .publishers
                    .entry(o.publisher.unwrap_or_else(|| "unknown".into()))
                    .or_default() += 1;
                if o.over_budget {
                    summary.over_budget.push(o.source);
                }
            }
        }
        observer.progress(totals.docs, totals.bytes_in);
        if summary.closed_after.is_some() {
            break;
        }
    }
    if summary.closed_after.is_some() {
        summary.closed_after = Some(delivered_rows);
    }
    totals.rows = delivered_rows;
    summary.totals.add(&totals);
    summary.totals.failed_rows = summary.failures.len() as u64;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Writes `bytes` to `output` and flushes it; on an error, also says how
/// many bytes surely went out. A flush that fails may have kept what came
/// after the last line break, so only whole lines count then.
fn deliver(output: &mut dyn Write, bytes: &[u8]) -> Result<(), (usize, io::Error)> {
    let mut at = 0;
    while at < bytes.len() {
        match output.write(&bytes[at..]) {
            Ok(0) => return Err((at, io::ErrorKind::WriteZero.into())),
            Ok(n) => at += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((whole_lines(&bytes[..at]), e)),
        }
    }
    output.flush().map_err(|e| (whole_lines(&bytes[..at]), e))
}

/// The length of the longest prefix of `bytes` that ends a line.
fn whole_lines(bytes: &[u8]) -> usize {
    memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1)
}

/// Strips every document under `paths` without writing anything, handing
/// each one's source (`file` or `file:line`), text and record to `each`, in
/// input order. The corpus is read as `strip` reads it, and problems are
/// pushed to `failures` with the messages `strip` gives them.
pub fn preview(
    stripper: &Stripper,
    paths: &[PathBuf],
    options: &Options,
    failures: &mut Vec<Failure>,
    each: &mut dyn FnMut(&str, &str, &Record),
) {
    let inputs = match walk::discover(paths, &options.walk, None, failures) {
        Ok(inputs) => inputs,
        Err(e) => {
            failures.push(Failure::file("(arguments)", e.to_string()));
            return;
        }
    };
    let pool = options.pool().ok();
    let reader = Reader {
        pool: pool.as_ref(),
        ..Reader::of(options)
    };
    let preview = Preview { stripper, options };
    for input in &inputs {
        reader.visit(input, None, &preview, &mut |part| {
            for seen in part {
                match seen {
                    Ok((source, text, record)) => each(&source, &text, &record),
                    Err(failure) => failures.push(failure),
                }
            }
        });
    }
}

/// What [`preview`] makes of each document: its source, text and record,
/// or why it could not be read.
struct Preview<'a> {
    stripper: &'a Stripper,
    options: &'a Options,
}

impl Visitor for Preview<'_> {
    type Part = Vec<Result<(String, String, Record), Failure>>;

    fn document(&self, doc: &Doc<'_>, part: &mut Self::Part) {
        let outcome = docs::strip(self.stripper, self.options, doc);
        part.push(Ok((
            doc.source().to_string(),
            doc.document.text.to_string(),
            outcome.record,
        )));
    }

    fn failure(&self, error: ReadError, part: &mut Self::Part) {
        part.push(Err(error.into()));
    }

    fn merge(&self, part: &mut Self::Part, later: Self::Part) {
        part.extend(later);
    }
}
