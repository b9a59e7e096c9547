//! Engine benchmarks: the cost of stripping a document should not grow with
//! the number of rules beyond the single Aho-Corasick walk.
//!
//! - `strip/rules/N`: strip the corpus articles (and variants with two planted
//!   boilerplate lines) with a synthetic common pack of N rules.
//! - `walk/rules/N`: only the automaton walk over the same documents, with an
//!   automaton built like `Stripper::new` builds its own (leftmost-longest,
//!   case-sensitive), so that `strip - walk` is the per-document cost that
//!   must not depend on N.
//! - `build/rules/N`: compile that pack (`RuleSet::from_sources`) and build
//!   the automaton (`Stripper::new`).
//! - `engine/builtin`: strip the corpus articles with the built-in rules;
//!   `engine/provenance-json`: serialize the resulting records to JSON.
//!
//! Run with `cargo bench --bench engine`; `-- --test` runs each benchmark once.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use chaff::generate::{self, DEFAULT_RULES_SEED};
use chaff::rules::Source;
use chaff::{Document, Record, RuleSet, Scratch, Stripper};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

/// Rule counts of the synthetic packs stripped with.
const STRIP_RULES: [usize; 3] = [10, 1_000, 100_000];
/// Rule counts of the synthetic packs whose build is timed.
const BUILD_RULES: [usize; 2] = [10, 100_000];
/// Synthetic rules whose anchors are planted into the document variants.
/// Every pack above has them, since rule `i` does not depend on the pack size.
const PLANTED: [usize; 2] = [2, 7];
/// Seed of the synthetic packs (`chaff generate rules` uses the same one).
const SEED: u64 = DEFAULT_RULES_SEED;

/// The anchors of the first `n` synthetic rules, e.g.
/// "Catch up with the weekly digest 056126"; rule `i` is the same in every
/// pack.
fn synthetic_anchors(n: usize) -> Vec<String> {
    generate::synthetic_anchors(n, SEED).expect("at most a million synthetic rules")
}

/// The TOML text of a common pack with `n` line-equals rules.
fn synthetic_pack(n: usize) -> String {
    generate::synthetic_pack(n, SEED).expect("at most a million synthetic rules")
}

fn synthetic_sources(n: usize) -> Vec<Source> {
    vec![Source::new(
        format!("synthetic-{n}.toml"),
        synthetic_pack(n),
    )]
}

fn build(sources: &[Source]) -> Stripper {
    let set = RuleSet::from_sources(sources).expect("the synthetic pack is valid");
    Stripper::new(set).expect("the synthetic automaton builds")
}

struct Doc {
    id: String,
    text: String,
}

impl Doc {
    fn document(&self) -> Document<'_> {
        Document::new(&self.id, &self.text)
    }
}

fn total_bytes(docs: &[Doc]) -> u64 {
    docs.iter().map(|d| d.text.len() as u64).sum()
}

