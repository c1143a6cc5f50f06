//! Sending the file (contract §5, §6): creator info, init with the first chunk plan TikTok has
//! not refused (marked `Initiating` before it goes out), then the chunks in order, streamed from
//! disk, each acknowledged chunk recorded at once. Before an upload is given up for a new init,
//! TikTok is asked whether it already has the whole file, so a lost answer to the last chunk
//! never turns into a second post.

use std::io::SeekFrom;
use std::path::Path;

use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};
use tokio_util::io::ReaderStream;

use super::chunk_plan::{ChunkPlan, fallback_plans};
use super::client::publish::{ChunkError, ChunkRange, FileSource, Init, PublishStatus, Status};
use super::client::{ErrorKind, TikTokError};
use super::context::{CallFailure, Context, stop};
use super::follow::poll_delay;
use super::notes::Notes;
use super::options::{PostMode, TikTokOptions};
use super::pull;
use super::rules::UNAUDITED_EXPLANATION;
use crate::accounts::{AccountError, GatewayError};
use crate::platforms::{Event, Recorder, StepResult, Stop, TargetJob};

/// TikTok says an upload URL lasts an hour; Cast stops using it a little before.
const UPLOAD_URL_SECS: i64 = 3600;
const URL_MARGIN_SECS: i64 = 30;
/// Times in a row TikTok's own count may move Cast's progress before Cast gives up on this step.
const MAX_RESYNCS: u32 = 3;

fn refused(code: &str, message: impl Into<String>) -> Stop {
    Stop::Event(Event::refused(code, message))
}

fn require_file(job: &TargetJob) -> Result<(), Stop> {
    if !job.video.path.exists() {
        return Err(refused(
            "file_gone",
            "The video is no longer on the server. Upload it again.",
        ));
    }
    Ok(())
}

fn plan_for(job: &TargetJob, chunk_size: u64) -> Result<ChunkPlan, Stop> {
    ChunkPlan::new(job.video.size, chunk_size).map_err(|e| {
        refused(
            "chunk_plan",
            format!("Cast cannot cut this video into chunks: {e}."),
        )
    })
}

/// A target with nothing at TikTok yet: creator info, init, then send.
pub async fn start(cx: &Context, job: &TargetJob, rec: &dyn Recorder) -> StepResult {
    require_file(job)?;
    let options =
        TikTokOptions::from_value(&job.options).map_err(|p| refused(p.code, p.message))?;
    plan_for(job, cx.settings.chunk_size)?;
    // TikTok wants creator info asked before each post; it also says whether posting is possible now.
    cx.creator_info(&job.account_id)
        .await
        .map_err(|e| stop(e, rec.now()))?;
    let mut notes = Notes::of(job);
    if cx.settings.pull_always {
        // TikTok pulls the whole file from a link: it has to be there, and checked.
        if !rec.checked().await? {
            return Ok(());
        }
        return pull::start(cx, job, &options, &mut notes, rec).await;
    }
    let Some((init, plan)) = init(cx, job, &options, &mut notes, rec).await? else {
        // Every chunk plan was refused and TikTok may pull from Cast: the fallback of §6.
        tracing::info!("TikTok refused every chunk plan; it pulls the video from Cast instead");
        if !rec.checked().await? {
            return Ok(());
        }
        return pull::start(cx, job, &options, &mut notes, rec).await;
    };
    let now = rec.now();
    notes.chunk_size = Some(plan.chunk_size());
    notes.initiated_at = Some(now);
    tracing::info!(publish_id = %init.publish_id, plan = %plan.describe(), "TikTok upload started");
    rec.record(Event::Initialised {
        remote_id: init.publish_id.clone(),
        session: Some(init.upload_url.clone()),
        session_expires_at: Some(now + UPLOAD_URL_SECS),
        progress: notes.to_value(),
    })
    .await?;
    send(cx, job, rec, &init.publish_id, &init.upload_url, &plan, 0).await
}

/// A target whose upload TikTok has (after a restart, a chunk failure or Retry): carry on from
/// the recorded progress, or, if its link is gone, ask TikTok before starting over.
pub async fn resume(cx: &Context, job: &TargetJob, rec: &dyn Recorder) -> StepResult {
    require_file(job)?;
    let Some(publish_id) = job.remote_id.as_deref() else {
        return Err(Stop::Event(Event::session_lost(
            "no_publish_id",
            "Cast lost track of TikTok's upload; it starts the upload again.",
        )));
    };
    let live_url = job.session.as_deref().filter(|_| {
        job.session_expires_at
            .is_some_and(|t| t > rec.now() + URL_MARGIN_SECS)
    });
    let Some(url) = live_url else {
        let (code, message) = match job.session {
            Some(_) => (
                "upload_url_expired",
                "TikTok's upload link expired before the video was sent; Cast starts the upload again.",
            ),
            None => (
                "no_upload_url",
                "The TikTok upload link was lost; Cast starts the upload again.",
            ),
        };
        return restart_unless_delivered(cx, job, rec, publish_id, job.bytes_sent, code, message)
            .await;
    };
    let chunk_size = Notes::of(job).chunk_size.unwrap_or(cx.settings.chunk_size);
    let plan = plan_for(job, chunk_size)?;
    tracing::info!(bytes_sent = job.bytes_sent, "resuming the TikTok upload");
    send(cx, job, rec, publish_id, url, &plan, job.bytes_sent).await
}

