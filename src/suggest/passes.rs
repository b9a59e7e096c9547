//! What each pass does with one document: strip it, find its group, and
//! count its units (first into the sketch, then exactly), or keep the
//! examples of the units wanted from it.

use super::GroupKind;
use super::counting::{Entry, Example, GroupKey, GroupStats, NO_GROUP, Sample};
use super::scan::{DocIn, Local, Scan, Want};
use super::units::{
    Affix, LineInfo, TAG_BLOCK, TAG_BLOCK_EXACT, TAG_EXACT, TAG_LINE, Unit, affixes, each_line,
    forms, hash, words,
};
use crate::engine::domain;
use std::collections::{HashMap, HashSet};

/// One document's occurrence of a frequent unit.
struct Occ {
    key: u64,
    unit: Unit,
    variant: u64,
    /// Byte range of the unit's text in the clean text.
    span: (usize, usize),
    /// Indices of its first and last line.
    lines: (usize, usize),
    affix: Option<Affix>,
    leading: bool,
    trailing: bool,
}

#[derive(Default)]
pub(super) struct Pass1 {
    pub(super) groups: HashMap<GroupKey, GroupStats>,
}

impl Local for Pass1 {
    fn merge(&mut self, other: Pass1) {
        for (k, s) in other.groups {
            let mine = self.groups.entry(k).or_default();
            mine.docs += s.docs;
            for (h, n) in s.hosts {
                *mine.hosts.entry(h).or_default() += n;
            }
        }
    }
}

#[derive(Default)]
pub(super) struct Pass2 {
    pub(super) entries: HashMap<u64, Entry>,
}

impl Local for Pass2 {
    fn merge(&mut self, other: Pass2) {
        if self.entries.len() < other.entries.len() {
            let mine = std::mem::replace(&mut self.entries, other.entries);
            for (k, e) in mine {
                self.add(k, e);
            }
        } else {
            for (k, e) in other.entries {
                self.add(k, e);
            }
        }
    }
}

impl Pass2 {
    fn add(&mut self, key: u64, entry: Entry) {
        match self.entries.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut o) => o.get_mut().merge(entry),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(entry);
            }
        }
    }
}

/// Context lines longer than this are not stored with an example.
const CONTEXT_MAX: usize = 300;
/// Longest run of lines considered for a block.
const RUN_MAX: usize = 32;

