//! The notifier: `notify` queues an event in the outbox and returns at once; the delivery task
//! (`run`, or a test calling `deliver_due`) sends what is due, each channel in its own lane, and
//! retries failures with backoff. A channel that is down delays no post and no other channel.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;

use crate::clock::Clock;
use crate::config::notify::Channel;
use crate::config::notify::NotifySettings;
use crate::notify::backoff;
use crate::notify::email::Mailer;
use crate::notify::error::{NotifyError, Scrubber, SendError};
use crate::notify::event::{Event, EventKind, Payload};
use crate::notify::outbox::{self, Delivery};
use crate::notify::{http, ntfy, webhook};

/// Deliveries claimed per step.
const BATCH: i64 = 20;
/// Longer than a lane of `BATCH` deliveries can take, so a lease only lapses after a crash.
const LEASE: Duration = Duration::from_secs(30 * 60);
/// The delivery task looks at the outbox at least this often, even when nobody wakes it.
const IDLE_CHECK: Duration = Duration::from_secs(60);
/// Finished deliveries are forgotten after this long (and a duplicate that late is sent again).
const KEEP_FINISHED: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// What the settings page shows for one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelStatus {
    pub channel: Channel,
    pub configured: bool,
    /// Where it sends, with nothing secret (`https://ntfy.sh`, `smtp.example.com:465 → me@…`).
    pub destination: Option<String>,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
    /// The last failure's reason, free of secrets.
    pub last_error: Option<String>,
    /// Deliveries queued or waiting for a retry.
    pub pending: u64,
    /// Deliveries given up after retrying for a day.
    pub given_up: u64,
}

enum Outcome {
    Sent,
    /// `retry_at` is `None` when the delivery was given up.
    Failed {
        retry_at: Option<i64>,
    },
}

#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    db: SqlitePool,
    clock: Clock,
    settings: NotifySettings,
    http: reqwest::Client,
    mailer: Option<Mailer>,
    scrubber: Scrubber,
    wake: tokio::sync::Notify,
}

