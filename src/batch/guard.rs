//! Refusing a run whose writes would land on what it reads: no output path of
//! `strip` may be an input file (or `--out` an input), and no file `restore`
//! writes may be a file of the output folder it reads from.
//!
//! Paths are compared by place: the canonical path of their folder, joined
//! with their own name. Renaming a new file over a symbolic link replaces the
//! link, not its target, so the name is not resolved; the folders are.

use super::walk::{Input, Kind, is_reserved};
use super::{Failure, Options, ProvenanceMode};
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A run refused before it wrote anything (a usage error): its writes would
/// overwrite its own inputs, or another run holds its folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

impl Refused {
    /// As an I/O error, to return through `io::Result`.
    pub fn into_io(self) -> io::Error {
        io::Error::other(self)
    }

    /// The refusal inside `e`, if that is what it is.
    pub fn of(e: &io::Error) -> Option<&Refused> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<Refused>())
    }
}

/// Canonical places of paths, with the canonical folders cached.
#[derive(Default)]
pub(super) struct Places {
    folders: HashMap<PathBuf, Option<PathBuf>>,
}

impl Places {
    /// Where `path` is: its folder's canonical path joined with its name, or
    /// `None` when its folder does not exist (so neither does it).
    pub(super) fn of(&mut self, path: &Path) -> Option<PathBuf> {
        let (Some(name), Some(parent)) = (path.file_name(), path.parent()) else {
            // `/`, `.`, `..`: a folder, resolved whole.
            return path.canonicalize().ok();
        };
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        let folder = self
            .folders
            .entry(parent.to_path_buf())
            .or_insert_with(|| parent.canonicalize().ok())
            .as_ref()?;
        Some(folder.join(name))
    }

    /// The place of `path` if something is there.
    fn existing(&mut self, path: &Path) -> Option<PathBuf> {
        std::fs::symlink_metadata(path).ok()?;
        self.of(path)
    }
}

/// Every path, relative to the output folder, that a run writes for `input`:
/// its output, its sidecar, its attribute file and its records spool.
pub(super) fn outputs_of(input: &Input, options: &Options) -> Vec<(String, &'static str)> {
    let mut paths = vec![(input.rel.clone(), "output")];
    match options.provenance {
        ProvenanceMode::Sidecar => {
            paths.push((options.sidecar_name(&input.rel, input.kind), "sidecar"))
        }
        ProvenanceMode::Jsonl if input.kind != Kind::Text => paths.push((
            format!(
                ".chaff/records/{}{}.jsonl",
                input.rel,
                options.rank_suffix()
            ),
            "records spool",
        )),
        _ => {}
    }
    if let Some(name) = &options.attributes {
        paths.push((attributes_rel(name, input), "attribute file"));
    }
    paths
}

/// The attribute file of `input`, relative to the output folder.
pub(super) fn attributes_rel(name: &str, input: &Input) -> String {
    attributes_path(name, &input.rel, input.kind)
}

/// The attribute file of the output `rel` of kind `kind`, relative to the
/// output folder: the same path for JSONL, `<path>.jsonl` for a text file
/// or a Parquet shard (attribute files are JSONL, one row per document).
pub(super) fn attributes_path(name: &str, rel: &str, kind: Kind) -> String {
    match kind {
        Kind::Text | Kind::Parquet => format!("attributes/{name}/{rel}.jsonl"),
        Kind::Jsonl => format!("attributes/{name}/{rel}"),
    }
}

/// The files a run writes into the output folder whatever its inputs.
pub(super) fn run_files(options: &Options) -> Vec<PathBuf> {
    let mut files = vec![
        options.manifest_path(),
        options.journal_path(),
        options.out.join(".chaff").join(super::lock::LOCK_NAME),
    ];
    if options.provenance == ProvenanceMode::Jsonl {
        files.push(options.provenance_path());
    }
    files
}

