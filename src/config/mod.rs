//! Settings, read once from the environment (and `.env`) into typed values.
//!
//! Every setting is checked before the server binds, and a bad one stops start-up
//! with one line that names the variable, says what is wrong and shows a good value.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

pub mod instagram;
pub mod instagram_sandbox;
pub mod limits;
pub mod notify;
pub mod proxy;
pub mod public_link;
pub mod tiktok;
pub mod tiktok_sandbox;
mod urls;
pub mod youtube;
pub mod youtube_sandbox;

pub use instagram::{InstagramCredentials, InstagramSettings};
pub use instagram_sandbox::InstagramSandboxSettings;
pub use limits::Limits;
pub use notify::NotifySettings;
pub use proxy::TrustedProxy;
pub use public_link::public_link_ttl;
pub use tiktok::{TikTokCredentials, TikTokSettings};
pub use tiktok_sandbox::TikTokSandboxSettings;
pub use youtube::{YouTubeCredentials, YouTubeSettings};
pub use youtube_sandbox::YouTubeSandboxSettings;

/// A setting that could not be used, phrased for the person who set it.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {problem} (for example {name}={example})")]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: String,
    pub example: &'static str,
}

impl ConfigError {
    pub fn new(name: &'static str, problem: impl Into<String>, example: &'static str) -> Self {
        Self {
            name,
            problem: problem.into(),
            example,
        }
    }
}

/// A secret string that never shows itself in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Whether a platform is the real one (with the owner's app) or Cast's built-in emulator of it.
#[derive(Debug, Clone)]
pub enum PlatformMode<Real, Emulated> {
    Real(Real),
    Emulated(Emulated),
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub base_url: Url,
    pub data_dir: PathBuf,
    pub secret_key: Option<Secret>,
    pub tiktok: TikTokSettings,
    /// YouTube with the owner's Google client, or the sandbox.
    pub youtube: YouTubeSettings,
    /// The YouTube emulator's knobs (used when `youtube` is emulated).
    pub youtube_sandbox: YouTubeSandboxSettings,
    /// Instagram with the owner's Meta app, or the sandbox.
    pub instagram: InstagramSettings,
    /// The Instagram emulator's knobs (used when `instagram` is emulated).
    pub instagram_sandbox: InstagramSandboxSettings,
    /// The longest a public media link lives (`PUBLIC_LINK_TTL`, contract section 11).
    pub public_link_ttl: Duration,
    /// Where notifications go (ntfy, a webhook, email); none by default.
    pub notify: NotifySettings,
    pub session_ttl: Duration,
    /// How long a finished job's video is kept on disk; failed jobs keep theirs for Retry.
    pub spool_retention: Duration,
    /// Abandoned partial browser uploads are deleted after this long.
    pub partial_upload_ttl: Duration,
    /// Largest video accepted from a browser or script.
    pub max_upload_bytes: u64,
    /// Which forwarding header names the real client (login throttling keys on it).
    pub trusted_proxy: TrustedProxy,
    /// Disk caps for uploads, and read timeouts for slow clients.
    pub limits: Limits,
    /// How many targets the worker moves at once (each account one at a time).
    pub worker_concurrency: usize,
}

/// Where settings come from: the process environment, or a map in tests.
pub trait Source {
    fn get(&self, name: &str) -> Option<String>;
}

pub struct Env;

