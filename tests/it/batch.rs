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

/// Runs `chaff strip INPUT --out OUT EXTRA...` in-process and checks its exit
/// code.
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

// --- JSONL shards -----------------------------------------------------------------

#[test]
fn jsonl_shards_keep_their_name_compression_row_count_and_order() {
    let r = reference();
    let shards: Vec<&String> = r
        .outputs
        .keys()
        .filter(|k| k.starts_with("shards/"))
        .collect();
    assert_eq!(shards, [SHARDS[0], SHARDS[1], SHARDS[2], "shards/d.jsonl"]);
    let rows = shard_rows();
    for (name, expected) in SHARDS.iter().zip(["none", "gzip", "zstd"]) {
        let bytes = &r.outputs[*name];
        assert_eq!(compression(bytes), expected, "{name}: same compression");
        let lines = lines_of(&decompress(bytes));
        assert_eq!(lines.len(), rows.len(), "{name}: one line per input line");
        for (line, row) in lines.iter().zip(&rows) {
            assert!(line.ends_with("\r\n"), "{name}: CRLF kept: {line:?}");
            if let Some(id) = row.id {
                let found = &parse_json(line.trim_end().as_bytes())["id"];
                let id = id.parse::<u64>().map_or(Value::from(id), Value::from);
                assert_eq!(*found, id, "{name}: rows in input order");
            }
        }
    }
    // The compressed outputs hold the same rows as the plain one.
    let plain = &r.outputs[SHARDS[0]];
    assert!(decompress(&r.outputs[SHARDS[1]]) == *plain);
    assert!(decompress(&r.outputs[SHARDS[2]]) == *plain);
    // LF endings and no newline at the end are kept too.
    let small = lines_of(&r.outputs["shards/d.jsonl"]);
    assert_eq!(small.len(), 2);
    assert!(small[0].ends_with("}\n"));
    assert!(small[1].ends_with('}'), "no newline added: {:?}", small[1]);
}

#[test]
fn jsonl_rows_get_the_clean_text_and_a_chaff_summary_and_keep_every_other_byte() {
    let r = reference();
    let rows = shard_rows();
    for name in SHARDS {
        let lines = lines_of(&decompress(&r.outputs[name]));
        let mut ours = r.records.iter().filter(|r| r.file.as_deref() == Some(name));
        for (no, (row, line)) in (1..).zip(rows.iter().zip(&lines)) {
            let Some((article, original)) = &row.article else {
                continue;
            };
            let record = ours.next().expect("a record for each document");
            assert_eq!(record.line, Some(no), "{name}: records in row order");
            assert_eq!(record.id, row.id.unwrap(), "{name}:{no}: id");
            assert_eq!(record.mode, Mode::Strip);
            assert!(
                record.rule_edits().count() > 0,
                "{name}:{no} has boilerplate"
            );
            let line = line.strip_suffix("\r\n").expect("CRLF");
            // The same clean text as the article gets as a text file.
            let clean = r.clean_article(article);
            let summary = check_stripped_row(row, line, &clean, record);
            assert!(summary["chars_removed"].as_u64().unwrap() > 0);
            assert_eq!(
                chaff::restore(&clean, record).expect("the record restores the row"),
                *original
            );
        }
        assert!(
            ours.next().is_none(),
            "{name}: no record for the other lines"
        );
    }
}

#[test]
fn jsonl_rows_that_cannot_be_stripped_are_copied_through_and_reported_as_file_line() {
    let r = reference();
    let run = &r.run;
    assert_eq!(run.code, 1, "bad rows fail the run");
    assert_eq!(run.stdout, "", "{run:?}");
    let rows = shard_rows();
    for name in SHARDS {
        let lines = lines_of(&decompress(&r.outputs[name]));
        for no in [3, 4, 5] {
            let row = &rows[no - 1];
            assert_eq!(lines[no - 1], row.line() + "\r\n", "{name}:{no} unchanged");
        }
        let path = r.input.join(name).display().to_string();
        for (no, why) in BAD_LINES {
            let now = format!("chaff: {path}:{no}: ");
            let line = run
                .stderr
                .lines()
                .find(|l| l.starts_with(&now))
                .unwrap_or_else(|| panic!("{now} on stderr: {run:?}"));
            assert!(line.contains(why), "{line:?} says {why:?}");
            assert!(line.ends_with("copied unchanged"), "{line:?}");
            let listed = format!("  failed: {path}:{no}: ");
            assert!(
                run.stderr.lines().any(|l| l.starts_with(&listed)),
                "{listed} under the summary: {run:?}"
            );
        }
        for no in [1, 2, 3, 6] {
            assert!(
                !run.stderr.contains(&format!("{path}:{no}:")),
                "{name}:{no} is not a problem: {run:?}"
            );
        }
    }
    let summary = format!("stripped {MIXED_DOCS} documents into ");
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with(&summary) && l.contains("; 6 failed (")),
        "{run:?}"
    );
}

// --- restore and verify -----------------------------------------------------------

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

#[test]
fn verify_passes_and_restore_rebuilds_every_input_byte_for_byte_in_every_mode() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let configurations: [&[&str]; 4] = [
        &[],
        &["--mode", "mask"],
        &["--mode", "tag", "--provenance", "sidecar"],
        &["--provenance", "sidecar"],
    ];
    for (i, options) in configurations.iter().enumerate() {
        let out = tmp.path().join(format!("out{i}"));
        if options.is_empty() {
            // The default strip of this tree is the shared reference.
            materialize_reference(&out);
        } else {
            strip(&input, &out, options, 1);
        }

        let verify = chaff(&[&"verify", &out]);
        assert_eq!(verify.code, 0, "{options:?}: {verify:?}");
        assert_eq!(
            verify.stdout,
            format!(
                "verified {} files ({MIXED_DOCS} documents); 0 failed\n",
                inputs.len()
            ),
            "{options:?}"
        );
        assert_eq!(verify.stderr, "");

        let restored = tmp.path().join(format!("restored{i}"));
        let restore = chaff(&[&"restore", &out, &"--to", &restored]);
        assert_eq!(restore.code, 0, "{options:?}: {restore:?}");
        assert!(restore.stdout.starts_with("restored "), "{restore:?}");
        assert_rebuilt(&input, &inputs, &restored);
    }
}

#[test]
fn verify_fails_after_an_output_is_tampered_with() {
    let tmp = scratch();
    let out = materialize_reference(&tmp.path().join("out"));
    assert_eq!(chaff(&[&"verify", &out]).code, 0);

    let (name, _) = article(BBC);
    for target in [
        format!("articles/more/{name}"),
        "shards/a.jsonl".to_string(),
        "shards/c.jsonl.zst".to_string(),
    ] {
        let path = out.join(&target);
        let kept = fs::read(&path).unwrap();
        // One letter of the clean text changed.
        let text = String::from_utf8(decompressed(&path)).unwrap();
        let at = text.find("Macron").expect("the story names Macron");
        let tampered = format!("{}m{}", &text[..at], &text[at + 1..]);
        fs::write(&path, compress_for(&target, tampered.as_bytes())).unwrap();

        let verify = chaff(&[&"verify", &out]);
        assert_eq!(verify.code, 1, "{target}: {verify:?}");
        let shown = path.display().to_string();
        assert!(
            verify
                .stderr
                .lines()
                .any(|l| l.starts_with(&format!("chaff: {target}: {shown}"))),
            "{target} named: {verify:?}"
        );
        assert!(verify.stdout.ends_with("; 1 failed\n"), "{verify:?}");
        let restored = tmp.path().join("restored");
        assert_eq!(
            chaff(&[&"restore", &out, &"--to", &restored]).code,
            1,
            "{target}"
        );
        fs::write(&path, kept).unwrap();
        assert_eq!(chaff(&[&"verify", &out]).code, 0, "{target} put back");
    }
}

#[test]
fn records_are_zstd_frames_when_inputs_are_compressed_and_restore_verify_and_resume_read_them() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let plain = tmp.path().join("plain");
    strip(&input, &plain, &[], 1);
    let out = tmp.path().join("out");
    strip(&input, &out, &["--records-compression", "auto"], 1);

    // The tree holds .gz and .zst shards: `auto` compresses the records.
    let zst = out.join("provenance.jsonl.zst");
    assert!(!out.join("provenance.jsonl").exists());
    let packed = fs::read(&zst).unwrap();
    assert_eq!(compression(&packed), "zstd");
    let plain_bytes = fs::read(plain.join("provenance.jsonl")).unwrap();
    assert!(
        packed.len() * 2 < plain_bytes.len(),
        "{} vs {}",
        packed.len(),
        plain_bytes.len()
    );
    assert!(decompress(&packed) == plain_bytes, "the same records");
    assert_eq!(manifest(&out)["options"]["records_compression"], "zstd");
    assert_eq!(manifest(&plain)["options"]["records_compression"], "none");
    // Every other output is the same as with plain records.
    let (mut a, mut b) = (snapshot(&out), snapshot(&plain));
    a.remove("provenance.jsonl.zst");
    b.remove("provenance.jsonl");
    // The journals say where each input's records are: they differ too.
    for name in ["_manifest.json", ".chaff/journal.jsonl"] {
        a.remove(name);
        b.remove(name);
    }
    let differ: Vec<&String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .collect();
    assert!(differ.is_empty(), "same outputs: {differ:?}");

    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{verify:?}");
    let restored = tmp.path().join("restored");
    assert_eq!(chaff(&[&"restore", &out, &"--to", &restored]).code, 0);
    assert_rebuilt(&input, &inputs, &restored);

    // Resume copies each input's frame as it was.
    strip(
        &input,
        &out,
        &["--records-compression", "auto", "--resume"],
        1,
    );
    assert_eq!(
        manifest(&out)["totals"]["files_resumed"],
        inputs.len() as u64
    );
    assert!(
        fs::read(&zst).unwrap() == packed,
        "frames reused byte for byte"
    );

    // A damaged frame is a failure verify names.
    let mut damaged = packed.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x55;
    fs::write(&zst, &damaged).unwrap();
    let verify = chaff(&[&"verify", &out]);
    assert_ne!(verify.code, 0, "{verify:?}");
    assert!(verify.stderr.contains("provenance"), "{verify:?}");
    fs::write(&zst, &packed).unwrap();

    // Sidecars of shards are compressed too; a text's one record is not.
    let sidecars = tmp.path().join("sidecars");
    strip(
        &input,
        &sidecars,
        &["--records-compression", "zstd", "--provenance", "sidecar"],
        1,
    );
    let names = tree(&sidecars);
    assert!(
        names.iter().any(|n| n == "shards/a.jsonl.prov.jsonl.zst"),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.ends_with(".txt.prov.json")),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n.ends_with(".prov.jsonl")),
        "{names:?}"
    );
    assert_eq!(
        records_in(&sidecars.join("shards/a.jsonl.prov.jsonl.zst")),
        records_in(&plain.join("provenance.jsonl"))
            .into_iter()
            .filter(|r| r.file.as_deref() == Some("shards/a.jsonl"))
            .collect::<Vec<_>>()
    );
    assert_eq!(chaff(&[&"verify", &sidecars]).code, 0);
    let restored = tmp.path().join("restored-sidecars");
    assert_eq!(chaff(&[&"restore", &sidecars, &"--to", &restored]).code, 0);
    assert_rebuilt(&input, &inputs, &restored);

    // Plain inputs keep plain records.
    let texts = tmp.path().join("texts");
    copy_corpus(&texts);
    let out = tmp.path().join("texts-out");
    strip(&texts, &out, &["--records-compression", "auto"], 0);
    assert!(out.join("provenance.jsonl").is_file());
    assert!(!out.join("provenance.jsonl.zst").exists());
}

