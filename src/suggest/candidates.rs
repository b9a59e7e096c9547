//! From the exact counts to what may become rules: per group, the units that
//! recur often enough and are not syndicated copy; and the syndicated copy
//! itself, for the report.

use super::counting::{Entry, Example, GroupCount};
use super::units::Unit;
use super::{Group, Shared};
use std::collections::HashMap;

/// A unit that may become a rule of a group: its key, its counts, and its
/// counts in the group.
pub(super) type Candidate<'e> = (u64, &'e Entry, &'e GroupCount);

/// Per group, the units that may become rules: recurring in at least
/// `min_docs` documents of it, not syndicated copy, and for a prefix or a
/// suffix, with the rest of the line varying.
pub(super) fn candidates(
    entries: &HashMap<u64, Entry>,
    groups: usize,
    min_docs: u64,
) -> Vec<Vec<Candidate<'_>>> {
    let mut per_group: Vec<Vec<Candidate<'_>>> = vec![Vec::new(); groups];
    for (&key, e) in entries {
        let eligible = match e.unit {
            Unit::Line => !e.shared(),
            Unit::Block => {
                !e.shared()
                    && !e
                        .lines
                        .iter()
                        .any(|k| entries.get(k).is_some_and(Entry::shared))
            }
            _ => e.variants.len() >= 2,
        };
        if !eligible {
            continue;
        }
        for gc in &e.groups {
            if gc.docs < min_docs {
                continue;
            }
            // A block stands for lines that (nearly) always come together:
            // it must cover nine in ten of the documents of its first and
            // of its last line. Lines that only sometimes sit side by side
            // stay rules of their own.
            if e.unit == Unit::Block {
                let line_docs = |k: Option<&u64>| {
                    k.and_then(|k| entries.get(k))
                        .and_then(|l| l.groups.iter().find(|g| g.group == gc.group))
                        .map_or(u64::MAX, |g| g.docs)
                };
                let most = line_docs(e.lines.first()).max(line_docs(e.lines.last()));
                if gc.docs.saturating_mul(10) < most.saturating_mul(9) {
                    continue;
                }
            }
            per_group[gc.group as usize].push((key, e, gc));
        }
    }
    per_group
}

/// The earliest document of a shared line, over its groups.
pub(super) fn shared_sample(e: &Entry) -> Option<u64> {
    e.groups
        .iter()
        .flat_map(|g| g.samples())
        .map(|x| x.ordinal)
        .min()
}

/// Lines whose wording recurs in different groups, most documents first.
pub(super) fn shared(
    entries: &HashMap<u64, Entry>,
    groups: &[Group],
    examples: &HashMap<(u64, u64), Example>,
) -> Vec<Shared> {
    let mut out: Vec<Shared> = entries
        .iter()
        .filter(|(_, e)| e.unit == Unit::Line && e.shared())
        .filter_map(|(&key, e)| {
            let text = examples.get(&(key, shared_sample(e)?))?;
            let mut per: Vec<(String, u64)> = e
                .groups
                .iter()
                .map(|g| (groups[g.group as usize].name.clone(), g.docs))
                .collect();
            per.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            Some(Shared {
                text: text.text.clone(),
                documents: e.groups.iter().map(|g| g.docs).sum(),
                groups: per,
            })
        })
        .collect();
    out.sort_by(|a, b| b.documents.cmp(&a.documents).then(a.text.cmp(&b.text)));
    out
}
