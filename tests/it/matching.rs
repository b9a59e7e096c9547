//! Matching that survives how extractors print text: white space and
//! typography, dictionary rules, shape conditions, neighbour rules and
//! publisher resolution. Each case is a small pack and the text it strips.

use chaff::rules::Source;
use chaff::{Document, RuleSet, Stripper, restore};

fn stripper(packs: &[(&str, &str)]) -> Stripper {
    let sources: Vec<Source> = packs
        .iter()
        .map(|(name, text)| Source::new(name.to_string(), text.to_string()))
        .collect();
    let set = RuleSet::from_sources(&sources).unwrap_or_else(|e| panic!("loads: {e}"));
    Stripper::new(set).expect("builds")
}

/// A common pack `id` with `rules` (TOML `[[rules]]` tables).
fn common_pack(id: &str, rules: &str) -> String {
    format!("[pack]\nid = \"{id}\"\nscope = \"common\"\n\n{rules}")
}

fn common(rules: &str) -> Stripper {
    stripper(&[("t.toml", &common_pack("t", rules))])
}

/// A rule folder holding `files` (path, text).
fn pack_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Strips `text` and checks the invariants on the way.
fn clean(s: &Stripper, text: &str) -> String {
    let out = s.strip(&Document::new("d", text));
    assert_eq!(restore(&out.clean, &out.record).unwrap(), text);
    let again = s.strip(&Document::new("d", &out.clean));
    assert_eq!(again.clean, out.clean, "stripping is idempotent");
    out.clean
}

#[test]
fn an_anchor_space_matches_any_run_of_white_space_and_its_ends_are_trimmed() {
    let s = common(
        r#"[[rules]]
id = "t.caption-label"
category = "caption"
anchor = "Image caption, "
remove = "line"
where = "starts-with"
strip = ["Image caption, A man walks"]
keep = ["The caption said little."]
"#,
    );
    assert_eq!(
        clean(&s, "Body one.\nImage caption,\nBody two.\n"),
        "Body one.\nBody two.\n"
    );
    assert_eq!(clean(&s, "Body.\nImage\u{a0}caption,\tA man\n"), "Body.\n");
    assert_eq!(clean(&s, "Image  caption, x\n"), "");
}

#[test]
fn exact_space_keeps_byte_exact_white_space() {
    let s = common(
        r#"[[rules]]
id = "t.exact"
category = "other"
anchor = "Share  this"
exact-space = true
remove = "anchor"
strip = [{ text = "a Share  this b", clean = "a b" }]
keep = ["Share this with friends"]
"#,
    );
    assert_eq!(
        clean(&s, "Share this with friends"),
        "Share this with friends"
    );
    assert_eq!(clean(&s, "x Share  this y"), "x y");
}

#[test]
fn typographic_variants_match_only_where_the_rule_asks() {
    let rule = |typographic: bool| {
        format!(
            r#"[[rules]]
id = "t.dont-miss"
category = "related"
anchor = "Don't miss"
typographic = {typographic}
remove = "line"
where = "starts-with"
strip = ["Don't miss: our live page"]
keep = ["They said they don't miss it."]
"#
        )
    };
    let text = "Body.\nDon’t miss: the live page\n";
    assert_eq!(clean(&common(&rule(true)), text), "Body.\n");
    assert_eq!(clean(&common(&rule(false)), text), text);
    assert_eq!(
        clean(&common(&rule(false)), "Body.\nDon't miss: it\n"),
        "Body.\n"
    );
}

#[test]
fn case_insensitive_rules_do_not_fold_the_others() {
    let s = common(
        r#"[[rules]]
id = "t.ci"
category = "related"
anchor = "read also"
case-insensitive = true
remove = "line"
where = "starts-with"
strip = ["READ ALSO: x"]
keep = ["We read also the papers."]

[[rules]]
id = "t.cs"
category = "advertisement"
anchor = "ANZEIGE"
remove = "line"
where = "equals"
strip = ["ANZEIGE"]
keep = ["Die Anzeige lief lange."]
"#,
    );
    assert_eq!(clean(&s, "Read Also: x\nBody.\n"), "Body.\n");
    assert_eq!(clean(&s, "anzeige\nBody.\n"), "anzeige\nBody.\n");
    assert_eq!(clean(&s, "ANZEIGE\nBody.\n"), "Body.\n");
}

