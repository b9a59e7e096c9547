//! Exact counts of the recurring units: per unit and per group, the
//! documents it occurs in and where to find examples of it, merged from the
//! workers in any order to the same result.

use super::GroupKind;
use super::units::Unit;
use std::collections::HashMap;

/// One stored example of a recurring unit.
#[derive(Debug, Clone)]
pub(super) struct Example {
    /// Hash of the exact text (white space normalised).
    pub(super) variant: u64,
    /// The unit's text: a line, or a block's lines as they stand.
    pub(super) text: String,
    /// For an affix: the recurring text and what its rule removes, in `text`.
    pub(super) affix: (usize, usize),
    pub(super) cut: (usize, usize),
    /// The non-blank lines around the unit, when short.
    pub(super) before: Option<String>,
    pub(super) after: Option<String>,
    /// A body line of the same document.
    pub(super) keep: Option<String>,
}

/// Where an example of a unit can be found: a document and the unit's
/// exact wording there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Sample {
    pub(super) ordinal: u64,
    pub(super) variant: u64,
}

/// At most `N` samples, sorted by document, kept inline (a group count
/// exists for every recurring unit in every group it recurs in).
#[derive(Debug, Clone, Copy)]
struct Few<const N: usize> {
    len: u8,
    items: [Sample; N],
}

impl<const N: usize> Few<N> {
    const EMPTY: Few<N> = Few {
        len: 0,
        items: [Sample {
            ordinal: 0,
            variant: 0,
        }; N],
    };

    fn as_slice(&self) -> &[Sample] {
        &self.items[..self.len as usize]
    }

    fn is_full(&self) -> bool {
        self.len as usize == N
    }

    /// Inserts `x` in document order, dropping the last sample when full.
    fn insert(&mut self, x: Sample) {
        let len = self.len as usize;
        let at = self.as_slice().partition_point(|e| e.ordinal < x.ordinal);
        if at == N {
            return;
        }
        let end = len.min(N - 1);
        self.items.copy_within(at..end, at + 1);
        self.items[at] = x;
        self.len = (len + 1).min(N) as u8;
    }

    fn remove(&mut self, at: usize) {
        let len = self.len as usize;
        self.items.copy_within(at + 1..len, at);
        self.len -= 1;
    }
}

/// Counts of a unit within one group, and where to find examples (the
/// strings themselves are read in the third pass, for candidates only).
#[derive(Debug, Clone)]
pub(super) struct GroupCount {
    pub(super) group: u32,
    pub(super) docs: u64,
    pub(super) leading: u64,
    pub(super) trailing: u64,
    /// The two earliest documents.
    first: Few<2>,
    /// The earliest document of each of the three variants seen earliest.
    distinct: Few<3>,
}

impl GroupCount {
    fn new(group: u32) -> GroupCount {
        GroupCount {
            group,
            docs: 0,
            leading: 0,
            trailing: 0,
            first: Few::EMPTY,
            distinct: Few::EMPTY,
        }
    }

    /// Keeps `x` if it is among the two earliest documents, or the earliest
    /// of one of the three earliest variants. The result does not depend on
    /// the order samples are offered in.
    pub(super) fn offer(&mut self, x: Sample) {
        let first = self.first.as_slice();
        if first.iter().all(|e| e.ordinal != x.ordinal)
            && (!self.first.is_full() || first.last().is_some_and(|e| x.ordinal < e.ordinal))
        {
            self.first.insert(x);
        }
        if let Some(i) = self
            .distinct
            .as_slice()
            .iter()
            .position(|e| e.variant == x.variant)
        {
            if x.ordinal >= self.distinct.as_slice()[i].ordinal {
                return;
            }
            self.distinct.remove(i);
        }
        self.distinct.insert(x);
    }

    fn merge(&mut self, other: GroupCount) {
        self.docs += other.docs;
        self.leading += other.leading;
        self.trailing += other.trailing;
        for x in other
            .first
            .as_slice()
            .iter()
            .chain(other.distinct.as_slice())
        {
            self.offer(*x);
        }
    }

    /// The sampled documents, earliest first, each once.
    pub(super) fn samples(&self) -> Vec<Sample> {
        let mut all: Vec<Sample> = self
            .first
            .as_slice()
            .iter()
            .chain(self.distinct.as_slice())
            .copied()
            .collect();
        all.sort_by_key(|e| e.ordinal);
        all.dedup_by_key(|e| e.ordinal);
        all
    }
}

/// Variants tracked per unit (the ones with the smallest hashes, so the
/// sample is the same whatever the order documents are counted in).
const VARIANTS: usize = 8;
pub(super) const NO_GROUP: u32 = u32::MAX;

