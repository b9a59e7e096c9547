//! Parquet shards from the command line, as a specification: `chaff strip`
//! keeps the file names, row count and order and every column but the text;
//! records go to `provenance.jsonl` or a `chaff` column; `restore` rebuilds
//! the input's columns and `verify` catches a changed output; bad rows and
//! bad files are reported by name while the batch goes on; the bytes do not
//! depend on `--jobs`; `--resume`, ranks and output-path checks work as for
//! JSONL.
//!
//! The shards are written here with the arrow and parquet crates; runs are
//! in-process (`chaff::cli::run`) with one small rule pack instead of the
//! built-in library, so they stay quick in a debug build. Every test fails
//! in a build without the `parquet` feature, where shards are reported as
//! unreadable.

use crate::support::{READ_MORE_PACK, Run, chaff, read_text, scratch};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int16Type, Int32Type};
use arrow_array::{
    Array, ArrayRef, BinaryArray, DictionaryArray, Float64Array, Int16Array, Int32Array,
    Int64Array, LargeStringArray, RecordBatch, StringArray, StringViewArray,
};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

// --- running chaff ----------------------------------------------------------------

/// Runs `chaff strip INPUT --out OUT` with [`READ_MORE_PACK`] only, and checks the
/// exit code.
fn strip(tmp: &Path, input: &Path, out: &Path, extra: &[&str], code: i32) -> Run {
    let rules = tmp.join("rules.toml");
    if !rules.exists() {
        fs::write(&rules, READ_MORE_PACK).unwrap();
    }
    let mut args: Vec<&dyn AsRef<OsStr>> = vec![
        &"strip",
        &input,
        &"--out",
        &out,
        &"--no-builtin",
        &"--rules",
        &rules,
    ];
    for a in extra {
        args.push(a);
    }
    let run = chaff(&args);
    assert_eq!(run.code, code, "strip {extra:?}: {run:?}");
    run
}

fn verify(out: &Path) -> Run {
    chaff(&[&"verify", &out])
}

fn restore(out: &Path, to: &Path) -> Run {
    chaff(&[&"restore", &out, &"--to", &to])
}

// --- shards -----------------------------------------------------------------------

/// The text of row `i`: a headline, body lines and, on most rows, the line
/// the rule removes.
fn text_of(i: usize) -> String {
    let tail = if i % 3 == 2 {
        String::new()
    } else {
        "\nRead more: the full story".to_string()
    };
    format!(
        "Story {i}: the council met.\n\nIt voted on the budget, café {i}.{tail}\nThe vote was close."
    )
}

/// A FineWeb-like batch of `rows` rows: text, id, url, dump, a token count
/// and a score; `null_text` rows have a null text.
fn batch(rows: usize, null_text: &[usize]) -> RecordBatch {
    let texts: Vec<Option<String>> = (0..rows)
        .map(|i| (!null_text.contains(&i)).then(|| text_of(i)))
        .collect();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(texts)),
        Arc::new(StringArray::from(
            (0..rows)
                .map(|i| format!("<urn:uuid:{i:04}>"))
                .collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            (0..rows)
                .map(|i| format!("https://news.example/{i}"))
                .collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            (0..rows)
                .map(|i| (i % 4 != 1).then_some("CC-MAIN-2024-10"))
                .collect::<Vec<_>>(),
        )),
        Arc::new(Int64Array::from(
            (0..rows).map(|i| 100 + i as i64).collect::<Vec<_>>(),
        )),
        Arc::new(Float64Array::from(
            (0..rows).map(|i| i as f64 / 7.0).collect::<Vec<_>>(),
        )),
    ];
    let mut metadata = HashMap::new();
    metadata.insert("huggingface".to_string(), r#"{"info":{}}"#.to_string());
    let schema = Schema::new_with_metadata(
        vec![
            Field::new("text", DataType::Utf8, true),
            Field::new("id", DataType::Utf8, false),
            Field::new("url", DataType::Utf8, false),
            Field::new("dump", DataType::Utf8, true),
            Field::new("token_count", DataType::Int64, false),
            Field::new("score", DataType::Float64, false),
        ],
        metadata,
    );
    RecordBatch::try_new(Arc::new(schema), columns).unwrap()
}

