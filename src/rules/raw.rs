//! The rule file as it is written: serde types that mirror the TOML.
//!
//! Nothing here is validated beyond what serde checks (types, unknown keys).
//! The loader (`rules::compile`) turns these into [`super::Rule`]s that cannot be invalid.

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The `[pack]` table of a rule file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPack {
    /// Stable pack id; for a publisher pack, the publisher id.
    pub id: Spanned<String>,
    /// `"publisher"` or `"common"`.
    pub scope: Spanned<String>,
    /// Human-readable name (the publisher's display name for publisher packs).
    #[serde(default)]
    pub name: Option<String>,
    /// Free text for reviewers.
    #[serde(default)]
    pub description: Option<String>,
    /// Web domains of the publisher (`bbc.co.uk` also matches `www.bbc.co.uk`).
    #[serde(default)]
    pub domains: Vec<Spanned<String>>,
    /// Literal strings whose presence identifies the publisher.
    #[serde(default)]
    pub signatures: Vec<Spanned<String>>,
    /// Signatures that identify the publisher on their own.
    #[serde(default)]
    pub strong_signatures: Vec<Spanned<String>>,
    /// Every rule of the pack matches typographic variants.
    #[serde(default)]
    pub typographic: bool,
}

/// A strip example: either the text alone (all of it must go), or the text and
/// what must remain.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RawStripExample {
    /// All of this text must be removed.
    Whole(String),
    /// `text` must become `clean`.
    Pair {
        /// Input text.
        text: String,
        /// Expected clean text.
        clean: String,
    },
}

/// One `[[rules]]` entry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRule {
    /// Stable, unique rule id.
    pub id: Spanned<String>,
    /// What kind of boilerplate this is.
    pub category: Spanned<String>,
    /// A single literal anchor.
    #[serde(default)]
    pub anchor: Option<Spanned<String>>,
    /// Several literal anchors, any of which starts a candidate.
    #[serde(default)]
    pub anchors: Vec<Spanned<String>>,
    /// What to remove around the anchor: anchor, line, paragraph, block, to-end.
    #[serde(default)]
    pub remove: Option<Spanned<String>>,
    /// Where the anchor must sit in its unit: contains, starts-with, ends-with, equals.
    #[serde(default, rename = "where")]
    pub where_: Option<Spanned<String>>,
    /// The unit that `where`, `regex` and `max-len` look at: line or paragraph.
    #[serde(default)]
    pub unit: Option<Spanned<String>>,
    /// Match the anchor ignoring ASCII case.
    #[serde(default)]
    pub case_insensitive: bool,
    /// A regex that must match in the unit; for `remove = "anchor"` it also
    /// extends the removed span to its match.
    #[serde(default)]
    pub regex: Option<Spanned<String>>,
    /// Block end anchor (required with `remove = "block"`).
    #[serde(default)]
    pub end: Option<Spanned<String>>,
    /// Largest unit (or block, or footer) in bytes that the rule may remove.
    #[serde(default)]
    pub max_len: Option<Spanned<i64>>,
    /// Only in the first N paragraphs of the document.
    #[serde(default)]
    pub in_first: Option<Spanned<i64>>,
    /// Only in the last N paragraphs of the document.
    #[serde(default)]
    pub in_last: Option<Spanned<i64>>,
    /// For block and to-end: widen to whole lines (default true).
    #[serde(default)]
    pub whole_lines: Option<bool>,
    /// Anchors also match typographic variants (default: the pack's).
    #[serde(default)]
    pub typographic: Option<bool>,
    /// Anchors match white space exactly as written.
    #[serde(default)]
    pub exact_space: bool,
    /// The rule looks at every line of at most `max-len` bytes with its
    /// regex, instead of starting from anchors.
    #[serde(default)]
    pub every_line: bool,
    /// Text files of whole lines the rule removes, beside the rule file.
    #[serde(default)]
    pub dictionary: Vec<Spanned<String>>,
    /// At most this many words in the unit.
    #[serde(default)]
    pub max_words: Option<Spanned<i64>>,
    /// At most this many characters in the unit.
    #[serde(default)]
    pub max_chars: Option<Spanned<i64>>,
    /// The unit does not end like a sentence.
    #[serde(default)]
    pub no_final_punct: bool,
    /// The unit's letter case: `title` or `upper`.
    #[serde(default)]
    pub case: Option<Spanned<String>>,
    /// The unit looks like a picture or agency credit.
    #[serde(default)]
    pub credit: bool,
    /// The unit occurs more than once in the document.
    #[serde(default)]
    pub repeated: bool,
    /// Rule ids or categories whose removals this rule follows.
    #[serde(default)]
    pub after: Vec<Spanned<String>>,
    /// Rule ids or categories whose removals this rule precedes.
    #[serde(default)]
    pub before: Vec<Spanned<String>>,
    /// For `after` / `before`: the most units in a row (default 1).
    #[serde(default)]
    pub max_run: Option<Spanned<i64>>,
    /// Free text for reviewers.
    #[serde(default)]
    pub description: Option<String>,
    /// Texts the rule must strip.
    #[serde(default)]
    pub strip: Vec<RawStripExample>,
    /// Texts the rule must leave untouched.
    #[serde(default)]
    pub keep: Vec<String>,
}
