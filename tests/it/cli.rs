//! The command line, as a specification: each test names one behaviour of
//! `chaff strip`, `chaff test` or `chaff rules` and pins it.
//!
//! Most tests call `chaff::cli::run` in-process; the ones about the process
//! itself (exit status, which stream gets what, a closed pipe) run the built
//! binary.
//!
//! `strip` keeps stdout free for data (`strip -` writes JSONL there): its
//! one-line summary and every problem go to stderr. Besides the clean copies
//! and `provenance.jsonl`, each output folder holds the run manifest
//! (`_manifest.json`) and chaff's state folder (`.chaff/journal.jsonl`). The
//! newer batch features (JSONL shards, modes, restore, ranks, resume...) are
//! pinned in `batch.rs`.

use crate::support::{
    BIN, CORPUS, Run, chaff, chaff_ok, corpus_copy, corpus_files, file_name, records, repo,
    scratch, tree, write,
};
use chaff::Record;
use chaff::provenance::{Resolution, SCHEMA_VERSION};
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tempfile::TempDir;

/// The bundled article whose name starts with `prefix`.
fn corpus_file(prefix: &str) -> PathBuf {
    corpus_files()
        .into_iter()
        .find(|p| file_name(p).starts_with(prefix))
        .expect("article exists")
}

/// The files chaff writes into every output folder besides the clean copies
/// and the provenance: the run manifest and the resume journal.
const STATE_FILES: [&str; 2] = [".chaff/journal.jsonl", "_manifest.json"];

/// `files` and the [`STATE_FILES`], sorted as [`tree`] lists them.
fn with_state(files: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = files
        .iter()
        .chain(&STATE_FILES)
        .map(|f| f.to_string())
        .collect();
    all.sort();
    all
}

/// The numbers of `strip`'s one-line summary.
#[derive(Debug, PartialEq)]
struct Summary {
    docs: u64,
    target: String,
    edits: u64,
    chars_removed: u64,
    bytes_in: u64,
    over_budget: u64,
    failed: u64,
}

/// Parses the one summary line on `stderr`, `stripped N documents into DIR:
/// E edits, C characters removed, Y bytes read, B over budget; F failed
/// (T.TTs)`, and
/// checks that it is the only such line.
fn summary(stderr: &str) -> Summary {
    let pattern = regex::Regex::new(
        r"^stripped (\d+) documents? into (.+): (\d+) edits, (\d+) characters removed, (\d+) bytes read, (\d+) over budget; (\d+) failed \(\d+\.\d\ds\)$",
    )
    .unwrap();
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("stripped "))
        .collect();
    assert_eq!(lines.len(), 1, "one summary line in {stderr:?}");
    let caps = pattern
        .captures(lines[0])
        .unwrap_or_else(|| panic!("summary format: {:?}", lines[0]));
    let n = |i: usize| caps[i].parse::<u64>().unwrap();
    let docs = n(1);
    let noun = if docs == 1 {
        " document "
    } else {
        " documents "
    };
    assert!(lines[0].contains(noun), "singular/plural: {:?}", lines[0]);
    Summary {
        docs,
        target: caps[2].to_string(),
        edits: n(3),
        chars_removed: n(4),
        bytes_in: n(5),
        over_budget: n(6),
        failed: n(7),
    }
}

/// Checks that `path` is reported on `stderr` twice, saying `why`: as it
/// happens (`chaff: PATH: ...`, before the summary line) and in the list of
/// failures under the summary line (`  failed: PATH: ...`).
fn assert_reported(stderr: &str, path: &str, why: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("stripped "))
        .unwrap_or_else(|| panic!("no summary line in {stderr:?}"));
    let now = format!("chaff: {path}: ");
    let line = lines[..at]
        .iter()
        .find(|l| l.starts_with(&now))
        .unwrap_or_else(|| panic!("{path} not reported before the summary: {stderr:?}"));
    assert!(line.contains(why), "{line:?} says {why:?}");
    let listed = format!("  failed: {path}: ");
    let line = lines[at + 1..]
        .iter()
        .find(|l| l.starts_with(&listed))
        .unwrap_or_else(|| panic!("{path} not listed under the summary: {stderr:?}"));
    assert!(line.contains(why), "{line:?} says {why:?}");
}

fn ids(records: &[Record]) -> Vec<&str> {
    records.iter().map(|r| r.id.as_str()).collect()
}

/// Sets `path` to mode 000 and says whether that stopped this process from
/// reading it (it does not for root).
#[cfg(unix)]
fn lock(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o000)).expect("chmod 000");
    if path.is_dir() {
        fs::read_dir(path).is_err()
    } else {
        fs::read(path).is_err()
    }
}

#[cfg(unix)]
fn unlock(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod back");
}

// --- strip: outputs and provenance -------------------------------------------

#[test]
fn strip_writes_one_clean_file_per_input_and_one_provenance_record_each_in_sorted_order() {
    let tmp = scratch();
    let corpus = corpus_copy(tmp.path());
    let out = tmp.path().join("out");
    let run = chaff(&[&"strip", &corpus, &"--out", &out]);

    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "", "stdout is left for data");
    assert_eq!(
        run.stderr.lines().count(),
        1,
        "nothing but the summary: {run:?}"
    );
    let mut inputs: Vec<PathBuf> = fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    let mut expected: Vec<String> = inputs.iter().map(|p| file_name(p)).collect();
    expected.push("provenance.jsonl".into());
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    assert_eq!(
        tree(&out),
        with_state(&expected),
        "one output per input, same names"
    );

    let records = records(&out);
    assert_eq!(records.len(), inputs.len(), "one record per document");
    let mut edits = 0;
    for (input, record) in inputs.iter().zip(&records) {
        let name = file_name(input);
        assert_eq!(record.id, name, "id is the path relative to the folder");
        assert_eq!(record.source.as_deref(), Some(&*input.to_string_lossy()));
        assert_eq!(record.schema_version, SCHEMA_VERSION);
        let original = fs::read(input).expect("input");
        let clean = fs::read_to_string(out.join(&name)).expect("clean output");
        let rebuilt = chaff::restore(&clean, record).expect("record restores its document");
        assert_eq!(rebuilt.as_bytes(), original, "{name} rebuilt byte for byte");
        edits += record.edits.len();
    }
    assert!(edits > 0, "the corpus has boilerplate to strip");
}

