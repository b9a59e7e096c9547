//! Rule-file diagnostics, as data.
//!
//! Every `.toml` file directly under `tests/rule_errors/` is one case; every
//! folder there is one case whose `.toml` files are loaded together, in
//! file-name order. The comment lines at the top of each file say what loading
//! it must report:
//!
//! ```text
//! # expect: bad-regex at 9:9 rule=bad.regex
//! # expect: unknown-key at 14:1 -- unknown field `colour`
//! # expect: ok
//! ```
//!
//! One `# expect:` line per diagnostic: the kind's name, the 1-based line and
//! column, the rule id when the diagnostic names one (and no `rule=` when it
//! must not), and optionally, after `--`, text the message must contain.
//! `# expect: ok` says the file loads without a diagnostic. Every file states
//! at least one expectation. The diagnostics of a file must be exactly its
//! expectations (as a multiset), named with that file's name.
//!
//! `# known-gap:` (same syntax) records a problem the loader should report but
//! does not yet. The harness checks it is still missing, so that fixing the
//! loader makes this test fail until the line is turned into `# expect:`.
//!
//! `# crlf-expect:` (same syntax) records a known difference of the CRLF run
//! (below): it replaces, for that run only, the `# expect:` line of the same
//! kind on the same line.
//!
//! Each case is loaded three ways: with `RuleSet::from_sources`, with
//! `RuleSet::load_paths` on the file or folder on disk, and with
//! `from_sources` after converting its line endings to CRLF (which must not
//! move any position). I/O problems cannot be written as a UTF-8 case file, so
//! they are tested in code at the end.

use chaff::RuleSet;
use chaff::rules::{Diagnostic, DiagnosticKind, LoadError, Source};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where the cases live.
const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rule_errors");

/// Every diagnostic kind. [`ordinal`] has no wildcard arm, so adding a kind
/// breaks the build here until the kind is listed (and then the coverage check
/// asks for a case).
const ALL_KINDS: [DiagnosticKind; 10] = [
    DiagnosticKind::Io,
    DiagnosticKind::Syntax,
    DiagnosticKind::UnknownKey,
    DiagnosticKind::InvalidValue,
    DiagnosticKind::DuplicateId,
    DiagnosticKind::BadRegex,
    DiagnosticKind::EmptyAnchor,
    DiagnosticKind::ShortAnchor,
    DiagnosticKind::MissingAnchor,
    DiagnosticKind::MissingExamples,
];

fn ordinal(kind: DiagnosticKind) -> usize {
    match kind {
        DiagnosticKind::Io => 0,
        DiagnosticKind::Syntax => 1,
        DiagnosticKind::UnknownKey => 2,
        DiagnosticKind::InvalidValue => 3,
        DiagnosticKind::DuplicateId => 4,
        DiagnosticKind::BadRegex => 5,
        DiagnosticKind::EmptyAnchor => 6,
        DiagnosticKind::ShortAnchor => 7,
        DiagnosticKind::MissingAnchor => 8,
        DiagnosticKind::MissingExamples => 9,
    }
}

fn kind_named(name: &str) -> Option<DiagnosticKind> {
    ALL_KINDS.into_iter().find(|k| k.name() == name)
}

/// What one diagnostic is compared on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    kind: &'static str,
    line: usize,
    column: usize,
    rule: Option<String>,
}

impl Key {
    fn of(d: &Diagnostic) -> Key {
        Key {
            kind: d.kind.name(),
            line: d.line,
            column: d.column,
            rule: d.rule.clone(),
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}:{}", self.kind, self.line, self.column)?;
        if let Some(rule) = &self.rule {
            write!(f, " rule={rule}")?;
        }
        Ok(())
    }
}

/// One `# expect:`, `# known-gap:` or `# crlf-expect:` line.
#[derive(Debug, Clone)]
struct Expectation {
    key: Key,
    /// Text the message must contain.
    contains: Option<String>,
}

/// One file of a case.
#[derive(Debug)]
struct CaseFile {
    /// The name used with `from_sources`: the path below `tests/rule_errors/`.
    name: String,
    path: PathBuf,
    text: String,
    expected: Vec<Expectation>,
    gaps: Vec<Expectation>,
    /// Replacements of `expected` for the CRLF run.
    crlf: Vec<Expectation>,
}