#[test]
fn compression_levels_change_the_bytes_written_not_what_they_hold() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("s.jsonl.gz"), gzip(&shard_bytes()));
    write(&input.join("t.jsonl.zst"), zstd(&shard_bytes()));
    let run = |name: &str, gzip_level: &str, zstd_level: &str| {
        let out = tmp.path().join(name);
        strip(
            &input,
            &out,
            &["--gzip-level", gzip_level, "--zstd-level", zstd_level],
            1,
        );
        out
    };
    let (fast, small) = (run("fast", "1", "1"), run("small", "9", "19"));
    for rel in ["s.jsonl.gz", "t.jsonl.zst"] {
        let (a, b) = (
            fs::read(fast.join(rel)).unwrap(),
            fs::read(small.join(rel)).unwrap(),
        );
        assert!(a != b, "{rel}: the level is used");
        assert_eq!(compression(&a), compression(&b), "{rel}");
        assert!(decompress(&a) == decompress(&b), "{rel}: the same rows");
    }
    for (flag, level) in [
        ("--gzip-level", "10"),
        ("--zstd-level", "0"),
        ("--zstd-level", "23"),
    ] {
        let bad = chaff(&[
            &"strip",
            &input,
            &"--out",
            &tmp.path().join("bad"),
            &flag,
            &level,
        ]);
        assert_eq!(bad.code, 2, "{flag} {level}: {bad:?}");
        assert!(bad.stderr.contains(flag), "{bad:?}");
    }
}

// --- stdin and stdout -------------------------------------------------------------

/// Runs the binary with `args` in `dir`, `stdin` piped in.
fn run_binary(dir: &Path, args: &[&dyn AsRef<OsStr>], stdin: &Path) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(fs::File::open(stdin).expect("stdin file"))
        .output()
        .expect("chaff runs")
}

#[test]
fn strip_dash_reads_jsonl_on_stdin_and_writes_on_stdout_what_the_file_would_get() {
    let tmp = scratch();
    let shard = tmp.path().join("in/a.jsonl");
    write(&shard, shard_bytes());
    let work = tmp.path().join("work");
    fs::create_dir(&work).unwrap();
    // The file, by the same binary (other builds may replace the binary
    // while this test runs; the library linked into the test could differ).
    let out = tmp.path().join("out");
    let file_run = run_binary(&work, &[&"strip", &shard, &"--out", &out], &shard);
    assert_eq!(file_run.status.code(), Some(1));
    let expected = fs::read(out.join("a.jsonl")).unwrap();

    // No --out: stdout only, nothing written.
    let plain = run_binary(&work, &[&"strip", &"-"], &shard);
    assert_eq!(plain.status.code(), Some(1), "two bad rows");
    assert!(plain.stdout == expected, "same bytes as for the file");
    let stderr = String::from_utf8(plain.stderr).unwrap();
    for (no, why) in BAD_LINES {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&format!("chaff: -:{no}: ")) && l.contains(why)),
            "line {no} reported: {stderr}"
        );
    }
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("stripped 3 documents into stdout: ")
                && l.contains("; 2 failed (")),
        "{stderr}"
    );
    assert_eq!(tree(&work), Vec::<String>::new(), "nothing written");
    assert!(String::from_utf8_lossy(&file_run.stdout).is_empty());

    // --out DIR: the provenance goes to DIR/provenance.jsonl.
    let dir = tmp.path().join("prov");
    let with_out = run_binary(&work, &[&"strip", &"-", &"--out", &dir], &shard);
    assert_eq!(with_out.status.code(), Some(1));
    assert!(with_out.stdout == expected, "same bytes as for the file");
    assert_eq!(tree(&dir), ["provenance.jsonl"]);
    let records = records(&dir);
    let file_records = records_in(&out.join("provenance.jsonl"));
    assert_eq!(records.len(), 3);
    // Compressed records when asked.
    let packed = tmp.path().join("packed");
    let zstd_run = run_binary(
        &work,
        &[
            &"strip",
            &"-",
            &"--out",
            &packed,
            &"--records-compression",
            &"zstd",
        ],
        &shard,
    );
    assert!(zstd_run.stdout == expected, "same bytes as for the file");
    assert_eq!(tree(&packed), ["provenance.jsonl.zst"]);
    assert_eq!(records_in(&packed.join("provenance.jsonl.zst")), records);
    let rows = lines_of(&expected);
    for (record, of_file) in records.iter().zip(&file_records) {
        assert_eq!(record.file.as_deref(), Some("-"));
        assert_eq!(record.line, of_file.line);
        assert_eq!(record.id, of_file.id);
        assert_eq!(record.edits, of_file.edits);
        let line = rows[record.line.unwrap() as usize - 1].trim_end();
        let text: String = serde_json::from_str(member(&members(line), "text")).unwrap();
        let original = shard_rows()[record.line.unwrap() as usize - 1]
            .article
            .clone()
            .unwrap()
            .1;
        assert_eq!(chaff::restore(&text, record).unwrap(), original);
    }
}

#[test]
fn strip_dash_into_a_closed_pipe_exits_0() {
    let tmp = scratch();
    // Far more output than a pipe holds: the writes must meet the closed end.
    let rows = afp_rows(4000);
    let big = tmp.path().join("big.jsonl");
    write(&big, &rows);

    let mut child = Command::new(BIN)
        .args(["strip", "-"])
        .current_dir(tmp.path())
        .stdin(fs::File::open(&big).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -c 10`.
    let mut head = [0u8; 10];
    child
        .stdout
        .take()
        .unwrap()
        .read_exact(&mut head)
        .expect("the first bytes");
    let output = child.wait_with_output().unwrap();
    assert_eq!(&head, br#"{"id":"r0""#);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "", "a closed stdout is not an error");
}

#[test]
fn strip_dash_into_a_closed_pipe_keeps_the_records_of_every_row_delivered() {
    let tmp = scratch();
    let rows = afp_rows(4000);
    let big = tmp.path().join("big.jsonl");
    write(&big, &rows);
    let out = tmp.path().join("out");

    let mut child = Command::new(BIN)
        .args(["strip", "-", "--out"])
        .arg(&out)
        .current_dir(tmp.path())
        .stdin(fs::File::open(&big).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -1`.
    let mut first = Vec::new();
    let mut byte = [0u8];
    let mut stdout = child.stdout.take().unwrap();
    while byte[0] != b'\n' {
        stdout.read_exact(&mut byte).expect("the first line");
        first.push(byte[0]);
    }
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(first.starts_with(br#"{"id":"r0""#));

    let records = records(&out);
    let delivered = records.len();
    assert!((1..4000).contains(&delivered), "{delivered} rows delivered");
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.id, format!("r{i}"));
        assert_eq!(r.line, Some(i as u64 + 1));
    }
    assert!(
        stderr.contains(&format!(
            "stdout was closed after {delivered} delivered rows"
        )),
        "{stderr}"
    );
    assert!(
        stderr.starts_with(&format!("stripped {delivered} documents into stdout")),
        "{stderr}"
    );
}

// --- output modes -----------------------------------------------------------------

/// `original` with the span of each rule edit of `record` replaced by
/// `[chaff:RULE]`, and every other byte (tidy-up spans included) kept.
fn masked(original: &str, record: &Record) -> String {
    let mut out = String::new();
    let mut at = 0;
    for edit in record.rule_edits() {
        out.push_str(&original[at..edit.start]);
        out.push_str(&format!("[chaff:{}]", edit.rule));
        at = edit.end;
    }
    out.push_str(&original[at..]);
    out
}

/// Checks a mask or tag run of a [`mixed_tree`] against the [`reference`]
/// strip: the same edits, and each output is `expected(original, record)`.
/// Returns the scratch folder and the output folder.
fn check_mode(mode: Mode, expected: fn(&str, &Record) -> String) -> (TempDir, PathBuf) {
    let tmp = scratch();
    let (input, _) = mixed_tree(tmp.path());
    let out = tmp.path().join(mode.as_str());
    let run = strip(&input, &out, &["--mode", mode.as_str()], 1);

    let reference = reference().by_document();
    let records = by_document(rebased(records(&out), &input));
    assert_eq!(records.len(), MIXED_DOCS);
    let mut rule_edits = 0;
    for (key, record) in &records {
        assert_eq!(record.mode, mode, "{key:?}");
        assert_eq!(record.edits, reference[key].edits, "{key:?}: same edits");
        rule_edits += record.rule_edits().count();
        let original = original_text(&input, record);
        let output = match key.1 {
            None => fs::read_to_string(out.join(&key.0)).unwrap(),
            Some(line) => {
                let lines = lines_of(&decompressed(&out.join(&key.0)));
                let row = parse_json(lines[line as usize - 1].trim_end().as_bytes());
                assert!(row["metadata"]["chaff"]["edits"].is_u64(), "{key:?}");
                assert_eq!(record.mode, mode, "{key:?}");
                row["text"].as_str().unwrap().to_string()
            }
        };
        assert_eq!(output, expected(&original, record), "{key:?}");
        assert_eq!(chaff::restore(&output, record).unwrap(), original);
    }
    assert!(rule_edits > 10, "the tree has boilerplate");

    // Every other byte of the rows is kept, as in strip mode.
    let lines = lines_of(&decompressed(&out.join(SHARDS[2])));
    for (no, row) in (1..).zip(shard_rows()) {
        let Some((_, original)) = &row.article else {
            assert_eq!(lines[no - 1], row.line() + "\r\n");
            continue;
        };
        let record = &records[&(SHARDS[2].to_string(), Some(no as u64))];
        let line = lines[no - 1].trim_end();
        check_stripped_row(&row, line, &expected(original, record), record);
    }

    let summary_line = run
        .stderr
        .lines()
        .find(|l| l.starts_with("stripped "))
        .unwrap();
    assert!(
        summary_line.contains(&format!(": {rule_edits} edits, ")),
        "{summary_line}"
    );
    (tmp, out)
}

#[test]
fn mask_mode_puts_a_chaff_rule_marker_where_each_removed_span_was() {
    check_mode(Mode::Mask, masked);
}

#[test]
fn tag_mode_leaves_the_text_byte_identical_and_still_records_the_edits() {
    let (_tmp, out) = check_mode(Mode::Tag, |original, _| original.to_string());
    // Nothing is removed from a text file.
    let m = manifest(&out);
    for f in m["files"].as_array().unwrap() {
        if f["kind"] == "text" {
            assert_eq!(f["input_hash"], f["output_hash"], "{f}");
            assert_eq!(f["bytes_in"], f["bytes_out"], "{f}");
        }
    }
}

// --- where provenance goes --------------------------------------------------------

#[test]
fn sidecar_provenance_writes_a_record_file_beside_each_output_and_no_provenance_file() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let sidecar = tmp.path().join("sidecar");
    strip(&input, &sidecar, &["--quiet", "--provenance", "sidecar"], 1);

    let mut expected: Vec<String> = vec![".chaff/journal.jsonl".into(), "_manifest.json".into()];
    for rel in &inputs {
        expected.push(rel.clone());
        if rel.contains(".jsonl") {
            expected.push(format!("{rel}.prov.jsonl"));
        } else {
            expected.push(format!("{rel}.prov.json"));
        }
    }
    expected.sort();
    assert_eq!(tree(&sidecar), expected, "no provenance.jsonl");
    assert_eq!(manifest(&sidecar)["options"]["provenance"], "sidecar");

    // The records that provenance.jsonl would hold, each beside its output.
    let r = reference();
    let all = rebased(r.records.clone(), &r.input);
    for rel in &inputs {
        let ours: Vec<Record> = all
            .iter()
            .filter(|r| r.file.as_deref() == Some(rel.as_str()))
            .cloned()
            .collect();
        let side = if rel.contains(".jsonl") {
            records_in(&sidecar.join(format!("{rel}.prov.jsonl")))
        } else {
            let text = fs::read_to_string(sidecar.join(format!("{rel}.prov.json"))).unwrap();
            vec![serde_json::from_str(&text).expect("one record")]
        };
        assert_eq!(rebased(side, &input), ours, "{rel}");
        assert!(
            fs::read(sidecar.join(rel)).unwrap() == r.outputs[rel],
            "{rel}: the same output"
        );
    }
}

