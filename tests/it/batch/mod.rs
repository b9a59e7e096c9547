//! The batch pipeline from the command line, as a specification: JSONL shards
//! (plain, gzip, zstd) and stdin, output modes, where provenance goes, Dolma
//! attributes, the manifest, restore and verify, ranks, resume, globs, the
//! removal budget and `diff`. Each test names one behaviour and pins it.
//!
//! Most tests call `chaff::cli::run` in-process; the ones about the process
//! (stdin, a closed stdout, colour decided by the terminal) run the binary.
//! Scratch folders come from `tempfile`; nothing is written into the
//! repository.
//!
//! Loading the built-in rules is the dearest part of a run in a debug build,
//! so tests that only need a default strip of the mixed test tree read one
//! shared [`reference`] run, and tests about which files are read or reused
//! run with `--no-builtin`.

use crate::support::{
    BIN, READ_MORE_PACK, Run, afp_rows, chaff, corpus_files, file_name, records, records_in,
    scratch, tree, write,
};
use chaff::Record;
use chaff::provenance::Mode;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fmt;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use tempfile::TempDir;

// --- running chaff ----------------------------------------------------------------

/// Runs `chaff strip INPUT --out OUT EXTRA...`, with plain records unless
/// `extra` says otherwise (the mixed trees hold compressed shards, which
/// would make them zstd).
fn strip(input: &Path, out: &Path, extra: &[&str], code: i32) -> Run {
    let mut args: Vec<&dyn AsRef<OsStr>> = vec![&"strip", &input, &"--out", &out];
    for a in extra {
        args.push(a);
    }
    if !extra.contains(&"--records-compression") {
        args.push(&"--records-compression");
        args.push(&"none");
    }
    let run = chaff(&args);
    assert_eq!(run.code, code, "strip {extra:?}: {run:?}");
    run
}

// --- files ------------------------------------------------------------------------

/// The file name and text of the bundled article whose name starts with
/// `prefix`.
fn article(prefix: &str) -> (String, String) {
    let path = corpus_files()
        .into_iter()
        .find(|p| file_name(p).starts_with(prefix))
        .expect("article exists");
    (
        file_name(&path),
        fs::read_to_string(&path).expect("article"),
    )
}

/// Press TV: a navigation crumb with no-break spaces, a caption, a footer.
const PRESSTV: &str = "001_";
/// BBC News: a "- Published" stamp and two ", external" markers.
const BBC: &str = "002_";
/// The Moscow Times: a reader appeal, 38% of the article.
const MOSCOW_TIMES: &str = "003_";
/// Infobae: three photo captions, after non-ASCII text.
const INFOBAE: &str = "004_";

/// A copy of the five bundled articles in `dir`.
fn copy_corpus(dir: &Path) {
    for file in corpus_files() {
        write(
            &dir.join(file_name(&file)),
            fs::read(&file).expect("article"),
        );
    }
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    tree(dir)
        .into_iter()
        .map(|rel| {
            let bytes = fs::read(dir.join(&rel)).expect("readable file");
            (rel, bytes)
        })
        .collect()
}

// --- compression ------------------------------------------------------------------

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).expect("zstd")
}

/// `bytes`, decompressed when they are gzip or zstd (by their magic bytes).
fn decompress(bytes: &[u8]) -> Vec<u8> {
    if bytes.starts_with(GZIP_MAGIC) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("gunzip");
        out
    } else if bytes.starts_with(ZSTD_MAGIC) {
        zstd::decode_all(bytes).expect("unzstd")
    } else {
        bytes.to_vec()
    }
}

