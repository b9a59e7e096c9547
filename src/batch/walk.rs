//! Finding the input files: paths given, folders walked recursively in sorted
//! order, hidden names and include/exclude globs applied, and each input
//! given its output path.

use super::Failure;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What kind of document file an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// One document per file (`.txt`, or no extension).
    Text,
    /// One document per line (`.jsonl`, `.jsonl.gz`, `.jsonl.zst`).
    Jsonl,
    /// One document per row (`.parquet`): the shards most datasets are
    /// published as. Read and written with the `parquet` cargo feature (on
    /// by default); without it such a file fails with a message saying so.
    Parquet,
}

impl Kind {
    /// The kind of a file, by its name; `None` for files chaff does not read.
    pub fn of(path: &Path) -> Option<Kind> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let base = name
            .strip_suffix(".gz")
            .or_else(|| name.strip_suffix(".zst"))
            .unwrap_or(&name);
        if base.ends_with(".jsonl") || base.ends_with(".ndjson") {
            Some(Kind::Jsonl)
        } else if name.ends_with(".parquet") {
            Some(Kind::Parquet)
        } else if name.ends_with(".txt") || !name.trim_start_matches('.').contains('.') {
            Some(Kind::Text)
        } else {
            None
        }
    }
}

/// One input file and where its output goes.
#[derive(Debug, Clone)]
pub struct Input {
    /// The file to read.
    pub path: PathBuf,
    /// Its path relative to the root it was found under; the output's path
    /// relative to the output folder.
    pub rel: String,
    /// Text, JSONL or Parquet.
    pub kind: Kind,
}

/// How folders are walked.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Include hidden files and folders (names starting with `.`).
    pub hidden: bool,
    /// Only files whose relative path matches one of these globs.
    pub include: Vec<String>,
    /// Skip files (and folders) whose relative path matches one of these globs.
    pub exclude: Vec<String>,
}

/// Whether chaff writes this path of an output folder itself (provenance,
/// manifests, its state folder), so no input may take it.
pub fn is_reserved(rel: &str) -> bool {
    let top_level = !rel.contains('/');
    rel.starts_with(".chaff/")
        || rel.starts_with("attributes/")
        || top_level
            && (rel.starts_with("provenance")
                && (rel.ends_with(".jsonl") || rel.ends_with(".jsonl.zst"))
                || rel.starts_with("_manifest") && rel.ends_with(".json"))
}

/// What a file that is neither a regular file nor a folder is.
fn special(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    if file_type.is_symlink() {
        return "a symbolic link";
    }
    "a special file"
}

/// Why the inputs could not be listed at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WalkError {
    /// An include or exclude pattern is not a glob.
    #[error("bad glob `{pattern}`: {source}")]
    Glob {
        /// The pattern as given.
        pattern: String,
        /// What the glob parser said.
        source: globset::Error,
    },
    /// The globs could not be compiled together.
    #[error("{0}")]
    Globs(globset::Error),
}

/// Why one path found by the walk is not an input. The run goes on; the
/// [`Failure`] names the path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Skipped {
    /// A FIFO, a device or a socket: reading it could block or never end.
    #[error("not a regular file ({0}); skipped")]
    Special(&'static str),
    /// A symbolic link back to a folder above it.
    #[error("symbolic link loop; not followed")]
    LinkLoop,
    /// The folder or file could not be read.
    #[error("cannot read: {0}")]
    Unreadable(String),
    /// Another input, or chaff's own output, has this output path.
    #[error("output path {rel} is already used by {by}; skipped")]
    OutputTaken {
        /// The output path, relative to the output folder.
        rel: String,
        /// The input that has it, or "chaff's own output".
        by: String,
    },
}

impl Skipped {
    /// The failure of `path`.
    fn of(self, path: impl Into<String>) -> Failure {
        Failure::file(path, self.to_string())
    }
}

