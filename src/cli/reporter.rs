//! What `strip` and `suggest` show while they run: failures and warnings as
//! they happen, and the progress bar.

use crate::batch::{Failure, Observer};
use crate::progress::Progress;
use std::cell::RefCell;
use std::io::Write;
use std::path::PathBuf;

/// Prints failures as they happen and drives the progress bar.
pub(super) struct Reporter<'a> {
    pub(super) err: RefCell<&'a mut dyn Write>,
    pub(super) progress: Option<Progress>,
    /// Print warnings (not with `--quiet`).
    pub(super) warnings: bool,
}

impl Reporter<'_> {
    /// Prints `line` on stderr, above the progress bar if there is one.
    fn say(&self, line: &str) {
        match &self.progress {
            Some(p) => p.println(line),
            None => {
                let _ = writeln!(self.err.borrow_mut(), "{line}");
            }
        }
    }
}

impl Observer for Reporter<'_> {
    fn failure(&self, failure: &Failure) {
        self.say(&format!("chaff: {failure}"));
    }

    fn warning(&self, warning: &Failure) {
        if !self.warnings {
            return;
        }
        self.say(&format!("chaff: warning: {warning}"));
    }

    fn progress(&self, documents: u64, bytes: u64) {
        if let Some(p) = &self.progress {
            p.set(documents, bytes);
        }
    }
}

/// Bytes of every input file, for the progress bar.
pub(super) fn input_bytes(paths: &[PathBuf]) -> u64 {
    input_bytes_up_to(paths, u64::MAX)
}

/// [`input_bytes`], or the bytes counted so far once they reach `limit`.
pub(super) fn input_bytes_up_to(paths: &[PathBuf], limit: u64) -> u64 {
    let mut total = 0u64;
    for size in paths
        .iter()
        .flat_map(|p| walkdir::WalkDir::new(p).into_iter().flatten())
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
    {
        total = total.saturating_add(size);
        if total >= limit {
            break;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_input_bytes_stops_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        for (name, size) in [("a.txt", 10), ("b.txt", 20), ("c.txt", 30)] {
            std::fs::write(dir.path().join(name), vec![b'x'; size]).unwrap();
        }
        let paths = [dir.path().to_path_buf()];
        assert_eq!(input_bytes(&paths), 60);
        assert_eq!(input_bytes_up_to(&paths, 60), 60);
        let counted = input_bytes_up_to(&paths, 25);
        assert!((25..60).contains(&counted), "{counted}");
        assert_eq!(input_bytes_up_to(&[dir.path().join("c.txt")], 1), 30);
    }
}