/// The bytes of `path`, decompressed when it is gzip or zstd (by its magic
/// bytes, whatever its name).
fn decompressed(path: &Path) -> Vec<u8> {
    decompress(&fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// The compression `bytes` say they have.
fn compression(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(GZIP_MAGIC) {
        "gzip"
    } else if bytes.starts_with(ZSTD_MAGIC) {
        "zstd"
    } else {
        "none"
    }
}

/// The compression `path`'s bytes say it has.
fn compression_of(path: &Path) -> &'static str {
    compression(&fs::read(path).expect("readable file"))
}

/// `bytes` compressed as a file named `name` would be (`.gz`, `.zst`).
fn compress_for(name: &str, bytes: &[u8]) -> Vec<u8> {
    if name.ends_with(".gz") {
        gzip(bytes)
    } else if name.ends_with(".zst") {
        zstd(bytes)
    } else {
        bytes.to_vec()
    }
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// --- JSON -------------------------------------------------------------------------

/// A JSON object's members in source order, each value as its exact JSON
/// text, so a test can tell whether a byte of a field changed.
struct RawObject(Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for RawObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawObject, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = RawObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawObject, A::Error> {
                let mut members = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Box<RawValue>>()? {
                    members.push((key, value.get().to_string()));
                }
                Ok(RawObject(members))
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// The members of the JSON object `json`, in order, values as raw JSON.
fn members(json: &str) -> Vec<(String, String)> {
    serde_json::from_str::<RawObject>(json)
        .unwrap_or_else(|e| panic!("{e}: {json}"))
        .0
}

/// The raw JSON of member `key` of `object`.
fn member<'a>(object: &'a [(String, String)], key: &str) -> &'a str {
    object
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no `{key}` in {object:?}"))
}

/// `text` as a JSON string with every non-ASCII character escaped as
/// `\uXXXX` (as Python's `json.dumps` writes it): not chaff's own encoding.
fn ascii_json(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii_control() || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

fn parse_json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("valid JSON")
}

/// The lines of `bytes` with their endings.
fn lines_of(bytes: &[u8]) -> Vec<String> {
    String::from_utf8(bytes.to_vec())
        .expect("UTF-8")
        .split_inclusive('\n')
        .map(str::to_string)
        .collect()
}

/// The records of a provenance file's bytes (JSONL), in file order.
fn parse_records(bytes: &[u8]) -> Vec<Record> {
    std::str::from_utf8(bytes)
        .expect("UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one record"))
        .collect()
}

/// The digest of the built-in rules (computed once: it compiles them).
fn builtin_digest() -> &'static str {
    static DIGEST: OnceLock<String> = OnceLock::new();
    DIGEST.get_or_init(|| chaff::RuleSet::builtin().digest().to_string())
}

fn manifest(out: &Path) -> Value {
    manifest_at(&out.join("_manifest.json"))
}

