//! The SQLite database: one file in `DATA_DIR`, migrations applied at start.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: String, source: sqlx::Error },
    #[error("cannot update the database schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Opens (creating if needed) the database file and brings its schema up to date.
pub async fn connect(path: &Path) -> Result<SqlitePool, DbError> {
    let display = path.display().to_string();
    let options = SqliteConnectOptions::from_str("sqlite://")
        .map_err(|source| DbError::Open {
            path: display.clone(),
            source,
        })?
        .filename(path)
        .create_if_missing(true)
        // WAL lets the web handlers read while the worker writes.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // SQLite serialises writers; waiting beats failing a request on a brief lock.
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(|source| DbError::Open {
            path: display,
            source,
        })?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// Seconds since the Unix epoch: how every timestamp is stored.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
