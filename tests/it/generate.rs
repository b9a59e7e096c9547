//! `chaff generate`: benchmark data that is the same for the same seed, whose
//! planted boilerplate `chaff strip` removes exactly, and whose body text no
//! built-in rule touches.
//!
//! The corpora here are small (a few hundred KB); the commands run
//! in-process, as in `cli.rs`.

use crate::support::{chaff, chaff_ok, scratch, shown};
use chaff::generate::{self, Generator, Kind, collapse_whitespace};
use chaff::rules::{Removal, Source};
use chaff::{Document, RuleSet, Stripper};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fs;
use std::path::Path;

/// Every file under `dir`, as sorted `(relative path, bytes)` pairs.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, found: &mut Vec<(String, Vec<u8>)>) {
        for entry in fs::read_dir(dir).expect("readable folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, found);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                let rel = rel.to_string_lossy().replace('\\', "/");
                found.push((rel, fs::read(&path).expect("readable file")));
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, dir, &mut found);
    found.sort();
    found
}

/// Documents of a generated or stripped corpus by id (the relative path of
/// a text file, the `id` of a JSONL row), with their text.
fn documents(dir: &Path) -> BTreeMap<String, String> {
    let mut docs = BTreeMap::new();
    for (rel, bytes) in tree(dir) {
        let text = String::from_utf8(bytes).expect("UTF-8");
        if rel.ends_with(".txt") {
            docs.insert(rel, text);
        } else if rel.ends_with(".jsonl") && !rel.contains('/') && !rel.starts_with("provenance") {
            for line in text.lines() {
                let row: serde_json::Value = serde_json::from_str(line).expect("a JSON row");
                let id = row["id"].as_str().expect("an id").to_string();
                let text = row["text"].as_str().expect("a text").to_string();
                docs.insert(id, text);
            }
        }
    }
    docs
}

const FORMATS: [&str; 2] = ["text", "jsonl"];

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes() {
    let dir = scratch();
    for format in FORMATS {
        let make = |name: &str, seed: &str| {
            let out = dir.path().join(format!("{format}-{name}"));
            chaff_ok(&[
                &"generate",
                &"corpus",
                &out,
                &"--size",
                &"200K",
                &"--format",
                &format,
                &"--seed",
                &seed,
                &"--shard-size",
                &"64K",
            ]);
            tree(&out)
        };
        let a = make("a", "7");
        let b = make("b", "7");
        let c = make("c", "8");
        assert_eq!(a, b, "{format}: the same seed gives the same bytes");
        assert_ne!(a, c, "{format}: another seed gives other bytes");
        let total: usize = a.iter().map(|(_, bytes)| bytes.len()).sum();
        assert!(
            (200 << 10..(200 << 10) + 20_000).contains(&total),
            "{format}: {total} bytes for --size 200K"
        );
        for (rel, _) in &a {
            let ok = match format {
                "text" => {
                    rel.len() == "000/000000.txt".len()
                        && rel.starts_with("000/")
                        && rel.ends_with(".txt")
                }
                _ => rel.starts_with("shard-") && rel.ends_with(".jsonl") && !rel.contains('/'),
            };
            assert!(ok, "{format}: unexpected file {rel}");
        }
        if format == "jsonl" {
            assert!(a.len() >= 3, "64K shards of a 200K corpus: {}", a.len());
        }
    }

    let pack = |name: &str, count: &str, seed: &[&str]| {
        let out = dir.path().join(name);
        let mut args: Vec<&dyn AsRef<OsStr>> =
            vec![&"generate", &"rules", &out, &"--count", &count];
        for s in seed {
            args.push(s);
        }
        chaff_ok(&args);
        fs::read_to_string(&out).expect("the pack")
    };
    let a = pack("a.toml", "300", &[]);
    assert_eq!(a, pack("b.toml", "300", &[]));
    assert_ne!(a, pack("c.toml", "300", &["--seed", "9"]));
    assert_eq!(
        a,
        generate::synthetic_pack(300, generate::DEFAULT_RULES_SEED).unwrap(),
        "the default seed is the library's"
    );
}

