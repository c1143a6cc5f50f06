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
    #[error(
        "the database {path} was last used by a newer Cast: it has schema version {version}, which this Cast ({ours}) does not know. Run the newer Cast again, or restore a backup made with this version (`cast restore`). Nothing was changed."
    )]
    Newer {
        path: String,
        version: i64,
        ours: &'static str,
    },
    #[error("cannot update the database schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
}

fn options(path: &Path) -> Result<SqliteConnectOptions, DbError> {
    let options = SqliteConnectOptions::from_str("sqlite://")
        .map_err(|source| DbError::Open {
            path: path.display().to_string(),
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
    Ok(options)
}

/// Opens (creating if needed) the database file and brings its schema up to date. A database
/// from a newer Cast is refused before anything is written to it.
pub async fn connect(path: &Path) -> Result<SqlitePool, DbError> {
    create_private(path);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options(path)?)
        .await
        .map_err(|source| DbError::Open {
            path: path.display().to_string(),
            source,
        })?;
    refuse_newer(&pool, path).await?;
    // sqlx runs each migration in its own transaction with its bookkeeping row: a crash midway
    // leaves the schema as it was before that migration.
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// SQLite gives -wal and -shm the database file's mode, so a 0600 database keeps all three private.
fn create_private(path: &Path) {
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        open.mode(0o600);
    }
    // Already there (the usual case), or SQLite will say what is wrong when it opens it.
    let _ = open.open(path);
}

async fn refuse_newer(pool: &SqlitePool, path: &Path) -> Result<(), DbError> {
    let has_table: Option<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_optional(pool)
    .await?;
    if has_table.is_none() {
        return Ok(());
    }
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(pool)
        .await?;
    let unknown = applied
        .into_iter()
        .filter(|v| !MIGRATOR.iter().any(|m| m.version == *v))
        .max();
    match unknown {
        Some(version) => Err(DbError::Newer {
            path: path.display().to_string(),
            version,
            ours: env!("CARGO_PKG_VERSION"),
        }),
        None => Ok(()),
    }
}

/// Answers only when the database does (for `/healthz`).
pub async fn ping(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}

/// What `/healthz` asks: does the database answer.
#[derive(Clone)]
pub struct Health(SqlitePool);

impl Health {
    pub fn new(pool: SqlitePool) -> Self {
        Self(pool)
    }

    pub async fn check(&self) -> Result<(), sqlx::Error> {
        ping(&self.0).await
    }
}

/// `PRAGMA quick_check`'s verdict: "ok", or what is damaged.
pub async fn quick_check(pool: &SqlitePool) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(pool)
        .await
}

/// Writes a consistent copy of the whole database to `target` (which must not exist) while
/// Cast goes on using it: `VACUUM INTO` reads one snapshot, so writes made meanwhile are
/// either wholly in the copy or wholly not.
pub async fn backup_into(pool: &SqlitePool, target: &Path) -> Result<(), sqlx::Error> {
    sqlx::query("VACUUM INTO ?")
        .bind(target.display().to_string())
        .execute(pool)
        .await
        .map(|_| ())
}

/// Opens a database file read-only, without migrating it (to look at a backup).
pub async fn open_read_only(path: &Path) -> Result<SqlitePool, DbError> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|source| DbError::Open {
            path: path.display().to_string(),
            source,
        })
}

/// Whether a database file is one this Cast can open: checked, and not from a newer Cast.
pub async fn check_file(path: &Path) -> Result<String, DbError> {
    let pool = open_read_only(path).await?;
    let result = async {
        refuse_newer(&pool, path).await?;
        Ok::<_, DbError>(quick_check(&pool).await?)
    }
    .await;
    pool.close().await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_runs_in_a_transaction() {
        assert!(MIGRATOR.iter().count() > 0);
        for m in MIGRATOR.iter() {
            assert!(
                !m.no_tx,
                "migration {} opts out of its transaction: a crash midway would leave half a schema",
                m.version
            );
        }
    }

    #[tokio::test]
    async fn a_backup_is_a_database_of_its_own() {
        let dir = tempfile::tempdir().expect("dir");
        let pool = connect(&dir.path().join("cast.db")).await.expect("db");
        let copy = dir.path().join("copy.db");
        backup_into(&pool, &copy).await.expect("backup");
        assert_eq!(check_file(&copy).await.expect("check"), "ok");
    }
}
