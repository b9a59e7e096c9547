//! The manifest of a run.

use super::*;

// --- the manifest -----------------------------------------------------------------

#[test]
fn manifest_lists_rule_files_inputs_and_outputs_hits_publishers_totals_and_errors() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    // A file that fails, after the shards with bad rows in input order.
    let latin1 = input.join("zz-latin1.txt");
    write(&latin1, b"caf\xe9 au lait\n");
    let extra = tmp.path().join("local.toml");
    write(&extra, READ_MORE_PACK);
    let out = tmp.path().join("out");
    let extra_arg = extra.display().to_string();
    // SHA-256, so the hashes can be checked with another implementation.
    strip(
        &input,
        &out,
        &["--quiet", "--rules", &extra_arg, "--hash", "sha256"],
        1,
    );
    let m = manifest(&out);
    let records = records(&out);

    assert_eq!(m["manifest_version"], 1);
    assert_eq!(m["tool_version"], env!("CARGO_PKG_VERSION"));
    assert!(m["rules_digest"].as_str().unwrap().starts_with("sha256:"));
    for r in &records {
        assert_eq!(m["rules_digest"], r.rules_digest.as_str());
    }
    let mut rule_files: Vec<Value> = chaff::rules::builtin_sources()
        .iter()
        .map(|s| serde_json::json!({"file": s.name, "sha256": sha256(s.text.as_bytes())}))
        .collect();
    rule_files
        .push(serde_json::json!({"file": extra_arg, "sha256": sha256(READ_MORE_PACK.as_bytes())}));
    assert_eq!(m["rule_files"], Value::from(rule_files));
    assert_eq!(
        m["options"],
        serde_json::json!({
            "mode": "strip",
            "provenance": "jsonl",
            "records": "all",
            "records_compression": "none",
            "row_summary": "compact",
            "attributes": null,
            "fields": {
                "text": "text",
                "id": "id",
                "url": ["url", "metadata.url"],
                "publisher": ["publisher", "metadata.publisher"]
            },
            "publisher": null,
            "rank": 0,
            "world_size": 1,
            "budget": 0.5,
            "budget_keep": false,
            "hash": "sha256"
        })
    );

    // One entry per input, in input order; the failed one has none.
    assert_eq!(manifest_files(&m), inputs);
    let (mut bytes_in, mut bytes_out) = (0, 0);
    for f in m["files"].as_array().unwrap() {
        let rel = f["file"].as_str().unwrap();
        let (source, output) = (input.join(rel), out.join(rel));
        let jsonl = rel.contains(".jsonl");
        assert_eq!(f["input"], source.display().to_string());
        assert_eq!(f["kind"], if jsonl { "jsonl" } else { "text" });
        assert_eq!(f["compression"], compression_of(&source), "{rel}");
        let (original, clean) = (decompressed(&source), decompressed(&output));
        assert_eq!(
            f["input_hash"],
            format!("sha256:{}", sha256(&original)),
            "{rel}"
        );
        assert_eq!(
            f["output_hash"],
            format!("sha256:{}", sha256(&clean)),
            "{rel}"
        );
        assert_eq!(f["bytes_in"], original.len(), "{rel}");
        assert_eq!(f["bytes_out"], clean.len(), "{rel}");
        let rows = if jsonl { lines_of(&original).len() } else { 0 };
        assert_eq!(f["rows"], rows, "{rel}");
        let ours: Vec<&Record> = records
            .iter()
            .filter(|r| r.file.as_deref() == Some(rel))
            .collect();
        assert_eq!(f["docs"], ours.len(), "{rel}");
        let edits: usize = ours.iter().map(|r| r.rule_edits().count()).sum();
        assert_eq!(f["edits"], edits, "{rel}");
        let chars: usize = ours.iter().map(|r| r.removed_chars()).sum();
        assert_eq!(f["chars_removed"], chars, "{rel}");
        assert_eq!(f["resumed"], false);
        bytes_in += original.len();
        bytes_out += clean.len();
    }

    // Documents touched per rule, and documents per publisher.
    let mut hits: BTreeMap<String, u64> = BTreeMap::new();
    let mut publishers: BTreeMap<String, u64> = BTreeMap::new();
    for r in &records {
        let rules: BTreeSet<&str> = r.rule_edits().map(|e| e.rule.as_str()).collect();
        for rule in rules {
            *hits.entry(rule.to_string()).or_default() += 1;
        }
        let publisher = r.publisher.id.clone().unwrap_or_else(|| "unknown".into());
        *publishers.entry(publisher).or_default() += 1;
    }
    assert!(
        hits.len() > 5 && publishers.len() > 3,
        "{hits:?} {publishers:?}"
    );
    assert_eq!(m["hits"], serde_json::to_value(&hits).unwrap());
    assert_eq!(m["publishers"], serde_json::to_value(&publishers).unwrap());

    assert_eq!(
        m["totals"],
        serde_json::json!({
            "files": inputs.len(),
            "files_resumed": 0,
            "failed_files": 1,
            "failed_rows": 6,
            "docs": records.len(),
            "edits": records.iter().map(|r| r.rule_edits().count()).sum::<usize>(),
            "chars_removed": records.iter().map(|r| r.removed_chars()).sum::<usize>(),
            "bytes_in": bytes_in,
            "bytes_out": bytes_out,
        })
    );
    assert_eq!(records.len(), MIXED_DOCS);
    assert_eq!(m["over_budget"], serde_json::json!([]));

    // Every problem, in input order.
    let errors: Vec<(String, Option<u64>, String)> = m["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["line"].as_u64(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut expected: Vec<(String, Option<u64>, &str)> = Vec::new();
    for name in ["a.jsonl", "b.jsonl.gz", "c.jsonl.zst"] {
        let path = input.join("shards").join(name).display().to_string();
        for (no, why) in BAD_LINES {
            expected.push((path.clone(), Some(no), why));
        }
    }
    expected.push((latin1.display().to_string(), None, "not UTF-8"));
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    for (error, (file, line, why)) in errors.iter().zip(&expected) {
        assert_eq!((&error.0, error.1), (file, *line), "{errors:#?}");
        assert!(error.2.contains(why), "{error:?} says {why:?}");
    }
}
