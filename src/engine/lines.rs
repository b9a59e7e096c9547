//! Anchors that only ever match a whole line, looked up instead of walked.
//!
//! An anchor of a rule with `where = "equals"` and `unit = "line"` matches
//! only where its folded text is the whole (trimmed) line, or a run of whole
//! lines, since its spaces match line breaks too. Such an anchor needs no
//! place in the automaton: the folded text of each line, and of each run of
//! lines up to the longest such anchor, is looked up in a hash table. Packs
//! of many thousands of these rules then cost a hash lookup per line
//! instead of a large automaton to build, hold and walk.
//!
//! The lookup finds exactly the spans where such an anchor would have to
//! match for the rule to apply: each starts at a line's first character
//! other than a space, tab or carriage return, ends at a line's last one,
//! and holds the anchor modulo white space and typography (modulo ASCII
//! case too for a case-insensitive rule). Each is found whatever other
//! anchors match around it: no longer anchor of another rule hides it.

use foldhash::HashMap;

use super::layout;
use crate::fold;
use crate::rules::{Rule, Unit, Where};

/// Whether `rule`'s anchors are looked up as whole lines.
pub(super) fn eligible(rule: &Rule) -> bool {
    rule.where_ == Where::Equals && rule.unit == Unit::Line && !rule.exact_space
}

/// The line anchors of a rule set.
#[derive(Debug, Clone, Default)]
pub(super) struct LineAnchors {
    /// Folded key → its range in `uses`, for the rules matched as written.
    exact: HashMap<Box<str>, (u32, u32)>,
    /// The same for the case-insensitive rules (keys in ASCII lowercase).
    folded: HashMap<Box<str>, (u32, u32)>,
    /// (rule, anchor) pairs, grouped by key, each group in load order.
    uses: Vec<(u32, u32)>,
    /// Bytes of the longest key.
    longest: usize,
    /// The first bytes of every key, ASCII-lowercased: a line whose folded
    /// text starts with none of them starts no run worth folding further.
    starts: Starts,
}

/// A set of key beginnings (up to [`START`] bytes, in ASCII lowercase), as a
/// bit table indexed by a hash: it may answer yes for a beginning it does
/// not hold, never no for one it does.
#[derive(Debug, Clone, Default)]
pub(super) struct Starts {
    bits: Vec<u64>,
    /// Whether a key shorter than [`START`] bytes has that many bytes.
    short: [bool; START],
}

/// Bytes of a key's beginning that [`Starts`] holds.
pub(super) const START: usize = 4;

