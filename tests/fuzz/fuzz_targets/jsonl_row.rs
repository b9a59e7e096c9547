//! Arbitrary bytes as JSONL rows, through the row reader and rewriter the
//! batch uses.
//!
//! - Reading a row and looking fields up never panics.
//! - A row that parses and is rewritten with its own text field
//!   (`Row::splice`) is the same bytes.
//! - The bytes go through `chaff::batch::strip_stream` (what `chaff strip -`
//!   runs, row by row, as a file's rows are); each output row is rebuilt
//!   from its provenance record as `chaff restore` rebuilds a JSONL file,
//!   and the rebuilt bytes are the input, every byte of every line, rows
//!   that failed (copied through) included.

#![no_main]

use chaff::Stripper;
use chaff::batch::{self, Options, Silent};
use chaff::jsonl::{self, Row};
use chaff::provenance::{Mode, Record, restore};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn stripper() -> &'static Stripper {
    static S: OnceLock<Stripper> = OnceLock::new();
    S.get_or_init(Stripper::builtin)
}

/// Field paths the batch reads by default, and a dotted text field.
const PATHS: &[&str] = &[
    "id",
    "text",
    "url",
    "metadata.url",
    "publisher",
    "metadata.publisher",
    "metadata.body",
    "metadata",
    "a.b.c",
];

/// A line without its ending (`\n` or `\r\n`), as the batch splits it.
fn split_ending(line: &[u8]) -> (&[u8], &[u8]) {
    let cut = if line.ends_with(b"\r\n") {
        2
    } else {
        usize::from(line.ends_with(b"\n"))
    };
    line.split_at(line.len() - cut)
}

/// The lines of `bytes`, each with its line break.
fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

/// Reading and rewriting one row with the jsonl API alone.
fn check_row_api(body: &str) {
    let Ok(row) = Row::parse(body) else {
        return;
    };
    for path in PATHS {
        let _ = row.get(path);
        let _ = row.string(path);
    }
    for field in ["text", "metadata.body"] {
        let Some(raw) = row.get(field) else {
            continue;
        };
        let same = row
            .splice(&[(field, Some(raw.get().to_string()))], &[])
            .expect("a splice without metadata additions does not fail");
        assert_eq!(
            same, body,
            "rewriting `{field}` with its own text changed the row"
        );
        if let Ok(Some(text)) = row.string(field) {
            // Both encoders write JSON that reads back as the same text.
            for encoded in [jsonl::to_json_string(&text), jsonl::to_json_ascii(&text)] {
                let back: String = serde_json::from_str(&encoded).expect("encoders write JSON");
                assert_eq!(back, *text);
            }
            let _ = jsonl::escapes_non_ascii(raw.get());
        }
    }
}

/// Rebuilds one output row from its record, as `chaff restore` does.
fn rebuild_row(body: &str, record: &Record) -> String {
    let row = Row::parse(body).expect("an output row with a record parses");
    let origin = record
        .row
        .as_ref()
        .expect("a row's record has its row origin");
    let text = row
        .string(&origin.text_field)
        .expect("the output text field reads")
        .expect("the output row has its text field");
    let original = restore(&text, record).expect("the record restores the row's text");
    let raw_text = jsonl::original_text_json(origin, &row, &text, &original);
    row.splice(
        &[
            (origin.text_field.as_str(), Some(raw_text)),
            (jsonl::METADATA, origin.metadata_raw.clone()),
        ],
        &[],
    )
    .expect("the restore splice does not fail")
}

fuzz_target!(|data: &[u8]| {
    for line in lines(data) {
        let (body, _) = split_ending(line);
        if let Ok(body) = std::str::from_utf8(body) {
            check_row_api(body);
        }
    }

    // The run's options are picked from the input's length, so that every
    // input byte stays part of the rows.
    let mut options = Options::new("/nonexistent-chaff-fuzz");
    options.jobs = 1;
    options.mode = [Mode::Strip, Mode::Mask, Mode::Tag][data.len() % 3];
    if (data.len() / 3) % 2 == 1 {
        options.fields.text = "metadata.body".to_string();
    }
    let mut input = data;
    let mut output = Vec::new();
    let mut provenance = Vec::new();
    batch::strip_stream(
        stripper(),
        &options,
        &mut input,
        &mut output,
        Some(&mut provenance),
        &Silent,
    )
    .expect("writing to memory does not fail");

    let mut records: std::collections::HashMap<u64, Record> = provenance
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let r: Record = serde_json::from_slice(l).expect("records are JSON");
            (r.line.expect("a row's record has its line"), r)
        })
        .collect();
    let mut rebuilt = Vec::with_capacity(data.len());
    for (i, line) in lines(&output).into_iter().enumerate() {
        let Some(record) = records.remove(&(i as u64 + 1)) else {
            rebuilt.extend_from_slice(line);
            continue;
        };
        let (body, ending) = split_ending(line);
        let body = std::str::from_utf8(body).expect("an output row is UTF-8");
        rebuilt.extend_from_slice(rebuild_row(body, &record).as_bytes());
        rebuilt.extend_from_slice(ending);
    }
    assert!(
        records.is_empty(),
        "records of lines the output does not have"
    );
    if rebuilt != data {
        panic!(
            "the rebuilt rows differ from the input\n input: {:?}\noutput: {:?}\n again: {:?}",
            String::from_utf8_lossy(data),
            String::from_utf8_lossy(&output),
            String::from_utf8_lossy(&rebuilt),
        );
    }
});
