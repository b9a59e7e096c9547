//! The bundled corpus stripped with the built-in rules, against reviewed
//! golden outputs (`tests/golden/<name>.clean.txt` and `<name>.record.json`),
//! plus what the outputs must show whatever the goldens say.
//!
//! To review a change in output: `CHAFF_BLESS=1 cargo test --test it golden`,
//! then read `git diff tests/golden` before committing.

use chaff::{Document, Record, Stripped, Stripper, restore};
use std::path::{Path, PathBuf};

fn corpus() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 5, "the five bundled articles");
    files
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("utf-8 article"))
        })
        .collect()
}

fn stripper() -> &'static Stripper {
    static S: std::sync::OnceLock<Stripper> = std::sync::OnceLock::new();
    S.get_or_init(|| Stripper::builtin().with_tool_version("golden"))
}

fn strip(name: &str, text: &str) -> Stripped {
    let source = format!("corpus/{name}.txt");
    stripper().strip(&Document::new(name, text).source(&source))
}

fn seed(prefix: &str) -> (String, String, Stripped) {
    let (name, text) = corpus()
        .into_iter()
        .find(|(n, _)| n.starts_with(prefix))
        .expect("seed exists");
    let out = strip(&name, &text);
    (name, text, out)
}

#[test]
fn corpus_matches_reviewed_goldens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("CHAFF_BLESS").is_some();
    let mut problems = Vec::new();
    for (name, text) in corpus() {
        let out = strip(&name, &text);
        let record = serde_json::to_string_pretty(&out.record).unwrap() + "\n";
        for (path, got) in [
            (dir.join(format!("{name}.clean.txt")), out.clean.as_str()),
            (dir.join(format!("{name}.record.json")), record.as_str()),
        ] {
            if bless {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, got).unwrap();
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(want) if want == got => {}
                Ok(want) => problems.push(format!(
                    "{} differs from the output:\n{}",
                    path.display(),
                    first_difference(&want, got)
                )),
                Err(e) => problems.push(format!("{}: {e}", path.display())),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n(review, then CHAFF_BLESS=1 cargo test --test it golden)",
        problems.join("\n")
    );
}

fn first_difference(want: &str, got: &str) -> String {
    for (i, (w, g)) in want.lines().zip(got.lines()).enumerate() {
        if w != g {
            return format!("  line {}:\n  - {w}\n  + {g}", i + 1);
        }
    }
    format!(
        "  lengths differ: {} lines golden, {} lines now",
        want.lines().count(),
        got.lines().count()
    )
}

#[test]
fn every_record_rebuilds_its_original() {
    for (name, text) in corpus() {
        let out = strip(&name, &text);
        assert_eq!(
            restore(&out.clean, &out.record).as_deref(),
            Ok(text.as_str()),
            "{name}"
        );
        let again = strip(&name, &out.clean);
        assert_eq!(
            again.clean, out.clean,
            "{name}: stripping twice changes nothing"
        );
    }
}

/// The non-blank lines of `text`.
fn lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// The clean text keeps every line of the original but those holding one of
/// `boilerplate`, with `inline` replacements made and nothing else changed.
fn assert_only_removed(text: &str, clean: &str, boilerplate: &[&str], inline: &[(&str, &str)]) {
    let expected: Vec<String> = lines(text)
        .into_iter()
        .filter(|l| !boilerplate.iter().any(|b| l.contains(b)))
        .map(|l| {
            inline
                .iter()
                .fold(l.to_string(), |l, (from, to)| l.replace(from, to))
        })
        .collect();
    assert_eq!(lines(clean), expected);
    for b in boilerplate {
        assert!(!clean.contains(b), "{b:?} is gone");
    }
}

fn rules_fired(record: &Record) -> Vec<&str> {
    let mut rules: Vec<&str> = record
        .edits
        .iter()
        .map(|e| e.rule.as_str())
        .filter(|r| *r != "chaff.tidy")
        .collect();
    rules.dedup();
    rules
}

#[test]
fn asharq_al_awsat_loses_its_two_captions() {
    let (_, text, out) = seed("000_");
    assert_only_removed(
        &text,
        &out.clean,
        &["(AFP)", "in a still image from handout video"],
        &[],
    );
    assert_eq!(
        rules_fired(&out.record),
        ["caption.agency-tag", "caption.video-still"]
    );
    assert_eq!(out.record.attribution.agencies, ["AFP"]);
    assert!(out.clean.starts_with(
        "Putin Tells French President the West Must Stop Supplying Weapons to Ukraine\n\nSpeaking"
    ));
}

#[test]
fn press_tv_loses_crumb_caption_and_tail() {
    let (_, text, out) = seed("001_");
    assert_only_removed(
        &text,
        &out.clean,
        &[
            "News \u{a0} / \u{a0} Russia",
            "(By AFP)",
            "alternate addresses",
            "www.presstv.co.uk",
            "SHARE THIS ARTICLE",
            "Press TV News Roku",
        ],
        &[],
    );
    assert_eq!(out.record.publisher.id.as_deref(), Some("presstv"));
    assert_eq!(out.record.attribution.agencies, ["AFP"]);
    assert!(out.clean.starts_with("Putin tells Macron"));
    assert!(out.clean.ends_with("even before the military offensive."));
}

