//! TikTok's settings: the developer app's credentials (or the sandbox's knobs when there are
//! none), where TikTok is, and how Cast cuts videos into chunks for it.

use url::Url;

use super::tiktok_sandbox::TikTokSandboxSettings;
use super::urls::{bind_port, http_url_setting};
use super::{ConfigError, PlatformMode, Secret, Source, parse_number, parse_switch, read};

/// Chunk bounds that hold under both readings of TikTok's "MB" (10^6 or 2^20 bytes), contract §6.
pub const MIN_CHUNK: u64 = 5_242_880;
pub const MAX_CHUNK: u64 = 64_000_000;
pub const MAX_LAST_CHUNK: u64 = 128_000_000;
pub const MAX_VIDEO: u64 = 4_000_000_000;
pub const MAX_CHUNKS: u32 = 1000;

/// The app's TikTok credentials, when the owner has configured a real TikTok app.
#[derive(Debug, Clone)]
pub struct TikTokCredentials {
    pub client_key: String,
    pub client_secret: Secret,
}

#[derive(Debug, Clone)]
pub struct TikTokSettings {
    /// TikTok itself with the owner's app, or the built-in emulator with its knobs.
    pub mode: PlatformMode<TikTokCredentials, TikTokSandboxSettings>,
    /// TikTok's API host; the sandbox's mount point when emulated.
    pub api_base: Url,
    /// TikTok's consent page.
    pub auth_url: Url,
    /// Where posts and profiles are seen (`https://www.tiktok.com`); the sandbox's pages when emulated.
    pub web_base: Url,
    pub chunk_size: u64,
    /// Ask for `video.list` and find post ids in the video list when status fetch lacks them.
    pub lookup_post_ids: bool,
    /// `TIKTOK_PULL_URL_PREFIX`: a URL prefix verified in TikTok's portal that covers Cast's
    /// public links (`{BASE_URL}/m/`). Set, TikTok may pull videos from Cast (contract §15.1).
    pub pull_url_prefix: Option<String>,
    /// `TIKTOK_PULL_ALWAYS=1`: every video goes by PULL_FROM_URL, not only when TikTok refuses
    /// every chunk plan.
    pub pull_always: bool,
}

/// For the `TIKTOK_CHUNK_SIZE` setting: a chunk size valid under both readings of "MB".
pub fn validate_chunk_size(n: u64) -> Result<u64, String> {
    if (MIN_CHUNK..=MAX_CHUNK).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "{n} bytes is not a chunk size TikTok accepts: use 5242880 to 64000000"
        ))
    }
}

