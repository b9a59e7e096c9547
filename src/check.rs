//! `chaff check`: the one job a dataset repository's CI runs. It runs the
//! rule tests and the lint, strips a corpus in memory, and compares the
//! result with committed expectations: golden clean texts, or a baseline of
//! per-rule hit counts. Drift fails, with a readable diff.

use crate::batch::{self, Failure, Options};
use crate::engine::Stripper;
use crate::lint::{self, Finding, Severity};
use crate::provenance::{Record, TIDY_RULE};
use crate::selftest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What to compare the stripped corpus with.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    /// Folder of golden clean texts: `<rel without .txt>.clean.txt` per text
    /// file, `<rel without .jsonl>.clean.jsonl` (one JSON string per row) per
    /// JSONL file.
    pub golden: Option<PathBuf>,
    /// A baseline file of per-rule hit counts (JSON).
    pub baseline: Option<PathBuf>,
    /// Write the expectations from this run instead of comparing.
    pub update: bool,
}

/// Per-rule figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleStats {
    /// Documents it removed something from.
    pub documents: u64,
    /// Spans it removed.
    pub removals: u64,
    /// Characters it removed.
    pub chars_removed: u64,
}

/// The baseline file: hit counts per rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// Documents stripped.
    pub documents: u64,
    /// Per rule id.
    pub rules: BTreeMap<String, RuleStats>,
}

/// Everything `chaff check` found, for the terminal and the reports.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckReport {
    /// Rule-set digest.
    pub rules_digest: String,
    /// Rules loaded.
    pub rule_count: usize,
    /// Packs loaded.
    pub pack_count: usize,
    /// Rule examples run.
    pub examples: usize,
    /// Failed rule examples, as `KIND rule: input`.
    pub test_failures: Vec<String>,
    /// Lint findings.
    pub lint: Vec<Finding>,
    /// Documents stripped.
    pub documents: u64,
    /// Characters in them.
    pub chars_in: u64,
    /// Characters removed.
    pub chars_removed: u64,
    /// Per rule id (every loaded rule, fired or not).
    pub rules: BTreeMap<String, RuleStats>,
    /// Category of each rule id.
    pub categories: BTreeMap<String, String>,
    /// Per publisher (`unknown` for none).
    pub publishers: BTreeMap<String, RuleStats>,
    /// Documents losing more than the budget: (document, share removed).
    pub over_budget: Vec<(String, f64)>,
    /// The budget (share of characters).
    pub budget: f64,
    /// Inputs that could not be read.
    pub failures: Vec<Failure>,
    /// Drift from the expectations, one readable entry each.
    pub drift: Vec<String>,
    /// Expectation files written (with `update`).
    pub updated: Vec<String>,
}