fn manifest_at(path: &Path) -> Value {
    parse_json(&fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// The `file` of each entry of a manifest's `files`.
fn manifest_files(manifest: &Value) -> Vec<String> {
    manifest["files"]
        .as_array()
        .expect("files is an array")
        .iter()
        .map(|f| f["file"].as_str().expect("file is a string").to_string())
        .collect()
}

fn without_timing(mut manifest: Value) -> Value {
    manifest
        .as_object_mut()
        .expect("an object")
        .remove("timing")
        .expect("the manifest has timing");
    manifest
}

// --- the test shard ---------------------------------------------------------------

/// Stands for the JSON string of a row's text in [`Row::template`].
const TEXT: &str = "@TEXT@";

/// One line of the test shard.
struct Row {
    /// The line without its ending; `@TEXT@` stands for the text's JSON.
    template: String,
    /// How the text is written into the line.
    encoded: Option<String>,
    /// The article the text is, and its text.
    article: Option<(String, String)>,
    /// The id chaff should give the document.
    id: Option<&'static str>,
}

impl Row {
    fn line(&self) -> String {
        match &self.encoded {
            Some(encoded) => self.template.replacen(TEXT, encoded, 1),
            None => self.template.clone(),
        }
    }
}

/// The test shard: Dolma-style and datatrove-style rows, a numeric id, a
/// text with non-canonical escapes, a row with no `metadata`, a blank line,
/// a malformed line and a row without `text`. Lines 1, 2 and 6 are
/// documents; 3 is blank; 4 and 5 are errors.
fn shard_rows() -> Vec<Row> {
    let presstv = article(PRESSTV);
    let moscow = article(MOSCOW_TIMES);
    let bbc = article(BBC);
    vec![
        // Dolma.
        Row {
            template: format!(
                r#"{{"id":"cc-0001","text":{TEXT},"source":"common-crawl","added":"2024-02-01T00:00:00.000Z","created":"2022-05-03T08:12:00.000Z","metadata":{{"url":"https://www.presstv.ir/Detail/2022/05/03/681213","warc_record_id":"<urn:uuid:0a1b>","length":3233}}}}"#
            ),
            encoded: Some(json_string(&presstv.1)),
            article: Some(presstv),
            id: Some("cc-0001"),
        },
        // datatrove: text first, numeric id, numbers written unusually.
        Row {
            template: format!(
                r#"{{"text": {TEXT}, "id": 7, "metadata": {{"url": "https://www.themoscowtimes.com/2022/05/03/a77567", "dump": "CC-MAIN-2022-21", "language": "en", "language_score": 0.9730, "token_count": 1.2e3}}}}"#
            ),
            encoded: Some(json_string(&moscow.1)),
            article: Some(moscow),
            id: Some("7"),
        },
        Row {
            template: String::new(),
            encoded: None,
            article: None,
            id: None,
        },
        Row {
            template: r#"{"id":"cc-0003","text":"cut short"#.to_string(),
            encoded: None,
            article: None,
            id: None,
        },
        Row {
            template: r#"{"id":"cc-0004","source":"common-crawl","metadata":{"url":"https://example.test/empty"}}"#.to_string(),
            encoded: None,
            article: None,
            id: None,
        },
        // Dolma without metadata; the text escaped as \uXXXX.
        Row {
            template: format!(
                r#"{{"id":"cc-0005","text":{TEXT},"source":"common-crawl","added":"2024-02-01T00:00:00.000Z","created":"2022-05-03T09:30:00.000Z"}}"#
            ),
            encoded: Some(ascii_json(&bbc.1)),
            article: Some(bbc),
            id: Some("cc-0005"),
        },
    ]
}

/// The test shard's bytes, every line ending in CRLF.
fn shard_bytes() -> Vec<u8> {
    shard_rows()
        .iter()
        .map(|r| r.line() + "\r\n")
        .collect::<String>()
        .into_bytes()
}

/// Lines of the test shard that are errors, and what is said of them.
const BAD_LINES: [(u64, &str); 2] = [(4, "malformed JSON row"), (5, "no `text` field")];

/// A small datatrove shard: LF endings, no newline after the last row.
fn small_shard() -> Vec<u8> {
    let (_, infobae) = article(INFOBAE);
    format!(
        "{{\"text\":{},\"id\":\"dt-1\",\"metadata\":{{\"url\":\"https://www.infobae.com/en/2022/05/03/x/\",\"dump\":\"CC-MAIN-2022-21\"}}}}\n{{\"text\":\"Nothing to strip here.\\n\",\"id\":\"dt-2\",\"metadata\":{{\"url\":\"https://example.test/b\"}}}}",
        json_string(&infobae)
    )
    .into_bytes()
}

/// Where [`mixed_tree`] puts the article named `name`: the first two in
/// `articles/`, the others in `articles/more/`.
fn article_rel(name: &str) -> String {
    if name.starts_with("000_") || name.starts_with("001_") {
        format!("articles/{name}")
    } else {
        format!("articles/more/{name}")
    }
}

/// A mixed input tree in `dir/in`: the five articles (three in a nested
/// folder), an empty text file, the test shard as plain, gzip and zstd
/// JSONL, the small shard, and a README.md that is not an input. Returns the
/// folder and the relative paths chaff reads, sorted.
fn mixed_tree(dir: &Path) -> (PathBuf, Vec<String>) {
    let input = dir.join("in");
    let mut inputs = Vec::new();
    for file in corpus_files() {
        let rel = article_rel(&file_name(&file));
        write(&input.join(&rel), fs::read(&file).expect("article"));
        inputs.push(rel);
    }
    write(&input.join("empty.txt"), "");
    inputs.push("empty.txt".into());
    let shard = shard_bytes();
    for name in SHARDS {
        write(&input.join(name), compress_for(name, &shard));
        inputs.push(name.into());
    }
    write(&input.join("shards/d.jsonl"), small_shard());
    inputs.push("shards/d.jsonl".into());
    write(&input.join("README.md"), "# Not an input\n");
    inputs.sort();
    (input, inputs)
}

/// Documents in [`mixed_tree`]: five articles, the empty file, three in each
/// copy of the test shard and two in the small shard.
const MIXED_DOCS: usize = 5 + 1 + 3 * 3 + 2;

/// A default strip of a [`mixed_tree`], kept in memory (its folders are
/// gone), shared by the tests that compare against it.
struct Reference {
    /// Where the input tree was (paths in messages and records name it).
    input: PathBuf,
    /// The inputs, as relative paths.
    inputs: Vec<String>,
    /// What the run printed.
    run: Run,
    /// Every file of the output folder.
    outputs: BTreeMap<String, Vec<u8>>,
    /// Its provenance records.
    records: Vec<Record>,
}

impl Reference {
    /// The clean text of the bundled article named `name`.
    fn clean_article(&self, name: &str) -> String {
        String::from_utf8(self.outputs[&article_rel(name)].clone()).expect("UTF-8")
    }

    /// The reference records by (file, line), with `source` made relative
    /// to the input folder.
    fn by_document(&self) -> BTreeMap<(String, Option<u64>), Record> {
        by_document(rebased(self.records.clone(), &self.input))
    }
}

fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let tmp = scratch();
        let (input, inputs) = mixed_tree(tmp.path());
        let out = tmp.path().join("out");
        let run = strip(&input, &out, &[], 1);
        let outputs = snapshot(&out);
        let records = parse_records(&outputs["provenance.jsonl"]);
        Reference {
            input,
            inputs,
            run,
            outputs,
            records,
        }
    })
}

