//! Rendering an [`EvalReport`]: Markdown (fit for a CI job summary), JSON
//! (the structure documented in `docs/eval.md`) and the terminal summary.

use super::{EvalReport, Figures, MISSED};
use std::fmt::Write;

/// Escapes a table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// `0.562 (91/162)`.
fn figure(share: f64, part: u64, whole: u64) -> String {
    format!("{share:.3} ({part}/{whole})")
}

/// The one-line overall figures.
pub fn summary_line(r: &EvalReport) -> String {
    let o = &r.overall;
    format!(
        "eval {}: recall {}, keep {}; {} documents scored ({} read), {} misses, {} false removals, {} annotation errors",
        if r.passed() { "passed" } else { "FAILED" },
        figure(o.recall, o.removed, o.occurrences),
        figure(o.keep_rate, o.kept, o.keep_strings),
        o.documents,
        r.documents_read,
        r.misses.len(),
        r.false_removals.len(),
        r.errors.len(),
    )
}

fn figures_table(s: &mut String, name: &str, rows: &std::collections::BTreeMap<String, Figures>) {
    let _ = writeln!(
        s,
        "| {name} | documents | recall | removed / occurrences | keep | kept / strings |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|");
    for (key, f) in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {:.3} | {} / {} | {:.3} | {} / {} |",
            cell(key),
            f.documents,
            f.recall,
            f.removed,
            f.occurrences,
            f.keep_rate,
            f.kept,
            f.keep_strings
        );
    }
}

/// The report as Markdown.
pub fn markdown(r: &EvalReport) -> String {
    let mut s = String::new();
    let o = &r.overall;
    let _ = writeln!(
        s,
        "# chaff eval: {}\n",
        if r.passed() { "passed" } else { "FAILED" }
    );
    let _ = writeln!(s, "- Annotations: `{}`", r.annotations);
    let _ = writeln!(s, "- Rules: `{}`", r.rules_digest);
    let _ = writeln!(
        s,
        "- Documents: {} scored, {} read",
        o.documents, r.documents_read
    );
    let _ = writeln!(
        s,
        "- Boilerplate recall: **{}** occurrences removed ({} strings)",
        figure(o.recall, o.removed, o.occurrences),
        o.boilerplate_strings
    );
    let _ = writeln!(
        s,
        "- Keep rate: **{}** keep strings still there",
        figure(o.keep_rate, o.kept, o.keep_strings)
    );
    let _ = writeln!(
        s,
        "- Gates: recall at least {}, keep at least {}",
        r.gates
            .min_recall
            .map_or("(none)".to_string(), |m| m.to_string()),
        r.gates.min_keep
    );
    for f in &r.gate_failures {
        let _ = writeln!(s, "- **Failed**: {}", cell(f));
    }
    let _ = writeln!(s, "- Annotation errors: {}", r.errors.len());
    let _ = writeln!(s, "- Unreadable inputs: {}", r.failures.len());

    if !r.errors.is_empty() {
        let _ = writeln!(s, "\n## Annotation errors\n");
        for e in &r.errors {
            let _ = writeln!(s, "- `{}`: {}", cell(&e.id), cell(&e.message));
        }
    }
    if !r.duplicates.is_empty() {
        let _ = writeln!(
            s,
            "\n## Documents read more than once (the last is scored)\n"
        );
        for d in &r.duplicates {
            let _ = writeln!(s, "- `{}`", cell(d));
        }
    }
    let _ = writeln!(s, "\n## Per publisher\n");
    figures_table(&mut s, "publisher", &r.publishers);
    let _ = writeln!(s, "\n## Per language\n");
    figures_table(&mut s, "language", &r.languages);
    let _ = writeln!(s, "\n## Per category\n");
    let _ = writeln!(
        s,
        "Each removed occurrence counts for the category of the rule whose edit covers most of it; `{MISSED}` holds the occurrences left in. The shares add up to 1.\n"
    );
    let _ = writeln!(
        s,
        "| category | boilerplate occurrences | share | false removals |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|");
    for (c, f) in &r.categories {
        let _ = writeln!(
            s,
            "| {} | {} | {:.3} | {} |",
            cell(c),
            f.occurrences,
            f.share,
            f.false_removals
        );
    }
    if !r.rules.is_empty() {
        let _ = writeln!(s, "\n## Per rule\n");
        let _ = writeln!(
            s,
            "| rule | category | boilerplate occurrences | false removals |"
        );
        let _ = writeln!(s, "|---|---|---:|---:|");
        for (id, f) in &r.rules {
            let _ = writeln!(
                s,
                "| `{id}` | {} | {} | {} |",
                f.category, f.occurrences, f.false_removals
            );
        }
    }
    let _ = writeln!(s, "\n## False removals ({})\n", r.false_removals.len());
    if r.false_removals.is_empty() {
        let _ = writeln!(s, "Every keep string is still there.");
    } else {
        let _ = writeln!(s, "| document | keep string | removed by |");
        let _ = writeln!(s, "|---|---|---|");
        for f in &r.false_removals {
            let by = if f.rules.is_empty() {
                "(no edit overlaps it)".to_string()
            } else {
                f.rules
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(s, "| `{}` | {} | {by} |", cell(&f.id), cell(&f.text));
        }
    }
    let _ = writeln!(s, "\n## Misses ({})\n", r.misses.len());
    if r.misses.is_empty() {
        let _ = writeln!(s, "Every boilerplate occurrence is gone.");
    } else {
        let _ = writeln!(s, "| document | boilerplate string | left |");
        let _ = writeln!(s, "|---|---|---:|");
        for m in &r.misses {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} of {} |",
                cell(&m.id),
                cell(&m.text),
                m.left,
                m.occurrences
            );
        }
    }
    if !r.failures.is_empty() {
        let _ = writeln!(s, "\n## Unreadable inputs\n");
        for f in &r.failures {
            let _ = writeln!(s, "- {}", cell(&f.to_string()));
        }
    }
    s
}

