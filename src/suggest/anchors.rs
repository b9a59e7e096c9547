//! How a rule finds a recurring text: its anchor (a literal part of it), the
//! regex that generalises its digits and white space, and the category a
//! reviewer should check, all drawn from the text alone.

use super::SuggestionKind;
use crate::rules::MIN_ANCHOR_CHARS;

/// Byte ranges of the literal parts of `s`: the stretches between digits and
/// characters that make an anchor look like a regex (`|`, `\`, `^`, `$`,
/// `.*`, `.+`, `(?`, `[^`), trimmed of white space.
fn literal_parts(s: &str) -> Vec<(usize, usize)> {
    let mut parts = Vec::new();
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut start = 0;
    let mut i = 0;
    let push = |a: usize, b: usize, parts: &mut Vec<(usize, usize)>| {
        let piece = &s[a..b];
        let t = piece.trim();
        if !t.is_empty() {
            let lead = piece.len() - piece.trim_start().len();
            parts.push((a + lead, a + lead + t.len()));
        }
    };
    while i < chars.len() {
        let (at, c) = chars[i];
        let next = chars.get(i + 1).map(|x| x.1);
        let width = if c.is_ascii_digit() || matches!(c, '|' | '\\' | '^' | '$') {
            1
        } else if matches!(
            (c, next),
            ('.', Some('*' | '+')) | ('(', Some('?')) | ('[', Some('^'))
        ) {
            2
        } else {
            0
        };
        if width > 0 {
            push(start, at, &mut parts);
            i += width;
            start = chars.get(i).map_or(s.len(), |x| x.0);
        } else {
            i += 1;
        }
    }
    push(start, s.len(), &mut parts);
    parts
}

pub(super) fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A regex matching `s` literally, but any run of white space as `\s+` and
/// any run of ASCII digits as `[0-9]+` (`\d` would take every script's
/// digits, and cost as much).
pub(super) fn pattern(s: &str) -> String {
    let mut out = String::new();
    let mut lit = String::new();
    let mut last = ' ';
    let mut prev: Option<char> = None;
    for c in s.chars() {
        let class = if c.is_whitespace() {
            's'
        } else if c.is_ascii_digit() {
            'd'
        } else {
            'l'
        };
        if class != 'l' {
            if !lit.is_empty() {
                out.push_str(&regex::escape(&lit));
                lit.clear();
            }
            if prev.is_none() || last != class {
                out.push_str(if class == 's' { r"\s+" } else { "[0-9]+" });
            }
        } else {
            lit.push(c);
        }
        last = class;
        prev = Some(c);
    }
    if !lit.is_empty() {
        out.push_str(&regex::escape(&lit));
    }
    out
}

/// How a rule finds a line: its anchor, where the anchor sits, and a regex
/// over the whole line when the anchor is only part of it.
pub(super) fn line_anchor(line: &str) -> Option<(String, &'static str, Option<String>)> {
    let parts = literal_parts(line);
    if parts.len() == 1 && parts[0] == (0, line.len()) {
        if chars(line) < MIN_ANCHOR_CHARS {
            return None;
        }
        return Some((line.to_string(), "equals", None));
    }
    let &(a, b) = parts
        .iter()
        .filter(|(a, b)| chars(&line[*a..*b]) >= 8)
        .max_by_key(|(a, b)| (chars(&line[*a..*b]), std::cmp::Reverse(*a)))?;
    let placed = if a == 0 {
        "starts-with"
    } else if b == line.len() {
        "ends-with"
    } else {
        "contains"
    };
    Some((
        line[a..b].to_string(),
        placed,
        Some(format!(r"^\s*{}\s*$", pattern(line))),
    ))
}

/// Like [`line_anchor`], but the anchor is the literal part that opens the
/// line (8 characters or more).
pub(super) fn line_anchor_at_start(line: &str) -> Option<(String, &'static str, Option<String>)> {
    let &(a, b) = literal_parts(line).first()?;
    (a == 0 && chars(&line[a..b]) >= 8).then(|| {
        (
            line[a..b].to_string(),
            "starts-with",
            Some(format!(r"^\s*{}\s*$", pattern(line))),
        )
    })
}

/// The anchor of an affix text: the text itself when it is all literal,
/// else its longest literal part of 4 characters or more (preferring one
/// at `prefer_end`).
pub(super) fn affix_anchor(text: &str, prefer_end: bool) -> Option<(usize, usize)> {
    let parts = literal_parts(text);
    if parts.len() == 1 && parts[0] == (0, text.len()) {
        return (chars(text) >= MIN_ANCHOR_CHARS).then_some((0, text.len()));
    }
    let long: Vec<&(usize, usize)> = parts
        .iter()
        .filter(|(a, b)| chars(&text[*a..*b]) >= MIN_ANCHOR_CHARS)
        .collect();
    if prefer_end && let Some(p) = long.iter().find(|p| p.1 == text.len()) {
        return Some(**p);
    }
    long.into_iter()
        .max_by_key(|(a, b)| (chars(&text[*a..*b]), std::cmp::Reverse(*a)))
        .copied()
}

/// A category for reviewers to check, guessed from the text.
pub(super) fn category(
    kind: SuggestionKind,
    text: &str,
    trailing: bool,
    digits: bool,
) -> &'static str {
    let l = text.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| l.contains(w));
    if kind == SuggestionKind::Block && trailing {
        return "footer";
    }
    if has(&["share", "tweet"]) {
        "share"
    } else if has(&["newsletter", "subscribe", "sign up"]) {
        "newsletter"
    } else if has(&["donat", "support our", "support us"]) {
        "donation_appeal"
    } else if has(&["©", "copyright", "all rights reserved"]) {
        "copyright"
    } else if has(&["advertisement", "sponsored"]) {
        "advertisement"
    } else if has(&["cookie"]) {
        "cookie_notice"
    } else if has(&["read more", "related", "see also", "more on"]) {
        "related"
    } else if kind == SuggestionKind::Prefix {
        "navigation"
    } else if kind == SuggestionKind::Suffix
        && (has(&["photo", "foto", "image", "picture"]) || l.contains('/'))
    {
        "credit"
    } else if digits
        && has(&[
            "published",
            "updated",
            "posted",
            "gmt",
            "bst",
            "utc",
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ])
    {
        "dateline"
    } else {
        "other"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_literal_parts() {
        assert_eq!(
            line_anchor("Share this story"),
            Some(("Share this story".into(), "equals", None))
        );
        let (a, w, r) = line_anchor("Published 12:34 3 May 2022").unwrap();
        assert_eq!((a.as_str(), w), ("Published", "starts-with"));
        let r = regex::Regex::new(&r.unwrap()).unwrap();
        assert!(r.is_match("Published 09:05 17 May 2021"));
        assert!(!r.is_match("Published 09:05 17 June 2021"));
        // No literal part of 8 characters: no anchor.
        assert_eq!(line_anchor("12:34 3 May 2022"), None);
        // `|` makes an anchor look like a regex: the longest part is used.
        let (a, w, _) = line_anchor("Share on Lantern | Share on Pinecone").unwrap();
        assert_eq!((a.as_str(), w), ("Share on Pinecone", "ends-with"));
    }

    #[test]
    fn patterns_escape_and_generalise() {
        assert_eq!(pattern("(Photo: A.B)"), r"\(Photo:\s+A\.B\)");
        assert_eq!(pattern("at 12:34  on"), r"at\s+[0-9]+:[0-9]+\s+on");
    }
}