#[test]
fn strip_prints_a_one_line_summary_and_quiet_prints_nothing() {
    let tmp = scratch();
    let corpus = corpus_copy(tmp.path());
    let out = tmp.path().join("out");
    let run = chaff(&[&"strip", &corpus, &"--out", &out]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "", "the summary goes to stderr: {run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{:?}", run.stderr);
    assert!(run.stderr.starts_with("stripped 5 documents into "));

    // Every number in the summary is the run's own.
    let records = records(&out);
    let mut bytes_in = 0;
    for name in corpus_files().iter().map(|p| file_name(p)) {
        bytes_in += fs::metadata(corpus.join(&name)).unwrap().len();
    }
    let chars_removed = records.iter().map(|r| r.removed_chars() as u64).sum();
    let edits = records.iter().map(|r| r.rule_edits().count() as u64).sum();
    assert!(edits > 0);
    assert_eq!(
        summary(&run.stderr),
        Summary {
            docs: 5,
            target: out.to_string_lossy().into_owned(),
            edits,
            chars_removed,
            bytes_in,
            over_budget: 0,
            failed: 0,
        }
    );

    let quiet = chaff(&[&"strip", &corpus, &"--out", &out, &"--quiet"]);
    assert_eq!((quiet.code, quiet.stdout.as_str()), (0, ""));
    assert_eq!(quiet.stderr, "");
}

#[test]
fn strip_output_does_not_depend_on_the_number_of_jobs() {
    // Twenty files in nested folders, so the workers really do share them.
    let tmp = scratch();
    let input = tmp.path().join("in");
    for copy in 0..4 {
        for file in corpus_files() {
            let name = file_name(&file);
            let bytes = fs::read(&file).expect("article");
            write(
                &input.join(format!("batch{copy}/part{}/{name}", copy % 3)),
                bytes,
            );
        }
    }
    let one = tmp.path().join("one");
    let four = tmp.path().join("four");
    assert_eq!(
        chaff(&[&"strip", &input, &"-o", &one, &"--jobs", &"1"]).code,
        0
    );
    assert_eq!(
        chaff(&[&"strip", &input, &"-o", &four, &"--jobs", &"4"]).code,
        0
    );

    let files = tree(&one);
    assert_eq!(
        files.len(),
        23,
        "twenty documents, the provenance file, the manifest and the journal"
    );
    assert_eq!(tree(&four), files);
    for rel in &files {
        if rel == "_manifest.json" {
            // Only the manifest's timing may differ.
            let read = |dir: &Path| {
                let text = fs::read_to_string(dir.join(rel)).expect("manifest");
                let mut manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
                manifest
                    .as_object_mut()
                    .unwrap()
                    .remove("timing")
                    .expect("manifest has timing");
                manifest
            };
            assert_eq!(read(&one), read(&four), "manifest beyond its timing");
            continue;
        }
        let a = fs::read(one.join(rel)).expect("jobs 1 output");
        let b = fs::read(four.join(rel)).expect("jobs 4 output");
        assert!(a == b, "{rel} differs between --jobs 1 and --jobs 4");
    }
}

// --- strip: which inputs ------------------------------------------------------

#[test]
fn strip_mirrors_nested_folders_and_skips_hidden_names_unless_asked() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    for rel in [
        "a.txt",
        "sub/deeper/b.txt",
        ".hidden.txt",
        ".git/c.txt",
        "sub/.d.txt",
    ] {
        write(&input.join(rel), format!("Body of {rel}.\n"));
    }

    let out = tmp.path().join("out");
    assert_eq!(chaff(&[&"strip", &input, &"--out", &out]).code, 0);
    assert_eq!(
        tree(&out),
        with_state(&["a.txt", "provenance.jsonl", "sub/deeper/b.txt"]),
        "hidden files and folders are skipped"
    );
    assert_eq!(ids(&records(&out)), ["a.txt", "sub/deeper/b.txt"]);
    let clean = fs::read_to_string(out.join("sub/deeper/b.txt")).expect("nested output");
    assert_eq!(clean, "Body of sub/deeper/b.txt.\n");

    let all = tmp.path().join("all");
    assert_eq!(
        chaff(&[&"strip", &input, &"--out", &all, &"--hidden"]).code,
        0
    );
    assert_eq!(
        ids(&records(&all)),
        [
            ".git/c.txt",
            ".hidden.txt",
            "a.txt",
            "sub/.d.txt",
            "sub/deeper/b.txt"
        ],
        "--hidden includes them, still in sorted order"
    );
    assert_eq!(tree(&all).len(), 5 + 1 + STATE_FILES.len());
}

#[test]
fn strip_walks_only_text_and_jsonl_files_but_reads_any_file_it_is_given() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    for rel in [
        "a.txt",
        "LICENSE",
        "README.md",
        "notes.json",
        "table.csv",
        "sub/b.TXT",
        "sub/page.html",
    ] {
        write(&input.join(rel), format!("Body of {rel}.\n"));
    }
    for rel in ["s.jsonl", "sub/t.ndjson"] {
        write(&input.join(rel), "{\"id\":\"r\",\"text\":\"Row.\\n\"}\n");
    }

    let out = tmp.path().join("out");
    let run = chaff(&[&"strip", &input, &"--out", &out]);
    assert_eq!(run.code, 0, "skipped files are not failures: {run:?}");
    assert_eq!(
        tree(&out)
            .into_iter()
            .filter(|f| !f.starts_with(".chaff/records/"))
            .collect::<Vec<_>>(),
        with_state(&[
            "LICENSE",
            "a.txt",
            "provenance.jsonl",
            "s.jsonl",
            "sub/b.TXT",
            "sub/t.ndjson",
        ]),
        ".txt, extensionless and JSONL files only"
    );

    // The bundled corpus folder holds a README.md beside the articles.
    let bundled = tmp.path().join("bundled");
    assert_eq!(chaff(&[&"strip", &CORPUS, &"--out", &bundled]).code, 0);
    let names: Vec<String> = corpus_files().iter().map(|p| file_name(p)).collect();
    let mut expected: Vec<&str> = names.iter().map(String::as_str).collect();
    expected.push("provenance.jsonl");
    assert_eq!(tree(&bundled), with_state(&expected));

    // A file named on the command line is read whatever its name.
    let named = tmp.path().join("named");
    let readme = input.join("README.md");
    assert_eq!(chaff(&[&"strip", &readme, &"--out", &named]).code, 0);
    assert_eq!(tree(&named), with_state(&["README.md", "provenance.jsonl"]));
    assert_eq!(
        fs::read(named.join("README.md")).unwrap(),
        fs::read(&readme).unwrap()
    );
}

