//! The run manifest (`_manifest.json`): what ran, on what, with which rules,
//! and what came of it.

use super::walk::{Input, Kind};
use super::{Failure, Options, ProvenanceMode, Summary};
use crate::compress::Compression;
use crate::engine::Stripper;
use crate::provenance::Mode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Text or JSONL.
    pub kind: Kind,
    /// Compression of the input (and of the output).
    #[serde(with = "compression_name")]
    pub compression: Compression,
    /// Hash of the input (decompressed, for JSONL), as `blake3:hex` or
    /// `sha256:hex`.
    pub input_hash: String,
    /// Hash of the output (decompressed, for JSONL), made with the same
    /// function.
    pub output_hash: String,
    /// Lines read (JSONL).
    pub rows: u64,
    /// Documents stripped.
    pub docs: u64,
    /// Edits made by rules.
    pub edits: u64,
    /// Characters removed.
    pub chars_removed: u64,
    /// Bytes read (decompressed).
    pub bytes_in: u64,
    /// Bytes written (decompressed).
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
        let rules = stripper.rules();
        let seconds = summary.seconds.max(1e-9);
        Manifest {
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
                attributes: options.attributes.clone(),
                fields: options.fields.clone(),
                publisher: options.publisher.clone(),
                rank: options.rank,
                world_size: options.world_size,
                budget: options.budget,
                budget_keep: options.budget_keep,
                hash: stripper.hash().as_str().to_string(),
            },
            files,
            totals: summary.totals.clone(),
            hits: summary.hits.clone(),
            publishers: summary.publishers.clone(),
            over_budget: summary.over_budget.clone(),
            errors: summary.failures.clone(),
            timing: Timing {
                seconds: summary.seconds,
                docs_per_second: summary.totals.docs as f64 / seconds,
                mb_per_second: summary.totals.bytes_in as f64 / 1e6 / seconds,
            },
        }
    }
}
