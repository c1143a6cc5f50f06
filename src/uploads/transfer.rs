//! Sending the file: creator info, init (direct or inbox) with the chunk plan, then the chunks in
//! order, streamed from disk, with progress recorded after each one TikTok acknowledges.

use std::io::SeekFrom;
use std::path::Path;

use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};
use tokio_util::io::ReaderStream;

use super::backoff::poll_delay;
use super::chunk_plan::ChunkPlan;
use super::limiter::Endpoint;
use super::post::Mode;
use super::rules::UNAUDITED_EXPLANATION;
use super::worker::{LEASE_SECS, StepError};
use super::{Job, JobState, Uploads, flags, repository};
use crate::db::now;
use crate::tiktok::publish::{ChunkError, ChunkRange, FileSource, Init, PostInfo};
use crate::tiktok::{ErrorKind, TikTokError};

/// TikTok says an upload URL lasts an hour; Cast stops using it a little before.
const UPLOAD_URL_SECS: i64 = 3600;
const URL_MARGIN_SECS: i64 = 30;
/// 416s in a row (each one moving the progress) before Cast gives up on this step.
const MAX_RESYNCS: u32 = 3;

/// A queued (or due scheduled) job: init, then send.
pub(super) async fn start(up: &Uploads, job: &mut Job) -> Result<(), StepError> {
    require_file(job).await?;
    let plan = ChunkPlan::new(job.size, up.settings.chunk_size).map_err(|e| {
        StepError::fail(
            "chunk_plan",
            format!("Cast cannot cut this video into chunks: {e}."),
        )
    })?;
    admit(up, &job.open_id, Endpoint::CreatorInfo)?;
    // TikTok wants creator info asked before each post; it also says whether posting is possible now.
    up.accounts.creator_info(&job.open_id).await?;
    admit(up, &job.open_id, Endpoint::Init)?;
    let init = init(up, job, &plan).await?;
    let now = now();
    let expires_at = now + UPLOAD_URL_SECS;
    if !repository::start_upload(
        &up.db,
        job,
        &init.publish_id,
        &init.upload_url,
        expires_at,
        plan.chunk_size(),
        now,
    )
    .await?
    {
        return Err(StepError::Gone);
    }
    tracing::info!(publish_id = %init.publish_id, plan = %plan.describe(), "TikTok upload started");
    job.state = JobState::Uploading;
    job.attempts = 0;
    job.publish_id = Some(init.publish_id);
    job.upload_url = Some(init.upload_url);
    job.upload_url_expires_at = Some(expires_at);
    job.chunk_size = Some(plan.chunk_size());
    job.bytes_sent = 0;
    send(up, job, &plan).await
}

/// An uploading job (after a restart, a chunk failure or Retry): carry on from its progress.
pub(super) async fn resume(up: &Uploads, job: &mut Job) -> Result<(), StepError> {
    require_file(job).await?;
    if job
        .upload_url_expires_at
        .is_none_or(|t| t <= now() + URL_MARGIN_SECS)
    {
        return Err(StepError::Restart {
            code: "upload_url_expired".into(),
            message: "TikTok's upload link expired before the video was sent; Cast starts the upload again.".into(),
        });
    }
    let chunk_size = job.chunk_size.unwrap_or(up.settings.chunk_size);
    let plan = ChunkPlan::new(job.size, chunk_size).map_err(|e| {
        StepError::fail(
            "chunk_plan",
            format!("Cast cannot cut this video into chunks: {e}."),
        )
    })?;
    tracing::info!(bytes_sent = job.bytes_sent, "resuming the TikTok upload");
    send(up, job, &plan).await
}

fn admit(up: &Uploads, open_id: &str, endpoint: Endpoint) -> Result<(), StepError> {
    up.limiter
        .acquire(open_id, endpoint)
        .map_err(StepError::Wait)
}

async fn require_file(job: &Job) -> Result<(), StepError> {
    if job.spool_deleted || !tokio::fs::try_exists(&job.file_path).await.unwrap_or(false) {
        return Err(StepError::fail(
            "file_gone",
            "The video is no longer on the server. Upload it again.",
        ));
    }
    Ok(())
}

async fn init(up: &Uploads, job: &Job, plan: &ChunkPlan) -> Result<Init, StepError> {
    let client = up.accounts.client();
    let source = FileSource {
        video_size: plan.video_size(),
        chunk_size: plan.chunk_size(),
        total_chunk_count: plan.total_chunk_count(),
    };
    let result = match job.mode {
        Mode::Direct => {
            let o = &job.options;
            let privacy_level = o.privacy_level.ok_or_else(|| {
                StepError::fail("privacy_level_required", "This post has no privacy level.")
            })?;
            let info = PostInfo {
                privacy_level,
                title: o.title.as_str().to_string(),
                disable_comment: o.disable_comment,
                disable_duet: o.disable_duet,
                disable_stitch: o.disable_stitch,
                brand_content_toggle: o.brand_content_toggle,
                brand_organic_toggle: o.brand_organic_toggle,
                is_aigc: o.is_aigc,
            };
            let info = &info;
            up.accounts
                .with_token(&job.open_id, |t| async move {
                    client.init_direct(&t, info, source).await
                })
                .await
        }
        Mode::Inbox => {
            up.accounts
                .with_token(&job.open_id, |t| async move {
                    client.init_inbox(&t, source).await
                })
                .await
        }
    };
    match result {
        Ok(init) => Ok(init),
        Err(crate::accounts::AccountError::TikTok(e)) => Err(init_refused(up, e, plan).await),
        Err(e) => Err(e.into()),
    }
}