/// The report as one JSON document, with `passed` added.
pub fn json(r: &EvalReport) -> String {
    let mut v = serde_json::to_value(r).expect("reports serialize");
    v["passed"] = serde_json::Value::Bool(r.passed());
    let mut s = serde_json::to_string_pretty(&v).expect("values serialize");
    s.push('\n');
    s
}

/// What the terminal shows: the first `show` misses, every false removal,
/// the categories, the summary line and the failed gates.
pub fn terminal(r: &EvalReport, show: usize) -> String {
    let mut s = String::new();
    for m in r.misses.iter().take(show) {
        let _ = writeln!(
            s,
            "miss {}: {:?} ({} of {} left)",
            m.id, m.text, m.left, m.occurrences
        );
    }
    if r.misses.len() > show {
        let (n, what) = match show {
            0 => (r.misses.len(), "misses not shown"),
            _ => (r.misses.len() - show, "more misses"),
        };
        let _ = writeln!(
            s,
            "({n} {what}; --show N lists them, the reports list them all)"
        );
    }
    for f in &r.false_removals {
        let by = if f.rules.is_empty() {
            "no edit overlaps it".to_string()
        } else {
            format!("removed by {}", f.rules.join(", "))
        };
        let _ = writeln!(s, "false removal {}: {:?} ({by})", f.id, f.text);
    }
    if !r.categories.is_empty() {
        let parts: Vec<String> = r
            .categories
            .iter()
            .filter(|(_, c)| c.occurrences > 0)
            .map(|(name, c)| format!("{name} {}", c.occurrences))
            .collect();
        if !parts.is_empty() {
            let _ = writeln!(
                s,
                "boilerplate occurrences by category: {}",
                parts.join(", ")
            );
        }
    }
    for d in &r.duplicates {
        let _ = writeln!(
            s,
            "note: document {d} was read more than once; the last one read is scored"
        );
    }
    let _ = writeln!(s, "{}", summary_line(r));
    for f in &r.gate_failures {
        let _ = writeln!(s, "FAILED: {f}");
    }
    s
}
