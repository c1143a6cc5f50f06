//! Sending the file (contract 4 and 5): the initiation (marked `Initiating` before it goes out),
//! then chunks streamed from the spool file, each confirmed offset recorded at once. YouTube's
//! `Range` is the only truth about what arrived: every resume starts with a probe, so a lost
//! final answer is found complete instead of uploaded twice; a dead session (404) starts over.

use super::auth::endpoint;
use super::context::{CallFailure, Context, stop};
use super::notes::{Notes, poll_delay};
use super::parse::metadata;
use super::upload::{ChunkSize, Progress, Resume, Upload, UploadSession, UploadedVideo};
use crate::accounts::{AccountError, GatewayError};
use crate::platforms::{Event, Recorder, StepResult, Stop, TargetJob};

/// How long Cast trusts a session URI: the sandbox's default lifetime, shorter than Drive's
/// week (YouTube does not say, Unsure 4). Past it, Retry asks YouTube before starting over.
const SESSION_SECS: i64 = 86_400;
/// Answers in a row that confirm nothing new before the step gives up for now.
const MAX_STALLS: u32 = 3;

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

fn upload<'a>(job: &'a TargetJob, chunk_size: ChunkSize) -> Upload<'a> {
    Upload {
        file: &job.video.path,
        size: job.video.size,
        content_type: &job.video.content_type,
        chunk_size,
    }
}

fn chunk_size(cx: &Context, notes: &Notes) -> ChunkSize {
    notes
        .chunk_size
        .and_then(|n| ChunkSize::new(n).ok())
        .unwrap_or(cx.settings.chunk_size)
}

/// A target with nothing at YouTube yet: open a session, then send from byte 0.
pub async fn start(cx: &Context, job: &TargetJob, rec: &dyn Recorder) -> StepResult {
    require_file(job)?;
    let metadata = metadata(&job.options, rec.now_ms()).map_err(|ps| {
        let text: Vec<String> = ps.into_iter().map(|p| p.message).collect();
        refused("metadata", text.join(" "))
    })?;
    // Recorded before the request: if its answer is lost, the next step knows a session may
    // have been opened (it holds no bytes, so nothing can be published from it).
    rec.record(Event::Initiating).await?;
    let client = &cx.client;
    let (size, content_type) = (job.video.size, job.video.content_type.as_str());
    let metadata = &metadata;
    let opened = cx
        .gateway
        .call(&job.account_id, endpoint::INIT, |t| async move {
            client.initiate(&t, metadata, size, content_type).await
        })
        .await;
    let session = match opened {
        Ok(session) => session,
        Err(e) => {
            if nothing_created(&e) {
                rec.record(Event::NothingCreated).await?;
            }
            return Err(stop(e, rec.now()));
        }
    };
    let mut notes = Notes::of(job);
    notes.chunk_size = Some(cx.settings.chunk_size.get());
    notes.video_id = None;
    notes.sessions += 1;
    tracing::info!(session = %session.log_id(), size, "YouTube upload session opened");
    rec.record(Event::Initialised {
        remote_id: format!("session:{}", session.log_id()),
        session: Some(session.uri().to_string()),
        session_expires_at: Some(rec.now() + SESSION_SECS),
        progress: notes.to_value(),
    })
    .await?;
    send(cx, job, rec, &session, &notes, 0).await
}

/// YouTube answered the initiation (with a refusal), or it was never sent: no session exists.
fn nothing_created(e: &CallFailure) -> bool {
    match e {
        GatewayError::Platform(y) => y.http_status.is_some(),
        GatewayError::Account(_) | GatewayError::Wait(_) => true,
        GatewayError::TimedOut(_) => false,
    }
}

