//! The command line: arguments → options → a run. [`run`] is what `main`
//! calls, and what tests call in-process.
//!
//! Exit codes: 0 all done; 1 some inputs failed or a check failed; 2 usage or
//! rule errors.

use crate::engine::{Document, Scratch, Stripper};
use crate::provenance::Record;
use crate::rules::{self, LoadError, RuleSet, Source};
use crate::selftest;
use clap::{Args, Parser, Subcommand};
use rayon::prelude::*;
use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Exit code: everything done.
pub const EXIT_OK: i32 = 0;
/// Exit code: some inputs failed, or a check failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code: bad usage or bad rule files.
pub const EXIT_USAGE: i32 = 2;

/// Files handed to the workers at a time; bounds memory by this many
/// documents, whatever the corpus size.
const CHUNK: usize = 256;

/// Name of the provenance file in the output folder.
const PROVENANCE_FILE: &str = "provenance.jsonl";

#[derive(Parser, Debug)]
#[command(
    name = "chaff",
    version,
    about = "Strips publisher boilerplate from extracted news text and records exactly what it removed."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Strip text files (or folders of them) into a clean copy plus provenance.
    Strip(StripArgs),
    /// Run every rule's strip/keep examples.
    Test(RuleArgs),
    /// List the loaded rules.
    Rules(RulesArgs),
}

#[derive(Args, Debug, Clone)]
struct RuleArgs {
    /// Rule file or folder to load (repeatable); added to the built-in rules.
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Do not load the built-in rules.
    #[arg(long)]
    no_builtin: bool,
}

#[derive(Args, Debug)]
struct RulesArgs {
    #[command(flatten)]
    rules: RuleArgs,
    /// Print one JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct StripArgs {
    /// Files or folders to strip (folders are walked recursively, sorted).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Folder for the clean files and `provenance.jsonl`.
    #[arg(long, short, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    rules: RuleArgs,
    /// Publisher id for every document (overrides URL and signatures).
    #[arg(long, value_name = "ID")]
    publisher: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(long, short, value_name = "N")]
    jobs: Option<usize>,
    /// Include hidden files and folders.
    #[arg(long)]
    hidden: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `chaff` with the process's arguments and standard streams.
pub fn main() -> i32 {
    let stdout = io::stdout();
    let stderr = io::stderr();
    run(std::env::args_os(), &mut stdout.lock(), &mut stderr.lock())
}

/// Runs `chaff` with `args` (the first is the program name), writing to
/// `out` and `err`. Returns the exit code.
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                err.write_all(text.as_bytes())
            } else {
                out.write_all(text.as_bytes())
            };
            return code;
        }
    };
    let result = match cli.command {
        Command::Strip(args) => strip(args, out, err),
        Command::Test(args) => test(args, out, err),
        Command::Rules(args) => list_rules(args, out, err),
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => EXIT_OK,
        Err(e) => {
            let _ = writeln!(err, "chaff: {e:#}");
            EXIT_FAILED
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    let kind = match e.downcast_ref::<io::Error>() {
        Some(e) => Some(e.kind()),
        // `rules --json` writes through serde_json, which wraps the I/O error.
        None => e
            .downcast_ref::<serde_json::Error>()
            .and_then(serde_json::Error::io_error_kind),
    };
    kind == Some(io::ErrorKind::BrokenPipe)
}

/// Loads the rule set the arguments ask for, or prints every problem.
fn load_rules(args: &RuleArgs, err: &mut dyn Write) -> Result<RuleSet, i32> {
    let mut sources: Vec<Source> = if args.no_builtin {
        Vec::new()
    } else {
        rules::builtin_sources()
    };
    let (mut extra, mut diagnostics) = rules::read_sources(&args.rules);
    sources.append(&mut extra);
    let result = match RuleSet::from_sources(&sources) {
        Ok(set) if diagnostics.is_empty() => Ok(set),
        Ok(_) => Err(LoadError { diagnostics }),
        Err(mut e) => {
            diagnostics.append(&mut e.diagnostics);
            Err(LoadError { diagnostics })
        }
    };
    result.map_err(|e| {
        let _ = writeln!(err, "{e}");
        EXIT_USAGE
    })
}

fn test(args: RuleArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let set = match load_rules(&args, err) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    let report = selftest::run(&set);
    for f in &report.failures {
        writeln!(
            out,
            "{} {} ({})",
            f.kind.as_str().to_uppercase(),
            f.rule,
            f.file
        )?;
        writeln!(out, "  input:    {:?}", f.text)?;
        writeln!(out, "  expected: {:?}", f.expected)?;
        writeln!(out, "  got:      {:?}", f.got)?;
        if !f.fired.is_empty() {
            writeln!(out, "  removed by: {}", f.fired.join(", "))?;
        }
    }
    let missing = report
        .failures
        .iter()
        .filter(|f| f.kind == selftest::FailureKind::Missing)
        .count();
    let noisy = report.failures.len() - missing;
    writeln!(
        out,
        "{} rules, {} examples: {} passed, {} failed ({missing} missing, {noisy} noisy)",
        report.rules,
        report.examples,
        report.examples - report.failures.len(),
        report.failures.len(),
    )?;
    Ok(if report.passed() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

fn list_rules(args: RulesArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let set = match load_rules(&args.rules, err) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    if args.json {
        let list: Vec<serde_json::Value> = set
            .rules()
            .iter()
            .map(|r| {
                let pack = &set.packs()[r.pack];
                serde_json::json!({
                    "id": r.id,
                    "pack": pack.id,
                    "publisher": (pack.scope == rules::Scope::Publisher).then_some(&pack.id),
                    "category": r.category.as_str(),
                    "kind": r.removal.as_str(),
                    "anchors": r.anchors,
                })
            })
            .collect();
        serde_json::to_writer(&mut *out, &list)?;
        writeln!(out)?;
    } else {
        for r in set.rules() {
            let pack = &set.packs()[r.pack];
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}",
                r.id,
                pack.id,
                r.category,
                r.removal.as_str(),
                r.anchors.join(" | ")
            )?;
        }
    }
    Ok(EXIT_OK)
}

/// One input file and where its output goes.
struct Input {
    path: PathBuf,
    rel: PathBuf,
}

/// What happened to one input.
enum Outcome {
    Done(Box<Record>),
    Failed(String),
}

fn discover(paths: &[PathBuf], hidden: bool, failures: &mut Vec<String>) -> Vec<Input> {
    let mut inputs = Vec::new();
    for root in paths {
        if !root.is_dir() {
            let rel = root
                .file_name()
                .map_or_else(|| PathBuf::from("input"), PathBuf::from);
            inputs.push(Input {
                path: root.clone(),
                rel,
            });
            continue;
        }
        let walker = walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                hidden || e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
            });
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let rel = e
                        .path()
                        .strip_prefix(root)
                        .unwrap_or(e.path())
                        .to_path_buf();
                    inputs.push(Input {
                        path: e.into_path(),
                        rel,
                    });
                }
                Ok(_) => {}
                Err(e) => failures.push(format!(
                    "{}: cannot read: {e}",
                    e.path().unwrap_or(root).display()
                )),
            }
        }
    }
    // Inputs with the same relative path would race for one output file, and
    // the provenance file's name is taken: keep the first, report the others.
    let mut taken = std::collections::HashMap::from([(
        PathBuf::from(PROVENANCE_FILE),
        "the provenance file".to_string(),
    )]);
    inputs.retain(|input| match taken.entry(input.rel.clone()) {
        std::collections::hash_map::Entry::Occupied(e) => {
            failures.push(format!(
                "{}: output path {} is already used by {}; skipped",
                input.path.display(),
                input.rel.display(),
                e.get()
            ));
            false
        }
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(input.path.display().to_string());
            true
        }
    });
    inputs
}

