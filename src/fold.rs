//! The matching view of a text: what the anchor automaton walks.
//!
//! Extracted text prints the same boilerplate with different white space
//! (`Image caption,` then a line break, or a no-break space inside `Dear
//! readers`) and different typography (`’` for `'`, `…` for `...`). The view
//! folds both away, so one anchor matches every variant:
//! - every run of white space (ASCII space, tab, line breaks, form feed, the
//!   no-break space and the other Unicode spaces) becomes one space;
//! - the typographic apostrophes and single quotes (`’ ‘ ‚ ‛ ʼ ′`) become
//!   `'`, the double quotes (`“ ” „ ‟ ″`) become `"`, the dashes and the
//!   minus sign (`‐ ‑ ‒ – — ― −`) become `-`, and `…` becomes `...`.
//!
//! Anchors go through the same folding, so a match in the view is a match of
//! the anchor modulo white space and typography. [`View::original`] maps a
//! view offset back to the text, and provenance stays byte-exact on the text
//! itself: the view is only ever read by the automaton.

/// The folded form of a text, with the map back to the text's offsets.
#[derive(Debug, Default)]
pub struct View {
    /// The folded bytes (valid UTF-8: only ASCII replaces anything).
    pub bytes: Vec<u8>,
    /// `(view offset, text offset)` at the end of every folded element whose
    /// length changed; between two marks offsets advance together.
    marks: Vec<(usize, usize)>,
}

/// Bytes that may start a character the view changes: ASCII white space
/// other than the space, and the lead bytes of the folded characters
/// (U+0085 and U+00A0, U+02BC, U+1680, U+2000 to U+206F, U+2212, U+3000).
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'\t' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t[0x0b] = true;
    t[0x0c] = true;
    t[0xc2] = true;
    t[0xca] = true;
    t[0xe1] = true;
    t[0xe2] = true;
    t[0xe3] = true;
    t
};

/// Whether none of the eight bytes of `word` (read little-endian) can end a
/// run that the view copies as it is: none is ASCII white space or another
/// control byte, none is the lead byte of a character the view may change
/// (the non-ASCII bytes of [`SPECIAL`]), no two next to each other are
/// spaces, and the last is no space (the next byte could be one). Other
/// bytes outside ASCII (accented letters, Cyrillic, Arabic, and every
/// continuation byte) are copied as they are.
#[inline(always)]
fn plain(word: u64) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    /// The high bit of every byte of `x` that is zero, and of no other.
    #[inline(always)]
    fn zeros(x: u64) -> u64 {
        !((((x & !HIGH) + !HIGH) | x) | !HIGH)
    }
    let spaces = zeros(word ^ (LOW * u64::from(b' ')));
    let controls = zeros(word & (LOW * 0xe0));
    let pairs = spaces & (spaces >> 8);
    let mut ends = controls | pairs | (spaces & (0x80 << 56));
    if word & HIGH != 0 {
        for lead in [0xc2, 0xca, 0xe1, 0xe2, 0xe3] {
            ends |= zeros(word ^ (LOW * lead));
        }
    }
    ends == 0
}

