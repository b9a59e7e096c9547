//! `chaff suggest`, as a specification: on a generated corpus with planted
//! boilerplate it finds the boilerplate (with its variants), never suggests
//! body text or syndicated copy, reports the syndicated copy as shared, and
//! drafts a pack that passes `chaff test` and `chaff lint` and, loaded with
//! `--rules`, strips the planted boilerplate from the corpus it came from.
//!
//! The corpus is made here by a small fixed-seed generator: three synthetic
//! publishers of 40 documents each, in three shapes (a JSONL shard with URLs,
//! a gzipped JSONL shard with an explicit publisher, a folder of text files),
//! each with its own share line, footer block of three lines, photo credit
//! "(Photo: AGENCY/Name)" with varying names and time stamp with varying
//! digits; and one wire paragraph printed by two of the publishers.

use crate::support::chaff;
use chaff::suggest::{self, GroupKind, Report, SuggestionKind};
use chaff::{Stripper, rules};
use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tempfile::TempDir;

// ---------------------------------------------------------------------------
// The generator

/// splitmix64: small, fixed-seed, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const SUBJECTS: &[&str] = &[
    "The harbour master",
    "A spokeswoman for the council",
    "Local fishermen",
    "The regional governor",
    "Residents of the old town",
    "The ferry operator",
    "Shopkeepers on the quay",
    "The mayor's office",
    "Two independent engineers",
    "The coastguard",
    "A group of teachers",
    "The port authority",
    "Several farmers from the valley",
    "The hospital director",
    "Volunteers at the food bank",
    "The university's rector",
];
const VERBS: &[&str] = &[
    "warned about",
    "welcomed",
    "questioned",
    "called for a review of",
    "raised concerns over",
    "praised",
    "criticised",
    "asked for details of",
    "promised to study",
    "offered support for",
    "rejected",
    "said little about",
    "defended",
    "described",
    "disputed",
    "agreed to discuss",
];
const OBJECTS: &[&str] = &[
    "the new tidal barrier",
    "rising rents near the waterfront",
    "the delayed bridge repairs",
    "a plan to close the night ferry",
    "the price of diesel",
    "the winter flood defences",
    "a proposed fish market",
    "the shortage of nurses",
    "the school bus timetable",
    "plans for a wind farm offshore",
    "the cost of heating",
    "the share of jobs held by young people",
    "the state of the coastal road",
    "new rules for street markets",
    "the future of the lighthouse",
    "late payments to suppliers",
];
const TAILS: &[&str] = &[
    "on Monday",
    "at a packed meeting",
    "in a letter to the council",
    "during a radio interview",
    "after weeks of debate",
    "in a statement",
    "before the vote",
    "on the quay",
    "at the town hall",
    "in an open letter",
    "late on Thursday",
    "over the weekend",
];
const SCENES: &[&str] = &[
    "Fishing boats return to the harbour at dusk",
    "Workers inspect the sea wall after the storm",
    "Children walk to school along the coastal road",
    "Traders set up stalls on the market square",
    "The night ferry leaves the terminal",
    "Farmers bring cattle down from the hills",
    "Nurses change shifts at the county hospital",
    "Volunteers sort donations at the food bank",
];
const PLACES: &[&str] = &[
    "in the old town",
    "near the lighthouse",
    "on a grey morning",
    "in early spring",
    "after heavy rain",
    "under floodlights",
];
const FIRST: &[&str] = &[
    "Ann", "Bruno", "Carla", "Dmitri", "Eva", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kofi",
    "Lena",
];
const LAST: &[&str] = &[
    "Lee", "Moreau", "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Sato", "Toivonen", "Ueda",
    "Varga", "Weber",
];
const SECTIONS: &[&str] = &["Politics", "Harbour", "Schools", "Business", "Weather"];

/// Wire copy: printed by the Harbour Herald and the Valley Courier.
const SYNDICATED: &str = "The regional water authority said reservoir levels had fallen to their lowest point in three decades and urged households to cut their use of water.";