/// Explains an init refusal: the audit limit (remembered), or a chunking complaint with the plan sent.
async fn init_refused(up: &Uploads, e: TikTokError, plan: &ChunkPlan) -> StepError {
    if e.kind == ErrorKind::Unaudited {
        if let Err(err) = flags::remember_unaudited(&up.db, &up.settings.client_key).await {
            tracing::warn!(error = %err, "could not remember that the TikTok app is unaudited");
        }
        let log = e
            .log_id
            .as_deref()
            .map(|l| format!(" (log id {l})"))
            .unwrap_or_default();
        return StepError::fail(&e.code, format!("{UNAUDITED_EXPLANATION}{log}"));
    }
    if matches!(e.code.as_str(), "invalid_param" | "invalid_params") {
        return StepError::fail(
            &e.code,
            format!(
                "{e} Cast declared {}. If TikTok refuses the chunking, set TIKTOK_CHUNK_SIZE (5242880 is the size most often accepted) and press Retry.",
                plan.describe()
            ),
        );
    }
    e.into()
}

/// Sends every chunk from `job.bytes_sent` on, then hands the job to status polling.
async fn send(up: &Uploads, job: &mut Job, plan: &ChunkPlan) -> Result<(), StepError> {
    let url = job.upload_url.clone().ok_or_else(|| StepError::Restart {
        code: "no_upload_url".into(),
        message: "The TikTok upload was lost; Cast starts it again.".into(),
    })?;
    let client = up.accounts.client();
    let mut resyncs = 0;
    while job.bytes_sent < job.size {
        let Some(chunk) = plan
            .chunk_containing(job.bytes_sent)
            .and_then(|i| plan.chunk(i))
        else {
            break;
        };
        let body = file_body(Path::new(&job.file_path), chunk.first, chunk.len())
            .await
            .map_err(|e| {
                StepError::fail(
                    "file_unreadable",
                    format!("Cast cannot read the video: {e}"),
                )
            })?;
        let range = ChunkRange {
            first: chunk.first,
            last: chunk.last,
            video_size: job.size,
        };
        let received = match client.put_chunk(&url, &job.content_type, range, body).await {
            Ok(ack) => {
                tracing::debug!(chunk = chunk.index, received = ack.received, "chunk stored");
                resyncs = 0;
                chunk.last + 1
            }
            // TikTok's own account of its progress: carry on from there (a restart may have lost
            // the record of the last chunk, or the chunk may have arrived before a dropped answer).
            Err(ChunkError::OutOfOrder { received: Some(r) })
                if resyncs < MAX_RESYNCS && r <= job.size =>
            {
                tracing::info!(
                    received = r,
                    "TikTok reported its progress; continuing from there"
                );
                resyncs += 1;
                r
            }
            Err(e) => return Err(chunk_failed(e)),
        };
        job.bytes_sent = received;
        // Progress: the failure count starts again (the row's was reset with it).
        job.attempts = 0;
        let now = now();
        if !repository::record_progress(&up.db, &job.id, received, now + LEASE_SECS, now).await? {
            return Err(StepError::Gone);
        }
    }
    let now = now();
    if !repository::start_processing(&up.db, &job.id, now + poll_delay(0).as_secs() as i64, now)
        .await?
    {
        return Err(StepError::Gone);
    }
    tracing::info!(bytes = job.size, "every chunk sent; TikTok is processing");
    job.state = JobState::Processing;
    Ok(())
}

fn chunk_failed(e: ChunkError) -> StepError {
    match e {
        ChunkError::Expired | ChunkError::Unknown => StepError::Restart {
            code: "upload_url_expired".into(),
            message: format!("{e}; Cast starts the upload again."),
        },
        ChunkError::OutOfOrder { .. } => StepError::Retry {
            code: "out_of_order".into(),
            message: format!("{e}; Cast will ask TikTok where it stands and continue."),
            after: None,
        },
        ChunkError::Refused { .. } => StepError::fail("chunk_refused", e.to_string()),
        ChunkError::Retryable(t) => t.into(),
    }
}

/// Bytes `first..first+len` of the file as a streamed request body: never the whole chunk in memory.
async fn file_body(path: &Path, first: u64, len: u64) -> std::io::Result<reqwest::Body> {
    let mut file = tokio::fs::File::open(path).await?;
    file.seek(SeekFrom::Start(first)).await?;
    let reader = tokio::io::BufReader::with_capacity(256 * 1024, file.take(len));
    Ok(reqwest::Body::wrap_stream(ReaderStream::with_capacity(
        reader,
        256 * 1024,
    )))
}
