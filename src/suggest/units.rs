//! Units of a clean text: its non-blank lines, and the recurring prefixes
//! and suffixes within them, each normalised for white space and digits and
//! hashed, so that the wordings of one unit count as one.

pub(super) const TAG_LINE: u8 = 1;
pub(super) const TAG_EXACT: u8 = 2;
pub(super) const TAG_BLOCK: u8 = 3;
pub(super) const TAG_BLOCK_EXACT: u8 = 4;

const K1: u64 = 0x9E37_79B9_7F4A_7C15;
const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;

fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// A 64-bit hash of `bytes` under `tag`; the same on every run and machine.
pub(super) fn hash(tag: u8, bytes: &[u8]) -> u64 {
    let mut h = K1 ^ u64::from(tag).wrapping_mul(K2) ^ (bytes.len() as u64);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h ^ w).wrapping_mul(K1).rotate_left(29);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut b = [0u8; 8];
        b[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(b)).wrapping_mul(K2).rotate_left(31);
    }
    fmix(h)
}

/// Writes the two forms of `s`: `exact`, with each run of white space as one
/// space and the ends trimmed; `norm`, the same with each run of ASCII digits
/// as one `0`. Returns whether `s` has digits.
pub(super) fn forms(s: &str, norm: &mut Vec<u8>, exact: &mut Vec<u8>) -> bool {
    norm.clear();
    exact.clear();
    let (mut space, mut digit, mut digits) = (false, false, false);
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // ASCII bytes directly; anything else a whole character at a time.
        let (white, len) = if b < 0x80 {
            (b.is_ascii_whitespace() || b == 0x0B, 1)
        } else {
            let c = s[i..].chars().next().expect("a character");
            (c.is_whitespace(), c.len_utf8())
        };
        if white {
            space = true;
            digit = false;
            i += len;
            continue;
        }
        if space && !exact.is_empty() {
            norm.push(b' ');
            exact.push(b' ');
        }
        space = false;
        if b.is_ascii_digit() {
            digits = true;
            if !digit {
                norm.push(b'0');
            }
            digit = true;
            exact.push(b);
        } else {
            digit = false;
            norm.extend_from_slice(&bytes[i..i + len]);
            exact.extend_from_slice(&bytes[i..i + len]);
        }
        i += len;
    }
    digits
}

/// The kind of a counted unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Unit {
    Block,
    Line,
    SuffixWhole,
    SuffixHead,
    SuffixTail,
    Prefix,
}

impl Unit {
    pub(super) fn tag(self) -> u8 {
        match self {
            Unit::Block => TAG_BLOCK,
            Unit::Line => TAG_LINE,
            Unit::SuffixWhole => 10,
            Unit::SuffixHead => 11,
            Unit::SuffixTail => 12,
            Unit::Prefix => 13,
        }
    }
}

/// A recurring-prefix or -suffix candidate within a line (byte ranges of the
/// trimmed line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Affix {
    pub(super) unit: Unit,
    /// The recurring text.
    pub(super) affix: (usize, usize),
    /// What a rule removing the affix removes (a whole bracket group for
    /// heads and tails).
    pub(super) cut: (usize, usize),
    /// Characters of the varying part inside a bracket group.
    pub(super) var: usize,
    /// Bytes of the line outside `cut`.
    pub(super) outside: usize,
    /// Words of the line outside `cut`.
    pub(super) outside_words: usize,
}

/// Separators that end a navigation prefix.
const PREFIX_SEPARATORS: &[&str] = &[" / ", " | ", " > ", " » ", " › ", " · "];
/// Separators that start a trailing site name or credit.
const SUFFIX_SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — "];

pub(super) fn words(s: &str) -> usize {
    s.split_whitespace().count()
}