fn globs(patterns: &[String]) -> Result<Option<GlobSet>, WalkError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|source| WalkError::Glob {
            pattern: p.clone(),
            source,
        })?);
    }
    b.build().map(Some).map_err(WalkError::Globs)
}

/// Lists the inputs under `paths` in sorted order, skipping `skip` (the
/// output folder, so a run never reads its own outputs). Problems (unreadable
/// folders, link loops, colliding output paths) are pushed to `failures`.
pub fn discover(
    paths: &[PathBuf],
    options: &WalkOptions,
    skip: Option<&Path>,
    failures: &mut Vec<Failure>,
) -> Result<Vec<Input>, WalkError> {
    let inputs = find(paths, options, skip, failures)?;
    Ok(dedupe(inputs, failures))
}

/// Lists the files under `paths` in sorted order, as [`discover`] does, but
/// keeps inputs whose output paths collide.
pub fn find(
    paths: &[PathBuf],
    options: &WalkOptions,
    skip: Option<&Path>,
    failures: &mut Vec<Failure>,
) -> Result<Vec<Input>, WalkError> {
    let include = globs(&options.include)?;
    let exclude = globs(&options.exclude)?;
    let skip = skip.and_then(|s| s.canonicalize().ok());
    let mut inputs = Vec::new();
    for root in paths {
        if !root.is_dir() {
            // Reading a FIFO (or a device) would block or never end.
            if let Ok(meta) = std::fs::metadata(root)
                && !meta.is_file()
            {
                failures.push(
                    Skipped::Special(special(&meta.file_type())).of(root.display().to_string()),
                );
                continue;
            }
            let rel = root
                .file_name()
                .map_or_else(|| "input".to_string(), |n| n.to_string_lossy().into_owned());
            // A file named on the command line is read whatever its name.
            let kind = Kind::of(root).unwrap_or(Kind::Text);
            inputs.push(Input {
                path: root.clone(),
                rel,
                kind,
            });
            continue;
        }
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 {
                    return true;
                }
                if !options.hidden && e.file_name().to_string_lossy().starts_with('.') {
                    return false;
                }
                if let Some(skip) = &skip
                    && e.file_type().is_dir()
                    && e.path().canonicalize().is_ok_and(|p| &p == skip)
                {
                    return false;
                }
                let rel = e.path().strip_prefix(root).unwrap_or(e.path());
                !exclude.as_ref().is_some_and(|g| g.is_match(rel))
            });
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let rel_path = e.path().strip_prefix(root).unwrap_or(e.path());
                    if include.as_ref().is_some_and(|g| !g.is_match(rel_path)) {
                        continue;
                    }
                    let Some(kind) = Kind::of(e.path()) else {
                        continue;
                    };
                    let rel = rel_path.to_string_lossy().replace('\\', "/");
                    inputs.push(Input {
                        path: e.into_path(),
                        rel,
                        kind,
                    });
                }
                Ok(e) if !e.file_type().is_dir() => {
                    let rel_path = e.path().strip_prefix(root).unwrap_or(e.path());
                    if include.as_ref().is_some_and(|g| !g.is_match(rel_path))
                        || Kind::of(e.path()).is_none()
                    {
                        continue;
                    }
                    failures.push(
                        Skipped::Special(special(&e.file_type()))
                            .of(e.path().display().to_string()),
                    );
                }
                Ok(_) => {}
                Err(e) => {
                    let path = e.path().unwrap_or(root).display().to_string();
                    let skipped = if e.loop_ancestor().is_some() {
                        Skipped::LinkLoop
                    } else {
                        Skipped::Unreadable(match e.io_error() {
                            Some(io) => io.to_string(),
                            None => e.to_string(),
                        })
                    };
                    failures.push(skipped.of(path));
                }
            }
        }
    }
    Ok(inputs)
}

