//! `chaff suggest`: finding boilerplate that no rule removes yet.
//!
//! [`suggest`] reads a corpus (text trees and JSONL shards, as `strip` does),
//! strips every document with the loaded rules, and looks in the clean text
//! for what recurs across many documents of one *group*:
//! - whole lines, normalised for white space and digits, so that
//!   `Published 12:34 3 May 2022` and `Published 09:05 14 May 2021` are one
//!   line;
//! - runs of two or more consecutive recurring lines (appeals, footers), as
//!   blocks;
//! - recurring prefixes of lines (`News / …`, `WATCH: …`) and suffixes
//!   (`… (AFP)`, `… (Photo: AGENCY/Name)`, `… | Site name`) whose rest varies.
//!
//! A document's group is its publisher, decided as `strip` decides it
//! (explicit, URL domain, signatures); a document of no known publisher is
//! grouped by the field named with [`Options::group_by`], else by its URL's
//! domain, else by its folder (the first folder under the path given, or that
//! path's own name for files directly in it).
//!
//! Text whose exact wording recurs in documents of *different* groups is
//! syndicated copy (the same agency story), not boilerplate: it is reported
//! in [`Report::shared`] and never suggested. Prefix and suffix patterns are
//! exempt, since by construction the rest of their lines varies.
//!
//! # Memory and speed
//! Each pass reads in parallel over files (and over blocks of rows within a
//! JSONL file), and workers merge what they gathered into one result every
//! thousand documents or so.
//! 1. The first pass only counts: a 64-bit hash of every normalised unit goes
//!    into a fixed-size counting sketch (two rows of saturating byte
//!    counters), sized by the input but never more than 128 MiB.
//! 2. The second pass counts exactly, in a `HashMap<u64, Entry>`, only the
//!    units the sketch saw in at least [`Options::min_docs`] documents: per
//!    group, the documents, and the positions of at most five of them (no
//!    text).
//! 3. The third pass reads only the documents at those positions, for the
//!    units that may become rules, and keeps their example strings.
//!
//! Memory is therefore bounded by the number of recurring units and the
//! groups they recur in, not by the size of the corpus.
//!
//! # Drafts
//! Every group with suggestions gets a [`Draft`]: a rule pack in the normal
//! format, its rules ranked by documents covered, each with its evidence in a
//! comment, two real strip examples and a keep example (a body line of the
//! same documents). Before a rule is kept it must strip its own examples and
//! keep its keep example on its own; a rule that adds nothing to the rules
//! already kept is left out; finally the drafts are loaded together with the
//! loaded rules and must pass the rule tests ([`crate::selftest`]) and add no
//! lint finding about their rules ([`crate::lint`]). Nothing is applied.
//!
//! The library never prints; [`Report::summary`] renders the summary and
//! [`Report::write`] writes the drafts.

// The submodules, in the order they build on one another: `units` (lines,
// prefixes and suffixes as normalised, hashed units); `sketch` and
// `counting` (estimated and exact counts); `scan` (reading the corpus) and
// `passes` (what each pass does with a document); `candidates` (what may
// become a rule, and the syndicated copy); `anchors` (how a rule finds its
// text); `pack` (a draft pack's TOML); `draft` (drafting and choosing the
// rules); `verify` (checking them with the loaded rules); `summary`.
mod anchors;
mod candidates;
mod counting;
mod draft;
mod pack;
mod passes;
mod scan;
mod sketch;
mod summary;
mod units;
mod verify;

use crate::batch::walk;
use crate::batch::{Failure, FieldNames, Observer, WalkOptions, write_atomic};
use crate::engine::Stripper;
use crate::rules::{Scope, Source};
use candidates::{candidates, shared, shared_sample};
use counting::{GroupKey, GroupStats, top_hosts};
use draft::Drafter;
use passes::{Pass1, Pass2, Pass3};
use scan::{Acc, Scan, Want};
use sketch::Sketch;
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;
use units::Unit;

/// What [`suggest`] looks for, and how it reads the corpus.
#[derive(Debug, Clone)]
pub struct Options {
    /// The fewest documents of one group a text must recur in to be
    /// suggested (at least 2).
    pub min_docs: u64,
    /// Publisher of every document, as `strip --publisher`.
    pub publisher: Option<String>,
    /// JSONL field that groups documents of no known publisher (it wins over
    /// the URL's domain and the folder).
    pub group_by: Option<String>,
    /// JSONL field names.
    pub fields: FieldNames,
    /// How folders are walked.
    pub walk: WalkOptions,
    /// Worker threads; 0 for one per core.
    pub jobs: usize,
    /// The most rules suggested for one group.
    pub max_rules: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            min_docs: 5,
            publisher: None,
            group_by: None,
            fields: FieldNames::default(),
            walk: WalkOptions::default(),
            jobs: 0,
            max_rules: 100,
        }
    }
}

