//! The command line: arguments → options → a run. [`run`] is what `main`
//! calls, and what tests call in-process.
//!
//! Exit codes: 0 all done; 1 some inputs failed or a check failed; 2 usage or
//! rule errors.

use crate::batch::{self, Failure, FieldNames, Observer, Options, ProvenanceMode, WalkOptions};
use crate::engine::Stripper;
use crate::generate;
use crate::progress::Progress;
use crate::provenance::{Mode, Resolution};
use crate::rules::{self, LoadError, RuleSet, Source};
use crate::selftest;
use clap::{Args, Parser, Subcommand};
use std::cell::RefCell;
use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

/// Exit code: everything done.
pub const EXIT_OK: i32 = 0;
/// Exit code: some inputs failed, or a check failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code: bad usage or bad rule files.
pub const EXIT_USAGE: i32 = 2;

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
    /// Strip text files, JSONL and Parquet shards (or folders of them) into a
    /// clean copy plus provenance; `-` reads JSONL on stdin and writes it on
    /// stdout.
    Strip(StripArgs),
    /// Show what would be removed, span by span, without writing anything.
    Diff(DiffArgs),
    /// Rebuild the original corpus from an output folder, byte for byte.
    Restore(RestoreArgs),
    /// Check that an output folder rebuilds its original corpus.
    Verify(VerifyArgs),
    /// Run every rule's strip/keep examples.
    Test(RuleFileArgs),
    /// Lint rules: shadowed anchors, anchors that hit body text, anchors that
    /// look like regexes, publisher packs that cannot be resolved.
    Lint(LintArgs),
    /// For CI: rule tests, lint, then strip a corpus and compare it with
    /// committed expectations (golden clean text or a baseline of hit counts).
    Check(CheckArgs),
    /// List the loaded rules.
    Rules(RulesArgs),
    /// Strip a corpus in memory and score it against substring annotations:
    /// boilerplate recall, keep rate, misses and false removals.
    Eval(EvalArgs),
    /// Find boilerplate that recurs across documents of a publisher and that
    /// no loaded rule removes yet; draft rules for it (nothing is applied).
    Suggest(SuggestArgs),
    /// Write deterministic benchmark data: a synthetic rule pack, or a
    /// news-like corpus with the built-in rules' boilerplate planted in it.
    #[command(subcommand)]
    Generate(GenerateCommand),
}

#[derive(Subcommand, Debug)]
enum GenerateCommand {
    /// Write a common rule pack of N synthetic line rules (rule i is the
    /// same in every pack, so small packs are prefixes of big ones).
    Rules(GenerateRulesArgs),
    /// Write a news-like corpus (text tree or JSONL shards) in which a share
    /// of the documents carry the built-in rules' strip examples.
    Corpus(GenerateCorpusArgs),
}

