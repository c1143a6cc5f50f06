//! A sender waiting on a video that may still be arriving (see `relay`): for the bytes it is
//! about to send, and, before the part that commits a post, for the video check. A finished,
//! checked video answers at once with one read.
//!
//! While a PATCH is writing, the wait follows its recorded progress (tus signals each step).
//! With nobody sending, the step ends instead of holding a worker slot for a phone that went
//! quiet: the target pauses until the next PATCH wakes it (`relay::upload_progressed`).

use std::time::Duration;

use super::PostError;
use super::core::Core;
use crate::tus::TusError;

/// A signal missed between reading the state and arming the wait costs at most this long.
const RECHECK: Duration = Duration::from_secs(2);

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
    loop {
        let changed = core.tus.changes().notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        match now(core, post_id, need).await? {
            Now::Ready => return Ok(Waited::Ready),
            Now::Refused(words) => return Ok(Waited::Refused(words)),
            // The phone is not sending (or the check is about to start): the next PATCH or the
            // check's outcome takes the target up again.
            Now::Waiting { writing: false } => return Ok(Waited::Idle),
            Now::Waiting { writing: true } => {}
        }
        if should_yield() {
            return Ok(Waited::Yield);
        }
        tokio::select! {
            () = &mut changed => {}
            () = tokio::time::sleep(RECHECK) => {}
        }
    }
}
