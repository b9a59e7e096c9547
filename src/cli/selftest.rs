//! `chaff test`: every rule's strip and keep examples, failures sorted into
//! missing and noisy.

use super::plan::Rules;
use super::{EXIT_FAILED, EXIT_OK};
use crate::selftest;
use std::io::Write;

/// Runs `chaff test` with these rules.
pub(super) fn run(rules: Rules, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let set = rules.load(err)?;
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