#[test]
fn strip_walks_a_hidden_folder_named_on_the_command_line() {
    let tmp = scratch();
    let input = tmp.path().join(".drafts");
    write(&input.join("a.txt"), "Body.\n");
    let out = tmp.path().join("out");
    assert_eq!(chaff(&[&"strip", &input, &"--out", &out]).code, 0);
    assert_eq!(tree(&out), with_state(&["a.txt", "provenance.jsonl"]));
}

#[test]
fn strip_names_a_file_argument_by_its_file_name() {
    let tmp = scratch();
    let article = corpus_file("001_");
    let out = tmp.path().join("out");
    assert_eq!(chaff(&[&"strip", &article, &"--out", &out]).code, 0);
    let name = file_name(&article);
    assert_eq!(tree(&out), with_state(&[&name, "provenance.jsonl"]));
    assert_eq!(ids(&records(&out)), [name.as_str()]);
}

#[test]
fn strip_reports_inputs_that_would_share_an_output_path_instead_of_overwriting() {
    let tmp = scratch();
    let first = tmp.path().join("a/x.txt");
    let second = tmp.path().join("b/x.txt");
    let reserved = tmp.path().join("c/provenance.jsonl");
    write(&first, "First.\n");
    write(&second, "Second.\n");
    write(&reserved, "Not a provenance file.\n");
    let out = tmp.path().join("out");
    let run = chaff(&[&"strip", &first, &second, &reserved, &"--out", &out]);

    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "", "{run:?}");
    for skipped in [&second, &reserved] {
        let path = skipped.to_string_lossy();
        assert_reported(&run.stderr, &path, "already used by");
    }
    assert_eq!(summary(&run.stderr).failed, 2);
    assert_eq!(fs::read_to_string(out.join("x.txt")).unwrap(), "First.\n");
    assert_eq!(ids(&records(&out)), ["x.txt"]);
}

// --- strip: bad inputs ----------------------------------------------------------

#[test]
fn strip_reports_bad_inputs_and_still_writes_the_others() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    let article = corpus_file("000_");
    write(&input.join("good.txt"), fs::read(&article).unwrap());
    write(&input.join("empty.txt"), "");
    let latin1 = input.join("latin1.txt");
    write(&latin1, b"caf\xe9 au lait\n");
    let binary = input.join("binary.txt");
    write(&binary, b"PK\x03\x04\0\0\x14\0");
    let missing = tmp.path().join("does-not-exist.txt");
    let out = tmp.path().join("out");

    let run = chaff(&[&"strip", &input, &missing, &"--out", &out]);

    assert_eq!(run.code, 1, "some inputs failed: {run:?}");
    assert_eq!(run.stdout, "", "{run:?}");
    for (path, why) in [
        (&latin1, "UTF-8"),
        (&binary, "binary"),
        (&missing, "cannot read"),
    ] {
        assert_reported(&run.stderr, &path.to_string_lossy(), why);
    }
    // Three problems as they happen, the summary, and the same three again.
    assert_eq!(run.stderr.lines().count(), 3 + 1 + 3, "{run:?}");
    let summary = summary(&run.stderr);
    assert_eq!((summary.docs, summary.failed), (2, 3), "{run:?}");

    assert_eq!(
        tree(&out),
        with_state(&["empty.txt", "good.txt", "provenance.jsonl"]),
        "failed inputs leave no output; the others are written"
    );
    let records = records(&out);
    assert_eq!(ids(&records), ["empty.txt", "good.txt"]);
    let empty = &records[0];
    assert_eq!((empty.input_bytes, empty.output_bytes), (0, 0));
    assert!(empty.edits.is_empty());
    assert_eq!(fs::read(out.join("empty.txt")).unwrap(), b"");
    let clean = fs::read_to_string(out.join("good.txt")).unwrap();
    assert_eq!(
        chaff::restore(&clean, &records[1]).unwrap().as_bytes(),
        fs::read(&article).unwrap()
    );
}

#[cfg(unix)]
#[test]
fn strip_reports_unreadable_files_and_folders_and_still_writes_the_others() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("a.txt"), "Readable.\n");
    let locked_file = input.join("locked.txt");
    write(&locked_file, "Secret.\n");
    let locked_dir = input.join("private");
    write(&locked_dir.join("b.txt"), "Secret too.\n");
    let file_locked = lock(&locked_file);
    let dir_locked = lock(&locked_dir);
    let out = tmp.path().join("out");
    let run = chaff(&[&"strip", &input, &"--out", &out]);
    unlock(&locked_dir, 0o755);
    unlock(&locked_file, 0o644);
    if !(file_locked && dir_locked) {
        eprintln!("skipped: chmod 000 does not stop this user (root?) from reading");
        return;
    }

    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "", "{run:?}");
    for path in [&locked_file, &locked_dir] {
        assert_reported(&run.stderr, &path.to_string_lossy(), "cannot read");
    }
    assert_eq!(tree(&out), with_state(&["a.txt", "provenance.jsonl"]));
}

