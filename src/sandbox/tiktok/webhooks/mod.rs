//! The sandbox's webhooks (contract §12, "Webhooks"): section 14's events, signed as TikTok signs
//! them, sent to `CAST_SANDBOX_WEBHOOK_URL` by a real HTTP client.
//!
//! Nothing here runs inside an API answer but a queue insert: the ticker (`ticker`) notices the
//! moments time brings, the revoke endpoint and the posts page's buttons queue theirs where they
//! happen, and a delivery task (`deliver`) sends what is due. `TikTokSandbox::step_webhooks` is
//! one pass of both, for tests; `run_webhooks` loops over it on the app's clock.

mod body;
mod deliver;
pub(super) mod listing;
mod moments;
mod sign;
mod store;
mod ticker;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::web;

pub(super) use moments::is_public;

use super::store::publishes::Publish;
use super::{CLIENT_SECRET, SandboxState, TikTokSandbox};
use crate::config::tiktok_sandbox::{SandboxWebhookSettings, WebhookTarget};
use crate::crypto::hash_token;

/// Cast's receiver, below its origin (contract §12: the default `CAST_SANDBOX_WEBHOOK_URL`).
const CAST_RECEIVER: &str = "/webhooks/tiktok";
/// The loop looks for passed moments this often.
const TICK: Duration = Duration::from_secs(1);

/// `authorization.removed`'s reasons the sandbox gives (contract §14).
pub const REMOVED_BY_USER: i64 = 1;
pub const REVOKED_BY_DEVELOPER: i64 = 5;

/// The sending side's settings and counters, held in the sandbox's state.
pub(crate) struct Sender {
    settings: SandboxWebhookSettings,
    /// None: `CAST_SANDBOX_WEBHOOK_URL=off`.
    url: Option<String>,
    http: reqwest::Client,
    /// `post_id` goes as a string, then a number, in turn.
    post_id_turn: AtomicUsize,
    /// One pass at a time, whether the loop's or a test's.
    step: tokio::sync::Mutex<()>,
}

impl Sender {
    /// `origin`: Cast's `BASE_URL` (without a trailing slash), for the default target.
    pub fn new(settings: &SandboxWebhookSettings, origin: &str) -> Self {
        let url = match &settings.target {
            WebhookTarget::Cast => Some(format!("{origin}{CAST_RECEIVER}")),
            WebhookTarget::Off => None,
            WebhookTarget::Url(u) => Some(u.to_string()),
        };
        Self {
            settings: settings.clone(),
            url,
            http: deliver::client(),
            post_id_turn: AtomicUsize::new(0),
            step: tokio::sync::Mutex::new(()),
        }
    }

    /// The key deliveries are signed with: the client secret, or a wrong one on request.
    fn signing_secret(&self) -> String {
        if self.settings.bad_signature {
            format!("{CLIENT_SECRET}-but-wrong")
        } else {
            CLIENT_SECRET.to_string()
        }
    }

    fn next_post_id_as_string(&self) -> bool {
        self.post_id_turn
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(2)
    }

    /// Queues the deliveries of events just queued together for one post: newest first with
    /// `CAST_SANDBOX_WEBHOOK_REORDER=1`, and each event's duplicates after all the originals,
    /// so a copy arrives after a later event, as retries make happen at TikTok.
    async fn queue(&self, state: &SandboxState, fresh: &[i64]) -> Result<(), sqlx::Error> {
        let mut order = fresh.to_vec();
        if self.settings.reorder {
            order.reverse();
        }
        let delay = i64::try_from(self.settings.delay.as_millis()).unwrap_or(i64::MAX / 2);
        let due = state.now_ms().saturating_add(delay);
        for copy in 0..=self.settings.duplicates {
            for id in &order {
                store::insert_delivery(&state.db, *id, copy, due).await?;
            }
        }
        Ok(())
    }

    /// Queues one event made by a person's action; a failure is logged, never the action's.
    async fn queue_one(
        &self,
        state: &SandboxState,
        moment: &str,
        event: &str,
        publish_id: Option<&str>,
        body: &str,
    ) {
        if self.url.is_none() {
            return;
        }
        let queued = async {
            let id =
                store::insert_event(&state.db, moment, event, publish_id, body, state.now_ms())
                    .await?;
            if let Some(id) = id {
                self.queue(state, &[id]).await?;
            }
            Ok::<_, sqlx::Error>(())
        };
        if let Err(e) = queued.await {
            tracing::error!(error = %e, event, "sandbox: cannot queue a webhook");
        }
    }
}

