//! chaff strips publisher boilerplate and provenance residue from extracted
//! news text, and records exactly what it removed.
//!
//! Rules come in TOML packs (see `rules/README.md`). A [`Stripper`] compiles
//! every anchor of every rule into one Aho-Corasick automaton, so one pass over
//! a document finds all candidates; regexes only confirm or extend them. The
//! result is the clean text plus a [`Record`] of every removed byte, from which
//! [`restore`] rebuilds the original.
//!
//! ```
//! use chaff::{Document, Stripper, restore};
//!
//! let stripper = Stripper::builtin();
//! let text = "A file photo shows both presidents. (AFP)\n\nThe talks lasted an hour.\n";
//! let out = stripper.strip(&Document::new("doc-1", text));
//! assert_eq!(out.clean, "The talks lasted an hour.\n");
//! assert_eq!(out.record.attribution.agencies, ["AFP"]);
//! assert_eq!(restore(&out.clean, &out.record).unwrap(), text);
//! ```

#![warn(missing_docs)]
#![warn(clippy::print_stdout, clippy::print_stderr)]

#[cfg(feature = "cli")]
pub mod batch;
#[cfg(feature = "cli")]
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "cli")]
pub mod compress;
#[cfg(feature = "cli")]
pub mod corpus;
pub mod engine;
#[cfg(feature = "cli")]
pub mod eval;
pub mod fold;
#[cfg(feature = "cli")]
pub mod generate;
pub mod hash;
#[cfg(feature = "cli")]
pub mod jsonl;
#[cfg(feature = "cli")]
pub mod lint;
#[cfg(feature = "cli")]
pub mod progress;
pub mod provenance;
#[cfg(feature = "cli")]
pub mod report;
pub mod rules;
pub mod selftest;
#[cfg(feature = "cli")]
pub mod suggest;

pub use engine::{Cut, Document, Scratch, Stripped, Stripper};
pub use provenance::{Attribution, Edit, Record, restore};
pub use rules::{LoadError, RuleSet};
