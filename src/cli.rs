//! The `cast` command line: serve, set-password, token, doctor, backup, restore.

use std::io::{IsTerminal as _, Read as _};

use clap::{Parser, Subcommand};

use crate::clock::Clock;
use crate::config::Config;
use crate::owner::{Owner, password};

#[derive(Parser)]
#[command(name = "cast", version, about = "A self-hosted publisher for TikTok", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Start the server (the default when no command is given).
    Serve,
    /// Set or reset the owner password (read from stdin when it is not a terminal).
    SetPassword,
    /// Check the configuration, the data folder, the database and TikTok's endpoints.
    Doctor,
    /// Write a consistent copy of the database and the secret key into a new folder (Cast may keep running).
    Backup {
        /// The folder to create, for example /var/backups/cast-2026-12-01.
        path: std::path::PathBuf,
    },
    /// Put a backup made by `cast backup` back into DATA_DIR (stop Cast first; the current database is moved aside).
    Restore {
        /// The folder `cast backup` wrote.
        path: std::path::PathBuf,
    },
    /// Manage API tokens for scripts.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
}

#[derive(Subcommand)]
pub enum TokenAction {
    /// Create a token; it is printed once, as the last line.
    Create {
        #[arg(long)]
        name: String,
    },
    /// List tokens (names and dates, never the tokens).
    List,
    /// Revoke a token by name.
    Revoke { name: String },
}

/// What a command failed with, already phrased for the person at the terminal.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CliError(pub String);

impl CliError {
    fn from<E: std::fmt::Display>(e: E) -> Self {
        Self(e.to_string())
    }
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let config = Config::from_env().map_err(CliError::from)?;
    // Whatever the command, what it writes into DATA_DIR is the owner's alone.
    crate::data_dir::make_files_private();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::SetPassword => set_password(config).await,
        Command::Token { action } => token(config, action).await,
        Command::Doctor => doctor(config).await,
        Command::Backup { path } => backup(config, &path).await,
        Command::Restore { path } => restore(config, &path).await,
    }
}

async fn backup(config: Config, path: &std::path::Path) -> Result<(), CliError> {
    let done = crate::backup::backup(&config, path)
        .await
        .map_err(CliError::from)?;
    println!(
        "Backed up the database ({:.1} MB) to {}.",
        done.bytes as f64 / 1e6,
        done.dir.display()
    );
    if done.has_key {
        println!("The secret key is in it too: keep the folder as private as DATA_DIR.");
    } else if config.secret_key.is_some() {
        println!(
            "SECRET_KEY is set, so the key is not in the folder: keep that setting with the backup, or the TikTok tokens in it cannot be opened."
        );
    } else {
        println!(
            "Cast has not made its secret key yet (it never served), so there is none to copy."
        );
    }
    println!(
        "Videos waiting to upload (DATA_DIR/spool) are not included. To restore: cast restore {}",
        done.dir.display()
    );
    Ok(())
}

async fn restore(config: Config, path: &std::path::Path) -> Result<(), CliError> {
    let done = crate::backup::restore(&config, path)
        .await
        .map_err(CliError::from)?;
    if let Some(old) = &done.replaced {
        println!(
            "The database that was in DATA_DIR is kept in {}.",
            old.display()
        );
    }
    if !done.has_key && config.secret_key.is_none() {
        println!(
            "The backup has no secret.key: if it was made with SECRET_KEY set, set it to the same value; otherwise TikTok accounts must be connected again."
        );
    }
    println!(
        "Restored {} into {}. Start Cast.",
        path.display(),
        config.data_dir.display()
    );
    Ok(())
}

async fn serve(config: Config) -> Result<(), CliError> {
    crate::telemetry::init();
    let app = crate::Application::build(config)
        .await
        .map_err(CliError::from)?;
    let cfg = app.config();
    tracing::info!(
        tiktok = if cfg.tiktok.is_emulated() {
            "sandbox"
        } else {
            "tiktok"
        },
        "Cast is listening on {} (open {})",
        cfg.listen,
        cfg.base_url
    );
    if let Some(token) = app.setup_token() {
        // Printed, not logged, so it lands on the terminal of whoever started Cast.
        println!(
            "\nCast has no owner password yet. Open this one-time link to choose it:\n\n    {}\n",
            cfg.url(&format!("/setup?token={token}"))
        );
    }
    app.run_until_stopped().await.map_err(CliError::from)
}

async fn doctor(config: Config) -> Result<(), CliError> {
    use crate::doctor::Level;
    let checks = crate::doctor::run(&config).await;
    for c in &checks {
        let mark = match c.level {
            Level::Ok => "ok  ",
            Level::Warn => "warn",
            Level::Fail => "FAIL",
        };
        println!("[{mark}] {}", c.text);
    }
    let failed = checks.iter().filter(|c| c.level == Level::Fail).count();
    if failed > 0 {
        return Err(CliError(format!(
            "{failed} check(s) failed; fix them and run `cast doctor` again"
        )));
    }
    Ok(())
}

/// The owner's records on this data folder, for the commands that change them.
async fn open_owner(config: &Config) -> Result<Owner, CliError> {
    crate::data_dir::create(&config.data_dir).map_err(CliError::from)?;
    let db = crate::db::connect(&config.db_path())
        .await
        .map_err(CliError::from)?;
    Ok(Owner::new(db, Clock::system()))
}

async fn set_password(config: Config) -> Result<(), CliError> {
    let raw = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New owner password: ").map_err(CliError::from)?;
        let again = rpassword::prompt_password("Repeat it: ").map_err(CliError::from)?;
        if first != again {
            return Err(CliError(
                "The two passwords differ; nothing was changed.".into(),
            ));
        }
        first
    } else {
        let mut buf = String::new();
        std::io::stdin()
            .read_to_string(&mut buf)
            .map_err(CliError::from)?;
        buf.lines().next().unwrap_or_default().to_string()
    };
    let new = password::NewPassword::parse(&raw).map_err(CliError)?;
    let owner = open_owner(&config).await?;
    // A reset also ends every existing login; a running Cast notices the new hash at the next
    // login and clears its wrong-password counts, so the owner gets in at once.
    owner.reset_password(new).await.map_err(CliError::from)?;
    println!(
        "The owner password is set. Existing logins were ended, and wrong-password delays are cleared."
    );
    Ok(())
}

async fn token(config: Config, action: TokenAction) -> Result<(), CliError> {
    let owner = open_owner(&config).await?;
    match action {
        TokenAction::Create { name } => {
            let token = owner.create_token(&name).await.map_err(CliError::from)?;
            println!(
                "Created API token '{}'. It is shown only now; send it as 'Authorization: Bearer <token>':",
                name.trim()
            );
            println!("{token}");
        }
        TokenAction::List => {
            let tokens = owner.list_tokens().await.map_err(CliError::from)?;
            if tokens.is_empty() {
                println!("No API tokens. Create one with: cast token create --name NAME");
            }
            for t in tokens {
                let used = t.last_used_at.map_or("never used".to_string(), |t| {
                    format!("last used {}", fmt_time(t))
                });
                println!("{}\tcreated {}\t{used}", t.name, fmt_time(t.created_at));
            }
        }
        TokenAction::Revoke { name } => {
            owner.revoke_token(&name).await.map_err(CliError::from)?;
            println!("Revoked API token '{}'.", name.trim());
        }
    }
    Ok(())
}

fn fmt_time(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}
