//! The human-readable summary of a [`Report`].

use super::Report;
use super::units::shorten;
use std::fmt::Write as _;

impl Report {
    /// The human-readable summary: per group, the suggested rules with the
    /// documents they cover; then the shared (syndicated) text.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let rate = self.documents as f64 / self.seconds.max(1e-9);
        let _ = writeln!(
            s,
            "chaff suggest: {} document{} in {} group{} ({}, {:.2}s, {:.0} documents/s)",
            self.documents,
            plural(self.documents),
            self.groups.len(),
            plural(self.groups.len() as u64),
            human_bytes(self.bytes),
            self.seconds,
            rate
        );
        let rules = self.rule_count() as u64;
        let _ = writeln!(
            s,
            "{rules} rule{} suggested for {} group{} (text recurring in at least {} documents of a group); nothing was applied",
            plural(rules),
            self.drafts.len(),
            plural(self.drafts.len() as u64),
            self.min_docs
        );
        for d in &self.drafts {
            let _ = writeln!(
                s,
                "\n{} ({}, {} documents): {} rule{} in pack `{}` ({})",
                d.group.name,
                d.group.kind.as_str(),
                d.group.documents,
                d.suggestions.len(),
                plural(d.suggestions.len() as u64),
                d.pack,
                d.scope.as_str()
            );
            if let Some(file) = &d.merge_into {
                let _ = writeln!(s, "  (the publisher already has a pack: merge into {file})");
            }
            for r in &d.suggestions {
                let share = 100.0 * r.documents as f64 / d.group.documents.max(1) as f64;
                let _ = writeln!(
                    s,
                    "  {:>7} docs ({share:>3.0}%)  {:<6}  {}",
                    r.documents,
                    r.kind.as_str(),
                    r.display
                );
            }
        }
        if self.shared.is_empty() {
            let _ = writeln!(s, "\nShared across groups: none");
        } else {
            let _ = writeln!(
                s,
                "\nShared across groups: {} text{} recur{} in documents of different groups. Such text is syndicated copy (the same agency story), not boilerplate: it is reported here and never suggested.",
                self.shared.len(),
                if self.shared.len() == 1 { "" } else { "s" },
                if self.shared.len() == 1 { "s" } else { "" },
            );
            for sh in self.shared.iter().take(SHARED_SHOWN) {
                let groups: Vec<String> = sh
                    .groups
                    .iter()
                    .take(4)
                    .map(|(g, n)| format!("{g} {n}"))
                    .collect();
                let more = if sh.groups.len() > 4 { ", …" } else { "" };
                let _ = writeln!(
                    s,
                    "  {:>7} docs in {} groups ({}{more}): \"{}\"",
                    sh.documents,
                    sh.groups.len(),
                    groups.join(", "),
                    shorten(&sh.text, 100)
                );
            }
            if self.shared.len() > SHARED_SHOWN {
                let _ = writeln!(s, "  … and {} more", self.shared.len() - SHARED_SHOWN);
            }
        }
        let mut notes = Vec::new();
        if self.no_anchor > 0 {
            notes.push(format!(
                "{} recurring text{} with no literal part long enough to anchor a rule",
                self.no_anchor,
                plural(self.no_anchor)
            ));
        }
        if self.dropped > 0 {
            notes.push(format!(
                "{} candidate{} whose rule failed its examples, the rule tests or the lint",
                self.dropped,
                plural(self.dropped)
            ));
        }
        if self.beyond_cap > 0 {
            notes.push(format!(
                "{} candidate{} beyond the cap of rules per group",
                self.beyond_cap,
                plural(self.beyond_cap)
            ));
        }
        if !notes.is_empty() {
            let _ = writeln!(s, "\nNot suggested: {}", notes.join("; "));
        }
        if !self.failures.is_empty() {
            let _ = writeln!(s, "\n{} input(s) or row(s) failed", self.failures.len());
        }
        s
    }
}

/// Shared texts listed in the summary.
const SHARED_SHOWN: usize = 20;

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} bytes");
    }
    let mut v = n as f64;
    let mut unit = "";
    for u in UNITS {
        v /= 1000.0;
        unit = u;
        if v < 1000.0 {
            break;
        }
    }
    format!("{v:.1} {unit}")
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
