//! A sender waiting on a video that may still be arriving (see `relay`): for the bytes it is
//! about to send, and, before the part that commits a post, for the video check. A finished,
//! checked video answers at once with one read.
//!
//! While a PATCH is writing, the wait follows its recorded progress (tus signals each step).
//! With nobody sending for a moment, the step ends instead of holding a worker slot for a phone
//! that went quiet: the target pauses until the next PATCH wakes it (`paused::upload_progressed`).

use std::time::Duration;

use super::PostError;
use super::core::Core;
use crate::tus::TusError;

/// A signal missed between reading the state and arming the wait costs at most this long.
const RECHECK: Duration = Duration::from_secs(2);

/// How long a sender short of bytes waits for a writer before pausing. A phone sends its
/// video as a run of PATCHes, each starting right after the last; pausing in the gap between
/// two would cost a whole step (and, for YouTube, a probe of the session) per PATCH.
const WRITER_GRACE: Duration = Duration::from_secs(2);

/// What a sender needs of the video.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// Its first `n` bytes on disk.
    Bytes(u64),
    /// The check passed (the whole video is there and fit for every target).
    Check,
}

/// How a wait ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Waited {
    Ready,
    /// Nothing can arrive now (no PATCH is writing): the step ends and the target waits.
    Idle,
    /// The step should end (Cast stops, or its slice is used).
    Yield,
    /// The video failed its check: the words for the owner.
    Refused(String),
}

enum Now {
    Ready,
    Waiting { writing: bool },
    Refused(String),
}

#[derive(sqlx::FromRow)]
struct Row {
    check_state: String,
    check_reason: Option<String>,
    relay: bool,
    browser_upload_id: Option<String>,
}

async fn now(core: &Core, post_id: &str, need: Need) -> Result<Now, PostError> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT check_state, check_reason, relay, browser_upload_id FROM posts WHERE id = ?",
    )
    .bind(post_id)
    .fetch_optional(&core.db)
    .await?;
    let Some(row) = row else {
        return Err(PostError::NotFound);
    };
    match row.check_state.as_str() {
        "passed" => return Ok(Now::Ready),
        "failed" => {
            return Ok(Now::Refused(row.check_reason.unwrap_or_else(|| {
                "The video failed its check. Nothing was posted: fix the video and post it again."
                    .into()
            })));
        }
        // Pending, or a check running: its outcome takes paused targets up (`relay::concluded`).
        _ => {}
    }
    let Some(upload_id) = row.browser_upload_id.filter(|_| row.relay) else {
        return Ok(Now::Waiting { writing: false });
    };
    let writing = core.tus.is_writing(&upload_id);
    let Need::Bytes(end) = need else {
        return Ok(Now::Waiting { writing });
    };
    match core.tus.get(&upload_id).await {
        Ok(u) if u.received.max(0) as u64 >= end => Ok(Now::Ready),
        Ok(_) => Ok(Now::Waiting { writing }),
        // Gone while the post is unchecked: the check (or its expiry) is about to conclude.
        Err(TusError::NotFound | TusError::Expired) => Ok(Now::Waiting { writing: false }),
        Err(e) => Err(PostError::Probe(e.to_string())),
    }
}

/// Waits until `need` is met, the video is refused, nobody is sending, or `should_yield`.
pub async fn wait(
    core: &Core,
    post_id: &str,
    need: Need,
    should_yield: &(dyn Fn() -> bool + Sync),
) -> Result<Waited, PostError> {
    let mut idle_since: Option<tokio::time::Instant> = None;
    loop {
        let changed = core.tus.changes().notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let pause = match now(core, post_id, need).await? {
            Now::Ready => return Ok(Waited::Ready),
            Now::Refused(words) => return Ok(Waited::Refused(words)),
            Now::Waiting { writing: true } => {
                idle_since = None;
                RECHECK
            }
            // The phone is not sending (or the check is about to start): after a moment for
            // the next PATCH, the next PATCH or the check's outcome takes the target up again.
            Now::Waiting { writing: false } => {
                let since = *idle_since.get_or_insert_with(tokio::time::Instant::now);
                let left = WRITER_GRACE.saturating_sub(since.elapsed());
                if matches!(need, Need::Check) || left.is_zero() {
                    return Ok(Waited::Idle);
                }
                left
            }
        };
        if should_yield() {
            return Ok(Waited::Yield);
        }
        tokio::select! {
            () = &mut changed => {}
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// Whether a sender that has just paused for `need` would find it met, or a writer at work,
/// if it looked again: a PATCH that began while it was pausing woke nobody.
pub async fn moved_meanwhile(core: &Core, post_id: &str, need: Need) -> Result<bool, PostError> {
    Ok(!matches!(
        now(core, post_id, need).await?,
        Now::Waiting { writing: false }
    ))
}