#[derive(Args, Debug)]
struct GenerateRulesArgs {
    /// The rule file to write.
    #[arg(value_name = "OUT.toml")]
    out: PathBuf,
    /// How many rules (at most 1,000,000).
    #[arg(long, value_name = "N")]
    count: usize,
    /// Seed of the anchor phrases.
    #[arg(long, value_name = "S", value_parser = generate::parse_seed, default_value = "0x5eedc4a5f00d2024")]
    seed: u64,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum GenerateFormat {
    /// One `.txt` file per document, in folders of 1000: OUT_DIR/NNN/NNNNNN.txt.
    Text,
    /// JSONL shards: OUT_DIR/shard-NNNNN.jsonl.
    Jsonl,
}

#[derive(Args, Debug)]
struct GenerateCorpusArgs {
    /// The corpus folder (new or empty); it receives documents only.
    #[arg(value_name = "OUT_DIR")]
    out: PathBuf,
    /// Stop once the corpus holds this many bytes: 200M, 1G (powers of 1024) or 1GB (of 1000).
    #[arg(long, value_name = "SIZE", value_parser = generate::parse_size)]
    size: u64,
    /// Text files or JSONL shards.
    #[arg(long, value_enum, default_value = "jsonl")]
    format: GenerateFormat,
    /// Seed; the same arguments always give the same bytes.
    #[arg(long, value_name = "S", value_parser = generate::parse_seed, default_value_t = generate::DEFAULT_CORPUS_SEED)]
    seed: u64,
    /// Share of documents (0 to 1) with planted boilerplate.
    #[arg(long, value_name = "SHARE", default_value_t = 0.5)]
    share: f64,
    /// Start a new JSONL shard once one holds this many bytes.
    #[arg(long, value_name = "SIZE", value_parser = generate::parse_size, default_value = "64M")]
    shard_size: u64,
    /// Also write the expected clean documents into this folder (outside
    /// OUT_DIR), in the same layout; chaff's output equals them up to white space.
    #[arg(long, value_name = "DIR")]
    expect: Option<PathBuf>,
    /// List the built-in strip examples that are not planted, and why.
    #[arg(long, short)]
    verbose: bool,
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

#[derive(Args, Debug, Clone)]
struct RuleFileArgs {
    /// Rule files or folders to load, besides the built-in rules.
    #[arg(value_name = "RULES")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    rules: RuleArgs,
}

impl RuleFileArgs {
    fn all(&self) -> RuleArgs {
        let mut rules = self.rules.clone();
        rules.rules.extend(self.files.iter().cloned());
        rules
    }
}

#[derive(Args, Debug)]
struct LintArgs {
    #[command(flatten)]
    rules: RuleFileArgs,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// The corpus to strip (files or folders).
    #[arg(value_name = "PATH", default_value = "corpus")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    input: InputArgs,
    /// Folder of golden clean texts to compare with (`NAME.clean.txt` per `NAME.txt`).
    #[arg(long, value_name = "DIR")]
    golden: Option<PathBuf>,
    /// Baseline of per-rule hit counts to compare with (JSON).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write the golden texts / baseline from this run instead of comparing.
    #[arg(long)]
    update: bool,
    /// Write a report: `.md` for Markdown (a CI job summary), `.json` for data (repeatable).
    #[arg(long, value_name = "FILE")]
    report: Vec<PathBuf>,
    /// Largest share of a document's characters that may be removed before it is flagged.
    #[arg(long, value_name = "SHARE", default_value_t = 0.5)]
    budget: f64,
    /// Fail on lint warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(Args, Debug)]
struct RulesArgs {
    #[command(flatten)]
    rules: RuleArgs,
    /// Print one JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug, Clone)]
struct InputArgs {
    /// Publisher id for every document (overrides metadata, URL and signatures).
    #[arg(long, value_name = "ID")]
    publisher: Option<String>,
    /// Include hidden files and folders.
    #[arg(long)]
    hidden: bool,
    /// Only read files whose path (relative to the folder given) matches this glob (repeatable).
    #[arg(long, value_name = "GLOB", value_parser = parse_glob)]
    include: Vec<String>,
    /// Skip files and folders whose relative path matches this glob (repeatable).
    #[arg(long, value_name = "GLOB", value_parser = parse_glob)]
    exclude: Vec<String>,
    /// JSONL field (Parquet column) holding the text.
    #[arg(long, value_name = "NAME", default_value = "text")]
    text_field: String,
    /// JSONL field (Parquet column) holding the document id.
    #[arg(long, value_name = "NAME", default_value = "id")]
    id_field: String,
    /// JSONL field (Parquet column) holding the URL (repeatable; dotted paths look inside objects, or struct columns).
    #[arg(long, value_name = "NAME")]
    url_field: Vec<String>,
    /// JSONL field (Parquet column) holding the publisher id (repeatable).
    #[arg(long, value_name = "NAME")]
    publisher_field: Vec<String>,
}

/// Checks a glob when the arguments are parsed, so a bad one is a usage error.
fn parse_glob(pattern: &str) -> Result<String, String> {
    globset::Glob::new(pattern)
        .map(|_| pattern.to_string())
        .map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ModeArg {
    Strip,
    Mask,
    Tag,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum HashArg {
    Blake3,
    Sha256,
}

impl From<HashArg> for crate::provenance::HashKind {
    fn from(arg: HashArg) -> Self {
        match arg {
            HashArg::Blake3 => crate::provenance::HashKind::Blake3,
            HashArg::Sha256 => crate::provenance::HashKind::Sha256,
        }
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ProvenanceArg {
    /// OUT/provenance.jsonl, in sorted input order.
    Jsonl,
    /// `<name>.prov.json` (`.prov.jsonl` for shards) beside each output.
    Sidecar,
    /// No records.
    None,
    /// A string column `chaff` in each Parquet output, one record per row
    /// (Parquet inputs only).
    Column,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RecordsArg {
    /// Every document.
    All,
    /// Only documents something was removed from; the others are written as they were.
    Edited,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RowSummaryArg {
    /// `edits` and `chars_removed`.
    Compact,
    /// Also `rules_digest` and `mode`.
    Full,
    /// Nothing: `metadata` stays as it was.
    None,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum BudgetAction {
    /// Strip it anyway (it is flagged in the summary and manifest).
    Strip,
    /// Leave it unstripped (its record still lists what would go).
    Keep,
}

#[derive(Args, Debug)]
struct StripArgs {
    /// Files or folders to strip (folders are walked recursively, sorted); `-` for JSONL on stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output folder: clean files, provenance and `_manifest.json` (required
    /// unless the input is `-` or with `--dry-run`; with `-` it only gets the
    /// provenance).
    #[arg(long, short, value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    input: InputArgs,
    /// strip removes; mask replaces each removed span with `[chaff:RULE]`;
    /// tag leaves the text as it is and only records.
    #[arg(long, value_enum, default_value = "strip")]
    mode: ModeArg,
    /// Where provenance records go.
    #[arg(long, value_enum, default_value = "jsonl")]
    provenance: ProvenanceArg,
    /// Which documents get a provenance record.
    #[arg(long, value_enum, default_value = "all")]
    records: RecordsArg,
    /// What each JSONL output row says of its stripping in `metadata.chaff`.
    #[arg(long, value_enum, default_value = "compact")]
    row_summary: RowSummaryArg,
    /// Hash function of the records' and the manifest's input and output
    /// hashes (written as `blake3:…` or `sha256:…`).
    #[arg(long, value_enum, default_value = "blake3")]
    hash: HashArg,
    /// Also write Dolma attribute files under OUT/attributes/NAME/.
    #[arg(long, value_name = "NAME")]
    attributes: Option<String>,
    /// Worker threads (default: all cores); the output is the same for any N.
    #[arg(long, short, value_name = "N")]
    jobs: Option<usize>,
    /// This run's rank: it takes sorted(files)[RANK::WORLD_SIZE].
    #[arg(long, value_name = "R", default_value_t = 0, requires = "world_size")]
    rank: usize,
    /// How many runs split the corpus.
    #[arg(long, value_name = "W", default_value_t = 1)]
    world_size: usize,
    /// Skip inputs unchanged since an earlier run into OUT with the same rules and options.
    #[arg(long)]
    resume: bool,
    /// Show what would be removed instead of writing anything.
    #[arg(long)]
    dry_run: bool,
    /// Largest share of a document's characters that may be removed before it is flagged.
    #[arg(long, value_name = "SHARE", default_value_t = 0.5)]
    budget: f64,
    /// What to do with a document over the budget.
    #[arg(long, value_enum, default_value = "strip")]
    budget_action: BudgetAction,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct DiffArgs {
    /// Files or folders.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    input: InputArgs,
    /// Colour: auto (on a terminal), always or never.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    color: ColorArg,
    /// Also print, for each document, its publisher and why it was chosen.
    #[arg(long)]
    publishers: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
struct RestoreArgs {
    /// An output folder of `chaff strip`.
    #[arg(value_name = "OUT")]
    out: PathBuf,
    /// Where to write the rebuilt corpus.
    #[arg(long, value_name = "DIR")]
    to: PathBuf,
}

#[derive(Args, Debug)]
struct VerifyArgs {
    /// An output folder of `chaff strip`.
    #[arg(value_name = "OUT")]
    out: PathBuf,
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
        Command::Diff(args) => diff(args, out, err),
        Command::Restore(args) => restore(args.out, Some(args.to), out, err),
        Command::Verify(args) => restore(args.out, None, out, err),
        Command::Test(args) => test(args.all(), out, err),
        Command::Lint(args) => lint(args, out, err),
        Command::Check(args) => check(args, out, err),
        Command::Rules(args) => list_rules(args, out, err),
        Command::Eval(args) => eval(args, out, err),
        Command::Suggest(args) => suggest(args, out, err),
        Command::Generate(GenerateCommand::Rules(args)) => generate_rules(args, err),
        Command::Generate(GenerateCommand::Corpus(args)) => generate_corpus(args, err),
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
                    "dictionary": r.dictionary,
                    "every_line": r.every_line,
                    "after": r.after.iter().chain(&r.before).map(|n| match n {
                        rules::Neighbour::Rule(id) => id.clone(),
                        rules::Neighbour::Category(c) => c.as_str().to_string(),
                    }).collect::<Vec<_>>(),
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
                if r.anchors.is_empty() && !r.dictionary.is_empty() {
                    format!("({} dictionary lines)", r.dictionary.len())
                } else {
                    r.anchors
                        .iter()
                        .map(|a| a.escape_default().to_string())
                        .collect::<Vec<_>>()
                        .join(" | ")
                }
            )?;
        }
    }
    Ok(EXIT_OK)
}

/// Prints failures as they happen and drives the progress bar.
struct Reporter<'a> {
    err: RefCell<&'a mut dyn Write>,
    progress: Option<Progress>,
    /// Print warnings (not with `--quiet`).
    warnings: bool,
}

impl Observer for Reporter<'_> {
    fn failure(&self, failure: &Failure) {
        let line = format!("chaff: {failure}");
        match &self.progress {
            Some(p) => p.println(&line),
            None => {
                let _ = writeln!(self.err.borrow_mut(), "{line}");
            }
        }
    }

    fn warning(&self, warning: &Failure) {
        if !self.warnings {
            return;
        }
        let line = format!("chaff: warning: {warning}");
        match &self.progress {
            Some(p) => p.println(&line),
            None => {
                let _ = writeln!(self.err.borrow_mut(), "{line}");
            }
        }
    }

    fn progress(&self, documents: u64, bytes: u64) {
        if let Some(p) = &self.progress {
            p.set(documents, bytes);
        }
    }
}

impl InputArgs {
    fn fields(&self) -> FieldNames {
        let mut fields = FieldNames {
            text: self.text_field.clone(),
            id: self.id_field.clone(),
            ..FieldNames::default()
        };
        if !self.url_field.is_empty() {
            fields.url = self.url_field.clone();
        }
        if !self.publisher_field.is_empty() {
            fields.publisher = self.publisher_field.clone();
        }
        fields
    }

    /// Batch options for writing into `out`, with these inputs' settings.
    fn options(&self, out: PathBuf) -> Options {
        let mut options = Options::new(out);
        options.fields = self.fields();
        options.publisher = self.publisher.clone();
        options.walk = self.walk();
        options
    }

    fn walk(&self) -> WalkOptions {
        WalkOptions {
            hidden: self.hidden,
            include: self.include.clone(),
            exclude: self.exclude.clone(),
        }
    }
}

fn strip(args: StripArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    if args.dry_run {
        let diff_args = DiffArgs {
            paths: args.paths,
            rules: args.rules,
            input: args.input,
            color: ColorArg::Auto,
            publishers: false,
        };
        return diff(diff_args, out, err);
    }
    if args.world_size == 0 || args.rank >= args.world_size {
        writeln!(
            err,
            "chaff: --rank must be below --world-size (got rank {} of {})",
            args.rank, args.world_size
        )?;
        return Ok(EXIT_USAGE);
    }
    if !(0.0..=1.0).contains(&args.budget) {
        writeln!(
            err,
            "chaff: --budget is a share between 0 and 1, not {}",
            args.budget
        )?;
        return Ok(EXIT_USAGE);
    }
    let stdin = args.paths.len() == 1 && args.paths[0].as_os_str() == "-";
    if !stdin && args.paths.iter().any(|p| p.as_os_str() == "-") {
        writeln!(err, "chaff: `-` (stdin) cannot be mixed with other paths")?;
        return Ok(EXIT_USAGE);
    }
    if !stdin && args.out.is_none() {
        writeln!(
            err,
            "chaff: --out <DIR> is required (except for `-`, which writes to stdout)"
        )?;
        return Ok(EXIT_USAGE);
    }
    if stdin {
        let unsupported = [
            (args.attributes.is_some(), "--attributes"),
            (
                matches!(args.provenance, ProvenanceArg::Sidecar),
                "--provenance sidecar",
            ),
            (
                matches!(args.provenance, ProvenanceArg::Column),
                "--provenance column",
            ),
            (args.resume, "--resume"),
            (args.world_size > 1, "--rank/--world-size"),
        ];
        if let Some((_, flag)) = unsupported.iter().find(|(set, _)| *set) {
            writeln!(
                err,
                "chaff: {flag} does not apply to `-` (stdin): there are no files to name"
            )?;
            return Ok(EXIT_USAGE);
        }
    }
    let set = match load_rules(&args.rules, err) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    let stripper = Stripper::new(set)?.with_hash(args.hash.into());
    let out_dir = args.out.clone().unwrap_or_default();
    let mut options = args.input.options(out_dir.clone());
    options.mode = match args.mode {
        ModeArg::Strip => Mode::Strip,
        ModeArg::Mask => Mode::Mask,
        ModeArg::Tag => Mode::Tag,
    };
    options.provenance = match args.provenance {
        ProvenanceArg::Jsonl => ProvenanceMode::Jsonl,
        ProvenanceArg::Sidecar => ProvenanceMode::Sidecar,
        ProvenanceArg::None => ProvenanceMode::None,
        ProvenanceArg::Column => ProvenanceMode::Column,
    };
    options.records = match args.records {
        RecordsArg::All => batch::Records::All,
        RecordsArg::Edited => batch::Records::Edited,
    };
    options.row_summary = match args.row_summary {
        RowSummaryArg::Compact => batch::RowSummary::Compact,
        RowSummaryArg::Full => batch::RowSummary::Full,
        RowSummaryArg::None => batch::RowSummary::None,
    };
    // From stdin, records go somewhere only with `--out`.
    if stdin && args.out.is_none() {
        options.provenance = ProvenanceMode::None;
    }
    options.attributes = args.attributes.clone();
    options.rank = args.rank;
    options.world_size = args.world_size;
    options.resume = args.resume;
    options.budget = args.budget;
    options.budget_keep = matches!(args.budget_action, BudgetAction::Keep);
    options.jobs = args.jobs.unwrap_or(0);

    let show_progress = !args.quiet && !stdin && io::stderr().is_terminal();
    let total_bytes = if show_progress {
        Some(input_bytes(&args.paths))
    } else {
        None
    };
    let reporter = Reporter {
        err: RefCell::new(err),
        progress: total_bytes.map(Progress::new),
        warnings: !args.quiet,
    };
    let summary = if stdin {
        let stdin = io::stdin();
        let mut reader = io::BufReader::with_capacity(1 << 20, stdin.lock());
        // Another run writing this folder's provenance would be lost.
        let _lock = match (&args.out, options.provenance) {
            (Some(dir), ProvenanceMode::Jsonl) => match batch::Lock::take(dir, "strip -") {
                Ok(lock) => Some(lock),
                Err(e) => {
                    if let Some(refused) = batch::Refused::of(&e) {
                        writeln!(reporter.err.into_inner(), "chaff: {refused}")?;
                        return Ok(EXIT_USAGE);
                    }
                    return Err(e.into());
                }
            },
            _ => None,
        };
        let provenance_path = options.provenance_path();
        let mut provenance = match (&args.out, options.provenance) {
            (Some(dir), ProvenanceMode::Jsonl) => {
                std::fs::create_dir_all(dir).map_err(batch::named(dir))?;
                Some(
                    batch::AtomicFile::create(&provenance_path)
                        .map_err(batch::named(&provenance_path))?,
                )
            }
            _ => None,
        };
        // Rows go out a block at a time, unbuffered here, so that when stdout
        // closes the rows it took are known and their records kept.
        let summary = batch::strip_stream(
            &stripper,
            &options,
            &mut reader,
            &mut *out,
            provenance.as_mut().map(|p| p as &mut dyn Write),
            &reporter,
        )?;
        let recorded = provenance.is_some();
        if let Some(p) = provenance {
            p.commit().map_err(batch::named(&provenance_path))?;
        }
        // A closed stdout counts as done; with no records to account for,
        // nothing is said about it.
        if summary.closed_after.is_some() && !recorded {
            return Ok(EXIT_OK);
        }
        summary
    } else {
        match batch::strip(&stripper, &args.paths, &options, &reporter) {
            Ok(summary) => summary,
            Err(e) => {
                if let Some(refused) = batch::Refused::of(&e) {
                    let err = reporter.err.into_inner();
                    writeln!(err, "chaff: {refused}")?;
                    return Ok(EXIT_USAGE);
                }
                return Err(e.into());
            }
        }
    };
    if let Some(p) = &reporter.progress {
        p.finish();
    }
    let err = reporter.err.into_inner();
    if !args.quiet {
        let t = &summary.totals;
        let target = if stdin {
            "stdout".to_string()
        } else {
            out_dir.display().to_string()
        };
        writeln!(
            err,
            "stripped {} document{} into {target}: {} edits, {} characters removed, {} bytes read, {} over budget; {} failed ({:.2}s)",
            t.docs,
            if t.docs == 1 { "" } else { "s" },
            t.edits,
            t.chars_removed,
            t.bytes_in,
            summary.over_budget.len(),
            summary.failures.len(),
            summary.seconds,
        )?;
        if let Some(rows) = summary.closed_after {
            writeln!(
                err,
                "stdout was closed after {rows} delivered row{}; {} holds the records of those rows only",
                if rows == 1 { "" } else { "s" },
                options.provenance_path().display()
            )?;
        }
        for f in &summary.failures {
            writeln!(err, "  failed: {f}")?;
        }
    }
    Ok(if summary.ok() { EXIT_OK } else { EXIT_FAILED })
}

/// Bytes of every input file, for the progress bar.
fn input_bytes(paths: &[PathBuf]) -> u64 {
    paths
        .iter()
        .flat_map(|p| walkdir::WalkDir::new(p).into_iter().flatten())
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

fn diff(args: DiffArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let set = match load_rules(&args.rules, err) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    let stripper = Stripper::new(set)?;
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let options = args.input.options(PathBuf::new());
    let mut failures = Vec::new();
    let mut documents = 0u64;
    let mut edits = 0u64;
    let mut write_error = None;
    batch::preview(
        &stripper,
        &args.paths,
        &options,
        &mut failures,
        &mut |source, text, record| {
            documents += 1;
            if args.publishers && write_error.is_none() {
                let p = &record.publisher;
                let why = match p.resolved_by {
                    Resolution::Explicit => "given".to_string(),
                    Resolution::Domain => format!("by domain: {}", p.evidence.join("; ")),
                    Resolution::Signature => format!("by signatures: {}", p.evidence.join(", ")),
                    Resolution::Unknown => "no pack's domain or signatures".to_string(),
                };
                let id = p.id.as_deref().unwrap_or("unknown");
                if let Err(e) = writeln!(out, "{source}: publisher {id} ({why})") {
                    write_error = Some(e);
                }
            }
            for e in record.rule_edits() {
                edits += 1;
                let before = &text[..e.start];
                let line = before.matches('\n').count() + 1;
                let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
                    .chars()
                    .count()
                    + 1;
                let text = format!("{:?}", e.text);
                let shown = if color {
                    format!(
                        "\x1b[35m{source}\x1b[0m:{line}:{column}: \x1b[33m{}\x1b[0m ({}) \x1b[31m{text}\x1b[0m",
                        e.rule, e.category
                    )
                } else {
                    format!(
                        "{source}:{line}:{column}: {} ({}) {text}",
                        e.rule, e.category
                    )
                };
                if write_error.is_none()
                    && let Err(err) = writeln!(out, "{shown}")
                {
                    write_error = Some(err);
                }
            }
        },
    );
    if let Some(e) = write_error {
        return Err(e.into());
    }
    for f in &failures {
        writeln!(err, "chaff: {f}")?;
    }
    writeln!(
        err,
        "{edits} removal{} in {documents} document{}; {} failed",
        if edits == 1 { "" } else { "s" },
        if documents == 1 { "" } else { "s" },
        failures.len()
    )?;
    Ok(if failures.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

fn restore(
    folder: PathBuf,
    to: Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let report = match batch::restore::restore(&folder, to.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            writeln!(err, "chaff: {e}")?;
            let usage = batch::Refused::of(&e).is_some();
            return Ok(if usage { EXIT_USAGE } else { EXIT_FAILED });
        }
    };
    for f in &report.failures {
        writeln!(err, "chaff: {f}")?;
    }
    let verb = if to.is_some() { "restored" } else { "verified" };
    writeln!(
        out,
        "{verb} {} file{} ({} documents); {} failed",
        report.files,
        if report.files == 1 { "" } else { "s" },
        report.docs,
        report.failures.len()
    )?;
    Ok(if report.failures.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

fn lint(args: LintArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let set = match load_rules(&args.rules.all(), err) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    let findings = crate::lint::lint(&set, &crate::corpus::body());
    for f in &findings {
        writeln!(out, "{f}")?;
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == crate::lint::Severity::Error)
        .count();
    writeln!(
        out,
        "{} rules linted: {errors} errors, {} warnings",
        set.rules().len(),
        findings.len() - errors
    )?;
    let failed = errors > 0 || (args.deny_warnings && !findings.is_empty());
    Ok(if failed { EXIT_FAILED } else { EXIT_OK })
}

fn check(args: CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    if !(0.0..=1.0).contains(&args.budget) {
        writeln!(
            err,
            "chaff: --budget is a share between 0 and 1, not {}",
            args.budget
        )?;
        return Ok(EXIT_USAGE);
    }
    if args.update && args.golden.is_none() && args.baseline.is_none() {
        writeln!(err, "chaff: --update needs --golden DIR or --baseline FILE")?;
        return Ok(EXIT_USAGE);
    }
    for r in &args.report {
        if !matches!(r.extension().and_then(|e| e.to_str()), Some("md" | "json")) {
            writeln!(
                err,
                "chaff: --report {}: the name must end in .md or .json",
                r.display()
            )?;
            return Ok(EXIT_USAGE);
        }
    }
    let set = match load_rules(&args.rules, err) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    let stripper = Stripper::new(set)?;
    let mut options = args.input.options(PathBuf::new());
    options.budget = args.budget;
    let expectations = crate::check::Expectations {
        golden: args.golden.clone(),
        baseline: args.baseline.clone(),
        update: args.update,
    };
    let report = crate::check::check(
        &stripper,
        &args.paths,
        &options,
        &expectations,
        &crate::corpus::body(),
    );
    for r in &args.report {
        let text = if r.extension().is_some_and(|e| e == "md") {
            crate::report::markdown(&report, args.deny_warnings)
        } else {
            crate::report::json(&report, args.deny_warnings)
        };
        batch::write_atomic(r, text.as_bytes()).map_err(batch::named(r))?;
    }
    for f in &report.test_failures {
        writeln!(out, "rule test failed: {f}")?;
    }
    for f in &report.lint {
        writeln!(out, "{f}")?;
    }
    for f in &report.failures {
        writeln!(err, "chaff: {f}")?;
    }
    for d in &report.drift {
        writeln!(out, "drift: {d}")?;
    }
    for u in &report.updated {
        writeln!(out, "updated {u}")?;
    }
    let passed = report.passed(args.deny_warnings);
    writeln!(
        out,
        "check {}: {} rules ({} examples, {} failed), {} lint findings, {} documents, {} over budget, {} never fired, {} drift",
        if passed { "passed" } else { "FAILED" },
        report.rule_count,
        report.examples,
        report.test_failures.len(),
        report.lint.len(),
        report.documents,
        report.over_budget.len(),
        report.never_fired().len(),
        report.drift.len()
    )?;
    Ok(if passed { EXIT_OK } else { EXIT_FAILED })
}

#[derive(Args, Debug)]
struct EvalArgs {
    /// Annotations: `{ID: {"url", "boilerplate": [...], "keep": [...], "publisher"?, "lang"?}}`.
    #[arg(long, value_name = "GOLD.json")]
    annotations: PathBuf,
    /// The corpus to strip (files or folders); ids are the rows' `id` or the
    /// text files' paths relative to the folder given.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    input: InputArgs,
    /// Fail (exit 1) when the overall boilerplate recall is below R.
    #[arg(long, value_name = "R")]
    min_recall: Option<f64>,
    /// Fail (exit 1) when the overall keep rate is below K.
    #[arg(long, value_name = "K", default_value_t = 1.0)]
    min_keep: f64,
    /// Write a report: `.md` for Markdown, `.json` for data (repeatable).
    #[arg(long, value_name = "FILE")]
    report: Vec<PathBuf>,
    /// Misses to print (the reports list them all).
    #[arg(long, value_name = "N", default_value_t = 10)]
    show: usize,
}

fn eval(args: EvalArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    for (name, v) in [
        ("--min-recall", args.min_recall),
        ("--min-keep", Some(args.min_keep)),
    ] {
        if let Some(v) = v.filter(|v| !(0.0..=1.0).contains(v)) {
            writeln!(err, "chaff: {name} is a share between 0 and 1, not {v}")?;
            return Ok(EXIT_USAGE);
        }
    }
    if let Some(r) = args
        .report
        .iter()
        .find(|r| !matches!(r.extension().and_then(|e| e.to_str()), Some("md" | "json")))
    {
        writeln!(
            err,
            "chaff: --report {}: the name must end in .md or .json",
            r.display()
        )?;
        return Ok(EXIT_USAGE);
    }
    let annotations = match crate::eval::load_annotations(&args.annotations) {
        Ok(a) => a,
        Err(e) => {
            writeln!(err, "chaff: {e}")?;
            return Ok(EXIT_USAGE);
        }
    };
    let set = match load_rules(&args.rules, err) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    let stripper = Stripper::new(set)?;
    let gates = crate::eval::Gates {
        min_recall: args.min_recall,
        min_keep: args.min_keep,
    };
    let file = args.annotations.display().to_string();
    let options = args.input.options(PathBuf::new());
    let report = crate::eval::eval(
        &stripper,
        &args.paths,
        &options,
        &annotations,
        &file,
        &gates,
    );
    for r in &args.report {
        let text = if r.extension().is_some_and(|e| e == "md") {
            crate::eval::report::markdown(&report)
        } else {
            crate::eval::report::json(&report)
        };
        batch::write_atomic(r, text.as_bytes())?;
    }
    for f in &report.failures {
        writeln!(err, "chaff: {f}")?;
    }
    for e in &report.errors {
        writeln!(err, "chaff: {file}: {}: {}", e.id, e.message)?;
    }
    out.write_all(crate::eval::report::terminal(&report, args.show).as_bytes())?;
    Ok(if !report.errors.is_empty() {
        EXIT_USAGE
    } else if !report.passed() || !report.failures.is_empty() {
        EXIT_FAILED
    } else {
        EXIT_OK
    })
}

#[derive(Args, Debug)]
struct SuggestArgs {
    /// Files or folders to read (folders are walked recursively, sorted).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    input: InputArgs,
    /// The fewest documents of one group a text must recur in.
    #[arg(long, value_name = "N", default_value_t = 5)]
    min_docs: u64,
    /// Write the draft rule pack here (`FILE.toml`, or a folder for one pack
    /// per group); without it only the summary is printed.
    #[arg(long, short, value_name = "FILE.toml")]
    out: Option<PathBuf>,
    /// JSONL field that groups documents of no known publisher (before the
    /// URL's domain and the folder).
    #[arg(long, value_name = "FIELD")]
    group_by: Option<String>,
    /// Worker threads (default: all cores); the result is the same for any N.
    #[arg(long, short, value_name = "N")]
    jobs: Option<usize>,
}

fn suggest(args: SuggestArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    if args.min_docs < 2 {
        writeln!(err, "chaff: --min-docs must be at least 2")?;
        return Ok(EXIT_USAGE);
    }
    let set = match load_rules(&args.rules, err) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    // The drafts are checked together with the rules they add to.
    let mut sources = if args.rules.no_builtin {
        Vec::new()
    } else {
        rules::builtin_sources()
    };
    sources.extend(rules::read_sources(&args.rules.rules).0);
    let stripper = Stripper::new(set)?;
    let options = crate::suggest::Options {
        min_docs: args.min_docs,
        publisher: args.input.publisher.clone(),
        group_by: args.group_by.clone(),
        fields: args.input.fields(),
        walk: args.input.walk(),
        jobs: args.jobs.unwrap_or(0),
        ..crate::suggest::Options::default()
    };
    // Every input is read twice.
    let progress = io::stderr()
        .is_terminal()
        .then(|| Progress::new(2 * input_bytes(&args.paths)));
    let reporter = Reporter {
        err: RefCell::new(err),
        progress,
        warnings: true,
    };
    let report = crate::suggest::suggest(&stripper, &sources, &args.paths, &options, &reporter)?;
    if let Some(p) = &reporter.progress {
        p.finish();
    }
    let written = match &args.out {
        Some(path) => report.write(path)?,
        None => Vec::new(),
    };
    out.write_all(report.summary().as_bytes())?;
    for path in &written {
        writeln!(out, "wrote {}", path.display())?;
    }
    if args.out.is_none() && !report.drafts.is_empty() {
        writeln!(
            out,
            "(nothing written: give --out FILE.toml to write the draft)"
        )?;
    }
    Ok(if report.failures.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

fn generate_rules(args: GenerateRulesArgs, err: &mut dyn Write) -> anyhow::Result<i32> {
    if args.count > generate::MAX_RULES {
        writeln!(
            err,
            "chaff: --count is at most {} (anchors end with a unique six-digit code), not {}",
            generate::MAX_RULES,
            args.count
        )?;
        return Ok(EXIT_USAGE);
    }
    let started = std::time::Instant::now();
    let mut file = batch::AtomicFile::create(&args.out)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.out.display()))?;
    generate::write_synthetic_pack(&mut file, args.count, args.seed)?;
    file.commit()
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.out.display()))?;
    writeln!(
        err,
        "wrote {} synthetic rule{} (seed {:#x}) to {} ({:.2}s)",
        args.count,
        if args.count == 1 { "" } else { "s" },
        args.seed,
        args.out.display(),
        started.elapsed().as_secs_f64()
    )?;
    Ok(EXIT_OK)
}

fn generate_corpus(args: GenerateCorpusArgs, err: &mut dyn Write) -> anyhow::Result<i32> {
    if !(0.0..=1.0).contains(&args.share) {
        writeln!(
            err,
            "chaff: --share is a share between 0 and 1, not {}",
            args.share
        )?;
        return Ok(EXIT_USAGE);
    }
    let generator = generate::Generator::new(&RuleSet::builtin(), args.seed, args.share)?;
    let catalogue = generator.catalogue();
    let skipped = catalogue.skipped();
    writeln!(
        err,
        "planting {} of the {} built-in strip examples ({} publishers){}",
        catalogue.plants().len(),
        catalogue.examples(),
        catalogue.publishers().len(),
        match (skipped.len(), args.verbose) {
            (0, _) => String::new(),
            (n, true) => format!("; {n} skipped:"),
            (n, false) => format!("; {n} skipped (--verbose lists them)"),
        }
    )?;
    if args.verbose {
        for s in skipped {
            writeln!(err, "  {} strip[{}]: {}", s.rule, s.example, s.reason)?;
        }
    }
    let options = generate::CorpusOptions {
        size: args.size,
        format: match args.format {
            GenerateFormat::Text => generate::Format::Text,
            GenerateFormat::Jsonl => generate::Format::Jsonl,
        },
        shard_size: args.shard_size,
        expect: args.expect.clone(),
    };
    let progress = io::stderr().is_terminal().then(|| Progress::new(args.size));
    let summary = generate::write_corpus(&generator, &args.out, &options, &mut |s| {
        if let Some(p) = &progress {
            p.set(s.documents, s.bytes);
        }
    });
    if let Some(p) = &progress {
        p.finish();
    }
    let summary = match summary {
        Ok(s) => s,
        Err(e @ (generate::Error::NotEmpty { .. } | generate::Error::ExpectOverlaps { .. })) => {
            writeln!(err, "chaff: {e}")?;
            return Ok(EXIT_USAGE);
        }
        Err(e) => return Err(e.into()),
    };
    let kinds: Vec<String> = generate::Kind::ALL
        .iter()
        .zip(summary.plants_by_kind)
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{n} {}", k.as_str()))
        .collect();
    writeln!(
        err,
        "generated {} documents, {} bytes in {} files into {}: {} with boilerplate ({} plants{}); {:.2}s, {:.0} MB/s",
        summary.documents,
        summary.bytes,
        summary.files,
        args.out.display(),
        summary.planted_documents,
        summary.plants,
        if kinds.is_empty() {
            String::new()
        } else {
            format!(": {}", kinds.join(", "))
        },
        summary.seconds,
        summary.bytes as f64 / summary.seconds.max(1e-9) / 1e6,
    )?;
    Ok(EXIT_OK)
}
