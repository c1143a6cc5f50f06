//! Sending the file: creator info, init (`init.rs`), then the chunks in order, streamed from
//! disk, with progress recorded after each one TikTok acknowledges. Before an upload is given
//! up for a new init, TikTok is asked whether it already has the whole file, so a lost answer
//! to the last chunk never turns into a second post.

use std::io::SeekFrom;
use std::path::Path;

use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};
use tokio_util::io::ReaderStream;

use super::backoff::poll_delay;
use super::chunk_plan::ChunkPlan;
use super::limiter::Endpoint;
use super::worker::{LEASE_SECS, StepError};
use super::{Job, JobState, Uploads, init, poll, repository};
use crate::accounts::AccountError;
use crate::platforms::tiktok::client::publish::{ChunkError, ChunkRange, PublishStatus, Status};

/// TikTok says an upload URL lasts an hour; Cast stops using it a little before.
const UPLOAD_URL_SECS: i64 = 3600;
const URL_MARGIN_SECS: i64 = 30;
/// Times in a row TikTok's own count may move Cast's progress before Cast gives up on this step.
const MAX_RESYNCS: u32 = 3;

/// A queued (or due scheduled) job: init, then send.
pub(super) async fn start(up: &Uploads, job: &mut Job) -> Result<(), StepError> {
    require_file(job).await?;
    ChunkPlan::new(job.size, up.settings.chunk_size).map_err(|e| {
        StepError::fail(
            "chunk_plan",
            format!("Cast cannot cut this video into chunks: {e}."),
        )
    })?;
    admit(up, &job.open_id, Endpoint::CreatorInfo)?;
    // TikTok wants creator info asked before each post; it also says whether posting is possible now.
    up.accounts.creator_info(&job.open_id).await?;
    let (init, plan) = init::init(up, job).await?;
    let now = up.clock.now();
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
    job.init_started_at = None;
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
        .is_none_or(|t| t <= up.clock.now() + URL_MARGIN_SECS)
    {
        return restart_unless_delivered(
            up,
            job,
            "upload_url_expired",
            "TikTok's upload link expired before the video was sent; Cast starts the upload again.",
        )
        .await;
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
        .acquire(open_id, endpoint, up.clock.now_ms())
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

/// Sends every chunk from `job.bytes_sent` on, then hands the job to status polling.
async fn send(up: &Uploads, job: &mut Job, plan: &ChunkPlan) -> Result<(), StepError> {
    let Some(url) = job.upload_url.clone() else {
        return restart_unless_delivered(
            up,
            job,
            "no_upload_url",
            "The TikTok upload link was lost; Cast starts the upload again.",
        )
        .await;
    };
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
        // TikTok's own count of what it holds, when it differs from what Cast just sent (a
        // 2xx whose Content-Range ends early, or a 416): carry on from there. A restart may
        // have lost the record of a chunk, or a chunk may have arrived before a dropped answer.
        let theirs = match client.put_chunk(&url, &job.content_type, range, body).await {
            Ok(ack) if ack.received > chunk.last => None,
            Ok(ack) => Some(ack.received),
            Err(ChunkError::OutOfOrder { received: Some(r) }) if r <= job.size => Some(r),
            Err(e) => return chunk_failed(up, job, e).await,
        };
        let received = match theirs {
            None => {
                tracing::debug!(chunk = chunk.index, "chunk stored");
                resyncs = 0;
                chunk.last + 1
            }
            Some(_) if resyncs >= MAX_RESYNCS => {
                return Err(StepError::Retry {
                    code: "out_of_order".into(),
                    message: "TikTok kept reporting another progress than Cast's.".into(),
                    after: None,
                });
            }
            Some(r) => {
                tracing::info!(
                    received = r,
                    "TikTok reported its progress; continuing from there"
                );
                resyncs += 1;
                r
            }
        };
        job.bytes_sent = received;
        // Progress: the failure count starts again (the row's was reset with it).
        job.attempts = 0;
        let now = up.clock.now();
        if !repository::record_progress(&up.db, &job.id, received, now + LEASE_SECS, now).await? {
            return Err(StepError::Gone);
        }
    }
    delivered(up, job).await
}

/// TikTok has the whole file: from here on the job is only followed, never re-sent by itself.
async fn delivered(up: &Uploads, job: &mut Job) -> Result<(), StepError> {
    let now = up.clock.now();
    let run_at = now + poll_delay(0).as_secs() as i64;
    if !repository::start_processing(&up.db, &job.id, job.size, run_at, now).await? {
        return Err(StepError::Gone);
    }
    tracing::info!(bytes = job.size, "TikTok has every chunk; it is processing");
    job.state = JobState::Processing;
    job.bytes_sent = job.size;
    job.processing_started_at = Some(now);
    job.upload_url = None;
    Ok(())
}

async fn chunk_failed(up: &Uploads, job: &mut Job, e: ChunkError) -> Result<(), StepError> {
    match e {
        ChunkError::Expired | ChunkError::Unknown => {
            let message = format!("{e}; Cast starts the upload again.");
            restart_unless_delivered(up, job, "upload_url_expired", &message).await
        }
        ChunkError::OutOfOrder { .. } => Err(StepError::Retry {
            code: "out_of_order".into(),
            message: format!("{e}; Cast will ask TikTok where it stands and continue."),
            after: None,
        }),
        ChunkError::Refused { .. } => Err(StepError::fail("chunk_refused", e.to_string())),
        ChunkError::Retryable(t) => Err(t.into()),
    }
}

/// TikTok's upload can no longer take chunks. Before starting over, ask TikTok whether it
/// already has the whole file (the answer to the last chunk may have been lost): if so the job
/// is delivered and only followed. If TikTok cannot be asked, try again later rather than guess.
async fn restart_unless_delivered(
    up: &Uploads,
    job: &mut Job,
    code: &str,
    message: &str,
) -> Result<(), StepError> {
    let Some(publish_id) = job.publish_id.clone() else {
        return Err(StepError::restart(code, message));
    };
    admit(up, &job.open_id, Endpoint::Status)?;
    let status = match poll::fetch(up, &job.open_id, &publish_id).await {
        Ok(status) => status,
        // TikTok no longer knows that upload: it cannot publish it.
        Err(AccountError::TikTok(e))
            if matches!(
                e.code.as_str(),
                "invalid_publish_id" | "token_not_authorized_for_specified_publish_id"
            ) =>
        {
            return Err(StepError::restart(code, message));
        }
        Err(e) => return Err(e.into()),
    };
    if tiktok_has_the_file(&status, job) {
        tracing::info!(status = ?status.status, "TikTok already has the whole file; following it");
        return delivered(up, job).await;
    }
    Err(StepError::restart(code, message))
}

/// Whether status fetch shows the whole file at TikTok. Published or in the inbox: yes.
/// Otherwise TikTok's `uploaded_bytes` decides; without it, a status past uploading (or one
/// Cast does not know) counts as yes, and so does an upload whose last chunk was being sent,
/// since only that chunk's answer could have been lost. Unsure, Cast assumes delivered: the
/// owner can still send again, knowingly.
fn tiktok_has_the_file(status: &PublishStatus, job: &Job) -> bool {
    if matches!(
        status.status,
        Status::PublishComplete | Status::SendToUserInbox
    ) {
        return true;
    }
    if let Some(bytes) = status.uploaded_bytes {
        return bytes >= job.size;
    }
    match status.status {
        Status::ProcessingUpload => {
            let chunk_size = job.chunk_size.unwrap_or(job.size).max(1);
            ChunkPlan::new(job.size, chunk_size)
                .is_ok_and(|p| job.bytes_sent >= p.last_chunk().first)
        }
        _ => true,
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
