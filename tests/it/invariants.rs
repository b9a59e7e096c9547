//! Property tests of the invariants that must hold for any text and any rule
//! set:
//! - `restore(clean, record) == original`;
//! - `strip(strip(x)) == strip(x)`;
//! - edits are sorted, disjoint, on UTF-8 boundaries, and say exactly what
//!   they removed (bytes and character offsets);
//! - the clean text is the original minus the edits.

use chaff::rules::Source;
use chaff::{Document, Record, RuleSet, Stripper, restore};
use proptest::prelude::*;

/// Text fragments: anchor material, white space of every kind, punctuation
/// and multi-byte characters.
const PIECES: &[&str] = &[
    "ab", "cd", "AB", "xy", "Cd", " ", " ", "  ", "\t", "\n", "\n", "\n\n", "\r\n", ".", ",", ")",
    "é", "—", "\u{a0}", "zz", "’", "'", "…", "...", "-", "\u{2009}",
];

/// Anchor fragments.
const ANCHOR_PIECES: &[&str] = &["ab", "cd", "AB", "xy", " ", ".", "é", "zz", "'", "-", "..."];

const REGEXES: &[&str] = &[
    "ab",
    "(?P<agency>cd)",
    "^.*$",
    "(?P<remove>ab)",
    "\\.",
    "(?P<photographer>x+)y",
    "(?P<credit>[a-z]+) (?P<via>[a-z]+)",
];

fn text_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|v| v.concat())
}

/// Text built from the generic fragments and the rules' own anchors (in
/// their case and in upper case), so that rules fire often.
fn text_with_anchors(rules: &[GenRule]) -> impl Strategy<Value = String> + use<> {
    let mut pieces: Vec<String> = PIECES.iter().map(|s| s.to_string()).collect();
    for r in rules {
        for a in r.anchors.iter().chain([&r.end]) {
            pieces.push(a.clone());
            pieces.push(a.clone());
            pieces.push(a.to_uppercase());
        }
    }
    prop::collection::vec(prop::sample::select(pieces), 0..50).prop_map(|v| v.concat())
}

fn anchor_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ANCHOR_PIECES), 2..5)
        .prop_map(|v| v.concat())
        .prop_filter(
            "anchors have at least 4 characters besides white space at their ends",
            |a| a.trim().chars().count() >= 4,
        )
}

#[derive(Debug, Clone)]
struct GenRule {
    anchors: Vec<String>,
    remove: &'static str,
    end: String,
    where_: &'static str,
    unit: &'static str,
    case_insensitive: bool,
    regex: Option<&'static str>,
    max_len: Option<u32>,
    in_first: Option<u32>,
    in_last: Option<u32>,
    whole_lines: bool,
    publisher_pack: bool,
    typographic: bool,
    exact_space: bool,
}

fn rule_strategy() -> impl Strategy<Value = GenRule> {
    (
        prop::collection::vec(anchor_strategy(), 1..3),
        prop::sample::select(&["anchor", "line", "paragraph", "block", "to-end"][..]),
        anchor_strategy(),
        prop::sample::select(&["contains", "starts-with", "ends-with", "equals"][..]),
        prop::sample::select(&["line", "paragraph"][..]),
        any::<bool>(),
        prop::option::weighted(0.3, prop::sample::select(REGEXES)),
        prop::option::weighted(0.3, 1u32..80),
        (
            prop::option::weighted(0.2, 1u32..4),
            prop::option::weighted(0.2, 1u32..4),
        ),
        any::<bool>(),
        (
            prop::bool::weighted(0.3),
            any::<bool>(),
            prop::bool::weighted(0.2),
        ),
    )
        .prop_map(
            |(
                anchors,
                remove,
                end,
                where_,
                unit,
                ci,
                regex,
                max_len,
                (in_first, in_last),
                whole_lines,
                (publisher_pack, typographic, exact_space),
            )| {
                let mut anchors = anchors;
                anchors.dedup();
                GenRule {
                    anchors,
                    remove,
                    end,
                    where_,
                    unit,
                    case_insensitive: ci,
                    regex,
                    max_len,
                    in_first,
                    in_last,
                    whole_lines,
                    publisher_pack,
                    typographic,
                    exact_space,
                }
            },
        )
}

