//! The stripping engine: one Aho-Corasick pass finds every anchor, rules
//! confirm candidates, spans are merged, white space is tidied, and every
//! removed byte is recorded.
//!
//! # Semantics
//! - All anchors and publisher signatures of all rules are in one automaton
//!   with leftmost-longest semantics: at a position the longest anchor wins,
//!   and a shorter anchor that starts inside a longer match is not reported.
//!   When any rule asks for case-insensitive anchors, the automaton ignores
//!   ASCII case and case-sensitive anchors are checked byte for byte.
//! - Candidates are confirmed per rule (publisher scope, `where`, position,
//!   `max-len`, `regex`) and merged into sorted, disjoint spans: the span that
//!   starts first wins; at the same start the longer one; for the same span,
//!   the rule loaded first. A span inside an earlier one is dropped (its
//!   captures still count for attribution); a span that overlaps the end of
//!   an earlier one keeps only its part past that end.
//! - Stripping runs to a fixed point: after a pass that removed something
//!   the clean text is scanned again, so that `strip(strip(x)) == strip(x)`.
//!   A pass that removes nothing ends the loop (at most [`MAX_PASSES`]).
//!   A publisher resolved from the text (signatures) is resolved again on
//!   every pass; the record reports the resolution of the original.

pub mod domain;
use crate::fold;
mod confirm;
mod layout;
mod lines;
mod shape;
mod spans;
mod tidy;
mod walk;

pub use fold::fold;

use crate::provenance::{
    self, Attribution, Edit, PublisherInfo, Record, Resolution, SCHEMA_VERSION, TIDY_CATEGORY,
    TIDY_RULE,
};
use crate::rules::{Neighbour, Rule, RuleSet, Scope, Unit};
use confirm::floor_boundary;
use fold::View;
use foldhash::{HashMap, HashMapExt};
use layout::Layout;
use spans::{apply, covers_all, map_into, merge, shifted};
use std::borrow::Cow;
use std::collections::BTreeMap;
use walk::Searcher;

/// Most strip passes over one document.
pub const MAX_PASSES: usize = 64;

/// A document to strip.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    /// Document id, copied into the record.
    pub id: &'a str,
    /// The text.
    pub text: &'a str,
    /// Where it came from (file, `file:line`), copied into the record.
    pub source: Option<&'a str>,
    /// Publisher id given by metadata or the caller; wins over everything.
    pub publisher: Option<&'a str>,
    /// The document's URL, matched against the packs' domains.
    pub url: Option<&'a str>,
}

impl<'a> Document<'a> {
    /// A document with an id and text, and nothing else known.
    pub fn new(id: &'a str, text: &'a str) -> Document<'a> {
        Document {
            id,
            text,
            source: None,
            publisher: None,
            url: None,
        }
    }

    /// Sets the source.
    pub fn source(mut self, source: &'a str) -> Self {
        self.source = Some(source);
        self
    }

    /// Sets the explicit publisher.
    pub fn publisher(mut self, publisher: &'a str) -> Self {
        self.publisher = Some(publisher);
        self
    }

    /// Sets the URL.
    pub fn url(mut self, url: &'a str) -> Self {
        self.url = Some(url);
        self
    }
}

/// The result of stripping one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stripped {
    /// The clean text.
    pub clean: String,
    /// What was removed, and how to put it back.
    pub record: Record,
}

/// A stripped document before its record is built: the clean text, the
/// removed spans and the publisher. It is what [`Stripper::cut_with`] gives
/// callers that need no provenance (no hashes, no copy of each removed
/// span); [`Stripper::record_cut`] makes the full [`Stripped`] from it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Cut {
    /// The clean text.
    pub clean: String,
    /// The publisher the rules were chosen for, and why.
    pub publisher: PublisherInfo,
    /// What was removed, as byte ranges of the original text, sorted and
    /// disjoint.
    removed: Vec<Span>,
    attribution: Attribution,
    unsettled: bool,
}

impl Cut {
    /// The removed byte ranges of the original text, sorted and disjoint.
    pub fn removed(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        self.removed.iter().map(|s| s.start..s.end)
    }
}

/// What a pattern of the automaton stands for.
#[derive(Debug, Clone, Copy)]
enum Use {
    /// Anchor `anchor` of rule `rule`.
    Rule { rule: u32, anchor: u32 },
    /// Signature `signature` of pack `pack` (a strong one when `strong`).
    Signature {
        pack: u32,
        signature: u32,
        strong: bool,
    },
}

/// An anchor or signature found in the text: the automaton pattern, and
/// where it is in the text (not in the matching view).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hit {
    pattern: u32,
    start: usize,
    end: usize,
}

/// What made a span: a rule (its index), or the white-space tidy-up at a
/// removal point. Rules order before the tidy-up, and by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Origin {
    Rule(u32),
    Tidy,
}

/// A span to remove: while a pass confirms and merges candidates, in the
/// offsets of that pass's text; once removed, in the original's offsets.
#[derive(Debug)]
struct Span {
    start: usize,
    end: usize,
    origin: Origin,
    captures: Option<Box<[(String, String)]>>,
}

