//! Reading the corpus, once per pass: text files and JSONL rows in parallel,
//! each document handed to the pass with what it needs to be grouped, and
//! what the workers gather merged into one result as they go.

use super::Options;
use super::counting::GroupKey;
use super::sketch::Sketch;
use crate::batch::walk::{Input, Kind as InputKind};
use crate::batch::{Failure, Observer};
use crate::compress;
use crate::engine::Stripper;
use crate::jsonl::Row;
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::BufRead;
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

/// One document as read from the corpus.
pub(super) struct DocIn<'a> {
    pub(super) id: &'a str,
    pub(super) text: &'a str,
    pub(super) publisher: Option<&'a str>,
    pub(super) url: Option<&'a str>,
    pub(super) group: Option<&'a str>,
    pub(super) folder: &'a str,
    pub(super) ordinal: u64,
}

/// Files per parallel batch at most.
const BATCH_FILES: usize = 256;
/// Input bytes per parallel batch at most.
const BATCH_BYTES: u64 = 64 << 20;
/// JSONL rows per parallel block.
const BLOCK_ROWS: usize = 1024;
/// JSONL bytes per parallel block at most.
const BLOCK_BYTES: usize = 8 << 20;

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

    fn read<L: Local>(
        &self,
        index: usize,
        input: &Input,
        acc: &mut Acc<L>,
        sink: &Sink<L>,
        want: Option<&Want>,
        per_doc: PerDoc<'_, L>,
    ) {
        let shown = input.path.display().to_string();
        let ordinal = (index as u64) << 32;
        let folder = match input.rel.split_once('/') {
            Some((top, _)) => top.to_string(),
            None => input
                .path
                .parent()
                .and_then(|p| p.file_name())
                .map_or_else(|| ".".to_string(), |n| n.to_string_lossy().into_owned()),
        };
        // The third pass reads only the rows it wants, and stops after the
        // last one.
        let wanted = |ordinal: u64| want.is_none_or(|w| w.docs.contains_key(&ordinal));
        let last_row = want.and_then(|w| w.files.get(&index).copied());
        match input.kind {
            // Suggestions are drawn from text files and JSONL; Parquet
            // shards are left out, as before `strip` read them.
            InputKind::Parquet => {}
            InputKind::Text => {
                if !wanted(ordinal) {
                    return;
                }
                let bytes = match std::fs::read(&input.path) {
                    Ok(b) => b,
                    Err(e) => {
                        acc.failures
                            .push((ordinal, Failure::file(shown, format!("cannot read: {e}"))));
                        return;
                    }
                };
                if let Some(at) = memchr::memchr(0, &bytes) {
                    let m = format!("binary file (NUL byte at offset {at}); skipped");
                    acc.failures.push((ordinal, Failure::file(shown, m)));
                    return;
                }
                let text = match std::str::from_utf8(&bytes) {
                    Ok(t) => t,
                    Err(e) => {
                        let m = format!(
                            "not UTF-8 (invalid byte at offset {}); skipped",
                            e.valid_up_to()
                        );
                        acc.failures.push((ordinal, Failure::file(shown, m)));
                        return;
                    }
                };
                let doc = DocIn {
                    id: &input.rel,
                    text,
                    publisher: self.options.publisher.as_deref(),
                    url: None,
                    group: None,
                    folder: &folder,
                    ordinal,
                };
                per_doc(&doc, &mut acc.local);
                acc.docs += 1;
            }
            InputKind::Jsonl => {
                let mut reader = match compress::open(&input.path) {
                    Ok((r, _)) => r,
                    Err(e) => {
                        acc.failures
                            .push((ordinal, Failure::file(shown, format!("cannot read: {e}"))));
                        return;
                    }
                };
                let mut no = 0u64;
                let mut done = false;
                let mut block: Vec<(u64, Vec<u8>)> = Vec::with_capacity(BLOCK_ROWS);
                let mut block_bytes = 0;
                while !done {
                    let mut line = Vec::new();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(0) => done = true,
                        Ok(n) => {
                            no += 1;
                            if wanted(ordinal + no) {
                                block_bytes += n;
                                block.push((no, line));
                            }
                            if last_row.is_some_and(|last| no >= last) {
                                done = true;
                            }
                        }
                        Err(e) => {
                            let m = format!("cannot read (line {}): {e}", no + 1);
                            acc.failures
                                .push((ordinal + no + 1, Failure::file(shown.clone(), m)));
                            done = true;
                        }
                    }
                    if !block.is_empty()
                        && (done || block.len() >= BLOCK_ROWS || block_bytes >= BLOCK_BYTES)
                    {
                        let mut part = block
                            .par_iter()
                            .fold(Acc::<L>::default, |mut a, (no, line)| {
                                self.row(
                                    input,
                                    &shown,
                                    &folder,
                                    ordinal + no,
                                    *no,
                                    line,
                                    &mut a,
                                    per_doc,
                                );
                                a
                            })
                            .reduce(Acc::default, Acc::merge);
                        flush(sink, &mut part);
                        block.clear();
                        block_bytes = 0;
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn row<L: Local>(
        &self,
        input: &Input,
        shown: &str,
        folder: &str,
        ordinal: u64,
        no: u64,
        line: &[u8],
        acc: &mut Acc<L>,
        per_doc: PerDoc<'_, L>,
    ) {
        let fail = |acc: &mut Acc<L>, message: String| {
            acc.failures.push((
                ordinal,
                Failure {
                    file: shown.to_string(),
                    line: Some(no),
                    message,
                },
            ))
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let Ok(body) = std::str::from_utf8(line) else {
            return fail(acc, "not UTF-8; skipped".into());
        };
        let row = match Row::parse(body.trim_end()) {
            Ok(r) => r,
            Err(e) => return fail(acc, format!("{e}; skipped")),
        };
        let fields = &self.options.fields;
        let text = match row.text(&fields.text) {
            Ok(Some(t)) => t,
            Ok(None) => return fail(acc, format!("no `{}` field; skipped", fields.text)),
            Err(e) => return fail(acc, format!("{e}; skipped")),
        };
        let first = |names: &[String]| names.iter().find_map(|n| row.string(n).ok().flatten());
        let publisher = match &self.options.publisher {
            Some(p) => Some(std::borrow::Cow::Borrowed(p.as_str())),
            None => first(&fields.publisher),
        };
        let url = first(&fields.url);
        let group = self
            .options
            .group_by
            .as_deref()
            .and_then(|f| row.string(f).ok().flatten());
        let id = match row.string(&fields.id) {
            Ok(Some(id)) => id.into_owned(),
            _ => format!("{}:{no}", input.rel),
        };
        let doc = DocIn {
            id: &id,
            text: &text,
            publisher: publisher.as_deref(),
            url: url.as_deref(),
            group: group.as_deref(),
            folder,
            ordinal,
        };
        per_doc(&doc, &mut acc.local);
        acc.docs += 1;
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