impl CheckReport {
    /// Rules that never fired on the corpus.
    pub fn never_fired(&self) -> Vec<&str> {
        self.rules
            .iter()
            .filter(|(_, s)| s.documents == 0)
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// Whether the check passes: rule tests green, no lint error (or warning
    /// when `deny_warnings`), no unreadable input, no drift.
    pub fn passed(&self, deny_warnings: bool) -> bool {
        self.test_failures.is_empty()
            && self.failures.is_empty()
            && self.drift.is_empty()
            && !self
                .lint
                .iter()
                .any(|f| f.severity == Severity::Error || deny_warnings)
    }
}

/// The clean text of a strip record (the original minus its edits).
fn clean_of(original: &str, record: &Record) -> String {
    let mut out = String::with_capacity(original.len());
    let mut pos = 0;
    for e in &record.edits {
        out.push_str(&original[pos..e.start]);
        pos = e.end;
    }
    out.push_str(&original[pos..]);
    out
}

/// The golden file for an input's relative path.
fn golden_name(rel: &str) -> String {
    for ext in [".jsonl.gz", ".jsonl.zst", ".jsonl"] {
        if let Some(stem) = rel.strip_suffix(ext) {
            return format!("{stem}.clean.jsonl");
        }
    }
    format!("{}.clean.txt", rel.strip_suffix(".txt").unwrap_or(rel))
}

/// Runs the whole check over `paths`.
pub fn check(
    stripper: &Stripper,
    paths: &[PathBuf],
    options: &Options,
    expectations: &Expectations,
    lint_corpus: &[(String, String)],
) -> CheckReport {
    let set = stripper.rules();
    let tests = selftest::run(set);
    let mut report = CheckReport {
        rules_digest: set.digest().to_string(),
        rule_count: set.rules().len(),
        pack_count: set.packs().len(),
        examples: tests.examples,
        test_failures: tests
            .failures
            .iter()
            .map(|f| format!("{} {}: {:?}", f.kind.as_str(), f.rule, f.text))
            .collect(),
        lint: lint::lint(set, lint_corpus),
        budget: options.budget,
        ..CheckReport::default()
    };
    for rule in set.rules() {
        report.rules.insert(rule.id.clone(), RuleStats::default());
        report
            .categories
            .insert(rule.id.clone(), rule.category.as_str().to_string());
    }
    // Clean texts per golden file, in input order.
    let mut cleaned: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let roots: Vec<PathBuf> = paths.to_vec();
    batch::preview(
        stripper,
        &roots,
        options,
        &mut report.failures,
        &mut |source, text, record| {
            report.documents += 1;
            let chars = text.chars().count() as u64;
            report.chars_in += chars;
            let removed = record.removed_chars() as u64;
            report.chars_removed += removed;
            if chars > 0 && removed as f64 > options.budget * chars as f64 {
                report
                    .over_budget
                    .push((source.to_string(), removed as f64 / chars as f64));
            }
            let publisher = record
                .publisher
                .id
                .clone()
                .unwrap_or_else(|| "unknown".into());
            let p = report.publishers.entry(publisher).or_default();
            p.documents += 1;
            let mut fired: Vec<&str> = Vec::new();
            for e in record.edits.iter().filter(|e| e.rule != TIDY_RULE) {
                let s = report.rules.entry(e.rule.clone()).or_default();
                s.removals += 1;
                s.chars_removed += (e.char_end - e.char_start) as u64;
                p.removals += 1;
                p.chars_removed += (e.char_end - e.char_start) as u64;
                if !fired.contains(&e.rule.as_str()) {
                    fired.push(&e.rule);
                }
            }
            for rule in fired {
                report
                    .rules
                    .get_mut(rule)
                    .expect("inserted above")
                    .documents += 1;
            }
            let file = record.file.clone().unwrap_or_else(|| source.to_string());
            let golden = golden_name(&file);
            if !cleaned.contains_key(&golden) {
                order.push(golden.clone());
            }
            cleaned
                .entry(golden)
                .or_default()
                .push(clean_of(text, record));
        },
    );
    if let Some(dir) = &expectations.golden {
        compare_golden(dir, &order, &cleaned, expectations.update, &mut report);
    }
    if let Some(path) = &expectations.baseline {
        compare_baseline(path, expectations.update, &mut report);
    }
    report
}

fn compare_golden(
    dir: &Path,
    order: &[String],
    cleaned: &BTreeMap<String, Vec<String>>,
    update: bool,
    report: &mut CheckReport,
) {
    for name in order {
        let texts = &cleaned[name];
        let got = if name.ends_with(".jsonl") {
            texts
                .iter()
                .map(|t| crate::jsonl::to_json_string(t) + "\n")
                .collect()
        } else {
            texts.concat()
        };
        let path = dir.join(name);
        if update {
            match batch::write_atomic(&path, got.as_bytes()) {
                Ok(()) => report.updated.push(path.display().to_string()),
                Err(e) => report
                    .drift
                    .push(format!("{}: cannot write: {e}", path.display())),
            }
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(want) if want == got => {}
            Ok(want) => report.drift.push(format!(
                "{} differs from the stripped text:\n{}",
                path.display(),
                unified_diff(&want, &got)
            )),
            Err(e) => report.drift.push(format!(
                "{}: no golden output ({e}); run with --update to write it",
                path.display()
            )),
        }
    }
}

fn compare_baseline(path: &Path, update: bool, report: &mut CheckReport) {
    let now = Baseline {
        documents: report.documents,
        rules: report.rules.clone(),
    };
    if update {
        let mut bytes = serde_json::to_vec_pretty(&now).expect("baselines serialize");
        bytes.push(b'\n');
        match batch::write_atomic(path, &bytes) {
            Ok(()) => report.updated.push(path.display().to_string()),
            Err(e) => report
                .drift
                .push(format!("{}: cannot write: {e}", path.display())),
        }
        return;
    }
    let before: Baseline = match std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(b) => b,
        Err(e) => {
            report.drift.push(format!(
                "{}: cannot read the baseline ({e}); run with --update to write it",
                path.display()
            ));
            return;
        }
    };
    if before.documents != now.documents {
        report.drift.push(format!(
            "documents: {} in the baseline, {} now",
            before.documents, now.documents
        ));
    }
    let ids: std::collections::BTreeSet<&String> =
        before.rules.keys().chain(now.rules.keys()).collect();
    for id in ids {
        let a = before.rules.get(id).cloned().unwrap_or_default();
        let b = now.rules.get(id).cloned().unwrap_or_default();
        if a != b {
            report.drift.push(format!(
                "rule `{id}`: {} documents, {} removals, {} chars in the baseline; {} documents, {} removals, {} chars now",
                a.documents, a.removals, a.chars_removed, b.documents, b.removals, b.chars_removed
            ));
        }
    }
}

/// A unified diff of two texts, lines prefixed `-` (expected) and `+` (now).
pub fn unified_diff(expected: &str, got: &str) -> String {
    similar::TextDiff::from_lines(expected, got)
        .unified_diff()
        .context_radius(2)
        .header("expected", "stripped now")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_names_follow_the_input() {
        assert_eq!(golden_name("a/b.txt"), "a/b.clean.txt");
        assert_eq!(golden_name("readme"), "readme.clean.txt");
        assert_eq!(golden_name("s/x.jsonl.gz"), "s/x.clean.jsonl");
    }

    #[test]
    fn diff_marks_lines() {
        let d = unified_diff("a\nb\n", "a\nc\n");
        assert!(d.contains("-b\n+c\n"), "{d}");
    }
}
