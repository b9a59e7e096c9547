//! The text of a draft rule pack: a rule being drafted and a group's pack
//! being built, rendered as TOML in the normal rule format, and the ids they
//! are given.

use super::units::Unit;
use super::{Draft, Group, Suggestion, SuggestionKind};
use crate::rules::Scope;
use std::fmt::Write as _;

/// A strip example: `clean` is what must remain (empty: nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StripEx {
    pub(super) text: String,
    pub(super) clean: String,
}

/// A rule being drafted.
#[derive(Debug, Clone)]
pub(super) struct RuleDraft {
    pub(super) id: String,
    pub(super) kind: SuggestionKind,
    pub(super) unit: Unit,
    pub(super) category: &'static str,
    pub(super) anchor: String,
    pub(super) remove: &'static str,
    pub(super) where_: &'static str,
    pub(super) regex: Option<String>,
    pub(super) end: Option<String>,
    pub(super) max_len: Option<usize>,
    pub(super) strip: Vec<StripEx>,
    pub(super) keep: Vec<String>,
    pub(super) docs: u64,
    pub(super) group_docs: u64,
    pub(super) group_name: String,
    pub(super) display: String,
    pub(super) evidence: String,
    pub(super) leading: u64,
    pub(super) trailing: u64,
    /// For a block, the keys of its lines; for a line, its own key.
    pub(super) lines: Vec<u64>,
}

/// A TOML basic string.
pub(super) fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML string for a regex: a literal string when it can be one.
fn toml_regex(s: &str) -> String {
    if s.contains('\'') || s.chars().any(|c| (c as u32) < 0x20 || c == '\u{7f}') {
        toml_str(s)
    } else {
        format!("'{s}'")
    }
}

fn toml_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", inner.join(", "))
}

impl RuleDraft {
    /// The `[[rules]]` entry, with its evidence comment.
    pub(super) fn toml(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# {}", self.evidence);
        let _ = writeln!(s, "[[rules]]");
        let _ = writeln!(s, "id = {}", toml_str(&self.id));
        let _ = writeln!(s, "category = {}", toml_str(self.category));
        let _ = writeln!(
            s,
            "description = {}",
            toml_str(&format!(
                "Suggested by chaff suggest: {} in {} of {} documents of {}.",
                self.kind_words(),
                self.docs,
                self.group_docs,
                self.group_name
            ))
        );
        let _ = writeln!(s, "anchor = {}", toml_str(&self.anchor));
        let _ = writeln!(s, "remove = {}", toml_str(self.remove));
        if let Some(end) = &self.end {
            let _ = writeln!(s, "end = {}", toml_str(end));
        }
        if self.where_ != "contains" {
            let _ = writeln!(s, "where = {}", toml_str(self.where_));
        }
        if let Some(n) = self.max_len {
            let _ = writeln!(s, "max-len = {n}");
        }
        if let Some(r) = &self.regex {
            let _ = writeln!(s, "regex = {}", toml_regex(r));
        }
        let _ = writeln!(s, "strip = [");
        for e in &self.strip {
            if e.clean.is_empty() {
                let _ = writeln!(s, "  {},", toml_str(&e.text));
            } else {
                let _ = writeln!(
                    s,
                    "  {{ text = {}, clean = {} }},",
                    toml_str(&e.text),
                    toml_str(&e.clean)
                );
            }
        }
        let _ = writeln!(s, "]");
        let _ = writeln!(s, "keep = {}", toml_list(&self.keep));
        s
    }

    fn kind_words(&self) -> &'static str {
        match self.unit {
            Unit::Line => "a whole line",
            Unit::Block => {
                if self.trailing * 2 > self.docs {
                    "a trailing block of lines"
                } else if self.leading * 2 > self.docs {
                    "a leading block of lines"
                } else {
                    "a block of lines"
                }
            }
            Unit::Prefix => "a recurring start of a line",
            Unit::SuffixWhole | Unit::SuffixHead | Unit::SuffixTail => "a recurring end of a line",
        }
    }

    fn suggestion(&self) -> Suggestion {
        Suggestion {
            rule: self.id.clone(),
            kind: self.kind,
            documents: self.docs,
            anchor: self.anchor.clone(),
            end: self.end.clone(),
            regex: self.regex.clone(),
            remove: self.remove.to_string(),
            display: self.display.clone(),
            leading: self.leading,
            trailing: self.trailing,
            strip: self
                .strip
                .iter()
                .map(|e| (e.text.clone(), e.clean.clone()))
                .collect(),
            keep: self.keep.first().cloned().unwrap_or_default(),
        }
    }
}

