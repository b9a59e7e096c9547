//! Confirming candidates: every match and short line checked against its
//! rules' conditions (scope, place, length, shape, regex), and the removals
//! of neighbour rules around what was confirmed.

use super::layout::{self, Layout};
use super::spans::merge;
use super::{Hit, Origin, Scratch, Span, Stripper, Target, Use, shape};
use crate::fold;
use crate::provenance::Attribution;
use crate::rules::{Removal, Rule, Unit, Where};

impl Stripper {
    /// Confirms the matches (`scratch.matches`) and dictionary lines of one
    /// pass into candidates (`scratch.candidates`).
    pub(super) fn candidates<'t>(
        &self,
        text: &'t str,
        publisher: Option<usize>,
        attribution: &mut Attribution,
        layout: &mut Layout<'t>,
        scratch: &mut Scratch,
    ) {
        let Scratch {
            matches,
            candidates: out,
            key,
            line_keys,
            line_hits,
            ..
        } = scratch;
        out.clear();
        line_hits.clear();
        let mut push = |c: Span, out: &mut Vec<Span>| {
            if let Some(caps) = &c.captures {
                for (name, value) in caps.iter() {
                    attribution.add(name, value);
                }
            }
            out.push(c);
        };
        for hit in matches {
            for u in self.uses(hit.pattern) {
                let Use::Rule { rule, anchor } = *u else {
                    continue;
                };
                let r = &self.rules.rules()[rule as usize];
                if !self.in_scope(r, publisher) {
                    continue;
                }
                let Some((start, end)) = verify(r, &r.anchors[anchor as usize], text, hit) else {
                    continue;
                };
                if let Some(c) = confirm(r, rule, text, start, end, layout) {
                    push(c, out);
                }
            }
        }
        if !self.line_anchors.is_empty() {
            self.line_anchors
                .each(text, 0, None, line_keys, |rule, anchor, ts, te| {
                    let r = &self.rules.rules()[rule as usize];
                    if !self.in_scope(r, publisher) {
                        return true;
                    }
                    let hit = Hit {
                        pattern: 0,
                        start: ts,
                        end: te,
                    };
                    line_hits.push(hit);
                    if let Some((start, end)) = verify(r, &r.anchors[anchor as usize], text, &hit)
                        && let Some(c) = confirm(r, rule, text, start, end, layout)
                    {
                        push(c, out);
                    }
                    true
                });
        }
        if self.dictionary.is_empty() && self.line_rules.is_empty() {
            return;
        }
        let bytes = text.as_bytes();
        let mut ls = 0;
        while ls < bytes.len() {
            let le = layout::line_end(bytes, ls);
            if le - ls <= self.line_reach.saturating_add(64) {
                let (ts, te) = layout::trim(bytes, ls, le);
                if ts < te && te - ts <= self.line_reach {
                    for &(rule, max) in &self.line_rules {
                        let r = &self.rules.rules()[rule as usize];
                        if te - ts > max || !self.in_scope(r, publisher) {
                            continue;
                        }
                        if let Some(c) = confirm(r, rule, text, ts, te, layout) {
                            push(c, out);
                        }
                    }
                }
            }
            if let Some(rules) = self.dictionary_rules(&text[ls..le], key) {
                let (ts, te) = layout::trim(bytes, ls, le);
                for &rule in rules {
                    let r = &self.rules.rules()[rule as usize];
                    if !self.in_scope(r, publisher) {
                        continue;
                    }
                    if let Some(c) = confirm(r, rule, text, ts, te, layout) {
                        push(c, out);
                    }
                }
            }
            ls = le + 1;
        }
    }

    /// Adds the removals of the neighbour rules (`after`, `before`) to the
    /// sorted, disjoint `spans`, which stay sorted and disjoint.
    pub(super) fn with_neighbours<'t>(
        &self,
        text: &'t str,
        spans: &mut Vec<Span>,
        publisher: Option<usize>,
        layout: &mut Layout<'t>,
    ) {
        let rules = self.rules.rules();
        let matches = |targets: &[Target], origin: Origin| {
            let Origin::Rule(rule) = origin else {
                return false;
            };
            targets.iter().any(|t| match *t {
                Target::Rule(r) => r == rule,
                Target::Category(c) => rules[rule as usize].category == c,
            })
        };
        // A neighbour's removal may itself be followed: a few rounds reach
        // every chain the rules can form in practice.
        for _ in 0..4 {
            let mut added: Vec<Span> = Vec::new();
            for n in &self.neighbours {
                let r = &rules[n.rule as usize];
                if !self.in_scope(r, publisher) {
                    continue;
                }
                for s in spans.iter() {
                    if matches(&n.after, s.origin) {
                        run_of_lines(r, n.rule, text, layout, s.end, true, &mut added);
                    }
                    if matches(&n.before, s.origin) {
                        run_of_lines(r, n.rule, text, layout, s.start, false, &mut added);
                    }
                }
            }
            // Only what is not removed already counts as new.
            added.retain(|c| {
                let i = spans.partition_point(|s| s.end <= c.start);
                spans
                    .get(i)
                    .is_none_or(|s| !(s.start <= c.start && c.end <= s.end))
            });
            if added.is_empty() {
                break;
            }
            spans.append(&mut added);
            merge(spans);
        }
    }
}

