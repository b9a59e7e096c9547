//! Rule lint: problems that load but will misbehave.
//!
//! - an anchor hidden by another (leftmost-longest matching never reports an
//!   anchor inside a longer one that matches at the same place);
//! - an anchor that occurs in the body text of the bundled corpus (its
//!   reviewed clean text), on a rule with nothing else to confirm it;
//! - an anchor that looks like a regex (anchors are literal);
//! - a regex whose Unicode classes make it slow to compile and to run:
//!   `\d` (every script's digits) or a large class repeated a bounded number
//!   of times (each repetition is compiled as a copy);
//! - a publisher pack with no domains or no signatures.
//!
//! Problems that stop loading (unknown keys, duplicate ids, bad regexes) are
//! reported by the loader itself.

use crate::engine::{Document, Stripper};
use crate::rules::{Location, Removal, Rule, RuleSet, Scope, Where};
use aho_corasick::{AhoCorasick, MatchKind};
use serde::Serialize;
use std::fmt;

/// How serious a lint finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Fails `chaff lint` and `chaff check`.
    Error,
    /// Reported; fails only with `--deny-warnings`.
    Warning,
}

/// One lint finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// Stable kebab-case name of the check.
    pub check: &'static str,
    /// Where in the rule file.
    #[serde(serialize_with = "location_string")]
    pub location: Location,
    /// The rule, when the finding is about one.
    pub rule: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

