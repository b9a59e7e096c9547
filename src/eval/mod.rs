//! `chaff eval`: scores a run against substring annotations.
//!
//! An annotations file maps a document id to the strings that must go
//! (`boilerplate`) and the strings that must stay (`keep`). The corpus is
//! stripped in memory, and every figure is computed as the reference scorer
//! (`score.py` of the annotated development sets) computes it:
//!
//! - every run of white space is collapsed to one space, in the document, in
//!   its clean text and in each string;
//! - boilerplate recall is the share of the boilerplate occurrences in the
//!   input that are gone from the output (a string found `n` times in the
//!   input and `m` times in the output counts `n` occurrences, `n - m` of
//!   them removed);
//! - keep rate is the share of keep strings still present in the output.
//!
//! On top of the figures, each removed occurrence is attributed to the rule
//! (and category) whose edit covers most of it in the original, and each
//! lost keep string to the rules whose edits overlap it. The JSON report's
//! structure is documented in `docs/eval.md`.

pub mod report;

use crate::batch::{self, Failure, Options};
use crate::engine::Stripper;
use crate::provenance::{Edit, Record, TIDY_CATEGORY, TIDY_RULE};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Version of the JSON report's structure. Bumped on any change that a
/// reader of the previous version would misread; fields may be added.
pub const SCHEMA_VERSION: u32 = 1;

/// The category bucket of the boilerplate occurrences left in the output.
pub const MISSED: &str = "missed";

/// The category bucket of removals no edit overlaps (white space at the edge
/// of a string, for instance).
pub const UNATTRIBUTED: &str = "unattributed";

/// Publisher or language of a document that has none.
pub const UNKNOWN: &str = "unknown";

/// Characters of a string shown in listings.
pub const SHOWN_CHARS: usize = 100;

/// What must go and what must stay in one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// The document's URL (informative).
    #[serde(default)]
    pub url: Option<String>,
    /// Strings that must be gone from the output, every occurrence.
    pub boilerplate: Vec<String>,
    /// Strings that must still be in the output.
    pub keep: Vec<String>,
    /// The publisher to report the document under.
    #[serde(default)]
    pub publisher: Option<String>,
    /// The document's language.
    #[serde(default)]
    pub lang: Option<String>,
}

/// Annotations by document id.
pub type Annotations = BTreeMap<String, Annotation>;

/// An annotations file that cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum AnnotationsError {
    /// The file cannot be read.
    #[error("{path}: cannot read: {message}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The file is not JSON of the expected shape.
    #[error("{path}:{line}:{column}: {message}")]
    Json {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong there.
        message: String,
    },
}

/// Reads an annotations file: `{ID: {"url", "boilerplate": [...], "keep":
/// [...], "publisher"?, "lang"?}}`. Other keys are ignored.
pub fn load_annotations(path: &Path) -> Result<Annotations, AnnotationsError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| AnnotationsError::Read {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    parse_annotations(&shown, &text)
}

/// Parses the text of an annotations file named `path`.
pub fn parse_annotations(path: &str, text: &str) -> Result<Annotations, AnnotationsError> {
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        AnnotationsError::Json {
            path: path.to_string(),
            line: e.line(),
            column: e.column(),
            message: message
                .strip_suffix(&suffix)
                .unwrap_or(&message)
                .to_string(),
        }
    })
}

/// Gates on the overall figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gates {
    /// Lowest overall boilerplate recall that passes (none: not gated).
    pub min_recall: Option<f64>,
    /// Lowest overall keep rate that passes.
    pub min_keep: f64,
}

impl Default for Gates {
    fn default() -> Gates {
        Gates {
            min_recall: None,
            min_keep: 1.0,
        }
    }
}

/// Figures of a group of documents.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Annotated documents scored.
    pub documents: u64,
    /// Boilerplate strings annotated.
    pub boilerplate_strings: u64,
    /// Their occurrences in the input (white space collapsed).
    pub occurrences: u64,
    /// Occurrences gone from the output.
    pub removed: u64,
    /// `removed / occurrences` (1 when there are none).
    pub recall: f64,
    /// Keep strings annotated.
    pub keep_strings: u64,
    /// Keep strings still in the output.
    pub kept: u64,
    /// `kept / keep_strings` (1 when there are none).
    pub keep_rate: f64,
}

