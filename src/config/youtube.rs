//! YouTube's settings: the owner's Google OAuth client (or the sandbox when there is none), the
//! three Google hosts, and the chunk size of resumable uploads (contract sections 1, 10, 11).

use url::Url;

use super::urls::{bind_port, http_url_setting};
use super::{ConfigError, PlatformMode, Secret, Source, parse_number, read};

/// Every chunk but the last is a multiple of this (YouTube's 256 KiB).
pub const CHUNK_UNIT: u64 = 262_144;
/// 16 MiB: big enough to be efficient, small enough to resume cheaply.
pub const DEFAULT_CHUNK: u64 = 16 * 1024 * 1024;
/// Where the sandbox is mounted under `BASE_URL`.
const SANDBOX_MOUNT: &str = "/sandbox/youtube";

/// The owner's OAuth client from Google Cloud Console (a "Web application" client).
#[derive(Debug, Clone)]
pub struct YouTubeCredentials {
    pub client_id: String,
    pub client_secret: Secret,
}

#[derive(Debug, Clone)]
pub struct YouTubeSettings {
    /// Google with the owner's client, or the built-in emulator (its knobs are
    /// `Config::youtube_sandbox`).
    pub mode: PlatformMode<YouTubeCredentials, ()>,
    /// `https://accounts.google.com` (the consent page).
    pub auth_base: Url,
    /// `https://oauth2.googleapis.com` (token, revoke).
    pub oauth_base: Url,
    /// `https://www.googleapis.com` (`/youtube/v3` and `/upload/youtube/v3`).
    pub api_base: Url,
    /// Bytes per chunk `PUT`: a positive multiple of 262,144.
    pub chunk_size: u64,
}

/// For `YOUTUBE_CHUNK_SIZE`: a positive multiple of 256 KiB, as YouTube requires (contract 5.1).
pub fn validate_chunk_size(n: u64) -> Result<u64, String> {
    if n > 0 && n.is_multiple_of(CHUNK_UNIT) {
        Ok(n)
    } else {
        Err(format!(
            "{n} bytes is not a chunk size YouTube accepts: use a positive multiple of 262144 (256 KiB), such as 16777216"
        ))
    }
}

impl YouTubeSettings {
    pub fn from_source(src: &dyn Source, base_url: &Url) -> Result<Self, ConfigError> {
        let both = "set both (from Google Cloud Console → Clients) or neither (sandbox)";
        let mode = match (
            read(src, "YOUTUBE_CLIENT_ID"),
            read(src, "YOUTUBE_CLIENT_SECRET"),
        ) {
            (None, None) => PlatformMode::Emulated(()),
            (Some(client_id), Some(secret)) => PlatformMode::Real(YouTubeCredentials {
                client_id,
                client_secret: Secret::new(secret),
            }),
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "YOUTUBE_CLIENT_SECRET",
                    format!("is missing while YOUTUBE_CLIENT_ID is set: {both}"),
                    "GOCSPX-your-secret",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    "YOUTUBE_CLIENT_ID",
                    format!("is missing while YOUTUBE_CLIENT_SECRET is set: {both}"),
                    "1234-abc.apps.googleusercontent.com",
                ));
            }
        };
        let base = base_url.as_str().trim_end_matches('/');
        let (auth, oauth, api) = match &mode {
            PlatformMode::Emulated(()) => (
                format!("{base}{SANDBOX_MOUNT}/accounts"),
                format!("{base}{SANDBOX_MOUNT}/oauth2"),
                format!("{base}{SANDBOX_MOUNT}"),
            ),
            PlatformMode::Real(_) => (
                "https://accounts.google.com".to_string(),
                "https://oauth2.googleapis.com".to_string(),
                "https://www.googleapis.com".to_string(),
            ),
        };
        let chunk_size = parse_number(src, "YOUTUBE_CHUNK_SIZE", DEFAULT_CHUNK, "16777216")?;
        validate_chunk_size(chunk_size)
            .map_err(|e| ConfigError::new("YOUTUBE_CHUNK_SIZE", e, "16777216"))?;
        Ok(Self {
            mode,
            auth_base: http_url_setting(
                src,
                "YOUTUBE_AUTH_BASE",
                auth,
                "https://accounts.google.com",
            )?,
            oauth_base: http_url_setting(
                src,
                "YOUTUBE_OAUTH_BASE",
                oauth,
                "https://oauth2.googleapis.com",
            )?,
            api_base: http_url_setting(src, "YOUTUBE_API_BASE", api, "https://www.googleapis.com")?,
            chunk_size,
        })
    }

    pub fn is_emulated(&self) -> bool {
        matches!(self.mode, PlatformMode::Emulated(_))
    }

    /// Replaces port 0 in the derived URLs with the port actually bound.
    pub fn resolve_port(&mut self, port: u16) {
        bind_port(
            [
                &mut self.auth_base,
                &mut self.oauth_base,
                &mut self.api_base,
            ],
            port,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<YouTubeSettings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        YouTubeSettings::from_source(&map, &Url::parse("http://127.0.0.1:3000").expect("url"))
    }

    #[test]
    fn without_credentials_youtube_is_the_sandbox_under_base_url() {
        let s = settings(&[]).expect("valid");
        assert!(s.is_emulated());
        assert_eq!(
            s.auth_base.as_str(),
            "http://127.0.0.1:3000/sandbox/youtube/accounts"
        );
        assert_eq!(
            s.oauth_base.as_str(),
            "http://127.0.0.1:3000/sandbox/youtube/oauth2"
        );
        assert_eq!(s.api_base.as_str(), "http://127.0.0.1:3000/sandbox/youtube");
        assert_eq!(s.chunk_size, 16_777_216);
    }

    #[test]
    fn with_credentials_youtube_is_google() {
        let s = settings(&[
            ("YOUTUBE_CLIENT_ID", "1-a.apps.googleusercontent.com"),
            ("YOUTUBE_CLIENT_SECRET", "GOCSPX-x"),
        ])
        .expect("valid");
        assert!(!s.is_emulated());
        assert_eq!(s.api_base.as_str(), "https://www.googleapis.com/");
        assert!(!format!("{s:?}").contains("GOCSPX-x"));
    }

    #[test]
    fn one_credential_alone_names_the_missing_one() {
        let e = settings(&[("YOUTUBE_CLIENT_ID", "a")]).expect_err("refused");
        assert_eq!(e.name, "YOUTUBE_CLIENT_SECRET");
        let e = settings(&[("YOUTUBE_CLIENT_SECRET", "a")]).expect_err("refused");
        assert_eq!(e.name, "YOUTUBE_CLIENT_ID");
    }

    #[test]
    fn the_chunk_size_must_be_a_multiple_of_256_kib() {
        for bad in ["0", "100000", "262145", "lots"] {
            let e = settings(&[("YOUTUBE_CHUNK_SIZE", bad)]).expect_err(bad);
            assert_eq!(e.name, "YOUTUBE_CHUNK_SIZE");
        }
        let s = settings(&[("YOUTUBE_CHUNK_SIZE", "262144")]).expect("valid");
        assert_eq!(s.chunk_size, 262_144);
    }

    #[test]
    fn the_hosts_can_point_elsewhere() {
        let s = settings(&[("YOUTUBE_API_BASE", "http://emulator:9000/yt")]).expect("valid");
        assert_eq!(s.api_base.as_str(), "http://emulator:9000/yt");
        let e = settings(&[("YOUTUBE_OAUTH_BASE", "not a url")]).expect_err("refused");
        assert_eq!(e.name, "YOUTUBE_OAUTH_BASE");
    }
}
