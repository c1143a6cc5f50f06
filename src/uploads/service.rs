//! Uploads as the rest of Cast uses them: submit (check everything, then queue), look, cancel,
//! retry. The worker (`worker.rs`) does the sending.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::Notify;

use super::lifecycle::Action;
use super::limiter::RateLimiter;
use super::post::{PostRequest, RawPost};
use super::repository::RetryFrom;
use super::spool::{self, SpoolWriter, SpooledFile};
use super::{Problem, UploadError, UploadView, flags, repository, rules};
use crate::accounts::{AccountError, Accounts};
use crate::clock::Clock;
use crate::config::Config;
use crate::media;
use crate::platforms::tiktok::client::ErrorKind;

/// A retried upload resumes TikTok's upload only if its URL stays valid this much longer.
const RESUME_MARGIN_SECS: i64 = 120;

#[derive(Debug, Clone)]
pub struct UploadSettings {
    pub spool_dir: PathBuf,
    pub chunk_size: u64,
    pub max_upload_bytes: u64,
    /// 0: a published job's video is deleted at once.
    pub spool_retention: Duration,
    /// Whose audit status `app_flags` remembers.
    pub client_key: String,
}

impl UploadSettings {
    pub fn from_config(config: &Config, client_key: &str) -> Self {
        Self {
            spool_dir: config.data_dir.join("spool"),
            chunk_size: config.tiktok.chunk_size,
            max_upload_bytes: config.max_upload_bytes,
            spool_retention: config.spool_retention,
            client_key: client_key.to_string(),
        }
    }
}

#[derive(Clone)]
pub struct Uploads {
    pub(super) db: SqlitePool,
    pub(super) accounts: Accounts,
    pub(super) settings: Arc<UploadSettings>,
    pub(super) wake: Arc<Notify>,
    pub(super) limiter: Arc<RateLimiter>,
    pub(super) clock: Clock,
}

impl Uploads {
    pub fn new(db: SqlitePool, accounts: Accounts, settings: UploadSettings, clock: Clock) -> Self {
        Self {
            db,
            accounts,
            settings: Arc::new(settings),
            wake: Arc::default(),
            limiter: Arc::default(),
            clock,
        }
    }

    pub fn settings(&self) -> &UploadSettings {
        &self.settings
    }

    /// TikTok has said this app is unaudited (direct posts private only).
    pub async fn is_unaudited(&self) -> Result<bool, UploadError> {
        Ok(flags::is_unaudited(&self.db, &self.settings.client_key).await?)
    }

    /// A new file to receive a video into, under a fresh random id (which becomes the job's id).
    pub async fn receive(&self) -> Result<SpoolWriter, UploadError> {
        let id = crate::crypto::random_token(12);
        Ok(SpoolWriter::create(
            &self.settings.spool_dir,
            &id,
            self.settings.max_upload_bytes,
        )
        .await?)
    }

    /// The job an earlier request with this idempotency key created, if any.
    pub async fn by_idempotency_key(&self, key: &str) -> Result<Option<UploadView>, UploadError> {
        Ok(repository::find_by_key(&self.db, key)
            .await?
            .map(|j| UploadView::from(&j)))
    }

    /// Checks the request and the video against TikTok's rules (with fresh creator info) and
    /// queues the job. On any refusal the file is deleted: nothing half-created stays behind.
    /// Returns the job, and whether this call created it (`false`: the idempotency key's job).
    pub async fn submit(
        &self,
        raw: &RawPost,
        file: SpooledFile,
        idempotency_key: Option<&str>,
    ) -> Result<(UploadView, bool), UploadError> {
        let result = self.admit(raw, &file, idempotency_key).await;
        if !matches!(result, Ok((_, true))) {
            spool::remove(&file.path).await;
        }
        if let Ok((view, true)) = &result {
            tracing::info!(upload_id = %view.id, open_id = %view.open_id, size = view.size, state = view.state.as_str(), "upload queued");
            self.wake.notify_one();
        }
        result
    }

    async fn admit(
        &self,
        raw: &RawPost,
        file: &SpooledFile,
        key: Option<&str>,
    ) -> Result<(UploadView, bool), UploadError> {
        let now = self.clock.now();
        let request = PostRequest::parse(raw, now).map_err(UploadError::Rejected)?;
        let account = self.accounts.resolve(request.open_id.as_deref()).await?;
        let creator = match self.accounts.creator_info(&account.open_id).await {
            Err(AccountError::TikTok(e)) if e.kind == ErrorKind::CannotPostNow => {
                return Err(UploadError::rejected("cannot_post_now", e.to_string()));
            }
            other => other?,
        };
        let path = file.path.clone();
        let started = std::time::Instant::now();
        let probed = tokio::task::spawn_blocking(move || media::probe::probe(&path))
            .await
            .map_err(|e| UploadError::Probe(e.to_string()))?;
        // The check reads the index only; its time should not grow with the file (see BENCHMARKS.md).
        tracing::info!(upload_id = %file.id, size = file.size, probe_ms = started.elapsed().as_secs_f64() * 1000.0, "video checked");
        let (mut problems, content_type) = match probed {
            Ok(info) => (
                media::rules::check(&info, creator.max_video_post_duration_sec)
                    .iter()
                    .map(|p| Problem::new(p.code(), p.message()))
                    .collect(),
                info.container.mime(),
            ),
            Err(e) => (vec![Problem::new(e.code(), e.to_string())], ""),
        };
        let unaudited = flags::is_unaudited(&self.db, &self.settings.client_key).await?;
        problems.extend(rules::check(&request, &creator, unaudited));
        if !problems.is_empty() {
            return Err(UploadError::Rejected(problems));
        }
        let new = repository::NewJob {
            id: &file.id,
            open_id: &account.open_id,
            mode: request.mode,
            options: &request.options,
            file_path: &file.path.display().to_string(),
            content_type,
            size: file.size,
            sha256: &file.sha256,
            idempotency_key: key,
            publish_at: request.publish_at,
            now,
        };
        let created = repository::insert(&self.db, &new).await?;
        let id = match (created, key) {
            (true, _) | (false, None) => file.id.as_str(),
            (false, Some(k)) => {
                // Another request with the same key won the race: answer with its job.
                let view = self
                    .by_idempotency_key(k)
                    .await?
                    .ok_or(UploadError::NotFound)?;
                return Ok((view, false));
            }
        };
        Ok((self.get(id).await?, true))
    }

