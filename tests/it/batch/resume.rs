//! Jobs, ranks and resume, and one run per folder.

use super::*;

// --- jobs, ranks, resume ----------------------------------------------------------

#[test]
fn output_is_byte_identical_for_1_and_4_jobs_on_a_mixed_tree() {
    let tmp = scratch();
    let (input, _) = mixed_tree(tmp.path());
    // More rows than one block of work, so the workers split the shard.
    let rows: String = (0..1100)
        .map(|i| {
            format!(
                "{{\"id\":{i},\"text\":\"A file photo shows both presidents. (AFP)\\n\\nRow {i}.\\n\"}}\n"
            )
        })
        .collect();
    write(&input.join("shards/e.jsonl.zst"), zstd(rows.as_bytes()));
    let one = tmp.path().join("one");
    let four = tmp.path().join("four");
    for (out, jobs) in [(&one, "1"), (&four, "4")] {
        strip(
            &input,
            out,
            &["--quiet", "--jobs", jobs, "--attributes", "chaff"],
            1,
        );
    }

    let (a, b) = (snapshot(&one), snapshot(&four));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(
        a.contains_key("provenance.jsonl") && a.contains_key("attributes/chaff/shards/e.jsonl.zst")
    );
    for (rel, bytes) in &a {
        if rel == "_manifest.json" {
            assert_eq!(
                without_timing(parse_json(bytes)),
                without_timing(parse_json(&b[rel])),
                "the manifest differs beyond its timing"
            );
        } else {
            assert!(*bytes == b[rel], "{rel} differs between --jobs 1 and 4");
        }
    }
    assert_eq!(
        manifest(&one)["totals"]["docs"],
        MIXED_DOCS + 1100,
        "every row was stripped"
    );
}

#[test]
fn ranks_split_the_files_disjointly_and_name_their_provenance_and_manifest_by_rank() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let out = tmp.path().join("out");
    let mut seen: Vec<String> = Vec::new();
    for rank in 0..3 {
        let r = rank.to_string();
        let options = ["--quiet", "--no-builtin", "--rank", &r, "--world-size", "3"];
        strip(&input, &out, &options, 1);
        let m = manifest_at(&out.join(format!("_manifest-0000{rank}.json")));
        assert_eq!(
            (
                m["options"]["rank"].clone(),
                m["options"]["world_size"].clone()
            ),
            (rank.into(), 3.into())
        );
        let files = manifest_files(&m);
        let expected: Vec<String> = inputs.iter().skip(rank).step_by(3).cloned().collect();
        assert_eq!(
            files, expected,
            "rank {rank} takes sorted(files)[{rank}::3]"
        );
        let recorded: BTreeSet<String> =
            records_in(&out.join(format!("provenance-0000{rank}.jsonl")))
                .into_iter()
                .map(|r| r.file.unwrap())
                .collect();
        assert_eq!(
            recorded,
            files.iter().cloned().collect(),
            "rank {rank}'s records"
        );
        seen.extend(files);
    }
    let distinct: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(distinct.len(), seen.len(), "no file in two ranks");
    seen.sort();
    assert_eq!(seen, inputs, "every input in some rank");

    // Spooled records of JSONL inputs are in the provenance files now, and
    // no rank leaves its spool behind.
    assert!(
        tree(&out).iter().all(|f| !f.starts_with(".chaff/records/")),
        "{:?}",
        tree(&out)
    );
    let own: Vec<String> = tree(&out)
        .into_iter()
        .filter(|f| !inputs.contains(f))
        .collect();
    assert_eq!(
        own,
        [
            ".chaff/journal-00000.jsonl",
            ".chaff/journal-00001.jsonl",
            ".chaff/journal-00002.jsonl",
            "_manifest-00000.json",
            "_manifest-00001.json",
            "_manifest-00002.json",
            "provenance-00000.jsonl",
            "provenance-00001.jsonl",
            "provenance-00002.jsonl",
        ]
    );
    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{verify:?}");
    assert!(
        verify
            .stdout
            .starts_with(&format!("verified {} files", inputs.len()))
    );

    let bad = chaff(&[
        &"strip",
        &input,
        &"--out",
        &tmp.path().join("bad"),
        &"--rank",
        &"3",
        &"--world-size",
        &"3",
    ]);
    assert_eq!(bad.code, 2, "{bad:?}");
}

