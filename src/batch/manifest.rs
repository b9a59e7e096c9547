//! The run manifest (`_manifest.json`): what ran, on what, with which rules,
//! and what came of it.

use super::walk::{Input, Kind};
use super::{Failure, Options, ProvenanceMode, Summary};
use crate::compress::Compression;
use crate::engine::Stripper;
use crate::provenance::Mode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Version of the manifest format.
pub const MANIFEST_VERSION: u32 = 1;

/// One input file and its output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileSummary {
    /// The output's path relative to the output folder (and the input's
    /// relative to its root).
    pub file: String,
    /// The input as it was named.
    pub input: String,
    /// Text, JSONL or Parquet.
    pub kind: Kind,
    /// Compression of the input (and of the output); `none` for a Parquet
    /// shard, whose pages carry their own codec.
    #[serde(with = "compression_name")]
    pub compression: Compression,
    /// Hash of the input (decompressed, for JSONL; of the text column's
    /// values, for Parquet), as `blake3:hex` or `sha256:hex`.
    pub input_hash: String,
    /// Hash of the output (decompressed, for JSONL; the file's bytes, for
    /// Parquet), made with the same function.
    pub output_hash: String,
    /// Lines read (JSONL), or rows (Parquet).
    pub rows: u64,
    /// Documents stripped.
    pub docs: u64,
    /// Edits made by rules.
    pub edits: u64,
    /// Characters removed.
    pub chars_removed: u64,
    /// Bytes read (decompressed; text bytes, for Parquet).
    pub bytes_in: u64,
    /// Bytes written (decompressed; text bytes, for Parquet).
    pub bytes_out: u64,
    /// Reused from an earlier run (`--resume`).
    #[serde(default)]
    pub resumed: bool,
}

impl FileSummary {
    /// An empty summary for `input`.
    pub fn new(input: &Input) -> FileSummary {
        FileSummary {
            file: input.rel.clone(),
            input: input.path.display().to_string(),
            kind: input.kind,
            compression: Compression::None,
            input_hash: String::new(),
            output_hash: String::new(),
            rows: 0,
            docs: 0,
            edits: 0,
            chars_removed: 0,
            bytes_in: 0,
            bytes_out: 0,
            resumed: false,
        }
    }
}

mod compression_name {
    use crate::compress::Compression;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(c: &Compression, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match c {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Compression, D::Error> {
        match String::deserialize(d)?.as_str() {
            "none" => Ok(Compression::None),
            "gzip" => Ok(Compression::Gzip),
            "zstd" => Ok(Compression::Zstd),
            other => Err(serde::de::Error::custom(format!(
                "unknown compression {other}"
            ))),
        }
    }
}

/// Totals over a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Totals {
    /// Input files processed.
    pub files: u64,
    /// Of which reused from an earlier run.
    pub files_resumed: u64,
    /// Input files that failed as a whole.
    pub failed_files: u64,
    /// JSONL rows copied through unchanged because of an error.
    pub failed_rows: u64,
    /// Documents stripped.
    pub docs: u64,
    /// Edits made by rules.
    pub edits: u64,
    /// Characters removed.
    pub chars_removed: u64,
    /// Bytes read.
    pub bytes_in: u64,
    /// Bytes written.
    pub bytes_out: u64,
}

impl Totals {
    /// Adds one file.
    pub fn add(&mut self, f: &FileSummary) {
        self.files += 1;
        self.files_resumed += u64::from(f.resumed);
        self.docs += f.docs;
        self.edits += f.edits;
        self.chars_removed += f.chars_removed;
        self.bytes_in += f.bytes_in;
        self.bytes_out += f.bytes_out;
    }
}

/// A rule file and its hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleFile {
    /// As loaded (`rules/…` for built-in packs).
    pub file: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

/// The options that shape the output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunOptions {
    /// Strip, mask or tag.
    pub mode: Mode,
    /// Where records went.
    pub provenance: ProvenanceMode,
    /// Which documents got a record.
    #[serde(default)]
    pub records: super::Records,
    /// Whether the records files are compressed (`none` or `zstd`).
    #[serde(default = "super::RecordsCompression::earlier")]
    pub records_compression: super::RecordsCompression,
    /// What each JSONL row says in `metadata.chaff`.
    #[serde(default = "super::RowSummary::earlier")]
    pub row_summary: super::RowSummary,
    /// Dolma attribute name, if any.
    pub attributes: Option<String>,
    /// JSONL field names.
    pub fields: super::Fields,
    /// Forced publisher, if any.
    pub publisher: Option<String>,
    /// This run's rank.
    pub rank: usize,
    /// Number of ranks.
    pub world_size: usize,
    /// Removal budget (share of characters).
    pub budget: f64,
    /// Whether documents over budget were left unstripped.
    pub budget_keep: bool,
    /// Hash function of the input and output hashes (`blake3` or `sha256`).
    #[serde(default)]
    pub hash: String,
}

