//! `chaff restore` and `chaff verify`.

use super::*;

// --- restore and verify -----------------------------------------------------------

#[test]
fn verify_passes_and_restore_rebuilds_every_input_byte_for_byte_in_every_mode() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let configurations: [&[&str]; 4] = [
        &[],
        &["--mode", "mask"],
        &["--mode", "tag", "--provenance", "sidecar"],
        &["--provenance", "sidecar"],
    ];
    for (i, options) in configurations.iter().enumerate() {
        let out = tmp.path().join(format!("out{i}"));
        if options.is_empty() {
            // The default strip of this tree is the shared reference.
            materialize_reference(&out);
        } else {
            strip(&input, &out, options, 1);
        }

        let verify = chaff(&[&"verify", &out]);
        assert_eq!(verify.code, 0, "{options:?}: {verify:?}");
        assert_eq!(
            verify.stdout,
            format!(
                "verified {} files ({MIXED_DOCS} documents); 0 failed\n",
                inputs.len()
            ),
            "{options:?}"
        );
        assert_eq!(verify.stderr, "");

        let restored = tmp.path().join(format!("restored{i}"));
        let restore = chaff(&[&"restore", &out, &"--to", &restored]);
        assert_eq!(restore.code, 0, "{options:?}: {restore:?}");
        assert!(restore.stdout.starts_with("restored "), "{restore:?}");
        assert_rebuilt(&input, &inputs, &restored);
    }
}

#[test]
fn verify_fails_after_an_output_is_tampered_with() {
    let tmp = scratch();
    let out = materialize_reference(&tmp.path().join("out"));
    assert_eq!(chaff(&[&"verify", &out]).code, 0);

    let (name, _) = article(BBC);
    for target in [
        format!("articles/more/{name}"),
        "shards/a.jsonl".to_string(),
        "shards/c.jsonl.zst".to_string(),
    ] {
        let path = out.join(&target);
        let kept = fs::read(&path).unwrap();
        // One letter of the clean text changed.
        let text = String::from_utf8(decompressed(&path)).unwrap();
        let at = text.find("Macron").expect("the story names Macron");
        let tampered = format!("{}m{}", &text[..at], &text[at + 1..]);
        fs::write(&path, compress_for(&target, tampered.as_bytes())).unwrap();

        let verify = chaff(&[&"verify", &out]);
        assert_eq!(verify.code, 1, "{target}: {verify:?}");
        let shown = path.display().to_string();
        assert!(
            verify
                .stderr
                .lines()
                .any(|l| l.starts_with(&format!("chaff: {target}: {shown}"))),
            "{target} named: {verify:?}"
        );
        assert!(verify.stdout.ends_with("; 1 failed\n"), "{verify:?}");
        let restored = tmp.path().join("restored");
        assert_eq!(
            chaff(&[&"restore", &out, &"--to", &restored]).code,
            1,
            "{target}"
        );
        fs::write(&path, kept).unwrap();
        assert_eq!(chaff(&[&"verify", &out]).code, 0, "{target} put back");
    }
}