/// Reusable per-thread buffers; pass one to [`Stripper::strip_with`] to avoid
/// reallocating them for every document.
#[derive(Debug, Default)]
pub struct Scratch {
    /// The matches of the text being stripped.
    matches: Vec<Hit>,
    /// The second half's matches, while a text is walked in halves.
    spare: Vec<Hit>,
    /// A pass's candidates, then its merged spans.
    candidates: Vec<Span>,
    /// Where a pass closed up the text.
    junctions: Vec<tidy::Junction>,
    /// A pass's removal points in the text it leaves.
    points: Vec<usize>,
    view: View,
    /// A folded line or window, for the dictionaries.
    key: String,
    /// Folded lines and runs of lines, for the line anchors.
    line_keys: lines::LineKeys,
    /// The line anchors' matches of a pass (of rules in scope).
    line_hits: Vec<Hit>,
}

/// The state of the passes over one document.
struct Passes<'a> {
    original: &'a str,
    /// The text the next pass reads.
    text: Cow<'a, str>,
    /// What the passes removed, in the original's offsets, sorted and
    /// disjoint.
    removed: Vec<Span>,
    attribution: Attribution,
}

/// How a pass ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// It removed something, and another pass may find more.
    Removed,
    /// Another pass would find nothing to remove.
    Settled,
}

/// One automaton over the anchors that share a case rule, and the uses of
/// each of its patterns.
#[derive(Debug, Clone)]
struct Patterns {
    automaton: Option<Searcher>,
    /// Pattern ids of this automaton start here in the stripper's list.
    first: u32,
}

/// A compiled stripper: build once, share across threads.
#[derive(Debug, Clone)]
pub struct Stripper {
    rules: RuleSet,
    /// Anchors matched as written (modulo white space and typography), and
    /// signatures.
    exact: Patterns,
    /// Anchors of the case-insensitive rules, in an automaton of their own,
    /// so that the others are not slowed down by case folding.
    folded: Patterns,
    /// `uses[use_start[p]..use_start[p + 1]]` are the uses of pattern `p`.
    use_start: Vec<u32>,
    uses: Vec<Use>,
    /// Bytes of the longest pattern: how far a match can reach across a
    /// removal point (in the matching view).
    longest: usize,
    /// Anchors that can only match whole lines, looked up line by line.
    line_anchors: lines::LineAnchors,
    /// Folded dictionary line → the rules that remove it, in load order.
    dictionary: HashMap<String, Vec<u32>>,
    /// Bytes of the longest original line worth looking up.
    dictionary_reach: usize,
    /// Bytes of the longest dictionary line (folded).
    longest_entry: usize,
    /// The beginnings of the dictionary lines, which rule out most lines
    /// after a few bytes are folded.
    dictionary_starts: lines::Starts,
    /// Rules that look at every short line, with their `max-len`.
    line_rules: Vec<(u32, usize)>,
    /// The longest `max-len` of those.
    line_reach: usize,
    /// Rules that fire next to other removals, with what they follow.
    neighbours: Vec<NeighbourRule>,
    /// Every publisher pack's domains, in load order, with their
    /// registrable domains worked out once.
    domains: Vec<PackDomain>,
    /// Whether some rule depends on the whole document (`repeated`), so that
    /// a pass cannot be shown to be the last one from its removal points.
    global_shapes: bool,
    tool_version: String,
    hash: provenance::HashKind,
}

/// A publisher pack's domain.
#[derive(Debug, Clone)]
struct PackDomain {
    domain: String,
    registrable: Option<String>,
    pack: u32,
}

/// A rule with `after` or `before`, with the rules it names resolved.
#[derive(Debug, Clone)]
struct NeighbourRule {
    rule: u32,
    after: Vec<Target>,
    before: Vec<Target>,
}

/// What a neighbour rule follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Rule(u32),
    Category(crate::rules::Category),
}

// A stripper is built once and shared by every worker thread.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Stripper>();
};

