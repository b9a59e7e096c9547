//! `chaff eval`: scoring a run against substring annotations, on small
//! documents and rules written for these tests.
//!
//! The figures asserted here were also checked with the reference scorer of
//! the annotated development sets over a `chaff strip` output of the same
//! fixture; with `CHAFF_SCORE_PY` naming that script, the last test runs it
//! again and compares.

use crate::support::{Run, chaff_str};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A publisher pack: a share prompt, and a "Read more" rule greedy enough
/// to take a whole line of body text with it.
const GAZETTE: &str = r#"[pack]
id = "gazette"
scope = "publisher"
name = "The Gazette"
domains = ["gazette.example"]

[[rules]]
id = "gazette.share"
category = "share"
anchor = "Share this story"
where = "equals"
strip = ["Share this story"]
keep = ["Nobody would share this story, she said."]

[[rules]]
id = "gazette.read-more"
category = "related"
anchor = "Read more"
where = "starts-with"
strip = ["Read more about the council"]
keep = ["You can read more at the library."]
"#;

/// A common pack: a newsletter line, for every publisher.
const LOCAL: &str = r#"[pack]
id = "local"
scope = "common"

[[rules]]
id = "local.newsletter"
category = "newsletter"
anchor = "Sign up for the newsletter"
where = "equals"
strip = ["Sign up for the newsletter"]
keep = ["They did not sign up for the newsletter."]
"#;

/// Four rows: `g1` on the pack's domain, `n2` elsewhere (so only the common
/// pack applies), `u3` with no URL, and `x4`, which nobody annotated.
fn rows() -> Vec<Value> {
    vec![
        serde_json::json!({"id": "g1", "url": "https://gazette.example/a", "text":
            "Council votes on budget\n\nShare this story\n\nThe council approved the budget on Tuesday.\n\nRead more about the council and its members here.\n\nThe vote was close.\n\nSubscribe to our letters\n"}),
        serde_json::json!({"id": "n2", "url": "https://nord.example/b", "text":
            "Le maire parle.\n\nSign up for the newsletter\n\nLe maire a parl\u{e9} longuement,\u{a0}  dit-il.\n\nShare this story\n\nSign up for the newsletter\n"}),
        serde_json::json!({"id": "u3", "url": "", "text": "Plain story.\n\nSign up for the newsletter\n"}),
        serde_json::json!({"id": "x4", "url": "", "text": "Nobody annotated this one.\n"}),
    ]
}

/// The annotations of the rows. `n2`'s keep string has one space where the
/// document has a no-break space and two spaces: white space is collapsed.
fn gold() -> Value {
    serde_json::json!({
        "g1": {"url": "https://gazette.example/a", "lang": "en",
               "boilerplate": ["Share this story", "Read more", "Subscribe to our letters"],
               "keep": ["The council approved the budget on Tuesday.", "and its members here"]},
        "n2": {"url": "https://nord.example/b", "publisher": "nord", "lang": "fr",
               "boilerplate": ["Sign up for the newsletter", "Share this story"],
               "keep": ["Le maire a parl\u{e9} longuement, dit-il."]},
        "u3": {"url": "", "boilerplate": ["Sign up for the newsletter"], "keep": ["Plain story."]},
    })
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Fixture {
    fn new(gold: &Value) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::write(root.join("gazette.toml"), GAZETTE).unwrap();
        std::fs::write(root.join("local.toml"), LOCAL).unwrap();
        let docs: String = rows().iter().map(|r| format!("{r}\n")).collect();
        std::fs::write(root.join("docs.jsonl"), docs).unwrap();
        std::fs::write(
            root.join("gold.json"),
            serde_json::to_string_pretty(gold).unwrap(),
        )
        .unwrap();
        Fixture { _dir: dir, root }
    }

    fn path(&self, name: &str) -> String {
        self.root.join(name).display().to_string()
    }

    /// `chaff eval` with the fixture's rules only, its annotations and
    /// documents, then `extra`.
    fn eval(&self, extra: &[&str]) -> Run {
        let (rules_a, rules_b) = (self.path("gazette.toml"), self.path("local.toml"));
        let (gold, docs) = (self.path("gold.json"), self.path("docs.jsonl"));
        let mut args = vec![
            "eval",
            "--no-builtin",
            "--rules",
            &rules_a,
            "--rules",
            &rules_b,
            "--annotations",
            &gold,
            &docs,
        ];
        args.extend_from_slice(extra);
        chaff_str(&args)
    }

    /// Runs with a JSON report and returns it with the run.
    fn eval_json(&self, extra: &[&str]) -> (Run, Value) {
        let report = self.path("report.json");
        let mut args = vec!["--report", &report];
        args.extend_from_slice(extra);
        let run = self.eval(&args);
        let json = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        (run, json)
    }
}