#[test]
fn strip_reports_an_output_it_cannot_write_and_leaves_no_temporary_file() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("a.txt"), "First.\n");
    write(&input.join("b.txt"), "Second.\n");
    let out = tmp.path().join("out");
    // A folder where the clean copy of a.txt should go.
    fs::create_dir_all(out.join("a.txt/blocker")).unwrap();

    let run = chaff(&[&"strip", &input, &"--out", &out]);

    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "", "{run:?}");
    let target = out.join("a.txt").to_string_lossy().into_owned();
    assert_reported(&run.stderr, &target, "cannot write");
    assert_eq!(ids(&records(&out)), ["b.txt"]);
    assert_eq!(fs::read_to_string(out.join("b.txt")).unwrap(), "Second.\n");
    assert_no_temporary_files(&out);
}

// --- strip: how outputs are written ---------------------------------------------

fn assert_no_temporary_files(dir: &Path) {
    let leftovers: Vec<String> = walk_names(dir)
        .into_iter()
        .filter(|name| name.starts_with(".chaff-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// The names of every file and folder under `dir`.
fn walk_names(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).expect("readable folder") {
        let entry = entry.expect("entry");
        names.push(entry.file_name().to_string_lossy().into_owned());
        if entry.file_type().expect("file type").is_dir() {
            names.extend(walk_names(&entry.path()));
        }
    }
    names
}

#[test]
fn strip_writes_outputs_atomically_leaving_no_temporary_files() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    for file in corpus_files() {
        write(
            &input.join("nested").join(file_name(&file)),
            fs::read(&file).unwrap(),
        );
    }
    write(&input.join("broken.txt"), b"\xff\xfe");
    let out = tmp.path().join("out");

    assert_eq!(chaff(&[&"strip", &input, &"--out", &out]).code, 1);
    assert_no_temporary_files(&out);
    let first = tree(&out);
    assert_eq!(first.len(), 5 + 1 + STATE_FILES.len());

    // Again over the existing outputs: they are replaced, not appended to.
    let again = chaff(&[&"strip", &input, &"--out", &out, &"--quiet"]);
    assert_eq!(again.code, 1);
    assert_no_temporary_files(&out);
    assert_eq!(tree(&out), first);
    assert_eq!(records(&out).len(), 5);
}

#[cfg(unix)]
#[test]
fn strip_outputs_get_the_permissions_of_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = scratch();
    let out = tmp.path().join("out");
    assert_eq!(
        chaff(&[&"strip", &corpus_file("002_"), &"--out", &out]).code,
        0
    );
    let plain = out.join("plain");
    fs::write(&plain, "").unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let name = file_name(&corpus_file("002_"));
    assert_eq!(mode(&out.join(name)), mode(&plain), "not owner-only");
    assert_eq!(mode(&out.join("provenance.jsonl")), mode(&plain));
}

// --- strip: publisher ------------------------------------------------------------

