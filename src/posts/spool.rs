//! Receiving a video onto disk: written as it streams (never held in memory), hashed on the way,
//! bounded in size, and only given its final name once complete.

use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt as _;

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("The video is larger than this Cast accepts ({limit_mb} MB). Send a smaller file.")]
    TooLarge { limit_mb: u64 },
    #[error("The video file is empty.")]
    Empty,
    #[error("cannot write the video to disk: {0}")]
    Io(#[from] std::io::Error),
}

/// A video arriving: `<spool>/<id>.part` until `finish`. Dropped unfinished, the part is removed.
pub struct SpoolWriter {
    id: String,
    part: PathBuf,
    file: Option<tokio::io::BufWriter<tokio::fs::File>>,
    hasher: Sha256,
    written: u64,
    limit: u64,
}

/// A complete video on disk.
#[derive(Debug, Clone)]
pub struct SpooledFile {
    pub id: String,
    pub path: PathBuf,
    pub size: u64,
    pub sha256: String,
}

impl SpoolWriter {
    pub async fn create(dir: &Path, id: &str, limit: u64) -> Result<Self, SpoolError> {
        tokio::fs::create_dir_all(dir).await?;
        let part = dir.join(format!("{id}.part"));
        let file = tokio::fs::File::create(&part).await?;
        Ok(Self {
            id: id.to_string(),
            part,
            file: Some(tokio::io::BufWriter::with_capacity(256 * 1024, file)),
            hasher: Sha256::new(),
            written: 0,
            limit,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), SpoolError> {
        self.written += bytes.len() as u64;
        if self.written > self.limit {
            return Err(SpoolError::TooLarge {
                limit_mb: self.limit / 1_000_000,
            });
        }
        self.hasher.update(bytes);
        if let Some(file) = self.file.as_mut() {
            file.write_all(bytes).await?;
        }
        Ok(())
    }

    /// Flushes, syncs and renames `<id>.part` to `<id>.video`.
    pub async fn finish(mut self) -> Result<SpooledFile, SpoolError> {
        if self.written == 0 {
            return Err(SpoolError::Empty);
        }
        if let Some(mut file) = self.file.take() {
            file.flush().await?;
            // The job row will point at this file; it must survive a crash right after the 202.
            file.get_ref().sync_all().await?;
        }
        let path = self.part.with_extension("video");
        tokio::fs::rename(&self.part, &path).await?;
        let sha256 = hex::encode(std::mem::take(&mut self.hasher).finalize());
        Ok(SpooledFile {
            id: self.id.clone(),
            path,
            size: self.written,
            sha256,
        })
    }
}

impl Drop for SpoolWriter {
    fn drop(&mut self) {
        // Only an unfinished part is left to remove; `finish` renamed a finished one away.
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.part);
        }
    }
}

/// Removes a spooled file; a file already gone is fine.
pub async fn remove(path: &Path) {
    match tokio::fs::remove_file(path).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "could not delete a spooled video")
        }
    }
}

/// Partial files left by a crash mid-receive: nobody can finish them.
pub async fn remove_partials(dir: &Path) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "part") {
            remove(&path).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_finished_file_is_renamed_and_hashed() {
        let dir = tempfile::tempdir().expect("dir");
        let mut w = SpoolWriter::create(dir.path(), "abc", 100)
            .await
            .expect("create");
        w.write(b"hello ").await.expect("write");
        w.write(b"world").await.expect("write");
        let f = w.finish().await.expect("finish");
        assert_eq!(f.size, 11);
        assert_eq!(
            f.sha256,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert!(f.path.exists());
        assert!(!dir.path().join("abc.part").exists());
    }

    #[tokio::test]
    async fn an_oversized_or_abandoned_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("dir");
        let mut w = SpoolWriter::create(dir.path(), "big", 4)
            .await
            .expect("create");
        assert!(matches!(
            w.write(b"12345").await,
            Err(SpoolError::TooLarge { .. })
        ));
        drop(w);
        assert!(!dir.path().join("big.part").exists());
    }
}