#[test]
fn documents_do_not_depend_on_the_corpus_size() {
    let generator = Generator::new(&RuleSet::builtin(), 21, 0.5).unwrap();
    let dir = scratch();
    let small = dir.path().join("small");
    let big = dir.path().join("big");
    for (out, size) in [(&small, "100K"), (&big, "300K")] {
        chaff_ok(&[
            &"generate",
            &"corpus",
            out,
            &"--size",
            &size,
            &"--seed",
            &"21",
        ]);
    }
    let small = documents(&small);
    let big = documents(&big);
    assert!(!small.is_empty() && big.len() > small.len());
    for (id, text) in &small {
        assert_eq!(
            big.get(id),
            Some(text),
            "{id} is the same in a bigger corpus"
        );
    }
    let first = generator.document(0);
    assert_eq!(
        small.get(&first.id),
        Some(&first.text),
        "the library makes the same document"
    );
}

/// Generates a corpus with its expected clean texts, strips it with the
/// built-in rules, and returns (expected, stripped) documents by id.
fn generate_and_strip(
    dir: &Path,
    format: &str,
    seed: &str,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let corpus = dir.join(format!("{format}-corpus"));
    let expect = dir.join(format!("{format}-expect"));
    let clean = dir.join(format!("{format}-clean"));
    chaff_ok(&[
        &"generate",
        &"corpus",
        &corpus,
        &"--size",
        &"400K",
        &"--format",
        &format,
        &"--seed",
        &seed,
        &"--share",
        &"0.8",
        &"--expect",
        &expect,
    ]);
    chaff_ok(&[&"strip", &corpus, &"--out", &clean, &"--quiet"]);
    (documents(&expect), documents(&clean))
}

#[test]
fn strip_removes_exactly_the_planted_boilerplate() {
    let dir = scratch();
    let seed = "3";
    for format in FORMATS {
        let (expected, stripped) = generate_and_strip(dir.path(), format, seed);
        assert!(
            expected.len() >= 60,
            "{format}: {} documents",
            expected.len()
        );
        assert_eq!(
            expected.keys().collect::<Vec<_>>(),
            stripped.keys().collect::<Vec<_>>(),
            "{format}: the same documents"
        );
        for (id, want) in &expected {
            let got = &stripped[id];
            assert_eq!(
                collapse_whitespace(got),
                collapse_whitespace(want),
                "{format}: {id} comes out as planned"
            );
        }
    }

    // What was planted, by the library's account of the same documents.
    let rules = RuleSet::builtin();
    let generator = Generator::new(&rules, 3, 0.8).unwrap();
    let catalogue = generator.catalogue();
    let stripper = Stripper::new(rules).unwrap();
    let mut plants = 0;
    let mut planted_rules = BTreeSet::new();
    let mut categories = BTreeSet::new();
    let mut kinds = BTreeSet::new();
    let mut publishers = BTreeSet::new();
    let mut several_kinds = 0;
    for i in 0..80 {
        let doc = generator.document(i);
        // Text documents resolve their publisher from the text alone.
        let out = stripper.strip(&Document::new(&doc.id, &doc.text));
        assert_eq!(
            collapse_whitespace(&out.clean),
            collapse_whitespace(&doc.expected),
            "{} without its URL",
            doc.id
        );
        if let Some(p) = doc.publisher.filter(|_| !doc.plants.is_empty()) {
            let publisher = &catalogue.publishers()[p].id;
            assert_eq!(out.record.publisher.id.as_ref(), Some(publisher));
            publishers.insert(publisher.clone());
        }
        let mut doc_kinds = BTreeSet::new();
        for &p in &doc.plants {
            let plant = &catalogue.plants()[p];
            plants += 1;
            planted_rules.insert(plant.rule.clone());
            categories.insert(plant.category);
            kinds.insert(plant.kind);
            doc_kinds.insert(plant.kind);
        }
        if doc_kinds.len() >= 3 {
            several_kinds += 1;
        }
    }
    assert!(plants >= 120, "{plants} plants");
    assert!(planted_rules.len() >= 30, "{} rules", planted_rules.len());
    assert!(categories.len() >= 8, "{categories:?}");
    assert_eq!(kinds.len(), Kind::ALL.len(), "{kinds:?}");
    // Plants come from many of the publishers that a text document can be
    // told to be of (the corpus is too small to hold all forty).
    let carried = catalogue
        .publishers()
        .iter()
        .filter(|p| !p.carriers.is_empty())
        .count();
    assert!(
        publishers.len() >= 20.min(carried),
        "{} of {carried}: {publishers:?}",
        publishers.len()
    );
    assert!(
        several_kinds >= 10,
        "{several_kinds} documents with 3 kinds or more"
    );
}