fn sentence(rng: &mut Rng) -> String {
    format!(
        "{} {} {} {}.",
        rng.pick(SUBJECTS),
        rng.pick(VERBS),
        rng.pick(OBJECTS),
        rng.pick(TAILS)
    )
}

fn paragraph(rng: &mut Rng) -> String {
    let n = 2 + rng.below(2);
    (0..n).map(|_| sentence(rng)).collect::<Vec<_>>().join(" ")
}

/// One synthetic publisher's furniture.
struct Publisher {
    share: &'static str,
    stamp: fn(&mut Rng) -> String,
    footer: [&'static str; 3],
    /// The end of the footer's block rule: the footer's last line that no
    /// built-in rule removes; none when that line ends in digits (the rule
    /// then removes to the end of the text).
    footer_end: Option<&'static str>,
    agency: &'static str,
    crumbs: bool,
}

fn time(rng: &mut Rng) -> (usize, usize, usize, usize) {
    (
        rng.below(24),
        rng.below(60),
        1 + rng.below(28),
        2019 + rng.below(5),
    )
}

const HERALD: Publisher = Publisher {
    share: "Pass this story on to a friend",
    stamp: |rng| {
        let (h, m, d, y) = time(rng);
        format!("Filed at {h:02}:{m:02} {d} May {y}")
    },
    footer: [
        "Follow the Harbour Herald on Pinecone and Lantern",
        "Get the Morning Tide digest for the day's top stories",
        "© {YEAR} Harbour Herald Media Ltd. All rights reserved.",
    ],
    // The built-in `notice.copyright-line` already removes the last line.
    footer_end: Some("Get the Morning Tide digest for the day's top stories"),
    agency: "TIDEPIX",
    crumbs: false,
};

const COURIER: Publisher = Publisher {
    share: "Share on Lantern | Share on Pinecone",
    stamp: |rng| {
        let (h, m, d, y) = time(rng);
        format!("Revised at {h}:{m:02}, {d} May {y}")
    },
    footer: [
        "The Valley Courier is an independent newspaper",
        "Read our corrections policy or write to the newsroom",
        "Printed {YEAR} Valley Courier Ltd",
    ],
    footer_end: Some("Valley Courier Ltd"),
    agency: "VALLEYPIX",
    crumbs: false,
};

const LANTERN: Publisher = Publisher {
    share: "Pass this article around on social media",
    stamp: |rng| {
        let (h, m, d, y) = time(rng);
        format!("Posted at {h:02}:{m:02} on {d} May {y}")
    },
    footer: [
        "Northern Lantern journalism is funded by readers like you",
        "Become a supporter from just a few pounds a month",
        "Northern Lantern Trust, registered charity {YEAR}",
    ],
    footer_end: None,
    agency: "LANTERNPIX",
    crumbs: true,
};

/// One generated document: its text, and what must survive or go.
struct Doc {
    id: String,
    text: String,
    /// Lines that must be in the clean text.
    body: Vec<String>,
    /// Lines (or parts of lines) that must not be.
    boilerplate: Vec<String>,
}

const DOCS: usize = 40;

/// A document being generated.
#[derive(Default)]
struct Parts {
    lines: Vec<String>,
    body: Vec<String>,
    boilerplate: Vec<String>,
}

impl Parts {
    fn body(&mut self, line: String) {
        self.body.push(line.clone());
        self.lines.push(line);
    }

