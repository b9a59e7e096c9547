//! The command line: arguments → plan → a run. [`run`] is what `main`
//! calls, and what tests call in-process.
//!
//! clap parses the arguments into the raw structs of `args`, which mirror
//! the flags. `plan` checks them, once, and turns them into a plan per
//! command that holds the real options (`batch::Options`, `suggest::Options`,
//! …). Each command runs its plan in a file of its own (`strip`, `diff`,
//! `restore`, `selftest`, `lint`, `check`, `rules`, `eval`, `suggest`,
//! `generate`) and renders what it did; this is the only module that prints.
//!
//! Exit codes: 0 all done; 1 some inputs failed or a check failed; 2 usage or
//! rule errors.

mod args;
mod check;
mod diff;
mod eval;
mod generate;
mod lint;
mod plan;
mod reporter;
mod restore;
mod rules;
mod selftest;
mod strip;
mod suggest;

use crate::rules::{RuleSet, Source};
use clap::Parser;
use plan::Plan;
use std::ffi::OsString;
use std::fmt;
use std::io::{self, Write};

/// Exit code: everything done.
pub const EXIT_OK: i32 = 0;
/// Exit code: some inputs failed, or a check failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code: bad usage or bad rule files.
pub const EXIT_USAGE: i32 = 2;

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
    let cli = match args::Cli::try_parse_from(args) {
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
    let result = match Plan::new(cli.command) {
        Ok(plan) => execute(plan, out, err),
        Err(usage) => refuse(err, usage),
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => EXIT_OK,
        Err(e) => match e.downcast_ref::<Exit>() {
            Some(Exit(code)) => *code,
            None => {
                let _ = writeln!(err, "chaff: {e:#}");
                EXIT_FAILED
            }
        },
    }
}

/// Runs the command `plan` is for.
fn execute(plan: Plan, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    match plan {
        Plan::Strip(plan) => strip::run(plan, out, err),
        Plan::Diff(plan) => diff::run(plan, out, err),
        Plan::Restore(plan) => restore::run(plan, out, err),
        Plan::Test(plan) => selftest::run(plan, out, err),
        Plan::Lint(plan) => lint::run(plan, out, err),
        Plan::Check(plan) => check::run(plan, out, err),
        Plan::Rules(plan) => rules::run(plan, out, err),
        Plan::Eval(plan) => eval::run(plan, out, err),
        Plan::Suggest(plan) => suggest::run(plan, out, err),
        Plan::GenerateRules(plan) => generate::rules(plan, err),
        Plan::GenerateCorpus(plan) => generate::corpus(plan, err),
    }
}

/// Prints `chaff: WHY` and gives the usage exit code.
fn refuse(err: &mut dyn Write, why: impl fmt::Display) -> anyhow::Result<i32> {
    writeln!(err, "chaff: {why}")?;
    Ok(EXIT_USAGE)
}

/// A run that stops with this exit code, what went wrong already printed.
#[derive(Debug)]
struct Exit(i32);

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exit code {}", self.0)
    }
}

impl std::error::Error for Exit {}

impl plan::Rules {
    /// The rule set these rules make, or every problem printed and an
    /// [`Exit`] with the usage code.
    fn load(&self, err: &mut dyn Write) -> anyhow::Result<RuleSet> {
        self.load_with_sources(err).map(|(set, _)| set)
    }

    /// [`plan::Rules::load`], with the sources the set was compiled from.
    fn load_with_sources(&self, err: &mut dyn Write) -> anyhow::Result<(RuleSet, Vec<Source>)> {
        RuleSet::load_with_sources(self.builtin, &self.paths).map_err(|e| {
            let _ = writeln!(err, "{e}");
            Exit(EXIT_USAGE).into()
        })
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
