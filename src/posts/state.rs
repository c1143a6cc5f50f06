//! The job state machine: every way a target's state may change, in one pure function.
//!
//! `apply(facts, event, now)` says what an event does to a target — its new state and every
//! column that changes — or why it is not allowed. The worker, the owner's actions and the API
//! all go through it; `repository::apply` writes its `Change` guarded on the state it expected,
//! so a target that changed meanwhile is never overwritten.
//!
//! The one fact that decides whether sending the file again could post the video twice is
//! `committed`: the platform has everything that can make the post happen (TikTok acknowledged
//! the last chunk). From then on Cast only follows the upload; `Retry` means "Check again", and
//! only the owner's explicit `SendAgain` starts over. A platform that says for certain that the
//! upload can never be published (TikTok's FAILED) takes `committed` back.

use std::time::Duration;

use serde::Serialize;

use super::backoff::{self, MAX_ATTEMPTS, SCHEDULE_TEXT};
use crate::platforms::{Event, Outcome, Visibility};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetState {
    /// Waits for the post's `publish_at`.
    Scheduled,
    /// Due: the worker will start the upload.
    Queued,
    /// The platform gave an upload; the file is being sent (`bytes_sent` is acknowledged).
    Uploading,
    /// Committed: the platform processes the video and Cast asks how it goes.
    Processing,
    /// Held back by a platform's cap until `waiting_until`, then taken up by itself.
    Waiting,
    /// Live or scheduled on the platform (`result_visibility` says which).
    Published,
    /// In the creator's inbox, for them to finish in the platform's app.
    InInbox,
    Failed,
    Cancelled,
}

impl TargetState {
    pub const ALL: [TargetState; 9] = [
        Self::Scheduled,
        Self::Queued,
        Self::Uploading,
        Self::Processing,
        Self::Waiting,
        Self::Published,
        Self::InInbox,
        Self::Failed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Queued => "queued",
            Self::Uploading => "uploading",
            Self::Processing => "processing",
            Self::Waiting => "waiting",
            Self::Published => "published",
            Self::InInbox => "in_inbox",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn is_final(self) -> bool {
        FINAL.contains(&self)
    }
}

/// States nothing moves out of by itself.
pub const FINAL: [TargetState; 4] = [
    TargetState::Published,
    TargetState::InInbox,
    TargetState::Failed,
    TargetState::Cancelled,
];
/// States the worker takes up when due (and published targets whose link is awaited).
pub const ACTIVE: [TargetState; 5] = [
    TargetState::Scheduled,
    TargetState::Queued,
    TargetState::Uploading,
    TargetState::Processing,
    TargetState::Waiting,
];
/// The owner may cancel a target in these states: nothing of it is at the platform yet, or it failed.
pub const CANCELLABLE: [TargetState; 4] = [
    TargetState::Scheduled,
    TargetState::Queued,
    TargetState::Waiting,
    TargetState::Failed,
];
/// The owner may retry a target in these states: "Retry" while nothing is committed (the file
/// is sent again), "Check again" once it is (the same upload is asked about again).
pub const RETRYABLE: [TargetState; 1] = [TargetState::Failed];
/// The owner may send the file anew after commit ("Send again (this may post it twice)").
pub const RESENDABLE: [TargetState; 1] = [TargetState::Failed];
/// Before commit: the states in which the file is (or will be) sent.
const SENDING: [TargetState; 4] = [
    TargetState::Scheduled,
    TargetState::Queued,
    TargetState::Waiting,
    TargetState::Uploading,
];

/// `state IN (...)` for SQL, from one of the lists above.
pub fn sql_in(states: &[TargetState]) -> String {
    let names: Vec<String> = states.iter().map(|s| format!("'{}'", s.as_str())).collect();
    format!("state IN ({})", names.join(", "))
}

/// What the owner may ask of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Send it again: only where nothing is committed, so it cannot post twice.
    Retry,
    /// Ask the platform again about the same upload: never sends the file.
    CheckAgain,
    /// Send the file anew after commit: may post it twice, so only when asked explicitly.
    SendAgain,
    /// Stop it (nothing more is sent).
    Cancel,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Retry => "retry",
            Self::CheckAgain => "check_again",
            Self::SendAgain => "send_again",
            Self::Cancel => "cancel",
        }
    }
}