    pub async fn get(&self, id: &str) -> Result<UploadView, UploadError> {
        let job = repository::find(&self.db, id)
            .await?
            .ok_or(UploadError::NotFound)?;
        Ok(UploadView::from(&job))
    }

    pub async fn list(
        &self,
        limit: u32,
        before: Option<&str>,
    ) -> Result<Vec<UploadView>, UploadError> {
        if let Some(before) = before {
            let known = !before.is_empty() && repository::find(&self.db, before).await?.is_some();
            if !known {
                return Err(UploadError::UnknownCursor(format!(
                    "before='{}' names no upload: pass the `next_before` of the previous page, or leave it out for the newest uploads.",
                    before.chars().take(64).collect::<String>()
                )));
            }
        }
        let jobs = repository::list(&self.db, limit.clamp(1, 100), before).await?;
        Ok(jobs.iter().map(UploadView::from).collect())
    }

    /// Cancels a job where `lifecycle` allows it.
    pub async fn cancel(&self, id: &str) -> Result<UploadView, UploadError> {
        let job = repository::find(&self.db, id)
            .await?
            .ok_or(UploadError::NotFound)?;
        if !repository::cancel(&self.db, id, self.clock.now()).await? {
            return Err(UploadError::Conflict {
                code: "cannot_cancel",
                message: format!(
                    "This upload is {}: only a scheduled, queued or failed upload can be cancelled.",
                    job.state.as_str()
                ),
            });
        }
        remove_spool(&self.db, id, Path::new(&job.file_path)).await;
        tracing::info!(upload_id = id, "upload cancelled");
        self.get(id).await
    }

    /// The owner's Retry. Where TikTok does not have the whole file, it sends it (resuming
    /// TikTok's upload while its URL is valid, else from init). Where TikTok acknowledged the
    /// whole file, it only asks TikTok again ("Check again"), unless `resend` is the owner's
    /// explicit "Send again (this may post it twice)".
    pub async fn retry(&self, id: &str, resend: bool) -> Result<UploadView, UploadError> {
        let job = repository::find(&self.db, id)
            .await?
            .ok_or(UploadError::NotFound)?;
        let actions = job.actions();
        let action = [Action::Retry, Action::CheckAgain, Action::SendAgain]
            .into_iter()
            .filter(|a| actions.contains(a))
            .find(|a| match a {
                Action::CheckAgain => !resend,
                Action::SendAgain => resend,
                _ => true,
            })
            .ok_or_else(|| cannot_retry(&job))?;
        if action.resends() && !self.file_kept(&job).await {
            return Err(UploadError::Conflict {
                code: "file_gone",
                message: "The video is no longer on the server. Upload it again.".into(),
            });
        }
        let now = self.clock.now();
        let changed = match action {
            Action::Retry => {
                let from = if job.upload_url.is_some()
                    && job.bytes_sent < job.size
                    && job
                        .upload_url_expires_at
                        .is_some_and(|t| t > now + RESUME_MARGIN_SECS)
                {
                    RetryFrom::Resume
                } else if job.publish_id.is_some() {
                    RetryFrom::CheckThenRestart
                } else {
                    RetryFrom::StartOver
                };
                repository::retry(&self.db, id, from, now).await?
            }
            Action::CheckAgain => repository::check_again(&self.db, id, now).await?,
            Action::SendAgain => repository::send_again(&self.db, id, now).await?,
            Action::Cancel => false,
        };
        if !changed {
            return Err(UploadError::Conflict {
                code: "cannot_retry",
                message: "This upload changed meanwhile; reload it.".into(),
            });
        }
        tracing::info!(upload_id = id, action = action.as_str(), "upload retried");
        self.wake.notify_one();
        self.get(id).await
    }

    async fn file_kept(&self, job: &super::Job) -> bool {
        !job.spool_deleted && tokio::fs::try_exists(&job.file_path).await.unwrap_or(false)
    }
}

/// Why Retry is refused here, in the owner's words (every failed job allows one of them).
fn cannot_retry(job: &super::Job) -> UploadError {
    let message = if job.delivered() && !job.state.is_final() {
        "TikTok has the whole video and is processing it: Cast is following it, so there is nothing to retry.".to_string()
    } else {
        format!(
            "This upload is {}: only a failed upload can be retried.",
            job.state.as_str()
        )
    };
    UploadError::Conflict {
        code: "cannot_retry",
        message,
    }
}

/// Deletes a job's video and records that it is gone.
pub(super) async fn remove_spool(db: &SqlitePool, id: &str, path: &Path) {
    spool::remove(path).await;
    if let Err(e) = repository::mark_spool_deleted(db, id).await {
        tracing::warn!(upload_id = id, error = %e, "could not record the deleted video");
    }
}
