//! Reading the corpus, once per pass: text files and JSONL rows in parallel,
//! each document handed to the pass with what it needs to be grouped, and
//! what the workers gather merged into one result as they go.

use super::Options;
use super::counting::GroupKey;
use super::sketch::Sketch;
use crate::batch::read::{Doc, ReadError, Reader, Then, Visitor};
use crate::batch::walk::{Input, Kind as InputKind};
use crate::batch::{Failure, Observer};
use crate::engine::Stripper;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Mutex;

/// What a worker gathers; merged at the end.
pub(super) trait Local: Default + Send {
    fn merge(&mut self, other: Self);
}

pub(super) struct Acc<L> {
    pub(super) local: L,
    pub(super) failures: Vec<(u64, Failure)>,
    pub(super) docs: u64,
}

impl<L: Default> Default for Acc<L> {
    fn default() -> Self {
        Acc {
            local: L::default(),
            failures: Vec::new(),
            docs: 0,
        }
    }
}

/// Where the workers of a pass put what they gathered.
type Sink<L> = Mutex<Acc<L>>;

/// Documents a worker gathers before merging them into the sink.
const FLUSH_DOCS: u64 = 1024;

/// Merges `acc` into `sink` and empties it.
fn flush<L: Local>(sink: &Sink<L>, acc: &mut Acc<L>) {
    if acc.docs == 0 && acc.failures.is_empty() {
        return;
    }
    let part = std::mem::take(acc);
    let mut all = sink.lock().expect("no worker panicked");
    let mine = std::mem::take(&mut *all);
    *all = mine.merge(part);
}

impl<L: Local> Acc<L> {
    fn merge(mut self, other: Acc<L>) -> Acc<L> {
        self.local.merge(other.local);
        self.failures.extend(other.failures);
        self.docs += other.docs;
        self
    }
}

/// One document as read from the corpus, with where a pass finds it.
pub(super) struct DocIn<'a> {
    pub(super) doc: Doc<'a>,
    pub(super) folder: &'a str,
    pub(super) ordinal: u64,
}

/// Files per parallel batch at most.
const BATCH_FILES: usize = 256;
/// Input bytes per parallel batch at most.
const BATCH_BYTES: u64 = 64 << 20;

