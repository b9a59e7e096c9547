//! `chaff diff` and dry runs.

use super::*;

// --- diff and dry runs ------------------------------------------------------------

/// The lines `diff` should print for a copy of the bundled articles in
/// `corpus`, from the [`reference`] records of the same articles:
/// `path:line:col: rule (category) "text"`.
fn expected_diff(corpus: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    for file in corpus_files() {
        let name = file_name(&file);
        let rel = article_rel(&name);
        let record = reference()
            .records
            .iter()
            .find(|r| r.file.as_deref() == Some(rel.as_str()))
            .expect("a record of each article");
        let path = corpus.join(&name);
        let original = fs::read_to_string(&path).unwrap();
        for edit in record.rule_edits() {
            let before = &original[..edit.start];
            let line = before.matches('\n').count() + 1;
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            let column = before[start..].chars().count() + 1;
            lines.push(format!(
                "{}:{line}:{column}: {} ({}) {:?}",
                path.display(),
                edit.rule,
                edit.category,
                edit.text
            ));
        }
    }
    lines
}

#[test]
fn diff_prints_one_line_per_removal_and_writes_nothing() {
    let tmp = scratch();
    let corpus = tmp.path().join("corpus");
    copy_corpus(&corpus);
    let expected = expected_diff(&corpus);
    assert!(expected.len() > 5);

    let before = snapshot(tmp.path());
    let run = chaff(&[&"diff", &corpus, &"--color", &"never"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), expected);
    assert_eq!(
        run.stderr,
        format!("{} removals in 5 documents; 0 failed\n", expected.len())
    );
    assert_eq!(snapshot(tmp.path()), before, "nothing written");
}

#[test]
fn strip_dry_run_prints_the_diff_and_writes_nothing() {
    let tmp = scratch();
    let corpus = tmp.path().join("corpus");
    copy_corpus(&corpus);
    let out = tmp.path().join("out");
    let before = snapshot(tmp.path());
    // The binary, with stdout a pipe: no colour.
    let dry = Command::new(BIN)
        .arg("strip")
        .arg(&corpus)
        .arg("--dry-run")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let diff = Command::new(BIN).arg("diff").arg(&corpus).output().unwrap();
    assert_eq!(dry.status.code(), Some(0), "{dry:?}");
    assert_eq!(diff.status.code(), Some(0), "{diff:?}");
    assert!(!dry.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&dry.stdout),
        String::from_utf8_lossy(&diff.stdout)
    );
    assert_eq!(dry.stderr, diff.stderr);
    let pattern =
        regex::Regex::new(r#"^(.+\.txt):\d+:\d+: [a-z0-9.-]+ \([a-z_]+\) ".*"$"#).unwrap();
    for line in String::from_utf8(dry.stdout).unwrap().lines() {
        let caps = pattern.captures(line).unwrap_or_else(|| panic!("{line:?}"));
        assert!(Path::new(&caps[1]).starts_with(&corpus), "{line:?}");
    }
    assert_eq!(snapshot(tmp.path()), before, "nothing written");
    assert!(!out.exists());
}

#[test]
fn diff_color_always_adds_ansi_escapes() {
    let tmp = scratch();
    let corpus = tmp.path().join("corpus");
    copy_corpus(&corpus);
    let color = chaff(&[&"diff", &corpus, &"--color", &"always"]);
    assert_eq!(color.code, 0, "{color:?}");
    let escape = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
    for line in color.stdout.lines() {
        assert!(escape.is_match(line), "{line:?}");
    }
    let plain = escape.replace_all(&color.stdout, "");
    assert_eq!(plain.lines().collect::<Vec<_>>(), expected_diff(&corpus));
}

#[test]
fn diff_reports_a_damaged_shard_as_strip_does() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    let rows: String = (0..2000)
        .map(|i| format!("{{\"id\": \"r{i}\", \"text\": \"Row {i} of a shard cut short.\"}}\n"))
        .collect();
    let mut gz = gzip(rows.as_bytes());
    gz.truncate(gz.len() / 2);
    let shard = input.join("cut.jsonl.gz");
    write(&shard, gz);
    let shown = shard.display().to_string();
    let failure = |stderr: &str| {
        stderr
            .lines()
            .find(|l| l.contains(&shown))
            .map(|l| l[l.find(&shown).unwrap()..].to_string())
            .unwrap_or_else(|| panic!("{shown} not reported: {stderr}"))
    };

    let strip = chaff(&[&"strip", &input, &"--out", &tmp.path().join("out")]);
    let diff = chaff(&[&"diff", &input, &"--color", &"never"]);

    assert_eq!((strip.code, diff.code), (1, 1), "{strip:?} {diff:?}");
    let said = failure(&strip.stderr);
    assert!(said.contains(": cannot read (line "), "{said}");
    assert_eq!(failure(&diff.stderr), said, "{diff:?}");
    assert!(diff.stderr.ends_with("; 1 failed\n"), "{diff:?}");
}