/// What a character folds to.
enum Fold {
    /// Kept as it is.
    Keep,
    /// White space: part of a run that becomes one space.
    Space,
    /// Replaced by these ASCII bytes.
    Ascii(&'static [u8]),
}

#[inline]
fn fold_char(c: char) -> Fold {
    match c {
        ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c' => Fold::Space,
        '\u{85}'
        | '\u{a0}'
        | '\u{1680}'
        | '\u{2000}'..='\u{200a}'
        | '\u{2028}'
        | '\u{2029}'
        | '\u{202f}'
        | '\u{205f}'
        | '\u{3000}' => Fold::Space,
        '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{2bc}' | '\u{2032}' => {
            Fold::Ascii(b"'")
        }
        '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{201f}' | '\u{2033}' => Fold::Ascii(b"\""),
        '\u{2010}'..='\u{2015}' | '\u{2212}' => Fold::Ascii(b"-"),
        '\u{2026}' => Fold::Ascii(b"..."),
        _ => Fold::Keep,
    }
}

/// Whether `c` is white space to the view.
pub fn is_space(c: char) -> bool {
    matches!(fold_char(c), Fold::Space)
}

/// Whether `c` has a typographic variant that the view folds.
pub fn is_typographic(c: char) -> bool {
    matches!(fold_char(c), Fold::Ascii(_))
}

impl View {
    /// Builds the view of `text` into this (reused) buffer.
    pub fn fill(&mut self, text: &str) {
        self.bytes.clear();
        self.marks.clear();
        self.bytes.reserve(text.len());
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            // The common case: a run of bytes that stay as they are (a
            // single space between words among them), copied at once.
            let mut j = i;
            while j < bytes.len() {
                // Eight bytes at a time while none of them can end the run.
                if let Some(word) = bytes.get(j..j + 8) {
                    let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
                    if plain(word) {
                        j += 8;
                        continue;
                    }
                }
                let b = bytes[j];
                if SPECIAL[b as usize]
                    || (b == b' '
                        && bytes
                            .get(j + 1)
                            .is_some_and(|&n| n == b' ' || SPECIAL[n as usize]))
                {
                    break;
                }
                j += 1;
            }
            self.bytes.extend_from_slice(&bytes[i..j]);
            i = j;
            if i == bytes.len() {
                break;
            }
            let c = text[i..].chars().next().expect("a char starts here");
            match fold_char(c) {
                Fold::Keep => {
                    self.bytes.extend_from_slice(&bytes[i..i + c.len_utf8()]);
                    i += c.len_utf8();
                }
                Fold::Ascii(to) => {
                    self.bytes.extend_from_slice(to);
                    i += c.len_utf8();
                    if to.len() != c.len_utf8() {
                        self.marks.push((self.bytes.len(), i));
                    }
                }
                Fold::Space => {
                    let start = i;
                    i += c.len_utf8();
                    while i < bytes.len() {
                        let Some(next) = text[i..].chars().next() else {
                            break;
                        };
                        if !is_space(next) {
                            break;
                        }
                        i += next.len_utf8();
                    }
                    self.bytes.push(b' ');
                    if i - start != 1 {
                        self.marks.push((self.bytes.len(), i));
                    }
                }
            }
        }
    }

    /// The view of `text`, built anew.
    pub fn of(text: &str) -> View {
        let mut view = View::default();
        view.fill(text);
        view
    }

    /// The view as a string.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes).expect("the view is UTF-8")
    }

    /// The text offset of view offset `at`.
    pub fn original(&self, at: usize) -> usize {
        let i = self.marks.partition_point(|&(v, _)| v <= at);
        match i.checked_sub(1) {
            None => at,
            Some(i) => {
                let (v, o) = self.marks[i];
                o + (at - v)
            }
        }
    }
}

/// `text` folded, as a string (for anchors and dictionary entries).
pub fn fold(text: &str) -> String {
    let view = View::of(text);
    String::from_utf8(view.bytes).expect("the view is UTF-8")
}

/// Writes the dictionary form of `text` into `out`: folded as the view
/// folds, trimmed, in lowercase. One pass, no allocation beyond `out`.
pub fn key_into(text: &str, out: &mut String) {
    key_into_at_most(text, out, usize::MAX);
}

/// [`key_into`], stopped as soon as the key has more than `max` bytes (the
/// key only grows as it is written); returns whether it was written whole.
pub fn key_into_at_most(text: &str, out: &mut String, max: usize) -> bool {
    out.clear();
    let mut space = false;
    for c in text.trim_matches(is_space).chars() {
        match fold_char(c) {
            Fold::Space => space = true,
            Fold::Ascii(to) => {
                if std::mem::take(&mut space) {
                    out.push(' ');
                }
                out.push_str(std::str::from_utf8(to).expect("ASCII"));
            }
            Fold::Keep => {
                if std::mem::take(&mut space) {
                    out.push(' ');
                }
                if c.is_ascii() {
                    out.push(c.to_ascii_lowercase());
                } else {
                    out.extend(c.to_lowercase());
                }
            }
        }
        if out.len() > max {
            return false;
        }
    }
    true
}