#[test]
fn provenance_none_writes_no_records_and_leaves_nothing_to_restore_from() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let none = tmp.path().join("none");
    strip(&input, &none, &["--quiet", "--provenance", "none"], 1);

    let mut expected = inputs.clone();
    expected.extend([".chaff/journal.jsonl".into(), "_manifest.json".into()]);
    expected.sort();
    assert_eq!(tree(&none), expected, "outputs and the manifest only");
    assert_eq!(manifest(&none)["options"]["provenance"], "none");
    for rel in &inputs {
        assert!(fs::read(none.join(rel)).unwrap() == reference().outputs[rel]);
    }
    let verify = chaff(&[&"verify", &none]);
    assert_eq!(verify.code, 1, "{verify:?}");
    assert!(verify.stderr.contains("no provenance"), "{verify:?}");
}

// --- Dolma attributes -------------------------------------------------------------

/// Checks an attributes row against the record of its document: every edit
/// as `[char_start, char_end, 1.0]` under NAME, and under `NAME__CATEGORY`.
fn check_attributes(row: &Value, name: &str, record: &Record, original: &str) {
    assert_eq!(row["id"], record.id.as_str());
    let attributes = row["attributes"].as_object().expect("attributes object");
    let span = |e: &chaff::Edit| serde_json::json!([e.char_start, e.char_end, 1.0]);
    let all: Vec<Value> = record.edits.iter().map(span).collect();
    assert_eq!(attributes[name], Value::from(all.clone()), "{}", record.id);
    let mut by_category: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for e in &record.edits {
        by_category
            .entry(format!("{name}__{}", e.category))
            .or_default()
            .push(span(e));
    }
    for (key, spans) in &by_category {
        assert_eq!(attributes[key], Value::from(spans.clone()), "{key}");
    }
    assert_eq!(attributes.len(), 1 + by_category.len(), "{attributes:?}");
    // Character offsets, not bytes: the spans pick the removed text out of
    // the original's characters.
    let chars: Vec<char> = original.chars().collect();
    for e in &record.edits {
        let picked: String = chars[e.char_start..e.char_end].iter().collect();
        assert_eq!(picked, e.text);
    }
}

#[test]
fn attributes_are_written_aligned_row_for_row_with_spans_in_character_offsets() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("shards/a.jsonl.gz"), gzip(&shard_bytes()));
    let (name, text) = article(PRESSTV);
    write(&input.join("texts").join(&name), &text);
    let out = tmp.path().join("out");
    strip(&input, &out, &["--attributes", "chaff_v1"], 1);

    let records = by_document(records(&out));
    let attributes = out.join("attributes/chaff_v1/shards/a.jsonl.gz");
    assert_eq!(
        compression_of(&attributes),
        "gzip",
        "same path, same compression"
    );
    let lines = lines_of(&decompressed(&attributes));
    let rows = shard_rows();
    assert_eq!(lines.len(), rows.len(), "one attributes row per input line");
    let mut offsets_differ = false;
    for (no, (row, line)) in (1u64..).zip(rows.iter().zip(&lines)) {
        let attrs = parse_json(line.as_bytes());
        match &row.article {
            Some((_, original)) => {
                let record = &records[&("shards/a.jsonl.gz".to_string(), Some(no))];
                check_attributes(&attrs, "chaff_v1", record, original);
                offsets_differ |= record.edits.iter().any(|e| e.char_start != e.start);
            }
            None => {
                assert_eq!(attrs["attributes"], serde_json::json!({}), "line {no}");
                let id = if no == 5 { "cc-0004" } else { "" };
                assert_eq!(attrs["id"], id, "line {no}");
            }
        }
    }
    assert!(offsets_differ, "some spans come after non-ASCII text");

    // A text file gets one row, at its path plus `.jsonl`.
    let rel = format!("texts/{name}");
    let file = out.join(format!("attributes/chaff_v1/{rel}.jsonl"));
    let lines = lines_of(&fs::read(&file).unwrap());
    assert_eq!(lines.len(), 1);
    check_attributes(
        &parse_json(lines[0].as_bytes()),
        "chaff_v1",
        &records[&(rel, None)],
        &text,
    );
}

// --- the manifest -----------------------------------------------------------------

#[test]
fn manifest_lists_rule_files_inputs_and_outputs_hits_publishers_totals_and_errors() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    // A file that fails, after the shards with bad rows in input order.
    let latin1 = input.join("zz-latin1.txt");
    write(&latin1, b"caf\xe9 au lait\n");
    let extra = tmp.path().join("local.toml");
    write(&extra, READ_MORE_PACK);
    let out = tmp.path().join("out");
    let extra_arg = extra.display().to_string();
    // SHA-256, so the hashes can be checked with another implementation.
    strip(
        &input,
        &out,
        &["--quiet", "--rules", &extra_arg, "--hash", "sha256"],
        1,
    );
    let m = manifest(&out);
    let records = records(&out);

    assert_eq!(m["manifest_version"], 1);
    assert_eq!(m["tool_version"], env!("CARGO_PKG_VERSION"));
    assert!(m["rules_digest"].as_str().unwrap().starts_with("sha256:"));
    for r in &records {
        assert_eq!(m["rules_digest"], r.rules_digest.as_str());
    }
    let mut rule_files: Vec<Value> = chaff::rules::builtin_sources()
        .iter()
        .map(|s| serde_json::json!({"file": s.name, "sha256": sha256(s.text.as_bytes())}))
        .collect();
    rule_files
        .push(serde_json::json!({"file": extra_arg, "sha256": sha256(READ_MORE_PACK.as_bytes())}));
    assert_eq!(m["rule_files"], Value::from(rule_files));
    assert_eq!(
        m["options"],
        serde_json::json!({
            "mode": "strip",
            "provenance": "jsonl",
            "records": "all",
            "records_compression": "none",
            "row_summary": "compact",
            "attributes": null,
            "fields": {
                "text": "text",
                "id": "id",
                "url": ["url", "metadata.url"],
                "publisher": ["publisher", "metadata.publisher"]
            },
            "publisher": null,
            "rank": 0,
            "world_size": 1,
            "budget": 0.5,
            "budget_keep": false,
            "hash": "sha256"
        })
    );

    // One entry per input, in input order; the failed one has none.
    assert_eq!(manifest_files(&m), inputs);
    let (mut bytes_in, mut bytes_out) = (0, 0);
    for f in m["files"].as_array().unwrap() {
        let rel = f["file"].as_str().unwrap();
        let (source, output) = (input.join(rel), out.join(rel));
        let jsonl = rel.contains(".jsonl");
        assert_eq!(f["input"], source.display().to_string());
        assert_eq!(f["kind"], if jsonl { "jsonl" } else { "text" });
        assert_eq!(f["compression"], compression_of(&source), "{rel}");
        let (original, clean) = (decompressed(&source), decompressed(&output));
        assert_eq!(
            f["input_hash"],
            format!("sha256:{}", sha256(&original)),
            "{rel}"
        );
        assert_eq!(
            f["output_hash"],
            format!("sha256:{}", sha256(&clean)),
            "{rel}"
        );
        assert_eq!(f["bytes_in"], original.len(), "{rel}");
        assert_eq!(f["bytes_out"], clean.len(), "{rel}");
        let rows = if jsonl { lines_of(&original).len() } else { 0 };
        assert_eq!(f["rows"], rows, "{rel}");
        let ours: Vec<&Record> = records
            .iter()
            .filter(|r| r.file.as_deref() == Some(rel))
            .collect();
        assert_eq!(f["docs"], ours.len(), "{rel}");
        let edits: usize = ours.iter().map(|r| r.rule_edits().count()).sum();
        assert_eq!(f["edits"], edits, "{rel}");
        let chars: usize = ours.iter().map(|r| r.removed_chars()).sum();
        assert_eq!(f["chars_removed"], chars, "{rel}");
        assert_eq!(f["resumed"], false);
        bytes_in += original.len();
        bytes_out += clean.len();
    }

    // Documents touched per rule, and documents per publisher.
    let mut hits: BTreeMap<String, u64> = BTreeMap::new();
    let mut publishers: BTreeMap<String, u64> = BTreeMap::new();
    for r in &records {
        let rules: BTreeSet<&str> = r.rule_edits().map(|e| e.rule.as_str()).collect();
        for rule in rules {
            *hits.entry(rule.to_string()).or_default() += 1;
        }
        let publisher = r.publisher.id.clone().unwrap_or_else(|| "unknown".into());
        *publishers.entry(publisher).or_default() += 1;
    }
    assert!(
        hits.len() > 5 && publishers.len() > 3,
        "{hits:?} {publishers:?}"
    );
    assert_eq!(m["hits"], serde_json::to_value(&hits).unwrap());
    assert_eq!(m["publishers"], serde_json::to_value(&publishers).unwrap());

    assert_eq!(
        m["totals"],
        serde_json::json!({
            "files": inputs.len(),
            "files_resumed": 0,
            "failed_files": 1,
            "failed_rows": 6,
            "docs": records.len(),
            "edits": records.iter().map(|r| r.rule_edits().count()).sum::<usize>(),
            "chars_removed": records.iter().map(|r| r.removed_chars()).sum::<usize>(),
            "bytes_in": bytes_in,
            "bytes_out": bytes_out,
        })
    );
    assert_eq!(records.len(), MIXED_DOCS);
    assert_eq!(m["over_budget"], serde_json::json!([]));

    // Every problem, in input order.
    let errors: Vec<(String, Option<u64>, String)> = m["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["line"].as_u64(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut expected: Vec<(String, Option<u64>, &str)> = Vec::new();
    for name in ["a.jsonl", "b.jsonl.gz", "c.jsonl.zst"] {
        let path = input.join("shards").join(name).display().to_string();
        for (no, why) in BAD_LINES {
            expected.push((path.clone(), Some(no), why));
        }
    }
    expected.push((latin1.display().to_string(), None, "not UTF-8"));
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    for (error, (file, line, why)) in errors.iter().zip(&expected) {
        assert_eq!((&error.0, error.1), (file, *line), "{errors:#?}");
        assert!(error.2.contains(why), "{error:?} says {why:?}");
    }
}

