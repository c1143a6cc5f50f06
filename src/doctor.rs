//! `cast doctor`: checks the setup the way a person setting up TikTok needs it checked.

use std::time::Duration;

use crate::config::{Config, Mode};
use crate::tiktok::client::SCOPES;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

pub struct Check {
    pub level: Level,
    pub text: String,
}

fn ok(text: impl Into<String>) -> Check {
    Check {
        level: Level::Ok,
        text: text.into(),
    }
}
fn warn(text: impl Into<String>) -> Check {
    Check {
        level: Level::Warn,
        text: text.into(),
    }
}
fn fail(text: impl Into<String>) -> Check {
    Check {
        level: Level::Fail,
        text: text.into(),
    }
}

/// Every check, in the order a person fixes things.
pub async fn run(config: &Config) -> Vec<Check> {
    let mut checks = vec![mode(config)];
    checks.extend(base_url(config));
    checks.push(ok(format!(
        "Redirect URI to register in the TikTok developer portal: {}",
        config.redirect_uri()
    )));
    checks.push(ok(format!(
        "Scopes to add to the TikTok app: {}",
        SCOPES.replace(',', ", ")
    )));
    checks.push(data_dir(config));
    checks.push(database(config).await);
    checks.push(reachable(config).await);
    checks
}

fn mode(config: &Config) -> Check {
    match &config.mode {
        Mode::Sandbox(_) => warn(
            "No TikTok credentials: Cast runs against its built-in sandbox. Set TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET to publish to TikTok.",
        ),
        Mode::TikTok(c) => ok(format!("TikTok app client key: {}", c.client_key)),
    }
}

fn base_url(config: &Config) -> Vec<Check> {
    let url = &config.base_url;
    let host = url.host_str().unwrap_or_default();
    let local = host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified());
    match (&config.mode, url.scheme() == "https", local) {
        (Mode::TikTok(_), _, true) => vec![fail(format!(
            "BASE_URL is {url}: TikTok refuses redirects to localhost. Start a tunnel (see the README) and set BASE_URL to its https address."
        ))],
        (Mode::TikTok(_), false, _) => vec![fail(format!(
            "BASE_URL is {url}: TikTok needs an https redirect URI. Use your tunnel's https address."
        ))],
        (Mode::TikTok(_), true, false) => vec![ok(format!("BASE_URL {url} is public https"))],
        (Mode::Sandbox(_), _, _) => vec![ok(format!(
            "BASE_URL {url} (the sandbox accepts any address)"
        ))],
    }
}

fn data_dir(config: &Config) -> Check {
    let dir = &config.data_dir;
    if let Err(e) = std::fs::create_dir_all(dir) {
        return fail(format!("DATA_DIR {} cannot be created: {e}", dir.display()));
    }
    let probe = dir.join(".doctor-write-test");
    match std::fs::write(&probe, b"ok").and_then(|_| std::fs::remove_file(&probe)) {
        Ok(()) => ok(format!("DATA_DIR {} is writable", dir.display())),
        Err(e) => fail(format!("DATA_DIR {} is not writable: {e}", dir.display())),
    }
}

async fn database(config: &Config) -> Check {
    let pool = match crate::db::connect(&config.db_path()).await {
        Ok(p) => p,
        Err(e) => return fail(format!("Database: {e}")),
    };
    let check: Result<String, _> = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&pool)
        .await;
    let password: Result<Option<String>, _> = crate::owner::password::stored_hash(&pool).await;
    pool.close().await;
    match (check.as_deref(), password) {
        (Ok("ok"), Ok(Some(_))) => ok(format!(
            "Database {} is healthy",
            config.db_path().display()
        )),
        (Ok("ok"), Ok(None)) => warn(
            "Database is healthy but no owner password is set yet: run `cast set-password` or open the setup link `cast serve` prints.",
        ),
        (Ok(other), _) => fail(format!("Database integrity check says: {other}")),
        (Err(e), _) => fail(format!("Database check failed: {e}")),
    }
}

async fn reachable(config: &Config) -> Check {
    let endpoint = format!(
        "{}/v2/oauth/token/",
        config.tiktok_api_base.as_str().trim_end_matches('/')
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    // Any HTTP answer (even a refusal of this empty request) proves the endpoint is there.
    match client
        .post(&endpoint)
        .form(&[("grant_type", "none")])
        .send()
        .await
    {
        Ok(res) => ok(format!(
            "TikTok's token endpoint answers ({} from {endpoint})",
            res.status().as_u16()
        )),
        Err(_) if config.mode.is_sandbox() => warn(format!(
            "The sandbox at {endpoint} does not answer: is `cast serve` running? (It is part of the server.)"
        )),
        Err(e) => fail(format!("TikTok at {endpoint} cannot be reached: {e}")),
    }
}
