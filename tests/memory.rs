//! How much memory one big document takes: about twice its size for a text
//! file, three times for a JSONL row (README, "One big document").
//!
//! Its own test binary, so that the process's peak resident memory (Linux:
//! `VmHWM` in `/proc/self/status`) is this test's alone.

use chaff::Stripper;
use chaff::batch::{self, Options, Silent};
use std::io::Write;
use std::path::Path;

/// A figure of `/proc/self/status` in bytes: `VmHWM` (the peak resident
/// memory since the last reset) or `VmRSS` (now).
fn status(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// How much more memory than now `f` takes at its peak, in bytes.
fn growth(f: impl FnOnce()) -> Option<f64> {
    // Resets the peak to what is resident now.
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    let now = status("VmRSS:")?;
    f();
    Some(status("VmHWM:")?.saturating_sub(now) as f64)
}

/// The bundled articles with body text between them, repeated to `size`
/// bytes or a little more.
fn big_text(size: usize) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut articles: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    articles.sort();
    let mut text = String::with_capacity(size + (1 << 16));
    let mut n = 0;
    while text.len() < size {
        text.push_str(&articles[n % articles.len()]);
        // Mostly body text: what grows with the removals is not measured.
        for k in 0..40 {
            text.push_str(&format!(
                "\n\nParagraph {k} after article {n} goes on, as body text does, about the \
                 council's plans for the harbour and what the residents made of them.\n\n"
            ));
        }
        n += 1;
    }
    text
}

fn strip(stripper: &Stripper, input: &Path, out: &Path) {
    let summary = batch::strip(
        stripper,
        &[input.to_path_buf()],
        &Options {
            jobs: 1,
            ..Options::new(out)
        },
        &Silent,
    )
    .unwrap();
    assert!(summary.ok(), "{:?}", summary.failures);
    assert!(summary.totals.edits > 0, "the text has boilerplate");
}

#[test]
fn one_big_document_is_held_about_twice_or_three_times() {
    if growth(|| ()).is_none() {
        eprintln!("no /proc/self/clear_refs here: nothing to measure");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = |name: &str| tmp.path().join(name);
    let stripper = Stripper::new(chaff::RuleSet::builtin()).unwrap();
    // Over 32 MiB, the largest buffer the system allocator may keep from
    // the system once it is freed: what is freed is given back.
    const SIZE: usize = 40 << 20;
    let text = big_text(SIZE);
    // Warm the rules' regex caches on a part of the same text, so that
    // what grows after is the document's.
    let part = &text[..text.floor_char_boundary(SIZE / 16)];
    std::fs::write(path("warm.txt"), part).unwrap();
    strip(&stripper, &path("warm.txt"), &path("o0"));
    std::fs::write(path("big.txt"), &text).unwrap();
    let mut row = std::io::BufWriter::new(std::fs::File::create(path("big.jsonl")).unwrap());
    row.write_all(b"{\"id\":\"big\",\"text\":").unwrap();
    serde_json::to_writer(&mut row, &text).unwrap();
    row.write_all(b"}\n").unwrap();
    row.flush().unwrap();
    drop(row);
    let size = text.len() as f64;
    drop(text);

    let text_growth = growth(|| strip(&stripper, &path("big.txt"), &path("o1"))).unwrap();
    assert!(
        text_growth < 2.8 * size,
        "a {size} byte text took {text_growth} bytes more at its peak"
    );
    let row_growth = growth(|| strip(&stripper, &path("big.jsonl"), &path("o2"))).unwrap();
    eprintln!(
        "text: {:.2}×, JSONL row: {:.2}× its size",
        text_growth / size,
        row_growth / size
    );
    assert!(
        row_growth < 3.8 * size,
        "a {size} byte JSONL row took {row_growth} bytes more at its peak"
    );
}