impl CaseFile {
    /// What loading this file must report: `expected`, or for the CRLF run
    /// `expected` with the `# crlf-expect:` replacements.
    fn wanted(&self, crlf: bool) -> Vec<Expectation> {
        let mut wanted = self.expected.clone();
        if crlf {
            for e in &self.crlf {
                if let Some(x) = wanted
                    .iter_mut()
                    .find(|x| (x.key.kind, x.key.line) == (e.key.kind, e.key.line))
                {
                    *x = e.clone();
                }
            }
        }
        wanted
    }
}

/// A single file, or a folder of files loaded together.
#[derive(Debug)]
struct Case {
    name: String,
    /// What `load_paths` is given.
    path: PathBuf,
    files: Vec<CaseFile>,
}

fn parse_expectation(spec: &str) -> Result<Expectation, String> {
    let (spec, contains) = match spec.split_once(" -- ") {
        Some((spec, text)) => (spec, Some(text.trim().to_string())),
        None => (spec, None),
    };
    let mut words = spec.split_whitespace();
    let kind_name = words.next().ok_or("no kind")?;
    let kind = kind_named(kind_name).ok_or_else(|| format!("unknown kind `{kind_name}`"))?;
    if words.next() != Some("at") {
        return Err("expected `at` after the kind".into());
    }
    let position = words.next().ok_or("no position")?;
    let (line, column) = position
        .split_once(':')
        .and_then(|(l, c)| Some((l.parse().ok()?, c.parse().ok()?)))
        .ok_or_else(|| format!("position `{position}` is not LINE:COL"))?;
    let rule = match words.next() {
        None => None,
        Some(word) => Some(
            word.strip_prefix("rule=")
                .filter(|id| !id.is_empty())
                .ok_or_else(|| format!("unexpected `{word}`"))?
                .to_string(),
        ),
    };
    if let Some(word) = words.next() {
        return Err(format!("unexpected `{word}`"));
    }
    Ok(Expectation {
        key: Key {
            kind: kind.name(),
            line,
            column,
            rule,
        },
        contains,
    })
}

fn read_case_file(path: &Path, name: String) -> CaseFile {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read case {}: {e}", path.display()));
    let mut expected = Vec::new();
    let mut gaps = Vec::new();
    let mut crlf = Vec::new();
    let mut ok = false;
    let mut in_header = true;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        in_header &= line.is_empty() || line.starts_with('#');
        let directives: [(&str, &mut Vec<Expectation>); 3] = [
            ("# expect:", &mut expected),
            ("# known-gap:", &mut gaps),
            ("# crlf-expect:", &mut crlf),
        ];
        for (prefix, into) in directives {
            let Some(spec) = line.strip_prefix(prefix).map(str::trim) else {
                continue;
            };
            assert!(
                in_header,
                "{name}:{}: expectations belong in the comment lines at the top",
                i + 1
            );
            if spec == "ok" && prefix == "# expect:" {
                ok = true;
                continue;
            }
            let expectation = parse_expectation(spec)
                .unwrap_or_else(|e| panic!("{name}:{}: bad expectation `{spec}`: {e}", i + 1));
            into.push(expectation);
        }
    }
    assert!(
        ok == expected.is_empty(),
        "{name}: give either `# expect: ok` (the file loads cleanly) or `# expect:` lines \
         for its diagnostics, not both and not neither"
    );
    for e in &crlf {
        assert!(
            expected
                .iter()
                .any(|x| (x.key.kind, x.key.line) == (e.key.kind, e.key.line)),
            "{name}: `# crlf-expect: {}` replaces no `# expect:` of that kind on that line",
            e.key
        );
    }
    for gap in &gaps {
        // A gap cannot be checked against a report, so at least check that it
        // points at something.
        let at = source_line(&text, gap.key.line)
            .and_then(|l| l.chars().nth(gap.key.column.checked_sub(1)?));
        assert!(
            at.is_some_and(|c| !c.is_whitespace()),
            "{name}: known gap `{}` does not point at text",
            gap.key
        );
    }
    CaseFile {
        name,
        path: path.to_path_buf(),
        text,
        expected,
        gaps,
        crlf,
    }
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

