//! Diagnostics for rule files: every problem points at `file:line:col`, names
//! the rule, and says what to do about it.

use std::fmt;

/// What kind of problem a [`Diagnostic`] reports. Each kind has a stable name
/// (shown in brackets in the message) so scripts can match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiagnosticKind {
    /// The file could not be read.
    Io,
    /// The file is not valid TOML.
    Syntax,
    /// A key the format does not know.
    UnknownKey,
    /// A key is missing or has a value of the wrong type or range.
    InvalidValue,
    /// Two rules (or two packs) share an id.
    DuplicateId,
    /// A regex does not compile.
    BadRegex,
    /// An anchor is the empty string.
    EmptyAnchor,
    /// An anchor is shorter than the minimum length.
    ShortAnchor,
    /// A rule has no anchor.
    MissingAnchor,
    /// A rule has no strip or no keep example.
    MissingExamples,
}

impl DiagnosticKind {
    /// The stable, kebab-case name of this kind.
    pub fn name(self) -> &'static str {
        match self {
            DiagnosticKind::Io => "io",
            DiagnosticKind::Syntax => "syntax",
            DiagnosticKind::UnknownKey => "unknown-key",
            DiagnosticKind::InvalidValue => "invalid-value",
            DiagnosticKind::DuplicateId => "duplicate-id",
            DiagnosticKind::BadRegex => "bad-regex",
            DiagnosticKind::EmptyAnchor => "empty-anchor",
            DiagnosticKind::ShortAnchor => "short-anchor",
            DiagnosticKind::MissingAnchor => "missing-anchor",
            DiagnosticKind::MissingExamples => "missing-examples",
        }
    }
}

/// One problem in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What kind of problem this is.
    pub kind: DiagnosticKind,
    /// The rule file, as it was named when loaded.
    pub file: String,
    /// 1-based line (0 when the problem has no position, such as an I/O error).
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
    /// The rule id, when the problem is inside a rule whose id is known.
    pub rule: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The offending source line, for the caret display.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at byte offset `at` of `text`.
    #[cfg(test)]
    pub(crate) fn at(
        kind: DiagnosticKind,
        file: &str,
        text: &str,
        at: usize,
        rule: Option<&str>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::located(kind, file, locate(text, at), rule, message)
    }

    /// A diagnostic at a position: line, column and source line, as
    /// [`locate_on_line`] gives them.
    pub(crate) fn located(
        kind: DiagnosticKind,
        file: &str,
        (line, column, source_line): (usize, usize, String),
        rule: Option<&str>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            kind,
            file: file.to_string(),
            line,
            column,
            rule: rule.map(str::to_string),
            message: message.into(),
            help: None,
            source_line: Some(source_line),
        }
    }

    /// Adds a suggestion.
    pub(crate) fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

/// Line, column (1-based, in characters) and the text of the line holding
/// byte offset `at`.
#[cfg(test)]
pub(crate) fn locate(text: &str, at: usize) -> (usize, usize, String) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..line_start].bytes().filter(|&b| b == b'\n').count() + 1;
    locate_on_line(text, at, line, line_start)
}

/// Line, column (1-based, in characters) and the text of the line holding
/// byte offset `at` (a character boundary) of `text`, for a caller that
/// already knows that it is on 1-based `line`, which starts at `line_start`.
pub(crate) fn locate_on_line(
    text: &str,
    at: usize,
    line: usize,
    line_start: usize,
) -> (usize, usize, String) {
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    // A byte-order mark and the `\r` of a CRLF line break are not columns.
    let before = text[line_start..at].trim_start_matches('\u{feff}');
    let before = before.strip_suffix('\r').unwrap_or(before);
    let column = before.chars().count() + 1;
    let source = text[line_start..line_end]
        .trim_end_matches('\r')
        .to_string();
    (line, column, source)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        } else {
            write!(f, "{}: ", self.file)?;
        }
        write!(f, "error[{}]", self.kind.name())?;
        if let Some(rule) = &self.rule {
            write!(f, " in rule `{rule}`")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(source) = &self.source_line {
            let gutter = self.line.to_string().len();
            let pad: String = source
                .chars()
                .take(self.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n{:gutter$} |\n{} | {}\n{:gutter$} | {}^",
                "", self.line, source, "", pad
            )?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// Every problem found while loading a set of rule files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The problems: files that could not be read first, then each rule
    /// file's problems in position order.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{d}")?;
        }
        let n = self.diagnostics.len();
        write!(
            f,
            "{n} problem{} in rule files",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for LoadError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_counts_characters_not_bytes() {
        let text = "a = 1\nid = \"é\" x\n";
        let at = text.find('x').unwrap();
        let (line, col, src) = locate(text, at);
        assert_eq!((line, col), (2, 10));
        assert_eq!(src, "id = \"é\" x");
    }

    #[test]
    fn display_has_caret_under_column() {
        let d = Diagnostic::at(
            DiagnosticKind::BadRegex,
            "r.toml",
            "x\nregex = \"(\"\n",
            10,
            Some("a.b"),
            "bad",
        )
        .help("fix it");
        let shown = d.to_string();
        assert!(shown.starts_with("r.toml:2:9: error[bad-regex] in rule `a.b`: bad"));
        assert!(shown.contains("2 | regex = \"(\"\n  |         ^"));
        assert!(shown.ends_with("= help: fix it"));
    }
}