/// The owner's actions on a target in `state`, from the lists above (in the order shown).
pub fn actions(state: TargetState, committed: bool) -> Vec<Action> {
    let mut out = Vec::new();
    if RETRYABLE.contains(&state) {
        out.push(if committed {
            Action::CheckAgain
        } else {
            Action::Retry
        });
    }
    if committed && RESENDABLE.contains(&state) {
        out.push(Action::SendAgain);
    }
    if CANCELLABLE.contains(&state) {
        out.push(Action::Cancel);
    }
    out
}

/// A retried target resumes the platform's upload only if its session stays valid this long.
pub const RESUME_MARGIN_SECS: i64 = 120;

/// What the machine needs to know of a target.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub state: TargetState,
    pub attempts: u32,
    pub trouble_since: Option<i64>,
    pub committed: bool,
    pub has_remote: bool,
    /// Until when the upload session may be used; None without one.
    pub session_valid_until: Option<i64>,
    pub bytes_sent: u64,
    pub size: u64,
    /// An `Initiating` whose answer was not recorded yet.
    pub initiating: bool,
    pub orphaned_inits: u32,
    pub link_pending: bool,
    pub polls: u32,
    pub resends: u32,
    /// The platform's name, for the messages the machine writes.
    pub platform: &'static str,
}

/// A column that may be set to NULL.
pub type Nullable<T> = Option<Option<T>>;

/// Everything an event changes, and the state it expects to find. `None` leaves a column be.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Change {
    pub expected: Option<TargetState>,
    pub state: Option<TargetState>,
    pub attempts: Option<u32>,
    pub trouble_since: Nullable<i64>,
    pub run_at: Option<i64>,
    pub remote_id: Nullable<String>,
    pub session: Nullable<String>,
    pub session_expires_at: Nullable<i64>,
    pub bytes_sent: Option<u64>,
    pub committed: Option<bool>,
    pub committed_at: Nullable<i64>,
    pub initiating_at: Nullable<i64>,
    pub orphaned_inits: Option<u32>,
    pub progress: Option<serde_json::Value>,
    pub polls: Option<u32>,
    pub result_url: Nullable<String>,
    pub result_post_id: Nullable<String>,
    pub result_visibility: Nullable<Visibility>,
    pub link_pending_until: Nullable<i64>,
    pub waiting_until: Nullable<i64>,
    /// `error_code` and `last_error`, always together.
    pub error: Nullable<(String, String)>,
    pub note: Nullable<String>,
    pub resends: Option<u32>,
    pub finished_at: Nullable<i64>,
}

impl Change {
    fn from(facts: &Facts) -> Self {
        Self {
            expected: Some(facts.state),
            ..Self::default()
        }
    }

    fn to(mut self, state: TargetState) -> Self {
        self.state = Some(state);
        self
    }

    fn error(mut self, code: &str, message: impl Into<String>) -> Self {
        self.error = Some(Some((code.to_string(), message.into())));
        self
    }

    fn clear_error(mut self) -> Self {
        self.error = Some(None);
        self
    }

    fn no_trouble(mut self) -> Self {
        self.attempts = Some(0);
        self.trouble_since = Some(None);
        self
    }

    /// The upload session is a credential: gone once it cannot be used any more.
    fn forget_session(mut self) -> Self {
        self.session = Some(None);
        self.session_expires_at = Some(None);
        self
    }

    /// Everything of the platform's upload, for a new one.
    fn start_over(mut self) -> Self {
        self.remote_id = Some(None);
        self.bytes_sent = Some(0);
        self.committed = Some(false);
        self.committed_at = Some(None);
        self.polls = Some(0);
        self.progress = Some(serde_json::json!({}));
        self.result_url = Some(None);
        self.result_post_id = Some(None);
        self.result_visibility = Some(None);
        self.link_pending_until = Some(None);
        self.note = Some(None);
        self.forget_session()
    }