fn location_string<S: serde::Serializer>(l: &Location, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&l.to_string())
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {level}[{}]", self.location, self.check)?;
        if let Some(rule) = &self.rule {
            write!(f, " in rule `{rule}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Lints `set`; `corpus` is the body text to check anchors against (the
/// bundled corpus's clean text), as `(name, text)` pairs.
pub fn lint(set: &RuleSet, corpus: &[(String, String)]) -> Vec<Finding> {
    let mut findings = Vec::new();
    shadowed(set, &mut findings);
    shadowed_signatures(set, &mut findings);
    regex_like(set, &mut findings);
    costly_regexes(set, &mut findings);
    publisher_packs(set, &mut findings);
    body_hits(set, corpus, &mut findings);
    prose_anchors(set, &mut findings);
    findings.sort_by(|a, b| {
        (&a.location.file, a.location.line, a.location.column).cmp(&(
            &b.location.file,
            b.location.line,
            b.location.column,
        ))
    });
    findings
}

/// Every anchor with its rule and position, as the automaton keys it, and
/// whether it is in the case-insensitive automaton.
fn anchors(set: &RuleSet) -> Vec<(usize, usize, String, bool)> {
    set.rules()
        .iter()
        .enumerate()
        .flat_map(|(ri, r)| {
            r.anchors
                .iter()
                .enumerate()
                .map(move |(ai, a)| (ri, ai, crate::engine::anchor_key(r, a), r.case_insensitive))
        })
        .collect()
}

fn shadowed(set: &RuleSet, findings: &mut Vec<Finding>) {
    let all = anchors(set);
    let whole = Stripper::new(set.clone()).ok();
    let Ok(ac) = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .ascii_case_insensitive(true)
        .build(all.iter().map(|(_, _, a, _)| a))
    else {
        return;
    };
    for (ri, ai, text, ci) in &all {
        for m in ac.find_overlapping_iter(text) {
            let (other_rule, other_anchor, other, other_ci) = &all[m.pattern().as_usize()];
            // A rule's own anchors overlapping is the author's choice, and
            // anchors of the two automata do not hide each other.
            if other == text || other_rule == ri || ci != other_ci {
                continue;
            }
            if !ci && !text.contains(other.as_str()) {
                continue;
            }
            let hidden = &set.rules()[*other_rule];
            let by = &set.rules()[*ri];
            let other = &hidden.anchors[*other_anchor];
            let text = &by.anchors[*ai];
            // Reported when the hidden rule's own strip examples show the
            // clash: in one holding the longer anchor, text the rule removes
            // on its own stays with the whole rule set.
            let fold = |s: &str| s.to_ascii_lowercase();
            let pack = &set.packs()[hidden.pack];
            let publisher = (pack.scope == Scope::Publisher).then_some(pack.id.as_str());
            let alone = Stripper::new(set.only(*other_rule)).ok();
            let broken = hidden.strip.iter().any(|e| {
                if !fold(&e.text).contains(&fold(text)) {
                    return false;
                }
                let (Some(w), Some(a)) = (whole.as_ref(), alone.as_ref()) else {
                    return false;
                };
                let mut doc = Document::new("lint", &e.text);
                doc.publisher = publisher;
                let by_whole = w.strip(&doc).record.edits;
                a.strip(&doc).record.rule_edits().any(|mine| {
                    !(mine.start..mine.end)
                        .all(|b| by_whole.iter().any(|w| w.start <= b && b < w.end))
                })
            });
            if !broken {
                continue;
            }
            let position = if m.start() == 0 {
                "starts"
            } else {
                "appears inside"
            };
            findings.push(Finding {
                severity: Severity::Warning,
                check: "shadowed-anchor",
                location: hidden.anchor_locations[*other_anchor].clone(),
                rule: Some(hidden.id.clone()),
                message: format!(
                    "anchor {other:?} {position} anchor {text:?} of rule `{}` ({}); where that one matches, this one is not reported",
                    by.id, by.anchor_locations[*ai]
                ),
            });
        }
    }
}

/// A publisher signature inside a longer anchor is not counted where that
/// anchor matches (leftmost-longest), so the publisher goes unresolved.
fn shadowed_signatures(set: &RuleSet, findings: &mut Vec<Finding>) {
    for pack in set.packs() {
        for sig in pack.signatures.iter().chain(&pack.strong_signatures) {
            for rule in set.rules() {
                for (a, loc) in rule.anchors.iter().zip(&rule.anchor_locations) {
                    if a != sig && a.contains(sig.as_str()) {
                        findings.push(Finding {
                            severity: Severity::Warning,
                            check: "shadowed-signature",
                            location: pack.location.clone(),
                            rule: None,
                            message: format!(
                                "signature {sig:?} of pack `{}` is inside anchor {a:?} of rule `{}` ({loc}), so it is not counted where that anchor matches; use the anchor itself as the signature",
                                pack.id, rule.id
                            ),
                        });
                    }
                }
            }
        }
    }
}

fn regex_like(set: &RuleSet, findings: &mut Vec<Finding>) {
    const SIGNS: &[&str] = &[
        "\\d", "\\w", "\\s", "\\b", ".*", ".+", "(?", "[^", "|", "\\(", "\\)", "\\.",
    ];
    for rule in set.rules() {
        for (a, loc) in rule.anchors.iter().zip(&rule.anchor_locations) {
            let looks = SIGNS.iter().any(|s| a.contains(s))
                || a.starts_with('^')
                || (a.ends_with('$') && !a.ends_with("\\$"));
            if looks {
                findings.push(Finding {
                    severity: Severity::Warning,
                    check: "regex-in-anchor",
                    location: loc.clone(),
                    rule: Some(rule.id.clone()),
                    message: format!(
                        "anchor {a:?} looks like a regex, but anchors are matched literally; put the pattern in `regex`"
                    ),
                });
            }
        }
    }
}

/// A bounded repetition up to this many copies of a large class is
/// reported.
const COSTLY_REPEAT: u32 = 20;

/// A class of more ranges than this is large: a Unicode letter class has
/// hundreds, `[^\n]` two.
const LARGE_CLASS: usize = 16;

/// What makes a regex costly: the Unicode digit class, and bounded
/// repetitions of large classes. Both compile to automata many times the
/// size of their ASCII forms, and a run compiles each rule's regex when it
/// first confirms a candidate.
fn costly_regexes(set: &RuleSet, findings: &mut Vec<Finding>) {
    for rule in set.rules() {
        let Some(re) = &rule.regex else { continue };
        // The syntax tree tells where `\d` is written, its translation
        // whether Unicode was on there (`(?-u:\d)` becomes a byte class).
        let Ok(ast) = regex_syntax::ast::parse::Parser::new().parse(re.as_str()) else {
            continue;
        };
        let Ok(hir) = regex_syntax::hir::translate::Translator::new().translate(re.as_str(), &ast)
        else {
            continue;
        };
        let mut problems = Vec::new();
        if writes_digits(&ast) && any_class(&hir, &unicode_digits) {
            problems.push(
                "`\\d` matches the digits of every script; write `[0-9]` (and add the other scripts' digits the rule needs)"
                    .to_string(),
            );
        }
        let mut worst = None;
        large_repeats(&hir, &mut worst);
        if let Some(n) = worst {
            problems.push(format!(
                "a large character class is repeated up to {n} times, and each repetition is compiled as a copy; write `+` or `*` and bound the unit with `max-len`"
            ));
        }
        for message in problems {
            findings.push(Finding {
                severity: Severity::Warning,
                check: "costly-regex",
                location: rule.location.clone(),
                rule: Some(rule.id.clone()),
                message,
            });
        }
    }
}

/// Whether the regex writes `\d`, alone or in a bracketed class.
fn writes_digits(ast: &regex_syntax::ast::Ast) -> bool {
    use regex_syntax::ast::{Ast, ClassPerlKind, ClassSet, ClassSetItem};
    fn in_set(set: &ClassSet) -> bool {
        match set {
            ClassSet::Item(item) => in_item(item),
            ClassSet::BinaryOp(op) => in_set(&op.lhs) || in_set(&op.rhs),
        }
    }
    fn in_item(item: &ClassSetItem) -> bool {
        match item {
            ClassSetItem::Perl(c) => c.kind == ClassPerlKind::Digit,
            ClassSetItem::Bracketed(c) => in_set(&c.kind),
            ClassSetItem::Union(u) => u.items.iter().any(in_item),
            _ => false,
        }
    }
    match ast {
        Ast::ClassPerl(c) => c.kind == ClassPerlKind::Digit && !c.negated,
        Ast::ClassBracketed(c) => in_set(&c.kind),
        Ast::Repetition(r) => writes_digits(&r.ast),
        Ast::Group(g) => writes_digits(&g.ast),
        Ast::Alternation(a) => a.asts.iter().any(writes_digits),
        Ast::Concat(c) => c.asts.iter().any(writes_digits),
        _ => false,
    }
}

/// Whether `class` is the Unicode digit class, or one as wide: the
/// Arabic-Indic and the Devanagari digits, and no letters.
fn unicode_digits(class: &regex_syntax::hir::ClassUnicode) -> bool {
    let holds = |ch: char| {
        class
            .ranges()
            .iter()
            .any(|r| r.start() <= ch && ch <= r.end())
    };
    holds('\u{0660}') && holds('\u{0966}') && !holds('a')
}

/// Whether a Unicode class in `hir` satisfies `test`.
fn any_class(
    hir: &regex_syntax::hir::Hir,
    test: &dyn Fn(&regex_syntax::hir::ClassUnicode) -> bool,
) -> bool {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Class(Class::Unicode(c)) => test(c),
        HirKind::Repetition(r) => any_class(&r.sub, test),
        HirKind::Capture(c) => any_class(&c.sub, test),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().any(|h| any_class(h, test)),
        _ => false,
    }
}

/// The largest bound of a repetition, of at least [`COSTLY_REPEAT`], whose
/// body holds a large class.
fn large_repeats(hir: &regex_syntax::hir::Hir, worst: &mut Option<u32>) {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Repetition(r) => {
            if let Some(max) = r.max
                && max >= COSTLY_REPEAT
                && any_class(&r.sub, &|c| c.ranges().len() > LARGE_CLASS)
            {
                *worst = Some(worst.map_or(max, |w| w.max(max)));
            }
            large_repeats(&r.sub, worst);
        }
        HirKind::Capture(c) => large_repeats(&c.sub, worst),
        HirKind::Concat(v) | HirKind::Alternation(v) => {
            v.iter().for_each(|h| large_repeats(h, worst));
        }
        _ => {}
    }
}

