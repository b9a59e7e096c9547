//! `chaff restore` and `chaff verify`: an output folder rebuilt into its
//! original corpus, or only checked to rebuild it.

use super::plan::Restore;
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::batch;
use std::io::Write;

/// Runs `plan`.
pub(super) fn run(plan: Restore, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let report = match batch::restore::restore(&plan.folder, plan.to.as_deref()) {
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
    let verb = if plan.to.is_some() {
        "restored"
    } else {
        "verified"
    };
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