/// Writes `batch` to `path` in row groups of `group` rows.
fn write_shard(path: &Path, batch: &RecordBatch, group: usize, codec: Compression) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let props = WriterProperties::builder()
        .set_compression(codec)
        .set_max_row_group_row_count(Some(group))
        .build();
    let file = fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

/// A shard as one batch, and its number of row groups.
fn read_shard(path: &Path) -> (RecordBatch, usize) {
    let file = fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let groups = builder.metadata().num_row_groups();
    let schema = builder.schema().clone();
    let batches: Vec<RecordBatch> = builder
        .with_batch_size(1 << 20)
        .build()
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // The batches' schema leaves the file's key-value metadata out.
    let batch = match batches.len() {
        0 => RecordBatch::new_empty(schema),
        1 => batches
            .into_iter()
            .next()
            .unwrap()
            .with_schema(schema)
            .unwrap(),
        n => panic!("{n} batches"),
    };
    (batch, groups)
}

fn strings(batch: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let column = batch.column_by_name(name).expect("column");
    let a = column
        .as_any()
        .downcast_ref::<StringArray>()
        .expect("strings");
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i).to_string()))
        .collect()
}

/// The batch without column `name`.
fn without(batch: &RecordBatch, name: &str) -> RecordBatch {
    let mut b = batch.clone();
    b.remove_column(b.schema().index_of(name).unwrap());
    b
}

fn manifest(out: &Path) -> Value {
    serde_json::from_slice(&fs::read(out.join("_manifest.json")).unwrap()).unwrap()
}

/// The records of `out`: compressed, since the inputs are Parquet shards.
fn provenance(out: &Path) -> Vec<Value> {
    read_text(&out.join("provenance.jsonl.zst"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every file under `dir` but chaff's state folder, with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir(dir)
        .into_iter()
        .filter(|p| !p.starts_with(".chaff"))
        .map(|p| {
            let bytes = fs::read(dir.join(&p)).unwrap();
            (p, bytes)
        })
        .collect()
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    fn go(root: &Path, dir: &Path, found: &mut Vec<PathBuf>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                go(root, &p, found);
            } else {
                found.push(p.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    let mut found = Vec::new();
    go(dir, dir, &mut found);
    found.sort();
    found
}

/// Timings differ from run to run.
fn without_timing(mut manifest: Value) -> Value {
    manifest.as_object_mut().unwrap().remove("timing");
    manifest
}

// --- strip, restore, verify -------------------------------------------------------

#[test]
fn a_shard_keeps_its_name_rows_order_row_groups_and_every_other_column_and_restores_whole() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    let shard = input.join("CC-MAIN-2024-10/000_00000.parquet");
    let original = batch(11, &[]);
    write_shard(&shard, &original, 4, Compression::SNAPPY);
    let out = tmp.path().join("out");
    strip(tmp.path(), &input, &out, &["--quiet"], 0);

    let (clean, groups) = read_shard(&out.join("CC-MAIN-2024-10/000_00000.parquet"));
    assert_eq!(groups, 3, "one output row group per input row group");
    assert_eq!(clean.num_rows(), 11);
    assert_eq!(
        clean.schema(),
        original.schema(),
        "same schema and metadata"
    );
    assert_eq!(without(&clean, "text"), without(&original, "text"));
    let texts = strings(&clean, "text");
    for (i, text) in texts.iter().enumerate() {
        let text = text.as_deref().unwrap();
        assert_eq!(text, text_of(i).replace("\nRead more: the full story", ""));
    }

    let m = manifest(&out);
    let file = &m["files"][0];
    assert_eq!(file["file"], "CC-MAIN-2024-10/000_00000.parquet");
    assert_eq!(file["kind"], "parquet");
    assert_eq!(file["rows"], 11);
    assert_eq!(file["docs"], 11);
    assert_eq!(file["edits"], 8);
    let records = provenance(&out);
    assert_eq!(records.len(), 11);
    let schema: Value = serde_json::from_slice(
        &fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/provenance.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for (i, r) in records.iter().enumerate() {
        let errors: Vec<String> = validator.iter_errors(r).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(r["file"], "CC-MAIN-2024-10/000_00000.parquet");
        assert_eq!(r["line"], i as u64 + 1, "records name their row");
        assert_eq!(r["id"], format!("<urn:uuid:{i:04}>"));
    }

    let v = verify(&out);
    assert_eq!(v.code, 0, "{v:?}");
    let back = tmp.path().join("back");
    let r = restore(&out, &back);
    assert_eq!(r.code, 0, "{r:?}");
    let (rebuilt, groups) = read_shard(&back.join("CC-MAIN-2024-10/000_00000.parquet"));
    assert_eq!(rebuilt, original, "every column as it was, text included");
    assert_eq!(rebuilt.schema(), original.schema());
    assert_eq!(groups, 3);
}

#[test]
fn sidecars_attributes_and_the_dry_run_work_for_shards() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    let original = batch(5, &[]);
    write_shard(
        &input.join("a.parquet"),
        &original,
        2,
        Compression::ZSTD(ZstdLevel::default()),
    );
    let out = tmp.path().join("out");
    strip(
        tmp.path(),
        &input,
        &out,
        &[
            "--quiet",
            "--provenance",
            "sidecar",
            "--attributes",
            "chaff_v1",
        ],
        0,
    );
    let sidecar = read_text(&out.join("a.parquet.prov.jsonl.zst"));
    assert_eq!(sidecar.lines().count(), 5);
    let attributes = fs::read_to_string(out.join("attributes/chaff_v1/a.parquet.jsonl")).unwrap();
    let rows: Vec<Value> = attributes
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0]["id"], "<urn:uuid:0000>");
    assert_eq!(rows[2]["attributes"]["chaff_v1"], serde_json::json!([]));
    assert_eq!(
        rows[0]["attributes"]["chaff_v1"].as_array().unwrap().len(),
        1
    );
    let v = verify(&out);
    assert_eq!(v.code, 0, "{v:?}");
    let back = tmp.path().join("back");
    assert_eq!(restore(&out, &back).code, 0);
    assert_eq!(read_shard(&back.join("a.parquet")).0, original);

    let dry = chaff(&[
        &"strip",
        &input,
        &"--dry-run",
        &"--no-builtin",
        &"--rules",
        &tmp.path().join("rules.toml"),
    ]);
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        dry.stdout.contains("a.parquet:1:4:1: local.read-more"),
        "{}",
        dry.stdout
    );
}

