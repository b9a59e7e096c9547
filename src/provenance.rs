//! The provenance record: what was removed from one document, and how to put
//! it back.
//!
//! The record is a versioned wire format (see `docs/provenance.md` and
//! `docs/provenance.schema.json`). A record and the clean text are enough to
//! rebuild the original byte for byte with [`restore`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use crate::hash::{HashKind, Hasher, rehash, sha256_hex};

/// Version of the record format. Bumped on any change that a reader of the
/// previous version would misread.
pub const SCHEMA_VERSION: u32 = 2;

/// Rule id given to the white-space tidy-up edits.
pub const TIDY_RULE: &str = "chaff.tidy";

/// Category given to the white-space tidy-up edits.
pub const TIDY_CATEGORY: &str = "tidy";

/// How a document's publisher was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Given by the caller (metadata field or command-line option).
    Explicit,
    /// The document URL's host matched a pack's domain.
    Domain,
    /// The text carried a pack's content signature.
    Signature,
    /// None of the above: only common packs applied.
    Unknown,
}

/// The publisher a document was attributed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublisherInfo {
    /// Publisher id (a publisher pack's id), or null when unknown.
    pub id: Option<String>,
    /// How it was decided.
    pub resolved_by: Resolution,
    /// Why: the domain the URL's host is under, or the signatures found.
    /// Absent when the publisher was given or is unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// One removed span of the original text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    /// Id of the rule that removed it ([`TIDY_RULE`] for white-space tidy-up).
    pub rule: String,
    /// The rule's category ([`TIDY_CATEGORY`] for tidy-up).
    pub category: String,
    /// Byte offset in the original where the span starts.
    pub start: usize,
    /// Byte offset in the original where the span ends (exclusive).
    pub end: usize,
    /// Character (Unicode scalar value) offset of `start`.
    pub char_start: usize,
    /// Character offset of `end`.
    pub char_end: usize,
    /// The removed text, exactly.
    pub text: String,
    /// Named regex captures of the rule (agency, photographer, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub captures: BTreeMap<String, String>,
}

/// Who made the pictures and the copy, gathered from every credit a rule
/// confirmed (whether or not its own span survived merging).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    /// News agencies, in order of first appearance (captures named `agency…`).
    pub agencies: Vec<String>,
    /// Photographers (captures named `photographer…`).
    pub photographers: Vec<String>,
    /// Credit chains such as `Sputnik/Name/Kremlin via REUTERS` (captures named `via…`).
    pub via: Vec<String>,
    /// Whole credit strings (captures named `credit…`).
    pub credits: Vec<String>,
}

impl Attribution {
    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.agencies.is_empty()
            && self.photographers.is_empty()
            && self.via.is_empty()
            && self.credits.is_empty()
    }

    /// Files one capture under its kind: the capture name up to the first
    /// `_` or digit (`agency_2` is an agency).
    pub(crate) fn add(&mut self, name: &str, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let kind = name
            .split(|c: char| c == '_' || c.is_ascii_digit())
            .next()
            .unwrap_or(name);
        let list = match kind {
            "agency" => &mut self.agencies,
            "photographer" => &mut self.photographers,
            "via" => &mut self.via,
            "credit" => &mut self.credits,
            _ => return,
        };
        if !list.iter().any(|v| v == value) {
            list.push(value.to_string());
        }
    }
}

/// What the output text is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The removed spans are gone.
    #[default]
    Strip,
    /// Each span a rule removed is replaced by `[chaff:<rule id>]`; the
    /// tidy-up is not applied, so layout and lengths can be audited.
    Mask,
    /// The text is left as it was; only the record says what would go.
    Tag,
}

impl Mode {
    /// The name used on the command line and in records.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Strip => "strip",
            Mode::Mask => "mask",
            Mode::Tag => "tag",
        }
    }
}

/// The marker that replaces a span in [`Mode::Mask`].
pub fn mask_marker(rule: &str) -> String {
    format!("[chaff:{rule}]")
}

/// How a JSONL row differed from the output row, beyond its text, so the row
/// can be rebuilt byte for byte.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowOrigin {
    /// The field that held the text: a top-level key, or a dotted path
    /// (`metadata.body`) into nested objects.
    pub text_field: String,
    /// The text's original JSON encoding, when it was not the canonical one
    /// (other escapes); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_raw: Option<String>,
    /// `"ascii"` when the text was written with every non-ASCII character
    /// escaped (`\u00e9`, as Python's `json.dumps` does by default); the
    /// output row keeps that style. Absent for plain UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_escape: Option<String>,
    /// The original `metadata` value as raw JSON (`null` included, which
    /// the summary object replaced); absent when the row had no `metadata`
    /// field (chaff adds one for its summary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_raw: Option<String>,
}

/// The provenance record of one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Format version, [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Document id.
    pub id: String,
    /// Where the document came from (file path, `path:line` for JSONL), if known.
    #[serde(default)]
    pub source: Option<String>,
    /// The output file, relative to the output folder (batch runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The 1-based line of the row in a JSONL file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// What the output text is: stripped, masked or tagged.
    #[serde(default)]
    pub mode: Mode,
    /// The publisher and how it was resolved.
    pub publisher: PublisherInfo,
    /// Hash of the original text's UTF-8 bytes, as `blake3:hex` or
    /// `sha256:hex` (see [`HashKind`]).
    pub input_hash: String,
    /// Hash of the output text (the clean text, in strip mode), made with the
    /// same function as `input_hash`.
    pub output_hash: String,
    /// Length of the original in bytes.
    pub input_bytes: usize,
    /// Length of the clean text in bytes.
    pub output_bytes: usize,
    /// Digest of the rule set that produced the record.
    pub rules_digest: String,
    /// Version of chaff that produced the record.
    pub tool_version: String,
    /// Every removed span, sorted by `start`, disjoint.
    pub edits: Vec<Edit>,
    /// Credits found in the document.
    pub attribution: Attribution,
    /// For a JSONL row: what else changed in the row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<RowOrigin>,
    /// Set when stripping stopped at the pass limit with more to remove:
    /// stripping the output again would remove more. Absent otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unsettled: bool,
}

