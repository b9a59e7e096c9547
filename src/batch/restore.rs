//! Rebuilding the original corpus from an output folder (clean corpus,
//! provenance and manifest), byte for byte, or checking that it would be.

use super::guard::{self, Refused};
use super::lock::Lock;
use super::manifest::RunOptions;
use super::manifest::{FileSummary, Manifest};
use super::output::{CompressedAtomic, write_atomic};
use super::read::{NO_PARQUET, ReadError};
use super::walk::{Kind, is_reserved};
use super::{
    Failure, PROVENANCE_COLUMN, ProvenanceMode, Records as Recorded, RowSummary, sidecar_name,
};
use crate::compress;
use crate::jsonl::{self, Row, RowError};
use crate::provenance::{self, Record};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};

/// Why an output file could not be rebuilt into its input, or did not
/// check out. Each message is the one a restore or verify run shows for the
/// file: the wrapping variants put the file, line or row before the rest.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RebuildError {
    /// A failure in a file (the output, or a file of its records).
    #[error("{file}: {source}")]
    In {
        /// The file, as shown.
        file: String,
        /// What went wrong in it.
        source: Box<RebuildError>,
    },
    /// A failure at a line of a JSONL output.
    #[error("line {line}: {source}")]
    Line {
        /// The 1-based line.
        line: u64,
        /// What went wrong at it.
        source: Box<RebuildError>,
    },
    /// A failure at a row of a Parquet output.
    #[error("row {row}: {source}")]
    Row {
        /// The 1-based row.
        row: u64,
        /// What went wrong at it.
        source: Box<RebuildError>,
    },
    /// A file could not be read.
    #[error("{0}")]
    Io(#[source] io::Error),
    /// A file of records holds something that is not a record.
    #[error("{0}")]
    Json(#[source] serde_json::Error),
    /// The run's provenance file could not be read.
    #[error("provenance: {0}")]
    StreamRead(#[source] io::Error),
    /// The run's provenance file holds something that is not a record.
    #[error("provenance: {0}")]
    StreamRecord(#[source] serde_json::Error),
    /// A Parquet shard, and this build cannot read one.
    #[error("{NO_PARQUET}")]
    NoParquet,
    /// The manifest says the records are in a column of a file that is no
    /// Parquet shard.
    #[error("its records are in a column, and it is no Parquet shard")]
    RecordsInColumn,
    /// A Parquet shard handed to the rebuilding of other files.
    #[error("a Parquet shard is rebuilt on its own")]
    ParquetElsewhere,
    /// A text file with no record.
    #[error("no provenance record")]
    NoRecord,
    /// A record does not rebuild its text.
    #[error("{0}")]
    Restore(#[from] provenance::RestoreError),
    /// The output does not hash to what the manifest says.
    #[error("output has hash {found}, the manifest says {expected}")]
    OutputHash {
        /// The output's hash.
        found: String,
        /// The manifest's.
        expected: String,
    },
    /// The rebuilt input does not hash to what the manifest says.
    #[error("rebuilt input has hash {found}, the manifest says {expected}")]
    InputHash {
        /// The rebuilt input's hash.
        found: String,
        /// The manifest's.
        expected: String,
    },
    /// A rebuilt input could not be written.
    #[error("{file}: cannot write: {source}")]
    Write {
        /// The file being written.
        file: String,
        /// What the system said.
        source: io::Error,
    },
    /// The record's input size is not the rebuilt text's.
    #[error("the record says input_bytes {recorded}, the rebuilt text has {found}")]
    InputBytes {
        /// What the record says.
        recorded: usize,
        /// The rebuilt text's size.
        found: usize,
    },
    /// The record's output size is not the output text's.
    #[error("the record says output_bytes {recorded}, the output text has {found}")]
    OutputBytes {
        /// What the record says.
        recorded: usize,
        /// The output text's size.
        found: usize,
    },
    /// An edit's bytes come before the end of the edit before it.
    #[error("edit {index} ({rule}): bytes {start}..{end} out of order")]
    EditOrder {
        /// The edit's index in the record.
        index: usize,
        /// The edit's rule.
        rule: String,
        /// Its first byte.
        start: usize,
        /// Its end byte.
        end: usize,
    },
    /// An edit's character offsets are not those of its bytes.
    #[error(
        "edit {index} ({rule}): char_start..char_end {char_start}..{char_end}, but its bytes {start}..{end} are characters {chars_start}..{chars_end}"
    )]
    EditChars {
        /// The edit's index in the record.
        index: usize,
        /// The edit's rule.
        rule: String,
        /// The first character, as recorded.
        char_start: usize,
        /// The end character, as recorded.
        char_end: usize,
        /// Its first byte.
        start: usize,
        /// Its end byte.
        end: usize,
        /// The first character of its bytes.
        chars_start: usize,
        /// The end character of its bytes.
        chars_end: usize,
    },
    /// A JSONL line is not valid UTF-8.
    #[error("{0}")]
    NotUtf8(#[from] std::str::Utf8Error),
    /// A JSONL line is not a JSON object, or a field cannot be used.
    #[error("{0}")]
    BadRow(#[from] RowError),
    /// The record of a JSONL line says nothing of the row.
    #[error("the record has no row origin")]
    NoOrigin,
    /// A row without its text field.
    #[error("no `{0}` field")]
    NoText(String),
    /// A row without the summary the run added.
    #[error("no metadata.chaff summary")]
    NoSummary,
    /// A rebuilt row differs from the output's outside what the run changed.
    #[error("bytes outside `{0}` and metadata.chaff differ from the original row's")]
    Outside(String),
    /// A record names a line past the end of the file (under [`Line`]).
    ///
    /// [`Line`]: RebuildError::Line
    #[error("a record names a line the file does not have")]
    NoSuchLine,
    /// A record names a row past the end of the shard (under [`Row`]).
    ///
    /// [`Row`]: RebuildError::Row
    #[error("a record names a row the file does not have")]
    NoSuchRow,
    /// A Parquet shard could not be read.
    #[error("{0}")]
    Read(#[source] ReadError),
    /// A record batch of a Parquet shard could not be read (the message
    /// leaves out the file).
    #[error("{}", Failure::from(.0).message)]
    Batch(#[source] ReadError),
    /// A Parquet output has no column of records.
    #[error("no column `{PROVENANCE_COLUMN}` of records")]
    NoRecordsColumn,
    /// A column of a record batch holds no strings.
    #[error("column `{0}` holds no strings")]
    NoStrings(String),
    /// A cell of the column of records is not a record.
    #[error("`{PROVENANCE_COLUMN}`: {0}")]
    CellRecord(#[source] serde_json::Error),
    /// A record for a row whose text is null.
    #[error("a record for a row whose `{0}` is null")]
    NullText(String),
    /// The rows of a Parquet output are not as many as the manifest says.
    #[error("{found} rows, the manifest says {expected}")]
    RowCount {
        /// The rows found.
        found: u64,
        /// The manifest's count.
        expected: u64,
    },
    /// A rebuilt record batch could not be made.
    #[cfg(feature = "parquet")]
    #[error("{0}")]
    Arrow(#[source] arrow_schema::ArrowError),
    /// A rebuilt Parquet shard could not be written.
    #[cfg(feature = "parquet")]
    #[error("{file}: cannot write: {source}")]
    ParquetWrite {
        /// The file being written.
        file: String,
        /// What the Parquet writer said.
        source: parquet::errors::ParquetError,
    },
}

impl RebuildError {
    /// `e`, in the file `file`.
    pub fn in_file(file: impl fmt::Display, e: impl Into<RebuildError>) -> RebuildError {
        RebuildError::In {
            file: file.to_string(),
            source: Box::new(e.into()),
        }
    }

    /// `e`, at the line `line` of a JSONL output.
    pub fn at_line(line: u64, e: impl Into<RebuildError>) -> RebuildError {
        RebuildError::Line {
            line,
            source: Box::new(e.into()),
        }
    }

    /// `e`, at the row `row` of a Parquet output.
    pub fn at_row(row: u64, e: impl Into<RebuildError>) -> RebuildError {
        RebuildError::Row {
            row,
            source: Box::new(e.into()),
        }
    }
}

/// What a restore or verify run found.
#[derive(Debug, Clone, Default)]
pub struct RestoreReport {
    /// Files rebuilt (or checked).
    pub files: u64,
    /// Documents rebuilt (or checked).
    pub docs: u64,
    /// Files that could not be rebuilt, or did not match.
    pub failures: Vec<Failure>,
}

/// The manifests in an output folder, in name order.
fn manifests(out: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(out)
        .map_err(super::named(out))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("_manifest") && n.ends_with(".json"))
        })
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "{}: no _manifest.json: not a chaff output folder",
                out.display()
            ),
        ));
    }
    Ok(found)
}

/// Records of the file being restored.
enum Records {
    /// The next records from the run's provenance file.
    Stream(io::Lines<Box<dyn io::BufRead + Send>>),
    /// Sidecars beside each output.
    Sidecar,
    /// A column of each (Parquet) output.
    Column,
}

/// Rebuilds the originals of `out` into `to`, or only checks them when `to`
/// is `None`.
pub fn restore(out: &Path, to: Option<&Path>) -> io::Result<RestoreReport> {
    let mut report = RestoreReport::default();
    let mut read = Vec::new();
    // Paths of `out` a manifest accounts for (outputs, sidecars, attribute
    // files), for verify to tell stale or foreign files.
    let mut listed: HashSet<String> = HashSet::new();
    for manifest_path in manifests(out)? {
        let text = std::fs::read_to_string(&manifest_path).map_err(super::named(&manifest_path))?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", manifest_path.display()),
            )
        })?;
        read.push((manifest_path, manifest));
    }
    if let Some(to) = to {
        let files = read
            .iter()
            .flat_map(|(_, m)| m.files.iter().map(|f| f.file.as_str()));
        guard::check_restore(out, to, files).map_err(Refused::into_io)?;
    }
    let _lock = to.map(|to| Lock::take(to, "restore")).transpose()?;
    for (manifest_path, manifest) in read {
        let suffix = manifest_path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("_manifest"))
            .and_then(|n| n.strip_suffix(".json"))
            .unwrap_or("")
            .to_string();
        let mut records = match manifest.options.provenance {
            ProvenanceMode::Jsonl => {
                let path = out.join(super::provenance_name(
                    &suffix,
                    manifest.options.records_compression,
                ));
                let (reader, _) = compress::open(&path)
                    .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
                Records::Stream(reader.lines())
            }
            ProvenanceMode::Sidecar => Records::Sidecar,
            ProvenanceMode::Column => Records::Column,
            ProvenanceMode::None => {
                return Err(io::Error::other(format!(
                    "{}: the run wrote no provenance (--provenance none); nothing to restore from",
                    manifest_path.display()
                )));
            }
        };
        let mut pending: Option<Record> = None;
        for file in &manifest.files {
            if to.is_none() {
                listed.insert(file.file.clone());
                if manifest.options.provenance == ProvenanceMode::Sidecar {
                    listed.insert(sidecar_name(
                        &file.file,
                        file.kind,
                        manifest.options.records_compression,
                    ));
                }
                if let Some(name) = &manifest.options.attributes {
                    listed.insert(guard::attributes_path(name, &file.file, file.kind));
                }
            }
            let recs = match file_records(out, file, &mut records, &mut pending, &manifest.options)
            {
                Ok(r) => r,
                Err(e) => {
                    report
                        .failures
                        .push(Failure::file(file.file.clone(), e.to_string()));
                    continue;
                }
            };
            match restore_file(out, to, file, recs, &manifest.options) {
                Ok(docs) => {
                    report.files += 1;
                    report.docs += docs;
                }
                Err(e) => report
                    .failures
                    .push(Failure::file(file.file.clone(), e.to_string())),
            }
        }
        // Inputs the run failed on have no output to rebuild them from.
        for failed in manifest.errors.iter().filter(|f| f.line.is_none()) {
            report.failures.push(Failure::file(
                failed.file.clone(),
                format!(
                    "not in the output folder: the run failed on it ({}; {})",
                    failed.message,
                    manifest_path.display()
                ),
            ));
        }
    }
    if to.is_none() {
        report.failures.extend(unlisted(out, &listed));
    }
    Ok(report)
}