/// Appends `text` to `out` folded as the view folds it (white-space runs to
/// one space, typography folded, nothing trimmed, case kept). `space` says
/// whether `out` ends in a folded run, so that texts
/// appended one after another fold as their concatenation would. Stops once
/// `out` holds more than `max` bytes; returns whether all of `text` went in.
pub fn fold_onto(text: &str, out: &mut String, space: &mut bool, max: usize) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if out.len() > max {
            return false;
        }
        // A run of bytes that stay as they are, copied at once, up to the
        // first character past `max` (completed, so that the run ends on a
        // character boundary).
        let room = (max - out.len()).saturating_add(1);
        let mut j = i;
        while j < bytes.len() && j - i < room && kept(bytes[j]) {
            j += 1;
        }
        while j < bytes.len() && is_continuation(bytes[j]) {
            j += 1;
        }
        if j > i {
            out.push_str(&text[i..j]);
            *space = false;
            i = j;
            continue;
        }
        let c = match bytes[i] {
            b if b.is_ascii() => char::from(b),
            _ => text[i..].chars().next().expect("a char starts here"),
        };
        i += c.len_utf8();
        match fold_char(c) {
            Fold::Space => {
                if !std::mem::replace(space, true) {
                    out.push(' ');
                }
            }
            Fold::Ascii(to) => {
                *space = false;
                out.push_str(std::str::from_utf8(to).expect("ASCII"));
            }
            Fold::Keep => {
                *space = false;
                out.push(c);
            }
        }
    }
    bytes.is_empty() || out.len() <= max
}

/// Whether `b`, in a text, is a byte that the view keeps as it is,
/// whatever follows: no white space or control byte, and no lead byte of
/// a character the view may change.
#[inline(always)]
fn kept(b: u8) -> bool {
    b > b' ' && !SPECIAL[b as usize]
}

/// Whether `b` continues a UTF-8 character rather than starting one.
#[inline(always)]
fn is_continuation(b: u8) -> bool {
    b & 0xc0 == 0x80
}

/// `text` with only its white space folded (runs to one space), typography
/// kept: what a rule that does not ask for typographic folding compares.
pub fn fold_space(text: &str) -> String {
    collapse_runs(text, is_space)
}

