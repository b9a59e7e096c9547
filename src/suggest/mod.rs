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

mod units;

use crate::batch::walk::{self, Input, Kind as InputKind};
use crate::batch::{Failure, FieldNames, Observer, WalkOptions, write_atomic};
use crate::compress;
use crate::engine::{Document, Scratch, Stripper, domain};
use crate::jsonl::Row;
use crate::rules::{MIN_ANCHOR_CHARS, RuleSet, Scope, Source};
use rayon::prelude::*;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;
use units::{
    Affix, LineInfo, TAG_BLOCK, TAG_BLOCK_EXACT, TAG_EXACT, TAG_LINE, Unit, affixes, each_line,
    forms, hash, shorten, words,
};

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

    /// The human-readable summary: per group, the suggested rules with the
    /// documents they cover; then the shared (syndicated) text.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let rate = self.documents as f64 / self.seconds.max(1e-9);
        let _ = writeln!(
            s,
            "chaff suggest: {} document{} in {} group{} ({}, {:.2}s, {:.0} documents/s)",
            self.documents,
            plural(self.documents),
            self.groups.len(),
            plural(self.groups.len() as u64),
            human_bytes(self.bytes),
            self.seconds,
            rate
        );
        let rules = self.rule_count() as u64;
        let _ = writeln!(
            s,
            "{rules} rule{} suggested for {} group{} (text recurring in at least {} documents of a group); nothing was applied",
            plural(rules),
            self.drafts.len(),
            plural(self.drafts.len() as u64),
            self.min_docs
        );
        for d in &self.drafts {
            let _ = writeln!(
                s,
                "\n{} ({}, {} documents): {} rule{} in pack `{}` ({})",
                d.group.name,
                d.group.kind.as_str(),
                d.group.documents,
                d.suggestions.len(),
                plural(d.suggestions.len() as u64),
                d.pack,
                d.scope.as_str()
            );
            if let Some(file) = &d.merge_into {
                let _ = writeln!(s, "  (the publisher already has a pack: merge into {file})");
            }
            for r in &d.suggestions {
                let share = 100.0 * r.documents as f64 / d.group.documents.max(1) as f64;
                let _ = writeln!(
                    s,
                    "  {:>7} docs ({share:>3.0}%)  {:<6}  {}",
                    r.documents,
                    r.kind.as_str(),
                    r.display
                );
            }
        }
        if self.shared.is_empty() {
            let _ = writeln!(s, "\nShared across groups: none");
        } else {
            let _ = writeln!(
                s,
                "\nShared across groups: {} text{} recur{} in documents of different groups. Such text is syndicated copy (the same agency story), not boilerplate: it is reported here and never suggested.",
                self.shared.len(),
                if self.shared.len() == 1 { "" } else { "s" },
                if self.shared.len() == 1 { "s" } else { "" },
            );
            for sh in self.shared.iter().take(SHARED_SHOWN) {
                let groups: Vec<String> = sh
                    .groups
                    .iter()
                    .take(4)
                    .map(|(g, n)| format!("{g} {n}"))
                    .collect();
                let more = if sh.groups.len() > 4 { ", …" } else { "" };
                let _ = writeln!(
                    s,
                    "  {:>7} docs in {} groups ({}{more}): \"{}\"",
                    sh.documents,
                    sh.groups.len(),
                    groups.join(", "),
                    shorten(&sh.text, 100)
                );
            }
            if self.shared.len() > SHARED_SHOWN {
                let _ = writeln!(s, "  … and {} more", self.shared.len() - SHARED_SHOWN);
            }
        }
        let mut notes = Vec::new();
        if self.no_anchor > 0 {
            notes.push(format!(
                "{} recurring text{} with no literal part long enough to anchor a rule",
                self.no_anchor,
                plural(self.no_anchor)
            ));
        }
        if self.dropped > 0 {
            notes.push(format!(
                "{} candidate{} whose rule failed its examples, the rule tests or the lint",
                self.dropped,
                plural(self.dropped)
            ));
        }
        if self.beyond_cap > 0 {
            notes.push(format!(
                "{} candidate{} beyond the cap of rules per group",
                self.beyond_cap,
                plural(self.beyond_cap)
            ));
        }
        if !notes.is_empty() {
            let _ = writeln!(s, "\nNot suggested: {}", notes.join("; "));
        }
        if !self.failures.is_empty() {
            let _ = writeln!(s, "\n{} input(s) or row(s) failed", self.failures.len());
        }
        s
    }
}

/// Shared texts listed in the summary.
const SHARED_SHOWN: usize = 20;

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} bytes");
    }
    let mut v = n as f64;
    let mut unit = "";
    for u in UNITS {
        v /= 1000.0;
        unit = u;
        if v < 1000.0 {
            break;
        }
    }
    format!("{v:.1} {unit}")
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A counting sketch: two rows of saturating byte counters indexed by
/// different bits of a unit's hash. The estimate (the smaller counter) is
/// never below the true count; collisions only raise it.
struct Sketch {
    counters: Vec<AtomicU8>,
    mask: usize,
}

impl Sketch {
    /// Sized for `bytes` of input: about one counter per 32 bytes per row,
    /// between 2^16 and 2^26 counters per row.
    fn new(bytes: u64) -> Sketch {
        let want = (bytes / 32).max(1);
        let bits = (64 - want.leading_zeros()).clamp(16, 26);
        let n = 1usize << bits;
        Sketch {
            counters: (0..2 * n).map(|_| AtomicU8::new(0)).collect(),
            mask: n - 1,
        }
    }

    fn slots(&self, key: u64) -> [usize; 2] {
        [
            key as usize & self.mask,
            self.mask + 1 + ((key >> 32) as usize & self.mask),
        ]
    }

    fn add(&self, key: u64) {
        for s in self.slots(key) {
            let _ = self.counters[s]
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| v.checked_add(1));
        }
    }

    fn estimate(&self, key: u64) -> u8 {
        let [a, b] = self.slots(key);
        self.counters[a]
            .load(Ordering::Relaxed)
            .min(self.counters[b].load(Ordering::Relaxed))
    }
}

// ---------------------------------------------------------------------------
// Counting

/// One stored example of a recurring unit.
#[derive(Debug, Clone)]
struct Example {
    /// Hash of the exact text (white space normalised).
    variant: u64,
    /// The unit's text: a line, or a block's lines as they stand.
    text: String,
    /// For an affix: the recurring text and what its rule removes, in `text`.
    affix: (usize, usize),
    cut: (usize, usize),
    /// The non-blank lines around the unit, when short.
    before: Option<String>,
    after: Option<String>,
    /// A body line of the same document.
    keep: Option<String>,
}

/// Where an example of a unit can be found: a document and the unit's
/// exact wording there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Sample {
    ordinal: u64,
    variant: u64,
}

/// At most `N` samples, sorted by document, kept inline (a group count
/// exists for every recurring unit in every group it recurs in).
#[derive(Debug, Clone, Copy)]
struct Few<const N: usize> {
    len: u8,
    items: [Sample; N],
}

impl<const N: usize> Few<N> {
    const EMPTY: Few<N> = Few {
        len: 0,
        items: [Sample {
            ordinal: 0,
            variant: 0,
        }; N],
    };

    fn as_slice(&self) -> &[Sample] {
        &self.items[..self.len as usize]
    }

    fn is_full(&self) -> bool {
        self.len as usize == N
    }

    /// Inserts `x` in document order, dropping the last sample when full.
    fn insert(&mut self, x: Sample) {
        let len = self.len as usize;
        let at = self.as_slice().partition_point(|e| e.ordinal < x.ordinal);
        if at == N {
            return;
        }
        let end = len.min(N - 1);
        self.items.copy_within(at..end, at + 1);
        self.items[at] = x;
        self.len = (len + 1).min(N) as u8;
    }

    fn remove(&mut self, at: usize) {
        let len = self.len as usize;
        self.items.copy_within(at + 1..len, at);
        self.len -= 1;
    }
}

/// Counts of a unit within one group, and where to find examples (the
/// strings themselves are read in the third pass, for candidates only).
#[derive(Debug, Clone)]
struct GroupCount {
    group: u32,
    docs: u64,
    leading: u64,
    trailing: u64,
    /// The two earliest documents.
    first: Few<2>,
    /// The earliest document of each of the three variants seen earliest.
    distinct: Few<3>,
}

