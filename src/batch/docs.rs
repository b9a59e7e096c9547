//! One document at a time: a text file's contents or a JSONL row, stripped
//! and rendered for the run's mode.

use super::read::{Doc, ReadError, Reader, RowDoc};
use super::{Failure, Input, Options, ProvenanceMode, Records, RowSummary};
use crate::engine::{Cut, Document, Scratch, Stripped, Stripper};
use crate::jsonl;
use crate::provenance::{self, Mode, Record, RowOrigin};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// JSONL field names. Dotted names (`metadata.url`) look inside objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fields {
    /// The text field; a dotted name (`metadata.body`) is read and written
    /// inside nested objects.
    pub text: String,
    /// The id field.
    pub id: String,
    /// Fields holding the document's URL, first found wins.
    pub url: Vec<String>,
    /// Fields holding the publisher id, first found wins.
    pub publisher: Vec<String>,
}

impl Default for Fields {
    fn default() -> Fields {
        Fields {
            text: "text".into(),
            id: "id".into(),
            url: vec!["url".into(), "metadata.url".into()],
            publisher: vec!["publisher".into(), "metadata.publisher".into()],
        }
    }
}

/// A stripped document.
pub struct DocOutcome {
    /// The output text (for the run's mode); empty for a JSONL row, whose
    /// output row holds it.
    pub output: String,
    /// Its record.
    pub record: Record,
    /// Edits made by rules.
    pub rule_edits: u64,
    /// Characters removed.
    pub chars_removed: u64,
    /// Rule ids that fired, once each.
    pub rules: Vec<String>,
    /// The resolved publisher.
    pub publisher: Option<String>,
    /// Whether more than the budget would go.
    pub over_budget: bool,
    /// `file` or `file:line`.
    pub source: String,
}

/// The warning for text whose lines end in a lone carriage return.
pub const LONE_CR: &str = "lone CR (\\r) line endings: lines are only split at LF, so rules that match whole lines may miss; convert to LF or CRLF";

/// Whether `bytes` hold a carriage return that is not followed by a line
/// feed (old Mac line endings).
pub fn has_lone_cr(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'))
}

/// Strips `doc` with this thread's scratch buffers.
pub(crate) fn stripped(stripper: &Stripper, doc: &Document<'_>) -> Stripped {
    SCRATCH.with(|s| stripper.strip_with(doc, &mut s.borrow_mut()))
}

/// Strips `doc` with this thread's scratch buffers, without its record.
pub(crate) fn cut(stripper: &Stripper, doc: &Document<'_>) -> Cut {
    SCRATCH.with(|s| stripper.cut_with(doc, &mut s.borrow_mut()))
}

fn strip_doc(stripper: &Stripper, options: &Options, doc: &Document<'_>) -> DocOutcome {
    let stripped = stripped(stripper, doc);
    let mut record = stripped.record;
    let chars_removed = record.removed_chars() as u64;
    let total_chars = record
        .edits
        .last()
        .map_or(0, |e| e.char_end + doc.text[e.end..].chars().count());
    let over_budget = total_chars > 0 && chars_removed as f64 > options.budget * total_chars as f64;
    let mode = if over_budget && options.budget_keep {
        Mode::Tag
    } else {
        options.mode
    };
    let output = provenance::render(doc.text, stripped.clean, &mut record, mode);
    let mut rules: Vec<String> = record.rule_edits().map(|e| e.rule.clone()).collect();
    rules.sort();
    rules.dedup();
    DocOutcome {
        output,
        rule_edits: record.rule_edits().count() as u64,
        chars_removed,
        rules,
        publisher: record.publisher.id.clone(),
        over_budget,
        source: doc.source.unwrap_or(doc.id).to_string(),
        record,
    }
}

/// Strips one document as the reader found it. Its record names the input
/// file, and the line or row.
pub fn strip(stripper: &Stripper, options: &Options, doc: &Doc<'_>) -> DocOutcome {
    let mut outcome = strip_doc(stripper, options, &doc.document);
    outcome.record.file = Some(doc.input.rel.clone());
    outcome.record.line = doc.line;
    outcome
}