/// A group's draft pack while it is being built.
pub(super) struct Plan {
    pub(super) group: usize,
    pub(super) pack: String,
    pub(super) scope: Scope,
    /// The publisher the rules' examples run as.
    pub(super) publisher: Option<String>,
    pub(super) merge_into: Option<String>,
    pub(super) name: String,
    pub(super) domains: Vec<String>,
    pub(super) signatures: Vec<String>,
    /// Signatures that decide the publisher on their own.
    pub(super) strong_signatures: Vec<String>,
    /// Signatures are chosen from the rules (domain and publisher packs).
    pub(super) own_signatures: bool,
    pub(super) note: Option<String>,
    pub(super) rules: Vec<RuleDraft>,
}

impl Plan {
    /// The `[pack]` table (with its header comment when `full`).
    pub(super) fn head(&self, group: Option<&Group>) -> String {
        let mut s = String::new();
        if let Some(g) = group {
            let _ = writeln!(
                s,
                "# Draft rule pack suggested by `chaff suggest` for `{}` ({}, {} documents).",
                g.name,
                g.kind.as_str(),
                g.documents
            );
            s.push_str(
                "# Nothing in it has been applied. Review every rule: check its category and\n\
                 # keep only what is boilerplate. Each rule's comment gives its evidence; its\n\
                 # strip examples are real text of those documents, and its keep example is\n\
                 # a body line of the same documents.\n",
            );
            if let Some(file) = &self.merge_into {
                let _ = writeln!(
                    s,
                    "#\n# Publisher `{}` already has a pack, in {file}. Move the [[rules]] below\n\
                     # into that file: loading both files at once is a duplicate-id error. The\n\
                     # [pack] table is a copy, so this file can be tried alone with --no-builtin.",
                    self.pack
                );
            }
            if let Some(note) = &self.note {
                let _ = writeln!(s, "#\n# {note}");
            }
            s.push('\n');
        }
        let _ = writeln!(s, "[pack]");
        let _ = writeln!(s, "id = {}", toml_str(&self.pack));
        let _ = writeln!(s, "scope = {}", toml_str(self.scope.as_str()));
        let _ = writeln!(s, "name = {}", toml_str(&self.name));
        if let Some(g) = group {
            let _ = writeln!(
                s,
                "description = {}",
                toml_str(&format!(
                    "Suggested by chaff suggest from {} documents of {} ({}); review before use.",
                    g.documents,
                    g.name,
                    g.kind.as_str()
                ))
            );
        }
        if !self.domains.is_empty() {
            let _ = writeln!(s, "domains = {}", toml_list(&self.domains));
        }
        if !self.signatures.is_empty() {
            let _ = writeln!(s, "signatures = {}", toml_list(&self.signatures));
        }
        if !self.strong_signatures.is_empty() {
            let _ = writeln!(
                s,
                "strong-signatures = {}",
                toml_list(&self.strong_signatures)
            );
        }
        s
    }

    pub(super) fn rules_text(&self) -> String {
        self.rules
            .iter()
            .map(|r| format!("\n{}", r.toml()))
            .collect()
    }

    fn text(&self, groups: &[Group]) -> String {
        format!(
            "{}{}",
            self.head(Some(&groups[self.group])),
            self.rules_text()
        )
    }

    pub(super) fn into_draft(self, groups: &[Group]) -> Draft {
        Draft {
            group: groups[self.group].clone(),
            text: self.text(groups),
            pack: self.pack,
            scope: self.scope,
            merge_into: self.merge_into,
            suggestions: self.rules.iter().map(RuleDraft::suggestion).collect(),
        }
    }
}

/// A pack or rule id made of what `s` holds: lowercase letters, digits, `.`,
/// `_` and `-`.
pub(super) fn sanitize_id(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() || "._".contains(c) {
            c
        } else {
            '-'
        };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    let out = out.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if out.is_empty() {
        "group".to_string()
    } else {
        out.to_string()
    }
}

pub(super) fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

/// A short slug of the words of `s`, for rule ids.
pub(super) fn slug(s: &str) -> String {
    let words: Vec<String> = s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .take(4)
        .map(|w| w.to_lowercase())
        .collect();
    let slug = sanitize_id(&words.join("-"));
    slug.chars()
        .take(32)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_strings_are_sanitised() {
        assert_eq!(sanitize_id("Harbour Herald/News"), "harbour-herald-news");
        assert_eq!(
            slug("Share this story with a friend"),
            "share-this-story-with"
        );
        assert_eq!(toml_str("a \"b\"\n"), r#""a \"b\"\n""#);
    }
}