fn load_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for path in sorted_entries(Path::new(CASES)) {
        let name = file_name(&path);
        if path.is_dir() {
            let files: Vec<CaseFile> = sorted_entries(&path)
                .into_iter()
                .filter(|p| p.extension() == Some("toml".as_ref()))
                .map(|p| {
                    let rel = format!("{name}/{}", file_name(&p));
                    read_case_file(&p, rel)
                })
                .collect();
            assert!(
                files.len() >= 2,
                "case folder {name} needs at least two .toml files"
            );
            cases.push(Case { name, path, files });
        } else if path.extension() == Some("toml".as_ref()) {
            let file = read_case_file(&path, name.clone());
            cases.push(Case {
                name,
                path,
                files: vec![file],
            });
        }
    }
    cases
}

/// The text of 1-based `line` of `text`, without its line break.
fn source_line(text: &str, line: usize) -> Option<&str> {
    text.split('\n')
        .nth(line.checked_sub(1)?)
        .map(|l| l.trim_end_matches('\r'))
}

/// Checks how a positioned diagnostic displays: the header names file,
/// position, kind and rule; the source line is the file's; the caret sits
/// under the column.
fn check_display(d: &Diagnostic, text: &str, problems: &mut Vec<String>) {
    let shown = d.to_string();
    let rule = match &d.rule {
        Some(id) => format!(" in rule `{id}`"),
        None => String::new(),
    };
    let header = format!(
        "{}:{}:{}: error[{}]{rule}: ",
        d.file,
        d.line,
        d.column,
        d.kind.name()
    );
    if !shown.starts_with(&header) {
        problems.push(format!("display should start with {header:?}:\n{shown}"));
    }
    if d.rule.is_none() && shown.contains(" in rule `") {
        problems.push(format!("display names a rule it does not have:\n{shown}"));
    }
    let Some(source) = source_line(text, d.line) else {
        problems.push(format!("line {} is past the end of the file", d.line));
        return;
    };
    if d.column == 0 || d.column > source.chars().count() + 1 {
        problems.push(format!(
            "column {} is outside line {} ({source:?})",
            d.column, d.line
        ));
        return;
    }
    let gutter = " ".repeat(d.line.to_string().len());
    let pad: String = source
        .chars()
        .take(d.column - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let snippet = format!("{gutter} |\n{} | {source}\n{gutter} | {pad}^", d.line);
    if !shown.contains(&snippet) {
        problems.push(format!(
            "display should show the line with a caret:\n{snippet}\nbut is:\n{shown}"
        ));
    }
}

/// Compares what loading a case reported with what its files expect.
/// `named(file)` is the name the loader was given for that file.
fn check_case(
    case: &Case,
    result: Result<RuleSet, LoadError>,
    named: impl Fn(&CaseFile) -> String,
    crlf: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let diagnostics = match result {
        Ok(_) => Vec::new(),
        Err(e) => {
            if e.diagnostics.is_empty() {
                problems.push("load failed with no diagnostics".to_string());
            }
            let n = e.diagnostics.len();
            let summary = format!("{n} problem{} in rule files", if n == 1 { "" } else { "s" });
            if !e.to_string().ends_with(&summary) {
                problems.push(format!("LoadError display should end with {summary:?}"));
            }
            e.diagnostics
        }
    };
    let names: Vec<String> = case.files.iter().map(&named).collect();
    for d in &diagnostics {
        if !names.contains(&d.file) {
            problems.push(format!(
                "diagnostic names file {:?}, not one of {names:?}: {d}",
                d.file
            ));
        }
    }
    for (file, name) in case.files.iter().zip(&names) {
        let text = if crlf {
            to_crlf(&file.text)
        } else {
            file.text.clone()
        };
        let wanted = file.wanted(crlf);
        let mine: Vec<&Diagnostic> = diagnostics.iter().filter(|d| &d.file == name).collect();
        let mut got: Vec<Key> = mine.iter().map(|d| Key::of(d)).collect();
        let mut want: Vec<Key> = wanted.iter().map(|e| e.key.clone()).collect();
        got.sort();
        want.sort();
        if got != want {
            let mut report = format!("{name}: diagnostics differ from expectations\n");
            for k in want.iter().filter(|k| !got.contains(k)) {
                let _ = writeln!(report, "  expected, not reported: {k}");
            }
            for k in got.iter().filter(|k| !want.contains(k)) {
                let _ = writeln!(report, "  reported, not expected: {k}");
            }
            if got.iter().all(|k| want.contains(k)) && want.iter().all(|k| got.contains(k)) {
                let _ = writeln!(report, "  (same diagnostics, different counts)");
                let _ = writeln!(report, "  expected: {want:?}\n  reported: {got:?}");
            }
            for d in &mine {
                let _ = writeln!(report, "{d}");
            }
            problems.push(report);
        }
        for e in &wanted {
            let Some(text_part) = &e.contains else {
                continue;
            };
            let matching: Vec<&&Diagnostic> = mine.iter().filter(|d| Key::of(d) == e.key).collect();
            if !matching.is_empty() && !matching.iter().any(|d| d.message.contains(text_part)) {
                problems.push(format!(
                    "{name}: the message of {} should contain {text_part:?}: {:?}",
                    e.key, matching[0].message
                ));
            }
        }
        for gap in &file.gaps {
            if mine.iter().any(|d| Key::of(d) == gap.key) {
                problems.push(format!(
                    "{name}: known gap `{}` is now reported: turn `# known-gap:` into `# expect:`",
                    gap.key
                ));
            }
        }
        for d in &mine {
            if d.line == 0 {
                problems.push(format!("{name}: diagnostic without a position: {d}"));
            } else if crlf && file.crlf.iter().any(|e| e.key == Key::of(d)) {
                // A known CRLF discrepancy: its caret is off by design of the
                // `# crlf-expect:` line, so only the header is checked.
                let header = format!(
                    "{}:{}:{}: error[{}]",
                    d.file,
                    d.line,
                    d.column,
                    d.kind.name()
                );
                if !d.to_string().starts_with(&header) {
                    problems.push(format!("display should start with {header:?}: {d}"));
                }
            } else {
                check_display(d, &text, &mut problems);
            }
        }
    }
    problems
        .into_iter()
        .map(|p| format!("[{}] {p}", case.name))
        .collect()
}

fn to_crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

#[test]
fn every_case_reports_exactly_its_expected_diagnostics() {
    let cases = load_cases();
    assert!(
        !cases.is_empty(),
        "no cases found in {CASES}: the harness would pass vacuously"
    );
    let mut problems = Vec::new();
    for case in &cases {
        let sources: Vec<Source> = case
            .files
            .iter()
            .map(|f| Source::new(f.name.clone(), f.text.clone()))
            .collect();
        problems.extend(check_case(
            case,
            RuleSet::from_sources(&sources),
            |f| f.name.clone(),
            false,
        ));

        problems.extend(check_case(
            case,
            RuleSet::load_paths(&[&case.path]),
            |f| f.path.display().to_string(),
            false,
        ));

        let crlf: Vec<Source> = case
            .files
            .iter()
            .map(|f| Source::new(f.name.clone(), to_crlf(&f.text)))
            .collect();
        problems.extend(
            check_case(case, RuleSet::from_sources(&crlf), |f| f.name.clone(), true)
                .into_iter()
                .map(|p| format!("(CRLF) {p}")),
        );
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) across {} cases:\n\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n\n")
    );
}

