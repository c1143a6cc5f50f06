//! The TikTok emulator as the app factory sees it: built once, mounted in each HTTP worker.

use std::sync::Arc;

use actix_web::web;
use sqlx::SqlitePool;

use super::webhooks::{self, WebhookStep};
use super::{Placement, SandboxState, routes};
use crate::clock::Clock;
use crate::config::tiktok_sandbox::TikTokSandboxSettings as SandboxSettings;
use crate::sandbox::gate::Gate;

/// The TikTok emulator, built once and mounted in each HTTP worker.
#[derive(Clone)]
pub struct TikTokSandbox {
    state: Arc<SandboxState>,
}

impl TikTokSandbox {
    /// `clock`: the one Cast reads, so a test that moves it moves TikTok's time too. `gate`
    /// answers whether a request to the consent page or the `_` pages is the owner's.
    pub fn new(
        settings: SandboxSettings,
        db: SqlitePool,
        clock: Clock,
        gate: Gate,
        placement: Placement,
    ) -> Self {
        let state = SandboxState::new(settings, db, clock, gate, placement);
        Self {
            state: Arc::new(state),
        }
    }

    /// Mounts the sandbox under `/sandbox/tiktok`. Called once per worker: the state is shared,
    /// so rate limits and fault counters hold across workers.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        routes::configure(cfg, web::Data::from(self.state.clone()));
    }

    /// Returns once every media check started so far has recorded its verdict: what a test
    /// waits for between two status polls, instead of sleeping.
    pub async fn checks_settled(&self) {
        self.state.checks.settled().await
    }

    /// Changes with each chunk stored: a test reads the listing, then awaits `changed()` before
    /// reading it again, instead of polling.
    pub fn chunk_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.state.chunks.subscribe()
    }

    /// Notices the webhook moments that have passed and sends every delivery due, once.
    pub async fn step_webhooks(&self) -> Result<WebhookStep, sqlx::Error> {
        webhooks::step(&self.state).await
    }

    /// Sends webhooks as their moments pass, until the task is dropped.
    pub async fn run_webhooks(self) {
        webhooks::run(self.state).await
    }
}