fn publisher_packs(set: &RuleSet, findings: &mut Vec<Finding>) {
    for pack in set.packs() {
        if pack.scope != Scope::Publisher {
            continue;
        }
        let weak = pack.signatures.len() < 2 && pack.strong_signatures.is_empty();
        let missing = match (pack.domains.is_empty(), weak) {
            (true, true) => {
                "no domains and neither two signatures nor a strong one: it can only apply when the publisher is given"
            }
            (true, false) => "no domains: documents with a URL are never resolved to it",
            (false, true) => {
                "neither two signatures nor a strong one: documents without metadata are never resolved to it"
            }
            (false, false) => continue,
        };
        findings.push(Finding {
            severity: Severity::Warning,
            check: "publisher-unresolvable",
            location: pack.location.clone(),
            rule: None,
            message: format!("publisher pack `{}` has {missing}", pack.id),
        });
    }
}

/// Words so frequent in running text that an anchor made only of them fires
/// on ordinary prose, in the languages the built-in rules cover (lowercase).
const PROSE_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "had", "has", "have",
    "he", "her", "his", "in", "is", "it", "its", "not", "of", "on", "or", "said", "she", "that",
    "the", "their", "they", "this", "to", "was", "were", "which", "who", "will", "with", "der",
    "die", "das", "und", "den", "dem", "des", "ein", "eine", "ist", "mit", "von", "zu", "auf",
    "für", "nicht", "sich", "le", "la", "les", "des", "du", "et", "est", "un", "une", "dans",
    "pour", "que", "qui", "sur", "el", "los", "las", "del", "y", "en", "con", "por", "para", "una",
    "il", "di", "che", "non", "per", "da", "o", "do", "da", "em", "um", "uma", "и", "в", "на",
    "не", "что", "с", "по", "это", "bir", "ve", "bu", "da", "de", "için", "ile", "w", "z", "i",
    "się", "nie", "że", "na", "في", "من", "على", "أن", "إلى",
];

