//! Where the `[[rules]]` tables of a rule file may start.
//!
//! A rule file with many rules is parsed a piece at a time, so that only a
//! few rules' syntax trees are alive at once. The file is cut before lines
//! that read `[[rules]]` (white space around, a comment after); the head is
//! what comes before the first such line.
//!
//! Such a line could also sit inside a multi-line string or array, where it
//! is not a header. Then the piece before the cut ends inside that string or
//! array and does not parse. So the cuts are checked by parsing: when every
//! piece parses, when the head has no `rules` key, and when every other
//! piece has nothing but `rules` at its top level, then each piece means in
//! the file what it means alone, and the file parses. Whoever cuts must
//! check that. A piece that does not parse can be tried again joined to the
//! next one (the cut may sit in a multi-line string); when the check still
//! fails, the file is parsed whole.
//!
//! Why: TOML's tokens are read without context, so the pieces' tokens are the
//! file's tokens unless one runs across a cut. Only a string can span lines,
//! and one cut short leaves its piece without a closing quote. A piece that
//! parses also closes every array and inline table it opens, so the line
//! after it starts a new expression in the file, as it does in the piece. A
//! piece that begins with `[[rules]]` and defines nothing else at the top
//! level only adds tables to the `rules` array (and sub-tables to its own
//! tables); that is the same in the file, provided the head does not define
//! `rules` itself.

/// The offsets of the lines that read `[[rules]]`, in order: every offset is
/// a line start (or 0, before a byte-order mark).
pub(super) fn rule_header_lines(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    for at in memchr::memmem::find_iter(bytes, b"[[") {
        if !rest_is_rules_header(&bytes[at + 2..]) {
            continue;
        }
        let indent = bytes[..at]
            .iter()
            .rev()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        let line_start = at - indent;
        if line_start == 0 || bytes[line_start - 1] == b'\n' {
            starts.push(line_start);
        } else if line_start == BOM.len() && bytes.starts_with(BOM) {
            starts.push(0);
        }
    }
    starts
}

const BOM: &[u8] = "\u{feff}".as_bytes();

/// Whether `rest`, the text after a `[[`, is ` rules ]]` up to the end of the
/// line (white space inside, and white space and a comment after, allowed).
fn rest_is_rules_header(rest: &[u8]) -> bool {
    let blank = |s: &[u8]| -> usize { s.iter().take_while(|&&b| b == b' ' || b == b'\t').count() };
    let rest = &rest[blank(rest)..];
    let Some(rest) = rest.strip_prefix(b"rules") else {
        return false;
    };
    let rest = &rest[blank(rest)..];
    let Some(rest) = rest.strip_prefix(b"]]") else {
        return false;
    };
    let rest = &rest[blank(rest)..];
    matches!(rest, [] | [b'\n', ..] | [b'\r', b'\n', ..] | [b'#', ..])
}

#[cfg(test)]
mod tests {
    use super::rule_header_lines;

    /// The text of `marked` without its marks, and the offsets of the lines
    /// that began with `|`.
    fn marked(marked: &str) -> (String, Vec<usize>) {
        let mut text = String::new();
        let mut at = Vec::new();
        for line in marked.split_inclusive('\n') {
            match line.strip_prefix('|') {
                Some(rest) => {
                    at.push(text.len());
                    text.push_str(rest);
                }
                None => text.push_str(line),
            }
        }
        (text, at)
    }

    fn check(case: &str) {
        let (text, want) = marked(case);
        assert_eq!(rule_header_lines(&text), want, "{text}");
    }

    #[test]
    fn lines_that_read_rules_header_are_found() {
        check("[pack]\nid = \"p\"\n\n|[[rules]]\nid = \"a\"\n|[[rules]]\nid = \"b\"\n");
        check("|[[rules]]\nid = \"a\"\n");
        check(
            "[pack]\n|  [[ rules ]]  # first\nid = \"a\"\n|\t[[rules]]\r\nid = \"b\"\n|[[rules]]",
        );
        check("|\u{feff}[[rules]]\n|[[rules]]\n");
        // Cut in a string: the piece before does not parse, which the caller
        // checks.
        check("a = \"\"\"\n|[[rules]]\n\"\"\"\n");
    }

    #[test]
    fn other_lines_are_not() {
        check(concat!(
            "[pack]\n",
            "[[rules.x]]\n",
            "[[\"rules\"]]\n",
            "[ [rules]]\n",
            "[[rules] ]\n",
            "[[rules]] x = 1\n",
            "[[rulesx]]\n",
            "[[rules]]\r\r\n",
            "x = [[rules]]\n",
            "# [[rules]]\n",
            "\u{feff}[[rules]]\n",
            "[rules]\n",
        ));
    }
}