#[test]
fn bbc_loses_published_stamp_and_external_markers() {
    let (_, text, out) = seed("002_");
    assert_only_removed(
        &text,
        &out.clean,
        &["- Published"],
        &[
            ("a Kremlin statement, external.", "a Kremlin statement."),
            (
                "Élysée Palace, external, Mr Macron",
                "Élysée Palace, Mr Macron",
            ),
        ],
    );
    assert!(!out.clean.contains("external"));
    assert_eq!(out.record.publisher.id.as_deref(), Some("bbc"));
    assert!(out.clean.starts_with(
        "Ukraine war: Putin tells Macron West should stop sending arms\nRussian President"
    ));
}

#[test]
fn moscow_times_loses_its_reader_appeal() {
    let (_, text, out) = seed("003_");
    let start = text.find("A Message from The Moscow Times:").unwrap();
    assert_eq!(out.clean, text[..start].trim_end());
    assert_eq!(rules_fired(&out.record), ["moscow-times.reader-appeal"]);
    assert_eq!(out.record.publisher.id.as_deref(), Some("moscow-times"));
    let appeal = &out
        .record
        .edits
        .iter()
        .find(|e| e.rule != "chaff.tidy")
        .unwrap()
        .text;
    assert!(appeal.starts_with("A Message from The Moscow Times:"));
    assert!(appeal.ends_with("Remind me later."));
}

#[test]
fn infobae_loses_its_three_captions_and_keeps_their_credits() {
    let (_, text, out) = seed("004_");
    assert_only_removed(
        &text,
        &out.clean,
        &[
            "FILE PHOTO:",
            "(REUTERS/Alexander Ermochenko)",
            "(Sputnik/Mikhail Klimentyev/Kremlin via REUTERS)",
        ],
        &[],
    );
    let a = &out.record.attribution;
    assert_eq!(a.agencies, ["Sputnik", "REUTERS"]);
    assert_eq!(
        a.photographers,
        ["Mikhail Klimentyev", "Alexander Ermochenko"]
    );
    assert_eq!(a.via, ["Sputnik/Mikhail Klimentyev/Kremlin via REUTERS"]);
    let credit = out
        .record
        .edits
        .iter()
        .find(|e| e.rule == "caption.agency-photographer")
        .unwrap();
    assert_eq!(credit.captures["photographer"], "Alexander Ermochenko");
    assert_eq!(credit.captures["agency"], "REUTERS");
}

#[test]
fn publisher_packs_never_fire_on_other_publishers_text() {
    let publishers = ["aawsat", "presstv", "bbc", "moscow-times", "infobae"];
    let set = stripper().rules();
    for (name, text) in corpus() {
        for p in publishers {
            let out = stripper().strip(&Document::new(&name, &text).publisher(p));
            for e in &out.record.edits {
                if e.rule == "chaff.tidy" {
                    continue;
                }
                let rule = set.rule(&e.rule).unwrap();
                let pack = &set.packs()[rule.pack];
                assert!(
                    pack.scope == chaff::rules::Scope::Common || pack.id == p,
                    "{name} as {p}: {} fired",
                    e.rule
                );
            }
        }
    }
}

#[test]
fn publishers_resolve_by_explicit_value_then_domain_then_signature() {
    let (_, text, _) = seed("003_");
    let s = stripper();
    let by_sig = s.strip(&Document::new("d", &text));
    assert_eq!(
        serde_json::to_value(&by_sig.record.publisher).unwrap(),
        serde_json::json!({
            "id": "moscow-times",
            "resolved_by": "signature",
            "evidence": ["signature \"A Message from The Moscow Times:\""],
        })
    );
    let by_domain = s.strip(&Document::new("d", &text).url("https://www.bbc.co.uk/news/x"));
    assert_eq!(by_domain.record.publisher.id.as_deref(), Some("bbc"));
    // The BBC pack does not know the appeal: nothing of it is removed.
    assert_eq!(by_domain.clean, text);
    let explicit = s.strip(
        &Document::new("d", &text)
            .url("https://www.bbc.co.uk/news/x")
            .publisher("moscow-times"),
    );
    assert_eq!(
        serde_json::to_value(&explicit.record.publisher).unwrap(),
        serde_json::json!({"id": "moscow-times", "resolved_by": "explicit"})
    );
    let sub = s.strip(&Document::new("d", "text").url("news.themoscowtimes.com/a"));
    assert_eq!(sub.record.publisher.id.as_deref(), Some("moscow-times"));
    let lookalike = s.strip(&Document::new("d", "text").url("https://notbbc.com/a"));
    assert_eq!(lookalike.record.publisher.id, None);
}
