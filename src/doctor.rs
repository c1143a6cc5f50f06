//! `cast doctor`: checks the setup the way a person setting up TikTok needs it checked.

use std::time::Duration;

use crate::config::{Config, PlatformMode, TrustedProxy};
use crate::platforms::tiktok::client::client::SCOPES;

mod check;
mod instagram;
mod youtube;

pub use check::{Check, Level};
use check::{fail, ok, warn};

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
    checks.push(webhook(config));
    checks.extend(youtube::lines(config).await);
    checks.extend(instagram::lines(config));
    checks.push(trusted_proxy(config));
    checks.push(data_dir(config));
    checks.push(free_space(config));
    checks.push(database(config).await);
    checks.push(reachable(config).await);
    checks
}

fn mode(config: &Config) -> Check {
    match &config.tiktok.mode {
        PlatformMode::Emulated(_) => warn(
            "No TikTok credentials: Cast runs against its built-in sandbox. Set TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET to publish to TikTok.",
        ),
        PlatformMode::Real(c) => ok(format!("TikTok app client key: {}", c.client_key)),
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
    match (&config.tiktok.mode, url.scheme() == "https", local) {
        (PlatformMode::Real(_), _, true) => vec![fail(format!(
            "BASE_URL is {url}: TikTok refuses redirects to localhost. Start a tunnel (see the README) and set BASE_URL to its https address."
        ))],
        (PlatformMode::Real(_), false, _) => vec![fail(format!(
            "BASE_URL is {url}: TikTok needs an https redirect URI. Use your tunnel's https address."
        ))],
        (PlatformMode::Real(_), true, false) => vec![ok(format!("BASE_URL {url} is public https"))],
        (PlatformMode::Emulated(_), _, _) => vec![ok(format!(
            "BASE_URL {url} (the sandbox accepts any address)"
        ))],
    }
}

/// TikTok's webhooks (contract §14) are optional: the URL to paste, and whether TikTok will call it.
fn webhook(config: &Config) -> Check {
    use crate::config::tiktok_sandbox::WebhookTarget;
    let url = crate::platforms::tiktok::webhook::callback_url(config);
    let https = config.base_url.scheme() == "https";
    match &config.tiktok.mode {
        PlatformMode::Real(_) if https => ok(format!(
            "Webhook callback URL to paste in the TikTok developer portal (optional; outcomes arrive sooner): {url}"
        )),
        PlatformMode::Real(_) => warn(format!(
            "Webhook callback URL for the TikTok developer portal: {url}. TikTok calls only https URLs: set BASE_URL to your tunnel's https address first. Webhooks are optional; polling works without them."
        )),
        PlatformMode::Emulated(s) => {
            let sandbox = match &s.webhooks.target {
                WebhookTarget::Cast => format!("to {url}"),
                WebhookTarget::Off => "none (CAST_SANDBOX_WEBHOOK_URL=off)".to_string(),
                WebhookTarget::Url(u) => format!("to {u}"),
            };
            ok(format!(
                "Webhook callback URL for the TikTok developer portal, once you have an app (TikTok needs it on https): {url}. The sandbox sends its webhooks {sandbox}."
            ))
        }
    }
}

/// Which header names the client decides whether login throttling can tell guessers apart.
fn trusted_proxy(config: &Config) -> Check {
    let loopback = config.listen.ip().is_loopback();
    match (config.trusted_proxy, loopback) {
        (TrustedProxy::None, _) => ok(
            "TRUSTED_PROXY=none: no forwarding header is believed, so everyone behind the tunnel counts as one client for login throttling. Behind Cloudflare Tunnel set TRUSTED_PROXY=cloudflare; behind ngrok, TRUSTED_PROXY=forwarded.",
        ),
        (p, false) => fail(format!(
            "TRUSTED_PROXY={} but LISTEN is {}: anyone who reaches that address directly can forge the header and guess passwords without limit. Listen on 127.0.0.1 behind the tunnel, or set TRUSTED_PROXY=none.",
            p.name(),
            config.listen
        )),
        (TrustedProxy::Cloudflare, true) => ok(
            "TRUSTED_PROXY=cloudflare: the client is CF-Connecting-IP, which Cloudflare sets itself. Use this only behind Cloudflare (Tunnel or proxy): ngrok passes a client's own CF-Connecting-IP through.",
        ),
        (TrustedProxy::Forwarded, true) => ok(
            "TRUSTED_PROXY=forwarded: the client is the last X-Forwarded-For entry, the one the proxy (ngrok, nginx, Caddy) appended.",
        ),
    }
}

fn free_space(config: &Config) -> Check {
    let reserve = config.limits.disk_reserve_bytes;
    match crate::disk::DiskSpace::default().available(&config.data_dir) {
        Ok(free) if free < reserve.saturating_add(config.max_upload_bytes) => warn(format!(
            "Only {} MB are free on DATA_DIR's disk: Cast keeps {} MB spare, so uploads larger than {} MB are refused until space is freed.",
            free / 1_000_000,
            reserve / 1_000_000,
            free.saturating_sub(reserve) / 1_000_000
        )),
        Ok(free) => ok(format!(
            "{} MB free on DATA_DIR's disk (Cast keeps {} MB spare)",
            free / 1_000_000,
            reserve / 1_000_000
        )),
        Err(e) => warn(format!(
            "Cannot read the free space on DATA_DIR's disk: {e}"
        )),
    }
}

fn data_dir(config: &Config) -> Check {
    let dir = &config.data_dir;
    if let Err(e) = crate::data_dir::create(dir) {
        return fail(e.to_string());
    }
    match crate::data_dir::secure(dir) {
        Ok(0) => ok(format!(
            "DATA_DIR {} is writable and private to this user",
            dir.display()
        )),
        Ok(n) => warn(format!(
            "DATA_DIR {} was readable by other users: {n} files and folders were made private",
            dir.display()
        )),
        Err(e) => fail(e.to_string()),
    }
}

async fn database(config: &Config) -> Check {
    let pool = match crate::db::connect(&config.db_path()).await {
        Ok(p) => p,
        Err(e) => return fail(format!("Database: {e}")),
    };
    let check = crate::db::quick_check(&pool).await;
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
        config.tiktok.api_base.as_str().trim_end_matches('/')
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
        Err(_) if config.tiktok.is_emulated() => warn(format!(
            "The sandbox at {endpoint} does not answer: is `cast serve` running? (It is part of the server.)"
        )),
        Err(e) => fail(format!("TikTok at {endpoint} cannot be reached: {e}")),
    }
}