#[test]
fn provenance_column_holds_each_rows_record_and_restore_drops_it() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    let original = batch(7, &[4]);
    write_shard(&input.join("s.parquet"), &original, 3, Compression::SNAPPY);
    let out = tmp.path().join("out");
    let run = strip(
        tmp.path(),
        &input,
        &out,
        &["--quiet", "--provenance", "column"],
        1,
    );
    assert!(
        run.stderr.contains("s.parquet:5: `text` is null"),
        "{run:?}"
    );
    assert!(!out.join("provenance.jsonl").exists());

    let (clean, _) = read_shard(&out.join("s.parquet"));
    let schema = clean.schema();
    let last = schema.fields().last().unwrap();
    assert_eq!(last.name(), "chaff");
    assert_eq!(last.data_type(), &DataType::Utf8);
    assert_eq!(
        without(&without(&clean, "chaff"), "text"),
        without(&original, "text")
    );
    let records = strings(&clean, "chaff");
    for (i, r) in records.iter().enumerate() {
        if i == 4 {
            assert_eq!(r, &None, "no record for the null text");
            continue;
        }
        let record: chaff::Record = serde_json::from_str(r.as_deref().unwrap()).unwrap();
        assert_eq!(record.line, Some(i as u64 + 1));
        assert_eq!(record.file.as_deref(), Some("s.parquet"));
    }
    assert_eq!(strings(&clean, "text")[4], None, "a null text is kept");

    // The failed row is no failed file: the shard rebuilds whole.
    let v = verify(&out);
    assert_eq!(v.code, 0, "{v:?}");
    let back = tmp.path().join("back");
    assert_eq!(restore(&out, &back).code, 0);
    let (rebuilt, _) = read_shard(&back.join("s.parquet"));
    assert_eq!(rebuilt, original);
}

