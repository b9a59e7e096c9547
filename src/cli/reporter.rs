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
    paths
        .iter()
        .flat_map(|p| walkdir::WalkDir::new(p).into_iter().flatten())
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}