impl TikTokSettings {
    pub fn from_source(src: &dyn Source, base_url: &Url) -> Result<Self, ConfigError> {
        let mode = match (
            read(src, "TIKTOK_CLIENT_KEY"),
            read(src, "TIKTOK_CLIENT_SECRET"),
        ) {
            (None, None) => PlatformMode::Emulated(TikTokSandboxSettings::from_source(src)?),
            (Some(client_key), Some(secret)) => PlatformMode::Real(TikTokCredentials {
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
        let base = base_url.as_str().trim_end_matches('/');
        let (api, auth, web) = match &mode {
            PlatformMode::Emulated(_) => (
                format!("{base}/sandbox/tiktok"),
                format!("{base}/sandbox/tiktok/v2/auth/authorize/"),
                format!("{base}/sandbox/tiktok/web"),
            ),
            PlatformMode::Real(_) => (
                "https://open.tiktokapis.com".to_string(),
                "https://www.tiktok.com/v2/auth/authorize/".to_string(),
                "https://www.tiktok.com".to_string(),
            ),
        };
        let api_base =
            http_url_setting(src, "TIKTOK_API_BASE", api, "https://open.tiktokapis.com")?;
        let auth_url = http_url_setting(
            src,
            "TIKTOK_AUTH_URL",
            auth,
            "https://www.tiktok.com/v2/auth/authorize/",
        )?;
        let web_base = Url::parse(&web).map_err(|_| {
            ConfigError::new(
                "BASE_URL",
                format!("'{base}' cannot carry the sandbox's pages"),
                "https://cast.example.com",
            )
        })?;
        let chunk_size = parse_number(src, "TIKTOK_CHUNK_SIZE", MIN_CHUNK, "5242880")?;
        validate_chunk_size(chunk_size)
            .map_err(|e| ConfigError::new("TIKTOK_CHUNK_SIZE", e, "5242880"))?;
        let pull_url_prefix = read(src, "TIKTOK_PULL_URL_PREFIX")
            .map(|raw| pull_prefix(&raw, base_url, matches!(mode, PlatformMode::Real(_))))
            .transpose()?;
        let pull_always = parse_switch(src, "TIKTOK_PULL_ALWAYS")?;
        if pull_always && pull_url_prefix.is_none() {
            return Err(ConfigError::new(
                "TIKTOK_PULL_URL_PREFIX",
                "is needed by TIKTOK_PULL_ALWAYS=1: set the URL prefix you verified in TikTok's developer portal",
                "https://cast.example.com/m/",
            ));
        }
        Ok(Self {
            mode,
            api_base,
            auth_url,
            web_base,
            chunk_size,
            lookup_post_ids: parse_switch(src, "TIKTOK_LOOKUP_POST_IDS")?,
            pull_url_prefix,
            pull_always,
        })
    }

    pub fn is_emulated(&self) -> bool {
        matches!(self.mode, PlatformMode::Emulated(_))
    }

    /// Replaces port 0 in the derived URLs with the port actually bound.
    pub fn resolve_port(&mut self, port: u16) {
        bind_port(
            [&mut self.api_base, &mut self.auth_url, &mut self.web_base],
            port,
        );
    }
}

/// A URL prefix as TikTok verifies one (§15.1: `https://` + host + path + `/`) that covers
/// `{BASE_URL}/m/`, where Cast's links live. The sandbox waives https, as it does for BASE_URL.
fn pull_prefix(raw: &str, base_url: &Url, real: bool) -> Result<String, ConfigError> {
    const NAME: &str = "TIKTOK_PULL_URL_PREFIX";
    let base = base_url.as_str().trim_end_matches('/');
    let example = format!("{base}{}", super::public_link::PATH_PREFIX);
    let bad = |why: String| ConfigError::new(NAME, why, "https://cast.example.com/m/");
    let url = Url::parse(raw).map_err(|_| bad(format!("'{raw}' is not an absolute URL")))?;
    if real && url.scheme() != "https" {
        return Err(bad(format!(
            "'{raw}' must be https: TikTok pulls only over https"
        )));
    }
    if !raw.ends_with('/') {
        return Err(bad(format!(
            "'{raw}' must end with '/', as TikTok's URL prefixes do"
        )));
    }
    if !example.starts_with(raw) {
        return Err(bad(format!(
            "'{raw}' does not cover Cast's public links, which live under {example}: verify that prefix (or one above it) in TikTok's portal and set it here"
        )));
    }
    Ok(raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pull_prefix_must_cover_the_links_and_end_with_a_slash() {
        let base = Url::parse("https://cast.example.com").expect("url");
        for ok in ["https://cast.example.com/m/", "https://cast.example.com/"] {
            assert_eq!(pull_prefix(ok, &base, true).expect(ok), ok);
        }
        for (bad, says) in [
            ("https://cast.example.com/m", "end with '/'"),
            ("https://cast.example.com/pull/", "does not cover"),
            ("http://cast.example.com/m/", "must be https"),
            ("cast.example.com/m/", "absolute URL"),
        ] {
            let e = pull_prefix(bad, &base, true).expect_err(bad);
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
        let local = Url::parse("http://127.0.0.1:3000").expect("url");
        assert!(pull_prefix("http://127.0.0.1:3000/m/", &local, false).is_ok());
    }
}
