//! The TikTok sandbox: TikTok's OAuth and Content Posting API, emulated on Cast's own port.

pub mod settings;

use actix_web::web;
use sqlx::SqlitePool;

use crate::config::Config;
use settings::SandboxSettings;

#[derive(Clone)]
pub struct Sandbox {
    #[allow(dead_code)]
    settings: SandboxSettings,
    #[allow(dead_code)]
    db: SqlitePool,
}

impl Sandbox {
    pub fn new(settings: SandboxSettings, db: SqlitePool, _config: &Config) -> Self {
        Self { settings, db }
    }

    pub fn configure(&self, _cfg: &mut web::ServiceConfig) {}
}
