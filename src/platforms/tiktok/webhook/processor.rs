//! Applies stored events in the order they arrived, each once, through `WebhookEffects`. One
//! step (`step`) for tests; `run` loops over it, woken when an event is stored.

use std::sync::Arc;
use std::time::Duration;

use super::effects::WebhookEffects;
use super::event::{Envelope, Event};
use super::{TikTokWebhooks, store};

/// The first wait after an effect failed; it doubles up to `RETRY_CAP`.
const RETRY_FIRST_SECS: i64 = 10;
const RETRY_CAP_SECS: i64 = 60 * 60;
/// An event still failing this long after it arrived is given up: it was a hint, and polling
/// has long since told the outcome.
const GIVE_UP_AFTER_SECS: i64 = 24 * 60 * 60;
/// The loop looks at the table at least this often, even when nobody rings.
const IDLE_CHECK: Duration = Duration::from_secs(60);
/// Processed events are forgotten after this long: well past TikTok's 72 hours of retries, so
/// a late retry is still known as a duplicate.
const KEEP_SECS: i64 = 7 * 24 * 60 * 60;

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Nothing was due.
    Idle,
    /// Handed to the effects, which took it.
    Applied { id: i64 },
    /// An event Cast has no use for, or cannot read: marked processed untouched.
    Ignored { id: i64 },
    /// The effects failed; tried again at `retry_at` (Unix seconds).
    Retrying { id: i64, retry_at: i64 },
    /// The effects kept failing for a day: marked processed, given up.
    GaveUp { id: i64 },
}

pub struct WebhookProcessor<E> {
    hooks: TikTokWebhooks,
    effects: Arc<E>,
}

impl<E: WebhookEffects> WebhookProcessor<E> {
    pub(super) fn new(hooks: TikTokWebhooks, effects: Arc<E>) -> Self {
        Self { hooks, effects }
    }

    /// Takes the oldest due event and applies it.
    #[tracing::instrument(name = "tiktok_webhook_step", skip_all)]
    pub async fn step(&self) -> Result<Step, sqlx::Error> {
        let inner = &self.hooks.inner;
        let _one_at_a_time = inner.step.lock().await;
        let now = inner.clock.now();
        let Some(row) = store::next_due(&inner.db, now).await? else {
            return Ok(Step::Idle);
        };
        let event = Envelope::parse(row.body.as_bytes()).map_or_else(
            || Event::Unreadable("the body is not a JSON object".into()),
            |e| e.event(),
        );
        let applied = match event {
            Event::Publish { publish_id, event } => {
                tracing::info!(id = row.id, %publish_id, event = event.name(), "applying a TikTok webhook");
                self.effects.publish_event(&publish_id, event).await
            }
            Event::AuthorizationRemoved { open_id, reason } => {
                tracing::info!(id = row.id, %open_id, reason = reason.code(), "applying a TikTok webhook");
                self.effects.authorization_removed(&open_id, reason).await
            }
            Event::Ignored => {
                tracing::info!(id = row.id, event = %row.event, "TikTok webhook ignored: Cast has no use for it");
                store::mark_processed(&inner.db, row.id, now, "ignored", None).await?;
                return Ok(Step::Ignored { id: row.id });
            }
            Event::Unreadable(why) => {
                tracing::warn!(id = row.id, %why, "TikTok webhook ignored: cannot be read");
                store::mark_processed(&inner.db, row.id, now, "ignored", Some(&why)).await?;
                return Ok(Step::Ignored { id: row.id });
            }
        };
        match applied {
            Ok(()) => {
                store::mark_processed(&inner.db, row.id, now, "applied", None).await?;
                Ok(Step::Applied { id: row.id })
            }
            Err(e) => {
                let error = format!("{e:#}");
                let failures = row.attempts.saturating_add(1);
                match retry_at(now, row.received_at, failures) {
                    Some(at) => {
                        tracing::warn!(id = row.id, %error, retry_at = at, "a TikTok webhook could not be applied; trying again later");
                        store::mark_failed(&inner.db, row.id, &error, at).await?;
                        Ok(Step::Retrying {
                            id: row.id,
                            retry_at: at,
                        })
                    }
                    None => {
                        tracing::error!(id = row.id, %error, "a TikTok webhook could not be applied for a day; given up");
                        store::mark_processed(&inner.db, row.id, now, "given_up", Some(&error))
                            .await?;
                        Ok(Step::GaveUp { id: row.id })
                    }
                }
            }
        }
    }

    /// Applies events as they come, until the task is dropped. Events left unprocessed by a
    /// crash are found at the first look.
    pub async fn run(self) {
        let inner = self.hooks.inner.clone();
        let mut next_purge = 0;
        loop {
            let mut failed = false;
            loop {
                match self.step().await {
                    Ok(Step::Idle) => break,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read the TikTok webhook events");
                        failed = true;
                        break;
                    }
                }
            }
            let now = inner.clock.now();
            if now >= next_purge {
                match store::purge(&inner.db, now - KEEP_SECS).await {
                    Ok(n) if n > 0 => {
                        tracing::info!(events = n, "old TikTok webhook events forgotten")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot forget old TikTok webhook events"),
                }
                next_purge = now + 60 * 60;
            }
            let now_ms = inner.clock.now_ms();
            let idle = now_ms + IDLE_CHECK.as_millis() as i64;
            let due = match store::next_run_at(&inner.db).await {
                Ok(Some(at)) => (at * 1000).min(idle),
                _ => idle,
            };
            // After a database error, pause a second rather than spin on it.
            let until = if failed { due.max(now_ms + 1000) } else { due };
            tokio::select! {
                () = inner.wake.notified() => {}
                () = inner.clock.sleep_until_ms(until) => {}
            }
        }
    }
}

/// When to try a failed event again (Unix seconds), or `None` to give up.
fn retry_at(now: i64, received_at: i64, failures: i64) -> Option<i64> {
    let deadline = received_at.saturating_add(GIVE_UP_AFTER_SECS);
    if now >= deadline {
        return None;
    }
    let doublings = u32::try_from(failures.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let wait = RETRY_FIRST_SECS
        .saturating_mul(1_i64 << doublings)
        .min(RETRY_CAP_SECS);
    Some(now.saturating_add(wait).min(deadline))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_events_wait_ten_seconds_doubling_to_an_hour_then_give_up_after_a_day() {
        assert_eq!(retry_at(100, 100, 1), Some(110));
        assert_eq!(retry_at(100, 100, 2), Some(120));
        assert_eq!(retry_at(100, 100, 10), Some(100 + RETRY_CAP_SECS));
        assert_eq!(
            retry_at(GIVE_UP_AFTER_SECS - 5, 0, 30),
            Some(GIVE_UP_AFTER_SECS)
        );
        assert_eq!(retry_at(GIVE_UP_AFTER_SECS, 0, 31), None);
    }
}