impl GroupCount {
    fn new(group: u32) -> GroupCount {
        GroupCount {
            group,
            docs: 0,
            leading: 0,
            trailing: 0,
            first: Few::EMPTY,
            distinct: Few::EMPTY,
        }
    }

    /// Keeps `x` if it is among the two earliest documents, or the earliest
    /// of one of the three earliest variants. The result does not depend on
    /// the order samples are offered in.
    fn offer(&mut self, x: Sample) {
        let first = self.first.as_slice();
        if first.iter().all(|e| e.ordinal != x.ordinal)
            && (!self.first.is_full() || first.last().is_some_and(|e| x.ordinal < e.ordinal))
        {
            self.first.insert(x);
        }
        if let Some(i) = self
            .distinct
            .as_slice()
            .iter()
            .position(|e| e.variant == x.variant)
        {
            if x.ordinal >= self.distinct.as_slice()[i].ordinal {
                return;
            }
            self.distinct.remove(i);
        }
        self.distinct.insert(x);
    }

    fn merge(&mut self, other: GroupCount) {
        self.docs += other.docs;
        self.leading += other.leading;
        self.trailing += other.trailing;
        for x in other
            .first
            .as_slice()
            .iter()
            .chain(other.distinct.as_slice())
        {
            self.offer(*x);
        }
    }

    /// The sampled documents, earliest first, each once.
    fn samples(&self) -> Vec<Sample> {
        let mut all: Vec<Sample> = self
            .first
            .as_slice()
            .iter()
            .chain(self.distinct.as_slice())
            .copied()
            .collect();
        all.sort_by_key(|e| e.ordinal);
        all.dedup_by_key(|e| e.ordinal);
        all
    }
}

/// Variants tracked per unit (the ones with the smallest hashes, so the
/// sample is the same whatever the order documents are counted in).
const VARIANTS: usize = 8;
const NO_GROUP: u32 = u32::MAX;

/// Everything counted about one recurring unit.
#[derive(Debug, Clone)]
struct Entry {
    unit: Unit,
    /// For a block: the keys of its lines.
    lines: Vec<u64>,
    /// Sampled exact variants, each with the two smallest groups it was seen
    /// in.
    variants: Vec<(u64, [u32; 2])>,
    /// Per group, sorted by group.
    groups: Vec<GroupCount>,
    /// Longest unit seen, in bytes.
    max_len: usize,
    /// Longest varying part of a bracket group, in characters.
    max_var: usize,
    /// Longest text outside an affix, in bytes and words.
    max_outside: usize,
    max_outside_words: usize,
}

fn add_group(pair: &mut [u32; 2], g: u32) {
    if g == pair[0] || g == pair[1] {
        return;
    }
    if g < pair[0] {
        pair[1] = pair[0];
        pair[0] = g;
    } else if g < pair[1] {
        pair[1] = g;
    }
}

impl Entry {
    fn new(unit: Unit, lines: Vec<u64>) -> Entry {
        Entry {
            unit,
            lines,
            variants: Vec::new(),
            groups: Vec::new(),
            max_len: 0,
            max_var: 0,
            max_outside: 0,
            max_outside_words: 0,
        }
    }

    fn add_variant(&mut self, variant: u64, groups: [u32; 2]) {
        match self.variants.binary_search_by_key(&variant, |v| v.0) {
            Ok(i) => {
                for g in groups {
                    if g != NO_GROUP {
                        add_group(&mut self.variants[i].1, g);
                    }
                }
            }
            Err(i) if i < VARIANTS => {
                self.variants.insert(i, (variant, groups));
                self.variants.truncate(VARIANTS);
            }
            Err(_) => {}
        }
    }

    fn group_mut(&mut self, group: u32) -> &mut GroupCount {
        let i = match self.groups.binary_search_by_key(&group, |g| g.group) {
            Ok(i) => i,
            Err(i) => {
                self.groups.insert(i, GroupCount::new(group));
                i
            }
        };
        &mut self.groups[i]
    }

    /// Whether the same wording was seen in two groups.
    fn shared(&self) -> bool {
        self.variants.iter().any(|(_, g)| g[1] != NO_GROUP)
    }

    fn merge(&mut self, other: Entry) {
        for (v, g) in other.variants {
            self.add_variant(v, g);
        }
        self.max_len = self.max_len.max(other.max_len);
        self.max_var = self.max_var.max(other.max_var);
        self.max_outside = self.max_outside.max(other.max_outside);
        self.max_outside_words = self.max_outside_words.max(other.max_outside_words);
        for g in other.groups {
            let group = g.group;
            self.group_mut(group).merge(g);
        }
    }
}

/// One document's occurrence of a frequent unit.
struct Occ {
    key: u64,
    unit: Unit,
    variant: u64,
    /// Byte range of the unit's text in the clean text.
    span: (usize, usize),
    /// Indices of its first and last line.
    lines: (usize, usize),
    affix: Option<Affix>,
    leading: bool,
    trailing: bool,
}

/// A group's identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct GroupKey {
    kind: GroupKind,
    name: String,
}

#[derive(Debug, Default)]
struct GroupStats {
    docs: u64,
    hosts: HashMap<String, u64>,
}

/// The hosts that make up at least a tenth of a publisher's documents with
/// a URL, at most three.
fn top_hosts(stats: &GroupStats) -> Vec<String> {
    let total: u64 = stats.hosts.values().sum();
    let mut hosts: Vec<(&String, &u64)> = stats.hosts.iter().collect();
    hosts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    hosts
        .into_iter()
        .filter(|(_, n)| **n * 10 >= total)
        .take(3)
        .map(|(h, _)| h.clone())
        .collect()
}

/// What a worker gathers; merged at the end.
trait Local: Default + Send {
    fn merge(&mut self, other: Self);
}

#[derive(Default)]
struct Pass1 {
    groups: HashMap<GroupKey, GroupStats>,
}

impl Local for Pass1 {
    fn merge(&mut self, other: Pass1) {
        for (k, s) in other.groups {
            let mine = self.groups.entry(k).or_default();
            mine.docs += s.docs;
            for (h, n) in s.hosts {
                *mine.hosts.entry(h).or_default() += n;
            }
        }
    }
}

#[derive(Default)]
struct Pass2 {
    entries: HashMap<u64, Entry>,
}

impl Local for Pass2 {
    fn merge(&mut self, other: Pass2) {
        if self.entries.len() < other.entries.len() {
            let mine = std::mem::replace(&mut self.entries, other.entries);
            for (k, e) in mine {
                self.add(k, e);
            }
        } else {
            for (k, e) in other.entries {
                self.add(k, e);
            }
        }
    }
}

impl Pass2 {
    fn add(&mut self, key: u64, entry: Entry) {
        match self.entries.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut o) => o.get_mut().merge(entry),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(entry);
            }
        }
    }
}

struct Acc<L> {
    local: L,
    failures: Vec<(u64, Failure)>,
    docs: u64,
}

impl<L: Default> Default for Acc<L> {
    fn default() -> Self {
        Acc {
            local: L::default(),
            failures: Vec::new(),
            docs: 0,
        }
    }
}

/// Where the workers of a pass put what they gathered.
type Sink<L> = Mutex<Acc<L>>;

/// Documents a worker gathers before merging them into the sink.
const FLUSH_DOCS: u64 = 1024;

/// Merges `acc` into `sink` and empties it.
fn flush<L: Local>(sink: &Sink<L>, acc: &mut Acc<L>) {
    if acc.docs == 0 && acc.failures.is_empty() {
        return;
    }
    let part = std::mem::take(acc);
    let mut all = sink.lock().expect("no worker panicked");
    let mine = std::mem::take(&mut *all);
    *all = mine.merge(part);
}

impl<L: Local> Acc<L> {
    fn merge(mut self, other: Acc<L>) -> Acc<L> {
        self.local.merge(other.local);
        self.failures.extend(other.failures);
        self.docs += other.docs;
        self
    }
}

/// One document as read from the corpus.
struct DocIn<'a> {
    id: &'a str,
    text: &'a str,
    publisher: Option<&'a str>,
    url: Option<&'a str>,
    group: Option<&'a str>,
    folder: &'a str,
    ordinal: u64,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Files per parallel batch at most.
const BATCH_FILES: usize = 256;
/// Input bytes per parallel batch at most.
const BATCH_BYTES: u64 = 64 << 20;
/// JSONL rows per parallel block.
const BLOCK_ROWS: usize = 1024;
/// JSONL bytes per parallel block at most.
const BLOCK_BYTES: usize = 8 << 20;
/// Context lines longer than this are not stored with an example.
const CONTEXT_MAX: usize = 300;
/// Longest run of lines considered for a block.
const RUN_MAX: usize = 32;

