//! Deterministic benchmark data: synthetic rule packs and news-like corpora
//! with planted boilerplate.
//!
//! - [`synthetic_pack`] writes a common pack of up to a million line rules
//!   whose anchors read like promotional lines. Rule `i` is the same in
//!   every pack, so small packs are prefixes of big ones.
//! - A [`Generator`] makes news-like documents (a headline, then paragraphs
//!   of 1–5 sentences of 8–35 words; 1.5–12 KB, about 4.5 KB on average;
//!   blank-line separated or one paragraph per line) and plants in a share of
//!   them the strip examples of a rule set (see [`Catalogue`]), each where its
//!   rule looks for it. Each document knows its expected clean text.
//! - [`write_corpus`] writes them as a text tree or JSONL shards.
//!
//! Everything depends only on the seed: the same arguments give the same
//! bytes on every platform, and document `i` is the same in a corpus of any
//! size.
//!
//! ```
//! use chaff::generate::{Generator, collapse_whitespace};
//! use chaff::{Document, RuleSet, Stripper};
//!
//! let rules = RuleSet::builtin();
//! let generator = Generator::new(&rules, 42, 1.0).unwrap();
//! let doc = generator.document(0);
//! let stripper = Stripper::new(rules).unwrap();
//! let out = stripper.strip(&Document::new(&doc.id, &doc.text).url(&doc.url));
//! assert_eq!(collapse_whitespace(&out.clean), collapse_whitespace(&doc.expected));
//! ```

mod corpus;
mod plant;
mod rng;
mod rules;
mod text;

pub use corpus::{CorpusOptions, GeneratedDoc, Generator, SOURCE, Summary, write_corpus};
pub use plant::{Catalogue, Kind, Plant, Publisher, Skipped, collapse_whitespace};
pub use rules::{
    DEFAULT_RULES_SEED, MAX_RULES, SYNTHETIC_KEEP, SYNTHETIC_PACK_ID, synthetic_anchors,
    synthetic_pack, write_synthetic_pack,
};

use std::io;
use std::path::PathBuf;

/// The default seed of `chaff generate corpus`.
pub const DEFAULT_CORPUS_SEED: u64 = 1;

/// How a document separates its paragraphs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Shape {
    /// Blank lines between paragraphs.
    #[default]
    Paragraphs,
    /// One paragraph per line, no blank line (a common shape of extracted
    /// text).
    Lines,
}

impl Shape {
    /// `paragraphs` or `lines`.
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Paragraphs => "paragraphs",
            Shape::Lines => "lines",
        }
    }

    fn index(self) -> usize {
        match self {
            Shape::Paragraphs => 0,
            Shape::Lines => 1,
        }
    }
}

/// How a corpus is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// One `.txt` file per document.
    Text,
    /// JSONL shards, one row per document.
    #[default]
    Jsonl,
}

/// Why data could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A synthetic pack was asked for more than [`MAX_RULES`] rules.
    #[error("a synthetic pack holds at most {MAX_RULES} rules, not {count}")]
    TooManyRules {
        /// The count asked for.
        count: usize,
    },
    /// The share of documents with boilerplate is not between 0 and 1.
    #[error("the share of documents with boilerplate is between 0 and 1, not {0}")]
    Share(f64),
    /// The output folder already holds files.
    #[error("{}: the folder is not empty; give a new or empty folder", path.display())]
    NotEmpty {
        /// The folder.
        path: PathBuf,
    },
    /// The expected-text folder is inside the corpus folder, or holds it.
    #[error("{}: the expected texts must go outside the corpus folder (chaff would read them as documents)", expect.display())]
    ExpectOverlaps {
        /// The expected-text folder.
        expect: PathBuf,
    },
    /// No strip example of the rule set can be planted.
    #[error("no strip example of the rules can be planted")]
    NothingToPlant,
    /// The rule set's automaton could not be built.
    #[error(transparent)]
    Build(#[from] crate::engine::BuildError),
    /// A file or folder could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// A writer failed.
    #[error("cannot write: {0}")]
    Write(io::Error),
}

impl Error {
    fn write(e: io::Error) -> Error {
        Error::Write(e)
    }
}

