//! What a run writes and where: output modes, provenance, Dolma attributes, paths that collide, what a finished run leaves on disk.

use super::*;

// --- output modes -----------------------------------------------------------------

/// `original` with the span of each rule edit of `record` replaced by
/// `[chaff:RULE]`, and every other byte (tidy-up spans included) kept.
fn masked(original: &str, record: &Record) -> String {
    let mut out = String::new();
    let mut at = 0;
    for edit in record.rule_edits() {
        out.push_str(&original[at..edit.start]);
        out.push_str(&format!("[chaff:{}]", edit.rule));
        at = edit.end;
    }
    out.push_str(&original[at..]);
    out
}

/// Checks a mask or tag run of a [`mixed_tree`] against the [`reference`]
/// strip: the same edits, and each output is `expected(original, record)`.
/// Returns the scratch folder and the output folder.
fn check_mode(mode: Mode, expected: fn(&str, &Record) -> String) -> (TempDir, PathBuf) {
    let tmp = scratch();
    let (input, _) = mixed_tree(tmp.path());
    let out = tmp.path().join(mode.as_str());
    let run = strip(&input, &out, &["--mode", mode.as_str()], 1);

    let reference = reference().by_document();
    let records = by_document(rebased(records(&out), &input));
    assert_eq!(records.len(), MIXED_DOCS);
    let mut rule_edits = 0;
    for (key, record) in &records {
        assert_eq!(record.mode, mode, "{key:?}");
        assert_eq!(record.edits, reference[key].edits, "{key:?}: same edits");
        rule_edits += record.rule_edits().count();
        let original = original_text(&input, record);
        let output = match key.1 {
            None => fs::read_to_string(out.join(&key.0)).unwrap(),
            Some(line) => {
                let lines = lines_of(&decompressed(&out.join(&key.0)));
                let row = parse_json(lines[line as usize - 1].trim_end().as_bytes());
                assert!(row["metadata"]["chaff"]["edits"].is_u64(), "{key:?}");
                assert_eq!(record.mode, mode, "{key:?}");
                row["text"].as_str().unwrap().to_string()
            }
        };
        assert_eq!(output, expected(&original, record), "{key:?}");
        assert_eq!(chaff::restore(&output, record).unwrap(), original);
    }
    assert!(rule_edits > 10, "the tree has boilerplate");

    // Every other byte of the rows is kept, as in strip mode.
    let lines = lines_of(&decompressed(&out.join(SHARDS[2])));
    for (no, row) in (1..).zip(shard_rows()) {
        let Some((_, original)) = &row.article else {
            assert_eq!(lines[no - 1], row.line() + "\r\n");
            continue;
        };
        let record = &records[&(SHARDS[2].to_string(), Some(no as u64))];
        let line = lines[no - 1].trim_end();
        check_stripped_row(&row, line, &expected(original, record), record);
    }

    let summary_line = run
        .stderr
        .lines()
        .find(|l| l.starts_with("stripped "))
        .unwrap();
    assert!(
        summary_line.contains(&format!(": {rule_edits} edits, ")),
        "{summary_line}"
    );
    (tmp, out)
}

#[test]
fn mask_mode_puts_a_chaff_rule_marker_where_each_removed_span_was() {
    check_mode(Mode::Mask, masked);
}

#[test]
fn tag_mode_leaves_the_text_byte_identical_and_still_records_the_edits() {
    let (_tmp, out) = check_mode(Mode::Tag, |original, _| original.to_string());
    // Nothing is removed from a text file.
    let m = manifest(&out);
    for f in m["files"].as_array().unwrap() {
        if f["kind"] == "text" {
            assert_eq!(f["input_hash"], f["output_hash"], "{f}");
            assert_eq!(f["bytes_in"], f["bytes_out"], "{f}");
        }
    }
}

// --- where provenance goes --------------------------------------------------------

#[test]
fn sidecar_provenance_writes_a_record_file_beside_each_output_and_no_provenance_file() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let sidecar = tmp.path().join("sidecar");
    strip(&input, &sidecar, &["--quiet", "--provenance", "sidecar"], 1);

    let mut expected: Vec<String> = vec![".chaff/journal.jsonl".into(), "_manifest.json".into()];
    for rel in &inputs {
        expected.push(rel.clone());
        if rel.contains(".jsonl") {
            expected.push(format!("{rel}.prov.jsonl"));
        } else {
            expected.push(format!("{rel}.prov.json"));
        }
    }
    expected.sort();
    assert_eq!(tree(&sidecar), expected, "no provenance.jsonl");
    assert_eq!(manifest(&sidecar)["options"]["provenance"], "sidecar");

    // The records that provenance.jsonl would hold, each beside its output.
    let r = reference();
    let all = rebased(r.records.clone(), &r.input);
    for rel in &inputs {
        let ours: Vec<Record> = all
            .iter()
            .filter(|r| r.file.as_deref() == Some(rel.as_str()))
            .cloned()
            .collect();
        let side = if rel.contains(".jsonl") {
            records_in(&sidecar.join(format!("{rel}.prov.jsonl")))
        } else {
            let text = fs::read_to_string(sidecar.join(format!("{rel}.prov.json"))).unwrap();
            vec![serde_json::from_str(&text).expect("one record")]
        };
        assert_eq!(rebased(side, &input), ours, "{rel}");
        assert!(
            fs::read(sidecar.join(rel)).unwrap() == r.outputs[rel],
            "{rel}: the same output"
        );
    }
}