/// A document's record as JSON, serialized by the worker that stripped it,
/// when it is written at all.
fn record_json(options: &Options, outcome: &DocOutcome, recorded: bool) -> Option<String> {
    (recorded && options.provenance != ProvenanceMode::None)
        .then(|| serde_json::to_string(&outcome.record).expect("records serialize"))
}

/// What became of one JSONL line.
pub struct RowResult {
    /// The output line, with the input's line ending.
    pub output: Vec<u8>,
    /// The stripped document, when the line was one.
    pub outcome: Option<DocOutcome>,
    /// Why the line was copied through unchanged, when it was an error.
    pub failure: Option<Failure>,
    /// The Dolma attributes row for this line (empty unless asked for).
    pub attributes: String,
    /// The document's provenance record as JSON, serialized by the worker
    /// that stripped it (unless provenance is off).
    pub record_json: Option<String>,
    /// Whether the document's record is written (see [`Records`]).
    pub recorded: bool,
    /// A warning about the row's text (lone CR line endings).
    pub warning: Option<Failure>,
}

/// Strips one JSONL line, read by the corpus reader. A line that is not a
/// usable row is copied through unchanged and reported; a blank line is
/// copied through silently.
pub fn strip_row(
    stripper: &Stripper,
    options: &Options,
    input: &Input,
    line_no: u64,
    line: &[u8],
) -> RowResult {
    let reader = Reader::of(options);
    let passthrough = |failure: Option<ReadError>, id: Option<&str>| RowResult {
        output: line.to_vec(),
        outcome: None,
        failure: failure.map(Failure::from),
        attributes: options
            .attributes
            .as_deref()
            .map(|name| attributes_row(name, id.unwrap_or(""), None))
            .unwrap_or_default(),
        record_json: None,
        recorded: false,
        warning: None,
    };
    let found = match reader.row(input, line_no, line) {
        Ok(Some(found)) => found,
        Ok(None) => return passthrough(None, None),
        Err(bad) => {
            let failure = reader.bad_row(input, line_no, bad.problem);
            return passthrough(Some(failure), bad.id.as_deref());
        }
    };
    let fields = &options.fields;
    let mut outcome = strip(stripper, options, &found.doc(input));
    let RowDoc {
        row,
        body,
        ending,
        id,
        text,
        ..
    } = found;
    let lone_cr = has_lone_cr(text.as_bytes());
    let raw_text = row.get(&fields.text).map(|r| r.get()).unwrap_or_default();
    // Keep the row's escaping style; only an encoding neither style
    // reproduces is stored whole.
    let ascii = jsonl::escapes_non_ascii(raw_text);
    // A row whose text was not changed needs no second encoding: it is
    // written back as it was.
    let changed = outcome.output != *text;
    let text_raw =
        (changed && !jsonl::encodes_as(&text, raw_text, ascii)).then(|| raw_text.to_string());
    let recorded = recorded(options, &outcome, &text);
    // The decoded text is not needed any more: a big row is not held in
    // four copies at once.
    drop(text);
    let text_out = changed.then(|| {
        if ascii {
            jsonl::to_json_ascii(&outcome.output)
        } else {
            jsonl::to_json_string(&outcome.output)
        }
    });
    // The row holds the output text now.
    outcome.output = String::new();
    outcome.record.row = Some(RowOrigin {
        text_field: fields.text.clone(),
        text_raw,
        text_escape: ascii.then(|| "ascii".to_string()),
        // Needed to take the summary out again; without one, the row's
        // metadata is its own.
        metadata_raw: (options.row_summary != RowSummary::None)
            .then(|| row.get(jsonl::METADATA).map(|m| m.get().to_string()))
            .flatten(),
    });
    let summary = match options.row_summary {
        _ if !recorded => None,
        RowSummary::Compact => Some(
            serde_json::json!({
                "edits": outcome.rule_edits,
                "chars_removed": outcome.chars_removed,
            })
            .to_string(),
        ),
        RowSummary::Full => Some(
            serde_json::json!({
                "rules_digest": outcome.record.rules_digest,
                "mode": outcome.record.mode,
                "edits": outcome.rule_edits,
                "chars_removed": outcome.chars_removed,
            })
            .to_string(),
        ),
        RowSummary::None => None,
    };
    let rendered = if recorded {
        let summary: Vec<(&str, String)> = summary.map(|s| ("chaff", s)).into_iter().collect();
        let text: Vec<(&str, Option<String>)> = text_out
            .map(|t| (fields.text.as_str(), Some(t)))
            .into_iter()
            .collect();
        row.splice(&text, &summary)
    } else {
        // A document left as it was: the row too, byte for byte.
        Ok(body.to_string())
    };
    match rendered {
        Ok(out) => {
            let mut output = out.into_bytes();
            output.extend_from_slice(ending);
            let attributes = options
                .attributes
                .as_deref()
                .map(|name| attributes_row(name, &id, Some(&outcome.record)))
                .unwrap_or_default();
            let record_json = record_json(options, &outcome, recorded);
            RowResult {
                output,
                outcome: Some(outcome),
                failure: None,
                attributes,
                record_json,
                recorded,
                warning: lone_cr.then(|| Failure {
                    file: input.path.display().to_string(),
                    line: Some(line_no),
                    message: LONE_CR.to_string(),
                }),
            }
        }
        Err(e) => passthrough(Some(reader.bad_row(input, line_no, e.into())), Some(&id)),
    }
}