/// Files of `out` that no manifest accounts for and that are not chaff's
/// own: outputs left from an earlier run, or files put there since.
fn unlisted(out: &Path, listed: &HashSet<String>) -> Vec<Failure> {
    let mut found = Vec::new();
    let walker = walkdir::WalkDir::new(out)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !(e.depth() == 1 && e.file_name() == ".chaff"));
    for entry in walker.flatten() {
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(out)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        let own = !rel.contains('/') && is_reserved(&rel);
        if !own && !listed.contains(&rel) {
            found.push(Failure::file(
                entry.path().display().to_string(),
                "not listed in any manifest: a stale or foreign file".to_string(),
            ));
        }
    }
    found
}

/// The records of one output file.
fn file_records(
    out: &Path,
    file: &FileSummary,
    records: &mut Records,
    pending: &mut Option<Record>,
    options: &RunOptions,
) -> Result<Option<Vec<Record>>, RebuildError> {
    match records {
        Records::Column => Ok(None),
        Records::Sidecar => {
            let path = out.join(sidecar_name(
                &file.file,
                file.kind,
                options.records_compression,
            ));
            // A text left as it was has no record when only edited ones get
            // one.
            if options.records == Recorded::Edited && file.kind == Kind::Text && !path.exists() {
                return Ok(Some(Vec::new()));
            }
            let shown = &path.display();
            let mut text = String::new();
            compress::open(&path)
                .and_then(|(mut r, _)| r.read_to_string(&mut text))
                .map_err(|e| RebuildError::in_file(shown, RebuildError::Io(e)))?;
            let not_a_record = |e| RebuildError::in_file(shown, RebuildError::Json(e));
            match file.kind {
                Kind::Text => serde_json::from_str(&text)
                    .map(|r| Some(vec![r]))
                    .map_err(not_a_record),
                Kind::Jsonl | Kind::Parquet => text
                    .lines()
                    .map(|l| serde_json::from_str(l).map_err(not_a_record))
                    .collect::<Result<Vec<Record>, RebuildError>>()
                    .map(Some),
            }
        }
        Records::Stream(lines) => {
            let mut found = Vec::new();
            loop {
                let record = match pending.take() {
                    Some(r) => r,
                    None => match lines.next() {
                        None => break,
                        Some(line) => {
                            let line = line.map_err(RebuildError::StreamRead)?;
                            serde_json::from_str::<Record>(&line)
                                .map_err(RebuildError::StreamRecord)?
                        }
                    },
                };
                if record.file.as_deref() == Some(file.file.as_str()) {
                    found.push(record);
                } else {
                    *pending = Some(record);
                    break;
                }
            }
            Ok(Some(found))
        }
    }
}