#[test]
fn verify_catches_a_changed_shard() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    let original = batch(6, &[]);
    write_shard(&input.join("s.parquet"), &original, 6, Compression::SNAPPY);
    for provenance in ["jsonl", "column"] {
        let out = tmp.path().join(format!("out-{provenance}"));
        strip(
            tmp.path(),
            &input,
            &out,
            &["--quiet", "--provenance", provenance],
            0,
        );
        let output = out.join("s.parquet");
        let (clean, _) = read_shard(&output);
        // Another column changed, written as a valid shard.
        let mut columns = clean.columns().to_vec();
        let at = clean.schema().index_of("dump").unwrap();
        columns[at] = Arc::new(StringArray::from(vec![Some("CC-MAIN-1999-01"); 6]));
        let changed = RecordBatch::try_new(clean.schema(), columns).unwrap();
        write_shard(&output, &changed, 6, Compression::SNAPPY);
        let v = verify(&out);
        assert_eq!(v.code, 1, "{v:?}");
        assert!(
            v.stderr.contains("s.parquet") && v.stderr.contains("hash"),
            "{v:?}"
        );
        // Cut short.
        let bytes = fs::read(&output).unwrap();
        fs::write(&output, &bytes[..bytes.len() / 2]).unwrap();
        let v = verify(&out);
        assert_eq!(v.code, 1, "{v:?}");
        assert!(v.stderr.contains("s.parquet"), "{v:?}");
    }
}

// --- bad input --------------------------------------------------------------------

#[test]
fn bad_shards_are_reported_by_name_and_the_others_are_stripped() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write_shard(
        &input.join("a.parquet"),
        &batch(3, &[1]),
        2,
        Compression::SNAPPY,
    );
    fs::write(
        input.join("b.parquet"),
        b"PAR1 this is no parquet file PAR1",
    )
    .unwrap();
    let mut truncated = Vec::new();
    write_shard(
        &input.join("c.parquet"),
        &batch(3, &[]),
        2,
        Compression::SNAPPY,
    );
    truncated.extend_from_slice(&fs::read(input.join("c.parquet")).unwrap()[..100]);
    fs::write(input.join("c.parquet"), &truncated).unwrap();
    // A text column of numbers.
    let numbers = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new(
            "text",
            DataType::Int64,
            false,
        )])),
        vec![Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef],
    )
    .unwrap();
    write_shard(&input.join("d.parquet"), &numbers, 2, Compression::SNAPPY);
    fs::write(input.join("e.jsonl"), "{\"text\":\"Hello.\"}\n").unwrap();
    // A footer that reads, and pages that do not.
    write_shard(
        &input.join("f.parquet"),
        &batch(3, &[]),
        3,
        Compression::SNAPPY,
    );
    let mut damaged = fs::read(input.join("f.parquet")).unwrap();
    for b in &mut damaged[4..200] {
        *b = 0xff;
    }
    fs::write(input.join("f.parquet"), &damaged).unwrap();
    let out = tmp.path().join("out");
    let run = strip(tmp.path(), &input, &out, &[], 1);
    let shown = |name: &str| input.join(name).display().to_string();
    let err = &run.stderr;
    assert!(
        err.contains(&format!(
            "{}:2: `text` is null; kept unchanged",
            shown("a.parquet")
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}: not a readable Parquet file",
            shown("b.parquet")
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}: not a readable Parquet file",
            shown("c.parquet")
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}: column `text` (the text field) holds Int64, not strings",
            shown("d.parquet")
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{}: cannot read row group 0", shown("f.parquet"))),
        "{err}"
    );
    assert!(out.join("a.parquet").is_file());
    assert!(out.join("e.jsonl").is_file());
    for name in ["b.parquet", "c.parquet", "d.parquet", "f.parquet"] {
        assert!(!out.join(name).exists(), "{name}");
    }
    let m = manifest(&out);
    assert_eq!(m["totals"]["failed_files"], 4);
    assert_eq!(m["totals"]["failed_rows"], 1);
    assert_eq!(
        strings(&read_shard(&out.join("a.parquet")).0, "text")[1],
        None
    );
    // No temporary file is left behind by the shards that failed.
    assert_eq!(
        walkdir(&out)
            .iter()
            .filter(|p| !p.starts_with(".chaff"))
            .count(),
        4,
        "{:?}",
        walkdir(&out)
    );
}

