//! The simplest Rust peer of `chaff strip`, as `benches/compare.sh` runs it:
//! a line modifier in the style of the DCLM and datatrove filters. Each
//! JSONL row is parsed into a `serde_json::Value`, its `text` is split into
//! lines, every line that one regex alternation of the anchors finds in is
//! dropped, and the row is written back; a text file is filtered line by
//! line the same way. No provenance, no hashes.
//!
//! Usage: `peer ANCHORS OUT_DIR BUDGET_SECONDS FILE...`. The Nth input goes
//! to `OUT_DIR/N-NAME`. With a budget above 0 it stops once that many
//! seconds have passed, and prints `bytes=N seconds=S`: what it read and in
//! how long, building the regex included.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: peer ANCHORS OUT_DIR BUDGET_SECONDS FILE...");
        std::process::exit(2);
    }
    let started = Instant::now();
    let anchors = std::fs::read_to_string(&args[1]).expect("anchors");
    let alternation: Vec<String> = anchors
        .lines()
        .filter(|a| !a.is_empty())
        .map(regex::escape)
        .collect();
    let regex = regex::RegexBuilder::new(&alternation.join("|"))
        .size_limit(1 << 30)
        .dfa_size_limit(1 << 30)
        .build()
        .expect("the alternation compiles");
    let out_dir = Path::new(&args[2]);
    let budget: f64 = args[3].parse().expect("budget in seconds");
    let (mut read, mut lines, mut stopped) = (0u64, 0u64, false);
    'files: for (i, file) in args[4..].iter().enumerate() {
        let path = Path::new(file);
        let jsonl = file.ends_with(".jsonl");
        let input = BufReader::with_capacity(1 << 20, std::fs::File::open(path).expect("input"));
        let name = path.file_name().expect("a file name").to_string_lossy();
        let out = std::fs::File::create(out_dir.join(format!("{i}-{name}"))).expect("output");
        let mut out = BufWriter::with_capacity(1 << 20, out);
        for line in input.lines() {
            let line = line.expect("UTF-8 input");
            read += line.len() as u64 + 1;
            lines += 1;
            if jsonl {
                let mut row: serde_json::Value = match serde_json::from_str(&line) {
                    Ok(row) => row,
                    Err(_) => {
                        writeln!(out, "{line}").expect("write");
                        continue;
                    }
                };
                if let Some(text) = row.get("text").and_then(|t| t.as_str()) {
                    let kept: Vec<&str> = text.split('\n').filter(|l| !regex.is_match(l)).collect();
                    row["text"] = serde_json::Value::String(kept.join("\n"));
                }
                serde_json::to_writer(&mut out, &row).expect("write");
                out.write_all(b"\n").expect("write");
            } else if !regex.is_match(&line) {
                writeln!(out, "{line}").expect("write");
            }
            if budget > 0.0 && lines % 1024 == 0 && started.elapsed().as_secs_f64() > budget {
                out.flush().expect("write");
                stopped = true;
                break 'files;
            }
        }
        out.flush().expect("write");
    }
    if stopped {
        println!(
            "bytes={read} seconds={:.3}",
            started.elapsed().as_secs_f64()
        );
    }
}