#[test]
fn records_are_zstd_frames_when_inputs_are_compressed_and_restore_verify_and_resume_read_them() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let plain = tmp.path().join("plain");
    strip(&input, &plain, &[], 1);
    let out = tmp.path().join("out");
    strip(&input, &out, &["--records-compression", "auto"], 1);

    // The tree holds .gz and .zst shards: `auto` compresses the records.
    let zst = out.join("provenance.jsonl.zst");
    assert!(!out.join("provenance.jsonl").exists());
    let packed = fs::read(&zst).unwrap();
    assert_eq!(compression(&packed), "zstd");
    let plain_bytes = fs::read(plain.join("provenance.jsonl")).unwrap();
    assert!(
        packed.len() * 2 < plain_bytes.len(),
        "{} vs {}",
        packed.len(),
        plain_bytes.len()
    );
    assert!(decompress(&packed) == plain_bytes, "the same records");
    assert_eq!(manifest(&out)["options"]["records_compression"], "zstd");
    assert_eq!(manifest(&plain)["options"]["records_compression"], "none");
    // Every other output is the same as with plain records.
    let (mut a, mut b) = (snapshot(&out), snapshot(&plain));
    a.remove("provenance.jsonl.zst");
    b.remove("provenance.jsonl");
    // The journals say where each input's records are: they differ too.
    for name in ["_manifest.json", ".chaff/journal.jsonl"] {
        a.remove(name);
        b.remove(name);
    }
    let differ: Vec<&String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .collect();
    assert!(differ.is_empty(), "same outputs: {differ:?}");

    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{verify:?}");
    let restored = tmp.path().join("restored");
    assert_eq!(chaff(&[&"restore", &out, &"--to", &restored]).code, 0);
    assert_rebuilt(&input, &inputs, &restored);

    // Resume copies each input's frame as it was.
    strip(
        &input,
        &out,
        &["--records-compression", "auto", "--resume"],
        1,
    );
    assert_eq!(
        manifest(&out)["totals"]["files_resumed"],
        inputs.len() as u64
    );
    assert!(
        fs::read(&zst).unwrap() == packed,
        "frames reused byte for byte"
    );

    // A damaged frame is a failure verify names.
    let mut damaged = packed.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x55;
    fs::write(&zst, &damaged).unwrap();
    let verify = chaff(&[&"verify", &out]);
    assert_ne!(verify.code, 0, "{verify:?}");
    assert!(verify.stderr.contains("provenance"), "{verify:?}");
    fs::write(&zst, &packed).unwrap();

    // Sidecars of shards are compressed too; a text's one record is not.
    let sidecars = tmp.path().join("sidecars");
    strip(
        &input,
        &sidecars,
        &["--records-compression", "zstd", "--provenance", "sidecar"],
        1,
    );
    let names = tree(&sidecars);
    assert!(
        names.iter().any(|n| n == "shards/a.jsonl.prov.jsonl.zst"),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.ends_with(".txt.prov.json")),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n.ends_with(".prov.jsonl")),
        "{names:?}"
    );
    assert_eq!(
        records_in(&sidecars.join("shards/a.jsonl.prov.jsonl.zst")),
        records_in(&plain.join("provenance.jsonl"))
            .into_iter()
            .filter(|r| r.file.as_deref() == Some("shards/a.jsonl"))
            .collect::<Vec<_>>()
    );
    assert_eq!(chaff(&[&"verify", &sidecars]).code, 0);
    let restored = tmp.path().join("restored-sidecars");
    assert_eq!(chaff(&[&"restore", &sidecars, &"--to", &restored]).code, 0);
    assert_rebuilt(&input, &inputs, &restored);

    // Plain inputs keep plain records.
    let texts = tmp.path().join("texts");
    copy_corpus(&texts);
    let out = tmp.path().join("texts-out");
    strip(&texts, &out, &["--records-compression", "auto"], 0);
    assert!(out.join("provenance.jsonl").is_file());
    assert!(!out.join("provenance.jsonl.zst").exists());
}

#[test]
fn compression_levels_change_the_bytes_written_not_what_they_hold() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("s.jsonl.gz"), gzip(&shard_bytes()));
    write(&input.join("t.jsonl.zst"), zstd(&shard_bytes()));
    let run = |name: &str, gzip_level: &str, zstd_level: &str| {
        let out = tmp.path().join(name);
        strip(
            &input,
            &out,
            &["--gzip-level", gzip_level, "--zstd-level", zstd_level],
            1,
        );
        out
    };
    let (fast, small) = (run("fast", "1", "1"), run("small", "9", "19"));
    for rel in ["s.jsonl.gz", "t.jsonl.zst"] {
        let (a, b) = (
            fs::read(fast.join(rel)).unwrap(),
            fs::read(small.join(rel)).unwrap(),
        );
        assert!(a != b, "{rel}: the level is used");
        assert_eq!(compression(&a), compression(&b), "{rel}");
        assert!(decompress(&a) == decompress(&b), "{rel}: the same rows");
    }
    for (flag, level) in [
        ("--gzip-level", "10"),
        ("--zstd-level", "0"),
        ("--zstd-level", "23"),
    ] {
        let bad = chaff(&[
            &"strip",
            &input,
            &"--out",
            &tmp.path().join("bad"),
            &flag,
            &level,
        ]);
        assert_eq!(bad.code, 2, "{flag} {level}: {bad:?}");
        assert!(bad.stderr.contains(flag), "{bad:?}");
    }
}

