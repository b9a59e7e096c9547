//! Span arithmetic of a pass: merging candidates into sorted, disjoint
//! spans, cutting them out of the text, and mapping them back to the
//! original's offsets.

use super::{Hit, Span, tidy};
use std::borrow::Cow;

/// Whether every match lies within one of the sorted, disjoint `spans`.
pub(super) fn covers_all(spans: &[Span], matches: &[Hit]) -> bool {
    matches.iter().all(|&Hit { start, end, .. }| {
        let i = spans.partition_point(|c| c.end <= start);
        spans
            .get(i)
            .is_some_and(|c| c.start <= start && end <= c.end)
    })
}

/// Where offset `at` of a text lands once the sorted, disjoint `spans` are
/// removed from it (an offset inside a span lands where the span was).
pub(super) fn shifted(at: usize, spans: &[(usize, usize)]) -> usize {
    let mut before = 0;
    for &(s, e) in spans {
        if e <= at {
            before += e - s;
        } else {
            if s < at {
                before += at - s;
            }
            break;
        }
    }
    at - before
}

/// Sorts candidates and makes them disjoint (see the module docs for the
/// order), in place.
pub(super) fn merge(spans: &mut Vec<Span>) {
    spans.sort_unstable_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.end.cmp(&a.end))
            .then(a.origin.cmp(&b.origin))
    });
    let mut covered = 0;
    // `retain_mut` visits the spans in order.
    spans.retain_mut(|c| {
        if c.end <= covered || c.start == c.end {
            return false;
        }
        c.start = c.start.max(covered);
        covered = c.end;
        true
    });
}

/// Removes sorted, disjoint `spans` from `text`; returns the new text, and
/// puts the junctions (the points in the new text where something was
/// removed) in `junctions`.
///
/// A borrowed text is copied piece by piece into the new one, which needs
/// no UTF-8 check (slicing checks that each span lies on character
/// boundaries); an owned one is cut in place, so that a big document is not
/// held a third time, and checked once.
pub(super) fn apply(
    text: Cow<'_, str>,
    spans: impl Iterator<Item = (usize, usize)>,
    junctions: &mut Vec<tidy::Junction>,
) -> String {
    junctions.clear();
    let mut junction = |at: usize, removed_break: bool| match junctions.last_mut() {
        Some(last) if last.at == at => last.removed_break = removed_break,
        _ => junctions.push(tidy::Junction { at, removed_break }),
    };
    match text {
        Cow::Borrowed(text) => {
            let mut out = String::with_capacity(text.len());
            let mut pos = 0;
            for (s, e) in spans {
                out.push_str(&text[pos..s]);
                junction(out.len(), text.as_bytes()[e - 1] == b'\n');
                pos = e;
            }
            out.push_str(&text[pos..]);
            out
        }
        Cow::Owned(text) => {
            let mut bytes = text.into_bytes();
            // Kept bytes move down over removed ones: `w` is where the next
            // kept byte goes, never past `pos`, so a span's bytes are intact
            // when read.
            let (mut w, mut pos) = (0, 0);
            for (s, e) in spans {
                bytes.copy_within(pos..s, w);
                w += s - pos;
                junction(w, bytes[e - 1] == b'\n');
                pos = e;
            }
            let len = bytes.len();
            bytes.copy_within(pos..len, w);
            bytes.truncate(w + len - pos);
            String::from_utf8(bytes).expect("spans lie on character boundaries")
        }
    }
}

/// Maps spans of the current text (sorted, disjoint) to the original's
/// offsets and adds them to `removed` (sorted, disjoint). A span that covers
/// earlier removals is split around them.
pub(super) fn map_into(
    removed: &mut Vec<Span>,
    original_len: usize,
    spans: impl ExactSizeIterator<Item = Span>,
) {
    if removed.is_empty() {
        removed.extend(spans);
        return;
    }
    // Kept segments of the original: (original start, original end, current start).
    let mut kept = Vec::with_capacity(removed.len() + 1);
    let mut pos = 0;
    let mut cur = 0;
    for r in removed.iter() {
        if r.start > pos {
            kept.push((pos, r.start, cur));
            cur += r.start - pos;
        }
        pos = r.end;
    }
    if original_len > pos {
        kept.push((pos, original_len, cur));
    }
    let mut added = Vec::with_capacity(spans.len());
    let mut k = 0;
    for c in spans {
        let mut captures = c.captures;
        while k < kept.len() && kept[k].2 + (kept[k].1 - kept[k].0) <= c.start {
            k += 1;
        }
        let mut j = k;
        while j < kept.len() && kept[j].2 < c.end {
            let (os, oe, cs) = kept[j];
            let ce = cs + (oe - os);
            let a = c.start.max(cs);
            let b = c.end.min(ce);
            if a < b {
                added.push(Span {
                    start: os + (a - cs),
                    end: os + (b - cs),
                    origin: c.origin,
                    captures: captures.take(),
                });
            }
            j += 1;
        }
    }
    removed.extend(added);
    removed.sort_unstable_by_key(|r| r.start);
}

