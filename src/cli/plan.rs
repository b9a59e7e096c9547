//! The plans: the raw arguments of [`super::args`], checked once and turned
//! into what each command runs. Every check of a flag's value, or of flags
//! together, is here; a command gets a plan that holds the options of the
//! library (`batch::Options`, `suggest::Options`, …) and never looks at a
//! flag again. What needs the disk (rule files, annotations) is read when
//! the command runs.

use super::args::{
    self, BudgetAction, ColorArg, Command, GenerateCommand, GenerateFormat, HashArg, InputArgs,
    ModeArg, ProvenanceArg, RecordsArg, RecordsCompressionArg, RowSummaryArg, RuleArgs,
};
use crate::batch::{self, FieldNames, Options, ProvenanceMode, WalkOptions};
use crate::generate::{self, CorpusOptions};
use crate::provenance::{HashKind, Mode};
use std::fmt;
use std::io::{self, IsTerminal};
use std::path::PathBuf;

/// A usage error found in the arguments; `run` prints it as `chaff: …`
/// and exits with the usage code.
#[derive(Debug)]
pub(super) struct Usage(String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What to run: one command's plan.
pub(super) enum Plan {
    Strip(Strip),
    Diff(Diff),
    Restore(Restore),
    Test(Rules),
    Lint(Lint),
    Check(Check),
    Rules(ListRules),
    Eval(Eval),
    Suggest(Suggest),
    GenerateRules(GenerateRules),
    GenerateCorpus(GenerateCorpus),
}

impl Plan {
    /// Checks the arguments of `command`, in the order the flags' problems
    /// are reported, and plans it.
    pub(super) fn new(command: Command) -> Result<Plan, Usage> {
        Ok(match command {
            Command::Strip(args) if args.dry_run => Plan::Diff(Diff::new(
                args.paths,
                args.rules,
                &args.input,
                ColorArg::Auto,
                false,
            )),
            Command::Strip(args) => Plan::Strip(Strip::new(args)?),
            Command::Diff(args) => Plan::Diff(Diff::new(
                args.paths,
                args.rules,
                &args.input,
                args.color,
                args.publishers,
            )),
            Command::Restore(args) => Plan::Restore(Restore {
                folder: args.out,
                to: Some(args.to),
            }),
            Command::Verify(args) => Plan::Restore(Restore {
                folder: args.out,
                to: None,
            }),
            Command::Test(args) => Plan::Test(args.into()),
            Command::Lint(args) => Plan::Lint(Lint {
                rules: args.rules.into(),
                deny_warnings: args.deny_warnings,
            }),
            Command::Check(args) => Plan::Check(Check::new(args)?),
            Command::Rules(args) => Plan::Rules(ListRules {
                rules: args.rules.into(),
                json: args.json,
            }),
            Command::Eval(args) => Plan::Eval(Eval::new(args)?),
            Command::Suggest(args) => Plan::Suggest(Suggest::new(args)?),
            Command::Generate(GenerateCommand::Rules(args)) => {
                Plan::GenerateRules(GenerateRules::new(args)?)
            }
            Command::Generate(GenerateCommand::Corpus(args)) => {
                Plan::GenerateCorpus(GenerateCorpus::new(args)?)
            }
        })
    }
}

/// The rules to load: the built-in packs or not, and rule files or folders.
pub(super) struct Rules {
    /// Load the built-in packs first.
    pub(super) builtin: bool,
    /// Rule files or folders, in the order given.
    pub(super) paths: Vec<PathBuf>,
}

impl From<RuleArgs> for Rules {
    fn from(args: RuleArgs) -> Rules {
        Rules {
            builtin: !args.no_builtin,
            paths: args.rules,
        }
    }
}

impl From<args::RuleFileArgs> for Rules {
    /// The `--rules` paths, then the positional ones.
    fn from(args: args::RuleFileArgs) -> Rules {
        let mut rules = Rules::from(args.rules);
        rules.paths.extend(args.files);
        rules
    }
}

/// `chaff strip` (not `--dry-run`, which is a [`Diff`]).
pub(super) struct Strip {
    pub(super) rules: Rules,
    pub(super) hash: HashKind,
    /// The inputs; just `-` when [`Strip::stdin`].
    pub(super) paths: Vec<PathBuf>,
    /// JSONL comes on stdin and goes to stdout.
    pub(super) stdin: bool,
    /// `--out`, which from stdin only receives the provenance.
    pub(super) out: Option<PathBuf>,
    /// Everything else the batch needs; its `out` is `--out` or empty.
    pub(super) options: Options,
    pub(super) quiet: bool,
}

impl Strip {
    fn new(args: args::StripArgs) -> Result<Strip, Usage> {
        if args.world_size == 0 || args.rank >= args.world_size {
            return Err(Usage(format!(
                "--rank must be below --world-size (got rank {} of {})",
                args.rank, args.world_size
            )));
        }
        let budget = share("--budget", args.budget)?;
        let stdin = args.paths.len() == 1 && args.paths[0].as_os_str() == "-";
        if !stdin && args.paths.iter().any(|p| p.as_os_str() == "-") {
            return Err(Usage(
                "`-` (stdin) cannot be mixed with other paths".to_string(),
            ));
        }
        if !stdin && args.out.is_none() {
            return Err(Usage(
                "--out <DIR> is required (except for `-`, which writes to stdout)".to_string(),
            ));
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
                return Err(Usage(format!(
                    "{flag} does not apply to `-` (stdin): there are no files to name"
                )));
            }
        }
        let mut options = args.input.options(args.out.clone().unwrap_or_default());
        options.mode = match args.mode {
            ModeArg::Strip => Mode::Strip,
            ModeArg::Mask => Mode::Mask,
            ModeArg::Tag => Mode::Tag,
        };
        options.provenance = match args.provenance {
            // From stdin, records go somewhere only with `--out`.
            _ if stdin && args.out.is_none() => ProvenanceMode::None,
            ProvenanceArg::Jsonl => ProvenanceMode::Jsonl,
            ProvenanceArg::Sidecar => ProvenanceMode::Sidecar,
            ProvenanceArg::None => ProvenanceMode::None,
            ProvenanceArg::Column => ProvenanceMode::Column,
        };
        options.records = match args.records {
            RecordsArg::All => batch::Records::All,
            RecordsArg::Edited => batch::Records::Edited,
        };
        options.records_compression = match args.records_compression {
            // Rows from stdin are read as plain JSONL.
            RecordsCompressionArg::Auto if stdin => batch::RecordsCompression::None,
            RecordsCompressionArg::Auto => batch::RecordsCompression::Auto,
            RecordsCompressionArg::Zstd => batch::RecordsCompression::Zstd,
            RecordsCompressionArg::None => batch::RecordsCompression::None,
        };
        options.levels = crate::compress::Levels {
            gzip: args.gzip_level,
            zstd: args.zstd_level,
        };
        options.row_summary = match args.row_summary {
            RowSummaryArg::Compact => batch::RowSummary::Compact,
            RowSummaryArg::Full => batch::RowSummary::Full,
            RowSummaryArg::None => batch::RowSummary::None,
        };
        options.attributes = args.attributes;
        options.rank = args.rank;
        options.world_size = args.world_size;
        options.resume = args.resume;
        options.budget = budget;
        options.budget_keep = matches!(args.budget_action, BudgetAction::Keep);
        options.jobs = args.jobs.unwrap_or(0);
        Ok(Strip {
            rules: args.rules.into(),
            hash: match args.hash {
                HashArg::Blake3 => HashKind::Blake3,
                HashArg::Sha256 => HashKind::Sha256,
            },
            paths: args.paths,
            stdin,
            out: args.out,
            options,
            quiet: args.quiet,
        })
    }
}

