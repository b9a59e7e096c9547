//! `chaff check`, for CI: rule tests, lint, then a corpus stripped and
//! compared with golden texts or a baseline; its reports.

use super::plan::Check;
use super::{EXIT_FAILED, EXIT_OK};
use crate::batch;
use crate::engine::Stripper;
use std::io::Write;

/// Runs `plan`.
pub(super) fn run(plan: Check, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let stripper = Stripper::new(plan.rules.load(err)?)?;
    let report = crate::check::check(
        &stripper,
        &plan.paths,
        &plan.options,
        &plan.expectations,
        &crate::corpus::body(),
    );
    for r in &plan.reports {
        let text = if r.markdown {
            crate::report::markdown(&report, plan.deny_warnings)
        } else {
            crate::report::json(&report, plan.deny_warnings)
        };
        batch::write_atomic(&r.path, text.as_bytes()).map_err(batch::named(&r.path))?;
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
    let passed = report.passed(plan.deny_warnings);
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