#[test]
fn the_cases_cover_every_kind_and_shape() {
    for (i, kind) in ALL_KINDS.into_iter().enumerate() {
        assert_eq!(ordinal(kind), i, "ALL_KINDS is out of order at {kind:?}");
    }
    let cases = load_cases();
    let files = || cases.iter().flat_map(|c| &c.files);
    let covered: BTreeSet<&str> = files()
        .flat_map(|f| &f.expected)
        .map(|e| e.key.kind)
        .collect();
    for kind in ALL_KINDS {
        // I/O problems are tested in code below.
        if kind != DiagnosticKind::Io {
            assert!(
                covered.contains(kind.name()),
                "no case expects a `{}` diagnostic",
                kind.name()
            );
        }
    }
    assert!(
        files().any(|f| f.expected.is_empty()),
        "no case loads cleanly (`# expect: ok`)"
    );
    assert!(
        cases.iter().any(|c| c.files.len() > 1),
        "no case loads several files together"
    );
    assert!(
        files().any(|f| {
            let kinds: BTreeSet<&str> = f.expected.iter().map(|e| e.key.kind).collect();
            let rules: BTreeSet<&Option<String>> = f.expected.iter().map(|e| &e.key.rule).collect();
            kinds.len() >= 3 && rules.len() >= 3
        }),
        "no case has several kinds of problem in several rules of one file"
    );
}

// I/O problems: these cannot be written as a UTF-8 case file.