#[test]
fn rows_with_an_escaping_no_encoder_writes_restore_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    // Upper-case hex and an escaped slash: neither encoding writes these.
    let untouched = r#"{"id": "u", "text": "Caf\u00E9 talks at http:\/\/example.org."}"#;
    let stripped = r#"{"id": "s", "text": "Caf\u00E9 talks.\n\nA file photo shows the caf\u00E9. (AFP)\n\nThey ended."}"#;
    fs::write(input.join("s.jsonl"), format!("{untouched}\n{stripped}\n")).unwrap();
    let out = dir.path().join("out");
    strip(&input, &out, &[], 0);
    let written = fs::read_to_string(out.join("s.jsonl")).unwrap();
    // The untouched row's text is written back as it was read.
    assert!(
        written.contains(r#""text": "Caf\u00E9 talks at http:\/\/example.org.""#),
        "{written}"
    );
    let records = records_in(&out.join("provenance.jsonl"));
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].row.as_ref().unwrap().text_raw, None);
    // The stripped row keeps a copy of its raw text: only that rebuilds it.
    assert!(records[1].row.as_ref().unwrap().text_raw.is_some());
    let back = dir.path().join("back");
    let run = chaff(&[&"restore", &out, &"--to", &back]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(back.join("s.jsonl")).unwrap(),
        format!("{untouched}\n{stripped}\n")
    );
    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{}", verify.stderr);
}

#[test]
fn rows_written_with_ascii_escapes_keep_that_style_and_restore_without_a_copy_of_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    // As Python's json.dumps writes by default: every non-ASCII character escaped.
    let row = r#"{"id": "a", "text": "Caf\u00e9 talks \u2014 day two.\n\nA file photo shows the caf\u00e9. (AFP)\n\nThey ended."}"#;
    fs::write(input.join("s.jsonl"), format!("{row}\n")).unwrap();
    let out = dir.path().join("out");
    strip(&input, &out, &[], 0);
    let written = fs::read_to_string(out.join("s.jsonl")).unwrap();
    assert!(written.is_ascii(), "{written}");
    assert!(
        written.contains(r#""text": "Caf\u00e9 talks \u2014 day two.\n\nThey ended.""#),
        "{written}"
    );
    let records = records_in(&out.join("provenance.jsonl"));
    let origin = records[0].row.as_ref().unwrap();
    assert_eq!(origin.text_escape.as_deref(), Some("ascii"));
    assert_eq!(origin.text_raw, None, "no copy of the text is kept");
    let back = dir.path().join("back");
    let run = chaff(&[&"restore", &out, &"--to", &back]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(back.join("s.jsonl")).unwrap(),
        format!("{row}\n")
    );
}

#[test]
fn hashes_are_blake3_unless_sha256_is_asked_for_and_verify_reads_both() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    let mut originals = BTreeMap::new();
    for (i, file) in corpus_files().iter().enumerate() {
        let text = fs::read_to_string(file).expect("corpus file");
        write(&input.join(format!("{i}.txt")), &text);
        originals.insert(format!("{i}.txt"), text);
    }
    for (flag, name) in [(None, "blake3"), (Some("sha256"), "sha256")] {
        let out = tmp.path().join(name);
        let extra: Vec<&str> = match flag {
            Some(h) => vec!["--quiet", "--hash", h],
            None => vec!["--quiet"],
        };
        strip(&input, &out, &extra, 0);
        assert_eq!(manifest(&out)["options"]["hash"], name);
        for r in records(&out) {
            let original = &originals[r.file.as_deref().expect("file")];
            let expected = match name {
                "blake3" => format!("blake3:{}", blake3::hash(original.as_bytes()).to_hex()),
                _ => format!("sha256:{}", sha256(original.as_bytes())),
            };
            assert_eq!(r.input_hash, expected, "{}", r.id);
            assert!(r.output_hash.starts_with(&format!("{name}:")), "{}", r.id);
        }
        let verify = chaff(&[&"verify", &out]);
        assert_eq!(verify.code, 0, "{}", verify.stderr);
    }
}