fn toml_str(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialize")
}

fn write_rule(out: &mut String, id: usize, r: &GenRule) {
    use std::fmt::Write;
    let anchors: Vec<String> = r.anchors.iter().map(|a| toml_str(a)).collect();
    let _ = writeln!(out, "[[rules]]\nid = \"r{id}\"\ncategory = \"other\"");
    let _ = writeln!(out, "anchors = [{}]", anchors.join(", "));
    let _ = writeln!(out, "remove = \"{}\"", r.remove);
    if r.remove == "block" {
        let _ = writeln!(out, "end = {}", toml_str(&r.end));
    }
    let _ = writeln!(out, "where = \"{}\"\nunit = \"{}\"", r.where_, r.unit);
    let _ = writeln!(out, "case-insensitive = {}", r.case_insensitive);
    let _ = writeln!(out, "whole-lines = {}", r.whole_lines);
    let _ = writeln!(out, "typographic = {}", r.typographic);
    let _ = writeln!(out, "exact-space = {}", r.exact_space);
    if let Some(re) = r.regex {
        let _ = writeln!(out, "regex = {}", toml_str(re));
    }
    if let Some(n) = r.max_len {
        let _ = writeln!(out, "max-len = {n}");
    }
    if let Some(n) = r.in_first {
        let _ = writeln!(out, "in-first = {n}");
    }
    if let Some(n) = r.in_last {
        let _ = writeln!(out, "in-last = {n}");
    }
    let _ = writeln!(out, "strip = [{}]\nkeep = [\"keep\"]\n", anchors[0]);
}

/// A common pack and a publisher pack ("pub") holding the generated rules.
fn build(rules: &[GenRule]) -> Stripper {
    let mut common = String::from("[pack]\nid = \"gen.common\"\nscope = \"common\"\n\n");
    let mut publisher = String::from(
        "[pack]\nid = \"pub\"\nscope = \"publisher\"\ndomains = [\"example.com\"]\n\n",
    );
    for (i, r) in rules.iter().enumerate() {
        write_rule(
            if r.publisher_pack {
                &mut publisher
            } else {
                &mut common
            },
            i,
            r,
        );
    }
    let sources = [
        Source::new("common.toml", common),
        Source::new("pub.toml", publisher),
    ];
    let set =
        RuleSet::from_sources(&sources).unwrap_or_else(|e| panic!("generated rules load: {e}"));
    Stripper::new(set).expect("automaton builds")
}

fn check_record(original: &str, clean: &str, record: &Record) -> Result<(), TestCaseError> {
    let mut pos = 0;
    let mut rebuilt_clean = String::new();
    for e in &record.edits {
        prop_assert!(
            e.start >= pos,
            "edits sorted and disjoint: {:?}",
            record.edits
        );
        prop_assert!(e.start < e.end, "edits are not empty");
        prop_assert!(original.is_char_boundary(e.start) && original.is_char_boundary(e.end));
        prop_assert_eq!(&original[e.start..e.end], e.text.as_str());
        prop_assert_eq!(original[..e.start].chars().count(), e.char_start);
        prop_assert_eq!(original[..e.end].chars().count(), e.char_end);
        rebuilt_clean.push_str(&original[pos..e.start]);
        pos = e.end;
    }
    rebuilt_clean.push_str(&original[pos..]);
    prop_assert_eq!(
        rebuilt_clean.as_str(),
        clean,
        "clean == original minus edits"
    );
    prop_assert_eq!(record.input_bytes, original.len());
    prop_assert_eq!(record.output_bytes, clean.len());
    let restored = restore(clean, record);
    prop_assert_eq!(restored.as_deref(), Ok(original));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_for_any_text_and_rules(
        (rules, text) in prop::collection::vec(rule_strategy(), 1..6)
            .prop_flat_map(|rules| {
                let text = text_with_anchors(&rules);
                (Just(rules), text)
            }),
        explicit in any::<bool>(),
    ) {
        let stripper = build(&rules);
        let mut doc = Document::new("d", &text);
        if explicit {
            doc.publisher = Some("pub");
        }
        let once = stripper.strip(&doc);
        check_record(&text, &once.clean, &once.record)?;

        let mut again_doc = Document::new("d", &once.clean);
        again_doc.publisher = doc.publisher;
        let twice = stripper.strip(&again_doc);
        prop_assert_eq!(&twice.clean, &once.clean, "strip is idempotent");
        prop_assert!(twice.record.edits.is_empty());
    }

    #[test]
    fn builtin_rules_keep_invariants_on_seed_mixtures(
        picks in prop::collection::vec((0usize..5, 0usize..40), 1..12),
        noise in text_strategy(),
    ) {
        // Lines drawn from the bundled articles, shuffled together with noise.
        let docs = seed_lines();
        let mut text = String::new();
        for (d, l) in picks {
            let lines = &docs[d];
            text.push_str(lines[l % lines.len()]);
            text.push('\n');
        }
        text.push_str(&noise);
        let stripper = builtin();
        let once = stripper.strip(&Document::new("mix", &text));
        check_record(&text, &once.clean, &once.record)?;
        let twice = stripper.strip(&Document::new("mix", &once.clean));
        prop_assert_eq!(&twice.clean, &once.clean);
    }
}