/// The bundled corpus articles, in file-name order.
fn corpus() -> Vec<Doc> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no corpus/*.txt articles");
    paths
        .iter()
        .map(|p| Doc {
            id: p
                .file_stem()
                .expect("file name")
                .to_string_lossy()
                .into_owned(),
            text: std::fs::read_to_string(p)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display())),
        })
        .collect()
}

/// The article with one planted anchor line after its first line and one
/// before its last non-blank line (articles separate paragraphs with one or
/// two line breaks, so lines are the unit both share).
fn planted(doc: &Doc, anchors: &[String]) -> Doc {
    let mut lines: Vec<&str> = doc.text.split('\n').collect();
    let last = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .expect("a non-empty article");
    assert!(last >= 1, "{} has one line", doc.id);
    lines.insert(last, &anchors[PLANTED[1]]);
    lines.insert(1, &anchors[PLANTED[0]]);
    Doc {
        id: format!("{}-planted", doc.id),
        text: lines.join("\n"),
    }
}

/// The corpus articles followed by their planted variants.
fn strip_docs(articles: &[Doc]) -> Vec<Doc> {
    let anchors = synthetic_anchors(PLANTED[1] + 1);
    let variants: Vec<Doc> = articles.iter().map(|d| planted(d, &anchors)).collect();
    articles
        .iter()
        .map(|d| Doc {
            id: d.id.clone(),
            text: d.text.clone(),
        })
        .chain(variants)
        .collect()
}

/// Checks that the synthetic rules fire exactly on the planted lines.
fn check_fires(stripper: &Stripper, docs: &[Doc]) {
    for doc in docs {
        let out = stripper.strip(&doc.document());
        let fired = out
            .record
            .edits
            .iter()
            .filter(|e| e.rule.starts_with("synthetic."))
            .count();
        let expected = if doc.id.ends_with("-planted") { 2 } else { 0 };
        assert_eq!(fired, expected, "synthetic edits in {}", doc.id);
    }
}

fn strip_all(stripper: &Stripper, docs: &[Doc], scratch: &mut Scratch) {
    for doc in docs {
        black_box(stripper.strip_with(black_box(&doc.document()), scratch));
    }
}

fn bench_strip_rules(c: &mut Criterion) {
    let docs = strip_docs(&corpus());
    let mut group = c.benchmark_group("strip/rules");
    group.throughput(Throughput::Bytes(total_bytes(&docs)));
    for n in STRIP_RULES {
        // Built on first use, so that a filter that skips this benchmark
        // also skips compiling its pack.
        let mut stripper = None;
        let mut scratch = Scratch::default();
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            let s = stripper.get_or_insert_with(|| {
                let s = build(&synthetic_sources(n));
                check_fires(&s, &docs);
                s
            });
            b.iter(|| strip_all(s, &docs, &mut scratch))
        });
    }
    group.finish();
}

/// Every anchor match over every document, as `Stripper` scans them.
fn walk_all(automaton: &AhoCorasick, docs: &[Doc]) -> usize {
    docs.iter()
        .map(|d| automaton.find_iter(black_box(d.text.as_str())).count())
        .sum()
}

fn bench_walk_rules(c: &mut Criterion) {
    let docs = strip_docs(&corpus());
    let mut group = c.benchmark_group("walk/rules");
    group.throughput(Throughput::Bytes(total_bytes(&docs)));
    for n in STRIP_RULES {
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(synthetic_anchors(n))
            .expect("the synthetic automaton builds");
        // Two planted anchor lines per variant, nothing else.
        let variants = docs.iter().filter(|d| d.id.ends_with("-planted")).count();
        assert_eq!(walk_all(&automaton, &docs), 2 * variants);
        group.bench_with_input(BenchmarkId::from_parameter(n), &automaton, |b, a| {
            b.iter(|| walk_all(a, &docs))
        });
    }
    group.finish();
}

fn bench_build_rules(c: &mut Criterion) {
    let mut group = c.benchmark_group("build/rules");
    for n in BUILD_RULES {
        let sources = synthetic_sources(n);
        group.throughput(Throughput::Bytes(sources[0].text.len() as u64));
        if n >= 10_000 {
            group.sample_size(10);
        }
        group.bench_with_input(BenchmarkId::from_parameter(n), &sources, |b, s| {
            b.iter_with_large_drop(|| build(black_box(s)))
        });
    }
    group.finish();
}

fn bench_builtin(c: &mut Criterion) {
    let docs = corpus();
    let stripper = Stripper::builtin();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Bytes(total_bytes(&docs)));
    let mut scratch = Scratch::default();
    group.bench_function("builtin", |b| {
        b.iter(|| strip_all(&stripper, &docs, &mut scratch))
    });

    let records: Vec<Record> = docs
        .iter()
        .map(|d| stripper.strip(&d.document()).record)
        .collect();
    let mut buffer = Vec::new();
    let json_bytes: u64 = records
        .iter()
        .map(|r| {
            buffer.clear();
            serde_json::to_writer(&mut buffer, r).expect("a record serializes");
            buffer.len() as u64
        })
        .sum();
    group.throughput(Throughput::Bytes(json_bytes));
    group.bench_function("provenance-json", |b| {
        b.iter(|| {
            for record in &records {
                buffer.clear();
                serde_json::to_writer(&mut buffer, black_box(record)).expect("a record serializes");
                black_box(&buffer);
            }
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_strip_rules, bench_walk_rules, bench_build_rules, bench_builtin
}
criterion_main!(benches);