// --- jobs, ranks, resume ----------------------------------------------------------

#[test]
fn output_is_byte_identical_for_1_and_4_jobs_on_a_mixed_tree() {
    let tmp = scratch();
    let (input, _) = mixed_tree(tmp.path());
    // More rows than one block of work, so the workers split the shard.
    let rows: String = (0..1100)
        .map(|i| {
            format!(
                "{{\"id\":{i},\"text\":\"A file photo shows both presidents. (AFP)\\n\\nRow {i}.\\n\"}}\n"
            )
        })
        .collect();
    write(&input.join("shards/e.jsonl.zst"), zstd(rows.as_bytes()));
    let one = tmp.path().join("one");
    let four = tmp.path().join("four");
    for (out, jobs) in [(&one, "1"), (&four, "4")] {
        strip(
            &input,
            out,
            &["--quiet", "--jobs", jobs, "--attributes", "chaff"],
            1,
        );
    }

    let (a, b) = (snapshot(&one), snapshot(&four));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(
        a.contains_key("provenance.jsonl") && a.contains_key("attributes/chaff/shards/e.jsonl.zst")
    );
    for (rel, bytes) in &a {
        if rel == "_manifest.json" {
            assert_eq!(
                without_timing(parse_json(bytes)),
                without_timing(parse_json(&b[rel])),
                "the manifest differs beyond its timing"
            );
        } else {
            assert!(*bytes == b[rel], "{rel} differs between --jobs 1 and 4");
        }
    }
    assert_eq!(
        manifest(&one)["totals"]["docs"],
        MIXED_DOCS + 1100,
        "every row was stripped"
    );
}

#[test]
fn ranks_split_the_files_disjointly_and_name_their_provenance_and_manifest_by_rank() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let out = tmp.path().join("out");
    let mut seen: Vec<String> = Vec::new();
    for rank in 0..3 {
        let r = rank.to_string();
        let options = ["--quiet", "--no-builtin", "--rank", &r, "--world-size", "3"];
        strip(&input, &out, &options, 1);
        let m = manifest_at(&out.join(format!("_manifest-0000{rank}.json")));
        assert_eq!(
            (
                m["options"]["rank"].clone(),
                m["options"]["world_size"].clone()
            ),
            (rank.into(), 3.into())
        );
        let files = manifest_files(&m);
        let expected: Vec<String> = inputs.iter().skip(rank).step_by(3).cloned().collect();
        assert_eq!(
            files, expected,
            "rank {rank} takes sorted(files)[{rank}::3]"
        );
        let recorded: BTreeSet<String> =
            records_in(&out.join(format!("provenance-0000{rank}.jsonl")))
                .into_iter()
                .map(|r| r.file.unwrap())
                .collect();
        assert_eq!(
            recorded,
            files.iter().cloned().collect(),
            "rank {rank}'s records"
        );
        seen.extend(files);
    }
    let distinct: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(distinct.len(), seen.len(), "no file in two ranks");
    seen.sort();
    assert_eq!(seen, inputs, "every input in some rank");

    // Spooled records of JSONL inputs are in the provenance files now, and
    // no rank leaves its spool behind.
    assert!(
        tree(&out).iter().all(|f| !f.starts_with(".chaff/records/")),
        "{:?}",
        tree(&out)
    );
    let own: Vec<String> = tree(&out)
        .into_iter()
        .filter(|f| !inputs.contains(f))
        .collect();
    assert_eq!(
        own,
        [
            ".chaff/journal-00000.jsonl",
            ".chaff/journal-00001.jsonl",
            ".chaff/journal-00002.jsonl",
            "_manifest-00000.json",
            "_manifest-00001.json",
            "_manifest-00002.json",
            "provenance-00000.jsonl",
            "provenance-00001.jsonl",
            "provenance-00002.jsonl",
        ]
    );
    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{verify:?}");
    assert!(
        verify
            .stdout
            .starts_with(&format!("verified {} files", inputs.len()))
    );

    let bad = chaff(&[
        &"strip",
        &input,
        &"--out",
        &tmp.path().join("bad"),
        &"--rank",
        &"3",
        &"--world-size",
        &"3",
    ]);
    assert_eq!(bad.code, 2, "{bad:?}");
}

/// The manifest without its timing and with nothing marked resumed, to
/// compare a resumed run with a fresh one.
fn as_if_fresh(manifest: Value) -> Value {
    let mut m = without_timing(manifest);
    m["totals"]["files_resumed"] = 0.into();
    for f in m["files"].as_array_mut().unwrap() {
        f["resumed"] = false.into();
    }
    m
}

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

#[test]
fn resume_reuses_every_unchanged_file_and_reprocesses_only_a_changed_one() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let out = tmp.path().join("out");
    strip(&input, &out, &["--quiet", "--no-builtin"], 1);
    let first = snapshot(&out);

    let again = strip(&input, &out, &["--no-builtin", "--resume"], 1);
    let m = manifest(&out);
    assert_eq!(m["totals"]["files"], inputs.len());
    assert_eq!(
        m["totals"]["files_resumed"],
        inputs.len(),
        "every file reused"
    );
    assert!(resumed_flags(&out).iter().all(|(_, resumed)| *resumed));
    assert!(
        again.stderr.contains(":4: malformed JSON row"),
        "a reused file's problems are still reported: {again:?}"
    );
    let second = snapshot(&out);
    for (rel, bytes) in &first {
        if !rel.starts_with(".chaff/") && rel != "_manifest.json" {
            assert!(second[rel] == *bytes, "{rel} is the same");
        }
    }
    assert_eq!(
        as_if_fresh(manifest(&out)),
        as_if_fresh(parse_json(&first["_manifest.json"]))
    );

    // One input changes: only it is stripped again. (No rules are loaded:
    // what is reused does not depend on them.)
    let (name, text) = article(BBC);
    let changed = format!("articles/more/{name}");
    let new_text = format!("{text}\nA paragraph added later.\n");
    write(&input.join(&changed), &new_text);
    strip(&input, &out, &["--quiet", "--no-builtin", "--resume"], 1);
    for (rel, resumed) in resumed_flags(&out) {
        assert_eq!(resumed, rel != changed, "{rel}");
    }
    assert_eq!(manifest(&out)["totals"]["files_resumed"], inputs.len() - 1);
    let clean = fs::read_to_string(out.join(&changed)).unwrap();
    assert!(clean.ends_with("A paragraph added later.\n"), "{clean}");
    let record = records(&out)
        .into_iter()
        .find(|r| r.file.as_deref() == Some(changed.as_str()))
        .unwrap();
    assert_eq!(chaff::restore(&clean, &record).unwrap(), new_text);
    assert_eq!(chaff(&[&"verify", &out]).code, 0);

    // Other options: nothing can be reused.
    strip(
        &input,
        &out,
        &["--quiet", "--no-builtin", "--resume", "--mode", "mask"],
        1,
    );
    assert_eq!(manifest(&out)["totals"]["files_resumed"], 0);
}

#[test]
fn resume_after_a_killed_run_completes_the_job_and_verifies() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let out = tmp.path().join("out");
    strip(&input, &out, &["--quiet"], 1);
    let fresh = snapshot(&out);

    // As a killed run leaves it: one output never written, and the last
    // journal entry cut off half-way.
    let (name, _) = article(MOSCOW_TIMES);
    let lost = format!("articles/more/{name}");
    fs::remove_file(out.join(&lost)).unwrap();
    let journal_path = out.join(".chaff/journal.jsonl");
    let journal = fs::read_to_string(&journal_path).unwrap();
    let last = journal.lines().last().unwrap();
    let cut = parse_json(last.as_bytes())["summary"]["file"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(cut, lost);
    let keep = journal.len() - last.len() - 1 + last.len() / 2;
    fs::write(&journal_path, &journal[..keep]).unwrap();

    strip(&input, &out, &["--quiet", "--resume"], 1);
    let redone: BTreeSet<String> = resumed_flags(&out)
        .into_iter()
        .filter(|(_, resumed)| !resumed)
        .map(|(file, _)| file)
        .collect();
    assert_eq!(redone, BTreeSet::from([lost, cut]));
    assert_eq!(manifest(&out)["totals"]["files_resumed"], inputs.len() - 2);
    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{verify:?}");

    // The same outputs as the run that was not interrupted.
    let after = snapshot(&out);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        fresh.keys().collect::<Vec<_>>()
    );
    for (rel, bytes) in &fresh {
        if rel == "_manifest.json" {
            assert_eq!(
                as_if_fresh(parse_json(&after[rel])),
                as_if_fresh(parse_json(bytes))
            );
        } else if !rel.starts_with(".chaff/") {
            assert!(after[rel] == *bytes, "{rel} is as the full run wrote it");
        }
    }
}

// --- which inputs -----------------------------------------------------------------