#[test]
fn provenance_none_writes_no_records_and_leaves_nothing_to_restore_from() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let none = tmp.path().join("none");
    strip(&input, &none, &["--quiet", "--provenance", "none"], 1);

    let mut expected = inputs.clone();
    expected.extend([".chaff/journal.jsonl".into(), "_manifest.json".into()]);
    expected.sort();
    assert_eq!(tree(&none), expected, "outputs and the manifest only");
    assert_eq!(manifest(&none)["options"]["provenance"], "none");
    for rel in &inputs {
        assert!(fs::read(none.join(rel)).unwrap() == reference().outputs[rel]);
    }
    let verify = chaff(&[&"verify", &none]);
    assert_eq!(verify.code, 1, "{verify:?}");
    assert!(verify.stderr.contains("no provenance"), "{verify:?}");
}

// --- Dolma attributes -------------------------------------------------------------

/// Checks an attributes row against the record of its document: every edit
/// as `[char_start, char_end, 1.0]` under NAME, and under `NAME__CATEGORY`.
fn check_attributes(row: &Value, name: &str, record: &Record, original: &str) {
    assert_eq!(row["id"], record.id.as_str());
    let attributes = row["attributes"].as_object().expect("attributes object");
    let span = |e: &chaff::Edit| serde_json::json!([e.char_start, e.char_end, 1.0]);
    let all: Vec<Value> = record.edits.iter().map(span).collect();
    assert_eq!(attributes[name], Value::from(all.clone()), "{}", record.id);
    let mut by_category: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for e in &record.edits {
        by_category
            .entry(format!("{name}__{}", e.category))
            .or_default()
            .push(span(e));
    }
    for (key, spans) in &by_category {
        assert_eq!(attributes[key], Value::from(spans.clone()), "{key}");
    }
    assert_eq!(attributes.len(), 1 + by_category.len(), "{attributes:?}");
    // Character offsets, not bytes: the spans pick the removed text out of
    // the original's characters.
    let chars: Vec<char> = original.chars().collect();
    for e in &record.edits {
        let picked: String = chars[e.char_start..e.char_end].iter().collect();
        assert_eq!(picked, e.text);
    }
}

#[test]
fn attributes_are_written_aligned_row_for_row_with_spans_in_character_offsets() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("shards/a.jsonl.gz"), gzip(&shard_bytes()));
    let (name, text) = article(PRESSTV);
    write(&input.join("texts").join(&name), &text);
    let out = tmp.path().join("out");
    strip(&input, &out, &["--attributes", "chaff_v1"], 1);

    let records = by_document(records(&out));
    let attributes = out.join("attributes/chaff_v1/shards/a.jsonl.gz");
    assert_eq!(
        compression_of(&attributes),
        "gzip",
        "same path, same compression"
    );
    let lines = lines_of(&decompressed(&attributes));
    let rows = shard_rows();
    assert_eq!(lines.len(), rows.len(), "one attributes row per input line");
    let mut offsets_differ = false;
    for (no, (row, line)) in (1u64..).zip(rows.iter().zip(&lines)) {
        let attrs = parse_json(line.as_bytes());
        match &row.article {
            Some((_, original)) => {
                let record = &records[&("shards/a.jsonl.gz".to_string(), Some(no))];
                check_attributes(&attrs, "chaff_v1", record, original);
                offsets_differ |= record.edits.iter().any(|e| e.char_start != e.start);
            }
            None => {
                assert_eq!(attrs["attributes"], serde_json::json!({}), "line {no}");
                let id = if no == 5 { "cc-0004" } else { "" };
                assert_eq!(attrs["id"], id, "line {no}");
            }
        }
    }
    assert!(offsets_differ, "some spans come after non-ASCII text");

    // A text file gets one row, at its path plus `.jsonl`.
    let rel = format!("texts/{name}");
    let file = out.join(format!("attributes/chaff_v1/{rel}.jsonl"));
    let lines = lines_of(&fs::read(&file).unwrap());
    assert_eq!(lines.len(), 1);
    check_attributes(
        &parse_json(lines[0].as_bytes()),
        "chaff_v1",
        &records[&(rel, None)],
        &text,
    );
}

// --- output paths that collide ----------------------------------------------------

