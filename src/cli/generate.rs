//! `chaff generate`: deterministic benchmark data, a synthetic rule pack or
//! a news-like corpus with the built-in rules' boilerplate planted in it.

use super::plan::{GenerateCorpus, GenerateRules};
use super::{EXIT_OK, refuse};
use crate::batch;
use crate::generate;
use crate::progress::Progress;
use crate::rules::RuleSet;
use std::io::{self, IsTerminal, Write};

/// Runs `chaff generate rules`.
pub(super) fn rules(plan: GenerateRules, err: &mut dyn Write) -> anyhow::Result<i32> {
    let started = std::time::Instant::now();
    let mut file = batch::AtomicFile::create(&plan.out)
        .map_err(|e| anyhow::anyhow!("{}: {e}", plan.out.display()))?;
    generate::write_synthetic_pack(&mut file, plan.count, plan.seed)?;
    file.commit()
        .map_err(|e| anyhow::anyhow!("{}: {e}", plan.out.display()))?;
    writeln!(
        err,
        "wrote {} synthetic rule{} (seed {:#x}) to {} ({:.2}s)",
        plan.count,
        if plan.count == 1 { "" } else { "s" },
        plan.seed,
        plan.out.display(),
        started.elapsed().as_secs_f64()
    )?;
    Ok(EXIT_OK)
}

/// Runs `chaff generate corpus`.
pub(super) fn corpus(plan: GenerateCorpus, err: &mut dyn Write) -> anyhow::Result<i32> {
    let generator = generate::Generator::new(&RuleSet::builtin(), plan.seed, plan.share)?;
    let catalogue = generator.catalogue();
    let skipped = catalogue.skipped();
    writeln!(
        err,
        "planting {} of the {} built-in strip examples ({} publishers){}",
        catalogue.plants().len(),
        catalogue.examples(),
        catalogue.publishers().len(),
        match (skipped.len(), plan.verbose) {
            (0, _) => String::new(),
            (n, true) => format!("; {n} skipped:"),
            (n, false) => format!("; {n} skipped (--verbose lists them)"),
        }
    )?;
    if plan.verbose {
        for s in skipped {
            writeln!(err, "  {} strip[{}]: {}", s.rule, s.example, s.reason)?;
        }
    }
    let progress = io::stderr()
        .is_terminal()
        .then(|| Progress::new(plan.options.size));
    let summary = generate::write_corpus(&generator, &plan.out, &plan.options, &mut |s| {
        if let Some(p) = &progress {
            p.set(s.documents, s.bytes);
        }
    });
    if let Some(p) = &progress {
        p.finish();
    }
    let summary = match summary {
        Ok(s) => s,
        Err(e @ (generate::Error::NotEmpty { .. } | generate::Error::ExpectOverlaps { .. })) => {
            return refuse(err, e);
        }
        Err(e) => return Err(e.into()),
    };
    let kinds: Vec<String> = generate::Kind::ALL
        .iter()
        .zip(summary.plants_by_kind)
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{n} {}", k.as_str()))
        .collect();
    writeln!(
        err,
        "generated {} documents, {} bytes in {} files into {}: {} with boilerplate ({} plants{}); {:.2}s, {:.0} MB/s",
        summary.documents,
        summary.bytes,
        summary.files,
        plan.out.display(),
        summary.planted_documents,
        summary.plants,
        if kinds.is_empty() {
            String::new()
        } else {
            format!(": {}", kinds.join(", "))
        },
        summary.seconds,
        summary.bytes as f64 / summary.seconds.max(1e-9) / 1e6,
    )?;
    Ok(EXIT_OK)
}