/// A target whose session YouTube has (after a restart, trouble, a yield, or Retry): ask
/// YouTube how much it holds, then go on from there, or follow the video if it is complete.
pub async fn resume(cx: &Context, job: &TargetJob, rec: &dyn Recorder) -> StepResult {
    require_file(job)?;
    let Some(uri) = job.session.clone() else {
        return Err(Stop::Event(Event::session_lost(
            "no_session",
            "Cast no longer holds YouTube's upload session; it starts the upload again.",
        )));
    };
    let session = UploadSession::from_uri(uri);
    let notes = Notes::of(job);
    let client = &cx.client;
    let up = upload(job, chunk_size(cx, &notes));
    let up = &up;
    let session_ref = &session;
    let probed = cx
        .gateway
        .call(&job.account_id, endpoint::CHUNK, |t| async move {
            client.advance(&t, session_ref, up, Resume::Probe).await
        })
        .await;
    match probed {
        Ok(Progress::Complete(video)) => {
            tracing::info!(video_id = %video.id, "YouTube already has the whole upload");
            complete(rec, notes, video).await
        }
        Ok(Progress::Incomplete { confirmed, .. }) => {
            tracing::info!(
                confirmed,
                recorded = job.bytes_sent,
                "resuming the YouTube upload from YouTube's offset"
            );
            rec.record(Event::BytesAcknowledged { total: confirmed })
                .await?;
            send(cx, job, rec, &session, &notes, confirmed).await
        }
        Err(e) => Err(stop(e, rec.now())),
    }
}

/// Sends chunks from `offset` (an offset YouTube confirmed) until YouTube has the file.
async fn send(
    cx: &Context,
    job: &TargetJob,
    rec: &dyn Recorder,
    session: &UploadSession,
    notes: &Notes,
    mut offset: u64,
) -> StepResult {
    let client = &cx.client;
    let up = upload(job, chunk_size(cx, notes));
    let up = &up;
    let mut stalls = 0;
    loop {
        let at = offset;
        // A video still arriving is sent as it comes; the chunk that ends it (YouTube's
        // commit) only once the video passed Cast's check.
        let end = at.saturating_add(up.chunk_size.get()).min(job.video.size);
        if !rec.arrived(end).await? || (end >= job.video.size && !rec.checked().await?) {
            return Ok(());
        }
        let answer = cx
            .gateway
            .call(&job.account_id, endpoint::CHUNK, |t| async move {
                client.advance(&t, session, up, Resume::At(at)).await
            })
            .await;
        match answer {
            Ok(Progress::Complete(video)) => return complete(rec, notes.clone(), video).await,
            Ok(Progress::Incomplete {
                confirmed,
                retry_after,
            }) => {
                rec.record(Event::BytesAcknowledged { total: confirmed })
                    .await?;
                if confirmed <= offset {
                    stalls += 1;
                    if stalls >= MAX_STALLS {
                        return Err(Stop::Event(Event::trouble(
                            "no_progress",
                            "YouTube kept taking chunks without confirming them; Cast asks again later.",
                        )));
                    }
                } else {
                    stalls = 0;
                }
                offset = confirmed;
                if let Some(d) = retry_after {
                    return Err(Stop::Event(Event::Pause {
                        until: rec.now() + d.as_secs_f64().ceil() as i64,
                    }));
                }
                if rec.should_yield() {
                    tracing::info!(
                        bytes = offset,
                        "pausing the YouTube upload after this chunk"
                    );
                    return Ok(());
                }
            }
            // A chunk whose answer never came (a timeout, a dropped connection, a 5xx) is
            // trouble: the next step probes before it sends anything again.
            Err(GatewayError::Account(AccountError::NeedsReconnect(m))) => {
                return Err(Stop::Event(Event::refused(
                    "needs_reconnect",
                    format!("This YouTube channel needs to be connected again: {m}"),
                )));
            }
            Err(e) => return Err(stop(e, rec.now())),
        }
    }
}

/// YouTube has the file and named the video: note its id, then commit (from here the target
/// is only followed, never sent again by itself).
async fn complete(rec: &dyn Recorder, mut notes: Notes, video: UploadedVideo) -> StepResult {
    notes.video_id = Some(video.id.clone());
    rec.record(Event::Progress(notes.to_value())).await?;
    rec.record(Event::Committed {
        next_poll_at: rec.now() + poll_delay(0).as_secs() as i64,
    })
    .await
}