#[test]
fn strip_with_publisher_applies_that_publishers_rules_instead_of_the_detected_ones() {
    let tmp = scratch();
    let article = corpus_file("003_");
    let original = fs::read_to_string(&article).unwrap();
    let name = file_name(&article);
    let appeal = "A Message from The Moscow Times:";
    assert!(original.contains(appeal));

    let detected = tmp.path().join("detected");
    assert_eq!(chaff(&[&"strip", &article, &"--out", &detected]).code, 0);
    let clean = fs::read_to_string(detected.join(&name)).unwrap();
    assert!(
        !clean.contains(appeal),
        "the detected publisher's appeal is removed"
    );
    assert_eq!(
        records(&detected)[0].publisher.id.as_deref(),
        Some("moscow-times")
    );

    let forced = tmp.path().join("forced");
    let run = chaff(&[
        &"strip",
        &article,
        &"--out",
        &forced,
        &"--publisher",
        &"bbc",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let clean = fs::read_to_string(forced.join(&name)).unwrap();
    assert_eq!(clean, original, "no BBC or common rule applies to it");
    let record = &records(&forced)[0];
    assert_eq!(record.publisher.id.as_deref(), Some("bbc"));
    assert_eq!(record.publisher.resolved_by, Resolution::Explicit);
    assert!(record.edits.is_empty());
}

// --- rule files ------------------------------------------------------------------

const BAD_REGEX_RULES: &str = r#"[pack]
id = "local"
scope = "common"

[[rules]]
id = "local.bad-regex"
category = "related"
anchor = "Read more:"
regex = "Read (more"
strip = ["Read more: the full story"]
keep = ["Read more about it in the report."]
"#;

const FAILING_EXAMPLE_RULES: &str = r#"[pack]
id = "local"
scope = "common"

[[rules]]
id = "local.read-more"
category = "related"
anchor = "Read more:"
strip = ["Continue reading: the full story"]
keep = ["Read more: this line is body text"]
"#;

#[test]
fn a_bad_rule_file_is_a_usage_error_naming_file_line_column_and_rule() {
    let tmp = scratch();
    let rules = tmp.path().join("bad.toml");
    fs::write(&rules, BAD_REGEX_RULES).unwrap();
    let line = BAD_REGEX_RULES
        .lines()
        .position(|l| l.starts_with("regex"))
        .unwrap()
        + 1;
    // The caret is on the pattern's first character, after `regex = "`.
    let at = format!("{}:{line}:10:", rules.display());

    let out = tmp.path().join("out");
    let run = chaff(&[&"strip", &CORPUS, &"--out", &out, &"--rules", &rules]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains(&at), "{at} in {:?}", run.stderr);
    assert!(run.stderr.contains("local.bad-regex"), "{run:?}");
    assert!(
        !out.exists(),
        "nothing is written when the rules do not load"
    );

    for command in ["test", "rules"] {
        let run = chaff(&[&command, &"--rules", &rules]);
        assert_eq!(run.code, 2, "chaff {command}: {run:?}");
        assert!(run.stderr.contains(&at), "chaff {command}: {run:?}");
    }
}

#[test]
fn a_missing_rule_file_is_a_usage_error_naming_it() {
    let tmp = scratch();
    let rules = tmp.path().join("nope.toml");
    let run = chaff(&[&"rules", &"--rules", &rules]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains(&*rules.to_string_lossy()), "{run:?}");
}

#[test]
fn test_passes_on_the_builtin_rules() {
    let run = chaff(&[&"test"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("passed"), "{run:?}");
    assert!(run.stdout.contains(" 0 failed"), "{run:?}");
    assert!(!run.stdout.contains("MISSING") && !run.stdout.contains("NOISY"));
}

#[test]
fn test_fails_naming_the_rule_whose_examples_fail() {
    let tmp = scratch();
    let rules = tmp.path().join("bad.toml");
    fs::write(&rules, FAILING_EXAMPLE_RULES).unwrap();

    let run = chaff(&[&"test", &"--rules", &rules]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("MISSING local.read-more"),
        "the strip example kept its text: {run:?}"
    );
    assert!(
        run.stdout.contains("NOISY local.read-more"),
        "the keep example lost its text: {run:?}"
    );
    assert!(
        run.stdout.contains("2 failed (1 missing, 1 noisy)"),
        "{run:?}"
    );

    let alone = chaff(&[&"test", &"--rules", &rules, &"--no-builtin"]);
    assert_eq!(alone.code, 1, "{alone:?}");
    assert!(alone.stdout.contains("1 rules, 2 examples"), "{alone:?}");
}

// --- rules -----------------------------------------------------------------------

#[test]
fn rules_json_lists_every_builtin_rule_as_one_array() {
    let run = chaff(&[&"rules", &"--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "one line");
    let list: Vec<serde_json::Value> =
        serde_json::from_str(&run.stdout).expect("stdout is one JSON array");

    for rule in &list {
        for key in ["id", "pack", "category", "kind"] {
            assert!(rule[key].is_string(), "{key} is a string in {rule}");
        }
        let anchors = rule["anchors"].as_array().expect("anchors is an array");
        let dictionary = rule["dictionary"]
            .as_array()
            .expect("dictionary is an array");
        let follows = rule["after"].as_array().expect("after is an array");
        // A rule starts from anchors, dictionary lines, other removals, or
        // every short line.
        let every_line = rule["every_line"].as_bool().expect("every_line is a bool");
        assert!(
            !anchors.is_empty() || !dictionary.is_empty() || !follows.is_empty() || every_line,
            "{rule}"
        );
        assert!(anchors.iter().all(|a| a.is_string()), "{rule}");
    }
    let listed: Vec<&str> = list.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let builtin = chaff::RuleSet::builtin();
    let expected: Vec<&str> = builtin.rules().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(listed, expected, "every built-in rule, in load order");
}

#[test]
fn rules_lists_one_tab_separated_line_per_rule() {
    let run = chaff(&[&"rules"]);
    assert_eq!(run.code, 0, "{run:?}");
    let builtin = chaff::RuleSet::builtin();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), builtin.rules().len());
    for (line, rule) in lines.iter().zip(builtin.rules()) {
        assert_eq!(line.split('\t').next(), Some(rule.id.as_str()));
    }
}

#[test]
fn rules_with_no_builtin_lists_only_the_given_files() {
    let tmp = scratch();
    let rules = tmp.path().join("mine.toml");
    fs::write(&rules, FAILING_EXAMPLE_RULES).unwrap();
    let run = chaff(&[&"rules", &"--json", &"--no-builtin", &"--rules", &rules]);
    assert_eq!(run.code, 0, "{run:?}");
    let list: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], "local.read-more");
    assert_eq!(list[0]["pack"], "local");
    assert_eq!(list[0]["anchors"], serde_json::json!(["Read more:"]));
}

// --- usage -----------------------------------------------------------------------

/// Usage errors: the arguments, and what stderr says about them. The first
/// ones clap finds; the others are the checks of flags' values and of flags
/// together, whose whole message is pinned.
#[rustfmt::skip]
const USAGE_ERRORS: &[(&[&str], &str)] = &[
    (&[], "Usage: chaff <COMMAND>"),
    (&["bogus"], "bogus"),
    (&["strip", "--out", OUT], "<PATH>..."),
    (&["strip", CORPUS, "--out", OUT, "--jobs", "many"], "invalid value 'many' for '--jobs <N>'"),
    (&["rules", "--no-such-flag"], "'--no-such-flag'"),
    (&["strip", CORPUS, "--out", OUT, "--rank", "3", "--world-size", "2"],
        "chaff: --rank must be below --world-size (got rank 3 of 2)\n"),
    (&["strip", CORPUS, "--out", OUT, "--budget", "2"],
        "chaff: --budget is a share between 0 and 1, not 2\n"),
    (&["strip", "-", CORPUS],
        "chaff: `-` (stdin) cannot be mixed with other paths\n"),
    (&["strip", CORPUS],
        "chaff: --out <DIR> is required (except for `-`, which writes to stdout)\n"),
    (&["strip", "-", "--provenance", "column"],
        "chaff: --provenance column does not apply to `-` (stdin): there are no files to name\n"),
    (&["check", CORPUS, "--budget", "7"],
        "chaff: --budget is a share between 0 and 1, not 7\n"),
    (&["check", CORPUS, "--update"],
        "chaff: --update needs --golden DIR or --baseline FILE\n"),
    (&["check", CORPUS, "--report", "a.txt"],
        "chaff: --report a.txt: the name must end in .md or .json\n"),
    (&["eval", "--annotations", "a.json", CORPUS, "--min-recall", "3"],
        "chaff: --min-recall is a share between 0 and 1, not 3\n"),
    (&["eval", "--annotations", "a.json", CORPUS, "--min-keep", "1.5"],
        "chaff: --min-keep is a share between 0 and 1, not 1.5\n"),
    (&["eval", "--annotations", "a.json", CORPUS, "--report", "r.html"],
        "chaff: --report r.html: the name must end in .md or .json\n"),
    (&["suggest", CORPUS, "--min-docs", "1"],
        "chaff: --min-docs must be at least 2\n"),
    (&["generate", "rules", OUT, "--count", "2000000"],
        "chaff: --count is at most 1000000 (anchors end with a unique six-digit code), not 2000000\n"),
    (&["generate", "corpus", OUT, "--size", "1k", "--share", "2"],
        "chaff: --share is a share between 0 and 1, not 2\n"),
];

/// Stands in [`USAGE_ERRORS`] for the output folder of the test.
const OUT: &str = "{out}";

#[test]
fn usage_errors_exit_2_and_print_only_to_stderr() {
    let tmp = scratch();
    let out = tmp.path().join("out");
    for (args, says) in USAGE_ERRORS {
        let args: Vec<&dyn AsRef<OsStr>> = args
            .iter()
            .map(|a| {
                if *a == OUT {
                    &out as &dyn AsRef<OsStr>
                } else {
                    a
                }
            })
            .collect();
        let run = chaff(&args);
        assert_eq!(run.code, 2, "{run:?}");
        assert_eq!(run.stdout, "", "{run:?}");
        assert!(!run.stderr.is_empty(), "{run:?}");
        if says.starts_with("chaff: ") {
            assert_eq!(run.stderr, *says, "{run:?}");
        } else {
            assert!(run.stderr.contains(says), "{says:?} in {run:?}");
        }
    }
    assert!(!out.exists(), "a usage error writes nothing");
}

#[test]
fn help_and_version_exit_0_and_print_to_stdout() {
    let help = chaff(&[&"--help"]);
    assert_eq!(help.code, 0, "{help:?}");
    assert_eq!(help.stderr, "");
    for command in ["strip", "diff", "restore", "verify", "test", "rules"] {
        assert!(help.stdout.contains(command), "{help:?}");
    }

    let strip_help = chaff(&[&"strip", &"--help"]);
    assert_eq!(strip_help.code, 0, "{strip_help:?}");
    for flag in [
        "--out",
        "--rules",
        "--no-builtin",
        "--publisher",
        "--jobs",
        "--hidden",
        "--quiet",
        "--include",
        "--exclude",
        "--mode",
        "--provenance",
        "--attributes",
        "--rank",
        "--world-size",
        "--resume",
        "--dry-run",
        "--budget",
        "--budget-action",
        "--text-field",
        "--id-field",
    ] {
        assert!(strip_help.stdout.contains(flag), "{flag} in strip --help");
    }

    let version = chaff(&[&"--version"]);
    assert_eq!(version.code, 0, "{version:?}");
    assert_eq!(version.stderr, "");
    assert_eq!(
        version.stdout.trim_end(),
        concat!("chaff ", env!("CARGO_PKG_VERSION"))
    );
}

// --- the process -------------------------------------------------------------------

#[test]
fn the_binary_exits_with_the_documented_codes_on_the_right_streams() {
    let tmp = scratch();
    let binary = tmp.path().join("in/binary.txt");
    write(&binary, b"\0\0\0");
    write(&tmp.path().join("in/ok.txt"), "Body.\n");
    let out = tmp.path().join("out");

    let version = Command::new(BIN).arg("--version").output().unwrap();
    assert_eq!(version.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("chaff "));
    assert!(version.stderr.is_empty());

    let usage = Command::new(BIN).arg("bogus").output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
    assert!(usage.stdout.is_empty());
    assert!(!usage.stderr.is_empty());

    let failed = Command::new(BIN)
        .arg("strip")
        .arg(tmp.path().join("in"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(1), "a failed input, no panic");
    assert!(failed.stdout.is_empty(), "strip leaves stdout for data");
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_reported(&stderr, &binary.to_string_lossy(), "binary");
    assert_eq!(summary(&stderr).failed, 1);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(tree(&out), with_state(&["ok.txt", "provenance.jsonl"]));
}

#[test]
fn rules_json_into_a_closed_pipe_exits_quietly() {
    let mut child = Command::new(BIN)
        .args(["rules", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end, like `| head -c 0` would.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn strip_from_stdin_refuses_options_that_name_files() {
    for flags in [
        &["--attributes", "a"][..],
        &["--provenance", "sidecar"][..],
        &["--resume"][..],
        &["--rank", "1", "--world-size", "2"][..],
    ] {
        let mut args: Vec<&dyn AsRef<OsStr>> = vec![&"strip", &"-"];
        for f in flags {
            args.push(f);
        }
        let run = chaff(&args);
        assert_eq!(run.code, 2, "{flags:?}: {run:?}");
        assert!(run.stderr.contains("does not apply to `-`"), "{run:?}");
    }
}

#[test]
fn resume_after_a_journal_cut_mid_line_keeps_every_entry() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out");
    let run = chaff(&[&"strip", &CORPUS, &"--out", &out, &"--quiet"]);
    assert_eq!(run.code, 0, "{run:?}");
    let journal = out.join(".chaff/journal.jsonl");
    let text = fs::read_to_string(&journal).unwrap();
    // Keep the first entry whole and half of the second, as a kill would.
    let first_end = text.find('\n').unwrap() + 1;
    let cut = first_end + (text[first_end..].find('\n').unwrap() / 2);
    fs::write(&journal, &text[..cut]).unwrap();
    let resumed = chaff(&[&"strip", &CORPUS, &"--out", &out, &"--quiet", &"--resume"]);
    assert_eq!(resumed.code, 0, "{resumed:?}");
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("_manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["totals"]["files"], 5);
    assert_eq!(manifest["totals"]["files_resumed"], 1);
    // Resumed again: every entry of the journal is whole and reused.
    let again = chaff(&[&"strip", &CORPUS, &"--out", &out, &"--quiet", &"--resume"]);
    assert_eq!(again.code, 0);
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("_manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["totals"]["files_resumed"], 5);
    assert_eq!(chaff(&[&"verify", &out]).code, 0);
}

// --- nothing lost: outputs never land on inputs -----------------------------------

/// Every file under `dir` with its bytes.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    tree(dir)
        .into_iter()
        .map(|rel| {
            let bytes = fs::read(dir.join(&rel)).expect("readable");
            (rel, bytes)
        })
        .collect()
}

/// Checks that a run was refused as a usage error whose message names
/// every one of `paths`.
fn assert_refused(run: &Run, paths: &[&Path]) {
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stdout, "", "{run:?}");
    assert!(run.stderr.starts_with("chaff: "), "{run:?}");
    for path in paths {
        assert!(
            run.stderr.contains(&*path.to_string_lossy()),
            "{} named: {run:?}",
            path.display()
        );
    }
}

#[test]
fn strip_refuses_an_output_folder_that_would_overwrite_an_input() {
    let tmp = scratch();
    let input = corpus_copy(tmp.path());
    let extra = input.join("sub/extra.txt");
    write(&extra, "Extra body.\n");
    let before = contents(&input);
    let article = corpus_files()[0].clone();
    let article_in = input.join(file_name(&article));

    // The input folder itself, a file of it given on its own, and a file
    // of the output folder given next to the folder.
    let cases: [(Vec<&Path>, &Path); 4] = [
        (vec![&input], &input),
        (vec![&article_in], &input),
        (vec![&input, &extra], &input.join("sub")),
        (vec![&input], &article_in),
    ];
    for (paths, out) in &cases {
        let mut args: Vec<&dyn AsRef<OsStr>> = vec![&"strip"];
        for p in paths {
            args.push(p);
        }
        args.extend([&"--out" as &dyn AsRef<OsStr>, out, &"--no-builtin"]);
        let run = chaff(&args);
        let mut named: Vec<&Path> = vec![out];
        named.push(paths.last().expect("a path"));
        assert_refused(&run, &named);
        assert_eq!(contents(&input), before, "{paths:?} --out {out:?}");
    }

    // The same through a link in the output folder's path, and through an
    // input that is a link to a file the run would write.
    #[cfg(unix)]
    {
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&input, &link).unwrap();
        let run = chaff(&[&"strip", &input, &"--out", &link, &"--no-builtin"]);
        assert_refused(&run, &[&link]);
        assert_eq!(contents(&input), before);

        let old = tmp.path().join("old");
        let first = chaff(&[
            &"strip",
            &input,
            &"--out",
            &old,
            &"--no-builtin",
            &"--quiet",
        ]);
        assert_eq!(first.code, 0, "{first:?}");
        let linked = tmp.path().join("linked");
        write(&linked.join("sub/extra.txt"), "Extra body.\n");
        let to_old = linked.join("old-extra.txt");
        std::os::unix::fs::symlink(old.join("sub/extra.txt"), &to_old).unwrap();
        let kept = fs::read(old.join("sub/extra.txt")).unwrap();
        let run = chaff(&[&"strip", &linked, &"--out", &old, &"--no-builtin"]);
        assert_refused(&run, &[&old, &to_old]);
        assert_eq!(fs::read(old.join("sub/extra.txt")).unwrap(), kept);
    }

    // An output folder inside the input folder, where nothing lands on an
    // input, is fine.
    let out = input.join("clean");
    let run = chaff(&[&"strip", &input, &"--out", &out, &"--quiet"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        contents(&input)
            .into_iter()
            .filter(|(rel, _)| !rel.starts_with("clean/"))
            .collect::<Vec<_>>(),
        before
    );
}

/// Runs `chaff strip INPUT --out OUT --quiet --no-builtin EXTRA...`, which
/// copies the input as it is, and checks that it succeeded.
fn strip_without_rules(input: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&dyn AsRef<OsStr>> = vec![
        &"strip",
        &input,
        &"--out",
        &out,
        &"--quiet",
        &"--no-builtin",
    ];
    args.extend(extra.iter().map(|a| a as &dyn AsRef<OsStr>));
    chaff_ok(&args)
}

#[test]
fn restore_refuses_a_folder_where_it_would_overwrite_the_output_folder() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("x.txt"), "Top.\n");
    write(&input.join("out/x.txt"), "Nested.\n");
    let out = tmp.path().join("out");
    strip_without_rules(&input, &out, &[]);
    let before = contents(&out);

    // Into the output folder itself, and into its parent, where the
    // rebuilt `out/x.txt` is the output of `x.txt`.
    for to in [&out, &tmp.path().to_path_buf()] {
        let run = chaff(&[&"restore", &out, &"--to", to]);
        assert_refused(&run, &[to]);
        assert_eq!(contents(&out), before, "--to {}", to.display());
        assert_eq!(chaff(&[&"verify", &out]).code, 0);
    }

    let restored = tmp.path().join("restored");
    assert_eq!(chaff(&[&"restore", &out, &"--to", &restored]).code, 0);
    assert_eq!(contents(&restored), contents(&input));
}

#[test]
fn strip_removes_the_temporary_files_a_killed_run_left_and_nothing_else() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("a.txt"), "First.\n");
    write(&input.join("sub/b.txt"), "Second.\n");
    let out = tmp.path().join("out");
    strip_without_rules(&input, &out, &[]);
    let fresh = tree(&out);

    // As `kill -9` leaves them, beside outputs and in the state folder; and
    // files that only look like them.
    let leftovers = [
        ".chaff-Ab3dE9.tmp",
        "sub/.chaff-0zZ9aa.tmp",
        ".chaff/.chaff-q1w2e3.tmp",
    ];
    let others = [
        "notes/.chaff-draft.tmp",
        "sub/x.chaff-abcdef.tmp",
        ".chaff-kept.txt",
    ];
    for resume in [true, false] {
        for name in leftovers.iter().chain(&others) {
            write(&out.join(name), "partial");
        }
        let extra: &[&str] = if resume { &["--resume"] } else { &[] };
        strip_without_rules(&input, &out, extra);
        let mut expected: Vec<String> = fresh
            .iter()
            .cloned()
            .chain(others.iter().map(|s| s.to_string()))
            .collect();
        expected.sort();
        assert_eq!(tree(&out), expected, "resume: {resume}");
        for name in &others {
            fs::remove_file(out.join(name)).unwrap();
        }
    }
}

