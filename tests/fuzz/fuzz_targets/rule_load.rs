//! Arbitrary bytes as a rule file.
//!
//! Loading never panics, and a file that does not load says why: at least one
//! diagnostic, each naming the file it is about and a 1-based line (line 0 is
//! only for a file that could not be read, such as a `dictionary` file).

#![no_main]

use chaff::RuleSet;
use chaff::rules::{DiagnosticKind, Source};
use libfuzzer_sys::fuzz_target;

/// The rule file's name. Its folder does not exist, so a `dictionary` the
/// input names by a relative path cannot be read and is reported.
const NAME: &str = "/nonexistent-chaff-fuzz/rules.toml";

fuzz_target!(|data: &[u8]| {
    // Rule files are read as UTF-8 (a file that is not is an I/O diagnostic
    // before this point); keep every input useful by replacing bad bytes.
    let text = String::from_utf8_lossy(data).into_owned();
    let last_line = text.matches('\n').count() + 1;
    let sources = [Source::new(NAME.to_string(), text)];
    match RuleSet::from_sources(&sources) {
        Ok(set) => {
            // A set that loads is usable: its digest and its automaton build.
            let _ = set.digest();
            let _ = chaff::Stripper::new(set);
        }
        Err(e) => {
            assert!(!e.diagnostics.is_empty(), "an error without diagnostics");
            for d in &e.diagnostics {
                assert!(!d.file.is_empty(), "a diagnostic without a file: {d:?}");
                if d.kind == DiagnosticKind::Io {
                    // An unreadable dictionary is reported at the rule (its
                    // line in the rule file) or, with no position, at line 0.
                    assert!(d.line > 0 || d.column == 0, "{d:?}");
                } else {
                    assert!(d.line >= 1, "a diagnostic at line 0: {d:?}");
                    assert!(d.column >= 1, "a diagnostic at column 0: {d:?}");
                    if d.file == NAME {
                        assert!(d.line <= last_line, "past the end ({last_line}): {d:?}");
                    }
                }
                // Every diagnostic renders.
                let _ = d.to_string();
            }
            let _ = e.to_string();
        }
    }
});