#[test]
fn include_and_exclude_globs_choose_the_inputs_by_relative_path() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    for rel in [
        "a.txt",
        "b.txt",
        "drafts/d.txt",
        "drafts/old/e.txt",
        "notes/c.txt",
    ] {
        write(&input.join(rel), format!("Body of {rel}.\n"));
    }
    write(
        &input.join("shards/s.jsonl"),
        "{\"id\":\"s\",\"text\":\"Row.\\n\"}\n",
    );
    let cases: [(&[&str], &[&str]); 6] = [
        (
            &[],
            &[
                "a.txt",
                "b.txt",
                "drafts/d.txt",
                "drafts/old/e.txt",
                "notes/c.txt",
                "shards/s.jsonl",
            ],
        ),
        (&["--include", "*.jsonl"], &["shards/s.jsonl"]),
        (
            &["--include", "notes/*", "--include", "drafts/**"],
            &["drafts/d.txt", "drafts/old/e.txt", "notes/c.txt"],
        ),
        (
            &["--exclude", "drafts"],
            &["a.txt", "b.txt", "notes/c.txt", "shards/s.jsonl"],
        ),
        (
            &["--include", "*.txt", "--exclude", "drafts/old"],
            &["a.txt", "b.txt", "drafts/d.txt", "notes/c.txt"],
        ),
        (
            &["--exclude", "b.txt", "--exclude", "shards/*.jsonl"],
            &["a.txt", "drafts/d.txt", "drafts/old/e.txt", "notes/c.txt"],
        ),
    ];
    for (i, (options, expected)) in cases.iter().enumerate() {
        let out = tmp.path().join(format!("out{i}"));
        let mut args = vec!["--quiet", "--no-builtin"];
        args.extend_from_slice(options);
        strip(&input, &out, &args, 0);
        assert_eq!(manifest_files(&manifest(&out)), *expected, "{options:?}");
        for rel in *expected {
            assert!(out.join(rel).is_file(), "{options:?}: {rel}");
        }
    }

    // A glob that does not parse is a usage error, and nothing is written.
    let out = tmp.path().join("bad");
    for flag in ["--include", "--exclude"] {
        let run = chaff(&[&"strip", &input, &"--out", &out, &flag, &"drafts/[old"]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains(flag), "{run:?}");
        assert_eq!(run.stdout, "");
        let diff = chaff(&[&"diff", &input, &flag, &"drafts/[old"]);
        assert_eq!(diff.code, 2, "{diff:?}");
    }
    assert!(!out.exists());
}

#[test]
fn an_output_folder_inside_the_input_folder_is_not_read_back_as_input() {
    let tmp = scratch();
    let inputs = ["a.txt", "b.jsonl"];
    let make = |dir: &Path| {
        write(&dir.join("a.txt"), "Body.\n");
        write(
            &dir.join("b.jsonl"),
            "{\"id\":\"b\",\"text\":\"Row.\\n\"}\n",
        );
    };

    let input = tmp.path().join("in");
    make(&input);
    let out = input.join("out");
    for _ in 0..2 {
        strip(&input, &out, &["--quiet", "--no-builtin"], 0);
        assert_eq!(manifest_files(&manifest(&out)), inputs);
        assert!(
            tree(&out).iter().all(|f| !f.starts_with("out/")),
            "{:?}",
            tree(&out)
        );
    }

    // The same with relative paths, from the binary's working folder.
    make(&tmp.path().join("rel"));
    for _ in 0..2 {
        let run = Command::new(BIN)
            .args([
                "strip",
                "rel",
                "--out",
                "./rel/clean",
                "--quiet",
                "--no-builtin",
            ])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{run:?}");
        let clean = tmp.path().join("rel/clean");
        assert_eq!(manifest_files(&manifest(&clean)), inputs);
    }
}

// --- the removal budget -----------------------------------------------------------

/// Documents of the [`reference`] strip whose removals are more than
/// `budget` of their characters, named as the manifest of a run on the
/// tree in `input` names them (`path`, or `path:line` for rows).
fn over_budget(input: &Path, budget: f64) -> Vec<String> {
    let mut over = Vec::new();
    for record in &reference().records {
        let original = original_text(input, record);
        let share = record.removed_chars() as f64 / original.chars().count() as f64;
        if share > budget {
            over.push(source_name(input, record));
        }
    }
    over
}

/// How a run on the tree in `input` names a document: `path` or `path:line`.
fn source_name(input: &Path, record: &Record) -> String {
    let path = input
        .join(record.file.as_ref().unwrap())
        .display()
        .to_string();
    match record.line {
        Some(line) => format!("{path}:{line}"),
        None => path,
    }
}

#[test]
fn budget_keep_leaves_an_over_budget_document_unchanged_and_lists_it() {
    let tmp = scratch();
    let (input, _) = mixed_tree(tmp.path());
    let over = over_budget(&input, 0.3);
    let (moscow, _) = article(MOSCOW_TIMES);
    let moscow = input.join(article_rel(&moscow)).display().to_string();
    assert!(over.contains(&moscow), "{over:?}");
    assert!(
        over.len() < 6,
        "most documents are under the budget: {over:?}"
    );

    let out = tmp.path().join("keep");
    let run = strip(
        &input,
        &out,
        &["--budget", "0.3", "--budget-action", "keep"],
        1,
    );
    assert_eq!(manifest(&out)["over_budget"], serde_json::json!(over));
    assert!(
        run.stderr
            .contains(&format!(", {} over budget; ", over.len())),
        "{run:?}"
    );

    let r = reference();
    let reference = r.by_document();
    for (key, record) in by_document(rebased(records(&out), &input)) {
        let kept = over.contains(&source_name(&input, &record));
        assert_eq!(
            record.edits, reference[&key].edits,
            "{key:?}: its edits are listed"
        );
        let mode = if kept { Mode::Tag } else { Mode::Strip };
        assert_eq!(record.mode, mode, "{key:?}");
        let output = decompressed(&out.join(&key.0));
        match key.1 {
            None if kept => assert!(output == fs::read(input.join(&key.0)).unwrap()),
            None => assert!(output == r.outputs[&key.0], "{key:?}"),
            Some(line) => {
                let at = line as usize - 1;
                let ours = &lines_of(&output)[at];
                if kept {
                    let row = parse_json(ours.trim_end().as_bytes());
                    assert_eq!(row["text"], original_text(&input, &record), "{key:?}");
                    assert_eq!(record.mode, Mode::Tag, "{key:?}");
                } else {
                    let theirs = &lines_of(&decompress(&r.outputs[&key.0]))[at];
                    assert_eq!(ours, theirs, "{key:?}");
                }
            }
        }
    }
}

#[test]
fn budget_strip_strips_an_over_budget_document_but_still_lists_it() {
    let tmp = scratch();
    let (input, _) = mixed_tree(tmp.path());
    let over = over_budget(&input, 0.3);
    assert!(!over.is_empty());

    let out = tmp.path().join("budget");
    let run = strip(&input, &out, &["--budget", "0.3"], 1);
    assert_eq!(manifest(&out)["over_budget"], serde_json::json!(over));
    assert!(
        run.stderr
            .contains(&format!(", {} over budget; ", over.len())),
        "{run:?}"
    );
    // Stripped as without the budget.
    for rel in &reference().inputs {
        assert!(
            fs::read(out.join(rel)).unwrap() == reference().outputs[rel],
            "{rel} as without a budget"
        );
    }
    assert!(records(&out).iter().all(|r| r.mode == Mode::Strip));
}

// --- diff and dry runs ------------------------------------------------------------

/// The lines `diff` should print for a copy of the bundled articles in
/// `corpus`, from the [`reference`] records of the same articles:
/// `path:line:col: rule (category) "text"`.
fn expected_diff(corpus: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    for file in corpus_files() {
        let name = file_name(&file);
        let rel = article_rel(&name);
        let record = reference()
            .records
            .iter()
            .find(|r| r.file.as_deref() == Some(rel.as_str()))
            .expect("a record of each article");
        let path = corpus.join(&name);
        let original = fs::read_to_string(&path).unwrap();
        for edit in record.rule_edits() {
            let before = &original[..edit.start];
            let line = before.matches('\n').count() + 1;
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            let column = before[start..].chars().count() + 1;
            lines.push(format!(
                "{}:{line}:{column}: {} ({}) {:?}",
                path.display(),
                edit.rule,
                edit.category,
                edit.text
            ));
        }
    }
    lines
}

#[test]
fn diff_prints_one_line_per_removal_and_writes_nothing() {
    let tmp = scratch();
    let corpus = tmp.path().join("corpus");
    copy_corpus(&corpus);
    let expected = expected_diff(&corpus);
    assert!(expected.len() > 5);

    let before = snapshot(tmp.path());
    let run = chaff(&[&"diff", &corpus, &"--color", &"never"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), expected);
    assert_eq!(
        run.stderr,
        format!("{} removals in 5 documents; 0 failed\n", expected.len())
    );
    assert_eq!(snapshot(tmp.path()), before, "nothing written");
}

#[test]
fn strip_dry_run_prints_the_diff_and_writes_nothing() {
    let tmp = scratch();
    let corpus = tmp.path().join("corpus");
    copy_corpus(&corpus);
    let out = tmp.path().join("out");
    let before = snapshot(tmp.path());
    // The binary, with stdout a pipe: no colour.
    let dry = Command::new(BIN)
        .arg("strip")
        .arg(&corpus)
        .arg("--dry-run")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let diff = Command::new(BIN).arg("diff").arg(&corpus).output().unwrap();
    assert_eq!(dry.status.code(), Some(0), "{dry:?}");
    assert_eq!(diff.status.code(), Some(0), "{diff:?}");
    assert!(!dry.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&dry.stdout),
        String::from_utf8_lossy(&diff.stdout)
    );
    assert_eq!(dry.stderr, diff.stderr);
    let pattern =
        regex::Regex::new(r#"^(.+\.txt):\d+:\d+: [a-z0-9.-]+ \([a-z_]+\) ".*"$"#).unwrap();
    for line in String::from_utf8(dry.stdout).unwrap().lines() {
        let caps = pattern.captures(line).unwrap_or_else(|| panic!("{line:?}"));
        assert!(Path::new(&caps[1]).starts_with(&corpus), "{line:?}");
    }
    assert_eq!(snapshot(tmp.path()), before, "nothing written");
    assert!(!out.exists());
}

#[test]
fn diff_color_always_adds_ansi_escapes() {
    let tmp = scratch();
    let corpus = tmp.path().join("corpus");
    copy_corpus(&corpus);
    let color = chaff(&[&"diff", &corpus, &"--color", &"always"]);
    assert_eq!(color.code, 0, "{color:?}");
    let escape = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
    for line in color.stdout.lines() {
        assert!(escape.is_match(line), "{line:?}");
    }
    let plain = escape.replace_all(&color.stdout, "");
    assert_eq!(plain.lines().collect::<Vec<_>>(), expected_diff(&corpus));
}