/// An anchor made only of the most frequent words fires all over body
/// text: every hit costs a confirmation, and a loose rule removes prose.
fn prose_anchors(set: &RuleSet, findings: &mut Vec<Finding>) {
    for rule in set.rules() {
        for (a, loc) in rule.anchors.iter().zip(&rule.anchor_locations) {
            // Punctuation makes a literal of its own (` (der.)`).
            if a.chars()
                .any(|c| !c.is_alphanumeric() && !c.is_whitespace())
            {
                continue;
            }
            let words: Vec<&str> = a
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            let prose = |w: &&str| PROSE_WORDS.contains(&w.to_lowercase().as_str());
            // Matched in their case, capitals after the first word (`By A`)
            // are rare in running text.
            let in_prose_case = rule.case_insensitive
                || words
                    .iter()
                    .skip(1)
                    .all(|w| !w.chars().next().is_some_and(char::is_uppercase));
            if words.is_empty() || !words.iter().all(prose) || !in_prose_case {
                continue;
            }
            findings.push(Finding {
                severity: Severity::Warning,
                check: "prose-anchor",
                location: loc.clone(),
                rule: Some(rule.id.clone()),
                message: format!(
                    "anchor {a:?} is made only of words that fill ordinary prose, so it fires in nearly every document; anchor on a literal of the boilerplate itself"
                ),
            });
        }
    }
}

/// Whether a rule has nothing but its anchor to go on.
fn unconfirmed(rule: &Rule) -> bool {
    rule.regex.is_none()
        && rule.where_ == Where::Contains
        && rule.in_first.is_none()
        && rule.in_last.is_none()
        && rule.shape.is_empty()
        && (rule.max_len.is_none()
            || matches!(rule.removal, Removal::Block { .. } | Removal::ToEnd))
}

