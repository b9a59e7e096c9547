//! Writing outputs atomically: into a temporary file beside the target, then
//! renamed over it, so a killed run never leaves a half-written file that
//! looks complete.

use crate::compress::{self, Compression, FinishWrite};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// Prefix of chaff's temporary files.
const TEMP_PREFIX: &str = ".chaff-";
/// Suffix of chaff's temporary files.
const TEMP_SUFFIX: &str = ".tmp";
/// Random characters between the two.
const TEMP_RANDOM: usize = 6;

/// A new temporary file in `path`'s folder, which is made first if it is
/// not there (only then: the folders of a tree's outputs exist after its
/// first file, and checking for them at every file costs a system call).
fn temp_beside(path: &Path) -> io::Result<NamedTempFile> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    match temp_in(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir)?;
            temp_in(dir)
        }
        made => made,
    }
}

fn temp_in(dir: &Path) -> io::Result<NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .rand_bytes(TEMP_RANDOM);
    // tempfile creates owner-only (0o600) files; outputs should get the mode
    // any new file gets (0o666 less the umask), as with `File::create`.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder.tempfile_in(dir)
}

/// Puts `path` in front of an I/O error's message, so that "Not a
/// directory" or "Read-only file system" says where.
pub fn named(path: &Path) -> impl FnOnce(io::Error) -> io::Error + '_ {
    move |e| io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    // The bytes are all here: one write, no buffer.
    let mut tmp = temp_beside(path)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A file being written; it appears at its path only on [`AtomicFile::commit`].
pub struct AtomicFile {
    tmp: io::BufWriter<NamedTempFile>,
    path: PathBuf,
}

impl AtomicFile {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        Ok(AtomicFile {
            tmp: io::BufWriter::with_capacity(1 << 16, temp_beside(path)?),
            path: path.to_path_buf(),
        })
    }

    /// Flushes and renames the file into place. (The rename is what makes
    /// the write atomic for a killed process; no fsync is asked for, as
    /// outputs can be rebuilt from the inputs after a machine crash.)
    pub fn commit(self) -> io::Result<()> {
        let tmp = self.tmp.into_inner().map_err(|e| e.into_error())?;
        tmp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tmp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tmp.flush()
    }
}

/// An atomic file written through a compressor.
pub struct CompressedAtomic {
    writer: Box<dyn FinishWrite>,
    tmp_path: tempfile::TempPath,
    path: PathBuf,
}

impl CompressedAtomic {
    /// Starts writing `path` with compression `c` at the default levels.
    pub fn create(path: &Path, c: Compression) -> io::Result<CompressedAtomic> {
        CompressedAtomic::create_with(path, c, compress::Levels::default())
    }

    /// Starts writing `path` with compression `c` at `levels`.
    pub fn create_with(
        path: &Path,
        c: Compression,
        levels: compress::Levels,
    ) -> io::Result<CompressedAtomic> {
        let (file, tmp_path) = temp_beside(path)?.into_parts();
        Ok(CompressedAtomic {
            writer: compress::writer_with(file, c, levels)?,
            tmp_path,
            path: path.to_path_buf(),
        })
    }

    /// Finishes the stream and renames the file into place.
    pub fn commit(self) -> io::Result<()> {
        self.writer.finish()?;
        self.tmp_path.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Write for CompressedAtomic {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// Whether `name` is one of chaff's own temporary file names
/// (`.chaff-XXXXXX.tmp`).
pub fn is_temp_name(name: &str) -> bool {
    name.strip_prefix(TEMP_PREFIX)
        .and_then(|rest| rest.strip_suffix(TEMP_SUFFIX))
        .is_some_and(|random| {
            random.len() == TEMP_RANDOM && random.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// Removes the temporary files a killed run left under `dir` (only chaff's
/// own names; symbolic links are not followed). Returns how many went.
pub fn remove_stale_temps(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.file_name().to_str().is_some_and(is_temp_name))
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_told_apart_from_others() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = temp_beside(&dir.path().join("a.txt")).unwrap();
        let name = tmp
            .path()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(is_temp_name(&name), "{name}");
        for other in [
            ".chaff-notes.txt",
            "a.chaff-abc123.tmp",
            ".chaff-abc1234.tmp",
            ".chaff-ab-12.tmp",
        ] {
            assert!(!is_temp_name(other), "{other}");
        }
    }

    #[test]
    fn an_atomic_write_makes_its_folders_and_names_what_is_in_the_way() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c.txt");
        write_atomic(&deep, b"one").unwrap();
        assert_eq!(std::fs::read(&deep).unwrap(), b"one");
        // The folder is there now; a second file in it, and the same one
        // written over.
        write_atomic(&dir.path().join("a/b/d.txt"), b"two").unwrap();
        write_atomic(&deep, b"three").unwrap();
        assert_eq!(std::fs::read(&deep).unwrap(), b"three");
        let mut names: Vec<_> = std::fs::read_dir(dir.path().join("a/b"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["c.txt", "d.txt"], "no temporary file is left");
        // A file where a folder must go is an error, not a panic.
        std::fs::write(dir.path().join("f"), b"").unwrap();
        assert!(write_atomic(&dir.path().join("f/g.txt"), b"x").is_err());
        assert!(AtomicFile::create(&dir.path().join("f/h/i.txt")).is_err());
        let made = AtomicFile::create(&dir.path().join("x/y.txt")).unwrap();
        made.commit().unwrap();
        assert!(dir.path().join("x/y.txt").is_file());
    }
}
