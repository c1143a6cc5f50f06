//! What a platform reports about a target as it moves it on: the vocabulary of the job state
//! machine (`posts::state`). A platform records each event as it happens, so a step that is cut
//! short (a crash, a timeout, a stop) leaves the target at the last thing that really happened.

use std::time::Duration;

use serde::Serialize;

/// Who can see a published post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    Friends,
    Followers,
    Private,
    Unlisted,
    /// On the platform, to go live at its publish time.
    Scheduled,
}

impl Visibility {
    pub const ALL: [Visibility; 6] = [
        Self::Public,
        Self::Friends,
        Self::Followers,
        Self::Private,
        Self::Unlisted,
        Self::Scheduled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Friends => "friends",
            Self::Followers => "followers",
            Self::Private => "private",
            Self::Unlisted => "unlisted",
            Self::Scheduled => "scheduled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// How a target ended well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Live (or scheduled) on the platform. `url` is the post's page, or the profile's while the
    /// post's own id is not known; `link_pending_until`: the platform may still give the id, and
    /// the target is asked again until then.
    Published {
        url: Option<String>,
        post_id: Option<String>,
        visibility: Visibility,
        link_pending_until: Option<i64>,
    },
    /// Waiting in the creator's inbox for them to finish it in the platform's app; `note` says
    /// why when the owner asked for a direct post.
    InInbox { note: Option<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Recorded before a call that creates something at the platform which only its answer
    /// names (TikTok's init, YouTube's session, Instagram's container). Found still set at the
    /// next step, that answer was lost: the remote thing may be orphaned, and it is counted.
    Initiating,
    /// The platform answered the creating call and created nothing: the marker comes off.
    NothingCreated,
    /// The platform created the upload: its id, the session to send to (a credential) and
    /// until when it lasts, and the platform's own notes (`progress`, e.g. the chunk size).
    Initialised {
        remote_id: String,
        session: Option<String>,
        session_expires_at: Option<i64>,
        progress: serde_json::Value,
    },
    /// The platform's own notes changed (e.g. a chunk size it refused), nothing else did.
    Progress(serde_json::Value),
    /// The platform holds the first `total` bytes.
    BytesAcknowledged {
        total: u64,
    },
    /// The platform has everything that can make the post happen (TikTok: the last chunk was
    /// acknowledged). From here Cast only follows it, and never sends the file again by itself.
    Committed {
        next_poll_at: i64,
    },
    /// Asked, not final yet: ask again then.
    StillProcessing {
        next_poll_at: i64,
    },
    /// The platform said, outside any step (a webhook), that a target Cast follows has news:
    /// ask it now rather than at the next poll. Only a hint: the poll decides what happened.
    Nudge,
    /// Nothing wrong, just not now (a rate limit's slot): the same step again then.
    Pause {
        until: i64,
    },
    Finished(Outcome),
    /// A published target's late post id came (or, with `post_id` None, Cast stops waiting).
    LinkArrived {
        url: Option<String>,
        post_id: Option<String>,
    },
    /// A published post is no longer public on the platform (made private, or taken down):
    /// its id and link are kept, its visibility is no longer public, and `note` says so.
    NoLongerPublic {
        note: String,
    },
    /// Temporary trouble (429, 5xx, network, a timeout): tried again on the backoff schedule,
    /// and failed only once about an hour of it has passed. While the platform processes a
    /// committed upload, trouble is waited out and never counted.
    Trouble {
        code: String,
        message: String,
        retry_after: Option<Duration>,
    },
    /// The upload must start over (an expired upload URL, an unknown session). After commit
    /// only when the platform said for certain nothing can be posted (`definitive`).
    SessionLost {
        code: String,
        message: String,
        definitive: bool,
    },
    /// A platform's cap (a daily limit): the target waits until then, with the reason.
    Wait {
        until: i64,
        code: String,
        message: String,
    },
    /// Refused for good. `definitive`: the platform said this upload can never be published,
    /// so sending it again (Retry) is safe even after commit.
    Refused {
        code: String,
        message: String,
        definitive: bool,
    },
    /// Committed, but the platform never confirmed within its bound: it may be posted.
    NotConfirmed {
        message: String,
    },
    /// The owner's actions.
    Cancel,
    /// Retry: send again where nothing is committed; where it is, only ask again ("Check again").
    Retry,
    /// "Send again (this may post it twice)": the explicit re-send after commit.
    SendAgain,
}

impl Event {
    pub fn trouble(code: &str, message: impl Into<String>) -> Self {
        Self::Trouble {
            code: code.to_string(),
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn refused(code: &str, message: impl Into<String>) -> Self {
        Self::Refused {
            code: code.to_string(),
            message: message.into(),
            definitive: false,
        }
    }

    pub fn session_lost(code: &str, message: impl Into<String>) -> Self {
        Self::SessionLost {
            code: code.to_string(),
            message: message.into(),
            definitive: false,
        }
    }

    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Initiating => "initiating",
            Self::NothingCreated => "nothing_created",
            Self::Initialised { .. } => "initialised",
            Self::Progress(_) => "progress",
            Self::BytesAcknowledged { .. } => "bytes_acknowledged",
            Self::Committed { .. } => "committed",
            Self::StillProcessing { .. } => "still_processing",
            Self::Nudge => "nudge",
            Self::Pause { .. } => "pause",
            Self::Finished(_) => "finished",
            Self::LinkArrived { .. } => "link_arrived",
            Self::NoLongerPublic { .. } => "no_longer_public",
            Self::Trouble { .. } => "trouble",
            Self::SessionLost { .. } => "session_lost",
            Self::Wait { .. } => "wait",
            Self::Refused { .. } => "refused",
            Self::NotConfirmed { .. } => "not_confirmed",
            Self::Cancel => "cancel",
            Self::Retry => "retry",
            Self::SendAgain => "send_again",
        }
    }
}