/// Why a size or a seed given as text is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// A size with a unit that is not one.
    #[error(
        "`{text}`: unknown unit `{unit}` (use K, M, G, T for powers of 1024, or KB, MB, GB, TB)"
    )]
    Unit {
        /// The text given.
        text: String,
        /// The unit in it.
        unit: String,
    },
    /// A size whose number is not one.
    #[error("`{text}` is not a size such as 64M or 1G")]
    Size {
        /// The text given.
        text: String,
    },
    /// A size of 0, or of 16 EiB or more.
    #[error("`{text}`: the size must be above 0 and below 16 EiB")]
    Range {
        /// The text given.
        text: String,
    },
    /// A seed that is not a number.
    #[error("`{text}` is not a seed: give a number such as 42 or 0x5eed")]
    Seed {
        /// The text given.
        text: String,
    },
}

/// Parses a byte size: `1048576`, `500K`, `64M`, `1G`, `1.5G`, `2T` (powers
/// of 1024, also written `KiB`, `MiB`…), or `500KB`, `64MB`, `1GB` (powers of
/// 1000).
pub fn parse_size(text: &str) -> Result<u64, ParseError> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit = unit.trim();
    let scale: u64 = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KIB" => 1 << 10,
        "M" | "MIB" => 1 << 20,
        "G" | "GIB" => 1 << 30,
        "T" | "TIB" => 1 << 40,
        "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "TB" => 1_000_000_000_000,
        _ => {
            return Err(ParseError::Unit {
                text: text.to_string(),
                unit: unit.to_string(),
            });
        }
    };
    let bad = || ParseError::Size {
        text: text.to_string(),
    };
    let range = || ParseError::Range {
        text: text.to_string(),
    };
    let bytes = if number.contains('.') {
        let value: f64 = number.parse().map_err(|_| bad())?;
        (value * scale as f64).round()
    } else {
        let value: u64 = number.parse().map_err(|_| bad())?;
        return value
            .checked_mul(scale)
            .filter(|&b| b > 0)
            .ok_or_else(range);
    };
    if !(1.0..1.8e19).contains(&bytes) {
        return Err(range());
    }
    Ok(bytes as u64)
}

/// Parses a seed: decimal (`42`) or hexadecimal (`0x5eed`).
pub fn parse_seed(text: &str) -> Result<u64, ParseError> {
    let t = text.trim().replace('_', "");
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => t.parse(),
    };
    parsed.map_err(|_| ParseError::Seed {
        text: text.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Document, Stripper};
    use crate::rules::RuleSet;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("1gib"), Ok(1 << 30));
        assert_eq!(parse_size("1.5K"), Ok(1536));
        assert_eq!(parse_size("200MB"), Ok(200_000_000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("M").is_err());
        assert!(parse_size("99999999999T").is_err());
    }

    #[test]
    fn seeds_parse() {
        assert_eq!(parse_seed("42"), Ok(42));
        assert_eq!(parse_seed("0x5EED_C4A5"), Ok(0x5EED_C4A5));
        assert!(parse_seed("seed").is_err());
    }

    #[test]
    fn share_is_checked() {
        assert!(matches!(
            Generator::new(&RuleSet::builtin(), 1, 1.5),
            Err(Error::Share(_))
        ));
    }

    #[test]
    fn planted_documents_strip_to_their_expected_text() {
        let rules = RuleSet::builtin();
        let generator = Generator::new(&rules, 9, 1.0).unwrap();
        let stripper = Stripper::new(rules).unwrap();
        for i in 0..40 {
            let doc = generator.document(i);
            assert!(!doc.plants.is_empty(), "document {i} has plants");
            for by_url in [true, false] {
                let mut d = Document::new(&doc.id, &doc.text);
                if by_url {
                    d = d.url(&doc.url);
                }
                let out = stripper.strip(&d);
                assert_eq!(
                    collapse_whitespace(&out.clean),
                    collapse_whitespace(&doc.expected),
                    "document {i} (URL: {by_url}):\n{}",
                    doc.text
                );
            }
        }
    }

    #[test]
    fn documents_do_not_depend_on_buffers() {
        let generator = Generator::new(&RuleSet::builtin(), 5, 0.5).unwrap();
        let mut reused = GeneratedDoc::default();
        for i in [3, 0, 7] {
            generator.fill(i, &mut reused, true);
            let fresh = generator.document(i);
            assert_eq!(reused.text, fresh.text);
            assert_eq!(reused.expected, fresh.expected);
            assert_eq!(reused.url, fresh.url);
        }
    }
}