    fn finish(mut self, state: TargetState, now: i64) -> Self {
        self.finished_at = Some(Some(now));
        self.initiating_at = Some(None);
        self.waiting_until = Some(None);
        self.forget_session().to(state)
    }
}

/// Why an event cannot apply, in the owner's words when it is theirs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NotAllowed {
    pub state: TargetState,
    pub event: &'static str,
    /// For the API: `cannot_cancel`, `cannot_retry`, `not_allowed`.
    pub code: &'static str,
    pub message: String,
}

fn refuse(f: &Facts, event: &Event, code: &'static str, message: impl Into<String>) -> NotAllowed {
    NotAllowed {
        state: f.state,
        event: event.name(),
        code,
        message: message.into(),
    }
}

fn not_now(f: &Facts, event: &Event) -> NotAllowed {
    refuse(
        f,
        event,
        "not_allowed",
        format!(
            "'{}' cannot happen to a {} target",
            event.name(),
            f.state.as_str()
        ),
    )
}

fn secs(d: Duration) -> i64 {
    backoff::secs_ceil(d)
}

/// What `event` does to a target with these `facts`, at `now` (Unix seconds).
pub fn apply(f: &Facts, event: &Event, now: i64) -> Result<Change, NotAllowed> {
    use TargetState as S;
    let sending = SENDING.contains(&f.state);
    let base = Change::from(f);
    Ok(match event {
        Event::Initiating if sending && !f.has_remote && !f.committed => {
            let mut c = base;
            if f.initiating {
                c.orphaned_inits = Some(f.orphaned_inits + 1);
            }
            c.initiating_at = Some(Some(now));
            c.waiting_until = Some(None);
            // A scheduled or waiting target that starts is no longer either.
            if matches!(f.state, S::Scheduled | S::Waiting) {
                c = c.to(S::Queued);
            }
            c
        }
        Event::NothingCreated if sending || f.state == S::Failed => {
            let mut c = base;
            c.initiating_at = Some(None);
            c
        }
        Event::Initialised {
            remote_id,
            session,
            session_expires_at,
            progress,
        } if sending && !f.committed => {
            let mut c = base.to(S::Uploading).no_trouble().clear_error();
            c.remote_id = Some(Some(remote_id.clone()));
            c.session = Some(session.clone());
            c.session_expires_at = Some(*session_expires_at);
            c.bytes_sent = Some(0);
            c.polls = Some(0);
            c.progress = Some(progress.clone());
            c.initiating_at = Some(None);
            c.waiting_until = Some(None);
            c
        }
        Event::Progress(progress) if !f.state.is_final() || f.link_pending => {
            let mut c = base;
            c.progress = Some(progress.clone());
            c
        }
        Event::BytesAcknowledged { total } if f.state == S::Uploading && f.has_remote => {
            let mut c = base.no_trouble();
            c.bytes_sent = Some((*total).min(f.size));
            c
        }
        Event::Committed { next_poll_at } if sending && f.has_remote => {
            let mut c = base.to(S::Processing).no_trouble().forget_session();
            c.committed = Some(true);
            c.committed_at = Some(Some(now));
            c.bytes_sent = Some(f.size);
            c.polls = Some(0);
            c.run_at = Some(*next_poll_at);
            c.initiating_at = Some(None);
            c
        }
        Event::StillProcessing { next_poll_at }
            if f.state == S::Processing || (f.state == S::Published && f.link_pending) =>
        {
            let mut c = base;
            c.polls = Some(f.polls + 1);
            c.run_at = Some(*next_poll_at);
            c
        }
        // A hint moves only the next ask, never the state: a late or repeated one changes nothing.
        Event::Nudge if f.state == S::Processing || (f.state == S::Published && f.link_pending) => {
            let mut c = base;
            c.run_at = Some(now);
            c
        }
        Event::Pause { until } if ACTIVE.contains(&f.state) || f.link_pending => {
            let mut c = base;
            c.run_at = Some((*until).max(now));
            c
        }
        Event::Finished(outcome) if f.state == S::Processing => match outcome {
            Outcome::Published {
                url,
                post_id,
                visibility,
                link_pending_until,
            } => {
                let mut c = base.finish(S::Published, now).no_trouble().clear_error();
                c.result_url = Some(url.clone());
                c.result_post_id = Some(post_id.clone());
                c.result_visibility = Some(Some(*visibility));
                c.link_pending_until = Some(*link_pending_until);
                c.polls = Some(0);
                if link_pending_until.is_some() {
                    c.run_at = Some(now + secs(backoff::FIRST_LINK_ASK));
                }
                c
            }
            Outcome::InInbox { note } => {
                let mut c = base.finish(S::InInbox, now).no_trouble().clear_error();
                c.note = Some(note.clone());
                c
            }
        },
        Event::LinkArrived { url, post_id } if f.state == S::Published && f.link_pending => {
            let mut c = base;
            if post_id.is_some() {
                c.result_post_id = Some(post_id.clone());
            }
            if url.is_some() {
                c.result_url = Some(url.clone());
            }
            c.link_pending_until = Some(None);
            c
        }
        Event::NoLongerPublic { note } if f.state == S::Published => {
            let mut c = base;
            c.result_visibility = Some(Some(Visibility::Private));
            c.note = Some(Some(note.clone()));
            c
        }
        Event::Trouble {
            code,
            message,
            retry_after,
        } => trouble(f, base, event, code, message, *retry_after, now)?,
        Event::SessionLost {
            code,
            message,
            definitive,
        } if (sending && !f.committed) || (*definitive && f.state == S::Processing) => {
            let attempts = f.attempts + 1;
            if attempts >= MAX_ATTEMPTS {
                return Ok(base
                    .finish(S::Failed, now)
                    .error(code, gave_up(message, attempts, f))
                    .start_over());
            }
            // The first start-over (an expired link) goes at once; repeated ones back off.
            let delay = if attempts > 1 {
                backoff::retry_delay(attempts - 1, None)
            } else {
                Duration::ZERO
            };
            let mut c = base.to(S::Queued).error(code, message.clone()).start_over();
            c.attempts = Some(attempts);
            c.trouble_since = Some(Some(f.trouble_since.unwrap_or(now)));
            c.run_at = Some(now + secs(delay));
            c.initiating_at = Some(None);
            c
        }
        Event::Wait {
            until,
            code,
            message,
        } if sending && !f.committed => {
            let mut c = base.to(S::Waiting).error(code, message.clone());
            c.waiting_until = Some(Some(*until));
            c.run_at = Some((*until).max(now));
            c.initiating_at = Some(None);
            c
        }
        Event::Refused {
            code,
            message,
            definitive,
        } if ACTIVE.contains(&f.state) => {
            let mut c = base.finish(S::Failed, now).error(code, message.clone());
            if *definitive {
                // The platform said this upload can never be published: sending again is safe.
                c.committed = Some(false);
            }
            c
        }
        Event::NotConfirmed { message } if f.state == S::Processing => base
            .finish(S::Failed, now)
            .error("not_confirmed", message.clone()),
        Event::Cancel if CANCELLABLE.contains(&f.state) => base.finish(S::Cancelled, now),
        Event::Cancel => {
            return Err(refuse(
                f,
                event,
                "cannot_cancel",
                format!(
                    "This target is {}: only a scheduled, queued, waiting or failed one can be cancelled.",
                    f.state.as_str()
                ),
            ));
        }
        Event::Retry if RETRYABLE.contains(&f.state) => retry(f, base, now),
        Event::Retry => {
            let message = if f.committed && !f.state.is_final() {
                format!(
                    "{} has the whole video and is processing it: Cast is following it, so there is nothing to retry.",
                    f.platform
                )
            } else {
                format!(
                    "This target is {}: only a failed one can be retried.",
                    f.state.as_str()
                )
            };
            return Err(refuse(f, event, "cannot_retry", message));
        }
        Event::SendAgain if f.committed && RESENDABLE.contains(&f.state) => {
            let mut c = base.to(S::Queued).no_trouble().clear_error().start_over();
            c.resends = Some(f.resends + 1);
            c.run_at = Some(now);
            c.finished_at = Some(None);
            c
        }
        Event::SendAgain => {
            return Err(refuse(
                f,
                event,
                "cannot_retry",
                format!(
                    "This target is {}: only a failed target whose video {} already has can be sent again.",
                    f.state.as_str(),
                    f.platform
                ),
            ));
        }
        _ => return Err(not_now(f, event)),
    })
}

