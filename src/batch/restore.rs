//! Rebuilding the original corpus from an output folder (clean corpus,
//! provenance and manifest), byte for byte, or checking that it would be.

use super::guard::{self, Refused};
use super::lock::Lock;
use super::manifest::RunOptions;
use super::manifest::{FileSummary, Manifest};
use super::output::{CompressedAtomic, write_atomic};
use super::walk::{Kind, is_reserved};
use super::{Failure, ProvenanceMode, Records as Recorded, RowSummary, sidecar_name};
use crate::compress;
use crate::jsonl::{self, Row};
use crate::provenance::{self, Record};
use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

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
    Stream(io::Lines<io::BufReader<std::fs::File>>),
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
                let path = out.join(format!("provenance{suffix}.jsonl"));
                let file = std::fs::File::open(&path)
                    .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
                Records::Stream(io::BufReader::new(file).lines())
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
                    listed.insert(sidecar_name(&file.file, file.kind));
                }
                if let Some(name) = &manifest.options.attributes {
                    listed.insert(guard::attributes_path(name, &file.file, file.kind));
                }
            }
            let recs = match file_records(out, file, &mut records, &mut pending, &manifest.options)
            {
                Ok(r) => r,
                Err(e) => {
                    report.failures.push(Failure::file(file.file.clone(), e));
                    continue;
                }
            };
            match restore_file(out, to, file, recs, &manifest.options) {
                Ok(docs) => {
                    report.files += 1;
                    report.docs += docs;
                }
                Err(e) => report.failures.push(Failure::file(file.file.clone(), e)),
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
) -> Result<Option<Vec<Record>>, String> {
    match records {
        Records::Column => Ok(None),
        Records::Sidecar => {
            let path = out.join(sidecar_name(&file.file, file.kind));
            // A text left as it was has no record when only edited ones get
            // one.
            if options.records == Recorded::Edited && file.kind == Kind::Text && !path.exists() {
                return Ok(Some(Vec::new()));
            }
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            match file.kind {
                Kind::Text => serde_json::from_str(&text)
                    .map(|r| Some(vec![r]))
                    .map_err(|e| format!("{}: {e}", path.display())),
                Kind::Jsonl | Kind::Parquet => text
                    .lines()
                    .map(|l| {
                        serde_json::from_str(l).map_err(|e| format!("{}: {e}", path.display()))
                    })
                    .collect::<Result<Vec<Record>, String>>()
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
                            let line = line.map_err(|e| format!("provenance: {e}"))?;
                            serde_json::from_str::<Record>(&line)
                                .map_err(|e| format!("provenance: {e}"))?
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
) -> Result<u64, String> {
    let source = out.join(&file.file);
    let shown = source.display().to_string();
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
        return Err(format!("{shown}: {}", super::read::NO_PARQUET));
    }
    let records = records.ok_or_else(|| {
        format!("{shown}: its records are in a column, and it is no Parquet shard")
    })?;
    let docs = match options.records {
        Recorded::All => records.len() as u64,
        Recorded::Edited => file.docs,
    };
    let (rebuilt, output_hash) = match file.kind {
        Kind::Text if records.is_empty() && options.records == Recorded::Edited => {
            // Left as it was: the output is the original.
            let text = std::fs::read(&source).map_err(|e| format!("{shown}: {e}"))?;
            let hash = provenance::rehash(&file.output_hash, &text);
            (text, hash)
        }
        Kind::Text => {
            let record = records
                .first()
                .ok_or_else(|| format!("{shown}: no provenance record"))?;
            let text = std::fs::read_to_string(&source).map_err(|e| format!("{shown}: {e}"))?;
            let original =
                provenance::restore(&text, record).map_err(|e| format!("{shown}: {e}"))?;
            check_record(&original, &text, record).map_err(|e| format!("{shown}: {e}"))?;
            let hash = provenance::rehash(&file.output_hash, text.as_bytes());
            (original.into_bytes(), hash)
        }
        Kind::Jsonl => rebuild_jsonl(&source, records, &file.output_hash, options.row_summary)
            .map_err(|e| format!("{shown}: {e}"))?,
        Kind::Parquet => return Err(format!("{shown}: a Parquet shard is rebuilt on its own")),
    };
    if !file.output_hash.is_empty() && output_hash != file.output_hash {
        return Err(format!(
            "{shown}: output has hash {output_hash}, the manifest says {}",
            file.output_hash
        ));
    }
    let found = crate::provenance::rehash(&file.input_hash, &rebuilt);
    if found != file.input_hash {
        return Err(format!(
            "{shown}: rebuilt input has hash {found}, the manifest says {}",
            file.input_hash
        ));
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
        written.map_err(|e| format!("{}: cannot write: {e}", target.display()))?;
    }
    Ok(docs)
}

/// Checks what a record says of its document against the document: its
/// sizes, and each edit's character offsets against its byte offsets.
pub(super) fn check_record(original: &str, output: &str, record: &Record) -> Result<(), String> {
    if record.input_bytes != original.len() {
        return Err(format!(
            "the record says input_bytes {}, the rebuilt text has {}",
            record.input_bytes,
            original.len()
        ));
    }
    if record.output_bytes != output.len() {
        return Err(format!(
            "the record says output_bytes {}, the output text has {}",
            record.output_bytes,
            output.len()
        ));
    }
    let (mut chars, mut at) = (0, 0);
    for (i, e) in record.edits.iter().enumerate() {
        let before = original.get(at..e.start).ok_or_else(|| {
            format!(
                "edit {i} ({}): bytes {}..{} out of order",
                e.rule, e.start, e.end
            )
        })?;
        chars += before.chars().count();
        let end = chars + e.text.chars().count();
        if (e.char_start, e.char_end) != (chars, end) {
            return Err(format!(
                "edit {i} ({}): char_start..char_end {}..{}, but its bytes {}..{} are characters {chars}..{end}",
                e.rule, e.char_start, e.char_end, e.start, e.end
            ));
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
) -> Result<(Vec<u8>, String), String> {
    let mut hasher = provenance::HashKind::of(output_hash)
        .unwrap_or_default()
        .hasher();
    let mut by_line: HashMap<u64, Record> = records
        .into_iter()
        .filter_map(|r| r.line.map(|l| (l, r)))
        .collect();
    let (mut reader, _) = compress::open(path).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut line = Vec::new();
    let mut line_no = 0u64;
    loop {
        line.clear();
        if reader
            .read_until(b'\n', &mut line)
            .map_err(|e| e.to_string())?
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
        let at = |m: String| format!("line {line_no}: {m}");
        let body = std::str::from_utf8(body).map_err(|e| at(e.to_string()))?;
        let row = Row::parse(body).map_err(|e| at(e.to_string()))?;
        let origin = record
            .row
            .as_ref()
            .ok_or_else(|| at("the record has no row origin".into()))?;
        let text = row
            .string(&origin.text_field)
            .map_err(|e| at(e.to_string()))?
            .ok_or_else(|| at(format!("no `{}` field", origin.text_field)))?;
        let original = provenance::restore(&text, &record).map_err(|e| at(e.to_string()))?;
        check_record(&original, &text, &record).map_err(at)?;
        // An unchanged text was written back as it was read: keep it.
        let unchanged = (original == *text)
            .then(|| row.get(&origin.text_field).map(|r| r.get().to_string()))
            .flatten();
        let raw_text = origin.text_raw.clone().or(unchanged).unwrap_or_else(|| {
            if origin.text_escape.as_deref() == Some("ascii") {
                jsonl::to_json_ascii(&original)
            } else {
                jsonl::to_json_string(&original)
            }
        });
        // The summary was added to `metadata`: the record holds the original
        // (none when the row had no `metadata`). Without a summary the
        // metadata is the row's own.
        let summary = match summary_kind {
            RowSummary::None => None,
            RowSummary::Compact | RowSummary::Full => Some(
                row.get("metadata.chaff")
                    .ok_or_else(|| at("no metadata.chaff summary".into()))?,
            ),
        };
        let mut splice = vec![(origin.text_field.as_str(), Some(raw_text))];
        if summary.is_some() {
            splice.push((jsonl::METADATA, origin.metadata_raw.clone()));
        }
        let rebuilt = row.splice(&splice, &[]).map_err(|e| at(e.to_string()))?;
        // Every byte outside the text and the summary is the original row's.
        let text_raw = row.get(&origin.text_field).map(|r| r.get().to_string());
        let added: Vec<(&str, String)> = summary
            .map(|s| ("chaff", s.get().to_string()))
            .into_iter()
            .collect();
        let expected = Row::parse(&rebuilt)
            .and_then(|r| r.splice(&[(origin.text_field.as_str(), text_raw)], &added))
            .map_err(|e| at(e.to_string()))?;
        if expected != body {
            return Err(at(format!(
                "bytes outside `{}` and metadata.chaff differ from the original row's",
                origin.text_field
            )));
        }
        out.extend_from_slice(rebuilt.as_bytes());
        out.extend_from_slice(ending);
    }
    if let Some(line) = by_line.keys().min() {
        return Err(format!(
            "line {line}: a record names a line the file does not have"
        ));
    }
    Ok((out, hasher.finish()))
}
