//! What the creator does in the TikTok app, on the sandbox's tables: take a public post down,
//! remove the app's access.

use sqlx::SqlitePool;

/// Makes a public, published post private ("Only me"); false if it was not public.
pub async fn take_down(db: &SqlitePool, publish_id: &str) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE sandbox_publishes SET privacy_level = 'SELF_ONLY'
         WHERE publish_id = ? AND state = 'PUBLISH_COMPLETE' AND post_id IS NOT NULL
           AND (privacy_level = 'PUBLIC_TO_EVERYONE' OR (mode = 'inbox' AND privacy_level IS NULL))",
    )
    .bind(publish_id)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The creator's grants not yet revoked.
pub async fn live_grants(db: &SqlitePool, open_id: &str) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> =
        sqlx::query_as("SELECT id FROM sandbox_grants WHERE open_id = ? AND revoked_ms IS NULL")
            .bind(open_id)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