impl Figures {
    fn add(&mut self, doc: &DocScore) {
        self.documents += 1;
        self.boilerplate_strings += doc.boilerplate_strings;
        self.occurrences += doc.occurrences;
        self.removed += doc.removed;
        self.keep_strings += doc.keep_strings;
        self.kept += doc.kept;
    }

    fn finish(&mut self) {
        self.recall = ratio(self.removed, self.occurrences);
        self.keep_rate = ratio(self.kept, self.keep_strings);
    }
}

/// A share, 1 when there is nothing to share (as the reference scorer does).
fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// What one category (or the `missed` bucket) accounts for.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CategoryFigures {
    /// Boilerplate occurrences the category's edits removed (for `missed`:
    /// the occurrences left in the output).
    pub occurrences: u64,
    /// `occurrences` as a share of all boilerplate occurrences: the shares of
    /// the categories add up to the recall, and `missed` holds the rest.
    pub share: f64,
    /// Keep strings lost where the category's edits overlap them.
    pub false_removals: u64,
}

/// What one rule accounts for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuleFigures {
    /// The rule's category.
    pub category: String,
    /// Boilerplate occurrences it removed.
    pub occurrences: u64,
    /// Keep strings lost where its edits overlap them.
    pub false_removals: u64,
}

/// A boilerplate string left in the output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Miss {
    /// Document id.
    pub id: String,
    /// Position of the string in the annotation's `boilerplate` list.
    pub index: usize,
    /// The string, white space collapsed, cut to [`SHOWN_CHARS`] characters
    /// (an ellipsis marks a cut).
    pub text: String,
    /// Its occurrences in the input.
    pub occurrences: u64,
    /// How many are still in the output.
    pub left: u64,
}

/// A keep string that is gone from the output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FalseRemoval {
    /// Document id.
    pub id: String,
    /// Position of the string in the annotation's `keep` list.
    pub index: usize,
    /// The string, white space collapsed and cut as in [`Miss`].
    pub text: String,
    /// Ids of the rules whose edits overlap its occurrences in the original
    /// (`chaff.tidy` only when no rule's edit does); empty when none does.
    pub rules: Vec<String>,
    /// Their categories, once each.
    pub categories: Vec<String>,
}

/// A problem with one annotation: it is reported, left out of the figures,
/// and makes the run exit 2; the other annotations are still scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnotationIssue {
    /// Document id.
    pub id: String,
    /// What is wrong.
    pub message: String,
}

/// Everything `chaff eval` found, for the terminal and the reports.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EvalReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The annotations file.
    pub annotations: String,
    /// Rule-set digest.
    pub rules_digest: String,
    /// Documents read from the input (annotated or not).
    pub documents_read: u64,
    /// Every scored document.
    pub overall: Figures,
    /// Per publisher: the annotation's, else the one chaff resolved, else
    /// `unknown`.
    pub publishers: BTreeMap<String, Figures>,
    /// Per language: the annotation's `lang`, else `unknown`.
    pub languages: BTreeMap<String, Figures>,
    /// Per category of the removing rule, plus the `missed` bucket.
    pub categories: BTreeMap<String, CategoryFigures>,
    /// Per rule that removed an annotated string.
    pub rules: BTreeMap<String, RuleFigures>,
    /// Every boilerplate string left in the output, by document id.
    pub misses: Vec<Miss>,
    /// Every keep string gone from the output, by document id.
    pub false_removals: Vec<FalseRemoval>,
    /// Annotations that could not be scored.
    pub errors: Vec<AnnotationIssue>,
    /// Document ids read more than once (the last one read is scored, as the
    /// reference scorer does).
    pub duplicates: Vec<String>,
    /// Inputs or rows that could not be read.
    pub failures: Vec<Failure>,
    /// The gates.
    pub gates: Gates,
    /// Gates that do not hold, one sentence each.
    pub gate_failures: Vec<String>,
}

impl EvalReport {
    /// Whether the gates hold.
    pub fn passed(&self) -> bool {
        self.gate_failures.is_empty()
    }
}

/// Whether the reference scorer (Python's `\s`) counts `c` as white space:
/// Unicode white space plus the four information separators U+001C–U+001F.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `s` with every run of white space collapsed to one space.
pub fn collapse(s: &str) -> String {
    crate::fold::collapse_runs(s, is_space)
}