fn restore_file(
    out: &Path,
    to: Option<&Path>,
    file: &FileSummary,
    records: Option<Vec<Record>>,
    options: &RunOptions,
) -> Result<u64, RebuildError> {
    let source = out.join(&file.file);
    let shown = source.display().to_string();
    let at_file = |e: RebuildError| RebuildError::in_file(&shown, e);
    if file.kind == Kind::Parquet {
        #[cfg(feature = "parquet")]
        return super::parquet::restore_file(
            &source,
            to.map(|to| to.join(&file.file)).as_deref(),
            file,
            records,
            &options.fields.text,
        );
        #[cfg(not(feature = "parquet"))]
        return Err(at_file(RebuildError::NoParquet));
    }
    let records = records.ok_or_else(|| at_file(RebuildError::RecordsInColumn))?;
    let docs = match options.records {
        Recorded::All => records.len() as u64,
        Recorded::Edited => file.docs,
    };
    let (rebuilt, output_hash) = match file.kind {
        Kind::Text if records.is_empty() && options.records == Recorded::Edited => {
            // Left as it was: the output is the original.
            let text = std::fs::read(&source).map_err(|e| at_file(RebuildError::Io(e)))?;
            let hash = provenance::rehash(&file.output_hash, &text);
            (text, hash)
        }
        Kind::Text => {
            let record = records
                .first()
                .ok_or_else(|| at_file(RebuildError::NoRecord))?;
            let text =
                std::fs::read_to_string(&source).map_err(|e| at_file(RebuildError::Io(e)))?;
            let original = provenance::restore(&text, record).map_err(|e| at_file(e.into()))?;
            check_record(&original, &text, record).map_err(at_file)?;
            let hash = provenance::rehash(&file.output_hash, text.as_bytes());
            (original.into_bytes(), hash)
        }
        Kind::Jsonl => rebuild_jsonl(&source, records, &file.output_hash, options.row_summary)
            .map_err(at_file)?,
        Kind::Parquet => return Err(at_file(RebuildError::ParquetElsewhere)),
    };
    if !file.output_hash.is_empty() && output_hash != file.output_hash {
        return Err(at_file(RebuildError::OutputHash {
            found: output_hash,
            expected: file.output_hash.clone(),
        }));
    }
    let found = crate::provenance::rehash(&file.input_hash, &rebuilt);
    if found != file.input_hash {
        return Err(at_file(RebuildError::InputHash {
            found,
            expected: file.input_hash.clone(),
        }));
    }
    if let Some(to) = to {
        let target = to.join(&file.file);
        let written = match file.kind {
            Kind::Text => write_atomic(&target, &rebuilt),
            Kind::Jsonl | Kind::Parquet => CompressedAtomic::create(&target, file.compression)
                .and_then(|mut w| {
                    w.write_all(&rebuilt)?;
                    w.commit()
                }),
        };
        written.map_err(|source| RebuildError::Write {
            file: target.display().to_string(),
            source,
        })?;
    }
    Ok(docs)
}