impl Starts {
    /// The beginnings of `count` keys.
    pub(super) fn new<'a>(count: usize, keys: impl Iterator<Item = &'a str>) -> Starts {
        // About sixteen bits a key keeps false hits rare.
        let words = (count * 16 / 64).clamp(64, 1 << 17).next_power_of_two();
        let mut starts = Starts {
            bits: vec![0; words],
            short: [false; START],
        };
        for key in keys {
            let start = &key.as_bytes()[..key.len().min(START)];
            if start.len() < START {
                starts.short[start.len()] = true;
            }
            let bit = starts.bit(start);
            starts.bits[bit / 64] |= 1 << (bit % 64);
        }
        starts
    }

    /// The bit of `start` (at most [`START`] bytes), ASCII-lowercased.
    fn bit(&self, start: &[u8]) -> usize {
        let mut word = [0u8; 8];
        for (to, &b) in word.iter_mut().zip(start) {
            *to = b.to_ascii_lowercase();
        }
        word[7] = start.len() as u8;
        let hash = u64::from_le_bytes(word).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (hash >> 32) as usize & (self.bits.len() * 64 - 1)
    }

    /// Heap bytes held.
    pub(super) fn memory_usage(&self) -> usize {
        self.bits.len() * 8
    }

    fn has(&self, start: &[u8]) -> bool {
        let bit = self.bit(start);
        self.bits[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// Whether a key may begin a run whose folded text begins with
    /// `folded` (its first [`START`] bytes, or all of it if shorter).
    pub(super) fn may_begin(&self, folded: &[u8]) -> bool {
        (folded.len() == START && self.has(folded))
            || (1..folded.len().min(START) + 1)
                .any(|n| n < START && self.short[n] && self.has(&folded[..n]))
    }
}

/// Reusable buffers for a lookup.
#[derive(Debug, Default)]
pub(super) struct LineKeys {
    key: String,
    lower: String,
}

impl LineAnchors {
    /// Groups `anchors` (folded key, case-insensitive, rule, anchor), given
    /// in load order.
    pub(super) fn new(anchors: Vec<(String, bool, u32, u32)>) -> LineAnchors {
        // Each distinct key is a group, numbered in order of first use; the
        // uses are then laid out group after group (a counting sort, so each
        // group keeps the load order).
        let mut out = LineAnchors::default();
        let mut group_of: Vec<u32> = Vec::with_capacity(anchors.len());
        let mut counts: Vec<u32> = Vec::new();
        let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(anchors.len());
        for (key, ci, rule, anchor) in anchors {
            out.longest = out.longest.max(key.len());
            let map = if ci { &mut out.folded } else { &mut out.exact };
            let next = counts.len() as u32;
            let group = map.entry(key.into_boxed_str()).or_insert((next, 0)).0;
            if group == next {
                counts.push(0);
            }
            counts[group as usize] += 1;
            group_of.push(group);
            pairs.push((rule, anchor));
        }
        let mut start = Vec::with_capacity(counts.len() + 1);
        start.push(0u32);
        for &c in &counts {
            start.push(start[start.len() - 1] + c);
        }
        let mut fill = start.clone();
        out.uses = vec![(0, 0); pairs.len()];
        for (&group, pair) in group_of.iter().zip(pairs) {
            let at = &mut fill[group as usize];
            out.uses[*at as usize] = pair;
            *at += 1;
        }
        for range in out.exact.values_mut().chain(out.folded.values_mut()) {
            let group = range.0 as usize;
            *range = (start[group], start[group + 1]);
        }
        out.starts = Starts::new(
            out.len(),
            out.exact.keys().chain(out.folded.keys()).map(|k| &**k),
        );
        out
    }

    /// Whether there are none.
    pub(super) fn is_empty(&self) -> bool {
        self.uses.is_empty()
    }

    /// Bytes of the longest key.
    pub(super) fn longest(&self) -> usize {
        self.longest
    }

    /// Number of distinct keys.
    pub(super) fn len(&self) -> usize {
        self.exact.len() + self.folded.len()
    }

    /// Heap bytes held, roughly: the tables, their keys and the uses.
    pub(super) fn memory_usage(&self) -> usize {
        let table = |m: &HashMap<Box<str>, (u32, u32)>| {
            m.capacity() * (std::mem::size_of::<(Box<str>, (u32, u32))>() + 1)
                + m.keys().map(|k| k.len()).sum::<usize>()
        };
        table(&self.exact) + table(&self.folded) + self.uses.len() * 8 + self.starts.memory_usage()
    }

    /// Calls `found(rule, anchor, start, end)` for every line or run of
    /// lines of `text` that starts on a line at or after `from` and holds
    /// a key, in order of start, then end. With `covering`, only runs whose
    /// span reaches that offset (`start <= at <= end`) and that start at or
    /// before it count. `found` returns whether to go on.
    pub(super) fn each(
        &self,
        text: &str,
        from: usize,
        covering: Option<usize>,
        keys: &mut LineKeys,
        mut found: impl FnMut(u32, u32, usize, usize) -> bool,
    ) -> bool {
        let bytes = text.as_bytes();
        let mut ls = layout::line_start(bytes, from.min(bytes.len()));
        while ls < bytes.len() {
            if covering.is_some_and(|at| ls > at) {
                break;
            }
            let le = layout::line_end(bytes, ls);
            let (ts, te) = layout::trim(bytes, ls, le);
            if ts < te && !self.run(text, ts, te, covering, keys, &mut found) {
                return false;
            }
            ls = le + 1;
        }
        true
    }

    /// The runs that start at `ts` (a line trimmed to `ts..te`).
    fn run(
        &self,
        text: &str,
        ts: usize,
        mut te: usize,
        covering: Option<usize>,
        keys: &mut LineKeys,
        found: &mut impl FnMut(u32, u32, usize, usize) -> bool,
    ) -> bool {
        let bytes = text.as_bytes();
        let LineKeys { key, lower } = keys;
        // The folded text from `ts` on begins every run's key (folding
        // appends and never takes back), so its first bytes rule out most
        // lines before any run is folded.
        key.clear();
        let mut space = false;
        fold::fold_onto(&text[ts..], key, &mut space, START - 1);
        if !self
            .starts
            .may_begin(&key.as_bytes()[..key.len().min(START)])
        {
            return true;
        }
        key.clear();
        space = false;
        let mut done = ts;
        loop {
            // The key of `ts..te`: the previous one, then the bytes since.
            if !fold::fold_onto(&text[done..te], key, &mut space, self.longest) {
                return true;
            }
            done = te;
            if covering.is_none_or(|at| te >= at) {
                if let Some(&range) = self.exact.get(key.as_str())
                    && !self.emit(range, ts, te, found)
                {
                    return false;
                }
                if !self.folded.is_empty() {
                    lower.clear();
                    lower.push_str(key);
                    lower.make_ascii_lowercase();
                    if let Some(&range) = self.folded.get(lower.as_str())
                        && !self.emit(range, ts, te, found)
                    {
                        return false;
                    }
                }
            }
            // The next line with text, if the run can reach it.
            let mut ls = te;
            let next = loop {
                let Some(nl) = memchr::memchr(b'\n', &bytes[ls..]) else {
                    break None;
                };
                ls += nl + 1;
                let le = layout::line_end(bytes, ls);
                let (s, e) = layout::trim(bytes, ls, le);
                if s < e {
                    break Some(e);
                }
                ls = le;
            };
            match next {
                Some(e) if key.len() < self.longest => te = e,
                _ => return true,
            }
        }
    }

    fn emit(
        &self,
        (a, b): (u32, u32),
        ts: usize,
        te: usize,
        found: &mut impl FnMut(u32, u32, usize, usize) -> bool,
    ) -> bool {
        self.uses[a as usize..b as usize]
            .iter()
            .all(|&(rule, anchor)| found(rule, anchor, ts, te))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchors(keys: &[(&str, bool)]) -> LineAnchors {
        LineAnchors::new(
            keys.iter()
                .enumerate()
                .map(|(i, &(k, ci))| {
                    let key = fold::fold(k);
                    let key = if ci { key.to_ascii_lowercase() } else { key };
                    (key, ci, i as u32, 0)
                })
                .collect(),
        )
    }

    fn found(anchors: &LineAnchors, text: &str) -> Vec<(u32, usize, usize)> {
        let mut out = Vec::new();
        anchors.each(text, 0, None, &mut LineKeys::default(), |rule, _, s, e| {
            out.push((rule, s, e));
            true
        });
        out
    }

    #[test]
    fn the_starts_hold_every_key_beginning() {
        let keys: Vec<String> = (0..5000).map(|i| format!("Menu item {i}")).collect();
        let short = ["AD", "é", "OK!"];
        let mut all: Vec<(&str, bool)> = keys.iter().map(|k| (k.as_str(), false)).collect();
        all.extend(short.iter().map(|&k| (k, true)));
        let table = anchors(&all);
        for key in keys.iter().map(|k| k.as_str()).chain(short) {
            let folded = fold::fold(key).to_ascii_lowercase();
            let start = &folded.as_bytes()[..folded.len().min(START)];
            assert!(table.starts.may_begin(start), "{key}");
            assert!(
                table.starts.may_begin(
                    folded
                        .to_ascii_uppercase()
                        .as_bytes()
                        .get(..start.len())
                        .unwrap()
                )
            );
        }
    }

    #[test]
    fn the_starts_turn_away_most_other_lines() {
        let keys: Vec<String> = (0..2000).map(|i| format!("Section {i}")).collect();
        let table = anchors(&keys.iter().map(|k| (k.as_str(), false)).collect::<Vec<_>>());
        let words = [
            "The", "minister", "said", "on", "Tuesday", "that", "talks", "would",
        ];
        let admitted = (0..1000)
            .filter(|i| {
                let line = format!("{} {}", words[i % 8], words[(i / 8) % 8]);
                table.starts.may_begin(&line.as_bytes()[..START])
            })
            .count();
        assert!(admitted < 50, "{admitted} of 1000 body lines admitted");
    }

    #[test]
    fn a_run_of_lines_and_a_short_key_are_still_found() {
        let table = anchors(&[
            ("Share this article", false),
            ("AD", true),
            ("Read more", false),
        ]);
        let text = "Body text here.\nShare this\n  article\nad\nRead   more\nRead more, please.";
        assert_eq!(
            found(&table, text),
            vec![(0, 16, 36), (1, 37, 39), (2, 40, 51)],
        );
    }

    #[test]
    fn a_key_of_several_rules_gives_them_in_load_order() {
        let table = anchors(&[
            ("Read more", false),
            ("Share", false),
            ("Read more", false),
            ("READ MORE", true),
            ("Share", false),
            ("Read  more", false),
            ("read more", true),
        ]);
        assert_eq!(table.len(), 3);
        let rules = |text| {
            found(&table, text)
                .into_iter()
                .map(|(rule, _, _)| rule)
                .collect::<Vec<_>>()
        };
        assert_eq!(rules("Read more"), vec![0, 2, 5, 3, 6]);
        assert_eq!(rules("read MORE"), vec![3, 6]);
        assert_eq!(rules("Share"), vec![1, 4]);
    }
}