#[test]
fn body_text_holds_no_anchor_or_signature() {
    let rules = RuleSet::builtin();
    let generator = Generator::new(&rules, 5, 0.0).unwrap();
    let stripper = Stripper::new(rules.clone()).unwrap();
    let mut literals: Vec<(String, bool)> = Vec::new();
    // Anchors that remove on sight; the others only start a candidate that
    // their conditions confirm, which stripping the body checks below.
    for rule in rules.rules().iter().filter(|r| {
        r.regex.is_none()
            && r.where_ == chaff::rules::Where::Contains
            && r.shape.is_empty()
            && r.in_first.is_none()
            && r.in_last.is_none()
            && r.max_len.is_none()
    }) {
        for anchor in &rule.anchors {
            literals.push((anchor.clone(), rule.case_insensitive));
        }
        if let Removal::Block { end } = &rule.removal {
            literals.push((end.clone(), rule.case_insensitive));
        }
    }
    for pack in rules.packs() {
        for signature in pack.signatures.iter().chain(&pack.strong_signatures) {
            literals.push((signature.clone(), false));
        }
    }
    let mut publishers: Vec<Option<&str>> = vec![None];
    publishers.extend(
        generator
            .catalogue()
            .publishers()
            .iter()
            .map(|p| Some(p.id.as_str())),
    );
    let (mut bytes, mut lines_shape, mut non_ascii, mut curly) = (0, 0, 0, 0);
    let docs = 150;
    for i in 0..docs {
        let doc = generator.document(i);
        assert!(doc.plants.is_empty());
        assert_eq!(doc.text, doc.expected);
        let lower = doc.text.to_ascii_lowercase();
        for (literal, case_insensitive) in &literals {
            let found = if *case_insensitive {
                lower.contains(&literal.to_ascii_lowercase())
            } else {
                doc.text.contains(literal.as_str())
            };
            assert!(!found, "{} holds {literal:?}:\n{}", doc.id, doc.text);
        }
        for publisher in &publishers {
            let mut d = Document::new(&doc.id, &doc.text);
            d.publisher = *publisher;
            let out = stripper.strip(&d);
            assert!(
                out.record.edits.is_empty(),
                "{} ({publisher:?}) lost {:?}",
                doc.id,
                out.record.edits
            );
        }
        let len = doc.text.len();
        assert!((1500..14_000).contains(&len), "{}: {len} bytes", doc.id);
        bytes += len;
        lines_shape += usize::from(doc.shape == generate::Shape::Lines);
        non_ascii += usize::from(!doc.text.is_ascii());
        curly += usize::from(doc.text.contains('“'));
    }
    let mean = bytes / docs as usize;
    assert!((3_500..6_000).contains(&mean), "mean length {mean}");
    assert!(
        lines_shape > 15 && lines_shape < 90,
        "{lines_shape} one-line-per-paragraph documents"
    );
    assert!(
        non_ascii > docs as usize * 9 / 10,
        "accents, dashes and quotes"
    );
    assert!(curly > 50, "{curly} documents with curly quotes");
}

#[test]
fn every_strip_example_is_planted_or_explained() {
    let rules = RuleSet::builtin();
    let generator = Generator::new(&rules, 1, 0.5).unwrap();
    let catalogue = generator.catalogue();
    let examples: usize = rules.rules().iter().map(|r| r.strip.len()).sum();
    assert_eq!(catalogue.examples(), examples);
    assert_eq!(
        catalogue.plants().len() + catalogue.skipped().len(),
        examples
    );
    for s in catalogue.skipped() {
        assert!(
            rules.rule(&s.rule).is_some() && !s.reason.is_empty(),
            "{s:?}"
        );
    }
    // A publisher none of whose examples names it strongly enough to decide
    // a text document (two signatures, or a strong one) has its examples
    // left out, each saying so.
    let uncarried = |s: &&chaff::generate::Skipped| {
        s.reason.starts_with("no strip example of") && s.reason.contains("carries a signature")
    };
    // Otherwise only examples whose own clean text holds other rules'
    // boilerplate are expected to be left out; many more would mean a
    // planting bug.
    let other = catalogue.skipped().iter().filter(|s| !uncarried(s)).count();
    assert!(
        other * 10 <= examples,
        "{other} of {examples} skipped: {:#?}",
        catalogue.skipped()
    );
    let carried: Vec<&str> = catalogue
        .publishers()
        .iter()
        .filter(|p| !p.carriers.is_empty())
        .map(|p| p.id.as_str())
        .collect();
    for seed in ["aawsat", "bbc", "infobae", "moscow-times", "presstv"] {
        assert!(carried.contains(&seed), "{seed} has a carrier: {carried:?}");
    }
    assert!(
        carried.len() >= 25,
        "{} publishers have carriers",
        carried.len()
    );
}