/// A collapsed text with, for each of its bytes, the byte range of the
/// original it stands for.
struct Collapsed {
    text: String,
    /// Original start of each collapsed byte.
    start: Vec<usize>,
    /// Original end of the character (or white-space run) each collapsed
    /// byte belongs to.
    end: Vec<usize>,
}

impl Collapsed {
    fn new(original: &str) -> Collapsed {
        let mut c = Collapsed {
            text: String::with_capacity(original.len()),
            start: Vec::with_capacity(original.len()),
            end: Vec::with_capacity(original.len()),
        };
        let mut chars = original.char_indices().peekable();
        while let Some((at, ch)) = chars.next() {
            if is_space(ch) {
                let mut stop = at + ch.len_utf8();
                while let Some(&(next, n)) = chars.peek() {
                    if !is_space(n) {
                        break;
                    }
                    stop = next + n.len_utf8();
                    chars.next();
                }
                c.text.push(' ');
                c.start.push(at);
                c.end.push(stop);
            } else {
                c.text.push(ch);
                for i in 0..ch.len_utf8() {
                    c.start.push(at + i);
                    c.end.push(at + ch.len_utf8());
                }
            }
        }
        c
    }

    /// Original byte ranges of the non-overlapping occurrences of `needle`
    /// (collapsed, not empty), left to right.
    fn occurrences(&self, needle: &str) -> Vec<(usize, usize)> {
        self.text
            .match_indices(needle)
            .map(|(at, m)| (self.start[at], self.end[at + m.len() - 1]))
            .collect()
    }
}

/// Bytes of `[start, end)` an edit covers.
fn overlap(e: &Edit, (start, end): (usize, usize)) -> usize {
    e.end.min(end).saturating_sub(e.start.max(start))
}

