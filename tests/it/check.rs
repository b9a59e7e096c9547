//! `chaff lint` and `chaff check`: what a dataset repository's CI sees.

use crate::support::{chaff_str, corpus_copy, repo};

const BAD_PACK: &str = r#"[pack]
id = "local"
scope = "common"

[[rules]]
id = "local.hidden"
category = "other"
anchor = "Read more"
remove = "anchor"
strip = [{ text = "Read more: now", clean = ": now" }]
keep = ["Nothing to see."]

[[rules]]
id = "local.longer"
category = "related"
anchor = "Read more: "
where = "ends-with"
strip = ["Read more: "]
keep = ["Nothing here either."]

[[rules]]
id = "local.regexy"
category = "other"
anchor = "\\d+ hours ago"
where = "equals"
strip = ["\\d+ hours ago"]
keep = ["3 hours ago the talks began."]

[[rules]]
id = "local.body"
category = "other"
anchor = "the Kremlin said"
remove = "anchor"
strip = [{ text = "as the Kremlin said", clean = "as" }]
keep = ["Nothing."]
"#;

#[test]
fn lint_passes_the_built_in_rules() {
    let run = chaff_str(&["lint"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.ends_with("0 errors, 0 warnings\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn lint_points_at_each_problem_with_file_line_column_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("local.toml");
    std::fs::write(&pack, BAD_PACK).unwrap();
    let p = pack.display().to_string();
    let run = chaff_str(&["lint", "--no-builtin", &p]);
    assert_eq!(run.code, 0, "warnings do not fail: {}", run.stdout);
    for (at, check, rule) in [
        ("8:11", "shadowed-anchor", "local.hidden"),
        ("24:11", "regex-in-anchor", "local.regexy"),
        ("32:11", "anchor-in-body-text", "local.body"),
    ] {
        let want = format!("{p}:{at}: warning[{check}] in rule `{rule}`");
        assert!(run.stdout.contains(&want), "{want}\n{}", run.stdout);
    }
    let strict = chaff_str(&["lint", "--no-builtin", "--deny-warnings", &p]);
    assert_eq!(strict.code, 1);
}

#[test]
fn check_passes_on_the_bundled_corpus_against_its_goldens_and_writes_reports() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_copy(dir.path());
    let md = dir.path().join("summary.md");
    let json = dir.path().join("summary.json");
    let run = chaff_str(&[
        "check",
        &corpus.display().to_string(),
        "--golden",
        &repo("tests/golden"),
        "--report",
        &md.display().to_string(),
        "--report",
        &json.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("check passed"), "{}", run.stdout);
    let md = std::fs::read_to_string(md).unwrap();
    assert!(md.starts_with("# chaff check: passed"));
    for heading in [
        "## Hits per rule",
        "## Hits per publisher",
        "## Rules that never fired",
    ] {
        assert!(md.contains(heading), "{heading}");
    }
    assert!(md.contains("| `moscow-times.reader-appeal` | donation_appeal | 1 | 1 |"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(json["passed"], true);
    assert_eq!(json["documents"], 5);
    assert_eq!(json["rules"]["presstv.crumb"]["documents"], 1);
    assert_eq!(json["publishers"]["unknown"]["documents"], 2);
    assert!(
        json["never_fired"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("promo.share"))
    );
}

#[test]
fn check_fails_on_drift_with_a_readable_diff() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_copy(dir.path());
    let golden = dir.path().join("golden");
    let c = corpus.display().to_string();
    let g = golden.display().to_string();
    let update = chaff_str(&["check", &c, "--golden", &g, "--update"]);
    assert_eq!(update.code, 0, "{}{}", update.stdout, update.stderr);
    assert!(golden.join("002_300e37ba7f2620e8.clean.txt").is_file());
    assert_eq!(chaff_str(&["check", &c, "--golden", &g]).code, 0);

    // A reviewer's expectation that the BBC stamp stays: drift.
    let path = golden.join("002_300e37ba7f2620e8.clean.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = text.replacen('\n', "\n- Published\n", 1);
    std::fs::write(&path, changed).unwrap();
    let run = chaff_str(&["check", &c, "--golden", &g]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("check FAILED"), "{}", run.stdout);
    assert!(run.stdout.contains("-- Published\n"), "{}", run.stdout);
}

#[test]
fn check_compares_per_rule_hit_counts_with_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_copy(dir.path());
    let baseline = dir.path().join("baseline.json");
    let c = corpus.display().to_string();
    let b = baseline.display().to_string();
    assert_eq!(
        chaff_str(&["check", &c, "--baseline", &b, "--update"]).code,
        0
    );
    assert_eq!(chaff_str(&["check", &c, "--baseline", &b]).code, 0);
    // One article fewer: the counts drift.
    std::fs::remove_file(corpus.join("003_5ad55822cbf89809.txt")).unwrap();
    let run = chaff_str(&["check", &c, "--baseline", &b]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("drift: rule `moscow-times.reader-appeal`: 1 documents"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_flags_documents_over_the_removal_budget() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_copy(dir.path());
    let json = dir.path().join("r.json");
    let run = chaff_str(&[
        "check",
        &corpus.display().to_string(),
        "--budget",
        "0.2",
        "--report",
        &json.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "over budget is flagged, not failed");
    assert!(run.stdout.contains("1 over budget"), "{}", run.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let over = json["over_budget"].as_array().unwrap();
    assert!(
        over[0][0]
            .as_str()
            .unwrap()
            .ends_with("003_5ad55822cbf89809.txt")
    );
}

#[test]
fn check_fails_when_a_rule_example_fails() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("p.toml");
    std::fs::write(
        &pack,
        "[pack]\nid = \"p\"\nscope = \"common\"\n\n[[rules]]\nid = \"p.x\"\ncategory = \"other\"\nanchor = \"Subscribe now\"\nwhere = \"equals\"\nstrip = [\"Subscribe now!\"]\nkeep = [\"y\"]\n",
    )
    .unwrap();
    let corpus = corpus_copy(dir.path());
    let run = chaff_str(&[
        "check",
        &corpus.display().to_string(),
        "--rules",
        &pack.display().to_string(),
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("rule test failed: missing p.x"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_usage_errors_exit_2() {
    assert_eq!(chaff_str(&["check", "--update"]).code, 2);
    assert_eq!(chaff_str(&["check", "--report", "x.txt"]).code, 2);
    assert_eq!(chaff_str(&["check", "--budget", "2"]).code, 2);
}