impl Source for Env {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl<S: std::hash::BuildHasher> Source for std::collections::HashMap<String, String, S> {
    fn get(&self, name: &str) -> Option<String> {
        std::collections::HashMap::get(self, name).cloned()
    }
}

/// Reads a setting, treating an empty value as unset (so `FOO=` in `.env` means "default").
pub fn read(src: &dyn Source, name: &str) -> Option<String> {
    src.get(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

pub fn parse_number<T: std::str::FromStr>(
    src: &dyn Source,
    name: &'static str,
    default: T,
    example: &'static str,
) -> Result<T, ConfigError> {
    match read(src, name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| ConfigError::new(name, format!("'{v}' is not a whole number"), example)),
    }
}

/// A 0/1 switch (`true`/`false` accepted too); unset is off.
pub fn parse_switch(src: &dyn Source, name: &'static str) -> Result<bool, ConfigError> {
    match read(src, name).as_deref() {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(other) => Err(ConfigError::new(
            name,
            format!("'{other}' is not 1 or 0"),
            "1",
        )),
    }
}

impl Config {
    /// Loads `.env` (if present) into the environment, then reads the settings.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is the normal case; a malformed one is worth refusing.
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => {
                return Err(ConfigError::new(
                    ".env",
                    format!("cannot be read: {e}"),
                    "LISTEN=127.0.0.1:3000",
                ));
            }
        }
        Self::from_source(&Env)
    }

    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let listen = match read(src, "LISTEN") {
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
            Some(v) => v.parse().map_err(|_| {
                ConfigError::new(
                    "LISTEN",
                    format!("'{v}' is not an address and port"),
                    "127.0.0.1:3000",
                )
            })?,
        };
        let base_url = parse_base_url(read(src, "BASE_URL"), listen)?;
        let data_dir = PathBuf::from(read(src, "DATA_DIR").unwrap_or_else(|| "./data".into()));
        let secret_key = match read(src, "SECRET_KEY") {
            None => None,
            Some(v) if v.len() < 32 => {
                return Err(ConfigError::new(
                    "SECRET_KEY",
                    "is too short: use at least 32 random characters, or leave it unset and Cast keeps one in DATA_DIR",
                    "$(openssl rand -hex 32)",
                ));
            }
            Some(v) => Some(Secret::new(v)),
        };
        let tiktok = TikTokSettings::from_source(src, &base_url)?;
        let youtube = YouTubeSettings::from_source(src, &base_url)?;
        let instagram = InstagramSettings::from_source(src, &base_url)?;
        let session_days: u64 = parse_number(src, "SESSION_DAYS", 30, "30")?;
        if session_days == 0 {
            return Err(ConfigError::new("SESSION_DAYS", "must be at least 1", "30"));
        }
        let retention_hours: u64 = parse_number(src, "SPOOL_RETENTION_HOURS", 24, "24")?;
        let partial_hours: u64 = parse_number(src, "PARTIAL_UPLOAD_TTL_HOURS", 24, "24")?;
        let max_upload_mb: u64 = parse_number(src, "MAX_UPLOAD_MB", 4000, "4000")?;
        if max_upload_mb == 0 || max_upload_mb > 4000 {
            return Err(ConfigError::new(
                "MAX_UPLOAD_MB",
                format!("'{max_upload_mb}' is out of range: TikTok takes videos up to 4000 MB"),
                "4000",
            ));
        }
        let max_upload_bytes = max_upload_mb * 1_000_000;
        let trusted_proxy = TrustedProxy::from_source(src)?;
        let limits = Limits::from_source(src, max_upload_bytes)?;
        let worker_concurrency: usize = parse_number(src, "WORKER_CONCURRENCY", 3, "3")?;
        if !(1..=16).contains(&worker_concurrency) {
            return Err(ConfigError::new(
                "WORKER_CONCURRENCY",
                format!("'{worker_concurrency}' is out of range: use 1 to 16"),
                "3",
            ));
        }
        Ok(Config {
            listen,
            base_url,
            data_dir,
            secret_key,
            tiktok,
            youtube,
            youtube_sandbox: YouTubeSandboxSettings::from_source(src)?,
            instagram,
            instagram_sandbox: InstagramSandboxSettings::from_source(src)?,
            public_link_ttl: public_link_ttl(src)?,
            notify: NotifySettings::from_source(src)?,
            worker_concurrency,
            session_ttl: Duration::from_secs(session_days * 86_400),
            spool_retention: Duration::from_secs(retention_hours * 3_600),
            partial_upload_ttl: Duration::from_secs(partial_hours * 3_600),
            max_upload_bytes,
            trusted_proxy,
            limits,
        })
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("cast.db")
    }

    /// The redirect URI registered with TikTok (and the sandbox's one registered URI).
    pub fn redirect_uri(&self) -> String {
        self.url("/auth/tiktok/callback")
    }

    /// An absolute URL for a path of Cast's, under `BASE_URL` (which may carry a path prefix).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url.as_str().trim_end_matches('/'), path)
    }

    /// Replaces port 0 (listen on any free port) in the derived URLs with the port actually bound.
    pub fn resolve_port(&mut self, port: u16) {
        if self.base_url.port() == Some(0) {
            // Only http(s) URLs get here, and they always accept a port.
            let _ = self.base_url.set_port(Some(port));
        }
        self.tiktok.resolve_port(port);
        self.youtube.resolve_port(port);
        self.instagram.resolve_port(port);
    }

    /// The redirect URI to register in Google Cloud Console (and the sandbox's one URI).
    pub fn youtube_redirect_uri(&self) -> String {
        self.url("/auth/youtube/callback")
    }

    /// The redirect URI to register in Meta's App Dashboard (and the sandbox's one URI).
    pub fn instagram_redirect_uri(&self) -> String {
        self.url("/auth/instagram/callback")
    }

    pub fn cookies_secure(&self) -> bool {
        self.base_url.scheme() == "https"
    }
}

