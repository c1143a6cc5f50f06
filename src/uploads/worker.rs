//! The background worker: claims due jobs one at a time and moves each one step on
//! (init and send, or one status poll), recording everything in the job row.
//!
//! `try_execute_job` is the one step; tests call it to drive the queue deterministically.

use std::path::Path;
use std::time::Duration;

use tracing::Instrument as _;

use super::backoff::{self, MAX_ATTEMPTS, SCHEDULE_TEXT};
use super::repository::Outcome;
use super::service::remove_spool;
use super::{Job, JobState, UploadError, Uploads, link, poll, repository, spool, transfer};
use crate::accounts::AccountError;
use crate::platforms::tiktok::client::{ErrorKind, TikTokError};

/// A claimed job is this long the worker's; every acknowledged chunk extends it.
pub(super) const LEASE_SECS: i64 = 10 * 60;
/// The longest the worker sleeps with nothing due (a new job wakes it earlier).
const IDLE_MAX: Duration = Duration::from_secs(30);
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionOutcome {
    TaskCompleted,
    EmptyQueue,
}

/// Why a step stopped short, and so what happens to the job next.
#[derive(Debug)]
pub(super) enum StepError {
    /// Temporary trouble (429, 5xx, network): tried again on the schedule of `backoff`, and the
    /// job fails once it has lasted about an hour.
    Retry {
        code: String,
        message: String,
        after: Option<Duration>,
    },
    /// TikTok's upload is unusable (URL expired, or TikTok said the upload FAILED with its own
    /// `internal`): init again. Counts like a Retry.
    Restart {
        code: String,
        message: String,
        /// TikTok said FAILED: a delivered job may start over too (`lifecycle`).
        tiktok_said_failed: bool,
    },
    /// Retrying cannot help.
    Fail {
        code: String,
        message: String,
        /// TikTok said this upload FAILED: it is no longer delivered, so Retry may resend.
        tiktok_said_failed: bool,
    },
    /// Trouble while following TikTok's processing: never a failure before the processing bound
    /// (the video is at TikTok and may be published), so no attempt is counted.
    Follow {
        code: String,
        message: String,
        after: Duration,
    },
    /// Not a failure: a rate limit's slot or the next status poll is this far off.
    Wait(Duration),
    /// The job changed under the worker (e.g. cancelled); leave it be.
    Gone,
    Store(UploadError),
}

impl StepError {
    pub(super) fn fail(code: &str, message: impl Into<String>) -> Self {
        Self::Fail {
            code: code.to_string(),
            message: message.into(),
            tiktok_said_failed: false,
        }
    }

    pub(super) fn restart(code: &str, message: impl Into<String>) -> Self {
        Self::Restart {
            code: code.to_string(),
            message: message.into(),
            tiktok_said_failed: false,
        }
    }
}

impl From<TikTokError> for StepError {
    fn from(e: TikTokError) -> Self {
        let (code, message) = (e.code.clone(), e.to_string());
        match e.kind {
            ErrorKind::Retryable | ErrorKind::AccessTokenInvalid => Self::Retry {
                code,
                message,
                after: e.retry_after,
            },
            _ => Self::fail(&code, message),
        }
    }
}

impl From<AccountError> for StepError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::TikTok(t) => t.into(),
            AccountError::NeedsReconnect(_) => Self::fail("needs_reconnect", e.to_string()),
            AccountError::NotFound | AccountError::NoAccount | AccountError::Ambiguous => {
                Self::fail(
                    "account_gone",
                    "This TikTok account is no longer connected. Connect it again, then retry.",
                )
            }
            AccountError::Db(_) | AccountError::Crypto(_) => Self::Retry {
                code: "internal".into(),
                message: format!("Cast could not read the account: {e}"),
                after: None,
            },
        }
    }
}

impl From<UploadError> for StepError {
    fn from(e: UploadError) -> Self {
        Self::Store(e)
    }
}

/// The one message a job shows while Cast waits out trouble…
fn retrying(message: &str, attempts: u32, delay: Duration) -> String {
    format!(
        "{message} Cast will try again in {} (attempt {attempts} of {MAX_ATTEMPTS}; it keeps trying {SCHEDULE_TEXT}).",
        backoff::words(delay)
    )
}

/// …and the one it shows when it stopped.
fn gave_up(message: &str, attempts: u32) -> String {
    format!(
        "{message} Cast tried {attempts} times over about an hour ({SCHEDULE_TEXT}) and stopped. Press Retry to try again."
    )
}

impl Uploads {
    /// Claims the job due first and moves it one step on.
    pub async fn try_execute_job(&self) -> Result<ExecutionOutcome, UploadError> {
        let now = self.clock.now();
        let Some(job) = repository::claim(&self.db, now, now + LEASE_SECS).await? else {
            return Ok(ExecutionOutcome::EmptyQueue);
        };
        let span = tracing::info_span!("upload_job", upload_id = %job.id, open_id = %job.open_id, state = job.state.as_str());
        self.execute(job).instrument(span).await?;
        Ok(ExecutionOutcome::TaskCompleted)
    }

    /// When the next job falls due (Unix seconds of the app clock), if any has work left.
    pub async fn next_due(&self) -> Result<Option<i64>, UploadError> {
        repository::next_due(&self.db).await
    }

    async fn execute(&self, mut job: Job) -> Result<(), UploadError> {
        let step = match job.state {
            JobState::Scheduled | JobState::Queued => transfer::start(self, &mut job).await,
            JobState::Uploading => transfer::resume(self, &mut job).await,
            JobState::Processing => poll::poll(self, &mut job).await,
            JobState::Published => link::follow(self, &job).await,
            _ => Ok(()),
        };
        match step {
            Ok(()) => Ok(()),
            Err(e) => self.settle(&job, e).await,
        }
    }

