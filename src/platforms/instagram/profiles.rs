//! All SQL of the `instagram_accounts` table: an account's type and its token's issue time.

use sqlx::SqliteExecutor;

pub async fn store(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
    account_type: &str,
    issued_at_ms: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO instagram_accounts (user_id, account_type, token_issued_at_ms, updated_at)
         VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET account_type = excluded.account_type,
            token_issued_at_ms = excluded.token_issued_at_ms, updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(account_type)
    .bind(issued_at_ms)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// "Business" or "Creator", as the card shows it; None for an account never seen.
pub async fn account_type(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT account_type FROM instagram_accounts WHERE user_id = ?")
        .bind(user_id)
        .fetch_optional(db)
        .await
}

pub async fn forget(db: impl SqliteExecutor<'_>, user_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM instagram_accounts WHERE user_id = ?")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A refresh issued a new token: the 24-hour wait starts again from now.
pub async fn refreshed(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
    issued_at_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE instagram_accounts SET token_issued_at_ms = ?, updated_at = ? WHERE user_id = ?",
    )
    .bind(issued_at_ms)
    .bind(issued_at_ms.div_euclid(1000))
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}