/// What one pass of the webhooks did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WebhookStep {
    /// Events whose moments passed, newly queued.
    pub queued: usize,
    /// Delivery attempts made.
    pub sent: usize,
}

impl TikTokSandbox {
    /// Notices the moments that have passed and sends every delivery due, once. Nothing when
    /// webhooks are off.
    pub async fn step_webhooks(&self) -> Result<WebhookStep, sqlx::Error> {
        let state = web::Data::from(self.state.clone());
        let sender = &state.webhooks;
        let Some(url) = sender.url.clone() else {
            return Ok(WebhookStep::default());
        };
        let _one_pass = sender.step.lock().await;
        let queued = ticker::notice(&state, sender).await?;
        let sent = deliver::due(&state, sender, &url).await?;
        Ok(WebhookStep { queued, sent })
    }

    /// Sends webhooks as their moments pass, until the task is dropped; returns at once when
    /// they are off.
    pub async fn run_webhooks(self) {
        if self.state.webhooks.url.is_none() {
            return;
        }
        loop {
            if let Err(e) = self.step_webhooks().await {
                tracing::warn!(error = %e, "sandbox: webhook pass failed");
            }
            let now = self.state.now_ms();
            let tick = now.saturating_add(TICK.as_millis() as i64);
            let next = match store::next_due_ms(&self.state.db).await {
                Ok(Some(at)) => at.min(tick),
                _ => tick,
            };
            // A batch left behind is due at once; still let the runtime breathe between passes.
            self.state.clock.sleep_until_ms(next.max(now + 50)).await;
        }
    }
}

/// A grant about to be revoked through the API, remembered so its removal can be announced
/// once the tokens are gone.
pub(super) struct Removal {
    grant_id: i64,
    open_id: String,
}

impl Removal {
    /// The live grant behind `token`, if any; looked up before the revoke deletes its tokens.
    pub async fn of_token(state: &SandboxState, token: &str) -> Option<Self> {
        match store::live_grant_of_token(&state.db, &hash_token(token)).await {
            Ok(found) => found.map(|(grant_id, open_id)| Self { grant_id, open_id }),
            Err(e) => {
                tracing::error!(error = %e, "sandbox: cannot look up the grant being revoked");
                None
            }
        }
    }

    pub async fn announce(self, state: &SandboxState, reason: i64) {
        announce_removal(state, &[self.grant_id], &self.open_id, reason).await;
    }
}

/// `authorization.removed` for a creator whose `grants` just ended.
pub(super) async fn announce_removal(
    state: &SandboxState,
    grants: &[i64],
    open_id: &str,
    reason: i64,
) {
    let Some(first) = grants.iter().min() else {
        return;
    };
    let content = serde_json::json!({ "reason": reason });
    let body = body::envelope(
        moments::AUTHORIZATION_REMOVED,
        state.now_ms(),
        open_id,
        &content,
    );
    let moment = format!("{}:{first}", moments::AUTHORIZATION_REMOVED);
    state
        .webhooks
        .queue_one(state, &moment, moments::AUTHORIZATION_REMOVED, None, &body)
        .await;
}

/// `post.publish.no_longer_publicaly_available` for a post the creator just took down.
pub(super) async fn announce_take_down(state: &SandboxState, p: &Publish, post_id: i64) {
    let sender = &state.webhooks;
    let content = serde_json::json!({
        "publish_id": p.publish_id,
        "post_id": body::post_id_value(post_id, sender.next_post_id_as_string()),
        "publish_type": body::publish_type(&p.mode, p.downgraded),
    });
    let body = body::envelope(
        moments::NO_LONGER_PUBLIC,
        state.now_ms(),
        &p.open_id,
        &content,
    );
    let moment = format!("{}:{}", moments::NO_LONGER_PUBLIC, p.publish_id);
    sender
        .queue_one(
            state,
            &moment,
            moments::NO_LONGER_PUBLIC,
            Some(&p.publish_id),
            &body,
        )
        .await;
}