    fn boiler(&mut self, line: String) {
        self.boilerplate.push(line.clone());
        self.lines.push(line);
    }
}

fn generate(p: &Publisher, seed: u64, prefix: &str, syndicated: bool, sep: &str) -> Vec<Doc> {
    let mut rng = Rng(seed);
    (0..DOCS)
        .map(|i| {
            let mut d = Parts::default();
            if p.crumbs && rng.chance(90) {
                d.boiler(format!("News / {}", rng.pick(SECTIONS)));
            }
            let title = format!(
                "{} {} {}",
                rng.pick(SUBJECTS),
                rng.pick(VERBS),
                rng.pick(OBJECTS)
            );
            d.body(title);
            if rng.chance(90) {
                d.boiler((p.stamp)(&mut rng));
            }
            if rng.chance(85) {
                d.boiler(p.share.to_string());
            }
            let paragraphs = 4 + rng.below(3);
            for n in 0..paragraphs {
                d.body(paragraph(&mut rng));
                if n == 1 && rng.chance(70) {
                    let scene = format!("{} {}.", rng.pick(SCENES), rng.pick(PLACES));
                    let credit = format!(
                        "(Photo: {}/{} {})",
                        p.agency,
                        rng.pick(FIRST),
                        rng.pick(LAST)
                    );
                    d.lines.push(format!("{scene} {credit}"));
                    d.body.push(scene);
                    d.boilerplate.push(credit);
                }
                if n == 2 && syndicated && i % 4 == 0 {
                    d.body(SYNDICATED.to_string());
                }
            }
            if rng.chance(85) {
                let year = (2019 + rng.below(5)).to_string();
                for f in p.footer {
                    d.boiler(f.replace("{YEAR}", &year));
                }
            }
            Doc {
                id: format!("{prefix}-{i:03}"),
                text: d.lines.join(sep) + "\n",
                body: d.body,
                boilerplate: d.boilerplate,
            }
        })
        .collect()
}

/// The corpus under `dir/corpus`, and every document by id.
fn corpus(dir: &Path) -> (PathBuf, BTreeMap<String, Doc>) {
    let root = dir.join("corpus");
    fs::create_dir_all(root.join("lantern")).unwrap();
    let herald = generate(&HERALD, 1, "herald", true, "\n");
    let courier = generate(&COURIER, 2, "courier", true, "\n");
    let lantern = generate(&LANTERN, 3, "lantern", false, "\n\n");
    let mut rows = String::new();
    for (i, d) in herald.iter().enumerate() {
        let row = serde_json::json!({
            "id": d.id,
            "text": d.text,
            "url": format!("https://www.harbourherald.example/news/{i}"),
        });
        rows.push_str(&format!("{row}\n"));
    }
    fs::write(root.join("herald.jsonl"), rows).unwrap();
    let mut rows = String::new();
    for (i, d) in courier.iter().enumerate() {
        let row = serde_json::json!({
            "id": d.id,
            "text": d.text,
            "publisher": "valley-courier",
            "metadata": {"url": format!("https://valleycourier.example/{i}")},
        });
        rows.push_str(&format!("{row}\n"));
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(rows.as_bytes()).unwrap();
    fs::write(root.join("courier.jsonl.gz"), gz.finish().unwrap()).unwrap();
    for d in &lantern {
        fs::write(root.join("lantern").join(format!("{}.txt", d.id)), &d.text).unwrap();
    }
    let docs = herald
        .into_iter()
        .chain(courier)
        .chain(lantern)
        .map(|d| (d.id.clone(), d))
        .collect();
    (root, docs)
}

// ---------------------------------------------------------------------------
// Helpers

fn library_report(root: &Path, jobs: usize) -> Report {
    let stripper = Stripper::builtin();
    let options = suggest::Options {
        jobs,
        ..suggest::Options::default()
    };
    suggest::suggest(
        &stripper,
        &rules::builtin_sources(),
        &[root.to_path_buf()],
        &options,
        &chaff::batch::Silent,
    )
    .expect("suggest runs")
}

/// The corpus, generated once for every test (read only), its documents,
/// and what the library suggests for it.
fn shared() -> &'static (PathBuf, BTreeMap<String, Doc>, Report) {
    static SHARED: OnceLock<(PathBuf, BTreeMap<String, Doc>, Report)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("suggest");
        let _ = fs::remove_dir_all(&dir);
        let (root, docs) = corpus(&dir);
        let report = library_report(&root, 0);
        (root, docs, report)
    })
}