/// A valid rule file's text.
const GOOD: &str = "[pack]\nid = \"io.good\"\nscope = \"common\"\n\n[[rules]]\n\
    id = \"io.good.rule\"\ncategory = \"other\"\nanchor = \"Read more\"\n\
    strip = [\"Read more\"]\nkeep = [\"Body text.\"]\n";

fn assert_io(d: &Diagnostic, path: &Path, message_start: &str) {
    let file = path.display().to_string();
    assert_eq!(d.kind, DiagnosticKind::Io);
    assert_eq!(d.file, file);
    assert_eq!((d.line, d.column), (0, 0), "an I/O problem has no position");
    assert_eq!(d.rule, None);
    assert!(
        d.message.starts_with(message_start),
        "message {:?} should start with {message_start:?}",
        d.message
    );
    let shown = d.to_string();
    let header = format!("{file}: error[io]: {message_start}");
    assert!(
        shown.starts_with(&header),
        "{shown:?} should start with {header:?}"
    );
    assert!(!shown.contains('^'), "no caret without a position: {shown}");
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no-such-rules.toml");
    let error = RuleSet::load_paths(&[&missing]).expect_err("a missing file cannot load");
    assert_eq!(error.diagnostics.len(), 1, "{error}");
    assert_io(&error.diagnostics[0], &missing, "cannot read");
    assert!(error.to_string().ends_with("1 problem in rule files"));
}

#[test]
fn a_file_that_is_not_utf8_is_an_io_error_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("latin1.toml");
    // "é" in Latin-1 (0xE9) is not UTF-8; it sits at byte 34.
    let mut bytes = b"[pack]\nid = \"latin1\"\nscope = \"comm".to_vec();
    assert_eq!(bytes.len(), 34);
    bytes.extend_from_slice(b"\xe9\"\n");
    std::fs::write(&path, &bytes).expect("write case");
    let error = RuleSet::load_paths(&[&path]).expect_err("a non-UTF-8 file cannot load");
    assert_eq!(error.diagnostics.len(), 1, "{error}");
    assert_io(
        &error.diagnostics[0],
        &path,
        "not UTF-8 (invalid byte at offset 34)",
    );
}

#[test]
fn io_errors_do_not_stop_the_other_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("a-good.toml");
    let broken = dir.path().join("b-broken.toml");
    let latin1 = dir.path().join("c-latin1.toml");
    let missing = dir.path().join("d-missing.toml");
    std::fs::write(&good, GOOD).expect("write case");
    std::fs::write(
        &broken,
        "[pack]\nid = \"broken\"\nscope = \"common\"\ncolour = 1\n",
    )
    .expect("write case");
    let latin1_prefix = b"[pack]\nid = \"caf";
    std::fs::write(&latin1, [&latin1_prefix[..], b"\xe9\"\n"].concat()).expect("write case");

    // A folder (holding a good file, a bad file and a non-UTF-8 file) and a
    // missing file, in one call: every problem is reported.
    let paths = [dir.path().to_path_buf(), missing.clone()];
    let error = RuleSet::load_paths(&paths).expect_err("cannot load");
    let mut got: Vec<(String, &str, usize, usize)> = error
        .diagnostics
        .iter()
        .map(|d| (d.file.clone(), d.kind.name(), d.line, d.column))
        .collect();
    got.sort();
    let shown = |p: &Path| p.display().to_string();
    assert_eq!(
        got,
        [
            (shown(&broken), "unknown-key", 4, 1),
            (shown(&latin1), "io", 0, 0),
            (shown(&missing), "io", 0, 0),
        ],
        "{error}"
    );
    let io_for = |p: &Path| {
        error
            .diagnostics
            .iter()
            .find(|d| d.kind == DiagnosticKind::Io && d.file == shown(p))
            .unwrap_or_else(|| panic!("no I/O diagnostic for {}", p.display()))
    };
    let offset = format!("not UTF-8 (invalid byte at offset {})", latin1_prefix.len());
    assert_io(io_for(&latin1), &latin1, &offset);
    assert_io(io_for(&missing), &missing, "cannot read");

    // Without the bad files, the folder loads.
    std::fs::remove_file(&broken).expect("remove case");
    std::fs::remove_file(&latin1).expect("remove case");
    let set = RuleSet::load_paths(&[dir.path()]).expect("the good file loads");
    assert_eq!(set.rules().len(), 1);
}