/// Drops the inputs whose relative path an earlier input has, or which is
/// one of chaff's own output names, reporting each.
pub(super) fn dedupe(mut inputs: Vec<Input>, failures: &mut Vec<Failure>) -> Vec<Input> {
    // Inputs with the same relative path would race for one output file, and
    // chaff's own output names are taken: keep the first, report the others.
    let mut taken: HashMap<String, String> = HashMap::new();
    inputs.retain(|input| {
        let by = if is_reserved(&input.rel) {
            Some("chaff's own output".to_string())
        } else {
            taken.get(&input.rel).cloned()
        };
        match by {
            Some(by) => {
                let skipped = Skipped::OutputTaken {
                    rel: input.rel.clone(),
                    by,
                };
                failures.push(skipped.of(input.path.display().to_string()));
                false
            }
            None => {
                taken.insert(input.rel.clone(), input.path.display().to_string());
                true
            }
        }
    });
    inputs
}

/// Keeps every `world_size`-th input starting at `rank` (of the sorted list),
/// so `W` independent runs split a corpus with no overlap.
pub fn partition(inputs: Vec<Input>, rank: usize, world_size: usize) -> Vec<Input> {
    inputs
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % world_size.max(1) == rank)
        .map(|(_, input)| input)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_paths_get_one_message_each() {
        assert_eq!(
            Skipped::Special("a FIFO").to_string(),
            "not a regular file (a FIFO); skipped"
        );
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/a.txt"), "text").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&root, root.join("sub/up")).unwrap();
        let mut failures = Vec::new();
        let found = find(
            std::slice::from_ref(&root),
            &WalkOptions::default(),
            None,
            &mut failures,
        )
        .unwrap();
        assert_eq!(found.len(), 1);
        #[cfg(unix)]
        assert_eq!(
            failures,
            [Failure::file(
                root.join("sub/up").display().to_string(),
                "symbolic link loop; not followed"
            )]
        );
        // Two inputs with one output path: the second is skipped.
        let twice = vec![found[0].clone(), found[0].clone()];
        let mut failures = Vec::new();
        assert_eq!(dedupe(twice, &mut failures).len(), 1);
        let path = found[0].path.display().to_string();
        assert_eq!(
            failures,
            [Failure::file(
                path.clone(),
                format!("output path sub/a.txt is already used by {path}; skipped")
            )]
        );
    }

    #[test]
    fn kinds_by_name() {
        assert_eq!(Kind::of(Path::new("a/b.txt")), Some(Kind::Text));
        assert_eq!(Kind::of(Path::new("a/README")), Some(Kind::Text));
        assert_eq!(Kind::of(Path::new("s.jsonl")), Some(Kind::Jsonl));
        assert_eq!(Kind::of(Path::new("s.JSONL.GZ")), Some(Kind::Jsonl));
        assert_eq!(Kind::of(Path::new("s.jsonl.zst")), Some(Kind::Jsonl));
        assert_eq!(
            Kind::of(Path::new("a/s-00000.parquet")),
            Some(Kind::Parquet)
        );
        assert_eq!(Kind::of(Path::new("S.PARQUET")), Some(Kind::Parquet));
        assert_eq!(Kind::of(Path::new("notes.md")), None);
        assert_eq!(Kind::of(Path::new("x.json")), None);
    }

    #[test]
    fn partition_covers_every_input_once() {
        let inputs: Vec<Input> = (0..10)
            .map(|i| Input {
                path: PathBuf::from(i.to_string()),
                rel: i.to_string(),
                kind: Kind::Text,
            })
            .collect();
        let mut seen: Vec<String> = (0..3)
            .flat_map(|r| partition(inputs.clone(), r, 3))
            .map(|i| i.rel)
            .collect();
        seen.sort();
        let mut all: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        all.sort();
        assert_eq!(seen, all);
        assert_eq!(
            partition(inputs, 1, 3)
                .iter()
                .map(|i| i.rel.as_str())
                .collect::<Vec<_>>(),
            ["1", "4", "7"]
        );
    }
}
