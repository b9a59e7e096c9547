//! Which inputs are read, the removal budget, and bad input named.

use super::*;

// --- which inputs -----------------------------------------------------------------

#[test]
fn include_and_exclude_globs_choose_the_inputs_by_relative_path() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    for rel in [
        "a.txt",
        "b.txt",
        "drafts/d.txt",
        "drafts/old/e.txt",
        "notes/c.txt",
    ] {
        write(&input.join(rel), format!("Body of {rel}.\n"));
    }
    write(
        &input.join("shards/s.jsonl"),
        "{\"id\":\"s\",\"text\":\"Row.\\n\"}\n",
    );
    let cases: [(&[&str], &[&str]); 6] = [
        (
            &[],
            &[
                "a.txt",
                "b.txt",
                "drafts/d.txt",
                "drafts/old/e.txt",
                "notes/c.txt",
                "shards/s.jsonl",
            ],
        ),
        (&["--include", "*.jsonl"], &["shards/s.jsonl"]),
        (
            &["--include", "notes/*", "--include", "drafts/**"],
            &["drafts/d.txt", "drafts/old/e.txt", "notes/c.txt"],
        ),
        (
            &["--exclude", "drafts"],
            &["a.txt", "b.txt", "notes/c.txt", "shards/s.jsonl"],
        ),
        (
            &["--include", "*.txt", "--exclude", "drafts/old"],
            &["a.txt", "b.txt", "drafts/d.txt", "notes/c.txt"],
        ),
        (
            &["--exclude", "b.txt", "--exclude", "shards/*.jsonl"],
            &["a.txt", "drafts/d.txt", "drafts/old/e.txt", "notes/c.txt"],
        ),
    ];
    for (i, (options, expected)) in cases.iter().enumerate() {
        let out = tmp.path().join(format!("out{i}"));
        let mut args = vec!["--quiet", "--no-builtin"];
        args.extend_from_slice(options);
        strip(&input, &out, &args, 0);
        assert_eq!(manifest_files(&manifest(&out)), *expected, "{options:?}");
        for rel in *expected {
            assert!(out.join(rel).is_file(), "{options:?}: {rel}");
        }
    }

    // A glob that does not parse is a usage error, and nothing is written.
    let out = tmp.path().join("bad");
    for flag in ["--include", "--exclude"] {
        let run = chaff(&[&"strip", &input, &"--out", &out, &flag, &"drafts/[old"]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains(flag), "{run:?}");
        assert_eq!(run.stdout, "");
        let diff = chaff(&[&"diff", &input, &flag, &"drafts/[old"]);
        assert_eq!(diff.code, 2, "{diff:?}");
    }
    assert!(!out.exists());
}

#[test]
fn an_output_folder_inside_the_input_folder_is_not_read_back_as_input() {
    let tmp = scratch();
    let inputs = ["a.txt", "b.jsonl"];
    let make = |dir: &Path| {
        write(&dir.join("a.txt"), "Body.\n");
        write(
            &dir.join("b.jsonl"),
            "{\"id\":\"b\",\"text\":\"Row.\\n\"}\n",
        );
    };

    let input = tmp.path().join("in");
    make(&input);
    let out = input.join("out");
    for _ in 0..2 {
        strip(&input, &out, &["--quiet", "--no-builtin"], 0);
        assert_eq!(manifest_files(&manifest(&out)), inputs);
        assert!(
            tree(&out).iter().all(|f| !f.starts_with("out/")),
            "{:?}",
            tree(&out)
        );
    }

    // The same with relative paths, from the binary's working folder.
    make(&tmp.path().join("rel"));
    for _ in 0..2 {
        let run = Command::new(BIN)
            .args([
                "strip",
                "rel",
                "--out",
                "./rel/clean",
                "--quiet",
                "--no-builtin",
            ])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{run:?}");
        let clean = tmp.path().join("rel/clean");
        assert_eq!(manifest_files(&manifest(&clean)), inputs);
    }
}

// --- the removal budget -----------------------------------------------------------

/// Documents of the [`reference`] strip whose removals are more than
/// `budget` of their characters, named as the manifest of a run on the
/// tree in `input` names them (`path`, or `path:line` for rows).
fn over_budget(input: &Path, budget: f64) -> Vec<String> {
    let mut over = Vec::new();
    for record in &reference().records {
        let original = original_text(input, record);
        let share = record.removed_chars() as f64 / original.chars().count() as f64;
        if share > budget {
            over.push(source_name(input, record));
        }
    }
    over
}

/// How a run on the tree in `input` names a document: `path` or `path:line`.
fn source_name(input: &Path, record: &Record) -> String {
    let path = input
        .join(record.file.as_ref().unwrap())
        .display()
        .to_string();
    match record.line {
        Some(line) => format!("{path}:{line}"),
        None => path,
    }
}