#[test]
fn diff_reports_a_damaged_shard_as_strip_does() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    let rows: String = (0..2000)
        .map(|i| format!("{{\"id\": \"r{i}\", \"text\": \"Row {i} of a shard cut short.\"}}\n"))
        .collect();
    let mut gz = gzip(rows.as_bytes());
    gz.truncate(gz.len() / 2);
    let shard = input.join("cut.jsonl.gz");
    write(&shard, gz);
    let shown = shard.display().to_string();
    let failure = |stderr: &str| {
        stderr
            .lines()
            .find(|l| l.contains(&shown))
            .map(|l| l[l.find(&shown).unwrap()..].to_string())
            .unwrap_or_else(|| panic!("{shown} not reported: {stderr}"))
    };

    let strip = chaff(&[&"strip", &input, &"--out", &tmp.path().join("out")]);
    let diff = chaff(&[&"diff", &input, &"--color", &"never"]);

    assert_eq!((strip.code, diff.code), (1, 1), "{strip:?} {diff:?}");
    let said = failure(&strip.stderr);
    assert!(said.contains(": cannot read (line "), "{said}");
    assert_eq!(failure(&diff.stderr), said, "{diff:?}");
    assert!(diff.stderr.ends_with("; 1 failed\n"), "{diff:?}");
}

#[test]
fn rows_with_an_escaping_no_encoder_writes_restore_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    // Upper-case hex and an escaped slash: neither encoding writes these.
    let untouched = r#"{"id": "u", "text": "Caf\u00E9 talks at http:\/\/example.org."}"#;
    let stripped = r#"{"id": "s", "text": "Caf\u00E9 talks.\n\nA file photo shows the caf\u00E9. (AFP)\n\nThey ended."}"#;
    fs::write(input.join("s.jsonl"), format!("{untouched}\n{stripped}\n")).unwrap();
    let out = dir.path().join("out");
    strip(&input, &out, &[], 0);
    let written = fs::read_to_string(out.join("s.jsonl")).unwrap();
    // The untouched row's text is written back as it was read.
    assert!(
        written.contains(r#""text": "Caf\u00E9 talks at http:\/\/example.org.""#),
        "{written}"
    );
    let records = records_in(&out.join("provenance.jsonl"));
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].row.as_ref().unwrap().text_raw, None);
    // The stripped row keeps a copy of its raw text: only that rebuilds it.
    assert!(records[1].row.as_ref().unwrap().text_raw.is_some());
    let back = dir.path().join("back");
    let run = chaff(&[&"restore", &out, &"--to", &back]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(back.join("s.jsonl")).unwrap(),
        format!("{untouched}\n{stripped}\n")
    );
    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{}", verify.stderr);
}

#[test]
fn rows_written_with_ascii_escapes_keep_that_style_and_restore_without_a_copy_of_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    // As Python's json.dumps writes by default: every non-ASCII character escaped.
    let row = r#"{"id": "a", "text": "Caf\u00e9 talks \u2014 day two.\n\nA file photo shows the caf\u00e9. (AFP)\n\nThey ended."}"#;
    fs::write(input.join("s.jsonl"), format!("{row}\n")).unwrap();
    let out = dir.path().join("out");
    strip(&input, &out, &[], 0);
    let written = fs::read_to_string(out.join("s.jsonl")).unwrap();
    assert!(written.is_ascii(), "{written}");
    assert!(
        written.contains(r#""text": "Caf\u00e9 talks \u2014 day two.\n\nThey ended.""#),
        "{written}"
    );
    let records = records_in(&out.join("provenance.jsonl"));
    let origin = records[0].row.as_ref().unwrap();
    assert_eq!(origin.text_escape.as_deref(), Some("ascii"));
    assert_eq!(origin.text_raw, None, "no copy of the text is kept");
    let back = dir.path().join("back");
    let run = chaff(&[&"restore", &out, &"--to", &back]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(back.join("s.jsonl")).unwrap(),
        format!("{row}\n")
    );
}

#[test]
fn hashes_are_blake3_unless_sha256_is_asked_for_and_verify_reads_both() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    let mut originals = BTreeMap::new();
    for (i, file) in corpus_files().iter().enumerate() {
        let text = fs::read_to_string(file).expect("corpus file");
        write(&input.join(format!("{i}.txt")), &text);
        originals.insert(format!("{i}.txt"), text);
    }
    for (flag, name) in [(None, "blake3"), (Some("sha256"), "sha256")] {
        let out = tmp.path().join(name);
        let extra: Vec<&str> = match flag {
            Some(h) => vec!["--quiet", "--hash", h],
            None => vec!["--quiet"],
        };
        strip(&input, &out, &extra, 0);
        assert_eq!(manifest(&out)["options"]["hash"], name);
        for r in records(&out) {
            let original = &originals[r.file.as_deref().expect("file")];
            let expected = match name {
                "blake3" => format!("blake3:{}", blake3::hash(original.as_bytes()).to_hex()),
                _ => format!("sha256:{}", sha256(original.as_bytes())),
            };
            assert_eq!(r.input_hash, expected, "{}", r.id);
            assert!(r.output_hash.starts_with(&format!("{name}:")), "{}", r.id);
        }
        let verify = chaff(&[&"verify", &out]);
        assert_eq!(verify.code, 0, "{}", verify.stderr);
    }
}

// --- dotted field names -----------------------------------------------------------

#[test]
fn a_dotted_text_field_is_read_and_written_inside_its_object_and_restores() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    let body = "A file photo shows both presidents. (AFP)\n\nThe talks lasted an hour.\n";
    let rows = [
        format!(
            "{{\"id\":\"a\", \"metadata\": {{\"body\":{}, \"url\":\"https://x.test/a\"}}, \"n\":1}}\n",
            json_string(body)
        ),
        // The body last in its object, and escaped non-ASCII text.
        format!(
            "{{\"id\":\"b\",\"metadata\":{{\"lang\":\"fr\",\"body\":{}}}}}\n",
            ascii_json(&format!("Caf\u{e9}. {body}"))
        ),
    ];
    write(&input.join("s.jsonl"), rows.concat());
    let out = tmp.path().join("out");
    strip(
        &input,
        &out,
        &["--quiet", "--text-field", "metadata.body"],
        0,
    );

    let written = fs::read_to_string(out.join("s.jsonl")).unwrap();
    for (line, original) in written.lines().zip(&rows) {
        let row = parse_json(line.as_bytes());
        let before = parse_json(original.as_bytes());
        assert!(
            row.get("metadata.body").is_none(),
            "no new top-level key: {line}"
        );
        let clean = row["metadata"]["body"].as_str().unwrap();
        assert!(
            !clean.contains("(AFP)"),
            "stripped inside the object: {line}"
        );
        assert!(clean.ends_with("The talks lasted an hour.\n"), "{line}");
        assert_eq!(row["metadata"]["chaff"]["edits"], 1, "{line}");
        for key in ["id", "n"] {
            assert_eq!(row.get(key), before.get(key), "{key} kept: {line}");
        }
    }
    assert_eq!(records(&out).len(), 2);

    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{verify:?}");
    let restored = tmp.path().join("restored");
    let restore = chaff(&[&"restore", &out, &"--to", &restored]);
    assert_eq!(restore.code, 0, "{restore:?}");
    assert_rebuilt(&input, &["s.jsonl".to_string()], &restored);
}

// --- one run per folder -----------------------------------------------------------

/// Holds `dir/.chaff/lock` as another run would, saying who holds it.
fn hold_lock(dir: &Path) -> fs::File {
    fs::create_dir_all(dir.join(".chaff")).unwrap();
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(dir.join(".chaff/lock"))
        .unwrap();
    file.try_lock().expect("the lock is free");
    writeln!(
        file,
        "strip: pid 4242, host elsewhere, started 2026-01-01T00:00:00Z"
    )
    .unwrap();
    file
}

#[test]
fn a_second_run_into_a_folder_in_use_is_refused_naming_the_holder() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("a.txt"), "Body.\n");
    write(
        &input.join("b.jsonl"),
        "{\"id\":\"b\",\"text\":\"Row.\\n\"}\n",
    );
    let out = tmp.path().join("out");
    strip(&input, &out, &["--quiet", "--no-builtin"], 0);
    let before = snapshot(&out);

    let held = hold_lock(&out);
    for extra in [&[][..], &["--resume"][..]] {
        let mut args = vec!["--no-builtin"];
        args.extend(extra);
        let run = strip(&input, &out, &args, 2);
        assert!(
            run.stderr.contains("in use by another chaff run")
                && run.stderr.contains("pid 4242, host elsewhere"),
            "{run:?}"
        );
        assert!(run.stderr.contains(&*out.to_string_lossy()), "{run:?}");
    }
    // From stdin with --out: the provenance would be lost as well.
    let stdin_run = Command::new(BIN)
        .args(["strip", "-", "--no-builtin", "--out"])
        .arg(&out)
        .stdin(fs::File::open(input.join("b.jsonl")).unwrap())
        .output()
        .unwrap();
    assert_eq!(stdin_run.status.code(), Some(2), "{stdin_run:?}");
    let mut now = snapshot(&out);
    now.remove(".chaff/lock");
    assert_eq!(now, before, "nothing written while the folder is in use");

    // A restore into a folder in use is refused too.
    let restored = tmp.path().join("restored");
    let held_restore = hold_lock(&restored);
    let run = chaff(&[&"restore", &out, &"--to", &restored]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("pid 4242"), "{run:?}");
    drop(held_restore);
    fs::remove_file(restored.join(".chaff/lock")).unwrap();

    // Once it is free, runs go ahead and leave no lock behind.
    drop(held);
    strip(&input, &out, &["--quiet", "--no-builtin"], 0);
    assert!(!out.join(".chaff/lock").exists());
    assert_eq!(chaff(&[&"verify", &out]).code, 0);
    assert_eq!(chaff(&[&"restore", &out, &"--to", &restored]).code, 0);
    assert_eq!(tree(&restored), ["a.txt", "b.jsonl"]);
}

// --- output paths that collide ----------------------------------------------------

