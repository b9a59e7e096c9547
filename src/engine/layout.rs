//! Lines and paragraphs of a document, in byte offsets.
//!
//! A line runs up to (not including) its `\n`; a `\r` before the `\n` belongs
//! to the line. A blank line holds only spaces, tabs or `\r`. A paragraph is a
//! run of non-blank lines between blank lines or the document's ends; in a
//! document with no blank line at all, every line is its own paragraph (the
//! common shape of extracted text, one paragraph per line).

use memchr::{memchr, memrchr};
use regex::Regex;
use std::collections::HashMap;

/// Start of the line holding byte `at`.
pub fn line_start(text: &[u8], at: usize) -> usize {
    memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1)
}

/// End of the line holding byte `at` (the offset of its `\n`, or the text's end).
pub fn line_end(text: &[u8], at: usize) -> usize {
    memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i)
}

/// The end of a line plus its line break, if it has one.
pub fn with_break(text: &[u8], end: usize) -> usize {
    if end < text.len() { end + 1 } else { end }
}

/// Whether `bytes` hold only spaces, tabs and carriage returns.
pub fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// Trims spaces, tabs and carriage returns from both ends of `start..end`.
pub fn trim(text: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    while start < end && matches!(text[start], b' ' | b'\t' | b'\r') {
        start += 1;
    }
    while end > start && matches!(text[end - 1], b' ' | b'\t' | b'\r') {
        end -= 1;
    }
    (start, end)
}

/// Per-pass facts about a document's layout, computed only when a candidate
/// asks for them.
pub struct Layout<'t> {
    text: &'t [u8],
    has_blank: Option<bool>,
    paragraphs: Option<Vec<usize>>,
    /// The last line looked up: matches come in order, and many may sit on
    /// one line.
    line: (usize, usize),
    /// The last paragraph looked up, by its first line's start.
    paragraph: Option<(usize, usize)>,
    /// Regex matches of a long unit, per (rule, unit start).
    regex: HashMap<(u32, usize), Vec<(usize, usize)>>,
    /// How often each folded unit occurs, per unit kind (line, paragraph).
    units: [Option<HashMap<String, u32>>; 2],
}