#[test]
fn provenance_column_fails_inputs_that_are_not_shards() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write_shard(
        &input.join("a.parquet"),
        &batch(2, &[]),
        2,
        Compression::SNAPPY,
    );
    fs::write(input.join("b.jsonl"), "{\"text\":\"Hello.\"}\n").unwrap();
    let out = tmp.path().join("out");
    let run = strip(tmp.path(), &input, &out, &["--provenance", "column"], 1);
    assert!(
        run.stderr
            .contains("b.jsonl: --provenance column writes records into Parquet outputs"),
        "{run:?}"
    );
    assert!(out.join("a.parquet").is_file());
    let std = chaff(&[&"strip", &"-", &"--provenance", &"column"]);
    assert_eq!(std.code, 2, "{std:?}");
}

// --- runs ------------------------------------------------------------------------

#[test]
fn shards_are_the_same_bytes_for_any_number_of_jobs() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    // More rows than one block, in row groups that do not fall on blocks.
    write_shard(
        &input.join("a.parquet"),
        &batch(2500, &[7]),
        1000,
        Compression::SNAPPY,
    );
    write_shard(
        &input.join("b/c.parquet"),
        &batch(40, &[]),
        9,
        Compression::UNCOMPRESSED,
    );
    let one = tmp.path().join("one");
    let two = tmp.path().join("two");
    strip(tmp.path(), &input, &one, &["--quiet", "--jobs", "1"], 1);
    strip(tmp.path(), &input, &two, &["--quiet", "--jobs", "2"], 1);
    let (a, b) = (snapshot(&one), snapshot(&two));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        if path == Path::new("_manifest.json") {
            let m = |b: &[u8]| without_timing(serde_json::from_slice(b).unwrap());
            assert_eq!(m(bytes), m(&b[path]));
        } else {
            assert_eq!(bytes, &b[path], "{}", path.display());
        }
    }
    assert_eq!(read_shard(&one.join("a.parquet")).1, 3);
    assert_eq!(read_shard(&one.join("b/c.parquet")).1, 5);
}

#[test]
fn resume_reuses_unchanged_shards_and_redoes_changed_ones() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write_shard(
        &input.join("a.parquet"),
        &batch(4, &[]),
        2,
        Compression::SNAPPY,
    );
    write_shard(
        &input.join("b.parquet"),
        &batch(5, &[]),
        2,
        Compression::SNAPPY,
    );
    let out = tmp.path().join("out");
    strip(tmp.path(), &input, &out, &["--quiet"], 0);
    let first = snapshot(&out);
    strip(tmp.path(), &input, &out, &["--quiet", "--resume"], 0);
    let m = manifest(&out);
    assert_eq!(m["totals"]["files_resumed"], 2);
    assert_eq!(
        snapshot(&out)[Path::new("provenance.jsonl.zst")],
        first[Path::new("provenance.jsonl.zst")]
    );
    // An output changed since is redone.
    let (clean, _) = read_shard(&out.join("b.parquet"));
    write_shard(&out.join("b.parquet"), &clean, 5, Compression::SNAPPY);
    strip(tmp.path(), &input, &out, &["--quiet", "--resume"], 0);
    let m = manifest(&out);
    assert_eq!(m["totals"]["files_resumed"], 1);
    assert_eq!(m["files"][1]["resumed"], false);
    assert_eq!(
        snapshot(&out)[Path::new("b.parquet")],
        first[Path::new("b.parquet")]
    );
    assert_eq!(verify(&out).code, 0);
}