    /// Records what a failed or paused step means for the job.
    async fn settle(&self, job: &Job, e: StepError) -> Result<(), UploadError> {
        let attempts = job.attempts + 1;
        match e {
            StepError::Wait(d) => self.later(job, d, job.attempts, None).await,
            StepError::Follow {
                code,
                message,
                after,
            } => {
                tracing::info!(
                    code,
                    "status fetch failed while TikTok processes; asking again"
                );
                let message = format!(
                    "{message} TikTok has the whole video, so Cast keeps asking how it is doing."
                );
                self.later(job, after, job.attempts, Some((&code, &message)))
                    .await
            }
            StepError::Retry { code, message, .. } | StepError::Restart { code, message, .. }
                if attempts >= MAX_ATTEMPTS =>
            {
                tracing::warn!(attempts, code, "upload failed after an hour of errors");
                let message = gave_up(&message, attempts);
                self.end(job, &Outcome::failed(&code, &message)).await
            }
            StepError::Retry {
                code,
                message,
                after,
            } => {
                let delay = backoff::retry_delay(attempts, after);
                tracing::info!(
                    attempts,
                    code,
                    delay_secs = delay.as_secs(),
                    "upload step failed; will retry"
                );
                let message = retrying(&message, attempts, delay);
                self.later(job, delay, attempts, Some((&code, &message)))
                    .await
            }
            StepError::Restart {
                code,
                message,
                tiktok_said_failed,
            } => {
                self.restart(job, attempts, (&code, &message), tiktok_said_failed)
                    .await
            }
            StepError::Fail {
                code,
                message,
                tiktok_said_failed,
            } => {
                tracing::warn!(code, "upload failed");
                let outcome = Outcome {
                    tiktok_said_failed,
                    ..Outcome::failed(&code, &message)
                };
                self.end(job, &outcome).await
            }
            StepError::Gone => {
                tracing::info!("upload changed meanwhile; left as it is");
                Ok(())
            }
            StepError::Store(e) => Err(e),
        }
    }

    /// The same state again after `delay`, with the failures in a row and the message to show.
    async fn later(
        &self,
        job: &Job,
        delay: Duration,
        attempts: u32,
        error: Option<(&str, &str)>,
    ) -> Result<(), UploadError> {
        let now = self.clock.now();
        let run_at = now + backoff::secs_ceil(delay);
        repository::reschedule(&self.db, job, run_at, attempts, error, now).await?;
        Ok(())
    }

    async fn end(&self, job: &Job, outcome: &Outcome<'_>) -> Result<(), UploadError> {
        repository::finish(&self.db, job, outcome, job.run_at, self.clock.now()).await?;
        Ok(())
    }

    /// A new init for a job whose TikTok upload is unusable. The first restart (an expired
    /// link) goes at once; repeated ones back off like any failure.
    async fn restart(
        &self,
        job: &Job,
        attempts: u32,
        error: (&str, &str),
        tiktok_said_failed: bool,
    ) -> Result<(), UploadError> {
        tracing::info!(
            attempts,
            code = error.0,
            "TikTok's upload is unusable; starting it again"
        );
        let delay = if attempts > 1 {
            backoff::retry_delay(attempts - 1, None)
        } else {
            Duration::ZERO
        };
        let now = self.clock.now();
        let run_at = now + backoff::secs_ceil(delay);
        let restarted = repository::restart_upload(
            &self.db,
            job,
            tiktok_said_failed,
            run_at,
            attempts,
            error,
            now,
        )
        .await?;
        if !restarted {
            tracing::info!("upload changed meanwhile, or is delivered; not restarted");
        }
        Ok(())
    }

    /// Runs until the task is aborted: releases leases a crash left, then works the queue,
    /// sleeping while nothing is due.
    pub async fn run_worker(self) {
        match repository::release_leases(&self.db).await {
            Ok(n) if n > 0 => {
                tracing::info!(jobs = n, "released uploads left mid-step by the last run")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not release stale upload leases"),
        }
        spool::remove_partials(&self.settings.spool_dir).await;
        let mut last_housekeeping = None::<tokio::time::Instant>;
        loop {
            if last_housekeeping.is_none_or(|t| t.elapsed() >= HOUSEKEEPING_EVERY) {
                self.delete_expired_spools().await;
                last_housekeeping = Some(tokio::time::Instant::now());
            }
            match self.try_execute_job().await {
                Ok(ExecutionOutcome::TaskCompleted) => continue,
                Ok(ExecutionOutcome::EmptyQueue) => self.idle().await,
                Err(e) => {
                    tracing::error!(error = %e, "upload worker step failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    async fn idle(&self) {
        let wait = match repository::next_due(&self.db).await {
            Ok(Some(at)) => Duration::from_secs(
                (at - self.clock.now()).clamp(0, IDLE_MAX.as_secs() as i64) as u64,
            ),
            _ => IDLE_MAX,
        };
        // run_at has whole seconds: never spin on a job due "now" but still leased.
        let wait = wait.max(Duration::from_millis(200));
        tokio::select! {
            _ = self.wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }

    /// Published videos kept for `spool_retention` are deleted once it has passed.
    async fn delete_expired_spools(&self) {
        let before = self.clock.now() - self.settings.spool_retention.as_secs() as i64;
        match repository::spools_to_delete(&self.db, before).await {
            Ok(due) => {
                for (id, path) in due {
                    remove_spool(&self.db, &id, Path::new(&path)).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not list videos to delete"),
        }
    }

    /// A job reached a final success: its video is no longer needed (unless kept for a while).
    pub(super) async fn succeeded(&self, job: &Job) {
        if self.settings.spool_retention.is_zero() {
            remove_spool(&self.db, &job.id, Path::new(&job.file_path)).await;
        }
    }
}