/// Writes the [`reference`] output folder to `dir` (as a default strip of a
/// [`mixed_tree`] would leave it) and returns it.
fn materialize_reference(dir: &Path) -> PathBuf {
    for (rel, bytes) in &reference().outputs {
        write(&dir.join(rel), bytes);
    }
    dir.to_path_buf()
}

/// `records` with each `source` made relative to `input`, so records of
/// runs on different copies of a tree compare equal.
fn rebased(records: Vec<Record>, input: &Path) -> Vec<Record> {
    let prefix = format!("{}/", input.display());
    records
        .into_iter()
        .map(|mut r| {
            r.source = r.source.map(|s| s.replacen(&prefix, "", 1));
            r
        })
        .collect()
}

/// Records by (file, line).
fn by_document(records: Vec<Record>) -> BTreeMap<(String, Option<u64>), Record> {
    records
        .into_iter()
        .map(|r| {
            (
                (
                    r.file.clone().expect("batch records name their file"),
                    r.line,
                ),
                r,
            )
        })
        .collect()
}

/// The original text of a document of the tree in `input`.
fn original_text(input: &Path, record: &Record) -> String {
    let file = input.join(record.file.as_ref().expect("a file"));
    match record.line {
        None => fs::read_to_string(file).expect("text input"),
        Some(line) => {
            let lines = lines_of(&decompressed(&file));
            let row = parse_json(lines[line as usize - 1].trim_end().as_bytes());
            row["text"].as_str().expect("a text").to_string()
        }
    }
}

/// The shard names of the test shard in [`mixed_tree`].
const SHARDS: [&str; 3] = ["shards/a.jsonl", "shards/b.jsonl.gz", "shards/c.jsonl.zst"];

/// Checks one output line of the test shard against its row: the text is
/// `clean`, `metadata.chaff` summarizes `record`, and every other byte of the
/// line is the input's. Returns the `metadata.chaff` object.
fn check_stripped_row(row: &Row, out_line: &str, clean: &str, record: &Record) -> Value {
    let out_members = members(out_line);
    let raw_text = member(&out_members, "text");
    let text: String = serde_json::from_str(raw_text).expect("text is a string");
    assert_eq!(text, clean, "row {:?}: the text is the clean text", row.id);

    let metadata = members(member(&out_members, "metadata"));
    let (last, chaff_raw) = metadata.last().expect("metadata has members");
    assert_eq!(last, "chaff", "chaff's summary is added last: {metadata:?}");
    let summary: Value = serde_json::from_str(chaff_raw).expect("chaff summary");

    // Without the new text and chaff's member, the line is the input's.
    let mut rest = out_line.replacen(raw_text, TEXT, 1);
    let added = if row.template.contains(r#""metadata""#) {
        format!(r#","chaff":{chaff_raw}"#)
    } else {
        format!(r#","metadata":{{"chaff":{chaff_raw}}}"#)
    };
    assert_eq!(rest.matches(&added).count(), 1, "{rest}");
    rest = rest.replacen(&added, "", 1);
    assert_eq!(rest, row.template, "every other byte of the row is kept");

    let keys: BTreeSet<&str> = summary
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["chars_removed", "edits"]),
        "the summary is compact by default"
    );
    assert_eq!(
        summary["edits"].as_u64(),
        Some(record.rule_edits().count() as u64)
    );
    assert_eq!(
        summary["chars_removed"].as_u64(),
        Some(record.removed_chars() as u64)
    );
    summary
}

// --- shared by several parts --------------------------------------------------

fn resumed_flags(out: &Path) -> Vec<(String, bool)> {
    manifest(out)["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["resumed"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// Checks that `restored` holds exactly `inputs`, each the same as in
/// `input`: byte for byte for plain files, same compression and same
/// decompressed bytes for compressed ones.
fn assert_rebuilt(input: &Path, inputs: &[String], restored: &Path) {
    assert_eq!(tree(restored), inputs, "every input, nothing else");
    for rel in inputs {
        let (original, rebuilt) = (input.join(rel), restored.join(rel));
        assert_eq!(compression_of(&rebuilt), compression_of(&original), "{rel}");
        if compression_of(&original) == "none" {
            assert!(
                fs::read(&original).unwrap() == fs::read(&rebuilt).unwrap(),
                "{rel} rebuilt byte for byte"
            );
        } else {
            assert!(
                decompressed(&original) == decompressed(&rebuilt),
                "{rel} rebuilt byte for byte (decompressed)"
            );
        }
    }
}

mod diff;
mod inputs;
mod manifest;
mod outputs;
mod restore;
mod resume;
mod shards;
mod streams;