#[test]
fn strip_warns_about_lone_cr_line_endings_naming_the_file() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    let mac = input.join("mac.txt");
    write(&mac, "Headline\rFirst line.\rSecond line.\r");
    write(&input.join("dos.txt"), "Headline\r\nBody.\r\n");
    let shard = input.join("s.jsonl");
    write(
        &shard,
        "{\"id\":\"a\",\"text\":\"x\"}\r{\"id\":\"b\",\"text\":\"y\"}\r",
    );
    let out = tmp.path().join("out");
    let run = chaff(&[&"strip", &input, &"--out", &out, &"--no-builtin"]);
    let warned = |path: &Path| {
        let now = format!("chaff: warning: {}", path.display());
        run.stderr
            .lines()
            .find(|l| l.starts_with(&now))
            .unwrap_or_else(|| panic!("{now}: {run:?}"))
            .to_string()
    };
    assert!(warned(&mac).contains("lone CR"), "{run:?}");
    assert!(warned(&shard).starts_with(&format!("chaff: warning: {}:1: lone CR", shard.display())));
    assert!(!run.stderr.contains("dos.txt"), "CRLF is fine: {run:?}");
    // The text file is still stripped and restorable; the shard's one
    // long line is a malformed row, copied through.
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        fs::read(out.join("mac.txt")).unwrap(),
        fs::read(&mac).unwrap()
    );
    assert_eq!(chaff(&[&"verify", &out]).code, 0);
    let quiet = strip_without_rules(&mac, &tmp.path().join("q"), &[]);
    assert_eq!(quiet.stderr, "", "{quiet:?}");
}