fn floor_boundary(s: &str, mut at: usize) -> usize {
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(s: &str, mut at: usize) -> usize {
    while !s.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The prefix and suffix candidates of a trimmed line.
pub(super) fn affixes(line: &str, out: &mut Vec<Affix>) {
    out.clear();
    let head = &line[..floor_boundary(line, line.len().min(64))];
    let mut best: Option<(usize, usize)> = None;
    // Every separator starts with a space: look only there.
    for p in memchr::memchr_iter(b' ', head.as_bytes()) {
        if p == 0 {
            continue;
        }
        if let Some(sep) = PREFIX_SEPARATORS
            .iter()
            .find(|sep| head[p..].starts_with(**sep))
        {
            best = Some((p, sep.len()));
            break;
        }
    }
    // An upper-case label: "WATCH: …", "LIVE UPDATES: …".
    if let Some(p) =
        memchr::memchr(b':', head.as_bytes()).filter(|p| head[p + 1..].starts_with(' '))
    {
        let label = &line[..p];
        if label.chars().count() >= 3
            && label.chars().any(char::is_alphabetic)
            && label.chars().all(|c| c.is_uppercase() || c == ' ')
            && best.is_none_or(|(b, _)| p < b)
        {
            best = Some((p, 2));
        }
    }
    if let Some((p, len)) = best {
        let end = p + len;
        let rest = line[end..].trim();
        if !rest.is_empty() {
            out.push(Affix {
                unit: Unit::Prefix,
                affix: (0, end),
                cut: (0, end),
                var: 0,
                outside: rest.len(),
                outside_words: words(rest),
            });
        }
    }
    let close = line.chars().last();
    if let Some(close @ (')' | ']')) = close {
        let open = if close == ')' { '(' } else { '[' };
        let mut depth = 0i32;
        let mut start = None;
        for (i, c) in line.char_indices().rev() {
            if c == close {
                depth += 1;
            } else if c == open {
                depth -= 1;
                if depth == 0 {
                    start = Some(i);
                    break;
                }
            }
        }
        let Some(o) = start else {
            return;
        };
        let before = line[..o].trim();
        let group = &line[o..];
        if before.is_empty() || group.len() > 120 || group.len() < 3 {
            return;
        }
        let (outside, outside_words) = (before.len(), words(before));
        let whole = (o, line.len());
        out.push(Affix {
            unit: Unit::SuffixWhole,
            affix: whole,
            cut: whole,
            var: 0,
            outside,
            outside_words,
        });
        let inner_end = line.len() - close.len_utf8();
        for (i, c) in group.char_indices() {
            let at = o + i;
            if at == o || at >= inner_end {
                continue;
            }
            if c == '/' || c == ':' {
                let var = line[at + 1..inner_end].trim();
                if !var.is_empty() {
                    out.push(Affix {
                        unit: Unit::SuffixHead,
                        affix: (o, at + 1),
                        cut: whole,
                        var: var.chars().count(),
                        outside,
                        outside_words,
                    });
                }
            }
            if c == '/' {
                let var = line[o + 1..at].trim();
                if !var.is_empty() {
                    out.push(Affix {
                        unit: Unit::SuffixTail,
                        affix: (at, line.len()),
                        cut: whole,
                        var: var.chars().count(),
                        outside,
                        outside_words,
                    });
                }
            }
        }
    } else {
        let from = ceil_boundary(line, line.len().saturating_sub(60));
        let tail = &line[from..];
        let found = memchr::memrchr_iter(b' ', tail.as_bytes())
            .find(|&p| {
                SUFFIX_SEPARATORS
                    .iter()
                    .any(|sep| tail[p..].starts_with(*sep))
            })
            .map(|p| from + p);
        if let Some(p) = found {
            let before = line[..p].trim();
            let suffix = line[p..].trim();
            if !before.is_empty() && suffix.chars().count() >= 6 {
                out.push(Affix {
                    unit: Unit::SuffixWhole,
                    affix: (p, line.len()),
                    cut: (p, line.len()),
                    var: 0,
                    outside: before.len(),
                    outside_words: words(before),
                });
            }
        }
    }
}

/// A non-blank line of a clean text.
pub(super) struct LineInfo {
    /// Byte range of the trimmed line in the text.
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) key: u64,
    pub(super) exact: u64,
    pub(super) frequent: bool,
}

/// Calls `each(start, end)` for the trimmed range of every non-blank line.
pub(super) fn each_line(text: &str, mut each: impl FnMut(usize, usize)) {
    let mut pos = 0;
    for raw in text.split('\n') {
        let start = pos;
        pos += raw.len() + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        let s = start + (raw.len() - raw.trim_start().len());
        each(s, s + trimmed.len());
    }
}

/// `text` on one line, cut to about `max` characters.
pub(super) fn shorten(text: &str, max: usize) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= max {
        return one;
    }
    let cut: String = one.chars().take(max).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> (Vec<u8>, Vec<u8>, bool) {
        let (mut n, mut e) = (Vec::new(), Vec::new());
        let d = forms(s, &mut n, &mut e);
        (n, e, d)
    }

    #[test]
    fn digits_and_white_space_are_normalised() {
        let (a, ea, d) = norm("  published at 21:11 British  Summer Time 8 April 2022 ");
        let (b, eb, _) = norm("published at 09:05 British Summer Time 18 April 2021");
        assert!(d);
        assert_eq!(a, b);
        assert_ne!(ea, eb);
        assert_eq!(
            String::from_utf8(a).unwrap(),
            "published at 0:0 British Summer Time 0 April 0"
        );
        assert_eq!(
            String::from_utf8(ea).unwrap(),
            "published at 21:11 British Summer Time 8 April 2022"
        );
        assert_eq!(hash(1, b"abc"), hash(1, b"abc"));
        assert_ne!(hash(1, b"abc"), hash(2, b"abc"));
        assert_ne!(hash(1, b"abcdefgh1"), hash(1, b"abcdefgh2"));
    }

    #[test]
    fn prefixes_and_suffixes_of_a_line() {
        let mut out = Vec::new();
        let line = "Boats at dusk in the harbour. (Photo: TIDEPIX/Ann Lee)";
        affixes(line, &mut out);
        let texts: Vec<(Unit, &str)> = out
            .iter()
            .map(|a| (a.unit, &line[a.affix.0..a.affix.1]))
            .collect();
        assert!(
            texts.contains(&(Unit::SuffixWhole, "(Photo: TIDEPIX/Ann Lee)")),
            "{texts:?}"
        );
        assert!(
            texts.contains(&(Unit::SuffixHead, "(Photo: TIDEPIX/")),
            "{texts:?}"
        );
        assert!(texts.contains(&(Unit::SuffixHead, "(Photo:")), "{texts:?}");
        assert!(
            texts.contains(&(Unit::SuffixTail, "/Ann Lee)")),
            "{texts:?}"
        );
        affixes("News / Politics", &mut out);
        assert_eq!(out[0].unit, Unit::Prefix);
        assert_eq!(out[0].affix, (0, 7));
        affixes("The talks ended. He said: nothing.", &mut out);
        assert!(out.is_empty(), "{out:?}");
        affixes("Kyiv braces for winter | The Daily Lantern", &mut out);
        assert_eq!(out.len(), 2, "{out:?}");
    }
}