#[test]
fn dictionary_rules_remove_whole_lines_folded() {
    let dir = pack_dir(&[
        (
            "lines/ui.txt",
            "# UI labels\nLeave a Reply\nKeine Kommentare\n\nTeilen mit:\n",
        ),
        (
            "ui.toml",
            &common_pack(
                "ui",
                r#"[[rules]]
id = "ui.lines"
category = "other"
dictionary = ["lines/ui.txt"]
strip = ["Leave A Reply"]
keep = ["Leave a reply with your name, the form said."]
"#,
            ),
        ),
    ]);
    let set = RuleSet::load_paths(&[dir.path()]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.rules()[0].dictionary.len(), 3);
    let s = Stripper::new(set).unwrap();
    let text = "Body one.\n  LEAVE A  REPLY \nkeine kommentare\nTeilen mit: Facebook\nBody two.\n";
    assert_eq!(
        clean(&s, text),
        "Body one.\nTeilen mit: Facebook\nBody two.\n"
    );
}

#[test]
fn a_missing_dictionary_or_short_entry_is_a_load_error_naming_it() {
    let dir = pack_dir(&[
        ("short.txt", "Share this\nok\n"),
        (
            "d.toml",
            &common_pack(
                "d",
                r#"[[rules]]
id = "d.missing"
category = "other"
dictionary = ["nope.txt"]
strip = ["x"]
keep = ["y"]

[[rules]]
id = "d.short"
category = "other"
dictionary = ["short.txt"]
strip = ["Share this"]
keep = ["y"]
"#,
            ),
        ),
    ]);
    let err = RuleSet::load_paths(&[dir.path()]).unwrap_err().to_string();
    assert!(
        err.contains("d.missing") && err.contains("nope.txt"),
        "{err}"
    );
    assert!(
        err.contains("short.txt:2:1") && err.contains("`ok`"),
        "{err}"
    );
    // A device or a path outside the rule folder is refused, not read.
    for name in ["/dev/zero", "../x.txt"] {
        std::fs::write(
            dir.path().join("d.toml"),
            common_pack(
                "d",
                &format!("[[rules]]\nid = \"d.dev\"\ncategory = \"other\"\ndictionary = [\"{name}\"]\nstrip = [\"x\"]\nkeep = [\"y\"]\n"),
            ),
        )
        .unwrap();
        let err = RuleSet::load_paths(&[dir.path().join("d.toml")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("d.dev") && err.contains("relative"), "{err}");
    }
}

#[test]
fn shape_conditions_keep_sentences() {
    let s = common(
        r#"[[rules]]
id = "t.related-label"
category = "related"
anchors = ["Related", "Most Read"]
remove = "line"
where = "starts-with"
max-words = 5
no-final-punct = true
case = "title"
strip = ["Most Read in World"]
keep = ["Related talks went on until late.", "Most read the report in full"]
"#,
    );
    assert_eq!(clean(&s, "Most Read in World\nBody.\n"), "Body.\n");
    assert_eq!(
        clean(&s, "Related talks went on.\nBody.\n"),
        "Related talks went on.\nBody.\n"
    );
    assert_eq!(
        clean(&s, "Most read it in the world\n"),
        "Most read it in the world\n"
    );
}

#[test]
fn credit_and_repeated_shapes() {
    let s = common(
        r#"[[rules]]
id = "t.credit-line"
category = "credit"
anchors = ["Reuters", "AFP /"]
remove = "line"
credit = true
strip = ["AFP / MARCO BERTORELLO"]
keep = ["Reuters reported that the talks had stalled."]

[[rules]]
id = "t.repeated-caption"
category = "caption"
anchor = "pictured"
remove = "line"
repeated = true
max-words = 12
strip = [{ text = "Ann, pictured here\nBody.\nAnn, pictured here\n", clean = "Body.\n" }]
keep = ["She was pictured at the summit."]
"#,
    );
    assert_eq!(clean(&s, "AFP / MARCO BERTORELLO\nBody.\n"), "Body.\n");
    assert_eq!(
        clean(&s, "Reuters reported it.\n(Azov Battalion/Reuters)\n"),
        "Reuters reported it.\n"
    );
    let once = "Ann, pictured here\nBody.\n";
    assert_eq!(clean(&s, once), once);
}

#[test]
fn neighbour_rules_take_the_lines_after_a_removal() {
    let s = common(
        r#"[[rules]]
id = "t.related"
category = "related"
anchor = "Related Posts"
remove = "line"
where = "equals"
strip = ["Related Posts"]
keep = ["Related posts were deleted."]

[[rules]]
id = "t.teasers"
category = "related"
after = ["t.related"]
max-run = 3
max-words = 12
no-final-punct = true
strip = [{ text = "Related Posts\nA Teaser Headline Here\nBody.\n", clean = "Body.\n" }]
keep = ["Body text."]
"#,
    );
    let text = "Body one.\nRelated Posts\nFirst Headline Of A List\n\nSecond Headline Here\nA body sentence that ends.\n";
    assert_eq!(clean(&s, text), "Body one.\nA body sentence that ends.\n");
    // Its examples run with the rule it follows: on its own it could never
    // fire.
    let report = chaff::selftest::run(s.rules());
    assert!(report.passed(), "{:#?}", report.failures);
}

#[test]
fn an_unknown_neighbour_is_a_load_error() {
    let err = RuleSet::from_sources(&[Source::new(
        "n.toml",
        common_pack(
            "n",
            "[[rules]]\nid = \"n.x\"\ncategory = \"related\"\nafter = [\"n.nope\"]\nstrip = [\"x\"]\nkeep = [\"y\"]\n",
        ),
    )])
    .unwrap_err()
    .to_string();
    assert!(err.contains("n.x") && err.contains("n.nope"), "{err}");
}

fn publisher_pack() -> &'static str {
    r#"[pack]
id = "naharnet"
scope = "publisher"
domains = ["naharnet.com"]
signatures = ["W140 Full Story", "Latest stories"]
strong-signatures = ["Naharnet Newsdesk"]

[[rules]]
id = "naharnet.full-story"
category = "related"
anchor = "W140 Full Story"
remove = "line"
strip = ["W140 Full Story"]
keep = ["The full story came later."]
"#
}