impl Notifier {
    /// A notifier over the app's database and clock, for the channels `settings` turn on.
    pub fn new(
        db: SqlitePool,
        clock: Clock,
        settings: NotifySettings,
    ) -> Result<Self, NotifyError> {
        let http = http::client().map_err(|e| NotifyError::Setup {
            channel: Channel::Webhook,
            message: e.to_string(),
        })?;
        let mailer = settings
            .email
            .as_ref()
            .map(Mailer::new)
            .transpose()
            .map_err(|e| NotifyError::Setup {
                channel: Channel::Email,
                message: e.to_string(),
            })?;
        let scrubber = Scrubber::new(settings.secrets());
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                clock,
                settings,
                http,
                mailer,
                scrubber,
                wake: tokio::sync::Notify::new(),
            }),
        })
    }

    pub fn settings(&self) -> &NotifySettings {
        &self.inner.settings
    }

    /// Queues `event` for every configured channel and returns without sending anything, so
    /// the caller (the worker at a final state) is never held up. Returns how many deliveries
    /// were queued: 0 when no channel is set up or the event's key was notified already.
    /// A post must never fail because of this: log an error and carry on.
    #[tracing::instrument(skip_all, fields(event = event.kind.as_str(), key = %event.key))]
    pub async fn notify(&self, event: Event) -> Result<usize, NotifyError> {
        let channels = self.inner.settings.channels();
        if channels.is_empty() {
            return Ok(0);
        }
        let now = self.inner.clock.now();
        let payload = serde_json::to_string(&event.payload(now))?;
        let mut tx = self.inner.db.begin().await?;
        let mut queued = 0;
        for channel in channels {
            if outbox::insert(&mut *tx, channel.as_str(), &event.key, &payload, now).await? {
                queued += 1;
            }
        }
        tx.commit().await?;
        if queued > 0 {
            self.inner.wake.notify_one();
        } else {
            tracing::debug!("already notified; not sent again");
        }
        Ok(queued)
    }

    /// One step of the delivery task: sends every due delivery (channels side by side), records
    /// each outcome, and returns how many were tried (0 when nothing was due).
    pub async fn deliver_due(&self) -> usize {
        let now = self.inner.clock.now();
        let lease_until = now + LEASE.as_secs() as i64;
        let due = match outbox::claim_due(&self.inner.db, now, lease_until, BATCH).await {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the notification outbox");
                return 0;
            }
        };
        let mut lanes: BTreeMap<String, Vec<Delivery>> = BTreeMap::new();
        for d in due {
            lanes.entry(d.channel.clone()).or_default().push(d);
        }
        let tried =
            futures_util::future::join_all(lanes.into_values().map(|lane| self.run_lane(lane)))
                .await;
        tried.into_iter().sum()
    }

    /// One channel's due deliveries, in order. After a failure the rest wait, untried, for that
    /// failure's retry: the channel is likely down, and each try could cost a full timeout.
    async fn run_lane(&self, lane: Vec<Delivery>) -> usize {
        let mut tried = 0;
        let mut rest = lane.into_iter();
        while let Some(d) = rest.next() {
            tried += 1;
            if let Outcome::Failed { retry_at } = self.deliver(&d).await {
                let ids: Vec<i64> = rest.map(|d| d.id).collect();
                let not_before = retry_at.unwrap_or_else(|| self.inner.clock.now());
                if let Err(e) = outbox::postpone(&self.inner.db, &ids, not_before).await {
                    tracing::error!(error = %e, "cannot put notification deliveries back");
                }
                break;
            }
        }
        tried
    }

    /// Sends one delivery and records the outcome.
    #[tracing::instrument(skip_all, fields(channel = %d.channel, delivery = d.id, attempt = d.attempts + 1))]
    async fn deliver(&self, d: &Delivery) -> Outcome {
        let result = match (
            d.channel.parse::<Channel>(),
            serde_json::from_str::<Payload>(&d.payload),
        ) {
            (Ok(channel), Ok(payload)) => {
                self.send(channel, &payload, &d.payload, &d.id.to_string())
                    .await
            }
            (Err(e), _) => Err(SendError::new(e.to_string())),
            (_, Err(e)) => Err(SendError::new(format!(
                "the stored event cannot be read: {e}"
            ))),
        };
        let now = self.inner.clock.now();
        let db = &self.inner.db;
        let (outcome, recorded) = match &result {
            Ok(()) => {
                tracing::info!("notification delivered");
                let recorded = match outbox::mark_sent(db, d.id, now).await {
                    Ok(()) => outbox::record_success(db, &d.channel, now).await,
                    Err(e) => Err(e),
                };
                (Outcome::Sent, recorded)
            }
            Err(error) => {
                let failures = u32::try_from(d.attempts + 1).unwrap_or(u32::MAX);
                let retry_at = backoff::retry_at(now, d.created_at, failures);
                match retry_at {
                    Some(at) => {
                        tracing::warn!(%error, retry_in_s = at - now, "notification not delivered; will retry")
                    }
                    None => {
                        tracing::error!(%error, "notification not delivered; given up after a day of retries")
                    }
                }
                let recorded = match outbox::mark_failed(db, d.id, now, error.message(), retry_at)
                    .await
                {
                    Ok(()) => outbox::record_failure(db, &d.channel, now, error.message()).await,
                    Err(e) => Err(e),
                };
                (Outcome::Failed { retry_at }, recorded)
            }
        };
        if let Err(e) = recorded {
            tracing::error!(error = %e, "cannot record a notification's outcome");
        }
        outcome
    }

    /// Sends through one channel now; the error is already scrubbed of secrets.
    async fn send(
        &self,
        channel: Channel,
        payload: &Payload,
        body: &str,
        delivery: &str,
    ) -> Result<(), SendError> {
        let s = &self.inner.settings;
        let not_set_up = || {
            SendError::new(format!(
                "{} is not set up: set {}",
                channel.label(),
                channel.setting()
            ))
        };
        let result = match channel {
            Channel::Ntfy => match &s.ntfy {
                Some(n) => ntfy::send(&self.inner.http, n, payload).await,
                None => Err(not_set_up()),
            },
            Channel::Webhook => match &s.webhook {
                Some(w) => {
                    let now = self.inner.clock.now();
                    webhook::send(
                        &self.inner.http,
                        w,
                        delivery,
                        payload.event.as_str(),
                        body,
                        now,
                    )
                    .await
                }
                None => Err(not_set_up()),
            },
            Channel::Email => match &self.inner.mailer {
                Some(m) => m.send(payload, self.inner.clock.now_ms()).await,
                None => Err(not_set_up()),
            },
        };
        result.map_err(|e| self.inner.scrubber.clean(e))
    }

    /// "Send a test": one message through `channel` now, bypassing the outbox (no retry), with
    /// the outcome recorded for the settings page like any delivery's.
    #[tracing::instrument(skip(self))]
    pub async fn send_test(&self, channel: Channel) -> Result<(), SendError> {
        let now = self.inner.clock.now();
        let event = Event::new(
            EventKind::Test,
            format!("test:{now}"),
            "This is a test from Cast. Published, failed and waiting posts will be told here.",
        );
        let payload = event.payload(now);
        let body = serde_json::to_string(&payload)
            .map_err(|e| SendError::new(format!("the test event cannot be written: {e}")))?;
        let delivery = format!("test-{}", self.inner.clock.now_ms());
        let result = self.send(channel, &payload, &body, &delivery).await;
        if self.inner.settings.is_configured(channel) {
            let db = &self.inner.db;
            let recorded = match &result {
                Ok(()) => outbox::record_success(db, channel.as_str(), now).await,
                Err(e) => outbox::record_failure(db, channel.as_str(), now, e.message()).await,
            };
            if let Err(e) = recorded {
                tracing::error!(error = %e, "cannot record the test's outcome");
            }
        }
        match &result {
            Ok(()) => tracing::info!("test notification delivered"),
            Err(error) => tracing::warn!(%error, "test notification not delivered"),
        }
        result
    }

    /// Every channel, configured or not, with its latest outcomes and what is still queued.
    pub async fn status(&self) -> Result<Vec<ChannelStatus>, NotifyError> {
        let db = &self.inner.db;
        let rows = outbox::channel_rows(db).await?;
        let counts = outbox::counts(db).await?;
        Ok(Channel::ALL
            .into_iter()
            .map(|channel| {
                let row = rows.iter().find(|r| r.channel == channel.as_str());
                let (pending, given_up) = counts
                    .iter()
                    .find(|(c, _, _)| c == channel.as_str())
                    .map(|(_, p, g)| (*p as u64, *g as u64))
                    .unwrap_or((0, 0));
                ChannelStatus {
                    channel,
                    configured: self.inner.settings.is_configured(channel),
                    destination: self.inner.settings.destination(channel),
                    last_success_at: row.and_then(|r| r.last_success_at),
                    last_failure_at: row.and_then(|r| r.last_failure_at),
                    last_error: row.and_then(|r| r.last_error.clone()),
                    pending,
                    given_up,
                }
            })
            .collect())
    }

    /// The delivery task: steps whenever an event is queued, a retry falls due, or a minute
    /// passes; forgets month-old deliveries now and then. Runs until its task is dropped.
    pub async fn run(self) {
        let mut last_purge = i64::MIN;
        loop {
            let tried = self.deliver_due().await;
            let now = self.inner.clock.now();
            if now.saturating_sub(last_purge) >= 3_600 {
                last_purge = now;
                let before = now - KEEP_FINISHED.as_secs() as i64;
                match outbox::purge(&self.inner.db, before).await {
                    Ok(n) if n > 0 => tracing::info!(deliveries = n, "old notifications forgotten"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot forget old notifications"),
                }
            }
            if tried > 0 {
                continue;
            }
            let wait = match outbox::next_due(&self.inner.db).await {
                Ok(Some(at)) => Duration::from_secs(at.saturating_sub(now).clamp(1, 60) as u64),
                Ok(None) => IDLE_CHECK,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the notification outbox");
                    IDLE_CHECK
                }
            };
            tokio::select! {
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}