#[test]
fn ranks_split_shards_and_output_paths_are_claimed_once() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    for name in ["a.parquet", "b.parquet", "c.parquet"] {
        write_shard(&input.join(name), &batch(2, &[]), 2, Compression::SNAPPY);
    }
    let out = tmp.path().join("out");
    for rank in ["0", "1"] {
        strip(
            tmp.path(),
            &input,
            &out,
            &["--quiet", "--rank", rank, "--world-size", "2"],
            0,
        );
    }
    let files = |rank: &str| -> Vec<String> {
        let m: Value = serde_json::from_slice(
            &fs::read(out.join(format!("_manifest-0000{rank}.json"))).unwrap(),
        )
        .unwrap();
        m["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["file"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(files("0"), ["a.parquet", "c.parquet"]);
    assert_eq!(files("1"), ["b.parquet"]);
    assert_eq!(verify(&out).code, 0);

    // The attribute file of `x.parquet` is `attributes/NAME/x.parquet.jsonl`,
    // which is also that of the JSONL shard `x.parquet.jsonl`.
    let input = tmp.path().join("clash");
    write_shard(
        &input.join("x.parquet"),
        &batch(2, &[]),
        2,
        Compression::SNAPPY,
    );
    fs::write(input.join("x.parquet.jsonl"), "{\"text\":\"Hello.\"}\n").unwrap();
    let out = tmp.path().join("out-clash");
    let run = strip(
        tmp.path(),
        &input,
        &out,
        &["--quiet", "--attributes", "a"],
        1,
    );
    assert!(
        run.stderr.contains(
            "x.parquet.jsonl: attribute file path attributes/a/x.parquet.jsonl is already used by the attribute file of"
        ),
        "{run:?}"
    );
    assert!(out.join("x.parquet").is_file());
}

#[test]
fn nested_columns_are_kept_and_integer_ids_and_struct_fields_are_read() {
    use arrow_array::{ListArray, StructArray, types::Int32Type};
    let tmp = scratch();
    let input = tmp.path().join("in");
    let rows = 4;
    let metadata = StructArray::from(vec![
        (
            Arc::new(Field::new("url", DataType::Utf8, true)),
            Arc::new(StringArray::from(
                (0..rows)
                    .map(|i| format!("https://news.example/{i}"))
                    .collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
        (
            Arc::new(Field::new("language_score", DataType::Float64, true)),
            Arc::new(Float64Array::from(vec![0.9, 0.8, 0.7, 0.6])) as ArrayRef,
        ),
    ]);
    let lists = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
        Some(vec![Some(1), Some(2)]),
        None,
        Some(vec![]),
        Some(vec![Some(3), None]),
    ]);
    let schema = Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("text", DataType::Utf8, false),
        Field::new("metadata", metadata.data_type().clone(), false),
        Field::new("spans", lists.data_type().clone(), true),
    ]);
    let original = RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(Int64Array::from(vec![7, 8, 9, 10])),
            Arc::new(StringArray::from(
                (0..rows).map(text_of).collect::<Vec<_>>(),
            )),
            Arc::new(metadata),
            Arc::new(lists),
        ],
    )
    .unwrap();
    write_shard(&input.join("n.parquet"), &original, 3, Compression::SNAPPY);
    // A publisher known by its domain, which only `metadata.url` gives.
    let pack = tmp.path().join("example.toml");
    fs::write(
        &pack,
        r#"[pack]
id = "example"
scope = "publisher"
name = "Example News"
domains = ["news.example"]
strong-signatures = ["Example News Service"]

[[rules]]
id = "example.signoff"
category = "wire_trailer"
anchor = "Example News Service"
strip = ["Example News Service"]
keep = ["The Example News Service building."]
"#,
    )
    .unwrap();
    let out = tmp.path().join("out");
    let pack = pack.display().to_string();
    strip(tmp.path(), &input, &out, &["--quiet", "--rules", &pack], 0);
    let (clean, _) = read_shard(&out.join("n.parquet"));
    assert_eq!(clean.schema(), original.schema());
    assert_eq!(without(&clean, "text"), without(&original, "text"));
    let ids: Vec<Value> = provenance(&out).iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids, ["7", "8", "9", "10"], "integer ids in decimal");
    for r in provenance(&out) {
        assert_eq!(r["publisher"]["id"], "example", "{r}");
        assert_eq!(r["publisher"]["resolved_by"], "domain");
    }
    assert_eq!(verify(&out).code, 0);
    let back = tmp.path().join("back");
    assert_eq!(restore(&out, &back).code, 0);
    assert_eq!(read_shard(&back.join("n.parquet")).0, original);
}

// --- codecs and string types --------------------------------------------------------

/// The codec of a shard's first column chunk.
fn codec_of(path: &Path) -> Compression {
    let builder = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(path).unwrap()).unwrap();
    builder.metadata().row_group(0).column(0).compression()
}

