//! The project's quota ledger, one row per Pacific-time day.

use sqlx::SqlitePool;

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Day {
    pub units: i64,
    pub inserts: i64,
}

async fn ensure(db: &SqlitePool, day: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sandbox_youtube_quota (day) VALUES (?) ON CONFLICT (day) DO NOTHING")
        .bind(day)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn day(db: &SqlitePool, day: &str) -> Result<Day, sqlx::Error> {
    Ok(
        sqlx::query_as("SELECT units, inserts FROM sandbox_youtube_quota WHERE day = ?")
            .bind(day)
            .fetch_optional(db)
            .await?
            .unwrap_or_default(),
    )
}

/// Adds `units` if the pool stays within `limit`; false (nothing added) otherwise.
pub async fn take_units(
    db: &SqlitePool,
    day: &str,
    units: i64,
    limit: i64,
) -> Result<bool, sqlx::Error> {
    ensure(db, day).await?;
    let done = sqlx::query(
        "UPDATE sandbox_youtube_quota SET units = units + ? WHERE day = ? AND units + ? <= ?",
    )
    .bind(units)
    .bind(day)
    .bind(units)
    .bind(limit)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A refused call still costs one unit, even past the limit (contract section 8).
pub async fn charge_refusal(db: &SqlitePool, day: &str) -> Result<(), sqlx::Error> {
    ensure(db, day).await?;
    sqlx::query("UPDATE sandbox_youtube_quota SET units = units + 1 WHERE day = ?")
        .bind(day)
        .execute(db)
        .await?;
    Ok(())
}

/// Takes one insert from the bucket and `units` from the pool, both or neither.
pub async fn take_insert(
    db: &SqlitePool,
    day: &str,
    units: i64,
    max_inserts: i64,
    max_units: i64,
) -> Result<bool, sqlx::Error> {
    ensure(db, day).await?;
    let done = sqlx::query(
        "UPDATE sandbox_youtube_quota SET inserts = inserts + 1, units = units + ?
         WHERE day = ? AND inserts < ? AND units + ? <= ?",
    )
    .bind(units)
    .bind(day)
    .bind(max_inserts)
    .bind(units)
    .bind(max_units)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
