//! JSONL shards: rows, fields and which rows get a record.

use super::*;

// --- JSONL shards -----------------------------------------------------------------

#[test]
fn jsonl_shards_keep_their_name_compression_row_count_and_order() {
    let r = reference();
    let shards: Vec<&String> = r
        .outputs
        .keys()
        .filter(|k| k.starts_with("shards/"))
        .collect();
    assert_eq!(shards, [SHARDS[0], SHARDS[1], SHARDS[2], "shards/d.jsonl"]);
    let rows = shard_rows();
    for (name, expected) in SHARDS.iter().zip(["none", "gzip", "zstd"]) {
        let bytes = &r.outputs[*name];
        assert_eq!(compression(bytes), expected, "{name}: same compression");
        let lines = lines_of(&decompress(bytes));
        assert_eq!(lines.len(), rows.len(), "{name}: one line per input line");
        for (line, row) in lines.iter().zip(&rows) {
            assert!(line.ends_with("\r\n"), "{name}: CRLF kept: {line:?}");
            if let Some(id) = row.id {
                let found = &parse_json(line.trim_end().as_bytes())["id"];
                let id = id.parse::<u64>().map_or(Value::from(id), Value::from);
                assert_eq!(*found, id, "{name}: rows in input order");
            }
        }
    }
    // The compressed outputs hold the same rows as the plain one.
    let plain = &r.outputs[SHARDS[0]];
    assert!(decompress(&r.outputs[SHARDS[1]]) == *plain);
    assert!(decompress(&r.outputs[SHARDS[2]]) == *plain);
    // LF endings and no newline at the end are kept too.
    let small = lines_of(&r.outputs["shards/d.jsonl"]);
    assert_eq!(small.len(), 2);
    assert!(small[0].ends_with("}\n"));
    assert!(small[1].ends_with('}'), "no newline added: {:?}", small[1]);
}

#[test]
fn jsonl_rows_get_the_clean_text_and_a_chaff_summary_and_keep_every_other_byte() {
    let r = reference();
    let rows = shard_rows();
    for name in SHARDS {
        let lines = lines_of(&decompress(&r.outputs[name]));
        let mut ours = r.records.iter().filter(|r| r.file.as_deref() == Some(name));
        for (no, (row, line)) in (1..).zip(rows.iter().zip(&lines)) {
            let Some((article, original)) = &row.article else {
                continue;
            };
            let record = ours.next().expect("a record for each document");
            assert_eq!(record.line, Some(no), "{name}: records in row order");
            assert_eq!(record.id, row.id.unwrap(), "{name}:{no}: id");
            assert_eq!(record.mode, Mode::Strip);
            assert!(
                record.rule_edits().count() > 0,
                "{name}:{no} has boilerplate"
            );
            let line = line.strip_suffix("\r\n").expect("CRLF");
            // The same clean text as the article gets as a text file.
            let clean = r.clean_article(article);
            let summary = check_stripped_row(row, line, &clean, record);
            assert!(summary["chars_removed"].as_u64().unwrap() > 0);
            assert_eq!(
                chaff::restore(&clean, record).expect("the record restores the row"),
                *original
            );
        }
        assert!(
            ours.next().is_none(),
            "{name}: no record for the other lines"
        );
    }
}

#[test]
fn jsonl_rows_that_cannot_be_stripped_are_copied_through_and_reported_as_file_line() {
    let r = reference();
    let run = &r.run;
    assert_eq!(run.code, 1, "bad rows fail the run");
    assert_eq!(run.stdout, "", "{run:?}");
    let rows = shard_rows();
    for name in SHARDS {
        let lines = lines_of(&decompress(&r.outputs[name]));
        for no in [3, 4, 5] {
            let row = &rows[no - 1];
            assert_eq!(lines[no - 1], row.line() + "\r\n", "{name}:{no} unchanged");
        }
        let path = r.input.join(name).display().to_string();
        for (no, why) in BAD_LINES {
            let now = format!("chaff: {path}:{no}: ");
            let line = run
                .stderr
                .lines()
                .find(|l| l.starts_with(&now))
                .unwrap_or_else(|| panic!("{now} on stderr: {run:?}"));
            assert!(line.contains(why), "{line:?} says {why:?}");
            assert!(line.ends_with("copied unchanged"), "{line:?}");
            let listed = format!("  failed: {path}:{no}: ");
            assert!(
                run.stderr.lines().any(|l| l.starts_with(&listed)),
                "{listed} under the summary: {run:?}"
            );
        }
        for no in [1, 2, 3, 6] {
            assert!(
                !run.stderr.contains(&format!("{path}:{no}:")),
                "{name}:{no} is not a problem: {run:?}"
            );
        }
    }
    let summary = format!("stripped {MIXED_DOCS} documents into ");
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with(&summary) && l.contains("; 6 failed (")),
        "{run:?}"
    );
}

