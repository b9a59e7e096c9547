//! Rule self-tests: every rule's strip and keep examples, run through the
//! engine.
//!
//! A strip example must come out as its `clean` text when the rule runs on its
//! own. A keep example must come out untouched, both with the rule on its own
//! and with the whole rule set (body text is sacred to every rule). Failures
//! are sorted, by rule id, into *missing* (kept what it should remove) and
//! *noisy* (removed what it should keep).

use crate::engine::{Document, Stripper};
use crate::rules::{RuleSet, Scope};

/// Which way an example failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The rule kept text it should remove.
    Missing,
    /// A rule removed text it should keep.
    Noisy,
}

impl FailureKind {
    /// `missing` or `noisy`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Missing => "missing",
            FailureKind::Noisy => "noisy",
        }
    }
}

/// One failed example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Missing or noisy.
    pub kind: FailureKind,
    /// The rule whose example failed.
    pub rule: String,
    /// The rule file.
    pub file: String,
    /// The example's input.
    pub text: String,
    /// What should have come out.
    pub expected: String,
    /// What came out.
    pub got: String,
    /// The rules that removed something, when another rule than `rule` did.
    pub fired: Vec<String>,
}

/// The outcome of testing a rule set.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Rules tested.
    pub rules: usize,
    /// Examples run.
    pub examples: usize,
    /// Every failed example, in rule order.
    pub failures: Vec<Failure>,
}

impl Report {
    /// Whether every example passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs every example of every rule in `set`.
pub fn run(set: &RuleSet) -> Report {
    let whole = Stripper::new(set.clone()).ok();
    let mut report = Report::default();
    for (index, rule) in set.rules().iter().enumerate() {
        report.rules += 1;
        let pack = &set.packs()[rule.pack];
        let publisher = (pack.scope == Scope::Publisher).then_some(pack.id.as_str());
        let alone = match Stripper::new(set.only(index)) {
            Ok(s) => s,
            Err(e) => {
                report.failures.push(Failure {
                    kind: FailureKind::Missing,
                    rule: rule.id.clone(),
                    file: pack.file.clone(),
                    text: String::new(),
                    expected: String::new(),
                    got: e.to_string(),
                    fired: Vec::new(),
                });
                continue;
            }
        };
        let strip = |s: &Stripper, text: &str| {
            let mut doc = Document::new(&rule.id, text);
            doc.publisher = publisher;
            s.strip(&doc)
        };
        let mut fail = |kind, text: &str, expected: &str, got: String, fired: Vec<String>| {
            report.failures.push(Failure {
                kind,
                rule: rule.id.clone(),
                file: pack.file.clone(),
                text: text.to_string(),
                expected: expected.to_string(),
                got,
                fired,
            })
        };
        for example in &rule.strip {
            report.examples += 1;
            let out = strip(&alone, &example.text);
            if out.clean != example.clean {
                let kind = if out.clean.len() > example.clean.len() {
                    FailureKind::Missing
                } else {
                    FailureKind::Noisy
                };
                fail(kind, &example.text, &example.clean, out.clean, Vec::new());
            }
        }
        for example in &rule.keep {
            report.examples += 1;
            let out = strip(&alone, example);
            if out.clean != *example {
                fail(FailureKind::Noisy, example, example, out.clean, Vec::new());
                continue;
            }
            if let Some(whole) = &whole {
                let out = strip(whole, example);
                if out.clean != *example {
                    let mut fired: Vec<String> =
                        out.record.edits.iter().map(|e| e.rule.clone()).collect();
                    fired.dedup();
                    fail(FailureKind::Noisy, example, example, out.clean, fired);
                }
            }
        }
    }
    report
}
