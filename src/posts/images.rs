//! A photo post's images (the `post_images` table): stored with the post in its transaction,
//! read back for the worker (what TikTok pulls) and for the post's JSON.

use serde::Serialize;
use sqlx::{SqliteConnection, SqliteExecutor};

use super::PostError;
use crate::platforms::ImageFile;

/// One image as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImageRow {
    pub position: i64,
    pub file_path: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub width: i64,
    pub height: i64,
}

/// What the post's JSON shows of one image (never its path).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImageView {
    /// 0-based: the order TikTok shows them in, and what `photo_cover_index` counts.
    pub position: u32,
    pub size: u64,
    pub sha256: String,
    pub content_type: String,
    pub width: u64,
    pub height: u64,
}

impl ImageRow {
    pub fn view(&self) -> ImageView {
        ImageView {
            position: u32::try_from(self.position.max(0)).unwrap_or(u32::MAX),
            size: self.size.max(0) as u64,
            sha256: self.sha256.clone(),
            content_type: self.content_type.clone(),
            width: self.width.max(0) as u64,
            height: self.height.max(0) as u64,
        }
    }

    pub fn file(&self) -> ImageFile {
        ImageFile {
            path: self.file_path.clone().into(),
            size: self.size.max(0) as u64,
            content_type: self.content_type.clone(),
            sha256: self.sha256.clone(),
            width: self.width.max(0) as u64,
            height: self.height.max(0) as u64,
        }
    }
}

pub async fn insert(
    tx: &mut SqliteConnection,
    post_id: &str,
    images: &[ImageRow],
) -> Result<(), PostError> {
    for image in images {
        sqlx::query(
            "INSERT INTO post_images (post_id, position, file_path, content_type, size, sha256,
                                      width, height)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(post_id)
        .bind(image.position)
        .bind(&image.file_path)
        .bind(&image.content_type)
        .bind(image.size)
        .bind(&image.sha256)
        .bind(image.width)
        .bind(image.height)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// The post's images in order; empty for a video post.
pub async fn of_post(
    db: impl SqliteExecutor<'_>,
    post_id: &str,
) -> Result<Vec<ImageRow>, PostError> {
    Ok(sqlx::query_as::<_, ImageRow>(
        "SELECT position, file_path, content_type, size, sha256, width, height
         FROM post_images WHERE post_id = ? ORDER BY position",
    )
    .bind(post_id)
    .fetch_all(db)
    .await?)
}