/// Writes `bytes` to `path` through a temporary file in the same folder and
/// a rename, so a killed run never leaves a half-written file.
fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".chaff-").suffix(".tmp");
    // tempfile creates owner-only (0o600) files; outputs should get the mode
    // any new file gets (0o666 less the umask), as with `File::create`.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_data()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Reads one input as UTF-8 text, or says why it is not.
fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    if bytes.contains(&0) {
        return Err(format!(
            "{}: binary file (NUL byte at offset {}); skipped",
            path.display(),
            bytes.iter().position(|&b| b == 0).unwrap_or(0)
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{}: not UTF-8 (invalid byte at offset {}); skipped",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

fn strip_one(
    stripper: &Stripper,
    input: &Input,
    out_dir: &Path,
    publisher: Option<&str>,
) -> Outcome {
    let text = match read_text(&input.path) {
        Ok(t) => t,
        Err(e) => return Outcome::Failed(e),
    };
    let id = input.rel.to_string_lossy().replace('\\', "/");
    let source = input.path.display().to_string();
    let mut doc = Document::new(&id, &text).source(&source);
    doc.publisher = publisher;
    let result = SCRATCH.with(|s| stripper.strip_with(&doc, &mut s.borrow_mut()));
    let target = out_dir.join(&input.rel);
    if let Err(e) = write_atomic(&target, result.clean.as_bytes()) {
        return Outcome::Failed(format!("{}: cannot write: {e}", target.display()));
    }
    Outcome::Done(Box::new(result.record))
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

fn strip(args: StripArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let set = match load_rules(&args.rules, err) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    let stripper = Stripper::new(set)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()?;
    let mut failures = Vec::new();
    let inputs = discover(&args.paths, args.hidden, &mut failures);
    for message in &failures {
        writeln!(err, "chaff: {message}")?;
    }
    let out_dir = args.out.as_path();
    std::fs::create_dir_all(out_dir)?;
    let mut provenance = Vec::new();
    let (mut docs, mut edits, mut bytes_in, mut bytes_out) = (0usize, 0usize, 0usize, 0usize);
    for chunk in inputs.chunks(CHUNK) {
        let outcomes: Vec<Outcome> = pool.install(|| {
            chunk
                .par_iter()
                .map(|input| strip_one(&stripper, input, out_dir, args.publisher.as_deref()))
                .collect()
        });
        for outcome in outcomes {
            match outcome {
                Outcome::Done(record) => {
                    docs += 1;
                    edits += record.edits.len();
                    bytes_in += record.input_bytes;
                    bytes_out += record.output_bytes;
                    serde_json::to_writer(&mut provenance, &record)?;
                    provenance.push(b'\n');
                }
                Outcome::Failed(message) => {
                    writeln!(err, "chaff: {message}")?;
                    failures.push(message);
                }
            }
        }
    }
    write_atomic(&out_dir.join(PROVENANCE_FILE), &provenance)?;
    if !args.quiet {
        writeln!(
            out,
            "stripped {docs} document{} into {}: {edits} edits, {} of {} bytes removed; {} failed",
            if docs == 1 { "" } else { "s" },
            out_dir.display(),
            bytes_in - bytes_out,
            bytes_in,
            failures.len()
        )?;
        for f in &failures {
            writeln!(out, "  failed: {f}")?;
        }
    }
    Ok(if failures.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}
