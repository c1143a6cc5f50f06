//! What a link serves: one file of one job, described once (size, type, hash) and never changed.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::LinkError;

/// The last path segment of a link. It is ignored when looking a link up; it is there so that
/// fetchers that care about extensions see the right one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkName {
    VideoMp4,
    VideoMov,
    CoverJpg,
    /// `photo-N.jpg` or `photo-N.webp`, N from 1 (TikTok photo posts).
    Photo {
        n: u8,
        webp: bool,
    },
}

impl LinkName {
    pub fn as_string(&self) -> String {
        match self {
            Self::VideoMp4 => "video.mp4".into(),
            Self::VideoMov => "video.mov".into(),
            Self::CoverJpg => "cover.jpg".into(),
            Self::Photo { n, webp: false } => format!("photo-{n}.jpg"),
            Self::Photo { n, webp: true } => format!("photo-{n}.webp"),
        }
    }

    /// Image `n` of a photo post, named for its type (`photo-2.webp` for `image/webp`).
    pub fn photo(n: u8, content_type: &str) -> Self {
        Self::Photo {
            n,
            webp: content_type == "image/webp",
        }
    }

    /// The name that matches a content type (`video.mp4` for `video/mp4`, and so on).
    pub fn for_content_type(content_type: &str) -> Option<Self> {
        match content_type {
            "video/mp4" => Some(Self::VideoMp4),
            "video/quicktime" => Some(Self::VideoMov),
            "image/jpeg" => Some(Self::CoverJpg),
            _ => None,
        }
    }
}

/// The types a link may announce: what the probe says the file is, never
/// `application/octet-stream`, which fetchers refuse.
pub const CONTENT_TYPES: [&str; 4] = ["video/mp4", "video/quicktime", "image/jpeg", "image/webp"];

/// The file a link is bound to, as the job probed and hashed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedFile {
    path: PathBuf,
    size: u64,
    content_type: String,
    sha256: String,
}

impl LinkedFile {
    pub fn new(
        path: impl Into<PathBuf>,
        size: u64,
        content_type: &str,
        sha256: &str,
    ) -> Result<Self, LinkError> {
        if !CONTENT_TYPES.contains(&content_type) {
            return Err(LinkError::ContentType(content_type.to_string()));
        }
        let sha256 = sha256.trim().to_ascii_lowercase();
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(LinkError::Sha256);
        }
        Ok(Self {
            path: path.into(),
            size,
            content_type: content_type.to_string(),
            sha256,
        })
    }

    /// Reads the file once for its size and SHA-256. For callers that have not hashed it
    /// already; a job that has should use `new` with its own figures.
    pub async fn describe(path: &Path, content_type: &str) -> Result<Self, LinkError> {
        let owned = path.to_path_buf();
        let (size, sha256) = tokio::task::spawn_blocking(move || hash_file(&owned))
            .await
            .map_err(|e| LinkError::Io(std::io::Error::other(e)))??;
        Self::new(path, size, content_type, &sha256)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn size(&self) -> u64 {
        self.size
    }
    pub fn content_type(&self) -> &str {
        &self.content_type
    }
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((size, hex::encode(hasher.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_their_types() {
        assert_eq!(LinkName::VideoMp4.as_string(), "video.mp4");
        assert_eq!(LinkName::photo(3, "image/jpeg").as_string(), "photo-3.jpg");
        assert_eq!(LinkName::photo(4, "image/webp").as_string(), "photo-4.webp");
        assert_eq!(
            LinkName::for_content_type("video/quicktime"),
            Some(LinkName::VideoMov)
        );
        assert_eq!(LinkName::for_content_type("application/octet-stream"), None);
    }

    #[test]
    fn a_file_needs_a_real_type_and_a_whole_hash() {
        let sha = "a".repeat(64);
        assert!(LinkedFile::new("/x", 1, "video/mp4", &sha).is_ok());
        assert!(matches!(
            LinkedFile::new("/x", 1, "application/octet-stream", &sha),
            Err(LinkError::ContentType(_))
        ));
        assert!(matches!(
            LinkedFile::new("/x", 1, "video/mp4", "abc"),
            Err(LinkError::Sha256)
        ));
    }
}