#[test]
fn inputs_whose_sidecar_or_attribute_paths_collide_are_failed_naming_both() {
    let tmp = scratch();
    let row = "{\"id\":\"r\",\"text\":\"Row.\\n\"}\n";

    // Re-stripping a sidecar run's output: `s.jsonl.prov.jsonl` is both an
    // input and the sidecar of `s.jsonl`.
    let first = tmp.path().join("first");
    write(&tmp.path().join("in/s.jsonl"), row);
    write(&tmp.path().join("in/t.txt"), "Body.\n");
    let sidecar = ["--quiet", "--no-builtin", "--provenance", "sidecar"];
    strip(&tmp.path().join("in"), &first, &sidecar, 0);
    assert!(first.join("s.jsonl.prov.jsonl").is_file());
    let second = tmp.path().join("second");
    let run = strip(
        &first,
        &second,
        &["--no-builtin", "--provenance", "sidecar"],
        1,
    );
    let loser = first.join("s.jsonl.prov.jsonl").display().to_string();
    let winner = first.join("s.jsonl").display().to_string();
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with(&format!("chaff: {loser}: ")))
        .unwrap_or_else(|| panic!("{loser} reported: {run:?}"));
    assert!(
        line.contains("already used by") && line.contains(&winner),
        "{line}"
    );
    assert_eq!(manifest_files(&manifest(&second)), ["s.jsonl", "t.txt"]);
    // The outputs written verify; the input that was failed is listed.
    let verify = chaff(&[&"verify", &second]);
    assert_eq!(verify.code, 1, "{verify:?}");
    assert_eq!(verify.stdout, "verified 2 files (2 documents); 1 failed\n");
    assert!(
        verify
            .stderr
            .starts_with(&format!("chaff: {loser}: not in the output folder")),
        "{verify:?}"
    );

    // `a` and `a.jsonl` would both write `attributes/NAME/a.jsonl`.
    let input = tmp.path().join("attrs");
    write(&input.join("a"), "Body.\n");
    write(&input.join("a.jsonl"), row);
    write(&input.join("b.txt"), "Other.\n");
    let out = tmp.path().join("attrs-out");
    let run = strip(&input, &out, &["--no-builtin", "--attributes", "chaff"], 1);
    let loser = input.join("a.jsonl").display().to_string();
    let winner = input.join("a").display().to_string();
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with(&format!("chaff: {loser}: ")))
        .unwrap_or_else(|| panic!("{loser} reported: {run:?}"));
    assert!(
        line.contains("attributes/chaff/a.jsonl") && line.contains(&format!("of {winner}")),
        "{line}"
    );
    assert_eq!(manifest_files(&manifest(&out)), ["a", "b.txt"]);
    let attrs = fs::read_to_string(out.join("attributes/chaff/a.jsonl")).unwrap();
    assert_eq!(parse_json(attrs.trim_end().as_bytes())["id"], "a");
    assert!(
        !out.join("a.jsonl").exists(),
        "the failed input wrote nothing"
    );
}

// --- what a finished run leaves on disk -------------------------------------------

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    found.sort();
    found
}

#[test]
fn a_finished_run_keeps_each_record_once_on_disk() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let out = tmp.path().join("out");
    strip(&input, &out, &["--quiet"], 1);
    let state = files_under(&out.join(".chaff"));
    assert_eq!(state, ["journal.jsonl"], "no records spool is left");
    let journal = fs::read_to_string(out.join(".chaff/journal.jsonl")).unwrap();
    assert!(
        !journal.contains("schema_version"),
        "the journal holds no copy of a record"
    );
    assert!(journal.len() < 1000 * inputs.len(), "{}", journal.len());
    assert_eq!(chaff(&[&"verify", &out]).code, 0);

    // A resumed run finds each input's records in the provenance file.
    let first = snapshot(&out);
    strip(&input, &out, &["--quiet", "--resume"], 1);
    assert!(resumed_flags(&out).iter().all(|(_, resumed)| *resumed));
    assert!(first["provenance.jsonl"] == snapshot(&out)["provenance.jsonl"]);
    assert_eq!(files_under(&out.join(".chaff")), ["journal.jsonl"]);
    assert_eq!(chaff(&[&"verify", &out]).code, 0);
}

#[test]
fn resume_redoes_an_input_whose_records_changed_in_the_provenance_file() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("a.txt"), "First body.\n");
    write(
        &input.join("b.jsonl"),
        "{\"id\":\"r\",\"text\":\"Row.\\n\"}\n",
    );
    let out = tmp.path().join("out");
    strip(&input, &out, &["--quiet", "--no-builtin"], 0);
    let fresh = fs::read_to_string(out.join("provenance.jsonl")).unwrap();
    // Same length, another id in the first record (a.txt's).
    let tampered = fresh.replacen("\"id\":\"a.txt\"", "\"id\":\"x.txt\"", 1);
    assert_ne!(tampered, fresh);
    fs::write(out.join("provenance.jsonl"), &tampered).unwrap();

    strip(&input, &out, &["--quiet", "--no-builtin", "--resume"], 0);
    assert_eq!(
        resumed_flags(&out),
        [("a.txt".to_string(), false), ("b.jsonl".to_string(), true)]
    );
    assert_eq!(
        fs::read_to_string(out.join("provenance.jsonl")).unwrap(),
        fresh
    );
    assert_eq!(chaff(&[&"verify", &out]).code, 0);
}