/// Checks what a record says of its document against the document: its
/// sizes, and each edit's character offsets against its byte offsets.
pub(super) fn check_record(
    original: &str,
    output: &str,
    record: &Record,
) -> Result<(), RebuildError> {
    if record.input_bytes != original.len() {
        return Err(RebuildError::InputBytes {
            recorded: record.input_bytes,
            found: original.len(),
        });
    }
    if record.output_bytes != output.len() {
        return Err(RebuildError::OutputBytes {
            recorded: record.output_bytes,
            found: output.len(),
        });
    }
    let (mut chars, mut at) = (0, 0);
    for (i, e) in record.edits.iter().enumerate() {
        let before = original
            .get(at..e.start)
            .ok_or_else(|| RebuildError::EditOrder {
                index: i,
                rule: e.rule.clone(),
                start: e.start,
                end: e.end,
            })?;
        chars += before.chars().count();
        let end = chars + e.text.chars().count();
        if (e.char_start, e.char_end) != (chars, end) {
            return Err(RebuildError::EditChars {
                index: i,
                rule: e.rule.clone(),
                char_start: e.char_start,
                char_end: e.char_end,
                start: e.start,
                end: e.end,
                chars_start: chars,
                chars_end: end,
            });
        }
        chars = end;
        at = e.end;
    }
    Ok(())
}