/// The manifest without its timing and with nothing marked resumed, to
/// compare a resumed run with a fresh one.
fn as_if_fresh(manifest: Value) -> Value {
    let mut m = without_timing(manifest);
    m["totals"]["files_resumed"] = 0.into();
    for f in m["files"].as_array_mut().unwrap() {
        f["resumed"] = false.into();
    }
    m
}

#[test]
fn resume_reuses_every_unchanged_file_and_reprocesses_only_a_changed_one() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let out = tmp.path().join("out");
    strip(&input, &out, &["--quiet", "--no-builtin"], 1);
    let first = snapshot(&out);

    let again = strip(&input, &out, &["--no-builtin", "--resume"], 1);
    let m = manifest(&out);
    assert_eq!(m["totals"]["files"], inputs.len());
    assert_eq!(
        m["totals"]["files_resumed"],
        inputs.len(),
        "every file reused"
    );
    assert!(resumed_flags(&out).iter().all(|(_, resumed)| *resumed));
    assert!(
        again.stderr.contains(":4: malformed JSON row"),
        "a reused file's problems are still reported: {again:?}"
    );
    let second = snapshot(&out);
    for (rel, bytes) in &first {
        if !rel.starts_with(".chaff/") && rel != "_manifest.json" {
            assert!(second[rel] == *bytes, "{rel} is the same");
        }
    }
    assert_eq!(
        as_if_fresh(manifest(&out)),
        as_if_fresh(parse_json(&first["_manifest.json"]))
    );

    // One input changes: only it is stripped again. (No rules are loaded:
    // what is reused does not depend on them.)
    let (name, text) = article(BBC);
    let changed = format!("articles/more/{name}");
    let new_text = format!("{text}\nA paragraph added later.\n");
    write(&input.join(&changed), &new_text);
    strip(&input, &out, &["--quiet", "--no-builtin", "--resume"], 1);
    for (rel, resumed) in resumed_flags(&out) {
        assert_eq!(resumed, rel != changed, "{rel}");
    }
    assert_eq!(manifest(&out)["totals"]["files_resumed"], inputs.len() - 1);
    let clean = fs::read_to_string(out.join(&changed)).unwrap();
    assert!(clean.ends_with("A paragraph added later.\n"), "{clean}");
    let record = records(&out)
        .into_iter()
        .find(|r| r.file.as_deref() == Some(changed.as_str()))
        .unwrap();
    assert_eq!(chaff::restore(&clean, &record).unwrap(), new_text);
    assert_eq!(chaff(&[&"verify", &out]).code, 0);

    // Other options: nothing can be reused.
    strip(
        &input,
        &out,
        &["--quiet", "--no-builtin", "--resume", "--mode", "mask"],
        1,
    );
    assert_eq!(manifest(&out)["totals"]["files_resumed"], 0);
}

#[test]
fn resume_after_a_killed_run_completes_the_job_and_verifies() {
    let tmp = scratch();
    let (input, inputs) = mixed_tree(tmp.path());
    let out = tmp.path().join("out");
    strip(&input, &out, &["--quiet"], 1);
    let fresh = snapshot(&out);

    // As a killed run leaves it: one output never written, and the last
    // journal entry cut off half-way.
    let (name, _) = article(MOSCOW_TIMES);
    let lost = format!("articles/more/{name}");
    fs::remove_file(out.join(&lost)).unwrap();
    let journal_path = out.join(".chaff/journal.jsonl");
    let journal = fs::read_to_string(&journal_path).unwrap();
    let last = journal.lines().last().unwrap();
    let cut = parse_json(last.as_bytes())["summary"]["file"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(cut, lost);
    let keep = journal.len() - last.len() - 1 + last.len() / 2;
    fs::write(&journal_path, &journal[..keep]).unwrap();

    strip(&input, &out, &["--quiet", "--resume"], 1);
    let redone: BTreeSet<String> = resumed_flags(&out)
        .into_iter()
        .filter(|(_, resumed)| !resumed)
        .map(|(file, _)| file)
        .collect();
    assert_eq!(redone, BTreeSet::from([lost, cut]));
    assert_eq!(manifest(&out)["totals"]["files_resumed"], inputs.len() - 2);
    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{verify:?}");

    // The same outputs as the run that was not interrupted.
    let after = snapshot(&out);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        fresh.keys().collect::<Vec<_>>()
    );
    for (rel, bytes) in &fresh {
        if rel == "_manifest.json" {
            assert_eq!(
                as_if_fresh(parse_json(&after[rel])),
                as_if_fresh(parse_json(bytes))
            );
        } else if !rel.starts_with(".chaff/") {
            assert!(after[rel] == *bytes, "{rel} is as the full run wrote it");
        }
    }
}

