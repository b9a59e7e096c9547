//! Drafting the rules of every group: a rule for each candidate, from its
//! examples, ranked, and kept only when it strips its own examples, keeps
//! its keep example and adds something to the rules already kept.

use super::anchors::{affix_anchor, category, chars, line_anchor, line_anchor_at_start, pattern};
use super::candidates::Candidate;
use super::counting::{Entry, Example, GroupCount};
use super::pack::{Plan, RuleDraft, StripEx, is_valid_id, sanitize_id, slug, toml_str};
use super::units::{Unit, shorten};
use super::{Group, GroupKind, SuggestionKind};
use crate::engine::{Document, Stripper};
use crate::rules::{RuleSet, Scope, Source};
use std::collections::{HashMap, HashSet};

/// Builds, checks and ranks the rules of every group.
pub(super) struct Drafter<'a> {
    pub(super) base: &'a RuleSet,
    pub(super) sources: &'a [Source],
    pub(super) min_docs: u64,
    pub(super) max_rules: usize,
    pub(super) pack_ids: HashSet<String>,
    pub(super) rule_ids: HashSet<String>,
    pub(super) no_anchor: u64,
    pub(super) dropped: u64,
    pub(super) beyond_cap: u64,
}

impl Drafter<'_> {
    fn unique_pack(&mut self, want: &str) -> String {
        let mut id = want.to_string();
        let mut n = 2;
        while self.pack_ids.contains(&id) {
            id = format!("{want}-{n}");
            n += 1;
        }
        self.pack_ids.insert(id.clone());
        id
    }

    fn unique_rule(&mut self, want: &str) -> String {
        let mut id = want.to_string();
        let mut n = 2;
        while self.rule_ids.contains(&id) {
            id = format!("{want}-{n}");
            n += 1;
        }
        self.rule_ids.insert(id.clone());
        id
    }

    /// One plan per group with candidates.
    pub(super) fn plans(
        &mut self,
        per_group: Vec<Vec<Candidate<'_>>>,
        groups: &[Group],
        hosts: &[Vec<String>],
        examples: &HashMap<(u64, u64), Example>,
    ) -> Vec<Plan> {
        let mut plans = Vec::new();
        for (gi, mut cands) in per_group.into_iter().enumerate() {
            if cands.is_empty() {
                continue;
            }
            let mut plan = self.plan(gi, groups, &hosts[gi]);
            let first = |c: &Candidate<'_>| {
                c.2.samples()
                    .first()
                    .and_then(|x| examples.get(&(c.0, x.ordinal)))
            };
            cands.sort_by(|a, b| {
                let ea = first(a);
                let eb = first(b);
                (a.1.unit != Unit::Block)
                    .cmp(&(b.1.unit != Unit::Block))
                    .then(b.2.docs.cmp(&a.2.docs))
                    .then(a.1.unit.cmp(&b.1.unit))
                    .then(b.1.lines.len().cmp(&a.1.lines.len()))
                    .then_with(|| {
                        let ta = ea.map(|x| x.affix.1 - x.affix.0);
                        let tb = eb.map(|x| x.affix.1 - x.affix.0);
                        tb.cmp(&ta)
                    })
                    .then_with(|| {
                        ea.map(|x| x.text.as_str())
                            .cmp(&eb.map(|x| x.text.as_str()))
                    })
                    .then(a.0.cmp(&b.0))
            });
            self.choose(&mut plan, &groups[gi], cands, examples);
            if !plan.rules.is_empty() {
                plans.push(plan);
            }
        }
        plans
    }

    fn plan(&mut self, gi: usize, groups: &[Group], hosts: &[String]) -> Plan {
        let g = &groups[gi];
        let mut note = None;
        let (want, scope, publisher, domains, own) = match g.kind {
            GroupKind::Pack => {
                let pack = self.base.publisher(&g.name).expect("a loaded pack");
                let plan = Plan {
                    group: gi,
                    pack: g.name.clone(),
                    scope: Scope::Publisher,
                    publisher: Some(g.name.clone()),
                    merge_into: Some(pack.file.clone()),
                    name: pack.name.clone(),
                    domains: pack.domains.clone(),
                    signatures: pack.signatures.clone(),
                    strong_signatures: pack.strong_signatures.clone(),
                    own_signatures: false,
                    note: None,
                    rules: Vec::new(),
                };
                return plan;
            }
            GroupKind::Publisher if is_valid_id(&g.name) => (
                g.name.clone(),
                Scope::Publisher,
                Some(g.name.clone()),
                hosts.to_vec(),
                true,
            ),
            GroupKind::Domain if is_valid_id(&g.name) => (
                g.name.clone(),
                Scope::Publisher,
                Some(g.name.clone()),
                vec![g.name.clone()],
                true,
            ),
            GroupKind::Publisher | GroupKind::Domain => {
                note = Some(format!(
                    "`{}` is not a valid pack id, so this pack is common (it applies to every document).",
                    g.name
                ));
                (sanitize_id(&g.name), Scope::Common, None, Vec::new(), false)
            }
            GroupKind::Field | GroupKind::Folder => {
                note = Some(format!(
                    "The documents of {} `{}` have no known publisher, so this pack is common: its rules apply to every document.",
                    g.kind.as_str(),
                    g.name
                ));
                (sanitize_id(&g.name), Scope::Common, None, Vec::new(), false)
            }
        };
        // A publisher pack's id is its publisher id, which must stay as it is.
        let pack = if scope == Scope::Publisher {
            self.pack_ids.insert(want.clone());
            want
        } else {
            self.unique_pack(&want)
        };
        Plan {
            group: gi,
            name: format!("{} (suggested)", g.name),
            pack,
            scope,
            publisher,
            merge_into: None,
            domains,
            signatures: Vec::new(),
            strong_signatures: Vec::new(),
            own_signatures: own,
            note,
            rules: Vec::new(),
        }
    }

    /// Drafts the candidates in rank order, keeping the rules that pass their
    /// own examples and add something to the rules already kept.
    fn choose(
        &mut self,
        plan: &mut Plan,
        group: &Group,
        cands: Vec<Candidate<'_>>,
        examples: &HashMap<(u64, u64), Example>,
    ) {
        let head = format!(
            "[pack]\nid = {}\nscope = {}\n",
            toml_str(&plan.pack),
            toml_str(plan.scope.as_str())
        );
        let mut accepted: Option<Stripper> = None;
        let mut blocks: Vec<(Vec<u64>, u64)> = Vec::new();
        for (key, entry, gc) in cands {
            if plan.rules.len() >= self.max_rules {
                self.beyond_cap += 1;
                continue;
            }
            // A line or a shorter run inside a block already kept, and in
            // hardly more documents than it, is left to that block.
            let inner: &[u64] = if entry.unit == Unit::Block {
                &entry.lines
            } else {
                std::slice::from_ref(&key)
            };
            if matches!(entry.unit, Unit::Line | Unit::Block)
                && blocks.iter().any(|(lines, docs)| {
                    lines.windows(inner.len()).any(|w| w == inner) && gc.docs < docs + self.min_docs
                })
            {
                continue;
            }
            let found: Vec<&Example> = gc
                .samples()
                .iter()
                .filter_map(|x| examples.get(&(key, x.ordinal)))
                .collect();
            let Some(mut rule) = self.draft(key, entry, gc, group, &found) else {
                self.no_anchor += 1;
                continue;
            };
            rule.id = "suggest.candidate".into();
            let publisher = plan.publisher.as_deref();
            // Left to the rules already kept: a candidate whose every
            // example they already strip, or already cut into (a caption
            // whose credit is handled is body text with furniture gone).
            if let Some(s) = &accepted
                && rule
                    .strip
                    .iter()
                    .all(|e| run(s, &e.text, publisher) != e.text)
            {
                continue;
            }
            // Anchors inside one another hide each other (leftmost-longest
            // matching): the better-ranked rule stays alone.
            if plan.rules.iter().any(|r| {
                r.anchor != rule.anchor
                    && (r.anchor.contains(rule.anchor.as_str())
                        || rule.anchor.contains(r.anchor.as_str()))
            }) {
                continue;
            }
            let Some(mut rule) = check_alone(&head, rule, publisher) else {
                self.dropped += 1;
                continue;
            };
            let prefix = match rule.kind {
                SuggestionKind::Line => "line",
                SuggestionKind::Block => "block",
                SuggestionKind::Prefix => "prefix",
                SuggestionKind::Suffix => "suffix",
            };
            let words = slug(&rule.anchor);
            let want = if words.is_empty() {
                format!("{}.{prefix}", plan.pack)
            } else {
                format!("{}.{prefix}-{words}", plan.pack)
            };
            rule.id = self.unique_rule(&want);
            if rule.unit == Unit::Block {
                blocks.push((rule.lines.clone(), rule.docs));
            }
            plan.rules.push(rule);
            let text = format!("{head}{}", plan.rules_text());
            accepted = compile(&text).and_then(|set| Stripper::new(set).ok());
        }
        // Ranked by documents covered (blocks were considered first).
        plan.rules.sort_by(|a, b| {
            b.docs
                .cmp(&a.docs)
                .then(a.kind.as_str().cmp(b.kind.as_str()))
        });
    }

    /// The rule for one candidate, with every example it could use.
    fn draft(
        &self,
        key: u64,
        e: &Entry,
        gc: &GroupCount,
        group: &Group,
        examples: &[&Example],
    ) -> Option<RuleDraft> {
        let first = *examples.first()?;
        let mut keeps: Vec<String> = Vec::new();
        for k in examples.iter().filter_map(|x| x.keep.as_ref()) {
            if !keeps.contains(k) {
                keeps.push(k.clone());
            }
        }
        let share = 100.0 * gc.docs as f64 / group.documents.max(1) as f64;
        let mut rule = RuleDraft {
            id: String::new(),
            kind: SuggestionKind::Line,
            unit: e.unit,
            category: "other",
            anchor: String::new(),
            remove: "line",
            where_: "contains",
            regex: None,
            end: None,
            max_len: None,
            strip: Vec::new(),
            keep: keeps,
            docs: gc.docs,
            group_docs: group.documents,
            group_name: group.name.clone(),
            display: String::new(),
            evidence: String::new(),
            leading: gc.leading,
            trailing: gc.trailing,
            lines: if e.unit == Unit::Block {
                e.lines.clone()
            } else {
                vec![key]
            },
        };
        // A second example: another wording, else the first wording in its
        // context in another document.
        let other = examples
            .iter()
            .skip(1)
            .find(|x| x.variant != first.variant)
            .copied();
        let context = |x: &Example| -> Option<StripEx> {
            if x.before.is_none() && x.after.is_none() {
                return None;
            }
            let mut text = String::new();
            let mut clean = String::new();
            if let Some(b) = &x.before {
                text.push_str(&format!("{b}\n"));
                clean.push_str(&format!("{b}\n"));
            }
            text.push_str(&format!("{}\n", x.text));
            if let Some(a) = &x.after {
                text.push_str(&format!("{a}\n"));
                clean.push_str(&format!("{a}\n"));
            }
            Some(StripEx { text, clean })
        };
        // The strip examples of a rule that removes `text`: it, then the
        // alternatives in order, of which the first two that the rule
        // strips as expected are kept.
        let strip_examples = |text: &str| -> Vec<StripEx> {
            let whole = |text: String| StripEx {
                text,
                clean: String::new(),
            };
            std::iter::once(whole(text.to_string()))
                .chain(other.map(|x| whole(x.text.clone())))
                .chain(examples.iter().skip(1).filter_map(|x| context(x)))
                .collect()
        };
        let seen = |n: u64| {
            format!(
                "in {n} of {} documents ({share:.0}%) of {}",
                group.documents, group.name
            )
        };
        match e.unit {
            Unit::Line => {
                let line = first.text.as_str();
                let (anchor, placed, regex) = line_anchor(line)?;
                rule.kind = SuggestionKind::Line;
                rule.anchor = anchor;
                rule.where_ = placed;
                rule.regex = regex;
                rule.strip.extend(strip_examples(line));
                let digits = line.chars().any(|c| c.is_ascii_digit());
                rule.category = category(rule.kind, line, false, digits);
                rule.display = format!("\"{}\"", shorten(line, 90));
                rule.evidence = format!(
                    "Evidence: {}, as a whole line{}.",
                    seen(gc.docs),
                    if digits { " (digits vary)" } else { "" }
                );
            }
            Unit::Block => {
                let block = first.text.as_str();
                let lines: Vec<&str> = block
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect();
                let (open, close) = (*lines.first()?, *lines.last()?);
                // The block starts where its anchor does, so the anchor must
                // open the line.
                let (anchor, placed, regex) = line_anchor(open)
                    .filter(|(_, placed, _)| matches!(*placed, "equals" | "starts-with"))
                    .or_else(|| line_anchor_at_start(open))?;
                // The end literal must close the last line, or the block
                // would stop inside it. A block that (nearly) always ends
                // the text can do without: it goes to the end, within
                // `max-len`.
                let always_last = gc.trailing * 10 >= gc.docs * 9;
                let end = match affix_anchor(close, true) {
                    Some((a, b)) if b == close.len() && (a == 0 || chars(&close[a..b]) >= 8) => {
                        Some(close[a..b].to_string())
                    }
                    _ if always_last => None,
                    _ => return None,
                };
                rule.kind = SuggestionKind::Block;
                rule.anchor = anchor;
                rule.where_ = placed;
                rule.regex = regex;
                rule.remove = if end.is_some() { "block" } else { "to-end" };
                rule.end = end;
                rule.max_len = Some((e.max_len * 3 / 2 + 64).min(20_000));
                rule.strip.extend(strip_examples(block));
                let trailing = gc.trailing * 2 > gc.docs;
                let digits = block.chars().any(|c| c.is_ascii_digit());
                rule.category = category(rule.kind, block, trailing, digits);
                rule.display = format!(
                    "\"{}\" … \"{}\" ({} lines)",
                    shorten(open, 40),
                    shorten(close, 40),
                    lines.len()
                );
                let place = if trailing {
                    ", at the end of the text"
                } else if gc.leading * 2 > gc.docs {
                    ", at the start of the text"
                } else {
                    ""
                };
                rule.evidence = format!(
                    "Evidence: {}, as a block of {} lines{place}.",
                    seen(gc.docs),
                    lines.len()
                );
            }
            _ => {
                let line = first.text.as_str();
                let affix = &line[first.affix.0..first.affix.1];
                let cut = first.cut;
                let trimmed = affix.trim();
                let whole_line = e.max_outside <= 40 && e.max_outside_words <= 6;
                let n = (e.max_var * 2).clamp(20, 200);
                let is_prefix = e.unit == Unit::Prefix;
                let (a, b) = affix_anchor(trimmed, !is_prefix)?;
                let anchor = &trimmed[a..b];
                let core = match e.unit {
                    Unit::Prefix | Unit::SuffixWhole => pattern(trimmed),
                    Unit::SuffixHead => {
                        let close = line[cut.0..cut.1].chars().last()?;
                        format!(
                            "{}[^()\\[\\]\\n]{{1,{n}}}{}",
                            pattern(trimmed),
                            regex::escape(&close.to_string())
                        )
                    }
                    Unit::SuffixTail => {
                        let open = line[cut.0..].chars().next()?;
                        format!(
                            "{}[^()\\[\\]\\n]{{1,{n}}}{}",
                            regex::escape(&open.to_string()),
                            pattern(trimmed)
                        )
                    }
                    _ => return None,
                };
                rule.kind = if is_prefix {
                    SuggestionKind::Prefix
                } else {
                    SuggestionKind::Suffix
                };
                rule.anchor = anchor.to_string();
                let at_start = is_prefix && a == 0;
                let at_end = !is_prefix && b == trimmed.len() && e.unit != Unit::SuffixHead;
                rule.where_ = if at_start {
                    "starts-with"
                } else if at_end {
                    "ends-with"
                } else {
                    "contains"
                };
                if whole_line {
                    rule.remove = "line";
                    rule.max_len = Some(e.max_outside + (cut.1 - cut.0) + n + 16);
                    rule.regex = Some(if is_prefix {
                        format!(r"^\s*{core}")
                    } else {
                        format!(r"{core}\s*$")
                    });
                } else {
                    rule.remove = "anchor";
                    rule.regex = Some(if is_prefix {
                        format!(r"^\s*(?P<remove>{core}\s*)")
                    } else {
                        format!(r"(?P<remove>{core})\s*$")
                    });
                }
                let expected = |x: &Example| -> String {
                    if whole_line {
                        String::new()
                    } else if is_prefix {
                        x.text[x.cut.1..].trim_start().to_string()
                    } else {
                        x.text[..x.cut.0].trim_end().to_string()
                    }
                };
                let mut seen_text = HashSet::new();
                for x in examples.iter() {
                    if rule.strip.len() == 2 {
                        break;
                    }
                    if seen_text.insert(x.text.as_str()) {
                        rule.strip.push(StripEx {
                            text: x.text.clone(),
                            clean: expected(x),
                        });
                    }
                }
                rule.category = category(rule.kind, trimmed, false, false);
                rule.display = if is_prefix {
                    format!("\"{trimmed} …\"")
                } else {
                    match e.unit {
                        Unit::SuffixHead => {
                            let close = line[cut.0..cut.1].chars().last().unwrap_or(')');
                            format!("\"… {trimmed}…{close}\"")
                        }
                        Unit::SuffixTail => format!("\"… (…{trimmed}\""),
                        _ => format!("\"… {trimmed}\""),
                    }
                };
                rule.evidence = format!(
                    "Evidence: {}, {} with the rest of the line varying{}.",
                    seen(gc.docs),
                    if is_prefix {
                        "as the start of a line"
                    } else {
                        "as the end of a line"
                    },
                    if whole_line {
                        " (short lines: the whole line goes)"
                    } else {
                        ""
                    }
                );
            }
        }
        Some(rule)
    }
}

/// Compiles one rule file's text.
fn compile(text: &str) -> Option<RuleSet> {
    RuleSet::from_sources(&[Source::new("suggested.toml", text)]).ok()
}

/// Strips `text` as a document of `publisher`.
fn run(stripper: &Stripper, text: &str, publisher: Option<&str>) -> String {
    let mut doc = Document::new("suggest", text);
    doc.publisher = publisher;
    crate::batch::cut(stripper, &doc).clean
}

/// Keeps the strip examples the rule alone strips as expected and the keep
/// examples it leaves alone (two and one at most); `None` when none is left
/// of either.
fn check_alone(head: &str, mut rule: RuleDraft, publisher: Option<&str>) -> Option<RuleDraft> {
    if rule.strip.is_empty() || rule.keep.is_empty() {
        return None;
    }
    let set = compile(&format!("{head}\n{}", rule.toml()))?;
    let alone = Stripper::new(set).ok()?;
    rule.strip
        .retain(|e| run(&alone, &e.text, publisher) == e.clean);
    rule.strip.truncate(2);
    rule.keep.retain(|k| run(&alone, k, publisher) == *k);
    rule.keep.truncate(1);
    (!rule.strip.is_empty() && !rule.keep.is_empty()).then_some(rule)
}