/// Whether a stripped document gets a record: always, unless the run
/// records edited documents only and nothing was removed from this one.
pub fn recorded(options: &Options, outcome: &DocOutcome, text: &str) -> bool {
    options.records == Records::All || !outcome.record.edits.is_empty() || outcome.output != text
}

/// A Dolma attributes row: for each category the removed spans as
/// `[start, end, 1.0]` in character offsets, and all of them under `NAME`.
pub fn attributes_row(name: &str, id: &str, record: Option<&Record>) -> String {
    let mut attributes = serde_json::Map::new();
    if let Some(record) = record {
        let mut all = Vec::new();
        for e in &record.edits {
            let span = serde_json::json!([e.char_start, e.char_end, 1.0]);
            all.push(span.clone());
            let key = format!("{name}__{}", e.category);
            attributes
                .entry(key)
                .or_insert_with(|| serde_json::Value::Array(Vec::new()))
                .as_array_mut()
                .expect("arrays only")
                .push(span);
        }
        attributes.insert(name.to_string(), serde_json::Value::Array(all));
    }
    serde_json::json!({ "id": id, "attributes": attributes }).to_string()
}

/// What became of one Parquet row's text.
#[cfg(feature = "parquet")]
pub struct CellResult {
    /// The stripped document.
    pub outcome: DocOutcome,
    /// Its record as JSON (unless provenance is off).
    pub record_json: Option<String>,
    /// Whether the text has lone CR line endings.
    pub lone_cr: bool,
}

/// Strips one Parquet row's text. Its record names the file and the row
/// (as `line`), and the text column (as `row.text_field`).
#[cfg(feature = "parquet")]
pub fn strip_cell(stripper: &Stripper, options: &Options, doc: &Doc<'_>) -> CellResult {
    let mut outcome = strip(stripper, options, doc);
    outcome.record.row = Some(RowOrigin {
        text_field: options.fields.text.clone(),
        text_raw: None,
        text_escape: None,
        metadata_raw: None,
    });
    let record_json = record_json(
        options,
        &outcome,
        recorded(options, &outcome, doc.document.text),
    );
    CellResult {
        outcome,
        record_json,
        lone_cr: has_lone_cr(doc.document.text.as_bytes()),
    }
}
