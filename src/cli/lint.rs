//! `chaff lint`: findings about the loaded rules, errors and warnings.

use super::plan::Lint;
use super::{EXIT_FAILED, EXIT_OK};
use std::io::Write;

/// Runs `plan`.
pub(super) fn run(plan: Lint, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let set = plan.rules.load(err)?;
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
    let failed = errors > 0 || (plan.deny_warnings && !findings.is_empty());
    Ok(if failed { EXIT_FAILED } else { EXIT_OK })
}