#[cfg(test)]
mod tests {
    use super::super::Origin;
    use super::*;

    fn cand(start: usize, end: usize, rule: u32) -> Span {
        Span {
            start,
            end,
            origin: Origin::Rule(rule),
            captures: None,
        }
    }

    #[test]
    fn merge_prefers_earliest_then_longest_then_first_rule() {
        let mut c = vec![cand(5, 8, 0), cand(0, 4, 1), cand(0, 6, 2), cand(0, 6, 0)];
        merge(&mut c);
        let out: Vec<_> = c.iter().map(|c| (c.start, c.end, c.origin)).collect();
        assert_eq!(out, [(0, 6, Origin::Rule(0)), (6, 8, Origin::Rule(0))]);
    }

    #[test]
    fn offsets_shift_past_removed_spans() {
        let spans = [(2, 4), (6, 9)];
        let got: Vec<usize> = [0, 2, 3, 4, 6, 7, 9, 12]
            .iter()
            .map(|&at| shifted(at, &spans))
            .collect();
        assert_eq!(got, [0, 2, 2, 2, 4, 4, 4, 7]);
    }

    #[test]
    fn a_pass_covers_its_matches_only_when_every_match_is_inside_a_span() {
        let spans = [cand(0, 10, 0), cand(20, 30, 0)];
        let hit = |start, end| Hit {
            pattern: 0,
            start,
            end,
        };
        assert!(covers_all(&spans, &[hit(0, 10), hit(22, 25)]));
        assert!(!covers_all(&spans, &[hit(8, 12)]), "crosses a span's end");
        assert!(!covers_all(&spans, &[hit(12, 15)]), "between spans");
        assert!(covers_all(&spans, &[]));
    }

    #[test]
    fn map_into_splits_around_earlier_removals() {
        // Original "aXXbYYc": XX (1..3) and YY (4..6) were removed -> "abc".
        let mut removed = vec![cand(1, 3, 0), cand(4, 6, 0)];
        // Now remove "abc"[0..3] entirely.
        map_into(&mut removed, 7, vec![cand(0, 3, 1)].drain(..));
        let got: Vec<_> = removed
            .iter()
            .map(|r| match r.origin {
                Origin::Rule(i) => (r.start, r.end, i),
                Origin::Tidy => panic!("no tidy-up here"),
            })
            .collect();
        assert_eq!(got, [(0, 1, 1), (1, 3, 0), (3, 4, 1), (4, 6, 0), (6, 7, 1)]);
    }

    #[test]
    fn a_borrowed_and_an_owned_text_are_cut_alike() {
        let text = "Héllo\nworld — ok\n\nmore text…\n";
        let cases: [&[(usize, usize)]; 5] = [
            &[],
            &[(0, 7)],
            &[(6, 7), (7, 13)],
            &[(1, 3), (13, 20), (26, text.len())],
            &[(0, text.len())],
        ];
        for spans in cases {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let borrowed = apply(Cow::Borrowed(text), spans.iter().copied(), &mut a);
            let owned = apply(Cow::Owned(text.to_string()), spans.iter().copied(), &mut b);
            assert_eq!(borrowed, owned, "{spans:?}");
            let at: Vec<_> = a.iter().map(|j| (j.at, j.removed_break)).collect();
            let bt: Vec<_> = b.iter().map(|j| (j.at, j.removed_break)).collect();
            assert_eq!(at, bt, "{spans:?}");
            let mut expected = String::new();
            let mut pos = 0;
            for &(s, e) in spans {
                expected.push_str(&text[pos..s]);
                pos = e;
            }
            expected.push_str(&text[pos..]);
            assert_eq!(borrowed, expected, "{spans:?}");
        }
    }
}