#[test]
fn one_weak_signature_does_not_decide_a_publisher() {
    let s = stripper(&[("n.toml", publisher_pack())]);
    let one = s.strip(&Document::new("d", "Body.\nW140 Full Story\n"));
    assert_eq!(one.record.publisher.id, None);
    let two = s.strip(&Document::new(
        "d",
        "Latest stories\nBody.\nW140 Full Story\n",
    ));
    assert_eq!(two.record.publisher.id.as_deref(), Some("naharnet"));
    assert_eq!(two.record.publisher.evidence.len(), 2);
    let strong = s.strip(&Document::new(
        "d",
        "Naharnet Newsdesk\nBody.\nW140 Full Story\n",
    ));
    assert_eq!(strong.record.publisher.id.as_deref(), Some("naharnet"));
    assert_eq!(strong.clean, "Naharnet Newsdesk\nBody.\n");
}

#[test]
fn one_registrable_domain_is_one_publisher() {
    let s = stripper(&[("n.toml", publisher_pack())]);
    let doc = Document::new("d", "Body.\nW140 Full Story\n").url("https://cdn.naharnet.com/x");
    let out = s.strip(&doc);
    assert_eq!(out.record.publisher.id.as_deref(), Some("naharnet"));
    assert_eq!(
        out.record.publisher.evidence,
        ["host cdn.naharnet.com is under domain naharnet.com"]
    );
    assert_eq!(out.clean, "Body.\n");
    let other = s.strip(&Document::new("d", "x").url("https://naharnet.com.example.org/"));
    assert_eq!(other.record.publisher.id, None);
}