/// Why a stripper could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the anchor automaton: {0}")]
pub struct BuildError(#[from] aho_corasick::BuildError);

/// The automaton key of an anchor: folded (see [`mod@fold`]), trimmed unless the
/// rule matches white space exactly, lowercase for a case-insensitive rule.
pub fn anchor_key(rule: &Rule, anchor: &str) -> String {
    let folded = fold::fold(anchor);
    let folded = if rule.exact_space {
        folded
    } else {
        folded.trim().to_string()
    };
    if rule.case_insensitive {
        folded.to_ascii_lowercase()
    } else {
        folded
    }
}

/// The automaton key of a signature.
fn signature_key(signature: &str) -> String {
    fold::fold(signature).trim().to_string()
}

impl Stripper {
    /// Builds the automata over every anchor and signature of `rules`.
    ///
    /// The rule-set digest, which every record names, is worked out on
    /// another thread meanwhile: for 100,000 rules it takes about as long as
    /// the automata.
    pub fn new(rules: RuleSet) -> Result<Stripper, BuildError> {
        let stripper = std::thread::scope(|scope| {
            // Without a thread, the digest is worked out when first asked.
            let _digest = std::thread::Builder::new()
                .name("chaff-digest".into())
                .spawn_scoped(scope, || {
                    rules.digest();
                });
            Stripper::index(&rules)
        })?;
        Ok(Stripper { rules, ..stripper })
    }

    /// Everything [`Stripper::new`] builds from `rules`, with an empty rule
    /// set in their place.
    fn index(rules: &RuleSet) -> Result<Stripper, BuildError> {
        // (key, case-insensitive, use)
        let mut pairs: Vec<(String, bool, Use)> = Vec::new();
        for (pi, pack) in rules.packs().iter().enumerate() {
            let all = pack
                .signatures
                .iter()
                .map(|s| (s, false))
                .chain(pack.strong_signatures.iter().map(|s| (s, true)));
            for (si, (sig, strong)) in all.enumerate() {
                pairs.push((
                    signature_key(sig),
                    false,
                    Use::Signature {
                        pack: pi as u32,
                        signature: si as u32,
                        strong,
                    },
                ));
            }
        }
        let mut line_anchors: Vec<(String, bool, u32, u32)> = Vec::new();
        for (ri, rule) in rules.rules().iter().enumerate() {
            let by_line = lines::eligible(rule);
            for (ai, anchor) in rule.anchors.iter().enumerate() {
                let key = anchor_key(rule, anchor);
                if by_line && !key.is_empty() {
                    line_anchors.push((key, rule.case_insensitive, ri as u32, ai as u32));
                    continue;
                }
                pairs.push((
                    key,
                    rule.case_insensitive,
                    Use::Rule {
                        rule: ri as u32,
                        anchor: ai as u32,
                    },
                ));
            }
        }
        // Each distinct key of each automaton becomes a pattern; the exact
        // automaton's patterns come first.
        let mut index: HashMap<(bool, &str), u32> = HashMap::with_capacity(pairs.len());
        let mut exact: Vec<&str> = Vec::new();
        let mut folded: Vec<&str> = Vec::new();
        let mut of: Vec<(bool, u32)> = Vec::with_capacity(pairs.len());
        for (key, ci, _) in &pairs {
            let list = if *ci { &mut folded } else { &mut exact };
            let next = list.len() as u32;
            let p = *index.entry((*ci, key.as_str())).or_insert(next);
            if p == next {
                list.push(key.as_str());
            }
            of.push((*ci, p));
        }
        drop(index);
        let first_folded = exact.len() as u32;
        let global = |(ci, p): (bool, u32)| if ci { first_folded + p } else { p };
        let count = exact.len() + folded.len();
        // The uses grouped by pattern, in the order the pairs came (a
        // counting sort, so each pattern's uses keep the load order).
        let mut use_start = vec![0u32; count + 1];
        for &o in &of {
            use_start[global(o) as usize + 1] += 1;
        }
        for i in 1..use_start.len() {
            use_start[i] += use_start[i - 1];
        }
        let mut fill = use_start.clone();
        let mut uses = vec![Use::Rule { rule: 0, anchor: 0 }; pairs.len()];
        for (&o, (_, _, u)) in of.iter().zip(&pairs) {
            let p = global(o) as usize;
            uses[fill[p] as usize] = *u;
            fill[p] += 1;
        }
        let build = |patterns: &[&str], ci: bool| -> Result<Option<Searcher>, BuildError> {
            if patterns.is_empty() {
                return Ok(None);
            }
            Ok(Some(Searcher::build(patterns, ci)?))
        };
        let exact_ac = build(&exact, false)?;
        let folded_ac = build(&folded, true)?;
        let longest = exact
            .iter()
            .chain(&folded)
            .map(|p| p.len())
            .max()
            .unwrap_or(0);
        drop(exact);
        drop(folded);
        drop(pairs);
        let line_anchors = lines::LineAnchors::new(line_anchors);
        let mut dictionary: HashMap<String, Vec<u32>> = HashMap::new();
        let mut longest_entry = 0;
        for (ri, rule) in rules.rules().iter().enumerate() {
            for entry in &rule.dictionary {
                longest_entry = longest_entry.max(entry.len());
                dictionary.entry(entry.clone()).or_default().push(ri as u32);
            }
        }
        let dictionary_starts =
            lines::Starts::new(dictionary.len(), dictionary.keys().map(|k| k.as_str()));
        let ids: HashMap<&str, u32> = rules
            .rules()
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i as u32))
            .collect();
        let resolve = |list: &[Neighbour]| -> Vec<Target> {
            list.iter()
                .filter_map(|n| match n {
                    Neighbour::Rule(id) => ids.get(id.as_str()).map(|&i| Target::Rule(i)),
                    Neighbour::Category(c) => Some(Target::Category(*c)),
                })
                .collect()
        };
        let neighbours = rules
            .rules()
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.after.is_empty() || !r.before.is_empty())
            .map(|(i, r)| NeighbourRule {
                rule: i as u32,
                after: resolve(&r.after),
                before: resolve(&r.before),
            })
            .collect();
        let global_shapes = rules.rules().iter().any(|r| r.shape.repeated);
        let line_rules: Vec<(u32, usize)> = rules
            .rules()
            .iter()
            .enumerate()
            .filter(|(_, r)| r.every_line)
            .map(|(i, r)| (i as u32, r.max_len.unwrap_or(0)))
            .collect();
        let line_reach = line_rules.iter().map(|&(_, m)| m).max().unwrap_or(0);
        let domains = rules
            .packs()
            .iter()
            .enumerate()
            .filter(|(_, p)| p.scope == Scope::Publisher)
            .flat_map(|(i, p)| {
                p.domains.iter().map(move |d| PackDomain {
                    domain: d.clone(),
                    registrable: domain::registrable(d),
                    pack: i as u32,
                })
            })
            .collect();
        drop(ids);
        Ok(Stripper {
            exact: Patterns {
                automaton: exact_ac,
                first: 0,
            },
            folded: Patterns {
                automaton: folded_ac,
                first: first_folded,
            },
            use_start,
            uses,
            longest,
            line_anchors,
            dictionary,
            // Folding only shortens white space and typography; lowercase
            // may grow a few letters, so leave room.
            dictionary_reach: longest_entry.saturating_mul(4).saturating_add(16),
            longest_entry,
            dictionary_starts,
            neighbours,
            domains,
            line_rules,
            line_reach,
            global_shapes,
            rules: RuleSet::empty(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            hash: provenance::HashKind::default(),
        })
    }

    /// A stripper over the built-in rules.
    pub fn builtin() -> Stripper {
        Stripper::new(RuleSet::builtin()).expect("the built-in rules build")
    }

    /// The rule set this stripper applies.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Number of distinct patterns in the automata.
    pub fn pattern_count(&self) -> usize {
        self.use_start.len().saturating_sub(1)
    }

    /// Heap bytes held by the automata.
    pub fn automaton_memory(&self) -> usize {
        [&self.exact, &self.folded]
            .iter()
            .map(|p| p.automaton.as_ref().map_or(0, Searcher::memory_usage))
            .sum()
    }

    /// Number of distinct anchors looked up as whole lines instead of being
    /// walked by the automata: those of the rules with `where = "equals"`
    /// and `unit = "line"`.
    pub fn line_key_count(&self) -> usize {
        self.line_anchors.len()
    }

    /// Heap bytes held by the table of those anchors, roughly.
    pub fn line_key_memory(&self) -> usize {
        self.line_anchors.memory_usage()
    }

    /// Sets the tool version written into records (for reproducible goldens).
    pub fn with_tool_version(mut self, version: impl Into<String>) -> Self {
        self.tool_version = version.into();
        self
    }

    /// Sets the hash function of the records' input and output hashes.
    pub fn with_hash(mut self, hash: provenance::HashKind) -> Self {
        self.hash = hash;
        self
    }

    /// The hash function of the records' input and output hashes.
    pub fn hash(&self) -> provenance::HashKind {
        self.hash
    }

    /// Strips one document.
    pub fn strip(&self, doc: &Document<'_>) -> Stripped {
        self.strip_with(doc, &mut Scratch::default())
    }

    /// Strips one document, reusing `scratch`'s buffers.
    pub fn strip_with(&self, doc: &Document<'_>, scratch: &mut Scratch) -> Stripped {
        let cut = self.cut_with(doc, scratch);
        self.record_cut(doc, cut)
    }

    /// Strips `doc` as [`Stripper::strip_with`] does, without building its
    /// record: the clean text, the removed spans and the publisher.
    pub fn cut_with(&self, doc: &Document<'_>, scratch: &mut Scratch) -> Cut {
        self.scan(doc.text, scratch);
        let publisher = self.resolve(doc, &scratch.matches);
        let mut pack = self.pack_of(&publisher);
        // A publisher found from the text itself is decided again on every
        // pass, so that the fixed point is also a fixed point of resolution
        // (stripping the clean text resolves it the same way).
        let from_text = matches!(
            publisher.resolved_by,
            Resolution::Signature | Resolution::Unknown
        );
        let mut passes = Passes {
            original: doc.text,
            text: Cow::Borrowed(doc.text),
            removed: Vec::new(),
            attribution: Attribution::default(),
        };
        let mut settled = false;
        for pass in 0..MAX_PASSES {
            if pass > 0 {
                self.scan(&passes.text, scratch);
                if from_text {
                    pack = self.pack_of(&self.resolve(doc, &scratch.matches));
                }
            }
            if self.pass(&mut passes, pack, scratch) == Pass::Settled {
                settled = true;
                break;
            }
        }
        // Passes that ran out: one more look says whether anything is left.
        let unsettled = !settled && self.finds_more(&passes.text, pack, scratch);
        Cut {
            clean: passes.text.into_owned(),
            publisher,
            removed: passes.removed,
            attribution: passes.attribution,
            unsettled,
        }
    }

    /// One pass over `passes.text`, whose matches `scratch` holds: confirms
    /// candidates, removes the merged spans, tidies the junctions, and adds
    /// what it removed to `passes.removed` in the original's offsets.
    fn pass(&self, passes: &mut Passes<'_>, pack: Option<usize>, scratch: &mut Scratch) -> Pass {
        let mut layout = Layout::new(&passes.text);
        self.candidates(
            &passes.text,
            pack,
            &mut passes.attribution,
            &mut layout,
            scratch,
        );
        let (spans, matches) = (&mut scratch.candidates, &scratch.matches);
        if spans.is_empty() {
            return Pass::Settled;
        }
        merge(spans);
        if !self.neighbours.is_empty() {
            self.with_neighbours(&passes.text, spans, pack, &mut layout);
        }
        drop(layout);
        // Whether this pass removes every match it found: then only a match
        // across a removal point can be new (see `settled`).
        let all_removed = !self.global_shapes
            && covers_all(spans, matches)
            && covers_all(spans, &scratch.line_hits);
        let len = passes.original.len();
        // The first pass copies the original's kept pieces, later ones cut
        // their own text in place: a big document is held about twice at
        // most.
        let text = std::mem::take(&mut passes.text);
        let junctions = &mut scratch.junctions;
        let cut = apply(text, spans.iter().map(|c| (c.start, c.end)), junctions);
        map_into(&mut passes.removed, len, spans.drain(..));
        let tidy = tidy::spans(&cut, junctions, passes.original.ends_with('\n'));
        // The removal points in the text this pass leaves, needed only when
        // the pass may be the last.
        let points = &mut scratch.points;
        points.clear();
        if all_removed {
            points.extend(junctions.iter().map(|j| shifted(j.at, &tidy)));
            points.extend(tidy.iter().map(|&(s, _)| shifted(s, &tidy)));
            points.sort_unstable();
            points.dedup();
        }
        let next = if tidy.is_empty() {
            cut
        } else {
            let tidied = apply(Cow::Owned(cut), tidy.iter().copied(), junctions);
            let tidy = tidy.into_iter().map(|(start, end)| Span {
                start,
                end,
                origin: Origin::Tidy,
                captures: None,
            });
            map_into(&mut passes.removed, len, tidy);
            tidied
        };
        let settled = all_removed
            && self.settled(
                &next,
                points,
                &mut scratch.view,
                &mut scratch.key,
                &mut scratch.line_keys,
            );
        passes.text = Cow::Owned(next);
        if !settled {
            return Pass::Removed;
        }
        debug_assert!(
            {
                self.scan(&passes.text, scratch);
                scratch.matches.is_empty()
            },
            "a settled text has no match"
        );
        Pass::Settled
    }

    /// Whether a pass over `text` would find something to remove.
    fn finds_more(&self, text: &str, pack: Option<usize>, scratch: &mut Scratch) -> bool {
        self.scan(text, scratch);
        let mut layout = Layout::new(text);
        let mut ignored = Attribution::default();
        self.candidates(text, pack, &mut ignored, &mut layout, scratch);
        !scratch.candidates.is_empty()
    }

    /// The index of the publisher pack of `publisher`, if it has one.
    fn pack_of(&self, publisher: &PublisherInfo) -> Option<usize> {
        publisher.id.as_deref().and_then(|id| self.pack_index(id))
    }

    /// The full result of `cut`, a cut of `doc`: its record built.
    pub fn record_cut(&self, doc: &Document<'_>, cut: Cut) -> Stripped {
        let Cut {
            clean,
            publisher,
            removed,
            attribution,
            unsettled,
        } = cut;
        let mut record = self.record(doc, publisher, &clean, removed, attribution);
        record.unsettled = unsettled;
        Stripped { clean, record }
    }

    /// Whether `text`, made by removing text at `points` from a text whose
    /// every match was removed, has no match at all, so that another pass
    /// would find nothing to do.
    ///
    /// Any match in `text` crosses one of the points: a match that lies
    /// within kept text was there before. It was either reported, and then
    /// removed, or passed over for an overlapping reported match, which was
    /// removed, so it was not wholly kept. A match across a point holds at
    /// most `longest` bytes of the matching view, so at most `longest`
    /// characters that are not white space, on each side of the point: a
    /// scan of the window that holds that many on both sides finds it. The
    /// same goes for a dictionary line: only the lines that hold a point can
    /// be new.
    fn settled(
        &self,
        text: &str,
        points: &[usize],
        view: &mut View,
        key: &mut String,
        line_keys: &mut lines::LineKeys,
    ) -> bool {
        let bytes = text.as_bytes();
        points.iter().all(|&p| {
            // A line anchor's new run holds the point, and has at most
            // `longest` characters other than white space before it.
            if !self.line_anchors.is_empty() {
                let from = reach_back(text, p, self.line_anchors.longest());
                if !self
                    .line_anchors
                    .each(text, from, Some(p), line_keys, |_, _, _, _| false)
                {
                    return false;
                }
            }
            if !self.dictionary.is_empty() || !self.line_rules.is_empty() {
                let ls = layout::line_start(bytes, p);
                let le = layout::line_end(bytes, p);
                if self.dictionary_rules(&text[ls..le], key).is_some() {
                    return false;
                }
                // A short line at a point is new to an `every-line` rule
                // only if the rule's regex matches it (its whole paragraph
                // is new to a paragraph-unit rule).
                let (ts, te) = layout::trim(bytes, ls, le);
                if ts < te
                    && self.line_rules.iter().any(|&(rule, max)| {
                        let r = &self.rules.rules()[rule as usize];
                        te - ts <= max
                            && (r.unit == Unit::Paragraph
                                || r.regex.as_ref().is_none_or(|re| re.is_match(&text[ls..le])))
                    })
                {
                    return false;
                }
            }
            if self.longest == 0 {
                return true;
            }
            let from = reach_back(text, p, self.longest);
            let to = reach_forward(text, p, self.longest);
            let window = &text[from..to];
            view.fill(window);
            [&self.exact, &self.folded].iter().all(|pats| {
                pats.automaton
                    .as_ref()
                    .is_none_or(|ac| !ac.finds(&view.bytes[..]))
            })
        })
    }

    fn pack_index(&self, id: &str) -> Option<usize> {
        self.rules
            .packs()
            .iter()
            .position(|p| p.scope == Scope::Publisher && p.id == id)
    }

    /// Every automaton match in `text`, in the text's offsets, sorted by
    /// start (the longer first at one start), into `scratch.matches`.
    fn scan(&self, text: &str, scratch: &mut Scratch) {
        let Scratch {
            view,
            matches,
            spare,
            ..
        } = scratch;
        self.scan_in(text, view, matches, spare, SCAN_WINDOW);
    }

    /// [`Stripper::scan`], reading at most about `window` bytes of `text`
    /// into the view at once.
    fn scan_in(
        &self,
        text: &str,
        view: &mut View,
        matches: &mut Vec<Hit>,
        spare: &mut Vec<Hit>,
        window: usize,
    ) {
        matches.clear();
        if self.exact.automaton.is_none() && self.folded.automaton.is_none() {
            return;
        }
        if text.len() > window {
            self.scan_windows(text, view, matches, window);
        } else {
            self.scan_whole(text, view, matches, spare);
        }
        if self.folded.automaton.is_some() && self.exact.automaton.is_some() {
            matches.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        }
    }

    /// The matches of both automata in one view of the whole text.
    fn scan_whole(
        &self,
        text: &str,
        view: &mut View,
        matches: &mut Vec<Hit>,
        spare: &mut Vec<Hit>,
    ) {
        view.fill(text);
        let hit = |first: u32, m: aho_corasick::Match| {
            let start = view.original(m.start());
            let end = ceil_boundary(text, view.original(m.end()));
            let start = floor_boundary(text, start);
            Hit {
                pattern: first + m.pattern().as_u32(),
                start,
                end,
            }
        };
        let both = match (&self.exact.automaton, &self.folded.automaton) {
            (Some(a), Some(b)) => a.walkable().zip(b.walkable()),
            _ => None,
        };
        if let Some((a, b)) = both {
            // One loop walks both automata; the folded matches go after the
            // exact ones, as if each automaton had walked on its own.
            let mut folded = std::mem::take(spare);
            folded.clear();
            walk::walk_halves(
                a,
                b,
                &view.bytes,
                walk::SPLIT_MIN,
                |m| matches.push(hit(self.exact.first, m)),
                |m| folded.push(hit(self.folded.first, m)),
            );
            matches.append(&mut folded);
            *spare = folded;
        } else {
            for pats in [&self.exact, &self.folded] {
                if let Some(ac) = &pats.automaton {
                    ac.each(&view.bytes, |m| matches.push(hit(pats.first, m)));
                }
            }
        }
    }

    /// The matches of each automaton in a long text, walked window by
    /// window. Each view reaches past its window's end by `longest`
    /// characters other than white space, so it holds every match that
    /// starts in the window; matches starting past the end are left to the
    /// next window, which starts where the last kept match ended (or at the
    /// end). The walk from a position sees only the text after it, so the
    /// matches are those of one walk.
    fn scan_windows(&self, text: &str, view: &mut View, matches: &mut Vec<Hit>, window: usize) {
        for pats in [&self.exact, &self.folded] {
            let Some(ac) = &pats.automaton else {
                continue;
            };
            let mut from = 0;
            while from < text.len() {
                let cut = ceil_boundary(text, from.saturating_add(window).min(text.len()));
                let end = if cut == text.len() {
                    cut
                } else {
                    reach_forward(text, cut, self.longest.max(1))
                };
                view.fill(&text[from..end]);
                let mut next = cut;
                // Matches in order: those from the cut on are the next
                // window's (the view reaches only a little past it).
                ac.each(&view.bytes, |m| {
                    let start = from + view.original(m.start());
                    if start >= cut {
                        return;
                    }
                    let end = ceil_boundary(text, from + view.original(m.end()));
                    let start = floor_boundary(text, start);
                    matches.push(Hit {
                        pattern: pats.first + m.pattern().as_u32(),
                        start,
                        end,
                    });
                    next = next.max(end);
                });
                from = next;
            }
        }
    }

    fn uses(&self, pattern: u32) -> &[Use] {
        let p = pattern as usize;
        &self.uses[self.use_start[p] as usize..self.use_start[p + 1] as usize]
    }

    /// The rules whose dictionary holds `line` (folded), if any.
    fn dictionary_rules(&self, line: &str, key: &mut String) -> Option<&[u32]> {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.len() > self.dictionary_reach {
            return None;
        }
        // A line whose key begins as no entry does, or outgrows every
        // entry, is no entry: its folding stops there.
        fold::key_into_at_most(trimmed, key, lines::START - 1);
        if !self
            .dictionary_starts
            .may_begin(&key.as_bytes()[..key.len().min(lines::START)])
            || !fold::key_into_at_most(trimmed, key, self.longest_entry)
        {
            return None;
        }
        self.dictionary.get(key.as_str()).map(|v| v.as_slice())
    }

    /// Decides the publisher: explicit, then URL domain, then signatures.
    fn resolve(&self, doc: &Document<'_>, matches: &[Hit]) -> PublisherInfo {
        if let Some(p) = doc.publisher.filter(|p| !p.trim().is_empty()) {
            return PublisherInfo {
                id: Some(p.trim().to_string()),
                resolved_by: Resolution::Explicit,
                evidence: Vec::new(),
            };
        }
        if let Some(host) = doc.url.and_then(domain::host_of) {
            let registrable = domain::registrable(&host);
            let found = self.domains.iter().find(|d| {
                domain::covers(&d.domain, &host)
                    || (registrable.is_some() && d.registrable == registrable)
            });
            if let Some(d) = found {
                let pack = &self.rules.packs()[d.pack as usize];
                let d = &d.domain;
                return PublisherInfo {
                    id: Some(pack.id.clone()),
                    resolved_by: Resolution::Domain,
                    evidence: vec![format!("host {host} is under domain {d}")],
                };
            }
        }
        // Distinct signatures seen per pack. A pack is a candidate when two
        // distinct signatures, or one strong one, were seen; the candidate
        // with most wins, and a tie leaves the publisher unknown.
        let mut seen: Vec<(u32, u32, bool, u32)> = Vec::new();
        for hit in matches {
            for u in self.uses(hit.pattern) {
                // Signatures that fold to one key are one signature: the
                // same text found once is one piece of evidence.
                if let Use::Signature {
                    pack,
                    signature,
                    strong,
                } = *u
                    && !seen
                        .iter()
                        .any(|&(p, _, _, pattern)| (p, pattern) == (pack, hit.pattern))
                {
                    seen.push((pack, signature, strong, hit.pattern));
                }
            }
        }
        let mut counts: BTreeMap<u32, (usize, bool)> = BTreeMap::new();
        for &(pack, _, strong, _) in &seen {
            let e = counts.entry(pack).or_default();
            e.0 += 1;
            e.1 |= strong;
        }
        counts.retain(|_, &mut (n, strong)| n >= 2 || strong);
        let best = counts.values().map(|&(n, _)| n).max().unwrap_or(0);
        let winners: Vec<u32> = counts
            .iter()
            .filter(|&(_, &(n, _))| n == best)
            .map(|(&p, _)| p)
            .collect();
        match winners.as_slice() {
            [pack] => {
                let p = &self.rules.packs()[*pack as usize];
                let mut evidence: Vec<(u32, String)> = seen
                    .iter()
                    .filter(|&&(q, _, _, _)| q == *pack)
                    .map(|&(_, s, _, _)| {
                        let s = s as usize;
                        let sig = p
                            .signatures
                            .get(s)
                            .or_else(|| p.strong_signatures.get(s - p.signatures.len()))
                            .map_or("", |s| s.as_str());
                        (s as u32, format!("signature {sig:?}"))
                    })
                    .collect();
                evidence.sort();
                PublisherInfo {
                    id: Some(p.id.clone()),
                    resolved_by: Resolution::Signature,
                    evidence: evidence.into_iter().map(|(_, e)| e).collect(),
                }
            }
            _ => PublisherInfo {
                id: None,
                resolved_by: Resolution::Unknown,
                evidence: Vec::new(),
            },
        }
    }

    /// Whether rule `r` may fire on a document of publisher pack `publisher`.
    fn in_scope(&self, r: &Rule, publisher: Option<usize>) -> bool {
        self.rules.packs()[r.pack].scope != Scope::Publisher || publisher == Some(r.pack)
    }

    fn record(
        &self,
        doc: &Document<'_>,
        publisher: PublisherInfo,
        clean: &str,
        removed: Vec<Span>,
        attribution: Attribution,
    ) -> Record {
        let original = doc.text;
        let mut edits = Vec::with_capacity(removed.len());
        let mut chars = 0;
        let mut pos = 0;
        for r in removed {
            chars += original[pos..r.start].chars().count();
            let char_start = chars;
            chars += original[r.start..r.end].chars().count();
            pos = r.end;
            let (rule, category) = match r.origin {
                Origin::Tidy => (TIDY_RULE.to_string(), TIDY_CATEGORY.to_string()),
                Origin::Rule(i) => {
                    let rule = &self.rules.rules()[i as usize];
                    (rule.id.clone(), rule.category.as_str().to_string())
                }
            };
            edits.push(Edit {
                rule,
                category,
                start: r.start,
                end: r.end,
                char_start,
                char_end: chars,
                text: original[r.start..r.end].to_string(),
                captures: r
                    .captures
                    .map(|c| c.into_vec().into_iter().collect())
                    .unwrap_or_default(),
            });
        }
        let input_hash = self.hash.hash(original.as_bytes());
        let output_hash = if clean.len() == original.len() && clean == original {
            input_hash.clone()
        } else {
            self.hash.hash(clean.as_bytes())
        };
        Record {
            schema_version: SCHEMA_VERSION,
            id: doc.id.to_string(),
            source: doc.source.map(str::to_string),
            file: None,
            line: None,
            mode: provenance::Mode::Strip,
            publisher,
            input_hash,
            output_hash,
            input_bytes: original.len(),
            output_bytes: clean.len(),
            rules_digest: self.rules.digest().to_string(),
            tool_version: self.tool_version.clone(),
            edits,
            attribution,
            row: None,
            unsettled: false,
        }
    }
}