fn body_hits(set: &RuleSet, corpus: &[(String, String)], findings: &mut Vec<Finding>) {
    let all = anchors(set);
    let Ok(ac) = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(all.iter().map(|(_, _, a, _)| a))
    else {
        return;
    };
    let mut hits = vec![0usize; all.len()];
    for (_, text) in corpus {
        // Anchors are matched in the folded view of the text, as the
        // stripper matches them.
        let view = crate::engine::fold(text);
        for m in ac.find_overlapping_iter(&view) {
            let p = m.pattern().as_usize();
            let (_, _, key, ci) = &all[p];
            if *ci || view[m.start()..m.end()] == **key {
                hits[p] += 1;
            }
        }
    }
    for (p, &n) in hits.iter().enumerate() {
        let (ri, ai, _, _) = &all[p];
        let rule = &set.rules()[*ri];
        if n == 0 || !unconfirmed(rule) {
            continue;
        }
        findings.push(Finding {
            severity: Severity::Warning,
            check: "anchor-in-body-text",
            location: rule.anchor_locations[*ai].clone(),
            rule: Some(rule.id.clone()),
            message: format!(
                "anchor {:?} occurs {n} time{} in body text of the bundled corpus, and the rule has nothing else to confirm it; add `where`, `regex`, `max-len` or a position",
                rule.anchors[*ai],
                if n == 1 { "" } else { "s" }
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Source;

    fn set(rules: &str) -> RuleSet {
        let text = format!("[pack]\nid = \"t\"\nscope = \"publisher\"\nname = \"T\"\n\n{rules}");
        RuleSet::from_sources(&[Source::new("t.toml", text)]).unwrap()
    }

    const EX: &str = "strip = [\"x\"]\nkeep = [\"y\"]\n";

    #[test]
    fn finds_each_kind_of_problem() {
        let rules = format!(
            "[[rules]]\nid = \"a\"\ncategory = \"other\"\nanchor = \"Read more\"\nremove = \"anchor\"\nstrip = [{{ text = \"Read more: x\", clean = \": x\" }}]\nkeep = [\"y\"]\n\n\
             [[rules]]\nid = \"b\"\ncategory = \"other\"\nanchor = \"Read more:\"\nwhere = \"ends-with\"\n{EX}\n\
             [[rules]]\nid = \"c\"\ncategory = \"other\"\nanchor = \"\\\\d+ hours ago\"\nwhere = \"equals\"\n{EX}\n\
             [[rules]]\nid = \"d\"\ncategory = \"other\"\nanchor = \"the West\"\nremove = \"anchor\"\n{EX}"
        );
        let s = set(&rules);
        let corpus = vec![(
            "c".to_string(),
            "Putin said the West must stop.".to_string(),
        )];
        let found = lint(&s, &corpus);
        let checks: Vec<(&str, Option<&str>)> =
            found.iter().map(|f| (f.check, f.rule.as_deref())).collect();
        assert!(
            checks.contains(&("shadowed-anchor", Some("a"))),
            "{found:#?}"
        );
        assert!(
            checks.contains(&("regex-in-anchor", Some("c"))),
            "{found:#?}"
        );
        assert!(
            checks.contains(&("anchor-in-body-text", Some("d"))),
            "{found:#?}"
        );
        assert!(
            checks.contains(&("publisher-unresolvable", None)),
            "{found:#?}"
        );
        assert!(!checks.contains(&("anchor-in-body-text", Some("a"))));
        let shown = found
            .iter()
            .find(|f| f.check == "shadowed-anchor")
            .unwrap()
            .to_string();
        assert!(
            shown.starts_with("t.toml:9:11: warning[shadowed-anchor] in rule `a`"),
            "{shown}"
        );
    }

    #[test]
    fn an_anchor_of_prose_words_is_reported() {
        let rules = format!(
            "[[rules]]\nid = \"p\"\ncategory = \"other\"\nanchor = \"and the\"\nremove = \"line\"\nwhere = \"equals\"\n{EX}\n\
             [[rules]]\nid = \"q\"\ncategory = \"other\"\nanchor = \"Read the full story\"\nremove = \"line\"\nwhere = \"equals\"\n{EX}"
        );
        let found = lint(&set(&rules), &[]);
        let prose: Vec<_> = found
            .iter()
            .filter(|f| f.check == "prose-anchor")
            .map(|f| f.rule.as_deref())
            .collect();
        assert_eq!(prose, [Some("p")], "{found:#?}");
    }

    #[test]
    fn a_costly_regex_is_reported() {
        let rules = format!(
            "[[rules]]\nid = \"digits\"\ncategory = \"other\"\nanchor = \"Updated\"\nregex = '^Updated \\d{{1,2}}:\\d{{2}}$'\n{EX}\n\
             [[rules]]\nid = \"ascii-digits\"\ncategory = \"other\"\nanchor = \"Posted\"\nregex = '^Posted [0-9]{{1,2}}:(?-u:\\d){{2}}$'\n{EX}\n\
             [[rules]]\nid = \"repeat\"\ncategory = \"other\"\nanchor = \"Editor:\"\nregex = 'Editor: [\\p{{L}} ]{{2,30}}$'\n{EX}\n\
             [[rules]]\nid = \"short-class\"\ncategory = \"other\"\nanchor = \"Photo:\"\nregex = 'Photo: [^\\n]{{2,300}}$'\n{EX}"
        );
        let found = lint(&set(&rules), &[]);
        let costly: Vec<_> = found
            .iter()
            .filter(|f| f.check == "costly-regex")
            .map(|f| (f.rule.as_deref(), f.message.split(';').next().unwrap_or("")))
            .collect();
        assert_eq!(
            costly,
            [
                (Some("digits"), "`\\d` matches the digits of every script"),
                (
                    Some("repeat"),
                    "a large character class is repeated up to 30 times, and each repetition is compiled as a copy"
                ),
            ],
            "{found:#?}"
        );
    }
}
