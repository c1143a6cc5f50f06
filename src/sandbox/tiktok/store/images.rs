//! A photo publish's images, in carousel order, with what the sandbox fetched for each.

use sqlx::SqlitePool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Image {
    pub size: Option<i64>,
    pub sha256: Option<String>,
}

pub async fn insert_all(
    db: &SqlitePool,
    publish_id: &str,
    cover_index: usize,
    urls: &[String],
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE sandbox_publishes SET photo_cover_index = ? WHERE publish_id = ?")
        .bind(cover_index as i64)
        .bind(publish_id)
        .execute(&mut *tx)
        .await?;
    for (i, url) in urls.iter().enumerate() {
        sqlx::query(
            "INSERT INTO sandbox_publish_images (publish_id, position, url) VALUES (?, ?, ?)",
        )
        .bind(publish_id)
        .bind(i as i64)
        .bind(url)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// The carousel's cover, as the photo init named it.
pub async fn cover_index(db: &SqlitePool, publish_id: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT photo_cover_index FROM sandbox_publishes WHERE publish_id = ?")
        .bind(publish_id)
        .fetch_optional(db)
        .await
        .map(Option::flatten)
}

pub async fn received(
    db: &SqlitePool,
    publish_id: &str,
    position: usize,
    size: u64,
    sha256: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sandbox_publish_images SET size = ?, sha256 = ? WHERE publish_id = ? AND position = ?",
    )
    .bind(size as i64)
    .bind(sha256)
    .bind(publish_id)
    .bind(position as i64)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn of(db: &SqlitePool, publish_id: &str) -> Result<Vec<Image>, sqlx::Error> {
    sqlx::query_as(
        "SELECT size, sha256 FROM sandbox_publish_images
         WHERE publish_id = ? ORDER BY position",
    )
    .bind(publish_id)
    .fetch_all(db)
    .await
}