/// Text bytes a scan reads into the matching view at once: a longer text is
/// scanned in windows, so that the view of a big document is no copy of it.
const SCAN_WINDOW: usize = 4 << 20;

/// Where to start a window that holds `n` characters other than white
/// space before `at` (or the text's start).
fn reach_back(text: &str, at: usize, n: usize) -> usize {
    let mut seen = 0;
    for i in (0..at).rev() {
        if counts(text, i) {
            seen += 1;
            if seen >= n {
                return i;
            }
        }
    }
    0
}

/// Where to end a window that holds `n` characters other than white space
/// from `at` on (or the text's end).
fn reach_forward(text: &str, at: usize, n: usize) -> usize {
    let mut seen = 0;
    for i in at..text.len() {
        if counts(text, i) {
            seen += 1;
            if seen >= n {
                return ceil_boundary(text, i + 1);
            }
        }
    }
    text.len()
}

/// Whether a character other than white space starts at byte `i` of
/// `text`: read byte by byte, decoding only the characters outside ASCII.
#[inline(always)]
fn counts(text: &str, i: usize) -> bool {
    match text.as_bytes()[i] {
        b if b.is_ascii() => !fold::is_space(char::from(b)),
        b if b & 0xc0 == 0x80 => false,
        _ => text[i..].chars().next().is_some_and(|c| !fold::is_space(c)),
    }
}