#[test]
fn inputs_whose_sidecar_or_attribute_paths_collide_are_failed_naming_both() {
    let tmp = scratch();
    let row = "{\"id\":\"r\",\"text\":\"Row.\\n\"}\n";

    // Re-stripping a sidecar run's output: `s.jsonl.prov.jsonl` is both an
    // input and the sidecar of `s.jsonl`.
    let first = tmp.path().join("first");
    write(&tmp.path().join("in/s.jsonl"), row);
    write(&tmp.path().join("in/t.txt"), "Body.\n");
    let sidecar = ["--quiet", "--no-builtin", "--provenance", "sidecar"];
    strip(&tmp.path().join("in"), &first, &sidecar, 0);
    assert!(first.join("s.jsonl.prov.jsonl").is_file());
    let second = tmp.path().join("second");
    let run = strip(
        &first,
        &second,
        &["--no-builtin", "--provenance", "sidecar"],
        1,
    );
    let loser = first.join("s.jsonl.prov.jsonl").display().to_string();
    let winner = first.join("s.jsonl").display().to_string();
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with(&format!("chaff: {loser}: ")))
        .unwrap_or_else(|| panic!("{loser} reported: {run:?}"));
    assert!(
        line.contains("already used by") && line.contains(&winner),
        "{line}"
    );
    assert_eq!(manifest_files(&manifest(&second)), ["s.jsonl", "t.txt"]);
    // The outputs written verify; the input that was failed is listed.
    let verify = chaff(&[&"verify", &second]);
    assert_eq!(verify.code, 1, "{verify:?}");
    assert_eq!(verify.stdout, "verified 2 files (2 documents); 1 failed\n");
    assert!(
        verify
            .stderr
            .starts_with(&format!("chaff: {loser}: not in the output folder")),
        "{verify:?}"
    );

    // `a` and `a.jsonl` would both write `attributes/NAME/a.jsonl`.
    let input = tmp.path().join("attrs");
    write(&input.join("a"), "Body.\n");
    write(&input.join("a.jsonl"), row);
    write(&input.join("b.txt"), "Other.\n");
    let out = tmp.path().join("attrs-out");
    let run = strip(&input, &out, &["--no-builtin", "--attributes", "chaff"], 1);
    let loser = input.join("a.jsonl").display().to_string();
    let winner = input.join("a").display().to_string();
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with(&format!("chaff: {loser}: ")))
        .unwrap_or_else(|| panic!("{loser} reported: {run:?}"));
    assert!(
        line.contains("attributes/chaff/a.jsonl") && line.contains(&format!("of {winner}")),
        "{line}"
    );
    assert_eq!(manifest_files(&manifest(&out)), ["a", "b.txt"]);
    let attrs = fs::read_to_string(out.join("attributes/chaff/a.jsonl")).unwrap();
    assert_eq!(parse_json(attrs.trim_end().as_bytes())["id"], "a");
    assert!(
        !out.join("a.jsonl").exists(),
        "the failed input wrote nothing"
    );
}

// --- resume checks the outputs it reuses ------------------------------------------

#[test]
fn resume_redoes_an_output_that_changed_after_the_run() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("a.txt"), "First body.\n");
    write(&input.join("b.txt"), "Second body.\n");
    write(
        &input.join("s.jsonl.gz"),
        gzip(b"{\"id\":\"r\",\"text\":\"Row.\\n\"}\n"),
    );
    let out = tmp.path().join("out");
    strip(&input, &out, &["--quiet", "--no-builtin"], 0);
    let fresh = snapshot(&out);

    // Same size, other bytes; and a shard whose rows were edited.
    fs::write(out.join("a.txt"), "Fixed body.\n").unwrap();
    fs::write(
        out.join("s.jsonl.gz"),
        gzip(b"{\"id\":\"r\",\"text\":\"Wow.\\n\"}\n"),
    )
    .unwrap();
    assert_eq!(chaff(&[&"verify", &out]).code, 1);

    strip(&input, &out, &["--quiet", "--no-builtin", "--resume"], 0);
    assert_eq!(
        resumed_flags(&out),
        [
            ("a.txt".to_string(), false),
            ("b.txt".to_string(), true),
            ("s.jsonl.gz".to_string(), false)
        ]
    );
    assert!(fs::read(out.join("a.txt")).unwrap() == fresh["a.txt"]);
    assert_eq!(
        decompressed(&out.join("s.jsonl.gz")),
        decompress(&fresh["s.jsonl.gz"])
    );
    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{verify:?}");
}

// --- bad input, by name -----------------------------------------------------------

/// Strips `rows` as `in/s.jsonl` with the built-in rules; returns the run,
/// the output folder and the output lines.
fn strip_rows(tmp: &Path, rows: &[&str], code: i32) -> (Run, PathBuf, Vec<String>) {
    let input = tmp.join("in");
    write(&input.join("s.jsonl"), rows.concat());
    let out = tmp.join("out");
    let run = strip(&input, &out, &[], code);
    let lines = lines_of(&fs::read(out.join("s.jsonl")).unwrap());
    (run, out, lines)
}

#[test]
fn a_numeric_text_is_a_row_error_not_a_document() {
    let tmp = scratch();
    let rows = [
        "{\"id\":\"a\",\"text\":12345}\n",
        "{\"id\":\"b\",\"text\":1.5e3}\n",
        "{\"id\":\"c\",\"text\":\"A file photo shows both presidents. (AFP)\\n\\nThe talks lasted an hour.\\n\"}\n",
    ];
    let (run, out, lines) = strip_rows(tmp.path(), &rows, 1);
    let path = tmp.path().join("in/s.jsonl").display().to_string();
    for no in [1, 2] {
        assert_eq!(lines[no - 1], rows[no - 1], "copied unchanged");
        let now = format!("chaff: {path}:{no}: field `text` is not a string; copied unchanged");
        assert!(run.stderr.lines().any(|l| l == now), "{now}: {run:?}");
    }
    let ids: Vec<String> = records(&out).into_iter().map(|r| r.id).collect();
    assert_eq!(ids, ["c"]);
    assert_eq!(chaff(&[&"verify", &out]).code, 0);
}

#[test]
fn null_metadata_is_stripped_as_no_metadata_and_restores_byte_for_byte() {
    let tmp = scratch();
    let rows = [
        "{\"id\":\"a\",\"text\":\"A file photo shows both presidents. (AFP)\\n\\nThe talks lasted an hour.\\n\",\"metadata\": null}\n",
        "{\"id\":\"b\", \"metadata\":null, \"text\":\"Plain body.\\n\"}\n",
    ];
    let (run, out, lines) = strip_rows(tmp.path(), &rows, 0);
    assert!(!run.stderr.contains("failed: "), "{run:?}");
    let first = parse_json(lines[0].as_bytes());
    assert_eq!(first["text"], "The talks lasted an hour.\n");
    assert_eq!(first["metadata"]["chaff"]["edits"], 1);
    let second = parse_json(lines[1].as_bytes());
    assert_eq!(second["metadata"]["chaff"]["edits"], 0);
    let ids: Vec<String> = records(&out).into_iter().map(|r| r.id).collect();
    assert_eq!(ids, ["a", "b"]);

    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{verify:?}");
    let restored = tmp.path().join("restored");
    assert_eq!(chaff(&[&"restore", &out, &"--to", &restored]).code, 0);
    assert_eq!(
        fs::read_to_string(restored.join("s.jsonl")).unwrap(),
        rows.concat()
    );
}

// --- verify checks everything the folder says -------------------------------------

/// A folder stripped from one text file (non-ASCII before its caption), one
/// shard and one file that is not UTF-8; returns input and output folders.
fn verify_fixture(tmp: &Path) -> (PathBuf, PathBuf) {
    let input = tmp.join("in");
    let body = "Caf\u{e9} au lait.\n\nA file photo shows both presidents. (AFP)\n\nThe talks lasted an hour.\n";
    write(&input.join("a.txt"), body);
    write(
        &input.join("s.jsonl"),
        format!(
            "{{\"id\":\"r\",\"text\":{},\"metadata\":{{\"url\":\"https://x.test/r\"}}}}\n",
            json_string(body)
        ),
    );
    write(&input.join("bad.txt"), b"\xff\xfe");
    let out = tmp.join("out");
    strip(&input, &out, &["--quiet"], 1);
    (input, out)
}

/// Runs verify, expecting it to fail; returns its stderr.
fn verify_fails(out: &Path) -> String {
    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 1, "{verify:?}");
    verify.stderr
}

#[test]
fn verify_lists_the_inputs_the_run_failed_on_and_files_no_manifest_accounts_for() {
    let tmp = scratch();
    let (input, out) = verify_fixture(tmp.path());
    let stderr = verify_fails(&out);
    let bad = input.join("bad.txt").display().to_string();
    assert!(
        stderr.starts_with(&format!(
            "chaff: {bad}: not in the output folder: the run failed on it (not UTF-8"
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    write(&out.join("stale.txt"), "From an earlier run.\n");
    write(&out.join("sub/notes.jsonl"), "{}\n");
    let stderr = verify_fails(&out);
    for foreign in ["stale.txt", "sub/notes.jsonl"] {
        let shown = out.join(foreign).display().to_string();
        assert!(
            stderr.contains(&format!("chaff: {shown}: not listed in any manifest")),
            "{foreign}: {stderr}"
        );
    }
}

#[test]
fn verify_checks_record_offsets_sizes_and_the_bytes_of_rows_outside_the_text() {
    let tmp = scratch();
    let (_, out) = verify_fixture(tmp.path());
    // Only the failed input is a problem.
    assert_eq!(verify_fails(&out).lines().count(), 1);
    let provenance = out.join("provenance.jsonl");
    let kept = fs::read_to_string(&provenance).unwrap();
    let records: Vec<Value> = kept.lines().map(|l| parse_json(l.as_bytes())).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0]["edits"][0]["char_start"], 15,
        "after one two-byte character"
    );

    type Change = fn(&mut Value);
    let edits: [(&str, Change); 3] = [
        ("char_start", |r| r["edits"][0]["char_start"] = 16.into()),
        ("char_end", |r| r["edits"][0]["char_end"] = 99.into()),
        ("input_bytes", |r| r["input_bytes"] = 7.into()),
    ];
    for (what, edit) in edits {
        for (n, file) in ["a.txt", "s.jsonl"].iter().enumerate() {
            let mut changed = records.clone();
            edit(&mut changed[n]);
            let text: String = changed.iter().map(|r| format!("{r}\n")).collect();
            fs::write(&provenance, text).unwrap();
            let stderr = verify_fails(&out);
            assert!(
                stderr
                    .lines()
                    .any(|l| l.starts_with(&format!("chaff: {file}: ")) && l.contains(what)),
                "{what} of {file}: {stderr}"
            );
        }
    }
    fs::write(&provenance, &kept).unwrap();

    // The manifest's hash of an output.
    let manifest_path = out.join("_manifest.json");
    let manifest_text = fs::read_to_string(&manifest_path).unwrap();
    let mut changed = parse_json(manifest_text.as_bytes());
    let files = changed["files"].as_array_mut().unwrap();
    let a = files.iter_mut().find(|f| f["file"] == "a.txt").unwrap();
    a["output_hash"] = format!("blake3:{}", "0".repeat(64)).into();
    fs::write(&manifest_path, changed.to_string()).unwrap();
    let stderr = verify_fails(&out);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("chaff: a.txt: ") && l.contains("output has hash")),
        "{stderr}"
    );
    fs::write(&manifest_path, manifest_text).unwrap();

    // A byte of a row outside its text: the URL.
    let shard = out.join("s.jsonl");
    let row = fs::read_to_string(&shard).unwrap();
    fs::write(&shard, row.replace("x.test/r", "x.test/R")).unwrap();
    let stderr = verify_fails(&out);
    assert!(
        stderr.lines().any(
            |l| l.starts_with("chaff: s.jsonl: ") && l.contains("line 1: bytes outside `text`")
        ),
        "{stderr}"
    );
}