/// Clean texts by document id, from a `chaff strip` output folder.
fn clean_texts(out: &Path) -> BTreeMap<String, String> {
    let mut texts = BTreeMap::new();
    let mut rows = fs::read_to_string(out.join("herald.jsonl")).unwrap();
    let mut gz = String::new();
    flate2::read::MultiGzDecoder::new(fs::File::open(out.join("courier.jsonl.gz")).unwrap())
        .read_to_string(&mut gz)
        .unwrap();
    rows.push_str(&gz);
    for line in rows.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        texts.insert(
            v["id"].as_str().unwrap().to_string(),
            v["text"].as_str().unwrap().to_string(),
        );
    }
    for e in fs::read_dir(out.join("lantern")).unwrap() {
        let path = e.unwrap().path();
        let id = path.file_stem().unwrap().to_string_lossy().into_owned();
        texts.insert(id, fs::read_to_string(&path).unwrap());
    }
    texts
}

// ---------------------------------------------------------------------------
// Tests

#[test]
fn finds_the_planted_boilerplate_with_its_variants() {
    let (_, _, report) = shared();
    assert_eq!(report.documents, 120);
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let kinds: Vec<(GroupKind, &str)> = report
        .drafts
        .iter()
        .map(|d| (d.group.kind, d.group.name.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (GroupKind::Publisher, "valley-courier"),
            (GroupKind::Domain, "harbourherald.example"),
            (GroupKind::Folder, "lantern"),
        ],
        "{}",
        report.summary()
    );
    let cases = [
        (
            "harbourherald.example",
            &HERALD,
            "Filed at 07:05 9 May 2024",
        ),
        ("valley-courier", &COURIER, "Revised at 7:05, 9 May 2024"),
        ("lantern", &LANTERN, "Posted at 07:05 on 9 May 2024"),
    ];
    for (group, p, new_stamp) in cases {
        let draft = report
            .drafts
            .iter()
            .find(|d| d.group.name == group)
            .unwrap();
        let s = &draft.suggestions;
        let shown = || format!("{group}:\n{}", draft.text);
        // The share line, as a whole line.
        assert!(
            s.iter()
                .any(|r| r.kind == SuggestionKind::Line && r.strip.iter().any(|e| e.0 == p.share)),
            "{}",
            shown()
        );
        // The stamp: its rule matches a time and date it has never seen.
        let stamp = s
            .iter()
            .find(|r| {
                r.kind == SuggestionKind::Line
                    && r.regex
                        .as_ref()
                        .is_some_and(|re| regex::Regex::new(re).unwrap().is_match(new_stamp))
            })
            .unwrap_or_else(|| panic!("no stamp rule; {}", shown()));
        assert!(stamp.anchor.chars().count() >= 8, "{stamp:?}");
        assert!(new_stamp.contains(&stamp.anchor));
        // The footer, as one block from its first line to its last.
        let footer = s
            .iter()
            .find(|r| r.kind == SuggestionKind::Block)
            .unwrap_or_else(|| panic!("no block; {}", shown()));
        assert_eq!(footer.anchor, p.footer[0], "{}", shown());
        assert_eq!(footer.end.as_deref(), p.footer_end, "{footer:?}");
        let remove = if p.footer_end.is_some() {
            "block"
        } else {
            "to-end"
        };
        assert_eq!(footer.remove, remove, "{footer:?}");
        assert!(footer.trailing >= footer.documents / 2, "{footer:?}");
        assert!(
            footer.strip.iter().all(|e| e.0.contains(p.footer[1])),
            "{footer:?}"
        );
        // What a loaded rule already removes is not suggested again.
        assert!(!draft.text.contains("All rights reserved"), "{}", shown());
        // The photo credit, whatever the photographer's name.
        let credit = s
            .iter()
            .find(|r| r.kind == SuggestionKind::Suffix)
            .unwrap_or_else(|| panic!("no suffix; {}", shown()));
        assert_eq!(credit.anchor, format!("(Photo: {}/", p.agency));
        let re = regex::Regex::new(credit.regex.as_ref().unwrap()).unwrap();
        assert!(re.is_match(&format!("A quiet street. (Photo: {}/Zoe Abara)", p.agency)));
        assert!(credit.strip.iter().all(|(text, clean)| {
            text.contains("(Photo:") && !clean.contains("(Photo:") && !clean.is_empty()
        }));
        // Every keep example is body text.
        for r in s {
            assert!(!r.keep.is_empty());
            assert!(
                !r.keep.contains(p.share) && !r.keep.contains("(Photo:"),
                "{r:?}"
            );
        }
    }
    // The folder of the Lantern has its crumbs, "News / …", as a prefix.
    let lantern = report
        .drafts
        .iter()
        .find(|d| d.group.name == "lantern")
        .unwrap();
    assert!(
        lantern
            .suggestions
            .iter()
            .any(|r| r.kind == SuggestionKind::Prefix && r.anchor.starts_with("News /")),
        "{}",
        lantern.text
    );
    // Ranked by documents covered.
    for d in &report.drafts {
        assert!(
            d.suggestions
                .windows(2)
                .all(|w| w[0].documents >= w[1].documents)
        );
    }
}

