//! The data folder: private to Cast's user, and used by one Cast at a time.
//!
//! Everything in it is the owner's (TikTok tokens, videos, the key that opens them), so the
//! folder is 0700 and every file Cast makes is 0600: the process runs with umask 077, which
//! covers SQLite's -wal and -shm, the spool, tus and the sandbox's files alike. A folder left
//! readable by an older Cast (or a hand-made one) is tightened at start, and says so.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

const LOCK_FILE: &str = "cast.lock";

#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error("DATA_DIR: cannot create or use {path}: {source} (for example DATA_DIR=./data)")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "DATA_DIR {path} is already in use by another Cast{}. Two at once would send the same videos twice: stop the other one first (for example `systemctl stop cast`), or give this one its own DATA_DIR.",
        .pid.map(|p| format!(" (process {p})")).unwrap_or_default()
    )]
    InUse { path: String, pid: Option<u32> },
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> DataDirError + '_ {
    move |source| DataDirError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// New files of this process are private to its user.
pub fn make_files_private() {
    #[cfg(unix)]
    {
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    }
}

/// Creates the folder (0700) if it is missing.
pub fn create(dir: &Path) -> Result<(), DataDirError> {
    make_files_private();
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io(dir))
}

/// Makes the folder and everything in it private, and proves it is writable. Returns how many
/// files and folders had to be tightened.
pub fn secure(dir: &Path) -> Result<usize, DataDirError> {
    let tightened = tighten(dir, 0).map_err(io(dir))?;
    if tightened > 0 {
        tracing::warn!(
            path = %dir.display(),
            count = tightened,
            "DATA_DIR was readable by other users: made it private to Cast's user (folders 0700, files 0600)"
        );
    }
    // Fail now, with the path in the message, rather than on the first upload.
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok").map_err(io(dir))?;
    std::fs::remove_file(&probe).map_err(io(dir))?;
    Ok(tightened)
}

#[cfg(unix)]
fn tighten(path: &Path, depth: u32) -> std::io::Result<usize> {
    use std::os::unix::fs::PermissionsExt as _;
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Ok(0);
    }
    let wanted = if meta.is_dir() { 0o700 } else { 0o600 };
    let mut count = 0;
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted))?;
        count += 1;
    }
    // DATA_DIR holds a few folders (spool, tus, sandbox) of flat files.
    if meta.is_dir() && depth < 3 {
        for entry in std::fs::read_dir(path)? {
            count += tighten(&entry?.path(), depth + 1)?;
        }
    }
    Ok(count)
}

#[cfg(not(unix))]
fn tighten(_path: &Path, _depth: u32) -> std::io::Result<usize> {
    Ok(0)
}

/// The data folder is this process's while this is alive: an exclusive lock on `cast.lock`,
/// which the operating system releases when the process ends, however it ends.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
    path: PathBuf,
}

impl DataDirLock {
    pub fn acquire(dir: &Path) -> Result<Self, DataDirError> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io(dir))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(DataDirError::InUse {
                    path: dir.display().to_string(),
                    pid: text.trim().parse().ok(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(dir)(e)),
        }
        // Who holds it, for the message the next one prints.
        let written = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{}", std::process::id()));
        if let Err(e) = written {
            tracing::warn!(error = %e, "could not write the process id into the lock file");
        }
        Ok(Self { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_lock_at_a_time_naming_the_holder() {
        let dir = tempfile::tempdir().expect("dir");
        let first = DataDirLock::acquire(dir.path()).expect("first");
        let second = DataDirLock::acquire(dir.path()).expect_err("second");
        match &second {
            DataDirError::InUse { pid, .. } => assert_eq!(*pid, Some(std::process::id())),
            other => panic!("{other}"),
        }
        assert!(second.to_string().contains("another Cast"));
        drop(first);
        DataDirLock::acquire(dir.path()).expect("free again");
    }

    #[cfg(unix)]
    #[test]
    fn a_loose_folder_is_tightened() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("dir");
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("spool")).expect("mkdir");
        std::fs::write(data.join("cast.db"), b"x").expect("write");
        std::fs::write(data.join("spool/a.video"), b"x").expect("write");
        for p in [&data, &data.join("spool")] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        for p in [data.join("cast.db"), data.join("spool/a.video")] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        assert_eq!(secure(&data).expect("secure"), 4);
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("spool")), 0o700);
        assert_eq!(mode(&data.join("cast.db")), 0o600);
        assert_eq!(mode(&data.join("spool/a.video")), 0o600);
        assert_eq!(secure(&data).expect("again"), 0, "nothing left to tighten");
    }
}
