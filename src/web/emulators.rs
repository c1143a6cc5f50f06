//! The platforms Cast emulates in this run, and where each is mounted.

use std::sync::Arc;

use actix_web::web;

use super::gate::CastGate;
use super::templates::Emulated;
use crate::clock::Clock;
use crate::config::{Config, PlatformMode};
use crate::owner::Owner;
use crate::sandbox::instagram::InstagramSandbox;
use crate::sandbox::tiktok::{Placement, TikTokSandbox};
use crate::sandbox::youtube::YouTubeSandbox;

/// The platforms Cast emulates in this run, each mounted in its own scope. Which they are is
/// decided here and nowhere else: a platform without credentials runs against its emulator.
#[derive(Clone)]
pub(super) struct Emulators {
    pub(super) tiktok: Option<TikTokSandbox>,
    pub(super) youtube: Option<YouTubeSandbox>,
    pub(super) instagram: Option<InstagramSandbox>,
}

impl Emulators {
    pub(super) fn build(
        config: &Config,
        db: &sqlx::SqlitePool,
        clock: &Clock,
        owner: &Owner,
    ) -> Self {
        let gate: crate::sandbox::gate::Gate = Arc::new(CastGate::new(owner.clone()));
        let files = config.data_dir.join("sandbox");
        // The emulators read the same clock as Cast: a test that moves it moves them too.
        let tiktok = match &config.tiktok.mode {
            PlatformMode::Emulated(settings) => Some(TikTokSandbox::new(
                settings.clone(),
                db.clone(),
                clock.clone(),
                gate.clone(),
                Placement {
                    origin: config.url(""),
                    files_dir: files.clone(),
                    redirect_uri: config.redirect_uri(),
                },
            )),
            PlatformMode::Real(_) => None,
        };
        let youtube = config.youtube.is_emulated().then(|| {
            YouTubeSandbox::new(
                config.youtube_sandbox.clone(),
                db.clone(),
                clock.clone(),
                gate.clone(),
                config.url(""),
                files.join("youtube"),
                config.youtube_redirect_uri(),
            )
        });
        let instagram = config.instagram.is_emulated().then(|| {
            InstagramSandbox::new(
                config.instagram_sandbox.clone(),
                db.clone(),
                clock.clone(),
                gate,
                config.url(""),
                files.join("instagram"),
                config.instagram_redirect_uri(),
            )
        });
        Self {
            tiktok,
            youtube,
            instagram,
        }
    }

    /// The platforms Cast posts to through an emulator, for the banner.
    pub(super) fn named(&self) -> Vec<Emulated> {
        let tiktok = self.tiktok.iter().map(|_| Emulated {
            name: "TikTok",
            received_url: format!("{}/_/", crate::sandbox::tiktok::MOUNT),
            real_with: "Set TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET",
        });
        let youtube = self.youtube.iter().map(|_| Emulated {
            name: "YouTube",
            received_url: "/sandbox/youtube/_/".to_string(),
            real_with: "Set YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET",
        });
        let instagram = self.instagram.iter().map(|_| Emulated {
            name: "Instagram",
            received_url: format!("{}/_/posts", crate::sandbox::instagram::MOUNT),
            real_with: "Set INSTAGRAM_APP_ID and INSTAGRAM_APP_SECRET",
        });
        tiktok.chain(youtube).chain(instagram).collect()
    }

    pub(super) fn configure(&self, cfg: &mut web::ServiceConfig) {
        if let Some(tiktok) = &self.tiktok {
            tiktok.configure(cfg);
        }
        if let Some(youtube) = &self.youtube {
            youtube.configure(cfg);
        }
        if let Some(instagram) = &self.instagram {
            instagram.configure(cfg);
        }
    }
}