impl Record {
    /// Bytes the edits remove from the original.
    pub fn removed_bytes(&self) -> usize {
        self.edits.iter().map(|e| e.end - e.start).sum()
    }

    /// Characters the edits remove from the original.
    pub fn removed_chars(&self) -> usize {
        self.edits.iter().map(|e| e.char_end - e.char_start).sum()
    }

    /// Edits made by rules (not the white-space tidy-up).
    pub fn rule_edits(&self) -> impl Iterator<Item = &Edit> {
        self.edits.iter().filter(|e| e.rule != TIDY_RULE)
    }
}

/// Renders the output for `mode` from the original and its strip record, and
/// updates the record (mode, output hash and length) to match.
pub fn render(original: &str, clean: String, record: &mut Record, mode: Mode) -> String {
    let out = match mode {
        Mode::Strip => clean,
        Mode::Tag => original.to_string(),
        Mode::Mask => {
            let mut out = String::with_capacity(original.len());
            let mut pos = 0;
            for e in &record.edits {
                out.push_str(&original[pos..e.start]);
                if e.rule == TIDY_RULE {
                    out.push_str(&e.text);
                } else {
                    out.push_str(&mask_marker(&e.rule));
                }
                pos = e.end;
            }
            out.push_str(&original[pos..]);
            out
        }
    };
    // The strip record already describes the clean text.
    if mode != Mode::Strip {
        record.output_hash = rehash(&record.input_hash, out.as_bytes());
        record.output_bytes = out.len();
    }
    record.mode = mode;
    out
}

/// Why a clean text and a record do not rebuild an original.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    /// The record's format version is not one this chaff reads.
    #[error("record schema_version {found} is not supported (this chaff reads {SCHEMA_VERSION})")]
    Schema {
        /// The version found.
        found: u32,
    },
    /// The clean text is not the one the record was made for.
    #[error("clean text does not match the record: hash {found}, record says {expected}")]
    CleanMismatch {
        /// Hash in the record.
        expected: String,
        /// Hash of the text given.
        found: String,
    },
    /// The edits are not sorted, overlap, or point past the text.
    #[error("edit {index} is out of order or out of range")]
    BadEdit {
        /// Index of the edit in the record.
        index: usize,
    },
    /// The rebuilt text does not hash to the record's input hash.
    #[error("rebuilt text does not match the record: hash {found}, record says {expected}")]
    InputMismatch {
        /// Hash in the record.
        expected: String,
        /// Hash of the rebuilt text.
        found: String,
    },
}

/// Rebuilds the original text from the output text (clean, masked or tagged,
/// as the record's `mode` says) and its record, checking both hashes.
pub fn restore(clean: &str, record: &Record) -> Result<String, RestoreError> {
    if record.schema_version != SCHEMA_VERSION {
        return Err(RestoreError::Schema {
            found: record.schema_version,
        });
    }
    let found = rehash(&record.output_hash, clean.as_bytes());
    if found != record.output_hash {
        return Err(RestoreError::CleanMismatch {
            expected: record.output_hash.clone(),
            found,
        });
    }
    if record.mode == Mode::Tag {
        return check_input(clean.to_string(), record);
    }
    let removed: usize = record.edits.iter().map(|e| e.text.len()).sum();
    let mut out = String::with_capacity(clean.len() + removed);
    let mut orig_pos = 0; // position in the original being rebuilt
    let mut clean_pos = 0;
    for (index, edit) in record.edits.iter().enumerate() {
        if edit.start < orig_pos || edit.end != edit.start + edit.text.len() {
            return Err(RestoreError::BadEdit { index });
        }
        let keep = edit.start - orig_pos;
        let piece = clean
            .get(clean_pos..clean_pos + keep)
            .ok_or(RestoreError::BadEdit { index })?;
        out.push_str(piece);
        out.push_str(&edit.text);
        clean_pos += keep;
        if record.mode == Mode::Mask {
            // The output holds the tidied text itself, or the rule's marker.
            let held = if edit.rule == TIDY_RULE {
                edit.text.clone()
            } else {
                mask_marker(&edit.rule)
            };
            if clean.get(clean_pos..clean_pos + held.len()) != Some(held.as_str()) {
                return Err(RestoreError::BadEdit { index });
            }
            clean_pos += held.len();
        }
        orig_pos = edit.end;
    }
    out.push_str(clean.get(clean_pos..).ok_or(RestoreError::BadEdit {
        index: record.edits.len(),
    })?);
    check_input(out, record)
}

fn check_input(out: String, record: &Record) -> Result<String, RestoreError> {
    let found = rehash(&record.input_hash, out.as_bytes());
    if found != record.input_hash {
        return Err(RestoreError::InputMismatch {
            expected: record.input_hash.clone(),
            found,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribution_files_captures_by_kind_once() {
        let mut a = Attribution::default();
        a.add("agency", "AFP");
        a.add("agency_2", "REUTERS");
        a.add("agency2", "AFP");
        a.add("photographer", " Alexander Ermochenko ");
        a.add("via", "Kremlin via REUTERS");
        a.add("place", "Moscow");
        a.add("credit", "");
        assert_eq!(a.agencies, ["AFP", "REUTERS"]);
        assert_eq!(a.photographers, ["Alexander Ermochenko"]);
        assert_eq!(a.via, ["Kremlin via REUTERS"]);
        assert!(a.credits.is_empty());
    }
}