/// `s` cut to [`SHOWN_CHARS`] characters, with an ellipsis when cut.
pub fn shorten(s: &str) -> String {
    match s.char_indices().nth(SHOWN_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
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

/// One annotated document, scored.
#[derive(Debug, Clone, Default)]
struct DocScore {
    publisher: String,
    lang: String,
    boilerplate_strings: u64,
    occurrences: u64,
    removed: u64,
    keep_strings: u64,
    kept: u64,
    /// Removed occurrences per (rule, category); `UNATTRIBUTED` rule when no
    /// edit overlaps.
    removed_by: BTreeMap<(String, String), u64>,
    misses: Vec<Miss>,
    false_removals: Vec<FalseRemoval>,
    issues: Vec<AnnotationIssue>,
}

/// The rule edit covering most of `range`, else the tidy-up edit that does.
fn best_edit(edits: &[Edit], range: (usize, usize)) -> Option<(&Edit, usize)> {
    let mut best: Option<(&Edit, usize)> = None;
    for e in edits {
        let ov = overlap(e, range);
        if ov == 0 {
            continue;
        }
        let better = match best {
            None => true,
            Some((b, bov)) => {
                let (rule, brule) = (e.rule != TIDY_RULE, b.rule != TIDY_RULE);
                (rule, ov) > (brule, bov)
            }
        };
        if better {
            best = Some((e, ov));
        }
    }
    best
}

fn score_doc(id: &str, ann: &Annotation, original: &str, record: &Record) -> DocScore {
    let src = Collapsed::new(original);
    let out = collapse(&clean_of(original, record));
    let mut doc = DocScore {
        publisher: ann
            .publisher
            .clone()
            .or_else(|| record.publisher.id.clone())
            .unwrap_or_else(|| UNKNOWN.into()),
        lang: ann.lang.clone().unwrap_or_else(|| UNKNOWN.into()),
        ..DocScore::default()
    };
    let issue = |kind: &str, index: usize, what: &str| AnnotationIssue {
        id: id.to_string(),
        message: format!("{kind}[{index}] {what}"),
    };
    for (index, b) in ann.boilerplate.iter().enumerate() {
        let b = collapse(b);
        if b.is_empty() {
            doc.issues.push(issue("boilerplate", index, "is empty"));
            continue;
        }
        if !src.text.contains(&b) {
            doc.issues.push(issue(
                "boilerplate",
                index,
                &format!("is not a substring of the document: {:?}", shorten(&b)),
            ));
            continue;
        }
        doc.boilerplate_strings += 1;
        let found = src.occurrences(&b);
        let n = found.len() as u64;
        let m = out.matches(&b).count() as u64;
        let removed = n.saturating_sub(m);
        doc.occurrences += n;
        doc.removed += removed;
        if m > 0 {
            doc.misses.push(Miss {
                id: id.to_string(),
                index,
                text: shorten(&b),
                occurrences: n,
                left: m,
            });
        }
        // The `removed` occurrences most covered by rule edits are the ones
        // counted as removed; each goes to the rule covering most of it.
        let mut hits: Vec<(bool, usize, &Edit)> = found
            .iter()
            .filter_map(|&range| best_edit(&record.edits, range))
            .map(|(e, ov)| (e.rule != TIDY_RULE, ov, e))
            .collect();
        hits.sort_by_key(|h| std::cmp::Reverse((h.0, h.1)));
        for i in 0..removed as usize {
            let key = match hits.get(i) {
                Some((_, _, e)) => (e.rule.clone(), e.category.clone()),
                None => (UNATTRIBUTED.to_string(), UNATTRIBUTED.to_string()),
            };
            *doc.removed_by.entry(key).or_default() += 1;
        }
    }
    for (index, k) in ann.keep.iter().enumerate() {
        let k = collapse(k);
        if k.is_empty() {
            doc.issues.push(issue("keep", index, "is empty"));
            continue;
        }
        if !src.text.contains(&k) {
            doc.issues.push(issue(
                "keep",
                index,
                &format!("is not a substring of the document: {:?}", shorten(&k)),
            ));
            continue;
        }
        doc.keep_strings += 1;
        if out.contains(&k) {
            doc.kept += 1;
            continue;
        }
        let ranges = src.occurrences(&k);
        let touching: Vec<&Edit> = record
            .edits
            .iter()
            .filter(|e| ranges.iter().any(|&r| overlap(e, r) > 0))
            .collect();
        let by_rules: Vec<&Edit> = touching
            .iter()
            .copied()
            .filter(|e| e.rule != TIDY_RULE)
            .collect();
        let chosen = if by_rules.is_empty() {
            touching
        } else {
            by_rules
        };
        let mut rules: Vec<String> = Vec::new();
        let mut categories: Vec<String> = Vec::new();
        for e in chosen {
            if !rules.contains(&e.rule) {
                rules.push(e.rule.clone());
            }
            if !categories.contains(&e.category) {
                categories.push(e.category.clone());
            }
        }
        doc.false_removals.push(FalseRemoval {
            id: id.to_string(),
            index,
            text: shorten(&k),
            rules,
            categories,
        });
    }
    doc
}

/// Strips `paths` in memory and scores the result against `annotations`.
/// `file` names the annotations file in the report.
pub fn eval(
    stripper: &Stripper,
    paths: &[std::path::PathBuf],
    options: &Options,
    annotations: &Annotations,
    file: &str,
    gates: &Gates,
) -> EvalReport {
    let mut report = EvalReport {
        schema_version: SCHEMA_VERSION,
        annotations: file.to_string(),
        rules_digest: stripper.rules().digest().to_string(),
        gates: gates.clone(),
        ..EvalReport::default()
    };
    let mut scored: BTreeMap<&str, DocScore> = BTreeMap::new();
    let mut duplicates: Vec<String> = Vec::new();
    let mut failures = Vec::new();
    batch::preview(
        stripper,
        paths,
        options,
        &mut failures,
        &mut |_source, text, record| {
            report.documents_read += 1;
            let Some((id, ann)) = annotations.get_key_value(record.id.as_str()) else {
                return;
            };
            let doc = score_doc(id, ann, text, record);
            if scored.insert(id.as_str(), doc).is_some() && !duplicates.contains(id) {
                duplicates.push(id.clone());
            }
        },
    );
    report.failures = failures;
    report.duplicates = duplicates;
    let category_of: BTreeMap<&str, &str> = stripper
        .rules()
        .rules()
        .iter()
        .map(|r| (r.id.as_str(), r.category.as_str()))
        .chain([(TIDY_RULE, TIDY_CATEGORY)])
        .collect();
    for id in annotations.keys() {
        let Some(doc) = scored.remove(id.as_str()) else {
            report.errors.push(AnnotationIssue {
                id: id.clone(),
                message: "no document with this id in the input".into(),
            });
            continue;
        };
        report.overall.add(&doc);
        report
            .publishers
            .entry(doc.publisher.clone())
            .or_default()
            .add(&doc);
        report
            .languages
            .entry(doc.lang.clone())
            .or_default()
            .add(&doc);
        for ((rule, category), n) in &doc.removed_by {
            report
                .categories
                .entry(category.clone())
                .or_default()
                .occurrences += n;
            if rule != UNATTRIBUTED {
                let r = report.rules.entry(rule.clone()).or_default();
                r.category = category.clone();
                r.occurrences += n;
            }
        }
        for f in &doc.false_removals {
            if f.categories.is_empty() {
                report
                    .categories
                    .entry(UNATTRIBUTED.into())
                    .or_default()
                    .false_removals += 1;
            }
            for c in &f.categories {
                report
                    .categories
                    .entry(c.clone())
                    .or_default()
                    .false_removals += 1;
            }
            for rule in &f.rules {
                let r = report.rules.entry(rule.clone()).or_default();
                r.false_removals += 1;
                if r.category.is_empty() {
                    r.category = category_of.get(rule.as_str()).unwrap_or(&"").to_string();
                }
            }
        }
        report.misses.extend(doc.misses);
        report.false_removals.extend(doc.false_removals);
        report.errors.extend(doc.issues);
    }
    let missed = report.overall.occurrences - report.overall.removed;
    if missed > 0 {
        report
            .categories
            .entry(MISSED.into())
            .or_default()
            .occurrences = missed;
    }
    let total = report.overall.occurrences;
    for c in report.categories.values_mut() {
        c.share = if total == 0 {
            0.0
        } else {
            c.occurrences as f64 / total as f64
        };
    }
    report.overall.finish();
    for f in report
        .publishers
        .values_mut()
        .chain(report.languages.values_mut())
    {
        f.finish();
    }
    if let Some(min) = gates.min_recall
        && report.overall.recall < min
    {
        report.gate_failures.push(format!(
            "boilerplate recall {:.3} is below --min-recall {min}",
            report.overall.recall
        ));
    }
    if report.overall.keep_rate < gates.min_keep {
        report.gate_failures.push(format!(
            "keep rate {:.3} is below --min-keep {}",
            report.overall.keep_rate, gates.min_keep
        ));
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_is_what_pythons_backslash_s_matches() {
        let spaces: Vec<u32> = (0..=0x10ffff)
            .filter_map(char::from_u32)
            .filter(|&c| is_space(c))
            .map(u32::from)
            .collect();
        let mut want: Vec<u32> = (0x9..=0xd).chain(0x1c..=0x20).collect();
        want.extend([0x85, 0xa0, 0x1680]);
        want.extend(0x2000..=0x200a);
        want.extend([0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);
        assert_eq!(spaces, want);
    }

    #[test]
    fn collapsing_maps_back_to_the_original() {
        let original = "a \u{a0}\n b\u{e9}\tc";
        let c = Collapsed::new(original);
        assert_eq!(c.text, "a b\u{e9} c");
        assert_eq!(collapse(original), c.text);
        assert_eq!(c.occurrences(" b"), vec![(1, 7)]);
        assert_eq!(&original[1..7], " \u{a0}\n b");
        let (s, e) = c.occurrences("\u{e9} c")[0];
        assert_eq!(&original[s..e], "\u{e9}\tc");
    }

    #[test]
    fn shortening_cuts_on_characters() {
        let long = "\u{e9}".repeat(SHOWN_CHARS + 5);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), SHOWN_CHARS + 1);
        assert!(short.ends_with('…'));
        assert_eq!(shorten("abc"), "abc");
    }

    #[test]
    fn json_errors_give_line_and_column() {
        let e = parse_annotations(
            "g.json",
            "{\n  \"a\": {\"boilerplate\": [], \"keep\": 3}\n}",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("g.json:2:"), "{e}");
        assert!(e.contains("invalid type"), "{e}");
        assert!(!e.contains(" at line "), "{e}");
    }
}