/// Inits with the first plan TikTok has not refused for its chunking; a refusal of a
/// multi-chunk plan is recorded and the next plan tried at once (each through the init rate
/// limit, so a wait keeps the list for the next step). None: every plan was refused and
/// TikTok may pull the video instead (`TIKTOK_PULL_URL_PREFIX`).
async fn init(
    cx: &Context,
    job: &TargetJob,
    options: &TikTokOptions,
    notes: &mut Notes,
    rec: &dyn Recorder,
) -> Result<Option<(Init, ChunkPlan)>, Stop> {
    let plans = fallback_plans(job.video.size, cx.settings.chunk_size);
    let mut last_refusal: Option<TikTokError> = None;
    loop {
        let Some(plan) = plans
            .iter()
            .find(|p| !notes.refused_chunk_sizes.contains(&p.chunk_size()))
            .copied()
        else {
            if cx.settings.pull_prefix.is_some() && cx.links.is_some() {
                return Ok(None);
            }
            return Err(every_plan_refused(
                job,
                notes,
                &plans,
                last_refusal.as_ref(),
            ));
        };
        cx.gateway
            .admit(&job.account_id, super::auth::endpoint::INIT)
            .map_err(|d| stop(GatewayError::Wait(d), rec.now()))?;
        // Committed before the request goes out: if its answer is lost, the next step knows.
        rec.record(Event::Initiating).await?;
        match call(cx, job, options, &plan).await {
            Ok(init) => return Ok(Some((init, plan))),
            // TikTok answered, so it created nothing: the marker comes off.
            Err(GatewayError::Platform(e)) if answered(&e) => {
                rec.record(Event::NothingCreated).await?;
                if refuses_chunking(&e) && plan.total_chunk_count() > 1 {
                    tracing::info!(plan = %plan.describe(), log_id = ?e.log_id, "TikTok refused the chunk size; trying the next plan");
                    notes.refused_chunk_sizes.push(plan.chunk_size());
                    rec.record(Event::Progress(notes.to_value())).await?;
                    last_refusal = Some(e);
                    continue;
                }
                return Err(init_refused(cx, e, &plan, rec.now()).await);
            }
            // No account or token: init was never sent.
            Err(
                e @ GatewayError::Account(
                    AccountError::NeedsReconnect(_) | AccountError::NotFound(_),
                ),
            ) => {
                rec.record(Event::NothingCreated).await?;
                return Err(stop(e, rec.now()));
            }
            // The answer may be lost (network, timeout): the marker stays.
            Err(e) => return Err(stop(e, rec.now())),
        }
    }
}

/// An error TikTok sent (any HTTP status with a body), as opposed to one where its answer
/// never arrived.
fn answered(e: &TikTokError) -> bool {
    e.was_answered()
}

/// "The chunk size is invalid" (§6 field report), in either spelling of the code.
fn refuses_chunking(e: &TikTokError) -> bool {
    matches!(e.code.as_str(), "invalid_param" | "invalid_params")
        && e.message.to_ascii_lowercase().contains("chunk")
}

async fn call(
    cx: &Context,
    job: &TargetJob,
    options: &TikTokOptions,
    plan: &ChunkPlan,
) -> Result<Init, CallFailure> {
    let client = &cx.client;
    let source = FileSource {
        video_size: plan.video_size(),
        chunk_size: plan.chunk_size(),
        total_chunk_count: plan.total_chunk_count(),
    };
    // The slot was taken before the marker; the call itself is not counted again.
    match options.mode {
        PostMode::Direct => {
            let info = options.direct_post_info().map_err(GatewayError::Platform)?;
            let info = &info;
            cx.gateway
                .call_admitted(&job.account_id, |t| async move {
                    client.init_direct(&t, info, source).await
                })
                .await
        }
        PostMode::Inbox => {
            cx.gateway
                .call_admitted(&job.account_id, |t| async move {
                    client.init_inbox(&t, source).await
                })
                .await
        }
    }
}