/// `text` with every run of characters that `space` calls white space
/// collapsed to one space, everything else kept.
pub fn collapse_runs(text: &str, space: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if space(c) {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

/// Whether `a` and `b` are the same once white space runs are folded (and
/// ASCII case, when `ignore_case`).
pub fn same_modulo_space(a: &str, b: &str, ignore_case: bool) -> bool {
    // Compared as they are read, without folding copies: this runs on
    // automaton hits.
    folded_chars(a, ignore_case).eq(folded_chars(b, ignore_case))
}

/// The characters of `s` with white-space runs as one space, and ASCII
/// lowercase when `ignore_case`.
fn folded_chars(s: &str, ignore_case: bool) -> impl Iterator<Item = char> + '_ {
    let mut space = false;
    s.chars().filter_map(move |c| {
        if is_space(c) {
            (!std::mem::replace(&mut space, true)).then_some(' ')
        } else {
            space = false;
            Some(if ignore_case {
                c.to_ascii_lowercase()
            } else {
                c
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_runs_fold_to_one_space_and_map_back() {
        let text = "Image caption,\n\nA man\u{a0}walks.";
        let view = View::of(text);
        assert_eq!(view.as_str(), "Image caption, A man walks.");
        // "A" is at view 15 and text 16; "walks" at view 21 and text 23.
        assert_eq!(view.original(15), 16);
        assert_eq!(view.original(21), 23);
        assert_eq!(view.original(view.bytes.len()), text.len());
        assert_eq!(view.original(0), 0);
    }

    #[test]
    fn typography_folds_to_ascii() {
        let text = "Don’t miss “this” – now…";
        let view = View::of(text);
        assert_eq!(view.as_str(), "Don't miss \"this\" - now...");
        let m = view.as_str().find("now...").unwrap();
        assert_eq!(
            &text[view.original(m)..view.original(view.bytes.len())],
            "now…"
        );
    }

    #[test]
    fn every_folded_character_starts_with_a_special_byte() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            if !matches!(fold_char(c), Fold::Keep) && c != ' ' {
                let mut buf = [0; 4];
                let lead = c.encode_utf8(&mut buf).as_bytes()[0];
                assert!(SPECIAL[lead as usize], "{c:?}");
            }
        }
        let text = "a  b\u{a0}c \nd é—e";
        assert_eq!(View::of(text).as_str(), "a b c d é-e");
    }

    #[test]
    fn eight_plain_bytes_are_copied_at_once() {
        let word = |s: &[u8]| u64::from_le_bytes(s.try_into().unwrap());
        assert!(plain(word(b"abc defg")));
        assert!(plain(word(b" a b c d")));
        assert!(!plain(word(b"abc  efg")), "two spaces");
        assert!(!plain(word(b"abcdefg ")), "a space last");
        assert!(!plain(word(b"abc\ndefg")), "a line break");
        assert!(!plain(word(b"abc\tdefg")), "a tab");
        assert!(!plain(word(b"abc\x01defg")), "a control byte");
        assert!(!plain(word("abc\u{2019}de".as_bytes())), "an apostrophe");
        assert!(!plain(word("abcd\u{a0}fg".as_bytes())), "a no-break space");
        assert!(plain(word("abcd\u{e9}fg".as_bytes())), "an accented letter");
        assert!(plain(word("Ваня".as_bytes())), "Cyrillic");
        assert!(plain(word("Gdańsk!".as_bytes())), "a Polish letter");
        // The euro sign's lead byte is that of the dashes and quotes.
        assert!(!plain(word("\u{20ac}12345".as_bytes())), "a euro sign");
        // A byte is copied in a run unless it is a control byte or may
        // start a character the view changes.
        let copied = |c: u8| c >= 0x20 && !SPECIAL[c as usize];
        // Every byte value in every position, against the byte-wise rule.
        for pos in 0..8 {
            for b in 0..=255u8 {
                let mut bytes = *b"abcdefgh";
                bytes[pos] = b;
                let expected = bytes.iter().all(|&c| copied(c))
                    && !bytes.windows(2).any(|w| w == b"  ")
                    && bytes[7] != b' ';
                assert_eq!(plain(word(&bytes)), expected, "{bytes:?}");
                bytes[(pos + 1) % 8] = b' ';
                let expected = bytes.iter().all(|&c| copied(c))
                    && !bytes.windows(2).any(|w| w == b"  ")
                    && bytes[7] != b' ';
                assert_eq!(plain(word(&bytes)), expected, "{bytes:?}");
            }
        }
        // Views of texts with runs of every kind, long and short.
        let text = "Word  word\u{a0} word\tword\n\nA long run of plain text, then “quotes” – and… \
                    more  text, Zürich café, Ваня\u{2009}ушёл, €5\u{3000}ok";
        for cut in 0..text.len() {
            if text.is_char_boundary(cut) {
                let (a, b) = text.split_at(cut);
                let view = View::of(&format!("{b}{a}"));
                let folded = collapse_runs(&format!("{b}{a}"), is_space)
                    .replace(['“', '”'], "\"")
                    .replace('–', "-")
                    .replace('…', "...");
                assert_eq!(view.as_str(), folded);
            }
        }
    }

    #[test]
    fn folding_onto_a_key_folds_as_the_view_and_stops_past_the_limit() {
        let text = "Teilen mit:\u{a0} Facebook\n\n“Don’t” – Zürich…  Ваня\tушёл, €5 \u{3000}ok ";
        let view = View::of(text);
        let whole = view.as_str();
        for cut in (0..=text.len()).filter(|&c| text.is_char_boundary(c)) {
            // In two pieces, as the line table folds a run of lines.
            let (a, b) = text.split_at(cut);
            let (mut out, mut space) = (String::new(), false);
            assert!(fold_onto(a, &mut out, &mut space, usize::MAX));
            assert!(fold_onto(b, &mut out, &mut space, usize::MAX));
            assert_eq!(out, whole, "cut at {cut}");
            // Up to a limit: all of it within, else a prefix just past it.
            for max in 0..whole.len() + 2 {
                let (mut out, mut space) = (String::new(), false);
                let all = fold_onto(&text[cut..], &mut out, &mut space, max);
                let folded = View::of(&text[cut..]);
                assert_eq!(all, folded.bytes.len() <= max, "{cut} {max}");
                assert!(folded.as_str().starts_with(&out), "{cut} {max}: {out:?}");
                if !all {
                    assert!(out.len() > max && out.len() <= max + 4, "{cut} {max}");
                }
            }
        }
        let mut out = "abc".to_string();
        assert!(fold_onto("", &mut out, &mut false, 1), "nothing to add");
    }

    #[test]
    fn folding_an_anchor_and_comparing_modulo_space() {
        assert_eq!(fold("  Remind me\tlater.  "), " Remind me later. ");
        assert!(same_modulo_space("Dear\n readers", "Dear readers", false));
        assert!(!same_modulo_space("Don’t", "Don't", false));
        assert!(same_modulo_space("READ  more", "read more", true));
    }
}
