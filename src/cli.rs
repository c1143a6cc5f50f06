//! The `cast` command line: serve, set-password, token, doctor.

use std::io::{IsTerminal as _, Read as _};

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::owner::{api_tokens, password};

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
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::SetPassword => set_password(config).await,
        Command::Token { action } => token(config, action).await,
        Command::Doctor => doctor(config).await,
    }
}

async fn serve(config: Config) -> Result<(), CliError> {
    crate::telemetry::init();
    let app = crate::Application::build(config)
        .await
        .map_err(CliError::from)?;
    let cfg = app.config();
    tracing::info!(
        mode = cfg.mode.name(),
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

async fn open_db(config: &Config) -> Result<sqlx::SqlitePool, CliError> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| CliError(format!("DATA_DIR {}: {e}", config.data_dir.display())))?;
    crate::db::connect(&config.db_path())
        .await
        .map_err(CliError::from)
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
    let db = open_db(&config).await?;
    let phc = tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .map_err(CliError::from)?
        .map_err(CliError::from)?;
    password::store(&db, &phc).await.map_err(CliError::from)?;
    // A reset must also end every existing login.
    sqlx::query("DELETE FROM sessions")
        .execute(&db)
        .await
        .map_err(CliError::from)?;
    sqlx::query("DELETE FROM setup_token")
        .execute(&db)
        .await
        .map_err(CliError::from)?;
    println!("The owner password is set. Existing logins were ended.");
    Ok(())
}

async fn token(config: Config, action: TokenAction) -> Result<(), CliError> {
    let db = open_db(&config).await?;
    match action {
        TokenAction::Create { name } => {
            let token = api_tokens::create(&db, &name)
                .await
                .map_err(CliError::from)?;
            println!(
                "Created API token '{}'. It is shown only now; send it as 'Authorization: Bearer <token>':",
                name.trim()
            );
            println!("{token}");
        }
        TokenAction::List => {
            let tokens = api_tokens::list(&db).await.map_err(CliError::from)?;
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
            api_tokens::revoke(&db, &name)
                .await
                .map_err(CliError::from)?;
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
