//! How a platform records what happens during a step: each event goes through `transition`
//! at once, and the recorder keeps the target as it now is for the next one.

use std::sync::Mutex;

use futures_util::future::BoxFuture;

use super::arrival::{self, Need, Waited};
use super::core::Core;
use super::model::{Post, Target};
use super::transition::{self, TransitionError};
use super::{paused, repository};
use crate::platforms::{Event, Recorder, Stop};

/// How long a target waiting for the phone sleeps if no PATCH wakes it first.
const IDLE_PAUSE_SECS: i64 = 30;

pub struct StepRecorder<'a> {
    core: &'a Core,
    post: &'a Post,
    target: Mutex<Target>,
    /// When the step began (app clock, ms): it yields once its slice is used.
    started_ms: i64,
}

impl<'a> StepRecorder<'a> {
    pub fn new(core: &'a Core, post: &'a Post, target: Target) -> Self {
        Self {
            core,
            post,
            target: Mutex::new(target),
            started_ms: core.clock.now_ms(),
        }
    }

    /// The target as last recorded.
    pub fn current(&self) -> Target {
        self.target
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits on the video (see `arrival`). A target with nothing to send until the phone sends
    /// more pauses: the next PATCH or the check's outcome takes it up sooner than the pause.
    async fn wait(&self, need: Need) -> Result<bool, Stop> {
        let yielding = || self.should_yield();
        match arrival::wait(self.core, &self.post.id, need, &yielding).await {
            Ok(Waited::Ready) => Ok(true),
            Ok(Waited::Yield) => Ok(false),
            Ok(Waited::Idle) => {
                tracing::info!(?need, "waiting for more of the video to arrive");
                self.apply(&Event::Pause {
                    until: self.core.clock.now() + IDLE_PAUSE_SECS,
                })
                .await?;
                self.take_up_if_moved(need).await;
                Ok(false)
            }
            Ok(Waited::Refused(words)) => Err(Stop::Event(Event::Refused {
                code: "video_refused".into(),
                message: words,
                definitive: true,
            })),
            Err(e) => Err(Stop::Store(e.to_string())),
        }
    }

    /// A PATCH that began between the wait's last look and the pause found nothing paused to
    /// wake; the target is taken up now instead of at the pause's end.
    async fn take_up_if_moved(&self, need: Need) {
        let moved = arrival::moved_meanwhile(self.core, &self.post.id, need).await;
        if matches!(moved, Ok(true))
            && let Err(e) = paused::take_up(self.core, &self.current().id).await
        {
            tracing::warn!(error = %e, "could not take the paused target up again");
        }
    }

    /// Applies `event`; `Gone` when the target moved meanwhile.
    pub async fn apply(&self, event: &Event) -> Result<(), Stop> {
        let target = self.current();
        match transition::apply(self.core, self.post, &target, event).await {
            Ok(updated) => {
                *self.target.lock().unwrap_or_else(|p| p.into_inner()) = updated;
                Ok(())
            }
            Err(TransitionError::Gone) => {
                tracing::info!(
                    event = event.name(),
                    "the target changed meanwhile; left as it is"
                );
                Err(Stop::Gone)
            }
            Err(TransitionError::NotAllowed(e)) => {
                // A platform reporting what cannot happen here: keep the row as it is.
                tracing::error!(event = event.name(), state = e.state.as_str(), "{e}");
                Err(Stop::Gone)
            }
            Err(TransitionError::Store(e)) => Err(Stop::Store(e.to_string())),
        }
    }
}

impl Recorder for StepRecorder<'_> {
    fn record(&self, event: Event) -> BoxFuture<'_, Result<(), Stop>> {
        Box::pin(async move { self.apply(&event).await })
    }

    fn now(&self) -> i64 {
        self.core.clock.now()
    }

    fn now_ms(&self) -> i64 {
        self.core.clock.now_ms()
    }

    fn should_yield(&self) -> bool {
        let slice = i64::try_from(self.core.settings.slice.as_millis()).unwrap_or(i64::MAX);
        self.core.is_stopping() || self.core.clock.now_ms() - self.started_ms >= slice
    }

    fn other_post_ids(&self) -> BoxFuture<'_, Result<Vec<String>, Stop>> {
        Box::pin(async move {
            let t = self.current();
            repository::taken_post_ids(&self.core.db, t.platform, &t.account_id, &t.id)
                .await
                .map_err(|e| Stop::Store(e.to_string()))
        })
    }

    fn arrived(&self, end: u64) -> BoxFuture<'_, Result<bool, Stop>> {
        Box::pin(self.wait(Need::Bytes(end)))
    }

    fn checked(&self) -> BoxFuture<'_, Result<bool, Stop>> {
        Box::pin(self.wait(Need::Check))
    }
}