/// Runs the binary with `args`; kills it and fails if it takes more than
/// 20 seconds (a read that blocks).
fn run_bounded(args: &[&dyn AsRef<OsStr>]) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(args.iter().map(|a| a.as_ref()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("chaff blocked: {:?}", child.wait_with_output().unwrap());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn strip_reports_a_fifo_instead_of_blocking_on_it() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("a.txt"), "Body.\n");
    let fifo = input.join("pipe.txt");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let shown = fifo.display().to_string();

    // Named on the command line, and found in a walk.
    for (n, paths) in [vec![&fifo, &input.join("a.txt")], vec![&input]]
        .iter()
        .enumerate()
    {
        let out = tmp.path().join(format!("out{n}"));
        let mut args: Vec<&dyn AsRef<OsStr>> = vec![&"strip"];
        for p in paths {
            args.push(p);
        }
        args.extend([&"--out" as &dyn AsRef<OsStr>, &out, &"--no-builtin"]);
        let run = run_bounded(&args);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{stderr}");
        assert_reported(&stderr, &shown, "not a regular file (a FIFO)");
        assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "Body.\n");
    }
}

#[test]
fn errors_of_the_output_folder_name_the_path() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("a.txt"), "Body.\n");
    let file = tmp.path().join("plain-file");
    write(&file, "not a folder\n");
    let under = file.join("out");
    let shown = under.display().to_string();

    let run = chaff(&[&"strip", &input, &"--out", &under, &"--no-builtin"]);
    assert_ne!(run.code, 0, "{run:?}");
    let line = run.stderr.lines().last().unwrap_or_default();
    assert!(
        line.contains(&shown) && line.contains("Not a directory"),
        "{run:?}"
    );

    let stdin = Command::new(BIN)
        .args(["strip", "-", "--no-builtin", "--out"])
        .arg(&under)
        .stdin(fs::File::open(input.join("a.txt")).unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&stdin.stderr);
    assert_ne!(stdin.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&shown) && stderr.contains("Not a directory"),
        "{stderr}"
    );

    let verify = chaff(&[&"verify", &file]);
    assert_eq!(verify.code, 1, "{verify:?}");
    assert!(
        verify.stderr.contains(&*file.display().to_string()),
        "{verify:?}"
    );

    let out = tmp.path().join("out");
    assert_eq!(
        chaff(&[
            &"strip",
            &input,
            &"--out",
            &out,
            &"--quiet",
            &"--no-builtin"
        ])
        .code,
        0
    );
    let restore = chaff(&[&"restore", &out, &"--to", &under]);
    assert_ne!(restore.code, 0, "{restore:?}");
    assert!(restore.stderr.contains(&shown), "{restore:?}");
}

