//! Standard input and output.

use super::*;

// --- stdin and stdout -------------------------------------------------------------

/// Runs the binary with `args` in `dir`, `stdin` piped in.
fn run_binary(dir: &Path, args: &[&dyn AsRef<OsStr>], stdin: &Path) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(fs::File::open(stdin).expect("stdin file"))
        .output()
        .expect("chaff runs")
}

#[test]
fn strip_dash_reads_jsonl_on_stdin_and_writes_on_stdout_what_the_file_would_get() {
    let tmp = scratch();
    let shard = tmp.path().join("in/a.jsonl");
    write(&shard, shard_bytes());
    let work = tmp.path().join("work");
    fs::create_dir(&work).unwrap();
    // The file, by the same binary (other builds may replace the binary
    // while this test runs; the library linked into the test could differ).
    let out = tmp.path().join("out");
    let file_run = run_binary(&work, &[&"strip", &shard, &"--out", &out], &shard);
    assert_eq!(file_run.status.code(), Some(1));
    let expected = fs::read(out.join("a.jsonl")).unwrap();

    // No --out: stdout only, nothing written.
    let plain = run_binary(&work, &[&"strip", &"-"], &shard);
    assert_eq!(plain.status.code(), Some(1), "two bad rows");
    assert!(plain.stdout == expected, "same bytes as for the file");
    let stderr = String::from_utf8(plain.stderr).unwrap();
    for (no, why) in BAD_LINES {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&format!("chaff: -:{no}: ")) && l.contains(why)),
            "line {no} reported: {stderr}"
        );
    }
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("stripped 3 documents into stdout: ")
                && l.contains("; 2 failed (")),
        "{stderr}"
    );
    assert_eq!(tree(&work), Vec::<String>::new(), "nothing written");
    assert!(String::from_utf8_lossy(&file_run.stdout).is_empty());

    // --out DIR: the provenance goes to DIR/provenance.jsonl.
    let dir = tmp.path().join("prov");
    let with_out = run_binary(&work, &[&"strip", &"-", &"--out", &dir], &shard);
    assert_eq!(with_out.status.code(), Some(1));
    assert!(with_out.stdout == expected, "same bytes as for the file");
    assert_eq!(tree(&dir), ["provenance.jsonl"]);
    let records = records(&dir);
    let file_records = records_in(&out.join("provenance.jsonl"));
    assert_eq!(records.len(), 3);
    // Compressed records when asked.
    let packed = tmp.path().join("packed");
    let zstd_run = run_binary(
        &work,
        &[
            &"strip",
            &"-",
            &"--out",
            &packed,
            &"--records-compression",
            &"zstd",
        ],
        &shard,
    );
    assert!(zstd_run.stdout == expected, "same bytes as for the file");
    assert_eq!(tree(&packed), ["provenance.jsonl.zst"]);
    assert_eq!(records_in(&packed.join("provenance.jsonl.zst")), records);
    let rows = lines_of(&expected);
    for (record, of_file) in records.iter().zip(&file_records) {
        assert_eq!(record.file.as_deref(), Some("-"));
        assert_eq!(record.line, of_file.line);
        assert_eq!(record.id, of_file.id);
        assert_eq!(record.edits, of_file.edits);
        let line = rows[record.line.unwrap() as usize - 1].trim_end();
        let text: String = serde_json::from_str(member(&members(line), "text")).unwrap();
        let original = shard_rows()[record.line.unwrap() as usize - 1]
            .article
            .clone()
            .unwrap()
            .1;
        assert_eq!(chaff::restore(&text, record).unwrap(), original);
    }
}

#[test]
fn strip_dash_into_a_closed_pipe_exits_0() {
    let tmp = scratch();
    // Far more output than a pipe holds: the writes must meet the closed end.
    let rows = afp_rows(4000);
    let big = tmp.path().join("big.jsonl");
    write(&big, &rows);

    let mut child = Command::new(BIN)
        .args(["strip", "-"])
        .current_dir(tmp.path())
        .stdin(fs::File::open(&big).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -c 10`.
    let mut head = [0u8; 10];
    child
        .stdout
        .take()
        .unwrap()
        .read_exact(&mut head)
        .expect("the first bytes");
    let output = child.wait_with_output().unwrap();
    assert_eq!(&head, br#"{"id":"r0""#);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "", "a closed stdout is not an error");
}

#[test]
fn strip_dash_into_a_closed_pipe_keeps_the_records_of_every_row_delivered() {
    let tmp = scratch();
    let rows = afp_rows(4000);
    let big = tmp.path().join("big.jsonl");
    write(&big, &rows);
    let out = tmp.path().join("out");

    let mut child = Command::new(BIN)
        .args(["strip", "-", "--out"])
        .arg(&out)
        .current_dir(tmp.path())
        .stdin(fs::File::open(&big).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -1`.
    let mut first = Vec::new();
    let mut byte = [0u8];
    let mut stdout = child.stdout.take().unwrap();
    while byte[0] != b'\n' {
        stdout.read_exact(&mut byte).expect("the first line");
        first.push(byte[0]);
    }
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(first.starts_with(br#"{"id":"r0""#));

    let records = records(&out);
    let delivered = records.len();
    assert!((1..4000).contains(&delivered), "{delivered} rows delivered");
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.id, format!("r{i}"));
        assert_eq!(r.line, Some(i as u64 + 1));
    }
    assert!(
        stderr.contains(&format!(
            "stdout was closed after {delivered} delivered rows"
        )),
        "{stderr}"
    );
    assert!(
        stderr.starts_with(&format!("stripped {delivered} documents into stdout")),
        "{stderr}"
    );
}