type PerDoc<'f, L> = &'f (dyn Fn(&DocIn<'_>, &mut L) + Sync);

/// Shared, read-only state of a scan.
struct Scan<'a> {
    stripper: &'a Stripper,
    options: &'a Options,
    sketch: Sketch,
    threshold: u8,
    /// Group ids, after the first pass.
    groups: HashMap<GroupKey, u32>,
}

impl Scan<'_> {
    /// Reads every input, calling `per_doc` for each document in parallel.
    #[allow(clippy::too_many_arguments)]
    fn run<L: Local>(
        &self,
        pool: &rayon::ThreadPool,
        inputs: &[Input],
        sizes: &[u64],
        observer: &dyn Observer,
        report: bool,
        progress: &mut (u64, u64, u64),
        want: Option<&Want>,
        per_doc: PerDoc<'_, L>,
    ) -> Acc<L> {
        // Workers merge what they gathered into one sink every
        // `FLUSH_DOCS` documents (and after every JSONL block), so that
        // besides the sink only small partial results are alive.
        let sink: Sink<L> = Mutex::new(Acc::default());
        let mut failures = Vec::new();
        let mut start = 0;
        while start < inputs.len() {
            if want.is_some_and(|w| !w.files.contains_key(&start)) {
                start += 1;
                continue;
            }
            let mut end = start;
            let mut bytes = 0;
            while end < inputs.len()
                && end - start < BATCH_FILES
                && (end == start || bytes < BATCH_BYTES)
            {
                bytes += sizes[end];
                end += 1;
            }
            pool.install(|| {
                inputs[start..end]
                    .par_iter()
                    .enumerate()
                    .fold(Acc::<L>::default, |mut acc, (i, input)| {
                        let index = start + i;
                        if want.is_none_or(|w| w.files.contains_key(&index)) {
                            self.read(index, input, &mut acc, &sink, want, per_doc);
                        }
                        if acc.docs >= FLUSH_DOCS {
                            flush(&sink, &mut acc);
                        }
                        acc
                    })
                    .for_each(|mut acc| flush(&sink, &mut acc));
            });
            let (docs, mut found) = {
                let mut all = sink.lock().expect("no worker panicked");
                (all.docs, std::mem::take(&mut all.failures))
            };
            found.sort_by_key(|(o, _)| *o);
            if report {
                for (_, f) in &found {
                    observer.failure(f);
                }
                failures.extend(found);
            }
            if want.is_none() {
                progress.0 = progress.2 + docs;
                progress.1 += bytes;
                observer.progress(progress.0, progress.1);
            }
            start = end;
        }
        let mut total = sink.into_inner().expect("no worker panicked");
        progress.2 = progress.0;
        total.failures = failures;
        total
    }

    fn read<L: Local>(
        &self,
        index: usize,
        input: &Input,
        acc: &mut Acc<L>,
        sink: &Sink<L>,
        want: Option<&Want>,
        per_doc: PerDoc<'_, L>,
    ) {
        let shown = input.path.display().to_string();
        let ordinal = (index as u64) << 32;
        let folder = match input.rel.split_once('/') {
            Some((top, _)) => top.to_string(),
            None => input
                .path
                .parent()
                .and_then(|p| p.file_name())
                .map_or_else(|| ".".to_string(), |n| n.to_string_lossy().into_owned()),
        };
        // The third pass reads only the rows it wants, and stops after the
        // last one.
        let wanted = |ordinal: u64| want.is_none_or(|w| w.docs.contains_key(&ordinal));
        let last_row = want.and_then(|w| w.files.get(&index).copied());
        match input.kind {
            InputKind::Text => {
                if !wanted(ordinal) {
                    return;
                }
                let bytes = match std::fs::read(&input.path) {
                    Ok(b) => b,
                    Err(e) => {
                        acc.failures
                            .push((ordinal, Failure::file(shown, format!("cannot read: {e}"))));
                        return;
                    }
                };
                if let Some(at) = memchr::memchr(0, &bytes) {
                    let m = format!("binary file (NUL byte at offset {at}); skipped");
                    acc.failures.push((ordinal, Failure::file(shown, m)));
                    return;
                }
                let text = match std::str::from_utf8(&bytes) {
                    Ok(t) => t,
                    Err(e) => {
                        let m = format!(
                            "not UTF-8 (invalid byte at offset {}); skipped",
                            e.valid_up_to()
                        );
                        acc.failures.push((ordinal, Failure::file(shown, m)));
                        return;
                    }
                };
                let doc = DocIn {
                    id: &input.rel,
                    text,
                    publisher: self.options.publisher.as_deref(),
                    url: None,
                    group: None,
                    folder: &folder,
                    ordinal,
                };
                per_doc(&doc, &mut acc.local);
                acc.docs += 1;
            }
            InputKind::Jsonl => {
                let mut reader = match compress::open(&input.path) {
                    Ok((r, _)) => r,
                    Err(e) => {
                        acc.failures
                            .push((ordinal, Failure::file(shown, format!("cannot read: {e}"))));
                        return;
                    }
                };
                let mut no = 0u64;
                let mut done = false;
                let mut block: Vec<(u64, Vec<u8>)> = Vec::with_capacity(BLOCK_ROWS);
                let mut block_bytes = 0;
                while !done {
                    let mut line = Vec::new();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(0) => done = true,
                        Ok(n) => {
                            no += 1;
                            if wanted(ordinal + no) {
                                block_bytes += n;
                                block.push((no, line));
                            }
                            if last_row.is_some_and(|last| no >= last) {
                                done = true;
                            }
                        }
                        Err(e) => {
                            let m = format!("cannot read (line {}): {e}", no + 1);
                            acc.failures
                                .push((ordinal + no + 1, Failure::file(shown.clone(), m)));
                            done = true;
                        }
                    }
                    if !block.is_empty()
                        && (done || block.len() >= BLOCK_ROWS || block_bytes >= BLOCK_BYTES)
                    {
                        let mut part = block
                            .par_iter()
                            .fold(Acc::<L>::default, |mut a, (no, line)| {
                                self.row(
                                    input,
                                    &shown,
                                    &folder,
                                    ordinal + no,
                                    *no,
                                    line,
                                    &mut a,
                                    per_doc,
                                );
                                a
                            })
                            .reduce(Acc::default, Acc::merge);
                        flush(sink, &mut part);
                        block.clear();
                        block_bytes = 0;
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn row<L: Local>(
        &self,
        input: &Input,
        shown: &str,
        folder: &str,
        ordinal: u64,
        no: u64,
        line: &[u8],
        acc: &mut Acc<L>,
        per_doc: PerDoc<'_, L>,
    ) {
        let fail = |acc: &mut Acc<L>, message: String| {
            acc.failures.push((
                ordinal,
                Failure {
                    file: shown.to_string(),
                    line: Some(no),
                    message,
                },
            ))
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let Ok(body) = std::str::from_utf8(line) else {
            return fail(acc, "not UTF-8; skipped".into());
        };
        let row = match Row::parse(body.trim_end()) {
            Ok(r) => r,
            Err(e) => return fail(acc, format!("{e}; skipped")),
        };
        let fields = &self.options.fields;
        let text = match row.text(&fields.text) {
            Ok(Some(t)) => t,
            Ok(None) => return fail(acc, format!("no `{}` field; skipped", fields.text)),
            Err(e) => return fail(acc, format!("{e}; skipped")),
        };
        let first = |names: &[String]| names.iter().find_map(|n| row.string(n).ok().flatten());
        let publisher = match &self.options.publisher {
            Some(p) => Some(std::borrow::Cow::Borrowed(p.as_str())),
            None => first(&fields.publisher),
        };
        let url = first(&fields.url);
        let group = self
            .options
            .group_by
            .as_deref()
            .and_then(|f| row.string(f).ok().flatten());
        let id = match row.string(&fields.id) {
            Ok(Some(id)) => id.into_owned(),
            _ => format!("{}:{no}", input.rel),
        };
        let doc = DocIn {
            id: &id,
            text: &text,
            publisher: publisher.as_deref(),
            url: url.as_deref(),
            group: group.as_deref(),
            folder,
            ordinal,
        };
        per_doc(&doc, &mut acc.local);
        acc.docs += 1;
    }

    /// Strips a document with the loaded rules: its clean text and the group
    /// it belongs to (and its URL's host).
    fn strip(&self, doc: &DocIn<'_>) -> (String, GroupKey, Option<String>) {
        let d = Document {
            id: doc.id,
            text: doc.text,
            source: None,
            publisher: doc.publisher,
            url: doc.url,
        };
        let stripped = SCRATCH.with(|s| self.stripper.strip_with(&d, &mut s.borrow_mut()));
        // One registrable domain is one group: `cdn.naharnet.com` and
        // `naharnet.com` share their furniture.
        let host = doc
            .url
            .and_then(domain::host_of)
            .map(|h| domain::registrable(&h).unwrap_or(h));
        let key = match stripped.record.publisher.id {
            Some(p) => GroupKey {
                kind: if self.stripper.rules().publisher(&p).is_some() {
                    GroupKind::Pack
                } else {
                    GroupKind::Publisher
                },
                name: p,
            },
            None => match (doc.group.map(str::trim).filter(|g| !g.is_empty()), &host) {
                (Some(g), _) => GroupKey {
                    kind: GroupKind::Field,
                    name: g.to_string(),
                },
                (None, Some(h)) => GroupKey {
                    kind: GroupKind::Domain,
                    name: h.clone(),
                },
                (None, None) => GroupKey {
                    kind: GroupKind::Folder,
                    name: doc.folder.to_string(),
                },
            },
        };
        (stripped.clean, key, host)
    }

    /// Pass 1: the document's group, and every unit into the sketch.
    fn first(&self, doc: &DocIn<'_>, local: &mut Pass1) {
        let (clean, key, host) = self.strip(doc);
        let publisher = key.kind == GroupKind::Publisher;
        let stats = local.groups.entry(key).or_default();
        stats.docs += 1;
        if publisher && let Some(h) = host {
            *stats.hosts.entry(h).or_default() += 1;
        }
        let (mut norm, mut exact) = (Vec::new(), Vec::new());
        let mut keys = Vec::new();
        let mut found = Vec::new();
        each_line(&clean, |s, e| {
            let line = &clean[s..e];
            forms(line, &mut norm, &mut exact);
            keys.push(hash(TAG_LINE, &norm));
            affixes(line, &mut found);
            for a in &found {
                forms(&line[a.affix.0..a.affix.1], &mut norm, &mut exact);
                keys.push(hash(a.unit.tag(), &norm));
            }
        });
        keys.sort_unstable();
        keys.dedup();
        for k in keys {
            self.sketch.add(k);
        }
    }

    /// The frequent units of a clean text (each once, at its first
    /// occurrence), its lines, and which lines are body text.
    fn analyse(&self, clean: &str) -> Analysis {
        let frequent = |k: u64| self.sketch.estimate(k) >= self.threshold;
        let (mut norm, mut exact) = (Vec::new(), Vec::new());
        let mut lines: Vec<LineInfo> = Vec::new();
        each_line(clean, |s, e| {
            forms(&clean[s..e], &mut norm, &mut exact);
            let key = hash(TAG_LINE, &norm);
            lines.push(LineInfo {
                start: s,
                end: e,
                key,
                exact: hash(TAG_EXACT, &exact),
                frequent: frequent(key),
            });
        });
        let mut occs: Vec<Occ> = Vec::new();
        let mut found = Vec::new();
        let mut body = vec![true; lines.len()];
        for (i, l) in lines.iter().enumerate() {
            if l.frequent {
                body[i] = false;
                occs.push(Occ {
                    key: l.key,
                    unit: Unit::Line,
                    variant: l.exact,
                    span: (l.start, l.end),
                    lines: (i, i),
                    affix: None,
                    leading: false,
                    trailing: false,
                });
            }
            let text = &clean[l.start..l.end];
            affixes(text, &mut found);
            for a in found.drain(..) {
                forms(&text[a.affix.0..a.affix.1], &mut norm, &mut exact);
                let key = hash(a.unit.tag(), &norm);
                if frequent(key) {
                    body[i] = false;
                    occs.push(Occ {
                        key,
                        unit: a.unit,
                        variant: l.exact,
                        span: (l.start, l.end),
                        lines: (i, i),
                        affix: Some(a),
                        leading: false,
                        trailing: false,
                    });
                }
            }
        }
        // Runs of consecutive frequent lines: their leading and trailing
        // sub-runs of two lines or more are block candidates.
        let mut i = 0;
        while i < lines.len() {
            if !lines[i].frequent {
                i += 1;
                continue;
            }
            let a = i;
            while i < lines.len() && lines[i].frequent {
                i += 1;
            }
            let b = i - 1;
            let len = b - a + 1;
            let mut runs = Vec::new();
            for l in 2..=len.min(RUN_MAX) {
                runs.push((a, a + l - 1));
                if l < len {
                    runs.push((b + 1 - l, b));
                }
            }
            for (s, e) in runs {
                if lines[s].key == lines[e].key {
                    continue;
                }
                let mut kb = Vec::with_capacity(8 * (e - s + 1));
                let mut vb = Vec::with_capacity(8 * (e - s + 1));
                for l in &lines[s..=e] {
                    kb.extend_from_slice(&l.key.to_le_bytes());
                    vb.extend_from_slice(&l.exact.to_le_bytes());
                }
                occs.push(Occ {
                    key: hash(TAG_BLOCK, &kb),
                    unit: Unit::Block,
                    variant: hash(TAG_BLOCK_EXACT, &vb),
                    span: (lines[s].start, lines[e].end),
                    lines: (s, e),
                    affix: None,
                    leading: s == 0,
                    trailing: e == lines.len() - 1,
                });
            }
        }
        occs.sort_by_key(|o| (o.key, o.lines));
        occs.dedup_by_key(|o| o.key);
        Analysis { lines, occs, body }
    }

    /// Pass 2: exact counts of the frequent units, and where to find
    /// examples of them.
    fn second(&self, doc: &DocIn<'_>, local: &mut Pass2) {
        let (clean, key, _) = self.strip(doc);
        let Some(&group) = self.groups.get(&key) else {
            return;
        };
        let Analysis { lines, occs, .. } = self.analyse(&clean);
        for o in occs {
            let entry = local.entries.entry(o.key).or_insert_with(|| {
                let keys = if o.unit == Unit::Block {
                    lines[o.lines.0..=o.lines.1].iter().map(|l| l.key).collect()
                } else {
                    Vec::new()
                };
                Entry::new(o.unit, keys)
            });
            entry.add_variant(o.variant, [group, NO_GROUP]);
            entry.max_len = entry.max_len.max(o.span.1 - o.span.0);
            if let Some(a) = &o.affix {
                entry.max_var = entry.max_var.max(a.var);
                entry.max_outside = entry.max_outside.max(a.outside);
                entry.max_outside_words = entry.max_outside_words.max(a.outside_words);
            }
            let gc = entry.group_mut(group);
            gc.docs += 1;
            gc.leading += u64::from(o.leading);
            gc.trailing += u64::from(o.trailing);
            gc.offer(Sample {
                ordinal: doc.ordinal,
                variant: o.variant,
            });
        }
    }

    /// Pass 3: the examples of the units `want` asks for in this document.
    fn third(&self, doc: &DocIn<'_>, want: &Want, local: &mut Pass3) {
        let Some(keys) = want.docs.get(&doc.ordinal) else {
            return;
        };
        let (clean, _, _) = self.strip(doc);
        let Analysis { lines, occs, body } = self.analyse(&clean);
        // Body lines, for keep examples: lines that recur nowhere, of a few
        // words.
        let body_lines = |min_words: usize, max: usize| -> Vec<&str> {
            lines
                .iter()
                .zip(&body)
                .map(|(l, b)| (&clean[l.start..l.end], *b))
                .filter(|(t, b)| *b && t.len() <= max && words(t) >= min_words)
                .map(|(t, _)| t)
                .collect()
        };
        let mut keeps = body_lines(5, 300);
        if keeps.is_empty() {
            keeps = body_lines(3, 500);
        }
        let context = |i: Option<usize>| {
            i.and_then(|i| lines.get(i))
                .map(|l| &clean[l.start..l.end])
                .filter(|t| t.len() <= CONTEXT_MAX)
                .map(str::to_string)
        };
        for o in occs.iter().filter(|o| keys.contains(&o.key)) {
            let (affix, cut) = o
                .affix
                .as_ref()
                .map_or(((0, 0), (0, 0)), |a| (a.affix, a.cut));
            let text = &clean[o.span.0..o.span.1];
            local.examples.insert(
                (o.key, doc.ordinal),
                Example {
                    variant: o.variant,
                    text: text.to_string(),
                    affix,
                    cut,
                    before: context(o.lines.0.checked_sub(1)),
                    after: context(Some(o.lines.1 + 1)),
                    keep: keep_for(text, &keeps),
                },
            );
        }
    }
}

/// What a clean text holds, for the second and third passes.
struct Analysis {
    lines: Vec<LineInfo>,
    occs: Vec<Occ>,
    /// Per line: whether it is body text (no frequent unit in it).
    body: Vec<bool>,
}

/// The documents the third pass reads, and the units wanted from each.
#[derive(Debug, Default)]
struct Want {
    docs: HashMap<u64, Vec<u64>>,
    /// Per file index, the last row wanted (0 for a text file).
    files: HashMap<usize, u64>,
}

impl Want {
    fn add(&mut self, key: u64, ordinal: u64) {
        let keys = self.docs.entry(ordinal).or_default();
        if !keys.contains(&key) {
            keys.push(key);
        }
        let file = (ordinal >> 32) as usize;
        let row = ordinal & 0xFFFF_FFFF;
        let last = self.files.entry(file).or_default();
        *last = (*last).max(row);
    }
}

#[derive(Default)]
struct Pass3 {
    examples: HashMap<(u64, u64), Example>,
}

impl Local for Pass3 {
    fn merge(&mut self, other: Pass3) {
        self.examples.extend(other.examples);
    }
}

/// The body line that shares the most words with `unit` (the first one on
/// a tie): a keep example that shows the rule telling them apart.
fn keep_for(unit: &str, body: &[&str]) -> Option<String> {
    let key = |w: &str| w.to_lowercase();
    let wanted: HashSet<String> = unit
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(key)
        .collect();
    let score = |line: &str| {
        line.split(|c: char| !c.is_alphanumeric())
            .filter(|w| wanted.contains(&key(w)))
            .count()
    };
    let mut best: Option<(&str, usize)> = None;
    for line in body {
        let n = score(line);
        if best.is_none_or(|(_, b)| n > b) {
            best = Some((line, n));
        }
    }
    best.map(|(l, _)| l.to_string())
}

/// A unit that may become a rule of a group: its key, its counts, and its
/// counts in the group.
type Candidate<'e> = (u64, &'e Entry, &'e GroupCount);

/// Per group, the units that may become rules: recurring in at least
/// `min_docs` documents of it, not syndicated copy, and for a prefix or a
/// suffix, with the rest of the line varying.
fn candidates(
    entries: &HashMap<u64, Entry>,
    groups: usize,
    min_docs: u64,
) -> Vec<Vec<Candidate<'_>>> {
    let mut per_group: Vec<Vec<Candidate<'_>>> = vec![Vec::new(); groups];
    for (&key, e) in entries {
        let eligible = match e.unit {
            Unit::Line => !e.shared(),
            Unit::Block => {
                !e.shared()
                    && !e
                        .lines
                        .iter()
                        .any(|k| entries.get(k).is_some_and(Entry::shared))
            }
            _ => e.variants.len() >= 2,
        };
        if !eligible {
            continue;
        }
        for gc in &e.groups {
            if gc.docs < min_docs {
                continue;
            }
            // A block stands for lines that (nearly) always come together:
            // it must cover nine in ten of the documents of its first and
            // of its last line. Lines that only sometimes sit side by side
            // stay rules of their own.
            if e.unit == Unit::Block {
                let line_docs = |k: Option<&u64>| {
                    k.and_then(|k| entries.get(k))
                        .and_then(|l| l.groups.iter().find(|g| g.group == gc.group))
                        .map_or(u64::MAX, |g| g.docs)
                };
                let most = line_docs(e.lines.first()).max(line_docs(e.lines.last()));
                if gc.docs.saturating_mul(10) < most.saturating_mul(9) {
                    continue;
                }
            }
            per_group[gc.group as usize].push((key, e, gc));
        }
    }
    per_group
}

/// The earliest document of a shared line, over its groups.
fn shared_sample(e: &Entry) -> Option<u64> {
    e.groups
        .iter()
        .flat_map(|g| g.samples())
        .map(|x| x.ordinal)
        .min()
}

/// Lines whose wording recurs in different groups, most documents first.
fn shared(
    entries: &HashMap<u64, Entry>,
    groups: &[Group],
    examples: &HashMap<(u64, u64), Example>,
) -> Vec<Shared> {
    let mut out: Vec<Shared> = entries
        .iter()
        .filter(|(_, e)| e.unit == Unit::Line && e.shared())
        .filter_map(|(&key, e)| {
            let text = examples.get(&(key, shared_sample(e)?))?;
            let mut per: Vec<(String, u64)> = e
                .groups
                .iter()
                .map(|g| (groups[g.group as usize].name.clone(), g.docs))
                .collect();
            per.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            Some(Shared {
                text: text.text.clone(),
                documents: e.groups.iter().map(|g| g.docs).sum(),
                groups: per,
            })
        })
        .collect();
    out.sort_by(|a, b| b.documents.cmp(&a.documents).then(a.text.cmp(&b.text)));
    out
}

// ---------------------------------------------------------------------------
// Anchors and regexes

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

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A regex matching `s` literally, but any run of white space as `\s+` and
/// any run of ASCII digits as `\d+`.
fn pattern(s: &str) -> String {
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
                out.push_str(if class == 's' { r"\s+" } else { r"\d+" });
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
fn line_anchor(line: &str) -> Option<(String, &'static str, Option<String>)> {
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
fn line_anchor_at_start(line: &str) -> Option<(String, &'static str, Option<String>)> {
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
fn affix_anchor(text: &str, prefer_end: bool) -> Option<(usize, usize)> {
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
fn category(kind: SuggestionKind, text: &str, trailing: bool, digits: bool) -> &'static str {
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

// ---------------------------------------------------------------------------
// Rule drafts

/// A strip example: `clean` is what must remain (empty: nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
struct StripEx {
    text: String,
    clean: String,
}

/// A rule being drafted.
#[derive(Debug, Clone)]
struct RuleDraft {
    id: String,
    kind: SuggestionKind,
    unit: Unit,
    category: &'static str,
    anchor: String,
    remove: &'static str,
    where_: &'static str,
    regex: Option<String>,
    end: Option<String>,
    max_len: Option<usize>,
    strip: Vec<StripEx>,
    keep: Vec<String>,
    docs: u64,
    group_docs: u64,
    group_name: String,
    display: String,
    evidence: String,
    leading: u64,
    trailing: u64,
    /// For a block, the keys of its lines; for a line, its own key.
    lines: Vec<u64>,
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
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
    fn toml(&self) -> String {
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
struct Plan {
    group: usize,
    pack: String,
    scope: Scope,
    /// The publisher the rules' examples run as.
    publisher: Option<String>,
    merge_into: Option<String>,
    name: String,
    domains: Vec<String>,
    signatures: Vec<String>,
    /// Signatures that decide the publisher on their own.
    strong_signatures: Vec<String>,
    /// Signatures are chosen from the rules (domain and publisher packs).
    own_signatures: bool,
    note: Option<String>,
    rules: Vec<RuleDraft>,
}

impl Plan {
    /// The `[pack]` table (with its header comment when `full`).
    fn head(&self, group: Option<&Group>) -> String {
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

    fn rules_text(&self) -> String {
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

    fn into_draft(self, groups: &[Group]) -> Draft {
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
fn sanitize_id(s: &str) -> String {
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

fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

/// A short slug of the words of `s`, for rule ids.
fn slug(s: &str) -> String {
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

/// Builds, checks and ranks the rules of every group.
struct Drafter<'a> {
    base: &'a RuleSet,
    sources: &'a [Source],
    min_docs: u64,
    max_rules: usize,
    pack_ids: HashSet<String>,
    rule_ids: HashSet<String>,
    no_anchor: u64,
    dropped: u64,
    beyond_cap: u64,
}

impl Drafter<'_> {
    fn unique_pack(&mut self, want: &str) -> String {
        let mut id = want.to_string();
        let mut n = 2;
        while self.pack_ids.contains(&id) {
            id = format!("{want}-{n}");
            n += 1;
        }
        self.pack_ids.insert(id.clone());
        id
    }

    fn unique_rule(&mut self, want: &str) -> String {
        let mut id = want.to_string();
        let mut n = 2;
        while self.rule_ids.contains(&id) {
            id = format!("{want}-{n}");
            n += 1;
        }
        self.rule_ids.insert(id.clone());
        id
    }

    /// One plan per group with candidates.
    fn plans(
        &mut self,
        per_group: Vec<Vec<Candidate<'_>>>,
        groups: &[Group],
        hosts: &[Vec<String>],
        examples: &HashMap<(u64, u64), Example>,
    ) -> Vec<Plan> {
        let mut plans = Vec::new();
        for (gi, mut cands) in per_group.into_iter().enumerate() {
            if cands.is_empty() {
                continue;
            }
            let mut plan = self.plan(gi, groups, &hosts[gi]);
            let first = |c: &Candidate<'_>| {
                c.2.samples()
                    .first()
                    .and_then(|x| examples.get(&(c.0, x.ordinal)))
            };
            cands.sort_by(|a, b| {
                let ea = first(a);
                let eb = first(b);
                (a.1.unit != Unit::Block)
                    .cmp(&(b.1.unit != Unit::Block))
                    .then(b.2.docs.cmp(&a.2.docs))
                    .then(a.1.unit.cmp(&b.1.unit))
                    .then(b.1.lines.len().cmp(&a.1.lines.len()))
                    .then_with(|| {
                        let ta = ea.map(|x| x.affix.1 - x.affix.0);
                        let tb = eb.map(|x| x.affix.1 - x.affix.0);
                        tb.cmp(&ta)
                    })
                    .then_with(|| {
                        ea.map(|x| x.text.as_str())
                            .cmp(&eb.map(|x| x.text.as_str()))
                    })
                    .then(a.0.cmp(&b.0))
            });
            self.choose(&mut plan, &groups[gi], cands, examples);
            if !plan.rules.is_empty() {
                plans.push(plan);
            }
        }
        plans
    }

    fn plan(&mut self, gi: usize, groups: &[Group], hosts: &[String]) -> Plan {
        let g = &groups[gi];
        let mut note = None;
        let (want, scope, publisher, domains, own) = match g.kind {
            GroupKind::Pack => {
                let pack = self.base.publisher(&g.name).expect("a loaded pack");
                let plan = Plan {
                    group: gi,
                    pack: g.name.clone(),
                    scope: Scope::Publisher,
                    publisher: Some(g.name.clone()),
                    merge_into: Some(pack.file.clone()),
                    name: pack.name.clone(),
                    domains: pack.domains.clone(),
                    signatures: pack.signatures.clone(),
                    strong_signatures: pack.strong_signatures.clone(),
                    own_signatures: false,
                    note: None,
                    rules: Vec::new(),
                };
                return plan;
            }
            GroupKind::Publisher if is_valid_id(&g.name) => (
                g.name.clone(),
                Scope::Publisher,
                Some(g.name.clone()),
                hosts.to_vec(),
                true,
            ),
            GroupKind::Domain if is_valid_id(&g.name) => (
                g.name.clone(),
                Scope::Publisher,
                Some(g.name.clone()),
                vec![g.name.clone()],
                true,
            ),
            GroupKind::Publisher | GroupKind::Domain => {
                note = Some(format!(
                    "`{}` is not a valid pack id, so this pack is common (it applies to every document).",
                    g.name
                ));
                (sanitize_id(&g.name), Scope::Common, None, Vec::new(), false)
            }
            GroupKind::Field | GroupKind::Folder => {
                note = Some(format!(
                    "The documents of {} `{}` have no known publisher, so this pack is common: its rules apply to every document.",
                    g.kind.as_str(),
                    g.name
                ));
                (sanitize_id(&g.name), Scope::Common, None, Vec::new(), false)
            }
        };
        // A publisher pack's id is its publisher id, which must stay as it is.
        let pack = if scope == Scope::Publisher {
            self.pack_ids.insert(want.clone());
            want
        } else {
            self.unique_pack(&want)
        };
        Plan {
            group: gi,
            name: format!("{} (suggested)", g.name),
            pack,
            scope,
            publisher,
            merge_into: None,
            domains,
            signatures: Vec::new(),
            strong_signatures: Vec::new(),
            own_signatures: own,
            note,
            rules: Vec::new(),
        }
    }

    /// Drafts the candidates in rank order, keeping the rules that pass their
    /// own examples and add something to the rules already kept.
    fn choose(
        &mut self,
        plan: &mut Plan,
        group: &Group,
        cands: Vec<Candidate<'_>>,
        examples: &HashMap<(u64, u64), Example>,
    ) {
        let head = format!(
            "[pack]\nid = {}\nscope = {}\n",
            toml_str(&plan.pack),
            toml_str(plan.scope.as_str())
        );
        let mut accepted: Option<Stripper> = None;
        let mut blocks: Vec<(Vec<u64>, u64)> = Vec::new();
        for (key, entry, gc) in cands {
            if plan.rules.len() >= self.max_rules {
                self.beyond_cap += 1;
                continue;
            }
            // A line or a shorter run inside a block already kept, and in
            // hardly more documents than it, is left to that block.
            let inner: &[u64] = if entry.unit == Unit::Block {
                &entry.lines
            } else {
                std::slice::from_ref(&key)
            };
            if matches!(entry.unit, Unit::Line | Unit::Block)
                && blocks.iter().any(|(lines, docs)| {
                    lines.windows(inner.len()).any(|w| w == inner) && gc.docs < docs + self.min_docs
                })
            {
                continue;
            }
            let found: Vec<&Example> = gc
                .samples()
                .iter()
                .filter_map(|x| examples.get(&(key, x.ordinal)))
                .collect();
            let Some(mut rule) = self.draft(key, entry, gc, group, &found) else {
                self.no_anchor += 1;
                continue;
            };
            rule.id = "suggest.candidate".into();
            let publisher = plan.publisher.as_deref();
            // Left to the rules already kept: a candidate whose every
            // example they already strip, or already cut into (a caption
            // whose credit is handled is body text with furniture gone).
            if let Some(s) = &accepted
                && rule
                    .strip
                    .iter()
                    .all(|e| run(s, &e.text, publisher) != e.text)
            {
                continue;
            }
            // Anchors inside one another hide each other (leftmost-longest
            // matching): the better-ranked rule stays alone.
            if plan.rules.iter().any(|r| {
                r.anchor != rule.anchor
                    && (r.anchor.contains(rule.anchor.as_str())
                        || rule.anchor.contains(r.anchor.as_str()))
            }) {
                continue;
            }
            let Some(mut rule) = check_alone(&head, rule, publisher) else {
                self.dropped += 1;
                continue;
            };
            let prefix = match rule.kind {
                SuggestionKind::Line => "line",
                SuggestionKind::Block => "block",
                SuggestionKind::Prefix => "prefix",
                SuggestionKind::Suffix => "suffix",
            };
            let words = slug(&rule.anchor);
            let want = if words.is_empty() {
                format!("{}.{prefix}", plan.pack)
            } else {
                format!("{}.{prefix}-{words}", plan.pack)
            };
            rule.id = self.unique_rule(&want);
            if rule.unit == Unit::Block {
                blocks.push((rule.lines.clone(), rule.docs));
            }
            plan.rules.push(rule);
            let text = format!("{head}{}", plan.rules_text());
            accepted = compile(&text).and_then(|set| Stripper::new(set).ok());
        }
        // Ranked by documents covered (blocks were considered first).
        plan.rules.sort_by(|a, b| {
            b.docs
                .cmp(&a.docs)
                .then(a.kind.as_str().cmp(b.kind.as_str()))
        });
    }

    /// The rule for one candidate, with every example it could use.
    fn draft(
        &self,
        key: u64,
        e: &Entry,
        gc: &GroupCount,
        group: &Group,
        examples: &[&Example],
    ) -> Option<RuleDraft> {
        let first = *examples.first()?;
        let mut keeps: Vec<String> = Vec::new();
        for k in examples.iter().filter_map(|x| x.keep.as_ref()) {
            if !keeps.contains(k) {
                keeps.push(k.clone());
            }
        }
        let share = 100.0 * gc.docs as f64 / group.documents.max(1) as f64;
        let mut rule = RuleDraft {
            id: String::new(),
            kind: SuggestionKind::Line,
            unit: e.unit,
            category: "other",
            anchor: String::new(),
            remove: "line",
            where_: "contains",
            regex: None,
            end: None,
            max_len: None,
            strip: Vec::new(),
            keep: keeps,
            docs: gc.docs,
            group_docs: group.documents,
            group_name: group.name.clone(),
            display: String::new(),
            evidence: String::new(),
            leading: gc.leading,
            trailing: gc.trailing,
            lines: if e.unit == Unit::Block {
                e.lines.clone()
            } else {
                vec![key]
            },
        };
        // A second example: another wording, else the first wording in its
        // context in another document.
        let other = examples
            .iter()
            .skip(1)
            .find(|x| x.variant != first.variant)
            .copied();
        let context = |x: &Example| -> Option<StripEx> {
            if x.before.is_none() && x.after.is_none() {
                return None;
            }
            let mut text = String::new();
            let mut clean = String::new();
            if let Some(b) = &x.before {
                text.push_str(&format!("{b}\n"));
                clean.push_str(&format!("{b}\n"));
            }
            text.push_str(&format!("{}\n", x.text));
            if let Some(a) = &x.after {
                text.push_str(&format!("{a}\n"));
                clean.push_str(&format!("{a}\n"));
            }
            Some(StripEx { text, clean })
        };
        let seen = |n: u64| {
            format!(
                "in {n} of {} documents ({share:.0}%) of {}",
                group.documents, group.name
            )
        };
        match e.unit {
            Unit::Line => {
                let line = first.text.as_str();
                let (anchor, placed, regex) = line_anchor(line)?;
                rule.kind = SuggestionKind::Line;
                rule.anchor = anchor;
                rule.where_ = placed;
                rule.regex = regex;
                rule.strip.push(StripEx {
                    text: line.to_string(),
                    clean: String::new(),
                });
                // Alternatives, in order: the first two that the rule strips
                // as expected are kept.
                if let Some(x) = other {
                    rule.strip.push(StripEx {
                        text: x.text.clone(),
                        clean: String::new(),
                    });
                }
                rule.strip
                    .extend(examples.iter().skip(1).filter_map(|x| context(x)));
                let digits = line.chars().any(|c| c.is_ascii_digit());
                rule.category = category(rule.kind, line, false, digits);
                rule.display = format!("\"{}\"", shorten(line, 90));
                rule.evidence = format!(
                    "Evidence: {}, as a whole line{}.",
                    seen(gc.docs),
                    if digits { " (digits vary)" } else { "" }
                );
            }
            Unit::Block => {
                let block = first.text.as_str();
                let lines: Vec<&str> = block
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect();
                let (open, close) = (*lines.first()?, *lines.last()?);
                // The block starts where its anchor does, so the anchor must
                // open the line.
                let (anchor, placed, regex) = line_anchor(open)
                    .filter(|(_, placed, _)| matches!(*placed, "equals" | "starts-with"))
                    .or_else(|| line_anchor_at_start(open))?;
                // The end literal must close the last line, or the block
                // would stop inside it. A block that (nearly) always ends
                // the text can do without: it goes to the end, within
                // `max-len`.
                let always_last = gc.trailing * 10 >= gc.docs * 9;
                let end = match affix_anchor(close, true) {
                    Some((a, b)) if b == close.len() && (a == 0 || chars(&close[a..b]) >= 8) => {
                        Some(close[a..b].to_string())
                    }
                    _ if always_last => None,
                    _ => return None,
                };
                rule.kind = SuggestionKind::Block;
                rule.anchor = anchor;
                rule.where_ = placed;
                rule.regex = regex;
                rule.remove = if end.is_some() { "block" } else { "to-end" };
                rule.end = end;
                rule.max_len = Some((e.max_len * 3 / 2 + 64).min(20_000));
                rule.strip.push(StripEx {
                    text: block.to_string(),
                    clean: String::new(),
                });
                // Alternatives, in order: the first two that the rule strips
                // as expected are kept.
                if let Some(x) = other {
                    rule.strip.push(StripEx {
                        text: x.text.clone(),
                        clean: String::new(),
                    });
                }
                rule.strip
                    .extend(examples.iter().skip(1).filter_map(|x| context(x)));
                let trailing = gc.trailing * 2 > gc.docs;
                let digits = block.chars().any(|c| c.is_ascii_digit());
                rule.category = category(rule.kind, block, trailing, digits);
                rule.display = format!(
                    "\"{}\" … \"{}\" ({} lines)",
                    shorten(open, 40),
                    shorten(close, 40),
                    lines.len()
                );
                let place = if trailing {
                    ", at the end of the text"
                } else if gc.leading * 2 > gc.docs {
                    ", at the start of the text"
                } else {
                    ""
                };
                rule.evidence = format!(
                    "Evidence: {}, as a block of {} lines{place}.",
                    seen(gc.docs),
                    lines.len()
                );
            }
            _ => {
                let line = first.text.as_str();
                let affix = &line[first.affix.0..first.affix.1];
                let cut = first.cut;
                let trimmed = affix.trim();
                let whole_line = e.max_outside <= 40 && e.max_outside_words <= 6;
                let n = (e.max_var * 2).clamp(20, 200);
                let is_prefix = e.unit == Unit::Prefix;
                let (a, b) = affix_anchor(trimmed, !is_prefix)?;
                let anchor = &trimmed[a..b];
                let core = match e.unit {
                    Unit::Prefix | Unit::SuffixWhole => pattern(trimmed),
                    Unit::SuffixHead => {
                        let close = line[cut.0..cut.1].chars().last()?;
                        format!(
                            "{}[^()\\[\\]\\n]{{1,{n}}}{}",
                            pattern(trimmed),
                            regex::escape(&close.to_string())
                        )
                    }
                    Unit::SuffixTail => {
                        let open = line[cut.0..].chars().next()?;
                        format!(
                            "{}[^()\\[\\]\\n]{{1,{n}}}{}",
                            regex::escape(&open.to_string()),
                            pattern(trimmed)
                        )
                    }
                    _ => return None,
                };
                rule.kind = if is_prefix {
                    SuggestionKind::Prefix
                } else {
                    SuggestionKind::Suffix
                };
                rule.anchor = anchor.to_string();
                let at_start = is_prefix && a == 0;
                let at_end = !is_prefix && b == trimmed.len() && e.unit != Unit::SuffixHead;
                rule.where_ = if at_start {
                    "starts-with"
                } else if at_end {
                    "ends-with"
                } else {
                    "contains"
                };
                if whole_line {
                    rule.remove = "line";
                    rule.max_len = Some(e.max_outside + (cut.1 - cut.0) + n + 16);
                    rule.regex = Some(if is_prefix {
                        format!(r"^\s*{core}")
                    } else {
                        format!(r"{core}\s*$")
                    });
                } else {
                    rule.remove = "anchor";
                    rule.regex = Some(if is_prefix {
                        format!(r"^\s*(?P<remove>{core}\s*)")
                    } else {
                        format!(r"(?P<remove>{core})\s*$")
                    });
                }
                let expected = |x: &Example| -> String {
                    if whole_line {
                        String::new()
                    } else if is_prefix {
                        x.text[x.cut.1..].trim_start().to_string()
                    } else {
                        x.text[..x.cut.0].trim_end().to_string()
                    }
                };
                let mut seen_text = HashSet::new();
                for x in examples.iter() {
                    if rule.strip.len() == 2 {
                        break;
                    }
                    if seen_text.insert(x.text.as_str()) {
                        rule.strip.push(StripEx {
                            text: x.text.clone(),
                            clean: expected(x),
                        });
                    }
                }
                rule.category = category(rule.kind, trimmed, false, false);
                rule.display = if is_prefix {
                    format!("\"{trimmed} …\"")
                } else {
                    match e.unit {
                        Unit::SuffixHead => {
                            let close = line[cut.0..cut.1].chars().last().unwrap_or(')');
                            format!("\"… {trimmed}…{close}\"")
                        }
                        Unit::SuffixTail => format!("\"… (…{trimmed}\""),
                        _ => format!("\"… {trimmed}\""),
                    }
                };
                rule.evidence = format!(
                    "Evidence: {}, {} with the rest of the line varying{}.",
                    seen(gc.docs),
                    if is_prefix {
                        "as the start of a line"
                    } else {
                        "as the end of a line"
                    },
                    if whole_line {
                        " (short lines: the whole line goes)"
                    } else {
                        ""
                    }
                );
            }
        }
        Some(rule)
    }

    /// Checks the drafts together with the loaded rules: they must load,
    /// pass the rule tests and add no lint finding about their rules. Rules
    /// that fail are dropped, until none does.
    fn verify(&mut self, mut plans: Vec<Plan>) -> Vec<Plan> {
        // A failure or finding is laid at a draft rule's door only when it
        // names it (as the failing rule, a rule that fired, or in the lint
        // message), which a problem of the loaded rules alone never does.
        let body = crate::corpus::body();
        // Every round drops a rule or ends the loop.
        loop {
            self.choose_signatures(&mut plans);
            let draft_ids: HashSet<String> = plans
                .iter()
                .flat_map(|p| p.rules.iter().map(|r| r.id.clone()))
                .collect();
            if draft_ids.is_empty() {
                return plans;
            }
            let sources = self.sources_with(&plans);
            let set = match RuleSet::from_sources(&sources) {
                Ok(set) => set,
                Err(e) => {
                    // A rule that does not load with the others (it should
                    // not happen: each loaded alone) is dropped; a problem
                    // that names no draft rule drops the file's rules.
                    let mut bad: HashSet<String> = HashSet::new();
                    for d in &e.diagnostics {
                        match &d.rule {
                            Some(r) if draft_ids.contains(r) => {
                                bad.insert(r.clone());
                            }
                            _ => {
                                for p in &plans {
                                    if d.file == self.file_name(p) {
                                        bad.extend(p.rules.iter().map(|r| r.id.clone()));
                                    }
                                }
                            }
                        }
                    }
                    if bad.is_empty() {
                        self.dropped += draft_ids.len() as u64;
                        for p in &mut plans {
                            p.rules.clear();
                        }
                        return plans;
                    }
                    self.drop_rules(&mut plans, &bad);
                    continue;
                }
            };
            let mut bad: HashSet<String> = HashSet::new();
            for f in crate::selftest::run(&set).failures {
                if draft_ids.contains(&f.rule) {
                    bad.insert(f.rule.clone());
                }
                bad.extend(f.fired.iter().filter(|r| draft_ids.contains(*r)).cloned());
            }
            if bad.is_empty() {
                // When a finding names two draft rules (one hides the
                // other), the one covering fewer documents goes.
                let docs: HashMap<&str, u64> = plans
                    .iter()
                    .flat_map(|p| p.rules.iter().map(|r| (r.id.as_str(), r.docs)))
                    .collect();
                for f in crate::lint::lint(&set, &body) {
                    let mut named: Vec<&String> = draft_ids
                        .iter()
                        .filter(|id| {
                            f.rule.as_ref() == Some(*id) || f.message.contains(&format!("`{id}`"))
                        })
                        .collect();
                    named.sort_by(|a, b| docs[b.as_str()].cmp(&docs[a.as_str()]).then(a.cmp(b)));
                    let skip = usize::from(named.len() > 1);
                    bad.extend(named.into_iter().skip(skip).cloned());
                }
            }
            if bad.is_empty() {
                break;
            }
            self.drop_rules(&mut plans, &bad);
        }
        plans
    }

    fn drop_rules(&mut self, plans: &mut [Plan], bad: &HashSet<String>) {
        for p in plans {
            let before = p.rules.len();
            p.rules.retain(|r| !bad.contains(&r.id));
            self.dropped += (before - p.rules.len()) as u64;
        }
    }

    fn file_name(&self, plan: &Plan) -> String {
        match &plan.merge_into {
            Some(file) => file.clone(),
            None => format!("suggested/{}.toml", plan.pack),
        }
    }

    /// The loaded sources with every draft: a draft for a publisher that has
    /// a pack is appended to that pack's file; the others are files of their
    /// own.
    fn sources_with(&self, plans: &[Plan]) -> Vec<Source> {
        let mut sources: Vec<Source> = self.sources.to_vec();
        for p in plans.iter().filter(|p| !p.rules.is_empty()) {
            match &p.merge_into {
                Some(file) => {
                    if let Some(s) = sources.iter_mut().find(|s| &s.name == file) {
                        s.text.push('\n');
                        s.text.push_str(&p.rules_text());
                    }
                }
                None => sources.push(Source {
                    name: self.file_name(p),
                    text: format!("{}{}", p.head(None), p.rules_text()),
                }),
            }
        }
        sources
    }

    /// Signatures for the publisher packs the drafts create: up to three
    /// anchors of whole-line rules (the group's own recurring lines), none
    /// inside another anchor.
    fn choose_signatures(&self, plans: &mut [Plan]) {
        let anchors: Vec<String> = self
            .base
            .rules()
            .iter()
            .flat_map(|r| r.anchors.iter().cloned())
            .chain(
                plans
                    .iter()
                    .flat_map(|p| p.rules.iter().map(|r| r.anchor.clone())),
            )
            .collect();
        for p in plans.iter_mut().filter(|p| p.own_signatures) {
            let mut sigs: Vec<String> = Vec::new();
            for r in &p.rules {
                if sigs.len() == 3 {
                    break;
                }
                let literal = r.where_ == "equals"
                    && matches!(r.kind, SuggestionKind::Line | SuggestionKind::Block);
                if literal
                    && chars(&r.anchor) >= MIN_ANCHOR_CHARS
                    && !sigs.contains(&r.anchor)
                    && !anchors
                        .iter()
                        .any(|a| a != &r.anchor && a.contains(r.anchor.as_str()))
                {
                    sigs.push(r.anchor.clone());
                }
            }
            // One recurring line of the group's own decides nothing on its
            // own unless it is marked strong: it is a whole line that only
            // this group prints.
            if sigs.len() == 1 {
                p.strong_signatures = sigs;
            } else {
                p.signatures = sigs;
            }
        }
    }
}

/// Compiles one rule file's text.
fn compile(text: &str) -> Option<RuleSet> {
    RuleSet::from_sources(&[Source {
        name: "suggested.toml".into(),
        text: text.to_string(),
    }])
    .ok()
}

/// Strips `text` as a document of `publisher`.
fn run(stripper: &Stripper, text: &str, publisher: Option<&str>) -> String {
    let mut doc = Document::new("suggest", text);
    doc.publisher = publisher;
    stripper.strip(&doc).clean
}

/// Keeps the strip examples the rule alone strips as expected and the keep
/// examples it leaves alone (two and one at most); `None` when none is left
/// of either.
fn check_alone(head: &str, mut rule: RuleDraft, publisher: Option<&str>) -> Option<RuleDraft> {
    if rule.strip.is_empty() || rule.keep.is_empty() {
        return None;
    }
    let set = compile(&format!("{head}\n{}", rule.toml()))?;
    let alone = Stripper::new(set).ok()?;
    rule.strip
        .retain(|e| run(&alone, &e.text, publisher) == e.clean);
    rule.strip.truncate(2);
    rule.keep.retain(|k| run(&alone, k, publisher) == *k);
    rule.keep.truncate(1);
    (!rule.strip.is_empty() && !rule.keep.is_empty()).then_some(rule)
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
        assert_eq!(pattern("at 12:34  on"), r"at\s+\d+:\d+\s+on");
        assert_eq!(sanitize_id("Harbour Herald/News"), "harbour-herald-news");
        assert_eq!(
            slug("Share this story with a friend"),
            "share-this-story-with"
        );
        assert_eq!(toml_str("a \"b\"\n"), r#""a \"b\"\n""#);
    }

    #[test]
    fn samples_do_not_depend_on_order() {
        let xs: Vec<Sample> = (0..40u64)
            .map(|i| Sample {
                ordinal: (i * 7919) % 101,
                variant: i % 5,
            })
            .collect();
        let mut forward = GroupCount::new(0);
        xs.iter().for_each(|x| forward.offer(*x));
        let mut backward = GroupCount::new(0);
        xs.iter().rev().for_each(|x| backward.offer(*x));
        let mut halves = GroupCount::new(0);
        let mut other = GroupCount::new(0);
        xs[..20].iter().for_each(|x| halves.offer(*x));
        xs[20..].iter().for_each(|x| other.offer(*x));
        halves.merge(other);
        assert_eq!(forward.samples(), backward.samples());
        assert_eq!(forward.samples(), halves.samples());
        // The two earliest documents are always among the samples.
        let mut all: Vec<u64> = xs.iter().map(|x| x.ordinal).collect();
        all.sort();
        let ordinals: Vec<u64> = forward.samples().iter().map(|x| x.ordinal).collect();
        assert_eq!(&ordinals[..2], &all[..2]);
    }

    #[test]
    fn sketch_never_undercounts() {
        let s = Sketch::new(0);
        for i in 0..1000u64 {
            s.add(hash(1, &i.to_le_bytes()));
        }
        for _ in 0..7 {
            s.add(42);
        }
        assert!(s.estimate(42) >= 7);
    }
}
