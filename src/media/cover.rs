//! Cover images picked on the posting screen (a frame of the preview, drawn by the browser):
//! kept once under `DATA_DIR/covers/`, named by their SHA-256, so the same frame sent twice is
//! one file and a target's options name it by a value that cannot point anywhere else.

use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

/// YouTube's older and smaller thumbnail limit (contract 7, Unsure 20): a cover must fit it.
pub const MAX_COVER_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum CoverError {
    #[error("The cover is empty or larger than 2 MB: pick the frame again.")]
    Size,
    #[error("The cover is not a JPEG or PNG image: pick the frame again.")]
    NotAnImage,
    #[error("Cast could not keep the cover: {0}")]
    Io(#[from] std::io::Error),
}

/// A stored cover: the lowercase hex SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverId(String);

impl CoverId {
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = raw.len() == 64 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        ok.then(|| Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("covers")
}

pub fn path(data_dir: &Path, id: &CoverId) -> PathBuf {
    dir(data_dir).join(format!("{}.img", id.0))
}

fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF]) || bytes.starts_with(b"\x89PNG\r\n\x1a\n")
}

/// Keeps `bytes` as a cover; its id.
pub async fn store(data_dir: &Path, bytes: &[u8]) -> Result<CoverId, CoverError> {
    if bytes.is_empty() || bytes.len() > MAX_COVER_BYTES {
        return Err(CoverError::Size);
    }
    if !is_image(bytes) {
        return Err(CoverError::NotAnImage);
    }
    let id = CoverId(hex::encode(Sha256::digest(bytes)));
    let target = path(data_dir, &id);
    if tokio::fs::try_exists(&target).await.unwrap_or(false) {
        return Ok(id);
    }
    tokio::fs::create_dir_all(dir(data_dir)).await?;
    // Written aside, then renamed: a cover is never seen half written.
    let part = target.with_extension("part");
    tokio::fs::write(&part, bytes).await?;
    tokio::fs::rename(&part, &target).await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_jpeg_is_kept_once_by_its_hash_and_anything_else_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        let a = store(dir.path(), &jpeg).await.expect("kept");
        let b = store(dir.path(), &jpeg).await.expect("kept again");
        assert_eq!(a, b);
        assert_eq!(std::fs::read(path(dir.path(), &a)).expect("file"), jpeg);
        assert!(matches!(
            store(dir.path(), b"GIF89a").await,
            Err(CoverError::NotAnImage)
        ));
        assert!(matches!(
            store(dir.path(), &[]).await,
            Err(CoverError::Size)
        ));
        assert!(CoverId::parse("../etc/passwd").is_none());
        assert_eq!(CoverId::parse(a.as_str()), Some(a));
    }
}