// --- dotted field names -----------------------------------------------------------

#[test]
fn a_dotted_text_field_is_read_and_written_inside_its_object_and_restores() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    let body = "A file photo shows both presidents. (AFP)\n\nThe talks lasted an hour.\n";
    let rows = [
        format!(
            "{{\"id\":\"a\", \"metadata\": {{\"body\":{}, \"url\":\"https://x.test/a\"}}, \"n\":1}}\n",
            json_string(body)
        ),
        // The body last in its object, and escaped non-ASCII text.
        format!(
            "{{\"id\":\"b\",\"metadata\":{{\"lang\":\"fr\",\"body\":{}}}}}\n",
            ascii_json(&format!("Caf\u{e9}. {body}"))
        ),
    ];
    write(&input.join("s.jsonl"), rows.concat());
    let out = tmp.path().join("out");
    strip(
        &input,
        &out,
        &["--quiet", "--text-field", "metadata.body"],
        0,
    );

    let written = fs::read_to_string(out.join("s.jsonl")).unwrap();
    for (line, original) in written.lines().zip(&rows) {
        let row = parse_json(line.as_bytes());
        let before = parse_json(original.as_bytes());
        assert!(
            row.get("metadata.body").is_none(),
            "no new top-level key: {line}"
        );
        let clean = row["metadata"]["body"].as_str().unwrap();
        assert!(
            !clean.contains("(AFP)"),
            "stripped inside the object: {line}"
        );
        assert!(clean.ends_with("The talks lasted an hour.\n"), "{line}");
        assert_eq!(row["metadata"]["chaff"]["edits"], 1, "{line}");
        for key in ["id", "n"] {
            assert_eq!(row.get(key), before.get(key), "{key} kept: {line}");
        }
    }
    assert_eq!(records(&out).len(), 2);

    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{verify:?}");
    let restored = tmp.path().join("restored");
    let restore = chaff(&[&"restore", &out, &"--to", &restored]);
    assert_eq!(restore.code, 0, "{restore:?}");
    assert_rebuilt(&input, &["s.jsonl".to_string()], &restored);
}

// --- row summaries and which documents get a record ------------------------------

/// A shard of three rows: one with boilerplate and metadata, one with
/// metadata and nothing to remove, one with neither.
const SUMMARY_ROWS: &str = concat!(
    "{\"id\":\"a\",\"text\":\"Body of a.\\n\\nShare this article\",\"metadata\":{\"url\":\"https://example.org/a\"}}\n",
    "{\"id\":\"b\",\"text\":\"Body of b.\",\"metadata\":{\"url\":\"https://example.org/b\"}}\n",
    "{\"id\":\"c\",\"text\":\"Body of c.\"}\n",
);

/// The `metadata.chaff` object of each output row, `None` where it has none.
fn summaries(out: &Path) -> Vec<Option<Value>> {
    lines_of(&fs::read(out.join("s.jsonl")).unwrap())
        .iter()
        .map(|l| {
            let row: Value = serde_json::from_str(l).unwrap();
            row.get("metadata").and_then(|m| m.get("chaff")).cloned()
        })
        .collect()
}