/// `chaff diff`, and `chaff strip --dry-run`.
pub(super) struct Diff {
    pub(super) paths: Vec<PathBuf>,
    pub(super) rules: Rules,
    pub(super) options: Options,
    /// Colour the output.
    pub(super) color: bool,
    /// Say each document's publisher and why.
    pub(super) publishers: bool,
}

impl Diff {
    fn new(
        paths: Vec<PathBuf>,
        rules: RuleArgs,
        input: &InputArgs,
        color: ColorArg,
        publishers: bool,
    ) -> Diff {
        Diff {
            paths,
            rules: rules.into(),
            options: input.options(PathBuf::new()),
            color: match color {
                ColorArg::Always => true,
                ColorArg::Never => false,
                ColorArg::Auto => {
                    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            },
            publishers,
        }
    }
}

/// `chaff restore` and `chaff verify`.
pub(super) struct Restore {
    /// The output folder of `chaff strip`.
    pub(super) folder: PathBuf,
    /// Where to rebuild the corpus; none to verify only.
    pub(super) to: Option<PathBuf>,
}

/// `chaff lint`.
pub(super) struct Lint {
    pub(super) rules: Rules,
    pub(super) deny_warnings: bool,
}

/// `chaff rules`.
pub(super) struct ListRules {
    pub(super) rules: Rules,
    pub(super) json: bool,
}

/// A report file of `check` or `eval`, its format told by its name.
pub(super) struct Report {
    pub(super) path: PathBuf,
    /// Markdown (`.md`); otherwise JSON (`.json`).
    pub(super) markdown: bool,
}

/// Reports named `.md` or `.json`; the first other name is a usage error.
fn reports(paths: Vec<PathBuf>) -> Result<Vec<Report>, Usage> {
    paths
        .into_iter()
        .map(|path| match path.extension().and_then(|e| e.to_str()) {
            Some(ext @ ("md" | "json")) => Ok(Report {
                markdown: ext == "md",
                path,
            }),
            _ => Err(Usage(format!(
                "--report {}: the name must end in .md or .json",
                path.display()
            ))),
        })
        .collect()
}

/// `value` of `flag`, which is a share between 0 and 1.
fn share(flag: &str, value: f64) -> Result<f64, Usage> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(Usage(format!(
            "{flag} is a share between 0 and 1, not {value}"
        )))
    }
}