/// Timing of a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Timing {
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Documents per second.
    pub docs_per_second: f64,
    /// Input megabytes (10^6 bytes) per second.
    pub mb_per_second: f64,
}

/// The run manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_VERSION`].
    pub manifest_version: u32,
    /// chaff's version.
    pub tool_version: String,
    /// Digest of the rule set.
    pub rules_digest: String,
    /// The rule files loaded, in order.
    pub rule_files: Vec<RuleFile>,
    /// The options that shape the output.
    pub options: RunOptions,
    /// Every input and its output, in input order.
    pub files: Vec<FileSummary>,
    /// Totals.
    pub totals: Totals,
    /// Documents touched per rule id.
    pub hits: BTreeMap<String, u64>,
    /// Documents per publisher.
    pub publishers: BTreeMap<String, u64>,
    /// Documents over the removal budget.
    pub over_budget: Vec<String>,
    /// Every problem.
    pub errors: Vec<Failure>,
    /// How long it took.
    pub timing: Timing,
}

impl Manifest {
    /// The manifest of a finished run.
    pub fn new(
        stripper: &Stripper,
        options: &Options,
        files: Vec<FileSummary>,
        summary: &Summary,
    ) -> Manifest {
        let head = Head::new(stripper, options);
        Manifest {
            manifest_version: head.manifest_version,
            tool_version: head.tool_version,
            rules_digest: head.rules_digest,
            rule_files: head.rule_files,
            options: head.options,
            files,
            totals: summary.totals.clone(),
            hits: summary.hits.clone(),
            publishers: summary.publishers.clone(),
            over_budget: summary.over_budget.clone(),
            errors: summary.failures.clone(),
            timing: timing(summary),
        }
    }
}

/// The fields of a manifest before `files`.
struct Head {
    manifest_version: u32,
    tool_version: String,
    rules_digest: String,
    rule_files: Vec<RuleFile>,
    options: RunOptions,
}

impl Head {
    fn new(stripper: &Stripper, options: &Options) -> Head {
        let rules = stripper.rules();
        Head {
            manifest_version: MANIFEST_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            rules_digest: rules.digest().to_string(),
            rule_files: rules
                .packs()
                .iter()
                .map(|p| RuleFile {
                    file: p.file.clone(),
                    sha256: p.file_sha256.clone(),
                })
                .collect(),
            options: RunOptions {
                mode: options.mode,
                provenance: options.provenance,
                records: options.records,
                records_compression: options.records_compression,
                row_summary: options.row_summary,
                attributes: options.attributes.clone(),
                fields: options.fields.clone(),
                publisher: options.publisher.clone(),
                rank: options.rank,
                world_size: options.world_size,
                budget: options.budget,
                budget_keep: options.budget_keep,
                hash: stripper.hash().as_str().to_string(),
            },
        }
    }
}

fn timing(summary: &Summary) -> Timing {
    let seconds = summary.seconds.max(1e-9);
    Timing {
        seconds: summary.seconds,
        docs_per_second: summary.totals.docs as f64 / seconds,
        mb_per_second: summary.totals.bytes_in as f64 / 1e6 / seconds,
    }
}

