//! `chaff diff` (and `chaff strip --dry-run`): what would be removed, span
//! by span, at `file:line:column`, without writing anything.

use super::plan::Diff;
use super::{EXIT_FAILED, EXIT_OK};
use crate::batch;
use crate::engine::Stripper;
use crate::provenance::Resolution;
use std::io::Write;

/// Runs `plan`.
pub(super) fn run(plan: Diff, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let stripper = Stripper::new(plan.rules.load(err)?)?;
    let mut failures = Vec::new();
    let mut documents = 0u64;
    let mut edits = 0u64;
    let mut write_error = None;
    batch::preview(
        &stripper,
        &plan.paths,
        &plan.options,
        &mut failures,
        &mut |source, text, record| {
            documents += 1;
            if plan.publishers && write_error.is_none() {
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
                let shown = if plan.color {
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