#[test]
fn lz4_brotli_and_gzip_shards_are_stripped_kept_in_their_codec_and_restored() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    let codecs = [
        ("lz4_raw.parquet", Compression::LZ4_RAW),
        ("lz4_hadoop.parquet", Compression::LZ4),
        (
            "brotli.parquet",
            Compression::BROTLI(BrotliLevel::default()),
        ),
        ("gzip.parquet", Compression::GZIP(GzipLevel::default())),
    ];
    let original = batch(7, &[]);
    for (name, codec) in codecs {
        write_shard(&input.join(name), &original, 3, codec);
    }
    let out = tmp.path().join("out");
    let run = strip(tmp.path(), &input, &out, &[], 0);
    assert!(run.stderr.contains("0 failed"), "{run:?}");
    for (name, codec) in codecs {
        let (clean, groups) = read_shard(&out.join(name));
        assert_eq!(groups, 3, "{name}");
        assert_eq!(codec_of(&out.join(name)), codec, "{name} keeps its codec");
        assert_eq!(without(&clean, "text"), without(&original, "text"));
        for (i, text) in strings(&clean, "text").iter().enumerate() {
            assert_eq!(
                text.as_deref().unwrap(),
                text_of(i).replace("\nRead more: the full story", ""),
                "{name}"
            );
        }
    }
    assert_eq!(manifest(&out)["totals"]["edits"], 4 * 5);

    let v = verify(&out);
    assert_eq!(v.code, 0, "{v:?}");
    let back = tmp.path().join("back");
    let r = restore(&out, &back);
    assert_eq!(r.code, 0, "{r:?}");
    for (name, codec) in codecs {
        let (rebuilt, _) = read_shard(&back.join(name));
        assert_eq!(rebuilt, original, "{name}");
        assert_eq!(codec_of(&back.join(name)), codec, "{name}");
    }
}

/// `batch` with its text column replaced by `text`.
fn with_text(batch: &RecordBatch, text: ArrayRef) -> RecordBatch {
    let schema = batch.schema();
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields[0] = Field::new("text", text.data_type().clone(), true);
    let mut columns = batch.columns().to_vec();
    columns[0] = text;
    let schema = Schema::new_with_metadata(fields, schema.metadata().clone());
    RecordBatch::try_new(Arc::new(schema), columns).unwrap()
}

/// The values of a column of any string type.
fn any_strings(batch: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let column = batch.column_by_name(name).expect("column");
    let value = |i: usize| -> String {
        match column.data_type() {
            DataType::Utf8 => column.as_string::<i32>().value(i).to_string(),
            DataType::LargeUtf8 => column.as_string::<i64>().value(i).to_string(),
            DataType::Utf8View => column.as_string_view().value(i).to_string(),
            other => panic!("{name} holds {other}"),
        }
    };
    (0..column.len())
        .map(|i| column.is_valid(i).then(|| value(i)))
        .collect()
}

