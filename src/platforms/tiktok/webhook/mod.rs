//! TikTok's webhooks, received (contract §14): `POST /webhooks/tiktok`, believed only with a
//! good `TikTok-Signature`, stored at once (duplicates dropped), answered 200, and applied later
//! by the processor through `WebhookEffects`, which `CoreEffects` implements over the
//! publishing core (`apply.rs`). Webhooks are optional: polling works without them, and they
//! only make outcomes known sooner.

mod apply;
mod effects;
mod event;
mod processor;
mod route;
mod signature;
mod store;

use std::sync::Arc;

use sqlx::SqlitePool;

use crate::clock::Clock;
use crate::config::{Config, PlatformMode, Secret};
use crate::platforms::tiktok::client::client::SANDBOX_CLIENT_SECRET;

pub use apply::CoreEffects;
pub use effects::{PublishEvent, RemovalReason, WebhookEffects};
pub use event::{Envelope, Event};
pub use processor::{Step, WebhookProcessor};
pub use route::{MAX_BODY_BYTES, resource};
pub use signature::{HEADER, MAX_AGE_SECS, MAX_AHEAD_SECS, SignatureError, SignatureHeader};
pub use store::StoredEvent;

/// Where TikTok delivers, below `BASE_URL`; outside Cast's login and CSRF (the signature is the check).
pub const PATH: &str = "/webhooks/tiktok";

/// The callback URL to paste in the TikTok developer portal.
pub fn callback_url(config: &Config) -> String {
    config.url(PATH)
}

/// How long after the last verified delivery webhooks count as working, so that polling may
/// slow down (`follow`); past it, polling is as if there were none.
pub const HEARD_RECENTLY_SECS: i64 = 24 * 60 * 60;

/// Whether a verified delivery arrived within `HEARD_RECENTLY_SECS` of `now`.
pub async fn heard_recently(db: &SqlitePool, now: i64) -> Result<bool, sqlx::Error> {
    Ok(store::last_received_at(db)
        .await?
        .is_some_and(|at| now - at <= HEARD_RECENTLY_SECS))
}

/// What an accepted delivery was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    Stored,
    /// Seen before: acknowledged and dropped.
    Duplicate,
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// Not TikTok, or not now: answered 401, nothing stored.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// Answered 503 so that TikTok delivers it again.
    #[error("cannot store the webhook event")]
    Store(#[from] sqlx::Error),
}

/// The receiving end: verifies and stores deliveries, and makes processors over what it stored.
#[derive(Clone)]
pub struct TikTokWebhooks {
    inner: Arc<Inner>,
}

struct Inner {
    db: SqlitePool,
    clock: Clock,
    secret: Secret,
    /// Rung when an event is stored, so the processor applies it without waiting for its next look.
    wake: tokio::sync::Notify,
    /// One step at a time, whichever processor takes it: an event is handed over once.
    step: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for TikTokWebhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TikTokWebhooks").finish_non_exhaustive()
    }
}

impl TikTokWebhooks {
    /// `secret`: the client secret TikTok signs with.
    pub fn new(db: SqlitePool, clock: Clock, secret: Secret) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                clock,
                secret,
                wake: tokio::sync::Notify::new(),
                step: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Signed with `TIKTOK_CLIENT_SECRET`, or with the sandbox client's secret when emulated.
    pub fn from_config(config: &Config, db: SqlitePool, clock: Clock) -> Self {
        let secret = match &config.tiktok.mode {
            PlatformMode::Real(c) => c.client_secret.clone(),
            PlatformMode::Emulated(_) => Secret::new(SANDBOX_CLIENT_SECRET),
        };
        Self::new(db, clock, secret)
    }

    /// Checks a delivery's signature and time, then stores it (unless seen before). Nothing is
    /// applied here: the caller answers 200 at once, as TikTok requires.
    pub async fn receive(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Receipt, ReceiveError> {
        let now = self.inner.clock.now();
        let signed_at = signature::verify(&self.inner.secret, signature, body, now)?;
        let envelope = Envelope::parse(body);
        let key = event::dedupe_key(envelope.as_ref(), body);
        let text = String::from_utf8_lossy(body);
        let fresh = store::insert(
            &self.inner.db,
            &store::NewEvent {
                dedupe_key: &key,
                event: envelope.as_ref().map_or("", |e| e.event.as_str()),
                create_time: envelope.as_ref().and_then(|e| e.create_time),
                user_openid: envelope.as_ref().and_then(|e| e.user_openid.as_deref()),
                body: &text,
                signed_at,
                received_at: now,
            },
        )
        .await?;
        let name = envelope.as_ref().map_or("", |e| e.event.as_str());
        if fresh {
            tracing::info!(event = name, "TikTok webhook stored");
            self.inner.wake.notify_one();
            Ok(Receipt::Stored)
        } else {
            tracing::info!(event = name, "TikTok webhook seen before; dropped");
            Ok(Receipt::Duplicate)
        }
    }

    /// A processor that applies stored events through `effects`.
    pub fn processor<E: WebhookEffects>(&self, effects: Arc<E>) -> WebhookProcessor<E> {
        WebhookProcessor::new(self.clone(), effects)
    }

    /// Every stored event, oldest first.
    pub async fn stored(&self) -> Result<Vec<StoredEvent>, sqlx::Error> {
        store::all(&self.inner.db).await
    }

    /// When the last verified delivery arrived (Unix seconds): a sign that webhooks work, by
    /// which polling may slow down.
    pub async fn last_received_at(&self) -> Result<Option<i64>, sqlx::Error> {
        store::last_received_at(&self.inner.db).await
    }
}
