//! The raw arguments: what clap parses, flag for flag, before anything is
//! checked or defaulted beyond what clap does. [`super::plan`] turns them
//! into plans.

use crate::generate;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "chaff",
    version,
    about = "Strips publisher boilerplate from extracted news text and records exactly what it removed."
)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
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
pub(super) enum GenerateCommand {
    /// Write a common rule pack of N synthetic line rules (rule i is the
    /// same in every pack, so small packs are prefixes of big ones).
    Rules(GenerateRulesArgs),
    /// Write a news-like corpus (text tree or JSONL shards) in which a share
    /// of the documents carry the built-in rules' strip examples.
    Corpus(GenerateCorpusArgs),
}

#[derive(Args, Debug)]
pub(super) struct GenerateRulesArgs {
    /// The rule file to write.
    #[arg(value_name = "OUT.toml")]
    pub(super) out: PathBuf,
    /// How many rules (at most 1,000,000).
    #[arg(long, value_name = "N")]
    pub(super) count: usize,
    /// Seed of the anchor phrases.
    #[arg(long, value_name = "S", value_parser = generate::parse_seed, default_value = "0x5eedc4a5f00d2024")]
    pub(super) seed: u64,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum GenerateFormat {
    /// One `.txt` file per document, in folders of 1000: OUT_DIR/NNN/NNNNNN.txt.
    Text,
    /// JSONL shards: OUT_DIR/shard-NNNNN.jsonl.
    Jsonl,
}

#[derive(Args, Debug)]
pub(super) struct GenerateCorpusArgs {
    /// The corpus folder (new or empty); it receives documents only.
    #[arg(value_name = "OUT_DIR")]
    pub(super) out: PathBuf,
    /// Stop once the corpus holds this many bytes: 200M, 1G (powers of 1024) or 1GB (of 1000).
    #[arg(long, value_name = "SIZE", value_parser = generate::parse_size)]
    pub(super) size: u64,
    /// Text files or JSONL shards.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub(super) format: GenerateFormat,
    /// Seed; the same arguments always give the same bytes.
    #[arg(long, value_name = "S", value_parser = generate::parse_seed, default_value_t = generate::DEFAULT_CORPUS_SEED)]
    pub(super) seed: u64,
    /// Share of documents (0 to 1) with planted boilerplate.
    #[arg(long, value_name = "SHARE", default_value_t = 0.5)]
    pub(super) share: f64,
    /// Start a new JSONL shard once one holds this many bytes.
    #[arg(long, value_name = "SIZE", value_parser = generate::parse_size, default_value = "64M")]
    pub(super) shard_size: u64,
    /// Also write the expected clean documents into this folder (outside
    /// OUT_DIR), in the same layout; chaff's output equals them up to white space.
    #[arg(long, value_name = "DIR")]
    pub(super) expect: Option<PathBuf>,
    /// List the built-in strip examples that are not planted, and why.
    #[arg(long, short)]
    pub(super) verbose: bool,
}

#[derive(Args, Debug, Clone)]
pub(super) struct RuleArgs {
    /// Rule file or folder to load (repeatable); added to the built-in rules.
    #[arg(long = "rules", value_name = "PATH")]
    pub(super) rules: Vec<PathBuf>,
    /// Do not load the built-in rules.
    #[arg(long)]
    pub(super) no_builtin: bool,
}

#[derive(Args, Debug, Clone)]
pub(super) struct RuleFileArgs {
    /// Rule files or folders to load, besides the built-in rules.
    #[arg(value_name = "RULES")]
    pub(super) files: Vec<PathBuf>,
    #[command(flatten)]
    pub(super) rules: RuleArgs,
}

#[derive(Args, Debug)]
pub(super) struct LintArgs {
    #[command(flatten)]
    pub(super) rules: RuleFileArgs,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub(super) deny_warnings: bool,
}

#[derive(Args, Debug)]
pub(super) struct CheckArgs {
    /// The corpus to strip (files or folders).
    #[arg(value_name = "PATH", default_value = "corpus")]
    pub(super) paths: Vec<PathBuf>,
    #[command(flatten)]
    pub(super) rules: RuleArgs,
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// Folder of golden clean texts to compare with (`NAME.clean.txt` per `NAME.txt`).
    #[arg(long, value_name = "DIR")]
    pub(super) golden: Option<PathBuf>,
    /// Baseline of per-rule hit counts to compare with (JSON).
    #[arg(long, value_name = "FILE")]
    pub(super) baseline: Option<PathBuf>,
    /// Write the golden texts / baseline from this run instead of comparing.
    #[arg(long)]
    pub(super) update: bool,
    /// Write a report: `.md` for Markdown (a CI job summary), `.json` for data (repeatable).
    #[arg(long, value_name = "FILE")]
    pub(super) report: Vec<PathBuf>,
    /// Largest share of a document's characters that may be removed before it is flagged.
    #[arg(long, value_name = "SHARE", default_value_t = 0.5)]
    pub(super) budget: f64,
    /// Fail on lint warnings too.
    #[arg(long)]
    pub(super) deny_warnings: bool,
}

#[derive(Args, Debug)]
pub(super) struct RulesArgs {
    #[command(flatten)]
    pub(super) rules: RuleArgs,
    /// Print one JSON array instead of a table.
    #[arg(long)]
    pub(super) json: bool,
}

#[derive(Args, Debug, Clone)]
pub(super) struct InputArgs {
    /// Publisher id for every document (overrides metadata, URL and signatures).
    #[arg(long, value_name = "ID")]
    pub(super) publisher: Option<String>,
    /// Include hidden files and folders.
    #[arg(long)]
    pub(super) hidden: bool,
    /// Only read files whose path (relative to the folder given) matches this glob (repeatable).
    #[arg(long, value_name = "GLOB", value_parser = parse_glob)]
    pub(super) include: Vec<String>,
    /// Skip files and folders whose relative path matches this glob (repeatable).
    #[arg(long, value_name = "GLOB", value_parser = parse_glob)]
    pub(super) exclude: Vec<String>,
    /// JSONL field (Parquet column) holding the text.
    #[arg(long, value_name = "NAME", default_value = "text")]
    pub(super) text_field: String,
    /// JSONL field (Parquet column) holding the document id.
    #[arg(long, value_name = "NAME", default_value = "id")]
    pub(super) id_field: String,
    /// JSONL field (Parquet column) holding the URL (repeatable; dotted paths look inside objects, or struct columns).
    #[arg(long, value_name = "NAME")]
    pub(super) url_field: Vec<String>,
    /// JSONL field (Parquet column) holding the publisher id (repeatable).
    #[arg(long, value_name = "NAME")]
    pub(super) publisher_field: Vec<String>,
}

/// A codec's range of levels, as clap's ranged parsers take it.
fn levels<T: Copy + Into<i64>>(
    range: &std::ops::RangeInclusive<T>,
) -> std::ops::RangeInclusive<i64> {
    (*range.start()).into()..=(*range.end()).into()
}

/// Checks a glob when the arguments are parsed, so a bad one is a usage error.
fn parse_glob(pattern: &str) -> Result<String, String> {
    globset::Glob::new(pattern)
        .map(|_| pattern.to_string())
        .map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum ModeArg {
    Strip,
    Mask,
    Tag,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum HashArg {
    Blake3,
    Sha256,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum ProvenanceArg {
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
pub(super) enum RecordsArg {
    /// Every document.
    All,
    /// Only documents something was removed from; the others are written as they were.
    Edited,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum RecordsCompressionArg {
    /// zstd when some input is compressed (`.gz`, `.zst`, Parquet), else plain.
    Auto,
    /// `provenance.jsonl.zst` and `.prov.jsonl.zst` sidecars.
    Zstd,
    /// Plain JSONL.
    None,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum RowSummaryArg {
    /// `edits` and `chars_removed`.
    Compact,
    /// Also `rules_digest` and `mode`.
    Full,
    /// Nothing: `metadata` stays as it was.
    None,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum BudgetAction {
    /// Strip it anyway (it is flagged in the summary and manifest).
    Strip,
    /// Leave it unstripped (its record still lists what would go).
    Keep,
}

#[derive(Args, Debug)]
pub(super) struct StripArgs {
    /// Files or folders to strip (folders are walked recursively, sorted); `-` for JSONL on stdin.
    #[arg(required = true, value_name = "PATH")]
    pub(super) paths: Vec<PathBuf>,
    /// Output folder: clean files, provenance and `_manifest.json` (required
    /// unless the input is `-` or with `--dry-run`; with `-` it only gets the
    /// provenance).
    #[arg(long, short, value_name = "DIR")]
    pub(super) out: Option<PathBuf>,
    #[command(flatten)]
    pub(super) rules: RuleArgs,
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// strip removes; mask replaces each removed span with `[chaff:RULE]`;
    /// tag leaves the text as it is and only records.
    #[arg(long, value_enum, default_value = "strip")]
    pub(super) mode: ModeArg,
    /// Where provenance records go.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub(super) provenance: ProvenanceArg,
    /// Which documents get a provenance record.
    #[arg(long, value_enum, default_value = "all")]
    pub(super) records: RecordsArg,
    /// What each JSONL output row says of its stripping in `metadata.chaff`.
    #[arg(long, value_enum, default_value = "compact")]
    pub(super) row_summary: RowSummaryArg,
    /// Whether provenance.jsonl and the shards' sidecars are compressed with zstd.
    #[arg(long, value_enum, default_value = "auto")]
    pub(super) records_compression: RecordsCompressionArg,
    /// gzip level of `.gz` outputs, 0 (stored) to 9 (smallest).
    #[arg(long, value_name = "N", default_value_t = crate::compress::GZIP_LEVEL,
          value_parser = clap::value_parser!(u32).range(levels(&crate::compress::GZIP_LEVELS)))]
    pub(super) gzip_level: u32,
    /// zstd level of `.zst` outputs and compressed records, 1 (fastest) to 22 (smallest).
    #[arg(long, value_name = "N", default_value_t = crate::compress::ZSTD_LEVEL,
          value_parser = clap::value_parser!(i32).range(levels(&crate::compress::ZSTD_LEVELS)))]
    pub(super) zstd_level: i32,
    /// Hash function of the records' and the manifest's input and output
    /// hashes (written as `blake3:…` or `sha256:…`).
    #[arg(long, value_enum, default_value = "blake3")]
    pub(super) hash: HashArg,
    /// Also write Dolma attribute files under OUT/attributes/NAME/.
    #[arg(long, value_name = "NAME")]
    pub(super) attributes: Option<String>,
    /// Worker threads (default: all cores); the output is the same for any N.
    #[arg(long, short, value_name = "N")]
    pub(super) jobs: Option<usize>,
    /// This run's rank: it takes sorted(files)[RANK::WORLD_SIZE].
    #[arg(long, value_name = "R", default_value_t = 0, requires = "world_size")]
    pub(super) rank: usize,
    /// How many runs split the corpus.
    #[arg(long, value_name = "W", default_value_t = 1)]
    pub(super) world_size: usize,
    /// Skip inputs unchanged since an earlier run into OUT with the same rules and options.
    #[arg(long)]
    pub(super) resume: bool,
    /// Show what would be removed instead of writing anything.
    #[arg(long)]
    pub(super) dry_run: bool,
    /// Largest share of a document's characters that may be removed before it is flagged.
    #[arg(long, value_name = "SHARE", default_value_t = 0.5)]
    pub(super) budget: f64,
    /// What to do with a document over the budget.
    #[arg(long, value_enum, default_value = "strip")]
    pub(super) budget_action: BudgetAction,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub(super) quiet: bool,
}

#[derive(Args, Debug)]
pub(super) struct DiffArgs {
    /// Files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub(super) paths: Vec<PathBuf>,
    #[command(flatten)]
    pub(super) rules: RuleArgs,
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// Colour: auto (on a terminal), always or never.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub(super) color: ColorArg,
    /// Also print, for each document, its publisher and why it was chosen.
    #[arg(long)]
    pub(super) publishers: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub(super) struct RestoreArgs {
    /// An output folder of `chaff strip`.
    #[arg(value_name = "OUT")]
    pub(super) out: PathBuf,
    /// Where to write the rebuilt corpus.
    #[arg(long, value_name = "DIR")]
    pub(super) to: PathBuf,
}

#[derive(Args, Debug)]
pub(super) struct VerifyArgs {
    /// An output folder of `chaff strip`.
    #[arg(value_name = "OUT")]
    pub(super) out: PathBuf,
}

#[derive(Args, Debug)]
pub(super) struct EvalArgs {
    /// Annotations: `{ID: {"url", "boilerplate": [...], "keep": [...], "publisher"?, "lang"?}}`.
    #[arg(long, value_name = "GOLD.json")]
    pub(super) annotations: PathBuf,
    /// The corpus to strip (files or folders); ids are the rows' `id` or the
    /// text files' paths relative to the folder given.
    #[arg(required = true, value_name = "PATH")]
    pub(super) paths: Vec<PathBuf>,
    #[command(flatten)]
    pub(super) rules: RuleArgs,
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// Fail (exit 1) when the overall boilerplate recall is below R.
    #[arg(long, value_name = "R")]
    pub(super) min_recall: Option<f64>,
    /// Fail (exit 1) when the overall keep rate is below K.
    #[arg(long, value_name = "K", default_value_t = 1.0)]
    pub(super) min_keep: f64,
    /// Write a report: `.md` for Markdown, `.json` for data (repeatable).
    #[arg(long, value_name = "FILE")]
    pub(super) report: Vec<PathBuf>,
    /// Misses to print (the reports list them all).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub(super) show: usize,
}

#[derive(Args, Debug)]
pub(super) struct SuggestArgs {
    /// Files or folders to read (folders are walked recursively, sorted).
    #[arg(required = true, value_name = "PATH")]
    pub(super) paths: Vec<PathBuf>,
    #[command(flatten)]
    pub(super) rules: RuleArgs,
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// The fewest documents of one group a text must recur in.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub(super) min_docs: u64,
    /// Write the draft rule pack here (`FILE.toml`, or a folder for one pack
    /// per group); without it only the summary is printed.
    #[arg(long, short, value_name = "FILE.toml")]
    pub(super) out: Option<PathBuf>,
    /// JSONL field that groups documents of no known publisher (before the
    /// URL's domain and the folder).
    #[arg(long, value_name = "FIELD")]
    pub(super) group_by: Option<String>,
    /// Worker threads (default: all cores); the result is the same for any N.
    #[arg(long, short, value_name = "N")]
    pub(super) jobs: Option<usize>,
}