/// Restores `out` into a fresh folder and checks it against `input`.
fn assert_restores(input: &Path, out: &Path) {
    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{verify:?}");
    let to = out.with_extension("restored");
    let run = chaff(&[&"restore", &out, &"--to", &to]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(snapshot(&to), snapshot(input));
}

#[test]
fn row_summary_is_compact_by_default_and_full_or_none_when_asked() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("s.jsonl"), SUMMARY_ROWS);
    let out = tmp.path().join("compact");
    strip(&input, &out, &["--quiet"], 0);
    let compact = summaries(&out);
    assert_eq!(compact[0], Some(json!({"edits": 1, "chars_removed": 20})));
    assert_eq!(compact[2], Some(json!({"edits": 0, "chars_removed": 0})));
    assert_restores(&input, &out);

    let out = tmp.path().join("full");
    strip(&input, &out, &["--quiet", "--row-summary", "full"], 0);
    let full = summaries(&out);
    assert_eq!(full[0].as_ref().unwrap()["rules_digest"], builtin_digest());
    assert_eq!(full[0].as_ref().unwrap()["mode"], "strip");
    assert_eq!(full[1].as_ref().unwrap()["edits"], 0);
    assert_eq!(manifest(&out)["options"]["row_summary"], "full");
    assert_restores(&input, &out);

    let out = tmp.path().join("none");
    strip(&input, &out, &["--quiet", "--row-summary", "none"], 0);
    assert_eq!(summaries(&out), [None, None, None]);
    let rows = lines_of(&fs::read(out.join("s.jsonl")).unwrap());
    assert_eq!(
        rows[0],
        "{\"id\":\"a\",\"text\":\"Body of a.\",\"metadata\":{\"url\":\"https://example.org/a\"}}\n"
    );
    assert!(
        records(&out)
            .iter()
            .all(|r| r.row.as_ref().unwrap().metadata_raw.is_none()),
        "no copy of the metadata is needed without a summary"
    );
    assert_restores(&input, &out);

    // Verify still holds every other byte of a row to the original's.
    let tampered = fs::read_to_string(out.join("s.jsonl")).unwrap().replacen(
        "example.org/a",
        "example.org/z",
        1,
    );
    fs::write(out.join("s.jsonl"), tampered).unwrap();
    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 1, "{verify:?}");
}

#[test]
fn records_edited_records_only_documents_something_was_removed_from() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("s.jsonl"), SUMMARY_ROWS);
    write(&input.join("kept.txt"), "A body with nothing to remove.\n");
    write(&input.join("cut.txt"), "A body.\n\nShare this article\n");
    for provenance in ["jsonl", "sidecar"] {
        let out = tmp.path().join(provenance);
        let args = ["--quiet", "--records", "edited", "--provenance", provenance];
        strip(&input, &out, &args, 0);
        let ids: Vec<String> = match provenance {
            "jsonl" => records(&out).into_iter().map(|r| r.id).collect(),
            _ => {
                let mut ids: Vec<String> = records_in(&out.join("s.jsonl.prov.jsonl"))
                    .into_iter()
                    .map(|r| r.id)
                    .collect();
                assert!(!out.join("kept.txt.prov.json").exists());
                assert!(out.join("cut.txt.prov.json").exists());
                ids.push("cut.txt".into());
                ids
            }
        };
        let mut ids = ids;
        ids.sort();
        assert_eq!(ids, ["a", "cut.txt"], "{provenance}");
        // What was left as it was is written as it was.
        let rows = lines_of(&fs::read(out.join("s.jsonl")).unwrap());
        let inputs = lines_of(SUMMARY_ROWS.as_bytes());
        assert_eq!(rows[1..], inputs[1..], "{provenance}");
        assert_eq!(
            summaries(&out)[0],
            Some(json!({"edits": 1, "chars_removed": 20}))
        );
        let m = manifest(&out);
        assert_eq!(m["options"]["records"], "edited");
        assert_eq!(m["totals"]["docs"], 5);
        assert_restores(&input, &out);
        let verify = chaff(&[&"verify", &out]);
        assert!(verify.stdout.contains("(5 documents)"), "{verify:?}");

        // A resumed run reuses them all.
        strip(
            &input,
            &out,
            &[
                "--quiet",
                "--records",
                "edited",
                "--provenance",
                provenance,
                "--resume",
            ],
            0,
        );
        assert!(
            resumed_flags(&out).iter().all(|(_, resumed)| *resumed),
            "{provenance}"
        );

        // An unrecorded row or file changed since is still caught.
        let changed = fs::read_to_string(out.join("s.jsonl")).unwrap().replacen(
            "Body of c.",
            "Body of C.",
            1,
        );
        fs::write(out.join("s.jsonl"), changed).unwrap();
        fs::write(out.join("kept.txt"), "A body with nothing to remove!\n").unwrap();
        let verify = chaff(&[&"verify", &out]);
        assert_eq!(verify.code, 1, "{verify:?}");
        assert!(verify.stderr.contains("s.jsonl"), "{verify:?}");
        assert!(verify.stderr.contains("kept.txt"), "{verify:?}");
    }
}