/// The smallest char boundary at or after `at`.
fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_reach_over_characters_other_than_white_space() {
        // The characters, not the bytes, are counted, and white space of
        // every kind is passed over.
        let text = "a  é\u{a0}—b\t\n🦀 Ваня\u{3000}c";
        let reference_back = |at: usize, n: usize| {
            let mut seen = 0;
            for (i, c) in text[..at].char_indices().rev() {
                if !fold::is_space(c) {
                    seen += 1;
                    if seen >= n {
                        return i;
                    }
                }
            }
            0
        };
        let reference_forward = |at: usize, n: usize| {
            let mut seen = 0;
            for (i, c) in text[at..].char_indices() {
                if !fold::is_space(c) {
                    seen += 1;
                    if seen >= n {
                        return at + i + c.len_utf8();
                    }
                }
            }
            text.len()
        };
        for at in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
            for n in 0..12 {
                assert_eq!(reach_back(text, at, n), reference_back(at, n), "{at} {n}");
                assert_eq!(
                    reach_forward(text, at, n),
                    reference_forward(at, n),
                    "{at} {n}"
                );
            }
        }
        assert_eq!(
            reach_back(text, text.len(), 2),
            text.find("Ваня").unwrap() + 6
        );
        assert_eq!(reach_forward(text, 0, 3), text.find('—').unwrap() + 3);
    }

    #[test]
    fn a_text_is_settled_unless_a_match_crosses_a_removal_point() {
        let pack = "[pack]\nid = \"t\"\nscope = \"common\"\n\n[[rules]]\nid = \"t.promo\"\ncategory = \"newsletter\"\nanchor = \"Sign up now\"\nremove = \"anchor\"\nstrip = [{ text = \"a Sign up now b\", clean = \"a b\" }]\nkeep = [\"Signing up\"]\n";
        let rules = RuleSet::from_sources(&[crate::rules::Source::new("t.toml", pack)])
            .expect("the pack loads");
        let stripper = Stripper::new(rules).expect("builds");
        // "Sign up" + "now" met at offset 7 when text between them went.
        let (mut view, mut key) = (View::default(), String::new());
        let mut line_keys = lines::LineKeys::default();
        let mut settled = |text: &str, points: &[usize]| {
            stripper.settled(text, points, &mut view, &mut key, &mut line_keys)
        };
        assert!(!settled("Sign up now.", &[7]));
        assert!(settled("Sign up later. Or now.", &[7]));
        // A match away from every point is not looked for: it cannot be new.
        assert!(settled("Fine. Sign up now.", &[2]));
        // Stripping still reaches the fixed point through such a junction.
        let out = stripper.strip(&Document::new("d", "Sign up Sign up now now."));
        assert_eq!(out.clean, ".");
    }

    proptest::proptest! {
        // No regressions file: it would sit at the top of the repository.
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 64,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// A text scanned in windows of any size gets the matches of one
        /// walk over it.
        #[test]
        fn a_scan_in_windows_finds_what_one_walk_finds(
            parts in proptest::collection::vec(0usize..12, 0..60),
            window in 1usize..40,
        ) {
            const PARTS: [&str; 12] = [
                "Share this article", "Read more", "Sign   up\n\nnow", " ", "\n\n", "word ",
                "\u{a0}", "Dear readers,", "…", "Ã©", "SHARE THIS", ", external",
            ];
            let text: String = parts.iter().map(|&i| PARTS[i]).collect();
            let stripper = builtin();
            let (mut view, mut one, mut windowed) = (View::default(), Vec::new(), Vec::new());
            let mut spare = Vec::new();
            stripper.scan_in(&text, &mut view, &mut one, &mut spare, usize::MAX);
            stripper.scan_in(&text, &mut view, &mut windowed, &mut spare, window);
            proptest::prop_assert_eq!(one, windowed);
        }
    }

    fn builtin() -> &'static Stripper {
        static STRIPPER: std::sync::OnceLock<Stripper> = std::sync::OnceLock::new();
        STRIPPER.get_or_init(|| Stripper::new(RuleSet::builtin()).expect("builds"))
    }

    #[test]
    fn a_cut_is_the_strip_without_its_record() {
        let stripper = builtin();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut scratch = Scratch::default();
        let mut cut_something = false;
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let doc = Document::new("d", &text);
            let cut = stripper.cut_with(&doc, &mut scratch);
            let stripped = stripper.strip(&doc);
            assert_eq!(cut.clean, stripped.clean, "{path:?}");
            assert_eq!(cut.publisher, stripped.record.publisher, "{path:?}");
            let spans: Vec<_> = cut.removed().collect();
            let edits: Vec<_> = stripped
                .record
                .edits
                .iter()
                .map(|e| e.start..e.end)
                .collect();
            assert_eq!(spans, edits, "{path:?}");
            cut_something |= !spans.is_empty();
            assert_eq!(stripper.record_cut(&doc, cut).record, stripped.record);
        }
        assert!(cut_something, "the corpus has boilerplate");
    }

    #[test]
    fn a_new_stripper_has_its_digest_worked_out() {
        let rules = RuleSet::builtin();
        let expected = rules.clone().digest().to_string();
        assert!(!rules.digest_ready());
        let stripper = Stripper::new(rules).expect("builds");
        assert!(stripper.rules().digest_ready());
        assert_eq!(stripper.rules().digest(), expected);
    }
}