/// How a group of documents was formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupKind {
    /// A publisher that has a pack among the loaded rules.
    Pack,
    /// A publisher given explicitly (metadata or `--publisher`) that has no
    /// pack.
    Publisher,
    /// The value of the `--group-by` field.
    Field,
    /// The host of the documents' URL (without `www.`).
    Domain,
    /// The folder the documents were found in.
    Folder,
}

impl GroupKind {
    /// A short name for summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Pack => "publisher with a pack",
            GroupKind::Publisher => "publisher",
            GroupKind::Field => "field",
            GroupKind::Domain => "URL domain",
            GroupKind::Folder => "folder",
        }
    }
}

/// A group of documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// How the group was formed.
    pub kind: GroupKind,
    /// The publisher id, field value, domain or folder.
    pub name: String,
    /// Documents in the group.
    pub documents: u64,
}

/// What shape of boilerplate a suggested rule removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionKind {
    /// A whole line (`remove = "line"`).
    Line,
    /// A run of consecutive lines (`remove = "block"`).
    Block,
    /// A recurring start of a line.
    Prefix,
    /// A recurring end of a line (a credit, a site name).
    Suffix,
}

impl SuggestionKind {
    /// `line`, `block`, `prefix` or `suffix`.
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestionKind::Line => "line",
            SuggestionKind::Block => "block",
            SuggestionKind::Prefix => "prefix",
            SuggestionKind::Suffix => "suffix",
        }
    }
}

/// One suggested rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The rule id in the draft.
    pub rule: String,
    /// Its shape.
    pub kind: SuggestionKind,
    /// Documents of the group the text recurs in.
    pub documents: u64,
    /// The rule's anchor.
    pub anchor: String,
    /// The block's end literal, for a block.
    pub end: Option<String>,
    /// The rule's regex, if it has one.
    pub regex: Option<String>,
    /// What the rule removes (`line`, `block`, `anchor`).
    pub remove: String,
    /// A short rendering of the text, for summaries.
    pub display: String,
    /// For a block: documents where it opened the text.
    pub leading: u64,
    /// For a block: documents where it closed the text.
    pub trailing: u64,
    /// The strip examples, as `(text, clean)`.
    pub strip: Vec<(String, String)>,
    /// The keep example.
    pub keep: String,
}

/// A draft rule pack for one group.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The group it was drawn from.
    pub group: Group,
    /// The pack id.
    pub pack: String,
    /// Publisher (a known publisher or a domain) or common.
    pub scope: Scope,
    /// For a publisher that already has a pack: that pack's file. The rules
    /// belong in it; loading both files at once is a duplicate-id error.
    pub merge_into: Option<String>,
    /// The rules, ranked by documents covered.
    pub suggestions: Vec<Suggestion>,
    /// The rule file.
    pub text: String,
}

/// Text recurring in documents of different groups: syndicated copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    /// The text (one example of it).
    pub text: String,
    /// Documents it occurs in, over all groups.
    pub documents: u64,
    /// Documents per group, by group name.
    pub groups: Vec<(String, u64)>,
}

/// What [`suggest`] found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Documents read.
    pub documents: u64,
    /// Input bytes (file sizes).
    pub bytes: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Every group, sorted by kind and name.
    pub groups: Vec<Group>,
    /// One draft per group with suggestions, by group.
    pub drafts: Vec<Draft>,
    /// Syndicated copy, most documents first.
    pub shared: Vec<Shared>,
    /// Inputs or rows that could not be read.
    pub failures: Vec<Failure>,
    /// Recurring texts left out because they have no literal part long
    /// enough to anchor a rule.
    pub no_anchor: u64,
    /// Candidates left out because their rule failed its own examples, the
    /// rule tests or the lint.
    pub dropped: u64,
    /// Candidates left out because their group already had
    /// [`Options::max_rules`] rules.
    pub beyond_cap: u64,
    /// The smallest number of documents a suggestion needed.
    pub min_docs: u64,
}