#[test]
fn many_anchors_on_one_long_line_are_each_removed() {
    let s = common(
        r#"[[rules]]
id = "t.external"
category = "link_marker"
anchor = ", external"
remove = "anchor"
regex = '(?P<remove>, external)(?:[.,;:!?)]|\s|$)'
strip = [{ text = "a statement, external.", clean = "a statement." }]
keep = ["internal and, externally"]
"#,
    );
    // 20,000 hits on one line, each confirmed against the one match of the
    // line's regex that covers it. What this costs is measured by
    // `benches/bounds.sh` (a row of 200,000 such hits), not here.
    let line = "word, external ".repeat(20_000);
    let out = s.strip(&Document::new("d", &line));
    assert_eq!(out.clean, "word ".repeat(20_000).trim_end());
    let by_rule = out.record.edits.iter().filter(|e| e.rule == "t.external");
    assert_eq!(by_rule.count(), 20_000);
}

#[test]
fn a_document_left_short_of_its_fixed_point_is_reported() {
    let s = common(
        r#"[[rules]]
id = "t.xxyy"
category = "other"
anchor = "xxyy"
remove = "anchor"
strip = [{ text = "a xxyy b", clean = "a b" }]
keep = ["xy"]
"#,
    );
    // Each pass removes one `xxyy` where the x's meet the y's, and makes
    // another: 100 passes would be needed, more than the limit.
    let text = format!("{}{}", "x".repeat(200), "y".repeat(200));
    let out = s.strip(&Document::new("d", &text));
    assert!(out.record.unsettled);
    assert_eq!(restore(&out.clean, &out.record).unwrap(), text);
    let json = serde_json::to_value(&out.record).unwrap();
    assert_eq!(json["unsettled"], true);
    // A document that reaches its fixed point says nothing.
    let fine = s.strip(&Document::new("d", "a xxyy b"));
    assert!(!fine.record.unsettled);
    assert!(
        serde_json::to_value(&fine.record)
            .unwrap()
            .get("unsettled")
            .is_none()
    );
}

#[test]
fn diff_says_why_a_publisher_was_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let shard = dir.path().join("a.jsonl");
    std::fs::write(
        &shard,
        "{\"id\": \"a\", \"url\": \"https://news.bbc.co.uk/news/x\", \"text\": \"Body.\"}\n{\"id\": \"b\", \"text\": \"Body.\"}\n",
    )
    .unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let argv = ["chaff", "diff", "--publishers", "--color", "never"]
        .iter()
        .map(std::ffi::OsString::from)
        .chain([shard.clone().into_os_string()]);
    let code = chaff::cli::run(argv, &mut out, &mut err);
    let out = String::from_utf8(out).unwrap();
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    assert!(
        out.contains(
            "a.jsonl:1: publisher bbc (by domain: host news.bbc.co.uk is under domain bbc.co.uk)"
        ),
        "{out}"
    );
    assert!(
        out.contains(": publisher unknown (no pack's domain or signatures)"),
        "{out}"
    );
}

#[test]
fn every_line_rules_check_short_lines_without_anchors() {
    let s = common(
        r#"[[rules]]
id = "t.date-line"
category = "byline"
every-line = true
max-len = 40
regex = '^\s*\d{1,2} (?:May|June) \d{4}\s*$'
strip = ["3 May 2022"]
keep = ["On 3 May 2022 the talks resumed."]
"#,
    );
    let text = "Talks resume\n  3 May 2022 \nOn 3 May 2022 the talks resumed in the capital, and went on late.\n";
    assert_eq!(
        clean(&s, text),
        "Talks resume\nOn 3 May 2022 the talks resumed in the capital, and went on late.\n"
    );
    let err = RuleSet::from_sources(&[Source::new(
        "e.toml",
        common_pack(
            "e",
            "[[rules]]\nid = \"e.x\"\ncategory = \"byline\"\nevery-line = true\nregex = 'x'\nstrip = [\"x\"]\nkeep = [\"y\"]\n",
        ),
    )])
    .unwrap_err()
    .to_string();
    assert!(err.contains("e.x") && err.contains("every-line"), "{err}");
}