// --- verify checks everything the folder says -------------------------------------

/// A folder stripped from one text file (non-ASCII before its caption), one
/// shard and one file that is not UTF-8; returns input and output folders.
fn verify_fixture(tmp: &Path) -> (PathBuf, PathBuf) {
    let input = tmp.join("in");
    let body = "Caf\u{e9} au lait.\n\nA file photo shows both presidents. (AFP)\n\nThe talks lasted an hour.\n";
    write(&input.join("a.txt"), body);
    write(
        &input.join("s.jsonl"),
        format!(
            "{{\"id\":\"r\",\"text\":{},\"metadata\":{{\"url\":\"https://x.test/r\"}}}}\n",
            json_string(body)
        ),
    );
    write(&input.join("bad.txt"), b"\xff\xfe");
    let out = tmp.join("out");
    strip(&input, &out, &["--quiet"], 1);
    (input, out)
}

/// Runs verify, expecting it to fail; returns its stderr.
fn verify_fails(out: &Path) -> String {
    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 1, "{verify:?}");
    verify.stderr
}

#[test]
fn verify_lists_the_inputs_the_run_failed_on_and_files_no_manifest_accounts_for() {
    let tmp = scratch();
    let (input, out) = verify_fixture(tmp.path());
    let stderr = verify_fails(&out);
    let bad = input.join("bad.txt").display().to_string();
    assert!(
        stderr.starts_with(&format!(
            "chaff: {bad}: not in the output folder: the run failed on it (not UTF-8"
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    write(&out.join("stale.txt"), "From an earlier run.\n");
    write(&out.join("sub/notes.jsonl"), "{}\n");
    let stderr = verify_fails(&out);
    for foreign in ["stale.txt", "sub/notes.jsonl"] {
        let shown = out.join(foreign).display().to_string();
        assert!(
            stderr.contains(&format!("chaff: {shown}: not listed in any manifest")),
            "{foreign}: {stderr}"
        );
    }
}

#[test]
fn verify_checks_record_offsets_sizes_and_the_bytes_of_rows_outside_the_text() {
    let tmp = scratch();
    let (_, out) = verify_fixture(tmp.path());
    // Only the failed input is a problem.
    assert_eq!(verify_fails(&out).lines().count(), 1);
    let provenance = out.join("provenance.jsonl");
    let kept = fs::read_to_string(&provenance).unwrap();
    let records: Vec<Value> = kept.lines().map(|l| parse_json(l.as_bytes())).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0]["edits"][0]["char_start"], 15,
        "after one two-byte character"
    );

    type Change = fn(&mut Value);
    let edits: [(&str, Change); 3] = [
        ("char_start", |r| r["edits"][0]["char_start"] = 16.into()),
        ("char_end", |r| r["edits"][0]["char_end"] = 99.into()),
        ("input_bytes", |r| r["input_bytes"] = 7.into()),
    ];
    for (what, edit) in edits {
        for (n, file) in ["a.txt", "s.jsonl"].iter().enumerate() {
            let mut changed = records.clone();
            edit(&mut changed[n]);
            let text: String = changed.iter().map(|r| format!("{r}\n")).collect();
            fs::write(&provenance, text).unwrap();
            let stderr = verify_fails(&out);
            assert!(
                stderr
                    .lines()
                    .any(|l| l.starts_with(&format!("chaff: {file}: ")) && l.contains(what)),
                "{what} of {file}: {stderr}"
            );
        }
    }
    fs::write(&provenance, &kept).unwrap();

    // The manifest's hash of an output.
    let manifest_path = out.join("_manifest.json");
    let manifest_text = fs::read_to_string(&manifest_path).unwrap();
    let mut changed = parse_json(manifest_text.as_bytes());
    let files = changed["files"].as_array_mut().unwrap();
    let a = files.iter_mut().find(|f| f["file"] == "a.txt").unwrap();
    a["output_hash"] = format!("blake3:{}", "0".repeat(64)).into();
    fs::write(&manifest_path, changed.to_string()).unwrap();
    let stderr = verify_fails(&out);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("chaff: a.txt: ") && l.contains("output has hash")),
        "{stderr}"
    );
    fs::write(&manifest_path, manifest_text).unwrap();

    // A byte of a row outside its text: the URL.
    let shard = out.join("s.jsonl");
    let row = fs::read_to_string(&shard).unwrap();
    fs::write(&shard, row.replace("x.test/r", "x.test/R")).unwrap();
    let stderr = verify_fails(&out);
    assert!(
        stderr.lines().any(
            |l| l.starts_with("chaff: s.jsonl: ") && l.contains("line 1: bytes outside `text`")
        ),
        "{stderr}"
    );
}

