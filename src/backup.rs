//! `cast backup` and `cast restore`: the owner's data outliving a dead SD card or a bad upgrade.
//!
//! A backup is a folder with `cast.db` (a consistent copy taken while Cast runs) and
//! `secret.key` (without it the TikTok tokens in the copy cannot be opened). Videos waiting in
//! `DATA_DIR/spool` are not included: they can be gigabytes, and copying that folder beside the
//! backup (`cp -a`) keeps them if wanted.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::data_dir::{DataDirError, DataDirLock};
use crate::db::{self, DbError};

const DB_FILE: &str = "cast.db";
const KEY_FILE: &str = "secret.key";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Refused(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error(transparent)]
    DataDir(#[from] DataDirError),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

#[derive(Debug)]
pub struct Backup {
    pub dir: PathBuf,
    pub bytes: u64,
    /// Whether `secret.key` is in the backup. It is not when the key is `SECRET_KEY` (the owner
    /// keeps that setting themselves), nor before Cast has ever run (no key made yet).
    pub has_key: bool,
}

/// Copies the database (consistently, while Cast may be running) and the key into `target`,
/// a folder that must not exist yet or be empty.
pub async fn backup(config: &Config, target: &Path) -> Result<Backup, BackupError> {
    crate::data_dir::make_files_private();
    let source = config.db_path();
    if !source.exists() {
        return Err(BackupError::Refused(format!(
            "There is nothing to back up: {} does not exist. Is DATA_DIR right?",
            source.display()
        )));
    }
    prepare_target(target)?;
    let pool = db::connect(&source).await?;
    let copy = target.join(DB_FILE);
    let result = db::backup_into(&pool, &copy).await;
    pool.close().await;
    result?;
    let verdict = db::check_file(&copy).await?;
    if verdict != "ok" {
        return Err(BackupError::Refused(format!(
            "The copy in {} did not pass SQLite's check ({verdict}); the original is untouched.",
            copy.display()
        )));
    }
    let key = config.data_dir.join(KEY_FILE);
    let has_key = config.secret_key.is_none() && key.is_file();
    if has_key {
        std::fs::copy(&key, target.join(KEY_FILE)).map_err(io(&key))?;
    }
    let bytes = std::fs::metadata(&copy).map_err(io(&copy))?.len();
    Ok(Backup {
        dir: target.to_path_buf(),
        bytes,
        has_key,
    })
}

fn prepare_target(target: &Path) -> Result<(), BackupError> {
    if target.exists() {
        let empty = std::fs::read_dir(target)
            .map_err(io(target))?
            .next()
            .is_none();
        if !empty {
            return Err(BackupError::Refused(format!(
                "{} already exists and is not empty: name a new folder for the backup, for example {}-2",
                target.display(),
                target.display()
            )));
        }
        return Ok(());
    }
    crate::data_dir::create(target).map_err(BackupError::from)
}

#[derive(Debug)]
pub struct Restored {
    /// Where the database that was replaced went, if there was one.
    pub replaced: Option<PathBuf>,
    pub has_key: bool,
}

/// Puts a backup back into `DATA_DIR`. Refused while a Cast is running on it; a database already
/// there is moved aside, never deleted.
pub async fn restore(config: &Config, source: &Path) -> Result<Restored, BackupError> {
    let backup_db = source.join(DB_FILE);
    if !backup_db.is_file() {
        return Err(BackupError::Refused(format!(
            "{} has no {DB_FILE}: name the folder `cast backup` wrote.",
            source.display()
        )));
    }
    let verdict = db::check_file(&backup_db).await?;
    if verdict != "ok" {
        return Err(BackupError::Refused(format!(
            "The backup's database is damaged ({verdict}); nothing was changed."
        )));
    }
    let dir = &config.data_dir;
    crate::data_dir::create(dir)?;
    let _lock = DataDirLock::acquire(dir).map_err(|e| match e {
        DataDirError::InUse { .. } => BackupError::Refused(format!(
            "{e} Restoring under a running Cast would pull its database away: stop it, restore, then start it again."
        )),
        other => other.into(),
    })?;
    let backup_key = source.join(KEY_FILE);
    let has_key = backup_key.is_file();
    let replaced = move_aside(dir, has_key)?;
    let live = config.db_path();
    std::fs::copy(&backup_db, &live).map_err(io(&live))?;
    if has_key {
        let key = dir.join(KEY_FILE);
        std::fs::copy(&backup_key, &key).map_err(io(&key))?;
    }
    // Opening it brings an older backup's schema up to date, and proves it opens.
    let pool = db::connect(&live).await?;
    // Browser uploads half-sent when the backup was made cannot be resumed without their bytes.
    let forgotten = crate::tus::store::forget_missing_files(&pool, dir).await;
    pool.close().await;
    if let Err(e) = forgotten {
        return Err(BackupError::Refused(format!(
            "The database was restored, but clearing unfinished browser uploads failed: {e}"
        )));
    }
    Ok(Restored { replaced, has_key })
}

/// Moves the current database (with its -wal and -shm), and the key when the backup brings its
/// own, into `before-restore-<time>/`.
fn move_aside(dir: &Path, with_key: bool) -> Result<Option<PathBuf>, BackupError> {
    let mut names = vec![
        DB_FILE.to_string(),
        format!("{DB_FILE}-wal"),
        format!("{DB_FILE}-shm"),
    ];
    if with_key {
        names.push(KEY_FILE.to_string());
    }
    if !dir.join(DB_FILE).exists() {
        return Ok(None);
    }
    let aside = dir.join(format!(
        "before-restore-{}",
        crate::clock::Clock::system().now()
    ));
    crate::data_dir::create(&aside)?;
    for name in names {
        let from = dir.join(&name);
        if from.exists() {
            std::fs::rename(&from, aside.join(&name)).map_err(io(&from))?;
        }
    }
    Ok(Some(aside))
}