#[test]
fn resume_redoes_an_input_whose_sidecar_or_attribute_file_changed() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    for name in ["a.txt", "b.txt", "c.txt"] {
        write(&input.join(name), format!("Body of {name}.\n"));
    }
    for name in ["s.jsonl", "t.jsonl", "u.jsonl"] {
        write(
            &input.join(name),
            format!("{{\"id\":\"{name}\",\"text\":\"Row.\\n\"}}\n"),
        );
    }
    type Case<'a> = (&'a [&'a str], &'a [&'a str]);
    // (The records of the provenance file: see
    // `resume_redoes_an_input_whose_records_changed_in_the_provenance_file`.)
    let runs: [Case; 2] = [
        (
            &["--provenance", "sidecar"],
            &["a.txt.prov.json", "s.jsonl.prov.jsonl"],
        ),
        (
            &["--attributes", "chaff"],
            &["attributes/chaff/b.txt.jsonl", "attributes/chaff/t.jsonl"],
        ),
    ];
    for (n, (options, changed)) in runs.iter().enumerate() {
        let out = tmp.path().join(format!("out{n}"));
        let mut args = vec!["--quiet", "--no-builtin"];
        args.extend(options.iter());
        strip(&input, &out, &args, 0);
        let fresh = snapshot(&out);
        for rel in changed.iter() {
            let path = out.join(rel);
            let text = fs::read_to_string(&path).unwrap();
            fs::write(&path, text.replace("\"id\"", "\"ID\"")).unwrap();
        }
        args.push("--resume");
        strip(&input, &out, &args, 0);
        let redone: Vec<String> = resumed_flags(&out)
            .into_iter()
            .filter(|(_, resumed)| !resumed)
            .map(|(file, _)| file)
            .collect();
        let expected: Vec<String> = changed
            .iter()
            .map(|rel| {
                let name = rel.rsplit('/').next().unwrap();
                name.split_once('.')
                    .map(|(stem, _)| stem)
                    .unwrap()
                    .to_string()
            })
            .map(|stem| {
                let ext = if ["a", "b", "c"].contains(&stem.as_str()) {
                    "txt"
                } else {
                    "jsonl"
                };
                format!("{stem}.{ext}")
            })
            .collect();
        assert_eq!(redone, expected, "{options:?}");
        for rel in changed.iter() {
            assert!(
                fs::read(out.join(rel)).unwrap() == fresh[*rel],
                "{rel} written again"
            );
        }
        assert_eq!(chaff(&[&"verify", &out]).code, 0);
    }
}

// --- what a finished run leaves on disk -------------------------------------------

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    found.sort();
    found
}

#[test]
fn a_finished_run_keeps_each_record_once_on_disk() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let out = tmp.path().join("out");
    strip(&input, &out, &["--quiet"], 1);
    let state = files_under(&out.join(".chaff"));
    assert_eq!(state, ["journal.jsonl"], "no records spool is left");
    let journal = fs::read_to_string(out.join(".chaff/journal.jsonl")).unwrap();
    assert!(
        !journal.contains("schema_version"),
        "the journal holds no copy of a record"
    );
    assert!(journal.len() < 1000 * inputs.len(), "{}", journal.len());
    assert_eq!(chaff(&[&"verify", &out]).code, 0);

    // A resumed run finds each input's records in the provenance file.
    let first = snapshot(&out);
    strip(&input, &out, &["--quiet", "--resume"], 1);
    assert!(resumed_flags(&out).iter().all(|(_, resumed)| *resumed));
    assert!(first["provenance.jsonl"] == snapshot(&out)["provenance.jsonl"]);
    assert_eq!(files_under(&out.join(".chaff")), ["journal.jsonl"]);
    assert_eq!(chaff(&[&"verify", &out]).code, 0);
}

#[test]
fn resume_redoes_an_input_whose_records_changed_in_the_provenance_file() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("a.txt"), "First body.\n");
    write(
        &input.join("b.jsonl"),
        "{\"id\":\"r\",\"text\":\"Row.\\n\"}\n",
    );
    let out = tmp.path().join("out");
    strip(&input, &out, &["--quiet", "--no-builtin"], 0);
    let fresh = fs::read_to_string(out.join("provenance.jsonl")).unwrap();
    // Same length, another id in the first record (a.txt's).
    let tampered = fresh.replacen("\"id\":\"a.txt\"", "\"id\":\"x.txt\"", 1);
    assert_ne!(tampered, fresh);
    fs::write(out.join("provenance.jsonl"), &tampered).unwrap();

    strip(&input, &out, &["--quiet", "--no-builtin", "--resume"], 0);
    assert_eq!(
        resumed_flags(&out),
        [("a.txt".to_string(), false), ("b.jsonl".to_string(), true)]
    );
    assert_eq!(
        fs::read_to_string(out.join("provenance.jsonl")).unwrap(),
        fresh
    );
    assert_eq!(chaff(&[&"verify", &out]).code, 0);
}

// --- row summaries and which documents get a record ------------------------------

/// A shard of three rows: one with boilerplate and metadata, one with
/// metadata and nothing to remove, one with neither.
const SUMMARY_ROWS: &str = concat!(
    "{\"id\":\"a\",\"text\":\"Body of a.\\n\\nShare this article\",\"metadata\":{\"url\":\"https://example.org/a\"}}\n",
    "{\"id\":\"b\",\"text\":\"Body of b.\",\"metadata\":{\"url\":\"https://example.org/b\"}}\n",
    "{\"id\":\"c\",\"text\":\"Body of c.\"}\n",
);

/// The `metadata.chaff` object of each output row, `None` where it has none.
fn summaries(out: &Path) -> Vec<Option<Value>> {
    lines_of(&fs::read(out.join("s.jsonl")).unwrap())
        .iter()
        .map(|l| {
            let row: Value = serde_json::from_str(l).unwrap();
            row.get("metadata").and_then(|m| m.get("chaff")).cloned()
        })
        .collect()
}

/// Restores `out` into a fresh folder and checks it against `input`.
fn assert_restores(input: &Path, out: &Path) {
    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{verify:?}");
    let to = out.with_extension("restored");
    let run = chaff(&[&"restore", &out, &"--to", &to]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(snapshot(&to), snapshot(input));
}

#[test]
fn row_summary_is_compact_by_default_and_full_or_none_when_asked() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("s.jsonl"), SUMMARY_ROWS);
    let out = tmp.path().join("compact");
    strip(&input, &out, &["--quiet"], 0);
    let compact = summaries(&out);
    assert_eq!(compact[0], Some(json!({"edits": 1, "chars_removed": 20})));
    assert_eq!(compact[2], Some(json!({"edits": 0, "chars_removed": 0})));
    assert_restores(&input, &out);

    let out = tmp.path().join("full");
    strip(&input, &out, &["--quiet", "--row-summary", "full"], 0);
    let full = summaries(&out);
    assert_eq!(full[0].as_ref().unwrap()["rules_digest"], builtin_digest());
    assert_eq!(full[0].as_ref().unwrap()["mode"], "strip");
    assert_eq!(full[1].as_ref().unwrap()["edits"], 0);
    assert_eq!(manifest(&out)["options"]["row_summary"], "full");
    assert_restores(&input, &out);

    let out = tmp.path().join("none");
    strip(&input, &out, &["--quiet", "--row-summary", "none"], 0);
    assert_eq!(summaries(&out), [None, None, None]);
    let rows = lines_of(&fs::read(out.join("s.jsonl")).unwrap());
    assert_eq!(
        rows[0],
        "{\"id\":\"a\",\"text\":\"Body of a.\",\"metadata\":{\"url\":\"https://example.org/a\"}}\n"
    );
    assert!(
        records(&out)
            .iter()
            .all(|r| r.row.as_ref().unwrap().metadata_raw.is_none()),
        "no copy of the metadata is needed without a summary"
    );
    assert_restores(&input, &out);

    // Verify still holds every other byte of a row to the original's.
    let tampered = fs::read_to_string(out.join("s.jsonl")).unwrap().replacen(
        "example.org/a",
        "example.org/z",
        1,
    );
    fs::write(out.join("s.jsonl"), tampered).unwrap();
    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 1, "{verify:?}");
}

#[test]
fn records_edited_records_only_documents_something_was_removed_from() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("s.jsonl"), SUMMARY_ROWS);
    write(&input.join("kept.txt"), "A body with nothing to remove.\n");
    write(&input.join("cut.txt"), "A body.\n\nShare this article\n");
    for provenance in ["jsonl", "sidecar"] {
        let out = tmp.path().join(provenance);
        let args = ["--quiet", "--records", "edited", "--provenance", provenance];
        strip(&input, &out, &args, 0);
        let ids: Vec<String> = match provenance {
            "jsonl" => records(&out).into_iter().map(|r| r.id).collect(),
            _ => {
                let mut ids: Vec<String> = records_in(&out.join("s.jsonl.prov.jsonl"))
                    .into_iter()
                    .map(|r| r.id)
                    .collect();
                assert!(!out.join("kept.txt.prov.json").exists());
                assert!(out.join("cut.txt.prov.json").exists());
                ids.push("cut.txt".into());
                ids
            }
        };
        let mut ids = ids;
        ids.sort();
        assert_eq!(ids, ["a", "cut.txt"], "{provenance}");
        // What was left as it was is written as it was.
        let rows = lines_of(&fs::read(out.join("s.jsonl")).unwrap());
        let inputs = lines_of(SUMMARY_ROWS.as_bytes());
        assert_eq!(rows[1..], inputs[1..], "{provenance}");
        assert_eq!(
            summaries(&out)[0],
            Some(json!({"edits": 1, "chars_removed": 20}))
        );
        let m = manifest(&out);
        assert_eq!(m["options"]["records"], "edited");
        assert_eq!(m["totals"]["docs"], 5);
        assert_restores(&input, &out);
        let verify = chaff(&[&"verify", &out]);
        assert!(verify.stdout.contains("(5 documents)"), "{verify:?}");

        // A resumed run reuses them all.
        strip(
            &input,
            &out,
            &[
                "--quiet",
                "--records",
                "edited",
                "--provenance",
                provenance,
                "--resume",
            ],
            0,
        );
        assert!(
            resumed_flags(&out).iter().all(|(_, resumed)| *resumed),
            "{provenance}"
        );

        // An unrecorded row or file changed since is still caught.
        let changed = fs::read_to_string(out.join("s.jsonl")).unwrap().replacen(
            "Body of c.",
            "Body of C.",
            1,
        );
        fs::write(out.join("s.jsonl"), changed).unwrap();
        fs::write(out.join("kept.txt"), "A body with nothing to remove!\n").unwrap();
        let verify = chaff(&[&"verify", &out]);
        assert_eq!(verify.code, 1, "{verify:?}");
        assert!(verify.stderr.contains("s.jsonl"), "{verify:?}");
        assert!(verify.stderr.contains("kept.txt"), "{verify:?}");
    }
}