/// Writes a manifest whose files arrive one at a time, so that a run over
/// millions of files never holds all their summaries. The bytes are those of
/// `serde_json::to_vec_pretty(&Manifest)` and a final line break.
pub struct ManifestWriter<W: Write> {
    out: W,
    files: usize,
}

impl<W: Write> ManifestWriter<W> {
    /// Writes everything before the first file.
    pub fn start(mut out: W, stripper: &Stripper, options: &Options) -> io::Result<Self> {
        let head = Head::new(stripper, options);
        out.write_all(b"{\n")?;
        field(&mut out, "manifest_version", &head.manifest_version, false)?;
        field(&mut out, "tool_version", &head.tool_version, false)?;
        field(&mut out, "rules_digest", &head.rules_digest, false)?;
        field(&mut out, "rule_files", &head.rule_files, false)?;
        field(&mut out, "options", &head.options, false)?;
        out.write_all(b"  \"files\": [")?;
        Ok(ManifestWriter { out, files: 0 })
    }

    /// Writes the next file's summary.
    pub fn file(&mut self, file: &FileSummary) -> io::Result<()> {
        self.out.write_all(if self.files == 0 {
            b"\n    "
        } else {
            b",\n    "
        })?;
        self.out.write_all(pretty(file, 4)?.as_bytes())?;
        self.files += 1;
        Ok(())
    }

    /// Writes everything after the last file; returns the writer.
    pub fn finish(mut self, summary: &Summary) -> io::Result<W> {
        let out = &mut self.out;
        out.write_all(if self.files == 0 {
            b"],\n"
        } else {
            b"\n  ],\n"
        })?;
        field(out, "totals", &summary.totals, false)?;
        field(out, "hits", &summary.hits, false)?;
        field(out, "publishers", &summary.publishers, false)?;
        field(out, "over_budget", &summary.over_budget, false)?;
        field(out, "errors", &summary.failures, false)?;
        field(out, "timing", &timing(summary), true)?;
        out.write_all(b"}\n")?;
        Ok(self.out)
    }
}

/// `value` pretty-printed, its lines after the first indented by `indent`.
fn pretty(value: &impl Serialize, indent: usize) -> io::Result<String> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    Ok(text.replace('\n', &format!("\n{}", " ".repeat(indent))))
}

/// Writes `  "key": value` and a comma unless it is the last field.
fn field(out: &mut impl Write, key: &str, value: &impl Serialize, last: bool) -> io::Result<()> {
    let key = serde_json::to_string(key).map_err(io::Error::other)?;
    let comma = if last { "" } else { "," };
    writeln!(out, "  {key}: {}{comma}", pretty(value, 2)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn summary_of(rel: &str, docs: u64) -> FileSummary {
        let mut f = FileSummary::new(&Input {
            path: PathBuf::from("in").join(rel),
            rel: rel.to_string(),
            kind: Kind::Text,
        });
        f.docs = docs;
        f.input_hash = format!("blake3:{}", "0".repeat(64));
        f
    }

    #[test]
    fn a_streamed_manifest_is_byte_identical_to_the_whole_one() {
        let stripper = Stripper::builtin();
        let options = Options::new("out");
        let mut summary = Summary::default();
        summary.hits.insert("promo.share".into(), 3);
        summary.publishers.insert("unknown".into(), 2);
        summary.over_budget.push("a.txt".into());
        summary.failures.push(Failure::file("b.txt", "not UTF-8"));
        summary.seconds = 1.5;
        for n in [0, 1, 3] {
            let files: Vec<FileSummary> = (0..n)
                .map(|i| summary_of(&format!("d/{i}.txt"), i as u64))
                .collect();
            let whole = Manifest::new(&stripper, &options, files.clone(), &summary);
            let mut expected = serde_json::to_vec_pretty(&whole).unwrap();
            expected.push(b'\n');
            let mut writer = ManifestWriter::start(Vec::new(), &stripper, &options).unwrap();
            for f in &files {
                writer.file(f).unwrap();
            }
            let streamed = writer.finish(&summary).unwrap();
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(expected).unwrap(),
                "{n} files"
            );
        }
    }
}
