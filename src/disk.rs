//! Free space on the data folder's disk, and the check made before accepting an upload.
//!
//! The figure comes from the file system (`statvfs`), or from a test that sets it: the one seam
//! through which a test fills the disk without root, a loop device or a tmpfs.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const MB: u64 = 1_000_000;
/// "Ask the file system" in the override slot.
const SYSTEM: u64 = u64::MAX;

#[derive(Clone, Debug)]
pub struct DiskSpace(Arc<AtomicU64>);

impl Default for DiskSpace {
    fn default() -> Self {
        Self(Arc::new(AtomicU64::new(SYSTEM)))
    }
}

/// There is not room for what was asked without eating into the reserve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "Cast's disk is full: this needs {} MB but {} MB are free, and Cast keeps {} MB spare so it can go on working. Free some space on the server (old files, or finished videos in DATA_DIR/spool), then try again; nothing already accepted was lost.",
    .needed.div_ceil(MB), .available / MB, .reserve / MB
)]
pub struct DiskFull {
    pub needed: u64,
    pub available: u64,
    pub reserve: u64,
}

/// What to say when a write failed because the disk filled up.
pub const FULL_WHILE_WRITING: &str = "Cast's disk is full: it could not write what you sent. Free some space on the server (old files, or finished videos in DATA_DIR/spool), then try again; nothing already accepted was lost.";

impl DiskSpace {
    /// Bytes an unprivileged process may still write on the disk holding `path`.
    pub fn available(&self, path: &Path) -> std::io::Result<u64> {
        match self.0.load(Ordering::SeqCst) {
            SYSTEM => system_available(path),
            set => Ok(set),
        }
    }

    /// From now on, report `bytes` free whatever the file system says (tests).
    pub fn set_available(&self, bytes: u64) {
        self.0.store(bytes.min(SYSTEM - 1), Ordering::SeqCst);
    }

    /// Back to asking the file system.
    pub fn use_system(&self) {
        self.0.store(SYSTEM, Ordering::SeqCst);
    }

    /// Refuses `needed` more bytes under `path` unless `reserve` stays free afterwards.
    /// A disk whose free space cannot be read is not refused for that alone.
    pub fn ensure_room(&self, path: &Path, needed: u64, reserve: u64) -> Result<(), DiskFull> {
        let available = match self.available(path) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot read the free disk space");
                return Ok(());
            }
        };
        if available >= needed.saturating_add(reserve) {
            Ok(())
        } else {
            Err(DiskFull {
                needed,
                available,
                reserve,
            })
        }
    }
}

#[cfg(unix)]
fn system_available(path: &Path) -> std::io::Result<u64> {
    // The folder may not exist yet (a first upload): its nearest existing parent is on the same disk.
    let mut at = path;
    while !at.exists() {
        match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => at = p,
            _ => {
                at = Path::new(".");
                break;
            }
        }
    }
    let stat = rustix::fs::statvfs(at).map_err(std::io::Error::from)?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

#[cfg(not(unix))]
fn system_available(_path: &Path) -> std::io::Result<u64> {
    Err(std::io::Error::other(
        "free space is only read on Unix systems",
    ))
}

/// Whether an I/O error means the disk (or the user's quota) is full.
pub fn is_full(e: &std::io::Error) -> bool {
    const ENOSPC: i32 = 28;
    const EDQUOT: i32 = 122;
    e.kind() == std::io::ErrorKind::StorageFull
        || e.kind() == std::io::ErrorKind::QuotaExceeded
        || matches!(e.raw_os_error(), Some(ENOSPC | EDQUOT))
}

/// Whether a database error means SQLite could not grow its file (`SQLITE_FULL`).
pub fn is_db_full(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => d.code().is_some_and(|c| c == "13"),
        sqlx::Error::Io(io) => is_full(io),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_disk_has_a_figure_and_a_set_one_wins() {
        let space = DiskSpace::default();
        let dir = tempfile::tempdir().expect("dir");
        assert!(space.available(dir.path()).expect("statvfs") > 0);
        assert!(
            space.available(&dir.path().join("not/yet/made")).is_ok(),
            "a folder not made yet is judged by its parent"
        );
        space.set_available(5 * MB);
        assert_eq!(space.available(dir.path()).expect("set"), 5 * MB);
        let full = space
            .ensure_room(dir.path(), 4 * MB, 2 * MB)
            .expect_err("the reserve would be eaten");
        assert!(full.to_string().starts_with("Cast's disk is full"));
        assert!(space.ensure_room(dir.path(), 3 * MB, 2 * MB).is_ok());
        space.use_system();
        assert!(space.available(dir.path()).expect("statvfs") > 5 * MB);
    }

    #[test]
    fn enospc_is_a_full_disk() {
        assert!(is_full(&std::io::Error::from_raw_os_error(28)));
        assert!(!is_full(&std::io::Error::other("other")));
    }
}
