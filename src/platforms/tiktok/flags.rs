//! Facts Cast learned about its TikTok app, kept across restarts (the `app_flags` table).

use sqlx::SqliteExecutor;

/// TikTok answered `unaudited_client_can_only_post_to_private_accounts` for this client key.
fn unaudited_name(client_key: &str) -> String {
    format!("tiktok_unaudited:{client_key}")
}

pub async fn is_unaudited(
    db: impl SqliteExecutor<'_>,
    client_key: &str,
) -> Result<bool, sqlx::Error> {
    let found: Option<String> = sqlx::query_scalar("SELECT value FROM app_flags WHERE name = ?")
        .bind(unaudited_name(client_key))
        .fetch_optional(db)
        .await?;
    Ok(found.is_some())
}

pub async fn remember_unaudited(
    db: impl SqliteExecutor<'_>,
    client_key: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO app_flags (name, value, updated_at) VALUES (?, '1', ?)
         ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at",
    )
    .bind(unaudited_name(client_key))
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}
