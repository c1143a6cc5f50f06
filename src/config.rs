//! Settings, read once from the environment (and `.env`) into typed values.
//!
//! Every setting is checked before the server binds, and a bad one stops start-up
//! with one line that names the variable, says what is wrong and shows a good value.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::sandbox::settings::SandboxSettings;
use crate::uploads::chunk_plan;

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

/// The app's TikTok credentials, when the owner has configured a real TikTok app.
#[derive(Debug, Clone)]
pub struct TikTokCredentials {
    pub client_key: String,
    pub client_secret: Secret,
}

/// Which TikTok Cast talks to.
#[derive(Debug, Clone)]
pub enum Mode {
    /// The built-in emulator, mounted on Cast's own port.
    Sandbox(SandboxSettings),
    /// TikTok itself, with the owner's developer app.
    TikTok(TikTokCredentials),
}

impl Mode {
    pub fn name(&self) -> &'static str {
        match self {
            Mode::Sandbox(_) => "sandbox",
            Mode::TikTok(_) => "tiktok",
        }
    }
    pub fn is_sandbox(&self) -> bool {
        matches!(self, Mode::Sandbox(_))
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub base_url: Url,
    pub data_dir: PathBuf,
    pub secret_key: Option<Secret>,
    pub mode: Mode,
    /// TikTok's API host; the sandbox's mount point in sandbox mode.
    pub tiktok_api_base: Url,
    /// TikTok's consent page.
    pub tiktok_auth_url: Url,
    pub chunk_size: u64,
    pub session_ttl: Duration,
    /// How long a finished job's video is kept on disk; failed jobs keep theirs for Retry.
    pub spool_retention: Duration,
    /// Abandoned partial browser uploads are deleted after this long.
    pub partial_upload_ttl: Duration,
    /// Largest video accepted from a browser or script.
    pub max_upload_bytes: u64,
    /// Ask for `video.list` and find post ids in the video list when status fetch lacks them.
    pub lookup_post_ids: bool,
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
        let mode = match (
            read(src, "TIKTOK_CLIENT_KEY"),
            read(src, "TIKTOK_CLIENT_SECRET"),
        ) {
            (None, None) => Mode::Sandbox(SandboxSettings::from_source(src)?),
            (Some(client_key), Some(secret)) => Mode::TikTok(TikTokCredentials {
                client_key,
                client_secret: Secret::new(secret),
            }),
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "TIKTOK_CLIENT_SECRET",
                    "is missing while TIKTOK_CLIENT_KEY is set: set both (from the TikTok developer portal) or neither (sandbox)",
                    "your-client-secret",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    "TIKTOK_CLIENT_KEY",
                    "is missing while TIKTOK_CLIENT_SECRET is set: set both (from the TikTok developer portal) or neither (sandbox)",
                    "aw1234abcd",
                ));
            }
        };
        let (tiktok_api_base, tiktok_auth_url) = tiktok_urls(src, &mode, &base_url)?;
        let chunk_size = parse_number(src, "TIKTOK_CHUNK_SIZE", chunk_plan::MIN_CHUNK, "5242880")?;
        chunk_plan::validate_chunk_size(chunk_size)
            .map_err(|e| ConfigError::new("TIKTOK_CHUNK_SIZE", e.to_string(), "5242880"))?;
        let session_days: u64 = parse_number(src, "SESSION_DAYS", 30, "30")?;
        if session_days == 0 {
            return Err(ConfigError::new("SESSION_DAYS", "must be at least 1", "30"));
        }
        let retention_hours: u64 = parse_number(src, "SPOOL_RETENTION_HOURS", 0, "24")?;
        let partial_hours: u64 = parse_number(src, "PARTIAL_UPLOAD_TTL_HOURS", 24, "24")?;
        let max_upload_mb: u64 = parse_number(src, "MAX_UPLOAD_MB", 4000, "4000")?;
        if max_upload_mb == 0 || max_upload_mb > 4000 {
            return Err(ConfigError::new(
                "MAX_UPLOAD_MB",
                format!("'{max_upload_mb}' is out of range: TikTok takes videos up to 4000 MB"),
                "4000",
            ));
        }
        let lookup_post_ids = parse_switch(src, "TIKTOK_LOOKUP_POST_IDS")?;
        Ok(Config {
            lookup_post_ids,
            listen,
            base_url,
            data_dir,
            secret_key,
            mode,
            tiktok_api_base,
            tiktok_auth_url,
            chunk_size,
            session_ttl: Duration::from_secs(session_days * 86_400),
            spool_retention: Duration::from_secs(retention_hours * 3_600),
            partial_upload_ttl: Duration::from_secs(partial_hours * 3_600),
            max_upload_bytes: max_upload_mb * 1_000_000,
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
        for url in [
            &mut self.base_url,
            &mut self.tiktok_api_base,
            &mut self.tiktok_auth_url,
        ] {
            if url.port() == Some(0) {
                // Only http(s) URLs get here, and they always accept a port.
                let _ = url.set_port(Some(port));
            }
        }
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

fn tiktok_urls(src: &dyn Source, mode: &Mode, base_url: &Url) -> Result<(Url, Url), ConfigError> {
    let base = base_url.as_str().trim_end_matches('/');
    let (api_default, auth_default) = match mode {
        Mode::Sandbox(_) => (
            format!("{base}/sandbox/tiktok"),
            format!("{base}/sandbox/tiktok/v2/auth/authorize/"),
        ),
        Mode::TikTok(_) => (
            "https://open.tiktokapis.com".to_string(),
            "https://www.tiktok.com/v2/auth/authorize/".to_string(),
        ),
    };
    let api = read(src, "TIKTOK_API_BASE").unwrap_or(api_default);
    let auth = read(src, "TIKTOK_AUTH_URL").unwrap_or(auth_default);
    let api = Url::parse(&api).map_err(|_| {
        ConfigError::new(
            "TIKTOK_API_BASE",
            format!("'{api}' is not an absolute URL"),
            "https://open.tiktokapis.com",
        )
    })?;
    let auth = Url::parse(&auth).map_err(|_| {
        ConfigError::new(
            "TIKTOK_AUTH_URL",
            format!("'{auth}' is not an absolute URL"),
            "https://www.tiktok.com/v2/auth/authorize/",
        )
    })?;
    Ok((api, auth))
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
        assert!(c.mode.is_sandbox());
        assert_eq!(
            c.redirect_uri(),
            "http://127.0.0.1:3000/auth/tiktok/callback"
        );
        assert_eq!(c.chunk_size, 5_242_880);
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
        ] {
            let e = cfg(&[(name, value)]).expect_err(name);
            let line = e.to_string();
            assert_eq!(e.name, name, "{line}");
            assert!(line.contains("for example"), "{line}");
            assert!(!line.contains('\n'), "{line}");
        }
    }
}