fn parse_base_url(value: Option<String>, listen: SocketAddr) -> Result<Url, ConfigError> {
    let raw = value.unwrap_or_else(|| {
        let host = if listen.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            listen.ip().to_string()
        };
        format!("http://{host}:{}", listen.port())
    });
    let url = Url::parse(&raw).map_err(|_| {
        ConfigError::new(
            "BASE_URL",
            format!("'{raw}' is not an absolute URL"),
            "https://cast.example.com",
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ConfigError::new(
            "BASE_URL",
            format!("'{raw}' must start with http:// or https:// and name a host"),
            "https://cast.example.com",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::new(
            "BASE_URL",
            format!("'{raw}' must not have a query string or fragment"),
            "https://cast.example.com",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_source(&map)
    }

    #[test]
    fn no_settings_at_all_means_sandbox_on_localhost() {
        let c = cfg(&[]).expect("defaults are valid");
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(c.base_url.as_str(), "http://127.0.0.1:3000/");
        assert!(c.tiktok.is_emulated());
        assert_eq!(
            c.redirect_uri(),
            "http://127.0.0.1:3000/auth/tiktok/callback"
        );
        assert_eq!(c.tiktok.chunk_size, 5_242_880);
        assert_eq!(
            c.trusted_proxy,
            TrustedProxy::None,
            "no forwarding header is believed unless the owner says which proxy sets it"
        );
        assert_eq!(c.limits, Limits::default());
    }

    #[test]
    fn the_trusted_proxy_is_named_in_any_case() {
        let c = cfg(&[("TRUSTED_PROXY", "Cloudflare")]).expect("valid");
        assert_eq!(c.trusted_proxy, TrustedProxy::Cloudflare);
        let c = cfg(&[("TRUSTED_PROXY", "forwarded")]).expect("valid");
        assert_eq!(c.trusted_proxy, TrustedProxy::Forwarded);
    }

    #[test]
    fn only_one_tiktok_credential_names_the_missing_one() {
        let e = cfg(&[("TIKTOK_CLIENT_KEY", "abc")]).unwrap_err();
        assert_eq!(e.name, "TIKTOK_CLIENT_SECRET");
        let e = cfg(&[("TIKTOK_CLIENT_SECRET", "abc")]).unwrap_err();
        assert_eq!(e.name, "TIKTOK_CLIENT_KEY");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let c = cfg(&[
            ("TIKTOK_CLIENT_KEY", "abc"),
            ("TIKTOK_CLIENT_SECRET", "hunter2-very-secret"),
            ("SECRET_KEY", "0123456789abcdef0123456789abcdef-key"),
        ])
        .expect("valid");
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("hunter2"));
        assert!(!dbg.contains("0123456789abcdef0123456789abcdef-key"));
    }

    #[test]
    fn bad_values_give_one_line_with_an_example() {
        for (name, value) in [
            ("LISTEN", "nope"),
            ("BASE_URL", "cast.example.com"),
            ("SECRET_KEY", "short"),
            ("TIKTOK_CHUNK_SIZE", "1000"),
            ("TIKTOK_CHUNK_SIZE", "ten"),
            ("MAX_UPLOAD_MB", "999999"),
            ("TIKTOK_LOOKUP_POST_IDS", "yes"),
            ("TRUSTED_PROXY", "everyone"),
            ("MAX_UNFINISHED_UPLOADS", "0"),
            ("MAX_UNFINISHED_UPLOAD_MB", "10"),
            ("DISK_RESERVE_MB", "lots"),
            ("STALLED_CLIENT_SECS", "0"),
            ("WORKER_CONCURRENCY", "0"),
        ] {
            let e = cfg(&[(name, value)]).expect_err(name);
            let line = e.to_string();
            assert_eq!(e.name, name, "{line}");
            assert!(line.contains("for example"), "{line}");
            assert!(!line.contains('\n'), "{line}");
        }
    }
}
