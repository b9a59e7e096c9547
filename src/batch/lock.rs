//! One run at a time per folder: a run that writes into a folder (`strip
//! --out`, `restore --to`) holds an exclusive advisory lock on
//! `FOLDER/.chaff/lock`, which says who holds it (process id, host, start
//! time). A second run finds it held and is refused; the lock goes with the
//! process, so a killed run never leaves a folder locked.

use super::guard::Refused;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The lock file's name in a folder's `.chaff/` state folder.
pub const LOCK_NAME: &str = "lock";

/// A held lock; released (and its file removed) when dropped.
#[derive(Debug)]
pub struct Lock {
    file: File,
    path: PathBuf,
    state: PathBuf,
    made_state: bool,
}

impl Lock {
    /// Takes the lock of `folder` for a run of `command`, or refuses when
    /// another run holds it.
    pub fn take(folder: &Path, command: &str) -> io::Result<Lock> {
        let state = folder.join(".chaff");
        let made_state = !state.is_dir();
        std::fs::create_dir_all(&state)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", state.display())))?;
        let path = state.join(LOCK_NAME);
        let shown = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
        loop {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(shown)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let holder = holder.trim();
                    let holder = if holder.is_empty() {
                        "another chaff run".to_string()
                    } else {
                        format!("another chaff run ({holder})")
                    };
                    return Err(Refused(format!(
                        "{} is in use by {holder}; wait for it to finish (the lock is {})",
                        folder.display(),
                        path.display()
                    ))
                    .into_io());
                }
                Err(TryLockError::Error(e)) => return Err(shown(e)),
            }
            // The holder before us removes the file as it lets go: make sure
            // the file locked is the one at the path.
            if same_file(&file, &path) {
                file.set_len(0).map_err(shown)?;
                file.seek(SeekFrom::Start(0)).map_err(shown)?;
                writeln!(
                    file,
                    "{command}: pid {}, host {}, started {}",
                    std::process::id(),
                    host(),
                    now_utc()
                )
                .map_err(shown)?;
                return Ok(Lock {
                    file,
                    path,
                    state,
                    made_state,
                });
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held, so no run ever locks a file that is
        // about to go; the lock itself goes with the descriptor.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
        if self.made_state {
            let _ = std::fs::remove_dir(&self.state);
        }
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.is_file()
}

/// This machine's name, as well as it can be told.
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The current time as `YYYY-MM-DDTHH:MM:SSZ`.
fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_a_folder_is_refused_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::take(dir.path(), "strip").unwrap();
        let second = Lock::take(dir.path(), "strip").unwrap_err();
        let refused = Refused::of(&second).expect("a refusal").to_string();
        assert!(
            refused.contains(&format!("pid {}", std::process::id())),
            "{refused}"
        );
        assert!(refused.contains("host "), "{refused}");
        drop(first);
        assert!(!dir.path().join(".chaff").exists(), "nothing left behind");
        let again = Lock::take(dir.path(), "strip").unwrap();
        drop(again);
    }

    #[test]
    fn times_are_utc_calendar_dates() {
        let t = now_utc();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z'), "{t}");
    }
}
