//! What every integration test needs: running `chaff` in-process, scratch
//! folders, and the bundled corpus.

use chaff::Record;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The bundled corpus folder.
pub const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus");

/// The `chaff` binary, for the tests that need a process of its own (a
/// pipe, a signal).
pub const BIN: &str = env!("CARGO_BIN_EXE_chaff");

/// A rule pack of one rule that removes the line `Read more: the full
/// story` (and fires on nothing in the bundled corpus).
pub const READ_MORE_PACK: &str = r#"[pack]
id = "local"
scope = "common"

[[rules]]
id = "local.read-more"
category = "related"
anchor = "Read more:"
strip = ["Read more: the full story"]
keep = ["Read more about it in the report."]
"#;

/// `n` JSONL rows `r0`, `r1`, … each with a captioned photo credit the
/// built-in rules remove, then a body paragraph naming the row.
pub fn afp_rows(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"id\":\"r{i}\",\"text\":\"A file photo shows both presidents. (AFP)\\n\\nThe talks lasted an hour, row {i}.\\n\"}}\n"
            )
        })
        .collect()
}

/// What one in-process run of `chaff` did.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Everything written to standard output.
    pub stdout: String,
    /// Everything written to standard error.
    pub stderr: String,
}

/// Runs `chaff ARGS...` in-process.
pub fn chaff(args: &[&dyn AsRef<OsStr>]) -> Run {
    let argv: Vec<OsString> = std::iter::once(OsString::from("chaff"))
        .chain(args.iter().map(|a| a.as_ref().to_os_string()))
        .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = chaff::cli::run(argv, &mut out, &mut err);
    Run {
        code,
        stdout: String::from_utf8(out).expect("stdout is UTF-8"),
        stderr: String::from_utf8(err).expect("stderr is UTF-8"),
    }
}

/// Runs `chaff ARGS...` in-process, the arguments all strings.
pub fn chaff_str(args: &[&str]) -> Run {
    let args: Vec<&dyn AsRef<OsStr>> = args.iter().map(|a| a as &dyn AsRef<OsStr>).collect();
    chaff(&args)
}

/// The arguments, for messages.
pub fn shown(args: &[&dyn AsRef<OsStr>]) -> String {
    let words: Vec<String> = args
        .iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect();
    words.join(" ")
}

/// Runs `chaff ARGS...` and checks that it succeeded.
pub fn chaff_ok(args: &[&dyn AsRef<OsStr>]) -> Run {
    let run = chaff(args);
    assert_eq!(
        run.code,
        0,
        "chaff {} failed:\n{}",
        shown(args),
        run.stderr.trim_end()
    );
    run
}

/// A fresh scratch folder, removed when dropped.
pub fn scratch() -> TempDir {
    tempfile::tempdir().expect("scratch folder")
}

/// Writes `bytes` to `path`, making its folders.
pub fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    fs::create_dir_all(path.parent().expect("has a parent")).expect("create folder");
    fs::write(path, bytes).expect("write file");
}

/// A path of the repository.
pub fn repo(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// The bundled articles (`corpus/*.txt`), sorted by name.
pub fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(CORPUS)
        .expect("corpus folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 5, "the five bundled articles");
    files
}

/// The file name of `path`.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

/// A copy of the bundled articles in `dir/corpus`.
pub fn corpus_copy(dir: &Path) -> PathBuf {
    let copy = dir.join("corpus");
    for file in corpus_files() {
        write(
            &copy.join(file_name(&file)),
            fs::read(&file).expect("article"),
        );
    }
    copy
}

/// Every file under `dir` (none if it does not exist), relative, with `/`
/// between folders, sorted.
pub fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) {
        for entry in fs::read_dir(dir).expect("readable folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, found);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                found.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut found = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut found);
    }
    found.sort();
    found
}

/// The text of a file, decompressed if it is gzip or zstd.
pub fn read_text(path: &Path) -> String {
    use std::io::Read;
    let (mut reader, _) = chaff::compress::open(path).expect("file opens");
    let mut text = String::new();
    reader.read_to_string(&mut text).expect("UTF-8 text");
    text
}

/// The records of a provenance file (plain or compressed).
pub fn records_in(path: &Path) -> Vec<Record> {
    let text = read_text(path);
    text.lines()
        .map(|line| serde_json::from_str(line).expect("each line is one record"))
        .collect()
}

/// The records of an output folder's `provenance.jsonl`.
pub fn records(out: &Path) -> Vec<Record> {
    records_in(&out.join("provenance.jsonl"))
}
