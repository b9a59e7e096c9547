//! The provenance record format is the checked-in schema
//! (`docs/provenance.schema.json`): every record chaff writes validates, and
//! the schema rejects records that break it.

use chaff::{Document, Stripper};
use serde_json::{Value, json};

fn validator() -> jsonschema::Validator {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/provenance.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("the schema is valid JSON Schema")
}

fn corpus_records() -> Vec<Value> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus");
    let stripper = Stripper::builtin();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            let out = stripper.strip(&Document::new("d", &text).source("s"));
            serde_json::to_value(&out.record).unwrap()
        })
        .collect()
}

#[test]
fn every_corpus_record_validates() {
    let v = validator();
    let records = corpus_records();
    assert_eq!(records.len(), 5);
    for r in &records {
        let errors: Vec<String> = v.iter_errors(r).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
}

#[test]
fn the_schema_rejects_broken_records() {
    let v = validator();
    let good = corpus_records().remove(4);
    type Breakage = Box<dyn Fn(&mut Value)>;
    let breakages: Vec<(&str, Breakage)> = vec![
        ("unknown field", Box::new(|r| r["extra"] = json!(1))),
        (
            "wrong version",
            Box::new(|r| r["schema_version"] = json!(3)),
        ),
        (
            "missing hash",
            Box::new(|r| {
                r.as_object_mut().unwrap().remove("input_hash");
            }),
        ),
        (
            "bad digest",
            Box::new(|r| r["rules_digest"] = json!("md5:x")),
        ),
        (
            "bad resolution",
            Box::new(|r| r["publisher"]["resolved_by"] = json!("guess")),
        ),
        (
            "negative offset",
            Box::new(|r| r["edits"][0]["start"] = json!(-1)),
        ),
        (
            "empty edit",
            Box::new(|r| r["edits"][0]["text"] = json!("")),
        ),
    ];
    assert!(v.is_valid(&good));
    for (what, breakage) in breakages {
        let mut r = good.clone();
        breakage(&mut r);
        assert!(!v.is_valid(&r), "the schema accepts a record with {what}");
    }
}
