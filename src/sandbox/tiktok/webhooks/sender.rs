//! The sending side of the sandbox's webhooks: its settings, where deliveries go, the HTTP
//! client and the queue they wait in. Held in the sandbox's state, so it names nothing of it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::SqlitePool;

use super::store;
use crate::config::tiktok_sandbox::{SandboxWebhookSettings, WebhookTarget};

/// Cast's receiver, below its origin (contract §12: the default `CAST_SANDBOX_WEBHOOK_URL`).
const CAST_RECEIVER: &str = "/webhooks/tiktok";

/// The sending side's settings and counters, held in the sandbox's state.
pub(crate) struct Sender {
    pub(super) settings: SandboxWebhookSettings,
    secret: String,
    /// None: `CAST_SANDBOX_WEBHOOK_URL=off`.
    pub(super) url: Option<String>,
    pub(super) http: reqwest::Client,
    /// `post_id` goes as a string, then a number, in turn.
    pub(super) post_id_turn: AtomicUsize,
    /// One pass at a time, whether the loop's or a test's.
    pub(super) step: tokio::sync::Mutex<()>,
}

impl Sender {
    /// `origin`: Cast's `BASE_URL` (without a trailing slash), for the default target.
    /// `secret`: the sandbox app's client secret, which signs every delivery.
    pub fn new(settings: &SandboxWebhookSettings, origin: &str, secret: &str) -> Self {
        let url = match &settings.target {
            WebhookTarget::Cast => Some(format!("{origin}{CAST_RECEIVER}")),
            WebhookTarget::Off => None,
            WebhookTarget::Url(u) => Some(u.to_string()),
        };
        Self {
            settings: settings.clone(),
            url,
            http: client(),
            secret: secret.to_string(),
            post_id_turn: AtomicUsize::new(0),
            step: tokio::sync::Mutex::new(()),
        }
    }

    /// The key deliveries are signed with: the client secret, or a wrong one on request.
    pub(super) fn signing_secret(&self) -> String {
        if self.settings.bad_signature {
            format!("{}-but-wrong", self.secret)
        } else {
            self.secret.clone()
        }
    }

    pub(super) fn next_post_id_as_string(&self) -> bool {
        self.post_id_turn
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(2)
    }

    /// Queues the deliveries of events just queued together for one post: newest first with
    /// `CAST_SANDBOX_WEBHOOK_REORDER=1`, and each event's duplicates after all the originals,
    /// so a copy arrives after a later event, as retries make happen at TikTok.
    pub(super) async fn queue(
        &self,
        db: &SqlitePool,
        now_ms: i64,
        fresh: &[i64],
    ) -> Result<(), sqlx::Error> {
        let mut order = fresh.to_vec();
        if self.settings.reorder {
            order.reverse();
        }
        let delay = i64::try_from(self.settings.delay.as_millis()).unwrap_or(i64::MAX / 2);
        let due = now_ms.saturating_add(delay);
        for copy in 0..=self.settings.duplicates {
            for id in &order {
                store::insert_delivery(db, *id, copy, due).await?;
            }
        }
        Ok(())
    }

    /// Queues one event made by a person's action; a failure is logged, never the action's.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn queue_one(
        &self,
        db: &SqlitePool,
        now_ms: i64,
        moment: &str,
        event: &str,
        publish_id: Option<&str>,
        body: &str,
    ) {
        if self.url.is_none() {
            return;
        }
        let queued = async {
            let id = store::insert_event(db, moment, event, publish_id, body, now_ms).await?;
            if let Some(id) = id {
                self.queue(db, now_ms, &[id]).await?;
            }
            Ok::<_, sqlx::Error>(())
        };
        if let Err(e) = queued.await {
            tracing::error!(error = %e, event, "sandbox: cannot queue a webhook");
        }
    }
}

/// The HTTP client deliveries go through: no redirects followed (TikTok follows none either),
/// and a receiver that does not answer within ten seconds counts as a failed delivery.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent("TikTok-Sandbox-Webhooks")
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}
