//! `chaff strip`: a batch of files and folders into an output folder, or
//! JSONL from stdin to stdout; then its one-line summary.

use super::plan::Strip;
use super::reporter::{Reporter, input_bytes, input_bytes_up_to};
use super::{EXIT_FAILED, EXIT_OK, refuse};
use crate::batch::{self, ProvenanceMode};
use crate::engine::Stripper;
use crate::progress::Progress;
use std::cell::RefCell;
use std::io::{self, IsTerminal, Write};

/// Runs `plan`.
pub(super) fn run(plan: Strip, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let mut set = plan.rules.load(err)?;
    set.drop_examples();
    let stripper = Stripper::new(set)?.with_hash(plan.hash);
    let options = &plan.options;
    // A long run with a core to spare compiles the regexes there.
    if !plan.stdin
        && spare_core(options.jobs)
        && input_bytes_up_to(&plan.paths, PREPARE_REGEXES_BYTES) >= PREPARE_REGEXES_BYTES
    {
        let _ = prepare_regexes(stripper.rules());
    }

    let show_progress = !plan.quiet && !plan.stdin && io::stderr().is_terminal();
    let total_bytes = if show_progress {
        Some(input_bytes(&plan.paths))
    } else {
        None
    };
    let reporter = Reporter {
        err: RefCell::new(err),
        progress: total_bytes.map(Progress::new),
        warnings: !plan.quiet,
    };
    let summary = if plan.stdin {
        let stdin = io::stdin();
        let mut reader = io::BufReader::with_capacity(1 << 20, stdin.lock());
        // Another run writing this folder's provenance would be lost.
        let _lock = match (&plan.out, options.provenance) {
            (Some(dir), ProvenanceMode::Jsonl) => match batch::Lock::take(dir, "strip -") {
                Ok(lock) => Some(lock),
                Err(e) => {
                    if let Some(refused) = batch::Refused::of(&e) {
                        return refuse(reporter.err.into_inner(), refused);
                    }
                    return Err(e.into());
                }
            },
            _ => None,
        };
        let provenance_path = options.provenance_path();
        let mut provenance = match (&plan.out, options.provenance) {
            (Some(dir), ProvenanceMode::Jsonl) => {
                std::fs::create_dir_all(dir).map_err(batch::named(dir))?;
                Some(
                    batch::CompressedAtomic::create_with(
                        &provenance_path,
                        options.records_compression.compression(),
                        options.levels,
                    )
                    .map_err(batch::named(&provenance_path))?,
                )
            }
            _ => None,
        };
        // Rows go out a block at a time, unbuffered here, so that when stdout
        // closes the rows it took are known and their records kept.
        let summary = batch::strip_stream(
            &stripper,
            options,
            &mut reader,
            &mut *out,
            provenance.as_mut().map(|p| p as &mut dyn Write),
            &reporter,
        )?;
        let recorded = provenance.is_some();
        if let Some(p) = provenance {
            p.commit().map_err(batch::named(&provenance_path))?;
        }
        // A closed stdout counts as done; with no records to account for,
        // nothing is said about it.
        if summary.closed_after.is_some() && !recorded {
            return Ok(EXIT_OK);
        }
        summary
    } else {
        match batch::strip(&stripper, &plan.paths, options, &reporter) {
            Ok(summary) => summary,
            Err(e) => {
                if let Some(refused) = batch::Refused::of(&e) {
                    return refuse(reporter.err.into_inner(), refused);
                }
                return Err(e.into());
            }
        }
    };
    if let Some(p) = &reporter.progress {
        p.finish();
    }
    let err = reporter.err.into_inner();
    if !plan.quiet {
        let t = &summary.totals;
        let target = if plan.stdin {
            "stdout".to_string()
        } else {
            options.out.display().to_string()
        };
        writeln!(
            err,
            "stripped {} document{} into {target}: {} edits, {} characters removed, {} bytes read, {} over budget; {} failed ({:.2}s)",
            t.docs,
            if t.docs == 1 { "" } else { "s" },
            t.edits,
            t.chars_removed,
            t.bytes_in,
            summary.over_budget.len(),
            summary.failures.len(),
            summary.seconds,
        )?;
        if let Some(rows) = summary.closed_after {
            writeln!(
                err,
                "stdout was closed after {rows} delivered row{}; {} holds the records of those rows only",
                if rows == 1 { "" } else { "s" },
                options.provenance_path().display()
            )?;
        }
        for f in &summary.failures {
            writeln!(err, "  failed: {f}")?;
        }
    }
    Ok(if summary.ok() { EXIT_OK } else { EXIT_FAILED })
}

/// Input bytes from which a run compiles its regexes ahead of use: about
/// what one worker strips while they compile; a shorter run meets fewer of
/// them, and would spend the time on the others for nothing.
const PREPARE_REGEXES_BYTES: u64 = 32 << 20;

/// Whether a run on `jobs` worker threads (0: one per core) leaves a core
/// free.
fn spare_core(jobs: usize) -> bool {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    jobs != 0 && jobs < cores
}

/// Compiles the rules' regexes on a thread of its own, in load order, ahead
/// of their first use: a worker that meets a regex first would otherwise
/// stop to compile it (the built-in library's take about 0.3 s in all). A
/// worker that needs one being compiled waits for it; the thread ends with
/// the process if the run ends first.
fn prepare_regexes(rules: &crate::rules::RuleSet) -> Option<std::thread::JoinHandle<()>> {
    let regexes: Vec<crate::rules::RuleRegex> = rules
        .rules()
        .iter()
        .filter_map(|r| r.regex.clone())
        .filter(|r| !r.is_compiled())
        .collect();
    if regexes.is_empty() {
        return None;
    }
    // Without a thread, each regex is compiled on first use as before.
    std::thread::Builder::new()
        .name("chaff-regexes".into())
        .spawn(move || regexes.iter().for_each(crate::rules::RuleRegex::prepare))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    #[test]
    fn only_a_run_on_fewer_threads_than_cores_has_one_to_spare() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert!(!spare_core(0));
        assert!(!spare_core(cores));
        assert_eq!(spare_core(1), cores > 1);
    }

    #[test]
    fn preparing_compiles_every_regex_of_the_rules() {
        let set = RuleSet::builtin();
        let regexes = || set.rules().iter().filter_map(|r| r.regex.as_ref());
        assert!(regexes().count() > 0);
        assert!(regexes().all(|r| !r.is_compiled()));
        prepare_regexes(&set)
            .expect("a thread")
            .join()
            .expect("no panic");
        assert!(regexes().all(|r| r.is_compiled()));
        assert!(prepare_regexes(&set).is_none(), "nothing left to compile");
    }
}