/// Checks an automaton hit against the anchor as its rule wants it matched;
/// returns the anchor's span in the text.
fn verify(r: &Rule, anchor: &str, text: &str, hit: &Hit) -> Option<(usize, usize)> {
    let (start, end) = (hit.start, hit.end);
    if r.exact_space {
        // The anchor as written, white space and all: where the match starts,
        // or with its leading white space just before the first other
        // character.
        let lead = anchor.len() - anchor.trim_start().len();
        let first = text[start..end]
            .char_indices()
            .find(|&(_, c)| !fold::is_space(c))
            .map_or(start, |(i, _)| start + i);
        for s in [start, first.saturating_sub(lead)] {
            let Some(candidate) = text.get(s..s + anchor.len()) else {
                continue;
            };
            let same = if r.case_insensitive {
                candidate.eq_ignore_ascii_case(anchor)
            } else {
                candidate == anchor
            };
            if same {
                return Some((s, s + anchor.len()));
            }
        }
        return None;
    }
    if !r.typographic {
        let found = &text[start..end];
        if (!found.is_ascii() || !anchor.is_ascii())
            && !fold::same_modulo_space(found, anchor.trim(), r.case_insensitive)
        {
            return None;
        }
    }
    Some((start, end))
}

/// A neighbour rule's run: up to `max-run` lines with text after `at`
/// (`forward`) or before it, each confirmed by the rule, stopping at the
/// first that is not.
fn run_of_lines(
    r: &Rule,
    rule: u32,
    text: &str,
    layout: &mut Layout<'_>,
    mut at: usize,
    forward: bool,
    added: &mut Vec<Span>,
) {
    let bytes = text.as_bytes();
    for _ in 0..r.max_run {
        let line = if forward {
            next_line(bytes, at)
        } else {
            previous_line(bytes, at)
        };
        let Some((ls, le)) = line else {
            break;
        };
        let Some(c) = confirm(r, rule, text, ls, le, layout) else {
            break;
        };
        at = if forward { c.end } else { c.start };
        added.push(c);
    }
}

/// The first line with text after the line that holds `at` (or from `at`,
/// when it starts a line), trimmed.
fn next_line(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut ls = if at == 0 || bytes.get(at - 1) == Some(&b'\n') {
        at
    } else {
        layout::with_break(bytes, layout::line_end(bytes, at))
    };
    while ls < bytes.len() {
        let le = layout::line_end(bytes, ls);
        let (ts, te) = layout::trim(bytes, ls, le);
        if ts < te {
            return Some((ts, te));
        }
        ls = le + 1;
    }
    None
}

/// The last line with text before the line that holds `at` (or before
/// `at`, when it starts a line), trimmed.
fn previous_line(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut end = layout::line_start(bytes, at);
    while end > 0 {
        let le = end - 1;
        let ls = layout::line_start(bytes, le);
        let (ts, te) = layout::trim(bytes, ls, le);
        if ts < te {
            return Some((ts, te));
        }
        end = ls;
    }
    None
}