fn builtin() -> &'static Stripper {
    static S: std::sync::OnceLock<Stripper> = std::sync::OnceLock::new();
    S.get_or_init(Stripper::builtin)
}

fn seed_lines() -> &'static Vec<Vec<&'static str>> {
    static L: std::sync::OnceLock<Vec<Vec<&'static str>>> = std::sync::OnceLock::new();
    L.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("corpus exists")
            .map(|e| e.expect("readable").path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|p| {
                let text: &'static str =
                    Box::leak(std::fs::read_to_string(p).expect("utf-8").into_boxed_str());
                text.lines().collect()
            })
            .collect()
    })
}

#[test]
fn case_insensitive_rule_does_not_loosen_case_sensitive_ones() {
    let rules = [
        GenRule {
            anchors: vec!["abab".into()],
            remove: "anchor",
            end: String::new(),
            where_: "contains",
            unit: "line",
            case_insensitive: false,
            regex: None,
            max_len: None,
            in_first: None,
            in_last: None,
            whole_lines: true,
            publisher_pack: false,
            typographic: false,
            exact_space: false,
        },
        GenRule {
            anchors: vec!["xyxy".into()],
            case_insensitive: true,
            ..rules_base()
        },
    ];
    let s = build(&rules);
    let out = s.strip(&Document::new("d", "ABAB abab XYXY."));
    assert_eq!(out.clean, "ABAB.");
}

fn rules_base() -> GenRule {
    GenRule {
        anchors: vec![],
        remove: "anchor",
        end: String::new(),
        where_: "contains",
        unit: "line",
        case_insensitive: false,
        regex: None,
        max_len: None,
        in_first: None,
        in_last: None,
        whole_lines: true,
        publisher_pack: false,
        typographic: false,
        exact_space: false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_output_mode_restores_the_original(
        (rules, text) in prop::collection::vec(rule_strategy(), 1..4)
            .prop_flat_map(|rules| {
                let text = text_with_anchors(&rules);
                (Just(rules), text)
            }),
        mode in prop::sample::select(&[chaff::provenance::Mode::Strip, chaff::provenance::Mode::Mask, chaff::provenance::Mode::Tag][..]),
    ) {
        let stripper = build(&rules);
        let out = stripper.strip(&Document::new("d", &text));
        let mut record = out.record;
        let rendered = chaff::provenance::render(&text, out.clean, &mut record, mode);
        prop_assert_eq!(record.mode, mode);
        let restored = restore(&rendered, &record);
        prop_assert_eq!(restored.as_deref(), Ok(text.as_str()));
        if mode == chaff::provenance::Mode::Tag {
            prop_assert_eq!(&rendered, &text);
        }
    }
}