// --- one run per folder -----------------------------------------------------------

/// Holds `dir/.chaff/lock` as another run would, saying who holds it.
fn hold_lock(dir: &Path) -> fs::File {
    fs::create_dir_all(dir.join(".chaff")).unwrap();
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(dir.join(".chaff/lock"))
        .unwrap();
    file.try_lock().expect("the lock is free");
    writeln!(
        file,
        "strip: pid 4242, host elsewhere, started 2026-01-01T00:00:00Z"
    )
    .unwrap();
    file
}

#[test]
fn a_second_run_into_a_folder_in_use_is_refused_naming_the_holder() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("a.txt"), "Body.\n");
    write(
        &input.join("b.jsonl"),
        "{\"id\":\"b\",\"text\":\"Row.\\n\"}\n",
    );
    let out = tmp.path().join("out");
    strip(&input, &out, &["--quiet", "--no-builtin"], 0);
    let before = snapshot(&out);

    let held = hold_lock(&out);
    for extra in [&[][..], &["--resume"][..]] {
        let mut args = vec!["--no-builtin"];
        args.extend(extra);
        let run = strip(&input, &out, &args, 2);
        assert!(
            run.stderr.contains("in use by another chaff run")
                && run.stderr.contains("pid 4242, host elsewhere"),
            "{run:?}"
        );
        assert!(run.stderr.contains(&*out.to_string_lossy()), "{run:?}");
    }
    // From stdin with --out: the provenance would be lost as well.
    let stdin_run = Command::new(BIN)
        .args(["strip", "-", "--no-builtin", "--out"])
        .arg(&out)
        .stdin(fs::File::open(input.join("b.jsonl")).unwrap())
        .output()
        .unwrap();
    assert_eq!(stdin_run.status.code(), Some(2), "{stdin_run:?}");
    let mut now = snapshot(&out);
    now.remove(".chaff/lock");
    assert_eq!(now, before, "nothing written while the folder is in use");

    // A restore into a folder in use is refused too.
    let restored = tmp.path().join("restored");
    let held_restore = hold_lock(&restored);
    let run = chaff(&[&"restore", &out, &"--to", &restored]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("pid 4242"), "{run:?}");
    drop(held_restore);
    fs::remove_file(restored.join(".chaff/lock")).unwrap();

    // Once it is free, runs go ahead and leave no lock behind.
    drop(held);
    strip(&input, &out, &["--quiet", "--no-builtin"], 0);
    assert!(!out.join(".chaff/lock").exists());
    assert_eq!(chaff(&[&"verify", &out]).code, 0);
    assert_eq!(chaff(&[&"restore", &out, &"--to", &restored]).code, 0);
    assert_eq!(tree(&restored), ["a.txt", "b.jsonl"]);
}

// --- resume checks the outputs it reuses ------------------------------------------

#[test]
fn resume_redoes_an_output_that_changed_after_the_run() {
    let tmp = scratch();
    let input = tmp.path().join("in");
    write(&input.join("a.txt"), "First body.\n");
    write(&input.join("b.txt"), "Second body.\n");
    write(
        &input.join("s.jsonl.gz"),
        gzip(b"{\"id\":\"r\",\"text\":\"Row.\\n\"}\n"),
    );
    let out = tmp.path().join("out");
    strip(&input, &out, &["--quiet", "--no-builtin"], 0);
    let fresh = snapshot(&out);

    // Same size, other bytes; and a shard whose rows were edited.
    fs::write(out.join("a.txt"), "Fixed body.\n").unwrap();
    fs::write(
        out.join("s.jsonl.gz"),
        gzip(b"{\"id\":\"r\",\"text\":\"Wow.\\n\"}\n"),
    )
    .unwrap();
    assert_eq!(chaff(&[&"verify", &out]).code, 1);

    strip(&input, &out, &["--quiet", "--no-builtin", "--resume"], 0);
    assert_eq!(
        resumed_flags(&out),
        [
            ("a.txt".to_string(), false),
            ("b.txt".to_string(), true),
            ("s.jsonl.gz".to_string(), false)
        ]
    );
    assert!(fs::read(out.join("a.txt")).unwrap() == fresh["a.txt"]);
    assert_eq!(
        decompressed(&out.join("s.jsonl.gz")),
        decompress(&fresh["s.jsonl.gz"])
    );
    let verify = chaff(&[&"verify", &out]);
    assert_eq!(verify.code, 0, "{verify:?}");
}