/// Checks one anchor match (or a whole line, for a dictionary or neighbour
/// rule) against a rule; returns the span it removes.
fn confirm(
    r: &Rule,
    rule: u32,
    text: &str,
    start: usize,
    end: usize,
    layout: &mut Layout<'_>,
) -> Option<Span> {
    let bytes = text.as_bytes();
    let (ls, le) = layout.line(start, end);
    let (us, ue) = match r.unit {
        Unit::Line => (ls, le),
        Unit::Paragraph => layout.paragraph(ls, le),
    };
    let (ts, te) = layout::trim(bytes, us, ue);
    let placed = match r.where_ {
        Where::Contains => true,
        Where::StartsWith => start == ts,
        Where::EndsWith => end == te,
        Where::Equals => start == ts && end == te,
    };
    if !placed {
        return None;
    }
    if r.in_first.is_some() || r.in_last.is_some() {
        let (index, count) = layout.paragraph_index(start);
        if r.in_first.is_some_and(|n| index >= n) || r.in_last.is_some_and(|n| count - index > n) {
            return None;
        }
    }
    if let Some(max) = r.max_len
        && matches!(
            r.removal,
            Removal::Anchor | Removal::Line | Removal::Paragraph
        )
        && te - ts > max
    {
        return None;
    }
    if !r.shape.is_empty() && !shape::holds(&r.shape, r.unit, text, ts, te, layout) {
        return None;
    }
    let mut captures = None;
    let mut span = (start, end);
    if let Some(re) = &r.regex {
        let unit = &text[us..ue];
        let (a, b) = (start - us, end - us);
        // The match that covers the anchor; failing that (for removals other
        // than `anchor`, which needs one), the first match in the unit. The
        // matches are found without their groups, which only the chosen one
        // needs, and only when the regex names some.
        let (chosen, fallback) = if unit.len() > LONG_UNIT {
            // A long unit with many anchors: its matches are found once, and
            // each anchor looks its match up.
            let found = layout.regex_matches(rule, re, us, ue);
            let i = found.partition_point(|&(s, _)| s <= a);
            let covering = i.checked_sub(1).map(|i| found[i]).filter(|&(_, e)| e >= b);
            (covering, found.first().copied())
        } else {
            let mut chosen = None;
            let mut fallback = None;
            for m in re.find_iter(unit) {
                if m.start() <= a && m.end() >= b {
                    chosen = Some((m.start(), m.end()));
                    break;
                }
                let past = m.start() > a;
                if fallback.is_none() {
                    fallback = Some((m.start(), m.end()));
                }
                if past {
                    break;
                }
            }
            (chosen, fallback)
        };
        let found = match chosen {
            Some(m) => m,
            None if r.removal == Removal::Anchor => return None,
            None => fallback?,
        };
        if re.names_groups() {
            // The same match, with its groups: the leftmost-first match
            // from where it starts.
            let caps = re.captures_at(unit, found.0).expect("a match starts here");
            if r.removal == Removal::Anchor {
                // The `remove` group, when the regex has one, is what goes;
                // otherwise the whole match.
                let m = caps
                    .name("remove")
                    .unwrap_or_else(|| caps.get(0).expect("group 0 always matches"));
                span = (us + m.start(), us + m.end());
            }
            let list: Vec<(String, String)> = re
                .capture_names()
                .flatten()
                .filter(|&name| name != "remove")
                .filter_map(|name| {
                    caps.name(name)
                        .filter(|m| !m.as_str().trim().is_empty())
                        .map(|m| (name.to_string(), m.as_str().trim().to_string()))
                })
                .collect();
            if !list.is_empty() {
                captures = Some(list.into_boxed_slice());
            }
        } else if r.removal == Removal::Anchor {
            span = (us + found.0, us + found.1);
        }
    }
    let span = match &r.removal {
        Removal::Anchor => span,
        Removal::Line => (ls, layout::with_break(bytes, le)),
        Removal::Paragraph => {
            let (ps, pe) = layout.paragraph(ls, le);
            (ps, layout::with_break(bytes, pe))
        }
        Removal::Block { end: closing } => {
            let max = r.effective_max_len().unwrap_or(usize::MAX);
            let window_end =
                floor_boundary(text, start.saturating_add(max).min(text.len())).max(end);
            let window = &text[end..window_end];
            let found = if r.case_insensitive {
                find_ascii_ci(window.as_bytes(), closing.as_bytes())
            } else {
                memchr::memmem::find(window.as_bytes(), closing.as_bytes())
            }?;
            let ee = end + found + closing.len();
            let s = if r.whole_lines && layout::is_blank(&bytes[ls..start]) {
                ls
            } else {
                start
            };
            let eol = layout::line_end(bytes, ee);
            let e = if r.whole_lines && layout::is_blank(&bytes[ee..eol]) {
                layout::with_break(bytes, eol)
            } else {
                ee
            };
            (s, e)
        }
        Removal::ToEnd => {
            let s = if r.whole_lines && layout::is_blank(&bytes[ls..start]) {
                ls
            } else {
                start
            };
            if text.len() - s > r.effective_max_len().unwrap_or(usize::MAX) {
                return None;
            }
            (s, text.len())
        }
    };
    Some(Span {
        start: span.0,
        end: span.1,
        origin: Origin::Rule(rule),
        captures,
    })
}

/// Units longer than this (in bytes) have their regex matches found once per
/// rule and pass, so that many anchors on one long line cost linear time.
const LONG_UNIT: usize = 4096;

/// The largest char boundary at or before `at`.
pub(super) fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// First position of `needle` in `hay`, ignoring ASCII case.
fn find_ascii_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    (0..=hay.len() - needle.len()).find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}