/// Refuses a strip whose writes would overwrite an input: `--out` is an
/// input (a folder or file named on the command line, or a file found in
/// one), or an output path of some input is an input file.
pub(super) fn check_strip(
    paths: &[PathBuf],
    inputs: &[Input],
    options: &Options,
) -> Result<(), Refused> {
    let out = &options.out;
    if std::fs::symlink_metadata(out).is_err() {
        return Ok(()); // a new folder holds no input
    }
    let mut places = Places::default();
    let out_place = places.of(out);
    let out_canonical = out.canonicalize().ok();
    for root in paths {
        let same = out_place.is_some() && places.of(root) == out_place
            || out_canonical.is_some() && root.canonicalize().ok() == out_canonical;
        if same {
            return Err(Refused(format!(
                "--out {} is the input {}: its files would be overwritten; choose another output folder",
                out.display(),
                root.display()
            )));
        }
    }
    let mut by_place: HashMap<PathBuf, &Input> = HashMap::with_capacity(inputs.len());
    for input in inputs {
        if let Some(p) = places.of(&input.path) {
            by_place.insert(p, input);
        }
        // A link's target is read too: an output renamed over it would
        // change the input.
        let link = std::fs::symlink_metadata(&input.path).is_ok_and(|m| m.file_type().is_symlink());
        if let Some(target) = link.then(|| input.path.canonicalize().ok()).flatten() {
            by_place.insert(target, input);
        }
    }
    if let Some(input) = out_place.as_ref().and_then(|p| by_place.get(p)) {
        return Err(Refused(format!(
            "--out {} is the input file {}; choose another output folder",
            out.display(),
            input.path.display()
        )));
    }
    let overwrites = |what: &str, written: &Path, by: Option<&Input>, input: &Input| {
        if by.is_some_and(|b| b.path == input.path) {
            return Refused(format!(
                "--out {}: the {what} {} of the input {} is that input itself; choose an output folder outside the inputs",
                out.display(),
                written.display(),
                input.path.display()
            ));
        }
        let whose = by.map_or_else(String::new, |b| format!(" of {}", b.path.display()));
        Refused(format!(
            "--out {}: the {what} {}{whose} would overwrite the input {}; choose an output folder outside the inputs",
            out.display(),
            written.display(),
            input.path.display()
        ))
    };
    for input in inputs {
        for (rel, what) in outputs_of(input, options) {
            let written = out.join(&rel);
            if let Some(hit) = places.existing(&written).and_then(|p| by_place.get(&p)) {
                return Err(overwrites(what, &written, Some(input), hit));
            }
        }
    }
    for written in run_files(options) {
        if let Some(hit) = places.existing(&written).and_then(|p| by_place.get(&p)) {
            return Err(overwrites("run file", &written, None, hit));
        }
    }
    Ok(())
}

/// Refuses a restore into `to` that would write over a file of the output
/// folder `out` it reads (`to` is `out`, or holds it so that a rebuilt file
/// lands on one of its files). `files` are the paths the restore writes,
/// relative to `to`.
pub(super) fn check_restore<'a>(
    out: &Path,
    to: &Path,
    files: impl Iterator<Item = &'a str>,
) -> Result<(), Refused> {
    if std::fs::symlink_metadata(to).is_err() {
        return Ok(());
    }
    let mut places = Places::default();
    if places.of(to) == places.of(out) || to.canonicalize().ok() == out.canonicalize().ok() {
        return Err(Refused(format!(
            "--to {} is the output folder {} being restored: its files would be overwritten; choose another folder",
            to.display(),
            out.display()
        )));
    }
    let Ok(root) = out.canonicalize() else {
        return Ok(());
    };
    let mut held: HashMap<PathBuf, PathBuf> = HashMap::new();
    for entry in walkdir::WalkDir::new(&root)
        .follow_links(false)
        .into_iter()
        .flatten()
    {
        if entry.depth() > 0 && !entry.file_type().is_dir() {
            let shown = out.join(entry.path().strip_prefix(&root).unwrap_or(entry.path()));
            held.insert(entry.into_path(), shown);
        }
    }
    for rel in files {
        let target = to.join(rel);
        if let Some(theirs) = places.existing(&target).and_then(|p| held.get(&p)) {
            return Err(Refused(format!(
                "--to {}: rebuilding {} would overwrite {}, a file of the output folder being restored; choose a folder outside it",
                to.display(),
                target.display(),
                theirs.display()
            )));
        }
    }
    Ok(())
}

/// Keeps the inputs whose every output path (clean copy, sidecar, attribute
/// file, records spool) is free: not chaff's own file, and not written for
/// an earlier input. Each input dropped is reported, naming the input that
/// has the path.
pub(super) fn claim(
    inputs: Vec<Input>,
    options: &Options,
    failures: &mut Vec<Failure>,
) -> Vec<Input> {
    let mut taken: HashMap<String, (String, &'static str)> = HashMap::new();
    inputs
        .into_iter()
        .filter(|input| {
            let outputs = outputs_of(input, options);
            let clash = outputs.iter().find_map(|(rel, what)| {
                let own = matches!(*what, "output" | "sidecar") && is_reserved(rel);
                let by = if own {
                    Some("chaff's own output".to_string())
                } else {
                    taken
                        .get(rel)
                        .map(|(path, theirs)| format!("the {theirs} of {path}"))
                };
                by.map(|by| {
                    let name = if *what == "output" { "output" } else { what };
                    format!("{name} path {rel} is already used by {by}; skipped")
                })
            });
            match clash {
                Some(message) => {
                    failures.push(Failure::file(input.path.display().to_string(), message));
                    false
                }
                None => {
                    let shown = input.path.display().to_string();
                    for (rel, what) in outputs {
                        taken.insert(rel, (shown.clone(), what));
                    }
                    true
                }
            }
        })
        .collect()
}