#[test]
fn syndicated_copy_is_shared_provenance_never_a_rule() {
    let (_, _, report) = shared();
    let shared = report
        .shared
        .iter()
        .find(|s| s.text == SYNDICATED)
        .unwrap_or_else(|| panic!("{:#?}", report.shared));
    assert_eq!(shared.documents, 20);
    let groups: Vec<&str> = shared.groups.iter().map(|g| g.0.as_str()).collect();
    assert_eq!(groups, ["harbourherald.example", "valley-courier"]);
    for d in &report.drafts {
        assert!(!d.text.contains("reservoir levels"), "{}", d.text);
    }
    let summary = report.summary();
    let section = summary
        .split("Shared across groups")
        .nth(1)
        .expect("a shared section");
    assert!(section.contains(&SYNDICATED[..60]), "{summary}");
    assert!(section.contains("syndicated copy"), "{summary}");
}

#[test]
fn the_draft_passes_chaff_test_and_lint_and_strips_its_corpus() {
    let dir = TempDir::new().unwrap();
    let (root, docs, _) = shared();
    let drafts = dir.path().join("drafts");
    let run = chaff(&[&"suggest", root, &"--out", &drafts]);
    assert_eq!(run.code, 0, "{run:?}");
    let mut files: Vec<String> = fs::read_dir(&drafts)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "harbourherald.example.toml",
            "lantern.toml",
            "valley-courier.toml"
        ]
    );
    let test = chaff(&[&"test", &"--rules", &drafts]);
    assert_eq!(test.code, 0, "{}", test.stdout);
    assert!(test.stdout.contains(" 0 failed"), "{}", test.stdout);
    let lint = chaff(&[&"lint", &"--rules", &drafts]);
    assert_eq!(lint.code, 0, "{}", lint.stdout);
    assert!(
        lint.stdout.contains("0 errors, 0 warnings"),
        "{}",
        lint.stdout
    );

    let clean = dir.path().join("clean");
    let strip = chaff(&[&"strip", root, &"--out", &clean, &"--rules", &drafts]);
    assert_eq!(strip.code, 0, "{strip:?}");
    let texts = clean_texts(&clean);
    assert_eq!(texts.len(), docs.len());
    for (id, doc) in docs {
        let text = &texts[id];
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for b in &doc.body {
            assert!(
                lines.contains(&b.as_str()),
                "{id}: body line lost: {b:?}\n{text}"
            );
        }
        for b in &doc.boilerplate {
            assert!(
                !text.contains(b.as_str()),
                "{id}: boilerplate left: {b:?}\n{text}"
            );
        }
        assert!(!text.contains("(Photo:"), "{id}:\n{text}");
    }
    // The wire paragraph is body text everywhere.
    let wire = texts.values().filter(|t| t.contains(SYNDICATED)).count();
    assert_eq!(wire, 20);
}