/// Finds recurring text in the corpus under `paths` and drafts rules for it.
///
/// `stripper` applies the loaded rules, which were compiled from `sources`
/// (the drafts are checked together with them). Problems with inputs go to
/// `observer` as they are met, and into [`Report::failures`].
pub fn suggest(
    stripper: &Stripper,
    sources: &[Source],
    paths: &[PathBuf],
    options: &Options,
    observer: &dyn Observer,
) -> io::Result<Report> {
    let started = Instant::now();
    let mut report = Report {
        min_docs: options.min_docs.max(2),
        ..Report::default()
    };
    let inputs = walk::discover(paths, &options.walk, None, &mut report.failures)
        .map_err(io::Error::other)?;
    for f in &report.failures {
        observer.failure(f);
    }
    let sizes: Vec<u64> = inputs
        .iter()
        .map(|i| std::fs::metadata(&i.path).map_or(0, |m| m.len()))
        .collect();
    let total: u64 = sizes.iter().sum();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build()
        .map_err(io::Error::other)?;
    let scan = Scan {
        stripper,
        options,
        sketch: Sketch::new(total),
        threshold: report.min_docs.min(u8::MAX as u64) as u8,
        groups: HashMap::new(),
    };
    // Documents and bytes done, and documents done before this pass.
    let mut progress = (0u64, 0u64, 0u64);

    // Pass 1: groups, and the sketch of every unit.
    let first: Acc<Pass1> = scan.run(
        &pool,
        &inputs,
        &sizes,
        observer,
        true,
        &mut progress,
        None,
        &|doc, local: &mut Pass1| scan.first(doc, local),
    );
    let mut failures = first.failures;
    failures.sort_by_key(|(o, _)| *o);
    report.failures.extend(failures.into_iter().map(|(_, f)| f));
    report.documents = first.docs;
    report.bytes = total;
    let mut stats: Vec<(GroupKey, GroupStats)> = first.local.groups.into_iter().collect();
    stats.sort_by(|a, b| a.0.cmp(&b.0));
    let scan = Scan {
        groups: stats
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (k.clone(), i as u32))
            .collect(),
        ..scan
    };

    // Pass 2: exact counts and examples of the units the sketch kept.
    let second: Acc<Pass2> = scan.run(
        &pool,
        &inputs,
        &sizes,
        observer,
        false,
        &mut progress,
        None,
        &|doc, local: &mut Pass2| scan.second(doc, local),
    );
    report.groups = stats
        .iter()
        .map(|(k, s)| Group {
            kind: k.kind,
            name: k.name.clone(),
            documents: s.docs,
        })
        .collect();
    let hosts: Vec<Vec<String>> = stats.iter().map(|(_, s)| top_hosts(s)).collect();
    let entries = second.local.entries;
    let per_group = candidates(&entries, report.groups.len(), report.min_docs);

    // Pass 3: the example strings, from the sampled documents of the
    // candidates (and one document of each shared line).
    let mut want = Want::default();
    for (key, _, gc) in per_group.iter().flatten() {
        for x in gc.samples() {
            want.add(*key, x.ordinal);
        }
    }
    for (&key, e) in entries
        .iter()
        .filter(|(_, e)| e.unit == Unit::Line && e.shared())
    {
        if let Some(o) = shared_sample(e) {
            want.add(key, o);
        }
    }
    let third: Acc<Pass3> = scan.run(
        &pool,
        &inputs,
        &sizes,
        observer,
        false,
        &mut progress,
        Some(&want),
        &|doc, local: &mut Pass3| scan.third(doc, &want, local),
    );
    drop(scan);
    let examples = third.local.examples;
    report.shared = shared(&entries, &report.groups, &examples);
    let mut drafter = Drafter {
        base: stripper.rules(),
        sources,
        min_docs: report.min_docs,
        max_rules: options.max_rules.max(1),
        pack_ids: stripper
            .rules()
            .packs()
            .iter()
            .map(|p| p.id.clone())
            .collect(),
        rule_ids: stripper
            .rules()
            .rules()
            .iter()
            .map(|r| r.id.clone())
            .collect(),
        no_anchor: 0,
        dropped: 0,
        beyond_cap: 0,
    };
    let plans = drafter.plans(per_group, &report.groups, &hosts, &examples);
    let plans = drafter.verify(plans);
    report.drafts = plans
        .into_iter()
        .filter(|p| !p.rules.is_empty())
        .map(|p| p.into_draft(&report.groups))
        .collect();
    report.no_anchor = drafter.no_anchor;
    report.dropped = drafter.dropped;
    report.beyond_cap = drafter.beyond_cap;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

impl Report {
    /// Suggested rules, over every draft.
    pub fn rule_count(&self) -> usize {
        self.drafts.iter().map(|d| d.suggestions.len()).sum()
    }

    /// Where [`Report::write`] puts each draft, given `out`:
    /// - a path ending in `.toml` holds the only draft; when there are
    ///   several, each goes beside it as `STEM.PACK.toml`;
    /// - any other path is a folder, and each draft goes in it as
    ///   `PACK.toml`.
    pub fn paths(&self, out: &Path) -> Vec<PathBuf> {
        let is_file = out.extension().is_some_and(|e| e == "toml");
        self.drafts
            .iter()
            .map(|d| {
                if !is_file {
                    out.join(format!("{}.toml", d.pack))
                } else if self.drafts.len() == 1 {
                    out.to_path_buf()
                } else {
                    let stem = out
                        .file_stem()
                        .map_or_else(|| "suggested".into(), |s| s.to_string_lossy());
                    out.with_file_name(format!("{stem}.{}.toml", d.pack))
                }
            })
            .collect()
    }

    /// Writes every draft (see [`Report::paths`]); returns the files written.
    /// Nothing is written when there is nothing to suggest.
    pub fn write(&self, out: &Path) -> io::Result<Vec<PathBuf>> {
        let paths = self.paths(out);
        for (path, draft) in paths.iter().zip(&self.drafts) {
            write_atomic(path, draft.text.as_bytes())?;
        }
        Ok(paths)
    }
}