/// The original (decompressed) bytes of a JSONL output, and the hash of the
/// output (decompressed), made with the function of `output_hash`.
fn rebuild_jsonl(
    path: &Path,
    records: Vec<Record>,
    output_hash: &str,
    summary_kind: RowSummary,
) -> Result<(Vec<u8>, String), RebuildError> {
    let mut hasher = provenance::HashKind::of(output_hash)
        .unwrap_or_default()
        .hasher();
    let mut by_line: HashMap<u64, Record> = records
        .into_iter()
        .filter_map(|r| r.line.map(|l| (l, r)))
        .collect();
    let (mut reader, _) = compress::open(path).map_err(RebuildError::Io)?;
    let mut out = Vec::new();
    let mut line = Vec::new();
    let mut line_no = 0u64;
    loop {
        line.clear();
        if reader
            .read_until(b'\n', &mut line)
            .map_err(RebuildError::Io)?
            == 0
        {
            break;
        }
        hasher.update(&line);
        line_no += 1;
        let Some(record) = by_line.remove(&line_no) else {
            out.extend_from_slice(&line);
            continue;
        };
        let cut = if line.ends_with(b"\r\n") {
            2
        } else {
            usize::from(line.ends_with(b"\n"))
        };
        let (body, ending) = line.split_at(line.len() - cut);
        let at = |e: RebuildError| RebuildError::at_line(line_no, e);
        let body = super::read::utf8(body).map_err(|e| at(e.into()))?;
        let row = Row::parse(body).map_err(|e| at(e.into()))?;
        let origin = record
            .row
            .as_ref()
            .ok_or_else(|| at(RebuildError::NoOrigin))?;
        let text = row
            .string(&origin.text_field)
            .map_err(|e| at(e.into()))?
            .ok_or_else(|| at(RebuildError::NoText(origin.text_field.clone())))?;
        let original = provenance::restore(&text, &record).map_err(|e| at(e.into()))?;
        check_record(&original, &text, &record).map_err(at)?;
        let raw_text = jsonl::original_text_json(origin, &row, &text, &original);
        // The summary was added to `metadata`: the record holds the original
        // (none when the row had no `metadata`). Without a summary the
        // metadata is the row's own.
        let summary = match summary_kind {
            RowSummary::None => None,
            RowSummary::Compact | RowSummary::Full => Some(
                row.get("metadata.chaff")
                    .ok_or_else(|| at(RebuildError::NoSummary))?,
            ),
        };
        let mut splice = vec![(origin.text_field.as_str(), Some(raw_text))];
        if summary.is_some() {
            splice.push((jsonl::METADATA, origin.metadata_raw.clone()));
        }
        let rebuilt = row.splice(&splice, &[]).map_err(|e| at(e.into()))?;
        // Every byte outside the text and the summary is the original row's.
        let text_raw = row.get(&origin.text_field).map(|r| r.get().to_string());
        let added: Vec<(&str, String)> = summary
            .map(|s| ("chaff", s.get().to_string()))
            .into_iter()
            .collect();
        let expected = Row::parse(&rebuilt)
            .and_then(|r| r.splice(&[(origin.text_field.as_str(), text_raw)], &added))
            .map_err(|e| at(e.into()))?;
        if expected != body {
            return Err(at(RebuildError::Outside(origin.text_field.clone())));
        }
        out.extend_from_slice(rebuilt.as_bytes());
        out.extend_from_slice(ending);
    }
    if let Some(line) = by_line.keys().min() {
        return Err(RebuildError::at_line(*line, RebuildError::NoSuchLine));
    }
    Ok((out, hasher.finish()))
}