impl<'t> Layout<'t> {
    /// Layout of `text`; nothing is computed yet.
    pub fn new(text: &'t str) -> Layout<'t> {
        Layout {
            text: text.as_bytes(),
            has_blank: None,
            paragraphs: None,
            line: (usize::MAX, 0),
            paragraph: None,
            regex: HashMap::new(),
            units: [None, None],
        }
    }

    /// The line that holds `start..end` (its start, and its end before the
    /// line break): the line of `start`, extended to the line of `end`.
    /// The answer never depends on earlier questions: only one line is
    /// remembered, never a run of them.
    pub fn line(&mut self, start: usize, end: usize) -> (usize, usize) {
        let (ls, le) = self.line;
        if !(ls <= start && start <= le) {
            let ls = line_start(self.text, start);
            self.line = (ls, line_end(self.text, ls));
        }
        let (ls, le) = self.line;
        (
            ls,
            if end <= le {
                le
            } else {
                line_end(self.text, end)
            },
        )
    }

    /// The matches (offsets in the unit) of `re` in the unit `us..ue`,
    /// found once.
    pub fn regex_matches(
        &mut self,
        rule: u32,
        re: &Regex,
        us: usize,
        ue: usize,
    ) -> &[(usize, usize)] {
        let text = self.text;
        self.regex.entry((rule, us)).or_insert_with(|| {
            let unit = std::str::from_utf8(&text[us..ue]).expect("units lie on char boundaries");
            re.find_iter(unit).map(|m| (m.start(), m.end())).collect()
        })
    }

    /// How many times the unit `ts..te` (trimmed), folded, occurs in the
    /// text as a unit of its kind.
    pub fn occurrences(&mut self, paragraphs: bool, ts: usize, te: usize) -> u32 {
        let key =
            |bytes: &[u8]| crate::rules::dictionary_key(std::str::from_utf8(bytes).unwrap_or(""));
        let wanted = key(&self.text[ts..te]);
        if self.units[usize::from(paragraphs)].is_none() {
            let mut counts: HashMap<String, u32> = HashMap::new();
            let text = self.text;
            let mut start = 0;
            while start < text.len() {
                let (s, e) = if paragraphs {
                    let le = line_end(text, start);
                    if is_blank(&text[start..le]) {
                        start = le + 1;
                        continue;
                    }
                    self.paragraph(start, le)
                } else {
                    (start, line_end(text, start))
                };
                let (a, b) = trim(text, s, e);
                if a < b {
                    *counts.entry(key(&text[a..b])).or_default() += 1;
                }
                start = e + 1;
            }
            self.units[usize::from(paragraphs)] = Some(counts);
        }
        self.units[usize::from(paragraphs)]
            .as_ref()
            .and_then(|c| c.get(&wanted).copied())
            .unwrap_or(0)
    }

    /// Whether the document has a blank line between two lines of text.
    fn has_blank(&mut self) -> bool {
        let text = self.text;
        *self.has_blank.get_or_insert_with(|| {
            let mut start = 0;
            let mut seen_text = false;
            let mut blank_after_text = false;
            while start < text.len() {
                let end = line_end(text, start);
                if is_blank(&text[start..end]) {
                    blank_after_text |= seen_text;
                } else if blank_after_text {
                    return true;
                } else {
                    seen_text = true;
                }
                start = end + 1;
            }
            false
        })
    }

    /// The paragraph holding the line `ls..le`: its start and end (the end of
    /// its last line, before the line break).
    pub fn paragraph(&mut self, ls: usize, le: usize) -> (usize, usize) {
        if !self.has_blank() {
            return (ls, le);
        }
        if let Some((s, e)) = self.paragraph
            && s <= ls
            && le <= e
        {
            return (s, e);
        }
        let text = self.text;
        let mut start = ls;
        while start > 0 {
            let prev_start = line_start(text, start - 1);
            if is_blank(&text[prev_start..start - 1]) {
                break;
            }
            start = prev_start;
        }
        let mut end = le;
        while end < text.len() {
            let next_end = line_end(text, end + 1);
            if is_blank(&text[end + 1..next_end]) {
                break;
            }
            end = next_end;
        }
        self.paragraph = Some((start, end));
        (start, end)
    }

    /// Index of the paragraph holding byte `at`, and the number of paragraphs.
    pub fn paragraph_index(&mut self, at: usize) -> (usize, usize) {
        let blank_mode = self.has_blank();
        let text = self.text;
        let starts = self.paragraphs.get_or_insert_with(|| {
            let mut starts = Vec::new();
            let mut start = 0;
            let mut in_paragraph = false;
            while start < text.len() {
                let end = line_end(text, start);
                if is_blank(&text[start..end]) {
                    in_paragraph = false;
                } else {
                    if !in_paragraph || !blank_mode {
                        starts.push(start);
                    }
                    in_paragraph = true;
                }
                start = end + 1;
            }
            starts
        });
        let index = starts.partition_point(|&s| s <= at).saturating_sub(1);
        (index, starts.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_does_not_depend_on_the_lines_asked_before() {
        let text = "Body.\nRead more\nabout it\n";
        let mut l = Layout::new(text);
        // A match across two lines, then one on the first of them alone.
        assert_eq!(l.line(6, 21), (6, 24));
        assert_eq!(l.line(6, 15), (6, 15));
        assert_eq!(l.line(16, 20), (16, 24));
        assert_eq!(l.line(7, 8), (6, 15));
    }

    #[test]
    fn paragraphs_follow_blank_lines_when_there_are_any() {
        let text = "a\nb\n\nc\n \nd";
        let mut l = Layout::new(text);
        let b = text.find('b').unwrap();
        assert_eq!(l.paragraph(b, b + 1), (0, 3));
        let d = text.find('d').unwrap();
        assert_eq!(l.paragraph_index(d), (2, 3));
        assert_eq!(l.paragraph_index(0), (0, 3));
    }

    #[test]
    fn without_blank_lines_each_line_is_a_paragraph() {
        let text = "a\nb\nc\n";
        let mut l = Layout::new(text);
        assert_eq!(l.paragraph(2, 3), (2, 3));
        assert_eq!(l.paragraph_index(4), (2, 3));
    }

    #[test]
    fn leading_blank_lines_do_not_count_as_separators() {
        let mut l = Layout::new("\n\na\nb");
        assert_eq!(l.paragraph(5, 6), (5, 6));
    }
}
