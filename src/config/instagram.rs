//! Instagram's settings: the owner's Meta app (Instagram API with Instagram Login), or the
//! sandbox when there is none; the three Meta hosts and the Graph version (contract 1–3).

use url::Url;

use super::urls::{bind_port, http_url_setting};
use super::{ConfigError, PlatformMode, Secret, Source, read};

/// Where the sandbox is mounted under `BASE_URL`.
const SANDBOX_MOUNT: &str = "/sandbox/instagram";
/// The Graph version Cast was written against (contract section 1).
pub const DEFAULT_GRAPH_VERSION: &str = "v25.0";

/// The owner's app from Meta's App Dashboard → Instagram → API setup with Instagram login.
#[derive(Debug, Clone)]
pub struct InstagramCredentials {
    pub app_id: String,
    pub app_secret: Secret,
}

#[derive(Debug, Clone)]
pub struct InstagramSettings {
    /// Meta with the owner's app, or the built-in emulator (its knobs are
    /// `Config::instagram_sandbox`).
    pub mode: PlatformMode<InstagramCredentials, ()>,
    /// `https://www.instagram.com` (the consent page).
    pub auth_base: Url,
    /// `https://api.instagram.com` (the code exchange).
    pub oauth_base: Url,
    /// `https://graph.instagram.com` (tokens, the account, containers).
    pub graph_base: Url,
    /// `v25.0`: the version segment of every Graph path.
    pub graph_version: String,
}

impl InstagramSettings {
    pub fn from_source(src: &dyn Source, base_url: &Url) -> Result<Self, ConfigError> {
        let both = "set both (from Meta's App Dashboard → Instagram → API setup with Instagram login) or neither (sandbox)";
        let mode = match (
            read(src, "INSTAGRAM_APP_ID"),
            read(src, "INSTAGRAM_APP_SECRET"),
        ) {
            (None, None) => PlatformMode::Emulated(()),
            (Some(app_id), Some(secret)) => PlatformMode::Real(InstagramCredentials {
                app_id,
                app_secret: Secret::new(secret),
            }),
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "INSTAGRAM_APP_SECRET",
                    format!("is missing while INSTAGRAM_APP_ID is set: {both}"),
                    "your-instagram-app-secret",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    "INSTAGRAM_APP_ID",
                    format!("is missing while INSTAGRAM_APP_SECRET is set: {both}"),
                    "1234567890123456",
                ));
            }
        };
        let base = base_url.as_str().trim_end_matches('/');
        let (auth, oauth, graph) = match &mode {
            PlatformMode::Emulated(()) => (
                format!("{base}{SANDBOX_MOUNT}/www"),
                format!("{base}{SANDBOX_MOUNT}/api"),
                format!("{base}{SANDBOX_MOUNT}/graph"),
            ),
            PlatformMode::Real(_) => (
                "https://www.instagram.com".to_string(),
                "https://api.instagram.com".to_string(),
                "https://graph.instagram.com".to_string(),
            ),
        };
        let graph_version =
            read(src, "INSTAGRAM_GRAPH_VERSION").unwrap_or_else(|| DEFAULT_GRAPH_VERSION.into());
        if !valid_version(&graph_version) {
            return Err(ConfigError::new(
                "INSTAGRAM_GRAPH_VERSION",
                format!("'{graph_version}' is not a Graph version such as v25.0"),
                "v25.0",
            ));
        }
        Ok(Self {
            mode,
            auth_base: http_url_setting(
                src,
                "INSTAGRAM_AUTH_BASE",
                auth,
                "https://www.instagram.com",
            )?,
            oauth_base: http_url_setting(
                src,
                "INSTAGRAM_OAUTH_BASE",
                oauth,
                "https://api.instagram.com",
            )?,
            graph_base: http_url_setting(
                src,
                "INSTAGRAM_GRAPH_BASE",
                graph,
                "https://graph.instagram.com",
            )?,
            graph_version,
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
                &mut self.graph_base,
            ],
            port,
        );
    }
}

/// `v` then digits, a dot, digits: the only shape Meta's paths take.
fn valid_version(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else {
        return false;
    };
    let mut parts = rest.split('.');
    let (Some(major), Some(minor), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    [major, minor]
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<InstagramSettings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        InstagramSettings::from_source(&map, &Url::parse("http://127.0.0.1:3000").expect("url"))
    }

    #[test]
    fn without_an_app_instagram_is_the_sandbox_under_base_url() {
        let s = settings(&[]).expect("valid");
        assert!(s.is_emulated());
        assert_eq!(
            s.auth_base.as_str(),
            "http://127.0.0.1:3000/sandbox/instagram/www"
        );
        assert_eq!(
            s.graph_base.as_str(),
            "http://127.0.0.1:3000/sandbox/instagram/graph"
        );
        assert_eq!(s.graph_version, "v25.0");
    }

    #[test]
    fn with_an_app_instagram_is_meta_and_the_secret_stays_hidden() {
        let s = settings(&[
            ("INSTAGRAM_APP_ID", "1234567890123456"),
            ("INSTAGRAM_APP_SECRET", "shh-very-secret"),
        ])
        .expect("valid");
        assert!(!s.is_emulated());
        assert_eq!(s.oauth_base.as_str(), "https://api.instagram.com/");
        assert!(!format!("{s:?}").contains("shh-very-secret"));
    }

    #[test]
    fn one_credential_alone_names_the_missing_one() {
        let e = settings(&[("INSTAGRAM_APP_ID", "1")]).expect_err("refused");
        assert_eq!(e.name, "INSTAGRAM_APP_SECRET");
        let e = settings(&[("INSTAGRAM_APP_SECRET", "s")]).expect_err("refused");
        assert_eq!(e.name, "INSTAGRAM_APP_ID");
    }

    #[test]
    fn a_bad_host_or_version_names_the_setting() {
        let e = settings(&[("INSTAGRAM_GRAPH_BASE", "graph")]).expect_err("refused");
        assert_eq!(e.name, "INSTAGRAM_GRAPH_BASE");
        for bad in ["25.0", "v25", "vX.0", "v25.0.1"] {
            let e = settings(&[("INSTAGRAM_GRAPH_VERSION", bad)]).expect_err(bad);
            assert_eq!(e.name, "INSTAGRAM_GRAPH_VERSION");
        }
        let s = settings(&[("INSTAGRAM_GRAPH_VERSION", "v26.0")]).expect("valid");
        assert_eq!(s.graph_version, "v26.0");
    }
}