/// Temporary trouble: waited out on the schedule before commit, followed (never counted) after.
fn trouble(
    f: &Facts,
    base: Change,
    event: &Event,
    code: &str,
    message: &str,
    retry_after: Option<Duration>,
    now: i64,
) -> Result<Change, NotAllowed> {
    use TargetState as S;
    if f.state == S::Processing || (f.state == S::Published && f.link_pending) {
        let after = retry_after
            .unwrap_or(backoff::FOLLOW_TROUBLE)
            .max(backoff::FOLLOW_TROUBLE);
        let mut c = base;
        c.polls = Some(f.polls + 1);
        c.run_at = Some(now + secs(after));
        if f.state == S::Processing {
            c = c.error(
                code,
                format!(
                    "{message} {} has the whole video, so Cast keeps asking how it is doing.",
                    f.platform
                ),
            );
        }
        return Ok(c);
    }
    if !SENDING.contains(&f.state) {
        return Err(not_now(f, event));
    }
    let attempts = f.attempts + 1;
    if attempts >= MAX_ATTEMPTS {
        return Ok(base
            .finish(S::Failed, now)
            .error(code, gave_up(message, attempts, f)));
    }
    let delay = backoff::retry_delay(attempts, retry_after);
    let mut c = base.error(code, retrying(message, attempts, delay));
    c.attempts = Some(attempts);
    c.trouble_since = Some(Some(f.trouble_since.unwrap_or(now)));
    c.run_at = Some(now + secs(delay));
    Ok(c)
}