/// Explains an init refusal: the audit limit (remembered), or a chunking complaint with the plan sent.
async fn init_refused(cx: &Context, e: TikTokError, plan: &ChunkPlan, now: i64) -> Stop {
    let log = e
        .log_id
        .as_deref()
        .map(|l| format!(" (log id {l})"))
        .unwrap_or_default();
    if e.kind == ErrorKind::Unaudited {
        cx.remember_unaudited(now).await;
        return refused(&e.code, format!("{UNAUDITED_EXPLANATION}{log}"));
    }
    if matches!(e.code.as_str(), "invalid_param" | "invalid_params") {
        return refused(
            &e.code,
            format!(
                "{e} Cast declared {}. If TikTok refuses the chunking, set TIKTOK_CHUNK_SIZE (5242880 is the size most often accepted) and press Retry.",
                plan.describe()
            ),
        );
    }
    Stop::Event(super::context::event_for(&e))
}

/// Every plan was refused for its chunking: TikTok's words, the plans sent, and what works.
fn every_plan_refused(
    job: &TargetJob,
    notes: &Notes,
    plans: &[ChunkPlan],
    last: Option<&TikTokError>,
) -> Stop {
    let tried: Vec<String> = plans
        .iter()
        .filter(|p| notes.refused_chunk_sizes.contains(&p.chunk_size()))
        .map(|p| {
            format!(
                "chunk_size {} ({} chunks)",
                p.chunk_size(),
                p.total_chunk_count()
            )
        })
        .collect();
    let said = last
        .map(|e| {
            let log = e
                .log_id
                .as_deref()
                .map(|l| format!(", log id {l}"))
                .unwrap_or_default();
            format!(" TikTok said \"{}\" ({}{log}).", e.message.trim(), e.code)
        })
        .unwrap_or_default();
    refused(
        "chunk_size_refused",
        format!(
            "TikTok refused every way Cast can cut this {}-byte video into chunks.{said} Plans tried: {}. TikTok still takes a video of at most 64,000,000 bytes whole, in one chunk: shorten or compress this one to 64 MB or less and upload it again, or press Retry later in case TikTok accepts chunks again.",
            job.video.size,
            tried.join(", ")
        ),
    )
}

