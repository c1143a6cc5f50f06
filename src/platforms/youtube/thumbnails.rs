//! `thumbnails.set` (contract section 7): only after processing succeeded, at most 2 MB, JPEG or
//! PNG. A thumbnail failure never fails the post; the caller shows it as a warning.

use std::path::Path;

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use tokio::io::AsyncReadExt as _;

use super::classify::{Origin, from_response};
use super::client::YouTubeClient;
use super::error::YouTubeError;
use super::upload::file_body;

/// The older and smaller of the two documented limits (Unsure 20).
pub const MAX_THUMBNAIL_BYTES: u64 = 2 * 1024 * 1024;

/// The image's type from its first bytes; anything else is not sent.
fn image_type(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

impl YouTubeClient {
    /// Sets the custom thumbnail of `video_id` from an image file. About 50 quota units.
    pub async fn set_thumbnail(
        &self,
        access_token: &str,
        video_id: &str,
        image: &Path,
    ) -> Result<(), YouTubeError> {
        let unreadable =
            |e: std::io::Error| YouTubeError::permanent("file_unreadable", e.to_string());
        let mut file = tokio::fs::File::open(image).await.map_err(unreadable)?;
        let size = file.metadata().await.map_err(unreadable)?.len();
        if size > MAX_THUMBNAIL_BYTES {
            return Err(YouTubeError::permanent(
                "thumbnail_too_large",
                format!("the thumbnail is {size} bytes; YouTube takes at most 2 MB"),
            ));
        }
        let mut head = [0u8; 8];
        let n = file.read(&mut head).await.map_err(unreadable)?;
        let content_type = image_type(&head[..n]).ok_or_else(|| {
            YouTubeError::permanent("invalidImage", "the thumbnail is not a JPEG or PNG image")
        })?;
        let body = file_body(image, 0, size).await.map_err(unreadable)?;
        let res = self
            .http
            .post(self.upload_endpoint("/thumbnails/set"))
            .query(&[("videoId", video_id), ("uploadType", "media")])
            .bearer_auth(access_token)
            .header(CONTENT_TYPE, content_type)
            .header(CONTENT_LENGTH, size)
            .body(body)
            .timeout(self.timeouts.for_upload(size))
            .send()
            .await
            .map_err(YouTubeError::network)?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.bytes().await.map_err(YouTubeError::network)?;
        if (200..300).contains(&status) {
            return Ok(());
        }
        Err(from_response(
            status,
            &headers,
            &body,
            self.now_ms(),
            Origin::Api,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_told_by_their_first_bytes() {
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\n"), Some("image/png"));
        assert_eq!(image_type(b"GIF89a"), None);
    }
}