#[test]
fn whole_line_anchors_are_looked_up_not_walked() {
    let s = common(
        r#"[[rules]]
id = "t.reply"
category = "footer"
anchors = ["Leave a Reply", "Leave A Comment"]
case-insensitive = true
remove = "line"
where = "equals"
strip = ["Leave a Reply"]
keep = ["Leave a reply below, she said."]

[[rules]]
id = "t.share"
category = "share"
anchor = "Share this"
remove = "anchor"
strip = [{ text = "a Share this b", clean = "a b" }]
keep = ["Shares rose."]
"#,
    );
    // The equals-line anchors live in the line table, the other in the
    // automaton.
    assert_eq!(s.line_key_count(), 2);
    assert_eq!(s.pattern_count(), 1);
    assert!(s.line_key_memory() > 0);
    // Case and typography fold; the line's own spaces are trimmed.
    assert_eq!(
        clean(
            &s,
            "Body.\n  LEAVE A REPLY \t\nleave\u{a0}a comment\nEnd.\n"
        ),
        "Body.\nEnd.\n"
    );
    // Only the whole line: the same words inside a sentence stay.
    let text = "Leave a Reply to this, we said.\nBody.\n";
    assert_eq!(clean(&s, text), text);
}

#[test]
fn a_whole_line_anchor_spans_a_run_of_lines() {
    let s = common(
        r#"[[rules]]
id = "t.hint"
category = "other"
anchor = "Remind me later."
remove = "line"
where = "equals"
strip = ["Remind me later."]
keep = ["Remind me later, she said."]
"#,
    );
    // The anchor's spaces match line breaks, so its lines go as one.
    assert_eq!(
        clean(&s, "Body.\nRemind me\n\nlater.\nEnd.\n"),
        "Body.\nEnd.\n"
    );
    // A run only counts as a whole: its last line must end the anchor.
    let text = "Body.\nRemind me\nlater. Or now.\n";
    assert_eq!(clean(&s, text), text);
}

/// A rule that removes a line reading exactly "Read more".
const READ_MORE_LINE: &str = r#"[[rules]]
id = "t.more"
category = "related"
anchor = "Read more"
remove = "line"
where = "equals"
strip = ["Read more"]
keep = ["Read more books."]
"#;

#[test]
fn a_whole_line_anchor_is_found_inside_a_longer_anchor() {
    // "Read more" the whole line, and "Read more about it:" before one
    // word: an automaton that reports the leftmost-longest match sees only
    // the longer anchor where the next line goes on with its words, and
    // that rule's regex turns it down.
    let s = common(&format!(
        r#"{READ_MORE_LINE}
[[rules]]
id = "t.about"
category = "related"
anchor = "Read more about it:"
remove = "line"
regex = '^Read more about it: \S+$'
strip = ["Read more about it: x"]
keep = ["Read more about"]
"#
    ));
    assert_eq!(
        clean(&s, "Body.\nRead more\nabout it: the talks.\n"),
        "Body.\nabout it: the talks.\n"
    );
    assert_eq!(
        clean(&s, "Body.\nRead more about it: x\nEnd.\n"),
        "Body.\nEnd.\n"
    );
}

#[test]
fn a_whole_line_anchor_met_by_a_removal_is_found_on_the_next_pass() {
    // Removing the share button leaves "Read more" alone on its line, which
    // the line rule then removes: strip reaches its fixed point at once.
    let s = common(&format!(
        r#"{READ_MORE_LINE}
[[rules]]
id = "t.share"
category = "share"
anchor = "[Share]"
remove = "anchor"
strip = [{{ text = "a [Share] b", clean = "a b" }}]
keep = ["Share"]
"#
    ));
    assert_eq!(
        clean(&s, "Body.\nRead more[Share]\nEnd.\n"),
        "Body.\nEnd.\n"
    );
    // And where the removal joins two lines' words into one line's.
    assert_eq!(
        clean(&s, "Body.\nRead[Share] more\nEnd.\n"),
        "Body.\nEnd.\n"
    );
}
