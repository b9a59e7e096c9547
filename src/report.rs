//! Rendering a [`CheckReport`] for people (Markdown, fit for a CI job
//! summary) and for programs (JSON).

use crate::check::CheckReport;
use std::fmt::Write;

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "0.0%".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

/// Escapes a table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The report as Markdown.
pub fn markdown(r: &CheckReport, deny_warnings: bool) -> String {
    let mut s = String::new();
    let verdict = if r.passed(deny_warnings) {
        "passed"
    } else {
        "FAILED"
    };
    let _ = writeln!(s, "# chaff check: {verdict}\n");
    let warnings = r.lint.len();
    let _ = writeln!(
        s,
        "- Rules: {} in {} packs (`{}`)",
        r.rule_count, r.pack_count, r.rules_digest
    );
    let _ = writeln!(
        s,
        "- Rule tests: {} examples, {} failed",
        r.examples,
        r.test_failures.len()
    );
    let _ = writeln!(
        s,
        "- Lint: {warnings} finding{}",
        if warnings == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        s,
        "- Corpus: {} documents, {} of {} characters removed ({})",
        r.documents,
        r.chars_removed,
        r.chars_in,
        percent(r.chars_removed, r.chars_in)
    );
    let _ = writeln!(
        s,
        "- Over the removal budget ({:.0}%): {} document{}",
        r.budget * 100.0,
        r.over_budget.len(),
        if r.over_budget.len() == 1 { "" } else { "s" }
    );
    let _ = writeln!(s, "- Unreadable inputs: {}", r.failures.len());
    let _ = writeln!(
        s,
        "- Drift: {}",
        if r.drift.is_empty() {
            "none".to_string()
        } else {
            r.drift.len().to_string()
        }
    );

    if !r.drift.is_empty() {
        let _ = writeln!(s, "\n## Drift\n");
        for d in &r.drift {
            let _ = writeln!(s, "```diff\n{}\n```", d.trim_end());
        }
    }
    if !r.test_failures.is_empty() {
        let _ = writeln!(s, "\n## Failed rule examples\n");
        for f in &r.test_failures {
            let _ = writeln!(s, "- {}", cell(f));
        }
    }
    if !r.lint.is_empty() {
        let _ = writeln!(s, "\n## Lint\n");
        for f in &r.lint {
            let _ = writeln!(s, "- `{}`", cell(&f.to_string()));
        }
    }
    let _ = writeln!(s, "\n## Hits per rule\n");
    let _ = writeln!(
        s,
        "| rule | category | documents | removals | characters removed |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|");
    let mut rules: Vec<_> = r.rules.iter().filter(|(_, st)| st.documents > 0).collect();
    rules.sort_by(|a, b| b.1.documents.cmp(&a.1.documents).then(a.0.cmp(b.0)));
    for (id, st) in rules {
        let _ = writeln!(
            s,
            "| `{id}` | {} | {} | {} | {} |",
            r.categories.get(id).map_or("", String::as_str),
            st.documents,
            st.removals,
            st.chars_removed
        );
    }
    let _ = writeln!(s, "\n## Hits per publisher\n");
    let _ = writeln!(
        s,
        "| publisher | documents | removals | characters removed |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|");
    for (p, st) in &r.publishers {
        let _ = writeln!(
            s,
            "| {p} | {} | {} | {} |",
            st.documents, st.removals, st.chars_removed
        );
    }
    let never = r.never_fired();
    let _ = writeln!(s, "\n## Rules that never fired ({})\n", never.len());
    if never.is_empty() {
        let _ = writeln!(s, "Every rule fired at least once.");
    } else {
        let _ = writeln!(
            s,
            "{}",
            never
                .iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !r.over_budget.is_empty() {
        let _ = writeln!(s, "\n## Documents over the removal budget\n");
        let _ = writeln!(s, "| document | removed |");
        let _ = writeln!(s, "|---|---:|");
        for (doc, share) in &r.over_budget {
            let _ = writeln!(s, "| {} | {:.1}% |", cell(doc), share * 100.0);
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

/// The report as one JSON document.
pub fn json(r: &CheckReport, deny_warnings: bool) -> String {
    let mut v = serde_json::to_value(r).expect("reports serialize");
    v["passed"] = serde_json::Value::Bool(r.passed(deny_warnings));
    v["never_fired"] = serde_json::json!(r.never_fired());
    let mut s = serde_json::to_string_pretty(&v).expect("values serialize");
    s.push('\n');
    s
}
