//! `chaff suggest`: draft rules for boilerplate that recurs across a
//! corpus and no loaded rule removes; the summary, and the drafts written.

use super::plan::Suggest;
use super::reporter::{Reporter, input_bytes};
use super::{EXIT_FAILED, EXIT_OK};
use crate::engine::Stripper;
use crate::progress::Progress;
use std::cell::RefCell;
use std::io::{self, IsTerminal, Write};

/// Runs `plan`.
pub(super) fn run(plan: Suggest, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    // The drafts are checked together with the rules they add to.
    let (set, sources) = plan.rules.load_with_sources(err)?;
    let stripper = Stripper::new(set)?;
    // Every input is read twice.
    let progress = io::stderr()
        .is_terminal()
        .then(|| Progress::new(2 * input_bytes(&plan.paths)));
    let reporter = Reporter {
        err: RefCell::new(err),
        progress,
        warnings: true,
    };
    let report =
        crate::suggest::suggest(&stripper, &sources, &plan.paths, &plan.options, &reporter)?;
    if let Some(p) = &reporter.progress {
        p.finish();
    }
    let written = match &plan.out {
        Some(path) => report.write(path)?,
        None => Vec::new(),
    };
    out.write_all(report.summary().as_bytes())?;
    for path in &written {
        writeln!(out, "wrote {}", path.display())?;
    }
    if plan.out.is_none() && !report.drafts.is_empty() {
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
