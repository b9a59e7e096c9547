//! White-space tidy-up at the places where text was removed.
//!
//! Only junctions (the points where a removal closed up the text) are
//! touched; white space elsewhere in the document is never changed. At a
//! junction:
//! - spaces and tabs on both sides fold to one space, or to none at the start
//!   or end of a line or before `. , ; : ! ? ) ] }`;
//! - a run of line breaks keeps the longer of the two separators around it,
//!   counting a removed line's own line break with the separator after it
//!   (so a removed paragraph leaves one paragraph break, a removed line one
//!   line break); at the start of the document none is kept, at the end one
//!   if the original ended with a line break, else none.
//!
//! Tidy-up only removes bytes, and every removal is recorded as an edit.

/// Punctuation that takes no space before it.
const CLOSING: &[u8] = b".,;:!?)]}";

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Length of the line break ending at `end` (exclusive), if any.
fn break_before(text: &[u8], end: usize) -> usize {
    if end >= 1 && text[end - 1] == b'\n' {
        if end >= 2 && text[end - 2] == b'\r' {
            2
        } else {
            1
        }
    } else {
        0
    }
}

/// Length of the line break starting at `start`, if any.
fn break_after(text: &[u8], start: usize) -> usize {
    match text.get(start..) {
        Some([b'\n', ..]) => 1,
        Some([b'\r', b'\n', ..]) => 2,
        _ => 0,
    }
}

/// A point where a removal closed up the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Junction {
    /// Offset in the new text.
    pub at: usize,
    /// Whether the removed text ended with a line break.
    pub removed_break: bool,
}

/// Spans (in `text`'s offsets, sorted, disjoint) to remove around the
/// `junctions` (sorted by offset).
pub fn spans(text: &str, junctions: &[Junction], ends_with_break: bool) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut covered_to = 0; // junctions inside an already handled break run are skipped
    let mut i = 0;
    while i < junctions.len() {
        let p = junctions[i].at;
        // Spaces and tabs.
        let mut sb = 0;
        while p > sb && is_space(bytes[p - sb - 1]) {
            sb += 1;
        }
        let mut sa = 0;
        while p + sa < bytes.len() && is_space(bytes[p + sa]) {
            sa += 1;
        }
        let width = sb + sa;
        if width > 0 {
            let before = (p - sb).checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(p + sa).copied();
            let target = match (before, after) {
                (None | Some(b'\n'), _) => 0,
                (_, None | Some(b'\n' | b'\r')) => 0,
                (_, Some(c)) if CLOSING.contains(&c) => 0,
                _ => 1,
            };
            let excess = width.saturating_sub(target);
            let from_after = excess.min(sa);
            let from_before = excess - from_after;
            if from_before > 0 {
                out.push((p - from_before, p));
            }
            if from_after > 0 {
                out.push((p, p + from_after));
            }
        }
        // Line breaks.
        if p >= covered_to && (break_before(bytes, p) > 0 || break_after(bytes, p) > 0) {
            let mut rs = p;
            let mut before_units = Vec::new();
            loop {
                let n = break_before(bytes, rs);
                if n == 0 {
                    break;
                }
                rs -= n;
                before_units.push((rs, rs + n));
            }
            before_units.reverse();
            // Junctions inside this run.
            let mut last = junctions[i];
            let mut after_units = Vec::new();
            let mut re = p;
            loop {
                let n = break_after(bytes, re);
                if n == 0 {
                    break;
                }
                after_units.push((re, re + n));
                re += n;
                while i + 1 < junctions.len() && junctions[i + 1].at <= re {
                    i += 1;
                    last = junctions[i];
                }
            }
            let a = before_units.len();
            let b = after_units.iter().filter(|&&(s, _)| s >= last.at).count()
                + usize::from(last.removed_break);
            let total = before_units.len() + after_units.len();
            let target = if rs == 0 {
                0
            } else if re == bytes.len() {
                usize::from(ends_with_break).min(total)
            } else {
                a.max(b).max(1)
            };
            let mut excess = total.saturating_sub(target);
            // Remove right after the first junction first, then before it.
            for &(s, e) in &after_units {
                if excess == 0 {
                    break;
                }
                out.push((s, e));
                excess -= 1;
            }
            for &(s, e) in before_units.iter().rev() {
                if excess == 0 {
                    break;
                }
                out.push((s, e));
                excess -= 1;
            }
            covered_to = re + 1;
        }
        i += 1;
    }
    out.sort_unstable();
    // Merge touching spans so each tidy edit is one stretch.
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(out.len());
    for (s, e) in out {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies the tidy-up at `junctions` (offsets where a line, with its
    /// break, was removed when `removed_break`).
    fn tidy(text: &str, junctions: &[usize], removed_break: bool, ends: bool) -> String {
        let junctions: Vec<Junction> = junctions
            .iter()
            .map(|&at| Junction { at, removed_break })
            .collect();
        let mut out = String::new();
        let mut pos = 0;
        for (s, e) in spans(text, &junctions, ends) {
            out.push_str(&text[pos..s]);
            pos = e;
        }
        out.push_str(&text[pos..]);
        out
    }

    #[test]
    fn space_before_punctuation_goes() {
        assert_eq!(tidy("a statement .", &[11], false, false), "a statement.");
    }

    #[test]
    fn doubled_space_folds() {
        assert_eq!(tidy("a  b", &[2], false, false), "a b");
        assert_eq!(tidy("a \t b", &[2], false, false), "a b");
    }

    #[test]
    fn space_at_line_end_goes() {
        assert_eq!(
            tidy("shows both. \nNext", &[12], false, false),
            "shows both.\nNext"
        );
        assert_eq!(tidy("shows both. ", &[12], false, false), "shows both.");
    }

    #[test]
    fn removed_paragraph_leaves_one_paragraph_break() {
        // "P\n\nCAP\n\nQ" with "CAP\n" removed.
        assert_eq!(tidy("P\n\n\nQ", &[3], true, false), "P\n\nQ");
        // Two captions removed, one blank line between them.
        assert_eq!(tidy("P\n\n\n\nQ", &[3, 4], true, false), "P\n\nQ");
        // "a\nCAP\n\nb": the paragraph break after the caption stays.
        assert_eq!(tidy("a\n\nb", &[2], true, false), "a\n\nb");
    }

    #[test]
    fn removed_line_leaves_one_line_break() {
        assert_eq!(tidy("a\nb", &[2], true, false), "a\nb");
        assert_eq!(tidy("a\r\n\r\nb", &[3], true, false), "a\r\n\r\nb");
        // A line emptied by an inline removal goes.
        assert_eq!(tidy("a\n\nb", &[2], false, false), "a\nb");
    }

    #[test]
    fn breaks_at_document_ends() {
        assert_eq!(tidy("\n\nP", &[0], true, false), "P");
        assert_eq!(tidy("P\n\n\n", &[4], true, false), "P");
        assert_eq!(tidy("P\n\n\n", &[4], true, true), "P\n");
    }

    #[test]
    fn untouched_away_from_junctions() {
        assert_eq!(tidy("a  b\n\n\nc", &[], false, false), "a  b\n\n\nc");
    }
}