impl Scan<'_> {
    /// Strips a document with the loaded rules: its clean text and the group
    /// it belongs to (and its URL's host).
    fn strip(&self, doc: &DocIn<'_>) -> (String, GroupKey, Option<String>) {
        // Only the clean text and the publisher are needed: no record.
        let stripped = crate::batch::cut(self.stripper, &doc.doc.document);
        // One registrable domain is one group: `cdn.naharnet.com` and
        // `naharnet.com` share their furniture.
        let host = doc
            .doc
            .document
            .url
            .and_then(domain::host_of)
            .map(|h| domain::registrable(&h).unwrap_or(h));
        let key = match stripped.publisher.id {
            Some(p) => GroupKey {
                kind: if self.stripper.rules().publisher(&p).is_some() {
                    GroupKind::Pack
                } else {
                    GroupKind::Publisher
                },
                name: p,
            },
            None => match (
                doc.doc.group.map(str::trim).filter(|g| !g.is_empty()),
                &host,
            ) {
                (Some(g), _) => GroupKey {
                    kind: GroupKind::Field,
                    name: g.to_string(),
                },
                (None, Some(h)) => GroupKey {
                    kind: GroupKind::Domain,
                    name: h.clone(),
                },
                (None, None) => GroupKey {
                    kind: GroupKind::Folder,
                    name: doc.folder.to_string(),
                },
            },
        };
        (stripped.clean, key, host)
    }

    /// Pass 1: the document's group, and every unit into the sketch.
    pub(super) fn first(&self, doc: &DocIn<'_>, local: &mut Pass1) {
        let (clean, key, host) = self.strip(doc);
        let publisher = key.kind == GroupKind::Publisher;
        let stats = local.groups.entry(key).or_default();
        stats.docs += 1;
        if publisher && let Some(h) = host {
            *stats.hosts.entry(h).or_default() += 1;
        }
        let (mut norm, mut exact) = (Vec::new(), Vec::new());
        let mut keys = Vec::new();
        let mut found = Vec::new();
        each_line(&clean, |s, e| {
            let line = &clean[s..e];
            forms(line, &mut norm, &mut exact);
            keys.push(hash(TAG_LINE, &norm));
            affixes(line, &mut found);
            for a in &found {
                forms(&line[a.affix.0..a.affix.1], &mut norm, &mut exact);
                keys.push(hash(a.unit.tag(), &norm));
            }
        });
        keys.sort_unstable();
        keys.dedup();
        for k in keys {
            self.sketch.add(k);
        }
    }

    /// The frequent units of a clean text (each once, at its first
    /// occurrence), its lines, and which lines are body text.
    fn analyse(&self, clean: &str) -> Analysis {
        let frequent = |k: u64| self.sketch.estimate(k) >= self.threshold;
        let (mut norm, mut exact) = (Vec::new(), Vec::new());
        let mut lines: Vec<LineInfo> = Vec::new();
        each_line(clean, |s, e| {
            forms(&clean[s..e], &mut norm, &mut exact);
            let key = hash(TAG_LINE, &norm);
            lines.push(LineInfo {
                start: s,
                end: e,
                key,
                exact: hash(TAG_EXACT, &exact),
                frequent: frequent(key),
            });
        });
        let mut occs: Vec<Occ> = Vec::new();
        let mut found = Vec::new();
        let mut body = vec![true; lines.len()];
        for (i, l) in lines.iter().enumerate() {
            if l.frequent {
                body[i] = false;
                occs.push(Occ {
                    key: l.key,
                    unit: Unit::Line,
                    variant: l.exact,
                    span: (l.start, l.end),
                    lines: (i, i),
                    affix: None,
                    leading: false,
                    trailing: false,
                });
            }
            let text = &clean[l.start..l.end];
            affixes(text, &mut found);
            for a in found.drain(..) {
                forms(&text[a.affix.0..a.affix.1], &mut norm, &mut exact);
                let key = hash(a.unit.tag(), &norm);
                if frequent(key) {
                    body[i] = false;
                    occs.push(Occ {
                        key,
                        unit: a.unit,
                        variant: l.exact,
                        span: (l.start, l.end),
                        lines: (i, i),
                        affix: Some(a),
                        leading: false,
                        trailing: false,
                    });
                }
            }
        }
        // Runs of consecutive frequent lines: their leading and trailing
        // sub-runs of two lines or more are block candidates.
        let mut i = 0;
        while i < lines.len() {
            if !lines[i].frequent {
                i += 1;
                continue;
            }
            let a = i;
            while i < lines.len() && lines[i].frequent {
                i += 1;
            }
            let b = i - 1;
            let len = b - a + 1;
            let mut runs = Vec::new();
            for l in 2..=len.min(RUN_MAX) {
                runs.push((a, a + l - 1));
                if l < len {
                    runs.push((b + 1 - l, b));
                }
            }
            for (s, e) in runs {
                if lines[s].key == lines[e].key {
                    continue;
                }
                let mut kb = Vec::with_capacity(8 * (e - s + 1));
                let mut vb = Vec::with_capacity(8 * (e - s + 1));
                for l in &lines[s..=e] {
                    kb.extend_from_slice(&l.key.to_le_bytes());
                    vb.extend_from_slice(&l.exact.to_le_bytes());
                }
                occs.push(Occ {
                    key: hash(TAG_BLOCK, &kb),
                    unit: Unit::Block,
                    variant: hash(TAG_BLOCK_EXACT, &vb),
                    span: (lines[s].start, lines[e].end),
                    lines: (s, e),
                    affix: None,
                    leading: s == 0,
                    trailing: e == lines.len() - 1,
                });
            }
        }
        occs.sort_by_key(|o| (o.key, o.lines));
        occs.dedup_by_key(|o| o.key);
        Analysis { lines, occs, body }
    }

    /// Pass 2: exact counts of the frequent units, and where to find
    /// examples of them.
    pub(super) fn second(&self, doc: &DocIn<'_>, local: &mut Pass2) {
        let (clean, key, _) = self.strip(doc);
        let Some(&group) = self.groups.get(&key) else {
            return;
        };
        let Analysis { lines, occs, .. } = self.analyse(&clean);
        for o in occs {
            let entry = local.entries.entry(o.key).or_insert_with(|| {
                let keys = if o.unit == Unit::Block {
                    lines[o.lines.0..=o.lines.1].iter().map(|l| l.key).collect()
                } else {
                    Vec::new()
                };
                Entry::new(o.unit, keys)
            });
            entry.add_variant(o.variant, [group, NO_GROUP]);
            entry.max_len = entry.max_len.max(o.span.1 - o.span.0);
            if let Some(a) = &o.affix {
                entry.max_var = entry.max_var.max(a.var);
                entry.max_outside = entry.max_outside.max(a.outside);
                entry.max_outside_words = entry.max_outside_words.max(a.outside_words);
            }
            let gc = entry.group_mut(group);
            gc.docs += 1;
            gc.leading += u64::from(o.leading);
            gc.trailing += u64::from(o.trailing);
            gc.offer(Sample {
                ordinal: doc.ordinal,
                variant: o.variant,
            });
        }
    }

    /// Pass 3: the examples of the units `want` asks for in this document.
    pub(super) fn third(&self, doc: &DocIn<'_>, want: &Want, local: &mut Pass3) {
        let Some(keys) = want.docs.get(&doc.ordinal) else {
            return;
        };
        let (clean, _, _) = self.strip(doc);
        let Analysis { lines, occs, body } = self.analyse(&clean);
        // Body lines, for keep examples: lines that recur nowhere, of a few
        // words.
        let body_lines = |min_words: usize, max: usize| -> Vec<&str> {
            lines
                .iter()
                .zip(&body)
                .map(|(l, b)| (&clean[l.start..l.end], *b))
                .filter(|(t, b)| *b && t.len() <= max && words(t) >= min_words)
                .map(|(t, _)| t)
                .collect()
        };
        let mut keeps = body_lines(5, 300);
        if keeps.is_empty() {
            keeps = body_lines(3, 500);
        }
        let context = |i: Option<usize>| {
            i.and_then(|i| lines.get(i))
                .map(|l| &clean[l.start..l.end])
                .filter(|t| t.len() <= CONTEXT_MAX)
                .map(str::to_string)
        };
        for o in occs.iter().filter(|o| keys.contains(&o.key)) {
            let (affix, cut) = o
                .affix
                .as_ref()
                .map_or(((0, 0), (0, 0)), |a| (a.affix, a.cut));
            let text = &clean[o.span.0..o.span.1];
            local.examples.insert(
                (o.key, doc.ordinal),
                Example {
                    variant: o.variant,
                    text: text.to_string(),
                    affix,
                    cut,
                    before: context(o.lines.0.checked_sub(1)),
                    after: context(Some(o.lines.1 + 1)),
                    keep: keep_for(text, &keeps),
                },
            );
        }
    }
}

/// What a clean text holds, for the second and third passes.
struct Analysis {
    lines: Vec<LineInfo>,
    occs: Vec<Occ>,
    /// Per line: whether it is body text (no frequent unit in it).
    body: Vec<bool>,
}

#[derive(Default)]
pub(super) struct Pass3 {
    pub(super) examples: HashMap<(u64, u64), Example>,
}

impl Local for Pass3 {
    fn merge(&mut self, other: Pass3) {
        self.examples.extend(other.examples);
    }
}

/// The body line that shares the most words with `unit` (the first one on
/// a tie): a keep example that shows the rule telling them apart.
fn keep_for(unit: &str, body: &[&str]) -> Option<String> {
    let key = |w: &str| w.to_lowercase();
    let wanted: HashSet<String> = unit
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(key)
        .collect();
    let score = |line: &str| {
        line.split(|c: char| !c.is_alphanumeric())
            .filter(|w| wanted.contains(&key(w)))
            .count()
    };
    let mut best: Option<(&str, usize)> = None;
    for line in body {
        let n = score(line);
        if best.is_none_or(|(_, b)| n > b) {
            best = Some((line, n));
        }
    }
    best.map(|(l, _)| l.to_string())
}