#[test]
fn budget_keep_leaves_an_over_budget_document_unchanged_and_lists_it() {
    let tmp = scratch();
    let (input, _) = mixed_tree(tmp.path());
    let over = over_budget(&input, 0.3);
    let (moscow, _) = article(MOSCOW_TIMES);
    let moscow = input.join(article_rel(&moscow)).display().to_string();
    assert!(over.contains(&moscow), "{over:?}");
    assert!(
        over.len() < 6,
        "most documents are under the budget: {over:?}"
    );

    let out = tmp.path().join("keep");
    let run = strip(
        &input,
        &out,
        &["--budget", "0.3", "--budget-action", "keep"],
        1,
    );
    assert_eq!(manifest(&out)["over_budget"], serde_json::json!(over));
    assert!(
        run.stderr
            .contains(&format!(", {} over budget; ", over.len())),
        "{run:?}"
    );

    let r = reference();
    let reference = r.by_document();
    for (key, record) in by_document(rebased(records(&out), &input)) {
        let kept = over.contains(&source_name(&input, &record));
        assert_eq!(
            record.edits, reference[&key].edits,
            "{key:?}: its edits are listed"
        );
        let mode = if kept { Mode::Tag } else { Mode::Strip };
        assert_eq!(record.mode, mode, "{key:?}");
        let output = decompressed(&out.join(&key.0));
        match key.1 {
            None if kept => assert!(output == fs::read(input.join(&key.0)).unwrap()),
            None => assert!(output == r.outputs[&key.0], "{key:?}"),
            Some(line) => {
                let at = line as usize - 1;
                let ours = &lines_of(&output)[at];
                if kept {
                    let row = parse_json(ours.trim_end().as_bytes());
                    assert_eq!(row["text"], original_text(&input, &record), "{key:?}");
                    assert_eq!(record.mode, Mode::Tag, "{key:?}");
                } else {
                    let theirs = &lines_of(&decompress(&r.outputs[&key.0]))[at];
                    assert_eq!(ours, theirs, "{key:?}");
                }
            }
        }
    }
}

#[test]
fn budget_strip_strips_an_over_budget_document_but_still_lists_it() {
    let tmp = scratch();
    let (input, _) = mixed_tree(tmp.path());
    let over = over_budget(&input, 0.3);
    assert!(!over.is_empty());

    let out = tmp.path().join("budget");
    let run = strip(&input, &out, &["--budget", "0.3"], 1);
    assert_eq!(manifest(&out)["over_budget"], serde_json::json!(over));
    assert!(
        run.stderr
            .contains(&format!(", {} over budget; ", over.len())),
        "{run:?}"
    );
    // Stripped as without the budget.
    for rel in &reference().inputs {
        assert!(
            fs::read(out.join(rel)).unwrap() == reference().outputs[rel],
            "{rel} as without a budget"
        );
    }
    assert!(records(&out).iter().all(|r| r.mode == Mode::Strip));
}

// --- bad input, by name -----------------------------------------------------------

/// Strips `rows` as `in/s.jsonl` with the built-in rules; returns the run,
/// the output folder and the output lines.
fn strip_rows(tmp: &Path, rows: &[&str], code: i32) -> (Run, PathBuf, Vec<String>) {
    let input = tmp.join("in");
    write(&input.join("s.jsonl"), rows.concat());
    let out = tmp.join("out");
    let run = strip(&input, &out, &[], code);
    let lines = lines_of(&fs::read(out.join("s.jsonl")).unwrap());
    (run, out, lines)
}

#[test]
fn a_numeric_text_is_a_row_error_not_a_document() {
    let tmp = scratch();
    let rows = [
        "{\"id\":\"a\",\"text\":12345}\n",
        "{\"id\":\"b\",\"text\":1.5e3}\n",
        "{\"id\":\"c\",\"text\":\"A file photo shows both presidents. (AFP)\\n\\nThe talks lasted an hour.\\n\"}\n",
    ];
    let (run, out, lines) = strip_rows(tmp.path(), &rows, 1);
    let path = tmp.path().join("in/s.jsonl").display().to_string();
    for no in [1, 2] {
        assert_eq!(lines[no - 1], rows[no - 1], "copied unchanged");
        let now = format!("chaff: {path}:{no}: field `text` is not a string; copied unchanged");
        assert!(run.stderr.lines().any(|l| l == now), "{now}: {run:?}");
    }
    let ids: Vec<String> = records(&out).into_iter().map(|r| r.id).collect();
    assert_eq!(ids, ["c"]);
    assert_eq!(chaff(&[&"verify", &out]).code, 0);
}

#[test]
fn null_metadata_is_stripped_as_no_metadata_and_restores_byte_for_byte() {
    let tmp = scratch();
    let rows = [
        "{\"id\":\"a\",\"text\":\"A file photo shows both presidents. (AFP)\\n\\nThe talks lasted an hour.\\n\",\"metadata\": null}\n",
        "{\"id\":\"b\", \"metadata\":null, \"text\":\"Plain body.\\n\"}\n",
    ];
    let (run, out, lines) = strip_rows(tmp.path(), &rows, 0);
    assert!(!run.stderr.contains("failed: "), "{run:?}");
    let first = parse_json(lines[0].as_bytes());
    assert_eq!(first["text"], "The talks lasted an hour.\n");
    assert_eq!(first["metadata"]["chaff"]["edits"], 1);
    let second = parse_json(lines[1].as_bytes());
    assert_eq!(second["metadata"]["chaff"]["edits"], 0);
    let ids: Vec<String> = records(&out).into_iter().map(|r| r.id).collect();
    assert_eq!(ids, ["a", "b"]);

    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{verify:?}");
    let restored = tmp.path().join("restored");
    assert_eq!(chaff(&[&"restore", &out, &"--to", &restored]).code, 0);
    assert_eq!(
        fs::read_to_string(restored.join("s.jsonl")).unwrap(),
        rows.concat()
    );
}
