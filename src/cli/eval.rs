//! `chaff eval`: a corpus stripped in memory and scored against
//! annotations; its reports.

use super::plan::Eval;
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, refuse};
use crate::batch;
use crate::engine::Stripper;
use std::io::Write;

/// Runs `plan`.
pub(super) fn run(plan: Eval, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let annotations = match crate::eval::load_annotations(&plan.annotations) {
        Ok(a) => a,
        Err(e) => return refuse(err, e),
    };
    let stripper = Stripper::new(plan.rules.load(err)?)?;
    let file = plan.annotations.display().to_string();
    let report = crate::eval::eval(
        &stripper,
        &plan.paths,
        &plan.options,
        &annotations,
        &file,
        &plan.gates,
    );
    for r in &plan.reports {
        let text = if r.markdown {
            crate::eval::report::markdown(&report)
        } else {
            crate::eval::report::json(&report)
        };
        batch::write_atomic(&r.path, text.as_bytes())?;
    }
    for f in &report.failures {
        writeln!(err, "chaff: {f}")?;
    }
    for e in &report.errors {
        writeln!(err, "chaff: {file}: {}: {}", e.id, e.message)?;
    }
    out.write_all(crate::eval::report::terminal(&report, plan.show).as_bytes())?;
    Ok(if !report.errors.is_empty() {
        EXIT_USAGE
    } else if !report.passed() || !report.failures.is_empty() {
        EXIT_FAILED
    } else {
        EXIT_OK
    })
}