/// Everything counted about one recurring unit.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) unit: Unit,
    /// For a block: the keys of its lines.
    pub(super) lines: Vec<u64>,
    /// Sampled exact variants, each with the two smallest groups it was seen
    /// in.
    pub(super) variants: Vec<(u64, [u32; 2])>,
    /// Per group, sorted by group.
    pub(super) groups: Vec<GroupCount>,
    /// Longest unit seen, in bytes.
    pub(super) max_len: usize,
    /// Longest varying part of a bracket group, in characters.
    pub(super) max_var: usize,
    /// Longest text outside an affix, in bytes and words.
    pub(super) max_outside: usize,
    pub(super) max_outside_words: usize,
}

fn add_group(pair: &mut [u32; 2], g: u32) {
    if g == pair[0] || g == pair[1] {
        return;
    }
    if g < pair[0] {
        pair[1] = pair[0];
        pair[0] = g;
    } else if g < pair[1] {
        pair[1] = g;
    }
}

impl Entry {
    pub(super) fn new(unit: Unit, lines: Vec<u64>) -> Entry {
        Entry {
            unit,
            lines,
            variants: Vec::new(),
            groups: Vec::new(),
            max_len: 0,
            max_var: 0,
            max_outside: 0,
            max_outside_words: 0,
        }
    }

    pub(super) fn add_variant(&mut self, variant: u64, groups: [u32; 2]) {
        match self.variants.binary_search_by_key(&variant, |v| v.0) {
            Ok(i) => {
                for g in groups {
                    if g != NO_GROUP {
                        add_group(&mut self.variants[i].1, g);
                    }
                }
            }
            Err(i) if i < VARIANTS => {
                self.variants.insert(i, (variant, groups));
                self.variants.truncate(VARIANTS);
            }
            Err(_) => {}
        }
    }

    pub(super) fn group_mut(&mut self, group: u32) -> &mut GroupCount {
        let i = match self.groups.binary_search_by_key(&group, |g| g.group) {
            Ok(i) => i,
            Err(i) => {
                self.groups.insert(i, GroupCount::new(group));
                i
            }
        };
        &mut self.groups[i]
    }

    /// Whether the same wording was seen in two groups.
    pub(super) fn shared(&self) -> bool {
        self.variants.iter().any(|(_, g)| g[1] != NO_GROUP)
    }

    pub(super) fn merge(&mut self, other: Entry) {
        for (v, g) in other.variants {
            self.add_variant(v, g);
        }
        self.max_len = self.max_len.max(other.max_len);
        self.max_var = self.max_var.max(other.max_var);
        self.max_outside = self.max_outside.max(other.max_outside);
        self.max_outside_words = self.max_outside_words.max(other.max_outside_words);
        for g in other.groups {
            let group = g.group;
            self.group_mut(group).merge(g);
        }
    }
}

/// A group's identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct GroupKey {
    pub(super) kind: GroupKind,
    pub(super) name: String,
}

#[derive(Debug, Default)]
pub(super) struct GroupStats {
    pub(super) docs: u64,
    pub(super) hosts: HashMap<String, u64>,
}

/// The hosts that make up at least a tenth of a publisher's documents with
/// a URL, at most three.
pub(super) fn top_hosts(stats: &GroupStats) -> Vec<String> {
    let total: u64 = stats.hosts.values().sum();
    let mut hosts: Vec<(&String, &u64)> = stats.hosts.iter().collect();
    hosts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    hosts
        .into_iter()
        .filter(|(_, n)| **n * 10 >= total)
        .take(3)
        .map(|(h, _)| h.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_do_not_depend_on_order() {
        let xs: Vec<Sample> = (0..40u64)
            .map(|i| Sample {
                ordinal: (i * 7919) % 101,
                variant: i % 5,
            })
            .collect();
        let mut forward = GroupCount::new(0);
        xs.iter().for_each(|x| forward.offer(*x));
        let mut backward = GroupCount::new(0);
        xs.iter().rev().for_each(|x| backward.offer(*x));
        let mut halves = GroupCount::new(0);
        let mut other = GroupCount::new(0);
        xs[..20].iter().for_each(|x| halves.offer(*x));
        xs[20..].iter().for_each(|x| other.offer(*x));
        halves.merge(other);
        assert_eq!(forward.samples(), backward.samples());
        assert_eq!(forward.samples(), halves.samples());
        // The two earliest documents are always among the samples.
        let mut all: Vec<u64> = xs.iter().map(|x| x.ordinal).collect();
        all.sort();
        let ordinals: Vec<u64> = forward.samples().iter().map(|x| x.ordinal).collect();
        assert_eq!(&ordinals[..2], &all[..2]);
    }
}