/// Sends every chunk from `from` on, then commits. Yields after a chunk when the step should end.
async fn send(
    cx: &Context,
    job: &TargetJob,
    rec: &dyn Recorder,
    publish_id: &str,
    url: &str,
    plan: &ChunkPlan,
    from: u64,
) -> StepResult {
    let size = job.video.size;
    let mut sent = from;
    let mut resyncs = 0;
    while sent < size {
        let Some(chunk) = plan.chunk_containing(sent).and_then(|i| plan.chunk(i)) else {
            break;
        };
        // A video still arriving is sent as it comes; its last chunk, which commits the post
        // at TikTok, only once the video passed Cast's check.
        let last = chunk.last + 1 >= size;
        if !rec.arrived(chunk.last + 1).await? || (last && !rec.checked().await?) {
            return Ok(());
        }
        let body = file_body(&job.video.path, chunk.first, chunk.len())
            .await
            .map_err(|e| {
                refused(
                    "file_unreadable",
                    format!("Cast cannot read the video: {e}"),
                )
            })?;
        let range = ChunkRange {
            first: chunk.first,
            last: chunk.last,
            video_size: size,
        };
        // TikTok's own count of what it holds, when it differs from what Cast just sent (a 2xx
        // whose Content-Range ends early, or a 416): carry on from there. A restart may have
        // lost the record of a chunk, or a chunk may have arrived before a dropped answer.
        let theirs = match cx
            .client
            .put_chunk(url, &job.video.content_type, range, body)
            .await
        {
            Ok(ack) if ack.received > chunk.last => None,
            Ok(ack) => Some(ack.received),
            Err(ChunkError::OutOfOrder { received: Some(r) }) if r <= size => Some(r),
            Err(e) => return chunk_failed(cx, job, rec, publish_id, sent, e).await,
        };
        let received = match theirs {
            None => {
                tracing::debug!(chunk = chunk.index, "chunk stored");
                resyncs = 0;
                chunk.last + 1
            }
            Some(_) if resyncs >= MAX_RESYNCS => {
                return Err(Stop::Event(Event::trouble(
                    "out_of_order",
                    "TikTok kept reporting another progress than Cast's.",
                )));
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
        sent = received;
        rec.record(Event::BytesAcknowledged { total: received })
            .await?;
        if sent < size && rec.should_yield() {
            tracing::info!(bytes_sent = sent, "pausing the upload after this chunk");
            return Ok(());
        }
    }
    committed(rec, size).await
}

/// TikTok has the whole file: from here on the target is only followed, never re-sent by itself.
async fn committed(rec: &dyn Recorder, size: u64) -> StepResult {
    tracing::info!(bytes = size, "TikTok has every chunk; it is processing");
    rec.record(Event::Committed {
        next_poll_at: rec.now() + poll_delay(0).as_secs() as i64,
    })
    .await
}

async fn chunk_failed(
    cx: &Context,
    job: &TargetJob,
    rec: &dyn Recorder,
    publish_id: &str,
    sent: u64,
    e: ChunkError,
) -> StepResult {
    match e {
        ChunkError::Expired | ChunkError::Unknown => {
            let message = format!("{e}; Cast starts the upload again.");
            restart_unless_delivered(
                cx,
                job,
                rec,
                publish_id,
                sent,
                "upload_url_expired",
                &message,
            )
            .await
        }
        ChunkError::OutOfOrder { .. } => Err(Stop::Event(Event::trouble(
            "out_of_order",
            format!("{e}; Cast will ask TikTok where it stands and continue."),
        ))),
        ChunkError::Refused { .. } => Err(refused("chunk_refused", e.to_string())),
        ChunkError::Retryable(t) => Err(Stop::Event(super::context::event_for(&t))),
    }
}

/// TikTok's upload can no longer take chunks. Before starting over, ask TikTok whether it
/// already has the whole file (the answer to the last chunk may have been lost): if so the
/// target is committed and only followed. If TikTok cannot be asked, try again later rather
/// than guess.
async fn restart_unless_delivered(
    cx: &Context,
    job: &TargetJob,
    rec: &dyn Recorder,
    publish_id: &str,
    sent: u64,
    code: &str,
    message: &str,
) -> StepResult {
    let status = match cx.fetch_status(&job.account_id, publish_id).await {
        Ok(status) => status,
        // TikTok no longer knows that upload: it cannot publish it.
        Err(GatewayError::Platform(e))
            if matches!(
                e.code.as_str(),
                "invalid_publish_id" | "token_not_authorized_for_specified_publish_id"
            ) =>
        {
            return Err(Stop::Event(Event::session_lost(code, message)));
        }
        Err(e) => return Err(stop(e, rec.now())),
    };
    let chunk_size = Notes::of(job).chunk_size;
    if tiktok_has_the_file(&status, job.video.size, sent, chunk_size) {
        tracing::info!(status = ?status.status, "TikTok already has the whole file; following it");
        return committed(rec, job.video.size).await;
    }
    Err(Stop::Event(Event::session_lost(code, message)))
}

/// Whether status fetch shows the whole file at TikTok. Published or in the inbox: yes.
/// Otherwise TikTok's `uploaded_bytes` decides; without it, a status past uploading (or one
/// Cast does not know) counts as yes, and so does an upload whose last chunk was being sent,
/// since only that chunk's answer could have been lost. Unsure, Cast assumes delivered: the
/// owner can still send again, knowingly.
fn tiktok_has_the_file(
    status: &PublishStatus,
    size: u64,
    sent: u64,
    chunk_size: Option<u64>,
) -> bool {
    if matches!(
        status.status,
        Status::PublishComplete | Status::SendToUserInbox
    ) {
        return true;
    }
    if let Some(bytes) = status.uploaded_bytes {
        return bytes >= size;
    }
    match status.status {
        Status::ProcessingUpload => {
            let chunk_size = chunk_size.unwrap_or(size).max(1);
            ChunkPlan::new(size, chunk_size).is_ok_and(|p| sent >= p.last_chunk().first)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_chunk_size_complaint_moves_on_to_the_next_plan() {
        let chunk = TikTokError::new("invalid_params", "The chunk size is invalid", Some(400));
        assert!(refuses_chunking(&chunk));
        let other = TikTokError::new("invalid_param", "title is too long", Some(400));
        assert!(!refuses_chunking(&other));
        let spam = TikTokError::new("spam_risk_too_many_posts", "chunk", Some(403));
        assert!(!refuses_chunking(&spam));
    }

    #[test]
    fn a_lost_answer_is_not_an_answer() {
        assert!(answered(&TikTokError::new("internal_error", "", Some(500))));
        assert!(!answered(&TikTokError::new("network", "timed out", None)));
    }

    #[test]
    fn an_upload_whose_last_chunk_was_in_flight_counts_as_delivered_when_unsure() {
        let processing = |bytes| PublishStatus {
            status: Status::ProcessingUpload,
            fail_reason: None,
            post_ids: Vec::new(),
            uploaded_bytes: bytes,
        };
        let size = 66_000_000;
        let chunk = 5_242_880;
        assert!(tiktok_has_the_file(
            &processing(Some(size)),
            size,
            0,
            Some(chunk)
        ));
        assert!(!tiktok_has_the_file(
            &processing(Some(10)),
            size,
            size,
            Some(chunk)
        ));
        assert!(!tiktok_has_the_file(
            &processing(None),
            size,
            0,
            Some(chunk)
        ));
        assert!(tiktok_has_the_file(
            &processing(None),
            size,
            57_671_680,
            Some(chunk)
        ));
    }
}