type PerDoc<'f, L> = &'f (dyn Fn(&DocIn<'_>, &mut L) + Sync);

/// Shared, read-only state of a scan.
pub(super) struct Scan<'a> {
    pub(super) stripper: &'a Stripper,
    pub(super) options: &'a Options,
    pub(super) sketch: Sketch,
    pub(super) threshold: u8,
    /// Group ids, after the first pass.
    pub(super) groups: HashMap<GroupKey, u32>,
}

impl Scan<'_> {
    /// Reads every input, calling `per_doc` for each document in parallel.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run<L: Local>(
        &self,
        pool: &rayon::ThreadPool,
        inputs: &[Input],
        sizes: &[u64],
        observer: &dyn Observer,
        report: bool,
        progress: &mut (u64, u64, u64),
        want: Option<&Want>,
        per_doc: PerDoc<'_, L>,
    ) -> Acc<L> {
        // Workers merge what they gathered into one sink every
        // `FLUSH_DOCS` documents (and after every JSONL block), so that
        // besides the sink only small partial results are alive.
        let sink: Sink<L> = Mutex::new(Acc::default());
        let mut failures = Vec::new();
        let mut start = 0;
        while start < inputs.len() {
            if want.is_some_and(|w| !w.files.contains_key(&start)) {
                start += 1;
                continue;
            }
            let mut end = start;
            let mut bytes = 0;
            while end < inputs.len()
                && end - start < BATCH_FILES
                && (end == start || bytes < BATCH_BYTES)
            {
                bytes += sizes[end];
                end += 1;
            }
            pool.install(|| {
                inputs[start..end]
                    .par_iter()
                    .enumerate()
                    .fold(Acc::<L>::default, |mut acc, (i, input)| {
                        let index = start + i;
                        if want.is_none_or(|w| w.files.contains_key(&index)) {
                            self.read(index, input, &mut acc, &sink, want, per_doc);
                        }
                        if acc.docs >= FLUSH_DOCS {
                            flush(&sink, &mut acc);
                        }
                        acc
                    })
                    .for_each(|mut acc| flush(&sink, &mut acc));
            });
            let (docs, mut found) = {
                let mut all = sink.lock().expect("no worker panicked");
                (all.docs, std::mem::take(&mut all.failures))
            };
            found.sort_by_key(|(o, _)| *o);
            if report {
                for (_, f) in &found {
                    observer.failure(f);
                }
                failures.extend(found);
            }
            if want.is_none() {
                progress.0 = progress.2 + docs;
                progress.1 += bytes;
                observer.progress(progress.0, progress.1);
            }
            start = end;
        }
        let mut total = sink.into_inner().expect("no worker panicked");
        progress.2 = progress.0;
        total.failures = failures;
        total
    }

    /// The corpus reader of a scan: bad rows are skipped.
    fn reader(&self) -> Reader<'_> {
        Reader {
            fields: &self.options.fields,
            publisher: self.options.publisher.as_deref(),
            group_by: self.options.group_by.as_deref(),
            then: Then::Skipped,
            pool: None,
        }
    }

    fn read<L: Local>(
        &self,
        index: usize,
        input: &Input,
        acc: &mut Acc<L>,
        sink: &Sink<L>,
        want: Option<&Want>,
        per_doc: PerDoc<'_, L>,
    ) {
        // Suggestions are drawn from text files and JSONL; Parquet shards
        // are left out, as before `strip` read them.
        if input.kind == InputKind::Parquet {
            return;
        }
        let folder = match input.rel.split_once('/') {
            Some((top, _)) => top.to_string(),
            None => input
                .path
                .parent()
                .and_then(|p| p.file_name())
                .map_or_else(|| ".".to_string(), |n| n.to_string_lossy().into_owned()),
        };
        let visitor = Pass {
            folder: &folder,
            ordinal: (index as u64) << 32,
            want,
            per_doc,
        };
        // The third pass reads only the rows it wants, and stops after the
        // last one.
        let last_row = want.and_then(|w| w.files.get(&index).copied());
        self.reader().visit(input, last_row, &visitor, &mut |part| {
            *acc = std::mem::take(acc).merge(part);
            if acc.docs >= FLUSH_DOCS {
                flush(sink, acc);
            }
        });
    }
}

/// How a pass visits the documents of one input.
struct Pass<'s, 'f, L> {
    folder: &'s str,
    /// The input's ordinal: its index, in the upper 32 bits.
    ordinal: u64,
    want: Option<&'s Want>,
    per_doc: PerDoc<'f, L>,
}

impl<L: Local> Visitor for Pass<'_, '_, L> {
    type Part = Acc<L>;

    fn wants(&self, line: u64) -> bool {
        self.want
            .is_none_or(|w| w.docs.contains_key(&(self.ordinal + line)))
    }

    fn document(&self, doc: &Doc<'_>, acc: &mut Acc<L>) {
        let doc = DocIn {
            doc: *doc,
            folder: self.folder,
            ordinal: self.ordinal + doc.line.unwrap_or(0),
        };
        (self.per_doc)(&doc, &mut acc.local);
        acc.docs += 1;
    }

    fn failure(&self, error: ReadError, acc: &mut Acc<L>) {
        let ordinal = self.ordinal + error.position().unwrap_or(0);
        acc.failures.push((ordinal, error.into()));
    }

    fn merge(&self, acc: &mut Acc<L>, later: Acc<L>) {
        *acc = std::mem::take(acc).merge(later);
    }
}

/// The documents the third pass reads, and the units wanted from each.
#[derive(Debug, Default)]
pub(super) struct Want {
    pub(super) docs: HashMap<u64, Vec<u64>>,
    /// Per file index, the last row wanted (0 for a text file).
    files: HashMap<usize, u64>,
}

impl Want {
    pub(super) fn add(&mut self, key: u64, ordinal: u64) {
        let keys = self.docs.entry(ordinal).or_default();
        if !keys.contains(&key) {
            keys.push(key);
        }
        let file = (ordinal >> 32) as usize;
        let row = ordinal & 0xFFFF_FFFF;
        let last = self.files.entry(file).or_default();
        *last = (*last).max(row);
    }
}