/// The owner's Retry on a failed target.
fn retry(f: &Facts, base: Change, now: i64) -> Change {
    use TargetState as S;
    let mut c = base.no_trouble().clear_error();
    c.finished_at = Some(None);
    c.run_at = Some(now);
    if f.committed {
        // Check again: the same upload, followed for another processing bound.
        let mut c = c.to(S::Processing);
        c.committed_at = Some(Some(now));
        c.polls = Some(0);
        return c;
    }
    let resumable = f.has_remote
        && f.bytes_sent < f.size
        && f.session_valid_until
            .is_some_and(|t| t > now + RESUME_MARGIN_SECS);
    if resumable {
        return c.to(S::Uploading);
    }
    if f.has_remote {
        // The session is gone: the platform is first asked whether its upload already holds
        // the whole file (the last answer may have been lost), and only then started over.
        return c.to(S::Uploading).forget_session();
    }
    c.to(S::Queued).start_over()
}

/// The one message a target shows while Cast waits out trouble…
fn retrying(message: &str, attempts: u32, delay: Duration) -> String {
    format!(
        "{message} Cast will try again in {} (attempt {attempts} of {MAX_ATTEMPTS}; it keeps trying {SCHEDULE_TEXT}).",
        backoff::words(delay)
    )
}

/// …and the one it shows when it stopped.
fn gave_up(message: &str, attempts: u32, _f: &Facts) -> String {
    format!(
        "{message} Cast tried {attempts} times over about an hour ({SCHEDULE_TEXT}) and stopped. Press Retry to try again."
    )
}

#[cfg(test)]
mod tests;