/// `chaff check`.
pub(super) struct Check {
    pub(super) paths: Vec<PathBuf>,
    pub(super) rules: Rules,
    pub(super) options: Options,
    pub(super) expectations: crate::check::Expectations,
    pub(super) reports: Vec<Report>,
    pub(super) deny_warnings: bool,
}

impl Check {
    fn new(args: args::CheckArgs) -> Result<Check, Usage> {
        let budget = share("--budget", args.budget)?;
        if args.update && args.golden.is_none() && args.baseline.is_none() {
            return Err(Usage(
                "--update needs --golden DIR or --baseline FILE".to_string(),
            ));
        }
        let reports = reports(args.report)?;
        let mut options = args.input.options(PathBuf::new());
        options.budget = budget;
        Ok(Check {
            paths: args.paths,
            rules: args.rules.into(),
            options,
            expectations: crate::check::Expectations {
                golden: args.golden,
                baseline: args.baseline,
                update: args.update,
            },
            reports,
            deny_warnings: args.deny_warnings,
        })
    }
}

/// `chaff eval`.
pub(super) struct Eval {
    /// The annotations file, read when the command runs.
    pub(super) annotations: PathBuf,
    pub(super) paths: Vec<PathBuf>,
    pub(super) rules: Rules,
    pub(super) options: Options,
    pub(super) gates: crate::eval::Gates,
    pub(super) reports: Vec<Report>,
    /// Misses to print.
    pub(super) show: usize,
}

impl Eval {
    fn new(args: args::EvalArgs) -> Result<Eval, Usage> {
        let min_recall = args
            .min_recall
            .map(|r| share("--min-recall", r))
            .transpose()?;
        let min_keep = share("--min-keep", args.min_keep)?;
        Ok(Eval {
            reports: reports(args.report)?,
            annotations: args.annotations,
            paths: args.paths,
            rules: args.rules.into(),
            options: args.input.options(PathBuf::new()),
            gates: crate::eval::Gates {
                min_recall,
                min_keep,
            },
            show: args.show,
        })
    }
}

/// `chaff suggest`.
pub(super) struct Suggest {
    pub(super) paths: Vec<PathBuf>,
    pub(super) rules: Rules,
    pub(super) options: crate::suggest::Options,
    /// Where the drafts go; none to print the summary only.
    pub(super) out: Option<PathBuf>,
}

impl Suggest {
    fn new(args: args::SuggestArgs) -> Result<Suggest, Usage> {
        if args.min_docs < 2 {
            return Err(Usage("--min-docs must be at least 2".to_string()));
        }
        Ok(Suggest {
            options: crate::suggest::Options {
                min_docs: args.min_docs,
                fields: args.input.fields(),
                walk: args.input.walk(),
                publisher: args.input.publisher,
                group_by: args.group_by,
                jobs: args.jobs.unwrap_or(0),
                ..crate::suggest::Options::default()
            },
            paths: args.paths,
            rules: args.rules.into(),
            out: args.out,
        })
    }
}

/// `chaff generate rules`.
pub(super) struct GenerateRules {
    pub(super) out: PathBuf,
    pub(super) count: usize,
    pub(super) seed: u64,
}

impl GenerateRules {
    fn new(args: args::GenerateRulesArgs) -> Result<GenerateRules, Usage> {
        if args.count > generate::MAX_RULES {
            return Err(Usage(format!(
                "--count is at most {} (anchors end with a unique six-digit code), not {}",
                generate::MAX_RULES,
                args.count
            )));
        }
        Ok(GenerateRules {
            out: args.out,
            count: args.count,
            seed: args.seed,
        })
    }
}

/// `chaff generate corpus`.
pub(super) struct GenerateCorpus {
    pub(super) out: PathBuf,
    pub(super) seed: u64,
    /// Share of documents with planted boilerplate.
    pub(super) share: f64,
    pub(super) options: CorpusOptions,
    /// List the examples that are not planted.
    pub(super) verbose: bool,
}

impl GenerateCorpus {
    fn new(args: args::GenerateCorpusArgs) -> Result<GenerateCorpus, Usage> {
        Ok(GenerateCorpus {
            share: share("--share", args.share)?,
            out: args.out,
            seed: args.seed,
            options: CorpusOptions {
                size: args.size,
                format: match args.format {
                    GenerateFormat::Text => generate::Format::Text,
                    GenerateFormat::Jsonl => generate::Format::Jsonl,
                },
                shard_size: args.shard_size,
                expect: args.expect,
            },
            verbose: args.verbose,
        })
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