#[test]
fn resume_redoes_an_input_whose_sidecar_or_attribute_file_changed() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    for name in ["a.txt", "b.txt", "c.txt"] {
        write(&input.join(name), format!("Body of {name}.\n"));
    }
    for name in ["s.jsonl", "t.jsonl", "u.jsonl"] {
        write(
            &input.join(name),
            format!("{{\"id\":\"{name}\",\"text\":\"Row.\\n\"}}\n"),
        );
    }
    type Case<'a> = (&'a [&'a str], &'a [&'a str]);
    // (The records of the provenance file: see
    // `resume_redoes_an_input_whose_records_changed_in_the_provenance_file`.)
    let runs: [Case; 2] = [
        (
            &["--provenance", "sidecar"],
            &["a.txt.prov.json", "s.jsonl.prov.jsonl"],
        ),
        (
            &["--attributes", "chaff"],
            &["attributes/chaff/b.txt.jsonl", "attributes/chaff/t.jsonl"],
        ),
    ];
    for (n, (options, changed)) in runs.iter().enumerate() {
        let out = tmp.path().join(format!("out{n}"));
        let mut args = vec!["--quiet", "--no-builtin"];
        args.extend(options.iter());
        strip(&input, &out, &args, 0);
        let fresh = snapshot(&out);
        for rel in changed.iter() {
            let path = out.join(rel);
            let text = fs::read_to_string(&path).unwrap();
            fs::write(&path, text.replace("\"id\"", "\"ID\"")).unwrap();
        }
        args.push("--resume");
        strip(&input, &out, &args, 0);
        let redone: Vec<String> = resumed_flags(&out)
            .into_iter()
            .filter(|(_, resumed)| !resumed)
            .map(|(file, _)| file)
            .collect();
        let expected: Vec<String> = changed
            .iter()
            .map(|rel| {
                let name = rel.rsplit('/').next().unwrap();
                name.split_once('.')
                    .map(|(stem, _)| stem)
                    .unwrap()
                    .to_string()
            })
            .map(|stem| {
                let ext = if ["a", "b", "c"].contains(&stem.as_str()) {
                    "txt"
                } else {
                    "jsonl"
                };
                format!("{stem}.{ext}")
            })
            .collect();
        assert_eq!(redone, expected, "{options:?}");
        for rel in changed.iter() {
            assert!(
                fs::read(out.join(rel)).unwrap() == fresh[*rel],
                "{rel} written again"
            );
        }
        assert_eq!(chaff(&[&"verify", &out]).code, 0);
    }
}
