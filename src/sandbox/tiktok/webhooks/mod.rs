//! The sandbox's webhooks (contract §12, "Webhooks"): section 14's events, signed as TikTok signs
//! them, sent to `CAST_SANDBOX_WEBHOOK_URL` by a real HTTP client.
//!
//! Nothing here runs inside an API answer but a queue insert: the ticker (`ticker`) notices the
//! moments time brings, the revoke endpoint and the posts page's buttons queue theirs where they
//! happen, and a delivery task (`deliver`) sends what is due. `step` is one pass of both
//! (`TikTokSandbox::step_webhooks`, for tests); `run` loops over it on the app's clock.

mod body;
mod deliver;
pub(super) mod listing;
mod moments;
pub(super) mod sender;
mod sign;
mod store;
mod ticker;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;

pub(super) use moments::is_public;

use super::SandboxState;
use super::store::publishes::Publish;
use crate::crypto::hash_token;

/// The loop looks for passed moments this often.
const TICK: Duration = Duration::from_secs(1);

/// `authorization.removed`'s reasons the sandbox gives (contract §14).
pub const REMOVED_BY_USER: i64 = 1;
pub const REVOKED_BY_DEVELOPER: i64 = 5;

/// What one pass of the webhooks did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WebhookStep {
    /// Events whose moments passed, newly queued.
    pub queued: usize,
    /// Delivery attempts made.
    pub sent: usize,
}

/// Notices the moments that have passed and sends every delivery due, once. Nothing when
/// webhooks are off.
pub(super) async fn step(state: &Arc<SandboxState>) -> Result<WebhookStep, sqlx::Error> {
    let state = web::Data::from(state.clone());
    let sender = &state.webhooks;
    let Some(url) = sender.url.clone() else {
        return Ok(WebhookStep::default());
    };
    let _one_pass = sender.step.lock().await;
    let queued = ticker::notice(&state, sender).await?;
    let sent = deliver::due(&state, sender, &url).await?;
    Ok(WebhookStep { queued, sent })
}

/// Sends webhooks as their moments pass, until the task is dropped; returns at once when they
/// are off.
pub(super) async fn run(state: Arc<SandboxState>) {
    if state.webhooks.url.is_none() {
        return;
    }
    loop {
        if let Err(e) = step(&state).await {
            tracing::warn!(error = %e, "sandbox: webhook pass failed");
        }
        let now = state.now_ms();
        let tick = now.saturating_add(TICK.as_millis() as i64);
        let next = match store::next_due_ms(&state.db).await {
            Ok(Some(at)) => at.min(tick),
            _ => tick,
        };
        // A batch left behind is due at once; still let the runtime breathe between passes.
        state.clock.sleep_until_ms(next.max(now + 50)).await;
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
        .queue_one(
            &state.db,
            state.now_ms(),
            &moment,
            moments::AUTHORIZATION_REMOVED,
            None,
            &body,
        )
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
            &state.db,
            state.now_ms(),
            &moment,
            moments::NO_LONGER_PUBLIC,
            Some(&p.publish_id),
            &body,
        )
        .await;
}