#[test]
fn strip_warns_about_a_jsonl_text_with_lone_cr_line_endings() {
    let tmp = scratch();
    let shard = tmp.path().join("in/m.jsonl");
    write(
        &shard,
        "{\"id\":\"a\",\"text\":\"Fine.\\r\\n\"}\n{\"id\":\"b\",\"text\":\"Head\\rBody.\\r\"}\n{\"id\":\"c\",\"text\":\"More\\r\"}\n",
    );
    let out = tmp.path().join("out");
    let run = chaff(&[&"strip", &shard, &"--out", &out, &"--no-builtin"]);
    assert_eq!(run.code, 0, "{run:?}");
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("warning"))
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "once per file, at the first row: {run:?}"
    );
    assert!(
        warnings[0].starts_with(&format!("chaff: warning: {}:2: lone CR", shard.display())),
        "{run:?}"
    );
    assert_eq!(chaff(&[&"verify", &out]).code, 0);
}

#[test]
fn a_copy_of_the_built_in_rules_reads_its_edited_dictionaries_from_disk() {
    // The copy is named as the built-in files are (`rules/…`, run from the
    // folder that holds it), and its packs are unchanged: only a dictionary
    // is edited, and the edit must count.
    let tmp = scratch();
    let rules = PathBuf::from(repo("rules"));
    for name in tree(&rules) {
        write(
            &tmp.path().join("rules").join(&name),
            fs::read(rules.join(&name)).unwrap(),
        );
    }
    let buttons = tmp.path().join("rules/common/lines/share-buttons.txt");
    let mut text = fs::read_to_string(&buttons).unwrap();
    text.push_str("Pass this page along\n");
    fs::write(&buttons, text).unwrap();
    write(
        &tmp.path().join("doc.txt"),
        "The council met.\n\nPass this page along\n\nThe mayor spoke.\n",
    );
    let diff = |builtin: bool| {
        let mut command = Command::new(BIN);
        command.current_dir(tmp.path()).arg("diff");
        if !builtin {
            command.args(["--no-builtin", "--rules", "rules"]);
        }
        let output = command.arg("doc.txt").output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let copy = diff(false);
    assert!(
        copy.contains("label.share (share) \"Pass this page along\\n\""),
        "{copy}"
    );
    let built_in = diff(true);
    assert!(!built_in.contains("Pass this page along"), "{built_in}");
}
