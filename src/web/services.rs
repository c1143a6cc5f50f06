//! The app's services, built once from the settings: the domain, the platforms' clients (each
//! real or pointed at its sandbox), the notifier and the public links.

use std::sync::Arc;

use crate::accounts::{Accounts, Connections};
use crate::clock::Clock;
use crate::config::{Config, PlatformMode};
use crate::crypto::Keys;
use crate::disk::DiskSpace;
use crate::links::{LinkSettings, Links};
use crate::notify::{Notifier, NotifyError};
use crate::owner::Owner;
use crate::platforms::instagram::{self, Instagram};
use crate::platforms::tiktok::{self, TikTok, TikTokSettings};
use crate::platforms::youtube::{self, YouTube};
use crate::platforms::{PlatformId, Platforms};
use crate::posts::{PostSettings, Posts};
use crate::tus::BrowserUploads;

/// The app's services, built once: the domain, the platforms, the notifier.
pub(super) struct Services {
    pub(super) owner: Owner,
    pub(super) disk: DiskSpace,
    pub(super) tus: BrowserUploads,
    pub(super) notifier: Notifier,
    pub(super) accounts: Accounts,
    pub(super) connections: Connections,
    pub(super) posts: Posts,
    pub(super) tiktok: Arc<TikTok>,
    pub(super) youtube: Arc<YouTube>,
    pub(super) instagram: Arc<Instagram>,
    pub(super) links: Links,
}

impl Services {
    pub(super) fn build(
        config: &Config,
        db: &sqlx::SqlitePool,
        keys: &Keys,
        clock: &Clock,
        owner: Owner,
    ) -> Result<Self, NotifyError> {
        let disk = DiskSpace::default();
        let tus = BrowserUploads::new(
            db.clone(),
            clock.clone(),
            config.data_dir.clone(),
            config.partial_upload_ttl,
            config.max_upload_bytes,
            config.limits.clone(),
            disk.clone(),
        );
        let notifier = Notifier::new(db.clone(), clock.clone(), config.notify.clone())?;
        // Every platform's tokens are sealed with this key (bound to their account), under the
        // name it had when TikTok was the only platform.
        let accounts = Accounts::new(
            db.clone(),
            keys.sealer("tiktok-tokens"),
            clock.clone(),
            notifier.clone(),
            config.url(""),
        )
        .requiring(PlatformId::TikTok, &tiktok::REQUIRED_SCOPES)
        .requiring(PlatformId::YouTube, &youtube::REQUIRED_SCOPES)
        .requiring(PlatformId::Instagram, &instagram::SCOPES);
        // Public media links, each living at most PUBLIC_LINK_TTL: what Instagram and TikTok's
        // PULL_FROM_URL fetch.
        let links = Links::new(
            db.clone(),
            clock.clone(),
            config.base_url.as_str(),
            LinkSettings {
                ttl: config.public_link_ttl,
            },
        );
        let tiktok = Arc::new(TikTok::new(
            tiktok::Context::new(
                crate::platforms::tiktok::client::TikTokClient::from_config(config),
                accounts.clone(),
                db.clone(),
                TikTokSettings {
                    chunk_size: config.tiktok.chunk_size,
                    web_base: config.tiktok.web_base.clone(),
                    pull_prefix: config.tiktok.pull_url_prefix.clone(),
                    pull_always: config.tiktok.pull_always,
                },
            )
            .with_links(links.clone()),
        ));
        let youtube = Arc::new(YouTube::new(youtube::Context::new(
            youtube_client(config, clock),
            accounts.clone(),
            db.clone(),
            youtube::YouTubeSettings {
                chunk_size: youtube::ChunkSize::new(config.youtube.chunk_size)
                    .unwrap_or(youtube::ChunkSize::DEFAULT),
                data_dir: config.data_dir.clone(),
            },
        )));
        let instagram = Arc::new(Instagram::new(instagram::Context::new(
            instagram_client(config),
            accounts.clone(),
            db.clone(),
            links.clone(),
        )));
        let platforms = Platforms::default()
            .with(tiktok.clone())
            .with(youtube.clone())
            .with(instagram.clone());
        let connections = Connections::new(accounts.clone(), platforms.clone());
        let posts = Posts::new(
            db.clone(),
            platforms,
            accounts.clone(),
            tus.clone(),
            notifier.clone(),
            clock.clone(),
            PostSettings {
                spool_dir: config.data_dir.join("spool"),
                max_upload_bytes: config.max_upload_bytes,
                spool_retention: config.spool_retention,
                base_url: config.url(""),
                concurrency: config.worker_concurrency,
                step_deadline: PostSettings::STEP_DEADLINE,
                slice: PostSettings::SLICE,
            },
            links.clone(),
        );
        Ok(Self {
            owner,
            links,
            disk,
            tus,
            notifier,
            accounts,
            connections,
            posts,
            tiktok,
            youtube,
            instagram,
        })
    }
}

/// Instagram's client: the owner's Instagram app, or the sandbox's built-in one.
fn instagram_client(config: &Config) -> instagram::InstagramClient {
    let settings = &config.instagram;
    let (app_id, app_secret) = match &settings.mode {
        PlatformMode::Real(c) => (c.app_id.clone(), c.app_secret.clone()),
        PlatformMode::Emulated(()) => (
            instagram::SANDBOX_APP_ID.to_string(),
            crate::config::Secret::new(instagram::SANDBOX_APP_SECRET),
        ),
    };
    let endpoints = instagram::Endpoints::from_bases(
        settings.auth_base.as_str(),
        settings.oauth_base.as_str(),
        settings.graph_base.as_str(),
        &settings.graph_version,
    )
    .unwrap_or_else(instagram::Endpoints::instagram);
    instagram::InstagramClient::new(
        endpoints,
        app_id,
        app_secret,
        config.instagram_redirect_uri(),
    )
}

/// YouTube's client: Google with the owner's OAuth client, or the sandbox's built-in one.
fn youtube_client(config: &Config, clock: &Clock) -> youtube::YouTubeClient {
    let settings = &config.youtube;
    let (client_id, client_secret) = match &settings.mode {
        PlatformMode::Real(c) => (c.client_id.clone(), c.client_secret.clone()),
        PlatformMode::Emulated(()) => (
            crate::sandbox::youtube::CLIENT_ID.to_string(),
            crate::config::Secret::new(crate::sandbox::youtube::CLIENT_SECRET),
        ),
    };
    youtube::YouTubeClient::new(
        youtube::Endpoints {
            auth_base: settings.auth_base.clone(),
            oauth_base: settings.oauth_base.clone(),
            api_base: settings.api_base.clone(),
        },
        youtube::Credentials {
            client_id,
            client_secret,
            redirect_uri: config.youtube_redirect_uri(),
        },
        clock.clone(),
    )
}
