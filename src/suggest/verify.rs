//! Checking the drafts together with the loaded rules: they must load, pass
//! the rule tests and add no lint finding about their rules; and choosing
//! the signatures of the publisher packs they create.

use super::SuggestionKind;
use super::anchors::chars;
use super::draft::Drafter;
use super::pack::Plan;
use crate::rules::{MIN_ANCHOR_CHARS, RuleSet, Source};
use std::collections::{HashMap, HashSet};

impl Drafter<'_> {
    /// Checks the drafts together with the loaded rules: they must load,
    /// pass the rule tests and add no lint finding about their rules. Rules
    /// that fail are dropped, until none does.
    pub(super) fn verify(&mut self, mut plans: Vec<Plan>) -> Vec<Plan> {
        // A failure or finding is laid at a draft rule's door only when it
        // names it (as the failing rule, a rule that fired, or in the lint
        // message), which a problem of the loaded rules alone never does.
        let body = crate::corpus::body();
        // Every round drops a rule or ends the loop.
        loop {
            self.choose_signatures(&mut plans);
            let draft_ids: HashSet<String> = plans
                .iter()
                .flat_map(|p| p.rules.iter().map(|r| r.id.clone()))
                .collect();
            if draft_ids.is_empty() {
                return plans;
            }
            let sources = self.sources_with(&plans);
            let set = match RuleSet::from_sources(&sources) {
                Ok(set) => set,
                Err(e) => {
                    // A rule that does not load with the others (it should
                    // not happen: each loaded alone) is dropped; a problem
                    // that names no draft rule drops the file's rules.
                    let mut bad: HashSet<String> = HashSet::new();
                    for d in &e.diagnostics {
                        match &d.rule {
                            Some(r) if draft_ids.contains(r) => {
                                bad.insert(r.clone());
                            }
                            _ => {
                                for p in &plans {
                                    if d.file == self.file_name(p) {
                                        bad.extend(p.rules.iter().map(|r| r.id.clone()));
                                    }
                                }
                            }
                        }
                    }
                    if bad.is_empty() {
                        self.dropped += draft_ids.len() as u64;
                        for p in &mut plans {
                            p.rules.clear();
                        }
                        return plans;
                    }
                    self.drop_rules(&mut plans, &bad);
                    continue;
                }
            };
            let mut bad: HashSet<String> = HashSet::new();
            for f in crate::selftest::run(&set).failures {
                if draft_ids.contains(&f.rule) {
                    bad.insert(f.rule.clone());
                }
                bad.extend(f.fired.iter().filter(|r| draft_ids.contains(*r)).cloned());
            }
            if bad.is_empty() {
                // When a finding names two draft rules (one hides the
                // other), the one covering fewer documents goes.
                let docs: HashMap<&str, u64> = plans
                    .iter()
                    .flat_map(|p| p.rules.iter().map(|r| (r.id.as_str(), r.docs)))
                    .collect();
                for f in crate::lint::lint(&set, &body) {
                    let mut named: Vec<&String> = draft_ids
                        .iter()
                        .filter(|id| {
                            f.rule.as_ref() == Some(*id) || f.message.contains(&format!("`{id}`"))
                        })
                        .collect();
                    named.sort_by(|a, b| docs[b.as_str()].cmp(&docs[a.as_str()]).then(a.cmp(b)));
                    let skip = usize::from(named.len() > 1);
                    bad.extend(named.into_iter().skip(skip).cloned());
                }
            }
            if bad.is_empty() {
                break;
            }
            self.drop_rules(&mut plans, &bad);
        }
        plans
    }

    fn drop_rules(&mut self, plans: &mut [Plan], bad: &HashSet<String>) {
        for p in plans {
            let before = p.rules.len();
            p.rules.retain(|r| !bad.contains(&r.id));
            self.dropped += (before - p.rules.len()) as u64;
        }
    }

    fn file_name(&self, plan: &Plan) -> String {
        match &plan.merge_into {
            Some(file) => file.clone(),
            None => format!("suggested/{}.toml", plan.pack),
        }
    }

    /// The loaded sources with every draft: a draft for a publisher that has
    /// a pack is appended to that pack's file; the others are files of their
    /// own.
    fn sources_with(&self, plans: &[Plan]) -> Vec<Source> {
        let mut sources: Vec<Source> = self.sources.to_vec();
        for p in plans.iter().filter(|p| !p.rules.is_empty()) {
            match &p.merge_into {
                Some(file) => {
                    if let Some(s) = sources.iter_mut().find(|s| &s.name == file) {
                        s.text.push('\n');
                        s.text.push_str(&p.rules_text());
                    }
                }
                None => sources.push(Source::new(
                    self.file_name(p),
                    format!("{}{}", p.head(None), p.rules_text()),
                )),
            }
        }
        sources
    }

    /// Signatures for the publisher packs the drafts create: up to three
    /// anchors of whole-line rules (the group's own recurring lines), none
    /// inside another anchor.
    fn choose_signatures(&self, plans: &mut [Plan]) {
        let anchors: Vec<String> = self
            .base
            .rules()
            .iter()
            .flat_map(|r| r.anchors.iter().cloned())
            .chain(
                plans
                    .iter()
                    .flat_map(|p| p.rules.iter().map(|r| r.anchor.clone())),
            )
            .collect();
        for p in plans.iter_mut().filter(|p| p.own_signatures) {
            let mut sigs: Vec<String> = Vec::new();
            for r in &p.rules {
                if sigs.len() == 3 {
                    break;
                }
                let literal = r.where_ == "equals"
                    && matches!(r.kind, SuggestionKind::Line | SuggestionKind::Block);
                if literal
                    && chars(&r.anchor) >= MIN_ANCHOR_CHARS
                    && !sigs.contains(&r.anchor)
                    && !anchors
                        .iter()
                        .any(|a| a != &r.anchor && a.contains(r.anchor.as_str()))
                {
                    sigs.push(r.anchor.clone());
                }
            }
            // One recurring line of the group's own decides nothing on its
            // own unless it is marked strong: it is a whole line that only
            // this group prints.
            if sigs.len() == 1 {
                p.strong_signatures = sigs;
            } else {
                p.signatures = sigs;
            }
        }
    }
}