#[test]
fn recall_and_keep_rate_count_occurrences_and_strings() {
    let fx = Fixture::new(&gold());
    let (run, json) = fx.eval_json(&["--min-keep", "0.5"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // g1: 2 of 3 occurrences removed, 1 of 2 keep strings kept; n2: both
    // newsletter lines removed, the share prompt (no publisher pack) left;
    // u3: its one line removed.
    assert!(
        run.stdout.contains(
            "eval passed: recall 0.714 (5/7), keep 0.750 (3/4); 3 documents scored (4 read), 2 misses, 1 false removals, 0 annotation errors"
        ),
        "{}",
        run.stdout
    );
    let o = &json["overall"];
    assert_eq!(o["documents"], 3);
    assert_eq!(o["boilerplate_strings"], 6);
    assert_eq!(o["occurrences"], 7);
    assert_eq!(o["removed"], 5);
    assert!((o["recall"].as_f64().unwrap() - 5.0 / 7.0).abs() < 1e-12);
    assert_eq!(o["keep_strings"], 4);
    assert_eq!(o["kept"], 3);
    assert_eq!(o["keep_rate"], 0.75);
    assert_eq!(json["documents_read"], 4);
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["passed"], true);
    assert_eq!(json["errors"], serde_json::json!([]));
}

#[test]
fn every_miss_is_listed_with_its_document_and_string() {
    let fx = Fixture::new(&gold());
    let (run, json) = fx.eval_json(&[]);
    assert!(
        run.stdout
            .contains("miss g1: \"Subscribe to our letters\" (1 of 1 left)\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("miss n2: \"Share this story\" (1 of 1 left)\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        json["misses"],
        serde_json::json!([
            {"id": "g1", "index": 2, "text": "Subscribe to our letters", "occurrences": 1, "left": 1},
            {"id": "n2", "index": 1, "text": "Share this story", "occurrences": 1, "left": 1},
        ])
    );
    // --show limits the terminal listing only.
    let (quiet, json) = fx.eval_json(&["--show", "1"]);
    assert!(quiet.stdout.contains("miss g1:"), "{}", quiet.stdout);
    assert!(!quiet.stdout.contains("miss n2:"), "{}", quiet.stdout);
    assert!(quiet.stdout.contains("(1 more misses;"), "{}", quiet.stdout);
    assert_eq!(json["misses"].as_array().unwrap().len(), 2);
    let none = fx.eval(&["--show", "0"]);
    assert!(!none.stdout.contains("miss "), "{}", none.stdout);
    assert!(
        none.stdout.contains("(2 misses not shown;"),
        "{}",
        none.stdout
    );
}

#[test]
fn a_lost_keep_string_is_attributed_to_the_rule_that_removed_it() {
    let fx = Fixture::new(&gold());
    let (run, json) = fx.eval_json(&[]);
    assert!(
        run.stdout.contains(
            "false removal g1: \"and its members here\" (removed by gazette.read-more)\n"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        json["false_removals"],
        serde_json::json!([{
            "id": "g1", "index": 1, "text": "and its members here",
            "rules": ["gazette.read-more"], "categories": ["related"],
        }])
    );
    assert_eq!(json["rules"]["gazette.read-more"]["false_removals"], 1);
    assert_eq!(json["rules"]["gazette.read-more"]["occurrences"], 1);
    assert_eq!(json["rules"]["gazette.share"]["false_removals"], 0);
}

#[test]
fn figures_are_broken_down_per_publisher_category_and_language() {
    let fx = Fixture::new(&gold());
    let (_, json) = fx.eval_json(&[]);
    let p = &json["publishers"];
    // g1's publisher is the one chaff resolved from the URL, n2's the
    // annotation's, u3 has neither.
    assert_eq!(
        p.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["gazette", "nord", "unknown"]
    );
    assert_eq!(
        (&p["gazette"]["removed"], &p["gazette"]["occurrences"]),
        (&Value::from(2), &Value::from(3))
    );
    assert_eq!(p["gazette"]["keep_rate"], 0.5);
    assert_eq!(
        (&p["nord"]["removed"], &p["nord"]["occurrences"]),
        (&Value::from(2), &Value::from(3))
    );
    assert_eq!(p["nord"]["keep_rate"], 1.0);
    assert_eq!(p["unknown"]["recall"], 1.0);
    assert_eq!(p["unknown"]["documents"], 1);

    let l = &json["languages"];
    assert_eq!(l["en"]["documents"], 1);
    assert_eq!(l["en"]["kept"], 1);
    assert_eq!(l["fr"]["removed"], 2);
    assert_eq!(l["unknown"]["documents"], 1);

    let c = &json["categories"];
    assert_eq!(c["newsletter"]["occurrences"], 3);
    assert_eq!(c["share"]["occurrences"], 1);
    assert_eq!(c["related"]["occurrences"], 1);
    assert_eq!(c["related"]["false_removals"], 1);
    assert_eq!(c["missed"]["occurrences"], 2);
    let shares: f64 = c
        .as_object()
        .unwrap()
        .values()
        .map(|v| v["share"].as_f64().unwrap())
        .sum();
    assert!((shares - 1.0).abs() < 1e-12, "{shares}");
    assert_eq!(json["rules"]["local.newsletter"]["category"], "newsletter");
    assert_eq!(json["rules"]["local.newsletter"]["occurrences"], 3);
}

#[test]
fn the_markdown_report_has_every_table_and_listing() {
    let fx = Fixture::new(&gold());
    let md = fx.path("report.md");
    let run = fx.eval(&["--report", &md]);
    assert_eq!(run.code, 1);
    let md = std::fs::read_to_string(md).unwrap();
    assert!(md.starts_with("# chaff eval: FAILED\n"), "{md}");
    assert!(md.contains("- Boilerplate recall: **0.714 (5/7)**"), "{md}");
    assert!(
        md.contains("- **Failed**: keep rate 0.750 is below --min-keep 1"),
        "{md}"
    );
    for row in [
        "| gazette | 1 | 0.667 | 2 / 3 | 0.500 | 1 / 2 |",
        "| fr | 1 | 0.667 | 2 / 3 | 1.000 | 1 / 1 |",
        "| missed | 2 | 0.286 | 0 |",
        "| `local.newsletter` | newsletter | 3 | 0 |",
        "| `g1` | and its members here | `gazette.read-more` |",
        "| `n2` | Share this story | 1 of 1 |",
    ] {
        assert!(md.contains(row), "{row}\n{md}");
    }
}

#[test]
fn the_gates_decide_the_exit_code_and_say_which_failed() {
    let fx = Fixture::new(&gold());
    // The default keep gate is 1.0, and one keep string is lost.
    let run = fx.eval(&[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("FAILED: keep rate 0.750 is below --min-keep 1\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("recall 0.714 is below"));

    let run = fx.eval(&["--min-keep", "0.75", "--min-recall", "0.7"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("eval passed"), "{}", run.stdout);

    let run = fx.eval(&["--min-keep", "0.5", "--min-recall", "0.8"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("FAILED: boilerplate recall 0.714 is below --min-recall 0.8\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("keep rate 0.750 is below"));

    let (run, json) = fx.eval_json(&["--min-recall", "0.9"]);
    assert_eq!(run.code, 1);
    assert_eq!(json["passed"], false);
    assert_eq!(json["gate_failures"].as_array().unwrap().len(), 2);
    assert_eq!(json["gates"]["min_recall"], 0.9);
    assert_eq!(json["gates"]["min_keep"], 1.0);
}

#[test]
fn a_bad_annotations_file_is_a_usage_error_naming_it() {
    let fx = Fixture::new(&gold());
    let gold = fx.root.join("gold.json");
    std::fs::write(
        &gold,
        "{\n  \"g1\": {\"boilerplate\": [],\n  \"keep\": [\"a\",]}\n}\n",
    )
    .unwrap();
    let run = fx.eval(&[]);
    assert_eq!(run.code, 2);
    let want = format!("chaff: {}:3:", gold.display());
    assert!(run.stderr.starts_with(&want), "{want}\n{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);

    // The right JSON, the wrong shape: `keep` is missing.
    std::fs::write(&gold, "{\"g1\": {\"boilerplate\": [\"x\"]}}").unwrap();
    let run = fx.eval(&[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(":1:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("missing field `keep`"),
        "{}",
        run.stderr
    );

    std::fs::remove_file(&gold).unwrap();
    let run = fx.eval(&[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains(&format!("{}: cannot read:", gold.display())),
        "{}",
        run.stderr
    );
}

#[test]
fn an_id_with_no_document_and_a_string_not_in_its_document_are_errors_the_rest_is_scored() {
    let mut gold = gold();
    gold["lost"] = serde_json::json!({"url": "", "boilerplate": ["x"], "keep": []});
    gold["u3"]["boilerplate"]
        .as_array_mut()
        .unwrap()
        .push("Not in the text".into());
    let fx = Fixture::new(&gold);
    let (run, json) = fx.eval_json(&["--min-keep", "0"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let file = fx.path("gold.json");
    assert!(
        run.stderr.contains(&format!(
            "chaff: {file}: lost: no document with this id in the input\n"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "chaff: {file}: u3: boilerplate[1] is not a substring of the document: \"Not in the text\"\n"
        )),
        "{}",
        run.stderr
    );
    // The other annotations are scored as before.
    assert!(
        run.stdout
            .contains("recall 0.714 (5/7), keep 0.750 (3/4); 3 documents scored"),
        "{}",
        run.stdout
    );
    assert_eq!(json["errors"].as_array().unwrap().len(), 2);
    assert_eq!(json["errors"][0]["id"], "lost");
    assert_eq!(json["overall"]["boilerplate_strings"], 6);
}

#[test]
fn text_files_are_named_by_their_path_under_the_folder_given() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("wire")).unwrap();
    std::fs::write(
        tree.join("wire/a.txt"),
        "Markets rose.\n\nSign up for the newsletter\n",
    )
    .unwrap();
    std::fs::write(tree.join("wire/b.txt"), "Markets fell.\n").unwrap();
    let pack = dir.path().join("local.toml");
    std::fs::write(&pack, LOCAL).unwrap();
    let gold = dir.path().join("gold.json");
    std::fs::write(
        &gold,
        r#"{"wire/a.txt": {"url": "", "boilerplate": ["Sign up for the newsletter"], "keep": ["Markets rose."]},
            "wire/b.txt": {"url": "", "boilerplate": [], "keep": ["Markets fell."]}}"#,
    )
    .unwrap();
    let run = chaff_str(&[
        "eval",
        "--no-builtin",
        "--rules",
        &pack.display().to_string(),
        "--annotations",
        &gold.display().to_string(),
        &tree.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("recall 1.000 (1/1), keep 1.000 (2/2); 2 documents scored (2 read)"),
        "{}",
        run.stdout
    );
}

#[test]
fn usage_errors_exit_2() {
    let fx = Fixture::new(&gold());
    for args in [
        &["--min-recall", "1.5"][..],
        &["--min-keep=-1"],
        &["--min-keep", "NaN"],
        &["--report", "x.txt"],
    ] {
        let run = fx.eval(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.starts_with("chaff: --"), "{}", run.stderr);
    }
    assert_eq!(
        chaff_str(&["eval", "docs.jsonl"]).code,
        2,
        "--annotations is required"
    );
}

/// With `CHAFF_SCORE_PY` set to the reference scorer, its figures on a
/// `chaff strip` output of the fixture equal `chaff eval`'s.
#[test]
fn figures_equal_the_reference_scorers() {
    let Some(script) = std::env::var_os("CHAFF_SCORE_PY") else {
        eprintln!("CHAFF_SCORE_PY is not set; skipped");
        return;
    };
    let fx = Fixture::new(&gold());
    let out = fx.root.join("out");
    let strip = chaff_str(&[
        "strip",
        "--no-builtin",
        "--rules",
        &fx.path("gazette.toml"),
        "--rules",
        &fx.path("local.toml"),
        &fx.path("docs.jsonl"),
        "--out",
        &out.display().to_string(),
        "--quiet",
    ]);
    assert_eq!(strip.code, 0, "{}", strip.stderr);
    let scored = std::process::Command::new("python3")
        .arg(Path::new(&script))
        .arg(fx.path("docs.jsonl"))
        .arg(out.join("docs.jsonl"))
        .arg(fx.path("gold.json"))
        .output()
        .unwrap();
    let text = String::from_utf8(scored.stdout).unwrap();
    assert_eq!(
        text.lines().last(),
        Some("all: recall=0.714 (5/7) keep=0.750 (3/4)"),
        "{text}"
    );
}

#[test]
fn a_document_read_twice_is_scored_once_from_its_last_copy() {
    let fx = Fixture::new(&gold());
    // A second copy of u3 in which the newsletter line is not on its own, so
    // the rule leaves it: the last copy is the one scored.
    let again = serde_json::json!({"id": "u3", "url": "",
        "text": "Plain story.\n\nSign up for the newsletter today\n"});
    let docs = fx.root.join("docs.jsonl");
    let mut text = std::fs::read_to_string(&docs).unwrap();
    text.push_str(&format!("{again}\n"));
    std::fs::write(&docs, text).unwrap();
    let (run, json) = fx.eval_json(&["--min-keep", "0"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("note: document u3 was read more than once; the last one read is scored\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("recall 0.571 (4/7), keep 0.750 (3/4); 3 documents scored (5 read)"),
        "{}",
        run.stdout
    );
    assert_eq!(json["duplicates"], serde_json::json!(["u3"]));
    assert_eq!(json["publishers"]["unknown"]["documents"], 1);
}