#[test]
fn generate_rejects_bad_arguments() {
    let dir = scratch();
    let used = dir.path().join("used");
    fs::create_dir(&used).unwrap();
    fs::write(used.join("x.txt"), "x").unwrap();
    let inside = used.join("expect");
    let fresh = dir.path().join("fresh");
    let cases: Vec<(Vec<&dyn AsRef<OsStr>>, &str)> = vec![
        (
            vec![&"generate", &"corpus", &used, &"--size", &"10K"],
            "not empty",
        ),
        (
            vec![
                &"generate",
                &"corpus",
                &fresh,
                &"--size",
                &"10K",
                &"--expect",
                &fresh,
            ],
            "outside the corpus folder",
        ),
        (
            vec![&"generate", &"corpus", &fresh, &"--size", &"10Q"],
            "unknown unit",
        ),
        (
            vec![
                &"generate",
                &"corpus",
                &fresh,
                &"--size",
                &"10K",
                &"--share",
                &"2",
            ],
            "between 0 and 1",
        ),
        (
            vec![&"generate", &"rules", &inside, &"--count", &"1000001"],
            "at most",
        ),
        (
            vec![
                &"generate",
                &"rules",
                &inside,
                &"--count",
                &"5",
                &"--seed",
                &"x",
            ],
            "not a seed",
        ),
    ];
    for (args, message) in cases {
        let run = chaff(&args);
        assert_eq!(run.code, 2, "{}: {}", shown(&args), run.stderr);
        assert!(
            run.stderr.contains(message),
            "{}: {}",
            shown(&args),
            run.stderr
        );
    }
}

#[test]
fn a_synthetic_pack_loads_passes_its_examples_and_removes_each_anchor_line() {
    let count = 300;
    let text = generate::synthetic_pack(count, generate::DEFAULT_RULES_SEED).unwrap();
    let source = Source::new("synthetic.toml", text);
    let set = RuleSet::from_sources(std::slice::from_ref(&source)).expect("the pack loads");
    assert_eq!(set.rules().len(), count);
    let anchors: Vec<String> = set.rules().iter().map(|r| r.anchors[0].clone()).collect();
    assert_eq!(
        anchors.iter().collect::<BTreeSet<_>>().len(),
        count,
        "unique anchors"
    );
    let bigger = generate::synthetic_anchors(2_000, generate::DEFAULT_RULES_SEED).unwrap();
    assert_eq!(
        anchors,
        bigger[..count],
        "a small pack is a prefix of a big one"
    );
    let report = chaff::selftest::run(&set);
    assert!(report.passed(), "{:#?}", report.failures);

    let with_builtin = {
        let mut sources = chaff::rules::builtin_sources();
        sources.push(source.clone());
        RuleSet::from_sources(&sources).expect("the pack loads beside the built-in rules")
    };
    for stripper in [
        Stripper::new(set).unwrap(),
        Stripper::new(with_builtin).unwrap(),
    ] {
        for k in [0, 1, 42, count - 1] {
            let body = "Harbour talks resume\n\nThe port authority approved the plan on Monday.\n\nTalks resume next week.\n";
            let text = body.replacen("\n\nTalks", &format!("\n\n{}\n\nTalks", anchors[k]), 1);
            let out = stripper.strip(&Document::new("doc", &text));
            let rules: Vec<&str> = out.record.rule_edits().map(|e| e.rule.as_str()).collect();
            assert_eq!(rules, [format!("synthetic.r{k:06}")], "rule {k}");
            assert_eq!(
                collapse_whitespace(&out.clean),
                collapse_whitespace(body),
                "rule {k}"
            );
        }
    }
}