#[test]
fn dictionary_large_and_view_text_columns_are_stripped_and_restored() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    let base = batch(6, &[4]);
    let texts: Vec<Option<String>> = strings(&base, "text");
    let refs: Vec<Option<&str>> = texts.iter().map(|t| t.as_deref()).collect();
    // A dictionary whose values repeat, as a categorical column's do.
    let repeated: Vec<Option<&str>> = (0..6)
        .map(|i| if i == 4 { None } else { refs[i % 2] })
        .collect();
    let cases: [(&str, ArrayRef, Vec<Option<&str>>, DataType); 4] = [
        (
            "dictionary.parquet",
            Arc::new(
                repeated
                    .iter()
                    .copied()
                    .collect::<DictionaryArray<Int32Type>>(),
            ),
            repeated.clone(),
            DataType::Utf8,
        ),
        (
            "large.parquet",
            Arc::new(LargeStringArray::from(refs.clone())),
            refs.clone(),
            DataType::LargeUtf8,
        ),
        (
            "view.parquet",
            Arc::new(StringViewArray::from(refs.clone())),
            refs.clone(),
            DataType::Utf8View,
        ),
        (
            "large_dictionary.parquet",
            Arc::new(DictionaryArray::<Int16Type>::new(
                Int16Array::from(vec![Some(0), Some(1), Some(0), Some(1), None, Some(1)]),
                Arc::new(LargeStringArray::from(vec![refs[0], refs[1]])),
            )),
            vec![refs[0], refs[1], refs[0], refs[1], None, refs[1]],
            DataType::LargeUtf8,
        ),
    ];
    for (name, text, _, _) in &cases {
        let shard = with_text(&base, text.clone());
        write_shard(&input.join(name), &shard, 4, Compression::SNAPPY);
        let (read, _) = read_shard(&input.join(name));
        assert_eq!(
            read.schema().field(0).data_type(),
            text.data_type(),
            "{name}"
        );
    }
    let out = tmp.path().join("out");
    let run = strip(tmp.path(), &input, &out, &[], 1);
    let stripped = |t: &str| t.replace("\nRead more: the full story", "");
    for (name, _, values, out_type) in &cases {
        let (clean, groups) = read_shard(&out.join(name));
        assert_eq!(groups, 2, "{name}");
        assert_eq!(clean.schema().field(0).data_type(), out_type, "{name}");
        assert_eq!(without(&clean, "text"), without(&base, "text"), "{name}");
        let want: Vec<Option<String>> = values.iter().map(|v| v.map(stripped)).collect();
        assert_eq!(any_strings(&clean, "text"), want, "{name}");
        assert!(
            run.stderr.contains(&format!(
                "{}:5: `text` is null; kept unchanged",
                input.join(name).display()
            )),
            "{run:?}"
        );
    }
    let m = manifest(&out);
    assert_eq!(m["totals"]["failed_files"], 0, "{run:?}");
    assert_eq!(m["totals"]["failed_rows"], 4);

    let v = verify(&out);
    assert_eq!(v.code, 0, "{v:?}");
    let back = tmp.path().join("back");
    let r = restore(&out, &back);
    assert_eq!(r.code, 0, "{r:?}");
    for (name, _, values, out_type) in &cases {
        let (rebuilt, _) = read_shard(&back.join(name));
        assert_eq!(rebuilt.schema().field(0).data_type(), out_type, "{name}");
        assert_eq!(without(&rebuilt, "text"), without(&base, "text"), "{name}");
        let want: Vec<Option<String>> = values.iter().map(|v| v.map(str::to_string)).collect();
        assert_eq!(any_strings(&rebuilt, "text"), want, "{name}");
    }
}

#[test]
fn a_text_column_of_another_type_fails_its_shard_by_name_and_the_others_go_on() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    let base = batch(3, &[]);
    let numbers = DictionaryArray::<Int32Type>::new(
        Int32Array::from(vec![Some(0), None, Some(0)]),
        Arc::new(Int64Array::from(vec![7])),
    );
    let bytes = BinaryArray::from(vec![Some(&b"a"[..]), Some(b"b"), None]);
    write_shard(&input.join("a.parquet"), &base, 3, Compression::SNAPPY);
    write_shard(
        &input.join("b.parquet"),
        &with_text(&base, Arc::new(numbers)),
        3,
        Compression::SNAPPY,
    );
    write_shard(
        &input.join("c.parquet"),
        &with_text(&base, Arc::new(bytes)),
        3,
        Compression::SNAPPY,
    );
    let out = tmp.path().join("out");
    let run = strip(tmp.path(), &input, &out, &[], 1);
    for (name, held) in [
        ("b.parquet", "Dictionary(Int32, Int64)"),
        ("c.parquet", "Binary"),
    ] {
        assert!(
            run.stderr.contains(&format!(
                "{}: column `text` (the text field) holds {held}, not strings; skipped",
                input.join(name).display()
            )),
            "{run:?}"
        );
        assert!(!out.join(name).exists(), "{name}");
    }
    assert!(out.join("a.parquet").is_file());
    assert_eq!(manifest(&out)["totals"]["failed_files"], 2);
    assert_eq!(
        walkdir(&out)
            .iter()
            .filter(|p| !p.starts_with(".chaff"))
            .count(),
        3,
        "only a.parquet, the manifest and the records: {:?}",
        walkdir(&out)
    );
}