#[test]
fn out_file_and_summary() {
    let dir = TempDir::new().unwrap();
    let (root, _, _) = shared();
    let file = dir.path().join("herald.toml");
    let run = chaff(&[
        &"suggest",
        &root.join("herald.jsonl"),
        &"--out",
        &file,
        &"--min-docs",
        &"8",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let out = &run.stdout;
    assert!(
        out.starts_with("chaff suggest: 40 documents in 1 group"),
        "{out}"
    );
    assert!(
        out.contains("harbourherald.example (URL domain, 40 documents):"),
        "{out}"
    );
    assert!(out.contains("\"Pass this story on to a friend\""), "{out}");
    assert!(out.contains("nothing was applied"), "{out}");
    assert!(out.contains(&format!("wrote {}", file.display())), "{out}");
    // The one group's pack is the file itself.
    let text = fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("# Draft rule pack suggested by `chaff suggest`"),
        "{text}"
    );
    assert!(
        text.contains("id = \"harbourherald.example\"\nscope = \"publisher\""),
        "{text}"
    );
    assert!(
        text.contains("domains = [\"harbourherald.example\"]"),
        "{text}"
    );
    assert!(text.contains("# Evidence: in "), "{text}");
    let test = chaff(&[&"test", &file]);
    assert_eq!(test.code, 0, "{}", test.stdout);
    // Nothing recurs in 41 of 40 documents: no file, and the summary says so.
    let none = dir.path().join("none.toml");
    let run = chaff(&[
        &"suggest",
        &root.join("herald.jsonl"),
        &"--out",
        &none,
        &"--min-docs",
        &"41",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("0 rules suggested"), "{}", run.stdout);
    assert!(!none.exists());
    // Without --out nothing is written.
    let run = chaff(&[&"suggest", &root.join("herald.jsonl")]);
    assert!(run.stdout.contains("nothing written"), "{}", run.stdout);
    let bad = chaff(&[&"suggest", root, &"--min-docs", &"1"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("--min-docs"), "{}", bad.stderr);
}

#[test]
fn the_same_draft_for_any_number_of_threads() {
    let (root, _, all) = shared();
    let one = library_report(root, 1);
    assert!(!all.drafts.is_empty());
    let texts = |r: &Report| -> Vec<String> { r.drafts.iter().map(|d| d.text.clone()).collect() };
    assert_eq!(texts(&one), texts(all));
    assert_eq!(one.shared, all.shared);
}

#[test]
fn bad_rows_are_reported_and_the_rest_is_read() {
    let dir = TempDir::new().unwrap();
    let (root, _, _) = shared();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    fs::copy(root.join("herald.jsonl"), input.join("herald.jsonl")).unwrap();
    fs::write(input.join("bad.jsonl"), "not json\n{\"id\": \"x\"}\n").unwrap();
    let run = chaff(&[&"suggest", &input]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("bad.jsonl:1:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("bad.jsonl:2: no `text` field"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("harbourherald.example (URL domain, 40 documents)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("2 input(s) or row(s) failed"),
        "{}",
        run.stdout
    );
}

#[test]
fn hosts_of_one_registrable_domain_are_one_group() {
    let dir = TempDir::new().unwrap();
    let mut shard = String::new();
    for i in 0..10 {
        let host = if i % 2 == 0 {
            "harbour.example"
        } else {
            "cdn.harbour.example"
        };
        let words = [
            "ferry", "quay", "crane", "tide", "pier", "dock", "buoy", "mast", "sail", "keel",
        ];
        let (a, b) = (words[i], words[(i + 3) % 10]);
        let text = format!(
            "The {a} committee met the {b} owners late on Tuesday.\\nLatest stories from the harbour desk\\nWork on the old {b} will wait until the {a} is mended.\\n"
        );
        shard.push_str(&format!(
            "{{\"id\": \"d{i}\", \"url\": \"https://{host}/a/{i}\", \"text\": \"{text}\"}}\n"
        ));
    }
    let path = dir.path().join("harbour.jsonl");
    fs::write(&path, shard).unwrap();
    let run = chaff(&[&"suggest", &path, &"--min-docs", &"8"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("harbour.example (URL domain, 10 documents):"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("\"Latest stories from the harbour desk\""),
        "{}",
        run.stdout
    );
}
